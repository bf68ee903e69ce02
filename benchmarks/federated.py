"""Federated training on NSL-KDD: three sites that never pool their rows, against a model on the
pooled rows and against each site alone.

KDDTrain+ normal rows are split across 3 sites, two ways:

* **IID**: a seeded shuffle cut in three equal parts;
* **non-IID by protocol**: one site per ``protocol_type`` (tcp / udp / icmp: very unequal sizes
  and traffic; each site sees one protocol only).

Models (hourglass defaults: TabularPreprocessor with the nsl-kdd format's columns, AutoEncoder
128-64-32-16, threshold p99 of held-out normal scores):

* **pooled**: trained on all normal rows (40 epochs, patience 5);
* **federated**: :func:`hourglass.distributed.federated.run_federated`: the preprocessing from
  merged per-site statistics, FedAvg over R rounds of E epochs at each site (``--schedules``
  RxE; R × E = the pooled model's 40 epochs), threshold p99 of the union of the sites'
  held-out normal scores under the final global model;
* **site k alone**: trained on site k's rows only (its own preprocessing, 40 epochs).

New variants (one schedule, ``--new-schedule``, default 10x4), beside FedAvg in the same run:

* **FedProx**: ``run_federated(..., proximal_mu=mu)``, each site's local loss plus
  ``mu/2·||w − w_global||²``; ``mu`` chosen per seed and split from ``--mus`` on validation
  data only: ROC-AUC of the global model separating the sites' held-out KDDTrain+ normal rows
  from a seeded sample of KDDTrain+ attacks (up to 3,000 per category; KDDTest+ is never used
  to choose);
* **FedAvg, sites weighted equally**: ``weighting="sites"`` (parameters averaged with equal
  weights, batch-norm buffers by rows);
* **shared threshold from site summaries**: ``held_out="summaries"``, no held-out score leaves a
  site; the shared p99 and calibration are fitted on a pseudo-union rebuilt from the quantile
  knots of the sites' calibrations (otherwise the same run as FedAvg);
* **own threshold per site** (non-IID only, where a test row's site is known: its protocol):
  the same global model, each site with the threshold and calibration fitted on its own
  held-out normal scores (``FederatedServer.pipeline(site=k)``); each KDDTest+ row is judged by
  its protocol's site, ROC-AUC/PR-AUC over the sites' calibrated scores
  (``Pipeline.calibrated_score``: the share of that site's held-out normal scores below).

FedProx's fit seconds and MB are the chosen run's; choosing ``mu`` trained one run per value.

All are scored on the whole of KDDTest+ (attack = any label but ``normal``); the thresholds come
from training normal rows only. ``features`` is the largest gap between the federated and the
pooled preprocessing's features on KDDTest+ (0: identical). ``MB`` counts both directions of
every federated message (statistics, weights, scores).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/federated.py [--data DIR] [--seeds 0,1,2] \\
        [--schedules 20x2,10x4] [--new-schedule 10x4] [--mus 0.01,0.1,1,10]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import (
    NslKddFiles,
    OptionError,
    header,
    ints,
    markdown_table,
    result_name,
    run_script,
    write_result,
)
from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site
from hourglass.evaluate import binary_metrics
from hourglass.thresholds import HELD_OUT, Percentile
from hourglass.thresholds.calibration import Calibrator


def splits(normal: pd.DataFrame, seed: int) -> dict[str, list[pd.DataFrame]]:
    order = np.random.default_rng(seed).permutation(len(normal))
    iid = [normal.iloc[np.sort(part)] for part in np.array_split(order, 3)]
    by_proto = [g for _, g in normal.groupby("protocol_type", sort=True)]  # icmp, tcp, udp
    return {"IID": iid, "non-IID (protocol)": by_proto}


def site_name(k: int, site: pd.DataFrame, split: str) -> str:
    return f"site {k} alone" + (f" ({site.protocol_type.iloc[0]})" if split.startswith("non") else "")


def federated(sites: list[pd.DataFrame], det: AutoEncoder, features: Any, rounds: int,
              local_epochs: int, **options: Any) -> tuple[FederatedServer, float, float]:
    """``run_federated``'s loop, counting the bytes of every message."""
    start = time.perf_counter()
    server = FederatedServer(det, features, rounds=rounds, local_epochs=local_epochs, **options)
    clients = [Site(s, det, features) for s in sites]
    sent = 0
    for r in range(1, server.n_rounds + 1):
        params, config = server.configure(r)
        replies = [c.fit(params, config) for c in clients]
        sent += len(clients) * sum(a.nbytes for a in params)
        sent += sum(a.nbytes for p, _, _ in replies for a in p)
        server.aggregate(r, replies)
    return server, time.perf_counter() - start, sent / 1e6


def validation_auc(server: FederatedServer, attacks: pd.DataFrame) -> float:
    """ROC-AUC of the global model: the sites' held-out training normal rows against training
    attacks (no test row)."""
    normal, bad = server.scores_, server.pipeline().score(attacks)
    return float(roc_auc_score(np.r_[np.zeros(len(normal)), np.ones(len(bad))], np.r_[normal, bad]))


# per-site thresholds fitted at the sites against the server-side fit on the sites' scores (the
# way before): (|difference|, calibrations equal) per site and model
SITE_CHECKS: list[tuple[float, bool]] = []
# shared threshold from the sites' summaries against the one on the union of their scores
SHARED_CHECKS: list[dict[str, Any]] = []


def check_site_threshold(server: FederatedServer, k: int, pipe: Pipeline,
                         reference: FederatedServer | None = None) -> None:
    """Site ``k``'s threshold and calibration, fitted at the site, against those fitted on the
    server from its held-out scores (``reference``'s scores: a ``held_out="scores"`` run)."""
    ref = reference if reference is not None else server
    scores = ref.site_scores_[k - 1]
    old_t = Percentile(99).fit(scores, on=HELD_OUT)
    old_c = Calibrator().fit(scores)
    det = pipe.detector_
    SITE_CHECKS.append((abs(det.threshold_.value_ - old_t.value_),
                        det.threshold_.to_dict() == old_t.to_dict()
                        and det.calibrator_.to_dict() == old_c.to_dict()))


def per_site(server: FederatedServer, sites: list[pd.DataFrame], x: pd.DataFrame, y: np.ndarray,
             ) -> dict[str, Any]:
    """Each test row judged by its protocol's site: that site's threshold and calibration."""
    cal, pred = np.zeros(len(x)), np.zeros(len(x), dtype=int)
    for k, site in enumerate(sites, start=1):
        pipe = server.pipeline(site=k)
        check_site_threshold(server, k, pipe)
        mask = (x.protocol_type == site.protocol_type.iloc[0]).to_numpy()
        cal[mask], pred[mask] = pipe.calibrated_score(x[mask]), pipe.predict(x[mask])
    m = binary_metrics(y, cal, pred)
    return {"ROC-AUC": float(roc_auc_score(y, cal)), "PR-AUC": float(average_precision_score(y, cal)),
            "F1": m["f1"], "FPR": m["fpr"]}


def evaluate(model: str, split: str, pipe: Pipeline, x: pd.DataFrame, y: np.ndarray, secs: float,
             extra: dict[str, Any]) -> dict[str, Any]:
    m = binary_metrics(y, pipe.score(x), pipe.predict(x))
    return {"split": split, "model": model, "ROC-AUC": m["roc_auc"], "PR-AUC": m["pr_auc"], "F1": m["f1"],
            "FPR": m["fpr"], "fit s": secs, **extra}


def run_seed(nsl: NslKddFiles, seed: int, schedules: list[tuple[int, int]],
             batch_norm: bool = True, new: tuple[int, int] | None = None,
             mus: tuple[float, ...] = ()) -> list[dict[str, Any]]:
    normal = nsl.normal("KDDTrain+")
    val_attacks = nsl.attacks("KDDTrain+")[0].drop(columns=["label"])
    test = nsl.files["KDDTest+"]
    x, y = test.drop(columns=["label"]), (test.label != "normal").to_numpy().astype(int)

    def ae(**kw: Any) -> AutoEncoder:
        return AutoEncoder(verbose=0, device="cpu", random_state=seed, batch_norm=batch_norm, **kw)

    rows = []
    t = time.perf_counter()
    pooled = Pipeline(ae(), features=nsl.preprocessor()).fit(normal)
    rows.append(evaluate("pooled", "-", pooled, x, y, time.perf_counter() - t,
                         {"rows": len(normal), "epochs": pooled.detector_.history_.best_epoch}))
    pooled_x = pooled.transform(x)
    for split, sites in splits(normal, seed).items():
        servers: dict[str, FederatedServer] = {}

        def fed_row(model: str, rounds: int, local_epochs: int, note: str = "", *,
                    split: str = split, sites: list[pd.DataFrame] = sites, **options: Any
                    ) -> FederatedServer:
            server, secs, mb = federated(sites, ae(epochs=local_epochs), nsl.preprocessor(), rounds,
                                         local_epochs, **options)
            fed = server.pipeline()
            gap = float(np.abs(fed.transform(x) - pooled_x).max()) if (
                fed.features_.feature_names_ == pooled.features_.feature_names_) else float("nan")
            rows.append(evaluate(model, split, fed, x, y, secs,
                                 {"rows": "+".join(str(len(s)) for s in sites),
                                  "epochs": f"{rounds} rounds x {local_epochs}{note}", "MB": mb,
                                  "features": gap}))
            print(f"seed {seed} {split} {model} {rounds}x{local_epochs}{note}: ROC-AUC "
                  f"{rows[-1]['ROC-AUC']:.4f} F1 {rows[-1]['F1']:.4f} ({secs:.0f} s)", flush=True)
            return server

        for rounds, local_epochs in schedules:
            server = fed_row("federated", rounds, local_epochs)
            if (rounds, local_epochs) == new:
                servers["federated"] = server
        if new is not None:
            rounds, local_epochs = new
            if "federated" not in servers:
                servers["federated"] = fed_row("federated", rounds, local_epochs)
            if mus:
                # mu from validation data only: the held-out training normal rows against
                # training attacks; the chosen run's test figures are reported
                tried = []
                for mu in mus:
                    server, secs, mb = federated(sites, ae(epochs=local_epochs), nsl.preprocessor(),
                                                 rounds, local_epochs, proximal_mu=mu)
                    tried.append((validation_auc(server, val_attacks), mu, server, secs, mb))
                    print(f"seed {seed} {split} FedProx mu={mu:g}: validation ROC-AUC {tried[-1][0]:.4f}",
                          flush=True)
                val, mu, server, secs, mb = max(tried, key=lambda t: t[0])
                fed = server.pipeline()
                rows.append(evaluate("FedProx, mu on validation", split, fed, x, y, secs,
                                     {"rows": "+".join(str(len(s)) for s in sites),
                                      "epochs": f"{rounds} rounds x {local_epochs}", "MB": mb,
                                      "features": float(np.abs(fed.transform(x) - pooled_x).max()),
                                      "mu": mu, "val": val}))
                servers["FedProx, mu on validation"] = server
            servers["FedAvg, sites weighted equally"] = fed_row(
                "FedAvg, sites weighted equally", rounds, local_epochs, weighting="sites")
            # no held-out score leaves a site: the shared threshold from the sites' summaries
            base = servers["federated"]
            summ = fed_row("federated, shared threshold from site summaries", rounds, local_epochs,
                           held_out="summaries")
            t_new = summ.pipeline().detector_.threshold_.value_
            t_old = base.pipeline().detector_.threshold_.value_
            SHARED_CHECKS.append({
                "split": split, "seed": seed, "old": t_old, "new": t_new,
                "same weights": all(np.array_equal(a, b) for a, b in zip(summ.weights_, base.weights_,
                                                                         strict=True)),
                "flagged old": base.pipeline().predict(x).mean(),
                "flagged new": summ.pipeline().predict(x).mean()})
            for k in range(1, len(sites) + 1):  # the sites' own: as in the run that sent scores
                check_site_threshold(summ, k, summ.pipeline(site=k), reference=base)
            if split.startswith("non"):
                for model, server in servers.items():
                    rows.append({"split": split, "model": f"{model}, own threshold per site",
                                 "rows": "+".join(str(len(s)) for s in sites),
                                 "epochs": f"{rounds} rounds x {local_epochs}", "fit s": float("nan"),
                                 **per_site(server, sites, x, y)})
        for k, site in enumerate(sites, start=1):
            t = time.perf_counter()
            alone = Pipeline(ae(), features=nsl.preprocessor()).fit(site)
            rows.append(evaluate(site_name(k, site, split), split, alone, x, y, time.perf_counter() - t,
                                 {"rows": len(site), "epochs": alone.detector_.history_.best_epoch}))
    return rows


def summarise(runs: list[list[dict[str, Any]]]) -> list[list[Any]]:
    out = []
    for i, first in enumerate(runs[0]):
        cells: list[Any] = [first["split"], first["model"], first["rows"], first["epochs"]]
        for key in ("ROC-AUC", "PR-AUC", "F1", "FPR"):
            vals = [r[i][key] for r in runs]
            cells.append(f"{statistics.fmean(vals):.4f} ± {statistics.pstdev(vals):.4f}")
        secs = [r[i]["fit s"] for r in runs]
        cells.append("" if any(np.isnan(secs)) else f"{statistics.median(secs):.1f}")
        cells.append(f"{first['MB']:.1f}" if "MB" in first else "")
        cells.append(f"{max(r[i]['features'] for r in runs):.2g}" if "features" in first else "")
        out.append(cells)
    return out


def _schedule(option: str, text: str) -> tuple[int, int]:
    """``ROUNDSxLOCAL_EPOCHS`` as two positive integers; anything else stops with one line."""
    parts = text.strip().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise OptionError(f"{option}: {text!r} is not ROUNDSxLOCAL_EPOCHS (two positive integers, "
                         "e.g. 10x4)")
    return int(parts[0]), int(parts[1])


def parse_options(args: argparse.Namespace
                  ) -> tuple[list[int], list[tuple[int, int]], tuple[int, int] | None, tuple[float, ...]]:
    """(seeds, schedules, the new schedule or None, FedProx mus) of the command line; a value that
    is not one stops the script with one line naming the option (not a ValueError traceback
    after the data was read)."""
    seeds = ints("--seeds", args.seeds)  # >= 0: random_state refuses a negative seed after the read
    schedules = [_schedule("--schedules", x) for x in args.schedules.split(",")]
    new = _schedule("--new-schedule", args.new_schedule) if args.new_schedule else None
    try:
        mus = tuple(float(m) for m in args.mus.split(",")) if args.mus else ()
    except ValueError:
        raise OptionError(f"--mus: {args.mus!r} is not a comma-separated list of numbers") from None
    if any(not m >= 0 or m == float("inf") for m in mus):
        raise OptionError(f"--mus: {args.mus!r}: each mu must be a finite number >= 0")
    return seeds, schedules, new, mus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--schedules", default="20x2,10x4",
                    help="federated schedules, ROUNDSxLOCAL_EPOCHS, comma-separated")
    ap.add_argument("--new-schedule", default="10x4",
                    help="the schedule of the FedProx / equal-weight / per-site rows ('' for none)")
    ap.add_argument("--mus", default="0.01,0.1,1,10", help="FedProx mu grid, chosen on validation")
    ap.add_argument("--no-batch-norm", action="store_true", help="every model without batch norm")
    ap.add_argument("--out", type=result_name, default="federated")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning)
    torch.set_num_threads(1)
    seeds, schedules, new, mus = parse_options(args)  # before the files are read
    nsl = NslKddFiles(args.data, "KDDTrain+", "KDDTest+")
    start = time.perf_counter()
    runs = [run_seed(nsl, s, schedules, batch_norm=not args.no_batch_norm, new=new, mus=mus)
            for s in seeds]
    chosen = [f"{r['split']}: " + ", ".join(f"seed {s} mu={r2['mu']:g} (validation ROC-AUC {r2['val']:.4f})"
                                            for s, r2 in zip(seeds, [run[i] for run in runs], strict=True))
              for i, r in enumerate(runs[0]) if "mu" in r]
    table = markdown_table(["split", "model", "training rows", "epochs", "ROC-AUC", "PR-AUC",
                            "F1 @ threshold", "FPR", "fit s", "MB sent", "features"], summarise(runs))
    text = (header("Federated training on NSL-KDD: 3 sites, FedAvg, against pooled and site-alone",
                   command=False)
            + "\n" + (__doc__ or "").split("\n\n", 1)[1].rsplit("\n\n", 1)[0] + "\n\n"
            + f"Seeds {', '.join(map(str, seeds))} (the split's shuffle and every model's seed); "
            f"federated schedules (rounds x local epochs) {args.schedules}"
            + ("; **every model without batch norm** (`batch_norm=False`)" if args.no_batch_norm else "")
            + "; mean ± population std over "
            "seeds, fit seconds are medians (one process, one torch thread, `nice -n 10`, on a shared "
            "2-core machine: compare them within this table). Federated seconds are the whole run "
            "in one process (sites in turn), not a networked deployment.\n\n"
            + table + "\n\n"
            + (f"Each site's own threshold and calibration are fitted at the site (the rule it gets "
               "from the server) and only they are sent back; against the way before (fitted on the "
               "server from the site's held-out scores): largest |threshold difference| "
               f"{max(d for d, _ in SITE_CHECKS):.3g} over {len(SITE_CHECKS)} site models (sites x "
               f"models x seeds, both `held_out` modes), threshold and calibration state equal in "
               f"{sum(e for _, e in SITE_CHECKS)} of {len(SITE_CHECKS)}.\n\n" if SITE_CHECKS else "")
            + ("**shared threshold from site summaries** (`held_out=\"summaries\"`: no held-out score "
               "leaves a site; the shared p99 and calibration fitted on a pseudo-union rebuilt from the "
               "quantile knots of the sites' calibrations) against the shared threshold on the union "
               "of the scores, same run otherwise (global weights identical: "
               f"{all(c['same weights'] for c in SHARED_CHECKS)}):\n\n"
               + markdown_table(["split", "seed", "p99 on the union of scores", "p99 from summaries",
                                 "relative difference", "KDDTest+ flagged (union)", "(summaries)"],
                                [[c["split"], c["seed"], f"{c['old']:.6g}", f"{c['new']:.6g}",
                                  f"{(c['new'] - c['old']) / c['old']:+.2%}", f"{c['flagged old']:.4f}",
                                  f"{c['flagged new']:.4f}"] for c in SHARED_CHECKS]) + "\n\n"
               if SHARED_CHECKS else "")
            + (f"FedProx mu chosen from {args.mus} on validation (sites' held-out KDDTrain+ normal rows "
               "vs KDDTrain+ attacks): " + "; ".join(chosen) + ".\n\n" if chosen else "")
            + f"Command: `OMP_NUM_THREADS=1 nice -n 10 python benchmarks/federated.py --seeds {args.seeds} "
            f"--schedules {args.schedules} --new-schedule '{args.new_schedule}' --mus '{args.mus}'"
            f"{' --no-batch-norm' if args.no_batch_norm else ''}"
            + (f" --out {args.out}" if args.out != "federated" else "") + "`; total "
            f"{time.perf_counter() - start:.0f} s.\n")
    print(write_result(args.out, text))


if __name__ == "__main__":
    run_script(main)
