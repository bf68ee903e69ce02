"""The model side of the service for log models: raw lines (or key sequences, or event rows)
in, one score per session out.

Raw lines are parsed with the artefact's own template miner and header format and grouped into
sessions as in training (:meth:`~hourglass.features.sessions.EventSessions.sessions`, the path
``hourglass score`` takes for a log file); key sequences go to the detector as they are. A
flagged session can be explained with its first unexpected event
(:func:`~hourglass.explain.session_alerts`, as in ``hourglass score -o alerts.jsonl``).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hourglass._columns import listed_columns, near_names
from hourglass._eol import text_lines, without_boms
from hourglass.errors import InputError
from hourglass.features.sessions import Sessions
from hourglass.features.sessions.keys import session_keys, unseen_keys
from hourglass.ingest.tables import flatten_json
from hourglass.serve.scoring import ModelScorer, model_records, sent_nested

if TYPE_CHECKING:
    from hourglass.serve.ecs import AlertRule

__all__ = ["LogScorer"]


class LogScorer(ModelScorer):
    """A saved log (``events``) model, loaded once, that scores sessions sent as JSON.

    What a request carries depends on how the model was trained (:attr:`body`): ``"lines"``,
    raw log lines in its header format; ``"sessions"``, integer key sequences (``--format keys``);
    ``"rows"``, the rows of an event table (``--key-col``/``--message-col``).

    Parameters
    ----------
    model_dir
        Directory written by ``hourglass train`` for a log model (``deeplog``, ...).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import EventCountAutoEncoder
    >>> from hourglass.features import EventSessions
    >>> ops = ["open", "read", "close"]
    >>> lines = [f"{ops[i % 3]} file blk_{i // 3} done" for i in range(90)]
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=2, verbose=0),
    ...          features=EventSessions(session_regex=r"blk_\\d+")).fit(lines).save(out)
    >>> scorer = LogScorer(out)
    >>> scorer.body
    'lines'
    >>> result = scorer.score(["open file blk_7 done", "read file blk_7 done", "garbage blk_7"])
    >>> [s["session"] for s in result["sessions"]], result["unknown_templates"]
    (['blk_7'], 1)
    """

    kind = "events"
    serves = "log models"

    def _setup(self, pipe: Any) -> None:
        features = pipe.features_
        parser = getattr(features, "parser_", None)
        if (parser is not None and parser.strict) or getattr(features, "strict", False):
            # a model trained with --strict refused a whole request for one line matching no
            # header; the service counts such lines (unparsed_lines), as score does without
            # --strict: on copies (the pipeline is the caller's)
            features = copy.copy(features)
            features.strict = False
            if parser is not None:
                parser = copy.copy(parser)
                parser.strict = False
                features.parser_ = parser
        self.features = features
        self.body = ("rows" if features.is_table else
                     "sessions" if features.format == "keys" else "lines")
        self.columns: list[str] = [c for c in (features.session_column, features.key_column,
                                               features.message_column, features.time_column)
                                   if c is not None] if features.is_table else []
        det = pipe.detector_
        self.explain_unavailable = (None if hasattr(det, "explain")
                                    else f"{type(det).__name__} cannot explain its alerts")

    def describe(self) -> dict[str, Any]:
        """What a client needs to know before sending logs (the ``/health`` body).

        Examples
        --------
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import EventCountAutoEncoder
        >>> from hourglass.features import EventSessions
        >>> ops = ["open", "read", "close"]
        >>> lines = [f"{ops[i % 3]} file blk_{i // 3} done" for i in range(90)]
        >>> pipe = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
        ...                 features=EventSessions(session_regex=r"blk_\\d+")).fit(lines)
        >>> scorer = LogScorer.from_pipeline(pipe)
        >>> scorer.describe()["request"]
        '{"lines": ["raw log line", ...]}: lines in the \\'raw\\' header format'
        """
        f = self.features
        fmt = "table" if f.is_table else f.format
        request = {
            "lines": f'{{"lines": ["raw log line", ...]}}: lines in the {fmt!r} header format',
            "sessions": '{"sessions": [[key, key, ...], ...]}: one array of integer keys per session',
            "rows": '{"rows": [{column: value, ...}, ...]}: one object per event with the columns '
                    "below",
        }[self.body]
        roles = {f.session_column: "session", f.key_column: "key", f.message_column: "message",
                 f.time_column: "time"}
        sessions = None if self.body == "sessions" else {
            k: v for k, v in (("regex", f.session_regex), ("column", f.session_column),
                              ("window_seconds", f.window), ("step_seconds", f.step)) if v is not None}
        return {
            **self._describe(self.explain_unavailable is None),
            "request": request,
            "columns": [{"name": c, "role": roles[c]} for c in self.columns],
            "format": fmt,
            "sessions": sessions,
        }

    def sessions(self, items: Sequence[Any]) -> Sessions:
        """The sessions in a request's ``lines``, ``sessions`` or ``rows`` (:attr:`body`).

        Examples
        --------
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import EventCountAutoEncoder
        >>> from hourglass.features import EventSessions
        >>> ops = ["open", "read", "close"]
        >>> lines = [f"{ops[i % 3]} file blk_{i // 3} done" for i in range(90)]
        >>> pipe = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
        ...                 features=EventSessions(session_regex=r"blk_\\d+")).fit(lines)
        >>> scorer = LogScorer.from_pipeline(pipe)
        >>> found = scorer.sessions(["open file blk_7 done", "read file blk_7 done", "open file blk_8 done"])
        >>> found.ids, [len(keys) for keys in found.sequences]
        (['blk_7', 'blk_8'], [2, 1])
        """
        if len(items) == 0:
            raise InputError(f"{self.body}: nothing to score (empty list)")
        if self.body == "sessions":
            seqs = []
            for i, keys in enumerate(items):
                seqs.append(session_keys(keys, f"session {i + 1}"))
            ids = [str(i + 1) for i in range(len(seqs))]
            lines = [np.full(len(s), i + 1, dtype=np.int64) for i, s in enumerate(seqs)]
            return Sessions(ids, seqs, lines, {"lines": len(seqs), "sessions": len(seqs)})
        if self.body == "rows":
            data: Any = flatten_json(model_records(items, self.columns))  # other keys: not made into
            # columns; an array as its JSON text, as score reads a file (objects: flat_record)
            missing = [c for c in self.columns if c not in data.columns]
            if missing:  # sent as a nested object, it was read as its fields (user.name, as
                # the request's parser flattens it): say so, as a table model's rows do
                sent = dict.fromkeys([*data.columns, *(k for row in items for k in row)])
                nested = sent_nested(missing[0], sent, "the rows have")
                # or sent as 'EID' for eid: named, as score names such a column of a file
                near = "" if nested else near_names(missing[:1], map(str, sent), "the rows have")
                note = (f"; {nested}; send {missing[0]!r} as a plain value" if nested
                        else f"; {near}" if near else "")
                raise InputError(f"rows: no row has column {missing[0]!r} (each row needs "
                                 f"{listed_columns(self.columns)}){note}")
        else:
            # as 'hourglass score' and 'stream' read a log's lines: the CRs that end a line (a
            # CRLF log split at its line feeds: 'jq -R', a Windows client), which stayed in a
            # header field that ends the line (a session id '7\r', not '7') and in the alert's
            # text, and NUL characters (the padding a log truncated in place leaves) removed, the
            # byte-order marks that start a line too (the first's, or a second file's joined on)
            data = [line.rstrip("\r").replace("\x00", "") if "\x00" in line or line.endswith("\r") else line
                    for line in items]
            data = [without_boms(line) if line[:1] == "\ufeff" else line for line in data]
            for i, line in enumerate(data):  # a whole file in one item ('jq -Rs'): say so
                if "\n" in line or "\r" in line.rstrip("\r"):  # blank parts skipped, as a log's are
                    # (a CR with text after it ends a line too, as in a CR-ended file; in an
                    # item with line feeds it is text, as a log with them reads it)
                    records = [part for part in text_lines(line) if part.strip()]
                    if len(records) > 1:
                        raise InputError(f"line {i + 1}: holds {len(records)} log lines (line breaks "
                                         f"inside); send one log line per item of \"lines\"")
                    if records:  # one line and blank lines around it: that line
                        data[i] = records[0]
        out = self.features.sessions(data)
        if not len(out):
            stats = out.stats
            counts = _counts_text(stats, self.features.time_column)
            # as the CLI says it: the first line that matched no header, and what was expected
            parse = None if self.body == "rows" else getattr(self.features.parser_, "stats_", None)
            first = getattr(parse, "first_unmatched_reason", None)
            raise InputError(
                f"{self.body}: no sessions found in {stats.get('lines', len(items))} "
                f"{'rows' if self.body == 'rows' else 'lines'} ({counts}); the model "
                f"reads {self.describe()['format']!r} input"
                + (f"; the first line skipped, {first}" if first and not stats.get("parsed") else ""))
        return out

    def score(self, items: Sequence[Any], *, explain: bool = False) -> dict[str, Any]:
        """One entry per session (id, score, flag, calibrated probability, severity, events,
        first line; with ``explain``, a flagged session's first unexpected event), and the
        parse counts (``unparsed_lines``, ``unknown_templates``, ``parse``).

        Examples
        --------
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import EventCountAutoEncoder
        >>> from hourglass.features import EventSessions
        >>> ops = ["open", "read", "close"]
        >>> lines = [f"{ops[i % 3]} file blk_{i // 3} done" for i in range(90)]
        >>> pipe = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
        ...                 features=EventSessions(session_regex=r"blk_\\d+")).fit(lines)
        >>> scorer = LogScorer.from_pipeline(pipe)
        >>> result = scorer.score(["open file blk_7 done", "read file blk_7 done", "close file blk_8 done"])
        >>> [(s["session"], s["n_events"], s["first_line"]) for s in result["sessions"]]
        [('blk_7', 2, 1), ('blk_8', 1, 3)]
        >>> result["unparsed_lines"], result["parse"]["sessions"]
        (0, 2)
        """
        if explain and self.explain_unavailable is not None:
            raise InputError(f"explain: {self.explain_unavailable}")
        det = self.pipeline.detector_
        with self._lock:
            sessions = self.sessions(items)
            if self.features.keys_as_given:  # keys never seen: counted as score and stream count them
                sessions.stats["unknown_template"] = unseen_keys(sessions.sequences, det.vocab_)
            scores = np.asarray(det.score(sessions.sequences), dtype=np.float64)
            flags, calibrated, severity = self._verdicts(scores)
            alerts: dict[int, dict[str, Any]] = {}
            if explain and flags.any():
                from hourglass.explain import session_alerts

                found = session_alerts(det, sessions, scores, flags, self.features.templates())
                # one alert per flagged session, in order
                alerts = {int(i): a["unexpected"] for i, a in zip(np.flatnonzero(flags == 1), found,
                                                                  strict=True)}
        out = []
        for i, sid in enumerate(sessions.ids):
            entry: dict[str, Any] = {
                "session": sid, "score": float(scores[i]), "flag": int(flags[i]),
                "calibrated": float(calibrated[i]), "severity": str(severity[i]),
                "n_events": len(sessions.sequences[i]),
                "first_line": int(sessions.lines[i][0]) if len(sessions.lines[i]) else None}
            if i in alerts:
                entry["unexpected"] = _plain(alerts[i])
            out.append(entry)
        stats = sessions.stats
        return {"sessions": out, "unparsed_lines": int(stats.get("unmatched") or 0),
                "unknown_templates": int(stats.get("unknown_template") or 0),
                "parse": {k: None if v is None else int(v) for k, v in stats.items()
                          if v is None or isinstance(v, (int, np.integer))}}

    def score_ecs(self, items: Sequence[Any], rule: AlertRule, *, explain: Any = False,
                  now: dt.datetime | None = None, flags_out: list[int] | None = None) -> dict[str, Any]:
        """One ECS document per flagged session (its ``session``, ``score``, ``calibrated``,
        ``severity``, ``n_events``, ``first_line`` and, with ``explain``, ``unexpected`` event
        under ``hourglass``; the scoring time as ``@timestamp``), and the counts of
        :meth:`score` (``sessions``: how many were scored). ``flags_out``, when given, is extended
        with each session's flag, in the order :meth:`score` lists them.

        Examples
        --------
        >>> import datetime as dt
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import EventCountAutoEncoder
        >>> from hourglass.features import EventSessions
        >>> from hourglass.serve.ecs import AlertRule
        >>> ops = ["open", "read", "close"]
        >>> lines = [f"{ops[i % 3]} file blk_{i // 3} done" for i in range(90)]
        >>> pipe = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
        ...                 features=EventSessions(session_regex=r"blk_\\d+")).fit(lines)
        >>> scorer, flags = LogScorer.from_pipeline(pipe), []
        >>> sent = ["open file blk_7 done", "read file blk_7 done", "close file blk_8 done"]
        >>> answer = scorer.score_ecs(sent, AlertRule("eventcount-autoencoder", "cd34", input="events"),
        ...                           now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), flags_out=flags)
        >>> answer["sessions"], len(flags), answer["count"] == sum(flags) == len(answer["alerts"])
        (2, 2, True)
        >>> all(a["@timestamp"] == "2026-01-01T00:00:00.000Z" for a in answer["alerts"])
        True
        """
        from hourglass.serve.ecs import to_ecs

        result = self.score(items, explain=bool(explain))
        if flags_out is not None:
            flags_out.extend(int(s["flag"]) for s in result["sessions"])
        now = now or dt.datetime.now(dt.UTC)
        docs = [to_ecs({k: v for k, v in s.items() if k != "flag"}, rule, now=now)
                for s in result["sessions"] if s["flag"] == 1]
        return {"alerts": docs, "count": len(docs), "sessions": len(result["sessions"]),
                "unparsed_lines": result["unparsed_lines"],
                "unknown_templates": result["unknown_templates"], "parse": result["parse"]}


def _counts_text(stats: Mapping[str, Any], column: str | None = None) -> str:
    parts = [f"{stats[k]} {label}" for k, label in (
        ("unmatched", "matched no header format"), ("blank", "blank"),
        ("events_without_session", "events had no session id"),
        ("events_without_key", "rows had an empty key or message"),
        ("empty_sessions_skipped", "empty sessions skipped")) if stats.get(k)]
    if stats.get("events_without_time"):
        from hourglass.features.sessions.tables import timeless_text

        parts.append(timeless_text(dict(stats), column))
    return ", ".join(parts) or "no events"


def _plain(value: Any) -> Any:
    """JSON-ready copy (numpy scalars as Python numbers)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
