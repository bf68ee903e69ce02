"""Regression tests: outputs through links and devices, suppression rules on numbers and times."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]


def _check_in_a_pipe(output: str) -> subprocess.CompletedProcess[str]:
    """``check_not_input(output)`` in a process whose standard output is a pipe."""
    code = ("import sys; from pathlib import Path; from hourglass.cli._common import check_not_input\n"
            f"check_not_input(Path({output!r}), '--output'); print('ok', file=sys.stderr)")
    env = {"PYTHONPATH": f"{_ROOT / 'src'}:{_ROOT}", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def test_output_dev_stdout_into_a_pipe_is_accepted(tmp_path: Path) -> None:
    link = tmp_path / "out.csv"
    link.symlink_to("/dev/stdout")
    for output in ("/dev/stdout", str(link)):  # (its link names "pipe:[123]", no file)
        res = _check_in_a_pipe(output)
        assert res.returncode == 0 and res.stderr.strip() == "ok", res.stderr
