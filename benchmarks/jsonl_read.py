"""CPU seconds of ``read_table`` on a JSON-lines file (the reader of ``hourglass score`` /
``train`` / ``evaluate`` on ``.jsonl``), this checkout beside another code tree.

A file of flat flow-like JSON objects (``--mb`` megabytes, 41 fields a line: numbers and short
texts) is generated in a temporary folder (never in the repository). Each code tree is measured
in fresh processes, the trees alternating (``--repeat`` times): a process reads the file once to
warm up, then ``--reads`` times; its figure is the median CPU time (``time.process_time``: other
jobs on shared cores count less), the table the median over the processes. Prints the table;
writes nothing.

    git archive ecc74e96 src | tar -x -C /tmp/base
    OMP_NUM_THREADS=1 python benchmarks/jsonl_read.py --before /tmp/base/src --before-label ecc74e96
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, markdown_table, positive, run_script, source_tree


def write_file(path: Path, mb: int, seed: int = 0) -> int:
    """Write flat flow-like JSON lines until ``mb`` megabytes; return the number of lines."""
    rng = np.random.default_rng(seed)
    protos, services = ["tcp", "udp", "icmp"], ["http", "dns", "ssh", "smtp", "private"]
    n, size = 0, 0
    with open(path, "w", encoding="utf-8") as fh:
        while size < mb << 20:
            block = []
            for _ in range(1000):
                row: dict[str, object] = {"proto": protos[rng.integers(3)],
                                          "service": services[rng.integers(5)], "flag": "SF"}
                row.update({f"f{i}": int(v) for i, v in enumerate(rng.integers(0, 5000, 19))})
                row.update({f"r{i}": round(float(v), 2) for i, v in enumerate(rng.random(19))})
                block.append(json.dumps(row) + "\n")
            text = "".join(block)
            fh.write(text)
            size += len(text)
            n += len(block)
    return n


def worker(path: Path, reads: int) -> dict[str, float]:
    from hourglass.ingest import read_table

    read_table(path)  # warm-up: lazy imports, first pass over fresh memory
    times = []
    for _ in range(reads):
        t = time.process_time()
        read_table(path)
        times.append(time.process_time() - t)
    return {"read_table CPU s": statistics.median(times)}


def measure(src: str, path: Path, reads: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, __file__, "--worker", str(path), "--reads", str(reads)],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", help="src folder of the code to compare against")
    ap.add_argument("--before-label", default="before", help="its column's title (e.g. a commit)")
    ap.add_argument("--mb", type=positive, default=50, help="size of the generated file in MB")
    ap.add_argument("--reads", type=positive, default=3, help="timed reads in each process")
    ap.add_argument("--repeat", type=positive, default=3, help="processes for each tree, alternating")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(Path(args.worker), args.reads)))
        return
    source_tree("--before", args.before)
    trees = ([(args.before_label, args.before)] if args.before else []) + [("after", str(REPO / "src"))]
    with tempfile.TemporaryDirectory(prefix="hourglass-jsonl-") as tmp:
        path = Path(tmp) / "flows.jsonl"
        lines = write_file(path, args.mb)
        runs: dict[str, list[float]] = {name: [] for name, _ in trees}
        for _ in range(args.repeat):
            for name, src in trees:
                runs[name].append(measure(src, path, args.reads)["read_table CPU s"])
    secs = {name: statistics.median(v) for name, v in runs.items()}
    heads = ["figure", *secs] + (["after / before"] if len(secs) == 2 else [])
    row = [f"read_table, {lines:,} lines ({args.mb} MB), CPU s", *[f"{v:.3f}" for v in secs.values()]]
    rate = ["rows/s (CPU)", *[f"{lines / v:,.0f}" for v in secs.values()]]
    if len(secs) == 2:
        before, after = secs.values()
        row.append(f"{after / before:.2f}×")
        rate.append(f"{before / after:.2f}×")
    print(markdown_table(heads, [row, rate]))


if __name__ == "__main__":
    run_script(main)
