"""Benchmark scripts: option checks and split helpers, each test one defect fixed."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


# what a script's main() sets for the whole process, put back after each test
pytestmark = pytest.mark.usefixtures("script_state_kept")


def _odds(root: Path, *sets: str) -> Path:
    """A data folder with tiny ODDS-style sets (40 rows, 3 features, 10% anomalies)."""
    folder = root / "odds_adbench"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in sets:
        np.savez(folder / f"{name}.npz", X=rng.normal(size=(40, 3)), y=np.r_[np.zeros(36), np.ones(4)])
    return root


def test_names_keeps_order_drops_repeats_and_refuses_unknown_or_empty() -> None:
    from _common import names

    assert names("--sets", "b,a,b", ["a", "b"]) == ["b", "a"]
    with pytest.raises(SystemExit, match=r"^--sets: unknown c, ''; known: a, b$"):
        names("--sets", "a,c,", ["a", "b"])


@pytest.mark.parametrize("argv, message", [
    (["--sets", "18_lonosphere"], "--sets: unknown 18_lonosphere; known: 18_Ionosphere, nsl_kdd"),
    (["--sets", "18_Ionosphere", "--protocols", "normal"], "--protocols: unknown normal"),
    (["--sets", "18_Ionosphere", "--semi", "--semi-models", "hg-ea"], "--semi-models: unknown hg-ea"),
])
def test_tabular_refuses_an_unknown_set_protocol_or_semi_model_before_training(
        argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tabular

    def trained(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model trained before the options were checked")

    monkeypatch.setattr(tabular, "_evaluate", trained)
    monkeypatch.setattr(tabular, "write_result", trained)
    monkeypatch.setattr(sys, "argv", ["tabular.py", "--data", str(_odds(tmp_path, "18_Ionosphere")),
                                      "--models", "iforest", "--seeds", "1", *argv])
    with pytest.raises(SystemExit, match=message):  # FileNotFoundError / KeyError tracebacks
        tabular.main()


def test_gan_refuses_an_unknown_set_before_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gan

    monkeypatch.setattr(sys, "argv", ["gan.py", "--part", "odds", "--data", str(_odds(tmp_path, "6_cardio")),
                                      "--sets", "6_cardio,6_cadrio", "--seeds", "1", "--models", "hg-ae"])
    with pytest.raises(SystemExit, match="--sets: unknown 6_cadrio; known: 6_cardio"):
        gan.main()  # 6_cardio trained, then a FileNotFoundError traceback


def test_loghub_refuses_an_unknown_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import loghub

    (tmp_path / "loghub_2k").mkdir()
    monkeypatch.setattr(sys, "argv", ["loghub.py", "--data", str(tmp_path), "--sets", "hdfs", "--no-write"])
    with pytest.raises(SystemExit, match=r"--sets: unknown hdfs; known: .*HDFS"):
        loghub.main()  # KeyError: 'hdfs'


def test_timeseries_refuses_an_unknown_dataset_before_the_first_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import timeseries

    def ran(*args: object, **kwargs: object) -> None:
        raise AssertionError("a dataset ran before --datasets was checked")

    monkeypatch.setattr(timeseries, "skab_series", ran)
    monkeypatch.setattr(sys, "argv", ["timeseries.py", "--data", str(tmp_path), "--datasets", "skab,smd"])
    with pytest.raises(SystemExit, match="--datasets: unknown smd; known: skab, asd, nab"):
        timeseries.main()  # skab ran in full, then "unknown dataset smd"


def _no_pyod(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyOD (the ``bench`` extra) absent, whether or not it is installed here."""
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyod" else find_spec(name, *a))


@pytest.mark.parametrize("script, argv, message", [
    ("nsl_kdd", ["--models", "iforest,ecod"], "--models: ecod need PyOD"),
    ("nsl_kdd", ["--models", "iforest,ecdo"], "--models: unknown ecdo"),
    ("tabular", ["--sets", "18_Ionosphere", "--models", "iforest,pyod-ae"], "--models: pyod-ae need PyOD"),
    ("tabular", ["--sets", "18_Ionosphere", "--models", "", "--semi", "--semi-models", "ecod"],
     "--semi-models: ecod need PyOD"),
    ("gan", ["--part", "odds", "--sets", "18_Ionosphere", "--models", "hg-ae,pyod-alad"],
     "--models: pyod-alad need PyOD"),
    ("timeseries", ["--datasets", "skab", "--models", "pca,pyod-lstmad"], "--models: pyod-lstmad need PyOD"),
])
def test_scripts_name_a_missing_pyod_before_reading_data(
        script: str, argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = __import__(script)
    _no_pyod(monkeypatch)
    root = _odds(tmp_path, "18_Ionosphere")
    for folder in ("nsl_kdd", "skab"):  # empty: reading them would fail with a traceback
        (root / folder).mkdir()
    monkeypatch.setattr(module, "write_result", lambda *a: pytest.fail("a result was written"))
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--data", str(root), *argv])
    with pytest.raises(SystemExit, match=message):  # ModuleNotFoundError: No module named 'pyod'
        module.main()


def test_timeseries_does_not_ask_for_pyod_where_lstmad_does_not_run(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import timeseries

    _no_pyod(monkeypatch)
    monkeypatch.setattr(timeseries, "asd_series", lambda *a: pytest.skip("reached the data: no PyOD stop"))
    (tmp_path / "asd_interfusion").mkdir()
    monkeypatch.setattr(sys, "argv", ["timeseries.py", "--data", str(tmp_path), "--datasets", "asd",
                                      "--models", "pca,pyod-lstmad"])
    with pytest.raises(pytest.skip.Exception):
        timeseries.main()


@pytest.mark.parametrize("script, argv, message", [
    ("tabular_selection", ["--sets", "18_Ionosphere,6_cadrio"],
     "--sets: unknown 6_cadrio; known: 18_Ionosphere, nsl_kdd"),
    ("tabular_selection", ["--sets", "18_Ionosphere", "--variants", "batch auto|batch 2048"],
     "--variants: unknown 'batch 2048'; known: batch 1024 | batch auto | "),
    ("threshold_bound", ["--sets", "18_Ionosphere,thyroid"],
     "--sets: unknown thyroid; known: 18_Ionosphere, nsl_kdd"),
    ("gan_anogan_selection", ["--sets", "18_Ionosphere,nsl_kdd", "--configs", '{"a": {}}'],
     "--sets: unknown nsl_kdd; known: 18_Ionosphere, NSL-KDD"),
])
def test_selection_scripts_refuse_an_unknown_set_or_variant_before_training(
        script: str, argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    module = __import__(script)
    root = _odds(tmp_path, "18_Ionosphere")
    (root / "nsl_kdd").mkdir()
    monkeypatch.setattr(module, "write_result", lambda *a: pytest.fail("a result was written"))
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--data", str(root), "--seeds", "1", *argv])
    with pytest.raises(SystemExit, match=re.escape(message)):  # a traceback after the sets before it ran
        module.main()


@pytest.mark.parametrize("content, message", [
    (None, "No such file"),
    ("[[", "Expecting value"),
    ('{"IP": "x"}', "expected a JSON array of [NAME, regex] pairs, got dict"),
    ('[["IP"]]', "masks: expected (NAME, regex) pairs, got ('IP',)"),
    ('[["IP", "(\\\\d+"]]', "masks: bad regular expression for 'IP'"),
])
def test_loghub_masks_json_error_is_one_line(content: str | None, message: str, tmp_path: Path) -> None:
    import re

    from loghub import read_masks

    path = tmp_path / "masks.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SystemExit, match=rf"^--masks-json {re.escape(str(path))}: .*{re.escape(message)}"):
        read_masks(str(path))  # JSONDecodeError / FileNotFoundError / InputError tracebacks
    path.write_text('[["NUM", "\\\\d+"]]')
    assert read_masks(str(path)) == (("NUM", r"\d+"),)


@pytest.mark.parametrize("argv, message", [
    (["--schedules", "20x2,10"], "--schedules: '10' is not ROUNDSxLOCAL_EPOCHS"),
    (["--schedules", "0x2"], "--schedules: '0x2' is not ROUNDSxLOCAL_EPOCHS"),
    (["--new-schedule", "10-4"], "--new-schedule: '10-4' is not ROUNDSxLOCAL_EPOCHS"),
    (["--seeds", "0,one"], "--seeds: '0,one' is not a comma-separated list of integers"),
    (["--mus", "0.1,x"], "--mus: '0.1,x' is not a comma-separated list of numbers"),
    (["--mus", "-1"], "--mus: '-1': each mu must be a finite number >= 0"),
])
def test_federated_refuses_a_bad_option_before_reading_the_data(
        argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    import federated

    monkeypatch.setattr(federated, "NslKddFiles", lambda *a: pytest.fail("the data was read first"))
    monkeypatch.setattr(sys, "argv", ["federated.py", "--data", str(tmp_path), *argv])
    with pytest.raises(SystemExit, match=re.escape(message)):  # a ValueError traceback after the read
        federated.main()


def test_federated_options_parse() -> None:
    import argparse

    from federated import parse_options

    args = argparse.Namespace(seeds="0,2", schedules="20x2, 10x4", new_schedule="", mus="0,0.1")
    assert parse_options(args) == ([0, 2], [(20, 2), (10, 4)], None, (0.0, 0.1))


def test_ints_reads_integers_and_refuses_anything_else() -> None:
    from _common import ints

    assert ints("--seeds", "3, 0") == [3, 0]
    for bad in ("0,x", "", "1.5"):
        with pytest.raises(SystemExit, match=r"^--seeds: .* is not a comma-separated list of integers$"):
            ints("--seeds", bad)
    with pytest.raises(SystemExit, match=r"^--threads: '0' is not a comma-separated list of integers >= 1$"):
        ints("--threads", "0", least=1)


@pytest.mark.parametrize("script, argv, stop, message", [
    ("entity", ["--scan-flows", "60,lots"], "synthetic", "--scan-flows: '60,lots' is not"),
    ("entity", ["--seeds", "0,a"], "synthetic", "--seeds: '0,a' is not"),
    ("warm_start", ["--seeds", "a"], "NslKddFiles", "--seeds: 'a' is not"),
    ("warm_start_logs", ["--seeds", "0;1"], "data_dir", "--seeds: '0;1' is not"),
    ("warm_start_series", ["--seeds", "one"], "data_dir", "--seeds: 'one' is not"),
    ("onnx_speed", ["--threads", "1,two"], "NslKddFiles", "--threads: '1,two' is not"),
])
def test_scripts_refuse_a_bad_integer_list_before_any_work(
        script: str, argv: list[str], stop: str, message: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    module = __import__(script)
    monkeypatch.setattr(module, stop, lambda *a, **k: pytest.fail(f"{stop} ran before the option check"))
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--data", str(tmp_path), *argv])
    with pytest.raises(SystemExit, match=re.escape(message)):  # a ValueError traceback, for entity
        module.main()                                          # after the first scan size had run


@pytest.mark.parametrize("script, argv, message", [
    ("timeseries", ["--limit", "-1"], "argument --limit: '-1' is not an integer >= 1"),
    ("timeseries", ["--limit", "0"], "argument --limit: '0' is not an integer >= 1"),
    ("timeseries", ["--window", "0"], "argument --window: '0' is not an integer >= 1"),
    ("tabular", ["--seeds", "0"], "argument --seeds: '0' is not an integer >= 1"),
    ("tabular", ["--max-test", "-5"], "argument --max-test: '-5' is not an integer >= 1"),
    ("gan", ["--part", "odds", "--seeds", "0"], "argument --seeds: '0' is not an integer >= 1"),
])
def test_count_options_below_one_are_refused(script: str, argv: list[str], message: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    module = __import__(script)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--data", str(tmp_path), *argv])
    with pytest.raises(SystemExit) as exc:  # --limit -1 ran every file but the last, 0 ran none
        module.main()
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(message)


def test_tabular_semi_checks_nsl_kdd_before_the_main_comparison(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import tabular

    monkeypatch.setattr(tabular, "run", lambda *a: pytest.fail("the main comparison ran first"))
    monkeypatch.setattr(sys, "argv", ["tabular.py", "--data", str(_odds(tmp_path, "18_Ionosphere")),
                                      "--sets", "18_Ionosphere", "--models", "iforest", "--semi",
                                      "--semi-models", "hg-ae"])
    with pytest.raises(SystemExit, match="has no nsl_kdd/"):  # after every set had run: its table lost
        tabular.main()


@pytest.mark.parametrize("argv, message", [
    (["--configs", "[{lr: 1}]"], "--configs: not JSON"),
    (["--configs", '{"lr": 0.001}'], "--configs: expected a non-empty JSON list of objects"),
    (["--configs", "[{}]", "--pre", "[1]"], "--pre: expected a non-empty JSON list of objects"),
    (["--configs", "[{}]", "--seeds", "0,x"], "--seeds: '0,x' is not a comma-separated list of integers"),
])
def test_nsl_kdd_selection_refuses_bad_grid_options_before_reading_data(
        argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    import nsl_kdd_selection

    monkeypatch.setattr(nsl_kdd_selection, "NslKddFiles", lambda *a: pytest.fail("the data was read first"))
    monkeypatch.setattr(sys, "argv", ["nsl_kdd_selection.py", "--data", str(tmp_path), *argv])
    with pytest.raises(SystemExit, match=re.escape(message)):  # JSONDecodeError / ValueError tracebacks
        nsl_kdd_selection.main()


def test_nsl_kdd_selection_reads_a_grid_of_objects() -> None:
    from _common import param_dicts  # (nsl_kdd_selection's _dicts, shared since review 57)

    assert param_dicts("--configs", '[{"lr": 0.01}, {}]') == [{"lr": 0.01}, {}]


@pytest.mark.parametrize("argv, message", [
    (["--datasets", "skab", "--lstmad-on", "SKAB"], "--lstmad-on: unknown SKAB; known: skab, asd, nab"),
    (["--datasets", "skab,nab", "--nab-categories", "realKnownCause,realAWS"],
     "--nab-categories: unknown realAWS; known: realAWSCloudwatch, realKnownCause"),
])
def test_timeseries_refuses_a_misspelt_lstmad_dataset_or_nab_category(
        argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    import timeseries

    for folder in ("skab", "nab/data/realKnownCause", "nab/data/realAWSCloudwatch"):
        (tmp_path / folder).mkdir(parents=True)
    monkeypatch.setattr(timeseries, "skab_series", lambda *a: pytest.fail("a dataset ran first"))
    monkeypatch.setattr(sys, "argv", ["timeseries.py", "--data", str(tmp_path), "--models", "pca", *argv])
    with pytest.raises(SystemExit, match=re.escape(message)):  # LSTMAD ran nowhere / realAWS* was skipped
        timeseries.main()
