"""Review 25 (strm25): ``hourglass stream`` fuzzed as a SOC pipeline feeds it."""

from __future__ import annotations

import json
from pathlib import Path

from hourglass.cli import app
from hourglass.cli.stream import _parse

ROW = b'{"a": 0.5, "b": 0.5}'


def test_a_utf16_or_nul_led_line_in_a_utf8_stream_is_a_bad_line_not_a_row() -> None:
    # What was wrong: each line went to json.loads as bytes, which guesses UTF-16/32 per line
    # from its NULs: a UTF-16 line (no BOM) mid-stream was read as a row (score refuses such
    # data), and a line led by NULs (a log preallocated with zeros) was named by a 'utf-32-be'
    # codec error. The stream's lines are UTF-8 (the reader decodes a UTF-16 input with a BOM).
    batch = [(1, ROW), (2, ROW.decode().encode("utf-16-le")), (3, b"\x00\x00" + ROW), (4, ROW)]
    bad: list[int] = []
    rows, lines, problem = _parse(batch, "<stdin>", "skip", bad)
    assert lines == [1, 4] and bad == [2, 3] and problem is None
    rows, lines, problem = _parse(batch[2:], "<stdin>", "error", [])
    assert rows == [] and problem is not None
    assert str(problem) == ("<stdin>: line 3: not valid JSON (Expecting value at column 1) (use "
                            "--on-bad-rows skip to skip such rows)"), problem
    # a UTF-8 byte-order mark before a line (line 1 may hold two) is still dropped
    rows, lines, problem = _parse([(1, b"\xef\xbb\xbf\xef\xbb\xbf" + ROW), (2, b"\xef\xbb\xbf" + ROW)],
                                  "<stdin>", "error", [])
    assert rows == [{"a": 0.5, "b": 0.5}] * 2 and problem is None


def test_stream_stops_at_a_utf16_line_naming_it(tmp_path: Path) -> None:
    # What was wrong: the UTF-16 line in the middle of a UTF-8 stream was scored as a row.
    from tests._cli import ab_model, runner

    model = ab_model(tmp_path)
    data = tmp_path / "mixed.jsonl"
    data.write_bytes(ROW + b"\n" + ROW.decode().encode("utf-16-le") + b"\n" + ROW + b"\n")
    res = runner.invoke(app, ["stream", str(model), "--input", str(data), "--all"])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.stderr
    assert "line 2: not valid JSON" in res.stderr, res.stderr
    assert [json.loads(line)["row"] for line in res.stdout.splitlines()] == [0]
