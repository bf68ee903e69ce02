"""How the AutoEncoder defaults were chosen on NSL-KDD *training* data only.

Validation = a seeded 10% of KDDTrain+'s normal rows (never trained on) against KDDTrain+'s
attacks (up to 3,000 per category). Criterion = the mean of the four per-category ROC-AUCs
(DoS, Probe, R2L, U2R), so the rare categories weigh as much as the volume attacks. Each
configuration is scored two ways: plain MSE (``score_norm="none"``) and per-feature normalised
error (``score_norm="feature"``). KDDTest+ figures are printed for the record only; they were not
used to choose anything.

    OMP_NUM_THREADS=1 python benchmarks/nsl_kdd_selection.py [--data DIR] [--quick]
        [--configs '[{}, {"batch_size": 2048}]'] [--seeds 0,1] [--norms none] [--out NAME]

``--configs`` (a JSON list of AutoEncoder parameter changes) replaces the grid; each runs once
per seed in ``--seeds`` (the model's ``random_state``; the held-out split stays seed 0) and per
preprocessing change in ``--pre`` (a JSON list of TabularPreprocessor parameter changes).
``--seeds`` and ``--pre`` apply to ``--configs`` only: without it they are refused in one line
(``--configs '[{}]'`` runs the defaults).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    NSL_CATEGORIES,
    NslKddFiles,
    OptionError,
    header,
    ints,
    markdown_table,
    param_dicts,
    result_name,
    run_script,
    write_result,
)
from hourglass.detectors import AutoEncoder
from hourglass.evaluate import binary_metrics
from hourglass.features import TabularPreprocessor

CATS = NSL_CATEGORIES
GRID: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {}), ({}, {"random_state": 1}), ({"scaler": "standard"}, {}),
    ({"scaler": "standard"}, {"random_state": 1}), ({"scaler": "robust"}, {}),
    ({"scaler": "quantile"}, {}), ({}, {"lr": 1e-3, "epochs": 80}), ({}, {"batch_size": 256}),
    ({}, {"activation": "elu"}), ({}, {"hidden": (128, 64, 32, 8)}), ({}, {"weight_decay": 1e-5}),
    ({}, {"dropout": 0.1}), ({}, {"batch_norm": True}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder holding nsl_kdd/ (default: ../shared/data or $HOURGLASS_DATA)")
    ap.add_argument("--quick", action="store_true", help="only the first two configurations")
    ap.add_argument("--configs", help="JSON list of AutoEncoder parameter dicts (replaces the grid)")
    ap.add_argument("--pre", help="JSON list of TabularPreprocessor parameter dicts, crossed with --configs")
    ap.add_argument("--seeds", help="comma-separated random_state values per config (default 0)")
    ap.add_argument("--norms", default="none,feature", help="score_norm values to try")
    ap.add_argument("--out", type=result_name, default="nsl_kdd_selection", help="result file name (no .md)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    grid = GRID[:2] if args.quick else GRID
    for option, value in (("--pre", args.pre), ("--seeds", args.seeds)):
        if value is not None and not args.configs:  # the built-in grid sets its own: it went unused
            raise OptionError(f"{option}: applies to --configs only (the built-in grid sets its own); "
                             "pass --configs '[{}]' to run the defaults with it")
    if args.configs:  # read before the files are: a bad value is one line, not a traceback later
        seeds = ints("--seeds", args.seeds or "0")
        grid = [(pre_kw, {**cfg, "random_state": seed})
                for pre_kw in (param_dicts("--pre", args.pre, TabularPreprocessor) if args.pre else [{}])
                for cfg in param_dicts("--configs", args.configs, AutoEncoder) for seed in seeds]
    nsl = NslKddFiles(args.data, "KDDTrain+", "KDDTest+")
    test, normal = nsl.files["KDDTest+"], nsl.normal()
    att, att_cat = nsl.attacks()
    order = np.random.default_rng(0).permutation(len(normal))
    n_hold = len(normal) // 10
    fit_rows, hold = normal.iloc[order[n_hold:]], normal.iloc[order[:n_hold]]
    y_test = (test.label != "normal").to_numpy().astype(int)
    rows = []
    for pre_kw, cfg in grid:
        pre = nsl.preprocessor(**pre_kw).fit(fit_rows)
        Xf, Xh, Xa, Xt = (pre.transform(d) for d in (fit_rows, hold, att.drop(columns=["label"]),
                                                      test.drop(columns=["label"])))
        for norm in args.norms.split(","):
            start, cpu = time.perf_counter(), time.process_time()
            ae = AutoEncoder(verbose=0, score_norm=norm, **cfg).fit(Xf)
            fit_s = time.perf_counter() - start
            cpu_s = time.process_time() - cpu
            sh, sa, st = ae.score(Xh), ae.score(Xa), ae.score(Xt)
            aucs = [roc_auc_score(np.r_[np.zeros(len(sh)), np.ones(int((att_cat == c).sum()))],
                                  np.r_[sh, sa[att_cat == c]]) for c in CATS]
            m = binary_metrics(y_test, st, ae.predict(Xt))
            rows.append([json.dumps({**pre_kw, **cfg}) if pre_kw or cfg else "defaults", norm,
                         float(np.mean(aucs)), *(float(a) for a in aucs), m["roc_auc"], m["f1"],
                         len(ae.history_.train_loss), round(fit_s, 1), round(cpu_s, 1)])
            print(" | ".join(str(v) for v in rows[-1]), flush=True)
    headers = ["change from defaults", "score_norm", "val macro-AUC", *(f"val {c}" for c in CATS),
               "KDDTest+ ROC-AUC (record only)", "KDDTest+ F1 (record only)", "epochs", "fit s", "fit CPU s"]
    table = markdown_table(headers, rows)
    text = (header("NSL-KDD model selection on training data (AutoEncoder)")
            + "\nValidation: 10% held-out normal KDDTrain+ rows vs KDDTrain+ attacks (≤ 3,000 per "
              "category); criterion = mean per-category ROC-AUC. Threshold for F1: the detector's "
              "own Percentile(99) of its held-out normal scores.\n\n" + table + "\n")
    print(table)
    print(f"\nwritten to {write_result(args.out, text)}")


if __name__ == "__main__":
    run_script(main)
