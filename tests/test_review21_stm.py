"""Regression tests: ``hourglass stream`` (table, log and time-series streams, their output)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("stm21"))


def _rows_file(labelled: dict[str, Any], folder: Path, n: int = 3) -> Path:
    """``n`` rows of the training table as JSON lines, each made to be flagged."""
    rows = labelled["frame"].drop(columns=["label"]).head(n).to_dict("records")
    data = folder / "rows.jsonl"
    data.write_text("".join(json.dumps({**{k: (v.item() if hasattr(v, "item") else v)
                                           for k, v in r.items()}, "bytes": 1e12}) + "\n"
                            for r in rows))
    return data


@pytest.mark.parametrize("packed", ["gzip", "parquet"])
def test_stream_refuses_to_append_to_a_compressed_file_without_a_line_break(
        labelled: dict[str, Any], tmp_path: Path, packed: str) -> None:
    data = _rows_file(labelled, tmp_path)
    out = tmp_path / "alerts.jsonl"
    if packed == "parquet":
        before = b"PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x15\x00"
    else:  # a small gzip file holds no 0x0a byte at all often; find one such
        text = b'{"row": 0, "score": 2.5, "severity": "high", "calibrated": 0.99}\n'
        before = next(b for b in (gzip.compress(text * k, mtime=m) for k in range(1, 9) for m in range(50))
                      if b"\n" not in b)
    out.write_bytes(before)
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(data), "-o", str(out)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "(its first bytes), no JSON alerts" in lines[0], res.stderr
    assert out.read_bytes() == before  # left as it was (alerts appended to it made it unreadable)


def test_stream_refuses_a_file_of_one_unended_line_that_is_no_alert(labelled: dict[str, Any],
                                                                    tmp_path: Path) -> None:
    data = _rows_file(labelled, tmp_path)
    out = tmp_path / "alerts.jsonl"
    out.write_text("src_ip,bytes")  # a CSV header written without a line break
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(data), "-o", str(out)])
    assert res.exit_code == 2 and "its last line is no JSON alert ('src_ip,bytes')" in res.stderr, res.output
    assert out.read_text() == "src_ip,bytes"
    out.write_text('{"row": 0, "sco')  # a stream killed while writing its first alert: appended to
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(data), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert [json.loads(line)["row"] for line in out.read_text().splitlines()[1:]] == [0, 1, 2]


def test_stream_appends_to_its_alerts_behind_a_byte_order_mark(labelled: dict[str, Any],
                                                               tmp_path: Path) -> None:
    data = _rows_file(labelled, tmp_path)
    out = tmp_path / "alerts.jsonl"
    before = '\ufeff{"row": 0, "score": 2.5, "severity": "high", "calibrated": 0.99}\n'
    out.write_text(before, encoding="utf-8")  # as an editor or PowerShell's Set-Content saves it
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(data), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 4
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(data), "-o", str(out),
                              "--alert-format", "ecs"])  # the shape is still judged
    assert res.exit_code == 2 and "holds hourglass alerts" in res.stderr, res.output
    ecs = tmp_path / "alerts.ecs.jsonl"
    ecs.write_text('\ufeff{"@timestamp": "2024-01-01T00:00:00.000Z", "ecs": {"version": "8.11.0"}, '
                   '"hourglass": {"row": 3}}\n', encoding="utf-8")
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(data), "-o", str(ecs)])
    assert res.exit_code == 2 and "holds ECS documents" in res.stderr, res.output


def test_a_producer_s_first_cr_ended_line_is_scored_without_waiting_for_the_next() -> None:
    import threading
    import time

    from hourglass.cli.stream import LineBatcher

    more = threading.Event()
    parts = iter([b'{"a": 1}\r', b'{"a": 2}\r'])

    def read(n: int) -> bytes:  # a slow producer: its second line comes only once asked for
        part = next(parts, b"")
        if part == b'{"a": 2}\r':
            more.wait(10)
        return part

    batches = iter(LineBatcher(read, size=100, max_delay=0.05))
    began = time.monotonic()
    first = next(batches)
    assert [line for _, line in first] == [b'{"a": 1}'] and time.monotonic() - began < 5
    more.set()
    assert [[line for _, line in b] for b in batches] == [[b'{"a": 2}']]


@pytest.mark.parametrize("parts", [[b"a\r", b"b\r", b"\n"], [b"a\r", b"\nb\r\n"], [b"a\r", b"b\r"]])
def test_cr_and_cr_lf_lines_split_over_reads_read_as_whole_lines(parts: list[bytes]) -> None:
    from hourglass.cli.stream import LineBatcher

    it = iter(parts)
    lines = [line for b in LineBatcher(lambda n: next(it, b""), size=100, max_delay=0.05) for _, line in b]
    assert [line.rstrip(b"\r") for line in lines] == [b"a", b"b"]  # no blank line of a CR LF's LF
