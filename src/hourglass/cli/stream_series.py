"""``hourglass stream`` for a time-series model: one JSON line per time step in, one JSON alert
per flagged step out, each step scored from the window that ends at it (causal).

The lines come in micro-batches from :class:`hourglass.cli.stream.LineBatcher`; the scoring is
:class:`hourglass.serve.series_stream.SeriesStreamScorer`. Nothing is kept across batches but
the last ``window - 1`` steps, the counters and the day/month order of numeric dates, once the
stream's first ones fixed it (a model that keeps none).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hourglass._columns import counted
from hourglass.cli._output import err, output_failed_text, settle_bad_lines, skipped_lines_text
from hourglass.errors import HourglassError

__all__ = ["absent_kept", "no_kept_field", "open_series_scorer", "run", "summary_line"]



def no_kept_field(absent: str, row: dict[str, Any], where: str, line: int) -> HourglassError:
    """The error of a line without the field ``absent`` that ``--keep`` names; when the line
    holds it as a nested object (read as its fields, ``src.ip``), it says so, as ``score`` and
    ``explain`` do.

    Examples
    --------
    >>> for part in str(no_kept_field("src", {"src.ip": "10.0.0.1"}, "<stdin>", 3)).split("; "):
    ...     print(part)
    --keep: no field 'src' on <stdin> line 3
    the data has 'src' as a nested object, read as its fields (src.ip)
    >>> str(no_kept_field("host", {"bytes": 1}, "<stdin>", 3))
    "--keep: no field 'host' on <stdin> line 3"
    """
    from hourglass._columns import one_name_each
    from hourglass.ingest.tables import nested_note  # (an error: pandas is loaded already)

    # --keep src, read as src.ip ...; --keep a,b, a list where one name goes
    nested = nested_note([absent], row) or one_name_each("--keep", absent, row)
    return HourglassError(f"--keep: no field {absent!r} on {where} line {line}"
                          f"{f'; {nested}' if nested else ''}")


def absent_kept(keep: list[str] | None, row: dict[str, Any], sparse: bool,
                seen: set[str] | None = None) -> str | None:
    """The first ``--keep`` field ``row`` (a flat row) lacks that stops the stream, else
    ``None``: any field it lacks, or, for a model whose fields are sparse (each event type its
    own: a field one event lacks is kept as null), one it holds as a nested object, read as its
    fields (``client`` of an Okta event, ``client.ipAddress`` ...), which no row has as a field
    of its own, as ``score`` refuses it. ``seen``: the kept names earlier rows of the stream had
    as fields of their own, added to here; such a name nested in a later row is null there, as
    ``score`` keeps it for a file where some rows have it as a field (null where it is nested).

    Examples
    --------
    >>> absent_kept(["host"], {"bytes": 1}, False), absent_kept(["host"], {"bytes": 1}, True)
    ('host', None)
    >>> absent_kept(["client"], {"client.ipAddress": "10.0.0.1"}, True)
    'client'
    >>> seen: set[str] = set()
    >>> absent_kept(["client"], {"client": "10.0.0.1"}, True, seen), seen
    (None, {'client'})
    >>> absent_kept(["client"], {"client.ipAddress": "10.0.0.1"}, True, seen)  # (null there)
    """
    for c in keep or ():
        if c in row:
            if seen is not None:
                seen.add(c)
            continue
        if not sparse:
            return c
        from hourglass.ingest.tables import nested_note  # (a stream's rows: pandas is loaded already)

        if (seen is None or c not in seen) and nested_note([c], row):
            return c
    return None


def open_series_scorer(pipe: Any, model: Path, *, explain: int | None, keep: list[str] | None,
                       adapt: bool, ecs: bool, idle_timeout: float | None) -> Any:
    """The step-by-step scorer of a loaded time-series model; options it has no use for
    refused (one line)."""
    from hourglass.serve.series_stream import SeriesStreamScorer

    for given, option in ((adapt, "--adapt"), (idle_timeout is not None, "--idle-timeout")):
        if given:
            from hourglass.cli._common import GROUP_OPTIONS, taken_options

            takes = taken_options("stream", "time-series",
                                  ("adapt", "idle_timeout", "lateness", "suppress", *GROUP_OPTIONS))
            raise HourglassError(f"{option}: not for time-series models (they take {takes})")
    taken = sorted({"line", "timestamp", "threshold", "top_channel"} & set(keep or []))
    if taken:
        raise HourglassError(f"--keep {taken[0]}: the alerts of a time-series model already have "
                             "that field")
    try:
        scorer = SeriesStreamScorer.from_pipeline(pipe, str(model))
    except HourglassError as exc:
        raise HourglassError(f"{model}: {exc}") from None
    if explain is not None and scorer.explain_unavailable is not None:
        raise HourglassError(f"--explain: {scorer.explain_unavailable}")
    if scorer.threshold_note is not None:
        err.print(f"warning: {model}: {scorer.threshold_note}", highlight=False)
    return scorer


def summary_line(counts: dict[str, int], bad: list[int], where: str, seconds: float,
                 window: int, threshold: float | None = None, stream_threshold: bool = True,
                 why_none: str | None = None, fitted_on: str = "causal held-out scores") -> str:
    """The end-of-stream summary (stderr). ``stream_threshold``: whether ``threshold`` is the
    model's stream threshold (fitted on ``fitted_on``: causal held-out scores, causal training
    scores, a forecaster's given validation scores) or the one fitted on averaged scores: for
    a model saved before those existed (retrain to fit one), or one that has none for the
    reason ``why_none`` (its threshold fitted on labelled validation rows, ...), which no
    retraining alike would fit.

    Examples
    --------
    >>> line = summary_line({"rows": 12, "steps": 11, "scored": 4, "warming_up": 7, "flagged": 1,
    ...                      "restarts": 0, "bad": 1}, [5], "<stdin>", 2.0, 8, 1.5)
    >>> line.split(", ")[1]
    '4 scored (each from the window of 8 ending at it'
    >>> line.split(", ")[3]
    '7 without a full window yet'
    >>> line.split(", ")[4]
    '1 flagged (threshold 1.5 fitted on causal held-out scores)'
    >>> line.split(", ")[-1]
    'skipped 1 malformed line(s) (lines 5); 6 rows/s'
    >>> summary_line({"rows": 1, "steps": 1, "scored": 0, "warming_up": 1, "flagged": 0,
    ...               "restarts": 0, "bad": 0}, [], "-", 1.0, 8, 2.0, False).split(", ")[4]
    '0 flagged (threshold 2 fitted on averaged scores: retrain to fit a stream threshold); 1 rows/s'
    >>> summary_line({"rows": 1, "steps": 1, "scored": 0, "warming_up": 1, "flagged": 0,
    ...               "restarts": 0, "bad": 0}, [], "-", 1.0, 8, 2.0, False, "why").split(", ")[4]
    '0 flagged (threshold 2 fitted on averaged scores; no stream threshold: why); 1 rows/s'
    """
    parts = [counted(counts["steps"], "step"),
             f"{counts['scored']:,} scored (each from the window of {window} ending at it, not the "
             "average over windows that 'score' gives)",
             f"{counts['warming_up']:,} without a full window yet"]
    if counts.get("restarts"):
        parts.append(f"{counts['restarts']:,} window restart(s) at a time gap")
    if counts.get("clock_back"):
        parts.append(f"{counts['clock_back']:,} window restart(s) after a step whose time ran "
                     "ahead (the next two came between it and the step before it: the first "
                     "refused, the stream went on from the second)")
    if threshold is None:
        parts.append(f"{counts['flagged']:,} flagged")
    elif stream_threshold:
        parts.append(f"{counts['flagged']:,} flagged (threshold {threshold:.6g} fitted on {fitted_on})")
    else:
        how = (": retrain to fit a stream threshold" if why_none is None
               else f"; no stream threshold: {why_none}")
        parts.append(f"{counts['flagged']:,} flagged (threshold {threshold:.6g} fitted on averaged "
                     f"scores{how})")
    if bad:
        parts.append(skipped_lines_text(bad))
    rate = counts["rows"] / seconds if seconds > 0 else 0.0
    return f"streamed {counted(counts['rows'], 'row')} from {where}: {', '.join(parts)}; {rate:,.0f} rows/s"


def run(scorer: Any, read: Callable[[int], bytes], sink: Any, *, where: str, batch: int,
        max_delay: float, on_bad_rows: str, output: Path | None, explain: int | None,
        keep: list[str] | None, all_rows: bool, drift: Any = None, rule: Any = None) -> None:
    """Stream the JSON lines of ``read`` through ``scorer``; alerts to ``sink`` (an alert sink of
    :mod:`hourglass.serve.sinks`), one write per batch; ``drift`` (a
    :class:`~hourglass.cli._drift.DriftCheck`) gets every scored step's flag. With ``rule`` (an
    :class:`~hourglass.serve.ecs.AlertRule`) each alert is written as an ECS document, its kept
    fields mapped to ECS names where they have one and its step's timestamp as ``@timestamp``."""
    if rule is not None:
        import pandas as pd

        from hourglass.serve.ecs import to_ecs

    from hourglass.cli.stream import (
        LineBatcher,
        SkippedLines,
        _numbered,
        _parse,
        skipped_before,
        stream_guard,
    )

    start = time.perf_counter()
    bad = SkippedLines()  # their count and the first few: nothing grows with a long run
    data_rows = 0  # the data rows of the batches read: the rows parsed and the malformed lines
    from hourglass.detectors.windowed import NO_STREAM_THRESHOLD

    def summary() -> None:
        # rows as the other streams count them: those scored (the scorer's count holds the steps
        # it refused, in either --on-bad-rows mode)
        counts = scorer.counts()
        counts["rows"] -= counts["bad"]
        err.print(summary_line(counts, bad, where, time.perf_counter() - start,
                               scorer.window, scorer.threshold, scorer.threshold_note is None,
                               scorer.stream_missing if scorer.stream_missing != NO_STREAM_THRESHOLD
                               else None, scorer.threshold_fitted_on)
                  + output_failed_text(sink), highlight=False)
        if drift is not None:
            drift.summary()

    with stream_guard(sink, output, summary, lambda: bool(scorer.counts()["rows"] or bad)):
        for lines_batch in LineBatcher(read, batch, max_delay):
            skipped: list[int] = []  # this batch's malformed lines (skip): counted up to a stop
            rows, lines, problem = _parse(lines_batch, where, on_bad_rows, skipped)
            for i, row in enumerate(rows if keep else ()):
                absent = next((c for c in keep or [] if c not in row), None)
                if absent is not None:  # the stream stops at this line; the steps before it are
                    problem = no_kept_field(absent, row, where, lines[i])  # scored, alerts written
                    rows, lines = rows[:i], lines[:i]
                    break
            by_line = dict(zip(lines, rows, strict=True))
            number = _numbered(rows, lines, skipped, data_rows)  # (each row's data row)
            data_rows += len(rows) + len(skipped)
            watch = drift is not None and drift.monitor is not None
            alerts, bad_rows = scorer.feed(list(zip(lines, rows, strict=True)), explain=explain,
                                           all_steps=all_rows or watch,
                                           stop_at_bad=on_bad_rows == "error")
            for alert in alerts:  # the scorer counts the steps it took; a row is its data row,
                # as a table stream's: a line or row skipped (--on-bad-rows skip) keeps its number
                alert["row"] = number[id(by_line[alert["line"]])]
            if watch:  # every scored step came back, with its flag: the check sees them all,
                # and names a step by its alerts' row (the first window - 1 steps and a
                # restarted window's give no score, so the check's count is not the row)
                drift.update([a["flag"] for a in alerts], rows=[a["row"] for a in alerts])
                if not all_rows:  # then only the flagged ones, as without the check
                    alerts = [{k: v for k, v in a.items() if k != "flag"} for a in alerts if a["flag"]]
            for alert in alerts:
                row = by_line[alert["line"]]
                alert.update({c: row[c] for c in keep or []})  # (checked above)
            if rule is not None:
                # the step's time as 'score --alert-format ecs' gives it: ISO 8601 UTC with 'Z'
                alerts = [to_ecs({k: (pd.Timestamp(v) if k == "timestamp" else v)
                                  for k, v in a.items() if k not in (keep or ())}, rule,
                                 fields={c: a[c] for c in keep or ()}) for a in alerts]
            sink.write(alerts)
            skipped_before(bad, skipped, problem, where)
            settle_bad_lines(bad_rows, bad, on_bad_rows, where, problem)
    return None
