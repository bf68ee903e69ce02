"""The common suite every registered detector must pass (STYLE.md item 8).

It enumerates the registry, so a new detector is covered the moment it is registered.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from hourglass.detectors import BaseDetector, registry
from hourglass.errors import InputError, NotFittedError
from hourglass.pipeline.artefact import _decode, _encode

from .conftest import DATA, FAST_PARAMS

NAMES = registry.available()


def make(name: str, **extra: object) -> BaseDetector:
    return registry.get(name)(**{**FAST_PARAMS.get(name, {}), **extra})


def data_for(name: str) -> dict[str, np.ndarray]:
    kind = registry.get(name).get_tags()["input"]
    if kind not in DATA:
        pytest.fail(f"no test data generator for input kind {kind!r} (add one to conftest.DATA)")
    return DATA[kind]()


@pytest.mark.parametrize("name", NAMES)
def test_registry_entry_matches_the_class(name: str) -> None:
    """``hourglass models`` shows the entry's input kind and summary without importing the class:
    they must say what the class's tags and docstring say."""
    entry, cls = registry.entries()[name], registry.get(name)
    assert entry.input == cls.get_tags()["input"], "registry entry: input kind differs from the tag"
    assert entry.summary == registry.docstring_summary(cls), (
        "registry entry: summary differs from the docstring's first paragraph")
    assert registry.name_of(cls) == name
    tags = cls.get_tags()
    can = tuple(c for c, tag in (("labels", "supports_labels"), ("explain", "supports_explain"),
                                 ("onnx", "onnx_export"), ("gradients", "gradients"),
                                 ("retrain", "warm_start")) if tags.get(tag))
    assert registry.CAPABILITIES.get(name, ()) == can, "registry CAPABILITIES differ from the tags"


@pytest.fixture(scope="module", params=NAMES)
def fitted(request: pytest.FixtureRequest) -> tuple[str, BaseDetector, dict[str, np.ndarray]]:
    name = request.param
    data = data_for(name)
    det = make(name)
    assert det.fit(data["train"]) is det, "fit must return self"
    return name, det, data


def test_registry_names_resolve() -> None:
    assert NAMES, "the registry is empty"
    for name in NAMES:
        cls = registry.get(name)
        assert registry.name_of(cls) == name
        assert cls.__doc__, f"{name} has no docstring"
        tags = cls.get_tags()
        assert tags["input"] in {"tabular", "timeseries", "events"}


@pytest.mark.parametrize("name", NAMES)
def test_init_stores_params_and_clone_keeps_them(name: str) -> None:
    det = make(name)
    params = det.get_params(deep=False)
    twin = clone(det)
    assert twin.get_params(deep=False).keys() == params.keys()
    for k, v in params.items():
        assert twin.get_params(deep=False)[k] == v or twin.get_params(deep=False)[k] is v
    det.set_params(random_state=7)
    assert det.get_params()["random_state"] == 7
    assert not any(k.endswith("_") for k in vars(registry.get(name)()))


@pytest.mark.parametrize("name", NAMES)
def test_params_survive_json(name: str) -> None:
    params = make(name).get_params(deep=False)
    assert {k: _decode(_encode(v)) for k, v in params.items()}.keys() == params.keys()


@pytest.mark.parametrize("name", NAMES)
def test_nan_inf_and_fractional_params_are_named_at_fit(name: str) -> None:
    """No numeric hyper-parameter reaches torch (or int()) as NaN/inf or a fractional count."""
    data = data_for(name)
    params = make(name).get_params(deep=False)
    numeric = {k: v for k, v in params.items()
               if isinstance(v, int | float) and not isinstance(v, bool) and k != "verbose"}
    assert numeric, f"{name} has no numeric hyper-parameters?"
    for key, value in numeric.items():
        bad_values = [float("nan"), float("inf")]
        if isinstance(value, int) and not isinstance(registry.get(name)().get_params()[key], float):
            bad_values.append(value + 0.5)
        for bad in bad_values:
            with pytest.raises(ValueError, match=rf"^{key} must be"):
                make(name, **{key: bad}).fit(data["train"])


@pytest.mark.parametrize("name", NAMES)
def test_unfitted_raises(name: str) -> None:
    data = data_for(name)
    with pytest.raises(NotFittedError):
        make(name).score(data["test_normal"])


def test_planted_anomalies_score_higher(fitted) -> None:  # type: ignore[no-untyped-def]
    name, det, data = fitted
    normal = det.score(data["test_normal"])
    anomal = det.score(data["test_anomaly"])
    y = np.r_[np.zeros(len(normal)), np.ones(len(anomal))]
    auc = roc_auc_score(y, np.r_[normal, anomal])
    assert auc > 0.9, f"{name}: ROC-AUC {auc:.3f} on planted anomalies"
    assert set(np.unique(det.predict(data["test_anomaly"]))) <= {0, 1}
    assert det.predict(data["test_anomaly"]).mean() > det.predict(data["test_normal"]).mean()
    assert np.array_equal(det.decision_function(data["test_normal"]), normal)
    proba = det.predict_proba(data["test_anomaly"])  # PyOD's layout: [P(normal), P(anomaly)]
    assert proba.shape == (len(anomal), 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(proba[:, 1], det.calibrate(anomal))


def test_same_seed_same_scores(fitted) -> None:  # type: ignore[no-untyped-def]
    name, det, data = fitted
    again = make(name).fit(data["train"])
    np.testing.assert_allclose(again.score(data["test_anomaly"]), det.score(data["test_anomaly"]),
                               rtol=1e-5, atol=1e-6)


def test_state_round_trip_gives_identical_scores(fitted) -> None:  # type: ignore[no-untyped-def]
    name, det, data = fitted
    meta, arrays = det.get_state()
    twin = make(name).set_state(_decode(_encode(meta)), arrays)
    np.testing.assert_array_equal(twin.score(data["test_anomaly"]), det.score(data["test_anomaly"]))


def test_bad_input_gives_clear_errors(fitted) -> None:  # type: ignore[no-untyped-def]
    name, det, data = fitted
    kind = det.get_tags()["input"]
    if kind == "timeseries":
        bad = data["test_normal"].copy()
        bad[40, 1] = np.nan  # the 41st step: named from 1, as the CLI names rows
        with pytest.raises(InputError, match="row 41,"):
            det.score(bad)
        length = det._length()
        with pytest.raises(InputError, match=rf"has {length - 1} time steps.*window of {length}"):
            det.score(data["test_normal"][:length - 1])
        with pytest.raises(InputError, match="features"):
            det.score(data["test_normal"][:, :-1])
        with pytest.raises(InputError):
            make(name).fit(np.full((50, 3), np.inf))
        return
    if kind == "events":
        sessions = list(data["test_normal"])
        with pytest.raises(InputError, match="session 2 is empty"):
            det.score([*sessions[:2], np.array([], dtype=np.int64)])
        with pytest.raises(InputError, match="session 1: keys must be >= 0"):
            det.score([sessions[0], np.array([1, -3])])
        with pytest.raises(InputError, match="session 0: keys must be integers"):
            det.score([np.array([1.0, np.nan])])
        with pytest.raises(InputError, match="empty"):
            det.score([])
        with pytest.raises(InputError, match="list of key sequences"):
            det.score(np.ones((3, 4), dtype=np.int64))
        with pytest.raises(InputError):
            make(name).fit([np.array([], dtype=np.int64)] * 20)
        # a key never seen in training is scored (as "unknown"), not an error
        assert np.isfinite(det.score([np.array([1, 2, 999])])).all()
        return
    if kind != "tabular":
        pytest.skip(f"no bad-input checks for {kind} input yet")
    bad = data["test_normal"].copy()
    bad[3, 1] = np.nan  # the fourth row: named from 1, as the CLI names rows
    with pytest.raises(InputError, match="row 4,"):
        det.score(bad)
    with pytest.raises(InputError, match="features"):
        det.score(data["test_normal"][:, :-1])
    with pytest.raises(InputError, match="empty"):
        det.score(data["test_normal"][:0])
    with pytest.raises(InputError):
        make(name).fit(np.full((20, 3), np.inf))


def test_warm_start_continues_or_is_refused(fitted) -> None:  # type: ignore[no-untyped-def]
    """Detectors tagged ``warm_start`` continue from their weights into a new fitted detector
    (the parent unchanged, the planted anomalies still found); the others refuse in one line."""
    name, det, data = fitted
    before = det.score(data["test_normal"])
    if not det.get_tags()["warm_start"]:
        with pytest.raises(InputError, match="cannot continue training") as info:
            det.warm_start(data["train"])
        assert "\n" not in str(info.value) and "autoencoder" in str(info.value)
        return
    assert det.get_tags()["input"] in ("tabular", "timeseries", "events"), "warm start: tables, series, logs"
    new = det.warm_start(data["train"], epochs=2)
    assert new is not det and isinstance(new, type(det))
    assert np.array_equal(det.score(data["test_normal"]), before), "the parent must not change"
    normal, anomal = new.score(data["test_normal"]), new.score(data["test_anomaly"])
    auc = roc_auc_score(np.r_[np.zeros(len(normal)), np.ones(len(anomal))], np.r_[normal, anomal])
    assert auc > 0.9, f"{name}: ROC-AUC {auc:.3f} after a warm start"
    assert new.get_params()["epochs"] == 2 and det.get_params()["epochs"] != 2
    if det.get_tags()["input"] == "timeseries":  # the stream threshold follows the new tail
        tail = data["train"][int(new.val_index_[0]):]
        assert len(new.val_index_) and np.allclose(new.stream_val_scores_, new.window_scores(tail))
