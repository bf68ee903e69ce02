"""Thresholds: the what-if table of a time-series model, and the rules on unusual scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner

FAST = ["--epochs", "1", "-q"]


@pytest.fixture(scope="module")
def series_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small LSTM autoencoder on a two-channel series (120 held-out steps)."""
    d = tmp_path_factory.mktemp("series")
    t = np.arange(1200)
    rng = np.random.default_rng(0)
    pd.DataFrame({"cpu": np.sin(t / 5) + 0.05 * rng.normal(size=t.size),
                  "mem": np.cos(t / 7)}).to_csv(d / "series.csv", index=False)
    model = d / "S"
    res = runner.invoke(app, ["train", str(d / "series.csv"), "--model", "lstm-ae", "--window", "8",
                              "--hidden", "4", *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    return model


def test_what_if_stream_cut_offs_name_the_causal_scores_they_are_fitted_on(series_model: Path) -> None:
    from hourglass import load

    pipe = load(series_model)
    n_causal = pipe.detector_.stream_val_scores_.size
    res = runner.invoke(app, ["threshold", str(series_model), "--threshold", "percentile:99.9"])
    assert res.exit_code == 0, res.output
    # the warning of the stream cut-off's fit on few scores names them as -o's fit does
    assert (f"percentile 99.9 of {n_causal} causal held-out normal scores (the window ending at "
            "each step)") in res.stderr
    assert f"percentile 99.9 of {n_causal} held-out normal scores" not in res.stderr


def test_what_if_footnote_of_a_series_with_nothing_held_out_names_causal_training_scores(
        tmp_path: Path) -> None:
    t = np.arange(400)
    pd.DataFrame({"cpu": np.sin(t / 5), "mem": np.cos(t / 7)}).to_csv(tmp_path / "s.csv", index=False)
    model = tmp_path / "S0"
    res = runner.invoke(app, ["train", str(tmp_path / "s.csv"), "--model", "lstm-ae", "--window", "8",
                              "--hidden", "4", "--param", "validation_fraction=0", *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "percentile:95"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "the same rule on 393 causal training (no held-out rows) scores" in text
    assert "causal held-out" not in text


def test_a_per_day_budget_on_a_quiet_source_names_its_event_rate() -> None:
    from hourglass.thresholds import AlertBudget

    scores = np.random.default_rng(0).exponential(size=500)
    rule = AlertBudget(0.05, per="day", events_per_day=0.4).fit(scores)
    assert rule.describe() == "alert budget 0.05 per day at 0.4 events/day on normal traffic"
    assert "at 2,881 events/day" in AlertBudget(5, per="day", events_per_day=2880.96).describe()


@pytest.mark.parametrize(("rule", "says"), [
    ("spot:0.02", "update() (hourglass stream --adapt) leaves the cut-off where it is"),
    ("dspot:0.05/20", "only the mean of the last 20 normal scores moves it")])
def test_a_streaming_rule_whose_risk_is_not_in_the_tail_says_it_cannot_adapt(
        rule: str, says: str, caplog: pytest.LogCaptureFixture) -> None:
    from hourglass.thresholds import SPOT, threshold_from_spec

    rng = np.random.default_rng(0)
    t = threshold_from_spec(rule)
    with caplog.at_level("WARNING", logger="hourglass.thresholds"):
        t.fit(rng.exponential(size=3000))
    text = " ".join(r.getMessage() for r in caplog.records)
    q = rule.split(":")[1].split("/")[0]
    assert f"risk q={q} is not below the tail share 1 - level = 0.02" in text and says in text
    if type(t) is SPOT:  # what the warning says: the stream never moves it
        before = t.value_
        t.update(3 * rng.exponential(size=5000))
        assert t.value_ == before
    caplog.clear()
    with caplog.at_level("WARNING", logger="hourglass.thresholds"):
        threshold_from_spec("spot:0.01").fit(rng.exponential(size=3000))
    assert not [r for r in caplog.records if "tail share" in r.getMessage()]


@pytest.mark.parametrize("kind", ["series", "log", "entity"])
def test_a_labelled_rule_refused_for_a_model_kind_names_the_bound_rule_among_the_others(
        kind: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = tmp_path / ("keys" if kind == "log" else "d.csv")
    if kind == "log":
        data.write_text("".join(" ".join(map(str, rng.integers(1, 6, 8))) + "\n" for _ in range(50)))
        extra = ["--format", "keys", "--model", "event-count-autoencoder"]
    elif kind == "series":
        pd.DataFrame({"cpu": rng.normal(size=200)}).to_csv(data, index=False)
        extra = ["--model", "lstm-ae", "--window", "8"]
    else:
        pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=300, freq="10s"),
                      "src": rng.choice(["a", "b"], 300), "bytes": rng.exponential(size=300)}
                     ).to_csv(data, index=False)
        extra = ["--entity-col", "src", "--timestamp-col", "ts", "--bucket", "1min"]
    out = tmp_path / "m"
    one_line_error(["train", str(data), *extra, "--threshold", "best-f1", *FAST, "-o", str(out)],
                   "use percentile, fpr,", out)


def test_what_if_says_why_a_rule_has_no_stream_cut_off(tmp_path: Path) -> None:
    from hourglass import load

    t = np.arange(600)  # 60 held-out steps, 53 causal ones: fpr:0.05 needs 59
    pd.DataFrame({"cpu": np.sin(t / 5), "mem": np.cos(t / 7)}).to_csv(tmp_path / "s.csv", index=False)
    model = tmp_path / "S"
    res = runner.invoke(app, ["train", str(tmp_path / "s.csv"), "--model", "lstm-ae", "--window", "8",
                              "--hidden", "4", *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    det = load(model).detector_
    assert det.val_scores_.size >= 59 > det.stream_val_scores_.size
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "fpr:0.05", "--json", "-"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["rules"][0]["stream"] is None
    note = " ".join(doc["notes"])
    assert note.startswith("fpr:0.05: no stream cut-off (n/a): the rule could not be fitted on the causal")
    assert f"FalseAlarmBound: {det.stream_val_scores_.size} causal held-out normal scores" in note
    assert "fpr:0.05: no stream cut-off" in " ".join(res.stderr.split())  # the table's footnote


def test_a_stream_without_its_own_threshold_expects_the_rate_it_flags_causal_scores_at(
        series_model: Path) -> None:
    from hourglass import load
    from hourglass.serve.drift import drift_monitor

    pipe = load(series_model)
    det = pipe.detector_
    det.stream_threshold_ = None  # as when the rule could not be fitted on the causal scores
    det.stream_threshold_why_ = "the rule could not be fitted on the causal scores"
    causal, cut = det.stream_val_scores_, det.threshold_.value_
    # the stream flags causal scores against the averaged scores' cut-off: at their rate on them
    k = int((causal > cut).sum())
    want = min(max(k, 0.5), causal.size - 0.5) / causal.size
    mon = drift_monitor(pipe, 500, causal=True)
    assert mon.expected == want and mon.n_ref == causal.size
    assert mon.expected != drift_monitor(pipe, 500).expected  # (score: the averaged scores' rate)
