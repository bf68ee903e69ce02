"""The CLI's error policy in a hostile environment: closed descriptors, interrupted writes, a
damaged model folder, as a user meets them from a shell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests._cli import one_line_error, small_labelled_model

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("err"))


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def _run(args: list[str], cwd: Path, *, close_stdout: bool = False,
         stdin: Any = subprocess.DEVNULL) -> subprocess.CompletedProcess[bytes]:
    """``python -m hourglass ARGS`` as a process, with its standard output closed (``>&-``)
    when asked."""
    return subprocess.run([sys.executable, "-m", "hourglass", *args], cwd=cwd, env=_env(),
                          stdin=stdin, stdout=None if close_stdout else subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120,
                          preexec_fn=(lambda: os.close(1)) if close_stdout else None)


def _one_line(res: subprocess.CompletedProcess[bytes], code: int, match: str) -> None:
    text = res.stderr.decode()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert res.returncode == code, text
    assert "Traceback" not in text and len(lines) == 1, text
    assert match in lines[0], lines[0]


def test_closed_standard_output_is_one_line(trained: dict[str, Any]) -> None:
    """``score -o - >&-``: one line and exit code 2 before any work (was an AttributeError
    traceback, exit code 1, once the whole input was scored)."""
    res = _run(["score", str(trained["model"]), str(trained["data"]), "-o", "-"], trained["folder"],
               close_stdout=True)
    _one_line(res, 2, "--output -: standard output is closed")


@pytest.mark.parametrize("args", [
    ["stream", "{model}", "--input", "{rows}"],
    ["evaluate", "{model}", "{data}", "--label-col", "label", "--normal", "normal", "--json", "-"],
    ["explain", "{model}", "{data}", "--output", "-"],
])
def test_closed_standard_output_other_commands(trained: dict[str, Any], args: list[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The same for the stream's alerts (was a traceback at its start) and the other outputs
    that can be ``-``."""
    from hourglass.ingest import readers

    folder: Path = trained["folder"]
    rows = folder / "rows.jsonl"
    trained["frame"].drop(columns="label").head(5).to_json(rows, orient="records", lines=True)
    names = {"model": str(trained["model"]), "data": str(trained["data"]), "rows": str(rows)}
    monkeypatch.setattr(readers, "stdout_closed", lambda: True)
    one_line_error([a.format(**names) for a in args], "standard output is closed")


@pytest.mark.parametrize("name", ["scores.sqlite", "scores.csv"])
def test_disk_full_while_writing_is_one_line(trained: dict[str, Any], name: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk that fills while ``score`` writes: one line in the system's words and exit code 1,
    nothing left behind. A SQLite output was a traceback (sqlite3.OperationalError: database or
    disk is full) that left the temporary database's journal beside the output; pyarrow's
    CSV writer's line read 'error writing bytes to file. Detail: [errno 28] ...'."""
    import errno
    import sqlite3

    from hourglass.ingest import sqlite, writers
    from tests._cli import runner

    folder: Path = trained["folder"] / name.replace(".", "_")
    folder.mkdir()
    if name.endswith(".sqlite"):
        opened = sqlite.connect

        def small(path: Any, **kwargs: Any) -> sqlite3.Connection:  # a disk of a few pages
            conn = opened(path, **kwargs)
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("PRAGMA max_page_count=3")
            return conn

        monkeypatch.setattr(sqlite, "connect", small)
    else:
        def full(self: Any, df: Any) -> None:
            raise OSError(errno.ENOSPC, "error writing bytes to file. Detail: [errno 28] No space "
                          "left on device")

        monkeypatch.setattr(writers.ChunkWriter, "write", full)
    from hourglass.cli import app

    res = runner.invoke(app, ["score", str(trained["model"]), str(trained["data"]), "-o",
                              str(folder / name)])
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.exit_code == 1, res.output
    assert lines == ["error: no space left on device: free some space or write the output elsewhere"], \
        res.stderr
    assert list(folder.iterdir()) == []


def test_sqlite_output_on_a_full_disk_is_disk_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database that cannot get its first page or its table for want of space is a full
    disk (one line, exit code 1), not 'cannot open it as a SQLite database' (exit code 2, the
    file blamed) nor 'could not read or create table'."""
    import errno
    import sqlite3

    from hourglass.ingest import sqlite

    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]

    def no_room(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        raise full

    with monkeypatch.context() as m:
        m.setattr(sqlite.sqlite3, "connect", no_room)
        with pytest.raises(OSError) as opened:
            sqlite.connect(tmp_path / "a.sqlite")
    assert opened.value.errno == errno.ENOSPC
    conn = sqlite.connect(tmp_path / "b.sqlite")
    conn.execute("PRAGMA max_page_count=1")  # a disk with room for the header alone
    with pytest.raises(OSError) as created:
        sqlite.ensure_table(conn, "alerts", [("row", "INTEGER")], "b.sqlite")
    conn.close()
    assert created.value.errno == errno.ENOSPC and created.value.filename == "b.sqlite"


@pytest.mark.parametrize("value", ["false", "no", "off", "FALSE", " 0 "])
def test_debug_variable_off_values_keep_one_line(tmp_path: Path, value: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``HOURGLASS_DEBUG=false`` (a unit file's or CI's way to say off) printed a traceback
    before every input error; it is off, as ``0`` is."""
    monkeypatch.setenv("HOURGLASS_DEBUG", value)
    one_line_error(["inspect", str(tmp_path / "missing.csv")], "missing.csv")


@pytest.fixture()
def socket_path() -> Any:
    """A Unix socket's path (short: socket paths are limited to about 100 bytes)."""
    import shutil
    import socket
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="hg-", dir="/tmp"))
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "s"))
    try:
        yield folder / "s"
    finally:
        sock.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("args", [
    ["score", "{model}", "{data}", "-o", "{sock}"],
    ["stream", "{model}", "--input", "{rows}", "--output", "{sock}"],
    ["evaluate", "{model}", "{data}", "--label-col", "label", "--normal", "normal", "--json", "{sock}"],
])
def test_output_to_a_socket_is_refused_first(trained: dict[str, Any], socket_path: Path,
                                             args: list[str]) -> None:
    """An output path that is a Unix socket: one line and exit code 2 before any work (was an
    OSError traceback, 'No such device or address', once the input was scored)."""
    folder: Path = trained["folder"]
    rows = folder / "rows.jsonl"
    trained["frame"].drop(columns="label").head(5).to_json(rows, orient="records", lines=True)
    names = {"model": str(trained["model"]), "data": str(trained["data"]), "rows": str(rows),
             "sock": str(socket_path)}
    one_line_error([a.format(**names) for a in args], "is a socket")


def test_written_through_output_that_cannot_be_opened(socket_path: Path) -> None:
    """A device or socket that refuses to be opened when the output is written through (the
    command's own check passed over it): an input error naming it, not a raw OSError."""
    from hourglass.errors import InputError
    from hourglass.ingest.readers import atomic_output

    with pytest.raises(InputError, match="cannot write it"), atomic_output(socket_path) as tmp:
        tmp.write_text("x")


def test_stream_output_that_cannot_be_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``stream --output /dev/tty`` with no terminal (the open fails with ENXIO): one line naming
    the option (was an OSError traceback)."""
    import builtins
    import errno

    from hourglass.cli import stream
    from hourglass.errors import HourglassError

    target = tmp_path / "alerts.jsonl"
    real_open = builtins.open

    def no_device(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(target) and "a" in mode:
            raise OSError(errno.ENXIO, os.strerror(errno.ENXIO), str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", no_device)
    with pytest.raises(HourglassError, match=r"--output .*alerts\.jsonl: cannot write it \(No such device"):
        stream._append_at_start(target)


def test_output_inside_a_file_says_it_is_a_file(trained: dict[str, Any]) -> None:
    """``-o flows.csv/x.csv`` (a file given as the folder): the line said 'output folder
    flows.csv does not exist' of a file that is there; it now says what it is."""
    data = str(trained["data"])
    one_line_error(["score", str(trained["model"]), data, "-o", f"{data}/x.csv"],
                   "flows.csv is a file, not a folder")
    one_line_error(["train", data, "-o", f"{data}/m", "--epochs", "1"], "flows.csv is a file, not a folder")


def test_tables_on_a_full_disk_are_one_line(tmp_path: Path) -> None:
    """``hourglass formats > /dev/full`` (or a log file on a full disk): one line and exit code 1,
    as a data output on a full disk (was an OSError traceback from the console's write)."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "wb") as full:
        res = subprocess.run([sys.executable, "-m", "hourglass", "formats"], cwd=tmp_path, env=_env(),
                             stdin=subprocess.DEVNULL, stdout=full, stderr=subprocess.PIPE, timeout=120)
    _one_line(res, 1, "error: no space left on device")


def test_terminal_as_data_names_no_other_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """DATA ``-`` on a terminal: the hint showed ``hourglass score MODEL - -o -`` to ``train``
    and ``inspect`` too; it now names no command (the line's 'see ... --help' names this one)."""
    import typer

    from hourglass.cli import _spool

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(_spool.sys, "stdin", Terminal())
    with pytest.raises(typer.BadParameter) as refused:
        _spool.stdin_as_file(Path("-"))
    assert "terminal" in str(refused.value) and "hourglass score" not in str(refused.value)
