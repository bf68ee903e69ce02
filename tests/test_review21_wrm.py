"""Warm starts (``hourglass train NEW --warm-start MODEL``): each test pinned by the input that
showed the defect."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner, small_labelled_model


def test_rows_beyond_the_frozen_scale_are_left_out_not_made_the_threshold(tmp_path: Path) -> None:
    """NEW rows with ``inf`` in a column the parent never saw one in were trained on and held out
    as normal: read as the scale's extreme, they set the threshold at ~2e18 and the new model
    flagged nothing. They are left out, counted and said."""
    made = small_labelled_model(tmp_path)
    new = made["frame"].copy()
    new["bytes"] = new["bytes"].astype(object)
    new.loc[[1, 2, 3], "bytes"] = ["inf", "Infinity", "1e400"]
    data = tmp_path / "new.csv"
    new.to_csv(data, index=False)
    out = tmp_path / "m2"
    res = runner.invoke(app, ["train", str(data), "--warm-start", str(made["model"]), "-o", str(out),
                              "--epochs", "1", "--batch-size", "64"])
    assert res.exit_code == 0, res.output
    assert "3 of the 290 new rows left out: column(s) bytes" in res.stderr
    info = json.loads((out / "config.json").read_text())["info"]
    assert info["warm_start"]["rows_beyond_scale"] == {"rows": 3, "columns": ["bytes"]}
    assert info["threshold_value"] < 1e3 and info["n_train_rows"] == 287
    # all rows beyond the scale: one line, no model
    bad = tmp_path / "bad.csv"
    new.loc[[1, 2, 3]].to_csv(bad, index=False)
    res = runner.invoke(app, ["train", str(bad), "--warm-start", str(made["model"]), "-o",
                              str(tmp_path / "m3"), "--epochs", "1"])
    assert res.exit_code == 2 and "frozen scale cannot read" in res.stderr, res.output
    assert not (tmp_path / "m3").exists()


def test_python_warm_start_drops_their_labels_too() -> None:
    """``Pipeline.warm_start(df, y)``: the labels of rows left out go with them."""
    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    new = df.copy()
    new.loc[5, "a"] = np.inf
    y = np.zeros(200, dtype=int)
    y[7] = 1
    pipe2 = pipe.warm_start(new, y, epochs=1)
    assert pipe2.info["warm_start"]["rows"] == 199
    assert pipe2.info.get("n_labelled_anomalies", 1) == 1
