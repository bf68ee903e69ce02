"""Evaluation metrics, report and the evaluate / benchmark commands: regression tests of defects
found and fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.evaluate import evaluate_scores, precision_at_k
from hourglass.evaluate.timeseries import timeseries_metrics
from hourglass.evaluate.vus import vus_volumes
from tests._cli import one_line_error


def test_precision_at_k_of_tied_scores_does_not_depend_on_row_order() -> None:
    # a model scoring every row alike: precision@10 was 1.0 with the attacks listed first and
    # 0.0 with them last (ROC-AUC 0.5 either way); the tied rows count with their share (0.1)
    y = np.r_[np.ones(20, int), np.zeros(180, int)]
    s = np.full(200, 0.5)
    first = evaluate_scores(y, s, np.zeros(200, int))["precision_at_k"]
    last = evaluate_scores(y[::-1], s, np.zeros(200, int))["precision_at_k"]
    assert first == last == {"10": 0.1, "100": 0.1}
    # ties only at the cut: 2 rows above it (1 anomaly), then 2 places among 4 tied rows holding 1
    y2 = np.array([1, 0, 1, 0, 0, 0, 0])
    s2 = np.array([0.9, 0.8, 0.5, 0.5, 0.5, 0.5, 0.1])
    assert precision_at_k(y2, s2, 4) == (1 + 2 * 0.25) / 4
    assert precision_at_k(y2, s2, 2) == 0.5  # no tie at the cut: as before


@pytest.mark.parametrize("kwargs", [{"sliding_window": -1}, {"sliding_window": 2.5},
                                    {"n_thresholds": 0}, {"n_thresholds": True}])
def test_vus_bad_buffer_or_threshold_count_is_an_input_error(kwargs: dict[str, object]) -> None:
    # a plain ValueError: a caller catching hourglass' InputError (as the CLI and the service
    # do) let it through as a traceback
    with pytest.raises(InputError, match=next(iter(kwargs))):
        vus_volumes([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2], **kwargs)  # type: ignore[arg-type]
    if "sliding_window" in kwargs:  # as timeseries_metrics passes it on
        with pytest.raises(InputError, match="sliding_window"):
            timeseries_metrics([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2], [0, 1, 1, 0],
                               sliding_window=kwargs["sliding_window"])  # type: ignore[arg-type]


def test_report_alert_axis_counts_sessions_as_its_table_does(monkeypatch: pytest.MonkeyPatch) -> None:
    # the threshold figure's alert axis said 'alerts per 10k events' for a log model's sessions
    # (and a series' time steps) beside the table's 'alerts per 10k sessions'
    from matplotlib.figure import Figure

    from hourglass.evaluate import plots
    from hourglass.evaluate.report import render_report

    labels: list[str] = []

    def keep(fig: Figure) -> str:
        labels.extend(ax.get_ylabel() for ax in fig.axes)
        return ""

    monkeypatch.setattr(plots, "_png", keep)
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(40, int), np.ones(10, int)]
    s = np.r_[rng.normal(0, 1, 40), rng.normal(3, 1, 10)]
    page, _ = render_report(y_true=y, scores=s, y_pred=(s > 2).astype(int), threshold=2.0,
                            threshold_rule="t", unit="sessions")
    assert "alerts per 10k sessions" in page
    assert "alerts per 10k sessions" in labels and "alerts per 10k events" not in labels


def test_benchmark_label_column_blank_in_every_row_is_said_so(tmp_path: Path) -> None:
    # a test file whose labels are all blank was refused as having 'no anomalous rows (all label
    # in ['normal'])', as if every row were labelled normal
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60),
                          "label": np.where(np.arange(60) % 10 == 0, "attack", "normal")})
    data, blank = tmp_path / "flows.csv", tmp_path / "blank.csv"
    frame.to_csv(data, index=False)
    frame.assign(label="").head(20).to_csv(blank, index=False)
    out = tmp_path / "b.json"
    common = ["--label-col", "label", "--normal", "normal", "--models", "none", "--seeds", "1",
              "--json", str(out)]
    for args in (["benchmark", str(data), "--test", str(blank)],
                 ["benchmark", str(blank), "--test", str(data)], ["benchmark", str(blank)]):
        one_line_error(args + common, "blank.csv: label column 'label' is empty in every row (20 rows)", out)


def test_point_adjust_and_time_to_detect_match_their_definition_per_event() -> None:
    # computed for all events at once (a slice per event took 0.8 s for 180,000 events): the
    # same figures as the definition, event by event, on random series (empty, no event, edges)
    from hourglass.evaluate.timeseries import events, point_adjust, time_to_detect

    rng = np.random.default_rng(0)
    for _ in range(400):
        n = int(rng.integers(0, 25))
        y = (rng.random(n) < rng.random()).astype(int)
        p = (rng.random(n) < rng.random()).astype(int)
        adjusted, delays = p.copy(), []
        for lo, hi in events(y):
            if p[lo:hi].any():
                adjusted[lo:hi] = 1
            hits = np.flatnonzero(p[lo:hi])
            delays.append(int(hits[0]) if hits.size else None)
        assert point_adjust(y, p).tolist() == adjusted.tolist()
        assert time_to_detect(y, p) == delays


def test_a_second_label_column_fed_as_a_feature_is_warned_of(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    # attack_cat beside label (UNSW-NB15's layout in a plain CSV): trained on the normal rows, its
    # value 'Normal' is learnt and every attack row stands out by it: a benchmark's ROC-AUC went
    # from 0.47 to 0.94 and train said nothing
    from hourglass.cli import app
    from hourglass.pipeline.benchmark import Benchmark, split_labelled
    from tests._cli import runner

    rng = np.random.default_rng(0)
    label = np.where(np.arange(120) % 10 == 0, "attack", "normal")
    frame = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120), "label": label,
                          "attack_cat": np.where(label == "normal", "Normal", "DoS")})
    train, test = split_labelled(frame, "label", ["normal"])
    with caplog.at_level("WARNING", logger="hourglass"):
        Benchmark(train, test, label_col="label", normal=["normal"], models=(), seeds=(0,))
    assert "column 'attack_cat' looks like a label too" in caplog.text  # Python's words (review 25):
    assert "beside label_col label" in caplog.text and "TabularPreprocessor(drop=[...])" in caplog.text
    caplog.clear()
    from hourglass.features.tabular import TabularPreprocessor

    with caplog.at_level("WARNING", logger="hourglass"):  # dropped: nothing to say
        Benchmark(train, test, label_col="label", normal=["normal"], models=(), seeds=(0,),
                  features=TabularPreprocessor(drop=["attack_cat"]))
    assert "looks like a label" not in caplog.text
    data = tmp_path / "flows.csv"
    frame.to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), "--label-col", "label", "--normal", "normal",
                              "--epochs", "1", "--hidden", "4,2", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "column 'attack_cat', named like a label, is a feature beside --label-col label" in res.stderr, \
        res.stderr


def test_evaluate_warns_of_a_model_scoring_a_column_named_like_a_label(tmp_path: Path) -> None:
    # a model trained with attack_cat as a feature (before train warned of it) scored on labelled
    # rows: near-perfect figures from the labels themselves, and evaluate said nothing
    from hourglass.cli import app
    from tests._cli import labelled_model_of, runner

    rng = np.random.default_rng(1)
    label = np.where(np.arange(120) % 10 == 0, "attack", "normal")
    frame = pd.DataFrame({"a": rng.normal(size=120), "label": label,
                          "attack_cat": np.where(label == "normal", "Normal", "DoS")})
    data, model = labelled_model_of(frame, tmp_path)
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--json", str(tmp_path / "e.json")])
    assert res.exit_code == 0, res.output
    assert "the model takes column 'attack_cat', named like a label" in res.stderr, res.stderr
    assert "--drop attack_cat" in res.stderr
