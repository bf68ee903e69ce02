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
