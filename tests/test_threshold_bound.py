"""FalseAlarmBound (``--threshold fpr:RATE[@CONFIDENCE]``): the false-alarm rate stays at or under
the bound with the stated confidence, where the plain percentile exceeds it about half the time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.thresholds import (
    FalseAlarmBound,
    Percentile,
    expected_alert_rate,
    min_normal_scores,
    threshold_from_dict,
    threshold_from_spec,
)

runner = CliRunner()


def test_the_rate_exceeds_the_bound_in_at_most_one_fit_in_twenty() -> None:
    # exponential normal scores: the true false-alarm rate of a cut-off t is exp(-t)
    rng = np.random.default_rng(0)
    over = {"bound": 0, "percentile": 0}
    runs = 400
    for _ in range(runs):
        held_out = rng.exponential(size=600)
        over["bound"] += np.exp(-FalseAlarmBound(0.01).fit(held_out).value_) > 0.01
        over["percentile"] += np.exp(-Percentile(99).fit(held_out).value_) > 0.01
    # 5% expected; 0.08 is three standard errors above it over 400 runs
    assert over["bound"] / runs <= 0.08, over
    assert over["percentile"] / runs >= 0.3, over  # the percentile is a point estimate


def test_the_cut_off_is_the_order_statistic_the_binomial_gives() -> None:
    scores = np.arange(1.0, 1001.0)  # rank k has score k
    t = FalseAlarmBound(0.05, confidence=0.9).fit(scores)
    # k = 1 + the 90% quantile of Binomial(1000, 0.95), the smallest k with P(B >= k) <= 0.1
    from scipy.stats import binom

    assert t.k_ == int(binom.ppf(0.9, 1000, 0.95)) + 1 and t.value_ == float(t.k_)
    assert int(t.predict(scores).sum()) == 1000 - t.k_
    assert t.expected_rate_ == pytest.approx((1001 - t.k_) / 1001) and t.expected_rate_ < 0.05


def test_too_few_normal_scores_are_refused_with_the_count_needed() -> None:
    assert min_normal_scores(0.01, 0.95) == 299
    FalseAlarmBound(0.01).fit(np.arange(299.0))  # just enough: the largest score is the cut-off
    with pytest.raises(InputError, match=r"298 held-out normal scores cannot bound .* at least 299"):
        FalseAlarmBound(0.01).fit(np.arange(298.0))


def test_saved_and_loaded_with_its_rank_and_mean_rate() -> None:
    t = FalseAlarmBound(0.02, confidence=0.99).fit(np.random.default_rng(2).normal(size=3000))
    back = threshold_from_dict(t.to_dict())
    assert back == t and back.k_ == t.k_ and back.expected_rate_ == t.expected_rate_
    assert back.describe() == t.describe() and "with 99% confidence" in t.describe()
    rate = expected_alert_rate(back)
    assert rate.rate == t.expected_rate_ and rate.n_ref == 3000


@pytest.mark.parametrize(("spec", "alpha", "confidence"), [
    ("fpr:0.01", 0.01, 0.95), ("fpr", 0.01, 0.95), ("FPR:1e-3@0.999", 0.001, 0.999)])
def test_spec(spec: str, alpha: float, confidence: float) -> None:
    t = threshold_from_spec(spec)
    assert isinstance(t, FalseAlarmBound) and (t.alpha, t.confidence) == (alpha, confidence)


@pytest.mark.parametrize(("spec", "match"), [
    ("fpr:abc", "'abc' is not a number"),
    ("fpr:0.01@high", "expected fpr:RATE@CONFIDENCE with two numbers"),
    ("fpr:1.5", "alpha (the false-alarm rate) must be in (0, 1)"),
    ("fpr:0.01@1", "confidence must be in (0, 1)"),
])
def test_bad_specs_are_named(spec: str, match: str) -> None:
    with pytest.raises(InputError, match=match.replace("(", r"\(").replace(")", r"\)")):
        threshold_from_spec(spec)


def _flows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(5, 1, n),
                         "rate": rng.uniform(0, 1, n), "label": "benign"})


def test_cli_trains_with_the_bound_and_refuses_too_few_rows(tmp_path: Path) -> None:
    data, small = tmp_path / "flows.csv", tmp_path / "small.csv"
    _flows(3500, 0).to_csv(data, index=False)
    _flows(800, 1).to_csv(small, index=False)
    common = ["--label-col", "label", "--normal", "benign", "--epochs", "2", "--hidden", "8,4", "-q"]
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--threshold", "fpr:0.01",
                              *common])
    assert res.exit_code == 0, res.output
    # 350 held-out normal rows: the bound needs the largest of them as the cut-off
    summary = " ".join(res.stderr.split())
    assert "threshold false-alarm rate <= 0.01 with 95% confidence (rank 350 of 350 held-out" in summary
    out = tmp_path / "m2"
    res = runner.invoke(app, ["train", str(small), "-o", str(out), "--threshold", "fpr:0.01", *common])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert "80 held-out normal scores cannot bound the false-alarm rate at 0.01" in lines[0], lines[0]
    assert not out.exists()
