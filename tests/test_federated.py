"""Federated training: the preprocessing from merged per-site statistics against a pooled fit,
FedAvg rounds, the artefact, and the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

import hourglass
from hourglass.cli.app import app
from hourglass.detectors import AutoEncoder, DeepSVDD, DenoisingAutoEncoder, VariationalAutoEncoder
from hourglass.distributed.federated import (
    FederatedServer,
    Site,
    decode,
    encode,
    fedavg,
    run_federated,
)
from hourglass.distributed.summaries import calibration_sketch
from hourglass.errors import InputError
from hourglass.features import TabularPreprocessor
from hourglass.features.statistics import (
    merge_schema,
    site_schema,
)
from hourglass.thresholds import Percentile
from hourglass.thresholds.calibration import Calibrator
from tests._federated import federated_preprocessor

runner = CliRunner()


def _mixed(n: int, seed: int) -> pd.DataFrame:
    """Every role and fit decision: heavy tails (log1p), missing values (indicator, median), a
    near-duplicate column, a rare category, a port and an IP column, a constant column."""
    rng = np.random.default_rng(seed)
    bytes_ = rng.lognormal(6, 2, n).round()
    dur = rng.exponential(2.0, n)
    dur[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({
        "proto": rng.choice(["tcp", "udp", "icmp", "gre"], n, p=[0.6, 0.3, 0.099, 0.001]),
        "bytes": bytes_, "bytes_copy": bytes_ * 2.0 + 1.0, "duration": dur,
        "rate": rng.uniform(0, 1, n), "flag": rng.integers(0, 2, n), "const": 7.0,
        "dport": rng.choice([80, 443, 53, 22, 8080, 51515], n),
        "src_ip": [f"10.0.{rng.integers(0, 4)}.{rng.integers(1, 255)}" for _ in range(n)],
    })


@pytest.mark.parametrize("scaler", ["minmax", "standard"])
def test_merged_statistics_give_the_pooled_preprocessing(scaler: str) -> None:
    df = _mixed(3000, 0)
    sites = [df.iloc[:500], df.iloc[500:1800], df.iloc[1800:]]
    params = TabularPreprocessor(scaler=scaler, impute="constant").get_params()
    pooled = TabularPreprocessor(**params).fit(df)
    fed = federated_preprocessor(params, sites)
    a, b = pooled.to_dict(), fed.to_dict()
    for key in ("columns", "roles", "numeric", "constant", "duplicates", "indicators", "log1p",
                "categories", "other", "hashed", "ips", "ports", "feature_names", "impute"):
        assert a[key] == b[key], key
    assert b["duplicates"] == {"bytes_copy": "bytes"} and "bytes" in b["log1p"] and b["indicators"]
    np.testing.assert_allclose(b["offset"], a["offset"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b["scale"], a["scale"], rtol=1e-9)
    test = _mixed(400, 1)
    np.testing.assert_allclose(fed.transform(test), pooled.transform(test), rtol=1e-5, atol=1e-6)


def test_sketched_statistics_are_near_the_pooled_ones_and_exact_for_one_site() -> None:
    df = _mixed(3000, 2)
    for scaler in ("robust", "quantile"):
        params = TabularPreprocessor(scaler=scaler).get_params()
        pooled = TabularPreprocessor(**params).fit(df)
        one = federated_preprocessor(params, [df])  # one site: its sketch holds the exact quantiles
        np.testing.assert_allclose(one.transform(df), pooled.transform(df), atol=1e-5)
        assert one.impute_ == pytest.approx(pooled.impute_)
        sites = [g for _, g in df.groupby("proto")]  # non-IID: one site per protocol
        fed = federated_preprocessor(params, sites)
        assert fed.feature_names_ == pooled.feature_names_
        gap = np.abs(fed.transform(df) - pooled.transform(df)).max()
        assert gap < 0.05, (scaler, gap)  # documented approximation: a mixture of sketches


def test_sites_that_disagree_are_refused_clearly() -> None:
    params = TabularPreprocessor().get_params()
    a = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "b", "a"]})
    b = pd.DataFrame({"x": ["p", "q", "p"], "y": ["a", "b", "b"]})
    with pytest.raises(InputError, match=r"column 'x'.*roles="):
        merge_schema([site_schema(params, a), site_schema(params, b)])
    with pytest.raises(InputError, match="site 2 has other columns"):
        merge_schema([site_schema(params, a), site_schema(params, a.drop(columns="y"))])
    # text columns: one-hot at each site (30 values each), hashed once pooled (60 > 50): the
    # union of the values decides, as the pooled fit would
    a = pd.DataFrame({"x": np.arange(200.0), "y": [f"a{i % 30}" for i in range(200)]})
    b = pd.DataFrame({"x": np.arange(200.0), "y": [f"b{i % 30}" for i in range(200)]})
    merged = merge_schema([site_schema(params, a), site_schema(params, b)])
    assert [site_schema(params, s)["columns"]["y"]["role"] for s in (a, b)] == ["categorical"] * 2
    assert merged["columns"]["y"]["role"] == "hash"
    assert TabularPreprocessor().fit(pd.concat([a, b])).roles_["y"] == "hash"


def _sites(seed: int = 0) -> list[pd.DataFrame]:
    df = _mixed(1800, seed)
    return [df.iloc[:400], df.iloc[400:1000], df.iloc[1000:]]


@pytest.fixture(scope="module")
def fed_pipe() -> hourglass.Pipeline:
    det = AutoEncoder(hidden=(16, 4), epochs=1, verbose=0, device="cpu", random_state=0)
    return run_federated(_sites(), det, rounds=4, local_epochs=4)


def test_federated_autoencoder_trains_saves_and_scores(fed_pipe: hourglass.Pipeline, tmp_path: Path) -> None:
    info = fed_pipe.info["federated"]
    assert info["sites"] == 3 and info["rows"] == [400, 600, 800] and len(info["history"]) == 4
    assert len(fed_pipe.detector_.val_scores_) == 40 + 60 + 80  # every site's 10% held out
    assert [h["rows"] for h in info["held_out"]] == [40, 60, 80]
    assert all(0 <= h["flagged"] < 0.1 for h in info["held_out"])  # like sites: ~1% each
    test = _mixed(300, 5)
    y = np.zeros(len(test), int)
    y[::5] = 1
    test.loc[y == 1, "rate"] = 5.0  # far outside [0, 1]
    test.loc[y == 1, "proto"] = "esp"
    scores = fed_pipe.score(test)
    assert roc_auc_score(y, scores) > 0.9
    assert fed_pipe.predict(test)[y == 1].mean() > 0.8
    assert fed_pipe.model_card()["federated"].startswith("3 sites (400 + 600 + 800 rows), FedAvg")
    fed_pipe.save(tmp_path / "model")
    loaded = hourglass.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.score(test), scores)
    test.to_csv(tmp_path / "test.csv", index=False)
    res = runner.invoke(app, ["score", str(tmp_path / "model"), str(tmp_path / "test.csv"),
                              "-o", str(tmp_path / "alerts.jsonl")])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(x) for x in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    assert {a["row"] for a in alerts} >= set(np.flatnonzero(y == 1)[:10].tolist())


def test_rounds_are_deterministic_and_fedavg_is_row_weighted() -> None:
    det = VariationalAutoEncoder(hidden=(8, 2), epochs=1, verbose=0, device="cpu")
    a = run_federated(_sites(1)[:2], det, rounds=2, local_epochs=1)
    b = run_federated(_sites(1)[:2], det, rounds=2, local_epochs=1)
    test = _mixed(50, 3)
    np.testing.assert_array_equal(a.score(test), b.score(test))
    avg = fedavg([([np.ones(3, np.float32), np.array(4, np.int64)], 100),
                  ([np.zeros(3, np.float32), np.array(8, np.int64)], 300)])
    assert avg[0].dtype == np.float32 and avg[0].tolist() == [0.25] * 3 and int(avg[1]) == 7


def test_a_training_round_moves_batch_norm_statistics_that_then_average() -> None:
    sites = _sites(2)
    det = AutoEncoder(hidden=(8, 4), verbose=0, device="cpu")
    server = FederatedServer(det, rounds=1, local_epochs=2)
    clients = [Site(s, det) for s in sites]
    for r in (1, 2, 3):
        params, config = server.configure(r)
        server.aggregate(r, [c.fit(params, config) for c in clients])
    before = [w.copy() for w in server.weights_]
    params, config = server.configure(4)
    replies = [c.fit(params, config) for c in clients]
    keys = list(det._build_module(len(server.features_.feature_names_)).state_dict())
    mean_at = 2 + next(i for i, k in enumerate(keys) if k.endswith("running_mean"))
    assert not np.array_equal(replies[0][0][mean_at], before[mean_at])  # not frozen
    assert [n for _, n, _ in replies] == [360, 540, 720]
    server.aggregate(4, replies)
    mean_score, n_held, _ = clients[0].evaluate(server.weights_, {})
    assert n_held == 40 and 0 < mean_score < 10
    expect = sum(p[mean_at] * n for p, n, _ in replies) / 1620
    np.testing.assert_allclose(server.weights_[mean_at], expect, rtol=1e-5)


def test_models_and_settings_that_cannot_federate_are_refused() -> None:
    for det in (DeepSVDD(hidden=(4,), verbose=0), DenoisingAutoEncoder(hidden=(4, 2), verbose=0)):
        with pytest.raises(InputError, match=r"federated|initialised from training rows"):
            run_federated(_sites(), det, rounds=1)
    server = FederatedServer(AutoEncoder(hidden=(8, 4), verbose=0))
    _, config = server.configure(1)
    other = Site(_sites()[0], AutoEncoder(hidden=(8, 2), verbose=0))
    with pytest.raises(InputError, match="settings differ"):
        other.fit([], config)
    with pytest.raises(ValueError, match="rounds"):
        FederatedServer(AutoEncoder(), rounds=0)
    assert decode(encode({"a": [1, 2.5]})) == {"a": [1, 2.5]}


def test_a_site_rebuilt_between_rounds_resumes_from_the_shared_preprocessing() -> None:
    # Flower's ClientApp may rebuild the site each round: load_inputs must resume it exactly
    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)
    server = FederatedServer(det, rounds=1)
    sites = _sites()
    clients = [Site(rows, det) for rows in sites]
    for r in (1, 2, 3):
        params, config = server.configure(r)
        server.aggregate(r, [c.fit(params, config) for c in clients])
    rebuilt = Site(sites[0], det)
    rebuilt.load_inputs(server.features_.to_dict())
    params, config = server.configure(4)
    kept, again = clients[0].fit(params, config), rebuilt.fit(params, config)
    assert np.array_equal(rebuilt.val_idx_, clients[0].val_idx_)
    assert kept[1] == again[1] and all(np.array_equal(a, b) for a, b in zip(kept[0], again[0], strict=True))


def test_the_flower_wrappers_say_how_to_get_flower_when_it_is_absent() -> None:
    from hourglass.distributed.flower import (
        flower_client,
        flower_client_app,
        flower_server_app,
        flower_strategy,
    )

    builders = [lambda: flower_client(Site(_sites()[0], AutoEncoder())),
                lambda: flower_strategy(FederatedServer(AutoEncoder()), sites=2),
                lambda: flower_client_app(lambda context: Site(_sites()[0], AutoEncoder())),
                lambda: flower_server_app(FederatedServer(AutoEncoder()), sites=2)]
    try:
        import flwr  # noqa: F401
    except ImportError:
        for build in builders:
            with pytest.raises(InputError, match="pip install flwr"):
                build()
    else:  # Flower present: the wrappers build (benchmarks/federated_flower.py runs them)
        assert all(build() is not None for build in builders)


def test_a_failed_sites_traceback_is_cut_to_the_line_that_names_its_error() -> None:
    from hourglass.distributed.flower import _last_line

    reason = 'Traceback (most recent call last):\n  File "site.py", line 3\nInputError: columns differ\n\n'
    assert _last_line(reason) == "InputError: columns differ"
    assert _last_line("  \n") == "(no reason given)"


def _train_round(server: FederatedServer, clients: list[Site]) -> list:
    for r in (1, 2, 3):
        params, config = server.configure(r)
        server.aggregate(r, [c.fit(params, config) for c in clients])
    params, config = server.configure(4)
    return [c.fit(params, config) for c in clients]


def _unlike_sites() -> list[pd.DataFrame]:
    a, b = _mixed(300, 7), _mixed(900, 8)
    b["rate"] = b["rate"] * 4 + 2  # site 2's traffic is unlike site 1's
    b["proto"] = "udp"
    return [a, b]


def test_fedprox_keeps_each_sites_local_weights_near_the_global_ones() -> None:
    det = AutoEncoder(hidden=(8, 4), verbose=0, device="cpu", random_state=0)
    sites = _unlike_sites()
    moved = {}
    for mu in (0.0, 1.0):
        server = FederatedServer(det, rounds=1, local_epochs=3, proximal_mu=mu)
        replies = _train_round(server, [Site(s, det) for s in sites])
        _, config = server.configure(4)
        assert ("proximal_mu" in config) == (mu > 0)  # the default round config is unchanged
        moved[mu] = [sum(float(((np.asarray(a, np.float64) - g) ** 2).sum())
                         for a, g in zip(p, server.weights_, strict=True)) for p, _, _ in replies]
    assert all(m1 < m0 for m0, m1 in zip(moved[0.0], moved[1.0], strict=True))
    for bad in ({"proximal_mu": -0.1}, {"proximal_mu": float("nan")}, {"weighting": "bytes"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            FederatedServer(det, **bad)


def test_defaults_are_plain_fedavg_and_equal_weighting_averages_parameters_not_buffers() -> None:
    det = AutoEncoder(hidden=(8, 4), epochs=1, verbose=0, device="cpu", random_state=0)
    sites = _unlike_sites()
    test = _mixed(50, 3)
    a = run_federated(sites, det, rounds=2, local_epochs=1)
    b = run_federated(sites, det, rounds=2, local_epochs=1, proximal_mu=0.0, weighting="rows")
    np.testing.assert_array_equal(a.score(test), b.score(test))
    assert a.info["federated"]["aggregation"] == "FedAvg weighted by rows"
    server = FederatedServer(det, rounds=1, local_epochs=1, weighting="sites")
    replies = _train_round(server, [Site(s, det) for s in sites])
    server.aggregate(4, replies)
    keys = list(det._build_module(len(server.features_.feature_names_)).state_dict())
    weight_at = 2 + keys.index("encoder.0.weight")
    mean_at = 2 + next(i for i, k in enumerate(keys) if k.endswith("running_mean"))
    (p1, n1, _), (p2, n2, _) = replies
    np.testing.assert_allclose(server.weights_[weight_at], (p1[weight_at] + p2[weight_at]) / 2, rtol=1e-5)
    np.testing.assert_allclose(server.weights_[mean_at],
                               (p1[mean_at] * n1 + p2[mean_at] * n2) / (n1 + n2), rtol=1e-5)


def test_each_site_can_take_the_threshold_of_its_own_held_out_scores() -> None:
    det = AutoEncoder(hidden=(8, 4), verbose=0, device="cpu", random_state=0)
    server = FederatedServer(det, rounds=2, local_epochs=3)
    server.run([Site(s, det) for s in _unlike_sites()])
    shared = server.pipeline()
    own = [server.pipeline(site=k) for k in (1, 2)]
    for k, pipe in enumerate(own):
        scores = server.site_scores_[k]
        assert pipe.info["federated"]["threshold"] == f"site {k + 1}"
        assert pipe.detector_.threshold_.predict(scores).mean() <= 0.05  # p99 of its own scores
        np.testing.assert_array_equal(pipe.detector_.val_scores_, scores)
        np.testing.assert_array_equal(pipe.score(_mixed(20, 4)), shared.score(_mixed(20, 4)))  # one model
    assert shared.info["federated"]["threshold"] == "shared"
    with pytest.raises(InputError, match="sites 1 to 2"):
        server.pipeline(site=3)


def _drive(server: FederatedServer, clients: list[Site]) -> list:
    """Every round; returns the sites' replies to the last (scores) round."""
    for r in range(1, server.n_rounds + 1):
        params, config = server.configure(r)
        replies = [c.fit(params, config) for c in clients]
        server.aggregate(r, replies)
    return replies


def test_sites_fit_their_own_thresholds_and_summaries_keep_every_score_at_the_site(tmp_path: Path) -> None:
    det = AutoEncoder(hidden=(8, 4), verbose=0, device="cpu", random_state=0)
    runs, last = {}, {}
    for mode in ("scores", "summaries"):
        runs[mode] = FederatedServer(det, rounds=2, local_epochs=3, held_out=mode)
        last[mode] = _drive(runs[mode], [Site(s, det) for s in _unlike_sites()])
    sent = [decode(p[0]) for p, _, _ in last["summaries"]]
    assert all(p[1].size == 0 for p, _, _ in last["summaries"])  # no score leaves a site
    assert [set(s) for s in sent] == [{"rows", "median", "threshold", "calibration"}] * 2
    full, summ = runs["scores"], runs["summaries"]
    test = _mixed(40, 4)
    for k in (1, 2):
        scores = full.site_scores_[k - 1]
        # the site's own threshold and calibration, fitted at the site: the server-side fit on its
        # scores (the way before), bit for bit, whichever mode
        for server in (full, summ):
            det_k = server.pipeline(site=k).detector_
            assert det_k.threshold_.value_ == Percentile(99).fit(scores).value_
            assert det_k.calibrator_.to_dict() == Calibrator().fit(scores).to_dict()
        np.testing.assert_array_equal(full.pipeline(site=k).detector_.val_scores_, scores)
        assert summ.pipeline(site=k).detector_.val_scores_.size == 0
        np.testing.assert_array_equal(calibration_sketch(sent[k - 1]["calibration"]),
                                      np.quantile(scores, np.linspace(0, 1, 257)))
    # the shared threshold: exact on the union of the scores, near it from the summaries
    a, b = full.pipeline(), summ.pipeline()
    assert a.detector_.threshold_.value_ == Percentile(99).fit(full.scores_).value_
    assert b.detector_.threshold_.value_ == pytest.approx(a.detector_.threshold_.value_, rel=0.05)
    np.testing.assert_array_equal(a.score(test), b.score(test))  # one model
    assert np.abs(a.calibrated_score(test) - b.calibrated_score(test)).max() < 0.05
    flagged = [[h["flagged"] for h in p.info["federated"]["held_out"]] for p in (a, b)]
    np.testing.assert_allclose(flagged[1], flagged[0], atol=0.05)
    assert b.info["federated"]["held_out_sent"] == "summaries"
    assert "pseudo-union" in b.info["threshold_fit"]["on"]
    b.save(tmp_path / "m")
    loaded = hourglass.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(test), b.predict(test))
    with pytest.raises(InputError, match="keeps no held-out scores"):
        loaded.detector_.set_threshold(Percentile(95))
    with pytest.raises(ValueError, match="held_out"):
        FederatedServer(det, held_out="none")


def test_the_server_saves_the_shared_model_and_each_sites_own(tmp_path: Path) -> None:
    det = AutoEncoder(hidden=(8, 4), epochs=1, verbose=0, device="cpu", random_state=0)
    sites = _unlike_sites()
    server = FederatedServer(det, rounds=1, local_epochs=2)
    server.run([Site(sites[0], det, name="east"), Site(sites[1], det, name="west-2")])
    paths = server.save(tmp_path / "model")
    assert {k: p.name for k, p in paths.items()} == {
        "shared": "model", "east": "model-site-east", "west-2": "model-site-west-2"}
    test = _mixed(60, 6)
    test.to_csv(tmp_path / "test.csv", index=False)
    for name, k in (("east", 1), ("west-2", 2)):
        live = server.pipeline(site=name)
        assert live.detector_.threshold_ == server.pipeline(site=k).detector_.threshold_
        loaded = hourglass.load(paths[name])
        assert loaded.info["federated"]["threshold"] == f"site {name}"
        assert loaded.detector_.threshold_.value_ == live.detector_.threshold_.value_
        np.testing.assert_array_equal(loaded.predict(test), live.predict(test))
        res = runner.invoke(app, ["score", str(paths[name]), str(tmp_path / "test.csv"),
                                  "-o", str(tmp_path / f"{name}.jsonl")])
        assert res.exit_code == 0, res.output
        out = [json.loads(line) for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
        assert [a["flag"] for a in out] == live.predict(test).tolist()
    assert hourglass.load(paths["shared"]).info["federated"]["threshold"] == "shared"
    # unnamed sites are numbered; names must be unique and fit in a path
    unnamed = FederatedServer(det, rounds=1).run([Site(s, det) for s in sites])
    assert unnamed.site_names_ == ["1", "2"]
    for names, match in ((["a", "a"], "repeat"), (["../x", "b"], "site name")):
        with pytest.raises(InputError, match=match):
            FederatedServer(det, rounds=1).run([Site(s, det, name=n)
                                                for s, n in zip(sites, names, strict=True)])
