"""Evaluation metrics, report and the evaluate / benchmark commands: regression tests of defects
found and fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests._cli import one_line_error, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A small table model (normal = 'normal') and its labelled table."""
    return small_labelled_model(tmp_path_factory.mktemp("eval18"))


def test_normal_0_on_a_true_false_label_column_is_refused_naming_false(labelled: dict[str, Any]) -> None:
    # a 0/1 label column read as booleans: '--normal 0' meant False; every row counted as an
    # anomaly (a warning, then n/a metrics) instead of the did-you-mean train gives
    frame = labelled["frame"].assign(label=labelled["frame"]["label"] == "attack")
    data = labelled["folder"] / "bool.csv"
    frame.to_csv(data, index=False)
    out = labelled["folder"] / "bool.json"
    one_line_error(["evaluate", str(labelled["model"]), str(data), "--normal", "0", "--json", str(out)],
                   "give --normal False", out)
    # and the other way round: a model whose normal label is False, on a 0/1 column
    frame.assign(label=frame["label"].astype(int)).to_csv(data, index=False)
    one_line_error(["evaluate", str(labelled["model"]), str(data), "--normal", "False", "--json",
                    str(out)], "give --normal 0", out)


def test_other_spellings_reads_booleans_as_0_and_1() -> None:
    from hourglass.ingest.formats import other_spellings

    assert other_spellings(["False", "True"], ["0"]) == ["False"]
    assert other_spellings(["False", "True"], ["1.0"]) == ["True"]
    assert other_spellings(["0", "1"], ["true"]) == ["1"]
    assert other_spellings(["attack", "normal"], ["0"]) == []


def test_report_of_a_class_named_in_a_script_the_font_lacks_warns_nothing() -> None:
    # matplotlib warned once per missing character ('Glyph 25915 ... missing from font(s)'),
    # lines printed amid evaluate's output, --quiet or not
    import warnings

    from hourglass.evaluate.report import render_report

    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(60, int), np.ones(20, int)]
    s = np.r_[rng.normal(0, 1, 60), rng.normal(3, 1, 20)]
    classes = np.where(y == 1, "攻撃🔥", "normal")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page, m = render_report(y_true=y, scores=s, y_pred=(s > 2).astype(int), threshold=2.0,
                                threshold_rule="fixed", classes=classes)
    assert "攻撃🔥" in page and m["per_class"]["攻撃🔥"]["n"] == 20


def test_report_counts_sessions_as_sessions_like_the_terminal() -> None:
    # the per-class table's column, the precision@k note and the histogram's caption said 'rows'
    # for a log model's sessions (the terminal's table: 'sessions')
    import re

    from hourglass.evaluate.report import render_report

    rng = np.random.default_rng(1)
    y = np.r_[np.zeros(60, int), np.ones(20, int)]
    s = np.r_[rng.normal(0, 1, 60), rng.normal(3, 1, 20)]
    page, _ = render_report(y_true=y, scores=s, y_pred=(s > 2).astype(int), threshold=2.0,
                            threshold_rule="fixed", classes=np.where(y == 1, "Anomaly", "Normal"),
                            normal=["Normal"], unit="sessions")
    table = re.search(r'<table id="tbl-per-class">.*?</table>', page, re.S)
    assert table is not None and "<th>sessions</th>" in table.group(0)
    assert "highest-scoring sessions" in page and "share of its sessions" in page
    assert not re.search(r"\brows\b", re.sub(r'<table id="tbl-model-card".*?</table>', "", page, flags=re.S)
                         .split("<h2>Model card</h2>")[0])


def test_series_labels_true_false_read_as_0_1_and_text_labels_refused(tmp_path: Path) -> None:
    # as the README says: 0/1 per row (true/false too); text labels stop evaluate naming the row
    import json

    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    n = 240
    v = np.sin(np.arange(n) / 6) + rng.normal(0, 0.1, n)
    y = np.zeros(n, int)
    y[200:215] = 1
    v[200:215] += 3
    frame = pd.DataFrame({"v": v, "label": y})
    frame.iloc[:160].assign(label=0).to_csv(tmp_path / "train.csv", index=False)
    test = frame.iloc[160:]
    test.to_csv(tmp_path / "01.csv", index=False)
    test.assign(label=test["label"] == 1).to_csv(tmp_path / "tf.csv", index=False)
    test.assign(label=np.where(test["label"] == 1, "attack", "normal")).to_csv(tmp_path / "text.csv",
                                                                                index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--model", "lstm-ae", "--window", "8",
                              "--epochs", "1", "--label-col", "label", "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    got = []
    for name in ("01", "tf"):
        res = runner.invoke(app, ["evaluate", str(tmp_path / "m"), str(tmp_path / f"{name}.csv"),
                                  "--json", str(tmp_path / f"{name}.json")])
        assert res.exit_code == 0, res.output
        got.append(json.loads((tmp_path / f"{name}.json").read_text()))
    assert got[0]["n_anomalies"] == got[1]["n_anomalies"] == 15
    assert got[0]["roc_auc"] == got[1]["roc_auc"]
    one_line_error(["evaluate", str(tmp_path / "m"), str(tmp_path / "text.csv")], "holds 'normal'")
    one_line_error(["evaluate", str(tmp_path / "m"), str(tmp_path / "text.csv"), "--normal", "normal"],
                   "--normal: not used by time-series models")


def test_benchmark_too_few_held_out_scores_advises_benchmarks_options(labelled: dict[str, Any]) -> None:
    # the advice was train's '--param validation_fraction=0.2', an option benchmark does not take
    from hourglass.cli import app
    from tests._cli import runner

    out = labelled["folder"] / "bench.json"
    for extra, advice in (([], "give more normal training rows (now "),
                          (["--max-train", "50"], "give a larger --max-train (now 50 of the ")):
        args = ["benchmark", str(labelled["data"]), "--label-col", "label", "--normal", "normal",
                "--models", "none", "--seeds", "1", "--threshold", "fpr:0.01", "--json", str(out), *extra]
        one_line_error(args, advice, out)
        res = runner.invoke(app, args)
        assert "--param" not in res.stderr and "fpr:RATE@CONFIDENCE" in res.stderr


def test_benchmark_says_a_few_held_out_scores_warning_once_with_its_own_advice(
        labelled: dict[str, Any]) -> None:
    # one warning per model and seed (12 alike for the defaults), each advising train's --param
    from hourglass.cli import app
    from tests._cli import runner

    res = runner.invoke(app, ["benchmark", str(labelled["data"]), "--label-col", "label", "--normal",
                              "normal", "--models", "none", "--baselines", "iforest", "--seeds", "3"])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("percentile 99 of")]
    assert len(lines) == 1 and "--param" not in lines[0] and "more normal training rows" in lines[0]


def test_table_report_without_an_event_rate_names_evaluates_own_options(labelled: dict[str, Any]) -> None:
    # it said 'train with --timestamp-col or --events-per-day': evaluate takes both itself
    from hourglass.cli import app
    from tests._cli import runner

    page = labelled["folder"] / "rate.html"
    base = ["evaluate", str(labelled["model"]), str(labelled["data"]), "--report", str(page)]
    res = runner.invoke(app, base)
    assert res.exit_code == 0, res.output
    assert "no event rate: evaluate with --events-per-day N or --timestamp-col COLUMN" in page.read_text()
    res = runner.invoke(app, [*base, "--events-per-day", "50000"])
    assert res.exit_code == 0, res.output
    assert "no event rate" not in page.read_text() and "alerts/day" in page.read_text()


def test_event_precision_counts_alarm_runs_overlapping_an_event_as_defined() -> None:
    # counted at once now (a slice per alarm run took 0.8 s on 10^6 steps); same figures
    from hourglass.evaluate.timeseries import events, timeseries_metrics

    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 50, 300):
        for _ in range(20):
            y = (rng.random(n) < rng.random()).astype(int)
            p = (rng.random(n) < rng.random()).astype(int)
            m = timeseries_metrics(y, rng.random(n), p, sliding_window=None)
            runs = events(p)
            # no alarm run: n/a (no share of none), as the point precision of no flag
            expect: float | None = float(np.mean([y[lo:hi].any() for lo, hi in runs])) if runs else None
            if not 0 < y.sum() < n:  # one class: n/a, as evaluate gives it (test_review32_met32)
                expect = None
            assert m["event_precision"] == expect and m["n_alarm_runs"] == len(runs)
