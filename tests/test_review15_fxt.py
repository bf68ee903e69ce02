"""Regression tests: replaced outputs' modes, compact dates, offsets and JSON hints."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError


def test_the_output_stays_private_while_written_and_gets_the_replaced_mode_after(tmp_path: Path) -> None:
    # the replaced file's mode was set on the temp file before the writer wrote it: a 0444
    # file refused the writer (after all the scoring), a 0666 one opened the data to everyone
    from hourglass.ingest.readers import atomic_output

    for mode in (0o444, 0o666):
        out = tmp_path / f"alerts{mode:o}.csv"
        out.write_text("old\n")
        out.chmod(mode)
        with atomic_output(out) as tmp:
            seen = stat.S_IMODE(os.stat(tmp).st_mode)
            with open(tmp, "w") as fh:  # a read-only mode here would refuse an ordinary user
                fh.write("new\n")
        assert seen == 0o600, oct(seen)
        assert stat.S_IMODE(os.stat(out).st_mode) == mode
        assert out.read_text() == "new\n"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_read_only_output_is_replaced_and_stays_read_only(tmp_path: Path) -> None:
    import shutil
    import tempfile

    import hourglass

    if os.geteuid() == 0:  # (root writes anyway: the write runs as nobody, in a folder it can reach)
        if not os.stat("/tmp").st_mode & stat.S_IXOTH:
            pytest.skip("no folder an ordinary user can reach")
        tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))
        tmp_path.chmod(0o755)
    try:
        _replace_read_only(tmp_path, hourglass.__file__)
    finally:
        if os.geteuid() == 0:
            shutil.rmtree(tmp_path)


def _replace_read_only(tmp_path: Path, package: str) -> None:
    names = ["alerts.csv", "alerts.sqlite", "alerts.parquet", "alerts.jsonl.gz"]
    for name in names:
        (tmp_path / name).write_text("old\n")
        (tmp_path / name).chmod(0o444)
    script = (
        "import os, sys, pandas as pd\n"
        "from hourglass.ingest.readers import write_table\n"
        "import pyarrow.parquet, sqlite3, gzip\n"
        "if os.geteuid() == 0:\n"
        "    for n in sys.argv[2:]: os.chown(os.path.join(sys.argv[1], n), 65534, 65534)\n"
        "    os.chown(sys.argv[1], 65534, 65534)\n"
        "    os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
        "for n in sys.argv[2:]: write_table(pd.DataFrame({'score': [0.5]}), os.path.join(sys.argv[1], n))\n"
    )
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=str(Path(package).resolve().parents[1]))
    res = subprocess.run([sys.executable, "-c", script, str(tmp_path), *names],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    for name in names:
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o444, name
    assert pd.read_csv(tmp_path / "alerts.csv")["score"].tolist() == [0.5]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_compact_dates_are_judged_on_the_values_present_not_sent_to_1970_by_one_placeholder() -> None:
    # one 0 or NaN among the first 100 sent the whole column to epoch seconds (1970); the same
    # value after row 100 was named as the row it is: both now are, and a skip then reads the rest
    from hourglass._times import read_timestamps, unreadable_times

    good = [20260328] * 200
    with pytest.raises(InputError, match=r"row 1 is not a timestamp \('0'\)"):
        read_timestamps(pd.Series([0, *good]), "day")
    with pytest.raises(InputError, match=r"row 201 is not a timestamp \('0'\)"):
        read_timestamps(pd.Series([*good, 0]), "day")
    s = pd.Series([np.nan, *good[:148], 20260230, *good[:50]], dtype=np.float64)
    bad = unreadable_times(s, "day")
    assert (np.flatnonzero(bad) + 1).tolist() == [1, 150]  # the missing row and the typo, both
    ts, _ = read_timestamps(s[~bad].reset_index(drop=True), "day")
    assert set(map(str, ts)) == {"2026-03-28 00:00:00"}
    s = pd.Series([0, *good], dtype="Int64")  # (nullable integers, with a missing value too)
    s[5] = pd.NA
    assert (np.flatnonzero(unreadable_times(s, "day")) + 1).tolist() == [1, 6]


def test_epoch_times_are_told_from_compact_dates_by_size_before_any_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # every numeric time column (each batch of a stream) built text and matched a pattern: 2 ms
    import hourglass._times as times

    def no_text(*args: object, **kwargs: object) -> None:
        raise AssertionError("epoch times read as text")

    monkeypatch.setattr(times, "_to_datetime", no_text)
    for values in ([1_700_000_000], [1_700_000_000_000] * 150, [0.5, 1.5], [np.nan, 1e9]):
        assert times._compact_dates(pd.Series(values)) is None
    assert str(times.read_timestamps(pd.Series([1_700_000_000]), "t")[0][0]) == "2023-11-14 22:13:20"


def test_event_sessions_read_compact_dates_a_csv_types_as_numbers_as_dates(tmp_path: Path) -> None:
    # a CSV's day column (20260101 ...) went straight to epoch seconds: 1970-08-23
    from hourglass.features.sessions import EventSessions

    days = pd.date_range("2026-01-01", periods=30, freq="D").strftime("%Y%m%d")
    path = tmp_path / "events.csv"
    pd.DataFrame({"event": ["login", "read", "exit"] * 10, "day": days}).to_csv(path, index=False)
    pre = EventSessions(key_column="event", time_column="day", window=86400).fit(str(path))
    sessions = pre.sessions(str(path))
    assert sessions.ids[:2] == ["2026-01-01T00:00:00", "2026-01-02T00:00:00"]
    assert not sessions.stats.get("events_without_time")
    epoch = pd.DataFrame({"event": ["a", "b"], "t": [1_700_000_000, 1_700_000_060]})  # epoch stays
    ids = EventSessions(key_column="event", time_column="t", window=3600).fit(epoch).sessions(epoch).ids
    assert ids == ["2023-11-14T22:00:00"]


def test_an_ecs_alert_reads_a_compact_date_given_as_a_json_number_as_that_date() -> None:
    # a streamed row's "day": 20260106 became @timestamp 1970-08-23 (epoch seconds)
    from hourglass.serve.ecs import AlertRule, _timestamp, to_ecs

    assert _timestamp(20260106, "day") == "2026-01-06T00:00:00.000Z"
    assert _timestamp(20260106.0, "day") == "2026-01-06T00:00:00.000Z"
    assert _timestamp(12345678, "day") == "1970-05-23T21:21:18.000Z"  # no date: epoch seconds
    assert _timestamp(1_700_000_000, "t") == "2023-11-14T22:13:20.000Z"
    doc = to_ecs({"score": 2.0, "flag": 1}, AlertRule("autoencoder", "3f9a", threshold=1.5, time_field="day"),
                 fields={"day": 20260106})
    assert doc["@timestamp"] == "2026-01-06T00:00:00.000Z"


def test_a_pretty_printed_json_file_gets_the_jq_command_its_first_line_needs(tmp_path: Path) -> None:
    # every case was told jq -c '.[]' (an object's values, one a line), and an array opening
    # with '[{' on its first line was still 'line 1: malformed JSON'
    from hourglass.ingest import read_table
    from hourglass.ingest.tables import pretty_json_command

    p = tmp_path / "events.json"
    for text, jq in [('[{\n  "a": 1,\n  "b": "x"\n}]\n', "jq -c '.[]'"),
                     ('[ {\n  "a": 1\n} ]\n', "jq -c '.[]'"), ('[\n  {"a": 1}\n]\n', "jq -c '.[]'"),
                     ('{\n  "a": 1,\n  "b": "x"\n}\n', "jq -c .")]:
        p.write_text(text)
        with pytest.raises(InputError) as err:
            read_table(p)
        assert str(err.value).endswith(f"line 1: pretty-printed JSON (a document spread over lines), not "
                                       f"JSON lines; write one JSON object per line ({jq})"), text
        assert pretty_json_command(text.splitlines()[0].encode()) == jq  # (stream's advice too)


def test_a_model_saved_over_a_private_one_stays_private(tmp_path: Path) -> None:
    # train -o m --force made a 0700 folder of 0600 files 0755/0644
    from hourglass import AutoEncoder, Pipeline
    from hourglass.ingest.readers import default_mode

    df = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 5})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    out = tmp_path / "m"
    pipe.save(out)
    assert stat.S_IMODE(os.stat(out).st_mode) == default_mode(directory=True)
    names = [p.name for p in out.iterdir()]
    for name in names:
        assert stat.S_IMODE(os.stat(out / name).st_mode) == default_mode(directory=False), name
        (out / name).chmod(0o600)
    out.chmod(0o700)
    pipe.save(out)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700
    assert {name: stat.S_IMODE(os.stat(out / name).st_mode) for name in names} == dict.fromkeys(names, 0o600)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # nothing left beside it
