"""Review 24 (misc24b): NUL in key files, year-9999 times, nested entity values in stream,
compact dates beside epoch seconds, gan.py --part report options."""

from __future__ import annotations

import numpy as np

from hourglass.features.sessions import EventSessions
from hourglass.features.sessions.keys import key_sequence


def test_nul_in_a_key_file_parts_keys(tmp_path):
    # was: the reader dropped NUL bytes inside a line, so '5\0\05' read as the one key 55
    path = tmp_path / "keys.txt"
    path.write_bytes(b"1 2 3\n5\x00\x005 1\n\x00\x00\x00\n")
    sessions = EventSessions(format="keys").fit(None).sessions(path)
    assert [s.tolist() for s in sessions.sequences] == [[1, 2, 3], [5, 5, 1]]
    assert key_sequence("5\x005").tolist() == [5, 5]


def test_nul_in_a_streamed_key_line_parts_keys():
    # was: the stream's line decoder dropped NUL too ('5\0\05' streamed as 55)
    from hourglass.cli.stream_logs import _decode

    assert key_sequence(_decode(b"5\x00\x005", " ")).tolist() == [5, 5]
    assert _decode(b"a\x00b") == "ab"  # a log's line still drops it


def test_event_table_quotes_a_year_9999_time_as_written(tmp_path, caplog):
    # was: the warning quoted pandas' form of the CSV's typed time ('9999-12-31 23:59:59')
    rows = ["time,session,key"] + [f"2026-03-01T10:00:{i:02d},s{i % 3},{i % 2}" for i in range(30)]
    path = tmp_path / "events.csv"
    path.write_text("\n".join([*rows, "9999-12-31T23:59:59,s1,1"]) + "\n")
    pre = EventSessions(key_column="key", session_column="session", time_column="time")
    stats = pre.fit(path).sessions(path).stats
    assert stats["first_without_time"] == "row 31, '9999-12-31T23:59:59'"


def test_series_stream_says_why_a_year_9999_time_is_none():
    # was: "not a time ('9999-12-31T23:59:59')", without the 1677-2262 reason the file reader gives
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.serve.series_stream import SeriesStreamScorer

    t = np.arange(60)
    df = pd.DataFrame({"ts": (pd.Timestamp("2024-05-01") + pd.to_timedelta(t * 10, unit="s"))
                       .strftime("%Y-%m-%dT%H:%M:%S"), "cpu": np.sin(t / 6)})
    pipe = Pipeline(TCNAutoEncoder(window=8, channels=(4,), epochs=1, verbose=0, random_state=0),
                    features=TimeSeriesPreprocessor("ts")).fit(df)
    row = {"ts": "9999-12-31T23:59:59", "cpu": 0.5}
    _, bad = SeriesStreamScorer.from_pipeline(pipe).feed([(1, row)])
    assert bad == [(1, "timestamp 'ts': not a time ('9999-12-31T23:59:59': read as a time outside "
                       "1677-2262, the range times are held in)")]


def test_entity_stream_says_an_entity_sent_as_an_object_is_nested(tmp_path):
    # was: {"src_ip": {"a": 1}, ...} was counted as a row "without a 'src_ip' value" and scored
    # as the entity '<missing>'; now the row is bad, said as score's and serve's refusals say it
    import json

    from hourglass.cli import app
    from hourglass.ingest.synthetic import port_scan_flows
    from tests._cli import runner

    train, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0, seed=1)
    train.to_csv(tmp_path / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--entity-col", "src_ip",
                              "--timestamp-col", "ts", "--bucket", "5min", "-o", str(tmp_path / "M"),
                              "--epochs", "2", "--hidden", "8,4", "-q"])
    assert res.exit_code == 0, res.output
    rows = train.sort_values("ts").head(5).to_dict("records")
    rows[2]["src_ip"] = {"a": 1}
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(app, ["stream", str(tmp_path / "M"), "--input", str(tmp_path / "in.jsonl"),
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "without a 'src_ip' value" not in res.stderr
    res = runner.invoke(app, ["stream", str(tmp_path / "M"), "--input", str(tmp_path / "in.jsonl"),
                              "--on-bad-rows", "error"])
    assert res.exit_code == 2
    assert ("line 3: missing column 'src_ip': the row has 'src_ip' as a nested object, read as its "
            "fields (src_ip.a)") in res.stderr


def test_compact_dates_beside_epoch_seconds_are_refused(tmp_path):
    # was: [20260329]*3 + [1774656051] read as epoch seconds without a word: the dates in 1970
    # beside a 2026 time
    import pandas as pd
    import pytest

    from hourglass._times import read_timestamps
    from hourglass.errors import InputError

    mixed = pd.Series([20260329] * 3 + [1774656051])
    with pytest.raises(InputError, match=r"column 'ts': row 1 \(20260329\) reads as the date "
                                         r"2026-03-29 but row 4 \(1774656051\) as an epoch time"):
        read_timestamps(mixed, "ts")
    # never a clean epoch or compact-date column, nor a clock counting from 0 over years
    assert read_timestamps(pd.Series([1774656051, 1774656052]), "ts")[0][0].year == 2026
    assert read_timestamps(pd.Series([20260329, 20260330]), "ts")[0][0].day == 29
    assert read_timestamps(pd.Series(range(10**7, 2 * 10**8, 10**6)), "ts")[0][0].year == 1970
    # an event table's time column too
    path = tmp_path / "events.csv"
    path.write_text("time,session,key\n" + "".join(f"{t},s1,1\n" for t in mixed))
    pre = EventSessions(key_column="key", session_column="session", time_column="time")
    with pytest.raises(InputError, match=r"row 1 \(20260329\) reads as the date"):
        pre.fit(path)


def test_gan_report_refuses_options_it_does_not_read(tmp_path, monkeypatch, capsys):
    # was: gan.py --part report --models x ignored --models and rewrote results/gan.md
    import os
    import subprocess
    import sys
    from pathlib import Path

    import pytest

    from tests._scripts import script_state

    bench = Path(__file__).resolve().parent.parent / "benchmarks"
    monkeypatch.syspath_prepend(str(bench))
    with script_state():
        import gan

        monkeypatch.setattr(gan, "write_result", lambda *a: pytest.fail("a result was written"))
        monkeypatch.setattr(gan, "report", lambda *a: pytest.fail("the report was made"))
        for argv in (["--models", "x"], ["--seeds", "2"], ["--tag", "t"], ["--same-rows"]):
            monkeypatch.setattr(sys, "argv", ["gan.py", "--part", "report", *argv, "--no-write"])
            with pytest.raises(SystemExit) as stop:
                gan.main()
            assert stop.value.code == f"{argv[0]}: not read by --part report (it writes " \
                                      "results/gan.md from the parts' JSON files); leave it out"
    env = {**os.environ, "PYTHONPATH": str(bench.parent / "src")}
    got = subprocess.run([sys.executable, str(bench / "gan.py"), "--part", "report", "--models", "x",
                          "--no-write"], capture_output=True, text=True, env=env, timeout=300)
    assert got.returncode == 2 and got.stderr.count("\n") == 1, got
