"""The fitted objects besides the detectors keep the estimator contract: a refit equals a fresh
fit, nothing is used before fit without the project's NotFittedError, inputs stay as given."""

import copy
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline, load, thresholds
from hourglass.detectors import AutoEncoder
from hourglass.errors import InputError, NotFittedError
from hourglass.features import EntityWindows, EventSessions, TabularPreprocessor
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest.logs import LogParser


def _table(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"bytes": rng.exponential(100, n) + shift, "pkts": rng.integers(0, 50, n),
                         "proto": rng.choice(["tcp", "udp", "icmp"], n),
                         "rate": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n))})


def _lines(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    ops = ["open", "read", "close", "write"] if seed else ["start", "stop", "ping"]
    return [f"{ops[rng.integers(len(ops))]} blk_{rng.integers(8)} done {rng.integers(1000)}"
            for _ in range(n)]


def _pipeline() -> Pipeline:
    return Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0))


def test_a_loaded_pipeline_fitted_again_names_no_artefact_as_its_parent(tmp_path: Path) -> None:
    # what was wrong: load(model).fit(new_rows) kept artefact_ (the path and content hash of the
    # folder it was read from), so its warm_start() recorded that artefact as the parent
    # (info["warm_start"]["parent"]["content_hash"], beside the n_train_rows of the refit) and
    # with_threshold() named it in rethresholded_from: another model's; now a refit is no
    # artefact's, as a fresh fit is (a refused refit still leaves the loaded one as it was)
    _pipeline().fit(_table(120, 0)).save(tmp_path / "m")
    pipe = load(tmp_path / "m")
    with pytest.raises(InputError):
        pipe.fit(pd.DataFrame())
    assert pipe.artefact_["path"] == str(tmp_path / "m")
    pipe.fit(_table(100, 1, 20.0))
    assert not hasattr(pipe, "artefact_")
    parent = pipe.warm_start(_table(60, 2), epochs=1).info["warm_start"]["parent"]
    assert parent["content_hash"] is None and parent["path"] is None and parent["n_train_rows"] == 100
    rethresholded = pipe.with_threshold("percentile:90").info["rethresholded_from"]
    assert rethresholded["content_hash"] is None
    # a loaded pipeline warm-started or re-thresholded without a refit still names its artefact
    loaded = load(tmp_path / "m")
    assert loaded.warm_start(_table(60, 2), epochs=1).info["warm_start"]["parent"]["content_hash"] \
        == loaded.artefact_["content_hash"]


def test_a_pipeline_fitted_again_warns_as_a_fresh_one(caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: the warnings a pipeline gives once (columns it ignores, a Zeek log's T/F
    # words read as booleans) were flagged on the object and kept through a refit, so after
    # pipe.fit(rows) the same score call warned nothing where a freshly fitted pipeline warned;
    # a refit now warns as a fresh fit does
    table = pd.DataFrame({"n": np.arange(40.0), "flag": ["T", "F"] * 20})
    later = pd.DataFrame({"n": [1.0], "flag": [True], "note": ["x"]})
    pipe = _pipeline().fit(table)
    pipe.info["dataset"] = "zeek-conn"
    said = []
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="hourglass"):
            pipe.score(later)
        said.append(sorted(r.getMessage()[:30] for r in caplog.records))
        pipe.fit(table)
    assert said[0] == said[1] == ["column(s) flag: booleans read ", "ignoring 1 column(s) the model"]


def test_a_log_parser_fitted_again_says_its_logs_mixed_epoch_units(caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: LogParser said once per object that a header's timestamps mix epoch units
    # (seconds and milliseconds); fitted again on another such log it said nothing, where a
    # fresh parser fitted on that log said it; a refit now says it as a fresh fit does
    fmt = r"(?P<timestamp>\d+) (?P<content>.*)"
    first = ["1700000000 open 1", "1700000001000 open 2", "1700000002 close 3"]
    second = ["1700000100 read 1", "1700000101000 read 2"]
    parser = LogParser(fmt).fit(first)
    said = []
    for fitted in (lambda: parser.fit(second), lambda: LogParser(fmt).fit(second)):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="hourglass"):
            fitted()
        said.append([r.getMessage() for r in caplog.records if "mixes epoch units" in r.getMessage()])
    assert len(said[0]) == 1 and said[0] == said[1]


@pytest.mark.parametrize("rule", [thresholds.SPOT(1e-2, refit_every=5),
                                  thresholds.DSPOT(1e-2, depth=10, refit_every=5)],
                         ids=["SPOT", "DSPOT"])
def test_a_streaming_rule_fitted_again_keeps_no_cut_offs_of_the_last_stream(
        rule: thresholds.SPOT) -> None:
    # what was wrong: SPOT/DSPOT fit, update(stream) then fit again kept cutoffs_, the cut-off
    # each score of the old stream met under the old fit, where a fresh fit has none; a refit
    # now holds exactly the attributes (and the state) of a fresh fit
    rng = np.random.default_rng(0)
    first, second = rng.exponential(size=2000), rng.exponential(size=1500) * 3 + 1
    refit = copy.deepcopy(rule).fit(first)
    refit.update(rng.exponential(size=300))
    assert refit.cutoffs_.size == 300
    refit.fit(second)
    fresh = copy.deepcopy(rule).fit(second)
    assert not hasattr(refit, "cutoffs_")
    assert set(vars(refit)) == set(vars(fresh)) and refit.to_dict() == fresh.to_dict()
    more = rng.exponential(size=200) * 3 + 1
    assert np.array_equal(refit.update(more), fresh.update(more))
    assert np.array_equal(refit.cutoffs_, fresh.cutoffs_)


_TS = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=30, freq="1min").astype(str),
                    "cpu": np.arange(30.0)})
_FLOWS = pd.DataFrame({"src": ["a", "b"] * 10, "ts": np.arange(20) * 60, "bytes": np.arange(20.0)})
_EVENTS = pd.DataFrame({"user": ["a", "b", "a"], "event": ["login", "read", "exit"]})


@pytest.mark.parametrize(("make", "call"), [
    (TabularPreprocessor, lambda p: p.extra_columns(_table(5, 0))),
    (TabularPreprocessor, lambda p: p.unreadable_rows(_table(5, 0))),
    (TabularPreprocessor, lambda p: p.read_as_missing("proto", pd.Series(["tcp", None]))),
    (lambda: EntityWindows("src", "ts"), lambda p: p.extra_columns(_FLOWS)),
    (lambda: TimeSeriesPreprocessor(timestamp_col="ts"), lambda p: p.extra_columns(_TS)),
    (lambda: EventSessions(session_regex=r"blk_\d+"), lambda p: p.templates()),
    (lambda: EventSessions(session_column="user", key_column="event"), lambda p: p.templates()),
    (LogParser, lambda p: p.templates()),
], ids=["tabular-extra_columns", "tabular-unreadable_rows", "tabular-read_as_missing",
        "entity-extra_columns", "series-extra_columns", "log-sessions-templates",
        "table-sessions-templates", "log-parser-templates"])
def test_preprocessing_used_before_fit_says_it_is_not_fitted(make: Any, call: Any) -> None:
    # what was wrong: these public methods of an unfitted preprocessing raised a bare
    # AttributeError naming a fitted attribute ("'TabularPreprocessor' object has no attribute
    # 'columns_'", "... no attribute 'drain_'"); now the project's NotFittedError (an
    # AttributeError still), which says to fit first, as their transform already did
    with pytest.raises(NotFittedError, match=r"is not fitted; call fit\("):
        call(make())


def test_an_unfitted_log_parser_raises_not_fitted_error_and_input_error_as_before() -> None:
    # what was wrong: LogParser.parse/parse_chunks/key_chunks/learn_chunks/parse_fields/to_dict
    # before fit raised a plain InputError, not the project's NotFittedError that every other
    # fitted object raises; now an error that is both (a caller catching InputError still does)
    parser = LogParser("raw")
    calls = [lambda: parser.parse(["a 1"]), lambda: list(parser.parse_chunks(["a 1"])),
             lambda: list(parser.key_chunks(["a 1"])), lambda: list(parser.learn_chunks(["a 1"])),
             lambda: parser.parse_fields(["a 1"]), parser.to_dict]
    for call in calls:
        with pytest.raises(NotFittedError, match="LogParser is not fitted") as caught:
            call()
        assert isinstance(caught.value, InputError)
    assert parser.fit(["a 1", "a 2"]).templates() == {1: "a <NUM>"}


@pytest.mark.parametrize(("make", "first", "second", "out"), [
    (lambda: TabularPreprocessor(scaler="quantile", log1p=["bytes"]), _table(200, 0), _table(150, 1, 50.0),
     lambda p, X: p.transform(X).tolist()),
    (lambda: EntityWindows("src", "ts", bucket="5min"), _FLOWS, _FLOWS.assign(bytes=_FLOWS["bytes"] * 3),
     lambda p, X: p.transform(X).tolist()),
    (lambda: TimeSeriesPreprocessor(timestamp_col="ts"), _TS, _TS.assign(cpu=_TS["cpu"] ** 2),
     lambda p, X: p.transform(X).tolist()),
    (lambda: EventSessions(session_regex=r"blk_\d+"), _lines(200, 1), _lines(150, 0),
     lambda p, X: [s.tolist() for s in p.transform(X)]),
    (lambda: LogParser("raw"), _lines(200, 1), _lines(150, 0),
     lambda p, X: p.parse(X)[["key", "template"]].values.tolist()),
], ids=["tabular", "entity", "series", "log-sessions", "log-parser"])
def test_preprocessing_refit_equals_a_fresh_fit_and_leaves_its_inputs(
        make: Any, first: Any, second: Any, out: Any) -> None:
    # pin (no defect found): fit on A then on B equals a fresh fit on B (saved state, output), so
    # does a fit of one rebuilt from get_params() and of one loaded and fitted again; fit and
    # transform leave the frame or list of lines (values, dtypes, index) and the settings as given
    kept, params = copy.deepcopy(first), copy.deepcopy(make().get_params())
    pre = make()
    assert pre.fit(first) is pre
    out(pre, first)
    assert pre.get_params() == params
    if isinstance(first, pd.DataFrame):
        pd.testing.assert_frame_equal(first, kept)
    else:
        assert first == kept
    fresh = make().fit(second)
    for other in (pre.fit(second), type(pre)(**pre.get_params()).fit(second),
                  type(pre).from_dict(make().fit(first).to_dict()).fit(second)):
        assert other.to_dict() == fresh.to_dict()
        assert out(other, second) == out(fresh, second)


def test_threshold_rules_and_calibrator_refit_equals_a_fresh_fit() -> None:
    # pin (no defect found): every rule of threshold_from_spec, and the Calibrator, fitted on A
    # then on B (a saved one loaded too) equal one fitted on B alone, and leave the scores as given
    rng = np.random.default_rng(1)
    a, b = rng.exponential(size=3000), rng.exponential(size=2500) * 2 + 1
    ya, yb = (rng.random(3000) < 0.05).astype(int), (rng.random(2500) < 0.05).astype(int)
    specs = ["percentile:99", "contamination:0.02", "fixed:3", "pot:1e-3", "fpr:0.01",
             "budget:5/10k", "best-fbeta:0.5", "best-f1"]

    def fit(rule: thresholds.Threshold, scores: np.ndarray, y: np.ndarray) -> thresholds.Threshold:
        return rule.fit(scores, y) if rule.requires_labels else rule.fit(scores)

    for spec in specs:
        rule = thresholds.threshold_from_spec(spec)
        kept = a.copy()
        refit = fit(copy.deepcopy(rule), a, ya)
        assert np.array_equal(a, kept)
        loaded = thresholds.threshold_from_dict(refit.to_dict())
        fresh = fit(copy.deepcopy(rule), b, yb)
        for other in (fit(refit, b, yb), fit(loaded, b, yb)):
            assert other.to_dict() == fresh.to_dict(), spec
            assert set(vars(other)) == set(vars(fresh)), spec
    cal = thresholds.Calibrator().fit(a)
    fresh_cal = thresholds.Calibrator().fit(b)
    assert cal.fit(b).to_dict() == fresh_cal.to_dict()
    assert thresholds.Calibrator.from_dict(cal.to_dict()).fit(b).to_dict() == fresh_cal.to_dict()
