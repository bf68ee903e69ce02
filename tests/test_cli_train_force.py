"""``hourglass train -o DIR`` refuses to replace a model already saved in DIR unless ``--force``,
before any work, for every kind of model (tables, time series, warm starts in place)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import load
from hourglass.cli import app
from tests._cli import digest, one_line_error, runner

FAST = ["--epochs", "2", "-q"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("train-force")
    rng = np.random.default_rng(0)
    pd.DataFrame({"bytes": rng.exponential(100, 400), "dur": rng.exponential(1, 400)}).to_csv(
        d / "train.csv", index=False)
    t = np.arange(300)
    pd.DataFrame({"cpu": np.sin(t / 5), "mem": np.cos(t / 7)}).to_csv(d / "series.csv", index=False)
    return {"dir": d, "table": d / "train.csv", "series": d / "series.csv"}


def test_a_saved_table_model_is_kept_unless_forced(files: dict[str, Path]) -> None:
    model = files["dir"] / "M"
    res = runner.invoke(app, ["train", str(files["table"]), *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    before = digest(model)
    one_line_error(["train", str(files["table"]), *FAST, "--seed", "1", "-o", str(model)],
                   f"--output {model}: a model is saved there already; pass --force")
    assert digest(model) == before
    res = runner.invoke(app, ["train", str(files["table"]), *FAST, "--seed", "1", "-o", str(model),
                              "--force"])
    assert res.exit_code == 0, res.output
    assert digest(model) != before and load(model).detector_.random_state == 1


def test_the_refusal_comes_before_reading_the_data(files: dict[str, Path]) -> None:
    model = files["dir"] / "M-early"
    res = runner.invoke(app, ["train", str(files["table"]), *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    # a missing input would be the error if the data were read first
    one_line_error(["train", str(files["dir"] / "missing.csv"), "-o", str(model)],
                   "a model is saved there already")


def test_time_series_models_and_warm_starts_in_place_need_force(files: dict[str, Path]) -> None:
    series = files["dir"] / "S"
    args = ["train", str(files["series"]), "--model", "lstm-ae", "--window", "8", "--hidden", "4",
            *FAST, "-o", str(series)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    before = digest(series)
    one_line_error(args, "a model is saved there already")
    assert digest(series) == before
    parent, table = files["dir"] / "P", files["dir"] / "W"
    for out in (parent, table):
        res = runner.invoke(app, ["train", str(files["table"]), *FAST, "-o", str(out)])
        assert res.exit_code == 0, res.output
    warm = ["train", str(files["table"]), "--warm-start", str(parent), "--epochs", "1", "-q",
            "-o", str(table)]
    before = digest(table)
    one_line_error(warm, "a model is saved there already")
    assert digest(table) == before
    res = runner.invoke(app, [*warm, "--force"])
    assert res.exit_code == 0, res.output
    assert digest(table) != before and "warm_start" in load(table).info
    # in place: the parent is always kept, --force or not, and the message says so
    for extra in ([], ["--force"]):
        one_line_error([*warm[:-1], str(parent), *extra], "is the --warm-start model")
