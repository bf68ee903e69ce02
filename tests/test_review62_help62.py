"""Review 62 (help62): the commands as a new user learns them from --help and the README: every
option's value checked as the help says, bad values refused in one line naming the option."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli import app

runner = CliRunner()


def _flows(n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.integers(100, 900, n),
                         "duration": rng.random(n).round(3)})


@pytest.fixture()
def model(tmp_path: Path) -> Path:
    """A small saved table model."""
    folder = tmp_path / "model"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(_flows()).save(folder)
    return folder


@pytest.mark.parametrize("args", [
    ["train", "", "-o", "m"],
    ["score", "MODEL", "", "-o", "out.csv"],
    ["score", "", "flows.csv", "-o", "out.csv"],
    ["score", "MODEL", "flows.csv", "-o", ""],
    ["train", "flows.csv", "--warm-start", "", "-o", "m2"],
    ["serve", "", "--api-key-file", "key.txt"],
])
def test_an_empty_path_is_refused_not_read_as_the_current_folder(
        args: list[str], model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: an empty path (a script's unset "$DATA") was read by pathlib as '.', the
    # current folder: 'train ""' trained on every file there and 'score MODEL ""' scored them,
    # exit code 0; an empty MODEL, -o or --warm-start was refused as '.', a path never typed.
    monkeypatch.chdir(tmp_path)
    _flows().to_csv("flows.csv", index=False)
    args = [str(model) if a == "MODEL" else a for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "empty, which names no" in result.output and "Traceback" not in result.output
    assert not Path("m").exists() and not Path("out.csv").exists()


@pytest.mark.parametrize("suite", [[], ["--suite", "nsl-kdd-sample"]])
def test_benchmark_data_folder_without_its_suite_is_refused(
        suite: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: 'benchmark flows.csv --data DIR' (or --suite nsl-kdd-sample --data DIR)
    # ran with exit code 0 and DIR silently ignored: only --suite nsl-kdd reads that folder.
    monkeypatch.chdir(tmp_path)
    df = _flows(60).assign(label=["normal"] * 50 + ["attack"] * 10)
    df.to_csv("flows.csv", index=False)
    data = [] if suite else ["flows.csv", "--label-col", "label", "--normal", "normal"]
    result = runner.invoke(app, ["benchmark", *data, *suite, "--data", str(tmp_path), "--epochs", "1",
                                 "--seeds", "1", "--baselines", "none"])
    assert result.exit_code == 2, result.output
    assert f"--data {tmp_path}: the folder of --suite nsl-kdd's files" in result.output



def test_evaluate_empty_timestamp_column_is_refused(model: Path, tmp_path: Path) -> None:
    # What was wrong: 'evaluate --timestamp-col ""' (a script's unset variable) was taken for no
    # option at all, exit code 0 and no alerts per day, where train, score and inspect refuse it.
    data = tmp_path / "test.csv"
    _flows(40).assign(label="normal").to_csv(data, index=False)
    result = runner.invoke(app, ["evaluate", str(model), str(data), "--label-col", "label",
                                 "--normal", "normal", "--timestamp-col", ""])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--timestamp-col': empty; name the timestamp column" in result.output


def _events(tmp_path: Path) -> Path:
    n = 120
    rng = np.random.default_rng(3)
    path = tmp_path / "events.csv"
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").strftime("%Y-%m-%dT%H:%M:%S"),
                  "src_ip": rng.choice(["10.0.0.1", "10.0.0.2"], n), "bytes": rng.integers(1, 900, n),
                  "label": "normal"}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("command", ["train", "inspect"])
def test_entity_drop_of_a_column_the_data_lacks_is_refused(command: str, tmp_path: Path) -> None:
    # What was wrong: with --entity-col a --drop naming no column of the data ('--drop lable', a
    # typo) was taken without a word, exit code 0, the column meant to be dropped still a
    # feature, where a table model's train and inspect (and --aggregate, --distinct, --role of
    # an entity model) refuse such a column.
    data = _events(tmp_path)
    args = [command, str(data), "--entity-col", "src_ip", "--timestamp-col", "ts", "--drop", "lable"]
    if command == "train":
        args += ["-o", str(tmp_path / "m"), "--epochs", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "--drop: no column 'lable' in" in result.output and "columns are ts, src_ip" in result.output
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(("option", "kind"), [
    ("--freq", "series"), ("--fill", "series"), ("--freq-agg", "series"),
    ("--bucket", "entity"), ("--entity-case", "entity")])
def test_empty_series_and_entity_options_are_refused(option: str, kind: str, tmp_path: Path) -> None:
    # What was wrong: an empty --freq, --fill, --freq-agg (a series model), --bucket or
    # --entity-case (an entity model), a script's unset variable, was taken for no option at
    # all: the model trained with exit code 0 on the default grid, fill, mean, 5min or exact
    # names, where an empty --label-col or --threshold is refused.
    if kind == "series":
        data = tmp_path / "metrics.csv"
        ts = pd.date_range("2024-05-01", periods=40, freq="1min").strftime("%Y-%m-%dT%H:%M:%S")
        pd.DataFrame({"ts": ts,
                      "cpu": np.sin(np.arange(40.0))}).to_csv(data, index=False)
        args = ["train", str(data), "--timestamp-col", "ts", "--model", "lstm-ae", "--window", "4"]
    else:
        data = _events(tmp_path)
        args = ["train", str(data), "--entity-col", "src_ip", "--timestamp-col", "ts"]
    result = runner.invoke(app, [*args, "--epochs", "1", "-o", str(tmp_path / "m"), option, ""])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}': empty; name " in result.output
    assert not (tmp_path / "m").exists()
