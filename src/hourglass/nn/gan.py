"""Adversarial networks for anomaly detection: AnoGAN, GANomaly and an ALAD encoder-GAN.

Each module trains through :func:`hourglass.nn.train_module` with ``phases()`` (the
discriminator first, then the generator side, each with its own Adam and learning rate) and
``phase_loss(name, batch)``; ``loss(batch)`` is the label-free validation criterion early stopping
watches (a reconstruction error of held-out normal rows: unlike adversarial losses, it goes down
when the model gets better), and ``score(batch)`` gives one anomaly score per row.

Two discriminator stabilisers can be chosen, alone or together: spectral normalisation (Miyato
et al. 2018, on by default), which keeps the discriminator's Lipschitz constant near 1 so that the
generator's gradients stay useful on a small CPU budget, and the R1 gradient penalty (Mescheder
et al. 2018, ``gp > 0``): ``gp / 2 · E‖∇ₓ D(x)‖²`` on *real* rows, added to the discriminator's
loss. R1 suits the non-saturating (cross-entropy) loss used here; WGAN-GP's penalty on
interpolates presumes a Wasserstein critic, which these models do not train.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import _SpectralNorm

from hourglass.nn.blocks import ACTIVATIONS, mlp, sequential_forward
from hourglass.nn.optim import Adam
from hourglass.nn.training import Phase

__all__ = ["AnoGANModule", "Discriminator", "EncoderGANModule", "GANomalyModule", "r1_penalty",
           "sn_mlp"]

Batch = tuple[torch.Tensor, ...]
_BETAS = {"betas": (0.5, 0.999)}  # the usual GAN momentum: a short memory for a moving target
_Z_BOUND = 3.0  # AnoGAN's latent search stays inside [-3, 3]^latent_dim


def _normalize_(x: torch.Tensor, eps: float, out: torch.Tensor) -> None:
    """``F.normalize(x, dim=0, eps=eps, out=out)`` for a vector: the same kernels (the norm,
    the clamp, the division), without its Python layers."""
    torch.div(x, torch.linalg.vector_norm(x, 2, [0], True).clamp_min_(eps), out=out)


def _spectral_norm_of(layer: nn.Linear) -> tuple[_SpectralNorm, torch.Tensor] | None:
    """The spectral normalisation of ``layer.weight`` and the raw weight it normalises, when that
    is the weight's only parametrisation (``nn.utils.parametrizations.spectral_norm`` on a 2-D
    weight); else ``None``. Read through the modules' dictionaries: ``nn.Module`` attribute
    look-ups and ``ModuleList`` indexing cost microseconds each, several per layer and pass."""
    container = layer._modules.get("parametrizations")
    if not isinstance(container, nn.ModuleDict):
        return None
    chain = container._modules.get("weight")
    if not isinstance(chain, parametrize.ParametrizationList) or len(chain._modules) != 1:
        return None
    sn, w = next(iter(chain._modules.values())), chain._parameters.get("original")
    if not isinstance(sn, _SpectralNorm) or w is None or w.ndim != 2 or sn.dim != 0:
        return None
    return sn, w


def _linear_weight(layer: nn.Linear, power_iteration: bool = True) -> torch.Tensor:
    """``layer.weight``; for a weight spectrally normalised by
    ``nn.utils.parametrizations.spectral_norm`` (its only parametrisation), evaluated here with
    the operations that parametrisation runs, in its order (a power iteration step in training
    mode, updating ``_u`` and ``_v`` in place, then ``W / (u · W v)``), without its module calls:
    on small batches those calls cost more than the arithmetic. ``power_iteration=False``: as in
    eval mode, whatever the mode."""
    found = _spectral_norm_of(layer)
    if found is None:
        return layer.weight
    sn, w = found
    # registered by _SpectralNorm for a 2-D weight
    u, v = cast(torch.Tensor, sn._buffers["_u"]), cast(torch.Tensor, sn._buffers["_v"])
    if sn.training and power_iteration:
        with torch.no_grad():
            for _ in range(sn.n_power_iterations):
                _normalize_(torch.mv(w, v), sn.eps, u)
                _normalize_(torch.mv(w.H, u), sn.eps, v)
    if w.requires_grad and torch.is_grad_enabled():
        # the parametrisation's copies: the backward pass reads u and v as they are now, and
        # a later power iteration (another pass before it) updates them in place. Where no
        # graph is recorded (the generator side's phase, scoring) the copies are not needed
        u = u.clone(memory_format=torch.contiguous_format)
        v = v.clone(memory_format=torch.contiguous_format)
    return w / torch.vdot(u, torch.mv(w, v))


def sn_mlp(sizes: Sequence[int], *, spectral_norm: bool = True, activation: str = "leaky_relu",
           dropout: float = 0.0) -> nn.Sequential:
    """Linear layers with an activation after each (also the last), spectrally normalised.

    Examples
    --------
    >>> net = sn_mlp([4, 8])
    >>> tuple(net(torch.zeros(3, 4)).shape)
    (3, 8)
    """
    layers: list[nn.Module] = []
    for a, b in itertools.pairwise(sizes):
        lin = nn.Linear(a, b)
        layers.append(nn.utils.parametrizations.spectral_norm(lin) if spectral_norm else lin)
        layers.append(ACTIVATIONS[activation](0.2) if activation == "leaky_relu"
                      else ACTIVATIONS[activation]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class Discriminator(nn.Module):
    """``x -> (logit, features)``: an MLP body (the features used for feature matching) and a
    linear head giving the real/fake logit.

    Examples
    --------
    >>> logit, feats = Discriminator(5, (8, 4))(torch.zeros(2, 5))
    >>> tuple(logit.shape), tuple(feats.shape)
    ((2,), (2, 4))
    """

    def __init__(self, n_in: int, hidden: Sequence[int], *, spectral_norm: bool = True,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.body = sn_mlp([n_in, *hidden], spectral_norm=spectral_norm, dropout=dropout)
        head = nn.Linear(hidden[-1], 1)
        if spectral_norm:
            nn.utils.parametrizations.spectral_norm(head)  # in place (it returns ``head``)
        self.head = head

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats = self.body(x)
        return self.head(feats).squeeze(1), feats

    def weights(self, power_iteration: bool = True) -> list[torch.Tensor]:
        """The weights of the linear layers (body first, then the head) as the forward pass
        sees them: spectrally normalised ones evaluated now (in training mode with a power
        iteration step, unless ``power_iteration=False``), each once; for :meth:`forward_with`."""
        return [_linear_weight(m, power_iteration) for m in (*self.body, self.head)
                if isinstance(m, nn.Linear)]

    def mode_free(self) -> bool:
        """Whether the body is linear layers and leaky ReLUs only: its forward pass then does
        not depend on the training flags (only spectral normalisation's power iteration does)."""
        return all(isinstance(m, nn.Linear) or type(m) is nn.LeakyReLU for m in self.body)

    def forward_with(self, x: torch.Tensor, weights: Sequence[torch.Tensor],
                     ) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`forward` with the linear layers' weights given (from :meth:`weights`): the same
        operations, bit for bit, without evaluating the spectral normalisation again."""
        feats = sequential_forward(self.body, x, weights[:-1])
        return F.linear(feats, weights[-1], self.head.bias).squeeze(1), feats


def r1_penalty(disc: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
               x: torch.Tensor) -> torch.Tensor:
    """R1 gradient penalty: mean over rows of ``‖∇ₓ logit(x)‖²`` at the (real) rows ``x``.

    ``disc`` maps ``x`` to ``(logit, features)``; the result keeps the graph, so it can be added
    to the discriminator's loss.

    Examples
    --------
    >>> d = Discriminator(3, (4,), spectral_norm=False)
    >>> float(r1_penalty(d, torch.zeros(2, 3)).detach()) >= 0
    True
    """
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(disc(x)[0].sum(), x, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


def _once_per_call(method: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """Evaluate spectrally normalised weights once per call of ``method`` (a phase loss or a
    score), not once per discriminator pass: the power iteration and the division by the
    norm otherwise repeat for every pass over the same, unchanged weights."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> torch.Tensor:
        with parametrize.cached():
            return method(*args, **kwargs)

    return wrapper


@contextlib.contextmanager
def _frozen_mode(net: nn.Module) -> Iterator[None]:
    """``net`` in eval mode inside the block (its training flags restored after): for a
    discriminator the generator side's phases only read, so that spectral normalisation divides
    by the norm estimated when the discriminator last stepped instead of running a power
    iteration of its own (half the cost of such a phase's forward pass on small data)."""
    subs = list(net.modules())
    modes = [m.training for m in subs]
    for m in subs:
        object.__setattr__(m, "training", False)
    try:
        yield
    finally:
        for m, mode in zip(subs, modes, strict=True):
            object.__setattr__(m, "training", mode)


def _detached_forward(net: nn.Sequential, h: torch.Tensor) -> torch.Tensor:
    """``net(h)`` with the weights of its linear layers detached: gradients reach ``h`` (and
    what made it) but none of ``net``'s parameters."""
    for layer in net:
        if isinstance(layer, nn.Linear):
            h = F.linear(h, layer.weight.detach(),
                         None if layer.bias is None else layer.bias.detach())
        else:
            h = layer(h)
    return h


def _bce(logits: torch.Tensor, real: bool) -> torch.Tensor:
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return F.binary_cross_entropy_with_logits(logits, target)


class AnoGANModule(nn.Module):
    """AnoGAN (Schlegl et al. 2017) with an encoder for the starting point of the latent search.

    Generator ``z -> x`` and discriminator train adversarially (non-saturating loss plus feature
    matching for the generator); an encoder ``x -> z`` trains alongside on
    ``mean (x - G(E(x)))² + kappa · mean (f(x) - f(G(E(x))))²`` (f-AnoGAN's izi_f, Schlegl et al.
    2019, each term a mean over its features) with
    only its own parameters stepped. Generator and encoder share one training phase (one
    backward pass, one Adam step, one discriminator pass over generated rows, reconstructions
    and real rows); the encoder's loss goes through the generator with detached weights, and
    the discriminator runs in eval mode there (spectral normalisation uses the norm estimated
    at the discriminator's own step). Scoring starts the latent search at ``E(x)`` for all rows at
    once and takes ``search_steps`` Adam steps on the per-row loss
    ``(1 - lam) · mean|x - G(z)| + lam · mean|f(x) - f(G(z))| + prior · mean(z²)``: each term a
    mean over its features (input columns, discriminator features, latent units), as f-AnoGAN
    normalises its terms, so ``lam`` weighs the two distances alike whatever their widths (not
    the L1 norms, whose sums would weigh the wider one more); the score is the lowest loss each
    row reached (usually the last).

    Examples
    --------
    >>> m = AnoGANModule(5, (8,), latent_dim=2, search_steps=2).eval()
    >>> tuple(m.score((torch.zeros(3, 5),)).shape)
    (3,)
    """

    input_offset: torch.Tensor  # buffers, with standardize
    input_scale: torch.Tensor

    def __init__(self, n_features: int, hidden: Sequence[int], *, latent_dim: int = 8,
                 lr: float = 1e-3, lr_d: float = 4e-3, lam: float = 0.1, kappa: float = 1.0,
                 search_steps: int = 10, search_lr: float = 0.05, spectral_norm: bool = True,
                 gp: float = 0.0, prior: float = 0.0, standardize: bool = False) -> None:
        super().__init__()
        hidden = tuple(hidden)
        self.latent_dim, self.lr, self.lr_d, self.gp = latent_dim, lr, lr_d, gp
        self.lam, self.kappa, self.prior = lam, kappa, prior
        self.search_steps, self.search_lr = search_steps, search_lr
        self.generator = mlp([latent_dim, *reversed(hidden), n_features], activation="leaky_relu")
        self.encoder = mlp([n_features, *hidden, latent_dim], activation="leaky_relu")
        self.disc = Discriminator(n_features, hidden, spectral_norm=spectral_norm)
        self.standardize = standardize
        if standardize:  # set from the training rows by the detector; saved with the weights
            self.register_buffer("input_offset", torch.zeros(n_features))
            self.register_buffer("input_scale", torch.ones(n_features))

    def _input(self, x: torch.Tensor) -> torch.Tensor:
        """Rows as the networks see them (z-scored with the training rows' statistics)."""
        return (x - self.input_offset) / self.input_scale if self.standardize else x

    def phases(self) -> list[Phase]:
        # the generator and the encoder share one phase (one backward pass and one Adam step;
        # Adam is element-wise, so one optimiser over both is two at the same settings)
        return [Phase("d", tuple(self.disc.parameters()), lr=self.lr_d, options=_BETAS),
                Phase("ge", (*self.generator.parameters(), *self.encoder.parameters()), lr=self.lr,
                      options=_BETAS)]

    def _noise(self, x: torch.Tensor) -> torch.Tensor:
        return torch.randn(x.shape[0], self.latent_dim, device=x.device)

    def phase_loss(self, name: str, batch: Batch) -> torch.Tensor:
        # real and generated rows go through the discriminator in one pass (one set of kernel
        # launches instead of two: on small data a step costs its calls, not its arithmetic);
        # the real rows' features are detached where the original takes them under no_grad.
        # The networks run through sequential_forward and the discriminator's weights are
        # evaluated once per call (Discriminator.weights): the operations of the modules'
        # own forward passes, bit for bit, without their Python overhead
        x = self._input(batch[0])
        n = x.shape[0]
        if name == "d":
            with torch.no_grad():
                fake = sequential_forward(self.generator, self._noise(x))
            weights = self.disc.weights()
            logits = self.disc.forward_with(torch.cat([x, fake]), weights)[0]
            d_loss = _bce(logits[:n], True) + _bce(logits[n:], False)
            if not self.gp:
                return d_loss
            return d_loss + self.gp / 2 * r1_penalty(lambda h: self.disc.forward_with(h, weights), x)
        # generator and encoder in one pass: the generator's loss (non-saturating + feature
        # matching on generated rows) reaches only the generator; the encoder's (izi_f: the
        # row and its features against those of G(E(x))) reaches only the encoder, through a
        # copy of the generator with detached weights
        fake = sequential_forward(self.generator, self._noise(x))
        x_hat = _detached_forward(self.generator, sequential_forward(self.encoder, x))
        if self.disc.mode_free():  # eval mode's forward pass without switching the flags
            logits, feats = self.disc.forward_with(torch.cat([fake, x_hat, x]),
                                                   self.disc.weights(power_iteration=False))
        else:
            with _frozen_mode(self.disc):
                logits, feats = self.disc.forward_with(torch.cat([fake, x_hat, x]),
                                                       self.disc.weights())
        f_fake, f_hat, f_real = feats[:n], feats[n:2 * n], feats[2 * n:].detach()
        g_loss = _bce(logits[:n], True) + (f_real.mean(0) - f_fake.mean(0)).pow(2).mean()
        return g_loss + (x_hat - x).pow(2).mean() + self.kappa * (f_hat - f_real).pow(2).mean()

    def loss(self, batch: Batch) -> torch.Tensor:
        x = self._input(batch[0])
        return (sequential_forward(self.generator, sequential_forward(self.encoder, x)) - x).pow(2).mean()

    def _anomaly_loss(self, x: torch.Tensor, f_x: torch.Tensor, z: torch.Tensor,
                      weights: Sequence[torch.Tensor]) -> torch.Tensor:
        g = sequential_forward(self.generator, z)
        out = ((1 - self.lam) * (x - g).abs().mean(1)
               + self.lam * (f_x - self.disc.forward_with(g, weights)[1]).abs().mean(1))
        # MAP rather than nearest point: a row the generator makes only from an unlikely code
        # (far out under the N(0, I) prior) is itself unlikely
        return out + self.prior * z.pow(2).mean(1) if self.prior else out

    def score(self, batch: Batch) -> torch.Tensor:
        # The search needs gradients with respect to z even when called under inference mode;
        # a clone made outside inference mode is an ordinary tensor autograd can record.
        with torch.inference_mode(False), torch.enable_grad():
            x = self._input(batch[0]).clone()
            with torch.no_grad():
                weights = self.disc.weights()  # once for the whole search
                f_x = self.disc.forward_with(x, weights)[1]
                z0 = sequential_forward(self.encoder, x)
            # codes stay where the N(0, I) prior has nearly all its mass: far outside it the
            # generator only extrapolates, and could "make" any row
            z = z0.clamp(-_Z_BOUND, _Z_BOUND).requires_grad_(True)
            opt = Adam([z], lr=self.search_lr)  # element-wise: rows stay independent
            best = torch.full((x.shape[0],), torch.inf, device=x.device)
            for _ in range(self.search_steps):
                loss = self._anomaly_loss(x, f_x, z, weights)
                (grad,) = torch.autograd.grad(loss.sum(), z)
                best = torch.minimum(best, loss.detach())
                z.grad = grad
                opt.step()
                with torch.no_grad():
                    z.clamp_(-_Z_BOUND, _Z_BOUND)
            with torch.no_grad():
                # Adam is not monotone for every row: keep each row's lowest loss on the way
                return torch.minimum(best, self._anomaly_loss(x, f_x, z, weights))


class GANomalyModule(nn.Module):
    """GANomaly (Akcay et al. 2018) for rows: encoder ``G_E`` → decoder ``G_D`` → encoder ``E``.

    The generator side minimises ``w_adv`` feature matching in the discriminator +
    ``w_con · mean|x - x̂|`` (contextual) + ``w_enc · mean (z - ẑ)²`` (latent); the discriminator separates
    ``x`` from ``x̂``. Score: ``mean ((z - ẑ) / s)²`` (``G_E(x)`` against ``E(G_D(G_E(x)))``), with
``s`` the per-unit spread of ``z - ẑ`` on normal rows set by :meth:`calibrate` after training.

    Examples
    --------
    >>> m = GANomalyModule(5, (8,), latent_dim=2).eval()
    >>> tuple(m.score((torch.zeros(3, 5),)).shape)
    (3,)
    """

    latent_scale: torch.Tensor  # a buffer

    def __init__(self, n_features: int, hidden: Sequence[int], *, latent_dim: int = 8,
                 lr: float = 1e-3, lr_d: float = 4e-3, w_adv: float = 1.0, w_con: float = 50.0,
                 w_enc: float = 1.0, spectral_norm: bool = True, gp: float = 0.0) -> None:
        super().__init__()
        hidden = tuple(hidden)
        self.lr, self.lr_d, self.gp = lr, lr_d, gp
        self.w_adv, self.w_con, self.w_enc = w_adv, w_con, w_enc
        # nn.Module: the windowed GANomaly (GANomaly1D) puts convolutional networks here
        self.encoder1: nn.Module = mlp([n_features, *hidden, latent_dim], activation="leaky_relu")
        self.decoder: nn.Module = mlp([latent_dim, *reversed(hidden), n_features], activation="leaky_relu")
        self.encoder2: nn.Module = mlp([n_features, *hidden, latent_dim], activation="leaky_relu")
        self.disc: nn.Module = Discriminator(n_features, hidden, spectral_norm=spectral_norm)
        # spread of z - ẑ per latent unit on normal rows (set after training): the score weighs
        # units equally instead of letting the few with the widest range dominate
        self.register_buffer("latent_scale", torch.ones(latent_dim))

    @torch.no_grad()
    def calibrate(self, x: torch.Tensor, batch_size: int = 1024) -> None:
        """Set ``latent_scale`` to the standard deviation of ``z - ẑ`` per unit over ``x``.

        ``x`` goes through the networks ``batch_size`` rows at a time (each moved to the
        module's device in turn), as scoring does: in one pass, the 20,000 windows of 256 steps
        × 38 channels the windowed model calibrates on took 2.1 GB of activations beyond the
        windows themselves, twenty times a scoring batch's."""
        device = self.latent_scale.device
        diffs = []
        for lo in range(0, x.shape[0], batch_size):
            z, _, z_hat = self(x[lo:lo + batch_size].to(device))
            diffs.append(z - z_hat)
        self.latent_scale.copy_(torch.cat(diffs).std(0).clamp_min(1e-6))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        z = self.encoder1(x)
        x_hat = self.decoder(z)
        return z, x_hat, self.encoder2(x_hat)

    def phases(self) -> list[Phase]:
        gen = (*self.encoder1.parameters(), *self.decoder.parameters(), *self.encoder2.parameters())
        return [Phase("d", tuple(self.disc.parameters()), lr=self.lr_d, options=_BETAS),
                Phase("g", gen, lr=self.lr, options=_BETAS)]

    @_once_per_call
    def phase_loss(self, name: str, batch: Batch) -> torch.Tensor:
        x = batch[0]
        if name == "d":
            with torch.no_grad():
                x_hat = self.decoder(self.encoder1(x))
            d_loss = _bce(self.disc(x)[0], True) + _bce(self.disc(x_hat)[0], False)
            return d_loss + self.gp / 2 * r1_penalty(self.disc, x) if self.gp else d_loss
        z, x_hat, z_hat = self(x)
        with torch.no_grad():
            f_real = self.disc(x)[1]
        adv = (self.disc(x_hat)[1] - f_real).pow(2).mean()
        return (self.w_adv * adv + self.w_con * (x_hat - x).abs().mean()
                + self.w_enc * (z - z_hat).pow(2).mean())

    def loss(self, batch: Batch) -> torch.Tensor:
        """The label-free validation criterion: ``w_con`` · contextual + ``w_enc`` · latent error
        of the rows, the generator side's non-adversarial terms; with both weights 0 (the
        adversarial-only objective), the two errors unweighted: the weighted sum is then 0 at
        every epoch, and early stopping kept the first epoch's networks."""
        x = batch[0]
        z, x_hat, z_hat = self(x)
        w_con, w_enc = (self.w_con, self.w_enc) if self.w_con or self.w_enc else (1.0, 1.0)
        return w_con * (x_hat - x).abs().mean() + w_enc * (z - z_hat).pow(2).mean()

    def score(self, batch: Batch) -> torch.Tensor:
        z, _, z_hat = self(batch[0])
        return ((z - z_hat) / self.latent_scale).pow(2).mean(1)


class EncoderGANModule(nn.Module):
    """ALAD (Zenati et al. 2018) encoder-GAN: generator ``z -> x`` and encoder ``x -> z`` trained
    jointly against a joint discriminator ``D_xz`` (BiGAN/EGBAD), a cycle discriminator ``D_xx``
    that tells ``(x, x)`` from ``(x, G(E(x)))`` and, with ``d_zz``, a latent cycle discriminator
    ``D_zz`` that tells ``(z, z)`` from ``(z, E(G(z)))``. ``w_rec`` adds an L1 reconstruction
    term to the generator side (0 gives the adversarial-only objective). No search at scoring:
    ``(1 - lam) · mean|x - G(E(x))| + lam · mean|f_xx(x, x) - f_xx(x, G(E(x)))|`` in one pass
    (each a mean over its features, not an L1 norm).

    Examples
    --------
    >>> m = EncoderGANModule(5, (8,), latent_dim=2).eval()
    >>> tuple(m.score((torch.zeros(3, 5),)).shape)
    (3,)
    """

    def __init__(self, n_features: int, hidden: Sequence[int], *, latent_dim: int = 8,
                 lr: float = 1e-3, lr_d: float = 4e-3, lam: float = 0.1, w_rec: float = 1.0,
                 spectral_norm: bool = True, gp: float = 0.0, d_zz: bool = True) -> None:
        super().__init__()
        hidden = tuple(hidden)
        self.latent_dim, self.lr, self.lr_d, self.lam, self.w_rec = latent_dim, lr, lr_d, lam, w_rec
        self.gp = gp
        self.generator = mlp([latent_dim, *reversed(hidden), n_features], activation="leaky_relu")
        self.encoder = mlp([n_features, *hidden, latent_dim], activation="leaky_relu")
        self.d_xz = Discriminator(n_features + latent_dim, hidden, spectral_norm=spectral_norm)
        self.d_xx = Discriminator(2 * n_features, hidden, spectral_norm=spectral_norm)
        self.d_zz = (Discriminator(2 * latent_dim, hidden, spectral_norm=spectral_norm)
                     if d_zz else None)

    def _discriminators(self) -> list[nn.Module]:
        return [d for d in (self.d_xz, self.d_xx, self.d_zz) if d is not None]

    def phases(self) -> list[Phase]:
        disc = tuple(p for d in self._discriminators() for p in d.parameters())
        gen = (*self.generator.parameters(), *self.encoder.parameters())
        return [Phase("d", disc, lr=self.lr_d, options=_BETAS),
                Phase("ge", gen, lr=self.lr, options=_BETAS)]

    @_once_per_call
    def phase_loss(self, name: str, batch: Batch) -> torch.Tensor:
        x = batch[0]
        z = torch.randn(x.shape[0], self.latent_dim, device=x.device)
        if name == "d":
            with torch.no_grad():
                z_enc, x_gen = self.encoder(x), self.generator(z)
                x_rec = self.generator(z_enc)
            real_xz, real_xx = torch.cat([x, z_enc], 1), torch.cat([x, x], 1)
            out = (_bce(self.d_xz(real_xz)[0], True)
                   + _bce(self.d_xz(torch.cat([x_gen, z], 1))[0], False)
                   + _bce(self.d_xx(real_xx)[0], True)
                   + _bce(self.d_xx(torch.cat([x, x_rec], 1))[0], False))
            reals = [(self.d_xz, real_xz), (self.d_xx, real_xx)]
            if self.d_zz is not None:
                with torch.no_grad():
                    z_rec = self.encoder(x_gen)
                real_zz = torch.cat([z, z], 1)
                out = (out + _bce(self.d_zz(real_zz)[0], True)
                       + _bce(self.d_zz(torch.cat([z, z_rec], 1))[0], False))
                reals.append((self.d_zz, real_zz))
            if self.gp:
                out = out + self.gp / 2 * sum(r1_penalty(d, r) for d, r in reals)
            return out
        z_enc = self.encoder(x)
        x_rec = self.generator(z_enc)
        x_gen = self.generator(z)
        out = (_bce(self.d_xz(torch.cat([x, z_enc], 1))[0], False)
               + _bce(self.d_xz(torch.cat([x_gen, z], 1))[0], True)
               + _bce(self.d_xx(torch.cat([x, x_rec], 1))[0], True))
        if self.d_zz is not None:
            out = out + _bce(self.d_zz(torch.cat([z, self.encoder(x_gen)], 1))[0], True)
        return out + self.w_rec * (x_rec - x).abs().mean() if self.w_rec else out

    def loss(self, batch: Batch) -> torch.Tensor:
        x = batch[0]
        return (self.generator(self.encoder(x)) - x).abs().mean()

    def score(self, batch: Batch) -> torch.Tensor:
        x = batch[0]
        x_rec = self.generator(self.encoder(x))
        f_real = self.d_xx(torch.cat([x, x], 1))[1]
        f_rec = self.d_xx(torch.cat([x, x_rec], 1))[1]
        return (1 - self.lam) * (x - x_rec).abs().mean(1) + self.lam * (f_real - f_rec).abs().mean(1)
