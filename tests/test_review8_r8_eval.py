"""Review 8 of the evaluation code: regression tests of the defects found."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError
from hourglass.evaluate.report import render_report


def _data(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(n, int), np.ones(n // 4, int)]
    return y, np.r_[rng.normal(0, 1, n), rng.normal(3, 1, n // 4)]


def test_report_shows_a_class_name_with_dollar_signs() -> None:
    # matplotlib read '$...$' in a legend as math: '$IPC$ scan' showed as an italic 'IPC scan',
    # and a name that is no valid math ('cost $^$') failed the whole report (ValueError)
    y, s = _data()
    classes = np.where(y == 1, "cost $^$", "normal")
    page, _ = render_report(y_true=y, scores=s, y_pred=(s > 2).astype(int), threshold=2.0,
                            threshold_rule="demo", classes=classes)
    assert "cost $^$" in page and 'id="fig-hist"' in page
    from hourglass.evaluate.plots import _plain

    assert _plain("$IPC$ scan") == r"\$IPC\$ scan"
