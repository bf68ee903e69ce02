"""The time-series CLI end to end on a small SKAB-layout file, and its bad-input errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app

runner = CliRunner()
FAST = ["--window", "16", "--epochs", "4", "--param", "hidden=8", "-q"]


@pytest.fixture(scope="module")
def skab_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    n = 700
    t = np.arange(n)
    ts = pd.Timestamp("2020-03-09 10:00:00") + pd.to_timedelta(t, unit="s")
    df = pd.DataFrame({"datetime": ts.strftime("%Y-%m-%d %H:%M:%S"),
                       "Pressure": np.sin(t / 5) + 0.05 * rng.normal(size=n),
                       "Current": np.cos(t / 5) + 0.05 * rng.normal(size=n)})
    df["anomaly"] = (t >= 550).astype(float)
    df.loc[df["anomaly"] == 1, "Pressure"] = 3.0
    df["changepoint"] = 0.0
    path = tmp_path_factory.mktemp("skab") / "0.csv"
    df.to_csv(path, sep=";", index=False)
    return path


def test_train_and_evaluate_a_skab_file(skab_file: Path, tmp_path: Path) -> None:
    model = tmp_path / "M"
    res = runner.invoke(app, ["train", str(skab_file), "--dataset", "skab", "--model", "lstm-ae",
                              "-o", str(model), "--window", "16", "--epochs", "4", "--hidden", "8",
                              "-q"])
    assert res.exit_code == 0, res.output
    cfg = json.loads((model / "config.json").read_text())
    assert cfg["detector"]["params"]["hidden"] == 8  # --hidden reaches a time-series model
    assert cfg["features"]["class"] == "TimeSeriesPreprocessor"
    assert cfg["info"]["n_train_rows"] == 400
    report = tmp_path / "F.json"
    res = runner.invoke(app, ["evaluate", str(model), str(skab_file), "--dataset", "skab",
                              "--json", str(report)])
    assert res.exit_code == 0, res.output
    assert "point-adjusted" in res.output and "event recall" in res.output
    m = json.loads(report.read_text())
    assert m["n"] == 300 and m["n_events"] == 1 and m["pr_auc"] > 0.6
    # VUS-PR with TSB-AD's buffer choice: the ACF period of channel one (2*pi*5 ~ 31 steps)
    assert 25 <= m["vus_sliding_window"] <= 40 and m["vus_pr"] > 0.6 and "VUS-PR" in res.output
    scores = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(model), str(skab_file), "--dataset", "skab",
                              "-o", str(scores)])
    assert res.exit_code == 0, res.output
    assert list(pd.read_csv(scores).columns) == ["datetime", "score", "flag", "calibrated", "severity"]
    res = runner.invoke(app, ["score", str(model), str(skab_file), "--dataset", "skab",
                              "-o", str(tmp_path / "s.sqlite")])  # times as ISO-8601 text
    assert res.exit_code == 0, res.output
    import sqlite3

    db = pd.read_sql_query("SELECT * FROM alerts", sqlite3.connect(tmp_path / "s.sqlite"))
    want = pd.read_csv(scores)
    assert db["datetime"].tolist() == pd.to_datetime(want["datetime"]).map(pd.Timestamp.isoformat).tolist()
    np.testing.assert_allclose(db["score"], want["score"], rtol=1e-6)
    for args in (["score", str(model), str(skab_file), "-o", str(tmp_path / "x.csv"), "--on-bad-rows",
                  "skip"], ["evaluate", str(model), str(skab_file), "--events-per-day", "100"]):
        res = runner.invoke(app, args)   # options time-series models do not use: refused, not ignored
        assert res.exit_code == 2 and f"{args[-2]}: not used by time-series models (lstm-ae)" in res.output


@pytest.mark.parametrize(("args", "message"), [
    (["--window", "500"], "400 time steps, shorter than one window of 500"),
    (["--model", "autoencoder"], "time-series model"),
    # the preprocessing's parameters, named as the options that set them
    (["--fill", "nope"], "error: --fill: unknown 'nope'; choose from"),
    (["--fill", "ffill", "--fill-limit", "0"], "Invalid value for '--fill-limit'"),
    (["--freq", "nope"], "error: --freq: 'nope' is not a pandas frequency"),
    # table options a time-series model does not use: refused, not silently ignored
    (["--scaler", "robust"], "error: --scaler: not used by time-series models (gru-ae)"),
    (["--normal", "0"], "error: --normal: not used by time-series models (gru-ae)"),
    (["--hidden", "8,4"], "error: --hidden: gru-ae takes one width"),
])
def test_bad_time_series_input_exits_2_with_one_line(skab_file: Path, tmp_path: Path,
                                                     args: list[str], message: str) -> None:
    base = ["train", str(skab_file), "--dataset", "skab", "-o", str(tmp_path / "M"),
            "--epochs", "1", "-q"]
    if "--model" not in args:
        base += ["--model", "gru-ae"]
    res = runner.invoke(app, [*base, *args])
    assert res.exit_code == 2
    assert message in res.output and "Traceback" not in res.output
    assert not (tmp_path / "M").exists()


def test_irregular_timestamps_name_the_freq_option(tmp_path: Path) -> None:
    ts = pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:01", "2024-01-01 00:03"] * 1)
    df = pd.DataFrame({"ts": np.r_[ts, ts + pd.Timedelta("1h")], "cpu": np.arange(6.0)})
    path = tmp_path / "m.csv"
    df.to_csv(path, index=False)
    res = runner.invoke(app, ["train", str(path), "--model", "tcn-ae", "--timestamp-col", "ts",
                              "--window", "2", "-o", str(tmp_path / "M"), "-q"])
    assert res.exit_code == 2 and "--freq" in res.output


@pytest.fixture(scope="module")
def free_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SKAB-layout anomaly-free recording: same channels, 600 normal rows (and, like SKAB's
    anomaly-free.csv, no ``changepoint`` column: the dataset drops it anyway)."""
    rng = np.random.default_rng(1)
    t = np.arange(600)
    ts = pd.Timestamp("2020-02-08 10:00:00") + pd.to_timedelta(t, unit="s")
    df = pd.DataFrame({"datetime": ts.strftime("%Y-%m-%d %H:%M:%S"),
                       "Pressure": np.sin(t / 5) + 0.05 * rng.normal(size=t.size),
                       "Current": np.cos(t / 5) + 0.05 * rng.normal(size=t.size),
                       "anomaly": 0.0})
    path = tmp_path_factory.mktemp("free") / "anomaly-free.csv"
    df.to_csv(path, sep=";", index=False)
    return path


def test_train_with_extra_normal_data(skab_file: Path, free_file: Path, tmp_path: Path) -> None:
    model = tmp_path / "M"
    res = runner.invoke(app, ["train", str(skab_file), "--dataset", "skab", "--model", "gru-ae",
                              "--extra-normal", str(free_file), "--param", "linear_path=pca",
                              "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    info = json.loads((model / "config.json").read_text())["info"]
    assert info["n_train_rows"] == 1000
    assert info["extra_normal"] == [{"source": str(free_file), "rows": 600, "steps": 600}]
    assert "incl. 600 extra normal" in res.output
    # the held-out tail is 10% of the file's own 400 training rows, at its end
    assert info["held_out"]["rows"] == 40
    report = tmp_path / "F.json"
    res = runner.invoke(app, ["evaluate", str(model), str(skab_file), "--dataset", "skab",
                              "--json", str(report)])
    assert res.exit_code == 0, res.output
    m = json.loads(report.read_text())
    assert m["pr_auc"] > 0.6 and m["vus_roc"] > 0.6 and "VUS-ROC" in res.output


def test_extra_normal_must_match_and_be_normal(skab_file: Path, free_file: Path,
                                               tmp_path: Path) -> None:
    df = pd.read_csv(free_file, sep=";")
    cases = {"cols.csv": (df.rename(columns={"Current": "Voltage"}),
                          "columns differ from", "missing Current; unexpected Voltage"),
             "bad.csv": (df.assign(anomaly=(df.index >= 590).astype(float)),
                         "10 rows have 'label' not 0", "extra data must be normal")}
    for name, (frame, msg1, msg2) in cases.items():
        path = tmp_path / name
        frame.to_csv(path, sep=";", index=False)
        res = runner.invoke(app, ["train", str(skab_file), "--dataset", "skab", "--model",
                                  "lstm-ae", "--extra-normal", str(path),
                                  "-o", str(tmp_path / "M"), *FAST])
        assert res.exit_code == 2, res.output
        assert msg1 in res.output and msg2 in res.output and "Traceback" not in res.output
        assert not (tmp_path / "M").exists()
    table = tmp_path / "t.csv"
    pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0)}).to_csv(table, index=False)
    res = runner.invoke(app, ["train", str(table), "--extra-normal", str(table),
                              "-o", str(tmp_path / "T"), "-q"])
    assert res.exit_code == 2 and "--extra-normal is for time-series models" in res.output


def test_train_with_linear_path_auto_reports_and_saves_the_choice(skab_file: Path,
                                                                  tmp_path: Path) -> None:
    model = tmp_path / "M"
    res = runner.invoke(app, ["train", str(skab_file), "--dataset", "skab", "--model", "gru-ae",
                              "--param", "linear_path=auto", "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    state = json.loads((model / "config.json").read_text())["detector"]["state"]
    assert state["linear_path"] in ("none", "pca")
    assert set(state["linear_path_scores"]) == {"none", "pca"}
    assert f"linear_path auto -> {state['linear_path']}" in res.output
    res = runner.invoke(app, ["score", str(model), str(skab_file), "--dataset", "skab",
                              "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output


def test_train_names_the_protocol_prefix_only_when_there_is_one(skab_file: Path, tmp_path: Path) -> None:
    """'trained on the first 400 of 700 rows' for a dataset protocol's training part; a plain
    series trains on all of its rows and is not told 'the first 700 of 700'."""
    fast = ["--model", "lstm-ae", "--window", "16", "--epochs", "1", "--param", "hidden=8"]
    res = runner.invoke(app, ["train", str(skab_file), "--dataset", "skab", *fast, "-o", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert "trained on the first 400 of 700 rows" in res.output
    plain = tmp_path / "plain.csv"
    pd.read_csv(skab_file, sep=";").drop(columns=["anomaly", "changepoint"]).to_csv(plain, index=False)
    res = runner.invoke(app, ["train", str(plain), "--timestamp-col", "datetime", *fast,
                              "-o", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert "trained on the first" not in res.output and "lstm-ae on 630 steps" in res.output
