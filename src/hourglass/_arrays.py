"""Arrays given in another library's form, read as NumPy arrays of the same numbers (NumPy alone:
the thresholds import this without pandas)."""

from __future__ import annotations

from typing import Any

from hourglass.errors import InputError

__all__ = ["from_torch"]


def from_torch(X: Any, what: str = "X") -> Any:
    """``X`` as a NumPy array of the same numbers when it is a torch tensor (else ``X`` itself),
    told without importing torch.

    NumPy reads a tensor through ``tensor.numpy()``, which refused one that requires grad
    ("Can't call numpy() on Tensor that requires grad"), one on a GPU, and a bfloat16 one
    ("Got unsupported ScalarType BFloat16", as a float8 one): raw errors for numbers a model
    reads as any other. A tensor is detached and brought to the CPU; bfloat16 and float8 become
    float32, which holds each of their values exactly.

    Examples
    --------
    >>> import torch
    >>> from_torch(torch.tensor([[1.5, 2.0]], requires_grad=True).bfloat16())
    array([[1.5, 2. ]], dtype=float32)
    """
    if not (type(X).__module__.startswith("torch") and hasattr(X, "detach")):
        return X
    t = X.detach().cpu()
    if t.is_floating_point() and str(t.dtype) not in ("torch.float16", "torch.float32", "torch.float64"):
        t = t.float()  # bfloat16, float8_*: no NumPy dtype of their own; float32 holds their values
    try:
        return t.numpy()
    except (TypeError, RuntimeError) as exc:  # a sparse or quantised tensor
        raise InputError(f"{what}: expected an array of numbers ({exc})") from None
