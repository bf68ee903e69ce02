"""Review 51 (conc51): two runs writing one model folder or one result file at once, and a
result file cut short by an interruption or a full disk."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli import app
from hourglass.pipeline import artefact
from hourglass.pipeline.artefact import load, save

runner = CliRunner()


def _pipe(hidden: tuple[int, ...], seed: int) -> Pipeline:
    df = pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60.0) % 7})
    return Pipeline(AutoEncoder(hidden=hidden, epochs=1, verbose=0, random_state=seed)).fit(df)


@pytest.fixture()
def quick_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """``hourglass demo`` training one epoch of a small network (the command's own steps)."""
    from hourglass.cli import tables

    real = tables.train_pipeline

    def train_pipeline(*args: Any, **kwargs: Any) -> Any:
        kwargs["params"] = {**kwargs.get("params", {}), "epochs": 1, "hidden": (8, 4)}
        return real(*args, **kwargs)

    monkeypatch.setattr(tables, "train_pipeline", train_pipeline)


def _demo_with_a_model_saved_meanwhile(monkeypatch: pytest.MonkeyPatch, model: Path,
                                       meanwhile: Pipeline, args: list[str]) -> Any:
    """``hourglass demo -o MODEL ARGS`` with ``meanwhile`` saved at ``model`` by another run
    once the demo's save has passed its first check, just before it puts its model in place."""
    real_lock = artefact._saving_in
    saved: list[Path] = []

    def saving_in(folder: Path) -> object:
        if not saved:
            saved.append(folder)
            save(meanwhile, model)
        return real_lock(folder)

    monkeypatch.setattr(artefact, "_saving_in", saving_in)
    try:
        return runner.invoke(app, ["--threads", "1", "demo", "-o", str(model), "-q", *args])
    finally:
        monkeypatch.setattr(artefact, "_saving_in", real_lock)


def test_demo_keeps_a_users_model_another_run_saved_meanwhile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quick_demo: None) -> None:
    # 'hourglass demo' replaces an earlier demo's model, any other only with --force: it checked
    # so before training, then saved over whatever was there by then, so a model 'train -o
    # demo-model' saved meanwhile was replaced with no word. Now the demo's save checks again
    # as it puts its model in place: the user's model is kept, one line, exit code 2.
    model = tmp_path / "demo-model"
    user = _pipe((6, 3), 2)
    res = _demo_with_a_model_saved_meanwhile(monkeypatch, model, user, [])
    assert res.exit_code == 2, res.output
    last = res.output.strip().splitlines()[-1]
    assert last == (f"error: {model}: a model was saved there meanwhile (by another run); it is kept "
                    "and this one is not saved (pass --force to replace it)"), res.output
    assert load(model).detector_.hidden == (6, 3)
    assert sorted(os.listdir(tmp_path)) == ["demo-model"]
    # an earlier demo's model saved meanwhile is the demo's to replace, and --force replaces any
    earlier = _pipe((6, 3), 3)
    earlier.info = {**earlier.info, "source": "bundled NSL-KDD sample (train)"}
    res = _demo_with_a_model_saved_meanwhile(monkeypatch, tmp_path / "other", earlier, [])
    assert res.exit_code == 0, res.output
    assert load(tmp_path / "other").detector_.hidden == (8, 4)
    res = _demo_with_a_model_saved_meanwhile(monkeypatch, tmp_path / "forced", _pipe((6, 3), 4), ["--force"])
    assert res.exit_code == 0, res.output
    assert load(tmp_path / "forced").detector_.hidden == (8, 4)
