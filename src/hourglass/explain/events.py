"""The unexpected event of a flagged log session, in words: which line, which template, and
which templates the model expected there instead."""

from __future__ import annotations

from typing import Any

import numpy as np

from hourglass.errors import InputError
from hourglass.explain.tabular import the_way_for
from hourglass.features.sessions import Sessions
from hourglass.ingest.logs import LogParser

__all__ = ["MAX_PARAMETERS", "MAX_TEXT", "clip", "session_alerts"]

_BATCH = 2048
# An alert quotes its line, template and parameters; one line can belong to many sessions (an
# HDFS delete names up to ~100 blocks), so an unbounded quote multiplies a long line into every
# alert of every session it names (a crafted 4 MB line once filled a disk). Past these sizes the
# alert keeps the start and says how much it left out; its "line" locates the whole text.
MAX_TEXT = 2048
MAX_PARAMETERS = 64


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text``, or its first ``limit`` characters and how many more there were.

    Examples
    --------
    >>> clip("short")
    'short'
    >>> clip("x" * 12, limit=5)
    'xxxxx… [7 more characters]'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters]"


def _template(templates: dict[int, str], key: Any) -> str:
    if key is None:
        return "<template never seen in training>" if templates else "<key never seen in training>"
    if key == "<end>":
        return "<end of session>"
    if isinstance(key, int) and key in templates:
        return clip(templates[key])
    return "<unknown template>" if key == 0 and templates else f"key {key}"


def _quote(template: str, content: str) -> dict[str, Any]:
    """An event's ``text`` and ``parameters`` (the values of ``template``'s variable parts, the
    whole template's) for its alert, both clipped (:data:`MAX_TEXT`, :data:`MAX_PARAMETERS`;
    ``parameters_omitted`` counts those left out)."""
    params = LogParser.parameters(template, content)
    out: dict[str, Any] = {"text": clip(content),
                           "parameters": [clip(p, 256) for p in params[:MAX_PARAMETERS]]}
    if len(params) > MAX_PARAMETERS:
        out["parameters_omitted"] = len(params) - MAX_PARAMETERS
    return out


def session_alerts(detector: Any, sessions: Sessions, scores: np.ndarray, flags: np.ndarray,
                   templates: dict[int, str] | None = None, *, top: int | None = None
                   ) -> list[dict[str, Any]]:
    """One alert per flagged session, with its first unexpected event and the expected keys.

    Each alert holds the session's id, ``score``, ``calibrated`` probability and ``severity``
    (the detector's, as ``hourglass score``'s session table and the service give them), the
    ``threshold``, ``n_events``, ``first_line`` and the ``unexpected`` event (for an
    :class:`~hourglass.detectors.EventEnsemble`, with the ``member`` that raised the alert).

    Parameters
    ----------
    detector
        A fitted ``events`` detector with an ``explain(sequences, top)`` method (and
        ``calibrate`` and ``severity``, as every fitted detector has).
    sessions
        The scored sessions (ids, key sequences, line numbers; ``events`` or ``text_of`` for
        the raw text of the unexpected lines).
    scores, flags
        The detector's scores and 0/1 decisions for ``sessions``.
    templates
        Template text per key (from the fitted parser), if the input was raw text.
    top
        How many of the likeliest next keys to consider (default: the detector's ``top_g``,
        else 5; for an event ensemble, the ``top_g`` of the member that raised the alert, else
        5): the expected keys listed are those among them, so a DeepLog may list fewer where
        its "unknown" class (or the end of a session it never learnt) ranks among them (see
        :meth:`~hourglass.detectors.deeplog.DeepLog.explain`).

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors.deeplog import DeepLog
    >>> from hourglass.features.sessions import Sessions
    >>> dl = DeepLog(window=3, top_g=1, hidden=16, layers=1, epochs=60, lr=0.03, verbose=0)
    >>> _ = dl.fit([np.array([1, 2, 3, 4, 5, 6])] * 50)
    >>> s = Sessions(["blk_7"], [np.array([1, 2, 4, 3, 5, 6])], [np.arange(10, 16)])
    >>> a = session_alerts(dl, s, dl.score(s.sequences), np.array([1]),
    ...                    {k: f"step {k}" for k in range(1, 7)})[0]
    >>> a["session"], a["unexpected"]["line"], a["unexpected"]["template"]
    ('blk_7', 12, 'step 4')
    >>> sorted(a)[:4]
    ['calibrated', 'first_line', 'n_events', 'score']
    >>> [e["template"] for e in a["unexpected"]["expected"]]
    ['step 3']
    """
    if hasattr(detector, "detector_") and hasattr(detector, "features_"):  # a fitted Pipeline
        kind = getattr(detector.features_, "output", "tabular")
        raise InputError("session_alerts takes the pipeline's detector (pipe.detector_), not the "
                         "Pipeline" + ("" if kind == "events" else
                                       f"; this model reads {kind} data{the_way_for(detector)}"))
    if not hasattr(detector, "explain"):
        kind = detector.get_tags()["input"] if hasattr(detector, "get_tags") else "events"
        raise InputError(f"{type(detector).__name__} cannot explain its alerts" if kind == "events"
                         else f"session_alerts explains a log model's sessions; this detector "
                              f"({type(detector).__name__}) reads {kind} data{the_way_for(detector)}")
    templates = templates or {}
    flagged = np.flatnonzero(np.asarray(flags) == 1)
    if top is None and not hasattr(detector, "members_"):
        top = int(getattr(detector, "top_g", 5))
    # (an event ensemble, with top None: each member's own number, its DeepLog's top_g)
    explained: list[dict[str, Any]] = []
    for lo in range(0, len(flagged), _BATCH):  # bounded memory for many alerts
        explained += detector.explain([sessions.sequences[i] for i in flagged[lo:lo + _BATCH]],
                                      top=top)
    thr = float(detector.threshold_.value_)
    events = sessions.events
    content_by_line: dict[int, str] = {}
    if (events is not None or sessions.text_of is not None) and len(flagged):
        wanted = {int(sessions.lines[i][min(e["position"], len(sessions.lines[i]) - 1)])
                  for i, e in zip(flagged, explained, strict=True)}
        if events is not None:
            rows = events[events["line"].isin(wanted)]
            content_by_line = dict(zip(rows["line"].tolist(), rows["content"].tolist(), strict=True))
        else:  # read the few lines again rather than keep the whole log's text
            content_by_line = sessions.text_of(wanted)  # type: ignore[misc]
    alerts = []
    quoted: dict[tuple[int, str], dict[str, Any]] = {}  # a line in many sessions is read once
    # the session's calibrated probability and severity, as the service's /score gives them
    flagged_scores = np.asarray(scores, dtype=np.float64)[flagged]
    calibrated: Any = np.asarray(detector.calibrate(flagged_scores), dtype=np.float64) if len(flagged) else []
    severity: Any = np.asarray(detector.severity(flagged_scores)).astype(str) if len(flagged) else []
    for k, (i, e) in enumerate(zip(flagged, explained, strict=True)):
        lines = sessions.lines[i]
        pos = int(e["position"])
        at_end = e["key"] == "<end>"
        line = None if at_end or pos >= len(lines) else int(lines[pos])
        key = e["key"]
        seen = key is not None
        if not seen and pos < len(sessions.sequences[i]):
            key = int(sessions.sequences[i][pos])  # the raw key the model never saw in training
        if seen or (key in templates and key != 0):
            template = _template(templates, key)
            full = templates.get(key, template) if isinstance(key, int) else template  # unclipped
        else:
            template = full = _template(templates, None)
        unexpected: dict[str, Any] = {
            "position": pos, "line": line, "key": key, "template": template,
            "seen_in_training": seen, "score": float(e["score"]),
        }
        if "rank" in e:
            unexpected["rank"] = e["rank"]
        if "member" in e:  # an ensemble's: the member whose explanation this is (it raised the alert)
            unexpected["member"] = e["member"]
        if line is not None and line in content_by_line:
            if (line, full) not in quoted:
                quoted[(line, full)] = _quote(full, content_by_line[line])
            unexpected.update(quoted[(line, full)])
        probs = e.get("expected_p") or [None] * len(e["expected"])
        unexpected["expected"] = [
            {"key": k, "template": _template(templates, k), **({"p": p} if p is not None else {})}
            for k, p in zip(e["expected"], probs, strict=True)]
        alerts.append({"session": sessions.ids[i], "score": float(scores[i]),
                       "calibrated": float(calibrated[k]), "severity": str(severity[k]),
                       "threshold": thr, "n_events": len(sessions.sequences[i]),
                       "first_line": int(lines[0]) if len(lines) else None,
                       "unexpected": unexpected})
    return alerts
