"""Drift check: does the alert-rate monitor stay quiet on the training distribution and speak up
when normal traffic has moved?

NSL-KDD (hourglass defaults, as benchmarks/nsl_kdd.py): a Pipeline with the default AutoEncoder
is fitted on 80 % of KDDTrain+'s normal rows (it holds out its own 10 % of those for the
threshold and the calibration). The other 20 % of KDDTrain+'s normal rows (never seen) are the
in-distribution stream; KDDTest+'s normal rows are the drifted one (the KDDTrain+ threshold flags
~7 % of them); KDDTest+ whole (file order, 57 % attacks) the attack-laden one. Each stream is
replayed through :class:`hourglass.thresholds.AlertRateMonitor` (the flags ``hourglass score``
and ``stream`` feed it) in ``--shuffles`` seeded orders; the model is retrained with ``--seeds``
seeds. Reported: warnings (episodes) per stream and the rows until the first one.

Time series (``--skab``): a TCN autoencoder fitted on the first 80 % of SKAB's anomaly-free.csv;
the last 20 % (never seen) is streamed step by step (causal, as ``hourglass stream``), then the
valve1 experiments (anomalies and the regime changes around them).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/drift.py [--data DIR] [--seeds 3]
                                                            [--shuffles 20] [--skab]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import NslKddFiles, data_dir, header, markdown_table, write_result
from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.thresholds import POT, AlertBudget, AlertRateMonitor, Percentile, expected_alert_rate


def replay(flags: np.ndarray, threshold: object, normal: np.ndarray, window: int,
           exact: bool = False, run_length: float = 1.0) -> tuple[int, int | None]:
    """(warnings, row of the first) of a monitor fed ``flags`` in chunks of 1024 rows."""
    mon = AlertRateMonitor.from_threshold(threshold, normal, window, run_length=run_length)
    if exact:  # the plain binomial: the promised rate taken as exact
        mon = AlertRateMonitor(mon.expected, window, run_length=run_length)
    first = None
    for i in range(0, flags.size, 1024):
        for e in mon.update(flags[i:i + 1024]):
            if e.kind == "fired" and first is None:
                first = e.row
    return mon.episodes, first


def nsl(args: argparse.Namespace) -> str:
    files = NslKddFiles(args.data, "KDDTrain+", "KDDTest+")
    normal = files.normal()
    test = files.files["KDDTest+"]
    rules = [Percentile(99), POT(1e-3), AlertBudget(20, per="10k")]
    acc: dict[tuple, dict[str, list]] = {}
    speed = []
    for seed in range(args.seeds):
        order = np.random.default_rng(seed).permutation(len(normal))
        n_fresh = len(normal) // 5
        fit_rows, fresh = normal.iloc[order[n_fresh:]], normal.iloc[order[:n_fresh]]
        t = time.perf_counter()
        pipe = Pipeline(AutoEncoder(verbose=0, random_state=seed),
                        features=files.preprocessor()).fit(fit_rows)
        det = pipe.detector_
        print(f"seed {seed}: fitted in {time.perf_counter() - t:.0f}s; {det.val_scores_.size} "
              "held-out normal scores", flush=True)
        streams = {"KDDTrain+ unseen normal": pipe.score(fresh),
                   "KDDTest+ normal": pipe.score(test[test.label == "normal"].drop(columns=["label"])),
                   "KDDTest+ all (file order)": pipe.score(test.drop(columns=["label"]))}
        for rule in rules:
            det.set_threshold(rule)
            thr = det.threshold_
            expected = expected_alert_rate(thr, det.val_scores_).rate
            for name, scores in streams.items():
                flags = thr.predict(scores)
                orders = [np.arange(flags.size)] if "file order" in name else [
                    np.random.default_rng(100 + k).permutation(flags.size) for k in range(args.shuffles)]
                for window in args.windows:
                    for exact in (False, True):
                        t = time.perf_counter()
                        res = [replay(flags[o], thr, det.val_scores_, window, exact) for o in orders]
                        speed.append(sum(o.size for o in orders) / (time.perf_counter() - t))
                        key = (str(rule.describe()).split(" of ")[0].split(" (")[0], name, window,
                               "binomial" if exact else "beta-binomial")
                        a = acc.setdefault(key, {"rows": [], "rate": [], "exp": [], "res": []})
                        a["rows"].append(flags.size)
                        a["rate"].append(flags.mean())
                        a["exp"].append(expected)
                        a["res"] += res
    rows = []
    for (rule_name, name, window, test_name), a in acc.items():
        res = a["res"]
        firsts = [f for _, f in res if f is not None]
        rows.append([rule_name, name, window, test_name, a["rows"][0],
                     f"{100 * min(a['rate']):.2f}-{100 * max(a['rate']):.2f}%",
                     f"{100 * float(np.mean(a['exp'])):.2f}%",
                     f"{sum(e > 0 for e, _ in res)}/{len(res)}", sum(e for e, _ in res),
                     int(np.median(firsts)) if firsts else "-", max(firsts) if firsts else "-"])
    print(markdown_table(HEAD, rows), flush=True)
    return (f"\nModels: {args.seeds} seeds (each its own 80/20 split of KDDTrain+ normal rows); "
            f"shuffled streams: {args.shuffles} seeded orders per seed; file order: one per seed. "
            "Monitor: sliding window of W rows, fires when P(count >= observed) < 1e-6 (first test "
            "after W/4 rows), ends its episode when the p-value is back above 1e-2. beta-binomial = "
            "hourglass' test (the rate's uncertainty from the held-out set allowed for); binomial "
            "= the promised rate taken as exact, for comparison. 'flagged' = range over seeds. "
            f"Replay speed: median {np.median(speed):,.0f} rows/s.\n\n"
            + markdown_table(HEAD, rows) + "\n")


HEAD = ["rule", "stream", "window W", "test", "rows", "flagged", "expected", "orders that warned",
        "warnings", "median rows to 1st", "max rows to 1st"]


def skab(args: argparse.Namespace) -> str:
    import pandas as pd

    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.serve.series_stream import SeriesStreamScorer
    from hourglass.thresholds.monitor import mean_run_length

    root = data_dir(args.data) / "skab" / "data"
    free = pd.read_csv(root / "anomaly-free" / "anomaly-free.csv", sep=";")
    cut = int(len(free) * 0.8)
    window = 32
    pipe = Pipeline(TCNAutoEncoder(window=window, verbose=0, random_state=0),
                    features=TimeSeriesPreprocessor("datetime", freq="rows")).fit(free.iloc[:cut])
    det = pipe.detector_
    thr = det.threshold_
    n_val = det.val_scores_.size
    run = mean_run_length(thr.predict(det.val_scores_))
    exp = expected_alert_rate(thr, det.val_scores_)
    out = []
    # the held-out steps (they fitted the threshold) with the window - 1 steps before them
    streams = {"anomaly-free.csv, held-out part of the training 80 %":
               (free.iloc[cut - n_val - window + 1:cut], window - 1),
               "anomaly-free.csv, last 20 % (unseen)": (free.iloc[cut:], 0)}
    for f in sorted((root / "valve1").glob("*.csv"), key=lambda p: int(p.stem))[: args.skab_files]:
        streams[f"valve1/{f.name}"] = (pd.read_csv(f, sep=";").drop(columns=["anomaly", "changepoint"]), 0)
    for name, (df, skip) in streams.items():
        scorer = SeriesStreamScorer.from_pipeline(pipe)
        rows = [{k: (str(v) if k == "datetime" else float(v)) for k, v in r.items()}
                for r in df.to_dict("records")]
        alerts, _ = scorer.feed(list(enumerate(rows, 1)), all_steps=True)
        causal = np.array([a["flag"] for a in alerts], dtype=np.int8)
        averaged = thr.predict(pipe.score(df))[skip:]
        for how, flags in (("score (windows averaged)", averaged), ("stream (causal)", causal)):
            for w in args.windows:
                n_w, first = replay(flags, thr, det.val_scores_, w, run_length=run)
                n_r, first_r = replay(flags, thr, det.val_scores_, w)
                out.append([name, how, len(flags), f"{100 * flags.mean():.2f}%",
                            f"{100 * exp.rate:.2f}%", w, f"{n_w} (row {first})" if n_w else "0",
                            f"{n_r} (row {first_r})" if n_r else "0"])
    print(markdown_table(SKAB_HEAD, out), flush=True)
    return (f"\n## SKAB (time series)\n\nTCN autoencoder (window {window}, rows as steps) fitted on "
            f"the first {cut} steps of anomaly-free.csv; threshold percentile 99 of its {n_val} "
            f"held-out steps (the last ones, windows averaged as 'score' does); mean alert run on "
            f"them {run:.1f} steps (the check counts runs: 'runs counted' is what hourglass "
            "does).\n\n" + markdown_table(SKAB_HEAD, out) + "\n")


SKAB_HEAD = ["stream", "scores", "steps", "flagged", "expected", "window", "warnings (runs counted)",
             "warnings (rows counted)"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--shuffles", type=int, default=20)
    ap.add_argument("--windows", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 5000])
    ap.add_argument("--skab", action="store_true")
    ap.add_argument("--skab-files", type=int, default=4)
    ap.add_argument("--no-nsl", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    text = header("Drift check: the alert rate against the threshold's promise")
    if not args.no_nsl:
        text += "\n## NSL-KDD\n" + nsl(args)
    if args.skab:
        text += skab(args)
    write_result("drift", text)


if __name__ == "__main__":
    main()
