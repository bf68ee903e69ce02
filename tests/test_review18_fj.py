"""Outputs in a hostile environment: a stream's alerts file replaced by what cannot be opened,
standard output closed or full, a socket or device as the output."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest


def test_stream_file_that_cannot_be_made_anew_keeps_the_stream_going(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """``stream -o alerts.jsonl``: a file removed and a folder put at its name (or a folder
    closed to new files) is said once as a warning and the stream goes on, as a live stream
    must; the reopening raised the start's input error instead, which stopped the stream."""
    from hourglass.cli.stream import _append
    from hourglass.serve.sinks import JsonLinesSink

    path = tmp_path / "alerts.jsonl"
    sink = JsonLinesSink(_append(path), path=path, reopen=lambda: _append(path))
    sink.write([{"row": 1}])
    path.unlink()
    path.mkdir()  # nothing can be opened at the name now
    with caplog.at_level(logging.WARNING):
        sink.write([{"row": 2}])
        sink.write([{"row": 3}])
    sink.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot start the file anew after it was removed" in warnings[0]


def test_debug_traceback_for_tables_on_a_full_disk(tmp_path: Path) -> None:
    """``HOURGLASS_DEBUG=1 hourglass formats > /dev/full``: the traceback before the disk-full
    line, as for every other one-line error (the README's promise); none came."""
    import os
    import subprocess
    import sys

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, OMP_NUM_THREADS="1", HOURGLASS_DEBUG="1",
               PYTHONPATH=os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")]))
    with open("/dev/full", "wb") as full:
        res = subprocess.run([sys.executable, "-m", "hourglass", "formats"], cwd=tmp_path, env=env,
                             stdin=subprocess.DEVNULL, stdout=full, stderr=subprocess.PIPE, timeout=120)
    text = res.stderr.decode()
    assert res.returncode == 1, text
    assert text.startswith("Traceback") and "OSError: [Errno 28]" in text, text
    assert text.rstrip().splitlines()[-1] == ("error: no space left on device: free some space or write "
                                              "the output elsewhere"), text


@pytest.mark.parametrize("args", [["--version"], ["--help"], []])
def test_group_options_on_a_full_standard_output(tmp_path: Path, args: list[str]) -> None:
    """``hourglass --version > /dev/full`` (or ``--help``, or no command: the help): one line and
    exit code 1, as a command's own lines on a full standard output end; the group's options
    were read outside that handling and stopped with an OSError traceback."""
    import os
    import subprocess
    import sys

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")]))
    env.pop("HOURGLASS_DEBUG", None)
    with open("/dev/full", "wb") as full:
        res = subprocess.run([sys.executable, "-m", "hourglass", *args], cwd=tmp_path, env=env,
                             stdin=subprocess.DEVNULL, stdout=full, stderr=subprocess.PIPE, timeout=120)
    text = res.stderr.decode()
    assert res.returncode == 1 and "Traceback" not in text, text
    assert text.splitlines() == ["error: no space left on device: free some space or write the output "
                                 "elsewhere"], text


@pytest.mark.parametrize("errno_name", ["ENOSPC", "EDQUOT"])
def test_output_folder_on_a_full_disk_is_disk_full(tmp_path: Path, errno_name: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """An output whose folder cannot take even the check's empty file for want of space (no
    block or inode left, a quota reached): the disk-full line and exit code 1, as every other
    output on a full disk ends (README); it was the input error 'cannot write in FOLDER (No
    space left on device)', exit code 2."""
    import errno
    import tempfile

    from hourglass.cli import app
    from tests._cli import runner

    code = getattr(errno, errno_name)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code), str(tmp_path / ".hourglass-x.check"))

    data = tmp_path / "flows.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", full)
    res = runner.invoke(app, ["inspect", str(data), "--json", str(tmp_path / "out.json")])
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.exit_code == 1, res.output
    assert len(lines) == 1 and lines[0].endswith(": free some space or write the output elsewhere"), lines
    assert not (tmp_path / "out.json").exists()


def test_dev_stdout_with_standard_output_closed(tmp_path: Path) -> None:
    """``score -o /dev/stdout >&-``: the line for ``-o -`` ('standard output is closed'), not
    'cannot write in /proc/1234/fd (No such file or directory)' of a folder the user never
    named."""
    import subprocess
    import sys

    if not Path("/dev/stdout").is_symlink():
        pytest.skip("no /dev/stdout link here")
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")]))
    data = tmp_path / "flows.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    res = subprocess.run([sys.executable, "-m", "hourglass", "inspect", str(data), "--json", "/dev/stdout"],
                         cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         timeout=120, preexec_fn=lambda: os.close(1))
    text = res.stderr.decode()
    assert res.returncode == 2, text
    assert text.splitlines() == ["error: --json /dev/stdout: standard output is closed; give a file name, "
                                 "or leave standard output open"], text
