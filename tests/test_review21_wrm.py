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
    from hourglass.pipeline import load

    card = load(out).model_card()["warm start"]
    assert "3 new rows left out (a value beyond the frozen scale in bytes)" in card
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


def _entity_rows(n: int, seed: int, start: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, 2 * 86400, n)), unit="s")
    return pd.DataFrame({"ts": t.strftime("%Y-%m-%d %H:%M:%S"), "user": rng.choice(["u1", "u2", "u3"], n),
                         "bytes": rng.lognormal(5, 1, n)})


def test_entity_and_series_warm_starts_warn_of_a_label_column_left_unread(tmp_path: Path) -> None:
    """A NEW file holding a label-like column beside a parent trained without labels: the table
    warm start warns that every row (attacks included) is trained on as normal; the entity and
    the series warm starts trained on the attack buckets and the anomalous steps without a word."""
    old = tmp_path / "old.csv"
    _entity_rows(600, 0, "2026-01-05").to_csv(old, index=False)
    parent = tmp_path / "em"
    res = runner.invoke(app, ["train", str(old), "--entity-col", "user", "--timestamp-col", "ts",
                              "--bucket", "1h", "-o", str(parent), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    new = _entity_rows(600, 1, "2026-02-05").assign(label=["attack", *["normal"] * 599])
    data = tmp_path / "new.csv"
    new.to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), "--warm-start", str(parent), "-o", str(tmp_path / "em2"),
                              "--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert "column 'label' looks like a label, and without --label-col every bucket" in res.stderr
    # the old data replayed is the parent's (no labels to read): no warning about it
    res = runner.invoke(app, ["train", str(old), "--warm-start", str(parent), "-o", str(tmp_path / "em3"),
                              "--epochs", "1"])
    assert res.exit_code == 0 and "looks like a label" not in res.stderr, res.output

    n = 300
    steps = np.arange(n)
    hours = pd.date_range("2026-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M")
    series = pd.DataFrame({"time": hours,
                           "cpu": np.sin(steps * 2 * np.pi / 24), "mem": np.cos(steps * 2 * np.pi / 24)})
    s_old = tmp_path / "s_old.csv"
    series.to_csv(s_old, index=False)
    sm = tmp_path / "sm"
    res = runner.invoke(app, ["train", str(s_old), "-m", "lstm-ae", "--timestamp-col", "time",
                              "--window", "8", "-o", str(sm), "--epochs", "1", "--hidden", "4", "-q"])
    assert res.exit_code == 0, res.output
    s_new = tmp_path / "s_new.csv"
    series.assign(anomaly=(steps // 10 == 12).astype(int)).to_csv(s_new, index=False)
    res = runner.invoke(app, ["train", str(s_new), "--warm-start", str(sm), "-o", str(tmp_path / "sm2"),
                              "--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert "column 'anomaly' looks like a label, and without --label-col every step" in res.stderr


def test_a_table_warm_start_reads_the_times_as_train_does_in_the_kept_order(tmp_path: Path) -> None:
    """A table model's time column (--timestamp-col) was dropped from NEW unread: a row whose
    time does not read was trained on (train refuses it; --on-bad-rows skip skips it), and NEW's
    day-first dates were taken by a model that reads them month first (its kept order)."""
    from tests._cli import one_line_error

    rng = np.random.default_rng(0)
    n = 300
    times = pd.date_range("2026-01-13", periods=n, freq="10min")
    frame = pd.DataFrame({"when": times.strftime("%m/%d/%Y %H:%M"), "bytes": rng.lognormal(5, 1, n),
                          "proto": rng.choice(["tcp", "udp"], n)})
    old = tmp_path / "old.csv"
    frame.to_csv(old, index=False)
    parent = tmp_path / "m"
    res = runner.invoke(app, ["train", str(old), "--timestamp-col", "when", "-o", str(parent),
                              "--epochs", "1", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    assert json.loads((parent / "config.json").read_text())["info"]["time_dayfirst"] is False
    bad = frame.copy()
    bad.loc[3, "when"] = "notatime"
    data = tmp_path / "bad.csv"
    bad.to_csv(data, index=False)
    out = tmp_path / "m2"
    one_line_error(["train", str(data), "--warm-start", str(parent), "-o", str(out), "--epochs", "1"],
                   "bad.csv: column 'when': line 5 is not a timestamp", out)
    res = runner.invoke(app, ["train", str(data), "--warm-start", str(parent), "-o", str(out),
                              "--epochs", "1", "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    info = json.loads((out / "config.json").read_text())["info"]
    assert info["skipped_rows"] == 1 and info["n_train_rows"] == n - 1 and info["time_dayfirst"] is False
    day_first = tmp_path / "day_first.csv"
    frame.assign(when=times.strftime("%d/%m/%Y %H:%M")).to_csv(day_first, index=False)
    one_line_error(["train", str(day_first), "--warm-start", str(parent), "-o", str(tmp_path / "m3"),
                    "--epochs", "1"], "puts the day first; dates are read month first", tmp_path / "m3")
