"""Evaluation metrics, plots, report and the evaluate / benchmark commands: regression tests of
defects found and fixed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hourglass.evaluate import plots


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
