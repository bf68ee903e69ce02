"""A refused parameter, through the Python API, is an ``InputError`` (a ``ValueError``) that names
it as ``param``: every registered detector's, every threshold rule's, the preprocessors', a
``Pipeline``'s, a federated run's and a warm start's; and a value of the wrong kind (text, a flag,
a fraction for a count) is refused, not taken."""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder, Ensemble, registry
from hourglass.distributed.federated import FederatedServer
from hourglass.errors import InputError
from hourglass.features import EntityWindows, EventSessions, TabularPreprocessor
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest.logs import LogParser
from hourglass.thresholds import (
    DSPOT,
    POT,
    SPOT,
    AlertBudget,
    AlertRateMonitor,
    BestFBeta,
    Calibrator,
    Contamination,
    FalseAlarmBound,
    Fixed,
    Percentile,
)

from ._cli import one_line_error


def _refused(call: Any, param: str | tuple[str, ...]) -> InputError:
    with pytest.raises(InputError) as info:
        call()
    assert isinstance(info.value, ValueError)  # scikit-learn's `except ValueError` still catches it
    assert info.value.param == param, (str(info.value), info.value.param)
    return info.value


def _bad_values(default: object) -> list[object]:
    """Values of each wrong kind for a parameter whose default is ``default``."""
    if isinstance(default, bool):
        return ["no", 2, None, math.nan]
    if isinstance(default, int):
        return ["x", 2.5, math.nan, math.inf, True, -1, None, []]
    if isinstance(default, float):
        return ["x", math.nan, math.inf, True, None, []]
    if isinstance(default, str):
        return ["bogus", 1, None]
    if isinstance(default, tuple) and default and all(isinstance(d, int) for d in default):
        return [[], [0], [-1], [2.5], "x", 5, [True], None]
    return []


# a detector's parameter that takes each of these values (a verbosity, a seed of None, ...)
_TAKEN = {("verbose", "-1"), ("random_state", "None"), ("patience", "None"), ("ema_decay", "None")}


@pytest.mark.parametrize("name", registry.available())
def test_every_detector_parameter_refused_as_input_error_naming_it(name: str) -> None:
    # what was wrong: every detector's own checks raised a bare ValueError (AutoEncoder(epochs=-1),
    # lr='x', hidden=[]; param unset), the device's named no parameter, EncoderGAN(ema_decay='x')
    # was float()'s "could not convert string to float" and ema_decay=[] a TypeError
    cls = registry.get(name)
    checked = 0
    for param, p in inspect.signature(cls).parameters.items():
        if param in ("threshold", "detectors"):
            continue
        for value in _bad_values(p.default):
            if (param, repr(value)) in _TAKEN or (param == "verbose" and value != "x"):
                continue
            _refused(lambda p=param, v=value: cls(**{p: v}).validate_params(), param)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("cls", [AutoEncoder, Ensemble])
def test_device_refused_naming_device(cls: type) -> None:
    # what was wrong: device='tpu' named no parameter (param None); an Ensemble blamed its first
    # member (param 'detectors', "detectors[0] (autoencoder): device: ...") for its own setting
    _refused(lambda: cls(device="tpu").validate_params(), "device")


@pytest.mark.parametrize(("cls", "base", "cases"), [
    (Percentile, {}, {"q": [150, "x", math.nan, True, None]}),
    (FalseAlarmBound, {}, {"alpha": [2.0, "x"], "confidence": [0.0, None]}),
    (Contamination, {}, {"c": [0.9, "x"]}),
    (Fixed, {}, {"value": ["x", math.inf, True]}),
    (POT, {}, {"q": [2.0, "x"], "level": [0.0, None], "min_peaks": [1, 2.5]}),
    (SPOT, {}, {"refit_every": [0, "x"], "max_peaks": [3]}),
    (DSPOT, {}, {"depth": [0, 2.5]}),
    (AlertBudget, {"events_per_day": 1e4}, {"n": [-1.0, "x"], "per": ["week"], "min_tail": [0, True],
                                            "events_per_day": [-5.0, "x"]}),
    (BestFBeta, {}, {"beta": [0.0, "x"]}),
])
def test_threshold_rule_parameters_name_themselves(cls: type, base: dict[str, Any],
                                                   cases: dict[str, list[object]]) -> None:
    # what was wrong: a rule's range check ("Percentile: q must be in (0, 100)") named no
    # parameter (param None); its kind check did
    for param, values in cases.items():
        for value in values:
            _refused(lambda p=param, v=value: cls(**{**base, p: v}).check_params(), param)


def test_calibrator_and_alert_rate_monitor_refuse_wrong_kinds() -> None:
    # what was wrong: Calibrator(level='x') was float()'s bare "could not convert string to float",
    # severity_cuts=5 a TypeError; AlertRateMonitor(window=2.5) watched 2 rows, window=True one,
    # expected='x' was float()'s error
    scores = np.linspace(0.0, 1.0, 50)
    _refused(lambda: Calibrator(level="x").fit(scores), "level")
    _refused(lambda: Calibrator(severity_cuts=5).fit(scores), "severity_cuts")  # type: ignore[arg-type]
    _refused(lambda: Calibrator(n_knots=2.5).fit(scores), "n_knots")  # type: ignore[arg-type]
    _refused(lambda: AlertRateMonitor(0.01, window=2.5), "window")  # type: ignore[arg-type]
    _refused(lambda: AlertRateMonitor(0.01, window=True), "window")
    _refused(lambda: AlertRateMonitor("x"), "expected")  # type: ignore[arg-type]
    _refused(lambda: AlertRateMonitor(0.01, min_rows=2.5), "min_rows")  # type: ignore[arg-type]
    assert AlertRateMonitor(0.01, window=10, n_ref=None, min_rows=None).window == 10


def _table() -> pd.DataFrame:
    return pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})


def _series() -> pd.DataFrame:
    t = pd.date_range("2024-01-01", periods=60, freq="min").astype(str)
    return pd.DataFrame({"ts": t, "x": np.sin(np.arange(60) / 5), "y": np.cos(np.arange(60) / 5)})


def _entities() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"src": rng.choice(["h1", "h2"], 80),
                         "ts": pd.date_range("2024-01-01", periods=80, freq="20s").astype(str),
                         "bytes": rng.normal(size=80)})


_LINES = [f"081109 2035{i % 60:02d} 148 INFO dfs.DataNode: Receiving block blk_{i % 7}" for i in range(40)]


@pytest.mark.parametrize(("make", "data", "param"), [
    # missing_mask="no" and top_share="no" were read as true (get_params gave bool(...) to the check)
    # TabularPreprocessor's range checks named no parameter (param None)
    (lambda: TabularPreprocessor(max_categories=0), _table, "max_categories"),
    (lambda: TabularPreprocessor(min_frequency=0.0), _table, "min_frequency"),
    (lambda: TabularPreprocessor(max_corr=1.5), _table, "max_corr"),
    (lambda: TimeSeriesPreprocessor("ts", missing_mask="no"), _series, "missing_mask"),
    (lambda: TimeSeriesPreprocessor("ts", missing_mask=None), _series, "missing_mask"),
    (lambda: TimeSeriesPreprocessor("ts", freq=5), _series, "freq"),  # pandas' TypeError
    (lambda: TimeSeriesPreprocessor("ts", columns=5), _series, "columns"),  # 'int' is not iterable
    (lambda: EntityWindows("src", "ts", top_share="no"), _entities, "top_share"),
    (lambda: EntityWindows("src", "ts", roles="x"), _entities, "roles"),  # AttributeError 'items'
    (lambda: EntityWindows("src", "ts", stats=None), _entities, "stats"),  # TypeError
    # window=True made one-second sessions; session_regex=5 was re's TypeError
    (lambda: EventSessions("hdfs", window=True), lambda: _LINES, "window"),
    (lambda: EventSessions("hdfs", session_regex=5), lambda: _LINES, "session_regex"),
    # a bare ValueError (sim_th, depth), int(None)'s TypeError, re's TypeError for format/masks
    (lambda: LogParser("hdfs", sim_th=0.0), lambda: _LINES, "sim_th"),
    (lambda: LogParser("hdfs", depth=None), lambda: _LINES, "depth"),
    (lambda: LogParser("hdfs", rules=99), lambda: _LINES, "rules"),
    (lambda: LogParser(None), lambda: _LINES, "format"),
    (lambda: LogParser("hdfs", masks=5), lambda: _LINES, "masks"),
    (lambda: LogParser("hdfs", strict=None), lambda: _LINES, "strict"),
])
def test_preprocessor_parameters_of_a_wrong_kind_refused(make: Any, data: Any, param: str) -> None:
    # what was wrong: see each case (taken silently, or a TypeError / bare ValueError naming nothing)
    _refused(lambda: make().fit(data()), param)


def test_a_saved_log_parser_with_strict_none_still_loads() -> None:
    # what was wrong: nothing; pins that the new refusal of strict=None at fit leaves a parser
    # saved so (read as false then) loading as it did
    saved = LogParser("hdfs").fit(_LINES).to_dict()
    saved["params"]["strict"] = None
    assert LogParser.from_dict(saved).strict is None


def test_pipeline_federated_and_warm_start_name_the_parameter() -> None:
    # what was wrong: Pipeline(detector='x'), FederatedServer(rounds=0, weighting='x') raised a bare
    # ValueError; warm_start(update_batch_norm="no") was taken as a choice to update (bool("no"))
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1.0, 0.0, 1.0]})
    _refused(lambda: Pipeline(detector="autoencoder").fit(frame), "detector")  # type: ignore[arg-type]
    _refused(lambda: Pipeline(features=5).fit(frame), "features")
    ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)
    _refused(lambda: FederatedServer(ae, rounds=0), "rounds")
    _refused(lambda: FederatedServer(ae, weighting="x"), "weighting")
    _refused(lambda: FederatedServer(ae, proximal_mu=-1.0), "proximal_mu")
    _refused(lambda: FederatedServer("autoencoder"), "detector")  # type: ignore[arg-type]
    _refused(lambda: FederatedServer(ae, features="standard"), "features")  # type: ignore[arg-type]
    X = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    fitted = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, batch_norm=False).fit(X)
    for value in ("no", None, math.nan, 2):
        _refused(lambda v=value: fitted.warm_start(X, update_batch_norm=v), "update_batch_norm")
    _refused(lambda: fitted.warm_start(X, dropout=0.5), "dropout")  # a shape setting: not in a warm start
    _refused(lambda: fitted.warm_start(X, epochs=2.5), "epochs")


def test_cli_param_of_a_none_default_names_it(tmp_path: Any) -> None:
    # what was wrong: 'hourglass train -m encoder-gan --param ema_decay=x' said "--param ema_decay:
    # invalid value (could not convert string to float: 'x')"; ema_decay=[] was a TypeError there
    data = tmp_path / "t.csv"
    pd.DataFrame(np.random.default_rng(0).normal(size=(30, 3)), columns=list("abc")).to_csv(data, index=False)
    out = tmp_path / "m"
    one_line_error(["train", str(data), "-m", "encoder-gan", "-o", str(out), "--param", "ema_decay=x"],
                   "ema_decay must be a number or None, got 'x'", out)
    one_line_error(["train", str(data), "-o", str(out), "--lr", "-1"], "--lr must be > 0, got -1.0", out)


_SIZES = ("hidden", "code", "embed", "filters", "channels", "latent_dim", "num_layers", "layers",
          "kernel_size")


@pytest.mark.parametrize("name", [n for n in registry.available()
                                  if set(_SIZES) & set(registry.get(n)().get_params())])
def test_a_network_size_past_what_torch_holds_is_refused_naming_it(name: str) -> None:
    # what was wrong: LSTMAutoEncoder(code=10**30).fit(X) and TCNAutoEncoder(kernel_size=10**30)
    # were torch's TypeError ("Overflow when unpacking long long") while building the network,
    # a traceback from 'hourglass train -m lstm-ae --param code=1000000000000000000000000000000'
    cls = registry.get(name)
    params = cls().get_params()
    sizes = [k for k in _SIZES if k in params]
    for key in sizes:
        value = (4, 10**30) if isinstance(params[key], tuple) else 10**30
        _refused(lambda k=key, v=value: cls(**{k: v}).validate_params(), key)
