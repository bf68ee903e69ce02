"""Device choice: ``"auto"`` picks CUDA when present, else the CPU."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from hourglass.errors import InputError

__all__ = ["deterministic_cudnn", "resolve_device"]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` into a :class:`torch.device`.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise InputError(f"device: unknown device {device!r}; use 'auto', 'cpu' or 'cuda'") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError("device: 'cuda' was asked for but no CUDA device is available")
    return dev


@contextlib.contextmanager
def deterministic_cudnn(device: torch.device) -> Iterator[None]:
    """Within the block, cuDNN uses deterministic algorithms on a CUDA ``device``: the backward
    passes of convolutions otherwise pick non-deterministic ones, and the same seed then gives
    other weights on every run. The previous settings come back after the block; on the CPU it
    changes nothing.

    Examples
    --------
    >>> with deterministic_cudnn(torch.device("cpu")):
    ...     pass
    """
    if device.type != "cuda":
        yield
        return
    before = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = before
