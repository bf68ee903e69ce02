"""The Python API as a notebook user coming from PyOD / scikit-learn calls it, found by an audit
of ``import hourglass``: each case gave a raw numpy/pandas/scikit-learn error, a misleading
message or a silently wrong answer before."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import hourglass
from hourglass import Pipeline, thresholds
from hourglass.detectors import AutoEncoder, DeepLog, Ensemble, LatentIForest, LSTMAutoEncoder
from hourglass.errors import ArtefactError, InputError, NotFittedError
from hourglass.evaluate import (
    alert_volume,
    binary_metrics,
    events,
    per_class_detection,
    point_adjust,
    precision_at_k,
    time_to_detect,
)
from hourglass.features.validation import check_labels

COLS = ["bytes", "packets", "rate", "duration"]


def _ae(**extra: object) -> AutoEncoder:
    return AutoEncoder(**{"hidden": (8, 2), "epochs": 2, "batch_size": 64, "verbose": 0, **extra})


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(240, 2))
    X = (z @ rng.normal(size=(2, 4)) + 0.05 * rng.normal(size=(240, 4))).astype(np.float32)
    return X[:200], X[200:]


@pytest.fixture(scope="module")
def fitted(data: tuple[np.ndarray, np.ndarray]) -> AutoEncoder:
    return _ae().fit(data[0])


# -- inputs ---------------------------------------------------------------------------------------
def test_valid_layouts_and_dtypes_score_exactly_as_float32(
    fitted: AutoEncoder, data: tuple[np.ndarray, np.ndarray]
) -> None:
    Xt = data[1]
    base = fitted.score(Xt)
    wide = np.zeros((2 * len(Xt), 8), dtype=np.float32)
    wide[::2, ::2] = Xt
    for X in (
        Xt.astype(np.float64),
        np.asfortranarray(Xt),
        wide[::2, ::2],
        Xt.tolist(),
        pd.DataFrame(Xt),
        np.ma.masked_array(Xt),
    ):
        assert np.array_equal(fitted.score(X), base)
    assert fitted.score(Xt[:1]).shape == (1,)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.ones((3, 4)) + 1j, "complex numbers are not supported"),
        (pd.DataFrame(np.ones((3, 4)) + 1j, columns=COLS), "column 'bytes' holds complex numbers"),
        (
            sp.csr_matrix(np.ones((3, 4))),
            r"sparse matrices are not supported; pass a dense array \(X.toarray\(\)\)",
        ),
        (
            np.ma.masked_array(np.ones((3, 4)), mask=np.eye(3, 4, dtype=bool)),
            "masked arrays are not supported",
        ),
        (np.array([[1.0, 2.0, 3.0, 1e300]]), r"value 1e\+300 at row 1, column 3 is too large for float32"),
        (
            pd.DataFrame([[1.0, 2.0, 3.0, -1e39]], columns=COLS),
            "value -1e\\+39 at row 1, column 'duration' is too large",
        ),
        ([[1.0, 2.0, 3.0, 4.0], [1.0]], "rows of different lengths"),
        (None, r"expected an array of numbers \(rows × features\), got None"),
        (
            np.full((2, 4), np.datetime64("2024-01-01")),
            r"dates and durations \(dtype datetime64\[D\]\) are not numbers",
        ),
    ],
)
def test_unusable_arrays_are_named(fitted: AutoEncoder, X: object, match: str) -> None:
    # complex values lost their imaginary part, sparse matrices and ragged lists said
    # "setting an array element with a sequence", 1e300 said "NaN or inf", masks were ignored
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning / overflow RuntimeWarning on the way
        with pytest.raises(InputError, match=f"^X: {match}"):
            fitted.score(X)


def test_a_single_row_as_a_1d_array_is_told_to_reshape_as_a_row(
    fitted: AutoEncoder, data: tuple[np.ndarray, np.ndarray]
) -> None:
    # PyOD users call det.predict(x) on one row; the hint said reshape(-1, 1) (one feature)
    with pytest.raises(InputError, match=r"got 1-D of length 4; use X\.reshape\(1, -1\) for a single row"):
        fitted.predict(data[1][0])
    with pytest.raises(
        InputError, match=r"got 1-D of length 3; use X\.reshape\(-1, 1\) for a single feature"
    ):
        fitted.score(data[1][0, :3])


def test_a_repeated_column_name_is_no_pandas_crash(
    fitted: AutoEncoder, data: tuple[np.ndarray, np.ndarray]
) -> None:
    # AttributeError: 'DataFrame' object has no attribute 'dtype' before
    df = pd.DataFrame(data[1], columns=["a", "a", "b", "c"])
    assert np.array_equal(fitted.score(df), fitted.score(data[1]))
    text = pd.concat([pd.DataFrame({"a": ["x"] * len(df)}), df.iloc[:, 1:]], axis=1)
    with pytest.raises(InputError, match=r"column 'a' is not numeric \(dtype"):
        fitted.score(text)


def test_labels_name_the_odd_value_plainly() -> None:
    with pytest.raises(InputError, match=r"found 2$"):  # was np.float64(2.0)
        check_labels([0, 1, 2], 3)
    with pytest.raises(InputError, match=r"found 'attack'$"):
        check_labels(["0", "1", "attack"], 3)


def test_held_out_rows_all_anomalous_is_said_before_training() -> None:
    # 10 rows hold out 1; with random_state=1 it is labelled 1: "Percentile: no scores to fit
    # the threshold on" came after training
    X = np.random.RandomState(0).uniform(size=(10, 3))
    y = np.r_[np.zeros(5), np.ones(5)]
    with pytest.raises(InputError, match=r"^y: every held-out row \(1 of 10\) is labelled an anomaly"):
        _ae(random_state=1).fit(X, y)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"threshold": 0.05}, r"^threshold must be a hourglass Threshold \(e\.g\. thresholds\.Percentile"),
        ({"threshold": thresholds.Percentile}, r"\(an instance, e\.g\. Percentile\(\.\.\.\)\)"),
        ({"random_state": -1}, r"^random_state must be None or an integer in \[0, 2\*\*64\), got -1"),
    ],
)
def test_wrong_threshold_or_seed_is_said_before_training(
    params: dict[str, object],
    match: str,
    data: tuple[np.ndarray, np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a PyOD-style threshold=0.05 was refused only after the whole training run; random_state=-1
    # gave numpy's "expected non-negative integer"
    det = _ae(**params)

    def no_training(*a: object, **k: object) -> None:
        raise AssertionError("trained before the parameters were checked")

    monkeypatch.setattr(det, "_fit", no_training)
    with pytest.raises(ValueError, match=match):
        det.fit(data[0])


# -- feature names ----------------------------------------------------------------------------------
def test_feature_names_are_recorded_and_a_moved_column_is_refused(
    fitted: AutoEncoder, data: tuple[np.ndarray, np.ndarray]
) -> None:
    X, Xt = data
    det = _ae().fit(pd.DataFrame(X, columns=COLS))
    assert det.feature_names_in_.tolist() == COLS
    test = pd.DataFrame(Xt, columns=COLS)
    base = det.score(test)
    assert np.array_equal(base, fitted.score(Xt))  # the names change nothing in the maths
    assert np.array_equal(det.score(Xt), base)  # a bare array is read by position, as fitted
    with pytest.raises(InputError, match=r"^X: the columns are in another order than at fit"):
        det.score(test[COLS[::-1]])  # scored as if bytes were duration before
    with pytest.raises(InputError, match=r"missing 'rate'; not seen at fit 'Rate'"):
        det.score(test.rename(columns={"rate": "Rate"}))
    twin = _ae().set_state(*det.get_state())
    assert twin.feature_names_in_.tolist() == COLS
    with pytest.raises(InputError, match="another order"):
        twin.score(test[COLS[::-1]])
    assert not hasattr(det.fit(X), "feature_names_in_")  # refitted on an array: names forgotten


def test_a_series_detector_refuses_moved_channels() -> None:
    t = np.arange(120)
    df = pd.DataFrame({"cpu": np.sin(t / 5), "mem": np.cos(t / 5)}, dtype=np.float32)
    det = LSTMAutoEncoder(window=8, hidden=4, code=2, epochs=1, verbose=0).fit(df)
    assert det.feature_names_in_.tolist() == ["cpu", "mem"]
    with pytest.raises(InputError, match=r"^series: the columns are in another order"):
        det.score(df[["mem", "cpu"]])


# -- scikit-learn -----------------------------------------------------------------------------------
def _labelled(data: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    X = np.r_[data[0], 3 * np.random.default_rng(1).normal(size=(40, 4)).astype(np.float32)]
    return X, np.r_[np.zeros(200), np.ones(40)]


def test_score_with_labels_points_to_a_scorer(
    fitted: AutoEncoder, data: tuple[np.ndarray, np.ndarray]
) -> None:
    # cross_val_score without scoring= calls score(X, y): "takes 2 positional arguments but 3
    # were given" before
    X, y = _labelled(data)
    with pytest.raises(TypeError, match=r'score\(X\) gives one anomaly score per row.*scoring="roc_auc"'):
        fitted.score(X, y)
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    with pytest.raises(TypeError, match='scoring="roc_auc"'):
        cross_val_score(_ae(), X, y, cv=cv, error_score="raise")
    auc = cross_val_score(_ae(), X, y, cv=cv, scoring="roc_auc", error_score="raise")
    assert auc.shape == (2,) and (auc > 0.5).all()


def test_sklearn_tools_work(data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = _labelled(data)
    det = _ae(lr=2e-3)
    assert clone(det).get_params() == det.get_params()
    assert AutoEncoder().set_params(**det.get_params()).get_params() == det.get_params()
    pipe = make_pipeline(StandardScaler(), _ae()).fit(X[:200])
    assert pipe.decision_function(X).shape == (240,) and set(pipe.predict(X)) <= {0, 1}
    grid = GridSearchCV(
        _ae(),
        {"hidden": [(8, 2), (4, 2)]},
        scoring="roc_auc",
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
        error_score="raise",
    )
    assert grid.fit(X, y).best_params_["hidden"] in ((8, 2), (4, 2))


# -- evaluation -------------------------------------------------------------------------------------
def test_metrics_name_bad_scores_and_arguments() -> None:
    y, s, p = [0, 0, 1, 1], [0.1, float("nan"), 0.3, 0.9], [0, 0, 0, 1]
    with pytest.raises(InputError, match=r"^scores: 1 NaN or infinite score\(s\); first at row 2"):
        binary_metrics(y, s, p)  # scikit-learn's "Input contains NaN." before
    with pytest.raises(InputError, match=r"^scores: expected numbers"):
        binary_metrics(y, ["a", "b", "c", "d"], p)
    with pytest.raises(InputError, match=r"k must be an integer >= 1, got 2\.5"):
        precision_at_k(y, [0.1, 0.2, 0.3, 0.9], 2.5)  # read as 2 before
    assert precision_at_k(y, [0.1, 0.2, 0.3, 0.9], 2.0) == 1.0
    with pytest.raises(InputError, match="events_per_day must be a number > 0, got -1"):
        alert_volume(p, events_per_day=-1)  # -0.25 alerts per day before
    with pytest.raises(InputError, match=r"^y_pred: labels must be 0"):
        per_class_detection(["normal", "dos", "dos", "dos"], [0, 2, 0, 1])


def test_event_metrics_and_thresholds_check_what_they_are_given() -> None:
    # point_adjust([0, 1], [0, 1, 1]) answered for the first two steps; [0, 1, 2] raised zip()'s error
    with pytest.raises(InputError, match=r"^y_pred: has 3 labels for 2 rows"):
        point_adjust([0, 1], [0, 1, 1])
    with pytest.raises(InputError, match=r"^y_true: labels must be 0 \(normal\) or 1 \(anomaly\), found 2"):
        point_adjust([0, 1, 2], [0, 1, 1])
    with pytest.raises(InputError, match=r"^y_pred: has 2 labels for 3 rows"):
        time_to_detect([0, 1, 1], [0, 0])
    assert events([True, True, False]) == [(0, 2)]
    with pytest.raises(InputError, match=r"^Percentile: scores must be numbers"):
        thresholds.Percentile(99).fit(["low", "high"])
    with pytest.raises(
        TypeError, match=r"^threshold spec: expected a string such as 'percentile:99', got int"
    ):
        thresholds.threshold_from_spec(99)  # type: ignore[arg-type]


def test_unfitted_detectors_raise_sklearns_not_fitted_error_too() -> None:
    # hourglass's NotFittedError alone: `except sklearn.exceptions.NotFittedError` missed it
    with pytest.raises(SklearnNotFittedError, match="AutoEncoder is not fitted"):
        _ae().decision_function(np.ones((2, 4)))
    with pytest.raises(NotFittedError):
        _ae().predict(np.ones((2, 4)))


# the checks scikit-learn's estimator_checks run that the detector contract allows; the others pass
# 0/1/2 class labels as y (detectors take 0/1 anomaly labels), expect scikit-learn's own wording,
# score(X, y) to return one number, or decision_function to be bit-identical on a subset (float32)
SKLEARN_CHECKS = {
    "check_estimators_unfitted",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
    "check_estimator_sparse_tag",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_get_params_invariance",
    "check_n_features_in",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_set_params",
    "check_estimators_pickle",
    "check_estimator_cloneable",
    "check_do_not_raise_errors_in_init_or_set_params",
}


def test_sklearn_estimator_checks_that_the_contract_allows_pass() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(_ae(), on_fail=None)
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    assert SKLEARN_CHECKS <= passed, sorted(SKLEARN_CHECKS - passed)


# -- artefacts --------------------------------------------------------------------------------------
def test_save_load_scores_identically_and_refuses_tampering_and_non_paths(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "proto": rng.choice(["tcp", "udp"], 150),
            "bytes": rng.lognormal(5, 1, 150),
            "syn": rng.random(150) > 0.5,
            "svc": pd.Categorical(rng.choice(["a", "b"], 150)),
        }
    )
    df.loc[3, "bytes"] = np.nan
    pipe = Pipeline(_ae(), threshold=thresholds.Percentile(99)).fit(df)
    pipe.save(tmp_path / "m")
    again = hourglass.load(tmp_path / "m")
    assert np.array_equal(again.score(df), pipe.score(df))
    assert np.array_equal(again.predict(df), pipe.predict(df))
    weights = tmp_path / "m" / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"x")
    with pytest.raises(ArtefactError, match="content hash mismatch"):
        hourglass.load(tmp_path / "m")
    # pathlib's "expected str, bytes or os.PathLike object, not int" before
    with pytest.raises(TypeError, match=r"^path: expected a model directory \(str or os.PathLike\), got int"):
        hourglass.load(3)
    with pytest.raises(TypeError, match=r"^path: .*got NoneType"):
        pipe.save(None)  # type: ignore[arg-type]


def test_a_pipeline_given_an_array_says_how_to_make_a_table() -> None:
    with pytest.raises(InputError, match=r"got ndarray; wrap it as pd\.DataFrame\(X, columns="):
        Pipeline(_ae()).fit(np.ones((30, 2)))
    with pytest.raises(InputError, match=r"got Series; make one column a table with series\.to_frame\(\)"):
        Pipeline(_ae()).fit(pd.Series([1.0, 2.0]))


def test_an_events_detector_given_an_event_table_points_to_event_sessions() -> None:
    sessions = [np.array([1, 2, 3, 1, 2, 3])] * 20
    det = DeepLog(window=2, top_g=1, embed=4, hidden=4, layers=1, epochs=1, verbose=0).fit(sessions)
    with pytest.raises(
        InputError,
        match=r"got DataFrame; an event table goes through Pipeline\(detector, features=EventSessions",
    ):
        det.score(pd.DataFrame({"user": ["a"], "event": ["login"]}))


def test_a_wrong_y_val_is_named_before_training(monkeypatch: pytest.MonkeyPatch) -> None:
    # it was called "y" and said only after the detector had trained
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"proto": rng.choice(["tcp", "udp"], 120), "bytes": rng.lognormal(5, 1, 120)})
    val, y_val = df.iloc[:30], (np.arange(30) % 5 == 0).astype(int)

    def no_training(*a: object, **k: object) -> None:
        raise AssertionError("trained before y_val was checked")

    monkeypatch.setattr(AutoEncoder, "fit", no_training)
    pipe = Pipeline(_ae(), threshold=thresholds.BestF1())
    with pytest.raises(InputError, match=r"^y_val: has 5 labels for 30 rows"):
        pipe.fit(df, X_val=val, y_val=y_val[:5])
    with pytest.raises(
        InputError, match=r"^y_val: labels must be 0 \(normal\) or 1 \(anomaly\), found 'attack'"
    ):
        pipe.fit(df, X_val=val, y_val=np.where(y_val, "attack", "normal"))


def test_the_ignored_labels_warning_points_at_the_callers_line() -> None:
    # it pointed at hourglass/detectors/base.py, where a notebook user cannot see what to change
    X = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    det = LatentIForest(hidden=(4, 2), epochs=1, n_estimators=5, verbose=0)
    with pytest.warns(UserWarning, match="LatentIForest does not use labels; y is ignored") as record:
        det.fit(X, np.zeros(60))
    assert record[0].filename == __file__


def test_an_ensemble_member_with_a_mistyped_parameter_is_named_by_position() -> None:
    # Python's "DeepSVDD.__init__() got an unexpected keyword argument 'hiden'" before
    ens = Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}), ("deep-svdd", {"hiden": (4,)})), epochs=1)
    with pytest.raises(
        ValueError, match=r"^detectors\[1\]: deep-svdd has no parameter 'hiden'; it takes .*hidden"
    ):
        ens.fit(np.ones((30, 2)))
