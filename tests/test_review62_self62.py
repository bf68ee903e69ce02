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
