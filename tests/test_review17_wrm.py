"""Warm start (``train --warm-start``, ``Pipeline.warm_start``): what the new model records of
its own training, not its parent's."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from hourglass import load
from hourglass.cli import app
from tests._cli import runner, small_labelled_model
from tests._warm_series import series_frame


def test_python_warm_start_does_not_keep_the_parents_training_read(tmp_path: Path) -> None:
    """A model trained by 'hourglass train', continued in Python on 100 rows: its info held the
    parent's held-out record (29 rows) and training file, beside its own 10 held-out rows."""
    made = small_labelled_model(tmp_path)
    parent = load(made["model"])
    assert parent.info["held_out"]["rows"] == 29 and parent.info["source"]
    new = made["frame"].drop(columns=["label"]).head(100)
    child = parent.warm_start(new, epochs=1)
    held = len(child.detector_.val_index_)
    assert child.info["warm_start"]["held_out_rows"] == held == 10
    assert child.info.get("held_out", {"rows": held})["rows"] == held
    assert "source" not in child.info and "skipped_rows" not in child.info
    assert child.info["warm_start"]["parent"]["source"] == parent.info["source"]  # the lineage
    assert child.info["label_col"] == "label"  # what a later score or warm start reads is kept
    child.save(tmp_path / "m2")
    assert load(tmp_path / "m2").info.get("held_out", {"rows": held})["rows"] == held


def test_series_warm_start_does_not_claim_the_parents_extra_normal(tmp_path: Path) -> None:
    """A series model trained with --extra-normal, continued on a new series: its config said it
    was trained with that extra recording too (info.extra_normal), which it never read."""
    series_frame(300, 1).to_csv(tmp_path / "old.csv", index=False)
    series_frame(120, 3).to_csv(tmp_path / "extra.csv", index=False)
    series_frame(200, 2).to_csv(tmp_path / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "-m", "tcn-ae", "--timestamp-col", "ts",
                              "--window", "16", "--epochs", "1", "--extra-normal",
                              str(tmp_path / "extra.csv"), "-o", str(tmp_path / "S"), "-q"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "S" / "config.json").read_text())["info"]["extra_normal"]
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(tmp_path / "S"),
                              "--epochs", "1", "-o", str(tmp_path / "S2"), "-q"])
    assert res.exit_code == 0, res.output
    info = json.loads((tmp_path / "S2" / "config.json").read_text())["info"]
    assert not info.get("extra_normal")
    assert info["n_train_rows"] == info["warm_start"]["rows"] == len(pd.read_csv(tmp_path / "new.csv"))
