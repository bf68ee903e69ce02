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

Time series (``--series``): a TCN autoencoder fitted on the first half of NAB's normal-only
artificial series, streamed step by step (causal, as ``hourglass stream``) and scored whole (as
``hourglass score``) on the unseen second half, as it is and shifted by 2 sd; and fitted on the
first 80 % of SKAB's anomaly-free.csv, on its last 20 % and the valve1 recordings.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/drift.py [--data DIR] [--seeds 3]
                                                            [--shuffles 20] [--series]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import (
    NslKddFiles,
    OptionError,
    data_dir,
    header,
    ints,
    markdown_table,
    positive,
    run_script,
    write_result,
)
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


def _series_rows(pipe: Pipeline, df: object, refs: dict, runs: dict, name: str, skip: int,
                 windows: list[int]) -> list[list[object]]:
    """Table rows of one series streamed causally (as ``hourglass stream``) and scored whole (as
    ``hourglass score``), each replayed through its own check."""
    from hourglass.serve.series_stream import SeriesStreamScorer

    scorer = SeriesStreamScorer.from_pipeline(pipe)
    rows = [{k: (str(v) if not isinstance(v, float | int) else float(v)) for k, v in r.items()}
            for r in df.to_dict("records")]  # type: ignore[attr-defined]
    alerts, _ = scorer.feed(list(enumerate(rows, 1)), all_steps=True)
    causal = np.array([a["flag"] for a in alerts], dtype=np.int8)
    averaged = refs["score (windows averaged)"][0].predict(pipe.score(df))[skip:]
    out = []
    for how, flags in (("score (windows averaged)", averaged), ("stream (causal)", causal)):
        ref, normal = refs[how]
        exp = expected_alert_rate(ref, normal)
        for w in windows:
            n_w, first = replay(flags, ref, normal, w, run_length=runs[how])
            n_r, first_r = replay(flags, ref, normal, w)
            out.append([name, how, len(flags), f"{100 * flags.mean():.2f}%", f"{100 * exp.rate:.2f}%",
                        w, f"{n_w} (row {first})" if n_w else "0", f"{n_r} (row {first_r})" if n_r else "0"])
    return out


def _refs(pipe: Pipeline) -> tuple[dict, dict]:
    """Each path's reference: 'score' flags with the threshold on averaged scores, 'stream' with
    the stream threshold fitted on the causal scores of the same held-out steps."""
    from hourglass.thresholds.monitor import mean_run_length

    det = pipe.detector_
    refs = {"score (windows averaged)": (det.threshold_, det.val_scores_),
            "stream (causal)": (det.stream_threshold_, det.stream_val_scores_)}
    return refs, {k: mean_run_length(t.predict(v)) for k, (t, v) in refs.items()}


def series(args: argparse.Namespace) -> str:
    import pandas as pd

    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.ingest.timeseries import read_nab

    window = 32
    out = []
    notes = []
    for name in ("art_daily_small_noise", "art_noisy"):
        nab = read_nab(data_dir(args.data, "nab") / "nab" / "data" / "artificialNoAnomaly" / f"{name}.csv")
        nab = nab.drop(columns="label")
        half = len(nab) // 2
        shifted = nab.iloc[half:].copy()
        shifted["value"] = shifted["value"] + 2 * float(nab["value"].iloc[:half].std())
        for seed in range(args.seeds):
            pipe = Pipeline(TCNAutoEncoder(window=window, verbose=0, random_state=seed),
                            features=TimeSeriesPreprocessor("timestamp")).fit(nab.iloc[:half])
            refs, runs = _refs(pipe)
            out += _series_rows(pipe, nab.iloc[half:], refs, runs,
                                f"NAB {name}, 2nd half (unseen), seed {seed}", 0, args.windows)
            out += _series_rows(pipe, shifted, refs, runs,
                                f"NAB {name}, 2nd half + 2 sd, seed {seed}", 0, args.windows)
    root = data_dir(args.data, "skab") / "skab" / "data"
    free = pd.read_csv(root / "anomaly-free" / "anomaly-free.csv", sep=";")
    cut = int(len(free) * 0.8)
    pipe = Pipeline(TCNAutoEncoder(window=window, verbose=0, random_state=0),
                    features=TimeSeriesPreprocessor("datetime", freq="rows")).fit(free.iloc[:cut])
    refs, runs = _refs(pipe)
    n_val = pipe.detector_.val_scores_.size
    notes.append(f"SKAB: fitted on the first {cut} steps of anomaly-free.csv ({n_val} held out); "
                 "mean alert run on the held-out steps "
                 + ", ".join(f"{k}: {v:.1f}" for k, v in runs.items()) + " steps")
    streams = {"SKAB anomaly-free.csv, last 20 % (unseen)": free.iloc[cut:]}
    for f in sorted((root / "valve1").glob("*.csv"), key=lambda p: int(p.stem))[: args.skab_files]:
        streams[f"SKAB valve1/{f.name}"] = pd.read_csv(f, sep=";").drop(columns=["anomaly", "changepoint"])
    for name, df in streams.items():
        out += _series_rows(pipe, df, refs, runs, name, 0, args.windows)
    print(markdown_table(SKAB_HEAD, out), flush=True)
    return (f"\n## Time series (NAB artificial normal series, SKAB)\n\nTCN autoencoder (window "
            f"{window}, defaults) fitted on the first half of each NAB artificialNoAnomaly series "
            f"({args.seeds} seeds) and streamed the unseen second half as it is, then shifted by "
            "2 standard deviations of the training half (a level drift). Thresholds: percentile "
            "99 of the held-out steps (the last 10 % of the training part), on the windows "
            "averaged as 'score' does and the stream threshold on their causal scores (the one "
            "window ending at each step), each the reference of its own check; the check counts "
            "runs of alerts (mean run on the held-out steps, 'runs counted' is what hourglass "
            "does). " + "; ".join(notes) + ".\n\n" + markdown_table(SKAB_HEAD, out) + "\n")


SKAB_HEAD = ["stream", "scores", "steps", "flagged", "expected", "window", "warnings (runs counted)",
             "warnings (rows counted)"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data")
    ap.add_argument("--seeds", type=positive, default=3)
    ap.add_argument("--shuffles", type=positive, default=20)
    ap.add_argument("--windows", default="1000,5000", help="monitor windows in rows, comma-separated")
    ap.add_argument("--series", action="store_true", help="the time-series part (NAB, SKAB)")
    ap.add_argument("--skab-files", type=positive, default=4)
    ap.add_argument("--no-nsl", action="store_true")
    args = ap.parse_args()
    args.windows = ints("--windows", args.windows, 1)  # (0 or -5: an InputError after every fit)
    if args.no_nsl and not args.series:  # it wrote results/drift.md with its title line alone
        raise OptionError("--no-nsl without --series: no part left to run")
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    # every folder the parts read, checked before the first (minutes) runs
    data_dir(args.data, *([] if args.no_nsl else ["nsl_kdd"]), *(["nab", "skab"] if args.series else []))
    text = header("Drift check: the alert rate against the threshold's promise")
    if not args.no_nsl:
        text += "\n## NSL-KDD\n" + nsl(args)
    if args.series:
        text += series(args)
    write_result("drift", text)


if __name__ == "__main__":
    run_script(main)
