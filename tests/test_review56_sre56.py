"""Review round 56 (sre56): an SRE's server metrics through the time-series path."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor
from tests._cli import one_line_error, runner


def _series(n: int = 120) -> pd.DataFrame:
    t = pd.date_range("2026-03-01 06:40", periods=n, freq="1min")
    return pd.DataFrame({"ts": t.strftime("%Y-%m-%d %H:%M:%S"),
                         "cpu": np.sin(np.arange(n) / 10), "mem": np.cos(np.arange(n) / 7)})


@pytest.mark.parametrize("fill", ["ffill", "interpolate", "zero"])
def test_gap_past_fill_limit_is_counted_and_placed_whole(fill: str) -> None:
    # What was wrong: ffill/interpolate with --fill-limit 5 fill the first 5 steps of a longer
    # gap, and the refusal counted and placed only what was left: a 60-minute hole in 'mem'
    # from 07:40 was "55 missing value(s), first at timestamp 2026-03-01 07:45:00" (the data
    # has 60, from 07:40), while fill 'zero' named the whole gap. Every fill now names it whole.
    pre = TimeSeriesPreprocessor(timestamp_col="ts", freq="1min", fill=fill,
                                 fill_limit=5).fit(_series())
    df = _series()
    df.loc[60:119 - 20, "mem"] = np.nan  # 40 steps missing from 07:40, inside the series
    with pytest.raises(InputError) as e:
        pre.transform(df)
    msg = str(e.value)
    assert "column 'mem': 40 missing value(s), first at timestamp 2026-03-01 07:40:00" in msg, msg


def test_score_gap_past_models_fill_limit_names_file_not_train_option(tmp_path: Path) -> None:
    # What was wrong: scoring a series with a gap longer than the model's fill_limit said
    # "error: column 'mem': ... longer than --fill-limit=5 ..." with no file named (every other
    # refusal of the data names it) and an option 'score' does not have; the refusal came
    # tagged as about the fill_limit parameter at score time too. Now, scoring, it is about the
    # data: "m.csv: column 'mem': ... longer than fill_limit=5 (the model's fill policy ...)";
    # training still names --fill-limit.
    train, data, model = tmp_path / "train.csv", tmp_path / "m.csv", tmp_path / "model"
    _series().to_csv(train, index=False)
    res = runner.invoke(app, ["train", str(train), "-m", "lstm-ae", "--timestamp-col", "ts",
                              "--freq", "1min", "--fill", "ffill", "--fill-limit", "5",
                              "--window", "8", "--hidden", "4", "--epochs", "1", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    df = _series()
    df.loc[60:99, "mem"] = np.nan
    df.to_csv(data, index=False)
    out = tmp_path / "alerts.jsonl"
    for args in (["score", str(model), str(data), "-o", str(out)],
                 ["explain", str(model), str(data)]):
        one_line_error(args, f"{data}: column 'mem': 40 missing value(s), first at timestamp "
                       "2026-03-01 07:40:00; the gap is longer than fill_limit=5", out)
    one_line_error(["train", str(data), "-m", "lstm-ae", "--timestamp-col", "ts", "--freq", "1min",
                    "--fill", "ffill", "--fill-limit", "5", "-o", str(tmp_path / "m2")],
                   "longer than --fill-limit=5")
