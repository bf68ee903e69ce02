"""Evaluation metrics, plots, report and the evaluate / benchmark commands: regression tests of
defects found and fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hourglass.cli import app
from hourglass.evaluate import plots
from tests._cli import runner
from tests.test_review10_eval import _flows


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model trained on the normal rows of a small flow table (columns a, b, proto)."""
    d = tmp_path_factory.mktemp("review14_eval")
    train = _flows(300)
    train.loc[train["label"] == "normal", ["a", "b", "proto"]].to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--epochs", "2", "--hidden", "8,4",
                              "-o", str(d / "M"), "-q"])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M"}


def _legend_texts(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The legend entries of every figure rendered from now on (one list per figure)."""
    seen: list[list[str]] = []
    png = plots._png

    def grab(fig: Any) -> str:
        seen.append([t.get_text() for ax in fig.axes if ax.get_legend() is not None
                     for t in ax.get_legend().get_texts()])
        return png(fig)

    monkeypatch.setattr(plots, "_png", grab)
    return seen


def test_histogram_legend_names_a_class_whose_name_starts_with_an_underscore(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # matplotlib leaves out of a legend every artist labelled "_...": a class named "_probe" was
    # drawn in the report's histogram with no entry saying which line it was
    seen = _legend_texts(monkeypatch)
    s = np.array([0.1, 0.2, 0.3, 0.4])
    plots.histogram_figure(s, {"normal": np.array([1, 1, 0, 0], bool),
                               "_probe": np.array([0, 0, 1, 1], bool)}, 0.25)
    assert seen == [["normal (2)", "_probe (2)", "threshold 0.25"]]


def test_evaluate_does_not_number_a_row_wrongly_after_skipped_rows(model: dict[str, Path]) -> None:
    # with --on-bad-rows skip, the row without a label (data row 51) and the row with an unreadable
    # time (data row 10) were told as data rows 50 and 9: their positions among the rows kept
    # after the skipped data row 3, not the file's
    df = _flows(100, seed=3)
    df["a"] = df["a"].astype(object)
    df.loc[2, "a"] = "oops"  # a value the model refuses: skipped
    df.loc[9, "ts"] = "not a time"
    df.loc[50, "label"] = None
    path = model["dir"] / "skipped.csv"
    df.to_csv(path, index=False)
    res = runner.invoke(app, ["evaluate", str(model["model"]), str(path), "--label-col", "label",
                              "--normal", "normal", "--timestamp-col", "ts", "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    # (since review 24 the skipped row is placed: both told by their data rows)
    assert "1 row(s) have no value in label column 'label' (first: line 52); left out" in res.stderr
    assert "(first: line 11, 'not a time')" in res.stderr
    assert "data row 50" not in res.stderr and "data row 9" not in res.stderr
    # nothing skipped: the numbers are the file's rows, as before
    df.loc[2, "a"] = 1.0
    df.to_csv(path, index=False)
    res = runner.invoke(app, ["evaluate", str(model["model"]), str(path), "--label-col", "label",
                              "--normal", "normal", "--timestamp-col", "ts", "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "(first: line 52)" in res.stderr and "(first: line 11, 'not a time')" in res.stderr


def test_benchmark_rate_column_unit_follows_the_rounded_figure() -> None:
    # the rows/s column chose its unit before rounding: 999,700 rows/s showed as "1000k" and
    # 9,999.7 as "10,000" (where 10,000 shows as "10k")
    from hourglass.cli.benchmark import _number

    assert [_number(v, -1) for v in (999_700.0, 1e6, 999_499.0)] == ["1.0M", "1.0M", "999k"]
    assert [_number(v, -1) for v in (9_999.7, 1e4, 9_999.4)] == ["10k", "10k", "9,999"]
