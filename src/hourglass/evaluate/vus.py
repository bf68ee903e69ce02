"""VUS-PR and VUS-ROC: the volumes under the range-based precision-recall and ROC surfaces
(Paparrizos et al., VLDB 2022), as TSB-AD computes them for its leaderboards, plus TSB-AD's ACF
estimate of the buffer.

The definition, as implemented by TSB-AD 1.5 (``basic_metricor.RangeAUC_volume_opt``, called by
``get_metrics(score, labels, slidingWindow)``), re-derived here in closed form:

* **Buffer** ``w`` runs over ``0, 1, …, L`` (``L`` = ``sliding_window``). Around every labelled
  range ``[s, e]`` the buffer adds ``h = w // 2`` steps on each side with a soft label
  ``sqrt(1 - d / w)`` at distance ``d`` (1 ≤ d ≤ h; so it decays from ~1 to ~0.71). Soft labels
  from neighbouring ranges add up and are capped at 1. Steps of a labelled range keep label 1.
* **Thresholds**: the scores sorted in decreasing order, taken at ``n_thresholds`` positions
  spaced evenly over the ranks (``linspace(0, n - 1, n_thresholds)`` cast to int); a step is
  predicted when its score is ``>=`` the threshold.
* At each (buffer, threshold): ``B`` = sum of the soft labels of the *predicted* buffer steps;
  ``TP`` = predicted labelled steps + ``B``; ``P'`` = ``P + B / 2`` (``P`` = labelled steps);
  range recall = ``min(TP / P', 1)`` times the **existence ratio** (share of the buffer-widened
  ranges — ranges whose widened spans touch are merged — that hold at least one predicted step);
  range precision = ``TP / (number of predicted steps)``.
* Per buffer, AP = Σ (recall_k − recall_{k−1}) · precision_k over the thresholds (recall_0 = 0);
  **VUS-PR is the mean of the AP over the L + 1 buffers.**
* ROC per buffer: TPR = the range recall above (existence ratio included); FPR = FP / N' with
  ``FP`` = predicted steps − ``TP`` and ``N'`` = n − ``P'``; the curve runs through (0, 0), the
  thresholds in order and (1, 1) and its area is taken with the trapezoid rule (in threshold
  order, as TSB-AD does). **VUS-ROC is the mean of that area over the L + 1 buffers.** With
  buffer 0, one labelled range and a threshold at every distinct score it is the plain ROC-AUC.

The result equals the reference loop-by-loop computation (checked against TSB-AD 1.5 on random
and hand-made cases, to float rounding); it costs O((L + 1)(n + n_thresholds + ranges · L))
instead of the reference's O((L + 1) · n_thresholds · n).
"""

from __future__ import annotations

import numbers

import numpy as np

from hourglass.errors import InputError
from hourglass.evaluate.metrics import check_scores
from hourglass.features.validation import check_labels

__all__ = ["tsb_sliding_window", "vus_pr", "vus_roc", "vus_volumes"]


def _whole(value: object) -> bool:
    """A whole number (``3`` or ``3.0``, an integer past float's range too; not ``None``, text
    or a flag). (``float(10**400)`` is an ``OverflowError``: an integer is not cast.)"""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return isinstance(value, numbers.Integral) or float(value).is_integer()


def _shown(value: object) -> str:
    """``value`` as a message quotes it: an integer past float's range (hundreds of digits) by
    those words.

    Examples
    --------
    >>> _shown(126), _shown(10**400)
    ('126', "an integer past float's range")
    """
    if isinstance(value, numbers.Integral) and abs(int(value)).bit_length() > 1024:
        return "an integer past float's range"
    return repr(value)


def _ranges(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and (inclusive) ends of the runs of 1s."""
    edges = np.diff(np.r_[0, y, 0])
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1


def _first_hit(thresholds: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Index of the first (highest) threshold each value reaches: ``values >= thresholds[k]``
    holds exactly for ``k >= result`` since ``thresholds`` is non-increasing."""
    return np.searchsorted(-thresholds, -values, side="left")


def _cumcount(k: np.ndarray, n_thresholds: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Per threshold, the (weighted) number of items whose first hit is at or before it."""
    return np.cumsum(np.bincount(k, weights=weights, minlength=n_thresholds + 1))[:n_thresholds]


def vus_pr(y_true: object, scores: object, sliding_window: int = 100,
           n_thresholds: int = 250) -> float | None:
    """VUS-PR of one scored series, TSB-AD's definition (see the module docstring).

    Parameters as for :func:`vus_volumes`, which computes VUS-ROC beside it.

    Returns
    -------
    float or None
        VUS-PR in [0, 1]; ``None`` when the labels hold a single class.

    Examples
    --------
    >>> y = [0, 0, 0, 1, 1, 0, 0, 0]
    >>> float(vus_pr(y, y, sliding_window=4))
    1.0
    >>> round(float(vus_pr(y, [0, 0, 1, 0, 0, 0, 0, 0], sliding_window=4, n_thresholds=8)), 4)
    0.4621
    """
    return vus_volumes(y_true, scores, sliding_window, n_thresholds)["vus_pr"]


def vus_roc(y_true: object, scores: object, sliding_window: int = 100,
            n_thresholds: int = 250) -> float | None:
    """VUS-ROC of one scored series, TSB-AD's definition (see the module docstring).

    Parameters as for :func:`vus_volumes`.

    Returns
    -------
    float or None
        VUS-ROC in [0, 1]; ``None`` when the labels hold a single class.

    Examples
    --------
    >>> y = [0, 0, 0, 1, 1, 0, 0, 0]
    >>> float(vus_roc(y, y, sliding_window=4))
    1.0
    >>> s = [0.1, 0.5, 0.2, 0.9, 0.4, 0.3, 0.0, 0.6]
    >>> round(vus_roc(y, s, sliding_window=0, n_thresholds=8), 4)  # = ROC-AUC: one range, buffer 0
    0.8333
    """
    return vus_volumes(y_true, scores, sliding_window, n_thresholds)["vus_roc"]


def vus_volumes(y_true: object, scores: object, sliding_window: int = 100,
                n_thresholds: int = 250) -> dict[str, float | None]:
    """VUS-ROC and VUS-PR of one scored series in one pass, TSB-AD's definitions.

    Parameters
    ----------
    y_true
        0/1 per time step (1 = anomalous).
    scores
        Score per time step (higher = more anomalous), finite.
    sliding_window
        ``L``, the largest buffer: buffers ``0 … L`` are averaged (TSB-AD's ``slidingWindow``;
        100 is the default of TSB-AD's ``get_metrics``; its benchmarks pass the ACF period of the
        series' first channel, :func:`tsb_sliding_window`). At most ``max(2 * n, 125)`` for a
        series of ``n`` steps (125: :func:`tsb_sliding_window`'s buffer for a series without a
        period, however short; above TSB-AD's default 100): a wider buffer reaches no further step.
    n_thresholds
        Thresholds per buffer (TSB-AD: 250). Past the series' ``n`` steps they only repeat
        positions, which add nothing to either volume: more than ``max(n, 250)`` are taken as
        that many (the volumes are those of ``n`` thresholds, to float rounding).

    Returns
    -------
    dict
        ``vus_roc`` and ``vus_pr``, each in [0, 1]; ``None`` when the labels hold a single class
        (as for the AUCs).

    Notes
    -----
    No deviation from TSB-AD 1.5's ``RangeAUC_volume_opt`` is intended: same threshold
    positions (including repeated ones when ``n < n_thresholds``, up to ``max(n, 250)`` of
    them: more add nothing), same soft labels, existence
    ratio over the merged widened ranges and the same ``P' = (P + N_labels) / 2`` recall
    denominator. A perfect score gives 1; a constant score gives the (soft) anomaly share.

    Examples
    --------
    >>> y = [0, 0, 0, 1, 1, 0, 0, 0]
    >>> v = vus_volumes(y, [0, 0, 1, 0, 0, 0, 0, 0], sliding_window=4, n_thresholds=8)
    >>> {k: round(float(x), 4) for k, x in v.items()}
    {'vus_roc': 0.598, 'vus_pr': 0.4621}
    """
    s = check_scores(scores)  # numbers, finite (text gave numpy's 'could not convert')
    y = check_labels(y_true, s.size, what="y_true")
    if not _whole(sliding_window) or sliding_window < 0:
        raise InputError(f"sliding_window: a whole number of steps >= 0, got {_shown(sliding_window)}")
    if not _whole(n_thresholds) or n_thresholds < 1:
        raise InputError(f"n_thresholds: a whole number >= 1, got {_shown(n_thresholds)}")
    # more thresholds than steps repeat positions of the ranked scores (linspace cast to int hits
    # every one once there are n), which add nothing to either area: past max(n, 250) they are
    # not computed (n_thresholds=10**11 on 8 steps asked for 745 GiB)
    n = s.size
    n_thr = min(int(n_thresholds), max(n, _TSB_THRESHOLDS))
    bound = max(2 * n, _NO_PERIOD)  # (not 100: evaluate's estimate of a short series is 125)
    if sliding_window > bound:
        # a buffer w reaches w // 2 steps each side: past 2 n it reaches no further step, and
        # the L + 1 buffers are computed one by one (10**12 asked for an array of 8 TB)
        raise InputError(f"sliding_window: at most {bound:,} steps (twice the series' {n:,} "
                         f"steps, or {_NO_PERIOD}, the buffer of a series without a period), got "
                         f"{_shown(sliding_window)}")
    max_w = int(sliding_window)
    n_pos = int(y.sum())
    if n_pos in (0, n):
        return {"vus_roc": None, "vus_pr": None}
    thresholds = np.sort(s)[::-1][np.linspace(0, n - 1, n_thr).astype(int)]
    k = _first_hit(thresholds, s)
    n_pred = _cumcount(k, n_thr)                    # >= 1: every threshold is a score
    tp_points = _cumcount(k[y == 1], n_thr)
    starts, ends = _ranges(y)
    # normal steps within the widest buffer of some range: the only ones a buffer can reach
    near = np.zeros(n + 1, dtype=np.int64)
    np.add.at(near, np.maximum(starts - max_w // 2, 0), 1)
    np.add.at(near, np.minimum(ends + max_w // 2 + 1, n), -1)
    buffer_steps = np.flatnonzero((np.cumsum(near)[:n] > 0) & (y == 0))
    k_buffer = k[buffer_steps]
    gaps = starts[1:] - ends[:-1]
    ap, auc = np.empty(max_w + 1), np.empty(max_w + 1)
    for w in range(max_w + 1):
        h = w // 2
        soft = np.zeros(buffer_steps.size)
        if h:
            d = np.arange(1, min(h, n) + 1)  # steps further off fall outside the series
            right, left = ends[:, None] + d, starts[:, None] - d
            value = np.broadcast_to(np.sqrt(1.0 - d / w), right.shape)
            pos = np.r_[right[right < n], left[left >= 0]]
            val = np.r_[value[right < n], value[left >= 0]]
            soft = np.minimum(np.bincount(pos, weights=val, minlength=n), 1.0)[buffer_steps]
        soft_tp = _cumcount(k_buffer, n_thr, soft)
        # widened ranges: a new one starts where the gap to the previous range exceeds 2h
        first = np.r_[0, np.flatnonzero(gaps > 2 * h) + 1]
        last = np.r_[first[1:] - 1, starts.size - 1]
        seg_max = _segment_max(s, np.maximum(starts[first] - h, 0), np.minimum(ends[last] + h, n - 1))
        existence = _cumcount(_first_hit(thresholds, seg_max), n_thr) / first.size
        tp = tp_points + soft_tp
        p_new = n_pos + soft_tp / 2.0
        recall = np.minimum(tp / p_new, 1.0) * existence
        precision = tp / n_pred
        ap[w] = float(np.dot(np.diff(recall, prepend=0.0), precision))
        tpr = np.r_[0.0, recall, 1.0]
        fpr = np.r_[0.0, (n_pred - tp) / (n - p_new), 1.0]
        auc[w] = float(np.dot(np.diff(fpr), (tpr[1:] + tpr[:-1]) / 2.0))
    return {"vus_roc": float(auc.mean()), "vus_pr": float(ap.mean())}


def _segment_max(s: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Max of ``s[lo[i]:hi[i] + 1]`` for sorted, disjoint segments."""
    bounds = np.c_[lo, hi + 1].ravel()
    if bounds[-1] == s.size:
        bounds = bounds[:-1]
    return np.maximum.reduceat(s, bounds)[::2]


#: TSB-AD's thresholds per buffer (``thre=250``), :func:`vus_volumes`' default
_TSB_THRESHOLDS = 250

#: :func:`tsb_sliding_window`'s buffer for a series without an ACF peak (TSB-AD's); its others
#: are a lag of the series, shorter than it
_NO_PERIOD = 125


def tsb_sliding_window(x: object, max_lag: int = 400) -> int:
    """TSB-AD's buffer ``L`` for a series: the lag of the highest ACF peak of its first channel.

    Follows TSB-AD's ``find_length_rank(data[:, 0], rank=1)``: ACF of the first 20,000 steps up
    to ``max_lag``, lags below 3 ignored, the highest local maximum (strictly above both
    neighbours) chosen; 125 when there is none or it lies outside [3, 300] (offsets as there).

    Parameters
    ----------
    x
        The series: one value per step, or steps × channels (only the first channel is used).
    max_lag
        The largest lag of the ACF looked at, a whole number >= 0 (TSB-AD's 400).

    Returns
    -------
    int
        The buffer ``L`` for :func:`vus_volumes`'s ``sliding_window``.

    Raises
    ------
    hourglass.errors.InputError
        A series that is empty, has no channels, or holds non-numeric, NaN or infinite values;
        a ``max_lag`` that is no whole number >= 0.

    Examples
    --------
    >>> t = np.arange(2000)
    >>> tsb_sliding_window(np.sin(2 * np.pi * t / 50))
    50
    >>> tsb_sliding_window(np.zeros(100))
    125
    """
    # (it slices the ACF: -5 cut its last lags off, a period of 250 where none was looked for;
    # 2.5 was a TypeError)
    if not _whole(max_lag) or max_lag < 0:
        raise InputError(f"max_lag: a whole number of lags >= 0, got {_shown(max_lag)}")
    try:
        a = np.asarray(x, dtype=np.float64)
    except OverflowError:
        raise InputError("x: expected a numeric series (it holds an integer past float's range)") from None
    except (TypeError, ValueError):
        raise InputError("x: expected a numeric series (it holds values that are not numbers)") from None
    if a.ndim == 2 and a.shape[1] == 0:
        raise InputError(f"x: the series has no channels (shape {a.shape})")
    v = (a[:, 0] if a.ndim == 2 else a.ravel())[:20000]
    if v.size == 0:
        raise InputError("x: empty series (no time steps)")
    if not np.isfinite(v).all():
        bad = int(np.flatnonzero(~np.isfinite(v))[0]) + 1  # (from 1, as the evaluate API's rows)
        raise InputError(f"x: {int((~np.isfinite(v)).sum())} NaN or infinite value(s) in the "
                         f"(first channel of the) series; first at step {bad}")
    v = v - v.mean()
    denom = float(np.dot(v, v))
    if v.size < 8 or denom == 0.0:
        return _NO_PERIOD
    nfft = 1 << int(np.ceil(np.log2(2 * v.size)))
    spec = np.fft.rfft(v, nfft)
    acf = np.fft.irfft(spec * np.conj(spec), nfft)[: min(int(max_lag), v.size - 1) + 1] / denom
    base = 3
    tail = acf[base:]
    peaks = np.flatnonzero((tail[1:-1] > tail[:-2]) & (tail[1:-1] > tail[2:])) + 1
    if peaks.size == 0:
        return _NO_PERIOD
    best = int(peaks[np.argmax(tail[peaks])])
    if best < 3 or best > 300:
        return _NO_PERIOD
    return best + base
