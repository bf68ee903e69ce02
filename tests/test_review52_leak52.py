"""Review 52 (leak52): what a command, a stream or a request leaves behind in the process that
ran it (descriptors, threads, temporary files, state)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("leak52"))


def _rows(n: int) -> str:
    return "".join(json.dumps({"bytes": 10.0 + i, "pkts": 3, "proto": "tcp"}) + "\n" for i in range(n))


def _readers() -> list[threading.Thread]:
    """The stream reader threads alive, once those that are ending had a moment to end."""
    end = time.monotonic() + 3
    while True:
        alive = [t for t in threading.enumerate() if t.name == "hourglass-stream-reader"]
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.05)


def test_a_stream_stopped_by_a_bad_line_leaves_no_reader_thread(labelled: dict[str, Any],
                                                                tmp_path: Path) -> None:
    # What was wrong: a stream stopped by a bad line (exit code 2) with more input behind it left
    # its reader thread blocked for good on the full line queue, holding the input: one more
    # thread for each such run in the process (10 runs: 10 'hourglass-stream-reader' threads).
    # Now the reader stops once the batches' consumer is gone.
    before = len(_readers())
    data = '{"bytes": 1, "pkts": 3, "proto": "tcp"}\nnot json\n' + _rows(5000)
    src = tmp_path / "bad.jsonl"
    src.write_text(data)
    for args, given in ((["--input", str(src), "-o", str(tmp_path / "a.jsonl")], None), ([], data)):
        res = runner.invoke(app, ["stream", str(labelled["model"]), *args], input=given)
        assert res.exit_code == 2 and "line 2" in res.stderr, res.output
    assert len(_readers()) == before
