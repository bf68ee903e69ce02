"""Warm start of time-series models on SKAB: does continuing a model on a recent normal stretch
bring its false-alarm rate on drifted normal data back down, without losing detection?

SKAB's ``anomaly-free.csv`` (9,405 normal rows at 1 Hz, one recording) drifts: the fluid
temperature (Thermocouple) climbs ~4.7 standard deviations (of rows 0-2,999) by the end, the
pressure and the second accelerometer fall ~2-3. Protocol (fixed before any figure was seen):

* ``M``: a model (``--models``, defaults otherwise, window 32, ``--epochs``) trained on rows
  0-2,999 through hourglass's ``Pipeline`` (TimeSeriesPreprocessor: channels standardised on
  those rows; rows are steps); its held-out tail is the last 10% of them; thresholds p99 of the
  tail's averaged scores (``hourglass score``) and of its causal scores (``hourglass stream``:
  the window ending at each step).
* The drifted stretch, rows 6,000-9,404 (normal), is split in time: A = 6,000-7,699 ("recent
  normal data" a user would confirm, e.g. after the drift check fired), B = 7,700-9,404 (later).
* ``M2 = M.warm_start(A)``: preprocessing, window and architecture frozen, training continued
  from M's weights (same ``--epochs``, early stopping on A's last 10%), both thresholds and the
  calibration refitted on A's last 10%.
* ``M2 + replay = M.warm_start(A, replay=...)``: the same, with the last len(A) rows of M's
  training rows (1,300-2,999) replayed as a separate recording in front of A (what
  ``hourglass train A --warm-start M --replay-data TRAIN`` does with its default ``--replay 1``).
* ``M, re-thresholded``: M's network unchanged, both p99 thresholds refitted on its scores of
  A's last 10% (what re-thresholding alone buys).
* ``scratch on A``: a new model with M's settings trained on A only (preprocessing refitted on A).

Figures: the share of B's steps flagged (B is normal: the false-alarm rate the drift check
watches; a p99 threshold aims at ~1%), with averaged scores and with stream scores; the share
of M's training rows 0-2,999 flagged (averaged scores: does the model forget the old normal
data? M itself was fitted on them, so its figure is optimistic). Detection:
the labelled SKAB files recorded in anomaly-free.csv's operating regime (other/5-12 and 14:
the files ``benchmarks/timeseries.py`` admits for anomaly-free.csv as extra normal data by its
10-sd rule; valve1, valve2, other/1-4 and 13 run at other pump speeds and flow rates), whole
files scored with each model's frozen preprocessing: ROC-AUC and PR-AUC (mean over files) and
point-wise F1 at the model's own threshold (pooled over files, no point adjustment), plus the
share of their normal rows flagged. Labels are used for these reported figures only; no choice
(threshold, epochs, split) looks at them. Mean ± sd over ``--seeds``. ``lstm-forecaster`` makes
no forecast for a series' first ``window`` steps (they copy its first forecast's score): every
averaged-score threshold and figure leaves them out (``own_steps``), as ``hourglass evaluate``
and ``benchmarks/timeseries.py`` do; the window autoencoders score every step.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/warm_start_series.py [--data DIR]
        [--models lstm-ae,tcn-ae] [--seeds 0,1,2] [--epochs 20]
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
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    OptionError,
    data_dir,
    header,
    ints,
    markdown_table,
    no_write_option,
    not_written,
    positive,
    run_script,
    write_result,
)
from hourglass import Pipeline
from hourglass.detectors import registry
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest.timeseries import LABEL, get_timeseries_dataset
from hourglass.thresholds import Percentile

TRAIN = (0, 3000)
STRETCH_A = (6000, 7700)
STRETCH_B = (7700, 9405)
SAME_REGIME = [f"other/{i}.csv" for i in (5, 6, 7, 8, 9, 10, 11, 12, 14)]
WINDOW = 32


def fresh(model: str, seed: int, epochs: int) -> Pipeline:
    cls = registry.get(model)
    det = cls(window=WINDOW, epochs=epochs, random_state=seed, verbose=0, device="cpu")
    ds = get_timeseries_dataset("skab")
    assert ds is not None
    return Pipeline(det, features=TimeSeriesPreprocessor(timestamp_col=ds.timestamp_col, freq=ds.freq,
                                                         drop=(*ds.drop, LABEL)),
                    threshold=Percentile(99.0))


def own_steps(det: Any, *steps: np.ndarray) -> list[np.ndarray]:
    """Each per-step array of a series scored whole (``det.score``) from the first step the model
    scores for itself: a forecaster's first ``window`` steps (``unpredicted_steps``) copy its
    first forecast's score, so they are left out of every threshold and figure, as the library's
    held-out scores and ``hourglass evaluate`` leave them out; a window autoencoder's none."""
    skip = int(getattr(det, "unpredicted_steps", 0))
    return [np.asarray(a)[skip:] for a in steps]


def rethreshold(pipe: Pipeline, recent: pd.DataFrame) -> tuple[Any, Any]:
    """p99 thresholds (averaged, causal) of ``pipe``'s scores of the last 10% of ``recent``."""
    X = pipe.transform(recent)
    tail = X[len(X) - int(round(0.1 * len(X))):]
    det = pipe.detector_
    return (Percentile(99.0).fit(own_steps(det, det.score(tail))[0], on="recent tail"),
            Percentile(99.0).fit(det.window_scores(tail), on="recent tail (causal)"))


def flag_rates(pipe: Pipeline, df: pd.DataFrame, thresholds: tuple[Any, Any] | None = None,
               ) -> tuple[float, float]:
    """Share of ``df``'s steps flagged with averaged scores and with causal (stream) scores
    (steps before the first full window are not scored by a stream and are left out, nor a
    forecaster's copies of its first forecast: :func:`own_steps`)."""
    avg_thr, stream_thr = thresholds or (pipe.detector_.threshold_, pipe.detector_.stream_threshold_)
    X = pipe.transform(df)
    det = pipe.detector_
    avg = float(avg_thr.predict(own_steps(det, det.score(X))[0]).mean())
    stream = float(stream_thr.predict(det.window_scores(X)).mean())
    return avg, stream


def detection(pipe: Pipeline, files: list[pd.DataFrame], avg_thr: Any = None) -> dict[str, float]:
    thr = avg_thr or pipe.detector_.threshold_
    rocs, prs, ys, flags = [], [], [], []
    for df in files:  # each file from the first step the model scores for itself (own_steps)
        y, s = own_steps(pipe.detector_, df[LABEL].to_numpy().astype(int),
                         pipe.detector_.score(pipe.transform(df.drop(columns=[LABEL]))))
        rocs.append(roc_auc_score(y, s))
        prs.append(average_precision_score(y, s))
        ys.append(y)
        flags.append(thr.predict(s))
    y_all, f_all = np.concatenate(ys), np.concatenate(flags)
    return {"roc": float(np.mean(rocs)), "pr": float(np.mean(prs)),
            "f1": float(f1_score(y_all, f_all)), "fpr": float(f_all[y_all == 0].mean())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data")
    ap.add_argument("--models", default="lstm-ae,tcn-ae")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--epochs", type=positive, default=20)
    no_write_option(ap, "results/warm_start_series.md")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    known = [n for n, e in registry.entries().items() if e.input == "timeseries"]
    unknown = [m for m in args.models.split(",")  # as registry.get reads them: any case, '-' or '_'
               if m.strip().lower().replace("_", "-") not in known]
    if unknown:  # before the data is read and the first model trains
        raise OptionError(f"--models: unknown {', '.join(unknown)}; known: {', '.join(known)}")
    seeds = ints("--seeds", args.seeds)
    root = data_dir(args.data, "skab") / "skab" / "data"
    ds = get_timeseries_dataset("skab")
    assert ds is not None
    free = ds.read(root / "anomaly-free" / "anomaly-free.csv")
    train, a, b = (free.iloc[lo:hi].reset_index(drop=True) for lo, hi in (TRAIN, STRETCH_A, STRETCH_B))
    labelled = [ds.read(root / f) for f in SAME_REGIME]
    rows: dict[tuple[str, str], list[list[float]]] = {}
    secs: dict[tuple[str, str], list[float]] = {}
    for model in args.models.split(","):
        for seed in seeds:
            t0 = time.perf_counter()
            m = fresh(model, seed, args.epochs).fit(train)
            t_m = time.perf_counter() - t0
            t0 = time.perf_counter()
            m2 = m.warm_start(a)
            t_m2 = time.perf_counter() - t0
            t0 = time.perf_counter()
            m2r = m.warm_start(a, replay=train.iloc[len(train) - len(a):])
            t_m2r = time.perf_counter() - t0
            t0 = time.perf_counter()
            scratch = fresh(model, seed, args.epochs).fit(a)
            t_s = time.perf_counter() - t0
            rt = rethreshold(m, a)
            variants = [("M (trained on rows 0-2,999)", m, None, t_m),
                        ("M, re-thresholded on A", m, rt, 0.0),
                        ("M2 = M.warm_start(A)", m2, None, t_m2),
                        ("M2 + replay of M's last 1,700 training rows", m2r, None, t_m2r),
                        ("scratch on A", scratch, None, t_s)]
            for name, pipe, thr, sec in variants:
                fb = flag_rates(pipe, b, thr)
                f_old = flag_rates(pipe, train, thr)[0]
                det = detection(pipe, labelled, None if thr is None else thr[0])
                rows.setdefault((model, name), []).append(
                    [fb[0], fb[1], f_old, det["roc"], det["pr"], det["f1"], det["fpr"]])
                secs.setdefault((model, name), []).append(sec)
                print(model, seed, name, [round(v, 4) for v in rows[(model, name)][-1]],
                      f"{sec:.1f}s", flush=True)

    def ms(values: list[float]) -> str:
        if len(values) == 1:
            return f"{values[0]:.4f}"
        return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"

    table = []
    for (model, name), vals in rows.items():
        cols = list(zip(*vals, strict=True))
        table.append([model, name, *(ms(list(c)) for c in cols),
                      f"{statistics.median(secs[(model, name)]):.1f}"])
    summary = markdown_table(["model", "variant", "B flagged (score)", "B flagged (stream)",
                              "rows 0-2,999 flagged",
                              "ROC-AUC", "PR-AUC", "F1", "FPR labelled files", "fit s"], table)
    text = (header("Warm start of time-series models on SKAB (drifted normal data)")
            + f"\nModels {args.models}, window {WINDOW}, {args.epochs} epochs, seeds {args.seeds} "
            "(mean ± sd). Protocol: the module docstring of `benchmarks/warm_start_series.py`. "
            "B = anomaly-free.csv rows 7,700-9,404 (normal, after the drift); a p99 threshold "
            "aims at ~1% flagged. Detection on the labelled files other/5-12, 14 (labels for "
            "reporting only): ROC-AUC and PR-AUC mean over files, F1 point-wise pooled at the "
            "model's own (averaged-score) threshold, no point adjustment; FPR = their normal "
            "rows flagged. Seconds: median fit (or warm start) time on a shared 2-core machine.\n\n"
            + summary
            + "\n")
    print("\n" + summary)
    print(not_written("warm_start_series.md") if args.no_write else write_result("warm_start_series", text))


if __name__ == "__main__":
    run_script(main)
