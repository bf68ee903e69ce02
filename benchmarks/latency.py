"""Latency of scoring a few table rows: one row and 32 rows through ``Pipeline.score``, a
one-row ``POST /score``, ``hourglass stream`` in small batches, and (so that the small-row road
costs the large batches nothing) the transform's rows/s on 500k rows.

An autoencoder (default architecture, 2 epochs: the time per row depends on the network's
size, not on its training) is trained on NSL-KDD's ``KDDTrain+_20Percent`` and scores
``KDDTest+`` rows. Each figure is the median over many calls (latencies) or the fastest of 5
passes after a warm-up pass (rows/s).
With ``--before SRC`` (the ``src`` folder of another checkout, e.g. ``git archive`` of an older
commit) every figure is measured for both code trees, one after the other, in fresh processes.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/latency.py --before /tmp/base/src
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    REPO,
    data_dir,
    header,
    markdown_table,
    port_arg,
    positive,
    run_script,
    source_tree,
    write_result,
)

LARGE = 500_000


def _median_ms(fn: Any, calls: list[Any]) -> float:
    fn(calls[0])  # warm-up: memos, lazy imports
    times = []
    for arg in calls:
        t = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def _rows_per_s(fn: Any, n: int, passes: int = 5) -> float:
    """Rows/s of the fastest pass (after a warm-up pass: the first over fresh memory is up to
    twice as slow); on shared cores the fastest is the one least slowed by the other jobs."""
    fn()
    times = []
    for _ in range(passes):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return n / min(times)


def _kdd(root: Path) -> tuple[Any, Any]:
    from hourglass.ingest.datasets import get_dataset

    spec = get_dataset("nsl-kdd")
    drop = [spec.label_col, "difficulty"]
    read = lambda name: spec.read(root / "nsl_kdd" / name).drop(columns=drop, errors="ignore")  # noqa: E731
    return read("KDDTrain+_20Percent.txt.gz"), read("KDDTest+.txt.gz")


def worker(root: Path, flows: Path, model: Path) -> dict[str, float]:
    """Every in-process figure for the code tree first on ``sys.path``; saves the model."""
    import pandas as pd
    import torch

    import hourglass
    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder
    from hourglass.features import TabularPreprocessor
    from hourglass.ingest import get_format
    from hourglass.serve import TableScorer

    torch.set_num_threads(1)
    print(f"measuring {Path(hourglass.__file__).parent}", file=sys.stderr)
    train, test = _kdd(root)
    pipe = Pipeline(detector=AutoEncoder(epochs=2, verbose=0, random_state=0)).fit(train)
    pipe.save(model)
    out: dict[str, float] = {}
    ones = [test.iloc[[i]] for i in range(0, 20 * 500, 20)]
    b32 = [test.iloc[i:i + 32] for i in range(0, 32 * 200, 32)]
    out["Pipeline.score, 1 row (ms)"] = _median_ms(pipe.score, ones)
    out["Pipeline.score, 32 rows (ms)"] = _median_ms(pipe.score, b32)
    out["transform, 1 row (ms)"] = _median_ms(pipe.features_.transform, ones)
    out["transform, 32 rows (ms)"] = _median_ms(pipe.features_.transform, b32)
    X1 = [pipe.features_.transform(d) for d in ones]
    out["detector score, 1 row (ms)"] = _median_ms(pipe.detector_.score, X1)
    records = json.loads(test.to_json(orient="records"))
    scorer = TableScorer.from_pipeline(pipe)
    out["TableScorer.score, 1 JSON row (ms)"] = _median_ms(
        scorer.score, [records[i:i + 1] for i in range(0, 20 * 500, 20)])
    fl = pd.concat(list(get_format("csv").iter_chunks(flows)), ignore_index=True).drop(columns=["label"])
    pre = TabularPreprocessor().fit(fl.iloc[:50_000])
    flow_rows = [fl.iloc[[i]] for i in range(60_000, 70_000, 20)]  # rows the fit did not see
    out["transform, 1 flow row (ms)"] = _median_ms(pre.transform, flow_rows)
    return out


def worker_large(root: Path, flows: Path) -> dict[str, float]:
    """Rows/s of the transform on 500k rows, in a process of its own (as ``hourglass score`` on
    a file runs): what ran before in a process changes how fast its large arrays come."""
    import pandas as pd

    from hourglass.features import TabularPreprocessor
    from hourglass.ingest import get_format

    train, test = _kdd(root)
    out: dict[str, float] = {}
    pre = TabularPreprocessor().fit(train)
    big = pd.concat([test] * (LARGE // len(test) + 1), ignore_index=True).iloc[:LARGE]
    out["transform, 500k KDD rows (rows/s)"] = _rows_per_s(lambda: pre.transform(big), LARGE)
    fl = pd.concat(list(get_format("csv").iter_chunks(flows)), ignore_index=True).drop(columns=["label"])
    pre = TabularPreprocessor().fit(fl.iloc[:50_000])
    out["transform, 500k flow rows (rows/s)"] = _rows_per_s(lambda: pre.transform(fl), len(fl))
    return out


def _serve(src: str, model: Path, records: list[dict[str, Any]], port: int) -> dict[str, float]:
    from serve_throughput import _run, _wait_ready

    key = secrets.token_urlsafe(32)
    env = {**os.environ, "PYTHONPATH": src, "HOURGLASS_API_KEY": key}
    proc = subprocess.Popen([sys.executable, "-m", "hourglass", "serve", str(model), "--port", str(port),
                             "-q"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {}
    try:
        _wait_ready(port, proc)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for n, k in ((1, 300), (32, 100)):
            bodies = [json.dumps({"rows": records[i * n:(i + 1) * n]}).encode() for i in range(k)]
            _run(conn, bodies[:3], key)
            med = statistics.median(_run(conn, bodies, key) for _ in range(3))
            out[f"POST /score, {n} row{'s' * (n > 1)} (ms/request)"] = 1000 * med / k
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def _stream(src: str, model: Path, records: list[dict[str, Any]], work: Path) -> dict[str, float]:
    """rows/s as ``hourglass stream`` reports it at the end (loading the model not counted)."""
    env = {**os.environ, "PYTHONPATH": src}
    out = {}
    for b, n in ((1, 3000), (32, len(records)), (1024, len(records))):
        lines = work / f"rows{n}.jsonl"
        lines.write_text("".join(json.dumps(r) + "\n" for r in records[:n]))
        sink = work / "alerts.jsonl"
        sink.unlink(missing_ok=True)
        res = subprocess.run([sys.executable, "-m", "hourglass", "stream", str(model), "--input",
                              str(lines), "--output", str(sink), "--batch", str(b), "--all"],
                             env=env, check=True, capture_output=True, text=True)
        found = re.search(r"([\d,]+) rows/s", res.stderr)
        if found is None:
            raise SystemExit(f"no rows/s in the stream summary: {res.stderr[-300:]!r}")
        out[f"hourglass stream --batch {b} (rows/s)"] = float(found.group(1).replace(",", ""))
    return out


def measure(src: str, root: Path, flows: Path, port: int, records: list[dict[str, Any]]
            ) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="hourglass-latency-"))
    model = work / "model"
    env = {**os.environ, "PYTHONPATH": src}
    out = {}
    for mode in ("--worker", "--worker-large"):
        res = subprocess.run([sys.executable, __file__, mode, "--data", str(root), "--flows", str(flows),
                              "--model", str(model)], env=env, check=True, capture_output=True, text=True)
        out |= json.loads(res.stdout.strip().splitlines()[-1])
    out |= _serve(src, model, records, port)
    out |= _stream(src, model, records, work)
    shutil.rmtree(work)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="folder holding nsl_kdd/")
    ap.add_argument("--before", help="src folder of the code to compare against")
    ap.add_argument("--before-label", default="before", help="its column's title (e.g. a commit)")
    ap.add_argument("--flows", default="/tmp/hourglass-latency-flows-500k.csv",
                    help="the 500k-row flow CSV of benchmarks/scale.py (generated when absent)")
    ap.add_argument("--port", type=port_arg, default=18093)
    ap.add_argument("--repeat", type=positive, default=3, help="measure each tree this many times, "
                    "alternating; each figure is the median over them")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--worker-large", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    args = ap.parse_args()
    source_tree("--before", args.before)
    root = data_dir(args.data, "nsl_kdd")
    flows = Path(args.flows)
    if args.worker or args.worker_large:
        result = worker(root, flows, Path(args.model)) if args.worker else worker_large(root, flows)
        print(json.dumps(result))
        return
    if not flows.exists():
        from scale import generate

        generate(flows, LARGE)
    sys.path.insert(0, str(REPO / "src"))
    records = json.loads(_kdd(root)[1].to_json(orient="records"))
    trees = ([(args.before_label, args.before)] if args.before else []) + [("after", str(REPO / "src"))]
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
    for _ in range(args.repeat):
        for name, src in trees:
            print(f"{name}: {src}", file=sys.stderr)
            runs[name].append(measure(src, root, flows, args.port, records))
    results = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
    keys = list(results["after"])
    heads = ["figure", *results]
    rows = []
    for k in keys:
        vals = [results[n][k] for n in results]
        row = [k, *[f"{v:,.3f}" if v < 100 else f"{v:,.0f}" for v in vals]]
        if len(vals) == 2:
            row.append(f"{vals[0] / vals[1]:.2f}×" if "ms" in k else f"{vals[1] / vals[0]:.2f}×")
        rows.append(row)
    if len(results) == 2:
        heads.append("speed-up")
    threads = os.environ.get("OMP_NUM_THREADS", "torch default")
    text = (header("Latency of scoring a few table rows")
            + "\nAutoEncoder (default architecture, 2 epochs, seed 0) on NSL-KDD KDDTrain+_20Percent; "
            "KDDTest+ rows scored (41 columns, 3 categorical). Latencies: medians over 500 one-row "
            "and 200 32-row calls (in process), 300 one-row and 100 32-row requests × 3 (HTTP, one "
            "client, keep-alive). Stream: 3,000 (batch 1) or 22,544 JSON lines through "
            "`hourglass stream --all` from a file, rows/s as its summary gives it (model loading "
            "not counted). Rows/s: the fastest of 5 passes (after a warm-up pass) of "
            f"`transform` over {LARGE:,} rows (KDDTest+ repeated; the flow CSV of "
            "benchmarks/scale.py with IPs, ports, ±inf and NaN, preprocessing fitted on its first 50k "
            f"rows), each in a fresh process. Each figure: the median of {args.repeat} measurements "
            f"per code tree, the trees alternating. OMP_NUM_THREADS={threads}, nice 10; the machine "
            "(2 cores) was shared with other jobs, so compare the columns with each other, not with "
            "other result files.\n\n"
            + markdown_table(heads, rows) + "\n")
    path = write_result("latency", text)
    print(text)
    print(f"wrote {path}")


if __name__ == "__main__":
    run_script(main)
