"""Warm start on NSL-KDD: does continuing a model on analyst-confirmed normal rows of the new
traffic help, against keeping it as it is and against training again from scratch?

NSL-KDD's KDDTest+ normal traffic differs from KDDTrain+'s (the p99 threshold fitted on training
normal rows flags ~7% of KDDTest+ normal rows). The analyst feedback loop, simulated: KDDTest+ is
split into two seeded halves A and B, stratified by label. A's normal rows play the rows analysts
confirmed as normal; every figure is measured on B only.

* ``M``: hourglass defaults (TabularPreprocessor with the format's columns, AutoEncoder) trained
  on KDDTrain+ normal rows; threshold = p99 of its held-out KDDTrain+ normal scores.
* ``M, threshold on A``: the same network, its p99 threshold refitted on its scores of A's normal
  rows (no training): what re-thresholding alone buys.
* ``M2 = warm start``: ``M.warm_start(A normal)`` with its defaults: preprocessing frozen, the
  network continued from M's weights (batch-norm statistics kept), a fresh 10% of A's normal
  rows held out for early stopping, the threshold and calibration refitted on them.
* ``scratch``: hourglass defaults trained from nothing on KDDTrain+ normal + A normal rows; its
  preprocessing is refitted on both (so categories first seen in A are features of their own).
* ``M2 + replay``: the warm start on A's normal rows plus as many KDDTrain+ normal rows that M
  trained on (seeded sample): against forgetting the old normal traffic.
* ablations of M2 (same split): Adam at a tenth of the learning rate; batch-norm statistics
  re-estimated on A (not frozen). Their held-out A loss (no B rows) is shown beside them.

This uses labelled rows of the test file (half A, as analyst feedback): it is NOT the Foundation
benchmark's protocol (``nsl_kdd.py``: thresholds from training normal data only) and its figures
must not be compared with that table's.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/warm_start.py [--data DIR] [--seeds 0,1,2]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import (
    NslKddFiles,
    header,
    ints,
    markdown_table,
    no_write_option,
    not_written,
    run_script,
    write_result,
)
from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.evaluate import binary_metrics
from hourglass.thresholds import Percentile


def split_halves(df: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two halves of ``df``, each label's rows shuffled (seeded) and split in two."""
    rng = np.random.default_rng(seed)
    in_a = np.zeros(len(df), dtype=bool)
    labels = df.label.to_numpy()
    for value in sorted(set(labels)):
        idx = rng.permutation(np.flatnonzero(labels == value))
        in_a[idx[: (len(idx) + rng.integers(0, 2)) // 2]] = True
    return df[in_a], df[~in_a]


def evaluate(name: str, scores: np.ndarray, flags: np.ndarray, y: np.ndarray,
             fit_s: float | None, extra: dict[str, Any]) -> dict[str, Any]:
    m = binary_metrics(y, scores, flags)
    return {"model": name, "ROC-AUC": m["roc_auc"], "PR-AUC": m["pr_auc"], "F1": m["f1"],
            "precision": m["precision"], "recall": m["recall"], "FPR": m["fpr"],
            "fit s": fit_s, **extra}


def held_loss(pipe: Pipeline) -> float:
    """The held-out loss of the weights kept (for a warm start on A: A's held-out rows), the
    restored epoch's or, where no epoch beat them, the starting weights'."""
    best = pipe.detector_.history_.best_val_loss
    return float("nan") if best is None else float(best)


def run_seed(nsl: NslKddFiles, seed: int) -> list[dict[str, Any]]:
    train_normal = nsl.normal("KDDTrain+")
    half_a, half_b = split_halves(nsl.files["KDDTest+"], seed)
    a_normal = half_a[half_a.label == "normal"].drop(columns=["label"])
    y_b = (half_b.label != "normal").to_numpy().astype(int)
    x_b = half_b.drop(columns=["label"])
    print(f"seed {seed}: A {len(half_a)} rows ({len(a_normal)} normal), B {len(half_b)} rows "
          f"({int((y_b == 0).sum())} normal)", flush=True)

    def ae() -> AutoEncoder:
        return AutoEncoder(verbose=0, random_state=seed)

    rows = []
    t = time.perf_counter()
    m = Pipeline(ae(), features=nsl.preprocessor()).fit(train_normal)
    m_s = time.perf_counter() - t
    s_b = m.score(x_b)
    # forgetting: KDDTrain+ normal rows M held out (no model but scratch trained on them)
    old_hold = train_normal.iloc[m.detector_.val_index_]
    rows.append(evaluate("M (KDDTrain+ normal)", s_b, m.predict(x_b), y_b, m_s,
                         {"threshold": m.threshold_.value_, "epochs": m.detector_.history_.best_epoch,
                          "old FPR": float(m.predict(old_hold).mean())}))
    rethr = Percentile(99).fit(m.score(a_normal))
    rows.append(evaluate("M, threshold on A normal", s_b, rethr.predict(s_b), y_b, 0.0,
                         {"threshold": rethr.value_, "epochs": "-",
                          "old FPR": float(rethr.predict(m.score(old_hold)).mean())}))

    def warm(name: str, rows_in: pd.DataFrame = a_normal, **params: Any) -> Pipeline:
        t = time.perf_counter()
        m2 = m.warm_start(rows_in, random_state=seed, **params)
        secs = time.perf_counter() - t
        h = m2.detector_.history_
        rows.append(evaluate(name, m2.score(x_b), m2.predict(x_b), y_b, secs,
                             {"threshold": m2.threshold_.value_,
                              "epochs": f"{h.best_epoch} of {len(h.train_loss)}",
                              "held-out A loss": held_loss(m2),
                              "old FPR": float(m2.predict(old_hold).mean())}))
        return m2

    m2 = warm("M2 = warm start on A normal")
    # held-out A loss of M itself, on the same held-out rows M2 used (no B rows)
    x_hold = m.transform(a_normal.iloc[m2.detector_.val_index_])
    rows[0]["held-out A loss"] = float(np.mean(m.detector_.score(x_hold)))
    t = time.perf_counter()
    scratch = Pipeline(ae(), features=nsl.preprocessor()).fit(
        pd.concat([train_normal, a_normal], ignore_index=True))
    rows.append(evaluate("scratch (KDDTrain+ + A normal)", scratch.score(x_b), scratch.predict(x_b),
                         y_b, time.perf_counter() - t,
                         {"threshold": scratch.threshold_.value_,
                          "epochs": scratch.detector_.history_.best_epoch,
                          "old FPR": f"{float(scratch.predict(old_hold).mean()):.4f} (mostly trained on)"}))
    # replay: as many old normal rows as A has, drawn from those M trained on (not its held-out)
    trained_on = np.setdiff1d(np.arange(len(train_normal)), m.detector_.val_index_)
    pick = np.random.default_rng(seed).choice(trained_on, size=len(a_normal), replace=False)
    warm("M2 + replay (A normal + as many KDDTrain+ normal rows)",
         pd.concat([a_normal, train_normal.iloc[pick]], ignore_index=True))
    warm("ablation: M2 at lr/10", lr=float(m.detector_.lr) / 10)
    frozen = AutoEncoder._warm_freeze_batch_norm
    try:
        AutoEncoder._warm_freeze_batch_norm = False
        warm("ablation: M2, batch-norm statistics re-estimated")
    finally:
        AutoEncoder._warm_freeze_batch_norm = frozen
    for r in rows:
        r["seed"] = seed
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder holding nsl_kdd/ (default: ../shared/data or $HOURGLASS_DATA)")
    ap.add_argument("--seeds", default="0,1,2")
    no_write_option(ap, "results/warm_start.md")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    seeds = ints("--seeds", args.seeds)  # before the files are read
    nsl = NslKddFiles(args.data, "KDDTrain+", "KDDTest+")
    rows = [r for seed in seeds for r in run_seed(nsl, seed)]
    metrics = ["ROC-AUC", "PR-AUC", "F1", "precision", "recall", "FPR"]
    names = list(dict.fromkeys(r["model"] for r in rows))
    summary = []
    for name in names:
        mine = [r for r in rows if r["model"] == name]
        cells: list[Any] = [name]
        for k in metrics:
            # (a precision is None where a run flagged nothing: the mean of the others, counted)
            vals = [float(r[k]) for r in mine if r[k] is not None]
            cells.append("n/a" if not vals else f"{statistics.mean(vals):.4f} ± {statistics.pstdev(vals):.4f}"
                         + (f" ({len(vals)} of {len(mine)} runs)" if len(vals) < len(mine) else ""))
        fits = [r["fit s"] for r in mine]
        cells.append(f"{statistics.median(fits):.1f}")
        loss = [r.get("held-out A loss") for r in mine]
        cells.append("-" if loss[0] is None else f"{statistics.mean(loss):.5f}")
        old = [r["old FPR"] for r in mine]
        cells.append(f"{statistics.mean(old):.4f}" if isinstance(old[0], float) else
                     f"{statistics.mean(float(o.split()[0]) for o in old):.4f} (mostly trained on)")
        summary.append(cells)
    summary_table = markdown_table(["model", *metrics, "fit s (median)", "held-out A loss (mean)",
                                    "FPR old normal (mean)"], summary)
    per_seed = markdown_table(
        ["seed", "model", *metrics, "threshold", "epochs (best of run)", "fit s", "FPR old normal"],
        [[r["seed"], r["model"], *(r[k] for k in metrics), float(r["threshold"]), r["epochs"],
          round(float(r["fit s"]), 1), r["old FPR"]] for r in rows])
    text = (header("Warm start on NSL-KDD: continuing a model on analyst-confirmed normal rows")
            + f"""
**Not the Foundation protocol.** This uses labelled rows of the test file: KDDTest+ is split into
two seeded halves A/B (stratified by label), A's normal rows stand for normal traffic confirmed
by analysts, and every figure is on half B only. `nsl_kdd.py` (thresholds from training normal
data only, no test labels) is the benchmark of record; do not compare these figures with it.

Models (hourglass defaults: AutoEncoder 128-64-32-16, 40 epochs, patience 5, threshold p99 of
held-out normal scores; features: TabularPreprocessor with the nsl-kdd format's columns):
- **M**: trained on KDDTrain+ normal rows; threshold from its held-out KDDTrain+ normal rows.
- **M, threshold on A normal**: M's network unchanged, p99 refitted on its scores of A's normal
  rows (re-thresholding alone, no training).
- **M2 = warm start**: `M.warm_start(A normal)`: preprocessing frozen (M's features and
  scaling: a category first seen in A stays "unseen"), the network continued from M's weights
  with batch-norm statistics kept, Adam restarted, a fresh 10% of A's normal rows held out
  for early stopping; threshold and calibration refitted on that slice. Its parent's weights
  compete as epoch 0. `fit s` is the warm start alone.
- **M2 + replay**: the same warm start on A's normal rows plus as many KDDTrain+ normal rows
  (a seeded sample of those M trained on; `hourglass train --warm-start --replay-data`): the
  threshold's held-out slice then mixes both.
- **scratch**: trained from nothing on KDDTrain+ + A normal rows; it refits the preprocessing
  on both (categories first seen in A become features), so its features differ from M's.
- ablations of M2, same split: Adam at a tenth of M's learning rate; batch-norm running
  statistics re-estimated on A. `held-out A loss` is the loss of the weights each warm start
  kept (its restored epoch's, or M's where no epoch beat them) on its held-out A normal rows
  (for M: its reconstruction error on the same rows), data a user has without B: it is what
  one would choose settings by (for M2 + replay its held-out slice mixes A and KDDTrain+ rows:
  not comparable).
- `FPR old normal`: the share flagged of the KDDTrain+ normal rows M held out (6,734; never
  trained on by M or the warm starts; the scratch model trained on most of them): how much of
  the old normal traffic a model now flags, i.e. what a warm start on new rows only forgets.

Seeds {', '.join(map(str, seeds))} (the seed sets both the A/B split and the models' seeds).
Mean ± population std over seeds; fit seconds are medians on a shared 2-core machine
(OMP_NUM_THREADS=1, niced; other jobs ran beside it), for comparison within this run only.

{summary_table}

Per seed (threshold = each model's own; epochs = best epoch (of those run)):

{per_seed}
""")
    print(summary_table)
    print("\n" + (not_written("warm_start.md") if args.no_write
                  else f"written to {write_result('warm_start', text)}"))


if __name__ == "__main__":
    run_script(main)
