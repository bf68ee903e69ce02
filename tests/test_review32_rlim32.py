"""Resources that run out mid-way (review 32): a file-size limit on a SQLite output."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests._cli import ab_model

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    return env


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ab_model(tmp_path_factory.mktemp("rlim32"))


def _rows(path: Path, n: int) -> Path:
    path.write_text("a,b\n" + "".join(f"{i % 7 / 7:.6f},{i % 11 / 11:.6f}\n" for i in range(n)))
    return path


def _file_size_limit(limit: int) -> Any:
    def set_limit() -> None:  # writes past the limit fail with EFBIG, not by SIGXFSZ
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    return set_limit


def test_a_sqlite_output_past_the_file_size_limit_is_said_as_a_too_large_file(
        model: Path, tmp_path: Path) -> None:
    # What was wrong: `score -o scores.sqlite` under a file-size limit (`ulimit -f`) ended with
    # 'could not write to the database (disk I/O error)' and exit code 2, blaming the input,
    # where a CSV, Parquet or JSON-lines output at the same limit says 'file too large' with
    # exit code 1 (SQLite gives no errno for EFBIG, and rolls the file back below the limit).
    data, out = _rows(tmp_path / "x.csv", 6000), tmp_path / "scores.sqlite"
    out.write_bytes(b"OLD")
    res = subprocess.run([sys.executable, "-m", "hourglass", "--threads", "1", "score",
                          str(model), str(data), "-o", str(out)], env=_env(), cwd=tmp_path,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120,
                         preexec_fn=_file_size_limit(48 * 1024))
    assert res.returncode == 1, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines[-1] == "error: file too large: free some space or write the output elsewhere", lines
    assert "Traceback" not in res.stderr
    assert out.read_bytes() == b"OLD"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.sqlite", "x.csv"]

