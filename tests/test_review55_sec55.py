"""Review round 55 (sec55): security angle: tampered artefacts, the service, writes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def _saved_autoencoder(tmp_path: Path) -> Path:
    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    model = tmp_path / "m"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df).save(model)
    return model


def _edit_weights(model: Path, key: str, change: object) -> None:
    """Replace the tensor ``key`` of ``model``'s weights by ``change(tensor)`` and recompute the
    content hash, as someone editing the artefact can."""
    from safetensors.numpy import load, save

    from hourglass.pipeline.artefact import _content_hash

    arrays = load((model / "weights.safetensors").read_bytes())
    arrays[key] = change(arrays[key])  # type: ignore[operator]
    weights = save(arrays)
    cfg = json.loads((model / "config.json").read_text())
    cfg["content_hash"] = _content_hash(cfg, weights)
    (model / "weights.safetensors").write_bytes(weights)
    (model / "config.json").write_text(json.dumps(cfg))


@pytest.mark.parametrize(("key", "change"), [
    ("detector.input_scale", lambda a: np.zeros_like(a)),
    ("detector.input_scale", lambda a: -a),
    ("detector.module.error_scale", lambda a: np.zeros_like(a)),
    ("detector.module.encoder.1.running_var", lambda a: -a - 1.0),
])
def test_divisor_tensors_not_positive_refused_on_load(tmp_path: Path, key: str, change: object) -> None:
    # What was wrong: a saved divisor (the input standardisation's scale, the per-feature error
    # scale, a batch norm's running variance) edited to zero or below, hash recomputed, loaded
    # without a word and every row scored inf (null in the output) and was flagged 'critical'
    # (or, negated, scored otherwise); training never saves such values, and NaN/inf ones were
    # already refused. Now the load is refused, naming the tensor.
    from hourglass import load
    from hourglass.errors import ArtefactError

    model = _saved_autoencoder(tmp_path)
    _edit_weights(model, key, change)
    with pytest.raises(ArtefactError, match=f"tensor '{key}' holds"):
        load(model)


def test_series_preprocessing_columns_not_names_refused_on_load(tmp_path: Path) -> None:
    # What was wrong: a time-series model's features.columns edited to hold a list or an object
    # in place of a column name (hash recomputed) loaded, and every score then failed with a
    # traceback and exit code 1 ("TypeError: unhashable type: 'list'" from extra_columns).
    # Now the load is refused in one line, as the other malformed preprocessing lists are.
    from hourglass import Pipeline, load
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.errors import ArtefactError
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from tests._artefacts import rehashed

    series = pd.DataFrame({"x": np.sin(np.arange(60) / 5.0), "y": np.cos(np.arange(60) / 7.0)})
    model = tmp_path / "m"
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor()).fit(series).save(model)

    def edit(cfg: dict) -> None:  # type: ignore[type-arg]
        cfg["features"]["columns"][0] = []

    with pytest.raises(ArtefactError, match=r"preprocessing state is malformed \(columns: a list of "
                                            r"column names expected\)"):
        load(rehashed(model, tmp_path / "edited", edit))


def test_weights_file_larger_than_its_header_refused_unread(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: the weights file was read whole before anything checked it, so a file
    # far larger than its safetensors header describes (padded, or a big file copied in its
    # place; 'truncate -s 100G model/weights.safetensors') was read into memory: 'hourglass
    # score' then failed with "error: out of memory: free some memory, or give a smaller
    # --chunk-mb" and exit code 1, the model not named. Now such a file is refused unread, in
    # one line that names it (exit code 2). Here the file is padded by 1 MiB only, and the
    # test checks that it is not read.
    from hourglass import load
    from hourglass.errors import ArtefactError

    model = _saved_autoencoder(tmp_path)
    weights = model / "weights.safetensors"
    with weights.open("ab") as fh:
        fh.write(bytes(1 << 20))
    real = Path.read_bytes
    read: list[str] = []

    def recording(self: Path) -> bytes:
        read.append(self.name)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", recording)
    with pytest.raises(ArtefactError, match=r"weights\.safetensors: corrupt \(1,048,576 bytes more than its "
                                            r"safetensors header describes .*\(not read\)"):
        load(model)
    assert "weights.safetensors" not in read
