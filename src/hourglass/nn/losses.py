"""Loss pieces shared by several detectors."""

from __future__ import annotations

import math

import torch

__all__ = ["labelled_margin_loss"]


def labelled_margin_loss(
    values: torch.Tensor,
    batch: tuple[torch.Tensor, ...],
    *,
    margin: float = 10.0,
    weight: float = 1.0,
    eps: float = 1e-8,
) -> torch.Tensor:
    """Mean of per-row ``values`` (an error or distance to minimise), semi-supervised when the
    batch carries labels, as in Deep SAD (Ruff et al., ICLR 2020).

    ``batch`` is ``(x,)`` — plain mean, the unsupervised case — or ``(x, y)`` with ``y`` 1 for
    known anomalies. A labelled anomaly is pushed until its value is ``margin`` times the batch's
    mean normal value: its term is ``m · max(0, log(margin · m / v))`` with ``m`` that (detached)
    mean, so the push is in the same units as the normal rows' term and stops once the anomaly is
    far enough out, instead of growing without bound; a batch of labelled anomalies alone has no
    normal mean to measure them by, and adds no push (a loss of 0). As in Deep SAD's objective,
    the loss is the mean over *all* rows, a labelled anomaly's term weighted by ``weight`` (Deep SAD's η): a
    handful of labels among thousands of rows nudges the model. Balancing the classes instead
    (labelled anomalies as heavy as all normal rows) over-fitted the few labelled attack types on
    NSL-KDD and lowered ROC-AUC on KDDTest+'s unseen ones (``benchmarks/results/tabular.md``).

    Examples
    --------
    >>> import torch
    >>> v = torch.tensor([1.0, 1.0, 1.0, 2.0])
    >>> float(labelled_margin_loss(v, (v,)))
    1.25
    >>> y = torch.tensor([0.0, 0.0, 0.0, 1.0])
    >>> float(labelled_margin_loss(v, (v, y), margin=2.0))   # anomaly already at the margin
    0.75
    >>> round(float(labelled_margin_loss(v, (v, y), margin=8.0)), 4)   # (3 + log(8 / 2)) / 4
    1.0966
    >>> float(labelled_margin_loss(v, (v, torch.ones(4))))   # no normal row: nothing to push by
    0.0
    """
    if len(batch) < 2:
        return values.mean()
    y = batch[1].to(values.dtype)
    normal = 1.0 - y
    n_normal, n_anomal = normal.sum(), y.sum()
    # a batch without a normal row has no reference: its labelled rows are left where they are
    # (measured against their own mean they were pushed at every step, without bound)
    ref = ((values * normal).sum() / n_normal.clamp(min=1.0)).detach().clamp(min=eps)
    scaled = margin * ref
    # log(margin · m): a margin near float32's top times a mean above 1 overflows to inf, and
    # the normal rows' 0 · inf made the loss NaN ("training diverged", the data blamed)
    target = torch.where(torch.isfinite(scaled), torch.log(scaled), math.log(margin) + torch.log(ref))
    push = torch.relu(target - torch.log(values + eps))
    total = (values * normal).sum() + weight * (y * ref * push).sum() * (n_normal > 0)
    return total / (n_normal + n_anomal).clamp(min=1.0)
