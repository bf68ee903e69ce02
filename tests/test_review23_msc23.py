"""Review round 23 (msc23): --freq weeks; JSON nesting messages; private names."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor

runner = CliRunner()


def _weekly(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"ts": pd.date_range("2020-01-05", periods=n, freq="7D"),
                         "a": rng.normal(size=n)})


@pytest.mark.parametrize(("freq", "days"), [("1W", 7), ("W", 7), ("2W", 14), ("W-MON", 7)])
def test_a_week_freq_says_to_write_days(freq: str, days: int) -> None:
    # --freq 1W was refused as "a calendar step of varying length", though a week is 7 days
    # long: pandas reads W as a week ending on Sunday (W-SUN); the message now says so and what
    # to write instead
    with pytest.raises(InputError, match=f"weeks that end on a weekday .*write '{days}D' for "
                                         f"steps of {days} days"):
        TimeSeriesPreprocessor("ts", freq=freq).fit(_weekly())


def test_a_week_freq_from_the_cli_and_its_fix(tmp_path: Path) -> None:
    # the same from the command line, and the step it names is taken
    path = tmp_path / "s.csv"
    _weekly().to_csv(path, index=False)
    args = ["train", str(path), "--model", "lstm-ae", "--timestamp-col", "ts", "--window", "4",
            "--epochs", "1"]
    res = runner.invoke(app, [*args, "--freq", "1W", "-o", str(tmp_path / "m1")])
    assert res.exit_code == 2 and "write '7D' for steps of 7 days" in res.output, res.output
    assert not (tmp_path / "m1").exists()
    res = runner.invoke(app, [*args, "--freq", "7D", "-o", str(tmp_path / "m2")])
    assert res.exit_code == 0, res.output
