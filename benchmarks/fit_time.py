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
``--against-src DIR`` compares two versions of the code the same way: each fit runs in a fresh
process, alternately with this checkout's ``src`` and with ``DIR`` (e.g. the ``src`` of a
``git worktree`` at an older commit), so one-time costs of a first fit (imports) count as they
do for a command-line ``hourglass train``.
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
from _common import (
    NslKddFiles,
    OptionError,
    header,
    markdown_table,
    parameters_of,
    positive,
    result_name,
    run_script,
    source_tree,
    write_result,
)
from hourglass.detectors import AutoEncoder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder holding nsl_kdd/ (default: ../shared/data or $HOURGLASS_DATA)")
    ap.add_argument("--repeat", type=positive, default=3)
    ap.add_argument("--param", action="append", default=[], help="NAME=VALUE AutoEncoder parameter")
    ap.add_argument("--versus", action="append", default=[],
                    help="NAME=VALUE of a second configuration, timed interleaved with the first")
    ap.add_argument("--out", type=result_name, help="also write benchmarks/results/OUT.md")
    ap.add_argument("--against-src", help="another source tree: fresh-process fits, alternating")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    source_tree("--against-src", args.against_src)  # (it said so with exit code 1)
    params = _parse(args.param)
    versus = _parse(args.versus, "--versus")  # both checked before the data is read
    if args.against_src:
        _against(args, params)
        return
    configs = [("A", params)] + ([("B", {**params, **versus})] if args.versus else [])
    X = _normal_features(args.data)
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
        text = (header("AutoEncoder fit time on the 67,343 normal KDDTrain+ rows", command=False)
                + f"\nCommand: `python benchmarks/fit_time.py {' '.join(sys.argv[1:])}`; torch threads "
                  f"{torch.get_num_threads()}; parameters {params}.\n\n"
                + markdown_table(["fit", "wall s", "CPU s", "epochs", "best epoch", "batch"], rows)
                + "\n\n" + summary.replace("\n", "  \n") + "\n")
        print(f"written to {write_result(args.out, text)}")


def _normal_features(data: str | None):  # type: ignore[no-untyped-def]
    """The benchmark's features of KDDTrain+'s normal rows (78 columns)."""
    nsl = NslKddFiles(data, "KDDTrain+")
    normal = nsl.normal()
    return nsl.preprocessor().fit(normal).transform(normal)


_FRESH_FIT = """
import json, sys, time
import numpy as np, torch
from hourglass.detectors import AutoEncoder
X = np.load(sys.argv[1])
w, c = time.perf_counter(), time.process_time()
ae = AutoEncoder(**json.loads(sys.argv[2])).fit(X)
print(json.dumps({"wall": time.perf_counter() - w, "cpu": time.process_time() - c,
                  "epochs": len(ae.history_.train_loss), "threads": torch.get_num_threads()}))
"""


def _against(args: argparse.Namespace, params: dict[str, object]) -> None:
    """Fits in fresh processes, alternating between this checkout's ``src`` and another tree."""
    import json
    import os
    import subprocess
    import tempfile

    import numpy as np

    here = Path(__file__).resolve().parent.parent / "src"
    other = Path(args.against_src).resolve()
    X = _normal_features(args.data)
    trees = {"this checkout": here, f"{other}": other}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "X.npy"
        np.save(path, X)
        for i in range(args.repeat):
            for name, src in trees.items():
                env = {**os.environ, "PYTHONPATH": str(src)}
                out = subprocess.run([sys.executable, "-c", _FRESH_FIT, str(path), json.dumps(params)],
                                     capture_output=True, text=True, env=env, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                results[name].append(r)
                rows.append([f"{name} #{i + 1}", round(r["wall"], 2), round(r["cpu"], 2), r["epochs"]])
                print(f"{name} #{i + 1}: wall {r['wall']:.2f}s, cpu {r['cpu']:.2f}s, "
                      f"{r['epochs']} epochs, {r['threads']} threads", flush=True)
    summary = "\n".join(
        f"{name}: median of {args.repeat}: wall {statistics.median(r['wall'] for r in rs):.2f}s, "
        f"cpu {statistics.median(r['cpu'] for r in rs):.2f}s" for name, rs in results.items())
    print(summary)
    if args.out:
        text = (header("AutoEncoder fit time, two versions of the code, fresh processes", command=False)
                + f"\nCommand: `python benchmarks/fit_time.py {' '.join(sys.argv[1:])}`; "
                  f"{len(X):,} rows; parameters {params}.\n\n"
                + markdown_table(["fit", "wall s", "CPU s", "epochs"], rows)
                + "\n\n" + summary.replace("\n", "  \n") + "\n")
        print(f"written to {write_result(args.out, text)}")


def _parse(items: list[str], option: str = "--param") -> dict[str, object]:
    """``NAME=VALUE`` items as AutoEncoder parameters (VALUE a Python literal, else a string),
    checked as the detector checks them, before any data is read: an item without ``=VALUE``
    (``--param epochs``, taken as ``epochs=''``) or a value of the wrong kind (``lr=abc``) was
    refused only by the first fit, after NSL-KDD was read."""
    params: dict[str, object] = {"verbose": 0}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise OptionError(f"{option}: expected NAME=VALUE, got {item!r}")
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value
    # an unknown NAME stopped the script with a TypeError traceback at the first fit
    parameters_of(option, list(params), AutoEncoder)
    try:
        AutoEncoder(**params).validate_params()
    except (ValueError, TypeError) as exc:
        raise OptionError(f"{option}: {exc}") from None
    return params


if __name__ == "__main__":
    run_script(main)
