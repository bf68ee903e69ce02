"""The core commands (train, score, evaluate, inspect): conflicting options, kinds of model."""

from __future__ import annotations

from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import numpy as np

    made = small_labelled_model(tmp_path_factory.mktemp("cli17"))
    frame = made["frame"].copy()
    frame["ts"] = (np.datetime64("2024-01-01T00:00") + np.arange(len(frame)) * np.timedelta64(1, "m")
                   ).astype(str)
    timed = made["folder"] / "timed.csv"
    frame.to_csv(timed, index=False)
    return {**made, "timed": timed}


def test_evaluate_refuses_timestamp_col_with_events_per_day(labelled: dict[str, Any]) -> None:
    """Both give the event rate: the given rate won and the column was read for nothing."""
    out = labelled["folder"] / "both.json"
    one_line_error(["evaluate", str(labelled["model"]), str(labelled["timed"]), "--timestamp-col", "ts",
                    "--events-per-day", "1000", "--json", str(out), "-q"],
                   "--timestamp-col ts and --events-per-day 1000: both give the event rate", out)


def test_time_series_only_options_name_every_time_series_model(labelled: dict[str, Any]) -> None:
    """The list of time-series models an error gives was fixed and left ganomaly-1d out."""
    out = labelled["folder"] / "ts-opt"
    for opts in (["--freq", "1min"], ["--extra-normal", str(labelled["data"])]):
        one_line_error(["train", str(labelled["data"]), "-o", str(out), *opts, "-q"],
                       "cnn-lstm, ganomaly-1d)", out)


@pytest.fixture(scope="module")
def log_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("cli17logs")
    keys = folder / "keys.txt"
    keys.write_text("".join(" ".join(str(1 + (i * 7 + j * 3) % 4) for j in range(10)) + "\n"
                            for i in range(60)))
    model = folder / "m"
    res = runner.invoke(app, ["train", str(keys), "--format", "keys", "--model", "deeplog", "-o",
                              str(model), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    return {"keys": keys, "model": model, "folder": folder}


@pytest.mark.parametrize(("opts", "match"), [
    (["--all-sessions", "normal", "--label-col", "verdict"],
     "--label-col verdict: the label column of a --labels"),
    (["--all-sessions", "anomaly", "--id-col", "session"], "--id-col: the session-id column of a --labels"),
    (["--all-sessions", "normal", "--normal", "benign"], "--normal: --all-sessions normal labels every"),
    (["--label-field", "label", "--label-col", "verdict"], "not used with --label-field"),
])
def test_evaluate_log_refuses_label_options_it_would_ignore(log_model: dict[str, Any], opts: list[str],
                                                            match: str) -> None:
    """Each was accepted and did nothing: metrics as if it had not been typed."""
    out = log_model["folder"] / "m.json"
    one_line_error(["evaluate", str(log_model["model"]), str(log_model["keys"]), *opts, "--json",
                    str(out), "-q"], match, out)


def test_evaluate_log_all_sessions_alone_still_runs(log_model: dict[str, Any]) -> None:
    import json

    out = log_model["folder"] / "ok.json"
    res = runner.invoke(app, ["evaluate", str(log_model["model"]), str(log_model["keys"]),
                              "--all-sessions", "normal", "--json", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["n_anomalies"] == 0
