"""The detector contract every hourglass model follows (DESIGN.md, Contracts).

* ``__init__`` stores keyword arguments unchanged; ``fit`` validates and computes.
* ``fit(X, y=None)`` carves a held-out slice of the (normal) training rows, trains on the rest,
  and fits the threshold on the held-out scores; it returns ``self``.
* ``score(X)`` (alias ``decision_function``): float array, higher = more anomalous.
* ``predict(X)``: 0/1 from the fitted threshold.
* Fitted state ends in ``_``. Capabilities are tags (:meth:`BaseDetector.get_tags`).

Subclasses fill the hooks ``_fit`` and ``_score`` (and ``_get_state``/``_set_state`` when they
hold more than a torch module).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import inspect
import logging
import math
import numbers
import os
import sys
import warnings
from collections.abc import Callable, Collection
from typing import Any, ClassVar, Self, cast

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.base import clone as sk_clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from hourglass._arrays import from_torch
from hourglass._columns import counted
from hourglass._memory import available_memory, memory_text
from hourglass._params import check_numeric_params, check_value, saved_kinds, share_count
from hourglass.errors import ArtefactError, HourglassWarning, InputError, NotFittedError, out_of_memory
from hourglass.features.validation import check_array, check_labels, is_arrow_table
from hourglass.nn import (
    TrainConfig,
    TrainHistory,
    check_device,
    deterministic_cudnn,
    predict_batches,
    proximal_term,
    resolve_device,
    train_module,
)
from hourglass.nn.meta import module_on_meta
from hourglass.nn.rng import forked_rng
from hourglass.nn.training import check_proximal_mu
from hourglass.thresholds import HELD_OUT, TRAINING, Calibrator, Percentile, Threshold, threshold_from_dict

__all__ = ["WARM_START_PARAMS", "BaseDetector", "DeepDetector", "DetectorNotFittedError", "frame_names",
           "held_out_scores_said", "labels_refused", "overflow_as_inf", "sklearn_seed", "warm_start_models"]

logger = logging.getLogger(__name__)


def sklearn_seed(seed: int) -> int:
    """A seed in [0, 2**64) (numpy's and torch's) for scikit-learn, whose seeds are below 2**32:
    the same number there, a larger one reduced into that range (hashed, so 2**32 does not
    repeat seed 0).

    Examples
    --------
    >>> sklearn_seed(7), sklearn_seed(2**32) < 2**32, sklearn_seed(2**32) != 0
    (7, True, True)
    """
    if seed < 2**32:
        return seed
    return int(np.random.SeedSequence(seed).generate_state(1, dtype=np.uint32)[0])


class DetectorNotFittedError(NotFittedError, SklearnNotFittedError):
    """A detector used before ``fit``: hourglass's :class:`~hourglass.errors.NotFittedError` that
    is scikit-learn's ``NotFittedError`` too, so ``except sklearn.exceptions.NotFittedError`` and
    scikit-learn's estimator checks recognise it (errors.py cannot import scikit-learn: seconds
    for every CLI start).

    Examples
    --------
    >>> from sklearn.exceptions import NotFittedError as SkNotFitted
    >>> from hourglass.detectors import AutoEncoder
    >>> try:
    ...     AutoEncoder().score([[0.0, 1.0]])
    ... except SkNotFitted as exc:
    ...     print(isinstance(exc, NotFittedError), exc)
    True AutoEncoder is not fitted; call fit(X) first
    """


def module_score(module: torch.nn.Module) -> Callable[[tuple[torch.Tensor, ...]], torch.Tensor]:
    """``module.score``: the method every detector's module has (:class:`DeepDetector`), typed
    (torch types a module's other attributes as tensors or submodules)."""
    return cast("Callable[[tuple[torch.Tensor, ...]], torch.Tensor]", module.score)


class _ModuleScore(torch.nn.Module):
    """``module.score((x,))`` as a module of one tensor argument (traceable for export)."""

    def __init__(self, module: torch.nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return module_score(self.module)((x,))


class _ModuleWeights:
    """A fitted network as pickle sends it when torch cannot pickle the module itself
    (parametrised layers): its state dict and training flag (see ``DeepDetector.__getstate__``)."""

    def __init__(self, state: dict[str, torch.Tensor], training: bool) -> None:
        self.state, self.training = state, training

    def rebuild(self, det: DeepDetector) -> torch.nn.Module:
        """The network built again by ``det`` under the settings it was built with
        (``built_with_``, whatever ``set_params`` changed since), these weights loaded."""
        built = det.__dict__.get("built_with_") or {}
        now = {name: det.__dict__[name] for name in built if name in det.__dict__}
        try:
            det.__dict__.update(built)
            with forked_rng(devices=[]):  # (the caller's torch numbers untouched)
                module = det._build_module(det.n_features_in_)
        finally:
            det.__dict__.update(now)
        module.load_state_dict(self.state, strict=True)
        device = det.__dict__.get("device_")
        if device is not None:
            module = module.to(device)
        return module.train(self.training)


#: what a network with batch normalisation that cannot train on one row at a time should
#: change, in a Python user's words; the CLI says it with its options (``cli._options.cli_advice``)
BATCH_OF_TWO = "use batch_size >= 2 (or batch_norm=False)"
MORE_ROWS_OR_NO_BATCH_NORM = "give more data (or batch_norm=False)"

WARM_START_PARAMS: tuple[str, ...] = (
    "epochs", "batch_size", "lr", "weight_decay", "patience", "validation_fraction", "threshold",
    "device", "verbose", "random_state")
"""Parameters a :meth:`BaseDetector.warm_start` may change: training settings, never the model's
shape or inputs."""


def state_vector(arrays: dict[str, np.ndarray], name: str, dtype: Any,
                 length: int | None = None) -> np.ndarray:
    """Saved array ``name`` as a 1-D ``dtype`` array of ``length`` values (any length when
    ``None``), or :class:`ArtefactError` naming it: a hand-edited artefact whose arrays no longer
    match its config would otherwise broadcast silently or fail deep inside scoring.

    Examples
    --------
    >>> state_vector({"input_offset": np.zeros(3)}, "input_offset", np.float32, 4)
    Traceback (most recent call last):
    ...
    hourglass.errors.ArtefactError: detector state: array 'input_offset' has shape (3,), expected (4,)...
    """
    raw = np.asarray(arrays[name])
    if raw.ndim != 1 or (length is not None and len(raw) != length):
        want = f"({length},) (one value per input column)" if length is not None else "one dimension"
        raise ArtefactError(f"detector state: array {name!r} has shape {raw.shape}, expected {want}; "
                            "the artefact was modified")
    if raw.dtype != np.dtype(dtype):  # saved as exactly this: int64 offsets or float16 scores
        # would be cast silently, to other scores than the model's
        raise ArtefactError(f"detector state: array {name!r} holds {raw.dtype}, expected "
                            f"{np.dtype(dtype)}; the artefact was modified")
    return raw


def labels_refused(who: str) -> TypeError:
    """The error of a ``score`` given labels ``y``: scikit-learn's default scorer calls
    ``score(X, y)`` for one number rating the model, where a detector's (a pipeline's) gives one
    anomaly score per row.

    Examples
    --------
    >>> str(labels_refused("AutoEncoder.score(X)"))[:60]
    'AutoEncoder.score(X) gives one anomaly score per row and tak'
    """
    return TypeError(f"{who} gives one anomaly score per row and takes no labels y; to rate the model "
                     "with labels, use a metric (hourglass.evaluate.binary_metrics) or, in "
                     'scikit-learn, scoring="roc_auc"')


def overflow_as_inf(scores: object) -> np.ndarray:
    """Scores (of their float type; float64 for others) with NaN read as ``+inf``. Inputs are
    validated finite, so a NaN score is the network's float32 arithmetic overflowing
    (``inf - inf``) on values far beyond anything seen in training: the most anomalous of rows,
    never a normal one (NaN compares False with every threshold, so it was predicted 0).

    Examples
    --------
    >>> overflow_as_inf([0.5, float("nan"), float("inf")]).tolist()
    [0.5, inf, inf]
    """
    s = np.asarray(scores)
    if not np.issubdtype(s.dtype, np.floating):
        s = s.astype(np.float64)
    nan = np.isnan(s)
    if nan.any():
        s = np.where(nan, np.inf, s)
    return s


def warm_start_models() -> list[str]:
    """Registered detector names tagged ``warm_start`` (importing their classes).

    Examples
    --------
    >>> "autoencoder" in warm_start_models()
    True
    """
    from hourglass.detectors import registry

    return [name for name in registry.available() if registry.get(name).get_tags()["warm_start"]]


def frame_names(X: object) -> list[str] | None:
    """The column names of a DataFrame, or of a pyarrow Table or RecordBatch, whose column names
    are all strings (scikit-learn's rule for ``feature_names_in_``), else ``None``.

    A pyarrow table is read by position as a DataFrame is (``np.asarray``), so its names are
    checked alike: a table whose columns moved was scored as other features, without a word.

    Examples
    --------
    >>> import pandas as pd, pyarrow as pa
    >>> frame_names(pd.DataFrame({"bytes": [1.0], "rate": [2.0]})), frame_names([[1.0, 2.0]])
    (['bytes', 'rate'], None)
    >>> frame_names(pa.table({"bytes": [1.0], "rate": [2.0]}))
    ['bytes', 'rate']
    """
    if isinstance(X, pd.DataFrame):
        columns = list(X.columns)
    elif is_arrow_table(X):
        columns = X.column_names  # type: ignore[attr-defined]
    else:
        return None
    return columns if columns and all(isinstance(c, str) for c in columns) else None


def check_at_least_one(det: object, *names: str) -> None:
    """Raise ``InputError`` naming the first of the integer parameters ``names`` below 1."""
    for name in names:
        if int(getattr(det, name)) < 1:
            raise InputError(f"{name} must be >= 1, got {getattr(det, name)}", param=name)


AUTO_BATCH_STEPS = 8
"""``batch_size="auto"``: the batch gives at least this many optimiser steps per epoch."""


def auto_batch_size(n_rows: int, largest: int = 1024, smallest: int = 32) -> int:
    """The batch of ``batch_size="auto"``: the largest power of two that still gives
    ``AUTO_BATCH_STEPS`` optimiser steps per epoch over ``n_rows`` training rows, clipped to
    ``[smallest, largest]``. Large tables keep fast batches of ``largest`` rows; a few hundred
    rows get small batches, so a fixed number of epochs still means enough optimiser steps.

    Examples
    --------
    >>> [auto_batch_size(n) for n in (100, 1000, 3000, 60000)]
    [32, 64, 256, 1024]
    """
    target = max(1, int(n_rows) // AUTO_BATCH_STEPS)
    return int(min(largest, max(smallest, 1 << (target.bit_length() - 1))))


def check_batch_size(det: Any) -> None:
    """Raise ``InputError`` unless ``det.batch_size`` is ``"auto"`` or an integer >= 1."""
    bs = det.batch_size
    if isinstance(bs, str):
        if bs != "auto":
            raise InputError(f"batch_size must be 'auto' or an integer >= 1, got {bs!r}", param="batch_size")
    elif (isinstance(bs, bool) or not isinstance(bs, numbers.Real)
          or not float(bs).is_integer() or float(bs) < 1):
        raise InputError(f"batch_size must be 'auto' or an integer >= 1, got {bs!r}", param="batch_size")


RATE_TOP = float(np.finfo(np.float32).max) * (1 - 0.9)
"""Largest learning rate: Adam's first step is ``lr / (1 - β₁)``, ten times ``lr`` at the usual
``β₁ = 0.9``, and that step size is a float32 (a larger one was torch's RuntimeError "value
cannot be converted to type float without overflow" from inside training or scoring)."""


def check_rate(det: Any, name: str) -> None:
    """Raise ``InputError`` unless the learning rate ``det.<name>`` is at most :data:`RATE_TOP`
    (the range check ``> 0`` is the caller's)."""
    if float(getattr(det, name)) > RATE_TOP:
        raise InputError(f"{name} must be at most {RATE_TOP:.3g} (Adam's first step, {name} / "
                         f"(1 - beta1), is a float32), got {getattr(det, name)}", param=name)


WIDTH_TOP = 2**31 - 1
"""Widest layer ``hidden`` may ask for: torch sizes a layer's weights with 64-bit counts, and a
wider one is a layer of over two billion weights per input (a width past 2**63 was torch's
TypeError "Overflow when unpacking long", a traceback from the CLI's ``--hidden``)."""


FLOAT32_TOP = float(np.finfo(np.float32).max)
"""Largest setting a network's float32 arithmetic holds: a loss weight or margin beyond it is
``inf`` in the first step, and training stopped with "training diverged", blaming the data."""


def held_out_scores_said(exc: InputError, n_val: int, n_scores: int, *,
                         gives_none: str = "have no forecast of their own") -> InputError:
    """A threshold rule's refusal ``exc`` of too few held-out scores (one with
    ``too_few_scores``), with what it needs told in held-out steps where the ``n_val`` held-out
    steps give ``n_scores`` scores: a forecaster's first ``window`` steps have none of their own
    (:attr:`~hourglass.detectors.windowed.WindowDetector.unpredicted_steps`), and a window
    model's causal scores (its stream threshold's) none for the first steps no window ends at,
    so the scores a rule asks for are not the steps to hold out (150 held out for 150 scores
    gave 134). ``exc`` itself where the steps give as many scores, or it is no such refusal; its
    attributes are kept.

    Parameters
    ----------
    exc
        The rule's refusal (:meth:`~hourglass.thresholds.Threshold.check_n_scores`).
    n_val
        The held-out steps (rows).
    n_scores
        The held-out scores they give.
    gives_none
        Why the first steps give no score, as the note says it of them (default: a
        forecaster's held-out scores; ``"end no window"``: causal scores).

    Returns
    -------
    InputError
        ``exc``, or a copy saying how the steps give the scores.

    Examples
    --------
    >>> from hourglass.thresholds import DSPOT
    >>> try:
    ...     DSPOT().check_n_scores(24)
    ... except InputError as exc:
    ...     said = held_out_scores_said(exc, 40, 24)
    ...     causal = held_out_scores_said(exc, 40, 25, gives_none="end no window")
    >>> str(said).endswith("(the held-out tail's 40 steps give 24 scores: its first 16 steps have "
    ...                    "no forecast of their own, so hold out 16 steps more than the scores needed)")
    True
    >>> str(causal).endswith("its first 15 steps end no window, so hold out 15 steps more than the "
    ...                      "scores needed)")
    True
    """
    what = getattr(exc, "too_few_scores", None)
    if n_val <= n_scores or not isinstance(what, str):  # (a federated model keeps no steps)
        return exc
    skipped = n_val - n_scores
    note = (f" (the held-out tail's {counted(n_val, 'step')} give {counted(n_scores, 'score')}: its "
            f"first {counted(skipped, 'step')} {gives_none}, so hold out {counted(skipped, 'step')} "
            "more than the scores needed)")
    said = InputError(f"{exc}{note}", param=exc.param)
    said.__dict__.update({k: v for k, v in exc.__dict__.items() if k != "param"})
    setattr(said, "too_few_scores", f"{what}{note}")  # noqa: B010 (what a warm start quotes of it)
    return said


def check_float32(det: Any, *names: str) -> None:
    """Raise ``InputError`` naming the first of the settings ``names`` above :data:`FLOAT32_TOP`."""
    for name in names:
        value = getattr(det, name)
        if float(value) > FLOAT32_TOP:
            raise InputError(f"{name} must be at most {FLOAT32_TOP:.3g} (a float32), got {value}", param=name)


def check_hidden(det: Any) -> None:
    """Raise ``InputError`` unless ``det.hidden`` is a non-empty tuple of positive widths of at
    most :data:`WIDTH_TOP`."""
    hidden = det.hidden
    if len(tuple(hidden)) == 0 or any(int(h) < 1 for h in hidden):
        raise InputError(f"hidden must be a non-empty tuple of positive widths, got {hidden}", param="hidden")
    wide = [int(h) for h in hidden if int(h) > WIDTH_TOP]
    if wide:
        raise _too_wide("hidden", wide[0], hidden)


def _too_wide(name: str, width: int, value: object) -> InputError:
    """The refusal of a layer ``width`` past :data:`WIDTH_TOP` in the setting ``name`` (given as
    ``value``)."""
    return InputError(f"{name}: a layer of {width:,} units is wider than the {WIDTH_TOP:,} a network "
                      f"can hold; give smaller widths, got {value}", param=name)


def check_dropout(det: Any) -> None:
    """Raise ``InputError`` unless ``det.dropout`` is in [0, 1)."""
    dropout = det.dropout
    if not 0 <= float(dropout) < 1:
        raise InputError(f"dropout must be in [0, 1), got {dropout}", param="dropout")


#: Parameters that size a detector's network (named when the network does not fit in memory).
_NETWORK_WIDTHS = ("hidden", "embed", "filters", "channels", "code", "latent_dim")


#: A stack of more layers than this is counted from the same network of 2, 3 and 4 layers
#: (:meth:`BaseDetector._stacked_need`).
_LAYERS_COUNTED = 64


def _above_default(cls: type, name: str, value: Any) -> bool:
    """Whether ``value``, a whole number, is above the default of ``cls``'s parameter ``name``
    (also a whole number)."""
    param = inspect.signature(cls).parameters.get(name)
    default = param.default if param is not None else None
    return (isinstance(value, numbers.Integral) and isinstance(default, numbers.Integral)
            and int(value) > int(default))


def _bytes_of(module: torch.nn.Module) -> int:
    """The bytes of ``module``'s parameters."""
    return sum(p.numel() * p.element_size() for p in module.parameters())


def check_widths(det: Any) -> None:
    """Raise ``InputError`` naming the first of ``det``'s network widths (:data:`_NETWORK_WIDTHS`,
    a number or a tuple of them), layer counts or kernel length past :data:`WIDTH_TOP`:
    ``code=10**30`` or ``kernel_size=10**30`` was torch's ``TypeError`` ("Overflow when unpacking
    long long") while the network was built, a traceback on the command line."""
    params = det.get_params(deep=False)
    for name in (*_NETWORK_WIDTHS, "num_layers", "layers", "kernel_size"):
        value = params.get(name)
        values = value if isinstance(value, tuple | list) else (value,)
        wide = [int(v) for v in values
                if isinstance(v, numbers.Integral) and not isinstance(v, bool) and int(v) > WIDTH_TOP]
        if wide and name not in _NETWORK_WIDTHS:  # a count of layers, a kernel's length
            raise InputError(f"{name} must be at most {WIDTH_TOP:,}, got {value}", param=name)
        if wide:
            raise _too_wide(name, wide[0], value)


def warn_unused_dropout(det: Any) -> None:
    """Say so (a logged warning) when ``det``'s ``dropout`` has no effect: a recurrent network's
    dropout acts between its stacked layers (PyTorch's rule), and ``num_layers`` (``layers``)
    is 1, so there are none."""
    params = det.get_params(deep=False)
    name = next((n for n in ("num_layers", "layers") if n in params), None)
    if name is None or "dropout" not in params or not float(params["dropout"]) > 0:
        return
    if int(params[name]) == 1:
        logger.warning("%s: dropout=%s has no effect with %s=1 (dropout acts between stacked "
                       "recurrent layers); set %s=2 or more to use it", type(det).__name__,
                       params["dropout"], name, name)


def _check_threshold_kind(threshold: object) -> None:
    """Raise ``InputError`` unless ``threshold`` is a hourglass :class:`Threshold` instance."""
    if not isinstance(threshold, Threshold):
        hint = (f"an instance, e.g. {threshold.__name__}(...)" if isinstance(threshold, type)
                else "e.g. thresholds.Percentile(99.5) or thresholds.Contamination(0.01)")
        raise InputError(f"threshold must be a hourglass Threshold ({hint}), got {threshold!r}",
                         param="threshold")


_PARAM_NAMES: dict[type, tuple[str, ...]] = {}
"""Each detector class's parameter names (:meth:`BaseDetector._get_param_names`)."""


def _caller_outside_package() -> int:
    """The ``stacklevel`` that points a warning raised by the calling function at the first
    caller outside the hourglass package (a user's ``fit`` or ``Pipeline.fit`` line, not the
    package's own call inside ``Pipeline.fit``)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # .../hourglass/
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


class BaseDetector(BaseEstimator):
    """Common base of all detectors: validation, the held-out split and the threshold.

    Subclasses declare ``__init__`` keyword arguments (each stored as given) and implement
    ``_fit(X_train, X_val, y_train)`` and ``_score(X)``.

    Examples
    --------
    >>> import numpy as np
    >>> class MeanDistance(BaseDetector):
    ...     '''Squared distance to the training mean.'''
    ...     def __init__(self, validation_fraction=0.1, threshold=None, random_state=0):
    ...         self.validation_fraction = validation_fraction
    ...         self.threshold = threshold
    ...         self.random_state = random_state
    ...     def _fit(self, X, X_val, y):
    ...         self.mean_ = X.mean(axis=0)
    ...     def _score(self, X):
    ...         return ((X - self.mean_) ** 2).sum(axis=1)
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> det = MeanDistance().fit(X)
    >>> det.predict([[0.0, 0.0, 0.0], [9.0, 9.0, 9.0]]).tolist()
    [0, 1]
    >>> len(det.val_scores_)        # the held-out 10% that fitted the threshold
    20
    """

    #: Values that parameters added after a release take when an artefact saved before they
    #: existed is loaded (its config lacks them): the model it describes was built without them.
    _params_before_added: ClassVar[dict[str, Any]] = {}

    #: The threshold rule (``None``: :meth:`_default_threshold`); every detector stores it.
    threshold: Threshold | None

    _tags: ClassVar[dict[str, Any]] = {
        "input": "tabular",
        "supports_explain": False,
        "supports_labels": False,
        "deep": False,
        # ``score_module()`` is the whole scoring path as one feed-forward torch graph on the
        # feature matrix (what ONNX export needs)
        "onnx_export": False,
        # ``next_event_scores(history, observed)`` scores one event of a live session from its
        # last keys (events models that can alert as each event arrives, e.g. DeepLog)
        "online_events": False,
        # the score is a differentiable torch function of the feature matrix
        # (``gradient_module()``): what gradient attributions (``hourglass.explain``) need
        "gradients": False,
        # ``warm_start(X)`` continues training a fitted model from its weights on new rows
        "warm_start": False,
    }

    #: Why this detector's score has no gradient (said when gradient attributions are refused).
    _no_gradients_reason: ClassVar[str] = "its score is not a differentiable function of the input"

    @classmethod
    def _get_param_names(cls) -> list[str]:
        # scikit-learn reads __init__'s signature again at every get_params, set_params and
        # clone: once per class is enough (most of what loading an ensemble spent checking it)
        names = _PARAM_NAMES.get(cls)
        if names is None:
            names = _PARAM_NAMES[cls] = tuple(super()._get_param_names())
        return list(names)

    # -- tags ---------------------------------------------------------------------------------
    @classmethod
    def get_tags(cls) -> dict[str, Any]:
        """Capabilities of this detector, merged along the class hierarchy.

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> AutoEncoder.get_tags()["input"]
        'tabular'
        """
        tags: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            tags.update(getattr(klass, "_tags", {}))
        return tags

    def __sklearn_tags__(self) -> Any:
        # scikit-learn's own tags (1.6 and later): an events model takes a list of key sequences
        # and refuses a 2-D array, so it does not say two_d_array (scikit-learn's check_estimator
        # then skips it instead of failing every check on an array)
        tags = super().__sklearn_tags__()
        if self.get_tags()["input"] == "events":
            tags.input_tags.two_d_array = False
        return tags

    def set_params(self, **params: Any) -> Self:
        """Set parameters (scikit-learn's ``set_params``); ``threshold__q=99.9`` and the like,
        which ``get_params(deep=True)`` lists, set a parameter of the threshold rule: a new rule
        replaces ``threshold`` (the instance given is left as is: the caller, or another
        detector given the same one, may hold it; scikit-learn's ``clone`` makes its own copy).

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> from hourglass.thresholds import Percentile
        >>> AutoEncoder(threshold=Percentile(99)).set_params(threshold__q=99.9).threshold.q
        99.9
        """
        names = self._get_param_names()
        unknown = sorted(k for k in params if k.partition("__")[0] not in names)
        if unknown:  # scikit-learn's words span lines (the detector's repr) and name no setting
            raise InputError(f"{type(self).__name__} has no parameter {unknown[0]!r}; it takes "
                             f"{', '.join(names)}")
        nested = {k: params.pop(k) for k in [k for k in params if k.startswith("threshold__")]}
        if nested:
            rule = params.get("threshold", getattr(self, "threshold", None))
            first = next(iter(nested))
            if not isinstance(rule, Threshold):
                raise InputError(f"{first}: threshold is {rule!r}, which has no parameters to set; "
                                 "set threshold to a rule, e.g. thresholds.Percentile(99)", param="threshold")
            own = rule.get_params()
            values = {k[len("threshold__"):]: v for k, v in nested.items()}
            unknown = [k for k in values if k not in own]
            if unknown:
                raise InputError(f"threshold__{unknown[0]}: {type(rule).__name__} has no parameter "
                                 f"{unknown[0]!r}; it takes {', '.join(own) or 'none'}",
                                 param="threshold")
            params["threshold"] = type(rule)(**{**own, **values})
        for key in params:
            # scikit-learn would call set_params on the value (an Ensemble's tuple of members:
            # "'list' object has no attribute 'set_params'")
            name, _, rest = key.partition("__")
            value = params.get(name, getattr(self, name, None))
            if rest and not hasattr(value, "set_params"):
                raise InputError(f"{key}: {name} is a {type(value).__name__}, not an estimator with "
                                 f"parameters of its own; set {name} whole "
                                 f"(set_params({name}=...))", param=name)
        return cast("Self", super().set_params(**params))

    # -- public API ---------------------------------------------------------------------------
    def fit(self, X: object, y: object | None = None) -> Self:
        """Fit on ``X`` (normal rows unless ``y`` marks known anomalies) and return ``self``.

        A share ``validation_fraction`` of the rows is held out: deep models watch its loss for
        early stopping, and the threshold is fitted on its scores. With ``y``, the held-out rows
        are its normal ones: a labelled anomaly drawn there is trained on instead.

        A refit starts from nothing: the previous fit's state is dropped first, so a fit that
        fails leaves the detector unfitted (``score`` raises ``NotFittedError``), never half one
        fit and half the other.

        Parameters
        ----------
        X
            Training rows × features (a DataFrame's column names are kept).
        y
            Optional 0/1 labels (1 = known anomaly), one per row.

        Returns
        -------
        BaseDetector
            ``self``, fitted (``threshold_``, ``calibrator_``, ``val_scores_`` ...).

        Raises
        ------
        hourglass.errors.InputError
            Rows that are not finite numbers, labels that are not 0/1 (one per row), or a
            hyper-parameter out of range (as :meth:`validate_params`, naming it as ``param``).

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> ae.n_features_in_, ae.val_scores_.size   # 10% of the rows held out
        (3, 10)
        """
        self._forget_fit()
        return self._fit_rows(X, y, warm=False)

    def _forget_fit(self) -> None:
        """Drop every fitted attribute (public names ending in ``_``; parameters are kept)."""
        params = set(self._get_param_names())
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")
                     and k not in params]:
            delattr(self, name)

    def warm_start(self, X: object, y: object | None = None, *, update_batch_norm: bool = False,
                   proximal_mu: float = 0.0, **params: Any) -> Self:
        """A new detector: this fitted one trained further, from its weights, on rows ``X``.

        The copy keeps the input schema and every fitted input transformation (for the
        autoencoders: the standardisation of the first training rows); only the network's
        weights move. A fresh seeded share ``validation_fraction`` of ``X`` is held out for early
        stopping, and the threshold rule and the calibration are fitted again on its scores.
        The optimiser starts afresh (Adam's moment estimates are not saved with a model), and
        the parent's weights are kept when no epoch improves the held-out loss.
        ``self`` is left unchanged. ``params`` may change the training settings only
        (:data:`WARM_START_PARAMS`, e.g. ``epochs``, ``lr``, ``random_state``, and the threshold
        rule's own, ``threshold__q=95`` as in :meth:`set_params`); detectors not
        tagged ``warm_start`` refuse (:class:`~hourglass.errors.InputError`).
        ``update_batch_norm=True`` trains batch-norm layers as a fresh fit does (their running
        statistics follow the new rows) instead of keeping them frozen: what a federated round
        wants, whose batch-norm statistics are averaged over the sites afterwards.
        ``proximal_mu > 0`` adds ``proximal_mu / 2 * ||w - w0||^2`` to every step's loss, ``w0``
        this detector's weights (FedProx's proximal term, :func:`hourglass.nn.proximal_term`):
        the new weights stay near the parent's (a federated site's local epochs near the global
        model); 0 trains exactly as without it.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> rng = np.random.default_rng(0)
        >>> old = rng.normal(size=(400, 4)).astype("float32")
        >>> ae = AutoEncoder(hidden=(8, 2), epochs=5, verbose=0).fit(old)
        >>> ae2 = ae.warm_start(old + 0.5, epochs=3)
        >>> ae2 is not ae, bool(np.array_equal(ae2.input_scale_, ae.input_scale_))
        (True, True)
        """
        return self._warm_copy(update_batch_norm, params, proximal_mu)._fit_rows(X, y, warm=True)

    def _warm_copy(self, update_batch_norm: bool, params: dict[str, Any],
                   proximal_mu: float = 0.0) -> Self:
        """The copy a :meth:`warm_start` trains: this detector's state, ``params`` set (checked
        against :data:`WARM_START_PARAMS`)."""
        self._check_fitted()
        # bool() took update_batch_norm="no" (and NaN, None) as a choice: a flag's kind, as fit checks it
        check_value("update_batch_norm", update_batch_norm, False)
        mu = check_proximal_mu(proximal_mu)
        name = type(self).__name__
        if not self.get_tags()["warm_start"]:
            raise InputError(f"{name}: cannot continue training from saved weights (warm start); "
                             f"supported by {', '.join(warm_start_models())}. Train a new model")
        # threshold__q and the like: a parameter of the rule (threshold), set as set_params does
        unknown = sorted(k for k in params if k not in WARM_START_PARAMS and not k.startswith("threshold__"))
        if unknown:
            raise InputError(f"warm_start: {unknown[0]!r} cannot change in a warm start (the "
                             f"model's shape and inputs stay); it takes {', '.join(WARM_START_PARAMS)} "
                             "and the threshold rule's own (threshold__q, ...)", param=unknown[0])
        new = self.clone()
        loaded_on = getattr(self, "device_", None)
        if loaded_on is not None:
            # the copy is built where this model's weights are: a model saved with device="cuda"
            # and loaded on a machine without it said "using the CPU" as it loaded, and the copy
            # said it again (train --warm-start printed it twice); its own device is kept, so
            # that training still asks for it as a fit does
            new.device = str(loaded_on)
        new.set_state(*self.get_state())
        if "_frame_labels" in self.__dict__:  # (not saved: a live model's, checked as at fit)
            new._frame_labels = self._frame_labels
        if loaded_on is not None:
            new.device = self.device
        new.set_params(**params)
        new._warm_update_batch_norm = bool(update_batch_norm)  # read (and dropped) by _train
        if mu > 0:
            if not self.get_tags()["deep"]:
                raise InputError(f"proximal_mu: {name} has no network weights to pull toward",
                                 param="proximal_mu")
            new._warm_proximal_mu = mu  # read (and dropped) by _train
        return new

    def _fit_rows(self, X: object, y: object | None, *, warm: bool) -> Self:
        """``fit`` (``warm=False``) or ``warm_start`` on the copy (``warm=True``: the fitted
        input schema is checked, not reset, and ``_fit_more`` continues from the weights)."""
        # a warm start keeps the saved model's shape: its settings read as when it was trained
        # (standardize=2 by an earlier version); what a warm start may change is checked as fit does
        with saved_kinds([name for name in self._get_param_names()
                          if name not in WARM_START_PARAMS]) if warm else contextlib.nullcontext():
            check_numeric_params(self, refuse_none=True)
        Xa = self._validate(X, reset=not warm)
        n = self._n_samples(Xa)
        if n < 2 and self.get_tags()["input"] == "tabular":  # batch norm, scales, a spread: none from one row
            exc = InputError(f"{type(self).__name__}: 1 training row; fitting needs at least 2")
            setattr(exc, "too_few_rows", True)  # noqa: B010 (a warm start gives its own advice)
            raise exc
        labels = None
        if y is not None:
            labels = check_labels(y, n)
            if labels.all():
                raise InputError("y: every row is labelled an anomaly (1); training needs normal "
                                 "rows (0)")
            if not self.get_tags()["supports_labels"]:
                warnings.warn(f"{type(self).__name__} does not use labels; y is ignored",
                              HourglassWarning, stacklevel=_caller_outside_package())
                labels = None
        self._check_params()
        if not warm:  # a warm start keeps the network's shape, and said it at fit
            warn_unused_dropout(self)
        threshold = self._threshold_rule()  # before training: a wrong rule is said now
        frac = self._validation_fraction()
        train_idx, val_idx = self._split(n, frac, np.random.default_rng(self._seed()))
        n_val = len(val_idx)
        unit = {"events": "sessions", "timeseries": "time steps"}.get(self.get_tags()["input"], "rows")
        # no model, scales or spread from one row; a log model learns from the windows inside
        # its sessions, so one (long) session is enough to train on
        least = 1 if unit == "sessions" else 2
        if len(train_idx) < least:
            advice = "use a smaller validation_fraction or more data" if n_val else "give more data"
            raise InputError(f"validation_fraction={frac} holds out {n_val} of {n} {unit}, leaving "
                             f"{len(train_idx)} to train on (at least {least} "
                             f"{'is' if least == 1 else 'are'} needed); {advice}")
        if labels is not None and not (labels[train_idx] == 0).any():
            # the held-out split took every normal one: a model of anomalies alone, its
            # standardisation from them, would be fitted without a word
            unit = "sessions" if self.get_tags()["input"] == "events" else "rows"
            raise InputError(f"y: every training {unit[:-1]} ({len(train_idx)} of {n}, after the "
                             f"{n_val} held out) is labelled an anomaly (1); training needs normal "
                             f"{unit} (0): give more normal {unit} or a smaller validation_fraction")
        if labels is not None and n_val and not (labels[val_idx] == 0).any():
            unit = "sessions" if self.get_tags()["input"] == "events" else "rows"
            raise InputError(f"y: every held-out {unit[:-1]} ({n_val} of {n}) is labelled an "
                             "anomaly (1), which leaves no normal scores to fit the threshold on; "
                             f"give more normal {unit} or a larger validation_fraction")
        if labels is not None and n_val and (labels[val_idx] == 1).any():
            # a labelled anomaly is trained on, never held out: the held-out rows serve early
            # stopping and the threshold, which take normal ones only, so one drawn there was
            # neither trained on nor scored (1 label in 10 did nothing, without a word)
            train_idx = np.sort(np.r_[train_idx, val_idx[labels[val_idx] == 1]])
            val_idx = val_idx[labels[val_idx] == 0]
            n_val = len(val_idx)
        # the rule's needs in scores (DSPOT's depth) are known now: said before training
        if labels is None:  # nothing held out: the training scores the threshold is fitted on
            n_scores = self._n_held_out_scores(n_val) if n_val else self._n_training_scores(n)
            try:
                threshold.check_n_scores(n_scores, None if n_val else TRAINING)
            except InputError as exc:  # its needs told in held-out steps, where they differ
                raise (held_out_scores_said(exc, n_val, n_scores) if n_val else exc) from None
        else:
            scored = val_idx if n_val else np.arange(n)
            threshold.check_n_scores(int((labels[scored] == 0).sum()), None if n_val else TRAINING)
        y_train = None if labels is None else labels[train_idx]
        # held-out rows given to ``_fit`` (early stopping) are normal ones: labels say which
        fit_val = val_idx if labels is None else val_idx[labels[val_idx] == 0]
        (self._fit_more if warm else self._fit)(
            self._take(Xa, train_idx), self._take(Xa, fit_val) if len(fit_val) else None, y_train)
        # with labels, only the normal rows are scored: the scores kept are then those that
        # score() gives these rows (a batch's other rows can move a score's last bits)
        if n_val:
            val_scores = self._held_out_scores(self._take(Xa, val_idx if labels is None else fit_val))
        else:
            unit = "sessions" if self.get_tags()["input"] == "events" else "rows"
            why = f"only {n} {unit[:-1] if n == 1 else unit}" if n < 10 else f"validation_fraction={frac}"
            logger.warning("%s: no held-out %s (%s), so the threshold is fitted on training "
                           "scores", type(self).__name__, unit, why)
            # the normal ones, as from held-out rows
            val_scores = (self._training_scores(Xa) if labels is None
                          else self._score(self._take(Xa, np.flatnonzero(labels == 0))))
        self.val_scores_ = np.asarray(val_scores, dtype=np.float64)
        self.val_index_ = np.asarray(val_idx, dtype=np.int64)  # which rows were held out
        if self.get_tags()["gradients"] and isinstance(Xa, np.ndarray) and Xa.ndim == 2:
            # the baseline of integrated gradients: a typical training row, feature by feature;
            # a normal one (labelled anomalies moved it toward themselves, as they would the
            # standardisation, which leaves them out too)
            typical = train_idx if labels is None else train_idx[labels[train_idx] == 0]
            self.gradient_baseline_ = np.median(self._take(Xa, typical), axis=0).astype(np.float32)
        self.threshold_ = type(threshold)(**threshold.get_params()).fit(
            self.val_scores_, on=self.val_scores_source(), steps=self._val_steps())
        self.calibrator_ = Calibrator().fit(self.val_scores_)
        return self

    def _threshold_rule(self) -> Threshold:
        """The threshold rule ``fit`` fits (``threshold``, or the detector's default), checked."""
        threshold = self.threshold if self.threshold is not None else self._default_threshold()
        _check_threshold_kind(threshold)
        threshold.check_params()
        if threshold.requires_labels:
            raise InputError(f"{threshold.describe()} needs labelled validation scores: fit with "
                             "another threshold, then call set_threshold(rule, scores=..., y=...) "
                             "on a labelled validation slice (Pipeline.fit does this given X_val, "
                             "y_val)")
        return threshold

    def val_scores_source(self) -> str:
        """What ``val_scores_`` (the scores the threshold and the calibration are fitted on)
        are: :data:`~hourglass.thresholds.HELD_OUT`, or :data:`~hourglass.thresholds.TRAINING`
        when nothing was held out (``validation_fraction=0`` or under 10 rows).

        Returns
        -------
        str
            :data:`~hourglass.thresholds.HELD_OUT` or :data:`~hourglass.thresholds.TRAINING`.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> ae.val_scores_source()
        'held-out normal scores'
        """
        if not hasattr(self, "val_index_"):
            raise DetectorNotFittedError(f"{type(self).__name__} is not fitted; call fit(X) first")
        return HELD_OUT if len(self.val_index_) else TRAINING

    def score(self, X: object, y: object | None = None) -> np.ndarray:
        """Anomaly score per row; higher is more anomalous.

        Not scikit-learn's ``score(X, y)`` (one number rating a fitted model): ``y`` is refused
        with a ``TypeError``. To rate or select models with labels in scikit-learn, give a scorer,
        e.g. ``cross_val_score(det, X, y, scoring="roc_auc")``.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(200, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=2, verbose=0).fit(X)
        >>> ae.score(X[:2]).shape
        (2,)
        >>> ae.score(X[:2], [0, 1])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: AutoEncoder.score(X) gives one anomaly score per row and takes no labels y; ...
        """
        if y is not None:
            raise labels_refused(f"{type(self).__name__}.score(X)")
        self._check_fitted()
        return overflow_as_inf(np.asarray(self._score(self._validate(X, reset=False)), dtype=np.float64))

    def decision_function(self, X: object) -> np.ndarray:
        """Alias of :meth:`score` (PyOD's name).

        Parameters
        ----------
        X
            Rows × the features the detector was fitted on.

        Returns
        -------
        numpy.ndarray
            One anomaly score per row (higher = more anomalous).

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> bool(np.array_equal(ae.decision_function(X[:3]), ae.score(X[:3])))
        True
        """
        return self.score(X)

    def predict(self, X: object) -> np.ndarray:
        """0 (normal) or 1 (anomaly) per row, from the fitted threshold.

        Parameters
        ----------
        X
            Rows × the features the detector was fitted on.

        Returns
        -------
        numpy.ndarray
            ``int8`` 0/1 per row.

        Raises
        ------
        hourglass.errors.NotFittedError
            Before :meth:`fit`.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> ae.predict(np.r_[X[:1], X[:1] + 20]).tolist()
        [0, 1]
        """
        return self.threshold_predict(self.score(X))

    def threshold_predict(self, scores: np.ndarray) -> np.ndarray:
        """Apply the fitted threshold to scores already computed.

        Parameters
        ----------
        scores
            Scores from :meth:`score`.

        Returns
        -------
        numpy.ndarray
            ``int8`` 0/1 per score.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> s = ae.score(X)
        >>> bool(np.array_equal(ae.threshold_predict(s), ae.predict(X)))
        True
        """
        self._check_fitted()
        return self.threshold_.predict(scores)

    def calibrated_score(self, X: object) -> np.ndarray:
        """Anomaly probability in [0, 1]: the share of held-out normal scores below each score
        (GPD-smoothed in the tail). Monotone in :meth:`score`, comparable across models.

        Parameters
        ----------
        X
            Rows × the features the detector was fitted on.

        Returns
        -------
        numpy.ndarray
            One probability per row.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> p = ae.calibrated_score(np.r_[X[:1], X[:1] + 20])
        >>> bool(p[0] < p[1] <= 1.0)
        True
        """
        return self.calibrate(self.score(X))

    def predict_proba(self, X: object) -> np.ndarray:
        """``[P(normal), P(anomaly)]`` per row (rows × 2, PyOD's and scikit-learn's layout), the
        anomaly column being :meth:`calibrated_score`: the share of held-out normal scores below
        the row's score. Unlike PyOD's ``predict_proba`` it is not rescaled from the training
        scores' range, so it reads as a rarity among normal rows.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(300, 4)).astype("float32")
        >>> ae = AutoEncoder(hidden=(8, 2), epochs=3, verbose=0, device="cpu").fit(X)
        >>> proba = ae.predict_proba(np.r_[X[:2], X[:1] + 20])
        >>> proba.shape, bool(np.allclose(proba.sum(axis=1), 1.0)), bool(proba[2, 1] > 0.99)
        ((3, 2), True, True)
        """
        p = self.calibrated_score(X)
        return np.column_stack([1.0 - p, p])

    def calibrate(self, scores: np.ndarray) -> np.ndarray:
        """Map raw scores already computed to anomaly probabilities (see :meth:`calibrated_score`).

        Parameters
        ----------
        scores
            Scores from :meth:`score`.

        Returns
        -------
        numpy.ndarray
            One probability in [0, 1] per score.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> bool(np.array_equal(ae.calibrate(ae.score(X[:5])), ae.calibrated_score(X[:5])))
        True
        """
        self._check_fitted()
        return self.calibrator_.transform(scores)

    def severity(self, scores: np.ndarray) -> np.ndarray:
        """``low`` / ``medium`` / ``high`` / ``critical`` per raw score (rarity among normal scores);
        ``None`` for a NaN score.

        Parameters
        ----------
        scores
            Scores from :meth:`score`.

        Returns
        -------
        numpy.ndarray
            Object array of severity names (see :meth:`Calibrator.severity
            <hourglass.thresholds.Calibrator.severity>`).

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> ae.severity(ae.score(np.r_[X[:1], X[:1] + 20])).tolist()
        ['low', 'critical']
        """
        self._check_fitted()
        return self.calibrator_.severity(scores)

    def set_threshold(self, threshold: Threshold, scores: object | None = None,
                      y: object | None = None) -> BaseDetector:
        """Replace the threshold and fit it.

        Without ``scores`` it is fitted on the held-out normal scores kept from ``fit``. With
        ``scores`` (and labels ``y``, 1 = anomaly) it is fitted on that validation set; a rule that
        needs labels (best F1) must get them, and the set must not be the one evaluated later.

        Parameters
        ----------
        threshold
            The new rule (a copy of it is fitted; ``threshold`` itself is kept as the parameter).
        scores
            Optional validation scores to fit it on.
        y
            Optional 0/1 labels of those scores.

        Returns
        -------
        BaseDetector
            ``self``, with the new ``threshold_``.

        Raises
        ------
        hourglass.errors.InputError
            Labels without scores, no held-out scores kept, or scores the rule cannot fit on.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> from hourglass.thresholds import Percentile
        >>> ae.set_threshold(Percentile(90)).threshold_
        percentile 90 of held-out normal scores
        """
        self._check_fitted()
        _check_threshold_kind(threshold)  # else an AttributeError from a string's get_params
        fresh = type(threshold)(**threshold.get_params())
        if scores is None:
            if y is not None:
                raise InputError("set_threshold: labels y given without scores")
            if self.val_scores_.size == 0:
                raise InputError("set_threshold: this model keeps no held-out scores (a federated "
                                 "model whose sites kept theirs: held_out='summaries'); give "
                                 "scores=... of normal rows to fit the threshold on")
            try:
                fresh.fit(self.val_scores_, on=self.val_scores_source(), steps=self._val_steps())
            except InputError as exc:  # its needs told in held-out steps, where they differ (as fit's)
                raise self._held_out_said(exc) from None
        elif y is None:
            fresh.fit(scores, on="the validation scores given")
        else:
            fresh.fit(scores, check_labels(y, np.size(from_torch(scores, "scores"))),
                      on=None if fresh.requires_labels else "normal scores of a labelled validation set")
        self.threshold = threshold
        self.threshold_ = fresh
        return self

    def validate_params(self) -> None:
        """Check hyper-parameters now (``fit`` does it too); raises ``InputError`` naming one.

        Raises
        ------
        hourglass.errors.InputError
            Naming the first wrong hyper-parameter in its message and as its ``param`` (a
            ``ValueError``, as scikit-learn's checks raise).

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> AutoEncoder(validation_fraction=1.5).validate_params()
        Traceback (most recent call last):
        ...
        hourglass.errors.InputError: validation_fraction must be in [0, 1), got 1.5
        """
        check_numeric_params(self, refuse_none=True)
        self._validation_fraction()
        self._check_params()
        self._seed()  # random_state's range, which fit checks too
        self._check_threshold_setting()

    def _check_threshold_setting(self) -> None:
        """Check the rule ``threshold``'s kind and settings (a rule that needs labels is fine
        here: a Pipeline given labelled validation rows fits it; a detector's own fit says it
        needs them)."""
        threshold = getattr(self, "threshold", None)
        threshold = threshold if threshold is not None else self._default_threshold()
        _check_threshold_kind(threshold)
        if "events_per_day" in threshold.get_params() and threshold.get_params()["events_per_day"] is None:
            # a per-day budget's event rate may come later, as labels may (a Pipeline's timestamp
            # column; threshold_from_spec leaves it to fit too): its other settings are checked
            # under a stand-in rate no finite budget below the largest float reaches
            threshold = type(threshold)(**{**threshold.get_params(),
                                           "events_per_day": sys.float_info.max})
        threshold.check_params()

    def _validation_fraction(self) -> float:
        """``validation_fraction`` (0.1 for a detector without one), or ``InputError`` unless in
        [0, 1)."""
        frac = float(getattr(self, "validation_fraction", 0.1))
        if not 0 <= frac < 1:
            raise InputError(f"validation_fraction must be in [0, 1), got {frac}",
                             param="validation_fraction")
        return frac

    # -- gradients (for attributions) ----------------------------------------------------------
    def why_no_gradients(self) -> str | None:
        """``None`` when :meth:`gradient_module` can be built for this fitted detector, else why
        not (one line, without the class name).

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import DeepSVDD, LatentIForest
        >>> X = np.random.default_rng(0).normal(size=(200, 3)).astype("float32")
        >>> DeepSVDD(hidden=(4,), epochs=1, verbose=0).fit(X).why_no_gradients() is None
        True
        >>> LatentIForest(hidden=(4, 2), epochs=1, n_estimators=5, verbose=0).fit(X).why_no_gradients()
        'its score comes from an isolation forest (trees have no gradient)'
        """
        self._check_fitted()
        if not self.get_tags()["gradients"]:
            return self._no_gradients_reason
        if getattr(self, "gradient_baseline_", None) is None:
            return ("this model was saved before gradient explanations existed (it holds no "
                    "baseline row); train it again")
        return None

    def gradient_module(self) -> torch.nn.Module:
        """The score as a differentiable torch function: float32 feature rows (batch × features,
        on ``device_`` for torch models) in, one score per row out, the same function as
        :meth:`score` (to float rounding). Refused (``InputError``) where
        :meth:`why_no_gradients` says why.

        Examples
        --------
        >>> import numpy as np, torch
        >>> from hourglass.detectors import DeepSVDD
        >>> X = np.random.default_rng(0).normal(size=(200, 3)).astype("float32")
        >>> svdd = DeepSVDD(hidden=(4,), epochs=1, verbose=0, device="cpu").fit(X)
        >>> x = torch.from_numpy(X[:2]).requires_grad_(True)
        >>> (grad,) = torch.autograd.grad(svdd.gradient_module()(x).sum(), x)
        >>> grad.shape, bool(np.allclose(svdd.gradient_module()(x).detach().numpy(), svdd.score(X[:2])))
        (torch.Size([2, 3]), True)
        """
        why = self.why_no_gradients()
        if why is not None:
            raise InputError(f"{type(self).__name__}: {why}")
        return self._gradient_module()

    def _gradient_module(self) -> torch.nn.Module:
        raise NotImplementedError

    # -- hooks --------------------------------------------------------------------------------
    # Input handling is a hook too, so sequence and event detectors reuse ``fit``: they
    # override ``_validate``, ``_n_samples``, ``_split`` and ``_take``. The ``X`` the other
    # hooks get is what ``_validate`` returns (a float32 matrix, a series, packed sessions).
    def _validate(self, X: object, *, reset: bool) -> Any:
        """Check input; on ``reset`` record ``n_features_in_`` (and ``feature_names_in_``), else
        compare with them."""
        if reset:
            Xa = check_array(X)
            self.n_features_in_ = Xa.shape[1]
            self._record_column_names(X)
            return Xa
        self._check_column_names(X)
        Xa = check_array(X, n_features=self.n_features_in_)
        self._warn_unnamed(X)
        return Xa

    def _record_column_names(self, X: object) -> None:
        """Record ``feature_names_in_`` when ``X`` is a DataFrame with string column names (as
        scikit-learn does); forget an earlier fit's names otherwise. The labels of a DataFrame
        whose names are not all strings (``pd.DataFrame(array)``'s 0, 1, 2 ...) are kept aside,
        unsaved, for :meth:`_check_column_names`: scikit-learn keeps no names for them."""
        names = frame_names(X)
        if names is None:
            self.__dict__.pop("feature_names_in_", None)
        else:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        if names is None and isinstance(X, pd.DataFrame) and len(X.columns):
            self._frame_labels: pd.Index | None = X.columns.copy()
        else:
            self.__dict__.pop("_frame_labels", None)

    def _check_column_names(self, X: object, what: str = "X") -> None:
        """A DataFrame scored by a detector fitted on one must have the fit's columns in the
        fit's order: a column moved would silently be read as another feature. So too a frame
        of other labels than names (integers) given to one fitted on a frame of such labels."""
        fitted = getattr(self, "feature_names_in_", None)
        names = frame_names(X)
        labels = self.__dict__.get("_frame_labels")
        if fitted is None and labels is not None and isinstance(X, pd.DataFrame) and names is None \
                and not labels.equals(X.columns) and len(X.columns) == len(labels):
            missing = [n for n in labels if n not in X.columns]
            unexpected = [n for n in X.columns if n not in labels]
            if not missing and not unexpected:
                shown = ", ".join(map(repr, labels[:5])) + (" ..." if len(labels) > 5 else "")
                raise InputError(f"{what}: the columns are in another order than at fit ({shown}); "
                                 "reorder them as at fit")
            parts = ([f"missing {', '.join(map(repr, missing[:5]))}"] if missing else []) + (
                [f"not seen at fit {', '.join(map(repr, unexpected[:5]))}"] if unexpected else [])
            raise InputError(f"{what}: the columns differ from those at fit ({'; '.join(parts)})")
        if fitted is None or names is None or list(fitted) == names:
            return
        seen = set(fitted)
        missing = [n for n in fitted if n not in names]
        unexpected = [n for n in names if n not in seen]
        if missing or unexpected:
            parts = ([f"missing {', '.join(map(repr, missing[:5]))}"] if missing else []) + (
                [f"not seen at fit {', '.join(map(repr, unexpected[:5]))}"] if unexpected else [])
            raise InputError(f"{what}: the columns differ from those at fit ({'; '.join(parts)})")
        raise InputError(f"{what}: the columns are in another order than at fit; reorder them as "
                         "in detector.feature_names_in_")

    def _warn_unnamed(self, X: object, what: str = "X") -> None:
        """Warn, in scikit-learn's words, that ``X`` (checked, about to be scored) is read by
        position with names on one side only: a bare array given to a detector fitted on a
        DataFrame, or a DataFrame given to one fitted on an array."""
        fitted = getattr(self, "feature_names_in_", None) is not None
        named = frame_names(X) is not None
        if fitted and not named:
            warnings.warn(f"{what} does not have valid feature names, but {type(self).__name__} was "
                          "fitted with feature names", HourglassWarning, stacklevel=_caller_outside_package())
        elif named and not fitted:
            warnings.warn(f"{what} has feature names, but {type(self).__name__} was fitted without "
                          "feature names", HourglassWarning, stacklevel=_caller_outside_package())

    def _n_samples(self, X: Any) -> int:
        return int(X.shape[0])

    @staticmethod
    def _held_out_count(n: int, frac: float) -> int:
        """How many of ``n`` rows :meth:`_split` holds out: the share ``frac``
        (:func:`~hourglass._params.share_count`: the nearest whole number, a half to the even one),
        none if n < 10."""
        return share_count(frac, n) if n >= 10 else 0

    def _split(self, n: int, frac: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(train, held-out) indices: a seeded random share ``frac`` is held out (none if n < 10)."""
        n_val = self._held_out_count(n, frac)
        order = rng.permutation(n)
        return np.sort(order[n_val:]), np.sort(order[:n_val])

    def _take(self, X: Any, idx: np.ndarray) -> Any:
        return X[idx]

    def _val_steps(self) -> int | None:
        """The held-out steps whose scores (``val_scores_``, a time-series model's causal ones)
        a threshold rule is fitted on, where fewer scores than steps can come from them (a
        window model's), so that a warning of too few scores says the steps to hold out too;
        ``None`` for a model that scores each held-out row once."""
        return None

    def _held_out_said(self, exc: InputError) -> InputError:
        """A threshold rule's refusal ``exc`` of too few of :attr:`val_scores_`, its needs told
        in held-out steps where these give fewer scores (:meth:`_val_steps`,
        :func:`held_out_scores_said`): ``set_threshold`` and ``hourglass threshold`` say it so,
        as ``fit`` does."""
        steps = self._val_steps()
        return held_out_scores_said(exc, steps, int(self.val_scores_.size)) if steps else exc

    def _scores_said(self, n: int, held: bool) -> str:
        """How this model's ``n`` kept scores (held-out ones, or with ``held`` false its training
        scores) come from more steps, as the model card and ``hourglass threshold`` say it: a
        forecaster's first ``window`` steps of a series have no forecast of their own; ``""``
        where each step (row) gives its score.

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> AutoEncoder()._scores_said(30, held=True)
        ''
        """
        if not held:
            first = int(getattr(self, "unpredicted_steps", 0))
            return (f"the first {counted(first, 'step')} of each training series have no forecast of "
                    "their own"
                    if first else "")
        steps = self._val_steps()
        if not steps or steps <= n:
            return ""
        return (f"the held-out tail's {counted(steps, 'step')} give {n:,}: its first "
                f"{counted(steps - n, 'step')} "
                f"{'has no forecast of its own' if steps - n == 1 else 'have no forecast of their own'}")

    def _held_out_scores(self, X: Any) -> np.ndarray:
        """Scores of ``fit``'s held-out (normal) rows ``X``, which the threshold and the
        calibration are fitted on (a subclass may leave some rows' scores out)."""
        return self._score(X)

    def _n_held_out_scores(self, n: int) -> int:
        """How many scores :meth:`_held_out_scores` gives for ``n`` held-out rows (checked
        against the threshold rule's needs before training)."""
        return n

    def _training_scores(self, X: Any) -> np.ndarray:
        """Scores of all of ``fit``'s rows ``X``, which the threshold and the calibration are
        fitted on when nothing is held out (a subclass may leave some rows' scores out)."""
        return self._score(X)

    def _n_training_scores(self, n: int) -> int:
        """How many scores :meth:`_training_scores` gives for ``fit``'s ``n`` rows (checked
        against the threshold rule's needs before training)."""
        return n

    def _default_threshold(self) -> Threshold:
        """Threshold used when ``threshold`` is ``None``."""
        return Percentile(99.0)

    def _check_params(self) -> None:
        """Validate hyper-parameters at fit time; raise ``InputError(..., param=NAME)`` naming
        the parameter."""

    def _fit(self, X: Any, X_val: Any | None, y: np.ndarray | None) -> None:
        raise NotImplementedError

    def _fit_more(self, X: Any, X_val: Any | None, y: np.ndarray | None) -> None:
        """Continue training the fitted model on ``X`` (detectors tagged ``warm_start``)."""
        raise NotImplementedError

    def _score(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    # -- state (for artefacts) ------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        """Whether ``fit`` completed (scikit-learn's ``check_is_fitted`` asks this): a fit that
        failed after reading the data leaves ``n_features_in_``, which scikit-learn's own rule
        (any attribute ending in ``_``) would read as fitted."""
        return hasattr(self, "threshold_")

    def _check_fitted(self) -> None:
        if not hasattr(self, "threshold_"):
            raise DetectorNotFittedError(f"{type(self).__name__} is not fitted; call fit(X) first")

    def _seed(self) -> int:
        rs = getattr(self, "random_state", 0)
        seed = 0 if rs is None else int(rs)
        if not 0 <= seed < 2**64:  # numpy's and torch's seeds
            raise InputError(f"random_state must be None or an integer in [0, 2**64), got {rs!r}",
                             param="random_state")
        return seed

    def _sklearn_seed(self) -> int:
        """:meth:`_seed` for scikit-learn, whose seeds are below 2**32: the same number there,
        a larger one reduced into that range (hashed, so 2**32 does not repeat seed 0)."""
        return sklearn_seed(self._seed())

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Fitted state as (plain-JSON dict, named arrays) — what an artefact stores.

        Returns
        -------
        tuple of (dict, dict)
            The plain-JSON state (features, threshold, calibration, the model's own) and the
            named arrays (held-out scores, weights).

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> meta, arrays = ae.get_state()
        >>> meta["n_features_in"], "val_scores" in arrays
        (3, True)
        """
        self._check_fitted()
        # the rule saved with the parameters is checked on load: a Percentile(150) set after fit
        # (which scores: the fitted threshold is another) saved a model that did not load
        self._check_threshold_setting()
        meta, arrays = self._get_state()
        meta = {"n_features_in": int(self.n_features_in_),
                "threshold": self.threshold_.to_dict(),
                "calibration": self.calibrator_.to_dict(), **meta}
        if getattr(self, "feature_names_in_", None) is not None:
            meta["feature_names_in"] = [str(n) for n in self.feature_names_in_]
        arrays = {"val_scores": self.val_scores_.astype(np.float64),
                  "val_index": self.val_index_.astype(np.int64), **arrays}
        if getattr(self, "gradient_baseline_", None) is not None:
            arrays["gradient_baseline"] = self.gradient_baseline_.astype(np.float32)
        return meta, arrays

    def set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self:
        """Restore what :meth:`get_state` returned (on a detector built with the same params).

        Parameters
        ----------
        meta, arrays
            What :meth:`get_state` returned.

        Returns
        -------
        BaseDetector
            ``self``, fitted as the detector the state came from.

        Raises
        ------
        hourglass.errors.InputError
            When the state misses a part, or does not fit this detector (another model's, other
            params); the detector is then left as it was (fitted or not), never half of each.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).astype("float32")
        >>> ae = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> again = ae.clone().set_state(*ae.get_state())
        >>> bool(np.array_equal(again.score(X), ae.score(X)))
        True
        """
        # a state replaces the whole fit, as fit does (an earlier fit's gradient baseline stayed
        # beside a state without one); one that fails puts the detector back as it was: it had
        # set the state's threshold and n_features_in_ before the weights were refused, so a
        # fresh detector read as fitted and failed in score with AttributeError 'module_', and a
        # fitted one scored with its own weights against the other model's threshold
        before = dict(self.__dict__)
        self._forget_fit()
        try:
            self._set_fitted_state(meta, arrays)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        return self

    def _set_fitted_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """:meth:`set_state` on a detector whose fit was forgotten."""
        try:
            self.n_features_in_ = int(meta["n_features_in"])
            if meta.get("feature_names_in") is not None:
                self.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
            self.threshold_ = threshold_from_dict(meta["threshold"], fitted=True)
            self.val_scores_ = state_vector(arrays, "val_scores", np.float64)
            self.val_index_ = state_vector(arrays, "val_index", np.int64)
            if "gradient_baseline" in arrays:
                self.gradient_baseline_ = state_vector(arrays, "gradient_baseline", np.float32,
                                                       self._row_width())
            self.calibrator_ = (Calibrator.from_dict(meta["calibration"]) if "calibration" in meta
                                else Calibrator().fit(self.val_scores_))
        except KeyError as exc:
            raise InputError(f"detector state is missing {exc}") from None
        self._set_state(meta, arrays)

    def _row_width(self) -> int:
        """Columns of a validated input row: what ``gradient_baseline_`` (and a standardising
        model's offset and scale) hold one value per."""
        return int(self.n_features_in_)

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {}, {}

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        return None

    def clone(self) -> Self:
        """Unfitted copy with the same parameters (``sklearn.base.clone``).

        Returns
        -------
        BaseDetector
            A new, unfitted detector of the same class and parameters.

        Examples
        --------
        >>> from hourglass.detectors import AutoEncoder
        >>> AutoEncoder(hidden=(4, 2)).clone().hidden
        (4, 2)
        """
        return sk_clone(self)


def _same_setting(now: Any, was: Any) -> bool:
    """Whether a parameter set now is the one a model was fitted with: numbers by value (0.1 and
    ``np.float32(0.1)``, 8 and 8.0; a boolean only as a boolean), a list as the tuple it holds,
    a dict key by key, a detector (an ensemble's member) by its parameters, anything else by
    ``==``."""
    if now is was:
        return True
    flags = isinstance(now, bool | np.bool_), isinstance(was, bool | np.bool_)
    if any(flags):
        return all(flags) and bool(now) == bool(was)
    if isinstance(now, numbers.Integral) and isinstance(was, numbers.Integral):
        # whole numbers exactly: a width of 1,000,001 is no 1,000,000 (within the float tolerance
        # below, it scored, then saved a model whose weights did not fit its own config)
        return int(now) == int(was)
    if isinstance(now, numbers.Real) and isinstance(was, numbers.Real):
        a, b = float(now), float(was)
        return a == b or math.isclose(a, b, rel_tol=1e-6)
    if isinstance(now, list | tuple) and isinstance(was, list | tuple):
        return len(now) == len(was) and all(_same_setting(a, b) for a, b in zip(now, was, strict=True))
    if isinstance(now, dict) and isinstance(was, dict):
        return now.keys() == was.keys() and all(_same_setting(now[k], was[k]) for k in now)
    if type(now) is type(was) and isinstance(now, BaseEstimator):  # a detector: its parameters
        return _same_setting(now.get_params(deep=False), was.get_params(deep=False))
    try:
        return bool(now == was)
    except (TypeError, ValueError):  # an object whose == is no truth value
        return False


class DeepDetector(BaseDetector):
    """Base of torch detectors: builds the module in ``fit`` and runs the one training loop.

    Subclasses implement ``_build_module(n_features)`` returning a module with ``loss(batch)``
    and ``score(batch)``. Detectors tagged ``supports_labels`` get batches ``(x, y)`` when the
    training labels hold at least one anomaly (``(x,)`` otherwise); early stopping watches the
    label-free loss of the held-out normal rows, or, when none are held out (under 10 rows,
    ``validation_fraction=0``), the training loss, labelled rows included. ``_init_module`` may
    set data-dependent buffers (a centre, feature scales) before training.

    Examples
    --------
    >>> import numpy as np
    >>> from torch import nn
    >>> class _Net(nn.Module):
    ...     def __init__(self, d):
    ...         super().__init__()
    ...         self.net = nn.Sequential(nn.Linear(d, 2), nn.Tanh(), nn.Linear(2, d))
    ...     def errors(self, batch):
    ...         return (self.net(batch[0]) - batch[0]).pow(2).mean(dim=1)
    ...     def loss(self, batch):
    ...         return self.errors(batch).mean()
    ...     def score(self, batch):
    ...         return self.errors(batch)
    >>> class TinyAE(DeepDetector):
    ...     def __init__(self, epochs=30, batch_size=64, lr=1e-2, weight_decay=0.0, patience=None,
    ...                  validation_fraction=0.1, threshold=None, device="cpu", verbose=0,
    ...                  random_state=0):
    ...         self.epochs, self.batch_size, self.lr = epochs, batch_size, lr
    ...         self.weight_decay, self.patience = weight_decay, patience
    ...         self.validation_fraction, self.threshold = validation_fraction, threshold
    ...         self.device, self.verbose, self.random_state = device, verbose, random_state
    ...     def _build_module(self, n_features):
    ...         return _Net(n_features)
    >>> z = np.random.default_rng(0).normal(size=(300, 1))
    >>> X = np.hstack([z, 2 * z, -z]).astype("float32")     # normal rows lie on a line
    >>> ae = TinyAE().fit(X)
    >>> s = ae.score(np.array([[1.0, 2.0, -1.0], [1.0, -2.0, 1.0]], dtype="float32"))
    >>> bool(s[1] > s[0])
    True
    """

    _tags: ClassVar[dict[str, Any]] = {"deep": True}

    #: The fitted network: it has ``loss(batch)`` and ``score(batch)`` (subclasses name its class).
    module_: torch.nn.Module
    # ``batch_size="auto"``: the largest batch, read from the class's own namespace (not
    # inherited: a subclass keeps the 1,024 cap it was benchmarked with unless it sets its own).
    # ``lr`` is the rate of batches up to 1,024 rows and scales linearly beyond.
    _auto_batch_largest: ClassVar[int] = 1024
    #: A warm start keeps batch-norm layers' running statistics (see :class:`TrainConfig`).
    _warm_freeze_batch_norm: ClassVar[bool] = True

    def _train_config(self, n_rows: int | None = None) -> TrainConfig:
        bs, lr = self.batch_size, float(self.lr)
        if bs == "auto":
            largest = type(self).__dict__.get("_auto_batch_largest", 1024)
            bs = auto_batch_size(1024 if n_rows is None else n_rows, largest=largest)
            lr *= max(1.0, bs / 1024)
        return TrainConfig(
            epochs=int(self.epochs),
            batch_size=int(bs),
            lr=lr,
            weight_decay=float(self.weight_decay),
            patience=None if self.patience is None else int(self.patience),
            verbose=int(self.verbose),
        )

    def validate_params(self) -> None:
        check_numeric_params(self, refuse_none=True)  # kinds first: the range checks below compare numbers
        self._check_common()
        super().validate_params()

    def _check_common(self) -> None:
        from hourglass.nn.blocks import ACTIVATIONS

        # any value of a detector's activation that names none (["relu"], 5, None): fit said so
        # only after reading the data, a list as TypeError "unhashable type" from the network
        if "activation" in self._get_param_names():
            activation = self.get_params(deep=False)["activation"]
            if not isinstance(activation, str) or activation not in ACTIVATIONS:
                raise InputError(f"activation: unknown {activation!r}; choose from {sorted(ACTIVATIONS)}",
                                 param="activation")
        resolve_device(self.device)
        check_widths(self)
        check_at_least_one(self, "epochs")
        check_batch_size(self)
        if float(self.lr) <= 0:
            raise InputError(f"lr must be > 0, got {self.lr}", param="lr")
        if float(self.weight_decay) < 0:
            raise InputError(f"weight_decay must be >= 0, got {self.weight_decay}", param="weight_decay")
        top = float(np.finfo(np.float32).max)  # torch's optimisers hold them as float32
        if float(self.weight_decay) > top:
            raise InputError(f"weight_decay must be at most {top:.3g} (a float32), got {self.weight_decay}",
                             param="weight_decay")
        check_rate(self, "lr")
        if self.patience is not None and int(self.patience) < 1:
            raise InputError(f"patience must be None or >= 1, got {self.patience}", param="patience")

    def _check_label_params(self) -> None:
        """Checks of the semi-supervised knobs ``label_margin`` and ``label_weight``."""
        margin = float(getattr(self, "label_margin", 10.0))
        if not margin > 1:
            raise InputError(f"label_margin must be > 1, got {margin}", param="label_margin")
        weight = float(getattr(self, "label_weight", 1.0))
        if not weight >= 0:
            raise InputError(f"label_weight must be >= 0, got {weight}", param="label_weight")
        check_float32(self, *[n for n in ("label_margin", "label_weight") if hasattr(self, n)])

    #: Parameters that may change after fit: the training settings a warm start takes and the
    #: threshold rule (fitted again apart); a subclass adds its own training-only ones (loss
    #: weights, training windows' stride, a memory bound). Every other one shaped the network or
    #: its scores.
    _free_after_fit: ClassVar[frozenset[str]] = frozenset(WARM_START_PARAMS)

    def _record_built_with(self) -> None:
        """Note the parameters the network was built and fitted under (``built_with_``: a deep
        copy, so that a list or dict changed in place is noticed too), all but
        :attr:`_free_after_fit`."""
        self.built_with_ = {name: copy.deepcopy(getattr(self, name)) for name in self._get_param_names()
                            if name not in self._free_after_fit}
        self.free_with_ = {name: getattr(self, name) for name in self._get_param_names()
                           if name in self._free_after_fit}

    def _check_built_with(self, skip: Collection[str] = ()) -> None:
        """Refuse to score, save, export or warm start with another value of a parameter than
        the network was built and fitted under (``set_params`` after ``fit``; ``skip`` names
        those the caller does not depend on): the network went on scoring with its own, while
        the artefact saved the new one, so the loaded model scored differently or did not load."""
        built = self.__dict__.get("built_with_")
        if not built:
            return
        for name, was in built.items():
            now = getattr(self, name, was)
            if now is was or name in skip or _same_setting(now, was):
                continue
            raise InputError(f"{type(self).__name__}: {name} is {now!r}, but the model was fitted "
                             f"with {was!r} (its network was built and its threshold fitted under "
                             f"it); fit again, or set {name}={was!r}")
        free = self.__dict__.get("free_with_")
        if free and any(getattr(self, name, was) is not was for name, was in free.items()):
            # a setting free after fit changed since: still one fit would take (chunk_events=0
            # was a bare ValueError from range() at scoring, and saved so, no warm start took it);
            # the kinds and each detector's own ranges, not whether this machine has the device
            # (a model saved on a Mac with 'mps' saves and scores on any machine) nor the
            # training loop's settings
            check_numeric_params(self, refuse_none=True)
            self._check_params()
            # the device's kind and the threshold rule, as loading checks them: a 'tpu' or a
            # Percentile(150) scored (neither is read then), saved, and the model did not load
            if "device" in free:
                check_device(self.device)
            if "threshold" in free:
                self._check_threshold_setting()
            self.free_with_ = {name: getattr(self, name, was) for name, was in free.items()}

    def _check_fitted(self) -> None:
        super()._check_fitted()
        self._check_built_with()

    def _build_module(self, n_features: int) -> torch.nn.Module:
        raise NotImplementedError

    def _train_tensors(self, X: Any, y: np.ndarray | None) -> tuple[torch.Tensor, ...]:
        if y is None or not self.get_tags()["supports_labels"] or not np.any(y):
            return (torch.from_numpy(X),)
        return (torch.from_numpy(X), torch.from_numpy(np.asarray(y, dtype=np.float32)))

    def _init_module(self, module: torch.nn.Module, train: tuple[torch.Tensor, ...]) -> None:
        """Set data-dependent state of a freshly built module (default: nothing)."""

    def _fit(self, X: Any, X_val: Any | None, y: np.ndarray | None) -> None:
        self._train(X, X_val, y, module=None)

    def _fit_more(self, X: Any, X_val: Any | None, y: np.ndarray | None) -> None:
        self._train(X, X_val, y, module=self.module_)

    def _new_module(self, device: torch.device) -> torch.nn.Module:
        """The network to train, on ``device``. One that does not fit in memory is an input
        error naming its widths: the network, not the batch size, is what to change."""
        if device.type == "cpu":
            self._check_module_fits()
        try:
            return self._build_module(self.n_features_in_).to(device)
        except (MemoryError, RuntimeError) as exc:
            if not out_of_memory(exc):
                raise
            raise self._does_not_fit("GPU memory" if device.type == "cuda" else "memory") from None

    def _check_module_fits(self, n_features: int | None = None) -> None:
        """Refuse, before it is built, a network on ``n_features`` inputs (default: the fitted
        ``n_features_in_``) whose weights, gradients and optimiser moments (four copies of its
        parameters, fewer than training holds) exceed the memory left.

        Linux grants a large allocation and only fails as its pages are written: the kernel then
        kills the process, with no message. The network is counted on torch's ``meta`` device
        (:func:`~hourglass.nn.meta.module_on_meta`), which allocates nothing and draws no random
        numbers."""
        have = available_memory()
        if have is None:
            return
        n = self.n_features_in_ if n_features is None else n_features
        need = self._stacked_need(n)
        if need is None or need <= have:
            module = module_on_meta(self, n)
            if module is None:  # a build that needs real numbers: the real build decides
                logger.debug("%s: network size not counted before building it", type(self).__name__)
                return
            need = 4 * _bytes_of(module)
        if need > have:
            raise self._does_not_fit("memory", f"{memory_text(need)} for its weights, gradients and "
                                               f"optimiser state; {memory_text(have)} is free", n)

    def _stacked_need(self, n_features: int) -> int | None:
        """The bytes :meth:`_check_module_fits` counts for a stack of more than
        :data:`_LAYERS_COUNTED` layers (``num_layers``, ``layers``), from the same network of 2, 3
        and 4 layers, where each added layer adds the same (identical stacked layers, as torch's
        recurrent ones); ``None`` where not so. A recurrent stack of a million layers took hours
        to build even on the meta device (torch files each layer's weights against a list of
        every name before them): a network too big for memory was refused only then."""
        params = self.get_params(deep=False)
        name = next((k for k in ("num_layers", "layers") if k in params), None)
        count = params.get(name) if name is not None else None
        if not isinstance(count, numbers.Integral) or int(count) <= _LAYERS_COUNTED:
            return None
        sizes = []
        for k in (2, 3, 4):
            probe = copy.copy(self)
            setattr(probe, str(name), k)
            module = module_on_meta(probe, n_features)
            if module is None:
                return None
            sizes.append(_bytes_of(module))
        step = sizes[1] - sizes[0]
        if step <= 0 or sizes[2] - sizes[1] != step:
            return None
        return 4 * (sizes[0] + (int(count) - 2) * step)

    def _does_not_fit(self, where: str, detail: str = "", n_features: int | None = None) -> InputError:
        """The error for a network on ``n_features`` inputs (default: ``n_features_in_``) too
        large for ``where``, naming the widths it is built from and its count of layers where
        set above its default (``detail``, where known, says how large it is)."""
        n = self.n_features_in_ if n_features is None else n_features
        params = self.get_params(deep=False)
        # every width the network is built from: a huge code was blamed on hidden, at its
        # default, when the detector had one
        sizes = {name: params[name] for name in _NETWORK_WIDTHS if name in params}
        # and a stack deeper than its default (num_layers=5000 was refused naming the widths
        # alone, at their defaults: the layer count, what to lower, went unsaid)
        layers = {name: params[name] for name in ("num_layers", "layers")
                  if _above_default(type(self), name, params.get(name))}
        fit = f"does not fit in {where}" + (f" ({detail})" if detail else "")
        if not sizes and not layers:
            return InputError(f"the network on {n:,} inputs {fit}; give a smaller network")
        shown = ", ".join(f"{name} {','.join(map(str, v)) if isinstance(v, (tuple, list)) else v}"
                          for name, v in (sizes | layers).items())
        if list(sizes) == ["hidden"] and not layers:
            return InputError(f"{shown}: the network on {n:,} inputs {fit}; "
                              "give smaller widths", param="hidden")
        advice = " or ".join((["smaller widths"] if sizes else []) + (["fewer layers"] if layers else []))
        return InputError(f"the network on {n:,} inputs {fit} ({shown}); give {advice}",
                          param=tuple(sizes | layers))

    def _train(self, X: Any, X_val: Any | None, y: np.ndarray | None,
               module: torch.nn.Module | None) -> None:
        """Train a new module (``module=None``) or continue training ``module`` (warm start:
        its data-dependent state, a centre or scales, is kept; the loop's best-epoch choice
        starts from its current weights)."""
        self._check_common()
        device = resolve_device(self.device)
        seed = self._seed()
        # the CUDA device it trains on ("cuda" without an index: torch's current one, not 0),
        # forked and seeded (forked_rng seeds no other)
        devices = ([torch.cuda.current_device() if device.index is None else device.index]
                   if device.type == "cuda" else [])
        warm = module is not None
        # False: weights never trained (a federated run's freshly seeded start), which, as in a
        # fresh fit, do not compete with the epochs as epoch 0
        keep = bool(self.__dict__.pop("_warm_keep_initial", True))
        # (one fit at a time in this process: torch's generator is every thread's)
        with forked_rng(seed, devices), deterministic_cudnn(device):
            if module is None:
                module = self._new_module(device)
            else:
                if not keep:  # the numbers a fresh fit's initialisation draws (the weights came
                    # so seeded), so that dropout masks and sampling noise follow as in that fit
                    self._build_module(self.n_features_in_)
                module = module.to(device)
            train = tuple(t.to(device) for t in self._train_tensors(X, y))
            if not warm:
                self._init_module(module, train)
            val = None
            # Early stopping watches the label-free loss of held-out normal rows (``fit`` passes
            # only the normal ones when labels are given), so labels cannot buy their margin
            # with a worse fit of normal data.
            if X_val is not None and self._n_samples(X_val) > 0:
                val = tuple(t.to(device) for t in self._train_tensors(X_val, None))
            gen = torch.Generator().manual_seed(seed)
            config = self._train_config(self._n_samples(X))
            if warm:
                update = self.__dict__.pop("_warm_update_batch_norm", False)
                mu = float(self.__dict__.pop("_warm_proximal_mu", 0.0))
                config = dataclasses.replace(
                    config, keep_initial=keep,
                    freeze_batch_norm=bool(self._warm_freeze_batch_norm) and not update,
                    extra_loss=proximal_term(module, mu) if mu > 0 else None)
            if min(config.batch_size, train[0].shape[0]) < 2 and not config.freeze_batch_norm and any(
                    isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in module.modules()):
                # else torch's "Expected more than 1 value per channel when training" at step one
                name = type(self).__name__
                if config.batch_size < 2:
                    raise InputError(f"batch_size={self.batch_size}: {name}'s network has batch "
                                     f"normalisation, which cannot train on batches of one row; "
                                     f"{BATCH_OF_TWO}", param="batch_size")
                unit = "session" if self.get_tags()["input"] == "events" else "row"
                raise InputError(f"{name}: 1 training {unit} (after the held-out ones); its network "
                                 f"has batch normalisation, which cannot train on one {unit}; "
                                 f"{MORE_ROWS_OR_NO_BATCH_NORM}")
            self.history_: TrainHistory = train_module(
                module, train, val, config, generator=gen, description=type(self).__name__)
        self.module_ = module
        self.device_ = device
        self._record_built_with()

    def __getstate__(self) -> dict[str, Any]:
        """The state pickle sends (joblib hands fitted detectors between processes:
        ``cross_validate(..., n_jobs=2, return_estimator=True)``, a fitted pipeline sent to a
        worker). A network with parametrised layers (the GANs' spectral normalisation) goes as
        its weights and is built again when unpickled, as loading an artefact builds it: torch
        refuses to pickle such a module ("Serialization of parametrized modules is only
        supported through state_dict()"), so a fitted AnoGAN, GANomaly, EncoderGAN or
        GANomaly1D failed where every other detector was sent.

        Examples
        --------
        >>> import pickle
        >>> import numpy as np
        >>> from hourglass.detectors import GANomaly
        >>> X = np.random.default_rng(0).normal(size=(60, 3)).astype("float32")
        >>> det = GANomaly(hidden=(4,), latent_dim=2, epochs=1, min_steps=0, verbose=0).fit(X)
        >>> bool((pickle.loads(pickle.dumps(det)).score(X) == det.score(X)).all())
        True
        """
        state = dict(super().__getstate__())  # (object's is the live __dict__ itself)
        module = state.get("module_")
        if isinstance(module, torch.nn.Module) and any(
                torch.nn.utils.parametrize.is_parametrized(m) for m in module.modules()):
            state["module_"] = _ModuleWeights(module.state_dict(), module.training)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        sent = self.__dict__.get("module_")
        if isinstance(sent, _ModuleWeights):
            self.module_ = sent.rebuild(self)

    def _score(self, X: Any) -> np.ndarray:
        self._check_built_with()
        self.module_.eval()
        return predict_batches(module_score(self.module_), [X], device=self.device_,
                               batch_size=self._score_batch_size())

    def score_module(self) -> torch.nn.Module:
        """The scoring path as one ``nn.Module``: float32 rows (batch × features) in, the score
        of each row out, the same function as :meth:`score` (to float rounding).

        Only for detectors tagged ``onnx_export`` (their score is one feed-forward pass of the
        network over the feature matrix); it is what ONNX export traces.

        Examples
        --------
        >>> import numpy as np, torch
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(50, 3)).astype("float32")
        >>> det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(X)
        >>> with torch.no_grad():
        ...     s = det.score_module()(torch.from_numpy(X[:4])).numpy()
        >>> bool(np.allclose(s, det.score(X[:4]), rtol=1e-5))
        True
        """
        self._check_fitted()
        if not self.get_tags()["onnx_export"]:
            raise InputError(f"{type(self).__name__}: scoring is not one feed-forward torch graph "
                             "on the feature matrix")
        self._check_built_with()
        self.module_.eval()
        return _ModuleScore(self.module_).eval()

    def _gradient_module(self) -> torch.nn.Module:
        module = self.score_module() if self.get_tags()["onnx_export"] else _ModuleScore(self.module_)
        return module.eval()

    def _score_batch_size(self) -> int:
        # 16k rows keep an MLP's activations in cache; measured ~20% faster than 64k on CPU
        return 16384

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        self._check_built_with()  # an artefact records the parameters, not built_with_
        arrays = {f"module.{k}": v.detach().cpu().numpy()
                  for k, v in self.module_.state_dict().items()}
        meta: dict[str, Any] = {}
        if hasattr(self, "history_"):
            meta["history"] = self.history_.to_dict()
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        # a model saved with device="cuda" scores on the CPU of a machine without one (a
        # warning says so); training there (fit, warm_start) still refuses the missing device
        device = resolve_device(self.device, fallback=True)
        # the weights it draws are replaced by the saved ones: the caller's torch RNG untouched
        # (loading a model, or a warm start's copy, moved a seeded torch.rand's numbers after it)
        with forked_rng(devices=[]):  # (not while a fit in another thread draws from it)
            module = self._build_module(self.n_features_in_)
        state = {k[len("module."):]: torch.from_numpy(np.array(v))
                 for k, v in arrays.items() if k.startswith("module.")}
        for key, want in module.state_dict().items():
            if key in state and state[key].dtype != want.dtype:  # load_state_dict would cast it
                raise InputError(f"saved weights do not fit {type(self).__name__}: {key!r} holds "
                                 f"{str(state[key].dtype)[6:]}, expected {str(want.dtype)[6:]}; the artefact "
                                 "was modified")  # (torch.float32: float32)
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            detail = " ".join(str(exc).split("\n", 1)[-1].split())  # torch's list, on one line
            raise InputError(f"saved weights do not fit {type(self).__name__}: {detail[:300]}") from None
        self.module_ = module.to(device).eval()
        self.device_ = device
        self._record_built_with()
        if "history" in meta:  # kept, so that saving the loaded model again keeps it too
            try:
                self.history_ = TrainHistory.from_dict(meta["history"])
            except ValueError as exc:
                raise InputError(f"saved {exc}") from None
