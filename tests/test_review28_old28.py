"""Models saved by earlier versions of hourglass, loaded by this one (review 28, old28)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import safetensors.numpy
from typer.testing import CliRunner

import hourglass
from hourglass.cli import app
from hourglass.errors import ArtefactError
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


def test_first_commits_model_is_refused_as_early_version(tmp_path: Path) -> None:
    # what was wrong: a model saved by hourglass' first commits (no held-out row index) failed
    # with "detector state is missing 'val_index'", saying neither that it came from an older,
    # incompatible version nor what to do (and read as it was, its scores and flags differ)
    model = _as_first_commits_saved(small_saved_model(small_table(), tmp_path))
    with pytest.raises(ArtefactError, match=r"saved by an early version of hourglass .*train the "
                                            r"model again"):
        hourglass.load(model)
    data = tmp_path / "rows.csv"
    small_table().to_csv(data, index=False)
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, ["score", str(model), str(data), "-o", str(out)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "saved by an early version of hourglass" in lines[0]
    assert "Traceback" not in result.output and not out.exists()
