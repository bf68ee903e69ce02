"""Matplotlib figures for the evaluation report, returned as base64 PNG (no files, no network)."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve, roc_curve

from hourglass._logs import quiet_warnings

__all__ = ["confusion_figure", "histogram_figure", "pr_figure", "roc_figure", "threshold_figure"]

_OP: dict[str, Any] = dict(color="#d62728", marker="o", ms=8, ls="none", zorder=5)
_COLORS = matplotlib.color_sequences["tab10"]  # the colours of the tab10 colormap


def _png(fig: Figure) -> str:
    # a Figure of its own, not pyplot's: no backend chosen (matplotlib.use("Agg") switched the
    # caller's, a notebook's plots then shown nowhere) and no global figure list to leak into
    buf = io.BytesIO()
    # a class named in a script the font lacks (攻撃, 🔥) is drawn as boxes, its name whole in
    # the report's tables; matplotlib's warning per character was printed amid the command's
    # lines (with --quiet too)
    with quiet_warnings(UserWarning, r"Glyph \d+ .* missing from font"):
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


_LEGEND_CHARS = 60  # a class name in a legend: longer ones are cut (the tables keep them whole)


def _plain(text: str) -> str:
    """``text`` as matplotlib shows it literally in a legend: a pair of ``$`` would start its math
    mode (a class named ``$IPC$ scan`` shown as an italic "IPC scan"; ``cost $^$`` failing the
    report), and a name over :data:`_LEGEND_CHARS` characters is cut (the figure grew with it:
    a label of 20,000 characters made a PNG 140,000 pixels wide, ~50 s and ~0.5 GB).

    Examples
    --------
    >>> _plain("$IPC$ scan")
    '\\\\$IPC\\\\$ scan'
    >>> len(_plain("x" * 500))
    60
    """
    if len(text) > _LEGEND_CHARS:
        text = text[: _LEGEND_CHARS - 1] + "…"
    return text.replace("$", r"\$")


def _fig(w: float = 5.2, h: float = 4.0) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(w, h))
    ax = fig.subplots()
    ax.grid(alpha=0.3)
    return fig, ax


def roc_figure(y: np.ndarray, s: np.ndarray, fpr: float, tpr: float, auc: float | None) -> str:
    """ROC curve with the operating point of the model's threshold.

    Parameters
    ----------
    y, s
        The true labels (1: anomaly) and the scores, one per row.
    fpr, tpr
        The false- and true-positive rates at the model's threshold: the red dot.
    auc
        The ROC-AUC named in the legend (``None``: not named).

    Returns
    -------
    str
        The figure as a PNG, base64-encoded (ASCII), as the report embeds it.

    Examples
    --------
    >>> import base64
    >>> y, s = np.array([0, 0, 0, 1, 1]), np.array([0.1, 0.2, 0.6, 0.5, 0.9])
    >>> png = roc_figure(y, s, fpr=1 / 3, tpr=0.5, auc=0.833)
    >>> base64.b64decode(png)[1:4]
    b'PNG'
    """
    fig, ax = _fig()
    f, t, _ = roc_curve(y, s)
    ax.plot(f, t, color=_COLORS[0], lw=2, label=f"ROC (AUC {auc:.3f})" if auc is not None else "ROC")
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1, label="chance")
    ax.plot([fpr], [tpr], **_OP, label=f"threshold: FPR {fpr:.4f}, TPR {tpr:.3f}")
    ax.set(xlabel="false-positive rate", ylabel="true-positive rate (detection rate)",
           title="ROC curve", xlim=(-0.01, 1.01), ylim=(-0.01, 1.01))
    ax.legend(loc="lower right", fontsize=8)
    return _png(fig)


def pr_figure(y: np.ndarray, s: np.ndarray, precision: float | None, recall: float,
              ap: float | None) -> str:
    """Precision-recall curve with the operating point and the no-skill line.

    Parameters
    ----------
    y, s
        The true labels (1: anomaly) and the scores, one per row.
    precision, recall
        Precision and recall at the model's threshold: the red dot (``precision`` ``None``:
        nothing flagged, no dot).
    ap
        The average precision named in the legend (``None``: not named).

    Returns
    -------
    str
        The figure as a PNG, base64-encoded (ASCII), as the report embeds it.

    Examples
    --------
    >>> import base64
    >>> y, s = np.array([0, 0, 0, 1, 1]), np.array([0.1, 0.2, 0.6, 0.5, 0.9])
    >>> base64.b64decode(pr_figure(y, s, precision=0.5, recall=0.5, ap=0.83))[1:4]
    b'PNG'
    """
    fig, ax = _fig()
    p, r, _ = precision_recall_curve(y, s)
    ax.plot(r, p, color=_COLORS[1], lw=2, label=f"PR (AP {ap:.3f})" if ap is not None else "PR")
    ax.axhline(float(np.mean(y)), color="grey", ls=":", lw=1, label="no skill (anomaly share)")
    if precision is None:  # nothing flagged: no precision, no point on the curve
        ax.plot([], [], **_OP, label="threshold: nothing flagged (P n/a, R 0)")
    else:
        ax.plot([recall], [precision], **_OP, label=f"threshold: P {precision:.3f}, R {recall:.3f}")
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall curve",
           xlim=(-0.01, 1.01), ylim=(0, 1.02))
    ax.legend(loc="lower left", fontsize=8)
    return _png(fig)


def _log_axis(s: np.ndarray) -> bool:
    pos = s[s > 0]
    return pos.size == s.size and s.size > 0 and float(pos.max() / pos.min()) > 100


def _hist_edges(s: np.ndarray) -> tuple[np.ndarray, bool]:
    """59 bins over the scores (log-spaced when :func:`_log_axis`) and whether the axis is log.
    The outer edges are the smallest and largest score exactly: ``10 ** log10(x)`` is often a
    rounding off ``x``, and a score outside the edges would drop out of its class's histogram.

    Examples
    --------
    >>> s = np.array([0.00123, 0.5, 37.7])
    >>> e, log = _hist_edges(s)
    >>> log, bool(e[0] == s.min() and e[-1] == s.max()), len(e)
    (True, True, 60)
    """
    log = _log_axis(s)
    lo, hi = (np.log10(s.min()), np.log10(s.max())) if log else (s.min(), s.max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1, 60)
    if log:
        edges = 10 ** edges
        edges[0], edges[-1] = s.min(), s.max()
    return edges, log


def histogram_figure(s: np.ndarray, groups: Mapping[str, np.ndarray], threshold: float,
                     unit: str = "rows") -> str:
    """Score histogram per class (share of each class's ``unit``: rows, sessions, time steps,
    entity buckets), threshold as a vertical line.

    Parameters
    ----------
    s
        The scores.
    groups
        Class name → boolean mask over ``s`` (a class with no score is left out).
    threshold
        The model's threshold: the dashed line.
    unit
        What one score is, for the axis label.

    Returns
    -------
    str
        The figure as a PNG, base64-encoded (ASCII), as the report embeds it.

    Examples
    --------
    >>> import base64
    >>> s = np.array([0.1, 0.2, 0.3, 2.0, 3.0])
    >>> groups = {"normal": s < 1, "attack": s >= 1}
    >>> base64.b64decode(histogram_figure(s, groups, threshold=1.0))[1:4]
    b'PNG'
    """
    fig, ax = _fig(9.4, 4.2)
    edges, log = _hist_edges(s)
    if log:
        ax.set_xscale("log")
    # the legend's entries are given, not collected from the labels: matplotlib leaves out an
    # artist whose label starts with "_", and a class may be named so ("_probe")
    handles: list[Any] = []
    labels: list[str] = []
    for i, (name, mask) in enumerate(groups.items()):
        vals = s[mask]
        if vals.size == 0:
            continue
        w = np.full(vals.size, 1.0 / vals.size)
        # matplotlib's stub omits arrays from bins (documented: int, sequence or str)
        _, _, patches = ax.hist(vals, bins=edges, weights=w, histtype="step",  # type: ignore[arg-type]
                                lw=1.8, color=_COLORS[i % 10])
        handles.append(patches[0] if isinstance(patches, list) else patches)  # one data set: [Polygon]
        labels.append(f"{_plain(name)} ({vals.size:,})")
    handles.append(ax.axvline(threshold, color="#d62728", ls="--", lw=1.5))
    labels.append(f"threshold {threshold:.4g}")
    ax.set(xlabel="anomaly score" + (" (log scale)" if log else ""), ylabel=f"share of the class's {unit}",
           title="Score distribution per class")
    ax.legend(handles, labels, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _png(fig)


def threshold_figure(curve: Mapping[str, np.ndarray], threshold: float,
                     events_per_day: float | None, unit: str = "events") -> str:
    """Precision, recall and alert volume against the threshold: pick another operating point
    (``unit``: what the alerts are counted among without an event rate, as the report's table
    counts them: events, sessions, time steps, entity buckets).

    Parameters
    ----------
    curve
        :func:`~hourglass.evaluate.threshold_curve`'s arrays (``threshold``, ``precision``,
        ``recall``, ``fpr``, ``alert_share``).
    threshold
        The model's threshold: the dashed line.
    events_per_day
        The event rate: the alert volume is drawn per day; ``None``: per 10k ``unit``.
    unit
        What the alerts are counted among without an event rate.

    Returns
    -------
    str
        The figure as a PNG, base64-encoded (ASCII), as the report embeds it.

    Examples
    --------
    >>> import base64
    >>> from hourglass.evaluate import threshold_curve
    >>> y, s = np.array([0, 0, 0, 1, 1]), np.array([0.1, 0.2, 0.6, 0.5, 0.9])
    >>> png = threshold_figure(threshold_curve(y, s), threshold=0.55, events_per_day=None)
    >>> base64.b64decode(png)[1:4]
    b'PNG'
    """
    fig, ax = _fig(10.4, 4.2)
    t = curve["threshold"]
    log = _log_axis(t)
    ax.plot(t, curve["precision"], color=_COLORS[0], lw=2, label="precision")
    ax.plot(t, curve["recall"], color=_COLORS[1], lw=2, label="recall (detection rate)")
    ax.plot(t, curve["fpr"], color=_COLORS[7], lw=1.2, ls="-.", label="false-positive rate")
    ax.set_ylim(-0.02, 1.02)
    ax.set(xlabel="threshold" + (" (log scale)" if log else ""), ylabel="rate",
           title="Choosing a threshold: precision, recall and alert volume")
    if log:
        ax.set_xscale("log")
    ax2 = ax.twinx()
    if events_per_day:
        vol, what = curve["alert_share"] * events_per_day, "alerts per day"
    else:
        vol, what = curve["alert_share"] * 1e4, f"alerts per 10k {unit}"
    ax2.plot(t, np.maximum(vol, 1e-3), color=_COLORS[2], lw=1.8, ls="--", label=what)
    ax2.set_yscale("log")
    ax2.set_ylabel(what, color=_COLORS[2])
    ax.axvline(threshold, color="#d62728", ls="--", lw=1.5, label=f"model threshold {threshold:.4g}")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=5,
              frameon=False)
    return _png(fig)


def confusion_figure(tp: int, fp: int, tn: int, fn: int) -> str:
    """2×2 confusion matrix with counts and row shares.

    Parameters
    ----------
    tp, fp, tn, fn
        The true and false positives and negatives at the threshold.

    Returns
    -------
    str
        The figure as a PNG, base64-encoded (ASCII), as the report embeds it.

    Examples
    --------
    >>> import base64
    >>> base64.b64decode(confusion_figure(tp=8, fp=2, tn=88, fn=2))[1:4]
    b'PNG'
    """
    fig = Figure(figsize=(4.2, 3.6))
    ax = fig.subplots()
    m = np.array([[tn, fp], [fn, tp]], dtype=np.float64)
    share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    labels: Sequence[str] = ("normal", "anomaly")
    ax.set_xticks([0, 1], [f"flagged {labels[0]}", f"flagged {labels[1]}"])
    ax.set_yticks([0, 1], [f"true {labels[0]}", f"true {labels[1]}"])
    for i in range(2):
        for j in range(2):
            ax.text(j, i, f"{int(m[i, j]):,}\n({share[i, j]:.1%})", ha="center", va="center",
                    color="white" if share[i, j] > 0.5 else "black", fontsize=11)
    ax.set_title("Confusion matrix at the threshold")
    return _png(fig)
