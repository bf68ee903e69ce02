"""Every metric ``hourglass evaluate`` prints equals an independent computation of it (scikit-learn,
or the documented definition by hand) from the scores and flags ``hourglass score`` writes for the
same file; labels in the spellings users have (text, 0/1, 0.0/1.0, booleans, blanks)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from hourglass.cli import app
from tests._cli import ab_model, runner
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


# -- table models -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("m42tab")
    return {"dir": d, "model": ab_model(d)}


def _table_eval(table: dict[str, Any], frame: pd.DataFrame, *extra: str) -> tuple[Any, pd.DataFrame]:
    """(evaluate's result, the scored rows `score` writes) of ``frame``."""
    data, scored = table["dir"] / "test.csv", table["dir"] / "scored.csv"
    frame.to_csv(data, index=False)
    r = runner.invoke(app, ["score", str(table["model"]), str(data), "-o", str(scored), "-q"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["evaluate", str(table["model"]), str(data), "--label-col", "label",
                            "--json", str(table["dir"] / "m.json"), *extra])
    return r, pd.read_csv(scored)


def test_table_that_flags_nothing_has_no_precision(table: dict[str, Any]) -> None:
    # what was wrong: a model that flagged no row printed 'precision 0.0000' (0.0 in --json, the
    # Python API too), a figure that reads as 'every alert false' where there was no alert;
    # precision is n/a (null) now, on every path, and --report draws no operating point for it
    rng = np.random.default_rng(2)
    ab = rng.random((200, 2)) * 0.5 + 0.25  # inside the training rows' square: none flagged
    frame = pd.DataFrame({"a": ab[:, 0], "b": ab[:, 1], "label": np.where(np.arange(200) % 5, 0, 1)})
    r, scored = _table_eval(table, frame, "--normal", "0", "--report", str(table["dir"] / "r.html"))
    assert r.exit_code == 0, r.output
    assert scored["flag"].sum() == 0
    got = json.loads((table["dir"] / "m.json").read_text())
    assert got["precision"] is None and got["recall"] == 0.0 and got["f1"] == 0.0
    assert "n/a" in next(ln for ln in r.stdout.splitlines() if "precision" in ln)
    _agree(got, {k: v for k, v in _reference(frame["label"].to_numpy(), scored["score"].to_numpy(),
                                             scored["flag"].to_numpy()).items() if k != "precision"})
    assert (table["dir"] / "r.html").read_text().startswith("<!DOCTYPE html>")
    from hourglass.evaluate import evaluate_scores

    assert evaluate_scores([0, 1, 1], [0.1, 0.2, 0.3], [0, 0, 0])["precision"] is None


def test_table_metrics_equal_scikit_learn_for_each_label_spelling_pin(table: dict[str, Any]) -> None:
    # what was wrong: nothing (a pin): ties in the scores, blank labels, text/BENIGN/0-1/0.0-1.0/
    # boolean labels and one class give scikit-learn's figures from `score`'s scores and flags,
    # precision@k by its tie rule, the model's own threshold
    rng = np.random.default_rng(1)
    ab = rng.random((300, 2))
    y = np.zeros(300, dtype=int)
    y[rng.choice(300, 45, replace=False)] = 1
    far = np.flatnonzero(y)[:30]
    ab[far] = rng.uniform(3, 8, (30, 2))
    ab[::7] = ab[0]  # tied scores
    ab[1::11] = [9.0, 9.0]
    blank = rng.random(300) < 0.05
    cases: list[tuple[object, list[str]]] = [
        (np.where(y == 1, "attack", "normal"), ["--normal", "normal"]),
        (np.where(y == 1, "DDoS", "BENIGN"), ["--normal", "BENIGN"]),
        (y, ["--normal", "0"]), (y.astype(float), ["--normal", "0.0"]),
        (y.astype(bool), ["--normal", "false"]),
        (np.where(blank, np.nan, y), ["--normal", "0"])]
    trained = json.loads((table["model"] / "config.json").read_text())["info"]["threshold_value"]
    for labels, extra in cases:
        frame = pd.DataFrame({"a": ab[:, 0], "b": ab[:, 1], "label": labels})
        r, scored = _table_eval(table, frame, *extra)
        assert r.exit_code == 0, (extra, r.output)
        got = json.loads((table["dir"] / "m.json").read_text())
        keep = ~blank if np.issubdtype(np.asarray(labels).dtype, np.floating) and np.isnan(
            np.asarray(labels, dtype=float)).any() else np.ones(300, dtype=bool)
        yk, s = y[keep], scored["score"].to_numpy()[keep]
        _agree(got, _reference(yk, s, scored["flag"].to_numpy()[keep]))
        top = np.sort(s)[::-1][99]
        want = (yk[s > top].sum() + (100 - (s > top).sum()) * yk[s == top].mean()) / 100
        assert math.isclose(got["precision_at_k"]["100"], want, rel_tol=1e-12)
        assert got["threshold_value"] == trained
    for one in (np.zeros(300, dtype=int), np.ones(300, dtype=int)):
        frame = pd.DataFrame({"a": ab[:, 0], "b": ab[:, 1], "label": one})
        r, scored = _table_eval(table, frame, "--normal", "0")
        assert r.exit_code == 0, r.output
        got = json.loads((table["dir"] / "m.json").read_text())
        _agree(got, _reference(one, scored["score"].to_numpy(), scored["flag"].to_numpy()))
        assert set(got["precision_at_k"].values()) == {None}


# -- time-series models -----------------------------------------------------------------------
def _series(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    ts = pd.date_range("2024-05-01", periods=n, freq="1min").strftime("%Y-%m-%d %H:%M:%S")
    return pd.DataFrame({"ts": ts,
                         "cpu": np.sin(t / 7) + rng.normal(0, 0.05, n),
                         "mem": 50 + np.cos(t / 11) + rng.normal(0, 0.05, n)})


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("m42ts")
    _series(300, 0).to_csv(d / "train.csv", index=False)
    r = runner.invoke(app, ["train", str(d / "train.csv"), "--model", "lstm-ae", "--timestamp-col", "ts",
                            "--window", "8", "--hidden", "8", "--epochs", "1", "-o", str(d / "M"), "-q"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["threshold", str(d / "M"), "--threshold", "fixed:1e6", "-o", str(d / "calm")])
    assert r.exit_code == 0, r.output
    return {"dir": d, "model": d / "M", "calm": d / "calm"}


def _runs(v: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of 1s, by a plain loop (the definition)."""
    out, i = [], 0
    while i < v.size:
        if v[i]:
            j = i
            while j < v.size and v[j]:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _series_eval(series: dict[str, Any], model: Path, y: np.ndarray, label: Any = int,
                 ) -> tuple[Any, dict[str, Any], np.ndarray, np.ndarray]:
    d = series["dir"]
    frame = _series(y.size, 5)
    frame.loc[y == 1, "cpu"] += np.random.default_rng(5).uniform(0, 3, int(y.sum()))
    frame["label"] = [label(v) for v in y]
    frame.to_csv(d / "test.csv", index=False)
    r = runner.invoke(app, ["score", str(model), str(d / "test.csv"), "-o", str(d / "s.csv"), "-q"])
    assert r.exit_code == 0, r.output
    scored = pd.read_csv(d / "s.csv")
    assert scored["ts"].tolist() == pd.to_datetime(frame["ts"]).dt.strftime("%Y-%m-%dT%H:%M:%S").tolist()
    r = runner.invoke(app, ["evaluate", str(model), str(d / "test.csv"), "--label-col", "label",
                            "--json", str(d / "m.json")])
    assert r.exit_code == 0, r.output
    return r, json.loads((d / "m.json").read_text()), scored["score"].to_numpy(), scored["flag"].to_numpy()


def test_series_event_metrics_equal_their_definition_pin(series: dict[str, Any]) -> None:
    # what was wrong: nothing (a pin): events at the very start and end, adjacent events (one
    # normal step apart), one-step events, 0/1, 0.0/1.0 and true/false labels: event recall and
    # precision, time to detect, point-adjusted figures and the point metrics equal a loop over
    # the definitions (and scikit-learn) on `score`'s flags
    n = 240
    y = np.zeros(n, dtype=int)
    for lo, hi in ((0, 12), (60, 70), (71, 80), (130, 131), (225, n)):
        y[lo:hi] = 1
    for label in (int, float, bool):
        r, got, s, f = _series_eval(series, series["model"], y, label)
        ev, runs = _runs(y), _runs(f)
        ttd = [next((i - lo for i in range(lo, hi) if f[i]), None) for lo, hi in ev]
        pa = f.copy()
        for lo, hi in ev:
            pa[lo:hi] = 1 if f[lo:hi].any() else pa[lo:hi]
        assert runs and any(t is not None for t in ttd)  # alarms, and an event found
        assert got["n_events"] == 5 and got["time_to_detect"] == ttd
        assert math.isclose(got["event_recall"], sum(t is not None for t in ttd) / 5, rel_tol=1e-12)
        assert math.isclose(got["event_precision"], np.mean([y[lo:hi].any() for lo, hi in runs]),
                            rel_tol=1e-12)
        _agree(got, {**_reference(y, s, f), "pa_f1": skm.f1_score(y, pa),
                     "pa_precision": skm.precision_score(y, pa), "pa_recall": skm.recall_score(y, pa)})
        assert f"{got['event_precision']:.4f}" in r.stdout and f"{got['pa_f1']:.4f}" in r.stdout


def test_series_that_flags_nothing_has_no_precision(series: dict[str, Any]) -> None:
    # what was wrong: a series with no flagged step printed point precision 0.0000 and event
    # precision 0.0000 (0.0 in --json and from timeseries_metrics), shares of no alarm at all;
    # they are n/a (null) now, as the point-adjusted precision; recall and the F1s stay 0
    y = np.zeros(200, dtype=int)
    y[50:70] = 1
    r, got, _, f = _series_eval(series, series["calm"], y)
    assert f.sum() == 0
    for key in ("precision", "event_precision", "pa_precision"):
        assert got[key] is None, key
    assert got["f1"] == got["event_f1"] == got["pa_f1"] == got["recall"] == got["event_recall"] == 0.0
    assert [ln.split()[-2] for ln in r.stdout.splitlines()
            if "point precision" in ln or "event precision" in ln] == ["n/a", "n/a"]
