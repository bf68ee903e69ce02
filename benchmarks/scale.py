"""Scale: a 5-million-row flow-like CSV (~1 GB) → train on a reservoir sample → score the whole file.

Generates the file (in /tmp by default, never in the repository; reused when present), then runs
the real CLI in subprocesses, each measured for wall time and peak RSS:

1. ``hourglass train`` with a memory budget below the file size, so it trains on a uniform
   reservoir sample (``--sample-rows``);
2. ``hourglass score`` over the whole file: chunked reading, preprocessing, scoring and
   incremental output to a temporary file renamed at the end.

A second, in-process pass over the file times each stage separately (read, preprocess, score,
write) in rows/s. Targets (issue 3): >= 250k rows/s end to end, peak RSS < 1.5 GB.

    python benchmarks/scale.py [--rows 5000000] [--dir /tmp/hourglass-scale] [--sample-rows 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    REPO,
    header,
    markdown_table,
    positive,
    result_name,
    run_measured,
    run_script,
    work_folder,
    write_result,
)

CHUNK = 500_000


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """Write a flow-like CSV: timestamps, IPs, ports, protocol, durations, heavy-tailed byte and
    packet counts, rates with Infinity for zero durations, missing values, and 1% attacks."""
    rng = np.random.default_rng(seed)
    hosts = np.array([f"10.{i // 250 % 250}.{i % 250}.{(i * 7) % 250 + 1}" for i in range(4000)]
                     + [f"{(i * 37) % 223 + 1}.{i % 250}.{(i * 13) % 250}.{i % 200 + 1}"
                        for i in range(4000)])
    from hourglass.ingest.readers import atomic_output

    # a temporary of its own beside the file, removed on failure (two runs generating one
    # file at once wrote into the same ``NAME.tmp`` and renamed a mix of both into place)
    with atomic_output(path) as tmp:
        writer = None
        t0 = 1.7e9
        for lo in range(0, rows, CHUNK):
            n = min(CHUNK, rows - lo)
            attack = rng.random(n) < 0.01
            dur = rng.exponential(2.0, n) * (rng.random(n) > 0.05)
            pkts_out = rng.geometric(0.1, n)
            pkts_in = rng.geometric(0.15, n)
            bytes_out = (pkts_out * rng.lognormal(5, 1, n)).round()
            bytes_in = (pkts_in * rng.lognormal(6, 1.2, n)).round()
            bytes_out[attack] *= rng.uniform(20, 200, attack.sum())
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = np.where(dur > 0, (bytes_in + bytes_out) / np.where(dur > 0, dur, 1), np.inf)
            tcp_win = rng.integers(0, 65535, n).astype(np.float64)
            tcp_win[rng.random(n) < 0.02] = np.nan
            src_ip = pa.array(hosts[rng.integers(0, len(hosts), n)])
            dst_ip = pa.array(hosts[rng.integers(0, 400, n)])
            src_port = rng.integers(32768, 61000, n)
            dst_port = rng.choice([80, 443, 53, 22, 25, 8080, 3389, 123], n,
                                  p=[0.3, 0.4, 0.15, 0.05, 0.03, 0.03, 0.02, 0.02])
            flow_id = pc.binary_join_element_wise(src_ip, dst_ip, pc.cast(pa.array(src_port), pa.string()),
                                                  pc.cast(pa.array(dst_port), pa.string()), "-")
            pkt_len = (bytes_in + bytes_out) / (pkts_in + pkts_out)
            table = pa.table({
                "flow_id": flow_id,
                "ts": t0 + (lo + np.arange(n)) * 0.01,
                "src_ip": src_ip,
                "src_port": src_port,
                "dst_ip": dst_ip,
                "dst_port": dst_port,
                "proto": pa.array(rng.choice(["tcp", "udp", "icmp"], n, p=[0.7, 0.28, 0.02])),
                "iat_mean": np.round(dur / (pkts_in + pkts_out) * 1e6, 1),
                "iat_std": np.round(rng.exponential(1.0, n) * dur * 1e5, 1),
                "pkt_len_mean": np.round(pkt_len, 2),
                "pkt_len_max": np.round(pkt_len * rng.uniform(1, 3, n), 0),
                "syn_count": rng.poisson(1.0, n) + attack * rng.poisson(20, n),
                "rst_count": rng.poisson(0.1, n),
                "duration": dur.round(6),
                "bytes_out": bytes_out,
                "bytes_in": bytes_in,
                "pkts_out": pkts_out,
                "pkts_in": pkts_in,
                "rate": np.round(rate, 3),
                "tcp_win": tcp_win,
                "ttl": rng.choice([64, 128, 255], n),
                "label": pa.array(np.where(attack, "attack", "benign")),
            })
            if writer is None:
                writer = pacsv.CSVWriter(str(tmp), table.schema)
            writer.write_table(table)
        assert writer is not None
        writer.close()


def stage_times(model: Path, data: Path, out: Path) -> dict[str, float]:
    """One in-process pass timing read / preprocess / score / write separately."""
    sys.path.insert(0, str(REPO / "src"))
    import pandas as pd

    from hourglass import load
    from hourglass.ingest import get_format
    from hourglass.ingest.writers import chunk_writer

    pipe = load(model)
    spec = get_format("csv")
    t = {"read": 0.0, "preprocess": 0.0, "score": 0.0, "write": 0.0}
    rows = 0
    with chunk_writer(out) as w:
        it = spec.iter_chunks(data)
        while True:
            s = time.perf_counter()
            df = next(it, None)
            t["read"] += time.perf_counter() - s
            if df is None:
                break
            s = time.perf_counter()
            X = pipe.features_.transform(df.drop(columns=["label"]))
            t["preprocess"] += time.perf_counter() - s
            s = time.perf_counter()
            scores = pipe.detector_.score(X)
            flags = pipe.detector_.threshold_predict(scores)
            t["score"] += time.perf_counter() - s
            s = time.perf_counter()
            w.write(pd.DataFrame({"row": np.arange(rows, rows + len(df)), "score": scores,
                                  "flag": flags}))
            t["write"] += time.perf_counter() - s
            rows += len(df)
    return {k: rows / v for k, v in t.items()} | {"rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=positive, default=5_000_000)
    ap.add_argument("--dir", type=work_folder, default=Path("/tmp/hourglass-scale"))
    ap.add_argument("--sample-rows", type=positive, default=200_000)
    ap.add_argument("--epochs", type=positive, default=10)
    ap.add_argument("--skip-stages", action="store_true", help="only the end-to-end CLI runs")
    ap.add_argument("--note", default="", help="machine notes for the result file")
    ap.add_argument("--name", type=result_name, default="scale",
                    help="result file name (benchmarks/results/NAME.md)")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    data = args.dir / f"flows_{args.rows}.csv"
    if not data.exists():
        s = time.perf_counter()
        generate(data, args.rows)
        print(f"generated {data} ({data.stat().st_size / 2**30:.2f} GiB) in "
              f"{time.perf_counter() - s:.0f}s", flush=True)
    size_mb = data.stat().st_size / 2**20
    cli = [sys.executable, "-m", "hourglass"]
    _, import_rss, _ = run_measured([*cli, "models"])
    print(f"baseline (hourglass models: imports only): peak RSS {import_rss:,.0f} MB", flush=True)
    model = args.dir / "model"
    train_s, train_rss, _ = run_measured([
        *cli, "train", str(data), "--force", "-o", str(model), "--label-col", "label", "--normal", "benign",
        "--memory-budget", str(min(256.0, size_mb / 2)), "--sample-rows", str(args.sample_rows),
        "--epochs", str(args.epochs), "-q"])
    print(f"train (reservoir sample of {args.sample_rows:,}): {train_s:.1f}s, peak RSS "
          f"{train_rss:,.0f} MB", flush=True)
    out = args.dir / "scores.csv"
    score_s, score_rss, _ = run_measured([*cli, "score", str(model), str(data), "-o", str(out),
                                            "-q"])
    e2e = args.rows / score_s
    print(f"score end to end: {score_s:.1f}s = {e2e:,.0f} rows/s, peak RSS {score_rss:,.0f} MB",
          flush=True)
    rows = [["baseline: 'hourglass models' (imports only)", "", "", f"{import_rss:,.0f}"],
            ["train on reservoir sample (CLI)", f"{train_s:.1f}", "", f"{train_rss:,.0f}"],
            ["score whole file, end to end (CLI)", f"{score_s:.1f}", f"{e2e:,.0f}",
             f"{score_rss:,.0f}"]]
    if not args.skip_stages:
        stages = stage_times(model, data, args.dir / "scores_stages.csv")
        for k in ("read", "preprocess", "score", "write"):
            rows.append([f"stage: {k}", "", f"{stages[k]:,.0f}", ""])
        print(stages, flush=True)
    cfg = json.loads((model / "config.json").read_text())
    n_feat = len(cfg["schema"]["feature_names"])
    table = markdown_table(["step", "seconds", "rows/s", "peak RSS MB"], rows)
    load1 = os.getloadavg()[0]
    text = (header(f"Scale: {args.rows:,}-row flow CSV ({size_mb:,.0f} MB), train on a sample, "
                   "score everything")
            + f"\nFile generated by this script in {args.dir} (22 columns: flow ID, timestamp, "
              "IPs, ports, protocol, heavy-tailed counts, rates with Infinity, 2% missing, 1% "
              f"attacks). Model: hourglass autoencoder (defaults, {args.epochs} epochs max) on a "
              f"{args.sample_rows:,}-row reservoir sample, {n_feat} features after "
              "preprocessing. Targets: >= 250,000 rows/s end to end, peak RSS < 1,500 MB. "
              f"1-min load average at the end: {load1:.1f}. {args.note}\n\n"
            + table + "\n")
    print(table)
    print(f"\nwritten to {write_result(args.name, text)}")


if __name__ == "__main__":
    run_script(main)
