"""Regression tests: federated training (its rounds, messages and saved models) and the Spark scorer."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline, load
from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site, run_federated
from hourglass.distributed.spark import score_partitions
from hourglass.errors import InputError
from hourglass.features.tabular import TabularPreprocessor
from hourglass.serve.scoring import TableScorer


def _det(**kw: Any) -> AutoEncoder:
    return AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0, **kw)


def test_a_run_logs_no_note_of_the_thresholds_it_throws_away(caplog: Any) -> None:
    # every round rebuilt the global model with a placeholder threshold fitted on 2 made-up
    # scores and each site's local epochs fitted one more: 600 held-out rows in all logged
    # "percentile 99 of 2 held-out normal scores: expect about 33.7% ..." round after round
    rng = np.random.default_rng(0)
    sites = [pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)}) for n in (3000, 3000)]
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        run_federated(sites, _det(), rounds=2)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_small_site_adds_no_note_of_its_local_threshold(caplog: Any) -> None:
    # a 5-row site holds none out: its local epochs' threshold (thrown away) said "no held-out
    # rows, so the threshold is fitted on training scores" every round; the shared threshold's
    # own note (10 held-out scores in all), and that of the other site's own (its 10), stay
    rng = np.random.default_rng(1)
    sites = [pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)}) for n in (100, 5)]
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pipe = run_federated(sites, _det(), rounds=2)
    notes = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert pipe.detector_.threshold_.n_fit_ == 10
    assert len(notes) == 2 and all("percentile 99 of 10 held-out normal scores" in n for n in notes), notes


def test_a_federated_model_lets_a_row_leave_out_a_field_the_sites_had_missing(tmp_path: Path) -> None:
    # a pooled fit records the columns with missing values (Elastic leaves an empty field out of
    # a row): the federated model recorded none, so the service refused a row without 'geo'
    rng = np.random.default_rng(0)
    sites = [pd.DataFrame({"bytes": rng.exponential(100, n), "geo": rng.choice(["FR", "DE", None], n),
                           "port": rng.choice(["80", "443", "-"], n), "proto": rng.choice(["tcp", "udp"], n)})
             for n in (200, 100)]
    pre = TabularPreprocessor(roles={"port": "port"})
    pipe = run_federated(sites, _det(), pre, rounds=1)
    pooled = Pipeline(_det(), pre).fit(pd.concat(sites, ignore_index=True))
    assert pipe.optional_fields == pooled.optional_fields == ["geo", "port"]
    pipe.save(tmp_path / "m")
    got = TableScorer(tmp_path / "m").score([{"bytes": 50.0, "proto": "tcp"}])
    assert len(got["scores"]) == 1
    with pytest.raises(InputError, match="proto"):
        TableScorer(tmp_path / "m").score([{"bytes": 50.0}])


def test_spark_keeps_a_struct_column_whole_beside_the_fields_the_model_reads(tmp_path: Path) -> None:
    # the batch's struct column 'source' (spark.read.json of nested JSON) was flattened into
    # source.ip / source.port for the model, and keep=["source"] then stopped the task with
    # "keep: no column 'source' in the batch", naming the flattened columns; an empty batch,
    # with no row to read the struct's fields from, stopped it on keep=["source.ip"]
    rng = np.random.default_rng(0)
    flat = pd.DataFrame({"source.ip": rng.choice(["10.0.0.1", "10.0.0.2"], 60),
                         "source.port": rng.choice([80.0, 443.0], 60), "bytes": rng.exponential(100, 60)})
    Pipeline(_det()).fit(flat).save(tmp_path / "m")
    structs = [{"ip": a, "port": p} for a, p in zip(flat["source.ip"], flat["source.port"], strict=True)]
    nested = pd.DataFrame({"source": structs, "bytes": flat["bytes"], "id": range(60)})
    fn = score_partitions(tmp_path / "m", keep=["id", "source", "source.ip"])
    out = pd.concat(list(fn(iter([nested.head(20), nested.iloc[20:20], nested.tail(40)]))), ignore_index=True)
    assert list(out.columns[-3:]) == ["id", "source", "source.ip"]
    assert out["source"].tolist() == nested["source"].tolist()
    assert out["source.ip"].tolist() == flat["source.ip"].tolist()
    assert np.allclose(out["score"], load(tmp_path / "m").score(flat))
    with pytest.raises(InputError, match="keep: no column 'src'"):
        list(score_partitions(tmp_path / "m", keep=["src"])(iter([nested])))


def test_the_server_refuses_a_bad_preprocessing_setting_when_built() -> None:
    # the detector's settings were checked when the server was built, the preprocessing's only
    # once every site had connected and answered round 1, each naming it as its own ("site 1: ...")
    for kw, match in ((dict(scaler="bogus"), "scaler: unknown 'bogus'"),
                      (dict(max_categories=0), "max_categories"), (dict(max_corr=2.0), "max_corr")):
        with pytest.raises(InputError, match=match) as err:
            FederatedServer(_det(), TabularPreprocessor(**kw), rounds=1)
        assert not str(err.value).startswith("site")


def test_the_detectors_own_epochs_is_not_what_a_site_trains_per_round() -> None:
    # as documented now: rounds x local_epochs; the detector's epochs (which the sites must share)
    # changes nothing
    rng = np.random.default_rng(2)
    sites = [pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80)}) for _ in range(2)]
    one, five = (run_federated(sites, AutoEncoder(hidden=(4, 2), epochs=e, verbose=0, random_state=0),
                               rounds=2, local_epochs=1) for e in (1, 5))
    assert np.array_equal(one.score(sites[0]), five.score(sites[0]))


def test_a_sites_own_model_keeps_no_other_sites_figures(tmp_path: Path) -> None:
    # the model handed to site k held every site's row counts, held-out medians and losses per
    # round (and the share of each one's scores above site k's threshold); the shared model keeps them
    rng = np.random.default_rng(3)
    sites = [pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)}) for n in (120, 80, 60)]
    named = [Site(d, _det(), name=n) for d, n in zip(sites, "xyz", strict=True)]
    shared = (server := FederatedServer(_det(), rounds=2).run(named)).pipeline()
    every = shared.info["federated"]
    assert every["rows"] == [120, 80, 60] and len(every["held_out"]) == 3
    paths = server.save(tmp_path / "m")
    own = load(paths["y"])
    fed = own.info["federated"]
    assert fed["sites"] == 3 and fed["rows"] == [80] and fed["site_names"] == ["y"]
    assert fed["held_out"] == [{**every["held_out"][1], "flagged": fed["held_out"][0]["flagged"]}]
    assert [h["rows"] for h in fed["history"]] == [[72], [72]]
    assert [h["held_out_loss"] for h in fed["history"]] == [[h["held_out_loss"][1]] for h in every["history"]]
    assert own.model_card()["federated"].startswith("3 sites (site y's 80 rows), FedAvg")
    assert shared.model_card()["federated"].startswith("3 sites (120 + 80 + 60 rows), FedAvg")


def test_spark_scores_a_batch_whose_struct_is_null_in_every_row(tmp_path: Path) -> None:
    # spark.read.json gives a null struct where a record has no 'source': a batch with no row
    # holding one flattened to no source.ip / source.port, and the task stopped with "column(s)
    # the model needs are missing" (fields the model saw missing in training: scored as missing)
    rng = np.random.default_rng(0)
    flat = pd.DataFrame({"source.ip": rng.choice(["10.0.0.1", "10.0.0.2", None], 60),
                         "source.port": rng.choice([80.0, 443.0, np.nan], 60),
                         "bytes": rng.exponential(100, 60)})
    Pipeline(_det()).fit(flat).save(tmp_path / "m")
    for only in ([], ["source.ip", "source.port"]):  # the model may read the struct's fields alone
        if only:
            Pipeline(_det()).fit(flat[only]).save(tmp_path / "m")
        nulls = pd.DataFrame({"source": [None] * 4, "bytes": [1.0, 2.0, 3.0, 4.0], "id": range(4)})
        empty = nulls.assign(source=[{"ip": None, "port": None}] * 4)
        fn = score_partitions(tmp_path / "m", keep=["id"])
        got, want = (next(iter(fn(iter([b])))) for b in (nulls, empty))
        assert got["id"].tolist() == [0, 1, 2, 3]
        assert np.array_equal(got["score"], want["score"])
    Pipeline(_det()).fit(flat).save(tmp_path / "m2")
    with pytest.raises(InputError, match=r"missing: .*bytes"):  # a column the batch lacks is still refused
        list(score_partitions(tmp_path / "m2")(iter([nulls.drop(columns=["bytes"])])))


def test_spark_keeps_a_field_of_a_null_struct_and_refuses_one_its_struct_lacks(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    flat = pd.DataFrame({"source.ip": rng.choice(["10.0.0.1", None], 40), "bytes": rng.exponential(100, 40)})
    Pipeline(_det()).fit(flat).save(tmp_path / "m")
    nulls = pd.DataFrame({"source": [None] * 3, "bytes": [1.0, 2.0, 3.0]})
    out = next(iter(score_partitions(tmp_path / "m", keep=["source.ip"])(iter([nulls]))))
    assert out["source.ip"].tolist() == [None, None, None]
    # a struct with rows has every field of its type: a field it lacks is no missing value
    other = pd.DataFrame({"source": [{"addr": "10.0.0.1"}] * 3, "bytes": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match=r"missing: source\.ip"):
        list(score_partitions(tmp_path / "m")(iter([other])))
    both = other.assign(**{"source.ip": "10.0.0.1"})
    with pytest.raises(InputError, match=r"keep: no column 'source\.port'"):
        list(score_partitions(tmp_path / "m", keep=["source.port"])(iter([both])))
