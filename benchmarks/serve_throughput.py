"""Throughput of the scoring service: requests/s and rows/s of ``POST /score`` over real HTTP.

Three models, each served by ``hourglass serve`` with uvicorn in a subprocess and sent requests
from one client over one keep-alive connection, one request at a time; each figure is the median
of several runs, and beside it the same requests scored in-process by the model's scorer (no
HTTP, no JSON) show what the service adds:

* table: an autoencoder on the bundled NSL-KDD demo rows (41 columns; a few epochs: the scores'
  quality does not matter here, the model's size does), 1 and 1,000 rows per request;
* time series: ``lstm-ae`` (window 32) trained on SKAB ``valve1/0.csv``'s protocol training part,
  requests of 64 rows (a monitor sending the last minute) and of the whole file;
* logs: ``deeplog`` trained on Loghub's raw ``HDFS_2k.log`` (sessions by block id), requests of
  200 raw lines and of the whole 2,000-line file; and ``deeplog`` on the DeepLog HDFS key
  sequences (``--format keys``), 1,000 sessions per request;
* entity buckets: an autoencoder on synthetic flows grouped per (source IP, 5-minute bucket)
  (``--entity-col``), requests of 1,000 and of 100 time-ordered flow rows (grouped per bucket
  within each request). Written as its own section of the result file, which ``--only entity``
  updates without touching the other parts' table (and the other parts without touching it).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/serve_throughput.py [--runs 5] [--only logs]
        [--data ../shared/data]
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
from _common import REPO, data_dir, header, markdown_table, port_arg, positive, run_script, write_result

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


def _train(args: list[str], env: dict[str, str]) -> None:
    res = subprocess.run([sys.executable, "-m", "hourglass", "train", *args, "-q"], env=env,
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"hourglass train failed: {res.stderr.strip()}")


def _http(model: Path, cases: dict[str, list[bytes]], port: int, runs: int, env: dict[str, str]
          ) -> dict[str, float]:
    """Median seconds per run of each case's bodies, sent to ``hourglass serve model``."""
    key = secrets.token_urlsafe(32)
    proc = subprocess.Popen([sys.executable, "-m", "hourglass", "serve", str(model), "--port",
                             str(port), "--max-body-mb", "64", "-q"],
                            env={**env, "HOURGLASS_API_KEY": key},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {}
    try:
        _wait_ready(port, proc)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for name, bodies in cases.items():
            _run(conn, bodies[:3], key)  # warm-up
            out[name] = statistics.median(_run(conn, bodies, key) for _ in range(runs))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def _in_process(score: Any, batches: list[Any], runs: int) -> float:
    """Median seconds per run of ``score(batch)`` over ``batches``."""
    score(batches[0])
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        for b in batches:
            score(b)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _rows(path: str, kind: str, case: str, k: int, units: int, seconds: float, unit: str) -> list[Any]:
    """A result row: ``k`` requests of ``units`` rows (lines, sessions) each took ``seconds``."""
    return [kind, path, case, k, f"{k / seconds:,.0f}", f"{units * k / seconds:,.0f} {unit}",
            f"{1000 * seconds / k:.2f}"]


def bench_table(work: Path, runs: int, port: int, env: dict[str, str], epochs: int) -> list[list[Any]]:
    from hourglass.ingest.datasets import demo_path, get_dataset
    from hourglass.serve import TableScorer

    spec = get_dataset("nsl-kdd")
    model = work / "table"
    _train([str(demo_path("train")), "--dataset", "nsl-kdd", "--model", "autoencoder", "--epochs",
            str(epochs), "-o", str(model)], env)
    test = spec.read(demo_path("test")).drop(columns=[spec.label_col])
    test = test.drop(columns=[c for c in ("difficulty",) if c in test.columns])
    records = test.to_dict("records")
    sizes = {1: 300, 1000: 8}  # rows per request → requests per run
    batches = {n: [records[(i * n) % (len(records) - n):][:n] for i in range(k)] for n, k in sizes.items()}
    http = _http(model, {f"{n} rows": [json.dumps({"rows": b}).encode() for b in batches[n]]
                         for n in sizes}, port, runs, env)
    scorer = TableScorer(model)
    out = []
    for n, k in sizes.items():
        out.append(_rows("HTTP", "table (autoencoder, 41 columns)", f"{n} rows", k, n,
                         http[f"{n} rows"], "rows"))
    for n, k in sizes.items():
        out.append(_rows("in-process", "table (autoencoder, 41 columns)", f"{n} rows", k, n,
                         _in_process(scorer.score, batches[n], runs), "rows"))
    return out


def bench_series(work: Path, runs: int, port: int, env: dict[str, str], data: Path) -> list[list[Any]]:
    from hourglass.ingest.timeseries import get_timeseries_dataset
    from hourglass.serve import SeriesScorer

    path = data / "skab" / "data" / "valve1" / "0.csv"
    model = work / "series"
    _train([str(path), "--dataset", "skab", "--model", "lstm-ae", "--window", "32", "--epochs", "5",
            "-o", str(model)], env)
    df = get_timeseries_dataset("skab").read(path).drop(columns=["label", "changepoint"])
    df["datetime"] = df["datetime"].astype(str)
    records = df.to_dict("records")
    n_all = len(records)
    cases = {64: 100, n_all: 10}  # rows per request → requests per run
    batches = {n: [records[(i * 7) % (n_all - n + 1):][:n] for i in range(k)] for n, k in cases.items()}
    http = _http(model, {f"{n} rows": [json.dumps({"rows": b}).encode() for b in batches[n]]
                         for n in cases}, port, runs, env)
    scorer = SeriesScorer(model)
    kind = f"time series (lstm-ae window 32, SKAB {df.shape[1] - 1} channels)"
    out = [_rows("HTTP", kind, f"{n} rows", k, n, http[f"{n} rows"], "rows") for n, k in cases.items()]
    out += [_rows("in-process", kind, f"{n} rows", k, n, _in_process(scorer.score, batches[n], runs),
                  "rows") for n, k in cases.items()]
    return out


def bench_logs(work: Path, runs: int, port: int, env: dict[str, str], data: Path) -> list[list[Any]]:
    from hourglass.ingest.logs import file_lines
    from hourglass.serve import LogScorer

    log = data / "loghub_2k" / "HDFS" / "HDFS_2k.log.gz"
    model = work / "logs"
    _train([str(log), "--format", "hdfs", "--session-regex", r"blk_-?\d+", "--model", "deeplog",
            "--epochs", "5", "-o", str(model)], env)
    lines = list(file_lines(log))
    scorer = LogScorer(model)
    n_sessions = {n: len(scorer.score(lines[:n])["sessions"]) for n in (200, len(lines))}
    cases = {200: 50, len(lines): 10}
    batches = {n: [lines[(i * 37) % (len(lines) - n + 1):][:n] for i in range(k)] for n, k in cases.items()}
    keys_path = data / "hdfs_deeplog" / "hdfs_train"
    keys_model = work / "keys"
    _train([str(keys_path), "--format", "keys", "--model", "deeplog", "--epochs", "5", "-o",
            str(keys_model)], env)
    seqs = [[int(t) for t in ln.split()] for ln in keys_path.read_text().splitlines() if ln.strip()]
    key_batches = [seqs[i * 1000:(i + 1) * 1000] for i in range(4)]
    http = _http(model, {f"{n} lines": [json.dumps({"lines": b}).encode() for b in batches[n]]
                         for n in cases}, port, runs, env)
    http.update(_http(keys_model, {"1000 sessions": [json.dumps({"sessions": b}).encode()
                                                     for b in key_batches]}, port, runs, env))
    keys_scorer = LogScorer(keys_model)
    kind = "logs (deeplog, HDFS_2k raw lines)"
    kkind = "logs (deeplog, HDFS key sequences)"
    out = []
    for n, k in cases.items():
        out.append(_rows("HTTP", kind, f"{n} lines ({n_sessions[n]} sessions)", k, n,
                         http[f"{n} lines"], "lines"))
    out.append(_rows("HTTP", kkind, "1000 sessions", 4, 1000, http["1000 sessions"], "sessions"))
    for n, k in cases.items():
        out.append(_rows("in-process", kind, f"{n} lines ({n_sessions[n]} sessions)", k, n,
                         _in_process(scorer.score, batches[n], runs), "lines"))
    out.append(_rows("in-process", kkind, "1000 sessions", 4, 1000,
                     _in_process(keys_scorer.score, key_batches, runs), "sessions"))
    return out


def bench_entity(work: Path, runs: int, port: int, env: dict[str, str]) -> list[list[Any]]:
    from hourglass.ingest.synthetic import port_scan_flows
    from hourglass.serve import EntityScorer

    train, _ = port_scan_flows(hosts=8, days=2, scan_flows=0, seed=1)
    train.to_csv(work / "entity_train.csv", index=False)
    model = work / "entity"
    _train([str(work / "entity_train.csv"), "--entity-col", "src_ip", "--timestamp-col", "ts",
            "--bucket", "5min", "--epochs", "20", "-o", str(model)], env)
    test, _ = port_scan_flows(hosts=8, days=1, scan_flows=60, seed=2)
    records = test.sort_values("ts", kind="stable").to_dict("records")
    cases = {1000: 10, 100: 50}  # rows per request → requests per run
    batches = {n: [records[i * n:(i + 1) * n] for i in range(k)] for n, k in cases.items()}
    scorer = EntityScorer(model)
    n_buckets = {n: sum(len(scorer.score(b)["buckets"]) for b in batches[n]) / k for n, k in cases.items()}
    http = _http(model, {f"{n} rows": [json.dumps({"rows": b}).encode() for b in batches[n]]
                         for n in cases}, port, runs, env)
    kind = "entity buckets (autoencoder, src_ip per 5min, 7 flow columns)"
    out = [_rows("HTTP", kind, f"{n} rows ({n_buckets[n]:.0f} buckets)", k, n, http[f"{n} rows"], "rows")
           for n, k in cases.items()]
    out += [_rows("in-process", kind, f"{n} rows ({n_buckets[n]:.0f} buckets)", k, n,
                  _in_process(scorer.score, batches[n], runs), "rows") for n, k in cases.items()]
    return out


_ENTITY_SECTION = "\n## Entity-bucket model\n"


def _merged(old: str, main: str | None, entity: str | None) -> str:
    """The result file from its ``old`` text: the other parts' text replaced by ``main`` and the
    entity section by ``entity`` where given, each kept as it was otherwise."""
    old_main, _, old_entity = old.partition(_ENTITY_SECTION)
    body = (main if main is not None else old_main).rstrip("\n") + "\n"
    section = entity if entity is not None else (old_entity and _ENTITY_SECTION.lstrip("\n") + old_entity)
    return body + ("\n" + section.rstrip("\n") + "\n" if section else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=positive, default=5)
    ap.add_argument("--port", type=port_arg, default=18081)
    ap.add_argument("--epochs", type=positive, default=3)
    ap.add_argument("--data", default=None, help="data folder (default: $HOURGLASS_DATA or ../shared/data)")
    ap.add_argument("--only", choices=("table", "timeseries", "logs", "entity"), action="append",
                    help="run only these parts (repeatable; default: all)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hourglass-serve-bench-"))
    try:  # the models and request files of every part
        _bench(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bench(args: argparse.Namespace, work: Path) -> None:
    parts = args.only or ["table", "timeseries", "logs", "entity"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    rows: list[list[Any]] = []
    if "timeseries" in parts or "logs" in parts:  # a missing folder stops it here, not minutes in
        data = data_dir(args.data, *(["skab"] if "timeseries" in parts else []),
                        *(["loghub_2k", "hdfs_deeplog"] if "logs" in parts else []))
    if "table" in parts:
        rows += bench_table(work, args.runs, args.port, env, args.epochs)
    if "timeseries" in parts or "logs" in parts:
        if "timeseries" in parts:
            rows += bench_series(work, args.runs, args.port, env, data)
        if "logs" in parts:
            rows += bench_logs(work, args.runs, args.port, env, data)
    columns = ["model", "path", "request", "requests/run", "requests/s", "throughput", "ms/request"]
    threads = os.environ.get("OMP_NUM_THREADS", "torch default")
    entity = None
    if "entity" in parts:
        entity = ("#" + header("Entity-bucket model")
                  + f"\nMedian of {args.runs} runs, as above (OMP_NUM_THREADS="
                  f"{threads}). An autoencoder (default architecture, 20 epochs) trained with "
                  "--entity-col src_ip --timestamp-col ts --bucket 5min on two days of synthetic flows "
                  "(benchmarks/entity.py's generator: 8 hosts, 7 flow columns), sent consecutive slices "
                  "of a third day's time-ordered flows; each request's rows are grouped per (host, "
                  "5-minute bucket) within that request (the bucket counts in brackets, per request), "
                  "aggregated, scored and answered per bucket. Throughput counts the flow rows sent.\n\n"
                  + markdown_table(columns, bench_entity(work, args.runs, args.port, env)) + "\n")
    path = REPO / "benchmarks" / "results" / "serve_throughput.md"
    old = path.read_text() if path.exists() else ""
    main_text = None
    if rows:
        main_text = _main_text(args, parts, markdown_table(columns, rows), threads)
    text = _merged(old, main_text, entity)
    path = write_result("serve_throughput", text)
    print(text)
    print(f"wrote {path}")


def _main_text(args: Any, parts: list[str], table: str, threads: str) -> str:
    """The text of the table, series and log parts."""
    parts = [p for p in parts if p != "entity"]
    return (header("Scoring service throughput (POST /score)")
            + f"\nMedian of {args.runs} runs; one client sends the requests one after the other on one "
            "keep-alive connection, client and server on the same machine "
            f"(OMP_NUM_THREADS={threads}). 'HTTP' is uvicorn + JSON + scoring; 'in-process' is the "
            "model's scorer (TableScorer, SeriesScorer, LogScorer) on the same requests, without "
            "HTTP or JSON. A log request's throughput counts the raw lines sent (the sessions they "
            "group into in brackets); a time-series request's, the rows of the series. Models: "
            "autoencoder (default architecture, "
            f"{args.epochs} epochs) on the bundled NSL-KDD demo rows; lstm-ae (window 32, 5 epochs) "
            "on SKAB valve1/0.csv's training part, sent rows of that file; deeplog (defaults, 5 "
            "epochs) on Loghub HDFS_2k.log (sessions by block id), sent lines of that file; deeplog "
            "(defaults, 5 epochs) on the DeepLog hdfs_train key sequences, sent 1,000 of them per "
            "request. HDFS_2k.log samples 2,000 lines of a long log, so most of its blocks "
            "appear in one line only: its sessions are mostly one event long (a line naming two "
            "blocks joins both sessions, hence more sessions than lines). "
            f"Parts run: {', '.join(parts)}.\n\n{table}\n")


if __name__ == "__main__":
    run_script(main)
