"""A self-contained HTML evaluation report: figures as inline PNG, no scripts, no network.

Sections: headline metrics, ROC and PR curves with the operating point, score histograms per
class with the threshold, a threshold-vs-(precision, recall, alert volume) curve, the confusion
matrix, detection per class and per category, precision@k, event-wise metrics for time-series
models (when given), and the model card.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hourglass._labels import normal_names
from hourglass.errors import InputError
from hourglass.evaluate.metrics import (
    check_scores,
    class_codes,
    evaluate_scores,
    threshold_curve,
)
from hourglass.features.validation import check_labels

__all__ = ["FIGURES", "TABLES", "render_report"]

#: ids of the figures and tables every report carries (tests check them).
FIGURES = ("fig-roc", "fig-pr", "fig-hist", "fig-threshold", "fig-confusion")
TABLES = ("tbl-metrics", "tbl-per-class", "tbl-precision-at-k", "tbl-model-card")

_CSS = """
body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1f2328;
background:#f6f8fa}
main{max-width:1120px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:28px 0 8px;border-bottom:1px solid #d0d7de;
padding-bottom:4px}.sub{color:#57606a;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:1.35em}.card span{color:#57606a;font-size:.85em}
.grid{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figure img{max-width:100%;height:auto}
figcaption{color:#57606a;font-size:.85em;max-width:540px}
table{border-collapse:collapse;font-size:.9em;margin:6px 0}
th,td{border:1px solid #d0d7de;padding:4px 10px;text-align:right}
th{background:#f6f8fa}td:first-child,th:first-child{text-align:left}
table.left td,table.left th{text-align:left}.note{color:#57606a;font-size:.85em}
.track{display:inline-block;width:120px;height:10px;background:#eaeef2;
vertical-align:middle}.fill{display:block;height:10px;background:#1f77b4}
"""


class _Raw(str):
    """Trusted HTML built here (never user text)."""


def _e(v: object) -> str:
    """``v`` as HTML text that UTF-8 holds. A file name of bytes that are not text in the file
    system's encoding (a Latin-1 name; any non-ASCII name under ``LC_ALL=C`` with
    ``PYTHONUTF8=0``) is held with surrogate escapes, which stopped the page's UTF-8 write
    (``surrogates not allowed``): the escaped bytes are read as UTF-8 (``U+FFFD`` where they
    are none), another lone surrogate is ``?``.

    Examples
    --------
    >>> _e("<a>"), _e("donn\\udcc3\\udca9es.csv"), _e("caf\\udce9.csv") == "caf\\ufffd.csv"
    ('&lt;a&gt;', 'données.csv', True)
    """
    text = html.escape(str(v))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _ESCAPED_BYTES.sub(lambda m: bytes(ord(c) - 0xDC00 for c in m[0]).decode("utf-8", "replace"),
                                  text).encode("utf-8", "replace").decode("utf-8")
    return text


#: a run of bytes held as surrogate escapes (Python's ``surrogateescape``: byte 0xE9 as U+DCE9)
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")


def _fmt(v: object) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float | np.floating):
        f = float(v)
        if f != f:
            return "n/a"
        return f"{f:,.0f}" if abs(f) >= 1e4 else (f"{f:.4g}" if abs(f) < 1e-3 and f else f"{f:.4f}")
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    return str(v)


def _table(tid: str, headers: Sequence[str], rows: Sequence[Sequence[object]],
           cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c if isinstance(c, _Raw) else _e(_fmt(c))}</td>"
                                    for c in row) + "</tr>" for row in rows)
    klass = f' class="{cls}"' if cls else ""
    return f'<table id="{tid}"{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _figure(fid: str, png: str, caption: str) -> str:
    return (f'<figure id="{fid}"><img alt="{_e(caption)}" src="data:image/png;base64,{png}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _class_rows(per: Mapping[str, Mapping[str, Any]], normal: Sequence[str]) -> list[list[object]]:
    rows: list[list[object]] = []
    for name, v in per.items():
        is_normal = name in normal
        bar = (f'<span class="track"><span class="fill" style="width:{100 * float(v["rate"]):.1f}%">'
               "</span></span>")
        rows.append([name + (" (normal: FPR)" if is_normal else ""), int(v["n"]), int(v["detected"]),
                     f"{float(v['rate']):.3f}", _Raw(bar)])
    return rows


def _groups(classes: np.ndarray | None, y: np.ndarray, categories: Mapping[str, str] | None,
            normal: Sequence[str], max_groups: int = 8) -> dict[str, np.ndarray]:
    if classes is None:
        return {"normal": y == 0, "anomaly": y == 1}
    codes, uniq = class_codes(classes, categories, tuple(normal))  # (np.unique: 5 s on 2M rows)
    counts = np.bincount(codes, minlength=uniq.size)
    order = sorted(zip(uniq.tolist(), counts.tolist(), strict=True),
                   key=lambda t: (t[0] not in normal, -t[1], t[0]))
    keep = [n for n, _ in order[:max_groups]]
    index = {n: i for i, n in enumerate(uniq.tolist())}
    out = {n: codes == index[n] for n in keep}
    rest = ~np.isin(codes, [index[n] for n in keep])
    if rest.any():  # named apart from a kept class called so (whose rows it replaced)
        name = "other classes"
        while name in out:
            name = f"({name})"
        out[name] = rest
    return out


def render_report(
    *,
    y_true: object,
    scores: object,
    y_pred: object,
    threshold: float,
    threshold_rule: str,
    classes: object | None = None,
    categories: Mapping[str, str] | None = None,
    normal: str | Sequence[str] = ("normal",),
    events_per_day: float | None = None,
    model_card: Mapping[str, Any] | None = None,
    title: str = "hourglass evaluation report",
    data_name: str = "",
    event_metrics: Mapping[str, Any] | None = None,
    no_rate: str = "train with --timestamp-col or --events-per-day",
    trained_on_it: bool = False,
    unit: str = "rows",
) -> tuple[str, dict[str, Any]]:
    """Build the HTML report; return ``(html, metrics)`` where ``metrics`` is what it shows.

    ``event_metrics`` (time-series models): event-wise metrics as ``{name: value}``, shown in
    their own table (point-adjusted figures should carry "PA" in their name, beside the honest
    ones). ``no_rate``: how to get an event rate, shown when ``events_per_day`` is ``None``.
    ``trained_on_it``: the evaluated data is what the model was trained on (the note says so).
    ``unit``: what the model scores (rows, time steps, entity buckets, sessions).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.r_[np.zeros(200, int), np.ones(50, int)]
    >>> s = np.r_[rng.normal(0, 1, 200), rng.normal(3, 1, 50)]
    >>> page, m = render_report(y_true=y, scores=s, y_pred=(s > 2).astype(int), threshold=2.0,
    ...                         threshold_rule="demo")
    >>> page.startswith("<!DOCTYPE html>") and all(f'id="{i}"' in page for i in FIGURES)
    True
    """
    from hourglass.evaluate import plots

    # checked as evaluate_scores checks them: a cast to int read a decision 0.7 as 0, unseen
    s = check_scores(scores)
    y = check_labels(y_true, s.size, what="y_true").astype(np.int64)
    p = check_labels(y_pred, s.size, what="y_pred").astype(np.int64)
    if not (0 < y.sum() < y.size):
        raise InputError("report: the evaluated data needs both normal and anomalous rows")
    names = None if classes is None else np.asarray(classes).astype(str).ravel()
    normal = normal_names(normal)  # one name as a str too: not its letters
    m = evaluate_scores(y, s, p, classes=names, categories=categories, normal=normal,
                        events_per_day=events_per_day)
    curve = threshold_curve(y, s)
    per = "events" if unit == "rows" else unit  # what the alerts are counted among (sessions ...)
    # (as the per-10k figure beside it, and evaluate's own table: '329.4 alerts/day', not _fmt's
    # '329.4000', a precision an expected volume has not)
    vol = (f"{m['alerts_per_day']:,.1f} alerts/day" if m["alerts_per_day"] is not None
           else f"{m['alerts_per_10k']:.1f} alerts per 10k {per}")
    cards = [("F1", m["f1"]), ("precision", m["precision"]), ("recall", m["recall"]),
             ("FPR", m["fpr"]), ("ROC-AUC", m["roc_auc"]), ("PR-AUC", m["pr_auc"])]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">{_e(data_name)} · {m["n"]:,} {_e(unit)}, {m["n_anomalies"]:,} anomalous · '
        f"threshold: {_e(threshold_rule)} = {threshold:.6g} · {vol} · generated "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}</p>",
        '<div class="cards">' + "".join(f"<div class=card><b>{_fmt(v)}</b><span>{k}</span></div>"
                                        for k, v in cards) + "</div>",
        "<h2>Metrics at the threshold and threshold-free</h2>",
        _table("tbl-metrics", ["metric", "value"], [
            ["ROC-AUC (threshold-free)", m["roc_auc"]], ["PR-AUC (threshold-free)", m["pr_auc"]],
            ["F1", m["f1"]], ["precision", m["precision"]], ["recall = detection rate", m["recall"]],
            ["false-positive rate", m["fpr"]], ["accuracy", m["accuracy"]],
            ["true / false positives", f"{m['tp']:,} / {m['fp']:,}"],
            ["true / false negatives", f"{m['tn']:,} / {m['fn']:,}"],
            [f"alerts per 10k {per}", f"{m['alerts_per_10k']:,.1f}"],
            ["expected alerts per day", m["alerts_per_day"] if m["alerts_per_day"] is not None
             else f"n/a (no event rate: {no_rate})"]]),
        "<h2>Curves</h2><div class=grid>",
        _figure("fig-roc", plots.roc_figure(y, s, m["fpr"], m["recall"], m["roc_auc"]),
                "ROC curve; the red dot is the model's threshold."),
        _figure("fig-pr", plots.pr_figure(y, s, m["precision"], m["recall"], m["pr_auc"]),
                "Precision-recall curve; the red dot is the model's threshold."),
        "</div>",
        "<h2>Scores per class</h2>",
        _figure("fig-hist", plots.histogram_figure(s, _groups(names, y, categories, normal), threshold,
                                                  unit=unit),
                f"Each class's score distribution (as a share of its {unit}); {unit} right of the "
                "dashed line are flagged."),
        "<h2>Choosing another operating point</h2>",
        _figure("fig-threshold", plots.threshold_figure(curve, threshold, events_per_day, unit=per),
                "Precision, recall and false-positive rate (left axis) and alert volume (right axis, "
                "log scale) for every threshold; the red line is the model's."),
        "<h2>Confusion matrix</h2>",
        _figure("fig-confusion", plots.confusion_figure(m["tp"], m["fp"], m["tn"], m["fn"]),
                "Counts and share of each true class."),
        "<h2>Detection per class</h2>",
        _table("tbl-per-class", ["class", unit, "flagged", "rate", ""],
               _class_rows(m["per_class"], normal) if "per_class" in m else
               [["normal (FPR)", m["tn"] + m["fp"], m["fp"], m["fpr"], ""],
                ["anomaly (detection rate)", m["tp"] + m["fn"], m["tp"], m["recall"], ""]]),
    ]
    if "per_category" in m:
        parts += ["<h2>Detection per category</h2>",
                  _table("tbl-per-category", ["category", unit, "flagged", "rate", ""],
                         _class_rows(m["per_category"], normal))]
    parts += ["<h2>Precision at k</h2>",
              f'<p class="note">Share of true anomalies among the k highest-scoring {_e(unit)} — what an '
              "analyst working down the queue sees.</p>",
              _table("tbl-precision-at-k", ["k", "precision@k"],
                     [[k, v] for k, v in m["precision_at_k"].items()])]
    if event_metrics:
        parts += ["<h2>Event-wise metrics (time series)</h2>",
                  '<p class="note">Events = contiguous anomalous segments. Point-adjusted (PA) '
                  "figures are flattering and shown only beside the honest ones.</p>",
                  _table("tbl-event-metrics", ["metric", "value"],
                         [[k, v] for k, v in event_metrics.items()])]
    card = dict(model_card or {})
    parts += ["<h2>Model card</h2>",
              _table("tbl-model-card", ["item", "value"], [[k, v] for k, v in card.items()],
                     cls="left"),
              '<p class="note">' + (
                  "<b>The model was trained on the data evaluated here</b> (its normal rows, and "
                  "its threshold fitted on some of them; or a model it was warm-started from, or "
                  "its replayed old rows): these figures flatter it. "
                  if trained_on_it else
                  "Thresholds are fitted on training data, held-out rows unless the model card "
                  "says otherwise (never on the data evaluated here). ")
              + "Generated by hourglass; self-contained, no network access.</p>",
              "</main></body></html>"]
    return "\n".join(parts), m
