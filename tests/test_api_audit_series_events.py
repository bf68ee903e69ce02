"""The Python API of the time-series, log/event and entity detectors as a notebook user calls it,
found by an audit of ``import hourglass``: each refusal case gave a raw Python/numpy error, a
misleading message or a silently wrong answer before; the round trips and seeds pin what a user
relies on (a saved model scores exactly as the live one, one ``random_state`` one answer)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hourglass
from hourglass import Pipeline
from hourglass.detectors import (
    AutoEncoder,
    DeepLog,
    EventCountAutoEncoder,
    LSTMAutoEncoder,
    SequenceAutoEncoder,
    registry,
)
from hourglass.errors import InputError
from hourglass.evaluate import tsb_sliding_window, vus_roc
from hourglass.features.entity import EntityWindows
from hourglass.features.sessions import EventSessions
from hourglass.features.tabular import TabularPreprocessor
from hourglass.features.timeseries import TimeSeriesPreprocessor

SERIES = ["lstm-ae", "gru-ae", "lstm-forecaster", "tcn-ae", "conv2d-ae", "cnn-lstm", "ganomaly-1d"]


def _series(n: int = 160) -> np.ndarray:
    t = np.arange(n)
    return np.c_[np.sin(t / 5), np.cos(t / 7)].astype(np.float32)


def _frame(n: int = 160) -> pd.DataFrame:
    X = _series(n)
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min"),
                         "a": X[:, 0], "b": X[:, 1]})


def _sessions() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [np.array([1, 2, 3, 4, 5, 6][: rng.integers(3, 7)]) for _ in range(40)]


def _event_table() -> pd.DataFrame:
    return pd.DataFrame({"sess": np.repeat(np.arange(40), 5),
                         "key": np.tile(["open", "read", "write", "close", "exit"], 40),
                         "t": np.arange(200)})


# -- hyper-parameters ---------------------------------------------------------------------------
@pytest.mark.parametrize(("cls", "params", "name"), [
    (LSTMAutoEncoder, {"window": None}, "window"),
    (LSTMAutoEncoder, {"stride": None}, "stride"),
    (registry.get("ganomaly-1d"), {"lr_d": None}, "lr_d"),
    (DeepLog, {"hidden": None}, "hidden"),
    (SequenceAutoEncoder, {"epochs": None}, "epochs"),
    (EventCountAutoEncoder, {"hidden": None}, "hidden"),
    (AutoEncoder, {"lr": None}, "lr"),
])
def test_a_numeric_parameter_set_to_none_is_named(cls: type, params: dict, name: str) -> None:
    # int(None) / float(None) failed deep inside fit with Python's TypeError, no name given
    with pytest.raises(ValueError, match=f"^{name} must be "):
        cls(**params).validate_params()
    data = _sessions() if cls._tags.get("input") == "events" else _series()
    with pytest.raises(ValueError, match=f"^{name} must be "):
        cls(**params, epochs=1, verbose=0).fit(data) if "epochs" not in params else \
            cls(**params, verbose=0).fit(data)


def test_parameters_whose_none_means_something_still_take_it() -> None:
    det = LSTMAutoEncoder(window=8, hidden=4, epochs=1, patience=None, random_state=None, verbose=0)
    assert det.fit(_series()).score(_series()).shape == (160,)
    registry.get("ganomaly")(ema_decay=None).validate_params()  # 'float | None': no averaging


# -- time series ----------------------------------------------------------------------------------
def test_ganomaly1d_needs_two_training_windows() -> None:
    # a window as long as the series: one window, a NaN latent spread, then an IndexError
    det = registry.get("ganomaly-1d")(window=160, epochs=1, verbose=0)
    with pytest.raises(InputError, match=r"1 training window.*needs at least 2"):
        det.fit(_series())


def test_odd_series_inputs_are_refused_by_name() -> None:
    det = LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0).fit(_series())
    X = _series()
    cases = [
        (X[None], "expected a 2-D array"),  # 3-D windows: windows are cut inside
        (X[:, 0], r"X.reshape\(-1, 1\)"),
        (X[:5], "5 time steps, shorter than one window of 8"),
        (np.where(np.arange(160)[:, None] == 5, np.nan, X), "NaN or infinite value.*row 6,"),  # from 1
        (X[:, :1], "has 1 features, but the model was fitted on 2"),
        (X[:0], "no rows"),
    ]
    for bad, msg in cases:
        with pytest.raises(InputError, match=msg):
            det.score(bad)
    # integer and boolean channels are read as numbers
    assert det.score((X * 10).astype(int)).shape == det.score(X > 0).shape == (160,)


@pytest.mark.parametrize("seams", ["80", [80.5], [True]])
def test_seams_that_are_not_whole_steps_are_refused(seams: object) -> None:
    # "80" was read as the steps 8 and 0 ('seams must be steps >= 1, got 80'); 80.5 cut to 80
    with pytest.raises(ValueError, match="seams must be a list of whole steps"):
        LSTMAutoEncoder(window=8, epochs=1, verbose=0).fit(_series(), seams=seams)


def test_preprocessor_refuses_the_timestamp_column_as_a_channel() -> None:
    # it became a scaled channel of epoch numbers: every later time looked new
    with pytest.raises(InputError, match="'ts' is the timestamp column"):
        TimeSeriesPreprocessor(timestamp_col="ts", columns=["ts", "a"]).fit(_frame())


def test_unsorted_times_warn_that_the_output_follows_time_order(caplog: pytest.LogCaptureFixture) -> None:
    df = _frame()
    pre = TimeSeriesPreprocessor(timestamp_col="ts").fit(df)
    with caplog.at_level(logging.WARNING, logger="hourglass.features.timeseries"):
        out = pre.transform(df.iloc[::-1])
    assert np.array_equal(out, pre.transform(df))  # sorted, as documented
    assert "follow the sorted time order, not the input's rows" in caplog.text


@pytest.mark.parametrize(("make", "param", "value"), [
    (lambda v: TabularPreprocessor(drop=v), "drop", "label"),
    (lambda v: TabularPreprocessor(categorical=v), "categorical", "proto"),
    (lambda v: TimeSeriesPreprocessor(drop=v), "drop", "label"),
    (lambda v: TimeSeriesPreprocessor(columns=v), "columns", "a"),
    (lambda v: EntityWindows("src", "ts", numeric=v), "numeric", "bytes"),
    (lambda v: EntityWindows("src", "ts", stats=v), "stats", "sum"),
])
def test_a_bare_string_for_a_list_of_names_is_refused(make, param: str, value: str) -> None:
    # drop="label" was read as the letters l, a, b, e, l: the label silently stayed a feature
    df = pd.DataFrame({"src": ["x", "y"] * 20, "ts": np.arange(40) * 60, "a": np.arange(40.0),
                       "bytes": np.arange(40.0), "proto": ["tcp", "udp"] * 20,
                       "label": [0, 1] * 20})
    with pytest.raises(InputError, match=rf"^{param}: expected a list of names, got the string "
                                         rf"'{value}' \(read as its letters\); write \['{value}'\]"):
        make(value).fit(df)


# -- events -------------------------------------------------------------------------------------
def test_event_keys_that_are_not_integers_are_named() -> None:
    det = DeepLog(window=3, top_g=2, hidden=8, epochs=1, verbose=0).fit(_sessions())
    # an object array (a None, a key past 2**63): the first key was named instead
    with pytest.raises(InputError, match="session 0: keys must be integers, found None"):
        det.score([[1, None]])
    with pytest.raises(InputError, match=r"session 1: key 1180591620717411303424 does not fit a 64-bit"):
        det.score([[1, 2], [1, 2**70]])
    with pytest.raises(InputError, match=r"session 0: keys must be integers, found 'a'"):
        det.score([["a", "b"]])
    with pytest.raises(InputError, match="session 1 is empty"):
        det.score([[1, 2], []])
    with pytest.raises(InputError, match="keys must be >= 0, found -2"):
        det.score([[1, -2]])
    # valid odd inputs: float-valued keys, big keys in int64, unseen keys, a ragged object array
    ragged = np.array([np.array([1, 2]), np.array([1, 2, 3])], dtype=object)
    scores = det.score([[1.0, 2.0], [1, 2**62], [1, 99, 3]])
    assert np.isfinite(scores).all() and scores[1] > 2 and scores[2] > 2  # unseen: above top_g
    assert np.array_equal(det.score(ragged), det.score([[1, 2], [1, 2, 3]]))


def test_a_missing_session_id_does_not_rename_the_other_sessions() -> None:
    # one empty id made the integer column float64: sessions '0.0', '1.0', ... (and a file read
    # in chunks could split one session into '7' and '7.0')
    ev = _event_table()
    pre = EventSessions(session_column="sess", key_column="key").fit(ev)
    gap = ev.assign(sess=ev.sess.where(ev.index != 7))
    assert pre.sessions(gap).ids == pre.sessions(ev).ids == [str(i) for i in range(40)]
    assert pre.sessions(ev.assign(sess=ev.sess + 0.5)).ids[:2] == ["0.5", "1.5"]


@pytest.fixture(scope="module")
def explainers() -> dict[str, object]:
    S = [[1, 2, 3, 4]] * 20
    return {"deeplog": DeepLog(window=3, top_g=2, hidden=8, epochs=1, verbose=0).fit(S),
            "sequence-autoencoder": SequenceAutoEncoder(epochs=1, verbose=0).fit(S),
            "event-count-autoencoder": EventCountAutoEncoder(epochs=1, verbose=0).fit(S),
            "event-ensemble": registry.get("event-ensemble")(verbose=0).fit(S)}


@pytest.mark.parametrize("name", ["deeplog", "sequence-autoencoder", "event-count-autoencoder",
                                  "event-ensemble"])
@pytest.mark.parametrize("top", [-1, 1.5, "3"])
def test_explain_top_must_be_a_count(explainers: dict, name: str, top: object) -> None:
    # -1: torch's 'selected index k out of range' (DeepLog, SequenceAutoEncoder), or every key
    # but the last listed (EventCountAutoEncoder)
    det = explainers[name]
    with pytest.raises(ValueError, match=r"^top must be an integer >= 0"):
        det.explain([[1, 2, 9]], top=top)
    assert det.explain([[1, 2, 9]], top=0)[0]["expected"] == []


# -- evaluation ---------------------------------------------------------------------------------
def test_tsb_sliding_window_refuses_nan_and_text() -> None:
    # NaN gave the default buffer 125 silently; text numpy's 'could not convert string to float'
    with pytest.raises(InputError, match="x: 50 NaN or infinite value"):
        tsb_sliding_window([np.nan] * 50)
    with pytest.raises(InputError, match="x: expected a numeric series"):
        tsb_sliding_window(["a"] * 50)
    assert tsb_sliding_window(np.sin(2 * np.pi * np.arange(2000) / 50)) == 50


def test_tsb_sliding_window_refuses_an_empty_series_and_no_channels() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # [] gave numpy's "Mean of empty slice" RuntimeWarning
        with pytest.raises(InputError, match="x: empty series"):
            tsb_sliding_window([])
    with pytest.raises(InputError, match=r"x: the series has no channels \(shape \(10, 0\)\)"):
        tsb_sliding_window(np.zeros((10, 0)))  # was an IndexError


def test_vus_refuses_text_scores_and_a_buffer_that_is_no_count() -> None:
    y, s = [0, 0, 1, 1, 0, 0, 0, 0], [0, .1, .9, .8, .1, 0, 0, .2]
    with pytest.raises(InputError, match=r"^scores: expected numbers"):  # numpy's ValueError before
        vus_roc(y, ["a"] * 8)
    for bad in (None, "4", True):  # None: int()'s TypeError; True was read as 1
        with pytest.raises(ValueError, match=r"^sliding_window: a whole number of steps >= 0"):
            vus_roc(y, s, sliding_window=bad)
    assert vus_roc(y, s, sliding_window=4.0) == vus_roc(y, s, sliding_window=4)


# -- save/load and seeds, each kind -----------------------------------------------------------------
@pytest.mark.parametrize("name", SERIES)
def test_series_pipeline_round_trip_and_seed(name: str, tmp_path: Path) -> None:
    cls = registry.get(name)
    df = _frame()
    # one epoch is what a round trip needs: GANomaly1D's floor of 400 steps (min_steps) took ~30 s
    extra = {"min_steps": 0} if name == "ganomaly-1d" else {}

    def make() -> Pipeline:
        return Pipeline(detector=cls(window=8, epochs=1, verbose=0, random_state=3, **extra),
                        features=TimeSeriesPreprocessor(timestamp_col="ts"))

    pipe = make().fit(df)
    scores = pipe.score(df)
    pipe.save(tmp_path / "m")
    assert np.array_equal(hourglass.load(tmp_path / "m").score(df), scores)
    assert np.array_equal(make().fit(df).score(df), scores)


@pytest.mark.parametrize("cls", [DeepLog, SequenceAutoEncoder, EventCountAutoEncoder])
def test_event_pipeline_round_trip_and_seed(cls: type, tmp_path: Path) -> None:
    ev = _event_table()

    extra = {"top_g": 2} if cls is DeepLog else {}

    def make() -> Pipeline:
        return Pipeline(detector=cls(epochs=1, verbose=0, random_state=2, **extra),
                        features=EventSessions(session_column="sess", key_column="key", time_column="t"))

    pipe = make().fit(ev)
    scores = pipe.score(ev)
    pipe.save(tmp_path / "m")
    loaded = hourglass.load(tmp_path / "m")
    assert np.array_equal(loaded.score(ev), scores)
    assert np.array_equal(make().fit(ev).score(ev), scores)
    unseen = ev.assign(key=ev.key.where(ev.index != 5, "NEVER-SEEN"))
    assert np.isfinite(loaded.score(unseen)).all()


def test_entity_pipeline_round_trip_and_seed(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"src": rng.choice(list("abcd"), 300), "ts": np.sort(rng.integers(0, 36000, 300)),
                       "bytes": rng.integers(1, 1000, 300), "dport": rng.choice([80, 443, 22], 300)})

    def make() -> Pipeline:
        return Pipeline(detector=AutoEncoder(hidden=(4,), epochs=2, verbose=0, random_state=1),
                        features=EntityWindows("src", "ts", bucket="10min"))

    pipe = make().fit(df)
    scores = pipe.score(df)
    pipe.save(tmp_path / "m")
    assert np.array_equal(hourglass.load(tmp_path / "m").score(df), scores)
    assert np.array_equal(make().fit(df).score(df), scores)
    with pytest.raises(InputError, match="no column 'src' in the data"):
        pipe.score(df.drop(columns="src"))
