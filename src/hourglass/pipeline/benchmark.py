"""Compare table detectors on one labelled data set, honestly: same split, same features, each
model's threshold fitted on held-out normal training rows (unless fixed), test labels used only
for the metrics.

``hourglass benchmark`` is a thin wrapper over :class:`Benchmark`: the CLI reads the files and
prints; everything that decides a number lives here.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hourglass._columns import counted, listed_columns, near_names, shown_apart
from hourglass._labels import label_like, normal_names
from hourglass.detectors import registry
from hourglass.detectors.base import sklearn_seed
from hourglass.errors import InputError
from hourglass.evaluate import binary_metrics, per_class_detection
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest import ReadStats, column_normal, label_strings, labels_seen
from hourglass.ingest.tables import nested_note
from hourglass.pipeline.pipeline import _LABELS_TOLD, Pipeline
from hourglass.thresholds import HELD_OUT, TRAINING, Fixed, Percentile, Threshold
from hourglass.thresholds.budget import per_day

__all__ = ["BASELINES", "DEFAULT_MODELS", "METRICS", "TEST_FRACTION", "Benchmark", "check_baselines",
           "check_models", "split_labelled", "summarize", "table_models"]

logger = logging.getLogger(__name__)

#: Share of DATA's rows kept for testing when no separate test file is given (stratified by
#: normal/anomaly, seeded); the models train on the normal rows of the rest.
TEST_FRACTION = 0.3
DEFAULT_MODELS = ("autoencoder", "vae", "deep-svdd")
#: Share of the normal training rows a baseline holds out for its threshold (the deep models'
#: own ``validation_fraction`` default).
BASELINE_HOLD_OUT = 0.1
#: Per-run figures averaged over seeds (mean ± std) in the summary.
METRICS = ("roc_auc", "pr_auc", "f1", "precision", "recall", "fpr", "fit_seconds", "rows_per_second")

#: Baselines: name → (module, class, score method, sign); scores are ``sign * method(X)``
#: (higher = more anomalous). ``iforest`` needs scikit-learn only; ``pyod-*`` need PyOD (the
#: ``bench`` extra), never required.
BASELINES: dict[str, tuple[str, str, str, float]] = {
    "iforest": ("sklearn.ensemble", "IsolationForest", "score_samples", -1.0),
    "pyod-ecod": ("pyod.models.ecod", "ECOD", "decision_function", 1.0),
    "pyod-copod": ("pyod.models.copod", "COPOD", "decision_function", 1.0),
    "pyod-hbos": ("pyod.models.hbos", "HBOS", "decision_function", 1.0),
    "pyod-iforest": ("pyod.models.iforest", "IForest", "decision_function", 1.0),
    "pyod-knn": ("pyod.models.knn", "KNN", "decision_function", 1.0),
    "pyod-lof": ("pyod.models.lof", "LOF", "decision_function", 1.0),
    "pyod-pca": ("pyod.models.pca", "PCA", "decision_function", 1.0),
}
_SEEDED = {"IsolationForest", "IForest"}

#: Advice of :class:`Benchmark`'s warnings in a Python user's words (``hourglass benchmark`` says
#: its options: ``cli._options.cli_advice``): a normal label value spelt otherwise; a column that
#: looks like a label too.
NORMAL_TOO_ADVICE = "add it to normal too if those rows are normal"
LABEL_BESIDE = "beside label_col"
DROP_ADVICE = "drop it (features=TabularPreprocessor(drop=[...])) if it holds the verdict"


def table_models() -> list[str]:
    """Registered detectors that take table rows.

    Examples
    --------
    >>> "autoencoder" in table_models(), "deeplog" in table_models()
    (True, False)
    """
    return [name for name, e in registry.entries().items() if e.input == "tabular"]


def check_models(names: Sequence[str]) -> list[str]:
    """Registry names of ``names`` (``Benchmark``'s ``models``), refusing unknown and non-table
    models.

    Examples
    --------
    >>> check_models(["AutoEncoder", "deep_svdd"])
    ['autoencoder', 'deep-svdd']
    >>> check_models(["lstm-ae"])
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: models: lstm-ae is a time-series model; benchmark compares ...
    """
    entries, tables = registry.entries(), table_models()
    out = []
    for raw in names:
        key = raw.strip().lower().replace("_", "-")
        if key in BASELINES:
            raise InputError(f"models: {raw} is a baseline; give it with baselines=",
                             param=("models", "baselines"))
        if key not in entries:
            raise InputError(f"models: unknown model {raw!r}; table models: {', '.join(tables)}",
                             param="models")
        if entries[key].input != "tabular":
            kind = {"timeseries": "time-series", "events": "log"}.get(entries[key].input, entries[key].input)
            raise InputError(f"models: {key} is a {kind} model; benchmark compares "
                             f"table models: {', '.join(tables)}", param="models")
        if key not in out:
            out.append(key)
    return out


def check_baselines(names: Sequence[str]) -> list[str]:
    """Known baseline names (``Benchmark``'s ``baselines``); a PyOD one needs PyOD installed.

    Examples
    --------
    >>> check_baselines(["iforest"])
    ['iforest']
    """
    out = []
    for raw in names:
        key = raw.strip().lower().replace("_", "-")
        if key not in BASELINES:
            raise InputError(f"baselines: unknown baseline {raw!r}; known: {', '.join(BASELINES)}",
                             param="baselines")
        module = BASELINES[key][0]
        try:
            importlib.import_module(module)
        except ImportError:
            raise InputError(f"baselines: {key} needs PyOD, which is not installed (pip install "
                             "pyod, or the hourglass 'bench' extra)", param="baselines") from None
        if key not in out:
            out.append(key)
    return out


def _is_anomaly(df: pd.DataFrame, label_col: str, normal: Sequence[str], where: str,
                ) -> tuple[np.ndarray, np.ndarray]:
    """(label strings, 0/1 anomaly) of ``df``; the label column must exist."""
    if label_col not in df.columns:
        cols = list(map(str, df.columns))
        raise InputError(f"{where}: no label column {label_col!r} (label_col); "
                         + (nested_note([label_col], cols)  # labels, read as labels.verdict ...
                            or near_names([label_col], cols)  # LABEL, or another spelling
                            or f"columns are {listed_columns(cols[:8])}{' ...' if len(cols) > 8 else ''}"),
                         param="label_col")
    labels = label_strings(df[label_col])
    # --normal false: a boolean's False; --normal 0.0: a column of numbers' 0
    match = column_normal(normal, df[label_col])
    return labels, (~np.isin(labels, match)).astype(np.int8)


def _warn_other_spellings(labels: np.ndarray, is_anom: np.ndarray, normal: Sequence[str],
                          label_col: str, where: str) -> None:
    """Warn when label values counted as anomalies are a ``normal`` value spelt otherwise
    (``Normal`` beside ``normal``, ``0.0`` beside ``0``), as ``train`` and ``evaluate`` do."""
    from hourglass.ingest.formats import other_spellings

    # counted by hashing, not sorting (np.unique): a large file's labels count fast
    n = {str(v): int(c) for v, c in pd.Series(labels[is_anom == 1], dtype=object)
         .value_counts(sort=False, dropna=False).items()}
    spelt = other_spellings(list(n), list(normal))
    if spelt:
        logger.warning("%s: %s %s: %s, a normal value (%s) spelt otherwise, and counted as anomalous; "
                       "%s", where, label_col, "values" if len(spelt) > 1 else "value",
                       ", ".join(f"{shown_apart(v, normal)} ({counted(n[v], 'row')})" for v in spelt),
                       ", ".join(map(repr, normal)), NORMAL_TOO_ADVICE)


def _drop_unlabelled(df: pd.DataFrame, label_col: str, normal: Sequence[str], where: str) -> pd.DataFrame:
    """``df`` without its rows that have no label, said in one warning naming the first one's
    row, as ``hourglass benchmark`` names its line (a row of the table given, from 1)."""
    labels = label_strings(df[label_col])
    empty = labels == ""
    if "" in normal or not empty.any():
        return df
    if empty.all():  # then 'no anomalous rows (all label in [...])', as if every row were normal
        raise InputError(f"{where}: label column {label_col!r} is empty in every row ({len(df):,} rows)")
    logger.warning("%s: %d row(s) have no value in label column %r (first: %s); left out", where,
                   int(empty.sum()), label_col, ReadStats.place_in(None, int(np.flatnonzero(empty)[0])))
    return df.loc[~empty].reset_index(drop=True)


def split_labelled(df: pd.DataFrame, label_col: str, normal: str | Sequence[str], *,
                   test_fraction: float = TEST_FRACTION, seed: int = 0, where: str = "DATA",
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded split of ``df`` into (train, test), stratified by normal/anomaly.

    Examples
    --------
    >>> df = pd.DataFrame({"x": range(100), "y": ["ok"] * 90 + ["bad"] * 10})
    >>> tr, te = split_labelled(df, "y", ["ok"], test_fraction=0.3)
    >>> len(tr), len(te), int((te["y"] == "bad").sum())
    (70, 30, 3)
    """
    from sklearn.model_selection import train_test_split

    if not 0 < test_fraction < 1:
        raise InputError(f"test_fraction: must be in (0, 1), got {test_fraction}", param="test_fraction")
    normal = normal_names(normal)  # one label as a str: that label ('' in 'ok' held for any str)
    labels, is_anom = _is_anomaly(df, label_col, normal, where)
    # rows without a label (left out later, by Benchmark) are a stratum of their own (one alone
    # goes with the normal rows): counted as anomalies, they spread the true anomalies unevenly
    # (1 to 5 of 10 in the test part, by seed)
    blank = (labels == "") & ("" not in normal)
    if blank.size and blank.all():  # not split first, to be told of a part
        raise InputError(f"{where}: label column {label_col!r} is empty in every row ({len(df):,} rows)")
    groups = np.where(blank, 2 if blank.sum() >= 2 else 0, is_anom)
    strat = groups if np.bincount(groups, minlength=3)[:2].min() >= 2 else None
    try:
        try:
            train_idx, test_idx = train_test_split(np.arange(len(df)), test_size=test_fraction,
                                                   random_state=sklearn_seed(seed), stratify=strat)
        except ValueError:  # too few test rows for three strata: normal/anomaly as before
            if strat is None or not blank.sum() >= 2:
                raise
            strat = np.asarray(is_anom, dtype=np.int64)
            strat = strat if np.bincount(strat, minlength=2).min() >= 2 else None
            train_idx, test_idx = train_test_split(np.arange(len(df)), test_size=test_fraction,
                                                   random_state=sklearn_seed(seed), stratify=strat)
    except ValueError as exc:
        raise InputError(f"{where}: cannot split {len(df)} rows at test_fraction="
                         f"{test_fraction}: {exc}", param="test_fraction") from None
    return (df.iloc[np.sort(train_idx)].reset_index(drop=True),
            df.iloc[np.sort(test_idx)].reset_index(drop=True))


class Benchmark:
    """Every requested model (and baseline) trained per seed on the same normal training rows,
    scored on the same test rows.

    All checks run here, before any training: the label column in both parts, normal rows in
    the training part, both classes in the test part (ROC-AUC needs them), the same columns in
    both, known table models, a threshold rule that needs no labels.

    Parameters
    ----------
    train, test
        Labelled tables; only the normal rows of ``train`` are trained on; ``test``'s labels are
        used only for the metrics.
    label_col
        The label column of both tables.
    normal
        The label value(s) of normal rows (one given alone, ``"normal"``, is that value); every
        other value is an anomaly.
    models, baselines, seeds
        The table detectors and baselines to run, each once per seed (the defaults: the
        detectors and baseline of ``hourglass benchmark``, but one seed, 0, where its
        ``--seeds 3`` runs seeds 0, 1 and 2).
    features
        Unfitted preprocessing (fitted per run on the training normal rows).
    threshold
        A rule fitted on held-out normal training scores (default: each model's own, percentile 99);
        a :class:`~hourglass.thresholds.Fixed` one is given, not fitted.
    params
        Detector keyword arguments given to every model that takes them (e.g. ``epochs``).
    max_train
        At most this many normal training rows, a uniform sample drawn per seed.
    categories
        Label value → attack category (NSL-KDD's ``neptune`` → ``DoS``): each run then has a
        ``per_category`` detection rate; ``None``: none.
    train_name, test_name
        How the messages name the two tables (their file names on the command line).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300), "y": "n"})
    >>> df.loc[:29, ["a", "b"]] += 6; df.loc[:29, "y"] = "attack"
    >>> tr, te = split_labelled(df, "y", ["n"])
    >>> bench = Benchmark(tr, te, label_col="y", normal=["n"], models=(), seeds=(0,))
    >>> rows = summarize(list(bench.runs()))
    >>> rows[0]["model"], rows[0]["roc_auc"]["mean"] > 0.9
    ('iforest', True)
    """

    def __init__(self, train: pd.DataFrame, test: pd.DataFrame, *, label_col: str,
                 normal: str | Sequence[str], models: Sequence[str] = DEFAULT_MODELS,
                 baselines: Sequence[str] = ("iforest",), seeds: Sequence[int] = (0,),
                 threshold: Threshold | None = None, features: TabularPreprocessor | None = None,
                 params: Mapping[str, Any] | None = None, max_train: int | None = None,
                 categories: Mapping[str, str] | None = None, train_name: str = "train",
                 test_name: str = "test") -> None:
        if not normal:
            raise InputError("normal: give the label value(s) of normal rows", param="normal")
        normal = normal_names(normal)  # one label as a str: that label, not its letters
        self.models, self.baselines = check_models(models), check_baselines(baselines)
        if not self.models and not self.baselines:
            raise InputError("models/baselines: nothing to compare", param=("models", "baselines"))
        if not seeds:
            raise InputError("seeds: need at least one seed", param="seeds")
        if max_train is not None and max_train < 2:
            raise InputError(f"max_train: must be >= 2, got {max_train}", param="max_train")
        if threshold is not None and threshold.requires_labels:
            raise InputError(f"threshold: {threshold.describe()}: benchmark fits every threshold on "
                             "held-out normal training rows only, never on labelled rows (use "
                             "percentile, contamination, pot or budget:N/10k)", param="threshold")
        if per_day(threshold) and getattr(threshold, "events_per_day", None) is None:
            raise InputError("threshold: a per-day alert budget needs the event rate, which "
                             "benchmark does not take; use budget:N/10k", param="threshold")
        for where, df in ((train_name, train), (test_name, test)):
            _is_anomaly(df, label_col, normal, where)  # the label column is there
        train = _drop_unlabelled(train, label_col, normal, train_name)
        test = _drop_unlabelled(test, label_col, normal, test_name)
        labels, is_anom = _is_anomaly(train, label_col, normal, train_name)
        if not (is_anom == 0).any():
            seen = sorted(set(labels.tolist()))
            raise InputError(f"{train_name}: no normal rows ({label_col} in {list(normal)}) to train "
                             f"on; {labels_seen(seen, normal)}")
        _warn_other_spellings(labels, is_anom, normal, label_col, train_name)
        self.test_labels_, self.y_test_ = _is_anomaly(test, label_col, normal, test_name)
        _warn_other_spellings(self.test_labels_, self.y_test_, normal, label_col, test_name)
        if not self.y_test_.any():
            raise InputError(f"{test_name}: no anomalous rows (all {label_col} in {list(normal)}): "
                             "ROC-AUC, PR-AUC and recall are undefined without them")
        if self.y_test_.all():
            raise InputError(f"{test_name}: no normal rows ({label_col} in {list(normal)}): "
                             "ROC-AUC and the false-positive rate are undefined without them")
        train_cols = [c for c in train.columns if c != label_col]
        test_cols = [c for c in test.columns if c != label_col]
        self.X_train_ = train.loc[is_anom == 0, train_cols].reset_index(drop=True)
        self.features = features if features is not None else TabularPreprocessor()
        # a column the preprocessing drops whatever the rows (drop=, a 'drop' role given) is not
        # read: the test file may lack it, as a file scored with a model trained that way may
        # (one dropped by the data, near-unique text, may be read in a --max-train sample)
        never = _never_read(self.features)
        missing = [c for c in train_cols if c not in test_cols and str(c) not in never]
        extra = [c for c in test_cols if c not in train_cols]
        if missing or extra:
            what = (f"lacks column(s) {', '.join(map(repr, missing[:5]))}" if missing else
                    f"has column(s) not in {train_name}: {', '.join(map(repr, extra[:5]))}")
            raise InputError(f"{test_name}: {what}; the test file needs the training file's columns")
        self.X_test_ = test[[c for c in train_cols if c in test_cols]]
        told = [c for c in label_like(train_cols, label_col) if c not in never]
        if told:  # attack_cat beside label: the test labels in other words, scored as a feature
            logger.warning("%s: column %r looks like a label too (%s %s), and every model takes "
                           "it as a feature: it learns the normal rows' value of it and flags every "
                           "other, so the test labels are told to it and the figures flatter it; %s",
                           train_name, told[0], LABEL_BESIDE, label_col, DROP_ADVICE)
        # the test labels' classes: --normal false names a column of booleans' False
        self.label_col = label_col
        self.normal = column_normal(normal, test[label_col])
        self.seeds, self.threshold = [int(s) for s in seeds], threshold
        self.params, self.max_train = dict(params or {}), max_train
        self.categories = dict(categories or {})
        for name in self.models:
            unused = sorted(set(self.params) - set(registry.get(name)().get_params()))
            if unused:
                logger.warning("%s takes no %s: its own setting stands", name, ", ".join(unused))
        self._check_test_values(test_name)
        self.n_train_rows_, self.n_train_anomalies_ = len(train), int(is_anom.sum())
        self.train_name, self.test_name = train_name, test_name
        #: models whose rule was fitted on their training scores in some run (too few normal
        #: training rows to hold any out), named by :meth:`notes`
        self.fitted_on_training_: list[str] = []

    def _check_test_values(self, test_name: str) -> None:
        """Refuse test rows the preprocessing cannot read (text in a numeric column), naming the
        test part, before any model is trained (the first run's scoring found them, unnamed)."""
        features = type(self.features)(**self.features.get_params()).fit(self.X_train_)
        try:
            features.transform(self.X_test_)
        except InputError as exc:
            raise InputError(f"{test_name}: {exc}") from None

    def plan(self) -> list[tuple[str, str, int]]:
        """(name, kind, seed) of every run, in the order :meth:`runs` makes them.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300), "y": "n"})
        >>> df.loc[:29, ["a", "b"]] += 6; df.loc[:29, "y"] = "attack"
        >>> bench = Benchmark(*split_labelled(df, "y", ["n"]), label_col="y", normal=["n"], models=(),
        ...                   seeds=(0, 1))
        >>> bench.plan()
        [('iforest', 'baseline', 0), ('iforest', 'baseline', 1)]
        """
        names = [(m, "hourglass") for m in self.models] + [(b, "baseline") for b in self.baselines]
        return [(name, kind, seed) for name, kind in names for seed in self.seeds]

    def _train_rows(self, seed: int) -> pd.DataFrame:
        X = self.X_train_
        if self.max_train is None or len(X) <= self.max_train:
            return X
        keep = np.sort(np.random.default_rng(seed).choice(len(X), self.max_train, replace=False))
        return X.iloc[keep].reset_index(drop=True)

    def runs(self, on_start: Callable[[str, str, int], None] | None = None) -> Iterator[dict[str, Any]]:
        """One result per (model, seed): metrics at the model's threshold, fit seconds, scoring
        rows per second. ``on_start(name, kind, seed)`` is called before each run (progress).

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300), "y": "n"})
        >>> df.loc[:29, ["a", "b"]] += 6; df.loc[:29, "y"] = "attack"
        >>> bench = Benchmark(*split_labelled(df, "y", ["n"]), label_col="y", normal=["n"], models=(),
        ...                   seeds=(0, 1))
        >>> started = []
        >>> runs = list(bench.runs(on_start=lambda name, kind, seed: started.append((name, seed))))
        >>> started, [(run["model"], run["seed"], run["roc_auc"] > 0.9) for run in runs]
        ([('iforest', 0), ('iforest', 1)], [('iforest', 0, True), ('iforest', 1, True)])
        """
        for name, kind, seed in self.plan():
            if on_start is not None:
                on_start(name, kind, seed)
            X = self._train_rows(seed)
            fit = self._fit_ours if kind == "hourglass" else self._fit_baseline
            scorer, rule, fit_seconds = fit(name, X, seed)
            start = time.perf_counter()
            scores = np.asarray(scorer(self.X_test_), dtype=np.float64)
            score_seconds = time.perf_counter() - start
            flags = rule.predict(scores)
            if (getattr(rule, "fitted_on_", None) == TRAINING and not isinstance(rule, Fixed)
                    and name not in self.fitted_on_training_):
                self.fitted_on_training_.append(name)
            m = binary_metrics(self.y_test_, scores, flags)  # (precision None: nothing flagged)
            run: dict[str, Any] = {
                "model": name, "kind": kind, "seed": seed, "threshold": rule.describe(),
                "threshold_value": rule.value_, "n_train": len(X),
                "fit_seconds": fit_seconds, "score_seconds": score_seconds,
                "rows_per_second": len(scores) / score_seconds if score_seconds > 0 else None,
                **{k: m[k] for k in ("roc_auc", "pr_auc", "f1", "precision", "recall", "fpr",
                                     "tp", "fp", "tn", "fn")}}
            if self.categories:
                run["per_category"] = {
                    c: v["rate"] for c, v in per_class_detection(
                        self.test_labels_, flags, self.categories, normal=tuple(self.normal)).items()
                    if c not in self.normal}
            yield run

    def _fit_ours(self, name: str, X: pd.DataFrame, seed: int,
                  ) -> tuple[Callable[[pd.DataFrame], np.ndarray], Threshold, float]:
        cls = registry.get(name)
        accepted = cls().get_params()
        params = {k: v for k, v in {**self.params, "verbose": 0, "random_state": seed}.items()
                  if k in accepted}
        pipe = Pipeline(detector=cls(**params), features=self.features, threshold=self.threshold)
        start = time.perf_counter()
        told = _LABELS_TOLD.set(True)  # (named above, once for every model: not again by each fit)
        try:
            pipe.fit(X)
        finally:
            _LABELS_TOLD.reset(told)
        return pipe.score, pipe.detector_.threshold_, time.perf_counter() - start

    def _fit_baseline(self, name: str, X: pd.DataFrame, seed: int,
                      ) -> tuple[Callable[[pd.DataFrame], np.ndarray], Threshold, float]:
        module, cls_name, method, sign = BASELINES[name]
        cls = getattr(importlib.import_module(module), cls_name)
        model = cls(random_state=sklearn_seed(seed)) if cls_name in _SEEDED else cls()
        start = time.perf_counter()
        features = type(self.features)(**self.features.get_params())
        Xt = features.fit_transform(X)
        order = np.random.default_rng(seed).permutation(len(Xt))
        n_hold = int(round(BASELINE_HOLD_OUT * len(Xt))) if len(Xt) >= 10 else 0
        hold, fit_rows = order[:n_hold], order[n_hold:]
        model.fit(Xt[fit_rows])
        base = self.threshold if self.threshold is not None else Percentile(99.0)
        rule = type(base)(**base.get_params())
        if n_hold:
            rule.fit(sign * getattr(model, method)(Xt[hold]), on=HELD_OUT)
        else:
            rule.fit(sign * getattr(model, method)(Xt), on=TRAINING)
        seconds = time.perf_counter() - start

        def score(df: pd.DataFrame) -> np.ndarray:
            return sign * getattr(model, method)(features.transform(df))

        return score, rule, seconds

    def notes(self) -> list[str]:
        """What the figures rest on, printed under the table.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300), "y": "n"})
        >>> df.loc[:29, ["a", "b"]] += 6; df.loc[:29, "y"] = "attack"
        >>> bench = Benchmark(*split_labelled(df, "y", ["n"]), label_col="y", normal=["n"], models=(),
        ...                   seeds=(0, 1))
        >>> bench.notes()[0]
        'trained on the 189 normal rows of train; 21 anomalous training rows never used'
        """
        return [
            f"trained on the {len(self.X_train_):,} normal rows of {self.train_name}"
            + (f" (at most {self.max_train:,} per seed, a uniform sample)" if self.max_train
               and len(self.X_train_) > self.max_train else "")
            + f"; {self.n_train_anomalies_:,} anomalous training rows never used",
            (f"thresholds: {self.threshold.describe()} for every model (given, nothing fitted)"
             if isinstance(self.threshold, Fixed) else
             "thresholds: each model's rule fitted on its held-out normal training rows (deep "
             f"models: their validation_fraction; baselines: a seeded {BASELINE_HOLD_OUT:.0%} "
             "of the normal training rows, fitted on the rest), never on test rows")
            + (f"; except {', '.join(self.fitted_on_training_)}: too few normal training rows to "
               "hold any out, so fitted on the scores of the rows trained on (they run low: expect "
               "more false alarms than the rule's rate)" if self.fitted_on_training_ else ""),
            f"test labels of {self.test_name}: {len(self.y_test_):,} rows, "
            f"{int(self.y_test_.sum()):,} anomalous; used only to compute the metrics",
            "same preprocessing for every model (fitted on its training rows per run; fit s and "
            "rows/s include it, rows/s on the test rows in one call); "
            + (f"mean ± std (ddof=1) over seeds {', '.join(map(str, self.seeds))}"
               if len(self.seeds) > 1 else f"one seed ({self.seeds[0]}): no spread shown"),
        ]


def summarize(runs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per model: mean and std over its seeds of each of :data:`METRICS` (``None``
    when no seed has it), its kind, threshold rule and seeds, in the order the runs came. A
    figure some seeds lack (the precision of a run that flagged nothing) is over the seeds that
    have it, their count in ``n``.

    Examples
    --------
    >>> rows = summarize([{"model": "m", "kind": "baseline", "seed": s, "threshold": "t",
    ...                    **{k: float(s) for k in METRICS}} for s in (1, 3)])
    >>> rows[0]["f1"]
    {'mean': 2.0, 'std': 1.4142135623730951}
    >>> rows = summarize([{"model": "m", "kind": "baseline", "seed": s, "threshold": "t",
    ...                    **{k: float(s) for k in METRICS}, "precision": p}
    ...                   for s, p in ((1, None), (3, 0.5))])
    >>> rows[0]["precision"]
    {'mean': 0.5, 'std': 0.0, 'n': 1}
    """
    by: dict[str, list[Mapping[str, Any]]] = {}
    for r in runs:
        by.setdefault(str(r["model"]), []).append(r)
    rows = []
    for name, rs in by.items():
        row: dict[str, Any] = {"model": name, "kind": rs[0]["kind"], "seeds": [r["seed"] for r in rs],
                               "threshold": rs[0]["threshold"]}
        for key in METRICS:
            vals = [r[key] for r in rs if r.get(key) is not None]
            row[key] = None if not vals else {
                "mean": float(np.mean(vals)), "std": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0}
            if vals and len(vals) < len(rs):  # how many seeds the mean is over
                row[key]["n"] = len(vals)
        cats = sorted({c for r in rs for c in r.get("per_category", {})})
        if cats:
            row["per_category"] = {c: float(np.mean([r["per_category"].get(c, 0.0) for r in rs]))
                                   for c in cats}
        rows.append(row)
    return rows


def _never_read(features: Any) -> set[str]:
    """The columns ``features`` drops whatever the rows: its ``drop`` and those given the
    ``drop`` role."""
    params = features.get_params() if hasattr(features, "get_params") else {}
    drop = params.get("drop") or ()
    roles = params.get("roles") or {}
    return {str(c) for c in drop} | {str(c) for c, r in roles.items() if r == "drop"}
