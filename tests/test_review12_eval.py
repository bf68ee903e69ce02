"""Evaluation, benchmark and explanation: regression tests of defects found and fixed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.evaluate import binary_metrics, evaluate_scores
from tests._cli import runner
from tests.test_review10_eval import _flows


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model trained without a time column, and a labelled test file with one."""
    d = tmp_path_factory.mktemp("review12_eval")
    train = _flows(300)
    train.loc[train["label"] == "normal", ["a", "b", "proto"]].to_csv(d / "train.csv", index=False)
    _flows(100, seed=3).to_csv(d / "test.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--epochs", "2", "--hidden", "8,4",
                              "-o", str(d / "M"), "-q"])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M", "test": d / "test.csv"}


def test_precision_at_k_is_na_with_one_class_only() -> None:
    # an attack capture (every row anomalous) had precision@k 1.0 and normal traffic alone 0.0:
    # the share of anomalies among the top k is then every row's, as trivial as the precision
    # that is already n/a there
    attacks = evaluate_scores([1, 1, 1], [0.2, 0.9, 0.8], [0, 1, 1], ks=(1, 2))
    assert attacks["precision_at_k"] == {"1": None, "2": None} and attacks["precision"] is None
    normal = evaluate_scores([0, 0, 0], [0.2, 0.9, 0.8], [0, 1, 1], ks=(1,))
    assert normal["precision_at_k"] == {"1": None}
    both = evaluate_scores([0, 1, 0], [0.2, 0.9, 0.8], [0, 1, 1], ks=(1, 2))
    assert both["precision_at_k"] == {"1": 1.0, "2": 0.5}
    assert np.isclose(both["precision"], 0.5)


def test_a_score_past_floats_range_is_an_input_error() -> None:
    # a Python int of 400 digits stopped the metrics with numpy's OverflowError, not the
    # one-line InputError every other unreadable score gives
    with pytest.raises(InputError, match="scores: expected numbers"):
        binary_metrics([0, 1], [0.5, 10**400], [0, 1])


def test_evaluate_timestamp_col_naming_a_scored_column_is_refused_as_such(
        model: dict[str, Path]) -> None:
    # --timestamp-col a, where a is a column the model scores: the column was left out of the
    # scored ones as the time column, and the error said the data lacked it ("column(s) the model
    # needs are missing: a; the data has b, proto, ts")
    js = model["dir"] / "m.json"
    res = runner.invoke(app, ["evaluate", str(model["model"]), str(model["test"]), "--label-col",
                              "label", "--normal", "normal", "--timestamp-col", "a", "--json", str(js)])
    assert res.exit_code == 2, res.output
    assert "--timestamp-col a: is a column the model scores" in res.stderr
    assert "missing" not in res.stderr and "Traceback" not in res.output and not js.exists()
    res = runner.invoke(app, ["evaluate", str(model["model"]), str(model["test"]), "--label-col",
                              "label", "--normal", "normal", "--timestamp-col", "ts", "--json", str(js)])
    assert res.exit_code == 0, res.output
    rate = json.loads(js.read_text())["events_per_day"]
    assert rate == pytest.approx(1440 * 100 / 99)  # 100 rows in 99 minutes


def test_per_class_detection_of_many_label_values_counts_each_once() -> None:
    # counted in one pass (a mask per class took ~6 s for 20,000 distinct label values); the
    # counts and the order (normal last) are those of the mask-per-class version
    from hourglass.evaluate import per_class_detection

    n = 4_000
    names = np.array([f"c{i}" for i in range(n)] + ["normal"] * 3)
    pred = np.r_[np.arange(n) % 2, [0, 1, 0]]
    out = per_class_detection(names, pred)
    assert len(out) == n + 1 and list(out)[-1] == "normal"  # the normal class last, as before
    assert out["c1"] == {"n": 1, "detected": 1, "rate": 1.0} and out["c0"]["detected"] == 0
    assert out["normal"] == {"n": 3, "detected": 1, "rate": 1 / 3}
