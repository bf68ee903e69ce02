"""Review 7 of the benchmark scripts and ``hourglass benchmark``: each test is one defect fixed."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


# what a script's main() sets for the whole process, put back after each test
pytestmark = pytest.mark.usefixtures("script_state_kept")


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


def test_benchmark_names_the_run_a_model_error_stopped(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np
    import pandas as pd
    from typer.testing import CliRunner

    from hourglass.cli import app
    from hourglass.pipeline.benchmark import Benchmark

    def refuses(*args: object) -> None:  # as PyOD's KNN does on fewer rows than its neighbours
        raise ValueError("Expected n_neighbors < n_samples_fit, but n_neighbors = 5, n_samples_fit = 3")

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "label": "ok"})
    df.loc[:19, ["a", "label"]] = [9.0, "bad"]
    df.to_csv(tmp_path / "t.csv", index=False)
    monkeypatch.setattr(Benchmark, "_fit_baseline", refuses)
    js = tmp_path / "out.json"
    res = CliRunner().invoke(app, ["benchmark", str(tmp_path / "t.csv"), "--label-col", "label",
                                   "--normal", "ok", "--models", "", "--seeds", "1", "--seed", "4",
                                   "--json", str(js), "-q"])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("error")]
    assert lines == ["error: iforest seed 4: Expected n_neighbors < n_samples_fit, but n_neighbors = 5, "
                     "n_samples_fit = 3"], res.stderr
    assert not js.exists()


@pytest.mark.parametrize("script, argv", [
    ("timeseries", ["--datasets", "skab", "--models", "pca,LSTM_AE,PCA"]),  # any case; PCA no baseline
    ("gan", ["--part", "odds", "--models", "hg-ae,hg-anogann"]),
    ("warm_start_logs", ["--models", "deeplog,deeplgo"]),
    ("warm_start_series", ["--models", "lstm_ae,tcn-ea"]),
])
def test_scripts_refuse_an_unknown_model_before_training(script: str, argv: list[str], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in ("skab", "odds_adbench", "hdfs_deeplog"):
        (tmp_path / folder).mkdir()
    module = __import__(script)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--data", str(tmp_path), *argv])
    with pytest.raises(SystemExit, match=r"--models: unknown (PCA|hg-anogann|deeplgo|tcn-ea); known: "):
        module.main()  # it was a traceback (or an exit) after the models listed before it trained


def test_nsl_kdd_runs_a_model_named_twice_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import nsl_kdd
    from hourglass.ingest import demo_path

    (tmp_path / "nsl_kdd").mkdir()
    for name, part in (("KDDTrain+", "train"), ("KDDTest+", "test"), ("KDDTest-21", "test")):
        shutil.copy(demo_path(part), tmp_path / "nsl_kdd" / f"{name}.txt.gz")
    written: dict[str, str] = {}
    monkeypatch.setattr(nsl_kdd, "write_result", lambda name, text: written.setdefault(name, text))
    monkeypatch.setattr(sys, "argv", ["nsl_kdd.py", "--data", str(tmp_path), "--models", "iforest,iforest",
                                      "--throughput-rows", "200"])
    nsl_kdd.main()  # a zip(strict=True) ValueError after every model ran, before the file was written
    assert written["nsl_kdd"].count("| iforest | KDDTest+ |") == 1


def test_winlogbeat_otrf_finds_the_data_beside_the_repository(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import _common
    import winlogbeat_otrf

    (tmp_path / "shared" / "data" / "mordor_otrf").mkdir(parents=True)
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.setattr(_common, "REPO", tmp_path / "repo")  # the data folder beside the repository
    monkeypatch.chdir(tmp_path / "a" / "b")  # run from elsewhere: ../shared/data is not there
    monkeypatch.delenv("HOURGLASS_DATA", raising=False)
    found: list[Path] = []

    def split(root: Path, work: Path) -> None:
        found.append(root)
        raise SystemExit("read")

    monkeypatch.setattr(winlogbeat_otrf, "_split", split)
    with pytest.raises(SystemExit, match="read"):
        winlogbeat_otrf.main(["--seeds", "0"])
    assert found == [tmp_path / "shared" / "data"]
    with pytest.raises(SystemExit, match="has no mordor_otrf/"):
        winlogbeat_otrf.main(["--data", str(tmp_path)])


def test_drift_with_no_part_left_writes_no_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import drift

    (tmp_path / "nsl_kdd").mkdir()
    monkeypatch.setattr(drift, "write_result", lambda *a: pytest.fail("results/drift.md overwritten"))
    monkeypatch.setattr(sys, "argv", ["drift.py", "--data", str(tmp_path), "--no-nsl"])
    with pytest.raises(SystemExit, match="no part left to run"):
        drift.main()
