"""Review of the CLI (round 4): regression tests of the defects found."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner

SRC = str(Path(__file__).resolve().parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
       "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An autoencoder trained on a small table, and other rows of it."""
    folder = tmp_path_factory.mktemp("review4")
    rng = np.random.default_rng(0)
    data, test = folder / "flows.csv", folder / "test.csv"
    for path in (data, test):
        label = np.where(np.arange(400) % 40 == 0, "attack", "normal")
        pd.DataFrame({"bytes": rng.lognormal(5, 1, 400), "pkts": rng.poisson(8, 400),
                      "label": label}).to_csv(path, index=False)
    model = folder / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--label-col", "label", "--normal",
                              "normal", "--epochs", "1", "--hidden", "4,2", "--batch-size", "64", "-q"])
    assert res.exit_code == 0, res.output
    return {"data": data, "test": test, "model": model}


# a reader that closes standard output early ('... -o - | head -1')

def _closed_pipe() -> int:
    """The writing end of a pipe whose reader has already gone."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_a_command_whose_reader_has_gone_ends_quietly_with_141() -> None:
    # was: exit code 1 (click's and rich's handling of the broken pipe), as for a real failure
    write = _closed_pipe()
    try:
        proc = subprocess.run([sys.executable, "-m", "hourglass", "formats"], stdout=write,
                              stderr=subprocess.PIPE, env=ENV, timeout=60)
    finally:
        os.close(write)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == b""  # no traceback, no 'Exception ignored ... BrokenPipeError' at exit


@contextlib.contextmanager
def stdout_to_closed_pipe() -> Iterator[None]:
    """File descriptor 1 on a pipe whose reader has gone, within the block (in the test's body:
    pytest puts its own file back on descriptor 1 before the call)."""
    write, saved = _closed_pipe(), os.dup(1)
    os.dup2(write, 1)
    os.close(write)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@pytest.mark.parametrize("argv", [["score", "{model}", "{test}", "-o", "-"],
                                  ["explain", "{model}", "{test}", "-o", "-"],
                                  ["evaluate", "{model}", "{test}"]])
def test_an_output_to_a_closed_stdout_ends_the_command_with_141(
        kit: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        argv: list[str]) -> None:
    from hourglass.cli.app import main

    monkeypatch.setattr(sys, "argv", ["hourglass", *(a.format(**kit) for a in argv), "-q"])
    with stdout_to_closed_pipe(), open(1, "w", closefd=False) as stdout:  # sys.stdout on fd 1
        monkeypatch.setattr(sys, "stdout", stdout)
        with pytest.raises(SystemExit) as exit_:
            main()
        assert exit_.value.code == 141
        assert os.path.samestat(os.fstat(1), os.stat(os.devnull))  # nothing left to fail at exit
        stdout.flush()
    assert capsys.readouterr().err == ""  # no traceback, no message


def test_a_broken_pipe_elsewhere_is_not_taken_for_a_closed_stdout() -> None:
    from hourglass.cli._output import reader_gone

    with pytest.raises(BrokenPipeError), reader_gone():  # stdout and stderr still have readers
        raise BrokenPipeError(32, "Broken pipe")

