"""Fit time of every hourglass time-series detector at its defaults on ASD's largest server
(omi-1 train: 8,640 steps × 19 channels), and memory while scoring a 100k-step series.

Wall and CPU seconds are both printed: on a shared machine the wall time depends on the other
jobs, the CPU time (one thread) much less.

    nice -n 10 python benchmarks/timeseries_fit_time.py [--data DIR] [--linear-path pca|auto] [MODEL ...]

``--linear-path pca`` fits the autoencoders that have it with ``linear_path="pca"`` (the
setting benchmarks/timeseries.py used for its ``-pca`` files), ``auto`` with the label-free
choice (both variants trained, so about twice the time); the others at their defaults.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import data_dir, run_script
from hourglass.detectors import registry
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest.timeseries import read_smd

MODELS = ("lstm-ae", "gru-ae", "lstm-forecaster", "tcn-ae", "conv2d-ae", "cnn-lstm")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder holding asd_interfusion/")
    ap.add_argument("--linear-path", default="none", choices=("none", "pca", "auto"))
    ap.add_argument("models", nargs="*", default=list(MODELS))
    args = ap.parse_args()
    torch.set_num_threads(1)
    threadpool_limits(1)
    name = "asd_interfusion/train/omi-1.txt.gz"
    path = data_dir(args.data, name) / name
    X = TimeSeriesPreprocessor().fit_transform(read_smd(path))
    print(f"series {X.shape[0]} steps × {X.shape[1]} channels", flush=True)
    det = None
    for name in args.models:
        cls = registry.get(name)
        extra = {"linear_path": args.linear_path} if "linear_path" in cls().get_params() else {}
        det = cls(verbose=0, device="cpu", **extra)
        t, c = time.perf_counter(), time.process_time()
        det.fit(X)
        label = name
        if extra.get("linear_path", "none") != "none":
            label += f" (linear_path={extra['linear_path']} -> {det.linear_path_})"
        print(f"{label}: fit {time.perf_counter() - t:.1f} s wall, {time.process_time() - c:.1f} s "
              f"CPU ({len(det.history_.train_loss)} epochs, early stop {det.history_.stopped_early})",
              flush=True)
    assert det is not None
    long = np.tile(X, (100_000 // len(X) + 1, 1))[:100_000]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    scores = det.score(long)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    full = long.shape[0] * det._length() * X.shape[1] * 4 / 2**20
    print(f"{args.models[-1]} scored {len(scores)} steps in {time.perf_counter() - t:.1f} s; peak RSS "
          f"{before:.0f} MB -> {after:.0f} MB (all windows at once would take {full:.0f} MB)")


if __name__ == "__main__":
    run_script(main)
