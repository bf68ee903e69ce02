"""The core commands (train, score, evaluate, inspect): conflicting options, kinds of model."""

from __future__ import annotations

from typing import Any

import pytest

from tests._cli import one_line_error, small_labelled_model


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
