"""Models saved by earlier versions of hourglass, loaded by this one (review 28, old28)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import safetensors.numpy
from typer.testing import CliRunner

import hourglass
from hourglass.cli import app
from hourglass.pipeline.artefact import _content_hash
from tests._artefacts import small_saved_model, small_table


def _as_first_commits_saved(model: Path) -> Path:
    """``model`` as hourglass' first development commits saved one: held-out scores in the
    weights, but not which rows they were (``detector.val_index`` came later); hashes recomputed."""
    arrays = safetensors.numpy.load_file(str(model / "weights.safetensors"))
    del arrays["detector.val_index"]
    weights = safetensors.numpy.save(arrays)
    (model / "weights.safetensors").write_bytes(weights)
    config = json.loads((model / "config.json").read_text())
    config["weights_sha256"] = hashlib.sha256(weights).hexdigest()
    config["content_hash"] = _content_hash(config, weights)
    (model / "config.json").write_text(json.dumps(config))
    return model


def test_first_commits_model_loads_and_scores_as_trained(tmp_path: Path) -> None:
    # what was wrong: an autoencoder saved by hourglass' first commits (held-out scores, no
    # held-out row index) failed to load with "detector state is missing 'val_index'"; it now
    # loads with no held-out row named and scores as the model it was
    table = small_table()
    saved = small_saved_model(table, tmp_path)
    expected = hourglass.load(saved).score(table)
    model = _as_first_commits_saved(saved)
    pipe = hourglass.load(model)
    assert len(pipe.detector_.val_index_) == 0
    np.testing.assert_array_equal(pipe.score(table), expected)
    data = tmp_path / "rows.csv"
    table.to_csv(data, index=False)
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, ["score", str(model), str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(pd.read_csv(out)["score"], expected, rtol=1e-6)
