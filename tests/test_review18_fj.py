"""Outputs in a hostile environment: a stream's alerts file replaced by what cannot be opened,
standard output closed or full, a socket or device as the output."""

from __future__ import annotations

import logging
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
