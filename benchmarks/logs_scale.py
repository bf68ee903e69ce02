"""Scale of log scoring: a synthetic HDFS-like log of >= 1 M lines, parsed, grouped and scored.

Generates two logs in a temporary folder (never in the repository; removed at the end unless
``--keep``; ``--dir DIR`` works in DIR instead, and keeps it): a training log and a large log to
score, both of interleaved block sessions of 13 events with HDFS headers (about 3% of the
blocks of the large log fail). Then, each in a fresh process measured for wall time and peak RSS:

1. ``hourglass train`` (DeepLog, reduced epochs) on the training log;
2. ``hourglass score`` of the large log to JSON alerts — the streamed path (parse in chunks,
   group keeping only key / line / session per event, score, re-read the quoted lines);
3. the same parse + group + score + alerts keeping every parsed event and its text in memory
   (``EventSessions.sessions(..., keep_events=True)``), which is what the CLI did before
   streaming, for comparison;
4. a process that only imports the CLI and loads the model: the fixed part of the peak RSS;
5. ``hourglass train`` on the large log itself (Drain learning streamed the same way; DeepLog
   one epoch), for the memory of training on a large log;
6. the same events as a CSV event table (block, event name, time): learning the key names and
   grouping the sessions streamed chunk by chunk, against the table read whole first (the path
   before), and ``hourglass train --session-col`` on it.

Reported: lines/s end to end, peak RSS, and the detector's scoring rate in sessions/s (target
>= 20k sessions/s, issue 6).

    nice -n 10 python benchmarks/logs_scale.py [--lines 1200000] [--train-lines 100000]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import header, markdown_table, positive, run_measured, run_script, work_folder, write_result

STEPS = (
    "INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/part-{i}. {b}",
    "INFO dfs.DataNode$DataXceiver: Receiving block {b} src: /10.250.{i}.1:54106 dest: /10.250.{i}.1:50010",
    "INFO dfs.DataNode$DataXceiver: Receiving block {b} src: /10.251.{i}.2:54106 dest: /10.251.{i}.2:50010",
    "INFO dfs.DataNode$DataXceiver: Receiving block {b} src: /10.252.{i}.3:54106 dest: /10.252.{i}.3:50010",
    "INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block {b} terminating",
    "INFO dfs.DataNode$PacketResponder: Received block {b} of size 67108864 from /10.250.{i}.1",
    "INFO dfs.DataNode$PacketResponder: PacketResponder 2 for block {b} terminating",
    "INFO dfs.DataNode$PacketResponder: Received block {b} of size 67108864 from /10.251.{i}.2",
    "INFO dfs.DataNode$PacketResponder: PacketResponder 0 for block {b} terminating",
    "INFO dfs.DataNode$PacketResponder: Received block {b} of size 67108864 from /10.252.{i}.3",
    "INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.250.{i}.1:50010 "
    "is added to {b} size 67108864",
    "INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.{i}.2:50010 "
    "is added to {b} size 67108864",
    "INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.252.{i}.3:50010 "
    "is added to {b} size 67108864",
)
FAILURE = ("WARN dfs.DataNode$DataXceiver: writeBlock {b} received exception "
           "java.io.IOException: Connection reset")
GROUP = 200  # blocks written interleaved at a time


def generate(path: Path, lines: int, *, seed: int, fail_rate: float, table: bool = False) -> int:
    """Write about ``lines`` HDFS-format lines; returns the number of block sessions. With
    ``table``, the same events as a CSV event table (``block,event,ts``; event names ``E1`` …
    ``E13`` and ``FAIL``)."""
    rng = np.random.default_rng(seed)
    n_blocks = lines // len(STEPS)
    with path.open("w") as fh:
        if table:
            fh.write("block,event,ts\n")
        for g0 in range(0, n_blocks, GROUP):
            ids = range(g0, min(g0 + GROUP, n_blocks))
            fail_at = {j: int(rng.integers(2, len(STEPS))) for j in ids if rng.random() < fail_rate}
            out = []
            for k, step in enumerate(STEPS):
                for j in ids:
                    if j in fail_at and k >= fail_at[j]:
                        text = FAILURE if k == fail_at[j] else None
                    else:
                        text = step
                    if text is None:
                        continue
                    b = f"blk_{'-' if j % 3 else ''}{7_000_000_000 + j * 7919}"
                    secs = (g0 // GROUP * 13 + k) % 86400
                    if table:
                        out.append(f"{b},{'FAIL' if text is FAILURE else f'E{k + 1}'},{secs}")
                        continue
                    out.append(f"081109 {secs // 3600:02d}{secs // 60 % 60:02d}{secs % 60:02d} "
                               f"{100 + j % 900} " + text.format(b=b, i=j % 250))
            fh.write("\n".join(out) + "\n")
    return n_blocks


KEEP_ALL = """
import json, sys, time, torch
torch.set_num_threads(1)
from hourglass.explain import session_alerts
from hourglass.pipeline import load
pipe = load(sys.argv[1])
t = time.perf_counter()
s = pipe.features_.sessions(sys.argv[2], keep_events=True)
parse = time.perf_counter() - t
t = time.perf_counter()
scores = pipe.detector_.score(s.sequences)
score = time.perf_counter() - t
flags = pipe.detector_.threshold_predict(scores)
alerts = session_alerts(pipe.detector_, s, scores, flags, pipe.features_.templates())
with open(sys.argv[3], "w") as fh:
    for a in alerts:
        fh.write(json.dumps(a) + "\\n")
print(json.dumps({"sessions": len(s), "parse": parse, "score": score}))
"""

TABLE_GROUP = """
import json, sys, time
import pandas as pd
from hourglass.features.sessions import EventSessions
from hourglass.ingest.readers import read_table
pre = EventSessions(session_column="block", key_column="event", time_column="ts")
t = time.perf_counter()
data = read_table(sys.argv[1]) if sys.argv[2] == "whole" else sys.argv[1]
pre.fit(data)  # learns the key names, groups the sessions
print(json.dumps({"seconds": time.perf_counter() - t, "rows": pre.fit_stats_["lines"]}))
"""

BASELINE = """
import torch
from hourglass.cli.app import app
from hourglass.pipeline import load
pipe = load(__import__("sys").argv[1])
"""


def measured(cmd: list[str]) -> tuple[float, float, str]:
    """:func:`run_measured` with one torch thread and a wide terminal for the CLI's output."""
    return run_measured(cmd, {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "COLUMNS": "200"})


def score_summary(out: str) -> tuple[int, float, int]:
    """(sessions, sessions/s, flagged) of ``hourglass score``'s summary line on a log, which
    writes its counts with thousands separators and 'session' for one (``scored 94,321 sessions
    (12,345/s), 1,234 flagged``): the script read plain digits only and stopped with
    "unexpected score output" once there were 1,000 sessions."""
    m = re.search(r"scored ([\d,]+) sessions? \(([\d,]+|inf)/s\), ([\d,]+) flagged", out)
    if m is None:
        raise SystemExit(f"unexpected score output:\n{out}")
    return int(m[1].replace(",", "")), float(m[2].replace(",", "")), int(m[3].replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=positive, default=1_200_000)
    ap.add_argument("--train-lines", type=positive, default=100_000)
    ap.add_argument("--epochs", type=positive, default=5)
    ap.add_argument("--table-lines", type=positive, default=4_800_000,
                    help="events in the CSV event table (larger than the log: a table read "
                         "whole costs far more than its chunks)")
    ap.add_argument("--dir", type=work_folder,
                    help="work folder, kept at the end (default: a new temporary folder, removed "
                         "at the end unless --keep)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the generated logs and model (a --dir folder is always kept)")
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="hourglass-logs-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        train_log, big_log = work / "train.log", work / "big.log"
        t = time.perf_counter()
        generate(train_log, args.train_lines, seed=1, fail_rate=0.0)
        n_blocks = generate(big_log, args.lines, seed=2, fail_rate=0.03)
        n_lines = sum(1 for _ in big_log.open())
        size_mb = big_log.stat().st_size / 2**20
        print(f"generated {n_lines:,} lines ({size_mb:.0f} MB, {n_blocks:,} blocks) in "
              f"{time.perf_counter() - t:.0f}s", flush=True)
        model = work / "model"
        hg = [sys.executable, "-m", "hourglass"]
        train_wall, train_rss, _ = measured(
            [*hg, "train", str(train_log), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
             "--model", "deeplog", "--epochs", str(args.epochs), "--force", "-o", str(model), "-q"])
        print(f"train: {train_wall:.0f}s, {train_rss:.0f} MB", flush=True)
        alerts = work / "alerts.jsonl"
        wall, rss, out = measured([*hg, "score", str(model), str(big_log), "-o", str(alerts)])
        n_sessions, det_rate, flagged = score_summary(out)
        print(f"score (streamed): {wall:.0f}s, {rss:.0f} MB, {det_rate:,.0f} sessions/s", flush=True)
        keep_wall, keep_rss, keep_out = measured(
            [sys.executable, "-c", KEEP_ALL, str(model), str(big_log), str(work / "alerts2.jsonl")])
        keep = json.loads([ln for ln in keep_out.splitlines() if ln.startswith("{")][-1])
        print(f"keep-all: {keep_wall:.0f}s, {keep_rss:.0f} MB", flush=True)
        base_wall, base_rss, _ = measured([sys.executable, "-c", BASELINE, str(model)])
        big_wall, big_rss, _ = measured(
            [*hg, "train", str(big_log), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
             "--model", "deeplog", "--epochs", "1", "--force", "-o", str(work / "model_big"), "-q"])
        print(f"train on the big log: {big_wall:.0f}s, {big_rss:.0f} MB", flush=True)
        table = work / "events.csv"
        generate(table, args.table_lines, seed=2, fail_rate=0.03, table=True)
        n_rows = sum(1 for _ in table.open()) - 1
        table_mb = table.stat().st_size / 2**20
        tab = {}
        for how in ("stream", "whole"):
            tab[how] = measured([sys.executable, "-c", TABLE_GROUP, str(table), how])
        tab_train = measured(
            [*hg, "train", str(table), "--session-col", "block", "--key-col", "event",
             "--timestamp-col", "ts", "--model", "deeplog", "--epochs", "1", "--force",
             "-o", str(work / "model_table"), "-q"])
        print(f"event table: {tab['stream'][:2]} streamed, {tab['whole'][:2]} whole, train "
              f"{tab_train[:2]}", flush=True)
        rows = [
            ["hourglass score (streamed, JSON alerts)", f"{n_lines / wall:,.0f}", f"{wall:.1f}",
             f"{rss:,.0f}", f"{det_rate:,.0f}"],
            ["every event + text kept (the pre-streaming path)", f"{n_lines / keep_wall:,.0f}",
             f"{keep_wall:.1f}", f"{keep_rss:,.0f}", f"{keep['sessions'] / keep['score']:,.0f}"],
            ["(baseline: start, import the CLI, load the model; no data)", "", f"{base_wall:.1f}",
             f"{base_rss:,.0f}", ""],
            ["hourglass train on the same log (Drain learning, DeepLog 1 epoch)",
             f"{n_lines / big_wall:,.0f}", f"{big_wall:.1f}", f"{big_rss:,.0f}", ""],
            [f"event table ({n_rows:,} rows, {table_mb:.0f} MB CSV): fit the sessions, streamed "
             "(now)", f"{n_rows / tab['stream'][0]:,.0f}", f"{tab['stream'][0]:.1f}",
             f"{tab['stream'][1]:,.0f}", ""],
            ["event table: fit the sessions, table read whole (the path before)",
             f"{n_rows / tab['whole'][0]:,.0f}", f"{tab['whole'][0]:.1f}",
             f"{tab['whole'][1]:,.0f}", ""],
            ["hourglass train on the event table (--session-col, DeepLog 1 epoch)",
             f"{n_rows / tab_train[0]:,.0f}", f"{tab_train[0]:.1f}", f"{tab_train[1]:,.0f}", ""],
        ]
        body = (header("Log scoring at scale (synthetic HDFS-like log)", command=False) + "\n"
                + f"Command: `nice -n 10 python benchmarks/logs_scale.py --lines {args.lines} "
                f"--train-lines {args.train_lines} --epochs {args.epochs} --table-lines "
                f"{args.table_lines}` (OMP/MKL/torch threads "
                "1).\n\n"
                f"Scored log: {n_lines:,} lines, {size_mb:.0f} MB, {n_sessions:,} block sessions "
                f"({flagged:,} flagged; about 3% of the blocks were generated failing). Model: "
                f"DeepLog (h=10, {args.epochs} epochs) trained on {args.train_lines:,} lines of "
                f"normal blocks in {train_wall:.0f}s (peak RSS {train_rss:,.0f} MB).\n\n"
                + markdown_table(["path", "lines (rows)/s (end to end)", "wall s",
                                  "peak RSS MB", "detector sessions/s"], rows)
                + "\n\nEach row is a fresh process; peak RSS is the whole process (Python, torch, "
                "the model, the sessions). Detector sessions/s is the scoring step alone (target "
                "≥ 20k sessions/s). The streamed path keeps per event only its key, line number "
                "and session, and re-reads the few lines an alert quotes.\n")
        path = write_result("logs_scale", body)
        print(body)
        print(f"wrote {path}")
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    run_script(main)
