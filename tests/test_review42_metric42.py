"""Every metric ``hourglass evaluate`` prints equals an independent computation of it (scikit-learn,
or the documented definition by hand) from the scores and flags ``hourglass score`` writes for the
same file; labels in the spellings users have (text, 0/1, 0.0/1.0, booleans, blanks)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from hourglass.cli import app
from tests._cli import runner
from tests.test_logs import hdfs_log

ANOMALOUS = (3, 7, 8, 15, 20)
N_BLOCKS = 24
IDS = [f"blk_{'-' if j % 2 else ''}{1000 + j}" for j in range(N_BLOCKS)]


def _reference(y: np.ndarray, s: np.ndarray, f: np.ndarray) -> dict[str, Any]:
    """The metrics as scikit-learn computes them (one-class figures None, as documented)."""
    tn, fp, fn, tp = skm.confusion_matrix(y, f, labels=[0, 1]).ravel()
    both = 0 < y.sum() < y.size
    ref: dict[str, Any] = {"tp": tp, "fp": fp, "tn": tn, "fn": fn, "n": y.size, "n_anomalies": int(y.sum()),
                           "roc_auc": skm.roc_auc_score(y, s) if both else None,
                           "pr_auc": skm.average_precision_score(y, s) if both else None,
                           "accuracy": skm.accuracy_score(y, f)}
    if both:
        ref.update(precision=skm.precision_score(y, f, zero_division=0), recall=skm.recall_score(y, f),
                   f1=skm.f1_score(y, f, zero_division=0), fpr=fp / (fp + tn))
    elif y.sum():
        ref.update(precision=None, f1=None, fpr=None, recall=skm.recall_score(y, f))
    else:
        ref.update(precision=None, f1=None, recall=None, fpr=fp / (fp + tn))
    return ref


def _agree(got: dict[str, Any], ref: dict[str, Any]) -> None:
    for key, want in ref.items():
        have = got[key]
        if want is None:
            assert have is None, (key, have)
        else:
            assert have is not None and math.isclose(float(have), float(want), rel_tol=1e-12,
                                                     abs_tol=1e-12), (key, have, want)


# -- log models: session labels -----------------------------------------------------------------
@pytest.fixture(scope="module")
def hdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("m42logs")
    (d / "train.log").write_text("\n".join(hdfs_log(40)) + "\n")
    r = runner.invoke(app, ["train", str(d / "train.log"), "--format", "hdfs", "--session-regex",
                            r"blk_-?\d+", "--model", "deeplog", "-o", str(d / "M"), "--epochs", "3",
                            "--param", "window=3", "--param", "top_g=1", "--hidden", "8",
                            "--param", "layers=1", "-q"])
    assert r.exit_code == 0, r.output
    log = d / "test.log"
    log.write_text("\n".join(hdfs_log(N_BLOCKS, seed=4, anomalous=ANOMALOUS)) + "\n")
    r = runner.invoke(app, ["score", str(d / "M"), str(log), "-o", str(d / "scored.csv"), "-q"])
    assert r.exit_code == 0, r.output
    scored = pd.read_csv(d / "scored.csv", dtype={"session": str}).set_index("session")
    return {"dir": d, "model": d / "M", "log": log, "scored": scored}


def _log_eval(hdfs: dict[str, Any], labels: list[object], *extra: str) -> Any:
    path = hdfs["dir"] / "labels.csv"
    path.write_text("BlockId,Label\n" + "".join(f"{i},{v}\n" for i, v in zip(IDS, labels, strict=True)))
    return runner.invoke(app, ["evaluate", str(hdfs["model"]), str(hdfs["log"]), "--labels", str(path),
                               "--json", str(hdfs["dir"] / "m.json"), *extra])


def _log_reference(hdfs: dict[str, Any], y: list[int | None]) -> dict[str, Any]:
    keep = [i for i, v in enumerate(y) if v is not None]
    rows = hdfs["scored"].loc[[IDS[i] for i in keep]]
    return _reference(np.array([y[i] for i in keep]), rows["score"].to_numpy(), rows["flag"].to_numpy())


def test_log_labels_written_as_floats_with_a_blank_are_read_as_0_and_1(hdfs: dict[str, Any]) -> None:
    # what was wrong: a --labels file whose 0/1 column had a blank label, as pandas writes it
    # (0.0, 1.0, ''), was refused "no label in ['Normal', 'normal', '0']; values seen: 0.0, 1.0",
    # although 0 is a default normal value and a table's label column reads 0.0 as 0
    y: list[int | None] = [int(j in ANOMALOUS) for j in range(N_BLOCKS)]
    y[5] = y[8] = None
    r = _log_eval(hdfs, ["" if v is None else float(v) for v in y])
    assert r.exit_code == 0, r.output
    got = json.loads((hdfs["dir"] / "m.json").read_text())
    _agree(got, _log_reference(hdfs, y))
    assert set(got["per_class"]) == {"0", "1"} and got["unlabelled_sessions"] == 2
    # --normal 0.0 names those 0s too, as it names a table's
    assert _log_eval(hdfs, ["" if v is None else float(v) for v in y], "--normal", "0.0").exit_code == 0
    assert json.loads((hdfs["dir"] / "m.json").read_text())["tp"] == got["tp"]


def test_log_labels_true_false_take_normal_false_in_any_case(hdfs: dict[str, Any]) -> None:
    # what was wrong: labels True/False (as pandas writes booleans) with --normal false were
    # refused "no label in ['false']", where a table's True/False column takes --normal false
    y = [int(j in ANOMALOUS) for j in range(N_BLOCKS)]
    r = _log_eval(hdfs, [bool(v) for v in y], "--normal", "false")
    assert r.exit_code == 0, r.output
    _agree(json.loads((hdfs["dir"] / "m.json").read_text()), _log_reference(hdfs, list(y)))


def test_log_labels_of_anomalous_sessions_alone_are_evaluated(hdfs: dict[str, Any]) -> None:
    # what was wrong: a --labels file of anomalous sessions alone was refused "no label in
    # ['Normal']; ... (give --normal VALUE)" even with that --normal given, so no advice helped;
    # a table of attack rows alone is evaluated (recall, detection per class, the rest n/a)
    r = _log_eval(hdfs, ["Anomaly"] * N_BLOCKS, "--normal", "Normal")
    assert r.exit_code == 0, r.output
    got = json.loads((hdfs["dir"] / "m.json").read_text())
    _agree(got, _log_reference(hdfs, [1] * N_BLOCKS))
    assert "every session counts as an anomaly" in r.stderr
    assert got["per_class"]["Anomaly"]["n"] == N_BLOCKS
    # the report needs both classes: one line, the warning not printed before it
    r = _log_eval(hdfs, ["Anomaly"] * N_BLOCKS, "--normal", "Normal", "--report",
                  str(hdfs["dir"] / "r.html"))
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.exit_code == 2 and len(lines) == 1 and "needs both normal and anomalous" in lines[0]
    # the default normal values, or a --normal spelt otherwise in the file, stay a refused slip
    r = _log_eval(hdfs, ["Anomaly"] * N_BLOCKS)
    assert r.exit_code == 2 and "no label in ['Normal', 'normal', '0']" in r.stderr
    r = _log_eval(hdfs, ["Anomaly"] * (N_BLOCKS - 1) + ["normal"], "--normal", "NORMAL")
    assert r.exit_code == 2 and "(give --normal normal)" in r.stderr


def test_log_metrics_equal_scikit_learn_for_text_labels_pin(hdfs: dict[str, Any]) -> None:
    # what was wrong: nothing (a pin): Normal/Anomaly labels with a blank, and every session
    # normal, give scikit-learn's figures from the scores `score` writes
    y: list[int | None] = [int(j in ANOMALOUS) for j in range(N_BLOCKS)]
    y[2] = None
    r = _log_eval(hdfs, ["" if v is None else ("Anomaly" if v else "Normal") for v in y])
    assert r.exit_code == 0, r.output
    _agree(json.loads((hdfs["dir"] / "m.json").read_text()), _log_reference(hdfs, y))
    r = _log_eval(hdfs, ["Normal"] * N_BLOCKS)
    assert r.exit_code == 0, r.output
    _agree(json.loads((hdfs["dir"] / "m.json").read_text()), _log_reference(hdfs, [0] * N_BLOCKS))
