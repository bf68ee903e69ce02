"""How the AutoEncoder's small-data defaults were chosen, on *training* splits only.

For each set and seed, the benchmark's own 60% training split (``tabular.odds_split``; NSL-KDD:
KDDTrain+) is cut again: a seeded 80% of its normal rows is fitted on, the other 20% of its normal
rows against the split's anomalies is the validation set (the normal-only protocol never fits
on those anomalies). The 40% test split (KDDTest+ for NSL-KDD) is never loaded here. Criterion:
validation ROC-AUC, mean over seeds, then over sets. Variants differ in one rule each:

* ``batch 1024``: the fixed batch of 1,024 rows (the earlier default);
* ``batch auto``: the batch rule of ``batch_size="auto"`` (power of two near n/16, in [32, 1024]);
  ``auto(k)``: the same rule for at least k steps per epoch instead of 16;
* ``standardise``: inputs z-scored on the fitted rows inside the detector (``standardize=True``);
* ``feature norm``: ``score_norm="feature"`` (per-feature error scale from held-out normal rows).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/tabular_selection.py [--data DIR] [--seeds 3]

``--nsl-tail`` instead checks what the standardisation floor does to thresholds, on NSL-KDD
training data only: each variant is fitted on KDDTrain+'s normal rows, and its own held-out
normal rows (never trained on) against 6,000 seeded KDDTrain+ attack rows give ROC-AUC and the
F1 / recall of the p99 and p99.9 thresholds of the held-out normal scores.
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
import torch
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    OptionError,
    data_dir,
    header,
    markdown_table,
    names,
    odds_arrays,
    odds_sets,
    positive,
    result_name,
    run_script,
    write_result,
)
from hourglass.detectors import AutoEncoder
from hourglass.detectors import autoencoder as hd_ae
from hourglass.detectors import base as hd_base
from tabular import ODDS_SETS, NslKdd, _cap, _minmax, odds_split

logger = logging.getLogger("benchmarks.tabular_selection")

VARIANTS: dict[str, dict[str, Any]] = {
    "batch 1024": {"batch_size": 1024, "standardize": False},
    "batch auto": {"batch_size": "auto", "standardize": False},
    "standardise, batch 1024": {"batch_size": 1024, "standardize": True},
    "standardise, batch auto": {"batch_size": "auto", "standardize": True},
    "feature norm, batch auto": {"batch_size": "auto", "standardize": False, "score_norm": "feature"},
    "standardise, batch auto, code d/4": {"batch_size": "auto", "standardize": True,
                                          "hidden": lambda d: (128, 64, 32, min(16, max(2, d // 4)))},
    "standardise, batch auto, code d/2": {"batch_size": "auto", "standardize": True,
                                          "hidden": lambda d: (128, 64, 32, min(16, max(2, d // 2)))},
    "standardise, batch 1024, code d/4": {"batch_size": 1024, "standardize": True,
                                          "hidden": lambda d: (128, 64, 32, min(16, max(2, d // 4)))},
    "standardise, batch auto(4)": {"batch_size": "auto", "standardize": True, "_steps": 4},
    "standardise, batch auto(8)": {"batch_size": "auto", "standardize": True, "_steps": 8},
    "standardise, batch auto(8), batch norm": {"batch_size": "auto", "standardize": True,
                                               "_steps": 8, "batch_norm": True},
    "standardise, batch auto(8), lr 1e-3": {"batch_size": "auto", "standardize": True, "_steps": 8,
                                            "lr": 1e-3},
    "standardise, batch auto(8), hidden 64-32": {"batch_size": "auto", "standardize": True,
                                                 "_steps": 8, "hidden": (64, 32)},
    "standardise, batch auto(8), 10 epochs": {"batch_size": "auto", "standardize": True,
                                              "_steps": 8, "epochs": 10},
    "standardise, batch auto(8), batch norm, lr 1e-3": {"batch_size": "auto", "standardize": True,
                                                        "_steps": 8, "batch_norm": True, "lr": 1e-3},
    "standardise, batch auto(16), batch norm": {"batch_size": "auto", "standardize": True,
                                                "_steps": 16, "batch_norm": True},
    "standardise, batch 1024, batch norm": {"batch_size": 1024, "standardize": True,
                                            "batch_norm": True},
    "standardise, batch auto(8), batch norm, dropout 0.2": {"batch_size": "auto", "standardize": True,
                                                            "_steps": 8, "batch_norm": True,
                                                            "dropout": 0.2},
    "standardise (sd >= 0.1 range), batch auto(8), batch norm": {
        "batch_size": "auto", "standardize": True, "_steps": 8, "batch_norm": True, "_floor": 0.1},
    "standardise (sd >= 0.03 range), batch auto(8), batch norm": {
        "batch_size": "auto", "standardize": True, "_steps": 8, "batch_norm": True, "_floor": 0.03},
    "PyOD's AE settings": {"standardize": True, "batch_size": 32, "epochs": 10, "lr": 1e-3,
                           "hidden": (64, 32), "dropout": 0.2, "batch_norm": True,
                           "weight_decay": 1e-5, "patience": None},
    "standardise, batch auto, dropout 0.2": {"batch_size": "auto", "standardize": True,
                                             "dropout": 0.2},
}


def _train_split(name: str, root: Path, nsl: NslKdd | None, seed: int, max_train: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The benchmark's training rows (with their labels) for ``seed``; no test rows."""
    if name == "nsl_kdd":
        assert nsl is not None
        a, rng = nsl.arrays, np.random.default_rng(seed)
        normal = _cap(rng, np.flatnonzero(a["y"] == 0), max_train)
        attack = _cap(rng, np.flatnonzero(a["y"] == 1), max_train)
        idx = np.r_[normal, attack]
        return a["X"][idx], a["y"][idx]
    X, y = odds_arrays(root / "odds_adbench", name)
    y = y.astype(np.int8)
    split = odds_split(X, y, seed, 10**9, 10**9)
    return split.fit["pyod"], split.fit_y["pyod"]


def run(args: argparse.Namespace) -> str:
    variants = list(dict.fromkeys(args.variants.split("|")))
    if unknown := [v for v in variants if v not in VARIANTS]:  # before the first set trains
        raise OptionError(f"--variants: unknown {', '.join(map(repr, unknown))}; known: "
                         + " | ".join(VARIANTS))
    root = data_dir(args.data, *("nsl_kdd" if s == "nsl_kdd" else "odds_adbench"
                                 for s in args.sets.split(",")))
    sets = names("--sets", args.sets, [*odds_sets(root / "odds_adbench"), "nsl_kdd"])
    nsl = NslKdd(root / "nsl_kdd").load() if "nsl_kdd" in sets else None
    res: dict[tuple[str, str], list[float]] = {}
    fit_s: dict[tuple[str, str], list[float]] = {}
    started = time.perf_counter()
    for name in sets:
        for seed in range(args.seeds):
            X, y = _train_split(name, root, nsl, seed, args.max_train)
            rng = np.random.default_rng(1000 + seed)
            normal = rng.permutation(np.flatnonzero(y == 0))
            n_fit = int(round(0.8 * len(normal)))
            fit_idx = _cap(rng, normal[:n_fit], args.max_train)
            val_idx = np.r_[normal[n_fit:], _cap(rng, np.flatnonzero(y == 1), len(normal) - n_fit)]
            Xf, Xv = _minmax(X[fit_idx], X[val_idx])
            for v in variants:
                params = VARIANTS[v]
                t = time.perf_counter()
                kw = {k: (p(Xf.shape[1]) if callable(p) else p) for k, p in params.items()
                      if not k.startswith("_")}
                hd_base.AUTO_BATCH_STEPS = params.get("_steps", 16)
                hd_ae.STANDARDIZE_FLOOR = params.get("_floor", 0.0)
                model = AutoEncoder(verbose=0, random_state=seed, **kw).fit(Xf)
                fit_s.setdefault((name, v), []).append(time.perf_counter() - t)
                roc = float(roc_auc_score(y[val_idx], model.score(Xv)))
                res.setdefault((name, v), []).append(roc)
                logger.warning("%s seed %d %s: val ROC %.3f (%.0fs)", name, seed, v, roc,
                               time.perf_counter() - started)
    rows = []
    for v in variants:
        per_set = [statistics.mean(res[(s, v)]) for s in sets]
        rows.append([v, *(f"{x:.3f}" for x in per_set), f"{statistics.mean(per_set):.3f}",
                     f"{statistics.median(x for s in sets for x in fit_s[(s, v)]):.1f}"])
    return (header("AutoEncoder defaults chosen on training splits (tabular sets)", command=False)
            + f"\nCommand: `python benchmarks/tabular_selection.py {' '.join(sys.argv[1:])}`\n\n"
            f"Seeds: {args.seeds}; fitted rows capped at {args.max_train}. Validation ROC-AUC "
            "(held-out 20% of the training split's normal rows vs the training split's anomalies; "
            "no test rows), mean over seeds; last columns: mean over sets, median fit seconds "
            f"(shared CPU). Total {(time.perf_counter() - started) / 60:.1f} min.\n\n"
            + markdown_table(["variant", *sets, "mean", "fit s"], rows) + "\n")


def nsl_tail(args: argparse.Namespace) -> str:
    from sklearn.metrics import f1_score

    a = NslKdd(data_dir(args.data, "nsl_kdd") / "nsl_kdd").load().arrays
    X = a["X"][a["y"] == 0]
    att = a["X"][a["y"] == 1]
    att = att[np.random.default_rng(0).choice(len(att), 6000, replace=False)]
    variants = {
        "batch 1024 (earlier defaults)": (0.0, {"batch_size": 1024, "standardize": False,
                                                "batch_norm": False}),
        "standardise, auto(8), batch norm": (0.0, {}),
        "standardise (sd >= 0.1 range), auto(8), batch norm": (0.1, {}),
        "standardise (sd >= 0.03 range), auto(8), batch norm": (0.03, {}),
    }
    rows = []
    for name, (floor, kw) in variants.items():
        hd_ae.STANDARDIZE_FLOOR = floor
        hd_base.AUTO_BATCH_STEPS = 8
        t = time.perf_counter()
        m = AutoEncoder(verbose=0, random_state=0, **kw).fit(X)
        fit_s = time.perf_counter() - t
        normal, attack = m.score(X[m.val_index_]), m.score(att)
        y, s = np.r_[np.zeros(len(normal)), np.ones(len(attack))], np.r_[normal, attack]
        row = [name, f"{roc_auc_score(y, s):.4f}"]
        for q in (99.0, 99.9):
            th = np.percentile(normal, q)
            row += [f"{f1_score(y, s > th):.3f}", f"{np.mean(attack > th):.3f}"]
        row += [f"{np.percentile(normal, 99.9) / np.percentile(normal, 99):.1f}", f"{fit_s:.1f}"]
        rows.append(row)
    return (header("Standardisation floor vs thresholds (NSL-KDD training data)", command=False)
            + f"\nCommand: `python benchmarks/tabular_selection.py {' '.join(sys.argv[1:])}`\n\n"
            + markdown_table(["variant", "ROC-AUC", "F1 @p99", "recall @p99", "F1 @p99.9",
                              "recall @p99.9", "p99.9 / p99", "fit s"], rows) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder holding odds_adbench/ and nsl_kdd/")
    ap.add_argument("--sets", default=",".join((*ODDS_SETS, "nsl_kdd")))
    ap.add_argument("--seeds", type=positive, default=3)
    ap.add_argument("--max-train", type=positive, default=3000)
    ap.add_argument("--variants", default="|".join(VARIANTS), help="names separated by |")
    ap.add_argument("--nsl-tail", action="store_true", help="the threshold check (see above)")
    ap.add_argument("--out", type=result_name, default="tabular_selection")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    text = nsl_tail(args) if args.nsl_tail else run(args)
    print(text)
    print(f"\nwritten to {write_result(args.out, text)}")


if __name__ == "__main__":
    run_script(main)
