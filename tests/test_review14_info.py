"""``hourglass train --warm-start``, ``hourglass threshold`` and ``hourglass inspect``: options
that were silently ignored, wrong figures and error-policy gaps, on small generated data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner
from tests._warm_series import series_parent

FAST = ["--epochs", "1", "--hidden", "4,2", "-q"]


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("review14_info")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300),
                       "c": rng.choice(["x", "y"], 300)})
    df.to_csv(d / "t.csv", index=False)
    df.iloc[:120].to_csv(d / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "t.csv"), "-m", "vae", "--scaler", "standard",
                              "-o", str(d / "M"), *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "data": d / "t.csv", "new": d / "new.csv", "model": d / "M"}


@pytest.mark.parametrize("opt", [["-m", "autoencoder"], ["--scaler", "minmax"],
                                 ["--val-fraction", "0.2"]])
def test_warm_start_refuses_a_frozen_option_typed_at_its_default(table: dict[str, Path],
                                                                 opt: list[str]) -> None:
    # '-m autoencoder' (train's default) on a VAE parent was ignored: the VAE was trained on
    out = table["dir"] / f"W{opt[0]}"
    one_line_error(["train", str(table["new"]), "--warm-start", str(table["model"]), "-o", str(out),
                    *opt], f"{opt[0].replace('-m', '--model') if opt[0] == '-m' else opt[0]}: "
                           "a warm start keeps", out)
    res = runner.invoke(app, ["train", str(table["new"]), "--warm-start", str(table["model"]), "-o",
                              str(out), "-q"])  # nothing typed: the parent's settings
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return series_parent(tmp_path_factory.mktemp("review14_series"))


@pytest.mark.parametrize("replay", ["0.0001", "0.02"])
def test_series_warm_start_names_a_replay_too_small_not_the_long_old_file(
        series: dict[str, Path], replay: str) -> None:
    # 0.0001 x 200 steps took none of OLD's 300 and said 'no rows (empty series)'; 0.02 took 4,
    # blamed on the file ('4 steps to replay'), which holds 300
    out = series["dir"] / f"W{replay}"
    one_line_error(["train", str(series["new"]), "--warm-start", str(series["model"]), "-o", str(out),
                    "--replay-data", str(series["old"]), "--replay", replay],
                   f"--replay {float(replay)}: takes the last", out)
    res = runner.invoke(app, ["train", str(series["new"]), "--warm-start", str(series["model"]), "-o",
                              str(out), "--replay-data", str(series["old"]), "--replay", "0.5", "-q"])
    assert res.exit_code == 0, res.output


def test_inspect_does_not_say_train_refuses_a_file_whose_normal_rows_lie_past_rows(tmp_path: Path) -> None:
    # the first 5 rows are attacks, the other 45 normal: '--rows 5' said 'train would refuse
    # this file', which train trains on
    df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7,
                       "label": ["attack"] * 5 + ["normal"] * 45})
    df.to_csv(tmp_path / "t.csv", index=False)
    res = runner.invoke(app, ["inspect", str(tmp_path / "t.csv"), "--label-col", "label", "--normal",
                              "normal", "--rows", "5"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "train would refuse this file" not in text
    assert "none of the first 5 rows (--rows) has a normal label value (normal)" in text
    df.iloc[:5].to_csv(tmp_path / "attacks.csv", index=False)  # the whole file: still said
    res = runner.invoke(app, ["inspect", str(tmp_path / "attacks.csv"), "--label-col", "label",
                              "--normal", "normal"])
    assert res.exit_code == 0, res.output
    assert "train would refuse this file" in " ".join(res.stdout.split())
