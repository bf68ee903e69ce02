"""Synthetic anomalies injected into normal windows, for label-free model selection.

Unsupervised detectors cannot be compared on labels they do not have; a standard way out
(Goswami et al., "Unsupervised Model Selection for Time-series Anomaly Detection", ICLR 2023;
also the synthetic-anomaly validation of TSB-AD style studies) is to corrupt held-out *normal*
windows with anomalies of known, generic shapes and prefer the model that separates the
corrupted copies from the clean windows best. This module makes the corrupted copies.

The scheme (fixed before it was used on any benchmark):

* every clean window gets one corrupted copy per kind in :data:`ANOMALY_KINDS`;
* a copy changes **one** channel (drawn uniformly), in a segment of ``L/4 … L/2`` steps
  (uniform length and start inside the window of ``L`` steps; one step for a spike);
* magnitudes are in units of that channel's training standard deviation ``σ`` (``scale``):

  ========== ===========================================================================
  kind       change of the segment
  ========== ===========================================================================
  spike      one step ``+= ±m·σ``, ``m ~ U(3, 5)``
  level      ``+= ±m·σ``, ``m ~ U(1, 3)`` (a level shift)
  noise      ``+= N(0, (m·σ)²)`` per step, ``m ~ U(0.5, 1.5)`` (a noise burst)
  scale      ``x = μ + k·(x − μ)`` around the segment mean ``μ``, ``k ~ U(2, 4)`` (amplitude)
  flatten    ``x = x[start]`` (the signal stops: a stuck sensor, contextual flattening)
  ========== ===========================================================================

* everything is drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same
  copies.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ANOMALY_KINDS", "channel_scale", "inject_anomalies"]

ANOMALY_KINDS: tuple[str, ...] = ("spike", "level", "noise", "scale", "flatten")


def channel_scale(X: np.ndarray) -> np.ndarray:
    """Per-channel standard deviation of a series ``(T, C)``, the unit of injected magnitudes.

    A (near-)constant channel gets the mean of the others' (1 when all are constant), so an
    injection into it is neither zero nor astronomically large.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.c_[np.arange(4.0), np.zeros(4)]
    >>> [round(float(v), 3) for v in channel_scale(X)]
    [1.118, 1.118]
    """
    sd = np.asarray(X, dtype=np.float64).std(axis=0)
    ok = sd > 1e-8
    fill = float(sd[ok].mean()) if ok.any() else 1.0
    return np.where(ok, sd, fill)


def inject_anomalies(windows: np.ndarray, scale: np.ndarray, *, seed: int = 0,
                     kinds: tuple[str, ...] = ANOMALY_KINDS) -> tuple[np.ndarray, np.ndarray]:
    """Corrupted copies of normal ``windows`` ``(N, L, C)``: one per window and kind.

    Parameters
    ----------
    windows
        Clean windows ``(N, L, C)`` (not modified).
    scale
        ``(C,)`` unit of each channel's magnitudes (its training standard deviation, see
        :func:`channel_scale`).
    seed
        Seed of every random draw.
    kinds
        A subset of :data:`ANOMALY_KINDS`.

    Returns
    -------
    copies, kind
        ``copies`` ``(N · len(kinds), L, C)`` float32 (copy ``i · len(kinds) + j`` is window
        ``i`` with anomaly ``kinds[j]``) and ``kind`` ``(N · len(kinds),)``, the index into
        ``kinds`` of each copy.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.zeros((3, 8, 2))
    >>> copies, kind = inject_anomalies(W, np.ones(2), seed=0)
    >>> copies.shape, kind[:5].tolist()
    ((15, 8, 2), [0, 1, 2, 3, 4])
    >>> changed = (copies != 0).any(axis=1).sum(axis=1)  # channels touched per copy
    >>> int(changed.max())
    1
    """
    W = np.asarray(windows, dtype=np.float64)
    if W.ndim != 3:
        raise ValueError(f"windows must be (N, L, C), got shape {W.shape}")
    n, length, n_ch = W.shape
    sigma = np.asarray(scale, dtype=np.float64).reshape(-1)
    if sigma.shape != (n_ch,):
        raise ValueError(f"scale must have one value per channel ({n_ch}), got {sigma.shape}")
    unknown = [k for k in kinds if k not in ANOMALY_KINDS]
    if unknown or not kinds:
        raise ValueError(f"kinds must be a non-empty subset of {ANOMALY_KINDS}, got {kinds}")
    rng = np.random.default_rng(seed)
    out = np.repeat(W, len(kinds), axis=0)
    kind_idx = np.tile(np.arange(len(kinds)), n)
    lo, hi = max(1, length // 4), max(1, length // 2)
    for i in range(len(out)):
        kind = kinds[kind_idx[i]]
        c = int(rng.integers(n_ch))
        seg_len = int(rng.integers(lo, hi + 1))
        start = int(rng.integers(0, length - seg_len + 1))
        seg = out[i, start:start + seg_len, c]  # a view: edits land in ``out``
        sign = 1.0 if rng.random() < 0.5 else -1.0
        if kind == "spike":
            out[i, int(rng.integers(length)), c] += sign * rng.uniform(3, 5) * sigma[c]
        elif kind == "level":
            seg += sign * rng.uniform(1, 3) * sigma[c]
        elif kind == "noise":
            seg += rng.normal(0.0, rng.uniform(0.5, 1.5) * sigma[c], size=seg_len)
        elif kind == "scale":
            mu = seg.mean()
            seg[:] = mu + rng.uniform(2, 4) * (seg - mu)
        else:  # flatten
            seg[:] = seg[0]
    return out.astype(np.float32), kind_idx
