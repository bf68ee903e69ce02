"""Tabular benchmark: the hourglass autoencoder family beside PyOD on ODDS/ADBench sets and NSL-KDD.

Protocols (same splits for every model, per seed):

* ``normal-only`` (hourglass' default): a seeded 60% of the rows is the training split, and only
  its normal rows are fitted on; the other 40% (all rows) is the test set.
* ``pyod``: the same 60% split fitted with its outliers (unlabelled), the same 40% tested.
* NSL-KDD keeps its published split: training rows from KDDTrain+ (normal-only: its normal rows;
  pyod: all of them), tested on KDDTest+.

Features are min-max scaled on the rows fitted on (PyOD models standardise again inside, their
default). Training splits larger than ``--max-train`` rows and test sets larger than
``--max-test`` are seeded subsamples (the same rows for every model); PyOD's deep models run
only for the first ``--pyod-deep-seeds`` seeds (they train per row in batches of 32 and are
slow on a shared CPU). The output says what was run.

Semi-supervised (``--semi``): on NSL-KDD, training on normal rows only vs the same rows plus
labelled anomalies (1% of the training rows, drawn from KDDTrain+'s attacks), tested on KDDTest+.

Models come from ``MODELS``, a name → :class:`ModelSpec` factory dict; a script or another
benchmark can add entries before calling :func:`run`.

    python benchmarks/tabular.py [--data DIR] [--seeds 5] [--models a,b] [--sets x,y]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    NslKddFiles,
    count_arg,
    data_dir,
    header,
    markdown_table,
    names,
    need_pyod,
    number,
    odds_arrays,
    odds_sets,
    positive,
    result_name,
    run_script,
    write_result,
)
from hourglass import detectors as hd

logger = logging.getLogger("benchmarks.tabular")

PROTOCOLS = ("normal-only", "pyod")
ODDS_SETS = ("18_Ionosphere", "6_cardio", "38_thyroid", "28_pendigits", "30_satellite", "16_http")


class Model(Protocol):
    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> Any: ...
    def score(self, X: np.ndarray) -> np.ndarray: ...


class _Scorer:
    """Adapter for scikit-learn / PyOD estimators: ``score`` = sign × method (higher = anomalous)."""

    def __init__(self, model: Any, method: str = "decision_function", sign: float = 1.0) -> None:
        self.model, self.method, self.sign = model, method, sign

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> _Scorer:
        self.model.fit(X)
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        return self.sign * np.asarray(getattr(self.model, self.method)(X), dtype=np.float64)


@dataclass(frozen=True)
class ModelSpec:
    """How to build one benchmark entry: ``factory(seed, n_features)`` returns a fresh model."""

    factory: Callable[[int, int], Model]
    family: str  # "hourglass", "pyod-deep" or "classic"
    note: str = ""


def _pyod(cls_path: str, **kw: Any) -> Callable[[int, int], Model]:
    def make(seed: int, n_features: int) -> Model:
        module, _, name = cls_path.rpartition(".")
        cls = getattr(__import__(module, fromlist=[name]), name)
        extra = {"n_features": n_features} if name == "DeepSVDD" else {}
        return _Scorer(cls(random_state=seed, verbose=0, **extra, **kw))
    return make


def _iforest(seed: int, n_features: int) -> Model:
    from sklearn.ensemble import IsolationForest

    return _Scorer(IsolationForest(random_state=seed, n_jobs=1), "score_samples", -1.0)


def _ecod(seed: int, n_features: int) -> Model:
    from pyod.models.ecod import ECOD

    return _Scorer(ECOD())


def _ensemble(seed: int, n_features: int) -> Model:
    members = (hd.AutoEncoder(verbose=0, random_state=seed),
               hd.DeepSVDD(verbose=0, random_state=seed),
               hd.LatentIForest(verbose=0, random_state=seed))
    return hd.Ensemble(detectors=members, random_state=seed)


MODELS: dict[str, ModelSpec] = {
    "hg-ae": ModelSpec(lambda s, d: hd.AutoEncoder(verbose=0, random_state=s), "hourglass"),
    "hg-sparse": ModelSpec(lambda s, d: hd.SparseAutoEncoder(verbose=0, random_state=s), "hourglass"),
    "hg-denoising": ModelSpec(lambda s, d: hd.DenoisingAutoEncoder(verbose=0, random_state=s),
                              "hourglass"),
    "hg-vae": ModelSpec(lambda s, d: hd.VariationalAutoEncoder(verbose=0, random_state=s), "hourglass"),
    "hg-deep-svdd": ModelSpec(lambda s, d: hd.DeepSVDD(verbose=0, random_state=s), "hourglass"),
    "hg-latent-iforest": ModelSpec(lambda s, d: hd.LatentIForest(verbose=0, random_state=s),
                                   "hourglass"),
    "hg-ensemble": ModelSpec(_ensemble, "hourglass", "AE + DeepSVDD + LatentIForest, z-score, mean"),
    "hg-anogan": ModelSpec(lambda s, d: hd.AnoGAN(verbose=0, random_state=s), "hourglass"),
    "hg-ganomaly": ModelSpec(lambda s, d: hd.GANomaly(verbose=0, random_state=s), "hourglass"),
    "hg-encoder-gan": ModelSpec(lambda s, d: hd.EncoderGAN(verbose=0, random_state=s), "hourglass"),
    "pyod-ae": ModelSpec(_pyod("pyod.models.auto_encoder.AutoEncoder"), "pyod-deep"),
    "pyod-vae": ModelSpec(_pyod("pyod.models.vae.VAE"), "pyod-deep"),
    "pyod-deep-svdd": ModelSpec(_pyod("pyod.models.deep_svdd.DeepSVDD"), "pyod-deep"),
    "iforest": ModelSpec(_iforest, "classic"),
    "ecod": ModelSpec(_ecod, "classic"),
}


@dataclass
class Split:
    """One seed's data for one set: rows to fit on per protocol, and the shared test rows."""

    fit: dict[str, np.ndarray]
    fit_y: dict[str, np.ndarray]
    test: np.ndarray
    test_y: np.ndarray
    note: str = ""


def _minmax(fit: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    lo, hi = fit.min(axis=0), fit.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return [((a - lo) / span).astype(np.float32) for a in (fit, *others)]


def _cap(rng: np.random.Generator, idx: np.ndarray, n: int) -> np.ndarray:
    return np.sort(rng.choice(idx, n, replace=False)) if len(idx) > n else idx


def odds_split(X: np.ndarray, y: np.ndarray, seed: int, max_train: int, max_test: int) -> Split:
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    n_train = int(round(0.6 * len(X)))
    train, test = np.sort(order[:n_train]), np.sort(order[n_train:])
    test = _cap(rng, test, max_test)
    fits, fit_y = {}, {}
    for proto, rows in (("normal-only", train[y[train] == 0]), ("pyod", train)):
        rows = _cap(rng, rows, max_train)
        fits[proto], fit_y[proto] = X[rows], y[rows]
    return Split(fits, fit_y, X[test], y[test])


@dataclass
class NslKdd:
    """KDDTrain+ / KDDTest+ preprocessed once (TabularPreprocessor fitted on KDDTrain+ normals)."""

    root: Path
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def load(self) -> NslKdd:
        nsl = NslKddFiles(str(self.root.parent), "KDDTrain+", "KDDTest+")
        train, test = nsl.files["KDDTrain+"], nsl.files["KDDTest+"]
        pre = nsl.preprocessor().fit(nsl.normal())
        self.arrays = {
            "X": pre.transform(train.drop(columns=["label"])),
            "y": (train.label != "normal").to_numpy().astype(np.int8),
            "Xt": pre.transform(test.drop(columns=["label"])),
            "yt": (test.label != "normal").to_numpy().astype(np.int8),
        }
        return self

    def split(self, seed: int, max_train: int, max_test: int) -> Split:
        a, rng = self.arrays, np.random.default_rng(seed)
        test = _cap(rng, np.arange(len(a["Xt"])), max_test)
        fits, fit_y = {}, {}
        for proto, rows in (("normal-only", np.flatnonzero(a["y"] == 0)),
                            ("pyod", np.arange(len(a["X"])))):
            rows = _cap(rng, rows, max_train)
            fits[proto], fit_y[proto] = a["X"][rows], a["y"][rows]
        return Split(fits, fit_y, a["Xt"][test], a["yt"][test])


def _evaluate(model: Model, X: np.ndarray, Xt: np.ndarray, yt: np.ndarray,
              y: np.ndarray | None = None) -> tuple[float, float, float]:
    t = time.perf_counter()
    model.fit(X, y) if y is not None else model.fit(X)
    fit_s = time.perf_counter() - t
    s = model.score(Xt)
    return float(roc_auc_score(yt, s)), float(average_precision_score(yt, s)), fit_s


def _pm(values: list[float]) -> str:
    if not values:
        return "—"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f}"


def run(args: argparse.Namespace) -> str:
    root = data_dir(args.data, *("nsl_kdd" if s == "nsl_kdd" else "odds_adbench"
                                 for s in args.sets.split(",")))
    models = names("--models", args.models, list(MODELS))
    sets = names("--sets", args.sets, [*odds_sets(root / "odds_adbench"), "nsl_kdd"])
    protocols = names("--protocols", args.protocols, PROTOCOLS)
    results: dict[tuple[str, str, str], dict[str, list[float]]] = {}
    started = time.perf_counter()
    nsl = NslKdd(root / "nsl_kdd").load() if "nsl_kdd" in sets else None
    sizes: dict[str, str] = {}
    for name in sets:
        if name == "nsl_kdd":
            assert nsl is not None
            make_split = nsl.split
            sizes[name] = (f"KDDTrain+ {len(nsl.arrays['X'])} rows → KDDTest+ {len(nsl.arrays['Xt'])} "
                           f"rows, {nsl.arrays['X'].shape[1]} features")
        else:
            X, y = odds_arrays(root / "odds_adbench", name)
            y = y.astype(np.int8)
            make_split = lambda seed, mt, mx, X=X, y=y: odds_split(X, y, seed, mt, mx)  # noqa: E731
            sizes[name] = f"{len(X)} rows, {X.shape[1]} features, {y.mean():.1%} anomalies"
        for seed in range(args.seeds):
            split = make_split(seed, args.max_train, args.max_test)
            for proto in protocols:
                Xf, Xt = _minmax(split.fit[proto], split.test)
                for m in models:
                    spec = MODELS[m]
                    if (spec.family == "pyod-deep" and seed >= args.pyod_deep_seeds
                            and m not in args.every_seed.split(",")):
                        continue
                    roc, pr, fit_s = _evaluate(spec.factory(seed, Xf.shape[1]), Xf, Xt, split.test_y)
                    r = results.setdefault((name, proto, m), {"roc": [], "pr": [], "fit": []})
                    r["roc"].append(roc)
                    r["pr"].append(pr)
                    r["fit"].append(fit_s)
                    logger.warning("%s seed %d %s %s: ROC %.3f PR %.3f fit %.1fs (%.0fs elapsed)",
                                   name, seed, proto, m, roc, pr, fit_s,
                                   time.perf_counter() - started)
    return report(args, results, sizes, models, sets, protocols, time.perf_counter() - started)


def report(args: argparse.Namespace, results: dict, sizes: dict[str, str], models: list[str],
           sets: list[str], protocols: list[str], elapsed: float) -> str:
    out = []
    for proto in protocols:
        rows = []
        for name in sets:
            for m in models:
                r = results.get((name, proto, m))
                if r:
                    rows.append([name, m, _pm(r["roc"]), _pm(r["pr"]),
                                 f"{statistics.median(r['fit']):.1f}", len(r["roc"])])
        out.append(f"\n## Protocol: {proto}\n\n" + markdown_table(
            ["set", "model", "ROC-AUC", "PR-AUC", "fit s (median)", "seeds"], rows))
        # mean ROC-AUC over sets per model (only models run on every set)
        summary = []
        for m in models:
            per_set = [statistics.mean(results[(s, proto, m)]["roc"]) for s in sets
                       if (s, proto, m) in results]
            if len(per_set) == len(sets):
                pr = statistics.mean(statistics.mean(results[(s, proto, m)]["pr"]) for s in sets)
                summary.append([m, f"{statistics.mean(per_set):.3f}", f"{pr:.3f}"])
        out.append(f"\nMean over the {len(sets)} sets ({proto}):\n\n"
                   + markdown_table(["model", "mean ROC-AUC", "mean PR-AUC"], summary))
        out.append(_targets(results, sets, proto, models))
    setup = "\n".join(f"- `{k}`: {v}" for k, v in sizes.items())
    notes = "\n".join(f"- `{m}`: {MODELS[m].note}" for m in models if MODELS[m].note)
    return (header("Tabular benchmark: hourglass autoencoder family vs PyOD", command=False)
            + f"\nCommand: `python benchmarks/tabular.py {' '.join(sys.argv[1:])}`\n\n"
            f"Seeds: {args.seeds} (PyOD deep models: first {args.pyod_deep_seeds}, except "
            f"{args.every_seed or 'none'}: all); training split "
            f"capped at {args.max_train} rows, test at {args.max_test} rows (seeded subsamples, "
            "the same rows for every model). Default hyper-parameters for every model. ROC-AUC and "
            "PR-AUC are mean ± std over seeds on the test rows; fit seconds are wall-clock medians "
            f"(see the load note above). Total {elapsed / 60:.1f} "
            f"min; torch threads: {args.threads}.\n\nSets:\n{setup}\n"
            + (f"\nModels:\n{notes}\n" if notes else "") + "\n".join(out))


def _targets(results: dict, sets: list[str], proto: str, models: list[str]) -> str:
    lines = [f"\nTargets ({proto}):"]
    if {"hg-ae", "pyod-ae"} <= set(models):
        for s in sets:
            a, b = results.get((s, proto, "hg-ae")), results.get((s, proto, "pyod-ae"))
            if a and b:
                ra, rb = statistics.mean(a["roc"]), statistics.mean(b["roc"])
                fa, fb = statistics.median(a["fit"]), statistics.median(b["fit"])
                lines.append(f"- {s}: hg-ae ROC {ra:.3f} vs pyod-ae {rb:.3f} "
                             f"({'met' if ra >= rb else 'NOT met'}); fit {fa:.1f}s vs {fb:.1f}s = "
                             f"{fa / fb:.2f}× ({'met' if fa <= fb / 5 else 'NOT met'}, target ≤ 0.2×)")
    if "iforest" in models:
        def mean_over_sets(m: str) -> float | None:
            vals = [statistics.mean(results[(s, proto, m)]["roc"]) for s in sets
                    if (s, proto, m) in results]
            return statistics.mean(vals) if len(vals) == len(sets) else None
        hg = {m: mean_over_sets(m) for m in models if MODELS[m].family == "hourglass"}
        hg = {m: v for m, v in hg.items() if v is not None}
        iforest = mean_over_sets("iforest")
        if hg and iforest is not None:
            best = max(hg, key=hg.__getitem__)
            lines.append(f"- best hourglass mean ROC-AUC {hg[best]:.3f} ({best}) vs IsolationForest "
                         f"{iforest:.3f}: {'met' if hg[best] >= iforest else 'NOT met'}")
    return "\n".join(lines) + "\n"


def semi_supervised(args: argparse.Namespace) -> str:
    """NSL-KDD: normal-only vs normal + labelled anomalies (``--label-rate`` of training rows)."""
    semi_models = names("--semi-models", args.semi_models, list(MODELS))
    nsl = NslKdd(data_dir(args.data, "nsl_kdd") / "nsl_kdd").load()
    a = nsl.arrays
    rows = []
    for m in semi_models:
        res: dict[str, list[float]] = {"unsup": [], "semi": []}
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed)
            normal = _cap(rng, np.flatnonzero(a["y"] == 0), args.max_train)
            n_lab = max(1, int(round(args.label_rate * len(normal) / (1 - args.label_rate))))
            attacks = rng.choice(np.flatnonzero(a["y"] == 1), n_lab, replace=False)
            test = _cap(rng, np.arange(len(a["Xt"])), args.max_test)
            for mode, idx in (("unsup", normal), ("semi", np.r_[normal, attacks])):
                model = MODELS[m].factory(seed, a["X"].shape[1])
                y = a["y"][idx] if mode == "semi" else None
                roc, _, _ = _evaluate(model, a["X"][idx], a["Xt"][test], a["yt"][test], y)
                res[mode].append(roc)
                logger.warning("semi %s seed %d %s: ROC %.3f", m, seed, mode, roc)
        gain = statistics.mean(res["semi"]) - statistics.mean(res["unsup"])
        rows.append([m, _pm(res["unsup"]), _pm(res["semi"]), f"{gain:+.3f}",
                     "met" if round(gain, 3) > 0 else "NOT met"])  # a rise that shows at 3 decimals
    return ("\n## Semi-supervised: NSL-KDD, labelled anomalies = "
            f"{args.label_rate:.0%} of the training rows\n\nNormal rows: seeded {args.max_train} of "
            "KDDTrain+'s normal rows; labelled anomalies drawn from KDDTrain+'s attacks; tested on "
            f"KDDTest+ ({args.seeds} seeds). Target: ROC-AUC rises over normal-only training.\n\n"
            + markdown_table(["model", "normal-only ROC-AUC", "with labels ROC-AUC", "gain", "target"],
                             rows) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder holding odds_adbench/ and nsl_kdd/")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--sets", default=",".join((*ODDS_SETS, "nsl_kdd")))
    ap.add_argument("--protocols", default="normal-only,pyod")
    ap.add_argument("--seeds", type=positive, default=5)
    ap.add_argument("--pyod-deep-seeds", type=count_arg, default=2)
    ap.add_argument("--every-seed", default="pyod-ae",
                    help="PyOD deep models run on every seed despite --pyod-deep-seeds (the AE "
                         "target compares against pyod-ae)")
    ap.add_argument("--max-train", type=positive, default=5000)
    ap.add_argument("--max-test", type=positive, default=20000)
    ap.add_argument("--semi", action="store_true", help="also run the semi-supervised comparison")
    ap.add_argument("--semi-models", default="hg-ae,hg-deep-svdd")
    ap.add_argument("--label-rate", type=number(0, 1, open_low=True, open_high=True), default=0.01)
    ap.add_argument("--threads", type=positive, default=1, help="torch threads (every model)")
    ap.add_argument("--out", type=result_name, default="tabular",
                    help="result name under benchmarks/results/")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    warnings.filterwarnings("ignore")
    torch.set_num_threads(args.threads)  # one thread each: fair, and no thrashing on a shared CPU
    pyod = [m for m in MODELS if m.startswith("pyod-") or m == "ecod"]
    need_pyod("--models", names("--models", args.models, list(MODELS)) if args.models else [], pyod)
    if args.semi:  # before the main comparison runs, not after it (its table was lost)
        need_pyod("--semi-models", names("--semi-models", args.semi_models, list(MODELS)), pyod)
        data_dir(args.data, "nsl_kdd")
    text = run(args) if args.models else ""
    if args.semi:
        text += semi_supervised(args)
    print(text)
    print(f"\nwritten to {write_result(args.out, text)}")


if __name__ == "__main__":
    run_script(main)
