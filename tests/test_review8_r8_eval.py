"""Review 8 of the evaluation code: regression tests of the defects found."""

from __future__ import annotations

import re

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
    from hourglass.evaluate.plots import _plain, histogram_figure

    s = np.r_[np.zeros(5), np.ones(5)]
    assert histogram_figure(s, {"normal": s < 1, "cost $^$": s > 0}, 0.5)
    assert _plain("$IPC$ scan") == r"\$IPC\$ scan"


@pytest.mark.parametrize(("y_true", "y_pred", "found"), [
    (None, 0.7, "y_pred: labels must be 0 (normal) or 1 (anomaly), found 0.7"),
    (0.5, None, "y_true: labels must be 0 (normal) or 1 (anomaly), found 0.5"),
    ("normal", None, "y_true: labels must be 0 (normal) or 1 (anomaly), found 'normal'"),
])
def test_report_refuses_labels_that_are_not_0_or_1(y_true: object, y_pred: object, found: str) -> None:
    # the report cast labels and decisions to int: a decision 0.7 counted as 0 (an alert gone
    # from its confusion matrix, unseen), and text labels failed with numpy's 'invalid literal'
    y, s = _data()
    p = (s > 2).astype(object)
    yt = y.astype(object)
    if y_pred is not None:
        p[3] = y_pred
    if y_true is not None:
        yt[3] = y_true
    with pytest.raises(InputError, match=re.escape(found)):
        render_report(y_true=yt, scores=s, y_pred=p, threshold=2.0, threshold_rule="demo")


def test_precision_at_k_refuses_no_rows() -> None:
    # it returned nan with numpy's 'Mean of empty slice' RuntimeWarning
    from hourglass.evaluate import precision_at_k

    with pytest.raises(InputError, match="precision@k: no rows to rank"):
        precision_at_k([], [], 1)


def test_report_cuts_a_long_class_name_in_the_legend() -> None:
    # the histogram grew with its legend: a class named with 20,000 characters made a PNG
    # 140,000 pixels wide (about 50 s and 0.5 GB); the name is cut in the legend, whole in the table
    import base64
    import struct

    from hourglass.evaluate.plots import histogram_figure

    s = np.r_[np.zeros(5), np.ones(5)]
    png = base64.b64decode(histogram_figure(s, {"normal": s < 1, "x" * 3000: s > 0}, 0.5))
    width = struct.unpack(">I", png[16:20])[0]
    assert width < 1500


def test_benchmark_split_stratifies_the_anomalies_beside_unlabelled_rows() -> None:
    # rows without a label counted as anomalies in the stratification: the 10 true anomalies
    # went 1 to 5 into the 30% test part by seed (3 expected); the unlabelled rows are a stratum
    import pandas as pd

    from hourglass.pipeline.benchmark import split_labelled

    for blanks in (150, 1):
        labels = ["ok"] * 300 + [""] * blanks + ["bad"] * 10
        df = pd.DataFrame({"x": np.arange(len(labels)), "y": labels})
        counts = {int((split_labelled(df, "y", ["ok"], seed=seed)[1]["y"] == "bad").sum())
                  for seed in range(8)}
        assert counts == {3}, blanks
