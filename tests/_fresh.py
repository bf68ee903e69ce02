"""Run code in a fresh interpreter, to check what it imports."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence


def modules_loaded(code: str, names: Sequence[str]) -> list[str]:
    """Which of the modules ``names`` are in ``sys.modules`` after ``code`` ran in a new
    Python process (sorted)."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {tuple(names)!r} if m in sys.modules))\n"
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                         check=True)
    return eval(res.stdout.strip().splitlines()[-1])  # a list of str literals printed above
