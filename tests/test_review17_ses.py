"""Event tables as sessions: session ids read from a CSV, chunked reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.features.sessions import EventSessions


def _sessions(path: Path, chunk_lines: int | None = None) -> dict[str, list[int]]:
    pre = EventSessions(session_column="sid", key_column="event", time_column="ts")
    if chunk_lines is not None:
        pre.chunk_lines = chunk_lines
    pre.fit(path)
    s = pre.sessions(path)
    return {i: q.tolist() for i, q in zip(s.ids, s.sequences, strict=True)}


def test_csv_session_ids_are_read_as_written(tmp_path: Path) -> None:
    # '007' and '7' are two sessions, named as the file writes them, whatever else the file holds
    f = tmp_path / "ev.csv"
    f.write_text("sid,event,ts\n007,a,1\n007,b,2\n7,c,3\n")
    assert _sessions(f) == {"007": [1, 2], "7": [3]}
    g = tmp_path / "ev2.csv"
    g.write_text("sid,event,ts\n007,a,1\n007,b,2\n7,c,3\nx9,a,4\n")
    assert _sessions(g) == {"007": [1, 2], "7": [3], "x9": [1]}


def test_csv_late_text_in_session_or_ignored_column_is_read(tmp_path: Path) -> None:
    # past the first block a session named 'x9' (its column numeric until then), or text in a
    # column no event is read from, stopped the read with 'malformed value'
    n = 120_000
    df = pd.DataFrame({"sid": (np.arange(n) % 50).astype(object),
                       "event": np.array(["a", "b", "c"])[np.arange(n) % 3],
                       "ts": np.arange(n), "extra": np.arange(n).astype(object)})
    df.loc[n - 1, "extra"] = "oops"
    df.loc[n - 2, "sid"] = "x9"
    f = tmp_path / "big.csv"
    df.to_csv(f, index=False)
    got = _sessions(f)
    assert len(got) == 51 and got["x9"] == [(n - 2) % 3 + 1]
    assert sum(map(len, got.values())) == n


def _late_value_table(tmp_path: Path, column: str, value: object) -> tuple[Path, Path]:
    """A CSV past one read block whose last row holds ``value`` in ``column`` (numbers before),
    and the same table without that row."""
    n = 120_000
    df = pd.DataFrame({"sid": np.arange(n) % 50, "event": np.arange(n) % 3,
                       "ts": 1_700_000_000 + np.arange(n)[::-1]})
    df[column] = df[column].astype(object)
    df.loc[n - 1, column] = value
    whole, less = tmp_path / "whole.csv", tmp_path / "less.csv"
    df.to_csv(whole, index=False)
    df.iloc[:-1].to_csv(less, index=False)
    return whole, less


def test_csv_late_unreadable_time_is_counted_not_fatal(tmp_path: Path) -> None:
    # the README: a time that does not read is counted and its event goes last in its session;
    # past the first block it stopped the read ('malformed value')
    whole, less = _late_value_table(tmp_path, "ts", "garbage")
    pre = EventSessions(session_column="sid", key_column="event", time_column="ts").fit(whole)
    got = pre.sessions(whole)
    assert got.stats["events_without_time"] == 1 and "garbage" in got.stats["first_without_time"]
    ref = pre.sessions(less)
    assert got.ids == ref.ids
    last = got.ids.index(str((120_000 - 1) % 50))
    for i, (a, b) in enumerate(zip(got.sequences, ref.sequences, strict=True)):
        assert a.tolist() == b.tolist() + ([(120_000 - 1) % 3] if i == last else [])


def test_csv_late_key_name_after_integer_keys(tmp_path: Path) -> None:
    # a key name past a first block of integer keys: names for the whole model (it stopped the read)
    whole, _ = _late_value_table(tmp_path, "event", "E5")
    pre = EventSessions(session_column="sid", key_column="event", time_column="ts").fit(whole)
    assert pre.key_names_ == ["0", "1", "2", "E5"]
    assert sorted({int(k) for s in pre.transform(whole) for k in s}) == [1, 2, 3, 4]


def test_malformed_table_rows_are_skipped_and_counted_or_refused_with_strict(tmp_path: Path) -> None:
    # a malformed row stopped every read, advising '--on-bad-rows skip', which log models refuse
    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    train = tmp_path / "train.csv"
    rows = [f"u{u},{['login', 'read', 'exit'][j % 3]},{u * 100 + j}" for u in range(12) for j in range(5)]
    train.write_text("user,event,ts\n" + "\n".join(rows) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "--model", "event-count-autoencoder", "--session-col",
                              "user", "--key-col", "event", "--timestamp-col", "ts", "-o", str(model),
                              "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("user,event,ts\nu1,login,1\nu1,read,2,extra\nu2,read,3\n")
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(model), str(bad), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "1 row was malformed (skipped)" in res.stderr
    got = pd.read_csv(out)
    assert got["session"].tolist() == ["u1", "u2"] and got["n_events"].tolist() == [1, 1]
    jl = tmp_path / "bad.jsonl"
    jl.write_text('{"user": "u1", "event": "login", "ts": 1}\n{bad\n'
                  '{"user": "u2", "event": "read", "ts": 3}\n')
    for path in (bad, jl):
        one_line_error(["score", str(model), str(path), "-o", str(tmp_path / "x.csv"), "--strict"],
                       "line 2" if path == jl else "line 3", tmp_path / "x.csv")
        res = runner.invoke(app, ["score", str(model), str(path), "-o", str(tmp_path / "x.csv"), "--strict"])
        assert "without --strict such rows are skipped" in res.stderr
        assert "--on-bad-rows" not in res.stderr
