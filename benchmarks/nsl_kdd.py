"""NSL-KDD: hourglass AutoEncoder beside PyOD AutoEncoder, IsolationForest and ECOD.

Protocol (the unsupervised one of the literature, SOURCE.md): fit on the normal rows of
KDDTrain+; 10% of them (seeded) are held out, never trained on, and every model's threshold is
the 99th percentile of its scores on that held-out slice (same rule for all). Test on KDDTest+
and KDDTest-21 with attack = positive. Same features for every model: hourglass'
TabularPreprocessor fitted on the training rows (one-hot + unseen indicator, log1p, min-max).

    python benchmarks/nsl_kdd.py [--data DIR] [--models hourglass-ae,pyod-ae,iforest,ecod]
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import data_dir, header, markdown_table, timed, write_result
from hourglass.detectors import AutoEncoder
from hourglass.evaluate import binary_metrics, per_class_detection
from hourglass.features import TabularPreprocessor
from hourglass.ingest import get_dataset

CATS = ("DoS", "Probe", "R2L", "U2R")


class _Sklearn:
    """Adapter: fit/score for scikit-learn and PyOD models (higher = more anomalous)."""

    def __init__(self, model, sign: float = 1.0, method: str = "decision_function") -> None:  # type: ignore[no-untyped-def]
        self.model, self.sign, self.method = model, sign, method

    def fit(self, X: np.ndarray) -> None:
        self.model.fit(X)

    def score(self, X: np.ndarray) -> np.ndarray:
        return self.sign * getattr(self.model, self.method)(X)


def make_models(names: list[str], seed: int) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in names:
        if name == "hourglass-ae":
            out[name] = AutoEncoder(verbose=0, random_state=seed)
        elif name == "pyod-ae":
            from pyod.models.auto_encoder import AutoEncoder as PyodAE

            out[name] = _Sklearn(PyodAE(random_state=seed, verbose=0))
        elif name == "iforest":
            from sklearn.ensemble import IsolationForest

            out[name] = _Sklearn(IsolationForest(random_state=seed, n_jobs=1), sign=-1.0,
                                 method="score_samples")
        elif name == "ecod":
            from pyod.models.ecod import ECOD

            out[name] = _Sklearn(ECOD())
        else:
            raise SystemExit(f"unknown model {name}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder holding nsl_kdd/ (default: ../shared/data or $HOURGLASS_DATA)")
    ap.add_argument("--models", default="hourglass-ae,pyod-ae,iforest,ecod")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--percentile", type=float, default=99.0)
    ap.add_argument("--throughput-rows", type=int, default=500_000,
                    help="rows (tiled test data) for the scoring-speed measurement")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    root = data_dir(args.data) / "nsl_kdd"
    spec = get_dataset("nsl-kdd")
    train = spec.read(root / "KDDTrain+.txt.gz")
    tests = {"KDDTest+": spec.read(root / "KDDTest+.txt.gz"),
             "KDDTest-21": spec.read(root / "KDDTest-21.txt.gz")}
    normal = train[train.label == "normal"].drop(columns=["label"])
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(normal))
    n_hold = len(normal) // 10
    fit_rows, hold_rows = normal.iloc[order[n_hold:]], normal.iloc[order[:n_hold]]
    pre = TabularPreprocessor(categorical=spec.categorical, drop=spec.drop).fit(fit_rows)
    X_fit, X_hold = pre.transform(fit_rows), pre.transform(hold_rows)
    Xt = {k: pre.transform(v.drop(columns=["label"])) for k, v in tests.items()}
    print(f"train: {len(X_fit)} normal rows ({n_hold} held out for the threshold), "
          f"{X_fit.shape[1]} features", flush=True)
    big = np.tile(Xt["KDDTest+"], (args.throughput_rows // len(Xt["KDDTest+"]) + 1, 1))
    big = np.ascontiguousarray(big[: args.throughput_rows])
    rows = []
    for name, model in make_models(args.models.split(","), args.seed).items():
        _, fit_s = timed(lambda m=model: m.fit(X_fit))
        thr = float(np.percentile(model.score(X_hold), args.percentile))
        _, score_s = timed(lambda m=model: m.score(big), repeat=3)
        for test_name, df in tests.items():
            y = (df.label != "normal").to_numpy().astype(int)
            s = model.score(Xt[test_name])
            flag = (s > thr).astype(int)
            m = binary_metrics(y, s, flag)
            cats = per_class_detection(df.label, flag, spec.categories)
            rows.append([name, test_name, m["roc_auc"], m["pr_auc"], m["f1"], m["precision"],
                         m["recall"], m["fpr"], *(cats.get(c, {"rate": float("nan")})["rate"] for c in CATS),
                         round(fit_s, 1), round(len(big) / score_s)])
        print(f"{name}: fit {fit_s:.1f}s, scoring {len(big) / score_s:,.0f} rows/s", flush=True)
    headers = ["model", "test set", "ROC-AUC", "PR-AUC", "F1", "precision", "recall", "FPR",
               *(f"DR {c}" for c in CATS), "fit s", "score rows/s"]
    table = markdown_table(headers, rows)
    text = (header("NSL-KDD: train on KDDTrain+ normal rows, test on KDDTest+ / KDDTest-21")
            + f"\nThreshold: percentile {args.percentile} of each model's scores on {n_hold} held-out "
              "normal training rows. DR = detection rate per attack category. Scoring speed on "
              f"{len(big):,} preprocessed rows (median of 3).\n\n" + table + "\n")
    print(table)
    print(f"\nwritten to {write_result('nsl_kdd', text)}")


if __name__ == "__main__":
    main()
