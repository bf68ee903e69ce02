"""Review round 59 (left59): items an earlier round noticed and left alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a disk that is full)")
def test_a_finished_command_exits_0_when_standard_error_is_full(tmp_path: Path) -> None:
    # What was wrong: 'score m data.csv -o alerts.jsonl 2>>log' with the log on a full disk
    # (here 2>/dev/full) wrote its alerts in full and then exited 1, the full disk's code,
    # because its closing lines on stderr (the drift check) could not be written: a cron job
    # saw a failure for work that had succeeded. A lost message now leaves the exit code alone.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, random_state=0)).fit(frame).save(tmp_path / "m")
    data, alerts = tmp_path / "d.csv", tmp_path / "alerts.jsonl"
    frame.to_csv(data, index=False)
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "hourglass", "score", str(tmp_path / "m"), str(data),
                               "-o", str(alerts)], stdout=subprocess.DEVNULL, stderr=full, env=_env(),
                              timeout=120)
    assert proc.returncode == 0
    assert alerts.exists()
