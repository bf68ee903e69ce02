"""``hourglass evaluate`` on log models: session labels from a file or for the whole file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from tests.test_logs import _normal, hdfs_log

runner = CliRunner()


@pytest.fixture(scope="module")
def hdfs_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hdfs")
    train = d / "train.log"
    train.write_text("\n".join(hdfs_log(60)) + "\n")
    r = runner.invoke(app, ["train", str(train), "--format", "hdfs", "--session-regex",
                            r"blk_-?\d+", "--model", "deeplog", "-o", str(d / "M"), "--epochs", "30",
                            "--param", "window=3", "--param", "top_g=1", "--hidden", "16",
                            "--param", "layers=1", "--lr", "0.02", "-q"])
    assert r.exit_code == 0, r.output
    return d / "M"


def _test_log(tmp_path: Path) -> tuple[Path, Path]:
    """12 block sessions (blocks 3 and 7 fail) and a labels file that misses blk_-1011."""
    log = tmp_path / "new.log"
    log.write_text("\n".join(hdfs_log(12, seed=4, anomalous=(3, 7))) + "\n")
    rows = [f"blk_{'-' if j % 2 else ''}{1000 + j},{'Anomaly' if j in (3, 7) else 'Normal'}"
            for j in range(11)]
    labels = tmp_path / "anomaly_label.csv"
    labels.write_text("BlockId,Label\n" + "\n".join([*rows, "blk_999999,Anomaly"]) + "\n")
    return log, labels


def test_evaluate_log_model_with_labels_file(hdfs_model: Path, tmp_path: Path) -> None:
    log, labels = _test_log(tmp_path)
    js, html = tmp_path / "m.json", tmp_path / "r.html"
    r = runner.invoke(app, ["evaluate", str(hdfs_model), str(log), "--labels", str(labels),
                            "--json", str(js), "--report", str(html)])
    assert r.exit_code == 0, r.output
    for key in ("precision", "recall", "f1", "fpr", "roc_auc", "pr_auc", "tp / fp / tn / fn"):
        assert key in r.output
    assert "1 of 12 sessions" in r.output and "blk_-1011" in r.output
    assert "sessions (anomalies)" in r.output
    m = json.loads(js.read_text())
    assert (m["sessions"], m["labelled_sessions"], m["unlabelled_sessions"]) == (12, 11, 1)
    assert (m["n"], m["n_anomalies"], m["tp"], m["fn"]) == (11, 2, 2, 0)
    assert m["fpr"] <= 0.2 and m["roc_auc"] > 0.9
    assert m["per_class"]["Anomaly"]["detected"] == 2
    assert html.read_text().startswith("<!DOCTYPE html>")


def test_evaluate_log_model_bad_labels(hdfs_model: Path, tmp_path: Path) -> None:
    log, _ = _test_log(tmp_path)
    js, html = tmp_path / "m.json", tmp_path / "r.html"
    bad = tmp_path / "bad.csv"
    bad.write_text("block,state\nblk_1,Normal\n")
    odd = tmp_path / "odd.csv"  # no label of the default normal values (a --normal typed and
    odd.write_text("block,state\nblk_1,ok\n")  # absent is a capture of anomalous sessions)
    outs = ["--json", str(js), "--report", str(html)]
    cases = [
        (["--labels", str(bad)], "no column --id-col 'BlockId' or --label-col 'Label'"),
        (["--labels", str(odd), "--id-col", "block", "--label-col", "state"],
         "no label in ['Normal', 'normal', '0']"),
        ([], "--labels FILE, --all-sessions normal|anomaly or --label-field FIELD"),
        (["--all-sessions", "weird"], "expected normal or anomaly"),
        (["--labels", str(tmp_path / "none.csv")], "no such file"),
    ]
    for extra, message in cases:
        r = runner.invoke(app, ["evaluate", str(hdfs_model), str(log), *extra, *outs])
        assert r.exit_code == 2, r.output
        assert message in r.output and "Traceback" not in r.output
        assert len(r.output.strip().splitlines()) == 1
    # ids that never match → an error, not an empty evaluation
    r = runner.invoke(app, ["evaluate", str(hdfs_model), str(log), "--labels", str(bad),
                            "--id-col", "block", "--label-col", "state", *outs])
    assert r.exit_code == 2 and "none of the 12 sessions" in r.output
    assert not js.exists() and not html.exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_evaluate_keys_model_whole_file_label(tmp_path: Path) -> None:
    train, abnormal = tmp_path / "train_keys", tmp_path / "abnormal_keys"
    train.write_text("\n".join(" ".join(map(str, s)) for s in _normal(200)) + "\n")
    odd = [[1, 2, 3, 7, 5, 6], [1, 2, 3], [1, 2, 3, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 6, 6, 6]]
    abnormal.write_text("\n".join(" ".join(map(str, s)) for s in odd * 10) + "\n")
    model = tmp_path / "K"
    r = runner.invoke(app, ["train", str(train), "--format", "keys", "--model",
                            "event-count-autoencoder", "-o", str(model), "--epochs", "60",
                            "--hidden", "16,4", "--lr", "0.01", "-q"])
    assert r.exit_code == 0, r.output
    js = tmp_path / "a.json"
    r = runner.invoke(app, ["evaluate", str(model), str(abnormal), "--all-sessions", "anomaly",
                            "--json", str(js)])
    assert r.exit_code == 0, r.output
    m = json.loads(js.read_text())
    assert (m["n"], m["n_anomalies"], m["unlabelled_sessions"]) == (30, 30, 0)
    assert m["recall"] == 1.0 and m["roc_auc"] is None
    r = runner.invoke(app, ["evaluate", str(model), str(train), "--all-sessions", "normal",
                            "--json", str(js)])
    assert r.exit_code == 0, r.output
    m = json.loads(js.read_text())
    assert m["n_anomalies"] == 0 and m["fpr"] < 0.1
    # key files: session ids are line numbers, so a labels file can name them too
    labels = tmp_path / "labels.csv"
    both = tmp_path / "both_keys"
    both.write_text(train.read_text() + abnormal.read_text())
    labels.write_text("line,label\n" + "\n".join(
        f"{i},{int(i > 200)}" for i in range(1, 231)) + "\n")
    r = runner.invoke(app, ["evaluate", str(model), str(both), "--labels", str(labels),
                            "--id-col", "line", "--label-col", "label", "--json", str(js)])
    assert r.exit_code == 0, r.output
    m = json.loads(js.read_text())
    assert m["n_anomalies"] == 30 and m["roc_auc"] > 0.9 and np.isclose(m["recall"], 1.0)
