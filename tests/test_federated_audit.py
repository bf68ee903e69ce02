"""Federated training as a user drives it: unlike sites, bad inputs refused with one clear error
naming the site, and sites too small for a held-out share."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site, run_federated
from hourglass.errors import InputError


def _site(n: int, seed: int, cats: tuple[str, ...] = ("tcp", "udp")) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"bytes": rng.exponential(100, n), "dur": rng.normal(5, 1, n),
                         "proto": rng.choice(list(cats), n)})


def _det() -> AutoEncoder:
    return AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)


def test_what_is_not_an_hourglass_detector_is_refused_clearly() -> None:
    from sklearn.ensemble import IsolationForest

    sites = [_site(30, 0), _site(30, 1)]
    for det in (AutoEncoder, IsolationForest()):
        with pytest.raises(InputError, match="hourglass detector instance"):
            run_federated(sites, det)  # type: ignore[arg-type]


def test_a_bad_site_gets_one_error_that_names_it() -> None:
    good = [_site(40, 0), _site(30, 1, ("tcp", "udp", "icmp"))]
    bad = {"no rows": good[0].iloc[:0], "its rows are of type ndarray": good[0].to_numpy(),
           r"1 row\(s\), 1 to train on": good[0].iloc[:1]}
    for match, rows in bad.items():
        with pytest.raises(InputError, match=f"^site 3: {match}"):
            run_federated([*good, rows], _det(), rounds=1)
    named = [Site(good[0], _det()), Site(good[1], AutoEncoder(hidden=(8, 2), epochs=1, verbose=0),
                                          name="east")]
    with pytest.raises(InputError, match=r"^site east: .*settings differ .*hidden: site \(8, 2\), "
                                          r"server \(4, 2\)"):
        FederatedServer(_det(), rounds=1).run(named)


def test_a_site_too_small_to_hold_rows_out_trains_without_a_threshold_of_its_own(tmp_path) -> None:
    server = FederatedServer(_det(), rounds=1).run(
        [Site(_site(40, 0), _det()), Site(_site(30, 1), _det()), Site(_site(3, 2, ("icmp",)), _det())])
    pipe = server.pipeline()
    assert pipe.info["federated"]["rows"] == [40, 30, 3]
    assert [s["rows"] for s in pipe.info["federated"]["held_out"]] == [4, 3, 0]
    with pytest.raises(InputError, match="site 3: 0 held-out rows"):
        server.pipeline(site=3)
    for bad in (1.5, 0, 4, True, "north"):
        with pytest.raises(InputError, match="this run has sites 1 to 3"):
            server.pipeline(site=bad)
    assert sorted(server.save(tmp_path / "m")) == ["1", "2", "shared"]


def test_the_rounds_log_their_progress_and_when_the_model_stops_changing(caplog) -> None:
    from hourglass.distributed import federated

    server = FederatedServer(_det(), rounds=2)
    sites = [Site(_site(40, 0), _det()), Site(_site(30, 1), _det())]
    for r in (1, 2, 3):  # the statistics rounds
        parameters, config = server.configure(r)
        server.aggregate(r, [s.fit(parameters, config) for s in sites])
    with caplog.at_level(logging.INFO, logger=federated.__name__):
        parameters, config = server.configure(4)
        # every site sends it back (with its own training rows: the server checks them)
        replies = [(list(parameters), n, {"held_out_loss": 0.5}) for n in server.site_train_rows_]
        server.aggregate(4, replies)
        server.aggregate(5, replies)
    text = caplog.text
    assert "round 1 of 2" in text and "round 2 of 2" in text
    assert text.count("the global model did not change") == 1


def test_sites_whose_columns_differ_are_told_which_and_how() -> None:
    a, b = _site(40, 0), _site(30, 1)
    with pytest.raises(InputError, match=r"^site 2 has other columns than site 1 \(differ: it lacks 'dur'\)"):
        run_federated([a, b.drop(columns="dur")], _det(), rounds=1)
    with pytest.raises(InputError, match=r"differ: it has, unlike site 1, 'extra'\)"):
        run_federated([a, b.assign(extra=1.0)], _det(), rounds=1)
    with pytest.raises(InputError, match=r"column 'dur': the sites read it differently "
                                         r"\(categorical at site 3; numeric at sites 1, 2\)"):
        run_federated([a, b, _site(20, 2).assign(dur="slow")], _det(), rounds=1)


def test_sites_with_unlike_dtypes_orders_categories_and_gaps_share_one_model() -> None:
    a = _site(60, 0)
    b = _site(40, 1, ("tcp", "udp", "icmp"))[["proto", "dur", "bytes"]]  # another order, a new category
    b["proto"] = b["proto"].astype("category")
    c = _site(30, 2, ("tcp",)).assign(bytes=lambda d: d["bytes"].round().astype(int))
    c.loc[:4, "dur"] = np.nan
    c.loc[5, "bytes"], c.loc[6, "dur"] = -3, np.inf  # a negative value, an infinite one
    d = pd.DataFrame({"bytes": 5.0, "dur": 1.0, "proto": "udp"}, index=range(12))  # constant columns
    pipe = run_federated([a, b, c, d], _det(), rounds=1)
    assert pipe.info["federated"]["rows"] == [60, 40, 30, 12]
    assert "icmp" in pipe.features_.categories_["proto"]
    scores = pipe.score(pd.concat([a.head(3), b.head(3), c.head(3)]))
    assert np.isfinite(scores).all()


@pytest.mark.parametrize("bad", [{"rounds": 0}, {"rounds": 1.5}, {"rounds": "3"}, {"rounds": True},
                                 {"local_epochs": 0}, {"local_epochs": -2}, {"local_epochs": 2.5}])
def test_rounds_and_local_epochs_must_be_whole_numbers_from_1(bad: dict) -> None:
    with pytest.raises(ValueError, match=f"{next(iter(bad))} must be a whole number >= 1"):
        run_federated([_site(30, 0)], _det(), **bad)
    assert FederatedServer(_det(), rounds=2.0, local_epochs=np.int64(3)).n_rounds == 6


def test_a_site_with_no_value_in_a_column_takes_the_role_the_others_give_it() -> None:
    from hourglass.features import TabularPreprocessor
    from hourglass.features.statistics import merge_schema, schema_preprocessor, site_schema

    a, b = _site(40, 0), _site(30, 1)
    c = _site(20, 2).assign(proto=None)  # read alone: numeric, "no values (all missing)"
    params = TabularPreprocessor().get_params()
    pre = schema_preprocessor(params, merge_schema([site_schema(params, s) for s in (a, b, c)]))
    pooled = TabularPreprocessor().fit(pd.concat([a, b, c], ignore_index=True))
    assert pre.roles_ == pooled.roles_ and pre.categories_ == pooled.categories_
    pipe = run_federated([a, b, c], _det(), rounds=1)
    assert pipe.features_.roles_["proto"] == "categorical"
    assert np.isfinite(pipe.score(c)).all()


def test_duplicate_column_names_and_values_near_the_float_range_get_no_deep_error() -> None:
    a, b = _site(40, 0), _site(30, 1)
    with pytest.raises(InputError, match=r"^site 2: column names repeat: 'dur'"):
        run_federated([a, pd.concat([b, b[["dur"]]], axis=1)], _det(), rounds=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning, no OverflowError
        pipe = run_federated([a, b, _site(20, 2).assign(bytes=1e300)], _det(), rounds=1)
    assert pipe.info["federated"]["rows"] == [40, 30, 20]


def test_no_site_receives_another_sites_sketches_and_the_model_is_the_same(monkeypatch) -> None:
    from hourglass.distributed import federated

    sites = [_site(40, 0), _site(30, 1, ("tcp", "udp", "icmp"))]
    sites[1].loc[:3, "dur"] = np.nan  # a median to impute
    sent: list = []
    real = federated.Site.fit

    def spy(self, parameters, config):
        if config.get("phase") == "scales":
            sent.append(federated.decode(parameters[0]))
        return real(self, parameters, config)

    monkeypatch.setattr(federated.Site, "fit", spy)
    pipe = run_federated(sites, _det(), rounds=1)
    assert sent and all("sketches" not in m and "counts" not in m
                        for s in sent for m in s["columns"].values() if m["role"] == "numeric")
    monkeypatch.setattr(federated, "shared_schema", lambda merged: merged)  # as before: every sketch sent
    before = run_federated(sites, _det(), rounds=1)
    assert pipe.features_.to_dict() == before.features_.to_dict()
    assert np.array_equal(pipe.score(sites[1]), before.score(sites[1]))


def test_settings_that_cannot_give_a_threshold_or_train_are_refused_before_training() -> None:
    with pytest.raises(ValueError, match="lr must be > 0"):
        FederatedServer(AutoEncoder(lr=-1.0, verbose=0))  # at once, not after the statistics rounds
    server = FederatedServer(_det(), rounds=1)
    sites = [Site(_site(9, 0), _det()), Site(_site(9, 1), _det())]
    parameters, config = server.configure(1)
    with pytest.raises(InputError, match=r"0 held-out rows in all \(sites of 9, 9 rows"):
        server.aggregate(1, [s.fit(parameters, config) for s in sites])  # in round 1, not at the end
    with pytest.raises(InputError, match="raise validation_fraction"):
        run_federated([_site(40, 0), _site(30, 1)], AutoEncoder(validation_fraction=0.0, verbose=0))


def test_a_server_run_again_starts_afresh() -> None:
    server = FederatedServer(_det(), rounds=2)
    server.run([Site(_site(40, 0), _det()), Site(_site(30, 1), _det())])
    first = server.pipeline()
    server.run([Site(_site(40, 0), _det()), Site(_site(30, 1), _det())])
    again = server.pipeline()
    assert len(again.info["federated"]["history"]) == 2
    assert again.info["federated"]["history"] == first.info["federated"]["history"]
    assert np.array_equal(again.detector_.val_scores_, first.detector_.val_scores_)
