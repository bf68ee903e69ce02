"""Artefacts of another version: what a model's config or weights hold that this version does not
read is refused in one line, never scored without it; what earlier versions saved loads as before."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import safetensors.numpy

import hourglass
from hourglass import Pipeline
from hourglass.errors import ArtefactError
from hourglass.pipeline.artefact import _content_hash
from tests._artefacts import rehashed, small_saved_model, small_table
from tests._cli import one_line_error


def _ensemble_model(folder: Path) -> Path:
    from hourglass.detectors import Ensemble

    out = folder / "ens"
    Pipeline(Ensemble(detectors=("autoencoder", "latent-iforest"), epochs=1, verbose=0)
             ).fit(small_table()).save(out)
    return out


def test_a_state_entry_this_version_never_saves_is_refused_in_one_line(tmp_path: Path) -> None:
    # what was wrong: a detector state entry this version does not read (one a later version adds
    # with a new way of scoring, as 'latent_dtype' was added to latent-iforest: the code before
    # it loaded such a model and scored it the old way, with no word) was ignored: the model
    # loaded and scored. 'hourglass score' now stops with one line naming it, exit 2
    table = small_table()
    model = small_saved_model(table, tmp_path)
    table.to_csv(tmp_path / "t.csv", index=False)
    newer = rehashed(model, tmp_path / "newer", lambda c: c["detector"]["state"].update(codes="float64"))
    one_line_error(["score", str(newer), str(tmp_path / "t.csv"), "-o", str(tmp_path / "s.jsonl")],
                   "holds 'detector.state.codes', which hourglass", tmp_path / "s.jsonl")
    with pytest.raises(ArtefactError, match=r"\(saved by a later hourglass, or edited\)"):
        hourglass.load(newer)
    assert hourglass.load(model).score(table).shape == (len(table),)  # the model as saved loads


def test_an_ensemble_members_unread_state_entry_is_refused(tmp_path: Path) -> None:
    # what was wrong: as above, one level down: a member's state entry of a later version loaded
    def edit(config: dict[str, Any]) -> None:
        config["detector"]["state"]["members"][1]["state"]["latent_scale"] = 2.0

    newer = rehashed(_ensemble_model(tmp_path), tmp_path / "newer", edit)
    with pytest.raises(ArtefactError, match=r"'detector\.state\.members\[1\]\.state\.latent_scale'"):
        hourglass.load(newer)


def test_a_preprocessing_entry_this_version_never_saves_is_refused(tmp_path: Path) -> None:
    # what was wrong: an entry of the preprocessing's state that this version does not read
    # (features_from_dict took the keys it knows) loaded and scored the rows without it
    model = small_saved_model(small_table(), tmp_path)
    newer = rehashed(model, tmp_path / "newer", lambda c: c["features"].update(clip_quantile=0.999))
    with pytest.raises(ArtefactError, match=r"holds 'features\.clip_quantile', which hourglass .*, or "
                                            r"retrain it with this one"):
        hourglass.load(newer)


def test_a_weights_tensor_this_version_never_saves_is_refused(tmp_path: Path) -> None:
    # what was wrong: a tensor in weights.safetensors that no part of this version reads (a later
    # version's, say a per-feature weight of the error) loaded, and the model scored without it
    model = small_saved_model(small_table(), tmp_path)
    arrays = safetensors.numpy.load((model / "weights.safetensors").read_bytes())
    weights = safetensors.numpy.save({**arrays, "detector.error_weight": np.ones(3, dtype=np.float32)})
    dst = tmp_path / "newer"
    dst.mkdir()
    (dst / "weights.safetensors").write_bytes(weights)
    config = json.loads((model / "config.json").read_text())
    config["weights_sha256"] = hashlib.sha256(weights).hexdigest()
    config["content_hash"] = _content_hash(config, weights)
    (dst / "config.json").write_text(json.dumps(config))
    with pytest.raises(ArtefactError, match=r"tensor 'detector\.error_weight'"):
        hourglass.load(dst)


def test_a_parameter_this_version_does_not_take_is_named_with_what_to_do(tmp_path: Path) -> None:
    # what was wrong: a parameter of a later version said "artefact config is incomplete or
    # invalid (TypeError: AutoEncoder.__init__() got an unexpected keyword argument 'clip')",
    # with nothing to do about it; it now names the parameter, the model and the way out
    model = small_saved_model(small_table(), tmp_path)
    newer = rehashed(model, tmp_path / "newer", lambda c: c["detector"]["params"].update(clip=3))
    with pytest.raises(ArtefactError, match=r"parameter 'clip' of autoencoder is one hourglass \S+ "
                       r"does not take \(saved by a later hourglass, or edited\); load it with the "
                       r"hourglass that saved it, or retrain it with this one"):
        hourglass.load(newer)


def test_every_entry_a_model_saves_is_one_load_reads(tmp_path: Path) -> None:
    # what was wrong: nothing (a pin): the check above refuses no model this version saves, of
    # each input kind's families here (an ensemble's members included), loaded and saved again
    from hourglass.detectors import DeepLog, LatentIForest, LSTMAutoEncoder
    from hourglass.features.sessions.events import EventSessions
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    table = small_table()
    series = pd.DataFrame({"x": np.sin(np.arange(300) / 5.0), "y": np.cos(np.arange(300) / 7.0)})
    events = pd.DataFrame({"sess": np.repeat(np.arange(60), 5), "key": np.tile([1, 2, 3, 4, 1], 60),
                           "t": np.arange(300)})
    fitted = [(Pipeline(LatentIForest(hidden=(4, 2), epochs=1, n_estimators=10, verbose=0)), table),
              (Pipeline(LSTMAutoEncoder(hidden=4, window=8, epochs=1, verbose=0),
                        features=TimeSeriesPreprocessor()), series),
              (Pipeline(DeepLog(hidden=8, epochs=1, verbose=0),
                        features=EventSessions(session_column="sess", key_column="key", time_column="t")),
               events)]
    for i, (pipe, data) in enumerate(fitted):
        pipe.fit(data).save(tmp_path / f"m{i}")
        loaded = hourglass.load(tmp_path / f"m{i}")
        loaded.save(tmp_path / f"again{i}")
        assert np.array_equal(hourglass.load(tmp_path / f"again{i}").score(data), pipe.score(data))
    assert hourglass.load(_ensemble_model(tmp_path)).detector_.members_


def test_a_latent_forest_saved_before_latent_dtype_keeps_float32_when_saved_again(tmp_path: Path) -> None:
    # what was wrong: nothing (a pin): a latent-iforest saved before 'latent_dtype' existed (its
    # forest fitted on float32 codes), loaded and saved again by this version (as 'hourglass
    # threshold M -o NEW' does), records float32, and scores as the first save did
    from hourglass.detectors import LatentIForest

    table = small_table()
    Pipeline(LatentIForest(hidden=(4, 2), epochs=1, n_estimators=10, verbose=0)
             ).fit(table).save(tmp_path / "m")
    old = rehashed(tmp_path / "m", tmp_path / "old", lambda c: c["detector"]["state"].pop("latent_dtype"))
    before = hourglass.load(old).score(table)
    hourglass.load(old).save(tmp_path / "again")
    config = json.loads((tmp_path / "again" / "config.json").read_text())
    assert config["detector"]["state"]["latent_dtype"] == "float32"
    assert np.array_equal(hourglass.load(tmp_path / "again").score(table), before)


@pytest.mark.parametrize("edit", [lambda c: c.update(format_version=2),
                                  lambda c: c["versions"].update(hourglass="1.0.0")],
                         ids=["format-version", "major-version"])
def test_a_model_of_another_format_or_major_version_says_what_to_do(tmp_path: Path, edit: Any) -> None:
    # what was wrong: 'hourglass score M data.csv' of a model of format version 2 said only
    # 'artefact format version 2 is not supported by hourglass 0.1.0 (reads version 1)' (one
    # saved by hourglass 1.0.0: '... which this version (0.1.0) cannot read'), not what to do
    table = small_table()
    table.to_csv(tmp_path / "t.csv", index=False)
    other = rehashed(small_saved_model(table, tmp_path), tmp_path / "other", edit)
    one_line_error(["score", str(other), str(tmp_path / "t.csv"), "-o", str(tmp_path / "s.jsonl")],
                   "; load it with the hourglass that saved it, or retrain it with this one",
                   tmp_path / "s.jsonl")
