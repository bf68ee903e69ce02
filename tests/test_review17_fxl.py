"""Regression tests: parameter kinds, saved models and their checks on load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder, Ensemble
from hourglass.errors import ArtefactError, InputError
from hourglass.pipeline import artefact
from hourglass.thresholds import AlertBudget
from tests._artefacts import rehashed

KW = dict(hidden=(4, 2), epochs=1, device="cpu")


def _X(n: int = 60, d: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


@pytest.mark.parametrize("make", [
    lambda v: AutoEncoder(**KW, verbose=v),
    lambda v: Ensemble(detectors=("autoencoder",), epochs=1, verbose=v, device="cpu"),
])
def test_verbose_as_a_numpy_bool_is_taken_as_verbose_true_is(make: object) -> None:
    # a grid's np.array([True, False]) hands np.True_: verbose=True was taken, np.True_ refused
    # ('verbose must be a number, got np.True_') by validate_params and fit
    for value in (True, np.True_, np.False_):
        make(value).validate_params()  # type: ignore[operator]
    make(np.False_).fit(_X())  # type: ignore[operator]


def _saved_as(src: Path, dst: Path, params: dict[str, object]) -> Path:
    def edit(config: dict[str, Any]) -> None:
        config["detector"]["params"].update(params)
    return rehashed(src, dst, edit)


@pytest.mark.parametrize("params", [
    {"standardize": 2}, {"batch_norm": 3}, {"lr": True}, {"patience": True},
])
def test_a_model_saved_with_a_setting_fit_took_before_loads_and_scores_as_it_did(
        tmp_path: Path, params: dict[str, object]) -> None:
    # 'hourglass train --param standardize=2' (or lr=true) trained and saved such models: the
    # value reads as it did (2: true, true: 1); loading refused them ('standardize must be true
    # or false, got 2'), so a model that scored could no longer be used
    df = pd.DataFrame(_X(), columns=["a", "b", "c"])
    pipe = Pipeline(AutoEncoder(**KW, verbose=0, standardize=True, batch_norm=True)).fit(df)
    pipe.save(tmp_path / "m")
    loaded = artefact.load(_saved_as(tmp_path / "m", tmp_path / "old", params))
    assert np.array_equal(loaded.score(df), pipe.score(df))


def test_a_model_saved_with_none_for_a_flag_loads_and_scores_as_it_did(tmp_path: Path) -> None:
    df = pd.DataFrame(_X(), columns=["a", "b", "c"])
    pipe = Pipeline(AutoEncoder(**KW, verbose=0, standardize=False)).fit(df)  # None read as false
    pipe.save(tmp_path / "m")
    loaded = artefact.load(_saved_as(tmp_path / "m", tmp_path / "old", {"standardize": None}))
    assert np.array_equal(loaded.score(df), pipe.score(df))


def test_an_ensemble_member_saved_with_such_a_setting_loads(tmp_path: Path) -> None:
    df = pd.DataFrame(_X(), columns=["a", "b", "c"])
    member = ("autoencoder", {"hidden": (4, 2), "standardize": True, "lr": 0.001})
    pipe = Pipeline(Ensemble(detectors=(member,), epochs=1, verbose=0, device="cpu")).fit(df)
    pipe.save(tmp_path / "m")
    old = {"detectors": {"__tuple__": [["autoencoder", {"hidden": {"__tuple__": [4, 2]},
                                                         "standardize": 2, "lr": 0.001}]]}}
    loaded = artefact.load(_saved_as(tmp_path / "m", tmp_path / "old", old))
    assert np.array_equal(loaded.score(df), pipe.score(df))


def test_text_for_a_flag_is_still_refused_on_load(tmp_path: Path) -> None:
    df = pd.DataFrame(_X(), columns=["a", "b", "c"])
    Pipeline(AutoEncoder(**KW, verbose=0)).fit(df).save(tmp_path / "m")
    with pytest.raises(ArtefactError, match="standardize must be true or false, got 'false'"):
        artefact.load(_saved_as(tmp_path / "m", tmp_path / "old", {"standardize": "false"}))


@pytest.mark.filterwarnings("ignore:POT:UserWarning")  # few held-out scores: the tail is empirical
def test_a_threshold_rule_saved_with_a_setting_its_fit_took_before_loads(tmp_path: Path) -> None:
    # AlertBudget(min_tail=True) fitted (True: 1) and was saved so; loading refused the model
    # ('AlertBudget: min_tail must be a number, got True')
    df = pd.DataFrame(_X(), columns=["a", "b", "c"])
    pipe = Pipeline(AutoEncoder(**KW, verbose=0, threshold=AlertBudget(5, per="10k", min_tail=1)))
    pipe.fit(df).save(tmp_path / "m")

    def edit(config: dict[str, Any]) -> None:
        config["detector"]["state"]["threshold"]["params"]["min_tail"] = True
        config["detector"]["params"]["threshold"]["__threshold__"]["params"]["min_tail"] = True
    loaded = artefact.load(rehashed(tmp_path / "m", tmp_path / "old", edit))
    assert loaded.detector_.threshold_.value_ == pipe.detector_.threshold_.value_
    assert np.array_equal(loaded.predict(df), pipe.predict(df))


def test_onnx_export_under_a_folder_that_is_a_file_says_so(tmp_path: Path) -> None:
    # as Pipeline.save says it: the export ran, then a bare NotADirectoryError traceback
    from hourglass.pipeline.export import export_onnx

    df = pd.DataFrame(_X(), columns=["a", "b", "c"])
    Pipeline(AutoEncoder(**KW, verbose=0)).fit(df).save(tmp_path / "m")
    (tmp_path / "notes").write_text("x")
    with pytest.raises(InputError, match=r"notes: output folder does not exist \(a file of that name"):
        export_onnx(tmp_path / "m", tmp_path / "notes" / "m.onnx")
    assert (tmp_path / "notes").read_text() == "x"
