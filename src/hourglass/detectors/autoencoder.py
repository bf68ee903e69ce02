"""The hourglass autoencoder: reconstruction error of a network trained on normal data."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hourglass.detectors._reconstruction import ReconstructionMixin, feature_error_rows
from hourglass.detectors.base import (
    BATCH_OF_TWO,
    DeepDetector,
    check_dropout,
    check_hidden,
    module_score,
    state_vector,
)
from hourglass.errors import InputError
from hourglass.nn import TrainConfig, labelled_margin_loss, mlp, predict_batches
from hourglass.nn.blocks import sequential_forward
from hourglass.nn.optim import FusedAdam
from hourglass.thresholds import Threshold

__all__ = ["AutoEncoder", "fused_adam", "standardization"]

AUTO_BATCH_LARGEST = 2048
"""``batch_size="auto"``: the largest batch (on tables of 16k+ training rows), its ``lr`` scaled
up in proportion to the batch beyond 1,024 rows. Chosen on NSL-KDD training data
(``benchmarks/results/nsl_kdd_fit_selection.md``): validation macro-AUC 0.974 against 0.972 for
1,024 rows at 3e-3, with a sixth less CPU per fit."""

PRESCALE_ABOVE = 2.0 ** 32
"""Scoring folds the standardisation into the network, and squares errors in raw units; an input
scale above this is divided out of the error before it is squared instead (a squared error in
raw units overflows float32 from about 1.8e19)."""

CENTER_ABOVE = 16.0
"""Scoring folds the input offset into the network unless a feature's offset is more than this
many times its scale: then the rows are centred first (``x - offset``) and the error taken on
centred rows, as a reconstruction in raw units of a feature far from zero (a counter near 1e5
with no scaling) loses the error to float32 cancellation (scores 0.5% off at 1e5, 30% at 1e7).
A scaled feature (min-max, one-hot: within [0, 1], its scale at least a tenth of its range) is
never past it, and scores as folded."""

STANDARDIZE_FLOOR = 0.1
"""``standardize``: a feature's scale is at least this share of its range on the training rows."""


STANDARDIZE_BLOCK_VALUES = 1 << 22
"""Most values (rows × columns) of the float64 copy :func:`standardization` takes at a time."""


def standardization(ref: np.ndarray, names: Sequence[object] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``standardize``'s (offset, scale) of the float32 rows ``ref``, as float32: each feature's
    mean, and its standard deviation floored at ``STANDARDIZE_FLOOR`` times its range (1 where
    that is ~0). The moments are taken in float64 (a block of rows at a time), as a federated
    site sends them (``mean``, ``m2``), so one site's merged scaling is this one: in
    float32 the mean differed from the merged float64 one in its last bits, and training carried
    that into every score (a one-site federated model scored NSL-KDD up to 50 % off its local
    fit's). Finite float32 rows always give a finite float32 offset and scale; should the floored
    spread not fit float32, an ``InputError`` names the feature: ``names``, else its column.

    Examples
    --------
    >>> X = np.array([[0.0, 1e38], [2.0, 3e38]], dtype=np.float32)  # float32 sums overflow
    >>> offset, scale = standardization(X)
    >>> [f"{v:.3g}" for v in offset], [f"{v:.3g}" for v in scale]
    (['1', '2e+38'], ['1', '1e+38'])
    """
    n = ref.shape[0]
    offset = ref.mean(axis=0, dtype=np.float64)
    m2 = np.zeros(ref.shape[1], dtype=np.float64)
    step = max(1, STANDARDIZE_BLOCK_VALUES // max(ref.shape[1], 1))
    for lo in range(0, n, step):  # a block of rows in float64 at a time, not a copy of them all
        m2 += ((ref[lo:lo + step].astype(np.float64) - offset) ** 2).sum(axis=0)
    # as the federated merge: sqrt(m2 / n), floored at a share of the range (max - min)
    spread = ref.max(axis=0).astype(np.float64) - ref.min(axis=0).astype(np.float64)
    sd = np.maximum(np.sqrt(m2 / n), STANDARDIZE_FLOOR * spread)
    with np.errstate(over="ignore"):
        offset32 = offset.astype(np.float32)
        scale32 = np.where(sd > 1e-12, sd, 1.0).astype(np.float32)
    bad = np.flatnonzero(~(np.isfinite(offset32) & np.isfinite(scale32)))
    if bad.size:
        j = int(bad[0])
        name = repr(str(names[j])) if names is not None else f"column {j}"
        raise InputError(f"feature {name}: its values are too large to standardise in float32 "
                         f"(spread {float(sd[j]):.3g}); rescale it (e.g. a log transform) or drop it")
    return offset32, scale32


def fused_adam(params: list[nn.Parameter], **kwargs: Any) -> FusedAdam:
    """Adam with PyTorch's fused kernel (CPU and CUDA): the whole update of a step in one call.

    The same updates as ``torch.optim.Adam(params, fused=True)``, bit for bit, without
    importing ``torch._dynamo`` (see :mod:`hourglass.nn.optim`).

    Examples
    --------
    >>> from torch import nn
    >>> type(fused_adam(list(nn.Linear(2, 1).parameters()), lr=1e-3)).__name__
    'FusedAdam'
    """
    return FusedAdam(params, **kwargs)


class _AEModule(nn.Module):
    """Encoder ``d -> hidden...`` and mirrored decoder ``... -> d``."""

    error_scale: torch.Tensor  # a buffer

    def __init__(self, n_features: int, hidden: tuple[int, ...], activation: str,
                 dropout: float, batch_norm: bool, label_margin: float = 10.0,
                 label_weight: float = 1.0) -> None:
        super().__init__()
        self.label_margin = label_margin
        self.label_weight = label_weight
        self.encoder = mlp([n_features, *hidden], activation=activation, dropout=dropout,
                           batch_norm=batch_norm, last_activation=True)
        self.decoder = mlp([*reversed(hidden), n_features], activation=activation,
                           dropout=dropout, batch_norm=batch_norm)
        # Per-feature divisor of the squared error at scoring time (ones: plain MSE). Saved with
        # the weights; set after training when ``score_norm="feature"``.
        self.register_buffer("error_scale", torch.ones(n_features))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # weights saved before ``error_scale`` existed were plain-MSE models: keep the ones
        state_dict.setdefault(prefix + "error_scale", self.error_scale.detach().clone())
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # the layers' functions, not their module calls (the same operations): on a small
        # table the calls were a tenth of a training step
        return sequential_forward(self.decoder, sequential_forward(self.encoder, x))

    def code(self, x: torch.Tensor) -> torch.Tensor:
        return sequential_forward(self.encoder, x)

    def raw_errors(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        x = batch[0]
        return (self(x) - x).pow(2)

    def feature_errors(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self.raw_errors(batch) / self.error_scale

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        if len(batch) < 2:
            # unlabelled: the same mean squared error and gradients, bit for bit, as
            # ``raw_errors(batch).mean()``, in one fused kernel each way
            return F.mse_loss(self(batch[0]), batch[0])
        return self.loss_from_errors(self.raw_errors(batch), batch)

    def loss_from_errors(self, errors: torch.Tensor, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Mean squared error; with labels in the batch, the semi-supervised margin loss."""
        if len(batch) < 2:
            return errors.mean()
        return labelled_margin_loss(errors.mean(dim=1), batch, margin=self.label_margin,
                                    weight=self.label_weight)

    def score(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        # = feature_errors(batch).mean(dim=1), as one matrix-vector product without temporaries
        x = batch[0]
        sq = (self(x) - x).square_()
        return torch.mv(sq, self.error_scale.reciprocal()) / x.shape[1]


def _leaves(seq: nn.Module) -> list[nn.Module]:
    """The layers of (possibly nested) ``nn.Sequential`` containers, in call order."""
    if isinstance(seq, nn.Sequential):
        return [leaf for child in seq for leaf in _leaves(child)]
    if next(seq.children(), None) is not None:
        raise TypeError(f"cannot fold {type(seq).__name__}: not a plain layer or nn.Sequential")
    return [seq]


class _FoldedScorer:
    """Scoring-only form of a trained ``_AEModule``: batch norms (running statistics) folded
    into the linear layers before them, the input standardisation into the first layer and its
    inverse into the last, so the reconstruction comes out in raw units and the score is
    ``mv((x̂ - x)², w)`` with ``w = 1 / (d · scale² · error_scale)`` (``(x̂ - x) / scale`` squared
    when a scale is above :data:`PRESCALE_ABOVE`). The same function as
    ``module.score`` on standardised rows (to float rounding) in fewer passes over memory.
    """

    def __init__(self, module: _AEModule, offset: np.ndarray | None, scale: np.ndarray | None) -> None:
        self.steps: list[tuple[torch.Tensor, torch.Tensor] | nn.Module] = []
        # per feature, what the raw error is multiplied by before it is squared (None: nothing,
        # the scale is in ``weights``); set when an input scale is large (PRESCALE_ABOVE)
        self.residual_scale: torch.Tensor | None = None
        # the input offset subtracted before the first layer (None: folded into it), see
        # CENTER_ABOVE
        self.center: torch.Tensor | None = None
        linears: list[tuple[torch.Tensor, torch.Tensor]] = []  # the (W, b) pairs in self.steps
        for layer in _leaves(module.encoder) + _leaves(module.decoder):
            if isinstance(layer, nn.Linear):
                W = layer.weight.detach().clone()
                b = (layer.bias.detach().clone() if layer.bias is not None
                     else W.new_zeros(layer.out_features))
                linears.append((W, b))
                self.steps.append(linears[-1])
            elif isinstance(layer, nn.BatchNorm1d):  # the linear layer just before absorbs it
                W, b = linears[-1]
                running_mean, running_var = _running_stats(layer)
                g = (layer.weight if layer.affine else torch.ones_like(running_var)).detach()
                beta = (layer.bias if layer.affine else torch.zeros_like(running_var)).detach()
                k = g / torch.sqrt(running_var + layer.eps)
                W.mul_(k[:, None])
                b.sub_(running_mean).mul_(k).add_(beta)
            elif not isinstance(layer, nn.Dropout):  # dropout: identity at scoring time
                self.steps.append(layer)
        d = linears[0][0].shape[1]
        device = linears[0][0].device
        w = module.error_scale.detach().reciprocal() / d
        if scale is not None and offset is not None:
            sc = torch.from_numpy(scale).to(device)
            off = torch.from_numpy(offset).to(device)
            if float((off.abs() / sc).max()) > CENTER_ABOVE:
                self.center = off
            W0, b0 = linears[0]
            if self.center is None:
                b0.sub_(W0 @ (off / sc))
            W0.div_(sc[None, :])
            WL, bL = linears[-1]
            WL.mul_(sc[:, None])
            bL.mul_(sc)
            if self.center is None:
                bL.add_(off)
            if float(sc.max()) > PRESCALE_ABOVE:
                # raw errors of such a feature square past float32 (a spread over ~1.8e19 made
                # every score inf): divided by the scale first, as on standardised rows
                self.residual_scale = sc.reciprocal()
            else:
                w = w / sc.square()
        self.weights = w
        self.steps = [(st[0].t().contiguous(), st[1]) if isinstance(st, tuple) else st
                      for st in self.steps]

    def score(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        x = batch[0]
        if self.center is not None:
            x = x - self.center  # a new tensor: the caller's rows are left as they are
        h = x
        for st in self.steps:
            if isinstance(st, tuple):
                h = torch.addmm(st[1], h, st[0])
            elif isinstance(st, nn.ReLU):
                h = h.relu_()  # h is this batch's own intermediate: no copy needed
            else:
                h = st(h)
        err = h.sub_(x)
        if self.residual_scale is not None:
            err.mul_(self.residual_scale)
        return torch.mv(err.square_(), self.weights)


def _running_stats(layer: nn.BatchNorm1d) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch norm's running mean and variance (what folding it needs)."""
    if layer.running_mean is None or layer.running_var is None:
        raise TypeError("cannot fold a batch norm without running statistics")
    return layer.running_mean, layer.running_var


def _fold_inputs(module: _AEModule) -> tuple[list[nn.Module], list[torch.Tensor], list[Any]]:
    """Everything :class:`_FoldedScorer` reads of ``module``: its layers, their tensors (the
    error scale last) and the plain attributes it folds in."""
    leaves = _leaves(module.encoder) + _leaves(module.decoder)
    tensors: list[torch.Tensor] = []
    attrs: list[Any] = []
    for layer in leaves:
        if isinstance(layer, nn.Linear):
            tensors += [layer.weight] + ([layer.bias] if layer.bias is not None else [])
            attrs.append(layer.bias is None)
        elif isinstance(layer, nn.BatchNorm1d):
            tensors += list(_running_stats(layer))
            tensors += [layer.weight, layer.bias] if layer.affine else []
            attrs += [layer.eps, layer.affine]
    tensors.append(module.error_scale)
    return leaves, tensors, attrs


def _bits(t: torch.Tensor) -> torch.Tensor:
    """The bytes of a tensor as a flat uint8 tensor (compared, ``-0.0`` differs from ``0.0``)."""
    return t.detach().reshape(-1).view(torch.uint8)


def _array_key(a: np.ndarray | None) -> tuple[Any, ...] | None:
    return None if a is None else (a.dtype, a.shape, a.tobytes())


class _FoldCache:
    """A :class:`_FoldedScorer` and a copy of everything it was folded from, reused while the
    module's layers are the same objects and all it read is unchanged. The contents themselves
    are compared, so no way of changing the weights escapes (``optimizer.step``,
    ``load_state_dict``, ``p.data.copy_``, which bumps no version counter, running statistics
    updated by a forward pass in training mode, ``.to(device)``, a replaced layer).

    Weights are compared by value (``torch.equal``: a NaN never matches, so a NaN weight folds
    again every call). Two weights equal in value differ at most in the sign of a zero, and a
    fold from either scores bit for bit alike: the fold and the forward pass only add, multiply,
    apply activations continuous at 0 and divide by ``sqrt(running_var + eps)`` (never a zero),
    so the two runs differ at most in the sign of zeros, which the squared error drops. The only
    divisors that could be zero, the error scale and the input scale, are compared bit for bit.
    """

    def __init__(self, module: _AEModule, offset: np.ndarray | None, scale: np.ndarray | None) -> None:
        self.scorer = _FoldedScorer(module, offset, scale)  # first: its errors come first
        self.module = module
        self.leaves, tensors, self.attrs = _fold_inputs(module)
        self.meta = [(t.dtype, t.device) for t in tensors]
        self.tensors = [t.detach().clone() for t in tensors]
        self.error_scale = _bits(module.error_scale).clone()
        self.arrays = (_array_key(offset), _array_key(scale))

    def fits(self, module: _AEModule, offset: np.ndarray | None, scale: np.ndarray | None) -> bool:
        if module is not self.module:
            return False
        leaves, tensors, attrs = _fold_inputs(module)
        return (len(leaves) == len(self.leaves)
                and all(a is b for a, b in zip(leaves, self.leaves, strict=True))
                and attrs == self.attrs and len(tensors) == len(self.tensors)
                and all(t.dtype == m[0] and t.device == m[1] and torch.equal(t, c)
                        for t, m, c in zip(tensors, self.meta, self.tensors, strict=True))
                and torch.equal(_bits(module.error_scale), self.error_scale)
                and self.arrays == (_array_key(offset), _array_key(scale)))


class _Affine(nn.Module):
    """``h @ Wt + b`` with fixed (folded) weights."""

    Wt: torch.Tensor  # buffers
    b: torch.Tensor

    def __init__(self, Wt: torch.Tensor, b: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("Wt", Wt)
        self.register_buffer("b", b)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return torch.addmm(self.b, h, self.Wt)


class _FoldedModule(nn.Module):
    """A :class:`_FoldedScorer` as an ``nn.Module`` without in-place operations (what export
    traces): raw rows in, the detector's score out, with the same arithmetic."""

    weights: torch.Tensor  # a buffer
    residual_scale: torch.Tensor | None
    center: torch.Tensor | None

    def __init__(self, scorer: _FoldedScorer) -> None:
        super().__init__()
        self.steps = nn.ModuleList(_Affine(*st) if isinstance(st, tuple) else st for st in scorer.steps)
        self.register_buffer("weights", scorer.weights)
        self.register_buffer("residual_scale", scorer.residual_scale)
        self.register_buffer("center", scorer.center)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.center is not None:
            x = x - self.center
        h = x
        for step in self.steps:
            h = step(h)
        err = h - x
        if self.residual_scale is not None:
            err = err * self.residual_scale
        return torch.mv(err.square(), self.weights)


class _Standardized(nn.Module):
    """``module.score`` of standardised rows, for an autoencoder whose module scores its own way."""

    offset: torch.Tensor  # buffers
    scale: torch.Tensor

    def __init__(self, module: nn.Module, offset: np.ndarray, scale: np.ndarray) -> None:
        super().__init__()
        self.module = module
        self.register_buffer("offset", torch.from_numpy(offset))
        self.register_buffer("scale", torch.from_numpy(scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return module_score(self.module)(((x - self.offset) / self.scale,))


class AutoEncoder(ReconstructionMixin, DeepDetector):
    """Hourglass autoencoder (128-64-32-16 and mirrored) scored by reconstruction error.

    Trained on normal rows only; the score of a row is its mean squared reconstruction error,
    and ``score_features`` gives the error per feature (what an explanation builds on).
    ``fit(X, y)`` with a few rows labelled 1 (known anomalies) trains semi-supervised: their
    reconstruction error is pushed above ``label_margin`` times the normal rows' mean error.

    Parameters
    ----------
    hidden
        Encoder widths; the decoder mirrors them. The last one is the code size.
    activation
        Hidden activation (``relu``, ``leaky_relu``, ``elu``, ``gelu``, ``tanh``, ``sigmoid``).
    dropout
        Dropout rate on hidden layers.
    batch_norm
        Batch normalisation on hidden layers (running statistics at scoring time).
    epochs, batch_size, lr, weight_decay
        Training; Adam with these settings, up to ``epochs`` passes. ``batch_size="auto"`` takes
        the largest power of two in [32, 2048] that still gives 8 optimiser steps per epoch
        (:func:`~hourglass.detectors.base.auto_batch_size`): 2,048 rows on large tables (16k+
        rows; ``lr`` is then doubled, linear scaling), small batches on a few hundred rows, which
        a fixed 1,024 would leave with one step per epoch. 40 epochs at lr 3e-3 were chosen on
        NSL-KDD *training* data (held-out normal rows and KDDTrain+ attacks), as was the 2,048
        cap; ``"auto"``, ``standardize=True`` and ``batch_norm=True`` on the training splits of
        the tabular benchmark (``benchmarks/tabular_selection.py``; held-out normal rows against
        the training split's anomalies, no test rows). Adam runs as one fused kernel per step.
    patience
        Stop after this many epochs without improvement of the held-out loss (``None``: never).
    standardize
        Z-score each input feature with the mean and standard deviation of the training rows
        before the network sees it, so the squared error weighs every feature in its own units;
        scores and ``score_features`` are in those units. The scale is at least 0.1 × the
        feature's range on the training rows (constant features are only centred): a rare one-hot
        column would otherwise be blown up to tens of standard deviations and give normal rows a
        heavy score tail (on NSL-KDD training data: p99.9/p99 of held-out normal scores 10 without
        the floor, 7 with it; F1 at p99.9 on a KDDTrain+ validation slice 0.30 vs 0.82).
    score_norm
        ``"none"``: the score is the plain mean squared error. ``"feature"``: each feature's
        squared error is first divided by its mean on the held-out normal rows, so a feature
        that is always hard to reconstruct does not drown one that is normally exact.
    validation_fraction
        Share of the training rows held out for early stopping and the threshold.
    label_margin, label_weight
        Semi-supervised mode only (``y`` with anomalies): the error ratio labelled anomalies are
        pushed to, and the weight of that push (see :func:`hourglass.nn.labelled_margin_loss`).
    threshold
        Threshold rule fitted on held-out scores (default ``Percentile(99)``).
    device
        ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
    verbose
        0 silences the progress bar (it only shows on a terminal anyway).
    random_state
        Seed for weights, shuffling and the held-out split; same seed, same scores (``None`` is
        seed 0, as the default: not a fresh random seed as in scikit-learn).

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import AutoEncoder
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 8)).astype("float32")
    >>> ae = AutoEncoder(hidden=(16, 4), epochs=5, verbose=0).fit(X)
    >>> ae.score(X[:3]).shape
    (3,)
    >>> bool(ae.score(X[:1] + 10)[0] > ae.score(X[:1])[0])
    True
    """

    _tags: ClassVar[dict[str, Any]] = {"supports_explain": True, "supports_labels": True,
                                       "onnx_export": True, "gradients": True, "warm_start": True}
    # Adam as one fused kernel per step (same update rule, different float rounding): a sixth
    # less CPU per step than the loop's foreach Adam on this small network (benchmarks/fit_time.py)
    _fused_adam: ClassVar[bool] = True
    _auto_batch_largest: ClassVar[int] = AUTO_BATCH_LARGEST

    # artefacts saved before ``standardize`` existed hold models trained on raw inputs
    _params_before_added: ClassVar[dict[str, Any]] = {"standardize": False}

    module_: _AEModule
    # the standardisation of the inputs (None without ``standardize``)
    input_offset_: np.ndarray | None
    input_scale_: np.ndarray | None

    # the labelled rows' margin loss: training only (scores are reconstruction errors)
    _free_after_fit: ClassVar[frozenset[str]] = (
        DeepDetector._free_after_fit | {"label_margin", "label_weight"})

    def __init__(
        self,
        hidden: Sequence[int] = (128, 64, 32, 16),
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = True,
        epochs: int = 40,
        batch_size: int | str = "auto",
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int | None = 5,
        standardize: bool = True,
        score_norm: str = "none",
        validation_fraction: float = 0.1,
        label_margin: float = 10.0,
        label_weight: float = 1.0,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.hidden = hidden
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.standardize = standardize
        self.score_norm = score_norm
        self.validation_fraction = validation_fraction
        self.label_margin = label_margin
        self.label_weight = label_weight
        self.threshold = threshold
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def _train_config(self, n_rows: int | None = None) -> TrainConfig:
        config = super()._train_config(n_rows)
        # Opt-in per class, not inherited: subclasses keep the training they were benchmarked with.
        if not type(self).__dict__.get("_fused_adam", False):
            return config
        return dataclasses.replace(config, optimizer=fused_adam)

    def _check_params(self) -> None:
        check_hidden(self)
        check_dropout(self)
        self._check_label_params()
        if self.score_norm not in ("none", "feature"):
            raise InputError(f"score_norm must be 'none' or 'feature', got {self.score_norm!r}",
                             param="score_norm")

    def validate_params(self) -> None:
        super().validate_params()
        bs = self.batch_size
        if not isinstance(bs, str) and int(bs) < 2 and self._builds_batch_norm():
            # what fit says after reading the data (a federated run, after its statistics rounds)
            raise InputError(f"batch_size={bs}: {type(self).__name__}'s network has batch "
                             f"normalisation, which cannot train on batches of one row; {BATCH_OF_TWO}",
                             param="batch_size")

    def _builds_batch_norm(self) -> bool:
        """Whether the network has batch-norm layers (``batch_norm`` on any hidden layer)."""
        return bool(self.batch_norm)

    def _fit(self, X: np.ndarray, X_val: np.ndarray | None, y: np.ndarray | None) -> None:
        if getattr(self, "standardize", False):
            ref = X[np.asarray(y) == 0] if y is not None and np.any(y == 0) else X
            self.input_offset_, self.input_scale_ = standardization(
                ref, getattr(self, "feature_names_in_", None))
            X = self._model_input(X)
            X_val = None if X_val is None else self._model_input(X_val)
        else:
            self.input_offset_ = self.input_scale_ = None
        super()._fit(X, X_val, y)
        self._fit_error_scale(X, X_val, y)

    def _fit_more(self, X: np.ndarray, X_val: np.ndarray | None, y: np.ndarray | None) -> None:
        # the standardisation stays the parent's (frozen inputs): only the weights move
        X = self._model_input(X)
        X_val = None if X_val is None else self._model_input(X_val)
        super()._fit_more(X, X_val, y)
        self._fit_error_scale(X, X_val, y)

    def _fit_error_scale(self, X: np.ndarray, X_val: np.ndarray | None,
                         y: np.ndarray | None = None) -> None:
        """``score_norm="feature"``: each feature's mean squared error on the held-out rows (model
        inputs) becomes its divisor; on the training rows labelled normal when none are held out
        (labelled anomalies, pushed to large errors, would inflate the divisors)."""
        if self.score_norm == "feature":
            if X_val is not None and len(X_val):
                ref = X_val
            elif y is not None and np.any(y == 0):
                ref = X[np.asarray(y) == 0]
            else:
                ref = X
            err = predict_batches(self.module_.raw_errors, [ref], device=self.device_,
                                  batch_size=feature_error_rows(ref.shape[1]))
            # floor: a feature reconstructed exactly on normal data must not divide by ~0
            scale = err.mean(axis=0)
            scale = np.maximum(scale, max(float(scale.mean()), 1e-12) * 1e-2)
            self.module_.error_scale.copy_(torch.from_numpy(scale.astype(np.float32)))

    def _model_input(self, X: np.ndarray) -> np.ndarray:
        """Rows as the network sees them (standardised when ``standardize``)."""
        offset, scale = getattr(self, "input_offset_", None), getattr(self, "input_scale_", None)
        if scale is None:
            return X
        return ((X - offset) / scale).astype(np.float32, copy=False)

    def _score(self, X: np.ndarray) -> np.ndarray:
        # the network in its scoring form: raw rows in, no standardised copy of X, no norm
        # passes; 8k-row batches keep the intermediates in cache (1.2-1.6 M rows/s at 78
        # features on 2 cores vs 0.84 M for the module on standardised copies in 16k batches)
        self.module_.eval()
        kind = type(self.module_)
        if kind.score is not _AEModule.score or kind.forward is not _AEModule.forward:
            return super()._score(self._model_input(X))  # a subclass scores its own way
        offset, scale = getattr(self, "input_offset_", None), getattr(self, "input_scale_", None)
        cache: _FoldCache | None = self.__dict__.get("_fold_cache")
        if cache is None or not cache.fits(self.module_, offset, scale):
            # folding costs ~0.3 ms, most of a one-row score: done again only when what it
            # reads has changed (see _FoldCache)
            cache = self._fold_cache = _FoldCache(self.module_, offset, scale)
        return predict_batches(cache.scorer.score, [X], device=self.device_, batch_size=8192)

    def score_module(self) -> nn.Module:
        """The scoring path as one ``nn.Module`` on raw rows: the folded network that
        :meth:`score` runs (batch norms and the standardisation folded into the linear layers),
        on the detector's device (``device_``).

        Examples
        --------
        >>> import numpy as np, torch
        >>> X = np.random.default_rng(0).normal(size=(300, 4)).astype("float32")
        >>> ae = AutoEncoder(hidden=(8, 2), epochs=3, verbose=0, device="cpu").fit(X)
        >>> with torch.no_grad():
        ...     s = ae.score_module()(torch.from_numpy(X[:5])).numpy()
        >>> bool(np.allclose(s, ae.score(X[:5]), rtol=1e-5))
        True
        """
        self._check_fitted()
        self.module_.eval()
        kind = type(self.module_)
        offset, scale = getattr(self, "input_offset_", None), getattr(self, "input_scale_", None)
        if kind.score is not _AEModule.score or kind.forward is not _AEModule.forward:
            if scale is None or offset is None:
                return super().score_module()
            return _Standardized(self.module_, offset, scale).eval()
        return _FoldedModule(_FoldedScorer(self.module_, offset, scale)).eval()

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, arrays = super()._get_state()
        offset, scale = getattr(self, "input_offset_", None), getattr(self, "input_scale_", None)
        if scale is not None and offset is not None:  # set together
            arrays = {**arrays, "input_offset": offset, "input_scale": scale}
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        super()._set_state(meta, arrays)
        if "input_scale" in arrays:
            try:
                self.input_offset_, self.input_scale_ = (
                    state_vector(arrays, name, np.float32, self._row_width())
                    for name in ("input_offset", "input_scale"))
            except KeyError as exc:
                raise InputError(f"detector state is missing {exc}") from None
        else:
            self.input_offset_ = self.input_scale_ = None

    def _build_module(self, n_features: int) -> nn.Module:
        return _AEModule(n_features, tuple(int(h) for h in self.hidden), self.activation,
                         float(self.dropout), bool(self.batch_norm), float(self.label_margin),
                         float(self.label_weight))
