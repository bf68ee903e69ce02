"""Review 57 (bench57): the benchmark scripts as a user reruns them. Each test one defect fixed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

# what a script's main() sets for the whole process, put back after each test
pytestmark = pytest.mark.usefixtures("script_state_kept")


def test_winlogbeat_otrf_refuses_a_negative_seed_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: `winlogbeat_otrf.py --seeds -1` (a bare type=int) converted every OTRF
    # recording, then stopped with a CalledProcessError traceback (exit 1) when
    # `hourglass train --seed -1` refused the seed. Now argparse refuses it: one line, exit 2,
    # before the data folder is even looked at (tmp_path has no mordor_otrf/).
    import winlogbeat_otrf

    with pytest.raises(SystemExit) as stop:
        winlogbeat_otrf.main(["--data", str(tmp_path), "--seeds", "0", "-1"])
    assert stop.value.code == 2
    assert "argument --seeds: '-1' is not an integer from 0 to" in capsys.readouterr().err
