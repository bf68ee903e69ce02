"""Regression tests: federated training, its held-out summaries and the Spark scorer."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site, encode, run_federated
from hourglass.distributed.spark import score_partitions
from hourglass.distributed.summaries import share_above, site_summary
from hourglass.errors import InputError
from hourglass.features.tabular import TabularPreprocessor
from hourglass.thresholds import FalseAlarmBound, Percentile


def test_a_site_too_small_for_the_rule_trains_and_sends_no_threshold() -> None:
    # a 9-row site holds out none: it sends no threshold of its own, so a rule needing 59 scores
    # (fitted on the other site's 60 held-out rows) does not stop the run in its first train round
    rng = np.random.default_rng(0)
    det = AutoEncoder(hidden=(2,), epochs=1, verbose=0, validation_fraction=0.2,
                      threshold=FalseAlarmBound(0.05))
    sites = [pd.DataFrame({"a": rng.normal(size=n)}) for n in (300, 9)]
    server = FederatedServer(det, rounds=1).run([Site(d, det) for d in sites])
    pipe = server.pipeline()
    assert pipe.info["federated"]["rows"] == [300, 9]
    assert server.site_summaries_[1]["threshold"] is None
    assert type(pipe.detector_.threshold_) is FalseAlarmBound
    assert pipe.detector_.threshold_.n_fit_ == 60


def test_summaries_give_each_site_the_share_of_its_scores_above_the_threshold(caplog: Any) -> None:
    # read from the calibration's tail, a 3-row site all below the threshold showed 12% above it
    # (and a warning), a 40-row site with none above 1.2%: now the share of its pseudo-scores
    rng = np.random.default_rng(0)
    scores = [rng.exponential(size=40), rng.exponential(size=3), rng.exponential(size=1000)]
    rule = Percentile(99)
    for value in (float(scores[1].max()) * 1.05, float(scores[0].max()) * 1.01, 3.0):
        threshold = Percentile(99).fit(np.arange(300.0))
        threshold.value_ = value
        exact = [float((s > value).mean()) for s in scores]
        server = FederatedServer(AutoEncoder(verbose=0), held_out="summaries")
        server.site_summaries_ = [site_summary(s, rule) for s in scores]
        server.site_names_ = ["a", "b", "c"]
        with caplog.at_level(logging.WARNING, logger="hourglass.distributed.federated"):
            caplog.clear()
            got = [d["flagged"] for d in server._per_site(threshold, warn=True)]
        assert got[:2] == exact[:2]  # thresholds well away from the small sites' scores: exact there
        assert got[2] == pytest.approx(exact[2], abs=2e-3)
        assert ("site b" in caplog.text) is (exact[1] > 0.1)
    # the pseudo-scores are near the scores, not equal (linear between the 1/256-spaced knots):
    # a threshold just above a score may count it above (here 0.975 for 0.95), one score at most
    low = np.sort(scores[0])
    threshold.value_ = float(low[1] + 0.01 * (low[2] - low[1]))
    got_near = share_above(site_summary(scores[0], rule), threshold)
    assert got_near == pytest.approx(float((low > threshold.value_).mean()), abs=1 / 40 + 1e-9)
    assert share_above({"rows": 1, "median": 0.0, "threshold": None, "calibration": None}, threshold) == 0.0


@pytest.mark.parametrize("rule", [Percentile, "p99"])
def test_a_threshold_that_is_no_rule_instance_is_named_not_crashed(rule: Any) -> None:
    # was TypeError (get_params of the class) or AttributeError ('str' has no get_params): a rule
    # set on the detector after the server was built (the server refuses one it is built with)
    det = AutoEncoder(verbose=0)
    server = FederatedServer(det, rounds=1)
    det.threshold = rule
    with pytest.raises(ValueError, match="threshold must be a hourglass Threshold"):
        server.configure(server.n_rounds)  # the scores round sends the rule
    with pytest.raises(ValueError, match="threshold must be a hourglass Threshold"):
        FederatedServer(AutoEncoder(threshold=rule, verbose=0))


def _answered_site() -> tuple[Site, FederatedServer]:
    """A site that has answered the rounds up to the first train round, and its server."""
    det = AutoEncoder(hidden=(2,), epochs=1, verbose=0)
    site = Site(pd.DataFrame({"a": np.random.default_rng(0).normal(size=40)}), det, name="east")
    server = FederatedServer(det, rounds=1)
    for r in (1, 2, 3):
        parameters, config = server.configure(r)
        server.aggregate(r, [site.fit(parameters, config)])
    return site, server


@pytest.mark.parametrize("parameters, config", [
    ([], {"phase": "scales"}),
    ([encode("not a schema")], {"phase": "scales"}),
    ([encode({})], {"phase": "scales"}),
    ([], {"phase": "inputs"}),
    ([], {"phase": "schema", "spec": "5"}),
    (None, {"phase": "scores", "threshold": "not json"}),
    (None, {"phase": "scores", "threshold": "[1]"}),
])
def test_a_site_names_a_server_message_it_cannot_read(parameters: Any, config: dict[str, Any]) -> None:
    # was IndexError, TypeError, KeyError, AttributeError or JSONDecodeError from inside the site
    site, server = _answered_site()
    if parameters is None:
        parameters = server.configure(server.n_rounds)[0]
        config = {**server.configure(server.n_rounds)[1], **config}
    with pytest.raises(InputError, match=r"^site east: "):
        site.fit(parameters, config)


@pytest.mark.parametrize("phase", ["train", "scores"])
def test_a_site_without_the_shared_preprocessing_says_so(phase: str) -> None:
    # a site rebuilt mid-run (no load_inputs): was AttributeError 'Site' object has no attribute 'X_'
    site, server = _answered_site()
    fresh = Site(site.data, site.detector, name="east")
    parameters, config = server.configure(4 if phase == "train" else server.n_rounds)
    with pytest.raises(InputError, match="has not taken the shared preprocessing"):
        fresh.fit(parameters, config)
    fresh.load_inputs(server.features_.to_dict())  # resumed: it answers
    arrays, n, _ = fresh.fit(parameters, config)
    assert len(arrays) == (len(parameters) if phase == "train" else 2) and n > 0


@pytest.mark.parametrize("rows", [0, 6])
def test_spark_names_a_kept_column_the_batch_holds_twice(tmp_path: Path, rows: int) -> None:
    # a join's two 'id' columns: was ValueError "Expected a 1D array, got an array with shape (6, 2)"
    df = pd.DataFrame({"bytes": np.arange(30.0), "proto": ["tcp", "udp"] * 15, "id": range(30)})
    Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(df[["bytes", "proto"]]).save(tmp_path / "m")
    fn = score_partitions(tmp_path / "m", keep=["id"])
    batch = pd.concat([df.head(rows), df[["id"]].head(rows)], axis=1)
    with pytest.raises(InputError, match="the batch has 2 columns named 'id'"):
        list(fn(iter([batch])))
    assert len(next(fn(iter([df.head(rows)])))) == rows


def test_run_federated_names_one_dataframe_given_for_the_list_of_sites() -> None:
    # iterated, the DataFrame gave its column names: "site 1: its rows are of type str"
    df = pd.DataFrame({"a": np.arange(30.0)})
    with pytest.raises(InputError, match=r"expected a list of the sites' DataFrames .* got a DataFrame"):
        run_federated(df, AutoEncoder(hidden=(2,), epochs=1, verbose=0), rounds=1)


@pytest.mark.parametrize("features", [TabularPreprocessor, "minmax", {"scaler": "standard"}])
def test_federated_names_preprocessing_that_is_no_tabular_preprocessor(features: Any) -> None:
    # was TypeError (get_params of the class) or AttributeError ('str' has no get_params)
    det = AutoEncoder(hidden=(2,), epochs=1, verbose=0)
    with pytest.raises(InputError, match="takes a TabularPreprocessor instance"):
        FederatedServer(det, features)
    df = pd.DataFrame({"a": np.arange(30.0)})
    with pytest.raises(InputError, match=r"^site 1: features: .* TabularPreprocessor instance"):
        FederatedServer(det, rounds=1).run([Site(df, det, features)])


def test_a_site_with_the_same_settings_written_otherwise_is_not_refused() -> None:
    # hidden=[8, 4] (as a JSON or TOML config gives it) and max_categories=50.0: the server's
    # settings, refused as "settings differ" (the second naming no setting, both specs in full)
    df = pd.DataFrame({"a": np.random.default_rng(0).normal(size=40)})
    server = FederatedServer(AutoEncoder(hidden=(8, 4), epochs=1, verbose=0),
                             TabularPreprocessor(max_categories=50), rounds=1)
    site = Site(df, AutoEncoder(hidden=[8, 4], epochs=1, verbose=0),  # type: ignore[arg-type]
                TabularPreprocessor(max_categories=50.0))  # type: ignore[arg-type]
    assert server.run([site]).pipeline().info["federated"]["rows"] == [40]
    other = Site(df, AutoEncoder(hidden=[8, 2], epochs=1, verbose=0))  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"settings differ .*\(hidden: site \[8, 2\], server \(8, 4\)\)"):
        FederatedServer(AutoEncoder(hidden=(8, 4), epochs=1, verbose=0), rounds=1).run([other])


@pytest.mark.parametrize("fraction", [0.99, "x"])
def test_a_site_whose_held_out_share_differs_is_told_so_not_to_leave_the_run(fraction: Any) -> None:
    # rows counted with the site's own validation_fraction first: "1 to train on ... leave it out
    # of the run or pool its rows" for 0.99, a bare ValueError (no site named) for "x"
    df = pd.DataFrame({"a": np.arange(100.0)})
    site = Site(df, AutoEncoder(epochs=1, verbose=0, validation_fraction=fraction), name="east")
    with pytest.raises(InputError, match=r"^site east: .*settings differ .*validation_fraction: site"):
        FederatedServer(AutoEncoder(epochs=1, verbose=0), rounds=1).run([site])


def test_evaluate_before_the_inputs_round_says_so() -> None:
    # a strategy that evaluates from round 1: was AttributeError 'Site' object has no attribute 'X_'
    site, server = _answered_site()
    fresh = Site(site.data, site.detector, name="east")
    with pytest.raises(InputError, match=r"^site east: evaluate: this site has not taken the shared "
                                          r"preprocessing"):
        fresh.evaluate(server.configure(4)[0], {})
    loss, n, _ = site.evaluate(server.configure(4)[0], {})
    assert n == 4 and np.isfinite(loss)
