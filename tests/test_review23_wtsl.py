"""Review 23 (README 'Time series' and 'Logs', walked as a new user): what disagreed, pinned."""

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


def _series(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                         "cpu": rng.normal(size=n), "mem": rng.normal(size=n)})


@pytest.mark.parametrize("blank", [np.nan, None])
def test_a_blank_series_label_is_named_no_label_not_nan(blank: object) -> None:
    # what was wrong: a series' blank label cell (README: "text labels or a blank one stop
    # evaluate naming the first such row") was named as pandas read it, "row 3 holds nan"
    # (a JSON null: "holds None"), a value the user never wrote
    df = _series()
    pre = TimeSeriesPreprocessor("ts").fit(df)
    labels = np.zeros(len(df), dtype=object)
    labels[2] = blank
    with pytest.raises(InputError, match=r"row 3 holds no label, 1 row\(s\) in all") as e:
        pre.align_labels(df, labels, column="label column 'label'")
    assert "nan" not in str(e.value) and "None" not in str(e.value)
    labels[2] = "attack"  # text is still quoted as written
    with pytest.raises(InputError, match=r"row 3 holds 'attack'"):
        pre.align_labels(df, labels)


def test_extra_normal_with_one_more_column_says_no_missing_none(tmp_path: Path) -> None:
    # what was wrong: an --extra-normal file with one column more than DATA was refused as
    # "columns differ from DATA's: missing none; unexpected extra" (and one lacking a column
    # with "...; unexpected none"); now only what differs is said
    data, extra, fewer = tmp_path / "data.csv", tmp_path / "extra.csv", tmp_path / "fewer.csv"
    df = _series()
    df.to_csv(data, index=False)
    df.assign(disk=1.0).to_csv(extra, index=False)
    df.drop(columns=["mem"]).to_csv(fewer, index=False)
    for path, said in ((extra, "data.csv's: unexpected disk\n"),
                       (fewer, "data.csv's: missing mem\n")):
        res = runner.invoke(app, ["train", str(data), "--timestamp-col", "ts", "--model", "lstm-ae",
                                  "--extra-normal", str(path), "--window", "16", "--epochs", "1",
                                  "-o", str(tmp_path / "M"), "-q"])
        assert res.exit_code == 2, res.output
        assert said in res.output and "none" not in res.output and "Traceback" not in res.output
        assert not (tmp_path / "M").exists()


def test_log_label_options_on_a_series_model_say_how_to_label_a_series(tmp_path: Path) -> None:
    # what was wrong: 'evaluate SERIES_MODEL data.csv --labels FILE' (or --all-sessions,
    # --label-field) told a time-series user to "label a table with --label-col"; it now
    # names a series' steps and the 0/1 labels its --label-col holds
    data = tmp_path / "data.csv"
    _series().to_csv(data, index=False)
    model = tmp_path / "M"
    res = runner.invoke(app, ["train", str(data), "--timestamp-col", "ts", "--model", "lstm-ae",
                              "--window", "16", "--epochs", "1", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    for extra in (["--labels", str(data)], ["--all-sessions", "normal"], ["--label-field", "x"]):
        res = runner.invoke(app, ["evaluate", str(model), str(data), *extra])
        assert res.exit_code == 2, res.output
        assert "only for log models; label a series' steps with --label-col" in res.output
        assert "a table" not in res.output and "Traceback" not in res.output
