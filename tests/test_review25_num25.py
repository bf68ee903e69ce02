"""The detectors' Python API fuzzed as a notebook user calls it (review 25, num25)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder, DeepLog
from hourglass.detectors.events import EventsInput
from hourglass.errors import InputError, NotFittedError


@pytest.fixture(scope="module")
def fitted_ae() -> AutoEncoder:
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    return AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu").fit(X)


def test_set_params_names_an_unknown_parameter_in_one_line() -> None:
    # What was wrong: scikit-learn's "Invalid parameter 'foo' for estimator AutoEncoder(...)"
    # printed the detector's repr, over several lines for a detector of a few settings, and did
    # not say which parameters there are (as the CLI's --param and an Ensemble member's do).
    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu", batch_norm=False,
                      standardize=False, lr=1e-3, weight_decay=1e-5, patience=2)
    with pytest.raises(ValueError, match=r"^AutoEncoder has no parameter 'foo'; it takes activation,") as exc:
        det.set_params(foo=1)
    assert "\n" not in str(exc.value) and "epochs" in str(exc.value)
    with pytest.raises(ValueError, match=r"^AutoEncoder has no parameter 'foo__bar'"):
        det.set_params(foo__bar=1)
    assert det.set_params(epochs=2, threshold=None).epochs == 2  # known ones still set


@pytest.mark.parametrize("mu", ["a", None, [0.1], True])
def test_warm_start_names_a_proximal_mu_that_is_no_number(fitted_ae: AutoEncoder, mu: object) -> None:
    # What was wrong: warm_start(X, proximal_mu="a") raised float()'s "could not convert string
    # to float: 'a'" (None and a list a TypeError of float()'s), naming no parameter; True
    # trained with a pull of 1.
    X = np.random.default_rng(1).normal(size=(40, 3)).astype(np.float32)
    with pytest.raises(ValueError, match=r"^proximal_mu must be a finite number >= 0, got "):
        fitted_ae.warm_start(X, proximal_mu=mu)


@pytest.mark.parametrize(("key", "shown"), [(10**5000, "of 16610 bits"), (1e300, "1e+300"),
                                            (np.longdouble("1e400"), "1e+400")],
                         ids=["int-5001-digits", "float-1e300", "longdouble-1e400"])
def test_an_event_key_far_beyond_int64_is_named_briefly(key: object, shown: str) -> None:
    # What was wrong: a Python integer key of over 4,300 digits raised Python's own ValueError
    # ("Exceeds the limit (4300 digits) for integer string conversion") instead of the
    # InputError, and a float key of 1e300 was printed as its 301 digits.
    with pytest.raises(InputError, match=rf"^session 0: key {re.escape(shown)} does not fit a 64-bit"):
        EventsInput._pack_raw([[1, key]] if isinstance(key, int) else [np.array([1.0, key])])


@pytest.mark.parametrize(("sessions", "match"), [
    ([[1, 2], None], r"^session 1: expected a sequence of integer keys, got NoneType None$"),
    ([[1, 2], "1 2 3"], r"^session 1: expected a sequence of integer keys, got str '1 2 3'$"),
    ([1, 2, 3], r"^session 0: expected a sequence of integer keys, got int 1; a single session is "
                r"a list of its keys inside the list of sessions \(\[\[1, 2, 3\]\]\)$"),
    (pd.Series([[1, 2], [2, 3]]), r"got Series; a Series of key lists is given as X\.tolist\(\)$"),
])
def test_an_events_input_that_is_no_list_of_key_lists_is_named(sessions: object, match: str) -> None:
    # What was wrong: a session that was None, text or a bare key (one session not wrapped in a
    # list) was "expected a 1-D sequence of integer keys, got shape ()", which said nothing of
    # what it was; a pandas Series of key lists was refused with no word of what to pass.
    with pytest.raises(InputError, match=match):
        DeepLog(window=2, hidden=4, epochs=1, verbose=0).fit(sessions)


@pytest.mark.parametrize("above", ["a", [1.0], float("nan"), True, "1.5"])
def test_next_event_scores_names_an_explain_above_that_is_no_score(above: object) -> None:
    # What was wrong: DeepLog.next_event_scores(h, o, explain_above="a") raised float()'s "could
    # not convert string to float: 'a'" (a list: float()'s TypeError), naming no parameter; NaN,
    # above which no score is, listed no expected keys for any event without a word; "1.5" and
    # True were read as 1.5 and 1.
    det = DeepLog(window=2, top_g=1, hidden=4, layers=1, epochs=1, verbose=0, device="cpu")
    det.fit([np.array([1, 2, 3, 4, 5]), np.array([1, 2, 3, 5])] * 10)
    with pytest.raises(ValueError, match=r"^next_event_scores: explain_above must be None or a number"):
        det.next_event_scores(np.array([[1, 2]]), np.array([9]), explain_above=above)
    out = det.next_event_scores(np.array([[1, 2]]), np.array([9]), explain_above=float("-inf"))
    assert out["expected"][0] is not None  # a number still explains


def test_a_failed_set_state_leaves_the_detector_as_it_was(fitted_ae: AutoEncoder) -> None:
    # What was wrong: set_state set the state's threshold, calibration, held-out scores and
    # n_features_in_ before the weights were refused (another model's state, other params): a
    # fresh detector then read as fitted and score() failed with AttributeError 'module_'; a
    # fitted one kept its own weights and scored against the other model's threshold, silently.
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    other = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu", random_state=3).fit(X * 5)
    meta, arrays = other.get_state()
    fresh = AutoEncoder(hidden=(8, 2), epochs=1, verbose=0, device="cpu")
    with pytest.raises(InputError, match="saved weights do not fit AutoEncoder"):
        fresh.set_state(meta, arrays)
    with pytest.raises(NotFittedError):
        fresh.score(X)
    ae = AutoEncoder(hidden=(8, 2), epochs=1, verbose=0, device="cpu").fit(X)
    scores, threshold = ae.score(X), ae.threshold_.to_dict()
    with pytest.raises(InputError, match="saved weights do not fit AutoEncoder"):
        ae.set_state(meta, arrays)
    assert ae.threshold_.to_dict() == threshold and ae.n_features_in_ == 3
    assert np.array_equal(ae.score(X), scores) and np.array_equal(ae.predict(X), ae.threshold_predict(scores))


def test_set_state_replaces_the_whole_fit(fitted_ae: AutoEncoder) -> None:
    # What was wrong: a state without a gradient baseline (one saved before they existed) kept
    # the baseline of the detector's earlier fit, of other rows and another model.
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    meta, arrays = fitted_ae.get_state()
    arrays = {k: v for k, v in arrays.items() if k != "gradient_baseline"}
    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu").fit(X + 3)
    det.set_state(meta, arrays)
    assert getattr(det, "gradient_baseline_", None) is None
    assert det.why_no_gradients() is not None and np.array_equal(det.score(X), fitted_ae.score(X))


@pytest.mark.parametrize("method", ["threshold_predict", "calibrate", "severity"])
def test_scores_of_none_are_refused(fitted_ae: AutoEncoder, method: str) -> None:
    # What was wrong: numpy reads None as one NaN score, so ae.threshold_predict(None) returned
    # 0 (normal), calibrate(None) [nan] and severity(None) [None], without a word: a variable
    # left unset went through as a decision.
    with pytest.raises(InputError, match=r": scores must be numbers, got None$"):
        getattr(fitted_ae, method)(None)
