"""A warm start says a --sample-rows it does not use, as train does."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner


def test_warm_start_says_a_sample_rows_within_the_memory_budget_is_not_used(tmp_path: Path) -> None:
    # what was wrong: 'train new.csv --warm-start P --sample-rows 100' on a file within
    # --memory-budget trained on all of its rows without a word ('train' alone says so)
    rng = np.random.default_rng(0)
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    for path in (old, new):
        pd.DataFrame(rng.random((400, 2)), columns=["a", "b"]).to_csv(path, index=False)
    fast = ["--epochs", "1", "-q"]
    res = runner.invoke(app, ["train", str(old), "-o", str(tmp_path / "P"), "--hidden", "4,2", *fast])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(new), "--warm-start", str(tmp_path / "P"), "-o",
                              str(tmp_path / "W"), "--sample-rows", "100", *fast])
    assert res.exit_code == 0, res.output
    said = [line for line in res.stderr.splitlines() if "--sample-rows" in line]
    assert len(said) == 1 and "--sample-rows 100: not used: " in said[0], res.stderr
    assert "new.csv is within --memory-budget (1024 MB), so every one of its 400 rows" in said[0]
    assert json.loads((tmp_path / "W" / "config.json").read_text())["info"]["sampled"] is None
    res = runner.invoke(app, ["train", str(new), "--warm-start", str(tmp_path / "P"), "-o",
                              str(tmp_path / "W2"), *fast])  # not asked: nothing said
    assert res.exit_code == 0 and "--sample-rows" not in res.stderr, res.output
