"""Review of the core CLI commands and evaluation (round 5): regression tests of the defects found."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An autoencoder trained on a small labelled table, and a test table with attacks."""
    folder = tmp_path_factory.mktemp("review5")
    rng = np.random.default_rng(0)
    data, test = folder / "flows.csv", folder / "test.csv"
    pd.DataFrame({"bytes": rng.lognormal(5, 1, 400), "pkts": rng.poisson(8, 400),
                  "label": "normal"}).to_csv(data, index=False)
    t = pd.DataFrame({"bytes": rng.lognormal(5, 1, 100), "pkts": rng.poisson(8, 100).astype(float),
                      "label": "normal"})
    t.loc[:9, "bytes"] *= 1e4
    t.loc[:9, "label"] = "attack"
    t.to_csv(test, index=False)
    model = folder / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--label-col", "label", "--normal",
                              "normal", "--epochs", "1", "--hidden", "4,2", "--batch-size", "64", "-q"])
    assert res.exit_code == 0, res.output
    return {"data": data, "test": test, "model": model, "folder": folder}


def test_train_refuses_an_infinite_event_rate(kit: dict[str, Path], tmp_path: Path) -> None:
    # was: saved as "events_per_day": Infinity, after which every 'evaluate' of the model stopped
    # with "events_per_day must be a number > 0, got inf"
    res = runner.invoke(app, ["train", str(kit["data"]), "-o", str(tmp_path / "m"), "--label-col",
                              "label", "--normal", "normal", "--epochs", "1", "-q",
                              "--events-per-day", "inf"])
    assert res.exit_code == 2, res.output
    assert "--events-per-day" in res.output and "finite" in res.output
    assert not (tmp_path / "m").exists()


def test_evaluate_names_the_option_for_an_infinite_event_rate(kit: dict[str, Path]) -> None:
    res = runner.invoke(app, ["evaluate", str(kit["model"]), str(kit["test"]), "--events-per-day", "inf"])
    assert res.exit_code == 2, res.output
    assert "--events-per-day: must be > 0 and finite, got inf" in res.output


def test_warm_start_with_replay_counts_each_row_once(kit: dict[str, Path], tmp_path: Path) -> None:
    # was: "on 270 rows (+30 held out) of new.csv + 100 replayed": the 300 rows counted already
    # held the 100 replayed ones, so the line claimed 400
    rng = np.random.default_rng(1)
    new = tmp_path / "new.csv"
    pd.DataFrame({"bytes": rng.lognormal(5.5, 1, 200), "pkts": rng.poisson(9, 200),
                  "label": "normal"}).to_csv(new, index=False)
    res = runner.invoke(app, ["train", str(new), "-o", str(tmp_path / "w"), "--warm-start", str(kit["model"]),
                              "--epochs", "1", "-q", "--replay-data", str(kit["data"]), "--replay", "0.5"])
    assert res.exit_code == 0, res.output
    info = json.loads((tmp_path / "w" / "config.json").read_text())["info"]
    held = info["warm_start"]["held_out_rows"]
    assert info["n_train_rows"] == 300
    assert f"on {300 - held:,} rows (+{held} held out): 200 of {new} + 100 replayed from" in res.output


def test_evaluate_skip_leaves_an_unreadable_time_out_of_the_event_rate(kit: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    # was: "column 'ts': row 4 is not a timestamp" even with --on-bad-rows skip (train skips
    # such a row); now the rate comes from the readable times and the rows are all scored
    t = pd.read_csv(kit["test"])
    t["ts"] = pd.date_range("2024-01-01", periods=len(t), freq="1min").astype(str)
    t.loc[3, "ts"] = "garbage"
    data = tmp_path / "t.csv"
    t.to_csv(data, index=False)
    args = ["evaluate", str(kit["model"]), str(data), "--timestamp-col", "ts", "-q"]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "not a timestamp" in res.output, res.output
    res = runner.invoke(app, [*args, "--on-bad-rows", "skip", "--json", str(tmp_path / "m.json")])
    assert res.exit_code == 0, res.output
    assert "1 row(s) without a readable time in column 'ts' (first: line 5, 'garbage')" in res.output
    summary = json.loads((tmp_path / "m.json").read_text())
    assert summary["n"] == 100 and summary["events_per_day"] == pytest.approx(99 / 99 * 1440)


def test_threshold_apply_says_training_rows_when_none_were_held_out(kit: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    # was: "flags 5% of 400 held-out normal rows" for a model that holds its training scores
    model = tmp_path / "nv"
    res = runner.invoke(app, ["train", str(kit["data"]), "-o", str(model), "--label-col", "label",
                              "--normal", "normal", "--epochs", "1", "-q",
                              "--param", "validation_fraction=0"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "percentile:95", "-o",
                              str(tmp_path / "new")])
    assert res.exit_code == 0, res.output
    assert "held-out normal rows" not in res.output
    assert "(flags 5% of 400 training rows, none held out)" in res.output


def test_evaluate_refuses_a_typed_timestamp_col_the_data_lacks_even_if_the_model_has_it(
        kit: dict[str, Path], tmp_path: Path) -> None:
    # was: --timestamp-col ts on a file without 'ts' was silently ignored (the model's training
    # rate used) when 'ts' was also the model's time column; any other missing name was refused
    t = pd.read_csv(kit["data"])
    t["ts"] = pd.date_range("2024-01-01", periods=len(t), freq="1min").astype(str)
    data = tmp_path / "train_ts.csv"
    t.to_csv(data, index=False)
    model = tmp_path / "mts"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--label-col", "label", "--normal",
                              "normal", "--epochs", "1", "-q", "--timestamp-col", "ts"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["evaluate", str(model), str(kit["test"]), "--timestamp-col", "ts", "-q"])
    assert res.exit_code == 2, res.output
    assert f"--timestamp-col: no column 'ts' in {kit['test']}" in res.output
    res = runner.invoke(app, ["evaluate", str(model), str(kit["test"]), "-q"])  # the model's own rate
    assert res.exit_code == 0, res.output
    assert "expected alerts per day" in res.output


def test_warm_start_replays_an_unlabelled_training_file_beside_a_labelled_new_one(tmp_path: Path) -> None:
    # was: "--replay-data old.csv: no label column 'label'": --label-col names NEW's column, and
    # the training file of a model trained without labels (README's OLD) was refused for lacking it
    rng = np.random.default_rng(2)
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    pd.DataFrame({"bytes": rng.lognormal(5, 1, 300), "pkts": rng.poisson(8, 300)}).to_csv(old, index=False)
    pd.DataFrame({"bytes": rng.lognormal(5.5, 1, 100), "pkts": rng.poisson(9, 100),
                  "label": ["normal"] * 95 + ["attack"] * 5}).to_csv(new, index=False)
    model = tmp_path / "m"
    assert runner.invoke(app, ["train", str(old), "-o", str(model), "--epochs", "1", "-q"]).exit_code == 0
    res = runner.invoke(app, ["train", str(new), "-o", str(tmp_path / "w"), "--warm-start", str(model),
                              "--epochs", "1", "-q", "--label-col", "label", "--normal", "normal",
                              "--replay-data", str(old)])
    assert res.exit_code == 0, res.output
    ws = json.loads((tmp_path / "w" / "config.json").read_text())["info"]["warm_start"]
    assert ws["new_rows"] == 95 and ws["replay"]["rows"] == 95
