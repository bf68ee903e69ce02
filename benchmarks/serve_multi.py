"""One service of several models: what routing costs in requests/s, and what each model costs
in memory.

Trains an autoencoder on the bundled NSL-KDD demo rows (41 columns, the table model of
``serve_throughput.py``), copies it to three model directories, and runs two ``hourglass serve``
processes side by side: one of the model alone, one of the three (``a=DIR b=DIR c=DIR``). One
client sends one-row requests, one at a time over a keep-alive connection, in alternating runs
(so both services see the same machine load): to ``/score`` and ``/models/table/score`` of the
one-model service and to ``/models/a/score`` of the three-model one; each figure is the median of
the runs. Memory is each process' resident set (``VmRSS``) after start-up and after the requests,
and its peak (``VmHWM``), from ``/proc`` (Linux).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/serve_multi.py [--runs 7] [--requests 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
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
from _common import REPO, header, markdown_table, port_arg, positive, run_script, write_result

sys.path.insert(0, str(REPO / "src"))


def _memory(pid: int) -> dict[str, float]:
    """``VmRSS`` and ``VmHWM`` of ``pid`` in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0]) / 1024
    return out


def _start(args: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "hourglass", "serve", *args, "--port", str(port), "-q"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 180
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"hourglass serve {' '.join(args)} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    raise SystemExit("hourglass serve did not answer /health in time")


def _run(port: int, path: str, bodies: list[bytes], key: str) -> float:
    """Seconds to send ``bodies`` to ``path`` one after the other over one keep-alive connection
    (a new one each run: an idle one is closed by the server after 5 s) and read every answer."""
    headers = {"Content-Type": "application/json", "X-API-Key": key}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t = time.perf_counter()
    for body in bodies:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise SystemExit(f"{path} answered {resp.status}: {data[:200]!r}")
    seconds = time.perf_counter() - t
    conn.close()
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=positive, default=7)
    ap.add_argument("--requests", type=positive, default=300, help="one-row requests per run")
    ap.add_argument("--port", type=port_arg, default=18091)
    ap.add_argument("--epochs", type=positive, default=3)
    args = ap.parse_args()
    from hourglass.ingest.datasets import demo_path, get_dataset

    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HOURGLASS_API_KEY": secrets.token_urlsafe(32)}
    key = env["HOURGLASS_API_KEY"]
    work = Path(tempfile.mkdtemp(prefix="serve_multi_"))
    try:
        model = work / "table"
        res = subprocess.run([sys.executable, "-m", "hourglass", "train", str(demo_path("train")),
                              "--dataset", "nsl-kdd", "--model", "autoencoder", "--epochs",
                              str(args.epochs), "-o", str(model), "-q"], env=env, capture_output=True,
                             text=True)
        if res.returncode != 0:
            raise SystemExit(f"hourglass train failed: {res.stderr.strip()}")
        for name in "abc":
            shutil.copytree(model, work / name)
        size = sum(f.stat().st_size for f in model.rglob("*") if f.is_file()) / 2**20
        spec = get_dataset("nsl-kdd")
        test = spec.read(demo_path("test")).drop(columns=[spec.label_col, "difficulty"], errors="ignore")
        records = test.to_dict("records")
        bodies = [json.dumps({"rows": [records[i % len(records)]]}).encode() for i in range(args.requests)]
        one = _start([str(model)], args.port, env)
        three = _start([f"{n}={work / n}" for n in "abc"], args.port + 1, env)
        try:
            started = {"1 model": _memory(one.pid), "3 models": _memory(three.pid)}
            conns = {"1 model": args.port, "3 models": args.port + 1}
            cases = [("1 model", "/score"), ("1 model", "/models/table/score"),
                     ("3 models", "/models/a/score")]
            times: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
            for service, path in cases:
                _run(conns[service], path, bodies[:20], key)  # warm-up
            for _ in range(args.runs):
                for service, path in cases:
                    times[(service, path)].append(_run(conns[service], path, bodies, key))
            for name in "bc":  # the other two models score too: all three hold their buffers
                _run(conns["3 models"], f"/models/{name}/score", bodies[:50], key)
            after = {"1 model": _memory(one.pid), "3 models": _memory(three.pid)}
        finally:
            for proc in (one, three):
                proc.terminate()
                proc.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rate_rows: list[list[Any]] = []
    for (service, path), seconds in times.items():
        med = statistics.median(seconds)
        rate_rows.append([service, f"POST {path}", args.requests, f"{args.requests / med:,.0f}",
                          f"{1000 * med / args.requests:.2f}",
                          f"{args.requests / max(seconds):,.0f}–{args.requests / min(seconds):,.0f}"])
    mem_rows = [[service, f"{started[service]['VmRSS']:.0f}", f"{after[service]['VmRSS']:.0f}",
                 f"{after[service]['VmHWM']:.0f}"] for service in ("1 model", "3 models")]
    extra = after["3 models"]["VmRSS"] - after["1 model"]["VmRSS"]
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    text = (header("Several models in one service (hourglass serve a=DIR b=DIR c=DIR)")
            + f"\nOne-row requests, one client, one at a time; median of {args.runs} alternating runs "
              f"(range beside it); OMP_NUM_THREADS={threads}. Model: autoencoder on the NSL-KDD demo "
              "rows (41 columns), three copies in the three-model service.\n\n"
            + markdown_table(["service", "route", "requests/run", "requests/s", "ms/request",
                              "range (requests/s)"], rate_rows)
            + "\n\nMemory of each process (MiB; resident after start-up, after the requests, peak):\n\n"
            + markdown_table(["service", "RSS at start", "RSS after requests", "peak RSS"], mem_rows)
            + f"\n\nEach model beyond the first: {extra / 2:.1f} MiB (RSS after requests, 3 models "
              f"minus 1, halved); the model directory holds {size:.2f} MiB. The rest of a process "
              "(Python, PyTorch, pandas, FastAPI) is paid once per process, not per model.\n")
    print(text)
    print(f"wrote {write_result('serve_multi', text)}")


if __name__ == "__main__":
    run_script(main)
