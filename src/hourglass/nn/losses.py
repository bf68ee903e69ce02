"""Loss pieces shared by several detectors."""

from __future__ import annotations

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
    batch carries labels (in the spirit of Deep SAD, Ruff et al. 2020).

    ``batch`` is ``(x,)`` — plain mean, the unsupervised case — or ``(x, y)`` with ``y`` 1 for
    known anomalies. A labelled anomaly is pushed until its value is ``margin`` times the batch's
    mean normal value: its term is ``m · max(0, log(margin · m / v))`` with ``m`` that (detached)
    mean, so the push is in the same units as the normal rows' term and stops once the anomaly is
    far enough out, instead of growing without bound. Classes are balanced: the loss is the mean
    over normal rows plus ``weight`` times the mean over labelled anomalies, so a handful of
    labels among thousands of rows still counts.

    Examples
    --------
    >>> import torch
    >>> v = torch.tensor([1.0, 1.0, 1.0, 2.0])
    >>> float(labelled_margin_loss(v, (v,)))
    1.25
    >>> y = torch.tensor([0.0, 0.0, 0.0, 1.0])
    >>> float(labelled_margin_loss(v, (v, y), margin=2.0))   # anomaly already at the margin
    1.0
    >>> round(float(labelled_margin_loss(v, (v, y), margin=8.0)), 4)   # log(8 / 2) to go
    2.3863
    """
    if len(batch) < 2:
        return values.mean()
    y = batch[1].to(values.dtype)
    normal = 1.0 - y
    n_normal, n_anomal = normal.sum(), y.sum()
    normal_mean = torch.where(n_normal > 0, (values * normal).sum() / n_normal.clamp(min=1.0),
                              values.new_zeros(()))
    ref = torch.where(n_normal > 0, normal_mean, values.mean()).detach().clamp(min=eps)
    push = torch.relu(torch.log(margin * ref) - torch.log(values + eps))
    anomal_mean = (y * ref * push).sum() / n_anomal.clamp(min=1.0)
    return normal_mean + weight * anomal_mean
