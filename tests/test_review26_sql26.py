"""Review 26 (sql26): the SQLite alert sink of ``hourglass stream`` on a full disk (at the start,
at the end) and under another program's lock."""

from __future__ import annotations

import errno
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import hourglass.ingest.sqlite as sq
import hourglass.serve.sinks as sinks
from hourglass.cli import app
from hourglass.errors import HourglassError
from hourglass.serve.sinks import SQLiteSink, alert_columns
from tests._cli import runner
from tests.test_stream import _flows

ATTACK = {"proto": "tcp", "bytes": 1e7, "duration": 1.0, "rate": 40.0}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("sql26")
    _flows(300, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "8,4",
                              "--epochs", "2", "--label-col", "label", "--normal", "benign", "-q"])
    assert res.exit_code == 0, res.output
    return d / "model"


def _attacks(n: int) -> str:
    return "".join(json.dumps(ATTACK) + "\n" for _ in range(n))


def _io_error(code: int = 4874) -> sqlite3.OperationalError:  # SQLITE_IOERR_SHMSIZE: the -shm not grown
    exc = sqlite3.OperationalError("disk I/O error")
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    return exc


class _FailingConn:
    """A connection whose every statement fails with ``exc`` (what a full disk does to SQLite)."""

    def __init__(self, exc: sqlite3.Error) -> None:
        self.exc = exc

    def __enter__(self) -> _FailingConn:
        return self

    def __exit__(self, *a: object) -> None:
        return None

    def execute(self, *a: object) -> None:
        raise self.exc


def _table_fails(monkeypatch: pytest.MonkeyPatch, *, full: bool) -> None:
    """The sink's table check fails as on a tmpfs with a few KiB left: SQLite opens the new file
    and turns on WAL (the -wal and -shm files made), then cannot grow the -shm file."""
    real = sinks.ensure_table

    def failing(conn: Any, *a: Any, **k: Any) -> None:
        real(_FailingConn(_io_error()), *a, **k)

    monkeypatch.setattr(sinks, "ensure_table", failing)
    monkeypatch.setattr(sq, "_no_room", lambda path: full)


def _leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


def test_a_full_disk_at_the_start_is_disk_full_and_leaves_no_new_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: a stream started on a full disk said "could not read or create table
    # 'alerts' (disk I/O error)" (exit 2, as if the input were wrong) and left a new empty
    # a.sqlite with its -wal and -shm files; now a disk I/O error on a file system with no room
    # is the full disk (OSError ENOSPC: 'no space left on device', exit 1) and the files this
    # sink made are removed
    _table_fails(monkeypatch, full=True)
    path = tmp_path / "a.sqlite"
    with pytest.raises(OSError) as info:
        SQLiteSink(path, alert_columns("table"))
    assert info.value.errno == errno.ENOSPC
    assert _leftovers(path) == []


def test_a_database_that_was_there_is_not_removed_on_a_failed_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (another stream's database, even an empty one made a moment ago, is left alone)
    path = tmp_path / "a.sqlite"
    path.write_bytes(b"")
    _table_fails(monkeypatch, full=True)
    with pytest.raises(OSError):
        SQLiteSink(path, alert_columns("table"))
    assert path.exists()


def test_another_io_error_at_the_start_is_said_as_before_and_leaves_no_new_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (a disk I/O error with room on the disk is not called a full disk)
    _table_fails(monkeypatch, full=False)
    path = tmp_path / "a.sqlite"
    with pytest.raises(HourglassError, match=r"could not read or create table 'alerts' \(disk I/O error\)"):
        SQLiteSink(path, alert_columns("table"))
    assert _leftovers(path) == []


def test_a_new_database_another_stream_wrote_into_is_not_removed(tmp_path: Path) -> None:
    # (the file made here, but with a table in it by now: not removed)
    path = tmp_path / "a.sqlite"
    made = sinks._make_new(path)
    assert made is not None and sinks._make_new(path) is None  # (made once)
    with SQLiteSink(path, alert_columns("table")) as sink:
        sink.write([{"row": 1, "score": 2.0}])
    sinks._remove_unused(path, made)
    assert sqlite3.connect(path).execute("SELECT count(*) FROM alerts").fetchone() == (1,)


def test_stream_on_a_full_disk_at_the_start_exits_1_with_one_line(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (the command: 'no space left on device', exit 1, no file left)
    _table_fails(monkeypatch, full=True)
    out = tmp_path / "a.sqlite"
    res = runner.invoke(app, ["stream", str(model), "-o", str(out)], input=_attacks(10))
    assert res.exit_code == 1, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines == ["error: no space left on device: free some space or write the output elsewhere"]
    assert _leftovers(out) == []


class _FullAtCheckpoint:
    """A connection whose checkpoint finds the disk full (the alerts all in the -wal file)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def __enter__(self) -> sqlite3.Connection:
        return self._conn.__enter__()

    def __exit__(self, *a: Any) -> Any:
        return self._conn.__exit__(*a)

    def execute(self, sql: str, *a: Any) -> Any:
        if "wal_checkpoint" in sql:
            full = sqlite3.OperationalError("database or disk is full")
            full.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
            raise full
        return self._conn.execute(sql, *a)


def _full_at_close(monkeypatch: pytest.MonkeyPatch) -> None:
    init = SQLiteSink.__init__

    def patched(self: SQLiteSink, *a: Any, **k: Any) -> None:
        init(self, *a, **k)
        self._conn = _FullAtCheckpoint(self._conn)  # type: ignore[assignment]

    monkeypatch.setattr(SQLiteSink, "__init__", patched)


def test_a_full_disk_at_the_last_checkpoint_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: SQLite's close could not move the alerts from the -wal file into the
    # database (the disk full) and said nothing: the stream exited 0, the -wal and -shm files
    # left; now the sink's close checkpoints first and a full disk there is OSError ENOSPC, the
    # -wal file holding the alerts named (wal_kept)
    _full_at_close(monkeypatch)
    path = tmp_path / "live.sqlite"
    sink = SQLiteSink(path, alert_columns("table"))
    sink.write([{"row": 1, "score": 2.0}])
    with pytest.raises(OSError) as info:
        sink.close()
    assert info.value.errno == errno.ENOSPC and sink.wal_kept == tmp_path / "live.sqlite-wal"
    sink.close()  # (once closed, closed)
    assert sqlite3.connect(path).execute("SELECT count(*) FROM alerts").fetchone() == (1,)


def test_stream_with_a_full_disk_at_the_end_exits_1_saying_the_alerts_are_intact(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (the command: one error line and exit 1 as for a JSON-lines output, the summary saying
    # where the alerts are)
    _full_at_close(monkeypatch)
    out = tmp_path / "live.sqlite"
    res = runner.invoke(app, ["stream", str(model), "-o", str(out), "--batch", "5"], input=_attacks(10))
    assert res.exit_code == 1, res.output
    err = res.stderr
    assert "Traceback" not in err
    assert err.count("error: no space left on device: free some space or write the output elsewhere") == 1
    assert f"all 10 alerts written, intact in {out}-wal" in err, err
    assert sqlite3.connect(out).execute("SELECT count(*) FROM alerts").fetchone() == (10,)


def _write_lock(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE IF NOT EXISTS holder (x)")
    return other


def test_a_lock_is_waited_for_up_to_the_timeout_by_each_write(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: the README said a database locked by another program "for over 30
    # seconds" is refused, but a lock held about 43 s was waited out: the timeout is SQLite's
    # busy timeout, each write's wait counted from when that write begins to wait (a stream
    # cannot know when the lock was taken). The README now says so; this pins the code's rule
    # (the timeout made short): a write still locked after it is refused, saying it is locked,
    # the next write waits anew
    import time

    monkeypatch.setattr(sq, "_BUSY_TIMEOUT_S", 0.4)
    path = tmp_path / "live.sqlite"
    sink = SQLiteSink(path, alert_columns("table"))
    try:
        other = _write_lock(path)
        start = time.monotonic()
        with pytest.raises(HourglassError, match=r"\(database is locked\); another program may hold"):
            sink.write([{"row": 1, "score": 2.0}])
        assert time.monotonic() - start >= 0.3 and sink.failed and sink.written == 0
        other.execute("COMMIT")
        other.close()
        sink.write([{"row": 2, "score": 2.0}])
        assert sink.written == 1
    finally:
        sink.close()
