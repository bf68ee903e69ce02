"""Networks built for their shapes alone, on torch's ``meta`` device: no memory, no values.

Two checks count a network before building it: a loaded artefact's (parameters edited to
describe a far larger network than its weights) and a fit's (a network past the memory free,
which Linux would grant and then kill the process for).
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from hourglass.nn.rng import forked_rng

__all__ = ["NetworkPastLimit", "ShapesOnly", "module_on_meta"]


class NetworkPastLimit(Exception):
    """A network built on the meta device made tensors of more than ``limit`` values: its build
    was stopped there (a layer count edited to millions would loop for minutes over its layers).

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder
    >>> module_on_meta(AutoEncoder(hidden=(8, 4)), 3, limit=100)
    Traceback (most recent call last):
    ...
    hourglass.nn.meta.NetworkPastLimit: the network holds more than 100 values
    """

    def __init__(self, limit: int) -> None:
        super().__init__(f"the network holds more than {limit:,} values")
        self.limit = limit


# What a network's constructor computes on values alone: initialisers (``torch.nn.init``), in-place
# fills of a weight, and the activations a constructor runs to probe its layers' output shape
# (GANomaly-1D's). On the meta device each is a Python reference kernel of torch's, whose first
# call imports ``torch._dynamo``: seconds a load, and the caller's process got
# ``TORCHINDUCTOR_CACHE_DIR`` in ``os.environ``, that folder made in the temporary directory and
# a warnings filter of SymPy's. Meta tensors hold no values, so these are skipped there. A
# convolution in a shape probe ran torch's Python meta kernel, whose checks import SymPy (about a
# second a process, and SymPy's filter for its own deprecation warnings): its output shape is
# computed here instead (:func:`_conv_shape`).
_FILLS = frozenset({"normal_", "uniform_", "fill_", "zero_", "random_", "bernoulli_",
                    "exponential_", "log_normal_", "cauchy_", "geometric_", "copy_"})
_SAME_SHAPE = frozenset({"relu", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
                         "softplus", "hardtanh", "relu6", "dropout"})


class ShapesOnly(TorchFunctionMode):
    """Within a ``torch.device("meta")`` block: a network is built for its parameters' shapes
    without running the value computations of :data:`_FILLS` and :data:`_SAME_SHAPE`; with a
    ``limit``, :class:`NetworkPastLimit` stops the build once the tensors it made from nothing
    (its parameters) hold more than ``limit`` values."""

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.limit = limit
        self.made = 0

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        # (nn.init's functions hand their tensor over as a keyword)
        tensor = next((a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)), None)
        if tensor is None and self.limit is not None:  # a factory (torch.empty): a new tensor
            made = func(*args, **kwargs)
            if isinstance(made, torch.Tensor):
                self.made += made.numel()
                if self.made > self.limit:
                    raise NetworkPastLimit(self.limit)
            return made
        if tensor is not None and tensor.is_meta:
            name, module = getattr(func, "__name__", ""), getattr(func, "__module__", None)
            if name in _FILLS or (module == "torch.nn.init" and name.endswith("_")):
                return tensor
            if module == "torch.nn.functional" and name in _SAME_SHAPE:
                return torch.empty(tensor.shape, dtype=tensor.dtype, device="meta")  # (empty_like: SymPy)
            if func in _CONVOLUTIONS and not kwargs:
                shape = _conv_shape(*args)
                if shape is not None:
                    return torch.empty(shape, dtype=tensor.dtype, device="meta")
        return func(*args, **kwargs)


_CONVOLUTIONS = frozenset({torch.conv1d, torch.conv2d, torch.conv3d})


def _conv_shape(x: torch.Tensor, weight: torch.Tensor, bias: object = None, stride: object = 1,
                padding: object = 0, dilation: object = 1, groups: object = 1) -> tuple[int, ...] | None:
    """The output shape of ``torch.convNd(x, weight, bias, stride, padding, dilation, groups)``
    with a batch dimension and numeric padding, or ``None`` for another call (torch's own meta
    kernel then answers).

    Examples
    --------
    >>> x, w = torch.empty(2, 3, 16, device="meta"), torch.empty(5, 3, 3, device="meta")
    >>> _conv_shape(x, w, None, (2,), (1,), (1,), 1)
    (2, 5, 8)
    >>> _conv_shape(x, w, None, 1, "same") is None
    True
    """
    dims = weight.dim() - 2
    if dims < 1 or x.dim() != dims + 2 or not isinstance(groups, int):
        return None

    def each(value: object) -> tuple[int, ...] | None:
        if isinstance(value, int):
            return (value,) * dims
        if isinstance(value, (tuple, list)) and len(value) == dims and all(isinstance(v, int) for v in value):
            return tuple(value)
        return None

    steps, pads, gaps = each(stride), each(padding), each(dilation)
    if steps is None or pads is None or gaps is None:
        return None
    lengths = [(n + 2 * p - g * (k - 1) - 1) // s + 1
               for n, k, s, p, g in zip(x.shape[2:], weight.shape[2:], steps, pads, gaps, strict=True)]
    if min(lengths) < 1 or x.shape[1] != weight.shape[1] * groups:
        return None  # torch's kernel says what is wrong
    return (int(x.shape[0]), int(weight.shape[0]), *lengths)


def module_on_meta(det: Any, n_features: int, limit: int | None = None) -> torch.nn.Module | None:
    """``det``'s network on ``n_features`` inputs, built on the meta device (shapes, no memory,
    no random numbers drawn), or ``None`` where it cannot be built so (the real build then
    says what is wrong). A spectrally normalised network is built without the normalisation,
    whose power iteration runs torch's Python decompositions there: the same parameters, less
    two small vectors per layer. With a ``limit``, a network whose parameters hold more than
    ``limit`` values raises :class:`NetworkPastLimit` as soon as its build has made them.

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder
    >>> net = module_on_meta(AutoEncoder(hidden=(8, 4)), 3)
    >>> sum(p.numel() for p in net.parameters()), next(net.parameters()).device
    (175, device(type='meta'))
    """
    probe = det
    if getattr(det, "spectral_norm", False) is True:
        probe = copy.copy(det)
        probe.spectral_norm = False
    build = getattr(probe, "_build_module", None)
    if build is None:
        return None
    try:
        with forked_rng(devices=[]), torch.device("meta"), ShapesOnly(limit):
            module = build(n_features)
    except NetworkPastLimit:
        raise
    except Exception:  # any refusal is the real build's to make, with its own message
        return None
    return module if isinstance(module, torch.nn.Module) else None
