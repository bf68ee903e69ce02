"""Hand edits of a saved model's config that keep its content hash valid: what a user who knows
the format can do, and what the loader's checks of the config must catch."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hourglass.pipeline.artefact import _content_hash


def rehashed(src: Path, dst: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the model ``src`` at ``dst`` with its config edited and the hash recomputed."""
    shutil.copytree(src, dst)
    config = json.loads((dst / "config.json").read_text())
    edit(config)
    config["content_hash"] = _content_hash(config, (dst / "weights.safetensors").read_bytes())
    (dst / "config.json").write_text(json.dumps(config))
    return dst
