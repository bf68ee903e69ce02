"""Review 27, reproducibility and round trips: a saved model loaded and saved again is the same
model, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hourglass
from hourglass import Pipeline
from hourglass.detectors import DeepLog, LSTMAutoEncoder
from hourglass.features.sessions import EventSessions
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.pipeline import artefact

from ._artefacts import small_table


def _table_pipe() -> tuple[Pipeline, pd.DataFrame]:
    df = small_table()
    return Pipeline(hourglass.AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)), df


def _series_pipe() -> tuple[Pipeline, pd.DataFrame]:
    t = np.arange(120)
    df = pd.DataFrame({"cpu": np.sin(t / 4), "mem": np.cos(t / 6)})
    return Pipeline(LSTMAutoEncoder(window=8, hidden=4, code=2, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor()), df


def _events_pipe() -> tuple[Pipeline, pd.DataFrame]:
    df = pd.DataFrame({"sess": np.repeat(np.arange(30), 4),
                       "key": np.tile(["open", "read", "write", "close"], 30), "t": np.arange(120)})
    return Pipeline(DeepLog(window=2, top_g=2, epochs=1, verbose=0),
                    features=EventSessions(session_column="sess", key_column="key", time_column="t")), df


@pytest.mark.parametrize("make", [_table_pipe, _series_pipe, _events_pipe])
def test_a_loaded_model_saved_again_is_the_same_files(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # load() records the versions the model was saved with in pipe.info (the model card's
    # 'library versions'), which the first save had not written there: saving a loaded model
    # again added "info": {"versions": ...} to config.json, so the re-saved file and its
    # content_hash (the model's identity in an ONNX file's metadata, a warm start's parent)
    # differed from the model's own; save now writes that record with a model fitted here too
    pipe, df = make()
    pipe.fit(df).save(tmp_path / "a")
    loaded = hourglass.load(tmp_path / "a")
    loaded.save(tmp_path / "b")
    for name in ("config.json", "weights.safetensors"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes(), name
    again = hourglass.load(tmp_path / "b")
    assert again.artefact_["content_hash"] == loaded.artefact_["content_hash"]
    assert np.array_equal(again.score(df), pipe.score(df))
    assert again.threshold_.value_ == pipe.threshold_.value_
    config = json.loads((tmp_path / "a" / "config.json").read_text())
    assert config["info"]["versions"] == config["versions"]
    assert pipe.info.get("versions") is None  # saving records it in the file, not in the pipeline


def test_a_saved_model_keeps_the_versions_it_was_first_saved_with(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # the record of the versions a model was fitted under is kept when it is saved again under
    # others (the file's top-level "versions" says which saved it last)
    pipe, df = _table_pipe()
    pipe.fit(df).save(tmp_path / "a")
    fitted_under = json.loads((tmp_path / "a" / "config.json").read_text())["versions"]
    loaded = hourglass.load(tmp_path / "a")
    later = {**fitted_under, "numpy": "99.0"}
    monkeypatch.setattr(artefact, "_versions", lambda: dict(later))
    loaded.save(tmp_path / "b")
    config = json.loads((tmp_path / "b" / "config.json").read_text())
    assert config["versions"] == later
    assert config["info"]["versions"] == fitted_under


def test_the_model_card_is_the_same_before_saving_and_after_loading(tmp_path: Path) -> None:
    # a fitted pipeline's model card said 'library versions: n/a' until the model had been saved
    # and loaded, when it named them: the card of one model differed by the route it came by
    pipe, df = _table_pipe()
    pipe.fit(df).save(tmp_path / "a")
    card = pipe.model_card()
    assert card["library versions"].startswith("hourglass ")
    assert hourglass.load(tmp_path / "a").model_card() == card
