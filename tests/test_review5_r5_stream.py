"""Review 5 of ``hourglass stream``: defects found in the stream paths, each pinned by a test."""

from __future__ import annotations

import json
import os
import re
import socket
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hourglass.cli.stream as stream_mod
from hourglass.cli.app import app
from hourglass.errors import HourglassError
from tests.test_stream import _flows

runner = CliRunner()


@pytest.fixture(scope="module")
def spot_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny autoencoder with an adapting (SPOT) threshold: --adapt works, --group-by too."""
    d = tmp_path_factory.mktemp("r5stream")
    _flows(300, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "4,2",
                              "--epochs", "2", "--label-col", "label", "--normal", "benign",
                              "--threshold", "spot:0.99", "-q"])
    assert res.exit_code == 0, res.output
    return d / "model"


def _rows(n: int = 20, attacks: int = 4) -> str:
    rows = [{**r, "src": f"10.0.0.{i % 2}"} for i, r in enumerate(_flows(n, 1, attacks).to_dict("records"))]
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_input_that_cannot_be_opened_is_one_line(spot_model: Path) -> None:
    # --input naming a Unix socket (the syslog socket, say) gave a traceback (OSError ENXIO)
    folder = Path(tempfile.mkdtemp(prefix="hg-r5-"))  # (a socket's path is short)
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(folder / "s.sock"))
        res = runner.invoke(app, ["stream", str(spot_model), "--input", str(folder / "s.sock")])
    finally:
        sock.close()
        (folder / "s.sock").unlink(missing_ok=True)
        folder.rmdir()
    assert res.exit_code == 2, res.output
    assert "--input" in res.stderr and "s.sock: cannot read (" in res.stderr
    assert isinstance(res.exception, SystemExit)  # (an exit code, no traceback)


def test_a_read_error_while_streaming_is_one_line(spot_model: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # an I/O error of the reader thread (a failing disk, a stale NFS handle) reached the main
    # thread as a bare OSError: a traceback; the alerts of the lines read before it stay
    path = tmp_path / "rows.jsonl"
    path.write_text(_rows())
    chunks = [path.read_bytes()]

    def failing(fd: int, n: int) -> bytes:
        if chunks:
            return chunks.pop()
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "read", failing)  # bound by the reader when it is made
    read = stream_mod._input_reader(path)
    monkeypatch.undo()
    monkeypatch.setattr(stream_mod, "_input_reader", lambda p: read)
    res = runner.invoke(app, ["stream", str(spot_model), "--input", str(path), "--all"])
    assert res.exit_code == 2, res.output
    assert f"error: --input {path}: cannot read (Input/output error)" in res.stderr
    assert len(res.stdout.splitlines()) == 20 and "streamed 20 rows" in res.stderr


def test_skipped_lines_are_counted_not_kept() -> None:
    # --on-bad-rows skip kept every skipped line's number for the summary: a long stream with a
    # share of bad lines grew without end (1M bad lines: +47 MB RSS); now the count and the
    # first ten, which is all the summary names, in line order
    bad = stream_mod.SkippedLines()
    bad.extend(range(1_000, 101_000))
    bad.append(7)
    assert len(bad) == 100_001 and list.__len__(bad) == 10 and bool(bad)
    assert bad[:3] == [7, 1_000, 1_001]
    assert stream_mod.skipped_lines_text(bad).startswith(
        "skipped 100,001 malformed line(s) (lines 7, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, "
        "1008 ...)")


def test_skipped_lines_summary_is_unchanged(spot_model: Path) -> None:
    # the summary still names the skipped lines in line order, malformed and refused alike
    lines = _rows(12).splitlines()
    lines[9:9] = ['{"proto": "tcp", "bytes": "abc", "duration": 1, "rate": 1}']  # refused: line 10
    lines[3:3] = ["{bad"]  # malformed: line 4
    text = "\n".join([*lines, "x"]) + "\n"
    res = runner.invoke(app, ["stream", str(spot_model), "--on-bad-rows", "skip"], input=text)
    assert res.exit_code == 0, res.output
    assert "streamed 12 rows" in res.stderr
    assert "skipped 3 malformed line(s) (lines 4, 11, 15)" in res.stderr


def test_grouped_stream_with_adapt_gives_the_threshold_in_its_summary(spot_model: Path) -> None:
    # the docs: with --adapt the summary gives the threshold's first and last value; with
    # --group-by it did not
    args = ["stream", str(spot_model), "--adapt", "-q"]
    plain = runner.invoke(app, args, input=_rows())
    grouped = runner.invoke(app, [*args, "--group-by", "src", "--group-window", "100"], input=_rows())
    assert plain.exit_code == 0 and grouped.exit_code == 0, grouped.output
    assert "(--adapt)" in plain.stderr
    moved = plain.stderr.split("rows/s")[1].split("(--adapt)")[0]
    assert moved.startswith("; threshold ") and f"rows/s{moved}(--adapt); grouped " in grouped.stderr


def test_read_errors_of_stdin_are_one_line() -> None:
    def failing(n: int) -> bytes:
        raise OSError(11, "Resource temporarily unavailable")

    with pytest.raises(HourglassError, match=r"^<stdin>: cannot read \(Resource temporarily"):
        stream_mod._reads(failing, "<stdin>")(10)


def test_a_folder_with_a_gzip_file_cut_short_is_one_line(spot_model: Path, tmp_path: Path) -> None:
    # a folder of rotated logs whose newest .gz is being written (cut short), or a damaged one:
    # EOFError / zlib.error escaped as a traceback; now one line naming the file, exit code 2
    import gzip

    folder = tmp_path / "logs"
    folder.mkdir()
    text = _rows().encode()
    (folder / "a.jsonl").write_bytes(text)
    whole = gzip.compress(text)
    for damage, expected in ((whole[:len(whole) // 2], "end-of-stream"),
                             (whole[:30] + bytes(60) + whole[90:], "Error -3")):
        (folder / "b.jsonl.gz").write_bytes(damage)
        res = runner.invoke(app, ["score", str(spot_model), str(folder), "-o", str(tmp_path / "o.csv")])
        assert res.exit_code == 2, res.output
        assert isinstance(res.exception, SystemExit) and not (tmp_path / "o.csv").exists()
        said = re.sub(r"[\s\u2500-\u257f]", "", res.stderr)  # (the message, out of its box)
        assert f"{folder}:b.jsonl.gz:cannotread(" in said and expected.replace(" ", "") in said


def test_a_refused_lateness_leaves_no_output_file(spot_model: Path, tmp_path: Path) -> None:
    # --lateness (entity models only) was checked after the output was opened: the refusal left
    # a new empty alerts file, or a new SQLite database with an empty table
    for name in ("alerts.jsonl", "alerts.sqlite"):
        out = tmp_path / name
        res = runner.invoke(app, ["stream", str(spot_model), "-o", str(out), "--lateness", "5m"],
                            input=_rows())
        assert res.exit_code == 2 and "--lateness: for entity-bucket models only" in res.stderr
        assert not out.exists(), name
