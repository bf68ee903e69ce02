"""Entity-bucket scoring (``EntityWindows``) against row-level scoring, on a synthetic port scan
and on the OTRF Security-Datasets (Windows host events).

**Synthetic port scan** (``hourglass.ingest.synthetic.port_scan_flows``): 8 hosts, daily rhythm,
train on 2 days of normal flows, test on 1 day where host 10.0.0.3 opens N short flows to
distinct random ports in one 5-minute bucket, each flow drawn exactly like a normal "misc"
flow. Compared in the same run, on the same rows:

* ``entity AE``: hourglass AutoEncoder on EntityWindows(src_ip, ts, 5min) features;
* ``entity IForest``: scikit-learn IsolationForest on the same bucket features;
* ``count only``: the bucket's row count as the score (is volume alone enough?);
* ``row AE``: the same AutoEncoder on the flow rows (TabularPreprocessor), a bucket scored by
  the max (and the mean) of its rows' scores; its row-level ROC-AUC of scan rows vs normal rows
  and the share of scan rows its p99 threshold flags.

Figures: rank of the scan bucket among the test day's ~2,200 (host, bucket) rows (1 = top),
whether the model's own threshold (p99 of held-out normal buckets/rows) flags it, and the
number of buckets flagged in the day. Seeds 0, 1, 2 (data and model).

**OTRF** (``--data``/mordor_otrf, 15 recordings of one ATT&CK technique each, 7 s to 2.5 min,
Sysmon/Security/PowerShell events; no per-event labels). A bucket is called a *technique
bucket* when one of its events names the technique's tool in Image, CommandLine, ParentImage,
TargetObject, ... (a keyword per recording, fixed from the dataset titles before any model was
run, e.g. ``esentutl``, ``mshta``, ``fodhelper``; 13 of 15 recordings have a hit). This is a
heuristic label, not ground truth. Protocol: leave one recording out: train on the other 14
recordings' (host, bucket) rows (unsupervised, technique buckets included), score the held-out
one; entity = host name (domain stripped), distinct counts of EventID, Channel, Image,
ParentImage, TargetImage, TargetObject, CommandLine. Reported: per recording, whether the top
bucket is a technique bucket (chance: the mean of hits/buckets), the mean per-recording ROC-AUC
(recordings with both kinds of bucket), and the pooled ROC-AUC (scores of 15 models pooled).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/entity.py [--data DIR] [--seeds 0,1,2]

Two more parts, each writing its own result file:

``--part warm`` (``results/entity_warm_start.md``): warm start of an entity model on shifted
traffic. ``M``: the entity AE trained on 2 days of normal flows (``port_scan_flows``). Then the
traffic shifts: 14 instead of 6 flows per host-bucket on average, 3× the bytes per flow. ``NEW``:
one shifted normal day (days 3). Test: a later shifted day (day 4) with the 60-flow scan planted,
and an unshifted day with a scan (the old traffic: what a model forgets). Compared on the same
rows: ``M`` as it is; ``M2 = M.warm_start(NEW)`` (defaults: 30 epochs, p99 threshold refitted on
a fresh 10% of NEW's buckets); ``M2 + replay`` (as many of the old days' buckets replayed);
``scratch`` (a new model on the old days + NEW) and ``scratch, NEW only``. Figures: ROC-AUC of
the scan bucket against the day's other buckets (one positive: 1 - (rank - 1) / (buckets - 1)),
the scan bucket's rank, buckets flagged in the day, fit seconds.

``--part evaluate`` (``results/entity_evaluate.md``): peak RSS and wall time of ``hourglass
evaluate M BIG.csv`` (a time-ordered labelled flow file of ``--big-days`` days (each of the
comma-separated values, default 14,28) of ``--big-hosts`` hosts) and, for reference,
``hourglass score`` on it, each in a fresh process; ``--before-src DIR`` also runs them with
another source tree (e.g. a checkout of the commit before chunked evaluate) for a before/after
table.

``--part speed`` (``results/entity_speed.md``): the cost of the aggregation (``EntityWindows``'
per (entity, bucket) counts, sums, means, maxima, distinct counts, top shares) with this tree and
with ``--before-src`` (e.g. the commit before the numpy aggregation), each figure in fresh
processes, the trees alternating, ``--rounds`` rounds, medians: ``aggregate`` alone on the first
100 / 8,192 / 1,000,000 rows of the large file (its output digested: identical?; one file of
``--big-days`` days, one value here, default 14, and ``--big-hosts`` hosts),
``hourglass stream --all`` rows/s on its first ``--stream-rows`` rows (default batch and
``--batch 8192``), ``hourglass score`` wall time on the whole file, and the in-process
``EntityScorer`` (the REST service without HTTP) per request of 100 and 1,000 time-ordered rows.
Score and stream outputs of the two trees are compared byte for byte.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/entity.py --part warm [--seeds 0,1,2]
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/entity.py --part evaluate --before-src OLD/src
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/entity.py --part speed --before-src OLD/src
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from _common import (
    OptionError,
    data_dir,
    header,
    ints,
    markdown_table,
    no_write_option,
    not_read,
    not_written,
    otrf_recordings,
    positive,
    run_measured,
    run_script,
    source_tree,
    write_result,
)
from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.features import EntityWindows
from hourglass.ingest.synthetic import port_scan_flows

FLOW_COLS = {"numeric": ("bytes", "packets", "duration"), "categorical": ("dst_port", "dst_ip", "proto")}
AE = {"hidden": (16, 8), "verbose": 0}

# the technique's tool per recording (file name prefix -> keyword), fixed from the titles
KEYWORDS = {"psh_lsass_memory_dump_comsvcs": "comsvcs", "cmd_sam_copy_esentutl": "esentutl",
            "cmd_lsass_memory_dumpert_syscalls": "dumpert", "psh_powershell_httplistener": "httplistener",
            "cmd_seatbelt_group_user": "seatbelt", "empire_shell_net_local_users": "net1",
            "cmd_userinitmprlogonscript_batch": "userinitmprlogonscript", "cmd_service_mod_fax": "fax",
            "empire_uac_shellapi_fodhelper": "fodhelper", "psh_mavinject_dll_notepad": "mavinject",
            "cmd_bitsadmin_download_psh_script": "bitsadmin", "cmd_mshta_vbscript_execute_psh": "mshta",
            "reg_cmd_process_commandline_logging_disabled": "processcreationincludecmdline",
            "covenant_copy_smb_createrequest": "covenant", "schtask_create": "schtasks"}
SEARCHED = ("Image", "CommandLine", "ParentImage", "ParentCommandLine", "TargetImage", "TargetObject",
            "TargetFilename", "ScriptBlockText", "Payload", "ServiceName", "ImageLoaded", "Message")
OTRF_CAT = ("EventID", "Channel", "Image", "ParentImage", "TargetImage", "TargetObject", "CommandLine")


def _rank(scores: np.ndarray, hit: np.ndarray) -> float:
    """The rank of the best-scored hit bucket (1 = top; ties share the mean rank: a row count
    tied with others is not ranked above them)."""
    best = scores[hit].max()
    return float((scores > best).sum() + ((scores == best).sum() + 1) / 2)


def synthetic(seed: int, scan_flows: int) -> dict[str, Any]:
    train, _ = port_scan_flows(days=2, scan_flows=0, seed=10 * seed + 1)
    test, where = port_scan_flows(days=1, scan_flows=scan_flows, seed=10 * seed + 2)
    t0 = time.perf_counter()
    ew = EntityWindows("src_ip", "ts", bucket="5min", **FLOW_COLS)
    pipe = Pipeline(AutoEncoder(epochs=30, random_state=seed, **AE), features=ew).fit(train)
    fit_s = time.perf_counter() - t0
    keys, X = pipe.features_.transform_with_keys(test)
    hit = ((keys["entity"] == where["host"])
           & (keys["bucket_start"] == pd.Timestamp(where["start"], unit="s"))).to_numpy()
    s_ae = pipe.detector_.score(X)
    flags_ae = pipe.detector_.threshold_predict(s_ae)
    X_train = pipe.features_.transform(train)
    # the entity AE's split: fitted on its training buckets, p99 of its held-out normal buckets
    held = pipe.detector_.val_index_
    forest = IsolationForest(random_state=seed).fit(np.delete(X_train, held, axis=0))
    s_if = -forest.score_samples(X)
    flags_if = (s_if > np.percentile(-forest.score_samples(X_train[held]), 99)).astype(int)
    rows = Pipeline(AutoEncoder(epochs=30, random_state=seed, **AE)).fit(train.drop(columns=["ts"]))
    rs = rows.score(test.drop(columns=["ts"]))
    row_flags = rows.detector_.threshold_predict(rs)
    ent, start = ew.row_keys(test)
    per_row = pd.DataFrame({"entity": ent, "bucket_start": start, "s": rs, "f": row_flags})
    g = per_row.groupby(["entity", "bucket_start"])
    idx = pd.MultiIndex.from_frame(keys[["entity", "bucket_start"]])
    s_max, s_mean = g["s"].max().reindex(idx).to_numpy(), g["s"].mean().reindex(idx).to_numpy()
    any_flag = g["f"].max().reindex(idx).to_numpy()
    is_scan = where["is_scan"]
    return {
        "buckets": len(keys), "fit_s": fit_s,
        "entity AE": (_rank(s_ae, hit), int(flags_ae[hit][0]), int(flags_ae.sum())),
        "entity IForest": (_rank(s_if, hit), int(flags_if[hit][0]), int(flags_if.sum())),
        "count only": (_rank(keys["rows"].to_numpy(float), hit), None, None),
        "row AE, bucket max": (_rank(s_max, hit), int(any_flag[hit][0]), int(any_flag.sum())),
        "row AE, bucket mean": (_rank(s_mean, hit), None, None),
        "row_auc": roc_auc_score(is_scan, rs), "row_scan_flagged": float(row_flags[is_scan == 1].mean()),
        "row_normal_flagged": float(row_flags[is_scan == 0].mean()),
    }


def otrf_files(root: Path) -> list[tuple[Path, str]]:
    """The OTRF recordings of ``root``'s ``mordor_otrf/`` and each one's keyword, checked before
    the minutes of synthetic runs (:func:`_common.otrf_recordings`: a recording missing stops
    the script in one line, an extra file is left out; it was a ``StopIteration`` traceback)."""
    return [(f, KEYWORDS[name]) for f, name in otrf_recordings(root, list(KEYWORDS))]


def otrf_events(files: list[tuple[Path, str]]) -> pd.DataFrame:
    """Every OTRF event of ``files`` (:func:`otrf_files`) as (ts, host, the categorical columns,
    recording, hit)."""
    frames = []
    for f, kw in files:
        name = f.name.lower()
        df = pd.read_json(f, lines=True, dtype=False)
        tcol = "@timestamp" if "@timestamp" in df else "TimeCreated"  # 4 recordings lack @timestamp
        ts = pd.to_datetime(df[tcol].astype(str), utc=True, format="ISO8601").dt.tz_localize(None)
        hit = np.zeros(len(df), bool)
        for c in SEARCHED:
            if c in df:
                hit |= df[c].astype(str).str.lower().str.contains(kw, regex=False).to_numpy()
        out = pd.DataFrame({"ts": ts.dt.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                            "host": df["Hostname"].astype(str).str.split(".").str[0].str.lower()})
        for c in OTRF_CAT:
            out[c] = df[c].astype(str).where(df[c].notna(), None) if c in df else None
        out["recording"], out["hit"] = name.split("_20")[0].removesuffix(".json.gz"), hit.astype(int)
        frames.append(out)
    return pd.concat(frames, ignore_index=True)


def otrf(events: pd.DataFrame, bucket: str, seed: int) -> dict[str, Any]:
    scores: dict[str, list[np.ndarray]] = {k: [] for k in ("entity AE", "entity IForest", "count only",
                                                           "row AE, bucket max")}
    ys, per_file = [], []
    for rec in sorted(events["recording"].unique()):
        train = events[events["recording"] != rec].drop(columns=["recording", "hit"])
        held = events[events["recording"] == rec]
        test = held.drop(columns=["recording", "hit"])
        ew = EntityWindows("host", "ts", bucket=bucket, numeric=(), categorical=OTRF_CAT)
        pipe = Pipeline(AutoEncoder(epochs=100, random_state=seed, **AE), features=ew).fit(train)
        keys, X = pipe.features_.transform_with_keys(test)
        s = {"entity AE": pipe.detector_.score(X),
             "entity IForest": -IsolationForest(random_state=seed).fit(
                 pipe.features_.transform(train)).score_samples(X),
             "count only": keys["rows"].to_numpy(float)}
        rows = Pipeline(AutoEncoder(epochs=30, random_state=seed, **AE)).fit(train.drop(columns=["ts"]))
        ent, start = ew.row_keys(test)
        per_row = pd.DataFrame({"entity": ent, "bucket_start": start, "hit": held["hit"].to_numpy(),
                                "s": rows.score(test.drop(columns=["ts"]))})
        g = per_row.groupby(["entity", "bucket_start"])
        idx = pd.MultiIndex.from_frame(keys[["entity", "bucket_start"]])
        s["row AE, bucket max"] = g["s"].max().reindex(idx).to_numpy()
        y = g["hit"].max().reindex(idx).to_numpy()
        ys.append(y)
        row = {"recording": rec, "buckets": len(y), "hits": int(y.sum())}
        for k, v in s.items():
            scores[k].append(v)
            row[k] = (bool(y[int(np.argmax(v))]) if y.any() else None,
                      roc_auc_score(y, v) if 0 < y.sum() < len(y) else None)
        per_file.append(row)
    y_all = np.concatenate(ys)
    summary = {}
    for k, parts in scores.items():
        tops = [r[k][0] for r in per_file if r[k][0] is not None]
        aucs = [r[k][1] for r in per_file if r[k][1] is not None]
        summary[k] = (sum(tops), len(tops), float(np.mean(aucs)), len(aucs),
                      roc_auc_score(y_all, np.concatenate(parts)))
    chance = float(np.mean([r["hits"] / r["buckets"] for r in per_file if r["hits"]]))
    return {"summary": summary, "per_file": per_file, "buckets": int(len(y_all)),
            "hits": int(y_all.sum()), "chance_top1": chance}


DAY = 86400


def _shifted(days: float, scan_flows: int, seed: int, day0: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Flows with the shifted normal traffic (more flows, 3x the bytes), from day ``day0`` on."""
    flows, scan = port_scan_flows(days=days, scan_flows=scan_flows, seed=seed, flows_per_bucket=14)
    flows["bytes"] = flows["bytes"] * 3
    flows["ts"] = flows["ts"] + day0 * DAY
    return flows, {**scan, "start": scan["start"] + day0 * DAY}


def _scan_figures(pipe: Pipeline, test: pd.DataFrame, where: dict[str, Any]) -> tuple[float, float, int]:
    """(ROC-AUC of the scan bucket, its rank, buckets flagged) of ``pipe`` on ``test``."""
    keys, X = pipe.features_.transform_with_keys(test)
    hit = ((keys["entity"] == where["host"])
           & (keys["bucket_start"] == pd.Timestamp(where["start"], unit="s"))).to_numpy()
    s = pipe.detector_.score(X)
    return (roc_auc_score(hit, s), _rank(s, hit), int(pipe.detector_.threshold_predict(s).sum()))


def warm(seed: int) -> list[dict[str, Any]]:
    old, _ = port_scan_flows(days=2, scan_flows=0, seed=10 * seed + 1)
    new, _ = _shifted(1, 0, 10 * seed + 3, day0=2)
    test, where = _shifted(1, 60, 10 * seed + 4, day0=3)
    old_test, old_where = port_scan_flows(days=1, scan_flows=60, seed=10 * seed + 2)

    def entity_ae() -> Pipeline:
        return Pipeline(AutoEncoder(epochs=30, random_state=seed, **AE),
                        features=EntityWindows("src_ip", "ts", bucket="5min", **FLOW_COLS))

    def timed(fit: Any) -> tuple[Pipeline, float]:
        t0 = time.perf_counter()
        pipe = fit()
        return pipe, time.perf_counter() - t0

    parent, parent_s = timed(lambda: entity_ae().fit(old))
    models = {"M (parent, as it is)": (parent, parent_s),
              "M2 = warm start on NEW": timed(lambda: parent.warm_start(new, random_state=seed)),
              "M2 + replay (old buckets, 1x)": timed(lambda: parent.warm_start(
                  new, replay=_replayed(parent, old, new, seed), random_state=seed)),
              "scratch on old days + NEW": timed(lambda: entity_ae().fit(pd.concat([old, new]))),
              "scratch on NEW only": timed(lambda: entity_ae().fit(new))}
    rows = []
    for name, (pipe, fit_s) in models.items():
        auc, rank, flagged = _scan_figures(pipe, test, where)
        old_auc, old_rank, old_flagged = _scan_figures(pipe, old_test, old_where)
        rows.append({"model": name, "auc": auc, "rank": rank, "flagged": flagged, "old_auc": old_auc,
                     "old_rank": old_rank, "old_flagged": old_flagged, "fit_s": fit_s,
                     "buckets": int(len(pipe.features_.transform(test)))})
    return rows


def _replayed(parent: Pipeline, old: pd.DataFrame, new: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The rows of a seeded sample of ``old``'s buckets, as many as ``new`` has (what
    ``--replay-data OLD`` takes)."""
    f = parent.features_
    n_new = len(pd.MultiIndex.from_arrays(f.row_keys(new)).unique())
    codes = pd.MultiIndex.from_arrays(f.row_keys(old)).factorize()[0]
    pick = np.random.default_rng(seed).choice(int(codes.max()) + 1, size=n_new, replace=False)
    return old.loc[np.isin(codes, pick)].reset_index(drop=True)


def warm_part(seeds: list[int]) -> str:
    runs = [r for seed in seeds for r in warm(seed)]
    table = []
    for name in dict.fromkeys(r["model"] for r in runs):
        mine = [r for r in runs if r["model"] == name]

        def per_seed(key: str, fmt: str, rows: list[dict[str, Any]] = mine) -> str:
            return " / ".join(format(r[key], fmt) for r in rows)

        table.append([name, per_seed("auc", ".4f"), per_seed("rank", "g"), per_seed("flagged", "d"),
                      per_seed("old_auc", ".4f"), per_seed("old_flagged", "d"),
                      f"{np.median([r['fit_s'] for r in mine]):.2f}"])
    return ("\n## Warm start on shifted traffic (seeds " + ", ".join(map(str, seeds)) + ")\n\n"
            + markdown_table(["model", "ROC-AUC scan bucket, shifted day (per seed)", "scan rank",
                              "buckets flagged, shifted day", "ROC-AUC, old-traffic day",
                              "buckets flagged, old-traffic day", "fit s (median)"], table)
            + f"\n\n~{runs[0]['buckets']:,} (host, bucket) rows per test day; fit seconds on a "
              "shared 2-core machine (M's own fit for M; the warm start's alone for M2).\n")


def evaluate_part(days: float, hosts: int, before: str | None) -> str:
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="hourglass-entity-eval-"))
    try:
        return _evaluate_part(tmp, days, hosts, before)
    finally:
        shutil.rmtree(tmp)


def _evaluate_part(tmp: Path, days: float, hosts: int, before: str | None) -> str:
    train, _ = port_scan_flows(days=1, hosts=hosts, scan_flows=0, seed=1)
    train.to_csv(tmp / "train.csv", index=False)
    big, scan = port_scan_flows(days=days, hosts=hosts, scan_flows=60, seed=2)
    big["label"] = np.where(scan["is_scan"] == 1, "scan", "normal")
    big.to_csv(tmp / "big.csv", index=False)
    mb = (tmp / "big.csv").stat().st_size / 2**20
    cli = [sys.executable, "-m", "hourglass"]
    run_measured([*cli, "train", str(tmp / "train.csv"), "--entity-col", "src_ip", "--timestamp-col",
                  "ts", "--bucket", "5min", "-o", str(tmp / "M"), "--epochs", "30", "--hidden", "16,8",
                  "-q"])
    trees = [("after (this tree)", None)] + ([("before (" + before + ")", before)] if before else [])
    rows, metrics = [], {}
    for label, src in trees:
        env = {"PYTHONPATH": src} if src else None
        for command, args in (("evaluate", ["--label-col", "label", "--normal", "normal", "--json",
                                            str(tmp / f"m-{len(rows)}.json")]),
                              ("score", ["-o", str(tmp / "scores.jsonl")])):
            wall, rss, _ = run_measured([*cli, command, str(tmp / "M"), str(tmp / "big.csv"), *args, "-q"],
                                        env=env)
            rows.append([label, command, f"{wall:.1f}", f"{rss:,.0f}"])
            if command == "evaluate":
                import json

                m = json.loads((tmp / f"m-{len(rows) - 1}.json").read_text())
                metrics[label] = {k: m[k] for k in ("roc_auc", "pr_auc", "tp", "fp", "tn", "fn", "buckets")}
    same = len({json_key(v) for v in metrics.values()}) == 1
    return (f"\n## evaluate on a large time-ordered file ({days:g} days)\n\n"
            f"{len(big):,} flow rows ({mb:.0f} MB CSV, "
            f"{hosts} hosts, {days:g} days), 5-minute buckets; each command in a fresh process "
            "(peak RSS of the child); shared 2-core machine.\n\n"
            + markdown_table(["source", "command", "wall s", "peak RSS MB"], rows)
            + f"\n\nMetrics per source tree: {metrics}; identical: {same}.\n")


_AGG_SNIPPET = """
import hashlib, json, logging, sys, time
import numpy as np, pandas as pd
from hourglass.features import EntityWindows
logging.disable(logging.WARNING)
train, big = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2], nrows=1_000_000).drop(columns="label")
ew = EntityWindows("src_ip", "ts", bucket="5min").fit(train)
out = {}
for n, reps in ((100, 200), (8192, 40), (1_000_000, 3)):
    part = big.iloc[:n]
    took = []
    for _ in range(reps):
        t = time.perf_counter(); agg = ew.aggregate(part); took.append(time.perf_counter() - t)
    h = hashlib.sha256(str(list(zip(agg.columns, map(str, agg.dtypes)))).encode())
    for c in agg.columns:
        v = agg[c].to_numpy()
        if v.dtype == np.float64:  # a NaN is a NaN (its sign bit means nothing)
            v = np.where(np.isnan(v), np.nan, v)
        h.update(np.ascontiguousarray(v).tobytes() if v.dtype != object else str(v.tolist()).encode())
    out[n] = {"ms": float(np.median(took)) * 1e3, "digest": h.hexdigest()[:16]}
print(json.dumps(out))
"""

_SERVE_SNIPPET = """
import hashlib, json, logging, sys, time
import numpy as np, pandas as pd
from hourglass.serve import EntityScorer
logging.disable(logging.WARNING)
records = pd.read_csv(sys.argv[2], nrows=200_000).drop(columns="label").to_dict("records")
scorer = EntityScorer(sys.argv[1])
out = {}
for n, k in ((100, 200), (1000, 40)):
    batches = [records[i * n:(i + 1) * n] for i in range(min(k, len(records) // n))]
    h = hashlib.sha256(json.dumps([scorer.score(b) for b in batches], sort_keys=True,
                                  default=str).encode())
    took = []
    for b in batches:
        t = time.perf_counter(); scorer.score(b); took.append(time.perf_counter() - t)
    out[n] = {"ms": float(np.median(took)) * 1e3, "digest": h.hexdigest()[:16]}
print(json.dumps(out))
"""


def speed_part(days: float, hosts: int, before: str | None, rounds: int, stream_rows: int) -> str:
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="hourglass-entity-speed-"))
    try:
        return _speed_part(tmp, days, hosts, before, rounds, stream_rows)
    finally:
        shutil.rmtree(tmp)


def _speed_part(tmp: Path, days: float, hosts: int, before: str | None, rounds: int,
                stream_rows: int) -> str:
    import filecmp
    import json
    import re

    train, _ = port_scan_flows(days=1, hosts=hosts, scan_flows=0, seed=1)
    train.to_csv(tmp / "train.csv", index=False)
    big, scan = port_scan_flows(days=days, hosts=hosts, scan_flows=60, seed=2)
    big["label"] = np.where(scan["is_scan"] == 1, "scan", "normal")
    big.to_csv(tmp / "big.csv", index=False)
    big.drop(columns="label").iloc[:stream_rows].to_json(tmp / "stream.jsonl", orient="records", lines=True)
    cli = [sys.executable, "-m", "hourglass"]
    run_measured([*cli, "train", str(tmp / "train.csv"), "--entity-col", "src_ip", "--timestamp-col",
                  "ts", "--bucket", "5min", "-o", str(tmp / "M"), "--epochs", "30", "--hidden", "16,8",
                  "-q"])
    trees = [("after", None)] + ([("before", before)] if before else [])
    figures: dict[str, dict[str, list[float]]] = {label: {} for label, _ in trees}
    digests: dict[str, dict[str, str]] = {label: {} for label, _ in trees}

    def note(label: str, key: str, value: float) -> None:
        figures[label].setdefault(key, []).append(value)

    for r in range(rounds):
        for label, src in (trees if r % 2 == 0 else trees[::-1]):
            env = {"PYTHONPATH": src} if src else None
            _, _, out = run_measured([sys.executable, "-c", _AGG_SNIPPET, str(tmp / "train.csv"),
                                      str(tmp / "big.csv")], env=env)
            for n, v in json.loads(out.strip().splitlines()[-1]).items():
                note(label, f"aggregate {int(n):,} rows (ms)", v["ms"])
                digests[label][f"aggregate {n}"] = v["digest"]
            _, _, out = run_measured([sys.executable, "-c", _SERVE_SNIPPET, str(tmp / "M"),
                                      str(tmp / "big.csv")], env=env)
            for n, v in json.loads(out.strip().splitlines()[-1]).items():
                note(label, f"EntityScorer, {int(n):,}-row request (ms)", v["ms"])
                digests[label][f"serve {n}"] = v["digest"]
            for batch in (None, 8192):
                name = tmp / f"stream-{label}-{batch}-{r}.jsonl"  # -o appends: a new file each run
                extra = ["--batch", str(batch)] if batch else []
                _, _, out = run_measured([*cli, "stream", str(tmp / "M"), "--input",
                                          str(tmp / "stream.jsonl"), "--all", "-o", str(name), *extra],
                                         env=env)
                rate = float(re.search(r"([\d,]+) rows/s", out).group(1).replace(",", ""))
                note(label, f"stream --batch {batch or 1024} (rows/s)", rate)
            wall, _, _ = run_measured([*cli, "score", str(tmp / "M"), str(tmp / "big.csv"), "-o",
                                       str(tmp / f"scores-{label}-{r}.jsonl"), "-q"], env=env)
            note(label, f"score {len(big):,} rows (s)", wall)
    same = {"aggregate and service outputs":
            len({json.dumps(d, sort_keys=True) for d in digests.values()}) == 1}
    if before:
        same["score output (cmp)"] = all(filecmp.cmp(tmp / f"scores-after-{r}.jsonl",
                                                     tmp / f"scores-before-{r}.jsonl", shallow=False)
                                         for r in range(rounds))
        same["stream output (cmp)"] = all(filecmp.cmp(tmp / f"stream-after-{b}-{r}.jsonl",
                                                      tmp / f"stream-before-{b}-{r}.jsonl", shallow=False)
                                          for b in (None, 8192) for r in range(rounds))
    keys = list(figures["after"])
    rows = []
    for k in keys:
        after = float(np.median(figures["after"][k]))
        row = [k, f"{after:,.1f}"]
        if before:
            old = float(np.median(figures["before"][k]))
            ratio = old / after if "rows/s" not in k else after / old
            row = [k, f"{old:,.1f}", f"{after:,.1f}", f"{ratio:.2f}x"]
        rows.append(row)
    head = ["figure", "before", "after", "speed-up"] if before else ["figure", "this tree"]
    return (f"\n## Aggregation cost ({days:g}-day file: {len(big):,} flow rows, {hosts} hosts)\n\n"
            f"Medians over {rounds} round(s), each figure in a fresh process, trees alternating; "
            f"stream on the first {stream_rows:,} rows; shared 2-core machine (other jobs running: "
            "compare the columns with each other). before = "
            f"{before or '-'}.\n\n" + markdown_table(head, rows)
            + f"\n\nIdentical outputs: {same}.\n")


BIG_DAYS = {"evaluate": "14,28", "speed": "14"}  # --big-days when not given


def big_days(part: str, value: str | None) -> list[float]:
    """The ``--big-days`` of ``part``: for ``evaluate`` comma-separated day counts (a large file
    and a table each; default 14,28), for ``speed`` one (it measures one large file; default 14).
    Anything else stops the script with one line, before any work: ``--part speed --big-days
    14,28`` measured the 14-day file alone and said nothing of 28, and a value that is no number
    stopped with a ValueError traceback."""
    text = BIG_DAYS[part] if value is None else value
    try:
        got = [float(v) for v in text.split(",")]
    except ValueError:
        got = []
    if not got or not all(math.isfinite(d) and d > 0 for d in got):
        raise OptionError(f"--big-days: {text!r} is not a comma-separated list of day counts > 0")
    if part == "speed" and len(got) > 1:
        raise OptionError(f"--big-days: --part speed measures one large file; give one day count, "
                          f"not {text!r}")
    return got


def json_key(d: dict[str, Any]) -> str:
    import json

    return json.dumps(d, sort_keys=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--scan-flows", default="60,25,12")
    ap.add_argument("--buckets", default="10s,1min")
    ap.add_argument("--part", choices=("scan-otrf", "warm", "evaluate", "speed"), default="scan-otrf")
    ap.add_argument("--rounds", type=positive, default=3)
    ap.add_argument("--stream-rows", type=positive, default=100_000)
    ap.add_argument("--big-days", help="days of the large file: --part evaluate, comma-separated "
                    f"(one file and table each; default {BIG_DAYS['evaluate']}); --part speed, one "
                    f"value (default {BIG_DAYS['speed']})")
    ap.add_argument("--big-hosts", type=positive, default=60)
    ap.add_argument("--before-src")
    no_write_option(ap, "results/entity*.md")
    args = ap.parse_args()
    # each part reads its own options: one it does not read stops the run before any work
    read = {"scan-otrf": ["data", "seeds", "scan_flows", "buckets"], "warm": ["seeds"],
            "evaluate": ["big_days", "big_hosts", "before_src"],
            "speed": ["big_days", "big_hosts", "before_src", "rounds", "stream_rows"]}[args.part]
    not_read(ap, args, f"--part {args.part}", ["part", "no_write", *read])
    source_tree("--before-src", args.before_src)
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    seeds = ints("--seeds", args.seeds)
    scan_flows = ints("--scan-flows", args.scan_flows, least=1)
    days = big_days(args.part, args.big_days) if args.part in BIG_DAYS else []
    if args.part == "speed":
        body = speed_part(days[0], args.big_hosts, args.before_src, args.rounds, args.stream_rows)
        intro = __doc__.split("``--part speed``", 1)[1].split("\n\n", 1)[0]
        print(body, flush=True)
        page = "\n".join([header("Entity models: the cost of the aggregation"), "``--part speed``" + intro,
                          body])
        print(not_written("entity_speed.md") if args.no_write
              else f"written to {write_result('entity_speed', page)}")
        return
    if args.part != "scan-otrf":
        body = (warm_part(seeds) if args.part == "warm"
                else "".join(evaluate_part(d, args.big_hosts, args.before_src) for d in days))
        intro = __doc__.split("Two more parts, each writing its own result file:\n\n", 1)[1]
        title = ("Entity models: warm start on shifted traffic" if args.part == "warm"
                 else "Entity models: evaluate of a large file, read in chunks")
        print(body, flush=True)
        name, page = ("entity_warm_start" if args.part == "warm" else "entity_evaluate",
                      "\n".join([header(title), intro, body]))
        print(not_written(f"{name}.md") if args.no_write else f"written to {write_result(name, page)}")
        return
    root = data_dir(args.data, "mordor_otrf")  # the OTRF part comes after minutes of synthetic runs
    recordings = otrf_files(root)  # (its recordings too)
    text = [header("Entity buckets (EntityWindows) against row-level scoring"), __doc__.split("\n\n", 1)[1]]
    for n in scan_flows:
        runs = [synthetic(seed, n) for seed in seeds]
        table = []
        for k in ("entity AE", "entity IForest", "count only", "row AE, bucket max", "row AE, bucket mean"):
            ranks = [r[k][0] for r in runs]
            flagged = [r[k][1] for r in runs]
            alerts = [r[k][2] for r in runs]
            table.append([k, " / ".join(f"{r:g}" for r in ranks),
                          "n/a" if flagged[0] is None else f"{sum(flagged)} of {len(runs)}",
                          "n/a" if alerts[0] is None else " / ".join(map(str, alerts))])
        auc = " / ".join(f"{r['row_auc']:.3f}" for r in runs)
        scan_f = " / ".join(f"{r['row_scan_flagged']:.1%}" for r in runs)
        norm_f = " / ".join(f"{r['row_normal_flagged']:.1%}" for r in runs)
        fit_s = np.median([r["fit_s"] for r in runs])
        rows_line = (f"row AE on the flow rows: ROC-AUC scan rows vs normal rows {auc}; scan rows "
                     f"flagged {scan_f} (normal rows {norm_f}); test buckets {runs[0]['buckets']}; "
                     f"entity AE fit {fit_s:.1f} s median (shared 2-core machine)")
        part = (f"\n## Synthetic port scan, {n} scan flows in one 5-minute bucket (seeds "
                f"{', '.join(map(str, seeds))})\n\n"
                + markdown_table(["scorer", "rank of the scan bucket (per seed)",
                                  "scan bucket flagged", "buckets flagged in the day"], table)
                + f"\n\n{rows_line}\n")
        print(part, flush=True)
        text.append(part)
    events = otrf_events(recordings)
    for bucket in args.buckets.split(","):
        r = otrf(events, bucket, seeds[0])
        table = [[k, f"{a} of {b}", f"{c:.3f} ({d} recordings)", f"{e:.3f}"]
                 for k, (a, b, c, d, e) in r["summary"].items()]
        part = (f"\n## OTRF, per-host {bucket} buckets, leave one recording out (seed {seeds[0]})\n\n"
                f"{r['buckets']} buckets, {r['hits']} technique buckets; chance of a technique bucket "
                f"on top: {r['chance_top1']:.2f} per recording on average.\n\n"
                + markdown_table(["scorer", "recordings whose top bucket is a technique bucket",
                                  "mean per-recording ROC-AUC", "pooled ROC-AUC"], table) + "\n")
        names = list(r["summary"])
        detail = [[f["recording"], f["buckets"], f["hits"],
                   *(("-" if f[k][0] is None else ("yes" if f[k][0] else "no"))
                     + ("" if f[k][1] is None else f" ({f[k][1]:.2f})") for k in names)]
                  for f in r["per_file"]]
        part += ("\nPer recording: is the top bucket a technique bucket (ROC-AUC within the "
                 "recording, when it has both kinds)\n\n"
                 + markdown_table(["recording", "buckets", "technique", *names], detail) + "\n")
        print(part, flush=True)
        text.append(part)
    body = "\n".join(text)
    print(not_written("entity.md") if args.no_write else f"written to {write_result('entity', body)}")


if __name__ == "__main__":
    run_script(main)
