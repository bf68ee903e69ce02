"""What a site sends of its held-out normal scores at the end of a federated run, and how the
server rebuilds a shared threshold from those summaries alone.

A site fits the threshold rule and a :class:`~hourglass.thresholds.calibration.Calibrator` on its
held-out scores itself and sends them fitted (:func:`site_summary`). The calibration holds the
scores' quantiles at 257 evenly spaced probabilities (repeats merged), so a server that must not
see the scores can still fit a shared threshold on the count-weighted mixture of those quantile
functions (:func:`pseudo_union`). With fewer held-out rows than knots the knots pin down every
score (the quantile function is linear between order statistics): a summary hides the scores of a
large held-out set, not those of a small one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hourglass.errors import InputError
from hourglass.features.statistics import mixture_quantiles
from hourglass.thresholds import HELD_OUT, Threshold
from hourglass.thresholds.calibration import Calibrator

__all__ = ["calibration_sketch", "pseudo_union", "share_above", "site_summary"]


def site_summary(scores: np.ndarray, rule: Threshold) -> dict[str, Any]:
    """What a site sends of its held-out normal scores in the ``scores`` round: ``rule`` and a
    :class:`Calibrator` fitted on them at the site (their ``to_dict``: the threshold value; the
    calibration's 257 quantile knots and GPD tail), the count and the median. ``None`` for the
    fitted objects under 2 scores (a site's own threshold needs at least 2).

    Examples
    --------
    >>> from hourglass.thresholds import Percentile
    >>> s = site_summary(np.arange(101.0), Percentile(99))
    >>> s["rows"], s["threshold"]["value"], s["median"], len(s["calibration"]["knots"])
    (101, 99.0, 50.0, 257)
    """
    s = np.asarray(scores, dtype=np.float64)
    fitted = len(s) >= 2
    return {"rows": int(len(s)), "median": float(np.median(s)) if len(s) else None,
            "threshold": (type(rule)(**rule.get_params()).fit(s, on=HELD_OUT).to_dict()
                          if fitted else None),
            "calibration": Calibrator().fit(s).to_dict() if fitted else None}


def calibration_sketch(calibration: Mapping[str, Any]) -> np.ndarray:
    """The ``n_knots`` evenly spaced quantiles a fitted :class:`Calibrator` was built from
    (``np.quantile(scores, np.linspace(0, 1, n_knots))``), rebuilt from its ``to_dict``: its
    knots are those quantiles with repeats merged, each at the highest probability it held.

    Examples
    --------
    >>> s = np.r_[np.zeros(50), np.arange(1.0, 51.0)]
    >>> q = np.quantile(s, np.linspace(0, 1, 257))
    >>> bool(np.array_equal(calibration_sketch(Calibrator().fit(s).to_dict()), q))
    True
    """
    knots = np.asarray(calibration["knots"], dtype=np.float64)
    probs = np.asarray(calibration["knot_probs"], dtype=np.float64) / (1.0 - 0.5 / int(calibration["n_fit"]))
    grid = np.linspace(0.0, 1.0, int(calibration["n_knots"]))
    # the quantile at grid[i] is the first knot whose (highest) probability reaches grid[i]
    at = np.searchsorted(probs, grid - 1e-9 * np.maximum(grid, 1e-3), side="left")
    return knots[np.minimum(at, len(knots) - 1)]


def pseudo_union(summaries: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """As many values as the sites' held-out scores in all: the quantiles, at evenly spaced
    probabilities, of the count-weighted mixture of the sites' quantile functions (their
    calibrations' knots, :func:`calibration_sketch`). Near the union of the scores, not equal:
    between knots the mixture is linear. Sites with under 2 held-out rows sent no calibration
    and are left out.

    Examples
    --------
    >>> from hourglass.thresholds import Percentile
    >>> s = [site_summary(np.arange(a, b), Percentile(99)) for a, b in ((0.0, 100.0), (100.0, 300.0))]
    >>> u = pseudo_union(s)
    >>> len(u), float(u[0]), float(u[-1]), round(float(np.percentile(u, 50)), 2)  # the union's: 149.5
    (300, 0.0, 299.0, 149.75)
    """
    parts = [(calibration_sketch(s["calibration"]), int(s["rows"]))
             for s in summaries if s["calibration"] is not None]
    if not parts:
        raise InputError("no site has 2 or more held-out rows: no shared threshold "
                         "(raise validation_fraction)")
    n = sum(c for _, c in parts)
    return mixture_quantiles([q for q, _ in parts], [c for _, c in parts], np.linspace(0.0, 1.0, n))


def share_above(summary: Mapping[str, Any], threshold: Threshold) -> float:
    """The share of a site's held-out scores above the fitted ``threshold``, from its summary
    alone: of its :func:`pseudo_union` (the values the shared threshold was fitted on with
    ``held_out="summaries"``), found by bisection (the values rise with their position, a
    threshold flags the highest). The pseudo-scores are near the site's scores, not equal, even
    under 257 of them (linear between the knots, 1/256 of probability apart): a threshold within
    about 1/256 of probability of a score may count it on the other side. Not the
    calibration's tail probability, which is never 0 above the highest score (``0.5 / n`` at
    it: a sixth of a 3-row site). A one-row site sends no calibration: its median is its one
    score, flagged (1.0) or not (0.0); 0 for a site of no row (a share of nothing: its caller
    records none).

    Examples
    --------
    >>> from hourglass.thresholds import Percentile
    >>> t = Percentile(99).fit(np.arange(100.0))
    >>> s = site_summary(np.arange(40.0), Percentile(99))
    >>> share_above(s, t), share_above(s, Percentile(50).fit(np.arange(78.0)))  # above 98.01; 38.5
    (0.0, 0.025)
    >>> share_above(site_summary(np.array([99.5]), Percentile(99)), t)
    1.0
    """
    if summary["calibration"] is None:
        if int(summary["rows"]) == 1 and summary["median"] is not None:
            return float(threshold.predict(np.array([float(summary["median"])]))[0])
        return 0.0
    n = int(summary["rows"])
    sketch, probs = calibration_sketch(summary["calibration"]), np.linspace(0.0, 1.0, n)
    lo, hi = 0, n  # the first position whose value the threshold flags
    while lo < hi:
        mid = (lo + hi) // 2
        if threshold.predict(mixture_quantiles([sketch], [n], probs[mid:mid + 1]))[0]:
            hi = mid
        else:
            lo = mid + 1
    return (n - lo) / n
