"""``hourglass stream``: gzip-compressed UTF-16 read a few bytes at a time, an output that refuses
a write, and the audit events a read error completes."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import typer

from hourglass.cli import app, stream_logs
from hourglass.cli import stream as stream_module
from hourglass.errors import HourglassError
from hourglass.pipeline import Pipeline
from hourglass.serve.log_stream import LogStreamScorer
from tests._cli import runner, small_labelled_model
from tests.test_review16_strm import fit_block_model


def _trickle(data: bytes) -> Callable[[int], bytes]:
    """Reads of ``data`` one byte at a time, as a pipe fed slowly gives them."""
    source = io.BytesIO(data)
    return lambda n: source.read(1)


def test_gzip_compressed_utf16_arriving_a_byte_at_a_time_is_decoded() -> None:
    # the byte-order mark was looked for in the first chunk out of gzip only: from a slow
    # producer that chunk is b'\xff' alone, the text was not decoded ("line 2: not valid JSON")
    text = '{"user": "zoë", "n": 1}\n{"user": "bo", "n": 2}\n'
    for data in (text.encode("utf-16"), gzip.compress(text.encode("utf-16")),
                 gzip.compress(text.encode("utf-8"))):
        read = stream_module._gunzip_if_gzip(_trickle(data), "<stdin>")
        lines = [pair for batch in stream_module.LineBatcher(read, size=10, max_delay=0.05)
                 for pair in batch]
        rows, numbers, problem = stream_module._parse(lines, "<stdin>", "error", [])
        assert problem is None
        assert rows == [{"user": "zoë", "n": 1}, {"user": "bo", "n": 2}]
        assert numbers == [1, 2]


def test_a_one_byte_gzip_line_is_not_held_back_for_a_byte_order_mark() -> None:
    read = stream_module._gunzip_if_gzip(_trickle(gzip.compress(b"\n")), "x")
    assert read(100) == b"\n" and read(100) == b""


class _RefusingSink:
    """An output whose every write fails, as a SQLite file locked by another writer does."""

    def __init__(self) -> None:
        self.attempts: list[int] = []

    def write(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        if alerts:
            self.attempts.append(len(alerts))
            raise HourglassError("alerts.sqlite: could not append to table 'alerts' (database is locked)")

    def fileno(self) -> int:
        raise OSError("no file descriptor")

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def block_model() -> Pipeline:
    return fit_block_model()


def test_a_log_stream_whose_output_refuses_a_write_does_not_write_to_it_again(
        block_model: Pipeline, capsys: pytest.CaptureFixture[str]) -> None:
    # a write the output refused (a locked SQLite file) was caught as a read error: every open
    # session was closed and written to the same output again (a second 30 s busy wait), and the
    # summary counted the alerts of that second, failed write
    sink = _RefusingSink()
    scorer = LogStreamScorer(block_model)
    data = b"open blk_900\nclose blk_900\nopen blk_901\n"  # an unexpected 'close'; blk_901 left open
    with pytest.raises(typer.Exit) as stop:
        stream_logs.run(scorer, io.BytesIO(data).read, sink, where="<stdin>", batch=10,
                        max_delay=0.05, on_bad_rows="skip", output=None)
    assert stop.value.exit_code == 2
    assert sink.attempts == [1]
    assert scorer.counts()["live"] == 2  # the sessions were not closed into the refused output
    err = capsys.readouterr().err
    assert "database is locked" in err and ", 1 alert (" in err  # (the one alert refused)


def test_a_grouped_stream_whose_output_refuses_a_write_does_not_write_to_it_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # --group-by: a write of the groups due that the output refused (a locked SQLite file) was
    # caught as a line that stops the stream, and the open groups were written to it again
    from hourglass.serve.sinks import SQLiteSink

    model = small_labelled_model(tmp_path)["model"]
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"bytes": 1e9 * (i + 1), "pkts": 10 ** 6, "proto": "tcp"}) + "\n"
                            for i in range(12)))
    attempts: list[int] = []

    def refuse(self: SQLiteSink, alerts: Sequence[Mapping[str, Any]]) -> None:
        if alerts:
            attempts.append(len(alerts))
            raise HourglassError("alerts.sqlite: could not append to table 'alerts' (database is locked)")

    monkeypatch.setattr(SQLiteSink, "write", refuse)
    res = runner.invoke(app, ["stream", str(model), "--input", str(rows), "--group-by", "proto",
                              "--group-window", "4", "--batch", "6", "--output",
                              str(tmp_path / "alerts.sqlite")])
    assert res.exit_code == 2, res.output
    assert "database is locked" in res.stderr
    assert attempts == [1]


@pytest.fixture(scope="module")
def audit_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import numpy as np

    from tests.test_auditd import _event

    d = tmp_path_factory.mktemp("audit")
    rng = np.random.default_rng(0)
    (d / "audit.log").write_text("".join(line + "\n" for i in range(120) for line in _event(rng, i)))
    res = runner.invoke(app, ["train", str(d / "audit.log"), "--epochs", "1", "--hidden", "4",
                              "--seed", "0", "-q", "-o", str(d / "model")])
    assert res.exit_code == 0, res.output
    return d / "model"


def test_the_audit_events_open_at_a_truncated_gz_are_completed_and_scored(
        audit_model: Path, tmp_path: Path) -> None:
    # a read error (a truncated .gz) stops the stream with exit code 2; the events whose records
    # were read, the last one still open (no EOE, nothing after it), are scored and written first
    import numpy as np

    from tests.test_auditd import _event

    rng = np.random.default_rng(1)
    events = [_event(rng, 5000 + i, "shell") for i in range(4)]
    events[-1] = [r for r in events[-1] if not r.startswith(("type=EOE", "type=PROCTITLE"))]
    data = tmp_path / "audit.log.gz"
    data.write_bytes(gzip.compress("".join(r + "\n" for e in events for r in e).encode())[:-6])
    res = runner.invoke(app, ["stream", str(audit_model), "--all", "--keep", "exe", "--keep", "serial",
                              "--input", str(data)])
    assert res.exit_code == 2, res.output
    assert "cannot read the gzip stream" in res.stderr
    alerts = [json.loads(line) for line in res.stdout.splitlines()]
    assert [a["row"] for a in alerts] == [0, 1, 2, 3]
    assert [a["serial"] for a in alerts] == ["6000", "6001", "6002", "6003"]  # (1000 + i)
    assert all(a["exe"] == "/usr/bin/nc.openbsd" and np.isfinite(a["score"]) for a in alerts)
