"""Online scoring of a live log with a saved log model (what ``hourglass stream`` runs for one).

:class:`LogStreamScorer` takes raw log lines (or DeepLog key-sequence lines) in micro-batches.
Each line is parsed with the model's saved template tree and session rule
(:func:`~hourglass.features.sessions.live.line_events`); per session only bounded state is
kept (:class:`~hourglass.features.sessions.live.LiveSessions`).

* Next-event models (tag ``online_events``: DeepLog) check every event as it arrives against
  the keys predicted from the session's last ``window`` keys; all the events of a micro-batch go
  through the network together. An event scoring above the threshold is one alert (its line's
  ``text`` and ``parameters`` quoted as ``hourglass score``'s alert quotes them). When a
  session closes (end of input, idle for ``idle_timeout`` seconds, or evicted as the least
  recently seen beyond ``max_sessions``), the end of the session is checked too (models trained
  with ``end_token``). On the same log, the sessions alerted on are the sessions batch scoring
  flags, and a session's first alert is the event batch explanation names (as long as no
  session was evicted and came back: it then starts a new history).
* Whole-session models (the event-count and sequence autoencoders, the event ensemble) score a
  session when it closes, with the alert ``hourglass score`` writes for it less the unexpected
  event's ``text`` and ``parameters`` (every key and line number of a live session is kept, up
  to ``max_events``, not the text of its lines; a longer one is scored in parts).
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

import numpy as np

from hourglass._limits import too_long
from hourglass.errors import InputError
from hourglass.explain.events import _quote, _template, session_alerts
from hourglass.features.sessions import Sessions
from hourglass.features.sessions.keys import key_sequence
from hourglass.features.sessions.live import ClosedSession, LiveSessions, line_events
from hourglass.ingest.logs import LastMessages, TooLongLine

__all__ = ["LogStreamScorer"]

logger = logging.getLogger(__name__)

#: the most closed sessions' flags kept for :meth:`LogStreamScorer.take_closed_flags` (the latest)
KEPT_FLAGS = 1_000_000


class LogStreamScorer:
    """Score a live log, line by line in micro-batches, with a fitted log :class:`Pipeline`.

    Parameters
    ----------
    pipeline
        A fitted pipeline whose features are an :class:`~hourglass.features.sessions.EventSessions`
        (a raw-log format with ``session_regex`` or ``session_column``, or ``format="keys"``).
    max_sessions
        Most live sessions kept between micro-batches (least recently seen evicted, counted).
    idle_timeout
        Seconds without an event after which a session is closed (checked at each micro-batch
        and at :meth:`tick`); ``None``: sessions close only when evicted or at the end of input.
    max_events
        Whole-session models: most events kept per session (a longer one is scored in parts).

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors.deeplog import DeepLog
    >>> from hourglass.features.sessions import EventSessions
    >>> from hourglass.pipeline import Pipeline
    >>> log = [f"{op} blk_{b}" for b in range(40) for op in ("open", "read", "close")]
    >>> pipe = Pipeline(detector=DeepLog(window=2, top_g=1, hidden=16, layers=1, epochs=40,
    ...                                  lr=0.03, verbose=0),
    ...                 features=EventSessions(format="raw", session_regex=r"blk_\\d+")).fit(log)
    >>> scorer = LogStreamScorer(pipe)
    >>> alerts = scorer.feed([(1, "open blk_900"), (2, "close blk_900"), (3, "open blk_901")])
    >>> [(a["session"], a["line"], a["template"], a["expected"][0]["template"]) for a in alerts]
    [('blk_900', 2, 'close <BLK>', 'read <BLK>')]
    >>> [(a["session"], a["key"]) for a in scorer.finish()]  # blk_901 stops after 'open'
    [('blk_901', '<end>')]
    """

    def __init__(self, pipeline: Any, *, max_sessions: int = 100_000,
                 idle_timeout: float | None = None, max_events: int = 100_000) -> None:
        features = getattr(pipeline, "features_", None)
        if features is None or getattr(features, "output", None) != "events":
            raise InputError("LogStreamScorer: the model is not a log model (its features are not "
                             "log sessions)")
        if features.is_table:
            raise InputError("streaming reads log lines; this model was trained on an event table "
                             "(--key-col/--message-col): score its tables with 'hourglass score'")
        if features.format != "keys" and features.window is not None:
            raise InputError("streaming needs sessions by an id (--session-regex or "
                             "--session-col); this model groups events into time windows "
                             "(--window): score it with 'hourglass score'")
        if features.format != "keys" and features.session_regex is not None:
            features._grouper(saved=True)  # a saved regex refused now: said before any line is read
        if idle_timeout is not None and not float(idle_timeout) > 0:
            raise InputError(f"idle_timeout must be > 0 seconds, got {idle_timeout}",
                             param="idle_timeout")
        self.pipeline = pipeline
        parser = getattr(features, "parser_", None)
        if parser is not None and parser.strict:
            # a model trained with --strict stopped the stream in the parser at a bad line, named
            # by its place in the micro-batch ('line 5' for line 25) and with the sessions still
            # open never checked, whatever --on-bad-rows said: the stream's own rule decides
            # (first_bad_line stops at it, naming the line), on copies (the pipeline is the caller's)
            parser = copy.copy(parser)
            parser.strict = False
            features = copy.copy(features)
            features.parser_ = parser
        self.features = features
        self.detector = pipeline.detector_
        self.keys_format = features.format == "keys"
        self.online = bool(self.detector.get_tags().get("online_events"))
        self.idle_timeout = idle_timeout
        self.templates = features.templates()
        self.threshold = float(self.detector.threshold_.value_)
        h = int(self.detector.window) if self.online else 1
        self.live = LiveSessions(h, max_sessions, whole=not self.online, max_events=max_events)
        self.stats: dict[str, Any] = {"lines": 0, "parsed": 0, "unmatched": 0, "bad_encoding": 0,
                                      "blank": 0, "unknown_template": 0,
                                      "events_without_session": 0, "events": 0, "alerts": 0}
        if self.keys_format:
            self.stats["unknown_key"] = 0
        self._closed_flags: list[np.ndarray] = []  # (whole-session models; see take_closed_flags)
        #: sessions by pid: each live one's first host, until one names a second (said once, as
        #: score says it of a whole log); ``None`` once said
        self._host_of: dict[str, str] | None = {}
        #: each host's last message, from one micro-batch to the next: sysklogd's 'last message
        #: repeated N times' repeats it (LogParser.parse_fields)
        self._last: LastMessages = {}

    @property
    def mode(self) -> str:
        """``"event"`` (each event checked as it arrives) or ``"session"`` (scored on close)."""
        return "event" if self.online else "session"

    def counts(self) -> dict[str, Any]:
        """Counters so far: lines, parse outcomes, events, sessions, live, evicted, alerts."""
        return {**self.stats, "sessions": self.live.sessions, "live": len(self.live),
                "evicted": self.live.evicted, "split": self.live.split}

    def take_closed_flags(self) -> np.ndarray:
        """The flags (0/1) of the sessions scored since the last call, in the order they closed
        (the order of their alerts; whole-session models, none for DeepLog): what a drift check
        of the stream takes, as ``hourglass score``'s takes its sessions' flags in order. At most
        the latest :data:`KEPT_FLAGS` are kept between calls (a caller that never asks holds no
        more than these).

        Examples
        --------
        >>> from hourglass.detectors.deeplog import DeepLog
        >>> from hourglass.features.sessions import EventSessions
        >>> from hourglass.pipeline import Pipeline
        >>> pipe = Pipeline(detector=DeepLog(window=2, top_g=1, epochs=1, verbose=0),
        ...                 features=EventSessions(format="keys")).fit(["1 2 3"] * 20)
        >>> LogStreamScorer(pipe).take_closed_flags().tolist()
        []
        """
        taken = np.concatenate(self._closed_flags) if self._closed_flags else np.zeros(0, np.int8)
        self._closed_flags = []
        return taken[-KEPT_FLAGS:]

    # -- input ------------------------------------------------------------------------------
    def first_bad_line(self, lines: list[tuple[int, str]]) -> tuple[int, str] | None:
        """``(index, message)`` of the first line that matches no header format of the model
        (or, for ``--format keys``, is not a key sequence), else ``None`` (blank lines are
        not bad); for callers that stop at a bad line rather than count it.

        Examples
        --------
        >>> from hourglass.features.sessions import EventSessions
        >>> from hourglass.detectors.deeplog import DeepLog
        >>> from hourglass.pipeline import Pipeline
        >>> pipe = Pipeline(detector=DeepLog(window=2, top_g=1, epochs=1, verbose=0),
        ...                 features=EventSessions(format="keys")).fit(["1 2 3"] * 20)
        >>> index, message = LogStreamScorer(pipe).first_bad_line([(1, "1 2"), (2, ""), (3, "1 x")])
        >>> index, message[:30]
        (2, 'line 3: expected space-separat')
        """
        if self.keys_format:
            for i, (num, text) in enumerate(lines):  # as the reader of a key file reads it
                if type(text) is TooLongLine:
                    return i, f"line {num}: {too_long(text.length)}"
                if text.strip() and key_sequence(text) is None:
                    return i, (f"line {num}: expected space-separated non-negative integer keys, "
                               f"got {text.strip()[:60]!r}")
            return None
        parser = self.features.parser_
        header = (getattr(parser, "_compiled", None) or parser._compile()).header
        # sysklogd's repeat of its host's last message is bad where no message of that host
        # came before it (as the parse reads it); the hosts of this batch's lines so far
        hosts: set[str] | None = set() if int(parser.rules) >= 5 and isinstance(header, re.Pattern) \
            and "host" in header.groupindex else None
        for i, (num, text) in enumerate(lines):
            if type(text) is TooLongLine:
                return i, parser.unmatched_text(num, text)
            if not text.strip():
                continue
            m = header.match(text)
            if m is None:
                host = None if hosts is None else parser.repeated_host(text)
                if host is None or (host not in self._last and host not in hosts):  # type: ignore[operator]
                    return i, parser.unmatched_text(num, text)
            elif hosts is not None:
                hosts.add(m["host"])
        return None

    def feed(self, lines: list[tuple[int, str]]) -> list[dict[str, Any]]:
        """Score a micro-batch of ``(line number, text)`` pairs (consecutive line numbers, as
        read); return the alerts it raised, in log order (then those of sessions it closed)."""
        if not lines:
            return []
        first = lines[0][0]
        text = [t for _, t in lines]
        if self.keys_format:
            sessions, keys, nums, contents = self._key_events(text, first)
        else:
            ev = line_events(self.features, text, first, self.stats, self._last)
            sessions, keys, nums, contents = ev["session"], ev["key"], ev["line"], ev["content"]
            if "host" in ev:
                self._note_hosts(sessions, ev["host"], nums)
        self.stats["events"] += len(keys)
        windows, positions, closed = self.live.add(sessions, keys, nums)
        alerts = self._check_events(sessions, keys, nums, contents, windows, positions) \
            if self.online else []
        if self.keys_format:  # a key-sequence line is a whole session
            for c in closed:  # (none is live between batches: max_sessions pushed out one of
                if c.reason == "evicted":  # this batch, of more lines than it, that ended too)
                    c.reason = "end"
                    self.live.evicted -= 1
            closed += self.live.close(sessions)
        if self.idle_timeout is not None:
            closed += self.live.close_idle(self.idle_timeout)
        alerts += self._check_closed(closed)
        self.stats["alerts"] += len(alerts)
        return alerts

    def _note_hosts(self, sessions: list[str], hosts: list[str], nums: list[int]) -> None:
        """Warn, once, of the first session by pid whose events name a second host (the same
        pid on two hosts is two processes, read as one session), as ``score`` warns of a whole
        log's; the hosts kept are those of live sessions only (bounded, as they are: a closed
        session's is dropped by :meth:`_check_closed`)."""
        first = self._host_of
        if first is None:
            return
        for sid, host, num in zip(sessions, hosts, nums, strict=True):
            if not host:  # (an empty host field names none)
                continue
            was = first.setdefault(sid, host)
            if was != host:
                logger.warning("sessions by pid hold events of more than one host (first: pid %r on "
                               "%s and %s, line %d): a pid is one host's, and the same pid on two "
                               "hosts is read as one session; split the log by host",
                               sid, was, host, num)
                self._host_of = None
                return

    def tick(self) -> list[dict[str, Any]]:
        """Close the sessions idle for longer than ``idle_timeout`` (none without it) and return
        the alerts that raises; for a caller whose input has gone quiet."""
        if self.idle_timeout is None:
            return []
        alerts = self._check_closed(self.live.close_idle(self.idle_timeout))
        self.stats["alerts"] += len(alerts)
        return alerts

    def finish(self) -> list[dict[str, Any]]:
        """Close every live session (end of input) and return the alerts that raises."""
        alerts = self._check_closed(self.live.close_all())
        self.stats["alerts"] += len(alerts)
        return alerts

    def _key_events(self, text: list[str], first: int
                    ) -> tuple[list[str], list[int], list[int], list[str]]:
        """Events of key-sequence lines: one session per line, named by its line number.
        Blank lines and lines that are no key sequence are counted for the summary, without the
        note per micro-batch that read_key_sequences logs (a stderr line for each blank line of
        a stream read line by line); the first line that is no key sequence is named once."""
        seqs: list[np.ndarray] = []
        sessions: list[str] = []
        nums: list[int] = []
        for num, line in enumerate(text, first):  # as read_key_sequences reads a key file
            self.stats["lines"] += 1
            stripped = line.strip()
            seq = key_sequence(stripped) if stripped else None
            if seq is None:
                long = type(line) is TooLongLine  # read past, not kept: no key sequence
                self.stats["unmatched" if stripped or long else "blank"] += 1
                if (stripped or long) and self.stats["unmatched"] == 1:  # once: the summary counts them
                    logger.warning("stream: a line that is no integer key sequence skipped (first: "
                                   "line %d); the summary counts them", num)
                continue
            seqs.append(seq)
            sessions += [str(num)] * len(seq)
            nums += [num] * len(seq)
        keys = np.concatenate(seqs).tolist() if seqs else []
        self.stats["parsed"] += len(seqs)
        if keys:
            vocab = self.detector.vocab_
            self.stats["unknown_key"] += int((~np.isin(np.asarray(keys), vocab)).sum())
        return sessions, keys, nums, [""] * len(keys)

    # -- scoring ----------------------------------------------------------------------------
    def _check_events(self, sessions: list[str], keys: list[int], nums: list[int],
                      contents: list[str], windows: np.ndarray, positions: np.ndarray
                      ) -> list[dict[str, Any]]:
        if not keys:
            return []
        r = self.detector.next_event_scores(windows, np.asarray(keys, dtype=np.int64))
        # in float64, as 'score' flags (threshold_predict): the float32 scores against the cut as
        # a Python float compared in float32, the cut rounded, up to a score at times (a session
        # 'score' flagged had no alert here)
        above = np.flatnonzero(np.asarray(r["score"], dtype=np.float64) > self.threshold)
        return [self._event_alert(sessions[i], int(positions[i]), nums[i], keys[i], contents[i],
                                  float(r["score"][i]), int(r["rank"][i]), r["expected"][i],
                                  r["expected_p"][i]) for i in above.tolist()]

    def _event_alert(self, session: str, position: int, line: int | None, key: int | str,
                     content: str | None, score: float, rank: int, expected: list[Any],
                     expected_p: list[float], closed: str | None = None) -> dict[str, Any]:
        seen = key == "<end>" or int(self.detector._map_keys(np.array([key]))[0]) < \
            self.detector.n_features_in_
        if key == "<end>":
            template = full = _template(self.templates, "<end>")
        elif seen or (key in self.templates and key != 0):
            template = _template(self.templates, key)
            full = self.templates.get(key, template)  # unclipped
        else:
            template = full = _template(self.templates, None)
        alert: dict[str, Any] = {
            "session": session, "line": line, "position": position, "key": key,
            "template": template, "seen_in_training": seen, "rank": rank,
            "score": float(score), "threshold": self.threshold,
            "expected": [{"key": k, "template": _template(self.templates, k), "p": p}
                         for k, p in zip(expected, expected_p, strict=True)]}
        if content:  # its text and parameters, as score's and the service's alerts quote them
            alert.update(_quote(full, content))
        if closed is not None:
            alert["closed"] = closed
        return alert

    def _check_closed(self, closed: list[ClosedSession]) -> list[dict[str, Any]]:
        if not closed:
            return []
        if self._host_of:  # a session gone is forgotten (a later one of its pid is another)
            for c in closed:
                if c.reason != "full":  # (a full one goes on as the same process)
                    self._host_of.pop(c.id, None)
        if self.online:
            if not getattr(self.detector, "end_token", False):
                return []
            r = self.detector.next_event_scores(np.stack([c.history for c in closed]),
                                                np.full(len(closed), -1, dtype=np.int64))
            return [self._event_alert(c.id, c.n_events, None, "<end>", None, float(r["score"][i]),
                                      int(r["rank"][i]), r["expected"][i], r["expected_p"][i],
                                      closed=c.reason)
                    for i, c in enumerate(closed) if float(r["score"][i]) > self.threshold]
        whole = [c for c in closed if c.n_events]
        if not whole:
            return []
        sessions = Sessions([c.id for c in whole], [c.keys for c in whole],  # type: ignore[misc]
                            [c.lines for c in whole])  # type: ignore[misc]
        scores = self.detector.score(sessions.sequences)
        flags = self.detector.threshold_predict(scores)
        self._closed_flags.append(flags)
        if len(self._closed_flags) > 256:  # a caller that never takes them (no drift check): the
            # latest KEPT_FLAGS in one array, not an array more for each scored batch without end
            self._closed_flags = [np.concatenate(self._closed_flags)[-KEPT_FLAGS:]]
        alerts = session_alerts(self.detector, sessions, scores, flags, self.templates)
        for a, i in zip(alerts, np.flatnonzero(np.asarray(flags) == 1).tolist(), strict=True):
            a["closed"] = whole[i].reason
        return alerts
