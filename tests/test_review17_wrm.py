"""Warm start (``train --warm-start``, ``Pipeline.warm_start``): what the new model records of
its own training, not its parent's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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


def _flows(n: int, seed: int, start: str) -> pd.DataFrame:
    """``n`` rows of hosts a-d over two days from ``start``: time, host, bytes, port."""
    rng = np.random.default_rng(seed)
    t = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, 86400 * 2, n)), unit="s")
    return pd.DataFrame({"ts": t.strftime("%Y-%m-%d %H:%M:%S"), "host": rng.choice(list("abcd"), n),
                         "bytes": rng.lognormal(5, 1, n), "port": rng.choice([80, 443, 22], n)})


def test_entity_warm_start_says_rows_without_an_entity_are_grouped_as_one(tmp_path: Path) -> None:
    """NEW rows with no entity value were grouped as the entity '<missing>' and trained on without
    a word, where 'train' warns of them."""
    _flows(1500, 0, "2026-01-01").to_csv(tmp_path / "old.csv", index=False)
    new = _flows(1500, 1, "2026-01-05")
    new.loc[[3, 40, 41], "host"] = None
    new.to_csv(tmp_path / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "--entity-col", "host", "--timestamp-col",
                              "ts", "--bucket", "1h", "--aggregate", "bytes", "--epochs", "1",
                              "-o", str(tmp_path / "E"), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(tmp_path / "E"),
                              "--epochs", "1", "-o", str(tmp_path / "E2")])
    assert res.exit_code == 0, res.output
    assert "3 of 1500 rows (0.2%) have no 'host' value; they are grouped as the one entity" in res.stderr
    old = _flows(1500, 0, "2026-01-01")
    old.loc[[7], "host"] = None
    old.to_csv(tmp_path / "old2.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(tmp_path / "E"),
                              "--epochs", "1", "--replay-data", str(tmp_path / "old2.csv"), "--replay", "100",
                              "-o", str(tmp_path / "E3")])
    assert res.exit_code == 0, res.output
    assert "--replay-data" in res.stderr and "1 of 1500 rows (0.1%) have no 'host'" in res.stderr
