"""Fit time of the default AutoEncoder on all 67,343 normal KDDTrain+ rows (Foundation target:
≤ 10 s). Prints wall and CPU seconds of each fit, their medians, and the epochs each fit ran.

CPU seconds (``time.process_time``, all threads of this process) are what a busy shared machine
cannot inflate much; wall seconds are what the target means, on a quiet machine:

    python benchmarks/fit_time.py [--data DIR] [--repeat 3] [--param batch_norm=False ...]
        [--versus batch_size=1024 --versus lr=0.003] [--out NAME]
    OMP_NUM_THREADS=1 python benchmarks/fit_time.py        # one thread, the CPU-seconds view

``--param NAME=VALUE`` (repeatable) changes an AutoEncoder parameter (VALUE parsed as a Python
literal) to time a variant. Features: the benchmark's ``TabularPreprocessor`` (78 columns).
``--out NAME`` also writes the table to ``benchmarks/results/NAME.md``. ``--versus NAME=VALUE``
(repeatable) times a second configuration *interleaved* with the first (A, B, A, B, ...), so slow
spells of a shared host fall on both: the fair way to compare two settings on a noisy machine.
"""

from __future__ import annotations

import argparse
import ast
import logging
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import data_dir, header, markdown_table, write_result
from hourglass.detectors import AutoEncoder
from hourglass.features import TabularPreprocessor
from hourglass.ingest import get_dataset


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder holding nsl_kdd/ (default: ../shared/data or $HOURGLASS_DATA)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--param", action="append", default=[], help="NAME=VALUE AutoEncoder parameter")
    ap.add_argument("--versus", action="append", default=[],
                    help="NAME=VALUE of a second configuration, timed interleaved with the first")
    ap.add_argument("--out", help="also write benchmarks/results/OUT.md")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    params = _parse(args.param)
    configs = [("A", params)] + ([("B", {**params, **_parse(args.versus)})] if args.versus else [])
    spec = get_dataset("nsl-kdd")
    train = spec.read(data_dir(args.data) / "nsl_kdd" / "KDDTrain+.txt.gz")
    normal = train[train.label == "normal"].drop(columns=["label"])
    X = TabularPreprocessor(categorical=spec.categorical, drop=spec.drop).fit(normal).transform(normal)
    print(f"{len(X):,} normal rows x {X.shape[1]} features; torch threads {torch.get_num_threads()}; "
          f"params {params}", flush=True)
    walls: dict[str, list[float]] = {name: [] for name, _ in configs}
    cpus: dict[str, list[float]] = {name: [] for name, _ in configs}
    rows = []
    for i in range(args.repeat):
        for name, cfg in configs:
            w0, c0 = time.perf_counter(), time.process_time()
            ae = AutoEncoder(**cfg).fit(X)  # type: ignore[arg-type]
            walls[name].append(time.perf_counter() - w0)
            cpus[name].append(time.process_time() - c0)
            h = ae.history_
            batch = ae._train_config(len(X) - len(ae.val_index_)).batch_size
            rows.append([f"{name}{i + 1}", round(walls[name][-1], 2), round(cpus[name][-1], 2),
                         len(h.train_loss), h.best_epoch, batch])
            print(f"fit {name}{i + 1}: wall {walls[name][-1]:.2f}s, cpu {cpus[name][-1]:.2f}s, "
                  f"{len(h.train_loss)} epochs (best {h.best_epoch}), batch {batch}", flush=True)
    summary = "\n".join(
        f"{name} {cfg}: median of {args.repeat}: wall {statistics.median(walls[name]):.2f}s, "
        f"cpu {statistics.median(cpus[name]):.2f}s" for name, cfg in configs)
    summary += "\n(target: wall <= 10 s on a quiet machine, default parameters)"
    print(summary)
    if args.out:
        text = (header("AutoEncoder fit time on the 67,343 normal KDDTrain+ rows")
                + f"\nCommand: `python benchmarks/fit_time.py {' '.join(sys.argv[1:])}`; torch threads "
                  f"{torch.get_num_threads()}; parameters {params}.\n\n"
                + markdown_table(["fit", "wall s", "CPU s", "epochs", "best epoch", "batch"], rows)
                + "\n\n" + summary.replace("\n", "  \n") + "\n")
        print(f"written to {write_result(args.out, text)}")


def _parse(items: list[str]) -> dict[str, object]:
    """``NAME=VALUE`` items as AutoEncoder parameters (VALUE a Python literal, else a string)."""
    params: dict[str, object] = {"verbose": 0}
    for item in items:
        key, _, value = item.partition("=")
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value
    return params


if __name__ == "__main__":
    main()
