"""Shared base of the time-series detectors: windows built inside, scores per time step.

Input is one 2-D series ``time × channels`` (already aligned and scaled, e.g. by
:class:`~hourglass.features.timeseries.TimeSeriesPreprocessor`). ``fit`` holds out the *last*
``validation_fraction`` of the series as one contiguous slice (a random choice of rows would leak
the neighbours of every held-out step into training); the model trains on windows of the head
and its threshold is fitted on the per-step scores of the tail (a forecaster's: of the tail's
steps its forecasts predict, not of its first ``window`` steps, which no forecast of the tail
predicts). ``score`` cuts the series into windows lazily (a strided view, one batch
materialised at a time) and maps window scores back to one score per input row with
:func:`~hourglass.features.timeseries.windows_to_points`.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import numbers
from collections.abc import Collection, Iterable, Sequence
from itertools import pairwise
from typing import Any, ClassVar, Self

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from hourglass._params import check_numeric_params, share_count
from hourglass.detectors.base import (
    DeepDetector,
    check_at_least_one,
    held_out_scores_said,
    module_score,
    overflow_as_inf,
    state_vector,
)
from hourglass.errors import InputError
from hourglass.features.injection import channel_scale, inject_anomalies
from hourglass.features.timeseries import (
    sliding_windows,
    window_starts,
    windows_to_points,
    windows_to_points_channels,
)
from hourglass.features.validation import check_array
from hourglass.nn import TrainConfig, predict_batches
from hourglass.thresholds import HELD_OUT, Calibrator, Threshold, threshold_from_dict

__all__ = ["AUTO_MARGIN", "CAUSAL_HELD_OUT", "CAUSAL_TRAINING", "MAX_PCA_RANK", "SCORE_BATCH_VALUES",
           "ChannelScaled", "PCAResidual", "Reconstruction", "WindowDetector", "stream_fitted_on"]

logger = logging.getLogger(__name__)

Batch = tuple[torch.Tensor, ...]


class ChannelScaled(nn.Module):
    """Mixin: a window's score is the mean over channels of ``channel_errors(batch)`` ``(B, C)``,
    each divided by that channel's entry of the ``error_scale`` buffer (ones unless the detector
    sets it: ``score_norm="channel"``). Call :meth:`_init_error_scale` in ``__init__``."""

    error_scale: torch.Tensor  # a buffer

    def _init_error_scale(self, n_channels: int) -> None:
        self.register_buffer("error_scale", torch.ones(n_channels))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # weights saved before ``error_scale`` existed scored with plain errors: keep the ones
        state_dict.setdefault(prefix + "error_scale", self.error_scale.detach().clone())
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def channel_errors(self, batch: Batch) -> torch.Tensor:
        return self.errors_and_prediction(batch)[0]

    def errors_and_prediction(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """``channel_errors(batch)`` ``(B, C)`` and what the model predicted for the steps a
        window's score is about ``(B, span, C)`` (the reconstructed window, or the forecast), from
        one forward pass."""
        raise NotImplementedError

    def score(self, batch: Batch) -> torch.Tensor:
        return (self.channel_errors(batch) / self.error_scale).mean(dim=1)


class Reconstruction(ChannelScaled):
    """Mixin for window autoencoders: ``forward(x)`` reconstructs ``x`` ``(B, L, C)``; the loss is
    the mean squared error, a channel's error its mean squared error over the window."""

    def loss(self, batch: Batch) -> torch.Tensor:
        x = batch[0]
        return (self(x) - x).pow(2).mean()

    def errors_and_prediction(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        x = batch[0]
        pred = self(x)
        return (pred - x).pow(2).mean(dim=1), pred

    def output_layer(self) -> nn.Module:
        """The layer that produces the reconstruction (zeroed by :class:`PCAResidual`)."""
        raise NotImplementedError


MAX_PCA_RANK = 256  # most principal directions a PCA path keeps (its basis is a fixed-size buffer)
# linear_path="auto" (WindowDetector._fit_auto): "pca" must beat "none" by more than this
# injection ROC-AUC; the held-out tail must have at least AUTO_MIN_WINDOWS windows, and at most
# AUTO_MAX_WINDOWS of them (evenly spaced) are corrupted and scored.
AUTO_MARGIN = 0.01
AUTO_MIN_WINDOWS = 8
#: Fewer windows than this in the held-out tail: ``fit`` warns that the threshold (and the
#: channels' error scales) rest on too few of them (one window: every held-out step gets the same
#: score, and the threshold is that score).
FEW_HELD_OUT_WINDOWS = 8

#: What the warning of a held-out tail of few windows advises, in a Python user's words; the
#: warning's log record carries it as ``advice``, so the CLI says it with its options (``--param
#: validation_fraction``, ``--window``), and a warm start, which keeps the window and the held-out
#: share, as it can act on it.
FEW_WINDOWS_ADVICE = ("a longer series, a larger held-out share (validation_fraction=F) or a "
                      "smaller window (window=W)")

#: What a series shorter than one window is told, in a Python user's words (the CLI says its
#: option, ``--window``: ``cli._options.cli_advice``): a window detector's, a forecaster's.
SMALLER_WINDOW = "a smaller window (window=...)"
SMALLER_WINDOW_OR_HORIZON = "a smaller window or horizon (window=..., horizon=...)"

AUTO_MAX_WINDOWS = 512
#: Most input values (windows × steps × channels) one scoring pass of a window detector holds
#: (:meth:`WindowDetector._score_batch_size`): 1,024 windows up to 4,096 values each.
SCORE_BATCH_VALUES = 1 << 22

#: What a stream threshold is fitted on (its ``fitted_on_``): the causal scores of the held-out
#: tail, each step's score that of the one window ending at it (what ``hourglass stream`` gives).
CAUSAL_HELD_OUT = "causal held-out normal scores (the window ending at each step)"
#: ... when nothing was held out: the causal scores of the training series itself.
CAUSAL_TRAINING = "causal training scores (no held-out rows)"
#: Why a model loaded from an artefact has no stream threshold, when its state does not say.
NO_STREAM_THRESHOLD = ("saved before stream thresholds existed; retrain to fit a stream threshold "
                       "on causal scores")
#: Why a model whose threshold was fitted on given validation scores averaged over windows (a
#: window autoencoder's, a forecaster's of horizon > 1) has no stream threshold.
AVERAGED_VALIDATION = ("the threshold was fitted on given validation scores (averaged over windows), "
                       "which have no causal counterpart")


def stream_fitted_on(rule: Threshold) -> str:
    """What a model's stream threshold ``rule`` (:attr:`WindowDetector.stream_threshold_`) was
    fitted on, in a few words: the causal held-out scores, the causal training scores (nothing
    held out), or the validation scores given to the model's threshold (a forecaster of horizon
    1, whose stream threshold is the one fitted on them: each its step's one window's score, as
    the stream scores it).

    Examples
    --------
    >>> from hourglass.thresholds import BestF1, Percentile
    >>> stream_fitted_on(Percentile(99).fit(range(100), on=CAUSAL_HELD_OUT))
    'causal held-out scores'
    >>> stream_fitted_on(BestF1().fit([0.1, 0.5, 0.9], [0, 1, 1]))
    'the validation scores given to its fit (each from the window ending at its step)'
    """
    on = getattr(rule, "fitted_on_", None)
    if on == CAUSAL_HELD_OUT:
        return "causal held-out scores"
    if on == CAUSAL_TRAINING:
        return "causal training scores (no held-out rows)"
    return "the validation scores given to its fit (each from the window ending at its step)"


class PCAResidual(Reconstruction):
    """A window autoencoder beside a linear PCA path: ``x̂ = P(x) + f(x − P(x))``.

    ``P`` projects a flattened window onto the principal directions that explain
    ``variance`` of the training windows (fitted once by :meth:`fit_pca`, then frozen: buffers,
    not parameters); the non-linear autoencoder ``f`` (``inner``) reconstructs what the linear
    part leaves over, reading that residual only. Its output layer starts at zero, so the
    model starts as plain window PCA and training can only lower the normal error from there.
    Why: a linear reconstruction extrapolates a level drift along directions it saw vary in
    training, which an autoencoder's bounded code cannot; with few training rows (SKAB's 300
    per file) drifting normal data otherwise scores above real anomalies.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> class Tiny(Reconstruction):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.out = nn.Linear(2, 2)
    ...     def forward(self, x):
    ...         return self.out(x)
    ...     def output_layer(self):
    ...         return self.out
    >>> m = PCAResidual(Tiny(), n_channels=2, length=4)
    >>> x = torch.randn(50, 4, 2)
    >>> m.fit_pca(x, variance=1.0)
    >>> bool(torch.allclose(m(x), x, atol=1e-4))  # full rank and f = 0 at start: exact
    True
    """

    pca_mean: torch.Tensor  # buffers
    pca_basis: torch.Tensor

    def __init__(self, inner: Reconstruction, n_channels: int, length: int) -> None:
        super().__init__()
        self.inner = inner
        dim = n_channels * length
        self.register_buffer("pca_mean", torch.zeros(dim))
        self.register_buffer("pca_basis", torch.zeros(min(dim, MAX_PCA_RANK), dim))
        layer = inner.output_layer()
        with torch.no_grad():
            for param in layer.parameters():
                param.zero_()
        self._init_error_scale(n_channels)

    def fit_pca(self, windows: torch.Tensor, variance: float = 0.9) -> None:
        """Principal directions of ``windows`` ``(N, L, C)`` explaining ``variance`` of their
        variance (at most ``MAX_PCA_RANK``; the rule of sklearn's ``PCA(n_components=0.9)``).
        Only directions along which the windows vary: windows that never vary (a flat training
        series) have none, and the linear path is their mean (the singular vectors of a zero
        matrix are arbitrary, and keeping them all reconstructed every window exactly, so that
        nothing could score above 0)."""
        flat = windows.reshape(windows.shape[0], -1).double()
        mean = flat.mean(dim=0)
        _, sv, vt = torch.linalg.svd(flat - mean, full_matrices=False)
        share = torch.cumsum(sv.pow(2), 0) / sv.pow(2).sum().clamp_min(1e-300)
        target = torch.tensor(variance, dtype=share.dtype, device=share.device) - 1e-12
        k = min(int(torch.searchsorted(share, target)) + 1, self.pca_basis.shape[0], vt.shape[0],
                int((sv > 0).sum()))
        self.pca_mean.copy_(mean.float())
        self.pca_basis.zero_()
        self.pca_basis[:k] = vt[:k].float()

    def linear(self, x: torch.Tensor) -> torch.Tensor:
        """PCA reconstruction of windows ``(B, L, C)``."""
        flat = x.reshape(x.shape[0], -1) - self.pca_mean
        return ((flat @ self.pca_basis.T) @ self.pca_basis + self.pca_mean).view_as(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lin = self.linear(x)
        return lin + self.inner(x - lin)


class WindowDetector(DeepDetector):
    """Base of detectors that read a series through sliding windows.

    Subclasses store ``window``, ``stride`` and ``score_reduce`` (plus the usual training
    parameters) and build a module whose ``loss``/``score`` take a batch of windows
    ``(B, length, channels)``. A forecaster overrides :meth:`_length` (context + horizon) and
    :meth:`_span` (the steps a window's score is about).
    """

    _tags: ClassVar[dict[str, Any]] = {"input": "timeseries", "supports_explain": True,
                                       "warm_start": True}
    #: why :meth:`score_channels` is refused, for a subclass whose score has no part per channel
    explain_refusal: ClassVar[str | None] = None

    # the step between training windows (every window is scored)
    _free_after_fit: ClassVar[frozenset[str]] = DeepDetector._free_after_fit | {"stride"}

    def _length(self) -> int:
        """Steps in one window tensor."""
        return int(self.window)

    @property
    def shortest_series(self) -> int:
        """Fewest time steps :meth:`score` accepts: one window (a forecaster's context plus
        horizon).

        Examples
        --------
        >>> from hourglass.detectors import LSTMAutoEncoder, LSTMForecaster
        >>> LSTMAutoEncoder(window=16).shortest_series, LSTMForecaster(window=16).shortest_series
        (16, 17)
        """
        return self._length()

    def _span(self) -> tuple[int, int]:
        """Offsets (from the window start) of the steps a window's score is about."""
        return 0, self._length()

    @property
    def unpredicted_steps(self) -> int:
        """Steps at the start of a series that no window's score is about: a forecaster's
        ``window`` (nothing predicts them, and :meth:`score` gives them the first forecast's
        score, a copy), none for a window autoencoder. No threshold or calibration is fitted on
        those copies: the held-out tail's scores (``val_scores_``) and a pipeline's labelled
        validation series (``Pipeline.fit(..., X_val=, y_val=)``) leave them out.

        Examples
        --------
        >>> from hourglass.detectors import LSTMAutoEncoder, LSTMForecaster
        >>> LSTMAutoEncoder(window=16).unpredicted_steps, LSTMForecaster(window=16).unpredicted_steps
        (0, 16)
        """
        return self._span()[0]

    def _check_window(self) -> None:
        if int(self.window) < 2:
            raise InputError(f"window must be >= 2, got {self.window}", param="window")
        check_at_least_one(self, "stride")
        if self.score_reduce not in ("mean", "max"):
            raise InputError(f"score_reduce must be 'mean' or 'max', got {self.score_reduce!r}",
                             param="score_reduce")
        if getattr(self, "score_norm", "none") not in ("none", "channel"):
            raise InputError(f"score_norm must be 'none' or 'channel', got {self.score_norm!r}",
                             param="score_norm")
        if getattr(self, "linear_path", "none") not in ("none", "pca", "auto"):
            raise InputError(f"linear_path must be 'none', 'pca' or 'auto', got {self.linear_path!r}",
                             param="linear_path")

    def validate_params(self) -> None:
        check_numeric_params(self, refuse_none=True)  # kinds first: window=None is named, not int()'s
        self._check_window()
        super().validate_params()

    # -- input hooks --------------------------------------------------------------------------
    def _window_shape(self) -> tuple[int, int, str]:
        """``(window, horizon, score_reduce)`` as set now (horizon 0 for a model that forecasts
        nothing): what :meth:`_check_trained_on` compares with the fit's (``trained_on_``)."""
        return int(self.window), int(getattr(self, "horizon", 0)), str(self.score_reduce)

    def _check_built_with(self, skip: Collection[str] = ()) -> None:
        self._check_trained_on(skip)  # said first, in its own words
        super()._check_built_with(skip)

    def _check_trained_on(self, skip: Collection[str] = ()) -> None:
        """Refuse to score, save or warm start with another ``window`` (or a forecaster's
        ``horizon``) than the network was trained with, or another ``score_reduce`` than the
        threshold was fitted under (``set_params`` after ``fit``): a recurrent network reads
        windows of any length, so the series was scored, and its steps flagged, through windows
        the network never learnt; the maximum of the windows covering a step was compared with a
        threshold fitted on their mean. The artefact saved either so. ``skip`` names those the
        caller does not depend on (per-window scores: ``score_reduce``)."""
        trained = getattr(self, "trained_on_", None)
        if trained is None:
            return
        for name, was, now in zip(("window", "horizon", "score_reduce"), trained, self._window_shape(),
                                  strict=False):
            if now != was and name not in skip:
                why = ("its threshold is on scores reduced so" if name == "score_reduce"
                       else "the network learnt windows of that shape")
                raise InputError(f"{type(self).__name__}: {name} is {now!r}, but the model was "
                                 f"fitted with {was!r} ({why}); fit again, or set {name}={was!r}")

    def _validate(self, X: object, *, reset: bool, skip: Collection[str] = ()) -> np.ndarray:
        self._check_window()
        if not reset:
            self._check_trained_on(skip)
            self._check_column_names(X, what="series")
        Xa = check_array(X, n_features=None if reset else self.n_features_in_, what="series")
        if reset:
            self.n_features_in_ = Xa.shape[1]
            self._record_column_names(X)
        length = self._length()
        if Xa.shape[0] < length:
            # a forecaster's window tensor is its context plus the steps it predicts
            forecast = length != int(self.window)
            sizes = f"window={self.window}" + (f" + horizon={getattr(self, 'horizon', '?')}"
                                               if forecast else "")
            # a horizon longer than the series was blamed on the window alone
            smaller = SMALLER_WINDOW_OR_HORIZON if forecast else SMALLER_WINDOW
            steps = f"{Xa.shape[0]} time step{'' if Xa.shape[0] == 1 else 's'}"
            raise InputError(f"series has {steps}, shorter than one window of "
                             f"{length} ({sizes}); pass a longer series (or train "
                             f"a model with {smaller})")
        if not reset:
            self._warn_unnamed(X, what="series")
        return Xa

    def _split(self, n: int, frac: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Contiguous split: the last share ``frac`` of the steps (:func:`~hourglass._params.share_count`:
        the nearest whole number, a half to the even one; at least one window) is held out;
        nothing is held out when the head would be shorter than one window. With ``fit``'s seams,
        each must be a step inside the series, and the tail must lie after the last one."""
        seams = getattr(self, "_seams", ())
        if seams and seams[-1] >= n:
            raise InputError(f"seams must be steps inside the series (1 to {n - 1}: where a later "
                             f"series starts), got {list(seams)} for a series of {n} steps", param="seams")
        length = self._length()
        n_val = share_count(frac, n)  # (a fraction scaled to a joined series: its own rows' count)
        if 0 < n_val < length:
            n_val = length
        if n_val and n - n_val < length:
            logger.warning("%s: series of %d steps is too short to hold out a tail of %d",
                           type(self).__name__, n, n_val)
            n_val = 0
        if n_val and seams and n - n_val < seams[-1]:
            raise InputError(f"validation_fraction={frac} holds out the last {n_val} of {n} steps, "
                             f"which reach back before the last seam (step {seams[-1]}): the held-out "
                             "tail is taken from the last joined series alone; use a smaller "
                             "validation_fraction or a longer last series")
        return np.arange(n - n_val), np.arange(n - n_val, n)

    def _take(self, X: np.ndarray, idx: np.ndarray) -> np.ndarray:
        if len(idx) == 0:
            return X[:0]
        return X[int(idx[0]):int(idx[-1]) + 1]  # a contiguous slice (a view)

    # -- module -------------------------------------------------------------------------------
    def _build_window_module(self, n_features: int) -> nn.Module:
        """The detector's own window module (wrapped by :class:`PCAResidual` when
        ``linear_path="pca"``)."""
        raise NotImplementedError

    def _build_module(self, n_features: int) -> nn.Module:
        module = self._build_window_module(n_features)
        if getattr(self, "linear_path_", "none") == "pca":
            if not isinstance(module, Reconstruction):
                raise InputError(f"linear_path='pca': {type(self).__name__}'s network is not a "
                                 "window autoencoder", param="linear_path")
            return PCAResidual(module, n_features, self._length())
        return module

    def _init_module(self, module: nn.Module, train: tuple[torch.Tensor, ...]) -> None:
        if isinstance(module, PCAResidual):
            module.fit_pca(train[0])

    # -- training and scoring -------------------------------------------------------------------
    def fit(self, X: object, y: object | None = None, *,
            seams: Sequence[int] | None = None) -> Self:
        """Fit on the series ``X`` (see :class:`~hourglass.detectors.base.BaseDetector`).

        ``seams``: steps of ``X`` where another recording starts (several normal series joined
        end to end, e.g. extra normal data in front of a file's own training rows). No training
        window spans a seam. The held-out tail (early stopping, threshold) must lie after the
        last seam: it is taken from the end of the last recording.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import LSTMAutoEncoder
        >>> t = np.arange(300)
        >>> a = np.c_[np.sin(t / 5)].astype("float32")
        >>> det = LSTMAutoEncoder(window=16, hidden=8, epochs=1, verbose=0)
        >>> det.fit(np.concatenate([a, a + 0.5]), seams=[300]).score(a).shape
        (300,)
        """
        self._seams = self._check_seams(seams)
        try:
            super().fit(X, y)
        finally:
            for attr in ("_seams", "_seam_head"):  # fit-time only: not part of the fitted state
                self.__dict__.pop(attr, None)
        return self

    def _fit_rows(self, X: object, y: object | None, *, warm: bool) -> Self:
        """``fit`` or ``warm_start`` (see :meth:`BaseDetector._fit_rows`), then the stream
        threshold and calibration on the causal scores of the (new) held-out tail."""
        super()._fit_rows(X, y, warm=warm)
        self._warn_few_held_out()
        Xa = self._validate(X, reset=False)
        # the scores a live stream gives: one window ending at each step of the held-out tail
        # (windows inside the tail only, as the averaged held-out scores are)
        # (nothing held out: the joined series' windows inside one recording, as for the threshold)
        parts = [self._take(Xa, self.val_index_)] if len(self.val_index_) else self._seam_parts(Xa)
        # None in a model saved before stream thresholds existed
        self.stream_val_scores_: np.ndarray | None = np.concatenate(
            [np.asarray(self._window_scores(part), dtype=np.float64) for part in parts])
        self.stream_calibrator_: Calibrator | None = Calibrator().fit(self.stream_val_scores_)
        self._fit_stream_threshold(self.threshold_)
        return self

    def _warn_few_held_out(self) -> None:
        """Say so when the held-out tail holds fewer than :data:`FEW_HELD_OUT_WINDOWS` windows:
        the threshold is then (nearly) one window's score, and flags much of normal data."""
        n_val, length = len(self.val_index_), self._length()
        n_win = n_val - length + 1
        if n_val == 0 or n_win >= FEW_HELD_OUT_WINDOWS:
            return
        logger.warning("%s: the held-out tail (the last %d steps) holds only %d window(s) of %d "
                       "steps, and the threshold rests on them (it may flag much of normal data); "
                       "hold out at least %d steps: %s",
                       type(self).__name__, n_val, n_win, length, length + FEW_HELD_OUT_WINDOWS - 1,
                       FEW_WINDOWS_ADVICE, extra={"advice": FEW_WINDOWS_ADVICE})

    def warm_start(self, X: object, y: object | None = None, *, update_batch_norm: bool = False,
                   seams: Sequence[int] | None = None, proximal_mu: float = 0.0,
                   **params: Any) -> Self:
        """A new detector: this fitted one trained further, from its weights, on the series ``X``
        (see :meth:`BaseDetector.warm_start`).

        The window, the architecture and a ``linear_path="pca"`` window PCA stay frozen; the
        held-out tail is the contiguous last ``validation_fraction`` of ``X``, as in a first
        fit (after the last of ``seams``, as in :meth:`fit`: e.g. old normal steps replayed in
        front of the new series, no window spanning the join). On that tail the network's
        error scales (``score_norm="channel"``; on the training windows when the tail holds
        fewer than :data:`FEW_HELD_OUT_WINDOWS`), the threshold and calibration (averaged
        per-step scores) and the stream threshold and calibration (causal scores: the window
        ending at each step) are fitted again. ``update_batch_norm`` and ``proximal_mu`` (a
        pull toward the current weights) as in :meth:`BaseDetector.warm_start`.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import LSTMAutoEncoder
        >>> t = np.arange(400)
        >>> X = np.c_[np.sin(t / 5)].astype("float32")
        >>> det = LSTMAutoEncoder(window=16, hidden=8, epochs=2, verbose=0).fit(X)
        >>> det2 = det.warm_start(X + 0.3, epochs=1)
        >>> det2.window, int(det2.val_index_[0]), det2.stream_threshold_ is not None
        (16, 360, True)
        """
        new = self._warm_copy(update_batch_norm, params, proximal_mu)
        new._seams = self._check_seams(seams)
        try:
            new._fit_rows(X, y, warm=True)
        finally:
            for attr in ("_seams", "_seam_head"):  # fit-time only: not part of the fitted state
                new.__dict__.pop(attr, None)
        return new

    def _fit_stream_threshold(self, rule: Threshold) -> None:
        """A fresh copy of ``rule`` fitted on ``stream_val_scores_`` as ``stream_threshold_``;
        ``None`` (and the reason in ``stream_threshold_why_``) when the rule cannot be fitted on
        them (e.g. DSPOT's depth needs more scores than the tail's windows give)."""
        fresh = type(rule)(**rule.get_params())
        on = CAUSAL_HELD_OUT if self.val_scores_source() == HELD_OUT else CAUSAL_TRAINING
        self.stream_threshold_: Threshold | None = None
        self.stream_threshold_why_: str | None = None
        try:
            self.stream_threshold_ = fresh.fit(self.stream_val_scores_, on=on, steps=self._val_steps())
        except InputError as exc:
            said = self.causal_scores_said(exc)
            self.stream_threshold_why_ = f"the rule could not be fitted on the causal scores ({said})"
            logger.warning("%s: no stream threshold: %s", type(self).__name__,
                           self.stream_threshold_why_)

    def causal_scores_said(self, exc: InputError) -> InputError:
        """A threshold rule's refusal ``exc`` of too few causal held-out scores
        (``stream_val_scores_``, the stream threshold's) with what it needs told in held-out
        steps, as ``fit`` tells it of the held-out scores
        (:func:`~hourglass.detectors.base.held_out_scores_said`): the tail's first steps end no
        window, so it gives fewer causal scores than steps (145 of 160 for ``window=16``).
        ``exc`` itself where nothing was held out or it is no such refusal.

        Parameters
        ----------
        exc
            The rule's refusal, raised fitting it on ``stream_val_scores_``.

        Returns
        -------
        InputError
            ``exc``, or a copy saying how the held-out steps give the causal scores.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import LSTMAutoEncoder
        >>> from hourglass.thresholds import DSPOT
        >>> X = np.sin(np.arange(400) / 5)[:, None].astype("float32")
        >>> det = LSTMAutoEncoder(window=16, epochs=1, validation_fraction=0.2).fit(X)
        >>> try:
        ...     DSPOT().fit(det.stream_val_scores_)
        ... except InputError as exc:
        ...     said = str(det.causal_scores_said(exc))
        >>> said[said.index("(the held-out"):said.index(", so hold")]
        "(the held-out tail's 80 steps give 65 scores: its first 15 steps end no window"
        """
        n_val = len(getattr(self, "val_index_", ()))
        scores = getattr(self, "stream_val_scores_", None)
        if not n_val or scores is None or self.val_scores_source() != HELD_OUT:
            return exc
        return held_out_scores_said(exc, n_val, int(np.size(scores)), gives_none="end no window")

    def stream_threshold_missing(self) -> str | None:
        """``None`` when :attr:`stream_threshold_` exists, else why it does not (one line).

        A stream then scores windows (:meth:`window_scores`) against the stream threshold and
        calibration, fitted on causal window scores that no reduction touches: another
        ``score_reduce`` than the fit's is taken, as :meth:`window_scores` takes it. Without
        them the threshold fitted on reduced scores is applied, and ``score_reduce`` is refused."""
        super(DeepDetector, self)._check_fitted()
        self._check_built_with(skip=("score_reduce",))
        if (getattr(self, "stream_threshold_", None) is not None
                and getattr(self, "stream_calibrator_", None) is not None):
            return None
        self._check_fitted()
        if getattr(self, "stream_threshold_", None) is not None:
            return None
        return getattr(self, "stream_threshold_why_", None) or NO_STREAM_THRESHOLD

    def set_threshold(self, threshold: Threshold, scores: object | None = None,
                      y: object | None = None) -> WindowDetector:
        """Replace the threshold (see :meth:`BaseDetector.set_threshold`); the stream threshold
        follows: the same rule refitted on the causal held-out scores when ``scores`` is not
        given; when it is, the threshold fitted on them where the model's scores are causal
        ones (a forecaster of horizon 1: each step scored by the one window ending at it, as
        the stream scores it), else none (given validation scores are averaged ones, with no
        causal counterpart: the stream then applies the threshold fitted on them)."""
        super().set_threshold(threshold, scores, y)
        if scores is None and getattr(self, "stream_val_scores_", None) is not None:
            self._fit_stream_threshold(self.threshold_)
        elif scores is not None and self._causal_scores():
            self.stream_threshold_ = copy.deepcopy(self.threshold_)
            self.stream_threshold_why_ = None
        elif scores is not None:
            self.stream_threshold_ = None
            self.stream_threshold_why_ = AVERAGED_VALIDATION
        return self

    def _causal_scores(self) -> bool:
        """Whether each window's score is about its last step alone (a forecaster of horizon 1):
        :meth:`score` then gives each step the one window ending at it, the stream's causal score."""
        return self._span() == (self._length() - 1, self._length())

    @staticmethod
    def _check_seams(seams: Sequence[int] | None) -> tuple[int, ...]:
        if seams is None:
            return ()
        if isinstance(seams, str | bytes) or not isinstance(seams, Iterable) or not all(
                (isinstance(s, numbers.Integral) and not isinstance(s, bool))
                or (isinstance(s, float) and float(s).is_integer()) for s in seams):
            raise InputError(f"seams must be a list of whole steps (where a later series starts), "
                             f"got {seams!r}", param="seams")
        out = tuple(sorted(int(s) for s in seams))
        if any(s < 1 for s in out):
            raise InputError(f"seams must be steps >= 1 (where a later series starts), got {seams}",
                             param="seams")
        return out

    def _train_tensors(self, X: np.ndarray, y: np.ndarray | None) -> tuple[torch.Tensor, ...]:
        length = self._length()
        starts = window_starts(X.shape[0], length, int(self.stride))
        if getattr(self, "_seam_head", None) is X and self._seams:
            # a window [s, s + length) spans seam q when s < q < s + length
            q = np.asarray(self._seams)
            spans = ((starts[:, None] < q[None, :]) & (q[None, :] < starts[:, None] + length)).any(1)
            starts = starts[~spans]
            if starts.size == 0:
                raise InputError(f"no training window of {length} steps fits inside one of the "
                                 "joined series: each must be at least one window long")
        series = torch.from_numpy(np.require(X, requirements=["C", "W"]))
        view = series.unfold(0, length, 1)  # (n - length + 1, C, length), a view
        return (view[torch.from_numpy(starts)].transpose(1, 2).contiguous(),)

    def _seam_parts(self, X: np.ndarray) -> list[np.ndarray]:
        """``X``, a series that starts at the first step of ``fit``'s input, cut at the fit's
        seams: the parts at least one window long (views). A window across a seam joins two
        recordings end to end, a jump no real series makes: with nothing held out, the threshold,
        the calibration and the channels' error scales are fitted on the windows inside one
        recording only, as the network was trained on them."""
        return [X[a:b] for a, b in self._seam_bounds(X.shape[0])]

    def _seam_bounds(self, n: int) -> list[tuple[int, int]]:
        """The ``(start, end)`` steps of the parts :meth:`_seam_parts` cuts a series of ``n``
        steps into."""
        length = self._length()
        bounds = [0, *(s for s in getattr(self, "_seams", ()) if s < n), n]
        return [(a, b) for a, b in pairwise(bounds) if b - a >= length]

    def _own_scores(self, part: np.ndarray) -> np.ndarray:
        """:meth:`score` of the series ``part`` without its first ``_span()[0]`` steps: a
        forecaster's first ``window`` steps have no forecast of their own (``score`` gives them
        the first forecast's score, a copy), and as threshold and calibration scores those
        copies weighed that one forecast ``window + 1`` times (33 of a 40-step held-out tail's
        40 scores at the defaults): the threshold and the calibrated probabilities followed it,
        and a horizon-1 forecaster's threshold was not its stream threshold, fitted on the very
        same forecasts' scores once each. A reconstruction model scores every step itself."""
        return self._score(part)[self.unpredicted_steps:]

    def _held_out_scores(self, X: np.ndarray) -> np.ndarray:
        return self._own_scores(X)

    def _val_steps(self) -> int | None:
        return len(self.val_index_) or None  # (the training scores' seams: not said)

    def _n_held_out_scores(self, n: int) -> int:
        return max(n - self.unpredicted_steps, 0)

    def _training_scores(self, X: np.ndarray) -> np.ndarray:
        return np.concatenate([self._own_scores(part) for part in self._seam_parts(X)])

    def _n_training_scores(self, n: int) -> int:
        # a joined series shorter than one window gives none (no window inside it)
        return sum(b - a - self.unpredicted_steps for a, b in self._seam_bounds(n))

    def _check_last_series(self, X: np.ndarray) -> None:
        seams = getattr(self, "_seams", ())
        if seams and X.shape[0] < seams[-1] + self._length():
            exc = InputError(f"the last joined series has {X.shape[0] - seams[-1]} steps before its "
                             f"held-out tail, fewer than one window ({self._length()} steps): it "
                             "trains on at least one window of its own; pass a longer last series")
            # its training steps, for a caller that names that series (a warm start's new one)
            setattr(exc, "last_series_steps", int(X.shape[0] - seams[-1]))  # noqa: B010
            raise exc
        self._seam_head = X

    def _fit(self, X: np.ndarray, X_val: np.ndarray | None, y: np.ndarray | None) -> None:
        self._check_last_series(X)
        if X_val is not None and X_val.shape[0] < self._length():
            X_val = None
        self.trained_on_ = self._window_shape()
        self.linear_path_scores_: dict[str, float] = {}
        if getattr(self, "linear_path", "none") == "auto":
            self._fit_auto(X, X_val, y)
        else:
            self._fit_variant(str(getattr(self, "linear_path", "none")), X, X_val, y)

    def _fit_more(self, X: np.ndarray, X_val: np.ndarray | None, y: np.ndarray | None) -> None:
        """Warm start: continue training the module (its window PCA, if any, stays frozen: a
        buffer), then refit the error scales on the new held-out tail as :meth:`_fit` does."""
        self._check_last_series(X)
        if X_val is not None and X_val.shape[0] < self._length():
            X_val = None
        super()._fit_more(X, X_val, y)
        if getattr(self, "score_norm", "none") == "channel":
            self._fit_error_scale(*self._error_scale_series(X, X_val))

    def _fit_variant(self, path: str, X: np.ndarray, X_val: np.ndarray | None,
                     y: np.ndarray | None) -> None:
        """Build and train the module with linear path ``path``; sets ``linear_path_``."""
        self.linear_path_ = path
        super()._fit(X, X_val, y)
        if getattr(self, "score_norm", "none") == "channel":
            self._fit_error_scale(*self._error_scale_series(X, X_val))

    def _error_scale_series(self, X: np.ndarray, X_val: np.ndarray | None) -> tuple[np.ndarray, bool]:
        """The series the channels' error scales are fitted on, and whether it is the training
        series ``X`` (``at_start`` of :meth:`_fit_error_scale`): the held-out tail ``X_val`` when
        it holds at least :data:`FEW_HELD_OUT_WINDOWS` windows, else the training series. Scales
        fitted on a tail of a few windows are the threshold's own sample: with one window every
        held-out score is exactly 1 and so is the threshold, whatever the tail's errors."""
        if X_val is not None and X_val.shape[0] - self._length() + 1 >= FEW_HELD_OUT_WINDOWS:
            return X_val, False
        return X, True

    def _fit_auto(self, X: np.ndarray, X_val: np.ndarray | None, y: np.ndarray | None) -> None:
        """``linear_path="auto"``: train both variants and keep the one that separates synthetic
        anomalies injected into the held-out tail from the clean tail best (label-free).

        The clean windows are the tail's stride-1 windows (at most ``AUTO_MAX_WINDOWS``, evenly
        spaced); each gets one corrupted copy per kind of
        :func:`~hourglass.features.injection.inject_anomalies` (one channel, magnitudes in units
        of that channel's standard deviation on the training part, seeded with
        ``random_state``). A variant's figure is the ROC-AUC of its window scores, corrupted
        copies against clean windows. ``"pca"`` is kept only when its figure beats ``"none"``'s by
        more than ``AUTO_MARGIN``; a tie, or a tail with fewer than ``AUTO_MIN_WINDOWS`` windows
        (nothing to judge on), keeps ``"none"``. Both variants train from the same seed, so the
        kept one is the very model that ``linear_path`` set to it would give.
        """
        length = self._length()
        n_win = 0 if X_val is None else X_val.shape[0] - length + 1
        if X_val is None or n_win < AUTO_MIN_WINDOWS:
            logger.warning("%s: linear_path='auto' needs a held-out tail of at least %d windows "
                           "(has %d); using 'none'", type(self).__name__, AUTO_MIN_WINDOWS,
                           max(n_win, 0))
            self._fit_variant("none", X, X_val, y)
            return
        view = sliding_windows(X_val, length)
        pick = np.unique(np.linspace(0, n_win - 1, min(n_win, AUTO_MAX_WINDOWS)).round().astype(int))
        clean = np.ascontiguousarray(view[pick], dtype=np.float32)
        corrupted, _ = inject_anomalies(clean, channel_scale(X), seed=self._seed())
        truth = np.r_[np.zeros(len(clean)), np.ones(len(corrupted))]
        fitted: dict[str, tuple[Any, ...]] = {}
        for path in ("none", "pca"):
            self._fit_variant(path, X, X_val, y)
            self.module_.eval()
            scores = np.concatenate([
                predict_batches(module_score(self.module_), [w], device=self.device_,
                                batch_size=self._score_batch_size()) for w in (clean, corrupted)])
            self.linear_path_scores_[path] = float(roc_auc_score(truth, scores))
            fitted[path] = (self.module_, self.history_)
        gain = self.linear_path_scores_["pca"] - self.linear_path_scores_["none"]
        self.linear_path_ = "pca" if gain > AUTO_MARGIN else "none"
        self.module_, self.history_ = fitted[self.linear_path_]
        logger.info("%s: linear_path='auto' -> %r (injection ROC-AUC none %.4f, pca %.4f)",
                    type(self).__name__, self.linear_path_, self.linear_path_scores_["none"],
                    self.linear_path_scores_["pca"])

    def _fit_error_scale(self, X: np.ndarray, at_start: bool = False) -> None:
        """Each channel's mean error over the windows of ``X`` (the held-out normal tail): the
        unit its error is scored in, so a channel that is always hard to predict (noise) does not
        drown one that is normally exact. Floored at 1% of the channels' mean (a channel
        reconstructed exactly must not divide by ~0). ``at_start``: ``X`` is the training series
        (nothing held out, or a tail of fewer than :data:`FEW_HELD_OUT_WINDOWS` windows: see
        :meth:`_error_scale_series`), whose windows across the fit's seams are left out
        (:meth:`_seam_parts`)."""
        module = self.module_
        if not isinstance(module, ChannelScaled):
            raise InputError(f"score_norm='channel': {type(self).__name__}'s network gives no "
                             "error per channel", param="score_norm")
        module.eval()
        err = np.concatenate([
            predict_batches(module.channel_errors, [sliding_windows(part, self._length())],
                            device=self.device_, batch_size=self._score_batch_size())
            for part in (self._seam_parts(X) if at_start else [X])])
        scale = err.mean(axis=0)
        scale = np.maximum(scale, max(float(scale.mean()), 1e-12) * 1e-2)
        module.error_scale.copy_(torch.from_numpy(scale.astype(np.float32)))

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        # an artefact records the parameters, not trained_on_: saved (or copied for a warm
        # start) under another window, the network would load and score under the wrong one
        self._check_trained_on()
        meta, arrays = super()._get_state()
        if hasattr(self, "linear_path"):
            meta["linear_path"] = self.linear_path_
            meta["linear_path_scores"] = dict(self.linear_path_scores_)
        stream_scores = getattr(self, "stream_val_scores_", None)
        if stream_scores is not None:
            stream = self.stream_threshold_
            meta["stream_threshold"] = None if stream is None else stream.to_dict()
            meta["stream_threshold_why"] = self.stream_threshold_why_
            meta["stream_calibration"] = (None if self.stream_calibrator_ is None
                                          else self.stream_calibrator_.to_dict())
            arrays["stream_val_scores"] = stream_scores.astype(np.float64)
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        if hasattr(self, "linear_path"):
            # artefacts written before "auto" existed hold no choice: their path is the param
            path = meta.get("linear_path", self.linear_path)
            if path not in ("none", "pca"):
                raise InputError(f"detector state has linear_path {path!r}; expected 'none' or "
                                 "'pca' (the choice made at fit)")
            self.linear_path_ = str(path)
            self.linear_path_scores_ = {str(k): float(v)
                                        for k, v in meta.get("linear_path_scores", {}).items()}
        # artefacts saved before stream thresholds hold none: the stream says so and applies
        # the threshold fitted on the averaged scores
        stream, cal = meta.get("stream_threshold"), meta.get("stream_calibration")
        self.stream_threshold_ = None if stream is None else threshold_from_dict(stream, fitted=True)
        self.stream_threshold_why_ = meta.get("stream_threshold_why")
        self.stream_calibrator_ = None if cal is None else Calibrator.from_dict(cal)
        if stream is None and self.stream_threshold_why_ == AVERAGED_VALIDATION and self._causal_scores():
            # a forecaster of horizon 1 saved before set_threshold kept its threshold fitted on
            # given validation scores (causal ones: each step's one forecast) for the stream,
            # which applied it anyway: kept as its stream threshold, as a fit now keeps it
            self.stream_threshold_ = copy.deepcopy(self.threshold_)
            self.stream_threshold_why_ = None
        scores = arrays.get("stream_val_scores")
        self.stream_val_scores_ = (None if scores is None
                                   else state_vector(arrays, "stream_val_scores", np.float64))
        super()._set_state(meta, arrays)
        self.trained_on_ = self._window_shape()

    def window_scores(self, X: object) -> np.ndarray:
        """One score per window (stride 1): window ``i`` starts at step ``i``."""
        # no reduction touches them: only window and horizon must be the fit's
        super(DeepDetector, self)._check_fitted()
        self._check_built_with(skip=("score_reduce",))
        return self._window_scores(self._validate(X, reset=False, skip=("score_reduce",)))

    def _window_scores(self, X: np.ndarray) -> np.ndarray:
        self.module_.eval()
        view = sliding_windows(X, self._length())  # no copy; batches are materialised one by one
        # a NaN window score (float32 overflow on huge values) is +inf: windows_to_points would
        # read NaN as "no window" and give the step a neighbour's normal score
        return overflow_as_inf(predict_batches(module_score(self.module_), [view], device=self.device_,
                                               batch_size=self._score_batch_size()))

    def _score(self, X: np.ndarray) -> np.ndarray:
        scores = self._window_scores(X)
        starts = np.arange(len(scores), dtype=np.int64)
        return windows_to_points(scores, X.shape[0], starts, span=self._span(),
                                 how=str(self.score_reduce))

    def _train_config(self, n_rows: int | None = None) -> TrainConfig:
        """The loop's settings, the validation-loss passes bounded as scoring passes are: at most
        :data:`SCORE_BATCH_VALUES` input values (the loop's default of 4,096 windows a pass held
        2.5 GB of activations in :class:`~hourglass.detectors.Conv2DAutoEncoder` for windows of
        128 steps × 128 channels), never fewer windows than a training batch."""
        return self._bounded_eval(super()._train_config(n_rows))

    def _bounded_eval(self, config: TrainConfig) -> TrainConfig:
        """``config`` with its validation-loss passes bounded (see :meth:`_train_config`; a
        subclass with its own loop settings, :class:`~hourglass.detectors.GANomaly1D`, too)."""
        return dataclasses.replace(config, eval_batch_size=max(
            config.batch_size, min(config.eval_rows, self._windows_per_pass())), sample="window")

    def _windows_per_pass(self) -> int:
        """Windows that hold at most :data:`SCORE_BATCH_VALUES` input values (at least one)."""
        per_window = self._length() * int(getattr(self, "n_features_in_", 1))
        return max(1, SCORE_BATCH_VALUES // max(per_window, 1))

    def _score_batch_size(self) -> int:
        """Windows per network pass when scoring: 1,024, fewer for wide windows, so that a pass
        holds at most :data:`SCORE_BATCH_VALUES` input values (1,024 windows of 128 steps × 128
        channels held 2 GB of activations in :class:`~hourglass.detectors.Conv2DAutoEncoder`)."""
        return min(1024, self._windows_per_pass())

    def explain_unavailable(self) -> str | None:
        """``None`` when :meth:`score_channels` can split this detector's scores by channel, else
        why not (one line).

        Examples
        --------
        >>> from hourglass.detectors import GANomaly1D, TCNAutoEncoder
        >>> TCNAutoEncoder().explain_unavailable() is None
        True
        >>> GANomaly1D().explain_unavailable()[:45]
        'GANomaly1D scores a window by the distance be'
        """
        if self.get_tags().get("supports_explain") and self.explain_refusal is None:
            return None
        return self.explain_refusal or (f"{type(self).__name__}'s score has no part per channel "
                                        "to explain it with")

    def channel_error_scale(self) -> np.ndarray | None:
        """Each channel's normal error, which :meth:`score_channels` divides that channel's part
        by (``score_norm="channel"``), as float64; ``None`` with ``score_norm="none"`` (the parts
        are plain errors). What an explanation quotes as a channel's usual error, without the
        caller reaching into the network.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import LSTMAutoEncoder
        >>> X = np.c_[np.sin(np.arange(200) / 5), np.cos(np.arange(200) / 5)].astype("float32")
        >>> det = LSTMAutoEncoder(window=16, hidden=8, epochs=1, verbose=0).fit(X)
        >>> det.channel_error_scale().shape
        (2,)
        """
        self._check_fitted()
        module = self.module_
        if getattr(self, "score_norm", "none") != "channel" or not isinstance(module, ChannelScaled):
            return None
        return module.error_scale.detach().cpu().numpy().astype(np.float64)

    def score_channels(self, X: object, *, return_scores: bool = False,
                       return_expected: bool = False) -> np.ndarray | tuple[np.ndarray, ...]:
        """Each channel's part of each time step's score: ``(time, channels)``, aligned to the
        rows of ``X`` exactly as :meth:`score` aligns its scores, and adding up (per row) to
        :meth:`score` up to float rounding.

        A window's score is the mean over channels of each channel's error (mean squared
        reconstruction error over the window for an autoencoder, mean absolute forecast error
        for a forecaster), each divided by its ``error_scale``: its mean error on the held-out
        normal tail with ``score_norm="channel"`` (the default; on the training windows when
        the tail holds fewer than :data:`FEW_HELD_OUT_WINDOWS`), else 1. Channel ``c``'s part of
        a window is ``error_c / error_scale_c / channels``, so the parts add up to the window's
        score; windows are mapped to steps as :meth:`score` does (``score_reduce="mean"``: each
        part averaged over the windows covering the step; ``"max"``: the parts of the window
        whose score is the step's). So a part is an error *in units of that channel's normal
        error* with ``score_norm="channel"``, and a plain share of the squared (or absolute)
        error with ``score_norm="none"``. The windows are scored in batches from a strided
        view, as :meth:`score` does; only the per-window parts (windows × channels) are kept.

        With ``return_scores=True`` the result starts with the scores: they come from the same
        network pass and are exactly those :meth:`score` gives (one pass for both). With
        ``return_expected=True`` it ends with what the model expected at each step
        ``(time, channels)``, in the units of ``X``: the mean, over the windows whose score is
        about the step, of their reconstruction (or forecast) of it; NaN where no window is (a
        forecaster's first ``window`` steps). So ``(scores, parts, expected)`` with both.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import LSTMAutoEncoder
        >>> t = np.arange(300)
        >>> X = np.c_[np.sin(t / 5), np.cos(t / 5)].astype("float32")
        >>> det = LSTMAutoEncoder(window=16, hidden=8, epochs=2, verbose=0).fit(X)
        >>> parts = det.score_channels(X)
        >>> parts.shape, bool(np.allclose(parts.sum(axis=1), det.score(X), rtol=1e-4))
        ((300, 2), True)
        """
        self._check_fitted()
        why_not = self.explain_unavailable()
        if why_not is not None:
            raise InputError(why_not)
        module = self.module_
        if not isinstance(module, ChannelScaled):
            raise InputError(f"{type(self).__name__}'s network gives no error per channel")
        Xa = self._validate(X, reset=False)
        self.module_.eval()
        n = Xa.shape[0]
        span = self._span()
        view = sliding_windows(Xa, self._length())
        total = np.zeros((n, Xa.shape[1])) if return_expected else None
        count = np.zeros(n) if return_expected else None
        done = [0]  # windows seen so far: the first window of the next batch

        def parts_of(batch: Batch) -> torch.Tensor:
            """Each channel's part of the window scores of ``batch`` and, last, the scores
            ``(B, C + 1)``, computed as :meth:`ChannelScaled.score` computes them; the
            predictions are added into ``total`` on the way."""
            errors, pred = module.errors_and_prediction(batch)
            real = min(len(errors), len(view) - done[0])  # (a last batch comes padded: predict_batches)
            if total is not None and count is not None:
                p = pred[:real].double().cpu().numpy()
                first = done[0] + span[0]
                for k in range(p.shape[1]):  # window i's k-th predicted step is first + i + k
                    total[first + k:first + k + len(p)] += p[:, k]
                    count[first + k:first + k + len(p)] += 1
            done[0] += real
            scaled = errors / module.error_scale
            return torch.cat([scaled / scaled.shape[1], scaled.mean(dim=1, keepdim=True)], dim=1)

        both = overflow_as_inf(predict_batches(parts_of, [view], device=self.device_,
                                               batch_size=self._score_batch_size()))
        window_scores, parts = both[:, -1], both[:, :-1]
        starts = np.arange(len(parts), dtype=np.int64)
        how = str(self.score_reduce)
        out: list[np.ndarray] = []
        if return_scores:
            out.append(windows_to_points(window_scores, n, starts, span=span, how=how))
        out.append(windows_to_points_channels(parts, n, starts, span=span, how=how))
        if total is not None and count is not None:
            with np.errstate(invalid="ignore"):
                out.append(total / count[:, None])
        return out[0] if len(out) == 1 else tuple(out)


def store_params(obj: object, params: dict[str, Any]) -> None:
    """Assign constructor arguments unchanged (``params`` is the constructor's ``locals()``)."""
    for key, value in params.items():
        if key not in ("self", "__class__"):
            setattr(obj, key, value)
