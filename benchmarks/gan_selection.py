"""A check of GANomaly's weight averaging on NSL-KDD *training* data only (a labelled validation).

``ema_decay=0.99`` was added for a label-free reason (the kept weights jumped from epoch to epoch).
This script checks, on data the KDDTest+ benchmark never sees, that averaging does not buy its
steadier seeds with a worse detector: per seed, GANomaly is fitted on a seeded sample of
KDDTrain+ normal rows (as in ``gan.py``), then scores held-out KDDTrain+ normal rows (never
trained on) against KDDTrain+ attacks (up to 3,000 per category). Criterion = the mean of the
four per-category ROC-AUCs (DoS, Probe, R2L, U2R), so the rare categories weigh as much as the
volume attacks; its spread over seeds is the stability figure.

    OMP_NUM_THREADS=1 python benchmarks/gan_selection.py [--data DIR] [--seeds 5]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import NSL_CATEGORIES, NslKddFiles, header, markdown_table, positive, run_script, write_result
from hourglass.detectors import GANomaly

CATS = NSL_CATEGORIES
CONFIGS = {"ema_decay=None (before)": {"ema_decay": None}, "ema_decay=0.99 (now)": {}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder holding nsl_kdd/ (default: ../shared/data or $HOURGLASS_DATA)")
    ap.add_argument("--seeds", type=positive, default=5)
    ap.add_argument("--max-train", type=positive, default=10000)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    nsl = NslKddFiles(args.data, "KDDTrain+")
    normal = nsl.normal()
    att, att_cat = nsl.attacks()
    results: dict[str, list[float]] = {name: [] for name in CONFIGS}
    rows = []
    for seed in range(args.seeds):
        order = np.random.default_rng(seed).permutation(len(normal))
        fit_rows = normal.iloc[np.sort(order[:args.max_train])]
        hold = normal.iloc[np.sort(order[args.max_train:args.max_train + 5000])]
        pre = nsl.preprocessor().fit(fit_rows)
        Xf, Xh, Xa = (pre.transform(d) for d in (fit_rows, hold, att.drop(columns=["label"])))
        for name, cfg in CONFIGS.items():
            start = time.perf_counter()
            det = GANomaly(verbose=0, random_state=seed, **cfg).fit(Xf)
            fit_s = time.perf_counter() - start
            sh, sa = det.score(Xh), det.score(Xa)
            aucs = [roc_auc_score(np.r_[np.zeros(len(sh)), np.ones(int((att_cat == c).sum()))],
                                  np.r_[sh, sa[att_cat == c]]) for c in CATS]
            results[name].append(float(np.mean(aucs)))
            rows.append([seed, name, round(float(np.mean(aucs)), 4), *(round(float(a), 4) for a in aucs),
                         round(fit_s, 1)])
            print(" | ".join(str(v) for v in rows[-1]), flush=True)
    summary = [[name, f"{np.mean(v):.4f}", f"{np.std(v):.4f}", f"{min(v):.4f}", f"{max(v):.4f}"]
               for name, v in results.items()]
    text = (header("GANomaly weight averaging, checked on NSL-KDD training data")
            + "\nThe machine was shared (2 cores): times are inflated.\n\n"
            + (__doc__ or "").split("\n\n")[1] + "\n\n"
            + f"Held-out normal rows: 5,000 per seed; attacks: ≤ 3,000 per category; {args.seeds} "
              f"seeds; training rows: {args.max_train}.\n\n## Summary (val macro-AUC over seeds)\n\n"
            + markdown_table(["config", "mean", "std", "min", "max"], summary)
            + "\n\n## Every seed\n\n"
            + markdown_table(["seed", "config", "val macro-AUC", *(f"val {c}" for c in CATS), "fit s"],
                             rows) + "\n")
    print(text)
    print(f"written to {write_result('gan_selection', text)}")


if __name__ == "__main__":
    run_script(main)
