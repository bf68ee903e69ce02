"""Review 7 of the benchmark scripts and ``hourglass benchmark``: each test is one defect fixed."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


def _work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the script's ``tempfile.mkdtemp`` hands out, under ``tmp_path``."""
    work = tmp_path / "work"

    def mkdtemp(*args: object, **kwargs: object) -> str:
        work.mkdir()
        return str(work)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    return work


def _fails(*args: object, **kwargs: object) -> None:
    raise SystemExit("hourglass train failed")


@pytest.mark.parametrize("script, argv", [
    ("alert_groups", ["--hosts", "2", "--days", "0.05", "--train-days", "0.05", "--flood-rows", "5"]),
    ("suppress", ["--rows", "50"]),
])
def test_scripts_remove_their_temp_folder(script: str, argv: list[str], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    module = __import__(script)
    work = _work_dir(tmp_path, monkeypatch)
    monkeypatch.setattr(module, "run_measured", _fails)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", *argv])
    with pytest.raises(SystemExit, match="train failed"):
        module.main()
    assert not work.exists()  # the generated flows were left in /tmp on every run


def test_serve_throughput_checks_its_data_before_the_table_part(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import serve_throughput

    def table_part(*args: object) -> list[list[object]]:
        raise AssertionError("the table part ran before the data folder was checked")

    work = _work_dir(tmp_path, monkeypatch)
    monkeypatch.setattr(serve_throughput, "bench_table", table_part)
    monkeypatch.setattr(sys, "argv", ["serve_throughput.py", "--data", str(tmp_path)])
    with pytest.raises(SystemExit, match=r"has no skab/, loghub_2k/, hdfs_deeplog/"):
        serve_throughput.main()
    assert not work.exists()


def test_drift_checks_the_series_folders_before_the_nsl_part(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import drift

    (tmp_path / "nsl_kdd").mkdir()
    monkeypatch.setattr(drift, "nsl", lambda args: pytest.fail("the NSL-KDD part ran first"))
    monkeypatch.setattr(sys, "argv", ["drift.py", "--data", str(tmp_path), "--series"])
    with pytest.raises(SystemExit, match=r"has no nab/, skab/"):
        drift.main()
