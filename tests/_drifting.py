"""Shared by the tests of streaming cut-offs: a DSPOT model and rows whose normal level drifts."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hourglass import AutoEncoder, Pipeline
from hourglass.thresholds import DSPOT


def drifting_model(d: Path, *, threshold_column: bool = False) -> tuple[dict[str, Path], pd.DataFrame]:
    """A table model with a DSPOT threshold saved under ``d / "m"`` and 1,000 rows (``rows.jsonl``)
    whose normal level drifts, with a spike every 23rd row, a ``src`` column of three hosts and,
    with ``threshold_column``, a text column named ``threshold``; the files and the rows."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=2000)
    train = pd.DataFrame({"a": a, "b": a + 0.1 * rng.normal(size=2000)})
    model = d / "m"
    with warnings.catch_warnings():  # (190 held-out scores: DSPOT starts from the empirical quantile)
        warnings.filterwarnings("ignore", message="DSPOT: only", category=UserWarning)
        Pipeline(AutoEncoder(hidden=(4, 2), epochs=5, verbose=0),
                 threshold=DSPOT(1e-2, depth=10)).fit(train).save(model)
    a = rng.normal(size=1000)
    off = np.linspace(0, 1.5, 1000) + 0.1 * rng.normal(size=1000)
    off[::23] += 3
    rows = pd.DataFrame({"a": a, "b": a + off, "src": [f"h{i % 3}" for i in range(1000)]})
    if threshold_column:
        rows["threshold"] = [f"t{i % 2}" for i in range(1000)]
    data = d / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows.to_dict("records")), encoding="utf-8")
    return {"dir": d, "model": model, "data": data}, rows


def check_group_cut_offs(docs: list[dict[str, Any]], cuts: np.ndarray) -> None:
    """Each grouped ECS alert of ``docs`` carries, and its message states, the cut-off its top row
    met (``cuts`` by row), below the group's highest score."""
    assert docs
    for doc in docs:
        h = doc["hourglass"]
        cut = cuts[h["top_row"]]
        assert h["threshold"] == cut < h["max_score"], doc["message"]
        assert f"> threshold {cut:.4g}," in doc["message"]
