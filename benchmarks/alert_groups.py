"""Alert grouping (``hourglass score --group-by``): how many alerts an analyst gets, and what it
costs in scoring speed.

Data: ``hourglass.ingest.synthetic.port_scan_flows`` (flows with ``ts``, ``src_ip``,
``dst_ip``, ``dst_port``...): train on ``--train-days`` days of normal flows, score ``--days``
days of normal flows with a flood planted: ``--flood-rows`` flows from one outside host
(``203.0.113.9``) to port 22 of one server over 30 minutes of day 0 from 14:05, each one far out
(bytes ~ lognormal(16, 0.5), duration ~ 60-180 s): a row model flags them one by one, which is
the alert flood grouping is for. (The generator's own port scan is left out: its flows look
normal one by one; entity-bucket models are what find it, see entity.py.)
Model: the default AutoEncoder (``hourglass train --timestamp-col ts``,
``--epochs 5``); the IP columns are no features (they are in the scored file only).

Compared on the same file and model, ``hourglass score`` as a fresh process (wall time, so
start-up is included: rows/s = rows / wall):

* ``rows``: ``--anomalies-only -o rows.jsonl`` (one alert per flagged row, today's output);
* ``src_ip 10m``: ``--group-by src_ip --group-window 10m -o g.jsonl``;
* ``src_ip,dst_ip 10m`` and ``src_ip 1h``; ``src_ip 10m ecs``: ``--alert-format ecs``.

Median of ``--repeat`` runs each, interleaved.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/alert_groups.py [--hosts 40 --days 9 --repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np
import pandas as pd

from _common import header, markdown_table, number, positive, run_measured, run_script, write_result
from hourglass.ingest.synthetic import port_scan_flows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", type=positive, default=40)
    ap.add_argument("--days", type=number(0, open_low=True), default=9.0)
    ap.add_argument("--train-days", type=number(0, open_low=True), default=2.0)
    ap.add_argument("--flood-rows", type=positive, default=3000)
    ap.add_argument("--repeat", type=positive, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hg_groups_"))
    try:  # the flows, the model and five outputs: hundreds of MB at the defaults
        _bench(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _bench(args: argparse.Namespace, tmp: Path) -> None:
    train, _ = port_scan_flows(hosts=args.hosts, days=args.train_days, scan_flows=0, seed=1)
    train.drop(columns=["src_ip", "dst_ip"]).to_csv(tmp / "train.csv", index=False)
    test, _ = port_scan_flows(hosts=args.hosts, days=args.days, scan_flows=0, seed=2)
    rng = np.random.default_rng(3)
    k = args.flood_rows
    flood = pd.DataFrame({
        "ts": 1_704_067_200 + 14 * 3600 + 300 + np.sort(rng.uniform(0, 1800, k)).round(3),
        "src_ip": "203.0.113.9", "dst_ip": "10.0.1.5", "dst_port": 22, "proto": "tcp",
        "bytes": np.round(np.exp(rng.normal(16, 0.5, k))).astype(np.int64),
        "packets": rng.integers(5_000, 20_000, k), "duration": rng.uniform(60, 180, k).round(3)})
    test = pd.concat([test, flood], ignore_index=True).sort_values("ts", kind="stable")
    is_flood = (test["src_ip"] == "203.0.113.9").to_numpy()
    test.to_csv(tmp / "test.csv", index=False)
    scan = {"host": "203.0.113.9", "is_scan": is_flood}
    hg = [sys.executable, "-m", "hourglass"]
    run_measured([*hg, "train", str(tmp / "train.csv"), "--timestamp-col", "ts", "--epochs", "5",
                  "-o", str(tmp / "m"), "-q"])
    variants = {
        "rows (--anomalies-only)": (["--anomalies-only"], "rows.jsonl"),
        "src_ip 10m": (["--group-by", "src_ip", "--group-window", "10m"], "g.jsonl"),
        "src_ip,dst_ip 10m": (["--group-by", "src_ip,dst_ip", "--group-window", "10m"], "g2.jsonl"),
        "src_ip 1h": (["--group-by", "src_ip", "--group-window", "1h"], "g3.jsonl"),
        "src_ip 10m ecs": (["--group-by", "src_ip", "--group-window", "10m", "--alert-format", "ecs"],
                           "g4.jsonl"),
    }
    walls: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(args.repeat):
        for name, (opts, out) in variants.items():
            wall, _, _ = run_measured([*hg, "score", str(tmp / "m"), str(tmp / "test.csv"), "-o",
                                       str(tmp / out), *opts])
            walls[name].append(wall)
    n = len(test)
    flagged = sum(1 for _ in (tmp / "rows.jsonl").open())
    rows_out = [json.loads(x) for x in (tmp / "rows.jsonl").open()]
    scan_rows = set(map(int, np.flatnonzero(scan["is_scan"])))
    scan_flagged = sum(1 for a in rows_out if a["row"] in scan_rows)
    table = []
    base = statistics.median(walls["rows (--anomalies-only)"])
    for name, (_, out) in variants.items():
        alerts = [json.loads(x) for x in (tmp / out).open()]
        med = statistics.median(walls[name])
        if "ecs" in name:
            scan_alerts = [a for a in alerts if a.get("source", {}).get("ip") == scan["host"]
                           and a["hourglass"]["count"] >= 0.1 * max(scan_flagged, 1)]
        elif name.startswith("rows"):
            scan_alerts = [a for a in alerts if a["row"] in scan_rows]
        else:
            scan_alerts = [a for a in alerts if a.get("src_ip") == scan["host"]
                           and a["count"] >= 0.1 * max(scan_flagged, 1)]
        table.append([name, f"{flagged:,}", f"{len(alerts):,}", f"{flagged / max(len(alerts), 1):,.1f}",
                      f"{len(scan_alerts):,}", f"{med:.2f}", f"{n / med:,.0f}", f"{med / base - 1:+.1%}"])
    text = header("Alert grouping (score --group-by)") + (
        f"\n{dt.date.today().isoformat()}: {n:,} flows ({args.hosts} hosts, {args.days} days, "
        f"port_scan_flows seed 2, no scan) with a planted flood of {args.flood_rows:,} far-out "
        f"flows from {scan['host']} over 30 minutes ({scan_flagged:,} of its rows flagged); "
        f"AutoEncoder (5 epochs) "
        f"trained on {len(train):,} normal flows ({args.train_days} days, seed 1). Wall time of "
        f"`hourglass score` as a fresh process (start-up included), median of {args.repeat} "
        "interleaved runs, OMP_NUM_THREADS=1, nice -n 10, on a shared 2-core machine (figures "
        "inflated by contention).\n\n"
        + markdown_table(["output", "flagged rows", "alerts written", "rows per alert",
                          "alerts for the flood", "wall s (median)", "rows/s", "vs rows"], table)
        + "\n\n'alerts for the flood': alerts of the flooding host with at least 10% of its flagged "
          "rows (rows output: its flagged rows, one alert each).\n")
    print(text)
    print(f"wrote {write_result('alert_groups', text)}")


if __name__ == "__main__":
    run_script(main)
