"""Device choice: ``"auto"`` picks CUDA when present, else the CPU."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import torch

from hourglass.errors import InputError

__all__ = ["check_device", "deterministic_cudnn", "resolve_device", "threads_here"]

logger = logging.getLogger(__name__)


def resolve_device(device: str | torch.device = "auto", *, fallback: bool = False) -> torch.device:
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` into a :class:`torch.device`.

    ``"mps"`` (Apple) and ``"xpu"`` (Intel) are taken where this torch has such a device; other
    device types (``meta``, ``hip`` ...) are an error. A device that this machine lacks is an
    error (``InputError``), unless ``fallback``: then the CPU is used and a warning logged.
    Training asks strictly; loading a saved model falls back, so a model trained on a GPU (or a
    Mac's) scores on a CPU-only machine.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if not isinstance(device, torch.device) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = _device_kind(device)
    if dev.type == "cpu":
        return dev
    if dev.type != "cuda":  # another accelerator (Apple's mps, Intel's xpu): when this torch has it
        if _has_backend(dev.type):
            return dev
        missing = f"this PyTorch has no {dev.type} device available"
    elif not torch.cuda.is_available():
        missing = "no CUDA device is available"
    elif dev.index is not None and dev.index >= torch.cuda.device_count():
        missing = f"this machine has {torch.cuda.device_count()} CUDA device(s)"
    else:
        return dev
    if fallback:
        logger.warning("device: %r is not available here (%s); using the CPU", str(dev), missing)
        return torch.device("cpu")
    raise InputError(f"device: {str(dev)!r} was asked for but {missing}", param="device")


def check_device(device: object) -> None:
    """Raise :class:`InputError` unless ``device`` names a device :func:`resolve_device` takes on
    some machine (``"auto"``, ``"cpu"``, ``"cuda[:N]"``, ``"mps"``, ``"xpu"``), whether or not this
    one has it: what a saved model's device must be for the model to load anywhere.

    Examples
    --------
    >>> check_device("cuda:1")
    >>> check_device("tpu")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: device: unknown device 'tpu'; use 'auto', 'cpu' or 'cuda'
    """
    if isinstance(device, torch.device) or device != "auto":
        _device_kind(device)


def _device_kind(device: object) -> torch.device:
    """``device`` (not ``"auto"``) as a :class:`torch.device` of a kind to train or score on, or
    :class:`InputError`."""
    if isinstance(device, torch.device):
        dev = device
    else:
        try:  # torch takes b"cpu" too, but a model's config.json cannot hold bytes: fit trained,
            if isinstance(device, bytes):  # and save refused the model afterwards
                raise TypeError
            dev = torch.device(device)  # type: ignore[call-overload]
        except (RuntimeError, TypeError, ValueError):  # ValueError: an index past int64 (10**30)
            raise InputError(f"device: unknown device {device!r}; use 'auto', 'cpu' or 'cuda'",
                             param="device") from None
    if dev.type not in ("cpu", "cuda", "mps", "xpu") and not _has_backend(dev.type):
        # meta, hip, ...: no device to train or score on
        raise InputError(f"device: {str(dev)!r} is not a device to train or score on; use "
                         "'auto', 'cpu' or 'cuda'", param="device")
    return dev


def _has_backend(kind: str) -> bool:
    """Whether this torch build and machine have a device of type ``kind`` (``mps``, ``xpu``)."""
    if kind == "mps":
        return bool(torch.backends.mps.is_available())
    module = getattr(torch, kind, None) if kind == "xpu" else None
    try:
        return bool(module is not None and module.is_available())
    except (RuntimeError, AssertionError):
        return False


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


def threads_here(count: int | None = None) -> int:
    """Run the calling thread's torch work on ``count`` CPU threads (``None``: the count torch
    gives this thread, ``hourglass --threads`` or the CLI's idle-core rule in the thread that
    set it) and return the count.

    ``torch.set_num_threads`` sets the count of the calling thread (and of threads it starts
    later, once they ask); a thread that already ran, such as a web server's worker thread, keeps
    running matrix products on OpenMP's default count (every core): sums split over other
    threads round differently (scores a float32 step from those ``hourglass score`` writes,
    depending on the thread a request landed in) and threads spin on cores other jobs hold.
    Costs well under a microsecond.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> threads_here(1), torch.get_num_threads()
    (1, 1)
    >>> threads_here(before) == before
    True
    """
    if count is None:
        count = torch.get_num_threads()
    torch.set_num_threads(count)
    return count
