"""Review 8: defects found by the maintainers' own checks (header names, SIGTERM clean-up)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hourglass.ingest.readers import read_table
from hourglass.ingest.tables import dedupe_names


def test_dedupe_never_takes_another_columns_name() -> None:
    assert dedupe_names(["a", "a", "a.1"]) == ["a", "a.2", "a.1"]
    assert dedupe_names(["a", "a.1", "a"]) == ["a", "a.1", "a.2"]
    assert dedupe_names(["x", "x", "x"]) == ["x", "x.1", "x.2"]  # as before where nothing clashes


def test_header_repeat_clashing_with_a_column_reads(tmp_path: Path) -> None:
    # a headerless NSL-KDD file read with its first row as the header: '0' 18 times and a
    # column '0.17'; pyarrow was handed two columns named '0.17' (a KeyError traceback)
    path = tmp_path / "t.csv"
    path.write_text("a,a,a.1\n1,2,3\n4,5,6\n")
    df = read_table(path)
    assert list(df.columns) == ["a", "a.2", "a.1"]
    assert df["a.1"].tolist() == [3, 6] and df["a.2"].tolist() == [2, 5]


_RUN = """
import os, signal, sys
{patch}
from hourglass.cli.app import main
sys.argv = ["hourglass", *{argv!r}]
main()
"""


def _run_with_sigterm(tmp_path: Path, patch: str, argv: list[str], stdin: bytes = b"") -> Any:
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"), OMP_NUM_THREADS="1")
    (tmp_path / "tmp").mkdir()
    script = _RUN.format(patch=textwrap.dedent(patch), argv=argv)
    return subprocess.run([sys.executable, "-c", script], input=stdin, capture_output=True,
                          env=env, cwd=tmp_path, timeout=120)


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
def test_sigterm_removes_the_copy_of_stdin(tmp_path: Path) -> None:
    # SIGTERM (timeout, docker stop) killed the process on the spot: the copy of standard
    # input stayed in $TMPDIR (hourglass-stdin-*) for ever
    patch = """
    import hourglass.cli._spool as spool
    _orig = spool._json_lines
    def _json_lines(*a):
        os.kill(os.getpid(), signal.SIGTERM)
        return _orig(*a)
    spool._json_lines = _json_lines
    """
    res = _run_with_sigterm(tmp_path, patch, ["inspect", "-"], b"a,b\n1,2\n3,4\n")
    assert res.returncode == -signal.SIGTERM, res.stderr
    assert list((tmp_path / "tmp").iterdir()) == []
    assert b"stopped by SIGTERM before the command finished" in res.stderr
    assert b"Traceback" not in res.stderr


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_sigterm_removes_the_hidden_output(tmp_path: Path) -> None:
    # the output being written beside its final name (.report.json.XXXX.tmp) was left behind
    (tmp_path / "d.csv").write_text("a,b\n1,2\n3,4\n")
    patch = """
    _replace = os.replace
    def replace(src, dst, *a, **k):
        if str(src).endswith(".tmp"):
            os.kill(os.getpid(), signal.SIGTERM)
        return _replace(src, dst, *a, **k)
    os.replace = replace
    """
    res = _run_with_sigterm(tmp_path, patch, ["inspect", "d.csv", "--json", "report.json"])
    assert res.returncode == -signal.SIGTERM, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "tmp"]


@pytest.mark.parametrize("expected,n_ref", [(0.01, 2000), (0.3, 10), (0.001, 1), (0.9, 100000)])
def test_drift_monitor_critical_counts_are_scipys(expected: float, n_ref: int) -> None:
    # the beta-binomial critical counts are summed once instead of by scipy's bisection (23 s to
    # set up a 1,000,000-row drift window); they must stay scipy's counts exactly
    from scipy import stats

    from hourglass.thresholds.monitor import _betabinom_isf

    sizes = np.array([1, 2, 17, 250, 1000, 3001])
    a, b = expected * n_ref, (1 - expected) * n_ref
    fire, clear = _betabinom_isf(sizes, a, b, (1e-6, 1e-2))
    assert fire.tolist() == stats.betabinom(sizes, a, b).isf(1e-6).tolist()
    assert clear.tolist() == stats.betabinom(sizes, a, b).isf(1e-2).tolist()
