"""Review 7 of the artefact format, export and model info: tampered, foreign and interrupted model
directories are one line and exit code 2; saved models and ONNX files say what they hold."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline, load
from hourglass.errors import ArtefactError
from hourglass.pipeline.artefact import _content_hash
from tests.test_review2_rv_artefact import _refused, networks_built


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("r7")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80)})
    df.to_csv(base / "t.csv", index=False)
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df).save(base / "ae")
    return {"data": base / "t.csv", "ae": base / "ae"}


def _edited(src: Path, dst: Path, edit: object) -> Path:
    """A copy of model ``src`` whose config ``edit`` changed, the content hash recomputed."""
    shutil.copytree(src, dst)
    cfg = json.loads((dst / "config.json").read_text())
    edit(cfg)  # type: ignore[operator]
    cfg["content_hash"] = _content_hash(cfg, (dst / "weights.safetensors").read_bytes())
    (dst / "config.json").write_text(json.dumps(cfg))
    return dst


def test_deeply_nested_config_is_one_line(kit: dict[str, Path], tmp_path: Path) -> None:
    # was json's RecursionError as a traceback, exit code 1
    model = tmp_path / "m"
    shutil.copytree(kit["ae"], model)
    (model / "config.json").write_text('{"format": "hourglass-artefact", "x": '
                                       + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ArtefactError, match="nested too deep"):
        load(model)
    _refused(["score", str(model), str(kit["data"]), "-o", str(tmp_path / "s.csv")], "nested too deep")
    assert not (tmp_path / "s.csv").exists()


@pytest.mark.parametrize("value", [{"__tuple__": 5}, {"__threshold__": 3}, {"__detector__": {}}])
def test_malformed_tagged_info_value_is_one_line(kit: dict[str, Path], tmp_path: Path,
                                                 value: object) -> None:
    # 'info' was decoded outside load's checks: TypeError/AttributeError/KeyError tracebacks
    model = _edited(kit["ae"], tmp_path / "m", lambda c: c["info"].__setitem__("x", value))
    with pytest.raises(ArtefactError, match="artefact config is incomplete or invalid"):
        load(model)
    _refused(["score", str(model), str(kit["data"]), "-o", str(tmp_path / "s.csv")],
             "artefact config is incomplete or invalid")


def test_a_huge_layer_in_an_ensemble_member_is_refused_before_it_is_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an ensemble member's network was built for real from the edited width (3e7: 16 s, 2.5 GB)
    # before its weights were found not to fit: the size check skipped ensembles
    from hourglass.detectors import Ensemble

    df = pd.DataFrame({"a": np.arange(80.0), "b": np.arange(80.0) % 7})
    pipe = Pipeline(Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}), "vae"), epochs=1,
                             verbose=0, random_state=0)).fit(df)
    pipe.save(tmp_path / "e")
    assert np.array_equal(load(tmp_path / "e").score(df), pipe.score(df))  # a true one loads

    def widen(cfg: Any) -> None:
        member = cfg["detector"]["params"]["detectors"]["__tuple__"][0]["__tuple__"][1]
        member["hidden"]["__tuple__"][0] = 10**6

    model = _edited(tmp_path / "e", tmp_path / "big", widen)
    built = networks_built(monkeypatch)
    with pytest.raises(ArtefactError, match=r"ensemble member 0: the parameters of AutoEncoder in "
                                            r"config.json describe a network of (more than )?[\d,]+ values"):
        load(model)
    assert 1 not in built, "only the shapes (meta device) were built, the build stopped past the weights"


def test_a_model_trained_with_a_torch_device_saves(tmp_path: Path) -> None:
    # device=torch.device("cpu") trained (resolve_device takes one), then save refused it:
    # "cannot save parameter value device(type='cpu')", the training lost
    import torch

    df = pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60.0) % 7})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device=torch.device("cpu"))).fit(df)
    pipe.save(tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert loaded.detector_.get_params()["device"] == "cpu"
    assert np.array_equal(loaded.score(df), pipe.score(df))
