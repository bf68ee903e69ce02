"""Review round 58 (pipe58): hourglass in Unix pipelines and scripts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass import AutoEncoder, Pipeline

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}


def test_a_signal_during_the_copy_to_standard_output_says_the_reader_got_part(tmp_path: Path) -> None:
    # What was wrong: 'score m big.csv -o - | slow-reader' stopped by SIGTERM (or Ctrl-C) while
    # the finished output was being copied to the pipe said 'no output was written (models and
    # files appear only when complete)', though the reader had already got the first part of
    # the CSV, cut mid-line. The line now says standard output was cut short.
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, random_state=0)).fit(train).save(tmp_path / "m")
    data = tmp_path / "big.csv"
    pd.DataFrame({"a": rng.normal(size=40_000), "b": rng.normal(size=40_000)}).to_csv(data, index=False)
    proc = subprocess.Popen([sys.executable, "-m", "hourglass", "score", str(tmp_path / "m"), str(data),
                             "-o", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(100)  # the copy out has begun (the data is sent only once complete);
    # the rest, megabytes, is more than the pipe holds: the writer waits on this reader
    proc.send_signal(signal.SIGTERM)
    rest = proc.stdout.read()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGTERM
    assert head.startswith(b'"row","score"') and len(head) + len(rest) < 40_000 * 20
    assert "no output was written" not in err
    assert "stopped by SIGTERM before the command finished; standard output cut short" in err


def test_a_table_on_an_ascii_output_keeps_its_borders_in_line() -> None:
    # What was wrong: under LC_ALL=C with PYTHONUTF8=0, or PYTHONIOENCODING=ascii, a table cell
    # the encoding cannot hold ('inspect' of a column named 'é') was escaped by the stream as
    # it was written ('\xe9', 4 characters) after rich had laid the table out for 1, so that
    # row's borders stood 3 columns to the right of the others'. Cells are now escaped first.
    import io

    from hourglass.cli._output import _Console, rich_table

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="backslashreplace", write_through=True)
    console = _Console(file=stream, width=80, soft_wrap=True, markup=False)
    console.print(rich_table("t", ["column", "why"], [["é", "near-duplicate of é"], ["b", "x"]]))
    lines = [line for line in raw.getvalue().decode("ascii").splitlines() if line.startswith(("|", "+"))]
    assert any("\\xe9" in line for line in lines)
    assert len({len(line) for line in lines}) == 1, lines


def test_an_input_error_keeps_exit_code_2_when_standard_error_is_full(tmp_path: Path) -> None:
    # What was wrong: with standard error on a full disk (a cron job's '2>>log' on a full
    # /var, here 2>/dev/full) an input error (a missing DATA file) or a usage error exited 1,
    # the code the README gives a full disk or too small a machine, where it has 2 for bad
    # input: the failed write of the error line replaced the error's own exit code.
    with open("/dev/full", "w") as full:
        for args in (["inspect", str(tmp_path / "nope.csv")], ["models", "--bogus"]):
            proc = subprocess.run([sys.executable, "-m", "hourglass", *args], stdout=subprocess.DEVNULL,
                                  stderr=full, env=_env(), timeout=60)
            assert proc.returncode == 2, args
