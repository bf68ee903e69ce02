"""Known anomalies (fit(X, y)): what a warm start records, labels read by every path."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline


def _table(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})


def test_warm_start_records_its_own_labelled_anomalies_not_the_parents() -> None:
    df = _table()
    y = np.zeros(len(df), dtype=int)
    y[:4] = 1
    parent = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df, y)
    assert parent.info["n_labelled_anomalies"] == 4
    plain = parent.warm_start(df, epochs=1)  # no labels: every new row is a normal one
    assert "n_labelled_anomalies" not in plain.info
    assert "labelled anomalies" not in plain.model_card()["data"]
    y2 = np.zeros(len(df), dtype=int)
    y2[:10] = 1
    labelled = parent.warm_start(df, y2, epochs=1)
    assert labelled.info["n_labelled_anomalies"] == 10
    assert "(10 of them labelled anomalies" in labelled.model_card()["data"]


def test_train_refuses_a_label_loss_setting_of_an_ensemble_member(tmp_path: Path) -> None:
    from tests._cli import one_line_error

    rng = np.random.default_rng(0)
    data = tmp_path / "t.csv"
    pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60),
                  "label": np.where(np.arange(60) % 20 == 0, "attack", "normal")}).to_csv(data, index=False)
    for key in ("label_margin", "label_weight"):
        one_line_error(["train", str(data), "-o", str(tmp_path / "m"), "--model", "ensemble",
                        "--label-col", "label", "--normal", "normal", "--epochs", "1", "--param",
                        f'detectors=[["autoencoder", {{"{key}": 5}}], "latent-iforest"]'],
                       f"--param detectors[0] (autoencoder): {key}: train fits on the normal rows only",
                       tmp_path / "m")


def test_entity_evaluate_warns_of_a_normal_value_spelt_otherwise(tmp_path: Path) -> None:
    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    n = 600
    label = np.where(np.arange(n) % 50 == 0, "attack", "normal").astype(object)
    label[5:40] = "Normal"
    data = tmp_path / "e.csv"
    pd.DataFrame({"ts": (pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) * 60, "s")).astype(str),
                  "user": rng.choice(["u1", "u2", "u3"], n), "bytes": rng.exponential(100, n),
                  "label": label}).to_csv(data, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--entity-col", "user",
                              "--timestamp-col", "ts", "--bucket", "10min", "--label-col", "label",
                              "--normal", "normal", "--epochs", "2"])
    assert res.exit_code == 0, res.output
    said = "label value: 'Normal' (35 rows), a normal value ('normal') spelt otherwise"
    assert said in res.stderr
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--label-col", "label",
                              "--normal", "normal"])
    assert res.exit_code == 0, res.output
    assert res.stderr.count(said) == 1, res.stderr


def test_log_evaluate_warns_of_a_normal_value_spelt_otherwise(tmp_path: Path) -> None:
    from hourglass.cli import app
    from tests._cli import runner
    from tests.test_logs import hdfs_log

    train = tmp_path / "train.log"
    train.write_text("\n".join(hdfs_log(30)) + "\n")
    model = tmp_path / "M"
    res = runner.invoke(app, ["train", str(train), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                              "--model", "deeplog", "-o", str(model), "--epochs", "2", "--param",
                              "window=3", "--param", "top_g=1", "--hidden", "8", "-q"])
    assert res.exit_code == 0, res.output
    log = tmp_path / "new.log"
    log.write_text("\n".join(hdfs_log(12, seed=4, anomalous=(3, 7))) + "\n")
    marks = ["Anomaly" if j in (3, 7) else "Normal" if j < 8 else "normal" for j in range(12)]
    rows = [f"blk_{'-' if j % 2 else ''}{1000 + j},{mark}" for j, mark in enumerate(marks)]
    labels = tmp_path / "labels.csv"
    labels.write_text("BlockId,Label\n" + "\n".join(rows) + "\n")
    res = runner.invoke(app, ["evaluate", str(model), str(log), "--labels", str(labels),
                              "--normal", "Normal"])
    assert res.exit_code == 0, res.output
    assert ("Label value: 'normal' (4 sessions), a normal value ('Normal') spelt otherwise"
            in " ".join(res.stderr.split())), res.stderr


def test_benchmark_warns_of_a_normal_value_spelt_otherwise(caplog: pytest.LogCaptureFixture) -> None:
    from hourglass.pipeline.benchmark import Benchmark

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300), "y": "n"})
    df.loc[:9, "y"] = "attack"
    test = df.copy()
    test.loc[20:24, "y"] = "N"
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        Benchmark(df, test, label_col="y", normal=["n"], models=(), seeds=(0,))
    said = [r.getMessage() for r in caplog.records if "spelt otherwise" in r.getMessage()]
    assert len(said) == 1 and "y value: 'N' (5 rows), a normal value ('n') spelt otherwise" in said[0], said


def test_log_warm_start_counts_the_labelled_anomalies_it_trained_on() -> None:
    from hourglass.detectors import EventCountAutoEncoder
    from hourglass.features.sessions import EventSessions

    events = ["login", "read", "write", "logout"]
    rows = [{"user": f"u{i}", "event": e, "ts": float(j)} for i in range(30) for j, e in enumerate(events)]
    df = pd.DataFrame(rows)
    pre = EventSessions(session_column="user", key_column="event", time_column="ts")
    pipe = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=2, verbose=0), features=pre).fit(df)
    new = df.copy()
    new.loc[new["user"].isin(["u0", "u1"]) & (new["event"] == "read"), "event"] = "sudo"  # unknown key
    y = np.zeros(30, dtype=int)
    y[[0, 1, 2]] = 1  # sessions u0 and u1 hold an unknown key: not trained on
    warm = pipe.warm_start(new, y, epochs=1)
    assert warm.info["warm_start"]["unknown"]["trained_sessions"] == warm.info["n_train_rows"] == 28
    assert warm.info["n_labelled_anomalies"] == 1
