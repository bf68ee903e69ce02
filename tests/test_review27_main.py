"""Checks from the twenty-seventh review that belong to no helper's file."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.detectors.autoencoder import AutoEncoder
from hourglass.pipeline import Pipeline


def test_a_federated_model_card_counts_one_site_round_and_epoch_in_the_singular() -> None:
    # the card of a one-site federated model said '1 sites (...), FedAvg, 1 rounds x 1 local
    # epochs'
    df = pd.DataFrame({"x": np.random.default_rng(0).normal(size=200)})
    pipe = Pipeline(detector=AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(df)
    pipe.info["federated"] = {"sites": 1, "rows": [200], "site_names": ["a"], "rounds": 1,
                              "local_epochs": 1}
    assert pipe.model_card()["federated"].startswith(
        "1 site (200 rows), FedAvg, 1 round x 1 local epoch; ")
    pipe.info["federated"].update(sites=2, rows=[100, 100], rounds=3, local_epochs=2)
    assert pipe.model_card()["federated"].startswith(
        "2 sites (100 + 100 rows), FedAvg, 3 rounds x 2 local epochs; ")


def test_a_log_stream_without_a_drift_check_keeps_no_closed_flags() -> None:
    # the whole-session log stream kept every closed session's flag for the run's whole length
    # when no drift check took them (only the drift check drained them)
    import io

    from hourglass.cli import stream_logs
    from hourglass.detectors.sequence_ae import EventCountAutoEncoder
    from hourglass.features.sessions import EventSessions
    from hourglass.serve.log_stream import LogStreamScorer
    from hourglass.serve.sinks import JsonLinesSink

    train = [f"{op} blk_{b}" for b in range(40) for op in ("open", "read", "close")]
    pipe = Pipeline(detector=EventCountAutoEncoder(hidden=[4], epochs=2, verbose=0, random_state=0),
                    features=EventSessions(format="raw", session_regex=r"blk_\d+")).fit(train)
    scorer = LogStreamScorer(pipe)
    data = "".join(f"open blk_{b}\nread blk_{b}\nclose blk_{b}\n" for b in range(30)).encode()
    stream_logs.run(scorer, io.BytesIO(data).read, JsonLinesSink(io.BytesIO()), where="<stdin>",
                    batch=8, max_delay=0.05, on_bad_rows="skip", output=None, drift=None)
    assert scorer.counts()["sessions"] == 30  # (they were scored)
    assert scorer.take_closed_flags().size == 0


def test_csv_output_writes_times_in_iso_beside_a_duration_column(tmp_path: Path) -> None:
    # a chunk with a duration (or binary) column took the text fallback from the frame as given,
    # so its times were Arrow's '2024-03-10 00:00:00.000000' where the other chunks' were ISO
    from hourglass.ingest.writers import ChunkWriter

    out = tmp_path / "o.csv"
    w = ChunkWriter(out, "csv", gz=False)
    w.write(pd.DataFrame({"ts": pd.to_datetime(["2024-03-10"]), "took": pd.to_timedelta([5], "s")}))
    w.close()
    assert "2024-03-10T00:00:00" in out.read_text()


def test_a_folder_of_one_line_cef_files_keeps_every_line(tmp_path: Path) -> None:
    # a folder of two files each holding the same one CEF line: the first file's line was still
    # taken as a header (a record names no columns, but the line stayed the header), so the
    # second file's same line was dropped as the header once more
    from hourglass.cli._spool import _files_as_file

    line = b"CEF:0|Acme|FW|1.0|100|deny|5|src=10.0.0.1 dst=10.0.0.2 dpt=443\n"
    (tmp_path / "a.log").write_bytes(line)
    (tmp_path / "b.log").write_bytes(line)
    joined = _files_as_file([tmp_path / "a.log", tmp_path / "b.log"], str(tmp_path), "logs")
    assert joined.read_bytes().count(line) == 2


def test_iso_times_made_at_once_equal_each_times_isoformat() -> None:
    # iso_times called isoformat once per value (0.5 s a 200k-row chunk, which the CSV outputs
    # now pay too); made for the whole column, the text must stay each value's isoformat: every
    # unit, zones with half-hour and daylight-saving offsets, fractions of ms, us and ns, NaT
    from hourglass.ingest.readers import _iso_column

    rng = np.random.default_rng(0)
    per = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
    for unit, step in per.items():
        for tz in (None, "UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York"):
            for fraction in (10**6, 10**3, 1):  # whole ms, us or ns (in the unit's reach)
                values = rng.integers(-2 * 10**9, 4 * 10**9, 400) * step
                if step > 1:  # past the second, every other value
                    grain = max(fraction * step // 10**9, 1)
                    values[::2] += rng.integers(0, step, 200) // grain * grain
                col = pd.Series(values.astype(f"datetime64[{unit}]"))
                col[rng.random(400) < 0.05] = pd.NaT
                if tz is not None:
                    col = col.dt.tz_localize("UTC").dt.tz_convert(tz)
                got = _iso_column(col)
                assert got is not None, (unit, tz)
                want = [None if pd.isna(v) else v.isoformat() for v in col]
                assert got.tolist() == want, (unit, tz, fraction)
