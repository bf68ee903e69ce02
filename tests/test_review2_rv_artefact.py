"""Review of the model artefact: tampered model directories (with the content hash recomputed, as
anyone editing one can) are refused in one line, never with a traceback or a huge allocation."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline, load
from hourglass.cli import app
from hourglass.errors import ArtefactError
from hourglass.pipeline.artefact import _content_hash

runner = CliRunner()


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("artefact")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80),
                       "p": rng.choice(["x", "y"], 80)})
    df.to_csv(base / "t.csv", index=False)
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).save(base / "ae")
    return {"data": base / "t.csv", "ae": base / "ae"}


def _tampered(src: Path, dst: Path, path: str, value: object) -> Path:
    """A copy of model ``src`` with one config entry changed and the content hash recomputed."""
    shutil.copytree(src, dst)
    cfg = json.loads((dst / "config.json").read_text())
    node, *_ = [cfg]
    *head, last = path.split(".")
    for k in head:
        node = node[int(k)] if isinstance(node, list) else node[k]
    node[int(last) if isinstance(node, list) else last] = value
    cfg["content_hash"] = _content_hash(cfg, (dst / "weights.safetensors").read_bytes())
    (dst / "config.json").write_text(json.dumps(cfg))
    return dst


def _refused(args: list[str], match: str) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, (res.output, res.exception)
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert match in lines[0], lines[0]


@pytest.mark.parametrize(("path", "value", "match"), [
    ("features.hashed", None, "preprocessing state is malformed"),  # was a traceback (load)
    ("features.params.categorical", 5, "categorical: expected a list of names"),  # was a traceback
    ("features.params.drop", 5, "drop: expected a list of names"),  # (drop=None is allowed)
    ("detector.params.hidden.__tuple__.0", -1, "hidden must be a non-empty tuple of positive widths"),
])
def test_tampered_config_is_one_line(kit: dict[str, Path], tmp_path: Path, path: str, value: object,
                                     match: str) -> None:
    model = _tampered(kit["ae"], tmp_path / "m", path, value)
    with pytest.raises(ArtefactError, match=r"artefact config is incomplete or invalid|preprocessing state"):
        load(model)
    out = tmp_path / "s.csv"
    _refused(["score", str(model), str(kit["data"]), "-o", str(out)], match)
    assert not out.exists()


def networks_built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list to which each AutoEncoder network built from now on appends 1, or 0 when it was
    built on torch's meta device (its shapes only)."""
    import torch

    real = AutoEncoder._build_module

    def spy(self: AutoEncoder, n: int) -> object:
        module = real(self, n)
        built.append(int(next(module.parameters()).device != torch.device("meta")))
        return module

    built: list[int] = []
    monkeypatch.setattr(AutoEncoder, "_build_module", spy)
    return built


def test_a_huge_layer_in_the_config_is_refused_before_it_is_built(kit: dict[str, Path], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # hidden (4, 2) edited to (10**8, 2): the network was built (minutes, ~10 GB) before its
    # weights were found not to fit; now its size is measured on torch's meta device first
    # (10**6 here: a regression stays cheap to run)
    model = _tampered(kit["ae"], tmp_path / "m", "detector.params.hidden.__tuple__.0", 10**6)
    built = networks_built(monkeypatch)
    with pytest.raises(ArtefactError, match=r"describe a network of (more than )?[\d,]+ values, but "
                                            r"weights.safetensors holds \d+: the artefact was modified"):
        load(model)
    assert 1 not in built, "only the shapes (meta device) were built, the build stopped past the weights"


def test_the_shape_check_keeps_a_model_and_its_scores(kit: dict[str, Path], tmp_path: Path) -> None:
    df = pd.read_csv(kit["data"])
    pipe = load(kit["ae"])
    pipe.save(tmp_path / "m")
    pipe.save(tmp_path / "m")  # over itself
    assert np.array_equal(load(tmp_path / "m").score(df), pipe.score(df))
    assert (tmp_path / "m" / "weights.safetensors").read_bytes() == \
        (kit["ae"] / "weights.safetensors").read_bytes()


def _labelled(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "y": "n"})
    df.loc[:11, ["a", "b"]] += 6
    df.loc[:11, "y"] = "attack"
    return df


def test_benchmark_names_the_test_file_with_a_bad_value_before_training(tmp_path: Path) -> None:
    # was "error: column 'a': expected numbers, found 'oops' (row 6)", after the first model trained
    _labelled().to_csv(tmp_path / "train.csv", index=False)
    test = _labelled().astype({"a": object})
    test.loc[5, "a"] = "oops"
    test.to_csv(tmp_path / "test.csv", index=False)
    res = runner.invoke(app, ["benchmark", str(tmp_path / "train.csv"), "--test", str(tmp_path / "test.csv"),
                              "--label-col", "y", "--normal", "n", "--models", "none", "--seeds", "1",
                              "-q", "--json", str(tmp_path / "b.json")])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip() == "error: test.csv: column 'a': expected numbers, found 'oops' (row 6)"
    assert not (tmp_path / "b.json").exists()


def test_saving_twice_over_a_link_to_a_model(kit: dict[str, Path], tmp_path: Path) -> None:
    # the first save left '.link.old' (a link rmtree refuses), the second failed in os.replace
    # with NotADirectoryError (a traceback from the CLI)
    shutil.copytree(kit["ae"], tmp_path / "real")
    (tmp_path / "link").symlink_to("real")
    pipe = load(kit["ae"])
    pipe.save(tmp_path / "link")
    pipe.save(tmp_path / "link")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]
    assert (tmp_path / "real" / "config.json").read_bytes() == (kit["ae"] / "config.json").read_bytes()
    df = pd.read_csv(kit["data"])
    assert np.array_equal(load(tmp_path / "link").score(df), pipe.score(df))


@pytest.mark.parametrize(("path", "value", "match"), [
    # was a traceback on scoring
    ("detector.state.calibration.n_fit", 0, "artefact config is incomplete or invalid (ZeroDivisionError"),
    ("detector.state.calibration.knots", [],  # was unnamed
     "calibration state is malformed (knots and knot_probs must be flat lists of as many numbers"),
])
def test_a_calibration_that_cannot_calibrate_is_refused_on_load(kit: dict[str, Path], tmp_path: Path,
                                                               path: str, value: object, match: str) -> None:
    model = _tampered(kit["ae"], tmp_path / "m", path, value)
    out = tmp_path / "s.csv"
    _refused(["score", str(model), str(kit["data"]), "-o", str(out)], match)
    with pytest.raises(ArtefactError, match=re.escape(f"{model}: {match}")):
        load(model)
    assert not out.exists()


def test_a_spectrally_normalised_gan_is_size_checked_without_its_power_iteration(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the meta build ran spectral norm's power iteration through torch's Python decompositions:
    # loading an AnoGAN took 0.2-2 s instead of 0.02 s; the size check builds it without that
    import torch.nn.utils.parametrizations as par

    from hourglass.detectors.gan import AnoGAN

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(120, 3)), columns=list("abc"))
    pipe = Pipeline(AnoGAN(hidden=(8, 4), epochs=1, min_steps=1, verbose=0)).fit(df)
    pipe.save(tmp_path / "g")
    calls: list[int] = []
    real = par.spectral_norm

    def spy(*args: object, **kwargs: object) -> object:
        import torch

        module = real(*args, **kwargs)  # type: ignore[arg-type]
        calls.append(int(next(module.parameters()).device == torch.device("meta")))
        return module

    monkeypatch.setattr(par, "spectral_norm", spy)
    loaded = load(tmp_path / "g")
    assert calls and not any(calls), "no spectral norm on meta tensors"
    assert np.array_equal(loaded.score(df), pipe.score(df))
    big = _tampered(tmp_path / "g", tmp_path / "big", "detector.params.hidden.__tuple__.0", 10**6)
    with pytest.raises(ArtefactError, match="describe a network of"):
        load(big)
