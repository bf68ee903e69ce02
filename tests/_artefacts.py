"""Hand edits of a saved model's config that keep its content hash valid: what a user who knows
the format can do, and what the loader's checks of the config must catch."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hourglass.pipeline.artefact import _content_hash


def rehashed(src: Path, dst: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the model ``src`` at ``dst`` with its config edited and the hash recomputed."""
    shutil.copytree(src, dst)
    config = json.loads((dst / "config.json").read_text())
    edit(config)
    config["content_hash"] = _content_hash(config, (dst / "weights.safetensors").read_bytes())
    (dst / "config.json").write_text(json.dumps(config))
    return dst


def small_table() -> pd.DataFrame:
    """120 rows of two numeric columns and a protocol, for a model to save and edit."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=120), "b": rng.exponential(size=120),
                         "proto": rng.choice(["tcp", "udp"], 120)})


def small_saved_model(table: pd.DataFrame, folder: Path) -> Path:
    """A one-epoch autoencoder of ``table`` saved as ``folder/model``, for a test to load or edit."""
    from hourglass import AutoEncoder, Pipeline

    out = folder / "model"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(table).save(out)
    return out
