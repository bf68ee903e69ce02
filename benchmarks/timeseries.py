"""Time series: every hourglass time-series detector beside PCA and IsolationForest on windows
(and PyOD's LSTMAD), on SKAB and ASD, from one run.

Protocol (each folder's SOURCE.md):

* SKAB: per labelled file, the first 400 rows train, the rest test (SKAB's leaderboard split);
  a model is fitted per file. Channels standardised with statistics of those 400 rows.
* ASD: per server (omi-1 … omi-12), ``train`` trains and ``test`` tests with ``test_label``.

Every model sees the same scaled series and the same windows (length ``--window``), and every
window score is mapped back to steps the same way (mean over the windows covering a step). Each
model's threshold is the 99th percentile of its scores on the last 10% of the training series
(held out, never trained on) — no test label is used for any choice. Reported per dataset:
point-wise F1 / precision / recall at that threshold (pooled over files), PR-AUC and ROC-AUC
(mean over files: score scales differ per model and file), event recall (pooled), point-adjusted
F1 (labelled, flattering) and the median fit seconds. The machine is shared (2 cores, several
other jobs), so seconds are inflated.

    nice -n 10 python benchmarks/timeseries.py [--data DIR] [--datasets skab,asd]
        [--models lstm-ae,...,pca,iforest,pyod-lstmad] [--epochs 8]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import data_dir, header, markdown_table, write_result
from hourglass.detectors import registry
from hourglass.evaluate import timeseries_metrics
from hourglass.features.timeseries import (
    TimeSeriesPreprocessor,
    sliding_windows,
    window_starts,
    windows_to_points,
)
from hourglass.ingest.timeseries import get_timeseries_dataset, read_skab, read_smd

DEEP = ("lstm-ae", "gru-ae", "lstm-forecaster", "tcn-ae", "conv2d-ae", "cnn-lstm", "ganomaly-1d")
BASELINES = ("pca", "iforest", "pyod-lstmad")


class WindowBaseline:
    """PCA reconstruction error or IsolationForest on flattened windows; same split, threshold
    rule and window-to-step mapping as the hourglass detectors."""

    def __init__(self, kind: str, window: int, seed: int) -> None:
        self.kind, self.window, self.seed = kind, window, seed

    def _flat(self, X: np.ndarray, stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
        starts = window_starts(len(X), self.window, stride)
        return sliding_windows(X, self.window)[starts].reshape(len(starts), -1), starts

    def fit(self, X: np.ndarray) -> WindowBaseline:
        n_val = max(int(round(0.1 * len(X))), self.window)
        head, tail = X[:-n_val], X[-n_val:]
        W, _ = self._flat(head)
        if self.kind == "pca":
            from sklearn.decomposition import PCA

            self.model = PCA(n_components=0.9, random_state=self.seed).fit(W)
        else:
            from sklearn.ensemble import IsolationForest

            self.model = IsolationForest(random_state=self.seed, n_jobs=1).fit(W)
        self.threshold = float(np.percentile(self.score(tail), 99))
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        W, starts = self._flat(X)
        if self.kind == "pca":
            rec = self.model.inverse_transform(self.model.transform(W))
            s = ((W - rec) ** 2).mean(axis=1)
        else:
            s = -self.model.score_samples(W)
        return windows_to_points(s, len(X), starts, span=(0, self.window))

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return (scores > self.threshold).astype(np.int8)


class PyodLSTMAD:
    """PyOD's LSTMAD (forecasting LSTM); threshold from its held-out tail like the others."""

    def __init__(self, window: int, epochs: int) -> None:
        from pyod.models.ts_lstm import LSTMAD

        self.model = LSTMAD(window_size=window, epochs=epochs, batch_size=128, hidden_size=32)
        self.window = window

    def fit(self, X: np.ndarray) -> PyodLSTMAD:
        n_val = max(int(round(0.1 * len(X))), self.window + 2)
        self.model.fit(X[:-n_val])
        self.threshold = float(np.percentile(self.score(X[-n_val - self.window:])[self.window:], 99))
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.decision_function(X), dtype=np.float64)

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return (scores > self.threshold).astype(np.int8)


class Deep:
    """An hourglass detector behind the same three calls."""

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        self.det = registry.get(name)(**params)

    def fit(self, X: np.ndarray) -> Deep:
        self.det.fit(X)
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        return self.det.score(X)

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return self.det.threshold_predict(scores)


def make(name: str, args: argparse.Namespace, stride: int) -> Any:
    if name in ("pca", "iforest"):
        return WindowBaseline(name, args.window, args.seed)
    if name == "pyod-lstmad":
        return PyodLSTMAD(args.window, args.lstmad_epochs)
    return Deep(name, {"window": args.window, "stride": stride, "epochs": args.epochs,
                       "verbose": 0, "random_state": args.seed, "device": "cpu"})


def skab_series(root: Path, limit: int | None) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(name, train, test, test labels) per labelled SKAB file, scaled on its first 400 rows."""
    ds = get_timeseries_dataset("skab")
    assert ds is not None
    files = sorted(p for p in (root / "data").rglob("*.csv") if p.parent.name != "anomaly-free")
    out = []
    for path in files[:limit]:
        df = read_skab(path)
        train, test = ds.train_part(df), ds.test_part(df)
        pre = TimeSeriesPreprocessor("datetime", freq="rows", drop=("label", "changepoint"))
        Xtr = pre.fit_transform(train.drop(columns=["label"]))
        Xte = pre.transform(test.drop(columns=["label"]))
        out.append((f"{path.parent.name}/{path.name}", Xtr, Xte, test["label"].to_numpy()))
    return out


def asd_series(root: Path, limit: int | None) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(server, train, test, test labels); ASD values are already min-max scaled to [0, 1] by the
    providers, and are standardised here on the training part like SKAB."""
    out = []
    servers = sorted((root / "train").glob("omi-*.txt*"),
                     key=lambda p: int(p.name.split("-")[1].split(".")[0]))
    for path in servers[:limit]:
        train = read_smd(path)
        test = read_smd(root / "test" / path.name)
        pre = TimeSeriesPreprocessor()
        Xtr = pre.fit_transform(train)
        Xte = pre.transform(test.drop(columns=["label"]))
        out.append((path.name.split(".")[0], Xtr, Xte, test["label"].to_numpy()))
    return out


def run(series: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]], models: list[str],
        args: argparse.Namespace, stride: int) -> list[list[Any]]:
    pooled: dict[str, dict[str, list[np.ndarray]]] = defaultdict(lambda: defaultdict(list))
    aucs: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    fit_s: dict[str, list[float]] = defaultdict(list)
    cpu_s: dict[str, list[float]] = defaultdict(list)
    for name, Xtr, Xte, y in series:
        for m in models:
            model = make(m, args, stride)
            t, c = time.perf_counter(), time.process_time()
            model.fit(Xtr)
            fit_s[m].append(time.perf_counter() - t)
            cpu_s[m].append(time.process_time() - c)
            s = model.score(Xte)
            p = model.predict(s)
            met = timeseries_metrics(y, s, p)
            for key in ("pr_auc", "roc_auc"):
                if met[key] is not None:
                    aucs[m][key].append(met[key])
            # a normal, unflagged step between files keeps events from merging across files
            # (it only adds a true negative, which F1, precision and recall ignore)
            pooled[m]["y"].append(np.r_[np.asarray(y, dtype=np.int8), 0])
            pooled[m]["p"].append(np.r_[np.asarray(p, dtype=np.int8), 0])
            logging.info("%s %s: PR-AUC %.3f F1 %.3f fit %.1fs", name, m, met["pr_auc"] or 0,
                         met["f1"], fit_s[m][-1])
    rows = []
    for m in models:
        y = np.concatenate(pooled[m]["y"])
        p = np.concatenate(pooled[m]["p"])
        met = timeseries_metrics(y, p.astype(float), p)
        rows.append([m, met["f1"], met["precision"], met["recall"],
                     float(np.mean(aucs[m]["pr_auc"])), float(np.mean(aucs[m]["roc_auc"])),
                     met["event_recall"], met["pa_f1"], statistics.median(fit_s[m]),
                     statistics.median(cpu_s[m])])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder holding skab/ and asd_interfusion/")
    ap.add_argument("--datasets", default="skab,asd",
                    help="each dataset writes benchmarks/results/timeseries-<dataset>.md")
    ap.add_argument("--models", default=",".join((*DEEP, *BASELINES)))
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=5, help="max epochs of the hourglass models")
    ap.add_argument("--lstmad-epochs", type=int, default=3)
    ap.add_argument("--lstmad-on", default="skab",
                    help="datasets PyOD LSTMAD runs on (its stride-1 training is slow on ASD)")
    ap.add_argument("--asd-stride", type=int, default=8,
                    help="step between ASD training windows (SKAB uses 1)")
    ap.add_argument("--limit", type=int, default=None, help="first N files/servers only")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tag", default="", help="suffix of the result file name")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("hourglass").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore")
    # one thread for torch and BLAS: on a shared machine more threads only spin-wait
    torch.set_num_threads(1)
    threadpool_limits(1)
    root = data_dir(args.data)
    models = args.models.split(",")
    heads = ["model", "point F1", "precision", "recall", "PR-AUC (mean)", "ROC-AUC (mean)",
             "event recall", "PA-F1 (point-adjusted)", "fit s (median)", "fit CPU s (median)"]
    for ds in args.datasets.split(","):
        t = time.perf_counter()
        use = [m for m in models if m != "pyod-lstmad" or ds in args.lstmad_on.split(",")]
        if ds == "skab":
            rows = run(skab_series(root / "skab", args.limit), use, args, stride=1)
            title = "SKAB (34 files, first 400 rows train, rest test)"
            stride = 1
        elif ds == "asd":
            rows = run(asd_series(root / "asd_interfusion", args.limit), use, args,
                       stride=args.asd_stride)
            title = "ASD (12 servers, train / test as given)"
            stride = args.asd_stride
        else:
            raise SystemExit(f"unknown dataset {ds}")
        rows.sort(key=lambda r: -r[4])
        table = markdown_table(heads, rows)
        wall = time.perf_counter() - t
        print(f"\n{title}\n{table}\n({wall:.0f}s)", flush=True)
        text = (header(f"Time series: {title}") + "\n" + __doc__.split("\n\n", 1)[1].split(
            "    nice")[0] + f"\nSettings: window {args.window}; hourglass models at their "
            f"defaults except at most {args.epochs} epochs (early stopping, patience 3) and "
            f"training-window stride {stride}; PyOD LSTMAD (hidden 32, batch 128) "
            f"{args.lstmad_epochs} epochs{'' if 'pyod-lstmad' in use else ' (not run here)'}. "
            f"Rows sorted by PR-AUC.\n\n{table}\n\nWall time {wall:.0f} s "
            f"(command: {' '.join(sys.argv)}).\n")
        print(f"wrote {write_result(f'timeseries-{ds}{args.tag}', text)}")


if __name__ == "__main__":
    main()
