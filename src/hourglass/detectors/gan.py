"""Generative adversarial detectors for tabular rows: AnoGAN, GANomaly and an encoder-GAN.

Which one to use
----------------
* :class:`GANomaly` — one forward pass per row at scoring (as fast as an autoencoder); its score
  is a latent distance (``benchmarks/results/gan.md`` compares the three).
* :class:`AnoGAN` — the classic "how far is this row from anything the generator can make":
  scoring runs a short latent search (``search_steps`` gradient steps, batched over all rows and
  started at an encoder's guess), so it costs about ``2 × search_steps`` forward passes per row.
* :class:`EncoderGAN` — ALAD-style: an encoder learnt jointly with the generator replaces the
  search, so scoring is one pass; the encoder's inverse is approximate, which AnoGAN's search
  refines and this model does not.

All three train with the one training loop in alternating phases (discriminator, then generator
side) with two learning rates (``lr_d`` for the discriminator, ``lr`` for the rest), gradient
clipping, and early stopping on a label-free criterion: the reconstruction error of the held-out
normal rows. The discriminators are stabilised by spectral normalisation (default), an R1
gradient penalty (``gradient_penalty``), or both; ``ema_decay`` averages the weights over the
last steps (default on for GANomaly and AnoGAN).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from hourglass.detectors.autoencoder import STANDARDIZE_FLOOR, standardization
from hourglass.detectors.base import (
    DeepDetector,
    check_at_least_one,
    check_float32,
    check_hidden,
    check_rate,
)
from hourglass.errors import InputError
from hourglass.nn import TrainConfig
from hourglass.nn.gan import AnoGANModule, EncoderGANModule, GANomalyModule
from hourglass.thresholds import Threshold

__all__ = ["AnoGAN", "EncoderGAN", "GANomaly"]

_CALIBRATION_ROWS = 20_000

_COMMON_DOC = """hidden
        Widths of the hidden layers of every network (generators mirror them).
    latent_dim
        Size of the latent code.
    epochs, batch_size, lr, weight_decay
        Training: up to ``epochs`` passes; Adam (betas 0.5, 0.999) at ``lr`` for the
        generator side.
    min_steps
        At least this many optimiser steps, epochs added past ``epochs`` if needed (and early
        stopping waits for them): on a few hundred rows an epoch is one or two steps, and 20
        epochs left the networks far from fitted (held-out reconstruction error on ODDS
        Ionosphere 0.85 after 20 steps, 0.23 after 400). No effect once ``epochs`` already
        take that many steps (e.g. 10,000 rows in batches of 256).
    lr_d
        Discriminator learning rate (two-timescale rule: larger than ``lr``).
    spectral_norm
        Spectral normalisation of the discriminators' layers (recommended).
    gradient_penalty
        Weight ``γ`` of the R1 gradient penalty ``γ/2 · E‖∇ₓ D(x)‖²`` on real rows (Mescheder
        et al. 2018) in the discriminators' loss; 0 turns it off. An alternative or addition to
        ``spectral_norm`` (``spectral_norm=False, gradient_penalty=10`` is the usual R1 setup);
        it costs a second backward pass through the discriminator per step.
    ema_decay
        Per-step decay of an exponential moving average of the weights (``None``: off). The
        averaged weights are the ones validated, kept and used for scoring; the optimisers step
        the live ones. An adversarial game circles around its equilibrium rather than settling,
        so averaging makes the kept model depend less on where training happened to stop.
    patience
        Stop after this many epochs without improvement of the held-out reconstruction error
        (``None``: never).
    validation_fraction
        Share of the training rows held out for early stopping and the threshold.
    threshold
        Threshold rule fitted on held-out scores (default ``Percentile(99)``).
    device
        ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
    verbose
        0 silences the progress bar.
    random_state
        Seed for weights, noise, shuffling and the held-out split; same seed, same scores.
"""


def adversarial_train_config(det: DeepDetector, n_rows: int | None = None) -> TrainConfig:
    """The detector's training settings plus its weight averaging (``ema_decay``)."""
    config = DeepDetector._train_config(det, n_rows)
    decay = getattr(det, "ema_decay", None)
    return dataclasses.replace(config, ema_decay=None if decay is None else float(decay),
                               min_steps=int(getattr(det, "min_steps", 0)),
                               group_epochs=bool(getattr(type(det), "_group_epochs", False)))


def train_on_reconstruction(det: DeepDetector, X: Any, X_val: Any | None, y: np.ndarray | None,
                            module: nn.Module | None) -> None:
    """``DeepDetector._train`` with early stopping and the kept epoch judged on the label-free
    reconstruction criterion (the module's ``loss``) also when nothing is held out
    (``validation_fraction=0``, under 10 rows, a series tail shorter than a window): then on the
    training rows, as the loop already does for a weight-averaged model. Left to the loop, a
    model without ``ema_decay`` would watch the sum of its phases' adversarial losses, which
    says nothing about how well the generator fits (it kept a model of four times the
    reconstruction error). ``history_.val_loss`` stays empty then: nothing was held out."""
    check_generator_loss(det)
    held_out = X_val is not None and det._n_samples(X_val) > 0
    DeepDetector._train(det, X, X_val if held_out else X, y, module)
    if not held_out:
        det.history_.val_loss.clear()
        det.history_.best_val_loss = None  # (of the training rows it watched)


def check_generator_loss(det: Any) -> None:
    """Refuse, before training, weights ``det._loss_weights`` of the
    whole generator-side loss (GANomaly's ``w_adv``, ``w_con``, ``w_enc``) that are all 0: that
    side would get no gradient and keep its initial weights, whose scores say nothing of the data.
    Only training reads them (a fitted model scores, saves and loads whatever they are), so it is
    checked here, not with the parameters.

    Examples
    --------
    >>> check_generator_loss(GANomaly(w_adv=0.0, w_con=0.0, w_enc=0.0))
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: w_adv, w_con, w_enc: all 0 leave the generator and encoders no loss ...
    >>> check_generator_loss(GANomaly(w_adv=0.0, w_con=0.0, w_enc=1.0))  # one is enough
    """
    loss: tuple[str, ...] = getattr(det, "_loss_weights", ())
    if loss and all(float(getattr(det, name)) == 0 for name in loss):
        raise InputError(f"{', '.join(loss)}: all 0 leave the generator and encoders no loss to "
                         "learn from (training would keep their initial weights, which score "
                         "nothing of the data); give one of them > 0", param=loss)


def _with_common_doc(cls: type) -> type:
    """Fill the shared parameter descriptions into a class docstring's ``{common}`` slot."""
    cls.__doc__ = (cls.__doc__ or "").replace("{common}", _COMMON_DOC.rstrip() + "\n")
    return cls


def check_adversarial(det: Any, weights: tuple[str, ...]) -> None:
    """Checks every adversarial detector shares: ``lr_d > 0``, each loss weight and
    ``gradient_penalty`` ``>= 0`` and at most a float32's largest value (a larger one is ``inf``
    in the first step, and training stopped with "training diverged", blaming the data or the
    learning rate), ``ema_decay`` ``None`` or in (0, 1)."""
    if float(det.lr_d) <= 0:
        raise InputError(f"lr_d must be > 0, got {det.lr_d}", param="lr_d")
    check_rate(det, "lr_d")
    if not float(det.gradient_penalty) >= 0:
        raise InputError(f"gradient_penalty must be >= 0, got {det.gradient_penalty}",
                         param="gradient_penalty")
    check_float32(det, "gradient_penalty")
    if det.ema_decay is not None and not 0 < float(det.ema_decay) < 1:
        raise InputError(f"ema_decay must be None or in (0, 1), got {det.ema_decay}", param="ema_decay")
    if int(getattr(det, "min_steps", 0)) < 0:
        raise InputError(f"min_steps must be >= 0, got {det.min_steps}", param="min_steps")
    for name in weights:
        if float(getattr(det, name)) < 0:
            raise InputError(f"{name} must be >= 0, got {getattr(det, name)}", param=name)
        check_float32(det, name)


class _GANDetector(DeepDetector):
    """Shared parameter checks of the adversarial detectors."""

    _tags: ClassVar[dict[str, Any]] = {"input": "tabular"}
    # TrainConfig.group_epochs: about ``epochs`` checks when ``min_steps`` adds epochs
    _group_epochs: ClassVar[bool] = False

    # the discriminator's rate, its gradient penalty, the weight averaging and the least
    # number of steps: training only
    _free_after_fit: ClassVar[frozenset[str]] = (
        DeepDetector._free_after_fit | {"lr_d", "gradient_penalty", "ema_decay", "min_steps"})

    def _check_params(self) -> None:
        check_hidden(self)
        check_at_least_one(self, "latent_dim")
        # (first: past float32 too, its range is what to say)
        if "lam" in self._weights and not 0 <= float(self.lam) <= 1:
            raise InputError(f"lam must be in [0, 1], got {self.lam}", param="lam")
        check_adversarial(self, self._weights)

    _weights: ClassVar[tuple[str, ...]] = ()

    def _common(self) -> dict[str, Any]:
        return {"latent_dim": int(self.latent_dim), "lr": float(self.lr), "lr_d": float(self.lr_d),
                "spectral_norm": bool(self.spectral_norm), "gp": float(self.gradient_penalty)}

    def _train_config(self, n_rows: int | None = None) -> TrainConfig:
        return adversarial_train_config(self, n_rows)

    def _train(self, X: Any, X_val: Any | None, y: np.ndarray | None,
               module: nn.Module | None) -> None:
        train_on_reconstruction(self, X, X_val, y, module)


@_with_common_doc
class AnoGAN(_GANDetector):
    """AnoGAN: distance of a row to the closest thing the generator makes (batched latent search).

    A generator and a spectrally normalised discriminator are trained on normal rows; an encoder
    trained alongside gives each row a starting latent code. Scoring then refines the codes of
    all rows at once with ``search_steps`` Adam steps on
    ``(1 - lam) · mean|x − G(z)| + lam · mean|f(x) − f(G(z))| + prior · mean(z²)`` (the mean
    absolute distance to the generated row over the input columns, between their discriminator
    features over those features, and the latent prior term; means, not L1 norms, so ``lam``
    weighs the two distances alike whatever the table's width) and returns that loss. Unlike
    PyOD's AnoGAN, which optimises one row at a time from a random start, the search is
    vectorised and short.

    The defaults ``prior=0.1``, ``standardize=True`` and ``ema_decay=0.99`` were chosen on
    training data only (held-out normal rows against the training split's anomalies on six ODDS
    sets and KDDTrain+ attacks; ``benchmarks/gan_anogan_selection.py``): they raised the mean
    validation ROC-AUC over the seven sets from 0.903 to 0.914 (3 seeds), mostly through steadier
    runs on pendigits and satellite; it fell on Ionosphere and NSL-KDD.

    When ``min_steps`` adds epochs past ``epochs`` (a few hundred rows: one step an epoch),
    the model is judged once per group of ``total epochs // epochs`` epochs rather than after
    every one (each judgement is a held-out pass and a weight swap): ``patience`` then counts
    those judgements, not epochs (``patience=5`` on 400 epochs of 20 groups: 100 epochs without
    improvement), and ``history_.val_loss`` holds one value per judgement.

    Parameters
    ----------
    lam
        Weight of the discrimination (feature) loss in the score, in [0, 1].
    kappa
        Weight of feature matching in the encoder's training loss.
    search_steps
        Latent-search steps at scoring (0: score the encoder's guess, clipped into
        ``[-3, 3]`` per latent unit as every code of the search is).
    search_lr
        Step size of the latent search.
    prior
        Weight of the latent prior term ``mean(z²)`` added to the search loss and the score:
        the search then finds the most probable code that makes the row (MAP under the
        generator's ``N(0, I)`` prior) rather than just the nearest one, and a row the
        generator makes only from an unlikely code scores higher. 0 gives the classic score.
    standardize
        Z-score each input feature with the training rows' mean and standard deviation (at
        least 0.1 × the feature's range, as the AutoEncoder does) inside the networks, so that
        residuals, and the weight of ``prior`` against them, are in the same units whatever
        the input scaling (min-max features give residuals of a few hundredths).
    {common}
    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import AnoGAN
    >>> X = np.random.default_rng(0).normal(size=(400, 6)).astype("float32")
    >>> det = AnoGAN(hidden=(16,), latent_dim=2, epochs=3, min_steps=0, verbose=0).fit(X)
    >>> det.score(X[:2]).shape
    (2,)
    """

    # artefacts saved before ``prior`` existed scored without the prior term
    _params_before_added: ClassVar[dict[str, Any]] = {"prior": 0.0, "standardize": False}

    _no_gradients_reason: ClassVar[str] = ("its score is the end of a latent search per row (an "
                                           "optimisation, not one differentiable pass)")

    _weights: ClassVar[tuple[str, ...]] = ("lam", "kappa", "prior")
    _group_epochs: ClassVar[bool] = True

    # the encoder's training loss weight (lam and prior weigh the score and stay)
    _free_after_fit: ClassVar[frozenset[str]] = _GANDetector._free_after_fit | {"kappa"}

    module_: AnoGANModule

    def __init__(
        self,
        hidden: Sequence[int] = (64, 32),
        latent_dim: int = 8,
        lam: float = 0.1,
        kappa: float = 1.0,
        search_steps: int = 10,
        search_lr: float = 0.05,
        prior: float = 0.1,
        standardize: bool = True,
        epochs: int = 20,
        min_steps: int = 400,
        batch_size: int = 256,
        lr: float = 1e-3,
        lr_d: float = 4e-3,
        weight_decay: float = 0.0,
        spectral_norm: bool = True,
        gradient_penalty: float = 0.0,
        ema_decay: float | None = 0.99,
        patience: int | None = 5,
        validation_fraction: float = 0.1,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.lam = lam
        self.kappa = kappa
        self.search_steps = search_steps
        self.search_lr = search_lr
        self.prior = prior
        self.standardize = standardize
        self.epochs = epochs
        self.min_steps = min_steps
        self.batch_size = batch_size
        self.lr = lr
        self.lr_d = lr_d
        self.weight_decay = weight_decay
        self.spectral_norm = spectral_norm
        self.gradient_penalty = gradient_penalty
        self.ema_decay = ema_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.threshold = threshold
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def _check_params(self) -> None:
        super()._check_params()
        if int(self.search_steps) < 0:
            raise InputError(f"search_steps must be >= 0, got {self.search_steps}", param="search_steps")
        if not float(self.search_lr) > 0:
            raise InputError(f"search_lr must be > 0, got {self.search_lr}", param="search_lr")
        check_rate(self, "search_lr")

    def _build_module(self, n_features: int) -> nn.Module:
        return AnoGANModule(n_features, tuple(int(h) for h in self.hidden), lam=float(self.lam),
                            kappa=float(self.kappa), search_steps=int(self.search_steps),
                            search_lr=float(self.search_lr), prior=float(self.prior),
                            standardize=bool(self.standardize), **self._common())

    def _init_module(self, module: nn.Module, train: tuple[torch.Tensor, ...]) -> None:
        assert isinstance(module, AnoGANModule)  # built by _build_module
        if self.standardize:
            x = train[0]
            # the AutoEncoder's rule: a scale of at least 0.1 x the feature's range, so that a
            # rare one-hot column is not blown up to tens of standard deviations
            spread = x.amax(0) - x.amin(0)
            sd = torch.maximum(x.std(0, unbiased=False), STANDARDIZE_FLOOR * spread)
            offset, scale = x.mean(0), torch.where(sd > 1e-12, sd, torch.ones_like(sd))
            if not (torch.isfinite(offset).all() and torch.isfinite(scale).all()):
                # float32 sums overflowed (values near 1e36 and beyond): the AutoEncoder's
                # float64 rule, which names a feature too large to standardise at all
                names = getattr(self, "feature_names_in_", None)
                off, sc = standardization(x.detach().cpu().numpy(), names)
                offset, scale = torch.from_numpy(off), torch.from_numpy(sc)
            module.input_offset.copy_(offset)
            module.input_scale.copy_(scale)


@_with_common_doc
class GANomaly(_GANDetector):
    """GANomaly: encoder–decoder–encoder generator with a discriminator; score ``‖z − ẑ‖²``.

    The generator side is trained on ``w_adv`` · adversarial feature matching + ``w_con`` ·
    contextual (L1 reconstruction) + ``w_enc`` · latent (``‖z − ẑ‖²``) loss; the discriminator
    tells rows from their reconstructions. A normal row is encoded the same way before and after
    reconstruction; an anomalous one is not. The score is the paper's ``‖z − ẑ‖²`` with each
    latent unit in units of its spread on the normal training rows: ``mean(((z − ẑ) / s)²)``
    over the units, ``s`` the standard deviation of ``z − ẑ`` per unit on those rows (units
    weigh alike, not the few with the widest range).

    Parameters
    ----------
    w_adv, w_con, w_enc
        Weights of the adversarial, contextual and latent losses (the paper's 1, 50, 1). Early
        stopping watches ``w_con`` · contextual + ``w_enc`` · latent error of the held-out rows;
        with ``w_con = w_enc = 0`` (feature matching alone), the two errors unweighted. All
        three 0 is refused by fit: the generator side would have no loss to learn from.
    {common}
    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import GANomaly
    >>> X = np.random.default_rng(0).normal(size=(400, 6)).astype("float32")
    >>> det = GANomaly(hidden=(16,), latent_dim=2, epochs=3, min_steps=0, verbose=0).fit(X)
    >>> det.score(X[:2]).shape
    (2,)
    """

    _tags: ClassVar[dict[str, Any]] = {"onnx_export": True, "gradients": True}  # one pass, no search

    _weights: ClassVar[tuple[str, ...]] = ("w_adv", "w_con", "w_enc")
    #: the weights the generator side's whole loss is made of (:func:`check_generator_loss`)
    _loss_weights: ClassVar[tuple[str, ...]] = _weights

    module_: GANomalyModule

    # the generator's loss weights (the score is the latent distance)
    _free_after_fit: ClassVar[frozenset[str]] = _GANDetector._free_after_fit | {"w_adv", "w_con", "w_enc"}

    def __init__(
        self,
        hidden: Sequence[int] = (128, 64),
        latent_dim: int = 64,
        w_adv: float = 1.0,
        w_con: float = 50.0,
        w_enc: float = 1.0,
        epochs: int = 30,
        min_steps: int = 400,
        batch_size: int = 256,
        lr: float = 1e-3,
        lr_d: float = 4e-3,
        weight_decay: float = 0.0,
        spectral_norm: bool = True,
        gradient_penalty: float = 0.0,
        ema_decay: float | None = 0.99,
        patience: int | None = 5,
        validation_fraction: float = 0.1,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.w_adv = w_adv
        self.w_con = w_con
        self.w_enc = w_enc
        self.epochs = epochs
        self.min_steps = min_steps
        self.batch_size = batch_size
        self.lr = lr
        self.lr_d = lr_d
        self.weight_decay = weight_decay
        self.spectral_norm = spectral_norm
        self.gradient_penalty = gradient_penalty
        self.ema_decay = ema_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.threshold = threshold
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def _fit(self, X: np.ndarray, X_val: np.ndarray | None, y: np.ndarray | None) -> None:
        super()._fit(X, X_val, y)
        # the spread of z - ẑ per latent unit, from (a sample of) the normal training rows
        rows = np.sort(np.random.default_rng(self._seed()).permutation(len(X))[:_CALIBRATION_ROWS])
        self.module_.calibrate(torch.from_numpy(X[rows]), batch_size=self._score_batch_size())

    def _build_module(self, n_features: int) -> nn.Module:
        return GANomalyModule(n_features, tuple(int(h) for h in self.hidden), w_adv=float(self.w_adv),
                              w_con=float(self.w_con), w_enc=float(self.w_enc), **self._common())


@_with_common_doc
class EncoderGAN(_GANDetector):
    """ALAD encoder-GAN: generator and encoder learnt jointly, no search at scoring.

    A joint discriminator on ``(x, z)`` pairs (BiGAN/EGBAD), a cycle discriminator on ``(x, x)``
    against ``(x, G(E(x)))`` and a latent cycle discriminator on ``(z, z)`` against
    ``(z, E(G(z)))`` (ALAD's ``D_xx`` and ``D_zz``; the latter optional, ``latent_cycle``) teach
    the encoder to invert the generator, so a row is scored
    in one pass: ``(1 - lam) · mean|x − G(E(x))| + lam · mean|f(x, x) − f(x, G(E(x)))|`` with ``f``
    the cycle discriminator's features (each a mean over its features, not an L1 norm). The
    trade-off against :class:`AnoGAN`: scoring costs one pass instead of a search, but the
    learnt inverse is only approximate, so rows the generator could make but the encoder maps
    badly score a little too high.

    Parameters
    ----------
    lam
        Weight of the discriminator-feature distance in the score, in [0, 1].
    w_rec
        Weight of an L1 reconstruction term added to the generator side's adversarial loss
        (stabilises the encoder on small data; 0 gives the adversarial-only objective).
    latent_cycle
        Add ALAD's latent cycle discriminator ``D_zz`` on ``(z, z)`` against ``(z, E(G(z)))``
        (``False``: ``D_xz`` and ``D_xx`` only).
    {common}
    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import EncoderGAN
    >>> X = np.random.default_rng(0).normal(size=(400, 6)).astype("float32")
    >>> det = EncoderGAN(hidden=(16,), latent_dim=2, epochs=3, min_steps=0, verbose=0).fit(X)
    >>> det.score(X[:2]).shape
    (2,)
    """

    _tags: ClassVar[dict[str, Any]] = {"onnx_export": True, "gradients": True}  # one pass, no search

    # artefacts saved before ``latent_cycle`` existed hold no D_zz weights
    _params_before_added: ClassVar[dict[str, Any]] = {"latent_cycle": False}

    _weights: ClassVar[tuple[str, ...]] = ("lam", "w_rec")

    module_: EncoderGANModule

    # the reconstruction loss weight (lam weighs the score and stays)
    _free_after_fit: ClassVar[frozenset[str]] = _GANDetector._free_after_fit | {"w_rec"}

    def __init__(
        self,
        hidden: Sequence[int] = (64, 32),
        latent_dim: int = 8,
        lam: float = 0.1,
        w_rec: float = 1.0,
        latent_cycle: bool = True,
        epochs: int = 20,
        min_steps: int = 400,
        batch_size: int = 256,
        lr: float = 1e-3,
        lr_d: float = 4e-3,
        weight_decay: float = 0.0,
        spectral_norm: bool = True,
        gradient_penalty: float = 0.0,
        ema_decay: float | None = None,
        patience: int | None = 5,
        validation_fraction: float = 0.1,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.lam = lam
        self.w_rec = w_rec
        self.latent_cycle = latent_cycle
        self.epochs = epochs
        self.min_steps = min_steps
        self.batch_size = batch_size
        self.lr = lr
        self.lr_d = lr_d
        self.weight_decay = weight_decay
        self.spectral_norm = spectral_norm
        self.gradient_penalty = gradient_penalty
        self.ema_decay = ema_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.threshold = threshold
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def _build_module(self, n_features: int) -> nn.Module:
        return EncoderGANModule(n_features, tuple(int(h) for h in self.hidden), lam=float(self.lam),
                                w_rec=float(self.w_rec), d_zz=bool(self.latent_cycle),
                                **self._common())
