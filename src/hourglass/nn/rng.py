"""torch's random numbers, one thread at a time.

torch has one default random-number generator per process, which every thread shares. A fit seeds
it and draws from it for its whole training (initial weights, dropout masks, a VAE's samples, a
GAN's noise, a denoising autoencoder's corruption), inside ``torch.random.fork_rng`` so that the
caller's own sequence is left as it was. Two fits in two threads at once drew from one generator,
each seeding it anew for the other, and a model loaded meanwhile (its network built, drawing
initial weights that the saved ones replace) set it back as its fork ended: the same
``random_state`` no longer gave the same model (four VAEs fitted at once in four threads: none
equal to the same fit alone). :func:`forked_rng` is that fork, taken by one thread at a time.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence

import torch

__all__ = ["forked_rng"]

#: Held while a block seeds or draws from torch's default generator (re-entrant: an ensemble's
#: member fits inside the ensemble's own, a fit builds its network inside its fit)
_RNG_LOCK = threading.RLock()


@contextlib.contextmanager
def forked_rng(seed: int | None = None, devices: Sequence[int] | None = None) -> Iterator[None]:
    """``torch.random.fork_rng(devices)``, seeded with ``seed`` (``None``: not seeded), held by
    one thread at a time: another thread's block waits until this one ends, so that what a seed
    draws in it is what it draws alone, and the caller's own sequence is restored afterwards.

    ``devices``: the CUDA devices whose generators are forked too (``None``: all, as torch's
    default; ``[]``: none, the CPU's only). ``seed`` seeds the CUDA generators forked, no other
    (``torch.manual_seed`` seeds every device's, which the fork would not restore: a CPU fit
    reset the caller's CUDA random sequence).

    Examples
    --------
    >>> import torch
    >>> with forked_rng(seed=0, devices=[]):
    ...     a = torch.rand(2)
    >>> with forked_rng(seed=0, devices=[]):
    ...     b = torch.rand(2)
    >>> bool(torch.equal(a, b))
    True
    """
    with _RNG_LOCK, torch.random.fork_rng(devices=None if devices is None else list(devices)):
        if seed is not None:
            if devices is None:
                torch.manual_seed(seed)
            else:
                _seed_forked(int(seed), devices)
        yield


def _seed_forked(seed: int, devices: Sequence[int]) -> None:
    """``torch.manual_seed(seed)`` for the CPU's generator and the CUDA ``devices``' only; the
    other accelerators' (Apple's mps, Intel's xpu, which ``fork_rng`` never forks) as it seeds
    them, so that a fit there draws what it drew."""
    torch.random.default_generator.manual_seed(seed)
    for index in devices:
        with torch.cuda.device(index):
            torch.cuda.manual_seed(seed)
    for name, call in (("mps", "manual_seed"), ("xpu", "manual_seed_all")):
        backend = getattr(torch, name, None)  # (torch.xpu: not in every torch hourglass takes)
        if backend is not None and not backend._is_in_bad_fork():  # (as torch.manual_seed checks)
            getattr(backend, call)(seed)
