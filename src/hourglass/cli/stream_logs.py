"""``hourglass stream`` for a log model: raw log lines (or key-sequence lines) in, one JSON alert
per unexpected event out (DeepLog), or per anomalous session as it closes (whole-session models).

The lines come in micro-batches from :class:`hourglass.cli.stream.LineBatcher`; the scoring is
:class:`hourglass.serve.log_stream.LogStreamScorer`. Nothing is kept across batches but the
bounded per-session state and the counters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hourglass._columns import counted
from hourglass._eol import without_boms
from hourglass.cli._options import check_idle_timeout
from hourglass.cli._output import err, output_failed_text
from hourglass.errors import HourglassError

__all__ = ["open_log_scorer", "run"]


def open_log_scorer(pipe: Any, model: Path, *, explain: int | None, keep: list[str] | None,
                    adapt: bool, all_rows: bool, max_sessions: int,
                    idle_timeout: float | None) -> Any:
    """The online scorer of a loaded log model; table-only options refused (one line)."""
    from hourglass.serve.log_stream import LogStreamScorer

    # a next-event model's alerts (DeepLog's) quote each unexpected line; a whole-session
    # model's, written as its session closes, name the lines, without their text
    detector = getattr(pipe, "detector_", None)
    online = detector is not None and bool(detector.get_tags().get("online_events"))
    named = ("the session, the line and its text" if online else
             "the session, its first line and the unexpected event's line and template")
    for given, option, why in (
            (explain is not None, "--explain", "its alerts already name the unexpected event and "
                                               "the keys expected"),
            (bool(keep), "--keep", f"its alerts name {named}; a line's header fields, a --format "
                                   "regex's groups or syslog's host, are not copied into them"),
            (adapt, "--adapt", "its threshold is not refitted online"),
            (all_rows, "--all", "it writes one alert per unexpected event (DeepLog) or per flagged "
                                "session as it closes; 'hourglass score' scores every session")):
        if given:
            raise HourglassError(f"{option}: not for a log model ({why}); log models take "
                                 "--max-sessions, --idle-timeout, --on-bad-rows")
    check_idle_timeout(idle_timeout)  # (the scorer's own line blamed the model)
    try:
        return LogStreamScorer(pipe, max_sessions=max_sessions, idle_timeout=idle_timeout)
    except HourglassError as exc:
        raise HourglassError(f"{model}: {exc}") from None


def _decode(raw: bytes, nul: str = "") -> str:
    """A line as ``hourglass score`` reads it: UTF-8 (bad bytes replaced), no CR, no byte-order
    mark before it, a NUL made ``nul`` (dropped; a space in a key-sequence line, where dropping it
    would join two keys); a line longer than the limit (its first bytes only) as the empty line
    that knows its length that ``score``'s reader gives for it (a bad line, not its first bytes
    parsed as a whole line)."""
    if type(raw) is not bytes:  # a LongLine (bytes): nothing more to look up for the others
        from hourglass.ingest.logs import TooLongLine

        return TooLongLine(raw.length)  # type: ignore[attr-defined]
    line = raw.decode("utf-8", errors="replace").rstrip("\r").replace("\x00", nul)
    # byte-order marks on any line, as score's reader drops them: where a file joined to others
    # began ('cat a.log b.log |'), or the next file of a rotated log ('tail -F' of a log saved
    # with one), whose first line matched no header
    return without_boms(line) if line[:1] == "\ufeff" else line


def summary_line(counts: dict[str, Any], where: str, seconds: float, mode: str) -> str:
    """The end-of-stream summary (stderr).

    Examples
    --------
    >>> line = summary_line({"lines": 10, "parsed": 8, "unmatched": 1, "blank": 1, "bad_encoding": 0,
    ...               "unknown_template": 2, "events_without_session": 0, "events": 8,
    ...               "sessions": 3, "live": 0, "evicted": 1, "split": 0, "alerts": 2},
    ...                      "<stdin>", 2.0, "event")
    >>> line.split("; ")  # doctest: +NORMALIZE_WHITESPACE
    ['streamed 10 lines from <stdin>: 8 parsed, 1 matched no header format, 1 blank,
      2 with an unknown template',
     '8 events in 3 sessions (1 evicted), 2 alerts (each event checked as it came), 4 events/s']
    """
    parts = [f"{counts['parsed']:,} parsed"]
    for key, label in (("unmatched", "matched no header format" if "unknown_key" not in counts
                        else "not key sequences"),
                       ("blank", "blank"), ("bad_encoding", "bad encoding (replaced)"),
                       ("unknown_template", "with an unknown template"),
                       ("unknown_key", "events with a key never seen in training"),
                       ("events_without_session", "events without a session id")):
        if counts.get(key):
            first = counts.get("first_unmatched") if key == "unmatched" else None
            parts.append(f"{counts[key]:,} {label}" + (f" (first: line {first})" if first else ""))
    sessions = f"{counted(counts['events'], 'event')} in {counted(counts['sessions'], 'session')}"
    extra = [f"{counts[k]:,} {label}" for k, label in (("evicted", "evicted"), ("split", "split"),
                                                        ("live", "still open"))
             if counts.get(k)]
    if extra:
        sessions += f" ({', '.join(extra)})"
    how = "each event checked as it came" if mode == "event" else "sessions scored as they closed"
    rate = counts["events"] / seconds if seconds > 0 else 0.0
    return (f"streamed {counted(counts['lines'], 'line')} from {where}: {', '.join(parts)}; {sessions}, "
            f"{counted(counts['alerts'], 'alert')} ({how}), {rate:,.0f} events/s")


def run(scorer: Any, read: Callable[[int], bytes], sink: Any, *, where: str, batch: int,
        max_delay: float, on_bad_rows: str, output: Path | None,
        idle_timeout: float | None = None,
        render: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        drift: Any = None) -> None:
    """Stream the lines of ``read`` through ``scorer`` and write the alerts to ``sink`` (an
    alert sink of :mod:`hourglass.serve.sinks`; each alert made into what ``render`` returns for
    it, when given: an ECS document). ``drift`` (a :class:`~hourglass.cli._drift.DriftCheck`)
    gets the flags of the sessions as they close, in that order (whole-session models; at the
    end of input, in the order ``hourglass score`` takes them); event-by-event models (DeepLog)
    are not checked: their threshold's rate is per session, their alerts per event."""
    from hourglass.cli.stream import LineBatcher, stream_guard

    start = time.perf_counter()
    keys_format = bool(getattr(scorer, "keys_format", False))
    nul = " " if keys_format else ""  # (see _decode)
    started = False
    watch = drift is not None and drift.monitor is not None and scorer.mode == "session"
    refused: list[HourglassError] = []  # a write the output refused (a locked SQLite file)

    def summary() -> None:
        counts = scorer.counts()
        err.print(summary_line(counts, where, time.perf_counter() - start, scorer.mode)
                  + output_failed_text(sink), highlight=False)
        if not counts["parsed"] and counts["lines"] > counts["blank"]:
            what = ("is a key sequence" if counts.get("unknown_key") is not None else
                    f"matched the model's {str(scorer.features.format)[:60]!r} header format")
            err.print(f"warning: no line {what}; is this the kind of log the model was trained "
                      "on?", highlight=False)
        elif unseen := counts.get("unknown_key" if keys_format else "unknown_template"):
            from hourglass.cli.logs import warn_unseen  # (past half: said as score says it)

            warn_unseen(scorer.features, where, {"parsed": counts["parsed"], "unknown_template": unseen},
                        counts["events"])
        if watch:
            drift.summary()

    def write(alerts: list[dict[str, Any]]) -> None:
        # each closed session's flag in its place (not the batch's flagged ones last: at the end
        # of input, one batch of every session left, that put them all at the end); taken every
        # batch, drift check or not: the scorer keeps them until then
        closed = scorer.take_closed_flags()
        if watch:
            drift.update(closed)
        try:
            sink.write([render(a) for a in alerts] if render is not None else alerts)
        except HourglassError as exc:
            refused.append(exc)
            raise

    with stream_guard(sink, output, summary, lambda: started):
        tick = None if idle_timeout is None else min(max(idle_timeout / 4, 0.05), 1.0)
        try:
            for raw in LineBatcher(read, batch, max_delay, idle_tick=tick):
                if not raw:  # the log is quiet: sessions may have gone idle meanwhile
                    write(scorer.tick())
                    continue
                lines = [(n, _decode(b, nul)) for n, b in raw]
                started = True
                problem = None
                if on_bad_rows == "error":
                    bad = scorer.first_bad_line(lines)
                    if bad is not None:
                        lines = lines[:bad[0]]
                        problem = HourglassError(f"{where}: {bad[1]}")
                write(scorer.feed(lines))
                if problem is not None:  # the sessions still open are scored below, as at the
                    raise problem  # end of the input (their lines came before the bad one)
        except (KeyboardInterrupt, HourglassError):  # Ctrl-C, SIGTERM, a read error (a truncated
            if not refused:  # .gz, an I/O error after the lines read): so are they here; not
                write(scorer.finish())  # after a failed write: the output would refuse them too
            raise
        write(scorer.finish())
