"""Federated training of a table model across sites (FedAvg), in Flower's shapes.

Each site keeps its rows; only statistics, weights and threshold summaries (and held-out scores,
unless ``held_out="summaries"``) travel. A run is a sequence of rounds that a
:class:`FederatedServer` drives and every :class:`Site` answers:

1. ``schema``: each site's first-pass preprocessing statistics (categories with counts, per
   numeric column min/max, moments, a quantile sketch; :mod:`hourglass.features.statistics`);
   the server merges them.
2. ``scales``: from the merged schema each site builds the same partial preprocessor and sends
   the statistics of its numeric block; the server merges them into THE fitted preprocessor.
3. ``inputs``: each site encodes its rows with it and sends the feature statistics of its
   training share (mean, variance, range, a median sketch): the autoencoder's input
   standardisation and the baseline row of gradient explanations.
4. ``train`` × ``rounds``: FedAvg. Each site continues the global weights for ``local_epochs``
   epochs on its training share with the one training loop
   (:meth:`~hourglass.detectors.base.BaseDetector.warm_start`, batch norm trained as in a fresh
   fit) and returns its weights, batch-norm buffers included, and its row count; the server
   averages them weighted by rows. A site whose local epochs do not beat the global weights on
   its held-out rows returns those (the warm start keeps the better weights), from the second
   round (the first round's are the freshly seeded network, which a plain fit never keeps);
   when no site improves, the global model stays as it was, and so do the later rounds (logged
   once).
5. ``scores``: each site scores its held-out normal rows (never trained on) with the final
   global model and fits its own threshold and calibration on them, there; it sends back those
   fitted objects (a threshold value; the calibration's quantile knots and tail) and its row
   count. The shared threshold and calibration are fitted on the union of the sites' held-out
   scores (``held_out="scores"``, the default: the scores leave the site) or on a pseudo-union
   rebuilt from the quantile knots the sites' calibrations hold (``held_out="summaries"``: no
   score leaves a site beyond what its calibration stores; an approximation, see
   :class:`FederatedServer`).

The result is an ordinary :class:`~hourglass.pipeline.Pipeline`: ``save`` it and
``hourglass score`` uses it unchanged.

Messages are what Flower carries: a :class:`Site` has the methods of Flower's ``NumPyClient``
(``get_parameters``, ``fit``, ``evaluate``: lists of NumPy arrays and a config dict of scalars),
and :class:`FederatedServer` gives each round's parameters and config and aggregates the
replies (a strategy's ``configure_fit``/``aggregate_fit``). :func:`run_federated` drives them in
one process; ``flower_client``/``flower_strategy`` wrap them for Flower (see the README).
Nothing here imports Flower at module level.

Only the autoencoder family (tabular, deep, warm-startable detectors without data-dependent
initial state: ``autoencoder``, ``sparse-autoencoder``, ``vae``): other detectors are refused.
With ``score_norm="feature"`` the per-feature error scales are each site's (fitted on its
held-out rows after its local epochs) and averaged with the weights: an approximation.
Each round a site trains with the same seed, so its batches come in the same order every round.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from hourglass.detectors import AutoEncoder
>>> rng = np.random.default_rng(0)
>>> sites = [pd.DataFrame({"bytes": rng.exponential(100, 300), "proto": ["tcp"] * 300})
...          for _ in range(2)]
>>> pipe = run_federated(sites, AutoEncoder(hidden=(8, 4), verbose=0), rounds=3, local_epochs=20)
>>> pipe.info["federated"]["sites"], pipe.predict(pd.DataFrame({"bytes": [100.0], "proto": ["udp"]})).tolist()
(2, [1])
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import numbers
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hourglass._logs import held_records, quiet_warnings
from hourglass.detectors.base import BaseDetector, DeepDetector
from hourglass.distributed.summaries import pseudo_union, share_above, site_summary
from hourglass.errors import HourglassError, InputError, read_problem
from hourglass.features.statistics import (
    SKETCH_POINTS,
    merge_scales,
    merge_schema,
    mixture_quantiles,
    scaled_preprocessor,
    schema_preprocessor,
    shared_schema,
    site_scales,
    site_schema,
)
from hourglass.features.tabular import TabularPreprocessor
from hourglass.nn.rng import forked_rng
from hourglass.nn.training import check_proximal_mu
from hourglass.pipeline import Pipeline
from hourglass.thresholds import DSPOT, HELD_OUT, Percentile, Threshold, threshold_from_dict
from hourglass.thresholds.calibration import Calibrator

__all__ = ["FederatedServer", "Site", "check_federated_detector", "decode", "encode", "fedavg",
           "run_federated"]

logger = logging.getLogger(__name__)

PHASES = ("schema", "scales", "inputs", "train", "scores")
HELD_OUT_MODES = ("scores", "summaries")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def encode(obj: Any) -> np.ndarray:
    """A JSON-able object as a uint8 array (how statistics ride in Flower's parameter lists).

    Examples
    --------
    >>> arr = encode({"rows": 3})
    >>> arr.dtype, decode(arr)
    (dtype('uint8'), {'rows': 3})
    """
    return np.frombuffer(json.dumps(obj).encode("utf-8"), dtype=np.uint8).copy()


def decode(arr: np.ndarray) -> Any:
    """The inverse of :func:`encode` (``InputError`` for what no :func:`encode` gave).

    Examples
    --------
    >>> decode(encode([1, "a"]))
    [1, 'a']
    >>> decode(np.array([255], dtype=np.uint8))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: a federated message is not hourglass' encoded JSON (UnicodeDecodeError: ...
    """
    try:
        return json.loads(np.asarray(arr, dtype=np.uint8).tobytes().decode("utf-8"))
    except (TypeError, ValueError, OverflowError) as e:
        raise InputError(f"a federated message is not hourglass' encoded JSON ({type(e).__name__}: "
                         f"{str(e)[:80]}); does every site run the same hourglass version?") from None


def check_federated_detector(detector: BaseDetector) -> None:
    """Refuse (``InputError``) a detector that federated training does not support: it must be a
    tabular torch detector that can continue from given weights (tag ``warm_start``) and whose
    fresh network needs no data (no ``_init_module`` of its own), i.e. the autoencoder family.

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder, DeepSVDD
    >>> check_federated_detector(AutoEncoder())     # fine: nothing raised
    >>> try:
    ...     check_federated_detector(DeepSVDD())
    ... except InputError as e:
    ...     print(e)   # doctest: +NORMALIZE_WHITESPACE
    DeepSVDD: its network is initialised from training rows, which the federated server does not
    see; use autoencoder, sparse-autoencoder or vae
    """
    if not isinstance(detector, BaseDetector):
        what = detector.__name__ if isinstance(detector, type) else type(detector).__name__
        raise InputError(f"{what}: federated training takes an hourglass detector instance, e.g. "
                         "AutoEncoder() (autoencoder, sparse-autoencoder, vae)", param="detector")
    tags = detector.get_tags()
    name = type(detector).__name__
    if not (tags["input"] == "tabular" and tags["deep"] and tags["warm_start"]):
        raise InputError(f"{name}: federated training supports table models that continue from "
                         "given weights (autoencoder, sparse-autoencoder, vae); train this one on "
                         "pooled rows", param="detector")
    if type(detector)._init_module is not DeepDetector._init_module:
        raise InputError(f"{name}: its network is initialised from training rows, which the "
                         "federated server does not see; use autoencoder, sparse-autoencoder or vae",
                         param="detector")


def _check_features(features: object) -> None:
    """Refuse (``InputError``) preprocessing that is not a :class:`TabularPreprocessor` instance
    (the class itself, a time-series preprocessor, a dict of its settings)."""
    if features is not None and not isinstance(features, TabularPreprocessor):
        what = features.__name__ if isinstance(features, type) else type(features).__name__
        raise InputError(f"features: {what}; federated training takes a TabularPreprocessor instance "
                         "(unfitted), e.g. TabularPreprocessor(scaler='standard'), or None for its defaults",
                         param="features")


def _spec(detector: BaseDetector, features: TabularPreprocessor) -> str:
    from hourglass.detectors import registry
    from hourglass.pipeline.artefact import _encode

    params = {k: v for k, v in detector.get_params(deep=False).items()
              if k not in ("threshold", "verbose", "device")}
    return json.dumps({"detector": registry.name_of(type(detector)), "params": _encode(params),
                       "features": _encode(features.get_params())}, sort_keys=True)


def _plain_spec(text: str) -> Any:
    """A :func:`_spec` as plain JSON values, a tuple as a list (``hidden=(8, 4)`` and ``[8, 4]``
    build the same network; a setting read from a JSON or TOML file is a list); ``None`` when
    it is no JSON. Compared as values, 50 and 50.0 are one setting."""
    def plain(v: Any) -> Any:
        if isinstance(v, dict):
            if set(v) == {"__tuple__"}:
                return plain(v["__tuple__"])
            return {k: plain(x) for k, x in v.items()}
        return [plain(x) for x in v] if isinstance(v, list) else v

    try:
        return plain(json.loads(text))
    except (TypeError, ValueError):
        return None


def _spec_diff(site: str, server: str) -> str:
    """The settings in which a site's :func:`_spec` differs from the server's, named."""
    try:
        a, b = json.loads(site), json.loads(server)
    except (TypeError, ValueError):
        return f"site {site}, server {server}"
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return f"site {site}, server {server}"
    def shown(v: Any) -> str:
        return repr(tuple(v["__tuple__"])) if isinstance(v, dict) and set(v) == {"__tuple__"} else repr(v)

    out = [f"detector: site {a.get('detector')!r}, server {b.get('detector')!r}"] if (
        a.get("detector") != b.get("detector")) else []
    for part in ("params", "features"):
        pa, pb = a.get(part) or {}, b.get(part) or {}
        for k in sorted(set(pa) | set(pb)):
            if _plain_spec(json.dumps(pa.get(k))) != _plain_spec(json.dumps(pb.get(k))):
                out.append(f"{k}: site {shown(pa.get(k))}, server {shown(pb.get(k))}")
    return "; ".join(out) or f"site {site}, server {server}"


def _module_keys(detector: BaseDetector, n_features: int) -> list[str]:
    with forked_rng(devices=[]):  # built for its names: the caller's torch RNG untouched
        return list(detector._build_module(n_features).state_dict())


@contextlib.contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """The warnings of the loggers ``names`` (and their children) left out of the log: those of
    a threshold that is fitted only to be thrown away (a placeholder's, a site's local epochs'),
    which would speak of scores no threshold of the run is fitted on."""
    with held_records(*names):  # (this thread's: another thread's run logs as ever)
        yield


def _placeholder_state(n_features: int) -> dict[str, Any]:
    """The bookkeeping a fitted detector holds besides its weights, for a detector rebuilt from
    global weights only (its own threshold is never used: the server fits the real one)."""
    s = np.zeros(2)
    with _quiet("hourglass.thresholds"):  # "percentile 99 of 2 held-out scores": of none of the run's
        return {"n_features_in": n_features, "threshold": Percentile(99.0).fit(s).to_dict(),
                "calibration": Calibrator().fit(s).to_dict()}


def _detector_from(template: BaseDetector, n_features: int, arrays: Sequence[np.ndarray],
                   keys: Sequence[str]) -> BaseDetector:
    """A fitted copy of ``template`` holding the global parameters ``arrays`` (input offset,
    input scale, then the network's state in ``keys`` order)."""
    if len(arrays) != len(keys) + 2:
        raise InputError(f"expected {len(keys) + 2} weight arrays, got {len(arrays)}")
    named = {f"module.{k}": np.asarray(a) for k, a in zip(keys, arrays[2:], strict=True)}
    if np.size(arrays[1]):
        named["input_offset"], named["input_scale"] = (np.asarray(arrays[0], np.float32),
                                                       np.asarray(arrays[1], np.float32))
    det = template.clone()
    det.set_state(_placeholder_state(n_features),
                  {"val_scores": np.zeros(2), "val_index": np.zeros(0, np.int64), **named})
    return det


def fedavg(replies: Sequence[tuple[Sequence[np.ndarray], int]]) -> list[np.ndarray]:
    """Row-weighted average of the sites' arrays (integer buffers, e.g. batch-norm counters,
    rounded back to integers).

    Examples
    --------
    >>> [a.tolist() for a in fedavg([([np.array([0.0, 4.0])], 1), ([np.array([4.0, 8.0])], 3)])]
    [[3.0, 7.0]]
    """
    total = sum(int(n) for _, n in replies)
    if total <= 0:
        raise InputError("no training rows at any site")
    out = []
    for parts in zip(*(arrays for arrays, _ in replies), strict=True):
        acc = sum(np.asarray(a, dtype=np.float64) * (int(n) / total)
                  for a, (_, n) in zip(parts, replies, strict=True))
        kind = np.asarray(parts[0]).dtype
        out.append(np.rint(acc).astype(kind) if np.issubdtype(kind, np.integer)
                   else np.asarray(acc, dtype=kind))
    return out


def _site_path(base: Path, name: str) -> Path:
    """Where :meth:`FederatedServer.save` puts site ``name``'s own model beside ``base``."""
    return base.with_name(f"{base.name}-site-{name}")


def _earlier_model(path: Path) -> bool:
    """Whether ``path`` is a folder (no link) that holds a model and nothing else: what saving
    there would replace, and what :meth:`FederatedServer.save` removes where a site of the run
    has no model (anything else there is left alone)."""
    from hourglass.pipeline.artefact import check_replaceable, is_artefact

    if path.is_symlink() or not path.is_dir() or not is_artefact(path):
        return False
    try:
        check_replaceable(path)
    except InputError:
        return False
    return True


def _check_targets(base: Path, targets: Sequence[Path]) -> None:
    """Refuse (``InputError``) model directories ``targets`` (beside ``base``) that a save would
    refuse: one holding more than an earlier model's files, or a folder that is missing or takes
    no new file (the models are written there and renamed into place)."""
    import tempfile

    from hourglass.pipeline.artefact import check_replaceable

    for target in targets:
        check_replaceable(target)
    if not base.parent.is_dir():
        raise InputError(f"{base.parent}: output folder does not exist"
                         + (" (a file of that name does)" if base.parent.exists() else ""))
    try:
        with tempfile.TemporaryDirectory(dir=base.parent, prefix=".hourglass-"):
            pass
    except OSError as exc:
        raise InputError(f"{base}: cannot write in {base.parent} ({read_problem(exc)})") from None


class Site:
    """One site of a federated run: its rows stay here; it answers the server's rounds.

    Its methods are those of Flower's ``NumPyClient`` (``fit(parameters, config)`` returns
    ``(parameters, num_examples, metrics)``), so it plugs into Flower as it is (see
    ``flower_client``) or is driven in one process by :func:`run_federated`.

    Parameters
    ----------
    data
        The site's normal rows.
    detector
        The model, unfitted, with the same parameters at every site (the server checks).
        ``validation_fraction`` and ``random_state`` fix this site's held-out rows: never
        trained on, they watch the local epochs and, at the end, give the scores the threshold
        is fitted on.
    features
        The preprocessing, unfitted (default: :class:`TabularPreprocessor` with its defaults).
    name
        The site's name, sent to the server in round 1 (letters, digits, ``_.-``; default: its
        position among the replies, from 1): it names the site's own model
        (:meth:`FederatedServer.pipeline`, :meth:`FederatedServer.save`).

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder
    >>> rng = np.random.default_rng(0)
    >>> site = Site(pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)}),
    ...             AutoEncoder(hidden=(4, 2), verbose=0), name="east")
    >>> parameters, config = FederatedServer(AutoEncoder(hidden=(4, 2), verbose=0)).configure(1)
    >>> config["phase"]
    'schema'
    >>> weights, n_rows, metrics = site.fit(parameters, config)   # Flower's NumPyClient.fit
    >>> n_rows
    100
    """

    def __init__(self, data: pd.DataFrame, detector: BaseDetector,
                 features: TabularPreprocessor | None = None, name: str | None = None) -> None:
        self.data = data
        self.detector = detector
        self.features = features
        self.name = name

    # -- NumPyClient ------------------------------------------------------------------------
    def get_parameters(self, config: Mapping[str, Any]) -> list[np.ndarray]:
        """No site-side initial weights: the server starts the model.

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> Site(pd.DataFrame({"a": [1.0, 2.0]}), AutoEncoder()).get_parameters({})
        []
        """
        return []

    def fit(self, parameters: list[np.ndarray], config: Mapping[str, Any]
            ) -> tuple[list[np.ndarray], int, dict[str, Any]]:
        """Answer the round ``config["phase"]`` (one of ``schema``, ``scales``, ``inputs``,
        ``train``, ``scores``).

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> rng = np.random.default_rng(0)
        >>> sites = [Site(pd.DataFrame({"a": rng.normal(size=100)}), AutoEncoder(hidden=(4, 2), verbose=0))
        ...          for _ in range(2)]
        >>> server = FederatedServer(AutoEncoder(hidden=(4, 2), verbose=0), rounds=1)
        >>> for r in range(1, 4):             # schema, scales, inputs: each site answers, the server merges
        ...     parameters, config = server.configure(r)
        ...     replies = [site.fit(parameters, config) for site in sites]
        ...     server.aggregate(r, replies)
        >>> config["phase"], [n_rows for _, n_rows, _ in replies]   # 10% of each site's rows held out
        ('inputs', [90, 90])
        """
        with self._named():
            return self._answer(parameters, config)

    @contextlib.contextmanager
    def _named(self) -> Iterator[None]:
        """An error of hourglass' (an ``InputError``, a diverged training) as ``site <name>: ...``
        when the site has a name (the message the server, or Flower, shows)."""
        if self.name is None:
            yield
            return
        try:
            yield
        except HourglassError as e:
            if str(e).startswith(f"site {self.name}: "):
                raise
            raise _at_site(e, self.name) from None

    def _answer(self, parameters: list[np.ndarray], config: Mapping[str, Any]
                ) -> tuple[list[np.ndarray], int, dict[str, Any]]:
        phase = config.get("phase")
        if phase in ("scales", "inputs") and len(parameters) != 1:
            raise InputError(f"{phase} round: the server sent {len(parameters)} arrays, not its one "
                             "message; does the server run the same hourglass version?")
        if phase in ("train", "scores"):
            self._check_inputs_taken(f"{phase} round")
        if phase == "schema":
            check_federated_detector(self.detector)
            _check_features(self.features)
            spec = _spec(self.detector, self._features())
            sent = config.get("spec")
            if sent is not None and sent != spec and _plain_spec(str(sent)) != _plain_spec(spec):
                raise InputError("this site's model or preprocessing settings differ from the "
                                 f"server's ({_spec_diff(spec, str(config.get('spec')))}); every "
                                 "site must use the server's detector and preprocessing settings")
            self._check_rows()  # after the settings: its validation_fraction is then the server's
            named = [] if self.name is None else [encode(str(self.name))]
            return [encode(site_schema(self._features().get_params(), self.data)), *named], len(self.data), {}
        if phase == "scales":
            with _unreadable("scales round", "the server's merged schema cannot be read"):
                pre = schema_preprocessor(self._features().get_params(), decode(parameters[0]))
            return [encode(site_scales(pre, self.data))], len(self.data), {}
        if phase == "inputs":
            return self._inputs(decode(parameters[0]))
        if phase == "train":
            epochs, mu = config.get("local_epochs"), config.get("proximal_mu", 0.0)
            if (isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1
                    or isinstance(mu, bool) or not isinstance(mu, numbers.Real)
                    or not (np.isfinite(float(mu)) and float(mu) >= 0)):
                raise InputError(f"train round: local_epochs {epochs!r} and proximal_mu {mu!r} from the "
                                 "server; expected a whole number >= 1 and a finite number >= 0 (does "
                                 "the server run the same hourglass version?)")
            fresh = config.get("fresh", False)  # (an older server sends none: kept, as it was)
            if not isinstance(fresh, bool | np.bool_):
                raise InputError(f"train round: fresh {fresh!r} from the server; expected true or false "
                                 "(does the server run the same hourglass version?)")
            return self._train(parameters, int(epochs), float(mu), fresh=bool(fresh))
        if phase == "scores":
            scores = self._held_out_scores(parameters)
            if "threshold" not in config:
                raise InputError("the scores round came without the threshold rule: the server runs "
                                 "an older hourglass than this site; use the same version everywhere")
            with _unreadable("scores round", "the server's threshold rule cannot be read"):
                rule = threshold_from_dict(json.loads(str(config["threshold"])))
            mode = str(config.get("held_out", "scores"))
            if mode not in HELD_OUT_MODES:
                raise InputError(f"held_out={mode!r}: expected one of {', '.join(HELD_OUT_MODES)}")
            kept = scores if mode == "scores" else np.zeros(0, np.float64)
            return [encode(site_summary(scores, rule)), kept], len(scores), {}
        raise InputError(f"unknown federated phase {phase!r}; expected one of {', '.join(PHASES)}")

    def evaluate(self, parameters: list[np.ndarray], config: Mapping[str, Any]
                 ) -> tuple[float, int, dict[str, Any]]:
        """Mean score of this site's held-out normal rows under ``parameters`` (lower: the
        global model fits this site's normal traffic better).

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> rng = np.random.default_rng(0)
        >>> frames = [pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)}) for _ in range(2)]
        >>> sites = [Site(df, AutoEncoder(hidden=(4, 2), verbose=0), name=name)
        ...          for df, name in zip(frames, ["east", "west"])]
        >>> server = FederatedServer(AutoEncoder(hidden=(4, 2), verbose=0), rounds=1).run(sites)
        >>> loss, n_held_out, metrics = sites[0].evaluate(server.weights_, {})
        >>> loss > 0, n_held_out, metrics
        (True, 10, {})
        """
        with self._named():
            self._check_inputs_taken("evaluate")
            scores = self._held_out_scores(parameters)
        return float(scores.mean()) if len(scores) else 0.0, len(scores), {}

    def _check_inputs_taken(self, what: str) -> None:
        """Refuse a request that needs this site's encoded rows before the inputs round."""
        if not hasattr(self, "X_"):
            raise InputError(f"{what}: this site has not taken the shared preprocessing (the inputs "
                             "round) of this run; a site restarted mid-run resumes with "
                             "Site.load_inputs, else every site starts the run again")

    def _held_out_scores(self, parameters: Sequence[np.ndarray]) -> np.ndarray:
        """Scores of this site's held-out rows under ``parameters`` (none under 10 rows: a site
        that small holds none out, and sends no threshold of its own)."""
        if not len(self.val_idx_):
            return np.zeros(0, np.float64)
        return self._global(parameters).score(self.X_[self.val_idx_]).astype(np.float64)

    def _check_rows(self) -> None:
        """Refuse rows that are not a DataFrame, or too few to train on after the held-out share."""
        data = self.data
        if not isinstance(data, pd.DataFrame):
            raise InputError(f"its rows are of type {type(data).__name__}; a site's rows must be a pandas "
                             "DataFrame with the columns every site has")
        if len(data) == 0:
            raise InputError("no rows; every site needs rows of its normal traffic (leave an empty "
                             "site out of the run)")
        det = self.detector
        frac = float(getattr(det, "validation_fraction", 0.1))
        n_train = len(det._split(len(data), frac, np.random.default_rng(0))[0])
        if n_train < 2:
            raise InputError(f"{len(data)} row(s), {n_train} to train on after the held-out share "
                             "(validation_fraction); a site needs at least 2 (leave it out of the "
                             "run or pool its rows with another site's)")

    # -- phases -----------------------------------------------------------------------------
    def _features(self) -> TabularPreprocessor:
        return self.features if self.features is not None else TabularPreprocessor()

    def load_inputs(self, state: dict[str, Any]) -> None:
        """Take the shared preprocessing ``state`` (``TabularPreprocessor.to_dict()``, sent in
        the ``inputs`` round): transform the rows and split off the seeded held-out rows. A site
        rebuilt between rounds (Flower's ``ClientApp``) calls it to resume; an error (rows that no
        longer fit the preprocessing) is the site's, ``site <name>: ...``, as in its rounds.

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> rng = np.random.default_rng(0)
        >>> frames = [pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)}) for _ in range(2)]
        >>> sites = [Site(df, AutoEncoder(hidden=(4, 2), verbose=0), name=name)
        ...          for df, name in zip(frames, ["east", "west"])]
        >>> server = FederatedServer(AutoEncoder(hidden=(4, 2), verbose=0), rounds=1).run(sites)
        >>> again = Site(frames[0], AutoEncoder(hidden=(4, 2), verbose=0), name="east")
        >>> again.load_inputs(sites[0].features_.to_dict())     # a site rebuilt between rounds
        >>> again.X_.shape, bool(np.array_equal(again.X_, sites[0].X_))
        ((100, 2), True)
        """
        with self._named():  # (a site rebuilt by Flower resumes here, before any round's fit)
            self.features_ = TabularPreprocessor.from_dict(state)
            self.X_ = self.features_.transform(self.data)
            det = self.detector
            frac = float(getattr(det, "validation_fraction", 0.1))
            self.train_idx_, self.val_idx_ = det._split(len(self.X_), frac,
                                                        np.random.default_rng(det._seed()))

    def _inputs(self, state: dict[str, Any]) -> tuple[list[np.ndarray], int, dict[str, Any]]:
        self.load_inputs(state)
        X = self.X_[self.train_idx_].astype(np.float64)
        stats = {"rows": len(X), "mean": X.mean(axis=0).tolist(),
                 "m2": ((X - X.mean(axis=0)) ** 2).sum(axis=0).tolist(),
                 "min": X.min(axis=0).tolist(), "max": X.max(axis=0).tolist(),
                 "sketch": [np.quantile(X[:, j], np.linspace(0, 1, SKETCH_POINTS)).tolist()
                            for j in range(X.shape[1])]}
        return [encode(stats)], len(X), {}

    def _global(self, parameters: Sequence[np.ndarray]) -> BaseDetector:
        d = self.X_.shape[1]
        return _detector_from(self.detector, d, parameters, _module_keys(self.detector, d))

    def _train(self, parameters: list[np.ndarray], epochs: int, proximal_mu: float = 0.0, *,
               fresh: bool = False) -> tuple[list[np.ndarray], int, dict[str, Any]]:
        """The local epochs from the global weights ``parameters``: the best epoch on the held-out
        rows, or (not ``fresh``) the global weights when no epoch beats them. ``fresh``: they are
        the freshly seeded network of the first round, never trained, which competes no more
        than in a plain fit: kept when a site's first epochs scored worse on its held-out rows
        (batch-norm statistics still near their start), it was sent back by every such site,
        and every later round repeated the first: the run ended with the untrained network."""
        det = self._global(parameters)
        # the threshold a warm start fits is thrown away (only the weights go back; the rule is
        # fitted in the scores round): the default one, not the run's rule, which may need more
        # scores than a small site holds out (one under 2 sends no threshold and takes part)
        det.set_params(threshold=None)
        # the split inside warm_start is seeded as in _inputs: the same held-out rows every round
        # quietly: that threshold's notes ("percentile 99 of 10 held-out scores", "no held-out
        # rows, so the threshold is fitted on training scores") are of none the run fits
        with _quiet("hourglass.thresholds", "hourglass.detectors.base"):
            # det.warm_start(X, epochs=..., update_batch_norm=True, proximal_mu=...), its start
            # weights judged as epoch 0 unless fresh
            new = det._warm_copy(True, {"epochs": epochs}, proximal_mu)
            new._warm_keep_initial = not fresh  # read (and dropped) by DeepDetector._train
            new = new._fit_rows(self.X_, None, warm=True)
        _, arrays = new.get_state()
        keys = _module_keys(self.detector, self.X_.shape[1])
        out = [np.asarray(parameters[0]), np.asarray(parameters[1])] + [arrays[f"module.{k}"] for k in keys]
        # the held-out loss of the weights sent back: the global ones' where no epoch beat them
        # (the epochs' own losses, val_loss, are then of weights thrown away)
        best = new.history_.best_val_loss
        metrics = {"held_out_loss": float("nan") if best is None else float(best)}
        return out, len(self.train_idx_), metrics


class FederatedServer:
    """The server side of a federated run: what each round sends and how replies merge.

    ``configure(round)`` gives the round's ``(parameters, config)`` for every site and
    ``aggregate(round, replies)`` takes their ``(parameters, num_examples, metrics)`` (Flower's
    ``configure_fit``/``aggregate_fit``). Rounds: 1 ``schema``, 2 ``scales``, 3 ``inputs``,
    then ``rounds`` of ``train``, then ``scores``: :attr:`n_rounds` in all. :meth:`pipeline`
    gives the fitted result.

    Parameters
    ----------
    detector
        The model (unfitted; the sites' must have the same parameters). Its ``threshold``
        (default ``Percentile(99)``) is the rule every site fits on its own held-out scores and
        the shared threshold is fitted with (see ``held_out``).
    features
        The preprocessing (unfitted).
    rounds
        FedAvg rounds.
    local_epochs
        Epochs each site trains per round (early stopping on its held-out rows still applies):
        ``rounds * local_epochs`` in all. The detector's own ``epochs`` is not used (the sites
        must still agree on it, as on every setting).
    proximal_mu
        FedProx (Li et al. 2020): each site's local loss gets ``proximal_mu / 2 *
        ||w - w_global||^2``, pulling its weights toward the round's global ones (sent to the
        sites in the round's config). 0 (default): plain FedAvg.
    weighting
        How the sites' weights average: ``"rows"`` (default, FedAvg: by training rows) or
        ``"sites"`` (equally). With ``local_epochs`` a site takes steps in proportion to its
        rows, so weighting by rows too counts its rows twice: the averaged model follows the
        largest site far more than a pooled fit would (the objective inconsistency of Wang et
        al. 2020, FedNova); equal weights make each site's pull proportional to its rows, as in
        a pooled fit. Batch-norm buffers (statistics, not steps) are always averaged by rows.
    held_out
        What of its held-out normal scores a site sends in the last round. Either way each site
        fits its own threshold and calibration there (the rule of ``detector.threshold``) and
        sends them fitted: a threshold value, the calibration's quantile knots (257 at most) and
        GPD tail, its count and median; :meth:`pipeline` ``(site=k)`` uses them as they came.
        ``"scores"`` (default): the scores too, and the shared threshold and calibration are
        fitted on their union (exact: the pooled fit's). ``"summaries"``: no score; the shared
        ones are fitted on a pseudo-union of as many values, the quantiles of the count-weighted
        mixture of the sites' knots (:func:`~hourglass.features.statistics.mixture_quantiles`):
        near the union's, not equal (linear between knots; measured in
        ``benchmarks/results/federated.md``); the share of each site above the shared threshold
        is then that of its own pseudo-scores (:func:`~hourglass.distributed.summaries.share_above`,
        rebuilt from its calibration's knots). The models then keep no held-out score
        (``val_scores_`` is empty: ``set_threshold`` needs ``scores=``). A ``DSPOT`` rule is
        refused with it (its moving mean follows the scores' order, which no summary keeps).

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder
    >>> rng = np.random.default_rng(0)
    >>> frames = [pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)}) for _ in range(2)]
    >>> sites = [Site(df, AutoEncoder(hidden=(4, 2), verbose=0), name=name)
    ...          for df, name in zip(frames, ["east", "west"])]
    >>> server = FederatedServer(AutoEncoder(hidden=(4, 2), verbose=0), rounds=1)
    >>> [server.phase(r) for r in range(1, server.n_rounds + 1)]
    ['schema', 'scales', 'inputs', 'train', 'scores']
    >>> pipe = server.run(sites).pipeline()          # every round in this process
    >>> pipe.info["federated"]["site_names"], pipe.info["federated"]["rows"]
    (['east', 'west'], [100, 100])
    >>> server.pipeline(site="east").score(frames[0].head(3)).shape   # east's own threshold
    (3,)
    """

    weights_: list[np.ndarray]  # the global parameters (set in the inputs round)

    def __init__(self, detector: BaseDetector, features: TabularPreprocessor | None = None, *,
                 rounds: int = 10, local_epochs: int = 1, proximal_mu: float = 0.0,
                 weighting: str = "rows", held_out: str = "scores") -> None:
        check_federated_detector(detector)
        _check_features(features)
        detector.validate_params()  # a bad setting now, not after the statistics rounds
        if features is not None:  # and the preprocessing's (each site said it as its own: "site 1: ...")
            features._check_params()
        for name, value in (("rounds", rounds), ("local_epochs", local_epochs)):
            if (isinstance(value, bool) or not isinstance(value, numbers.Real)
                    or not float(value).is_integer() or value < 1):
                raise InputError(f"{name} must be a whole number >= 1, got {value!r}", param=name)
        mu = check_proximal_mu(proximal_mu)  # (a bad one is said now, not in the first train round)
        if weighting not in ("rows", "sites"):
            raise InputError(f"weighting must be 'rows' or 'sites', got {weighting!r}", param="weighting")
        if held_out not in HELD_OUT_MODES:
            raise InputError(f"held_out must be 'scores' or 'summaries', got {held_out!r}", param="held_out")
        self.held_out = held_out
        self.proximal_mu = mu
        self.weighting = weighting
        self.detector = detector
        self.features = features if features is not None else TabularPreprocessor()
        self.rounds = int(rounds)
        self.local_epochs = int(local_epochs)
        self.params_ = self.features.get_params()
        self._check_rule()
        self.history_: list[dict[str, Any]] = []
        self._still = False  # a train round has left the global model as it was (logged once)
        self._run_sites = False  # round 1 of the current run merged (the sites' names known)
        self._start = time.perf_counter()

    @property
    def n_rounds(self) -> int:
        """All rounds of a run (statistics, FedAvg, scores)."""
        return self.rounds + 4

    def phase(self, server_round: int) -> str:
        """The phase of round ``server_round`` (from 1).

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> server = FederatedServer(AutoEncoder(), rounds=2)
        >>> server.phase(1), server.phase(4), server.phase(6)
        ('schema', 'train', 'scores')
        """
        r = int(server_round)
        if not 1 <= r <= self.n_rounds:
            raise InputError(f"round {r} is past the last of this run ({self.n_rounds})")
        return {1: "schema", 2: "scales", 3: "inputs", self.n_rounds: "scores"}.get(r, "train")

    def configure(self, server_round: int) -> tuple[list[np.ndarray], dict[str, Any]]:
        """The parameters and config every site gets in round ``server_round``.

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> parameters, config = FederatedServer(AutoEncoder(), rounds=1).configure(1)
        >>> parameters, config["phase"], sorted(config)
        ([], 'schema', ['phase', 'spec'])
        """
        phase = self.phase(server_round)
        config: dict[str, Any] = {"phase": phase}
        if phase == "schema":  # the run starts (not when the server was built: sites may connect late)
            self._start = time.perf_counter()
            self._run_sites = False  # an earlier run's sites are not this one's
            config["spec"] = _spec(self.detector, self.features)
            return [], config
        if phase == "scales":
            return [encode(shared_schema(self.schema_))], config  # pooled: no site's own sketches
        if phase == "inputs":
            return [encode(self.features_.to_dict())], config
        if phase == "train":
            config["local_epochs"] = self.local_epochs
            # the first: the global weights are the freshly seeded network (see Site._train)
            config["fresh"] = server_round == 4
            if self.proximal_mu > 0:
                config["proximal_mu"] = self.proximal_mu
        if phase == "scores":
            config["threshold"] = json.dumps(self._rule().to_dict())
            config["held_out"] = self.held_out
        return list(self.weights_), config

    def _check_rule(self) -> None:
        """Refuse now a threshold rule that no site could fit on its held-out normal scores in
        the last round (one that needs labels, or an event rate it was not given), rather than
        after every training round: fitted here on plenty of made-up scores. With
        ``held_out="summaries"``, DSPOT too: its moving mean follows the order of the scores it
        is fitted on, which the sites' summaries do not keep (the pseudo-union is sorted: its
        last ``depth`` values, the window the mean starts from, were the highest scores)."""
        try:
            self._dry_fit(10_000)
        except InputError as e:
            raise InputError(f"threshold: {e} (each site fits it on its held-out normal scores, "
                             "unlabelled, at the end of the run)") from None
        rule = self._rule()
        if self.held_out == "summaries" and isinstance(rule, DSPOT):
            raise InputError(f"threshold: DSPOT's moving mean (of the last {int(rule.depth)} scores) follows "
                             "the order of the held-out scores, which held_out='summaries' does not "
                             "keep (the shared threshold is fitted on their distribution, rebuilt "
                             "sorted from quantiles); use held_out='scores', or SPOT/POT (no moving mean)")

    def _dry_fit(self, n: int) -> None:
        """Fit the threshold rule on ``n`` made-up scores, quietly: an ``InputError`` when it
        cannot be fitted on ``n`` unlabelled held-out scores (the rules that refuse too few
        scores, ``FalseAlarmBound`` and ``DSPOT``, count them only)."""
        # the made-up fit's notes are not the run's
        with _quiet("hourglass.thresholds"), quiet_warnings():
            self._rule().fit(np.linspace(0.0, 1.0, n), on=HELD_OUT)

    def _check_held_out(self, held: Sequence[int]) -> None:
        """In round 1, refuse held-out counts on which a site's own threshold, or the shared one,
        could not be fitted in the last round (a rule that needs more scores than they give)."""
        for name, h in zip(self.site_names_, held, strict=True):
            if h >= 2:
                try:
                    self._dry_fit(h)
                except InputError as e:
                    raise InputError(f"site {name}: {h} held-out rows, too few for its own threshold "
                                     f"({e}); refused before training") from None
        union = sum(h for h in held if h >= 2) if self.held_out == "summaries" else sum(held)
        try:
            self._dry_fit(union)
        except InputError as e:
            raise InputError(f"{union} held-out rows in all, too few for the shared threshold ({e}); "
                             "refused before training") from None

    def _rule(self) -> Threshold:
        rule = self.detector.threshold if self.detector.threshold is not None else Percentile(99.0)
        if not isinstance(rule, Threshold):  # a class, a string: the detector's own ValueError
            self.detector._threshold_rule()
        return type(rule)(**rule.get_params())

    def aggregate(self, server_round: int,
                  replies: Sequence[tuple[Sequence[np.ndarray], int, Mapping[str, Any]]]) -> None:
        """Merge the sites' replies to round ``server_round``.

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> rng = np.random.default_rng(0)
        >>> frames = [pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)}) for _ in range(2)]
        >>> def sites():
        ...     return [Site(df, AutoEncoder(hidden=(4, 2), verbose=0)) for df in frames]
        >>> server, driven = FederatedServer(AutoEncoder(hidden=(4, 2), verbose=0), rounds=1), sites()
        >>> for r in range(1, server.n_rounds + 1):     # what run() and Flower's strategy do
        ...     parameters, config = server.configure(r)
        ...     server.aggregate(r, [site.fit(parameters, config) for site in driven])
        >>> by_run = FederatedServer(AutoEncoder(hidden=(4, 2), verbose=0), rounds=1).run(sites())
        >>> bool(np.array_equal(server.pipeline().score(frames[0]), by_run.pipeline().score(frames[0])))
        True
        """
        phase = self.phase(server_round)
        if not replies:
            raise InputError(f"round {server_round} ({phase}): no site answered")
        if phase == "schema":  # a run starts: nothing of an earlier one carries over
            self.history_, self._still, self._run_sites = [], False, False
            for stale in ("site_summaries_", "site_scores_", "scores_"):
                self.__dict__.pop(stale, None)
            bad = [n for _, n, _ in replies
                   if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 1]
            if bad:
                raise InputError(f"schema round: a site reports {bad[0]!r} rows; every site needs rows "
                                 "(does every site run the same hourglass version?)")
            self.site_rows_ = [int(n) for _, n, _ in replies]
            self.site_names_ = _site_names([decode(p[1]) if len(p) > 1 else None for p, _, _ in replies])
            parts = self._statistics("schema round", replies, ("rows", "columns"))
            with _unreadable("schema round"):
                self.schema_ = merge_schema(parts, max_categories=int(self.params_["max_categories"]))
                self.missing_ = _with_missing(self.schema_, parts)
                # the preprocessing's decisions from the merged schema, here: a setting that the
                # pooled statistics refuse (log1p of a column with a negative value at any site)
                # was found by each site in the scales round and said as its own ("site east:
                # ..."), whether or not its rows held the value
                self._schema_pre = schema_preprocessor(self.params_, self.schema_)
            held = self._held_out_rows(self.site_rows_)
            if sum(held) < 2:
                rows = ", ".join(map(str, self.site_rows_))
                # (a larger validation_fraction holds out nothing more at sites under 10 rows)
                advice = ("raise validation_fraction or add rows" if max(self.site_rows_) >= 10 else
                          "add rows (validation_fraction holds none out below 10) or pool the sites' rows")
                raise InputError(f"{sum(held)} held-out rows in all (sites of {rows} rows; a site under 10 "
                                 f"rows holds none out): the shared threshold needs at least 2; {advice}")
            if self.held_out == "summaries" and max(held) < 2:
                # a site under 2 held-out rows sends no calibration to rebuild scores from
                raise InputError("held_out='summaries': no site holds out 2 or more rows (held out: "
                                 f"{', '.join(map(str, held))}), and only a site's calibration of 2 or "
                                 "more scores is sent: the shared threshold would have none to be "
                                 "fitted on; raise validation_fraction, add rows or use held_out='scores'")
            self._check_held_out(held)
            self._run_sites = True
        elif phase == "scales":
            parts = self._statistics("scales round", replies, ("rows",))
            with _unreadable("scales round"):
                self.features_ = scaled_preprocessor(self._schema_pre, merge_scales(parts))
        elif phase == "inputs":
            self._start_weights(self._check_inputs(replies))
        elif phase == "train":
            self._check_weights(server_round, replies)
            before: list[np.ndarray] = list(self.weights_)
            self.weights_ = fedavg([(list(p), int(n)) for p, n, _ in replies])
            if self.weighting == "sites":
                # equal weights for the parameters; buffers (batch-norm statistics) stay by rows
                equal = fedavg([(list(p), 1) for p, _, _ in replies])
                buffers = self._buffer_positions()
                self.weights_ = [w if i in buffers else e
                                 for i, (w, e) in enumerate(zip(self.weights_, equal, strict=True))]
            losses = [_number(m.get("held_out_loss")) for _, _, m in replies]
            self.history_.append({"round": int(server_round) - 3, "held_out_loss": losses,
                                  "rows": [int(n) for _, n, _ in replies]})
            logger.info("federated round %d of %d: sites' held-out losses %s", server_round - 3,
                        self.rounds, ", ".join("none" if v is None else f"{v:.4g}" for v in losses))
            unchanged = all(np.array_equal(a, b) for a, b in zip(before, self.weights_, strict=True))
            if unchanged and not self._still:
                self._still = True
                logger.info("federated round %d: the global model did not change (no site's local "
                            "epochs beat it on the site's held-out rows, so each sent it back); the "
                            "rounds after it repeat it (each site trains with the same seed every "
                            "round)", server_round - 3)
        else:
            if any(len(p) != 2 for p, _, _ in replies):
                raise InputError("scores round: every site must send its threshold summary and its "
                                 "scores (none with held_out='summaries'); a site runs another version?")
            self._check_scores(replies)
            self.fit_seconds_ = round(time.perf_counter() - self._start, 3)  # the run's, once
            self.site_summaries_ = [decode(p[0]) for p, _, _ in replies]
            self.site_held_out_ = [int(n) for _, n, _ in replies]
            if self.held_out == "scores":
                self.site_scores_ = [np.asarray(p[1], dtype=np.float64) for p, _, _ in replies]
                self.scores_ = np.concatenate(self.site_scores_)

    def _statistics(self, what: str, replies: Sequence[tuple[Sequence[np.ndarray], int, Mapping[str, Any]]],
                    keys: Sequence[str]) -> list[dict[str, Any]]:
        """The sites' statistics of the schema or scales round, refused unless each is a site's
        statistics (``keys``) of the rows it reported in round 1 and, for the scales, of one
        numeric block: merged as they came, another shape would fail in the merge, or broadcast."""
        names, out = self._answered(what, replies), []
        for k, (p, n, _) in enumerate(replies):
            st = decode(p[0]) if len(p) else None
            if (not isinstance(st, dict) or not set(keys) <= set(st) or st["rows"] != n
                    or n != self.site_rows_[k]):
                raise InputError(f"{what}: site {names[k]} sent no statistics of its {self.site_rows_[k]} "
                                 f"rows ({', '.join(keys)}); does every site run the same hourglass version?")
            out.append(st)
        if what.startswith("scales") and any("mean" in st for st in out):
            try:
                d: tuple[int, ...] = np.shape(out[0].get("mean", ()))
            except ValueError:  # ragged lists
                d = ()
            for k, st in enumerate(out):
                try:
                    shapes = [np.shape(st.get(key, ())) for key in ("mean", "min", "max", "comoment")]
                except ValueError:  # ragged lists
                    shapes = []
                if len(d) != 1 or shapes != [d, d, d, d * 2]:
                    raise InputError(f"{what}: site {names[k]}'s statistics are not of the numeric block "
                                     f"the other sites' are ({d[0] if len(d) == 1 else '?'} columns); "
                                     "does every site run the same hourglass version?")
        return out

    def _answered(self, what: str, replies: Sequence[Any]) -> list[str]:
        """The sites' names, once every site of the run has answered round ``what``."""
        names = self.site_names_
        if len(replies) != len(names):
            raise InputError(f"{what}: {len(replies)} replies from the {len(names)} sites of this "
                             "run; every site must answer")
        return names

    def _check_weights(self, server_round: int,
                       replies: Sequence[tuple[Sequence[np.ndarray], int, Mapping[str, Any]]]) -> None:
        """Refuse a training reply that is not the global model's arrays (as many, of the same
        shapes and kinds, finite, the input offset and scale as sent) or whose row count is not
        the site's training rows (sent in the inputs round): averaged as it came, one site's NaN
        weights, arrays NumPy broadcasts, or an inflated row count would take over the model."""
        want, names = self.weights_, self._answered(f"federated round {server_round - 3}", replies)
        for k, (arrays, n, _) in enumerate(replies):
            who = f"federated round {server_round - 3}: site {names[k]}"
            if len(arrays) != len(want):
                raise InputError(f"{who} sent {len(arrays)} weight arrays, the model has {len(want)}; "
                                 "does every site run the same hourglass version and settings?")
            for i, (a, w) in enumerate(zip(arrays, want, strict=True)):
                a = np.asarray(a)
                if a.shape != w.shape or a.dtype.kind != w.dtype.kind:
                    raise InputError(f"{who}: weight array {i} is {a.dtype} of shape {a.shape}, the "
                                     f"model's is {w.dtype} of shape {w.shape}; refused")
                if a.dtype.kind == "f" and not np.isfinite(a).all():
                    raise InputError(f"{who}: weight array {i} holds NaN or infinite values (its local "
                                     "training diverged?); refused, it would poison the global model")
                if i < 2 and not np.array_equal(a, w):
                    raise InputError(f"{who}: the input {'offset' if i == 0 else 'scale'} differs from "
                                     "the one sent (it is shared, not trained); refused")
            if (isinstance(n, bool) or not isinstance(n, numbers.Integral)
                    or int(n) != self.site_train_rows_[k]):
                raise InputError(f"{who} reports {n!r} training rows, it sent {self.site_train_rows_[k]} "
                                 "in the inputs round; refused (the rows weight its share of the average)")

    def _check_inputs(self, replies: Sequence[tuple[Sequence[np.ndarray], int, Mapping[str, Any]]]
                      ) -> list[dict[str, Any]]:
        """The sites' feature statistics of the inputs round, refused unless each is of its
        training share (its rows of round 1 less its held-out rows) and holds one finite value per
        feature (a sketch of ``SKETCH_POINTS``): they set the global input offset and scale, which
        a NaN would make NaN for good, and the rows weigh each site's share of them."""
        names, d = self._answered("inputs round", replies), len(self.features_.feature_names_)
        train = [n - h for n, h in zip(self.site_rows_, self._held_out_rows(self.site_rows_), strict=True)]
        out = []
        for k, (p, n, _) in enumerate(replies):
            who = f"inputs round: site {names[k]}"
            if not len(p):
                raise InputError(f"{who} sent no statistics; does every site run the same hourglass version?")
            st = decode(p[0])
            keys = ("rows", "mean", "m2", "min", "max", "sketch")
            if not isinstance(st, dict) or not set(keys) <= set(st):
                raise InputError(f"{who}: its statistics are not the feature statistics ({', '.join(keys)})")
            if st["rows"] != n or n != train[k]:
                raise InputError(f"{who} reports {n!r} training rows (statistics: {st['rows']!r}); its "
                                 f"{self.site_rows_[k]} rows of round 1 leave {train[k]}; refused")
            try:
                vecs = [np.asarray(st[key], dtype=np.float64) for key in keys[1:]]
            except (TypeError, ValueError) as e:
                raise InputError(f"{who}: its statistics are not numbers ({e})") from None
            shapes = [(d,)] * 4 + [(d, SKETCH_POINTS)]
            if any(v.shape != sh for v, sh in zip(vecs, shapes, strict=True)):
                raise InputError(f"{who}: its statistics are not of the {d} features of the shared "
                                 "preprocessing (one value per feature, a sketch of "
                                 f"{SKETCH_POINTS} points); refused")
            if not all(np.isfinite(v).all() for v in vecs):
                raise InputError(f"{who}: its feature statistics hold NaN or infinite values; refused "
                                 "(they set the global model's input scaling)")
            out.append(st)
        return out

    def _check_scores(self, replies: Sequence[tuple[Sequence[np.ndarray], int, Mapping[str, Any]]]) -> None:
        """Refuse a scores reply whose summary or scores are not what the site's held-out rows
        give: a count other than its held-out share of the rows it sent in round 1 (the shared
        fit weighs each site by it, and ``held_out="summaries"`` rebuilds as many values), scores
        that are not one finite value per row, a threshold or calibration that cannot be read."""
        names = self._answered("scores round", replies)
        expected = self._held_out_rows(self.site_rows_)
        n_knots = Calibrator().n_knots
        for k, (p, n, _) in enumerate(replies):
            who = f"scores round: site {names[k]}"
            summary = decode(p[0])
            keys = {"rows", "median", "threshold", "calibration"}
            if not isinstance(summary, dict) or not keys <= set(summary):
                raise InputError(f"{who}: its summary is not a held-out summary (rows, median, threshold, "
                                 "calibration); does every site run the same hourglass version?")
            rows = summary["rows"]
            if isinstance(n, bool) or not isinstance(n, numbers.Integral) or rows != n or n != expected[k]:
                raise InputError(f"{who} reports {n!r} held-out rows (summary: {rows!r}); its share "
                                 f"of the {self.site_rows_[k]} rows it sent in round 1 is {expected[k]}; "
                                 "refused")
            if self.held_out == "scores":
                sc = np.asarray(p[1])
                if sc.ndim != 1 or len(sc) != n or sc.dtype.kind not in "fiu" or not np.isfinite(sc).all():
                    raise InputError(f"{who}: its scores are not {n} finite numbers (got {sc.dtype} of "
                                     f"shape {sc.shape}); refused")
            if n < 2:
                if summary["threshold"] is not None or summary["calibration"] is not None:
                    raise InputError(f"{who}: a threshold from {n} held-out rows (needs 2); refused")
                continue
            try:
                cal = Calibrator.from_dict(summary["calibration"])
                value = threshold_from_dict(summary["threshold"]).value_
            except (InputError, TypeError, ValueError, AttributeError) as e:
                raise InputError(f"{who}: its threshold or calibration cannot be read ({e})") from None
            if (cal.n_fit_ != n or cal.n_knots != n_knots or cal.knots_.ndim != 1
                    or not 1 <= len(cal.knots_) <= n_knots or cal.knot_probs_.shape != cal.knots_.shape
                    or not (np.isfinite(cal.knots_).all() and np.isfinite(cal.knot_probs_).all())
                    or not np.isfinite(value)):
                raise InputError(f"{who}: its calibration is not one of {n} held-out scores "
                                 f"({n_knots} finite knots at most) or its threshold is not finite; refused")

    def _held_out_rows(self, rows: Sequence[int]) -> list[int]:
        """How many of each site's ``rows`` it holds out (as :meth:`Site.load_inputs` splits:
        ``DeepDetector._split``, counted without drawing the permutation of ``rows``)."""
        frac = float(getattr(self.detector, "validation_fraction", 0.1))
        return [self.detector._held_out_count(int(n), frac) for n in rows]

    def _buffer_positions(self) -> set[int]:
        """Positions in the weight list of the network's buffers (batch-norm statistics and
        counters), which are not trained by steps; the input offset and scale (0, 1) are the
        same at every site."""
        d = len(self.features_.feature_names_)
        with forked_rng(devices=[]):  # a CPU network: no GPU's generator forked (each initialised)
            module = self.detector._build_module(d)
        names = {n for n, _ in module.named_buffers()}
        return {0, 1} | {2 + i for i, k in enumerate(module.state_dict()) if k in names}

    def _start_weights(self, stats: list[dict[str, Any]]) -> None:
        """The initial global model: a freshly seeded network and, for ``standardize``, the
        input scales of the pooled training shares (merged exactly: counts, sums, squares,
        min, max); the median row of gradient explanations from the merged sketches."""
        n = np.array([s["rows"] for s in stats], dtype=np.float64)
        means = np.array([s["mean"] for s in stats])
        mean = (n[:, None] * means).sum(axis=0) / n.sum()
        m2 = sum(np.asarray(s["m2"]) + s["rows"] * (np.asarray(s["mean"]) - mean) ** 2 for s in stats)
        sd = np.sqrt(m2 / n.sum())
        ptp = np.max([s["max"] for s in stats], axis=0) - np.min([s["min"] for s in stats], axis=0)
        d = len(mean)
        self.baseline_ = np.array([mixture_quantiles([s["sketch"][j] for s in stats], n.tolist(), [0.5])[0]
                                   for j in range(d)], dtype=np.float32)
        self.train_rows_ = int(n.sum())
        self.site_train_rows_ = [int(s["rows"]) for s in stats]
        det = self.detector
        if getattr(det, "standardize", False):
            from hourglass.detectors.autoencoder import STANDARDIZE_FLOOR

            sd = np.maximum(sd, STANDARDIZE_FLOOR * ptp)  # as AutoEncoder's own fit
            offset, scale = mean.astype(np.float32), np.where(sd > 1e-12, sd, 1.0).astype(np.float32)
        else:
            offset = scale = np.zeros(0, np.float32)
        det._check_module_fits(d)  # (Linux would grant a network past the memory, then kill it)
        with forked_rng(det._seed(), devices=[]):  # (built on the CPU, as a plain fit's on it)
            module = det._build_module(d)
        self.weights_ = [offset, scale] + [v.detach().cpu().numpy().copy()
                                           for v in module.state_dict().values()]

    def run(self, sites: Iterable[Site]) -> FederatedServer:
        """Drive every round in this process, each site answering in turn; returns ``self``
        (then :meth:`pipeline`). ``sites``: :class:`Site` objects (DataFrames: :func:`run_federated`).

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> rng = np.random.default_rng(0)
        >>> frames = [pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)}) for _ in range(2)]
        >>> sites = [Site(df, AutoEncoder(hidden=(4, 2), verbose=0), name=name)
        ...          for df, name in zip(frames, ["east", "west"])]
        >>> server = FederatedServer(AutoEncoder(hidden=(4, 2), verbose=0), rounds=1).run(sites)
        >>> [h["round"] for h in server.history_], server.pipeline().info["federated"]["sites"]
        ([1], 2)
        """
        sites = _site_list(sites, "Site objects (the sites' DataFrames: run_federated)",
                           "Site(df, detector)")  # once: an iterator would be used up in round 1
        if not all(isinstance(s, Site) for s in sites):
            bad = next(type(s).__name__ for s in sites if not isinstance(s, Site))
            raise InputError(f"sites: expected a list of Site objects, got a {bad} among them; "
                             "run_federated takes the sites' DataFrames")
        for r in range(1, self.n_rounds + 1):
            parameters, config = self.configure(r)
            replies = []
            for k, s in enumerate(sites, start=1):
                try:
                    replies.append(s.fit(parameters, config))
                except HourglassError as e:
                    if s.name is not None:  # the site named itself
                        raise
                    raise _at_site(e, k) from None
            self.aggregate(r, replies)
        return self

    def pipeline(self, site: int | str | None = None) -> Pipeline:
        """The fitted :class:`~hourglass.pipeline.Pipeline`: the merged preprocessing, the final
        global weights, and the shared threshold and calibration (fitted on the union of the
        sites' held-out normal scores, or on their summaries: ``held_out``).

        ``site=k`` (from 1, in the order of the replies; or the site's ``name``): the same model
        with the threshold and the calibration site ``k`` fitted on its own held-out scores (at
        the site), the model site ``k`` deploys on its own traffic. Unlike sites score on unlike
        scales under one global model (a site whose normal traffic is fitted worse scores
        higher): a shared threshold is then set by that site's tail and flags little elsewhere,
        while each site's own threshold keeps its false-positive rate near the rule's
        (``Percentile(99)``: 1 %) and its calibrated scores
        (:meth:`~hourglass.pipeline.Pipeline.calibrated_score`) comparable with the other sites'.
        Its ``info["federated"]`` holds site ``k``'s figures only (rows, held-out summary, losses
        per round): the others' stay with the server and the shared model.

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> rng = np.random.default_rng(0)
        >>> frames = [pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)}) for _ in range(2)]
        >>> sites = [Site(df, AutoEncoder(hidden=(4, 2), verbose=0), name=name)
        ...          for df, name in zip(frames, ["east", "west"])]
        >>> server = FederatedServer(AutoEncoder(hidden=(4, 2), verbose=0), rounds=1).run(sites)
        >>> shared, west = server.pipeline(), server.pipeline(site="west")
        >>> shared.info["federated"]["threshold"], west.info["federated"]["site_names"]
        ('shared', ['west'])
        >>> shared.score(frames[1].head(3)).shape == west.score(frames[1].head(3)).shape == (3,)
        True
        """
        if not hasattr(self, "site_summaries_"):
            raise InputError("the federated run has not finished (no held-out summaries yet)")
        k = None if site is None else self._site_index(site)
        d = len(self.features_.feature_names_)
        det = _detector_from(self.detector, d, self.weights_, _module_keys(self.detector, d))
        if k is None:
            det.threshold_, det.calibrator_, kept, n, on = self._shared()
        else:
            summary = self.site_summaries_[k]
            if summary["threshold"] is None:
                raise InputError(f"site {self.site_names_[k]}: {summary['rows']} held-out rows; its own "
                                 "threshold needs at least 2 (raise validation_fraction or use the "
                                 "shared threshold)")
            det.threshold_ = threshold_from_dict(summary["threshold"])
            det.calibrator_ = Calibrator.from_dict(summary["calibration"])
            kept = self.site_scores_[k] if self.held_out == "scores" else np.zeros(0, np.float64)
            n = int(summary["rows"])
            on = (f"held-out normal rows of site {self.site_names_[k]} (never trained on), scored by the "
                  "final global model; threshold and calibration fitted at the site")
        det.val_scores_ = kept  # empty with held_out="summaries": the scores stayed at the sites
        # the held-out rows (of every site, in site order; their positions stay at the sites)
        det.val_index_ = np.arange(n, dtype=np.int64)
        if det.get_tags()["gradients"]:
            det.gradient_baseline_ = self.baseline_
        per_site = self._per_site(det.threshold_, warn=k is None)
        pipe = Pipeline(detector=self.detector, features=self.features)
        pipe.features_ = self.features_
        pipe.detector_ = det
        pipe.info = {
            "source": "federated training (rows stay at the sites)",
            "n_train_rows": int(self.schema_["rows"]), "n_features": d,
            # as a pooled fit's: a row sent to 'stream' or the service may leave these out
            "optional_fields": [c for c in self.features_.columns_ if c in self.missing_],
            "fit_seconds": self.fit_seconds_,
            "threshold_fit": {"on": on, "scores": HELD_OUT, "rows": n,
                              "anomalous": 0, "normal": n},
            "federated": {"sites": len(self.site_rows_), "rows": self.site_rows_,
                          "site_names": self.site_names_,
                          "held_out": per_site, "held_out_sent": self.held_out, "rounds": self.rounds,
                          "local_epochs": self.local_epochs,
                          "aggregation": f"FedAvg weighted by {self.weighting}" + (
                              f", FedProx proximal_mu={self.proximal_mu:g}" if self.proximal_mu > 0 else ""),
                          "history": self.history_,
                          "threshold": "shared" if k is None else f"site {self.site_names_[k]}"},
        }
        if k is not None:  # the model handed to site k: of the sites, its own figures only
            pipe.info["federated"].update(
                rows=[self.site_rows_[k]], site_names=[self.site_names_[k]], held_out=[per_site[k]],
                history=[{**h, "held_out_loss": [h["held_out_loss"][k]], "rows": [h["rows"][k]]}
                         for h in self.history_])
        return pipe

    def _site_index(self, site: int | str) -> int:
        """Position (from 0) of ``site``: a number from 1, or a site's name."""
        if isinstance(site, str) and site in self.site_names_:
            return self.site_names_.index(site)
        if (isinstance(site, numbers.Real) and not isinstance(site, bool) and float(site).is_integer()
                and 1 <= int(site) <= len(self.site_summaries_)):
            return int(site) - 1
        raise InputError(f"site {site!r}: this run has sites 1 to {len(self.site_summaries_)} "
                         f"(named {', '.join(self.site_names_)})")

    def _shared(self) -> tuple[Threshold, Calibrator, np.ndarray, int, str]:
        """The shared threshold and calibration, the scores kept with them, their count and
        what they were fitted on."""
        if self.held_out == "scores":
            fit_on = self.scores_
            on = "held-out normal rows of every site (never trained on), scored by the final global model"
            kept = fit_on
        else:
            fit_on = pseudo_union(self.site_summaries_)
            on = ("a pseudo-union of the held-out normal scores of every site (scored by the final "
                  "global model), rebuilt from the quantile knots of the sites' calibrations")
            kept = np.zeros(0, np.float64)
        if len(fit_on) < 2:
            raise InputError(f"{len(fit_on)} held-out rows in all; the shared threshold needs at least 2")
        return (self._rule().fit(fit_on, on=HELD_OUT), Calibrator().fit(fit_on), kept, len(fit_on), on)

    def _per_site(self, threshold: Threshold, *, warn: bool) -> list[dict[str, Any]]:
        """Each site's held-out rows, median score and share above ``threshold`` (from its
        scores, or from its calibration's knots with ``held_out="summaries"``); the share (as
        the median) is ``None`` for a site that held out no row."""
        out: list[dict[str, Any]] = []
        for k, summary in enumerate(self.site_summaries_):
            rows = int(summary["rows"])
            if not rows:  # a share of no rows: none, not 0 (no row of it was below the threshold)
                out.append({"rows": rows, "median": summary["median"], "flagged": None})
                continue
            if self.held_out == "scores":
                flagged = float(threshold.predict(self.site_scores_[k]).mean())
            else:  # the share of its pseudo-scores (as the shared fit rebuilt them) above it
                flagged = share_above(summary, threshold)
            out.append({"rows": rows, "median": summary["median"], "flagged": round(flagged, 6)})
            if warn and flagged > 0.1:
                logger.warning("site %s: %.0f%% of its held-out normal rows are above the shared "
                               "threshold: the global model fits its traffic badly (unlike sites?); "
                               "consider each site's own threshold (pipeline(site=k))",
                               self.site_names_[k], 100 * flagged)
        return out

    def save(self, path: str | Path) -> dict[str, Path]:
        """Save the shared model to ``path`` and each site's own (:meth:`pipeline` ``(site=k)``)
        beside it, to ``<path>-site-<name>`` (``name``: the site's, else its position from 1);
        each an ordinary artefact (``hourglass.load``, ``hourglass score``). A site with under 2
        held-out rows has no model of its own: skipped with a warning, and an earlier run's model
        at its path (a folder holding only a model's files) is removed once this run's are saved,
        so that no model of another run stands among this run's. Every model is written in
        full before any is put in place: a save that fails on one (a full disk, an I/O error)
        leaves the models there before as they were. Returns the paths, by ``"shared"`` and the
        site names.

        Examples
        --------
        >>> import tempfile, numpy as np, pandas as pd
        >>> from hourglass.detectors import AutoEncoder
        >>> det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)
        >>> rng = np.random.default_rng(0)
        >>> server = FederatedServer(det, rounds=1).run(
        ...     [Site(pd.DataFrame({"a": rng.normal(size=50)}), det, name=n) for n in ("east", "west")])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     sorted(p.name for p in server.save(f"{tmp}/model").values())
        ['model', 'model-site-east', 'model-site-west']
        """
        from hourglass.pipeline.artefact import _put_in_place, _remove, _written

        base = Path(os.path.abspath(path))  # "." and "dir/.." get a real name, as Pipeline.save's
        pipes = {"shared": (base, self.pipeline())}
        stale = []  # an earlier run's model of a site that has none in this run
        for k, name in enumerate(self.site_names_):
            if self.site_summaries_[k]["threshold"] is None:
                logger.warning("site %s: %d held-out rows, no model of its own saved (needs 2)",
                               name, self.site_summaries_[k]["rows"])
                if _earlier_model(_site_path(base, name)):
                    stale.append(_site_path(base, name))
                continue
            pipes[name] = (_site_path(base, name), self.pipeline(site=k + 1))
        # every target checked before any is written: a refused one would leave the others of
        # this run beside models of an earlier run
        _check_targets(base, [target for target, _ in pipes.values()])
        with contextlib.ExitStack() as stack:
            # every model written (and synced) before any is put in place: a disk that fills up,
            # or fails, on the last leaves the earlier run's models as they were, not this run's
            # shared model beside that run's site models
            ready = [stack.enter_context(_written(pipe, target)) for target, pipe in pipes.values()]
            for tmp, target in ready:
                _put_in_place(tmp, target)
        for old in stale:
            _remove(old)
            logger.warning("%s: removed, a model of an earlier run (site %s has none in this run)",
                           old, old.name[len(base.name) + len("-site-"):])
        return {key: target for key, (target, _) in pipes.items()}

    def check_save(self, path: str | Path, *, sites: bool = True) -> None:
        """Refuse (``InputError``) now what :meth:`save` would refuse at the end of the run: a
        folder that does not exist or takes no new file, or a target that holds something other
        than an earlier model. The shared model's path; once round 1 of the current run is
        merged, each site's too (``<path>-site-<name>``, for the sites that hold out the 2 rows
        a model of their own needs), unless ``sites=False``. A run over Flower (:func:`~hourglass.distributed.
        flower.flower_server_app` with ``save``) checks both, so a save it could not make stops
        the run before its training, not after it.

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> rng = np.random.default_rng(0)
        >>> frames = [pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)}) for _ in range(2)]
        >>> sites = [Site(df, AutoEncoder(hidden=(4, 2), verbose=0), name=name)
        ...          for df, name in zip(frames, ["east", "west"])]
        >>> server = FederatedServer(AutoEncoder(hidden=(4, 2), verbose=0), rounds=1).run(sites)
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     server.check_save(Path(tmp, "model"))           # a new folder: fine
        ...     try:
        ...         server.check_save(Path(tmp, "nowhere", "model"))
        ...     except InputError as e:
        ...         print(str(e).replace(tmp, "<tmp>"))
        <tmp>/nowhere: output folder does not exist
        """
        base = Path(os.path.abspath(path))
        targets = [base]
        if sites and getattr(self, "_run_sites", False):  # round 1 of this run merged: sites known
            held = self._held_out_rows(self.site_rows_)
            targets += [_site_path(base, name) for name, h in zip(self.site_names_, held, strict=True)
                        if h >= 2]
        _check_targets(base, targets)


@contextlib.contextmanager
def _unreadable(what: str, problem: str = "the sites' statistics cannot be merged") -> Iterator[None]:
    """A merge of the sites' statistics that fails on their content (not an ``InputError`` of
    its own, e.g. columns that differ), or a server message a site cannot read (``problem``
    says which), as one ``InputError``."""
    try:
        yield
    except InputError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        text = str(e)  # long: its start and its end, where a type name often is ("not list")
        text = text if len(text) <= 80 else f"{text[:40]} ... {text[-36:]}"
        raise InputError(f"{what}: {problem} ({type(e).__name__}: {text}); does every site "
                         "run the same hourglass version?") from None


def _at_site(error: HourglassError, site: object) -> HourglassError:
    """``error`` as site ``site``'s, ``site <name>: ...``: the same error, of its own type (an
    ``InputError`` subclass, such as an ``ArtefactError``, stays one, its ``param`` kept; a
    ``TrainingDiverged`` of a site's local epochs, "lower the learning rate or scale the
    inputs": whose?), its message prefixed."""
    error.args = (f"site {site}: {error}",)
    return error


def _number(value: Any) -> float | None:
    """A site's metric as a float; ``None`` for what is no finite number (a site that holds no
    row out has no held-out loss): the record is saved in ``config.json``, whose JSON has no NaN
    (a bare ``NaN`` there is no JSON to any reader but Python's)."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _with_missing(merged: Mapping[str, Any], parts: Sequence[Mapping[str, Any]]) -> set[str]:
    """The columns with a missing value in some row of some site, as a pooled fit finds them
    (:attr:`~hourglass.pipeline.Pipeline.optional_fields`), from the statistics of round 1: a
    missing count (a numeric column's ``-`` and empty text counted there, a category's
    ``<missing>``), an absent port or address, or a text column with fewer values than rows."""
    out = {c for c, m in merged["columns"].items() if m.get("missing") or m.get("absent")}
    for p in parts:
        out |= {c for c, e in p["columns"].items()
                if e.get("missing") or e.get("absent") or ("present" in e and e["present"] < int(p["rows"]))}
    return out


def _site_names(sent: Sequence[Any]) -> list[str]:
    """The sites' names (a site that sent none: its position from 1); unique, safe in a path, and
    not ``shared`` (the shared model's key in :meth:`FederatedServer.save`'s paths)."""
    names = [str(k) if n is None else str(n) for k, n in enumerate(sent, start=1)]
    bad = [n for n in names if not _NAME.fullmatch(n)]
    if bad:
        raise InputError(f"site name {bad[0]!r}: use 1 to 64 letters, digits, '_', '.' or '-' "
                         "(it names the site's model directory)")
    if len(set(names)) != len(names):
        raise InputError(f"site names repeat: {', '.join(names)}; every site needs its own")
    if "shared" in names:  # FederatedServer.save's paths name the shared model "shared"
        raise InputError("site name 'shared': it names the shared model among the saved models' "
                         "paths; give the site another name")
    return names


def _site_list(sites: Any, what: str, one: str) -> list[Any]:
    """``sites`` as a list (any iterable of sites: a list, ``dict.values()``, a Series); a
    DataFrame, a Site, a mapping or a string, which iterate as something else (a DataFrame as
    its column names: "site 1: its rows are of type str"), an array or Series of numbers (one
    site's rows, not sites: each row would be a site), or no iterable: ``InputError``."""
    if isinstance(sites, np.ndarray | pd.Series) and (sites.ndim != 1 or sites.dtype != object):
        raise InputError(f"sites: expected a list of {what}, one per site, got a "
                         f"{type(sites).__name__} of {sites.dtype}; [{one}] for a run of one site")
    if not isinstance(sites, pd.DataFrame | Site | Mapping | str | bytes):
        try:
            return list(sites)
        except TypeError:
            pass
    raise InputError(f"sites: expected a list of {what}, one per site, got a "
                     f"{type(sites).__name__}; [{one}] for a run of one site")


def run_federated(sites: Iterable[pd.DataFrame | Site], detector: BaseDetector,
                  features: TabularPreprocessor | None = None, *, rounds: int = 10,
                  local_epochs: int = 1, proximal_mu: float = 0.0, weighting: str = "rows",
                  held_out: str = "scores") -> Pipeline:
    """Federated training in one process: every round, each site answers the server in turn.

    The same messages as over Flower (lists of arrays and scalar configs), so a model trained
    here and one trained over the network from the same sites, whose replies the server takes in
    the same order, are the same model (FedAvg's float sums depend on the order). Each site
    holds out ``detector.validation_fraction`` of its rows (seeded by ``random_state``) for its
    early stopping and the threshold. ``proximal_mu > 0``: FedProx's local loss;
    ``weighting="sites"``: sites averaged equally; ``held_out="summaries"``: no held-out score
    leaves a site (see :class:`FederatedServer`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass.detectors import AutoEncoder
    >>> rng = np.random.default_rng(1)
    >>> sites = [pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)}) for _ in range(3)]
    >>> pipe = run_federated(sites, AutoEncoder(hidden=(4, 2), verbose=0), rounds=2)
    >>> pipe.info["federated"]["rows"], len(pipe.detector_.val_scores_)
    ([200, 200, 200], 60)
    """
    given = _site_list(sites, "the sites' DataFrames (or Site objects)", "df")
    if len(given) < 1:
        raise InputError("federated training needs at least one site")
    server = FederatedServer(detector, features, rounds=rounds, local_epochs=local_epochs,
                             proximal_mu=proximal_mu, weighting=weighting, held_out=held_out)
    clients = [s if isinstance(s, Site) else Site(s, detector, features) for s in given]
    return server.run(clients).pipeline()
