"""Time series: several files, dataset protocols and the series commands end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests._cli import one_line_error, runner


def _series_csv(path: Path, n: int = 120, shift: float = 0.0, *, timed: bool = False) -> Path:
    t = np.arange(n)
    df = pd.DataFrame({"cpu": np.sin(t / 4) + shift, "mem": np.cos(t / 6)})
    if timed:
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=n * int(path.stem[-1]))
        df.insert(0, "ts", pd.date_range(start, periods=n, freq="1min").strftime("%Y-%m-%d %H:%M:%S"))
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def untimed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hourglass.cli import app

    folder = tmp_path_factory.mktemp("untimed")
    out = folder / "m"
    res = runner.invoke(app, ["train", str(_series_csv(folder / "a.csv")), "--model", "lstm-ae",
                              "--window", "8", "--epochs", "1", "-q", "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.mark.parametrize("pattern", [False, True])
def test_several_files_without_times_are_not_trained_as_one_series(tmp_path: Path, pattern: bool) -> None:
    """A folder (or pattern) of recordings whose rows are the steps was joined end to end in name
    order and trained on as one series, windows across the join (a jump no recording makes)."""
    rec = tmp_path / "rec"
    _series_csv(rec / "a.csv")
    _series_csv(rec / "b.csv", shift=5.0)
    data = str(rec / "*.csv") if pattern else str(rec)
    out = tmp_path / "m"
    one_line_error(["train", data, "--model", "lstm-ae", "--window", "8", "--epochs", "1", "-o", str(out)],
                   "2 files, and without a timestamp column the rows are the time steps", out)


@pytest.mark.parametrize("command", ["score", "explain", "evaluate"])
def test_several_files_are_not_scored_as_one_series(untimed_model: Path, tmp_path: Path,
                                                   command: str) -> None:
    rec = tmp_path / "rec"
    for name in ("a.csv", "b.csv"):
        frame = pd.read_csv(_series_csv(rec / name))
        frame.assign(label=0).to_csv(rec / name, index=False)
    out = tmp_path / "o.csv"
    args = [command, str(untimed_model), str(rec)] + ([] if command == "evaluate" else ["-o", str(out)])
    if command == "evaluate":
        args += ["--label-col", "label"]
    one_line_error(args, "give the files one at a time", out)


def test_several_files_are_not_a_warm_start_series(untimed_model: Path, tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    _series_csv(rec / "a.csv")
    _series_csv(rec / "b.csv")
    out = tmp_path / "w"
    one_line_error(["train", str(rec), "--warm-start", str(untimed_model), "--epochs", "1", "-o", str(out)],
                   "give the new recording alone", out)
    one_line_error(["train", str(_series_csv(tmp_path / "new.csv")), "--warm-start", str(untimed_model),
                    "--replay-data", str(rec), "--epochs", "1", "-o", str(out)],
                   "give the old recording alone to --replay-data", out)


def test_several_timed_files_are_one_series_in_time_order(tmp_path: Path) -> None:
    """With a timestamp column, the rows of several files are ordered by their times: one series."""
    from hourglass import load
    from hourglass.cli import app

    rec = tmp_path / "rec"
    _series_csv(rec / "d1.csv", timed=True)
    _series_csv(rec / "d0.csv", timed=True)
    out = tmp_path / "m"
    res = runner.invoke(app, ["train", str(rec), "--model", "lstm-ae", "--window", "8", "--epochs", "1",
                              "--timestamp-col", "ts", "-q", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert load(out).info["n_train_rows"] == 240


def test_a_nab_model_evaluates_a_labelled_series_outside_nab_layout(tmp_path: Path) -> None:
    """A NAB model's evaluate read every file with NAB's reader (the model's dataset, never
    typed): a labelled series outside NAB's layout was refused, saying to 'leave --dataset out'.
    It is now evaluated whole on its own label column; a file in the layout keeps the protocol."""
    import json

    from hourglass.cli import app

    (tmp_path / "data" / "cat").mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    t = pd.date_range("2014-01-01", periods=720, freq="1h")
    v = np.sin(np.arange(720) / 5)
    v[600:610] += 4
    series = tmp_path / "data" / "cat" / "s.csv"
    pd.DataFrame({"timestamp": t.strftime("%Y-%m-%d %H:%M:%S"), "value": v}).to_csv(series, index=False)
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps(
        {"cat/s.csv": [["2014-01-25 23:00:00", "2014-01-26 12:00:00"]]}))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(series), "--dataset", "nab", "--model", "lstm-ae", "--window", "8",
                              "--epochs", "1", "-q", "-o", str(model)])
    assert res.exit_code == 0, res.output
    own = tmp_path / "own.csv"
    frame = pd.read_csv(series).assign(label=0)
    frame.loc[600:609, "label"] = 1
    frame.to_csv(own, index=False)
    metrics = tmp_path / "own.json"
    res = runner.invoke(app, ["evaluate", str(model), str(own), "--json", str(metrics)])
    assert res.exit_code == 0, res.output
    got = json.loads(metrics.read_text())
    assert (got["n"], got["n_anomalies"], got["evaluated_rows"]) == (720, 10, "the whole file")
    res = runner.invoke(app, ["evaluate", str(model), str(series), "--json", str(metrics)])
    assert res.exit_code == 0, res.output
    got = json.loads(metrics.read_text())  # the windows (00:00 to 12:00 of day 26: 14 hours) after 108 rows
    assert (got["n"], got["n_anomalies"], got["evaluated_rows"]) == (612, 14, "the protocol's test part")
    frame.drop(columns=["label"]).to_csv(own, index=False)
    one_line_error(["evaluate", str(model), str(own)], "no label column 'label', and no NAB label windows")
