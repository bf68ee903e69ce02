"""Warm start of log models on HDFS_100k: does continuing a model on later normal sessions keep its
detection, and how much faster is it than training afresh on everything?

Data: ``hdfs_deeplog/hdfs_100k_sessions.csv.gz`` (7,940 block sessions of the first 100k HDFS_v1
lines, keys E1-E19 read as integers as ``benchmarks/hdfs.py`` does; rows in file order).
Protocol (fixed before any figure was seen):

* Training pool: the normal sessions of deep-loglizer's ``train`` split (its labels are used for
  this selection only, as ``hourglass train`` on a file of normal sessions would be given).
  In file order, its first half is OLD, its second half NEW. The file lists the sessions of
  deep-loglizer's random split, in an order not known to be time order (the CSV has no
  timestamps): OLD and NEW are best read as two halves of the same period, so little drift is
  expected; the question is whether a warm start loses anything, and what it saves.
* ``M``: a model trained on OLD (its own seeded 10% held out for early stopping and the
  threshold). ``M2 = M.warm_start(NEW)``: vocabulary frozen (a key M never saw is its
  "unknown" key; sessions holding one are counted and not trained on), training continued from
  M's weights, a fresh 10% of NEW held out for early stopping, threshold and calibration
  refitted on it. ``scratch``: a new model on OLD + NEW.
* Thresholds: DeepLog's rank rule with g = 9 (kept by the warm start), and beside it g* = the
  smallest g flagging at most 2% of the model's own held-out normal sessions (the rule of
  ``benchmarks/hdfs.py``; for M2 on its fresh slice of NEW); the others the 99th percentile of
  their held-out normal training sessions. No threshold, epoch count or split looks at test
  labels.
* Reported on deep-loglizer's ``test`` split (1,588 sessions, 57 anomalous; its labels are used
  for these figures only): precision, recall, F1, FPR at each model's own threshold, ROC-AUC;
  fit seconds (wall-clock, one torch thread, shared machine). Mean ± sd over ``--seeds``.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/warm_start_logs.py [--data DIR]
        [--seeds 0,1,2] [--epochs 30]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    command_line,
    data_dir,
    header,
    ints,
    markdown_table,
    names,
    no_write_option,
    not_written,
    positive,
    run_script,
    write_result,
)
from hourglass.detectors import DeepLog, EventCountAutoEncoder, SequenceAutoEncoder
from hourglass.evaluate import binary_metrics

MODELS = {
    "deeplog": lambda seed, epochs: DeepLog(window=10, top_g=9, epochs=epochs, verbose=0,
                                            random_state=seed, device="cpu"),
    "event-count-autoencoder": lambda seed, epochs: EventCountAutoEncoder(
        epochs=epochs, verbose=0, random_state=seed, device="cpu"),
    "sequence-autoencoder": lambda seed, epochs: SequenceAutoEncoder(
        epochs=epochs, verbose=0, random_state=seed, device="cpu"),
}
FIGS = ("precision", "recall", "f1", "fpr", "roc_auc")
FPR_BUDGET = 0.02


def load(root: Path) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], np.ndarray]:
    """(OLD, NEW, test sessions, test labels)."""
    df = pd.read_csv(root / "hdfs_deeplog" / "hdfs_100k_sessions.csv.gz")
    seqs = [np.array([int(e[1:]) for e in s.split()], dtype=np.int64) for s in df["EventSequence"]]
    pool = np.flatnonzero(((df["deeploglizer_split"] == "train") & (df["Label"] == 0)).to_numpy())
    test = np.flatnonzero((df["deeploglizer_split"] == "test").to_numpy())
    half = len(pool) // 2
    return ([seqs[i] for i in pool[:half]], [seqs[i] for i in pool[half:]],
            [seqs[i] for i in test], df["Label"].to_numpy()[test].astype(int))


def best_g(det: DeepLog) -> int:
    """Smallest g whose FPR on the detector's own held-out normal sessions is within 2% (the rule
    of ``benchmarks/hdfs.py``)."""
    for g in range(1, det.n_features_in_ + 3):
        if float(np.mean(det.val_scores_ > g)) <= FPR_BUDGET:
            return g
    return det.n_features_in_ + 2


def measure(det: Any, test: list[np.ndarray], y: np.ndarray) -> dict[str, Any]:
    s = det.score(test)
    m = binary_metrics(y, s, det.threshold_predict(s))
    out = {k: m[k] for k in FIGS}  # (precision None: nothing flagged)
    if isinstance(det, DeepLog):  # also g chosen on the model's own held-out normal sessions
        g = best_g(det)
        mg = binary_metrics(y, s, (s > g).astype(int))
        out.update({f"g_{k}": mg[k] for k in FIGS}, g=g)
    return out


def run(name: str, seed: int, epochs: int, data: tuple[Any, ...]) -> dict[str, dict[str, Any]]:
    old, new, test, y = data
    out: dict[str, dict[str, Any]] = {}
    t = time.perf_counter()
    m1 = MODELS[name](seed, epochs).fit(old)
    out["M (OLD)"] = {**measure(m1, test, y), "fit_s": time.perf_counter() - t,
                      "epochs": len(m1.history_.train_loss)}
    t = time.perf_counter()
    m2 = m1.warm_start(new)
    unknown = m2.warm_unknown_
    out["M2 = M warm-started on NEW"] = {
        **measure(m2, test, y), "fit_s": time.perf_counter() - t,
        "epochs": len(m2.history_.train_loss), "unknown_events": unknown["unknown_events"],
        "unknown_sessions": unknown["sessions_with_unknown"]}
    t = time.perf_counter()
    m3 = MODELS[name](seed, epochs).fit(old + new)
    out["scratch (OLD + NEW)"] = {**measure(m3, test, y), "fit_s": time.perf_counter() - t,
                                  "epochs": len(m3.history_.train_loss)}
    return out


def ms(values: list[float | None]) -> str:
    # (a precision is None where a run flagged nothing: the figure of the other runs, counted)
    present = [v for v in values if v is not None]
    if not present:
        return "n/a"
    if len(present) == 1:
        text = f"{present[0]:.4f}" if present[0] < 100 else f"{present[0]:.0f}"
    else:
        text = f"{statistics.mean(present):.4f} ± {statistics.stdev(present):.4f}"
    return text + (f" ({len(present)} of {len(values)} runs)" if len(present) < len(values) else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--epochs", type=positive, default=30)
    ap.add_argument("--models", default=",".join(MODELS))
    no_write_option(ap, "results/warm_start_logs.md")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.simplefilter("ignore", UserWarning)
    torch.set_num_threads(1)
    seeds = ints("--seeds", args.seeds)  # before the data is read and the first model trains
    models = names("--models", args.models, MODELS)  # before the data is read and a model trains
    data = load(data_dir(args.data, "hdfs_deeplog/hdfs_100k_sessions.csv.gz"))
    old, new, test, y = data
    vocab_old = set(np.concatenate(old).tolist())
    new_keys = sorted(set(np.concatenate(new).tolist()) - vocab_old)
    t0 = time.perf_counter()
    rows = []
    for name in models:
        runs = [run(name, seed, args.epochs, data) for seed in seeds]
        for variant in runs[0]:
            r = [x[variant] for x in runs]
            unknown = (f"{r[0]['unknown_events']} events / {r[0]['unknown_sessions']} sessions"
                       if "unknown_events" in r[0] else "")
            rule = "rank > 9" if name == "deeplog" else "p99 held-out"
            rows.append([name, variant, rule, *(ms([x[k] for x in r]) for k in FIGS),
                         ms([x["fit_s"] for x in r]), ms([x["epochs"] for x in r]), unknown])
            print(rows[-1], flush=True)
            if "g" in r[0]:
                rows.append([name, variant, "rank > g* (" + ",".join(str(x["g"]) for x in r) + ")",
                             *(ms([x[f"g_{k}"] for x in r]) for k in FIGS), "", "", ""])
                print(rows[-1], flush=True)
    total = time.perf_counter() - t0
    table = markdown_table(["model", "variant", "threshold", "precision", "recall", "F1", "FPR", "ROC-AUC",
                            "fit s", "epochs", "NEW keys unknown to M"], rows)
    body = (header("Warm start of log models — HDFS_100k", command=False) + "\n"
            + f"Command: `{command_line()}` (models {', '.join(models)}; seeds {args.seeds}, "
              f"{args.epochs} epochs; one torch thread; the 2-core machine "
              f"was shared with other jobs, so fit seconds are inflated; compare within this run). "
              f"Total run {total / 60:.1f} min.\n\n"
            + (__doc__ or "").split("\n\n", 1)[1].rsplit("\n\n", 1)[0] + "\n\n"
            + f"OLD: {len(old):,} normal sessions ({len(vocab_old)} distinct keys); NEW: {len(new):,} "
              f"normal sessions (keys not in OLD: {new_keys or 'none'}); test: {len(test):,} "
              f"sessions, {int(y.sum())} anomalous. Mean ± sd over seeds {args.seeds}.\n\n"
            + table + "\n")
    print("\n" + table)
    done = (not_written("warm_start_logs.md") if args.no_write
            else f"wrote {write_result('warm_start_logs', body)}")
    print(f"{done} in {total:.0f}s")


if __name__ == "__main__":
    run_script(main)
