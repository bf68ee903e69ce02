"""Pipeline and artefact: round trip gives identical scores; tampering is refused; no pickle."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hourglass
from hourglass import AutoEncoder, Pipeline, thresholds
from hourglass.errors import ArtefactError, InputError, NotFittedError
from hourglass.features import TabularPreprocessor


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pipeline, pd.DataFrame, Path]:
    rng = np.random.default_rng(1)
    n = 400
    df = pd.DataFrame({
        "proto": rng.choice(["tcp", "udp"], n),
        "bytes": rng.lognormal(6, 1, n).round(),
        "rate": rng.uniform(0, 1, n),
    })
    pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=8, batch_size=64, verbose=0),
                    threshold=thresholds.Percentile(99.5)).fit(df)
    path = tmp_path_factory.mktemp("art") / "model"
    pipe.save(path)
    return pipe, df, path


def test_round_trip_identical(fitted) -> None:  # type: ignore[no-untyped-def]
    pipe, df, path = fitted
    back = hourglass.load(path)
    np.testing.assert_array_equal(back.score(df), pipe.score(df))
    np.testing.assert_array_equal(back.predict(df), pipe.predict(df))
    assert back.threshold_.q == 99.5
    assert back.detector_.get_params() == pipe.detector_.get_params()


def test_artefact_has_schema_versions_and_no_pickle(fitted) -> None:  # type: ignore[no-untyped-def]
    _, _, path = fitted
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "weights.safetensors"]
    config = json.loads((path / "config.json").read_text())
    assert config["schema"]["columns"] == ["proto", "bytes", "rate"]
    assert {"hourglass", "torch", "numpy"} <= set(config["versions"])
    assert len(config["content_hash"]) == 64
    for f in path.iterdir():
        assert b"\x80\x04\x95" not in f.read_bytes()  # pickle protocol 4 header


@pytest.mark.parametrize("name", ["config.json", "weights.safetensors"])
def test_flipped_byte_is_refused(fitted, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    _, _, path = fitted
    copy = tmp_path / "m"
    copy.mkdir()
    for f in path.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    data = bytearray((copy / name).read_bytes())
    i = len(data) - 20 if name.endswith(".safetensors") else data.index(b'"q"') + 5
    data[i] ^= 0x01
    (copy / name).write_bytes(bytes(data))
    with pytest.raises(ArtefactError):
        hourglass.load(copy)


def test_not_an_artefact(tmp_path: Path) -> None:
    with pytest.raises(ArtefactError, match="not a model directory"):
        hourglass.load(tmp_path / "nope")
    with pytest.raises(ArtefactError, match="missing"):
        hourglass.load(tmp_path)


def test_a_save_killed_between_its_renames_is_named_and_then_superseded(  # type: ignore[no-untyped-def]
        fitted, tmp_path: Path) -> None:
    """A hard kill between the two renames of a replacing save leaves no model at the path and the
    replaced one beside it (``.NAME.old``): loading says where it is; the next save removes it."""
    pipe, df, _ = fitted
    target = tmp_path / "m"
    pipe.save(target)
    aside = tmp_path / ".m.old"
    target.rename(aside)
    with pytest.raises(ArtefactError, match=r"a save there was interrupted; the model it was replacing is "
                       rf"{re.escape(str(aside))} \(rename it back"):
        hourglass.load(target)
    pipe.save(target)
    assert not aside.exists() and np.array_equal(hourglass.load(target).score(df), pipe.score(df))


def test_future_format_version_refused(fitted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, path = fitted
    config = json.loads((path / "config.json").read_text())
    config["format_version"] = 99
    copy = tmp_path / "m"
    copy.mkdir()
    (copy / "config.json").write_text(json.dumps(config))
    (copy / "weights.safetensors").write_bytes((path / "weights.safetensors").read_bytes())
    with pytest.raises(ArtefactError, match="format version 99"):
        hourglass.load(copy)


def test_schema_mismatch_at_score(fitted) -> None:  # type: ignore[no-untyped-def]
    pipe, df, _ = fitted
    with pytest.raises(InputError, match="missing: rate"):
        pipe.score(df.drop(columns=["rate"]))


def test_unfitted_pipeline() -> None:
    with pytest.raises(NotFittedError):
        Pipeline().score(pd.DataFrame({"a": [1.0]}))


def test_pipeline_detects_planted_rows(fitted) -> None:  # type: ignore[no-untyped-def]
    pipe, df, _ = fitted
    odd = df.head(20).assign(bytes=1e9, proto="gre")
    assert pipe.predict(odd).mean() == 1.0
    assert pipe.predict(df).mean() < 0.05
    proba = pipe.predict_proba(odd)
    assert proba.shape == (20, 2) and np.array_equal(proba[:, 1], pipe.calibrated_score(odd))
    assert (proba[:, 1] > 0.99).all()


def test_round_trip_keeps_one_hot_order(tmp_path: Path) -> None:
    """Categorical columns not in alphabetical order: the saved JSON sorts keys, load must not."""
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"zone": rng.choice(["a", "b", "c"], 200), "bytes": rng.exponential(5, 200),
                       "app": rng.choice(["x", "y"], 200)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
    pipe.save(tmp_path / "m")
    back = hourglass.load(tmp_path / "m")
    np.testing.assert_array_equal(back.transform(df), pipe.transform(df))
    np.testing.assert_array_equal(back.score(df), pipe.score(df))


def test_round_trip_keeps_ip_port_and_hash_order(tmp_path: Path) -> None:
    """src_* before dst_* (not alphabetical): the IP, port and hashed blocks keep their order on
    load too; a model of flows with both addresses used to score its own training rows as anomalies."""
    rng = np.random.default_rng(4)
    n = 300
    df = pd.DataFrame({
        "src_ip": [f"10.0.{rng.integers(0, 9)}.{k}" for k in rng.integers(1, 250, n)],
        "dst_ip": [f"192.168.{rng.integers(0, 9)}.{k}" for k in rng.integers(1, 250, n)],
        "src_port": rng.integers(1024, 65535, n), "dst_port": rng.choice([22, 53, 80, 443], n),
        "user": [f"u{k}" for k in rng.integers(0, 30, n)],
        "agent": [f"a{k}" for k in rng.integers(0, 30, n)],
        "bytes": rng.exponential(5, n)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0),
                    features=TabularPreprocessor(max_categories=10)).fit(df)
    assert list(pipe.features_.ips_) == ["src_ip", "dst_ip"]
    assert list(pipe.features_.hashed_) == ["user", "agent"]
    assert list(pipe.features_.ports_) == ["src_port", "dst_port"]
    pipe.save(tmp_path / "m")
    back = hourglass.load(tmp_path / "m")
    assert back.features_.feature_names_ == pipe.features_.feature_names_
    np.testing.assert_array_equal(back.transform(df), pipe.transform(df))
    np.testing.assert_array_equal(back.score(df), pipe.score(df))


def test_load_refuses_blocks_out_of_order() -> None:
    """State whose blocks would come out in another order than its feature names is refused."""
    df = pd.DataFrame({"src_ip": ["10.0.0.1", "10.0.0.2"] * 5, "dst_ip": ["10.1.0.1", "8.8.8.8"] * 5})
    state = TabularPreprocessor().fit(df).to_dict()
    state["columns"] = ["dst_ip", "src_ip"]
    with pytest.raises(InputError, match="feature names do not match"):
        TabularPreprocessor.from_dict(state)


@pytest.mark.parametrize(("name", "param", "params"), [
    # EncoderGAN before ``latent_cycle``: no D_zz weights
    ("encoder-gan", "latent_cycle", {"hidden": (8,), "latent_dim": 2, "epochs": 2, "min_steps": 0}),
    # AnoGAN before ``prior``: scored without the latent prior term (0, i.e. False)
    ("anogan", "prior", {"hidden": (8,), "latent_dim": 2, "epochs": 2, "min_steps": 0}),
    # AutoEncoder before ``standardize``: trained on raw inputs
    ("autoencoder", "standardize", {"hidden": (8, 2), "epochs": 2, "batch_size": 64,
                                    "batch_norm": False}),
])
def test_artefact_predating_a_parameter_loads_as_it_was_built(tmp_path: Path, name: str, param: str,
                                                              params: dict) -> None:  # type: ignore[type-arg]
    """A parameter added after an artefact was written takes the value the model was built
    with (False here), not today's default, and the model scores as saved."""
    from hourglass.detectors import registry
    from hourglass.pipeline.artefact import _content_hash

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    was = registry.get(name)._params_before_added[param]  # prior=0.0: a weight takes no False
    pipe = Pipeline(registry.get(name)(**params, **{param: was}, verbose=0)).fit(df)
    path = tmp_path / "m"
    pipe.save(path)
    config = json.loads((path / "config.json").read_text())
    del config["detector"]["params"][param]  # what an older release wrote
    config["content_hash"] = _content_hash(config, (path / "weights.safetensors").read_bytes())
    (path / "config.json").write_text(json.dumps(config))
    back = hourglass.load(path)
    assert back.detector_.get_params()[param] == registry.get(name)._params_before_added[param] == 0
    np.testing.assert_array_equal(back.score(df), pipe.score(df))


@pytest.mark.parametrize("frac", [0.0, 0.2])
def test_threshold_says_which_scores_fitted_it(tmp_path: Path, frac: float) -> None:
    """With nothing held out the threshold is fitted on training scores, and says so everywhere."""
    df = pd.DataFrame({"x": np.random.default_rng(0).normal(size=120), "y": 1.0})
    pipe = Pipeline(AutoEncoder(hidden=(2,), epochs=1, validation_fraction=frac, verbose=0)).fit(df)
    on = thresholds.TRAINING if frac == 0 else thresholds.HELD_OUT
    assert pipe.threshold_.describe() == f"percentile 99.0 of {on}"
    assert pipe.info["threshold_fit"]["scores"] == on and pipe.info["threshold_fit"]["rows"] == (
        120 if frac == 0 else 24)
    card = pipe.model_card()
    assert ("training rows themselves" in card["threshold fitted on"]) == (frac == 0)
    assert on in card["calibration"]
    pipe.save(tmp_path / "m")
    back = hourglass.load(tmp_path / "m")
    assert back.threshold_.describe() == pipe.threshold_.describe()
    if frac == 0:  # the same number as before: the percentile of the training scores
        assert back.threshold_.value_ == np.percentile(pipe.score(df), 99.0)
    pipe.detector_.set_threshold(thresholds.Percentile(90), scores=[0.0, 1.0, 2.0], y=[0, 0, 1])
    assert pipe.threshold_.describe() == "percentile 90 of normal scores of a labelled validation set"
