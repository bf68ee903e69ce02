"""Review round 52 (mut52): mutation testing of the core; each test kills a mutant that the
suite let through (the mutation is named in each test's comment)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.evaluate.metrics import binary_metrics, evaluate_scores
from hourglass.evaluate.timeseries import timeseries_metrics


def test_binary_metrics_refuses_no_rows() -> None:
    # What was wrong: nothing tested binary_metrics on no rows; dropping its "no rows to evaluate"
    # check (mutation `if s.size == 0` -> `if False`) went unnoticed, and it then returned a
    # report of all-zero rates for n=0 without a word.
    with pytest.raises(InputError, match="no rows to evaluate"):
        binary_metrics([], [], [])


def test_precision_at_k_kept_when_k_equals_the_row_count() -> None:
    # What was wrong: evaluate_scores keeps each k "up to the row count", but no test had k equal
    # to it; the mutation `k <= s.size` -> `k < s.size` (dropping precision@n) survived.
    y = [0, 1, 0, 0, 1, 0, 0, 0, 0, 1]
    s = np.linspace(0.0, 1.0, 10)
    r = evaluate_scores(y, s, [0] * 10, ks=(5, 10, 11))
    assert r["precision_at_k"] == {"5": pytest.approx(1 / 5), "10": pytest.approx(3 / 10)}


def test_mean_time_to_detect_averages_detected_events_only() -> None:
    # What was wrong: no test had a missed event beside a detected one; counting the missed
    # event's delay as 0 in the mean (mutation: mean over `t or 0` of every event) survived.
    y = [0, 1, 1, 1, 0, 0, 1, 1, 0, 0]
    p = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]  # first event found 2 steps in, second missed
    m = timeseries_metrics(y, np.asarray(p, dtype=float), p, sliding_window=None)
    assert m["time_to_detect"] == [2, None]
    assert m["mean_time_to_detect"] == 2.0


def _brute_best_f1(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(best F1, its cut score) over every "flag if score >= c" of the distinct scores, the
    highest c of equal F1 kept; counted by hand, independently of BestFBeta."""
    best, at = -1.0, 0.0
    for c in sorted(set(scores.tolist()), reverse=True):
        p = scores >= c
        tp, fp, fn = int((p & (y == 1)).sum()), int((p & (y == 0)).sum()), int((~p & (y == 1)).sum())
        f1 = 2 * tp / (2 * tp + fp + fn)
        if f1 > best:
            best, at = f1, c
    return best, at


def test_best_f1_counts_a_tied_run_of_scores_whole() -> None:
    # What was wrong: no test had tied scores across both classes; cutting after the FIRST row of
    # a run of equal scores (mutation `np.r_[s[1:] != s[:-1], True]` -> `np.r_[True, ...]`)
    # survived, though it counts part of a tie as flagged, which no threshold can do.
    from hourglass.thresholds import BestF1

    s = np.array([0.9, 0.9, 0.9, 0.7, 0.5, 0.5, 0.3, 0.1])
    y = np.array([0, 0, 1, 1, 1, 1, 0, 0])
    t = BestF1().fit(s, y)
    best, cut = _brute_best_f1(s, y)
    assert t.best_score_ == pytest.approx(best)
    assert t.predict(s).tolist() == (s >= cut).astype(int).tolist()


def test_best_f1_reports_the_precision_and_recall_of_its_cut() -> None:
    # What was wrong: best_recall_ (saved in the artefact's "validation" block and shown by
    # describe/inspect) was never checked against its definition; dividing by every row instead of
    # the anomalies (mutation `tp / labels.sum()` -> `tp / labels.size`) survived.
    from hourglass.thresholds import BestF1

    s = np.array([0.95, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01])
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0])
    t = BestF1().fit(s, y)
    flagged = t.predict(s).astype(bool)
    tp = int((flagged & (y == 1)).sum())
    assert t.best_precision_ == pytest.approx(tp / flagged.sum())
    assert t.best_recall_ == pytest.approx(tp / (y == 1).sum())
    assert (t.best_precision_, t.best_recall_) == pytest.approx((0.75, 1.0))


def _two_numeric_columns() -> pd.DataFrame:
    rng = np.random.default_rng(52)
    # symmetric, uncorrelated columns: no log1p (not heavy-tailed), no near-duplicate dropped
    return pd.DataFrame({"a": rng.normal(10.0, 4.0, 200), "b": rng.uniform(-3.0, 5.0, 200)})


def test_standard_scaler_matches_scikit_learn() -> None:
    # What was wrong: no test compared scaler="standard" with its definition; dividing by the
    # variance instead of the standard deviation (mutation `sd` -> `sd ** 2`) survived.
    from sklearn.preprocessing import StandardScaler

    from hourglass.features.tabular import TabularPreprocessor

    df = _two_numeric_columns()
    X = TabularPreprocessor(scaler="standard", log1p=()).fit(df).transform(df)
    np.testing.assert_allclose(X, StandardScaler().fit_transform(df.to_numpy()), rtol=1e-5, atol=1e-5)


def test_robust_scaler_matches_scikit_learn() -> None:
    # What was wrong: no test compared scaler="robust" (median / IQR) with its definition; the
    # mutation dividing by the 75th percentile instead of the IQR (`iqr` -> `q75`) survived.
    from sklearn.preprocessing import RobustScaler

    from hourglass.features.tabular import TabularPreprocessor

    df = _two_numeric_columns()
    X = TabularPreprocessor(scaler="robust", log1p=()).fit(df).transform(df)
    np.testing.assert_allclose(X, RobustScaler().fit_transform(df.to_numpy()), rtol=1e-5, atol=1e-5)


def test_log1p_is_signed_for_a_negative_value_after_training() -> None:
    # What was wrong: the log1p transform is documented as signed, sign(x) * log1p(|x|), so that a
    # negative value unseen in training lands below the scale; no test sent one, and dropping the
    # sign (mutation `np.copysign(np.log1p(np.abs(v)), v)` -> `np.log1p(np.abs(v))`, which scores
    # -50 exactly as +50) survived.
    from hourglass.features.tabular import TabularPreprocessor

    train = pd.DataFrame({"x": np.linspace(0.0, 100.0, 101)})
    pre = TabularPreprocessor(log1p=["x"], scaler="minmax").fit(train)
    got = pre.transform(pd.DataFrame({"x": [-50.0, 0.0, 50.0]}))[:, 0]
    want = np.array([-np.log1p(50.0), 0.0, np.log1p(50.0)]) / np.log1p(100.0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_dspot_fits_the_deviations_from_the_mean_of_the_scores_before() -> None:
    # What was wrong: nothing checked which deviations DSPOT's initial fit takes; a moving mean
    # shifted by one row, so that each score's own value is in the mean it is compared with
    # (mutation `csum[d:-1] - csum[:-d - 1]` -> `csum[d + 1:] - csum[1:-d]`), survived.
    from hourglass.thresholds import DSPOT

    rng = np.random.default_rng(7)
    s = np.cumsum(rng.normal(0.0, 0.1, 1500)) + rng.exponential(1.0, 1500)  # a drifting level
    d = 5
    t = DSPOT(q=1e-3, depth=d).fit(s)
    devs = np.array([s[i] - s[i - d:i].mean() for i in range(d, s.size)])  # by hand
    cut = np.quantile(devs, 0.98)
    assert t.t_ == pytest.approx(cut)
    np.testing.assert_allclose(np.sort(np.asarray(t.peaks_)), np.sort(devs[devs > cut] - cut),
                               rtol=1e-9, atol=1e-12)


def test_mean_run_length_counts_a_run_at_the_first_row() -> None:
    # What was wrong: no test had a run of flags starting at row 0; not counting it as a run
    # (mutation dropping `int(f[0]) +` from the run starts) survived, and made the mean run length
    # a series model's alert-rate monitor (serve.drift) is built with too long (3.0 for runs of 2
    # and 1), which shrinks its effective sample and so its drift tests' power.
    from hourglass.thresholds.monitor import mean_run_length

    assert mean_run_length([1, 1, 0, 1, 0]) == 1.5
    assert mean_run_length([1, 0, 0, 0]) == 1.0


def test_rare_categories_round_trip_through_the_saved_state() -> None:
    # What was wrong: no round-trip test had rare categories (min_frequency > 1, the <other>
    # bucket); dropping them on load (mutation `self.other_ = {...}` -> `{}` in from_dict) survived
    # every artefact test, and such a saved model then failed to load.
    import json

    from hourglass.features.tabular import TabularPreprocessor

    train = pd.DataFrame({"n": np.arange(60.0) % 7,
                          "proto": ["tcp"] * 30 + ["udp"] * 25 + ["icmp"] * 3 + ["gre"] * 2})
    pre = TabularPreprocessor(min_frequency=5).fit(train)
    assert pre.other_ == {"proto": ["gre", "icmp"]}
    again = TabularPreprocessor.from_dict(json.loads(json.dumps(pre.to_dict())))
    new = pd.DataFrame({"n": [1.0, 2.0, 3.0, 4.0], "proto": ["tcp", "icmp", "gre", "sctp"]})
    assert again.feature_names_ == pre.feature_names_
    np.testing.assert_array_equal(again.transform(new), pre.transform(new))
    cols = [pre.feature_names_.index(f"proto={v}") for v in ("tcp", "<other>", "<other>", "<unseen>")]
    assert pre.transform(new)[np.arange(4), cols].tolist() == [1.0, 1.0, 1.0, 1.0]


def _interleaved_sessions(n: int = 3000) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(11)
    sid = rng.integers(0, 4, n)
    ev = pd.DataFrame({"key": np.arange(n), "line": np.arange(1, n + 1),
                       "sid": [f"s{v}" for v in sid]})
    return ev, sid


def test_sessions_keep_each_sessions_events_in_log_order() -> None:
    # What was wrong: every grouping test had a few events, where numpy's default argsort happens
    # to keep the order of equal keys; grouping with an unstable sort (mutation
    # `np.argsort(codes, kind="stable")` -> `np.argsort(codes)`) survived, though on a real log
    # it shuffles each session's event sequence (what DeepLog and the sequence models learn).
    from hourglass.features.sessions.grouping import SessionGrouper

    ev, sid = _interleaved_sessions()
    g = SessionGrouper(session_column="sid")
    g.add(ev)
    ids, seqs, lines, _ = g.finish()
    for name, seq, ln in zip(ids, seqs, lines, strict=True):
        want = np.flatnonzero(sid == int(name[1:]))  # by hand: the session's rows, in order
        assert seq.tolist() == want.tolist()
        assert ln.tolist() == (want + 1).tolist()


def test_sessions_ordered_by_time_stay_grouped_by_session() -> None:
    # What was wrong: no test ordered events by time inside sessions (order_by_time=True); sorting
    # by time first and session second (mutation `np.lexsort((within, codes))` ->
    # `np.lexsort((codes, within))`) survived, and split every session into runs.
    from hourglass.features.sessions.grouping import SessionGrouper

    ev = pd.DataFrame({"key": [10, 11, 12, 13, 14, 15], "line": [1, 2, 3, 4, 5, 6],
                       "sid": ["a", "b", "a", "b", "a", "a"],
                       "time": [5.0, 1.0, 2.0, 0.5, 2.0, 1.0]})
    g = SessionGrouper(session_column="sid", order_by_time=True)
    g.add(ev)
    ids, seqs, lines, _ = g.finish()
    assert ids == ["a", "b"]
    # a: times 5, 2, 2, 1 -> 15 (1.0), 12 and 14 (2.0, ties in input order), 10 (5.0)
    assert [s.tolist() for s in seqs] == [[15, 12, 14, 10], [13, 11]]
    assert [x.tolist() for x in lines] == [[6, 3, 5, 1], [4, 2]]


def test_gradient_shares_are_taken_of_the_sum_of_absolute_attributions() -> None:
    # What was wrong: explain_rows documents integrated-gradient shares as each column's
    # attribution over the sum of the ABSOLUTE attributions (negative for a column that pulled the
    # score down); no test had a negative attribution, and taking the signed sum (mutation
    # `np.abs(weights).sum(axis=1)` -> `weights.sum(axis=1)`) survived: shares past 100%, or all
    # 0% where the signed sum is negative.
    import re

    from hourglass import Pipeline
    from hourglass.detectors import DeepSVDD
    from hourglass.explain.tabular import explain_rows

    rng = np.random.default_rng(0)
    df = pd.DataFrame({c: rng.normal(size=300) for c in "abc"})
    pipe = Pipeline(detector=DeepSVDD(hidden=(8, 4), epochs=2, verbose=0, random_state=0)).fit(df)
    odd = df.head(5).assign(a=df["a"].head(5) + 4)
    why = explain_rows(pipe, odd, top=3, method="gradients")["why"].tolist()
    shares = [[int(p) for p in re.findall(r"\((-?\d+)%\)", w)] for w in why]
    assert all(len(s) == 3 for s in shares), why
    assert any(p < 0 for s in shares for p in s), why  # the case at stake: a negative attribution
    for s in shares:  # |shares| add up to 100%, up to the rounding of each to a whole percent
        assert abs(sum(abs(p) for p in s) - 100) <= 2, why


def test_series_minmax_scaler_maps_training_range_onto_0_1() -> None:
    # What was wrong: no test checked the series preprocessor's minmax scaler against its
    # definition; dividing by the maximum instead of the range (mutation `hi - lo` -> `hi`)
    # survived.
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"cpu": [10.0, 12.0, 20.0, 15.0], "mem": [-4.0, 0.0, 4.0, 2.0]})
    X = TimeSeriesPreprocessor(scaler="minmax").fit(df).transform(df)
    want = (df - df.min()) / (df.max() - df.min())
    np.testing.assert_allclose(X, want.to_numpy(), rtol=1e-6)


def test_interpolate_leaves_a_gap_at_the_end_of_a_series_open() -> None:
    # What was wrong: fill="interpolate" is documented to fill between known values only (a gap
    # at the start or the end is an error saying so); no test had a gap at the end, and
    # interpolating past the last value (mutation dropping `limit_area="inside"`, which carries
    # the last value forward) survived.
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"cpu": [1.0, np.nan, 3.0, 4.0, np.nan]})
    with pytest.raises(InputError, match="at the start or the end"):
        TimeSeriesPreprocessor(fill="interpolate", scaler="none").fit(df)
    inside = df.iloc[:4]
    X = TimeSeriesPreprocessor(fill="interpolate", scaler="none").fit(inside).transform(inside)
    assert X[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_vae_score_is_half_the_squared_error_plus_beta_times_kl() -> None:
    # What was wrong: the VAE's score is documented as 1/2 ||x - x_hat||^2 + beta * KL at the
    # posterior mean; every VAE test used beta=1, so scoring without beta (mutation
    # `self.beta * kl` -> `kl` in the score) survived.
    import torch

    from hourglass.detectors import VariationalAutoEncoder

    X = np.random.default_rng(3).normal(size=(300, 5)).astype(np.float32)
    vae = VariationalAutoEncoder(hidden=(8, 2), beta=0.25, epochs=2, verbose=0, random_state=0).fit(X)
    rows = X[:20]
    with torch.inference_mode():
        sq, kl = vae.module_._parts(torch.from_numpy(rows), sample=False)
    np.testing.assert_allclose(sq.numpy(), vae.score_features(rows), rtol=1e-5, atol=1e-6)
    want = 0.5 * sq.numpy().sum(axis=1) + 0.25 * kl.numpy()
    assert float(np.abs(kl.numpy()).max()) > 1e-3  # the KL term is there to weigh
    np.testing.assert_allclose(vae.score(rows), want, rtol=1e-5, atol=1e-6)


def test_dspot_update_flags_only_a_deviation_strictly_above_its_cut() -> None:
    # What was wrong: as every rule, DSPOT flags a score strictly above its cut-off (mean of the
    # last `depth` normal scores + z_); no test sent a score exactly on it, and flagging it too
    # (mutation `dev > self.z_` -> `dev >= self.z_` in DSPOT._step) survived.
    from hourglass.thresholds import DSPOT

    s = np.random.default_rng(5).exponential(1.0, 1500)
    s[-5:] = 0.0  # the window's mean is exactly 0: the cut-off is z_ itself, no rounding
    t = DSPOT(q=1e-3, depth=5).fit(s)
    assert t.value_ == t.z_ > 0
    on, above = t.z_, float(np.nextafter(t.z_, np.inf))
    assert t.update([on]).tolist() == [0]
    t2 = DSPOT(q=1e-3, depth=5).fit(s)
    assert t2.update([above]).tolist() == [1]


def test_best_f1_validation_figures_round_trip_through_the_saved_state() -> None:
    # What was wrong: no test loaded a fitted BestF1 back and compared its validation figures;
    # reading the recall from the saved precision (mutation in _load_extra_state) survived, and a
    # loaded model then re-saved (or showed) a recall it never had.
    import json

    from hourglass.thresholds import BestF1
    from hourglass.thresholds.base import threshold_from_dict

    s = np.array([0.95, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01])
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0])
    t = BestF1().fit(s, y)
    again = threshold_from_dict(json.loads(json.dumps(t.to_dict())))
    got = (again.value_, again.best_score_, again.best_precision_, again.best_recall_,
           again.n_normal_, again.n_anomalous_)
    assert got == (t.value_, t.best_score_, 0.75, 1.0, 7, 3)
    assert again.to_dict() == t.to_dict()


def test_calibrated_probability_of_a_tied_normal_score_is_the_share_below_it() -> None:
    # What was wrong: the calibrated probability is the share of normal scores below a score; no
    # test had many normal scores tied on one value (a detector scoring half of the normal rows
    # exactly 0), and counting the tied scores as below it (mutation `side="left"` -> "right" for
    # the knots' share below) survived: the commonest normal score read as probability ~0.5.
    from hourglass.thresholds.calibration import Calibrator

    s = np.r_[np.zeros(500), np.random.default_rng(9).exponential(1.0, 500) + 0.5]
    cal = Calibrator().fit(s)
    p0, p_mid = cal.transform([0.0, float(np.median(s[500:]))]).tolist()
    assert p0 == 0.0  # no normal score lies below 0
    assert p_mid == pytest.approx(0.75, abs=0.01)  # half of them are 0, a quarter more below


def test_series_explanation_says_how_many_times_its_normal_error_a_channel_is_off() -> None:
    # What was wrong: with score_norm="channel" a step's score is the MEAN over its C channels of
    # error / normal error, so a channel's part p of it is p * C times its normal error; no test
    # checked the "× normal" figure, and quoting the part itself (mutation dropping `* n_ch`,
    # here 1.5 and 0.5 where the channels are 6 and 2 times off) survived.
    from hourglass.explain.timeseries import StepErrors, why_steps

    e = StepErrors(pd.RangeIndex(2), np.array([1.0, 4.0]), np.array([0, 1]),
                   np.array([[0.5, 0.5], [1.0, 3.0]]), ["cpu", "disk"],
                   np.array([[0.2, 10.0], [0.3, 990.0]]), np.array([0.1, 2.0]))
    names, texts = why_steps(e, np.array([1]), top=2)
    assert names == ["disk"]
    assert texts == ["disk=990 (75%, 6× normal); cpu=0.3 (25%, 2× normal)"]


def test_dspot_does_not_learn_a_flagged_score_into_its_moving_mean() -> None:
    # What was wrong: DSPOT's moving mean is of the last `depth` NORMAL scores (a streaming rule
    # never learns from what it has just flagged); no test looked at the mean after a flag, and
    # adding the flagged score to the window (mutation in DSPOT._step) survived: one burst then
    # raised the cut-off and hid the next attacks.
    from hourglass.thresholds import DSPOT

    s = np.random.default_rng(4).exponential(1.0, 1500)
    t = DSPOT(q=1e-3, depth=5).fit(s)
    window, value = list(t.window_), t.value_
    assert t.update([value + 100.0, value + 50.0]).tolist() == [1, 1]
    assert list(t.window_) == window
    assert t.value_ == value
