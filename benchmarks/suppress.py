"""Alert suppression (``hourglass score --suppress FILE``): what a 3-rule allowlist costs in
scoring speed, and the rule matching alone.

Data: ``--rows`` generated flows (``ts`` one a second, ``src_ip`` from 2,000 hosts of which 200
are in the scanner subnet 10.20.0.0/16, ``service``, ``dst_port``, ``bytes``, ``rate``), with
``--planted`` share of far-out rows (flagged); an AutoEncoder (``--epochs``) trained on 20,000
normal rows (``--timestamp-col ts``; the IP column is no feature). Rules: the README's three
(an exact host + service list, a CIDR, a two-hour ``between`` window).

Compared on the same file and model: ``hourglass score -o out.csv`` as a fresh process with and
without ``--suppress`` (wall time, start-up included: rows/s = rows / wall), median of
``--repeat`` interleaved runs; and in-process, :meth:`Suppressions.apply` on the whole table
with the model's flags, and with every row flagged (the worst case: every row matched).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/suppress.py [--rows 100000 --repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np
import pandas as pd

from _common import header, markdown_table, number, positive, run_measured, run_script, write_result

RULES = """
[[rule]]
name = "nightly backup"
match = { src_ip = "10.0.0.5", service = ["ftp_data", "ftp"] }
[[rule]]
name = "scanner subnet"
match = { src_ip = "10.20.0.0/16" }
[[rule]]
name = "patch window"
between = [2026-12-06T02:00:00Z, 2026-12-06T04:00:00Z]
"""


def flows(n: int, seed: int, planted: float = 0.0) -> pd.DataFrame:
    """``n`` flows from 2026-12-06 00:00 UTC, one a second; ``planted`` share far out."""
    rng = np.random.default_rng(seed)
    hosts = np.array([f"192.168.{i // 250}.{i % 250 + 1}" for i in range(1800)]
                     + [f"10.20.{i // 250}.{i % 250 + 1}" for i in range(199)] + ["10.0.0.5"])
    df = pd.DataFrame({
        "ts": (pd.Timestamp("2026-12-06T00:00:00Z") + pd.to_timedelta(np.arange(n), unit="s"))
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "src_ip": rng.choice(hosts, n), "service": rng.choice(["http", "dns", "ftp", "ssh"], n),
        "dst_port": rng.choice([443, 53, 21, 22], n), "bytes": rng.lognormal(6, 0.5, n).round(),
        "rate": rng.uniform(0, 1, n)})
    if planted:
        idx = rng.choice(n, int(planted * n), replace=False)
        df.loc[idx, "bytes"] = 1e8
        df.loc[idx, "rate"] = 50.0
    return df


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=positive, default=100_000)
    ap.add_argument("--planted", type=number(0, 1, open_high=True), default=0.02)
    ap.add_argument("--epochs", type=positive, default=3)
    ap.add_argument("--repeat", type=positive, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hg_suppress_"))
    try:  # the flows, the model and two scored copies of the file
        _bench(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _bench(args: argparse.Namespace, tmp: Path) -> None:
    flows(20_000, 1).to_csv(tmp / "train.csv", index=False)
    test = flows(args.rows, 2, args.planted)
    test.to_csv(tmp / "test.csv", index=False)
    (tmp / "rules.toml").write_text(RULES, encoding="utf-8")
    hg = [sys.executable, "-m", "hourglass"]
    run_measured([*hg, "train", str(tmp / "train.csv"), "--timestamp-col", "ts", "--role", "src_ip=drop",
                  "--epochs", str(args.epochs), "-o", str(tmp / "m"), "-q"])
    variants = {"no rules": ([], "plain.csv"),
                "--suppress (3 rules)": (["--suppress", str(tmp / "rules.toml")], "silenced.csv")}
    walls: dict[str, list[float]] = {k: [] for k in variants}
    summaries: dict[str, str] = {}
    for _ in range(args.repeat):
        for name, (opts, output) in variants.items():
            wall, _, out = run_measured([*hg, "score", str(tmp / "m"), str(tmp / "test.csv"), "-o",
                                         str(tmp / output), *opts])
            walls[name].append(wall)
            summaries[name] = next((ln for ln in out.splitlines() if ln.startswith("scored")), "")
    base = statistics.median(walls["no rules"])
    table = [[name, f"{statistics.median(w):.2f}", f"{args.rows / statistics.median(w):,.0f}",
              f"{statistics.median(w) / base - 1:+.1%}", summaries[name]] for name, w in walls.items()]

    from hourglass.serve.suppress import Suppressions

    rules = Suppressions.parse(RULES, "rules.toml").for_times("ts", None, "the model")
    model_flags = pd.read_csv(tmp / "plain.csv")["flag"].to_numpy()
    inproc = []
    for what, flags in (("the model's flags", model_flags), ("every row flagged", np.ones(args.rows, int))):
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            _, names = rules.apply(test, flags)
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        inproc.append([what, f"{int((flags == 1).sum()):,}", f"{int((names != '').sum()):,}",
                       f"{med * 1e3:.1f}", f"{args.rows / med:,.0f}"])
    text = header("Alert suppression (score --suppress)") + (
        f"\n{args.rows:,} generated flows ({args.planted:.0%} planted far out), AutoEncoder "
        f"({args.epochs} epochs) on 20,000 normal flows; the README's 3 rules. `hourglass score` "
        f"as a fresh process (start-up included), median of {args.repeat} interleaved runs, "
        "OMP_NUM_THREADS=1, nice -n 10, on a shared 2-core machine.\n\n"
        + markdown_table(["score", "wall s (median)", "rows/s", "vs no rules", "summary"], table)
        + "\n\nThe matching alone (`Suppressions.apply` on the whole table, in process):\n\n"
        + markdown_table(["flags", "flagged rows", "suppressed", "ms (median)", "rows/s"], inproc)
        + "\n")
    print(text)
    print(f"wrote {write_result('suppress', text)}")


if __name__ == "__main__":
    run_script(main)
