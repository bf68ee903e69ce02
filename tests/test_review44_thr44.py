"""Each threshold rule's cut-off against an independent computation of its definition (plain
NumPy / SciPy): the fitted value, the share it flags of its own fitting scores, the POT tail
against the textbook formula and SciPy's fit, and ``hourglass threshold``'s numbers against a
count."""

from __future__ import annotations

import json
import logging
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hourglass import load, thresholds
from hourglass.cli import app
from hourglass.thresholds import (
    AlertBudget,
    BestFBeta,
    Contamination,
    FalseAlarmBound,
    Percentile,
    events_per_day,
    expected_alert_rate,
    threshold_from_dict,
)
from hourglass.thresholds.evt import gpd_log_likelihood
from tests._cli import runner


def _samples() -> list[np.ndarray]:
    """Ties, a constant run, light and heavy tails, a few hundred to a few thousand scores."""
    rng = np.random.default_rng(44)
    out = []
    for n in (301, 1000, 2500):
        out += [rng.normal(size=n), rng.integers(0, 10, n).astype(float),
                np.r_[np.full(n // 2, 1.0), rng.exponential(size=n - n // 2)],
                rng.pareto(1.5, n), np.round(rng.exponential(size=n), 1)]
    return out


def test_best_fbeta_keeps_the_highest_of_cut_offs_with_equal_f_beta_for_any_beta() -> None:
    # what was wrong: with a beta whose square is no binary fraction (0.2: 0.04000000000000001),
    # two cut-offs of equal F-beta (13/30 at 1 of 9 attacks with 1 false alarm, and at 6 with 8)
    # rounded apart and the lower one won: 14 rows flagged instead of 2, against the documented
    # "of cut-offs with equal F-beta the highest (fewest alerts) is kept"
    y = np.array([0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0])
    s = np.arange(y.size, 0, -1).astype(float)  # row 0 scores highest
    t = BestFBeta(0.2).fit(s, y)
    assert int(t.predict(s).sum()) == 2
    assert t.best_score_ == pytest.approx(13 / 30, rel=1e-15)
    # the exact best by brute force, on random data of many ties, for betas as written
    rng = np.random.default_rng(1)
    for _ in range(60):
        beta = float(rng.choice([0.2, 0.3, 0.7, 1.5]))
        n = int(rng.integers(6, 40))
        lab = (rng.random(n) < 0.4).astype(int)
        lab[0], lab[-1] = 1, 0
        b2, anomalies = Fraction(repr(beta)) ** 2, int(lab.sum())
        f = [(1 + b2) * tp / ((1 + b2) * tp + b2 * (anomalies - tp) + (k - tp)) if tp else Fraction(0)
             for k, tp in enumerate(np.cumsum(lab).tolist(), start=1)]
        best = max(range(n), key=lambda j: f[j]) + 1  # the first maximum: the fewest rows flagged
        scores = np.arange(n, 0, -1).astype(float)
        assert int(BestFBeta(beta).fit(scores, lab).predict(scores).sum()) == best


def test_a_percentile_warns_below_the_count_it_advises_and_not_at_it(
        caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: 1 - q/100 rounds in floats, so the warning of a percentile fitted on few
    # scores fired on the very count it advised (Percentile(95) on 35 scores: "expect about 7.5%
    # ..., not 5% (35 or more scores bring it within 1.5x)") and advised 1,996 for the 99.9th
    # where 1,995 bring the mean rate to exactly 1.5x; 9 of 18 percentiles were off by one
    scores = np.random.default_rng(0).normal(size=5000)
    for q in (90, 95, 97.5, 98, 99, 99.5, 99.8, 99.9, 99.95, 99.99, 99.7, 99.3, 99.6, 92.5, 96, 99.25,
              99.75, 99.999):
        target = 1 - Fraction(repr(q)) / 100
        need = 1  # the fewest scores whose mean rate (n - pos) / (n + 1) is within 1.5x, exactly
        while (need - (1 - target) * (need - 1)) / (need + 1) > Fraction(3, 2) * target:
            need += 1
        if need <= scores.size:
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="hourglass.thresholds.base"):
                Percentile(q).fit(scores[:need])
            assert caplog.text == "", (q, need)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="hourglass.thresholds.base"):
            Percentile(q).fit(scores[:need - 1])
        assert f"({need:,} or more scores bring it within 1.5x" in caplog.text, (q, caplog.text)


def test_percentile_contamination_and_the_bound_equal_their_definitions() -> None:
    # pin (these held): np.percentile's linear percentile; floor(c n) flagged where no tie
    # straddles the cut (fewer, never more, where one does); FalseAlarmBound's rank as the
    # smallest k with P(Binomial(n, 1 - alpha) >= k) <= 1 - confidence, its mean rate
    # (n + 1 - k) / (n + 1)
    for s in _samples():
        n, ordered = s.size, np.sort(s)
        for q in (50, 90, 99, 99.5):
            t = Percentile(q).fit(s)
            assert t.value_ == np.percentile(s, q)
            assert np.array_equal(t.predict(s), (s > np.percentile(s, q)).astype(np.int8))
        for c in (0.01, 0.05, 0.29):
            k = math.floor(Fraction(repr(c)) * n)
            flagged = int(Contamination(c).fit(s).predict(s).sum())
            if ordered[-k - 1] < ordered[-k]:
                assert flagged == k
            else:
                assert flagged < k
        for alpha, confidence in ((0.01, 0.95), (0.05, 0.99), (0.2, 0.5)):
            if n < thresholds.min_normal_scores(alpha, confidence):
                continue
            b = FalseAlarmBound(alpha, confidence).fit(s)
            k = 1 + int(np.flatnonzero(stats.binom.sf(np.arange(n), n, 1 - alpha) <= 1 - confidence)[0])
            assert b.k_ == k and b.value_ == ordered[k - 1]
            assert b.expected_rate_ == (n + 1 - k) / (n + 1)
            assert expected_alert_rate(b).rate == b.expected_rate_


def test_budgets_flag_their_share_and_take_rows_per_day_from_timestamps() -> None:
    # pin (these held): a budget per 10k flags floor(q n) of its fitting scores where that many
    # reach min_tail and no tie straddles the cut; the event rate is rows over the time span
    rng = np.random.default_rng(2)
    s = rng.exponential(size=5000)
    for per_10k in (20, 50, 100):
        t = AlertBudget(per_10k, per="10k").fit(s)
        assert t.method_ == "empirical" and int(t.predict(s).sum()) == per_10k * 5000 // 10_000
    ts = pd.Series(pd.date_range("2024-01-01", periods=4000, freq="37s"))
    assert events_per_day(ts) == pytest.approx(4000 / (3999 * 37 / 86_400), rel=1e-12)
    day = AlertBudget(10, per="day", events_per_day=events_per_day(ts)).fit(s)
    assert day.q_ == pytest.approx(10 * 3999 * 37 / 86_400 / 4000, rel=1e-12)


def test_pot_is_the_textbook_tail_quantile_of_a_fit_at_least_as_likely_as_scipys() -> None:
    # pin (these held): z_q = t + sigma / gamma ((q n / N_t) ** -gamma - 1) (Siffer et al. 2017;
    # t - sigma log(q n / N_t) at gamma 0) over the 0.98 quantile t; the GPD's log-likelihood at
    # least scipy.stats.genpareto.fit's on the same excesses, and equal to scipy's logpdf sum
    rng = np.random.default_rng(3)
    for s in (rng.exponential(size=3000), rng.pareto(2.0, 3000), rng.standard_t(3, 2000),
              rng.lognormal(0, 1, 4000)):
        t0 = float(np.quantile(s, 0.98))
        y = np.sort(s[s > t0]) - t0
        for q in (1e-3, 1e-4):
            pot = thresholds.POT(q).fit(s)
            fit = pot.fit_
            assert fit is not None and fit.t == t0 and fit.n_peaks == y.size
            g, sigma, r = fit.gamma, fit.sigma, q * s.size / y.size
            z = t0 - sigma * math.log(r) if abs(g) < 1e-9 else t0 + sigma / g * (r ** -g - 1)
            assert pot.value_ == pytest.approx(z, rel=1e-12)
            ours = gpd_log_likelihood(y, g, sigma)
            assert ours == pytest.approx(float(stats.genpareto.logpdf(y, g, scale=sigma).sum()), rel=1e-9)
            c, _, scale = stats.genpareto.fit(y, floc=0)
            assert ours >= float(stats.genpareto.logpdf(y, c, scale=scale).sum()) - 1e-7


def test_saved_rules_give_the_same_cut_and_flags_after_json() -> None:
    # pin (this held): each rule's JSON state rebuilds the same cut-off, and a streaming rule
    # goes on flagging as the one never saved
    rng = np.random.default_rng(4)
    s, fresh = np.round(rng.exponential(size=1500), 1), rng.exponential(size=600) * 1.5
    for rule in (Percentile(99.5), Contamination(0.02), FalseAlarmBound(0.05), AlertBudget(5, per="10k"),
                 thresholds.POT(1e-3), thresholds.SPOT(1e-3, refit_every=3),
                 thresholds.DSPOT(1e-3, depth=15, refit_every=3)):
        rule.fit(s)
        again = threshold_from_dict(json.loads(json.dumps(rule.to_dict())), fitted=True)
        assert again.value_ == rule.value_
        if isinstance(rule, thresholds.SPOT):
            assert np.array_equal(rule.update(fresh), again.update(fresh)) and rule.value_ == again.value_
        else:
            assert np.array_equal(rule.predict(fresh), again.predict(fresh))


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("thr44")
    rng = np.random.default_rng(0)
    n = 2000
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="37s"),
                  "bytes": rng.lognormal(5, 1, n), "dur": np.round(rng.exponential(1, n), 1),
                  "proto": rng.choice(["tcp", "udp"], n)}).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--timestamp-col", "ts", "--epochs", "1",
                              "--hidden", "4,2", "--param", "validation_fraction=0.2", "-q",
                              "-o", str(d / "M")])
    assert res.exit_code == 0, res.output
    return d / "M"


def test_the_what_if_json_is_each_rule_refitted_and_counted(model: Path, tmp_path: Path) -> None:
    # pin (this held): each row's cut-off is the rule fitted on the kept held-out scores, flagged
    # and ties are counts, per_day the event rate times the expected rate; -o saves that cut-off
    specs = ["percentile:99.5", "contamination:0.02", "fpr:0.05", "pot:1e-3", "budget:5/day",
             "budget:50/10k", "dspot:1e-3/20", "fixed:2"]
    args = ["threshold", str(model), "--json", str(tmp_path / "w.json")]
    res = runner.invoke(app, [*args, *[a for s in specs for a in ("--threshold", s)]])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "w.json").read_text())
    pipe = load(model)
    scores, rate = pipe.detector_.val_scores_, pipe.info["events_per_day"]
    assert doc["events_per_day"] == rate and doc["n_scores"] == scores.size == 400
    for row, spec in zip(doc["rules"], specs, strict=True):
        fresh = thresholds.threshold_from_spec(spec, events_per_day=rate).fit(scores)
        assert row["value"] == fresh.value_
        assert row["flagged"] == int((scores > fresh.value_).sum())
        assert row["ties"] == int((scores == fresh.value_).sum())
        assert row["expected"] == expected_alert_rate(fresh, scores).rate
        assert row["per_day"] == pytest.approx(rate * row["expected"], rel=1e-12)
    new = tmp_path / "N"
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "contamination:0.02", "-o", str(new)])
    assert res.exit_code == 0, res.output
    saved = load(new).threshold_
    assert saved.value_ == doc["rules"][1]["value"]
    assert int(saved.predict(scores).sum()) == math.floor(0.02 * scores.size)  # no tie there


def test_the_log_stream_flags_an_event_as_score_flags_its_session_at_a_cut_between_floats() -> None:
    # what was wrong: DeepLog's event scores are float32, and the stream compared them with the
    # cut-off as a Python float, which NumPy then rounds to float32: a cut just below a score,
    # rounded up to it, flagged the session in 'hourglass score' (threshold_predict compares in
    # float64) while 'hourglass stream' wrote no alert for its event
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.features.sessions import EventSessions
    from hourglass.pipeline import Pipeline
    from hourglass.serve.log_stream import LogStreamScorer
    from tests.test_review18_dlp import LIVE, REGEX, TRAIN

    dl = DeepLog(window=2, top_g=1, hidden=16, layers=1, epochs=30, lr=0.03, verbose=0)
    pipe = Pipeline(detector=dl, features=EventSessions(format="raw", session_regex=REGEX)).fit(TRAIN)
    top = np.float32(np.max(pipe.score(LIVE)))  # blk_900's unexpected event
    below = float(np.nextafter(top, np.float32(-np.inf)))
    cut = float(np.nextafter((below + float(top)) / 2, np.inf))  # rounds to the score in float32
    assert cut < float(top) and np.float32(cut) == top
    new = pipe.with_threshold(thresholds.Fixed(cut))
    assert new.predict(LIVE).tolist() == [0, 1]
    scorer = LogStreamScorer(new)
    alerts = scorer.feed(list(enumerate(LIVE, 1))) + scorer.finish()
    assert [a["session"] for a in alerts] == ["blk_900"] and alerts[0]["score"] == float(top)
    assert alerts[0]["expected"]  # its expected keys, read for the events above the same cut
