"""The core CLI commands (train, score, evaluate): options that conflict or would be ignored."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"bytes": rng.lognormal(5, 1, 120), "pkts": rng.poisson(8, 120),
                          "proto": rng.choice(["tcp", "udp"], 120)})
    data = tmp_path / "flows.csv"
    frame.to_csv(data, index=False)
    return data


@pytest.mark.parametrize(("typed", "param", "match"), [
    (["--seed", "0"], "random_state=5", "--param random_state=... and --seed both set random_state"),
    (["--device", "auto"], "device=cpu", "--param device=... and --device both set device"),
])
def test_train_refuses_param_beside_option_typed_at_its_default(flows: Path, typed: list[str],
                                                                param: str, match: str) -> None:
    # '--seed 0 --param random_state=5' trained with seed 5: the seed typed was dropped unsaid
    out = flows.parent / "m"
    one_line_error(["train", str(flows), "-o", str(out), "--epochs", "1", *typed, "--param", param],
                   match, out)


def test_evaluate_refuses_the_table_models_timestamp_column_as_label(tmp_path: Path) -> None:
    # its times were read as labels: every row an anomaly, precision, FPR and the AUCs n/a
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=120, freq="1min").astype(str),
                          "bytes": rng.lognormal(5, 1, 120), "pkts": rng.poisson(8, 120),
                          "label": np.where(np.arange(120) % 20 == 0, "attack", "normal")})
    data = tmp_path / "flows.csv"
    frame.to_csv(data, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--label-col", "label", "--normal",
                              "normal", "--timestamp-col", "ts", "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    metrics = tmp_path / "metrics.json"
    one_line_error(["evaluate", str(model), str(data), "--label-col", "ts", "--json", str(metrics)],
                   "--label-col ts: is the model's timestamp column, not a label (the model was trained "
                   "with --label-col label)", metrics)
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--json", str(metrics)])
    assert res.exit_code == 0, res.output
    assert json.loads(metrics.read_text())["n_anomalies"] == 6


def _hdfs_log(path: Path) -> Path:
    rng = np.random.default_rng(2)
    events = ["Receiving block", "Received block", "PacketResponder terminating", "Deleting block"]
    path.write_text("".join(f"081109 20{i // 60:02d}{i % 60:02d} 148 INFO dfs.DataNode$PacketResponder: "
                            f"{events[rng.integers(4)]} blk_{i % 40} of size {rng.integers(1, 9999)}\n"
                            for i in range(300)))
    return path


def test_time_window_log_model_given_a_table_says_no_line_matched(tmp_path: Path, flows: Path) -> None:
    # it said '--window: no event has a readable time stamp in this input', an option not typed
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(_hdfs_log(tmp_path / "h.log")), "--format", "hdfs", "--window",
                              "3", "--model", "deeplog", "--epochs", "1", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "s.csv"
    said = "no sessions found (121 lines, 121 matched no header format)"
    one_line_error(["score", str(model), str(flows), "-o", str(out)], said, out)
    one_line_error(["evaluate", str(model), str(flows), "--all-sessions", "normal"], said)
    one_line_error(["train", str(flows), "--warm-start", str(model), "-o", str(tmp_path / "w")],
                   "121 matched no header format", tmp_path / "w")
