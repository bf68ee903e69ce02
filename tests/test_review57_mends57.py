"""Regression tests of the mends made while merging review round 57."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.detectors.registry import get
from hourglass.errors import InputError
from hourglass.pipeline import Pipeline, load
from hourglass.pipeline.export import export_onnx


def test_a_window_scores_the_same_alone_and_in_a_batch_at_the_smaller_row_block() -> None:
    # What was wrong: nn.predict_batches padded every batch to a multiple of 64 rows so that a
    # row's score did not follow its batch; one window of a wide window model (conv2d-ae, 100
    # channels, window 64) then cost 56 ms against 3 ms unpadded, where 16 rows give the same
    # identity (a tcn-ae window, below, differs alone and in a batch at 8 rows, not at 16).
    rng = np.random.default_rng(0)
    series = rng.normal(size=(300, 8)).astype(np.float32)
    det = get("tcn-ae")(window=32, epochs=1, random_state=0).fit(series)
    full = det.window_scores(series)
    for start in range(0, 260, 37):
        for extra in (0, 2, 9):
            alone = det.window_scores(series[start:start + 32 + extra])
            assert alone[0] == full[start]


# What was wrong: export_onnx("m", "m/weights.safetensors") (a Python user's slip; 'hourglass
# export' refuses an --onnx path inside the model directory) wrote the ONNX graph over the
# model's own weights, so the saved model no longer loaded. The library refuses it too, for a
# model given as its folder or a Pipeline loaded from one; nothing is written.
def test_export_onnx_refuses_a_file_inside_the_exported_models_folder(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("abcd"))
    folder = tmp_path / "m"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, random_state=0)).fit(df).save(folder)
    weights = (folder / "weights.safetensors").read_bytes()
    for model in (str(folder), load(folder)):
        with pytest.raises(InputError, match="inside the model directory"):
            export_onnx(model, folder / "weights.safetensors")
        with pytest.raises(InputError, match="inside the model directory"):
            export_onnx(model, folder / "model.onnx")
    assert (folder / "weights.safetensors").read_bytes() == weights
    assert not (folder / "model.onnx").exists()
    assert load(folder).score(df).shape == (200,)
    export_onnx(str(folder), tmp_path / "model.onnx")  # beside it: written
    assert (tmp_path / "model.onnx").stat().st_size > 0
