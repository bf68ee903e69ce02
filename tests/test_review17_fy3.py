"""Loading a saved model: what its checks say, and that they still take every model saved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline, load
from hourglass.errors import ArtefactError
from tests._artefacts import small_saved_model, small_table
from tests.test_review17_art import _reweighted


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return small_table()


@pytest.fixture(scope="module")
def saved(table: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_saved_model(table, tmp_path_factory.mktemp("fy3"))


@pytest.fixture(scope="module")
def ensemble(table: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hourglass.detectors import Ensemble

    out = tmp_path_factory.mktemp("fy3e") / "model"
    Pipeline(Ensemble(detectors=("autoencoder", "vae"), epochs=1, verbose=0)).fit(table).save(out)
    return out


@pytest.mark.parametrize(("name", "dtype"), [("detector.val_scores", np.float32),
                                             ("detector.input_offset", np.float64)])
def test_a_state_array_of_another_dtype_is_refused_naming_the_model(
        saved: Path, tmp_path: Path, name: str, dtype: type) -> None:
    """The message said which array, but not which model (the forest's and the weights' did)."""
    model = _reweighted(saved, tmp_path / "m", name, dtype)
    with pytest.raises(ArtefactError, match=f"holds {np.dtype(dtype)}") as info:
        load(model)
    assert str(info.value).startswith(f"{model}: ")


def test_an_ensemble_members_state_array_of_another_dtype_names_the_member(
        ensemble: Path, tmp_path: Path) -> None:
    """Every member has a 'val_scores': the message named none of them, nor the model."""
    model = _reweighted(ensemble, tmp_path / "m", "detector.member1.val_scores", np.float32)
    said = r"ensemble member 1 \(vae\): .*'val_scores' holds float32"
    with pytest.raises(ArtefactError, match=said) as info:
        load(model)
    assert str(info.value).startswith(f"{model}: ")


@pytest.mark.parametrize("edit", [{"standardize": 2, "batch_norm": 3}, {"standardize": None}])
def test_a_model_saved_with_a_setting_an_earlier_version_took_still_warm_starts(
        table: pd.DataFrame, tmp_path: Path, edit: dict[str, object]) -> None:
    """It loaded and scored, but 'hourglass train --warm-start' refused it ('batch_norm must be
    true or false, got 3'), a setting no warm start may change: it could never be retrained."""
    from tests._artefacts import rehashed

    kept = {k: (True if v else False) for k, v in edit.items()}  # what the saved kinds read as
    src = tmp_path / "src"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, **kept)).fit(table).save(src)
    old = rehashed(src, tmp_path / "old", lambda c: c["detector"]["params"].update(edit))
    new = load(old).warm_start(table.iloc[:80], epochs=1)
    assert np.array_equal(new.score(table), load(src).warm_start(table.iloc[:80], epochs=1).score(table))


def test_a_warm_start_still_refuses_a_flag_for_a_training_setting(saved: Path, table: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="lr must be a number, got True"):
        load(saved).warm_start(table.iloc[:80], lr=True)
