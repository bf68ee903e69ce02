"""A stream line longer than the limit (16 MiB; 1 MiB here) is a bad line, read no further than
the limit: a producer that never sends a line break cannot grow the stream's memory."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.cli import stream as stream_module
from hourglass.cli.stream import LineBatcher, LongLine
from tests._cli import runner

MIB = 1 << 20


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("long")
    rng = np.random.default_rng(0)
    pd.DataFrame({"bytes": rng.lognormal(6, 0.3, 300), "port": rng.choice([80, 443], 300)}).to_csv(
        d / "t.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "t.csv"), "--epochs", "2", "--hidden", "4,2", "-q",
                              "-o", str(d / "m")])
    assert res.exit_code == 0, res.output
    return d / "m"


def _input(long_bytes: int, ended: bool = True) -> str:
    good = json.dumps({"bytes": 400.0, "port": 443})
    long = '{"bytes": "' + "x" * long_bytes + '"}'
    return "\n".join([good, long, good]) + "\n" if ended else "\n".join([good, good, long])


def test_the_batcher_keeps_no_more_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_module, "MAX_LINE_BYTES", MIB)
    data = b"a\n" + b"y" * (3 * MIB) + b"\nb"
    batches = LineBatcher(io.BytesIO(data).read, size=10, max_delay=0.5)
    lines = [line for batch in batches for _, line in batch]
    assert lines[0] == b"a" and lines[2] == b"b"
    assert isinstance(lines[1], LongLine) and len(lines[1]) == MIB and lines[1].length == 3 * MIB


def test_a_long_line_stops_the_stream_naming_it(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_module, "MAX_LINE_BYTES", MIB)
    res = runner.invoke(app, ["stream", str(model), "--all"], input=_input(2 * MIB))
    assert res.exit_code == 2, res.output
    assert "line 2: longer than 1 MiB (2,097,165 bytes): not read" in res.stderr
    assert len(res.stdout.splitlines()) == 1  # the row before it was scored and written


@pytest.mark.parametrize("ended", [True, False])
def test_a_long_line_is_skipped_and_counted(model: Path, monkeypatch: pytest.MonkeyPatch,
                                            ended: bool) -> None:
    monkeypatch.setattr(stream_module, "MAX_LINE_BYTES", MIB)
    res = runner.invoke(app, ["stream", str(model), "--all", "--on-bad-rows", "skip"],
                        input=_input(2 * MIB, ended))
    assert res.exit_code == 0, res.output
    where = "lines 2" if ended else "lines 3"
    assert len(res.stdout.splitlines()) == 2 and f"skipped 1 malformed line(s) ({where})" in res.stderr
