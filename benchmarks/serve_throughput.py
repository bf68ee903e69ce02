"""Throughput of the scoring service: requests/s and rows/s of ``POST /score`` over real HTTP.

Trains an autoencoder on the bundled NSL-KDD demo rows (41 columns, 3 categorical; a few epochs:
the scores' quality does not matter here, the model's size does), starts ``hourglass serve`` with
uvicorn in a subprocess, and sends the demo test rows from one client over one keep-alive
connection, one request at a time: 1 row per request and 1,000 rows per request. Each figure is
the median of several runs. Beside it, the same rows scored in-process by ``TableScorer`` (no
HTTP, no JSON) show what the service adds.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/serve_throughput.py [--runs 5] [--port 18081]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, header, markdown_table, write_result

sys.path.insert(0, str(REPO / "src"))


def _wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"hourglass serve exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("hourglass serve did not answer /health in time")


def _run(conn: http.client.HTTPConnection, bodies: list[bytes], key: str) -> float:
    """Seconds to send ``bodies`` one after the other and read every answer."""
    headers = {"Content-Type": "application/json", "X-API-Key": key}
    t = time.perf_counter()
    for body in bodies:
        conn.request("POST", "/score", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise SystemExit(f"/score answered {resp.status}: {data[:200]!r}")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--port", type=int, default=18081)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()

    from hourglass.ingest.datasets import demo_path, get_dataset
    from hourglass.serve import TableScorer

    spec = get_dataset("nsl-kdd")
    work = Path(tempfile.mkdtemp(prefix="hourglass-serve-bench-"))
    model = work / "model"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    subprocess.run([sys.executable, "-m", "hourglass", "train", str(demo_path("train")), "--dataset",
                    "nsl-kdd", "--model", "autoencoder", "--epochs", str(args.epochs), "-o",
                    str(model), "-q"], check=True, env=env, capture_output=True)
    test = spec.read(demo_path("test")).drop(columns=[spec.label_col])
    test = test.drop(columns=[c for c in ("difficulty",) if c in test.columns])
    records = test.to_dict("records")
    sizes = {1: 300, 1000: 8}  # rows per request → requests per run
    bodies = {n: [json.dumps({"rows": records[(i * n) % (len(records) - n):][:n]}).encode()
                  for i in range(k)] for n, k in sizes.items()}

    key = secrets.token_urlsafe(32)
    proc = subprocess.Popen([sys.executable, "-m", "hourglass", "serve", str(model), "--port",
                             str(args.port), "-q"], env={**env, "HOURGLASS_API_KEY": key},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        _wait_ready(args.port, proc)
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
        for n, k in sizes.items():
            _run(conn, bodies[n][:3], key)  # warm-up
            times = [_run(conn, bodies[n], key) for _ in range(args.runs)]
            med = statistics.median(times)
            rows.append(["HTTP (uvicorn, 1 client, keep-alive)", n, f"{k / med:,.0f}",
                         f"{k * n / med:,.0f}", f"{1000 * med / k:.2f}"])
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    scorer = TableScorer(model)
    for n, k in sizes.items():
        batches = [records[(i * n) % (len(records) - n):][:n] for i in range(k)]
        scorer.score(batches[0])
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            for b in batches:
                scorer.score(b)
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        rows.append(["in-process TableScorer.score (no HTTP/JSON)", n, f"{k / med:,.0f}",
                     f"{k * n / med:,.0f}", f"{1000 * med / k:.2f}"])

    table = markdown_table(["path", "rows/request", "requests/s", "rows/s", "ms/request"], rows)
    threads = os.environ.get("OMP_NUM_THREADS", "torch default")
    text = (header("Scoring service throughput (POST /score)")
            + f"\nModel: autoencoder (default architecture, {args.epochs} epochs) on the bundled "
            f"NSL-KDD demo rows: {len(test.columns)} input columns. Rows: the demo test file, "
            f"sent as JSON records. Median of {args.runs} runs of {sizes[1]} one-row requests and "
            f"{sizes[1000]} thousand-row requests, one client on one keep-alive connection, "
            f"client and server on the same machine (OMP_NUM_THREADS={threads}).\n\n{table}\n")
    path = write_result("serve_throughput", text)
    print(text)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
