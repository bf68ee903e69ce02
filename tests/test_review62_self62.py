"""Regressions of SonicWall ends, ported addresses, syslog rules and empty paths (review)."""

from __future__ import annotations

import pandas as pd


def _flows(n: int = 60) -> pd.DataFrame:
    """A flow table of the user's own, its ends' ports in columns of their own (no SonicWall's)."""
    return pd.DataFrame({
        "timestamp": pd.date_range("2024-01-01", periods=n, freq="30s"),
        "src": [f"10.0.0.{2 + i % 4}" for i in range(n)],
        "dst": [f"10.0.1.{1 + i % 3}" for i in range(n)],
        "srcPort": [40000 + 37 * i for i in range(n)],
        "dstPort": [(443, 80, 53)[i % 3] for i in range(n)],
        "bytes": [100 + 17 * i % 900 for i in range(n)]})


def test_a_flow_tables_src_and_src_port_are_not_joined_as_a_sonicwall_end() -> None:
    # What was wrong: a model that knew src but not srcPort (trained with --drop srcPort) took any
    # table's src beside srcPort for a SonicWall end and joined them: an entity model by src scored
    # one entity per connection ('10.0.0.2:40000', one bucket per row of 4 entities' rows).
    from hourglass.features.entity import EntityWindows
    from hourglass.ingest.kv import frame_ends_joined, joined_ends
    from hourglass.serve.scoring import TableScorer

    df = _flows()
    ent = EntityWindows("src", "timestamp", bucket="10min").fit(df.drop(columns=["srcPort"]))
    got = ent.aggregate(df)
    assert set(got["entity"]) == {"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"}
    assert frame_ends_joined(df, ("src",)) is df
    row = {"src": "10.0.0.5", "srcPort": 51234, "bytes": 3}
    assert joined_ends(row, ("src",)) == row
    # a table model's service rows too: src stays the address the client sent
    from hourglass import AutoEncoder, Pipeline

    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0))
    pipe.fit(df.drop(columns=["srcPort", "timestamp"]))
    assert pipe.with_sonicwall_ends(df)["src"].iloc[0] == "10.0.0.2"
    scorer = TableScorer.from_pipeline(pipe)
    assert scorer._flat_rows([row])[0]["src"] == "10.0.0.5"


def test_a_sonicwall_model_trained_without_its_ports_scores_its_own_log() -> None:
    # What was wrong: a SonicWall model trained on the ends read apart with --drop srcPort
    # --drop dstPort was taken for one that learnt the ends whole: scoring joined src and dst
    # back and dropped srcInterface, so its own log was refused ('column(s) the model needs are
    # missing: srcInterface, dstInterface').
    from hourglass import AutoEncoder, Pipeline
    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.ingest.kv import KV_ROLES, parse_kv

    rows = [parse_kv(f'id=firewall sn=0017C5A1B2C3 fw=203.0.113.5 pri=6 c=1024 m=537 n={i} '
                     f'src=10.0.0.{10 + i % 5}:{50000 + i}:X0 dst=8.8.{i % 3}.8:{(443, 53)[i % 2]}:X1 '
                     f'proto=tcp/https sent={200 + 37 * i % 900}') for i in range(60)]
    df = pd.DataFrame(rows)
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0),
                    features=TabularPreprocessor(roles=KV_ROLES))
    pipe.fit(df.drop(columns=["srcPort", "dstPort"]))
    assert pipe.sonicwall_ends() == ()
    assert len(pipe.score(df)) == 60
