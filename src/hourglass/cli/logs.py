"""The log side of ``hourglass train`` / ``hourglass score``: raw logs → sessions → alerts."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
from rich.console import Console

from hourglass._columns import counted, counted_as, listed_columns
from hourglass._eol import without_boms
from hourglass._limits import loads_json
from hourglass.cli._common import check_model_dir, model_params
from hourglass.cli._output import fitted_text, severity_counts, threshold_text
from hourglass.cli._schema import ECS_TIME, is_log_format
from hourglass.cli._spool import line_source, shown, shown_name
from hourglass.detectors import registry
from hourglass.detectors.base import BaseDetector
from hourglass.errors import HourglassError, no_file
from hourglass.evaluate import evaluate_scores
from hourglass.explain import session_alerts
from hourglass.features.sessions import EventSessions, Sessions
from hourglass.features.sessions.keys import unseen_keys
from hourglass.features.sessions.tables import timeless_text
from hourglass.ingest.readers import atomic_output, csv_text, detect_format, open_output
from hourglass.ingest.sqlite import is_sqlite
from hourglass.ingest.tables import (
    CHUNK_BYTES,
    NULL_VALUES,
    READ_ERRORS,
    lines_before_header,
    sniff_delimiter,
)
from hourglass.ingest.writers import chunk_writer
from hourglass.pipeline import Pipeline
from hourglass.thresholds import threshold_from_spec

__all__ = ["check_events_model", "evaluate_logs", "is_log_format", "labels_by_value", "read_session_labels",
           "report_page", "score_logs", "train_logs"]

logger = logging.getLogger("hourglass")

#: label values read as normal when ``--normal`` is not given (HDFS anomaly_label.csv, 0/1 labels).
DEFAULT_NORMAL = ("Normal", "normal", "0")


def check_tabular_model(cls: type[BaseDetector], model: str) -> None:
    """Refuse an events model on a table (it needs a log --format)."""
    if cls.get_tags()["input"] == "events":
        raise HourglassError(f"--model {model} learns from log sessions: give a log --format "
                             "(hdfs, bgl, syslog, journald, raw, keys or a header regex)")


def check_events_model(model: str) -> None:
    """Refuse a ``--model`` that does not take log sessions (the default, ``autoencoder``, takes
    tables), naming the log models: checked before any log option, so that it is the one line."""
    cls = registry.get(model)
    if cls.get_tags()["input"] != "events":
        events_models = [n for n in registry.available()
                         if registry.get(n).get_tags()["input"] == "events"]
        default = " (the default model)" if model == "autoencoder" else ""
        raise HourglassError(f"--model {model}{default} takes {cls.get_tags()['input']} input; a "
                             f"log needs a log model: --model {events_models[0]} (or "
                             f"{', '.join(events_models[1:])})")


def train_logs(data: Path, output: Path, *, fmt: str, model: str, epochs: int | None,
               batch_size: int | None, lr: float | None, hidden: str | None,
               threshold: str | None, seed: int, device: str, params: list[str],
               session_regex: str | None, session_col: str | None, window: float | None,
               step: float | None, strict: bool, quiet: bool, key_col: str | None = None,
               message_col: str | None = None, time_col: str | None = None) -> Pipeline:
    """Parse the log ``data`` (or read the event table ``data`` when ``key_col`` or
    ``message_col`` is given), build sessions, train the events model and save the artefact."""
    check_events_model(model)
    cls = registry.get(model)
    kwargs = model_params(cls, model, epochs=epochs, batch_size=batch_size, lr=lr, hidden=hidden,
                          seed=seed, device=device, quiet=quiet, extra=params)
    thr = threshold_from_spec(threshold, name="--threshold") if threshold else None
    if thr is not None and thr.requires_labels:
        raise HourglassError(f"--threshold {threshold}: needs labelled validation sessions, and a log "
                             "model trains without labels; use percentile, fpr, pot, spot, dspot, "
                             "contamination, budget:N/10k or fixed")
    if getattr(thr, "per", None) == "day":
        raise HourglassError(f"--threshold {threshold}: a per-day budget needs an event rate, which "
                             "log sessions do not have; use budget:N/10k (alerts per 10,000 sessions)")
    table = key_col is not None or message_col is not None
    if time_col is not None and not table:
        raise HourglassError("--timestamp-col: not used by log models, except to order an event "
                             "table (--key-col/--message-col); a log's time comes from its "
                             "header --format")
    if table and is_log_format(fmt):
        raise HourglassError(f"--format {fmt}: --key-col/--message-col read DATA as an event table "
                             "(CSV/TSV/Parquet/JSONL); drop --format or the column options")
    if table and session_regex is not None:
        raise HourglassError("--session-regex: an event table groups by --session-col (or "
                             "--window with --timestamp-col)")
    if table and session_col is None and window is None:
        raise HourglassError("--session-col, or --window with --timestamp-col: say how the events "
                             "of the table group into sessions (e.g. --session-col user)")
    if fmt != "keys" and session_regex is None and session_col is None and window is None:
        raise HourglassError("--session-regex, --session-col or --window: say how log lines "
                             "group into sessions (e.g. --session-regex 'blk_-?\\d+' for HDFS)")
    check_model_dir(output, data)
    if not data.exists():
        raise HourglassError(f"{data}: no such file")
    if table:
        _refuse_line_log(data, fmt)
    if table and time_col is None:
        time_col = _format_time_col(data, fmt)
    features = EventSessions(format="table" if table else fmt, session_regex=session_regex,
                             session_column=session_col, window=window, step=step, strict=strict,
                             key_column=key_col, message_column=message_col,
                             time_column=time_col if table else None)
    pipe = Pipeline(detector=cls(**kwargs), features=features, threshold=thr)
    start = time.perf_counter()
    pipe.fit(str(data))
    stats = getattr(pipe.features_, "fit_stats_", {})
    if stats:
        logger.info("%s", _summary_line(stats, pipe.features_))
    pipe.info.update({
        "source": shown(data), "format": fmt, "model": registry.name_of(cls),
        "fit_seconds": time.perf_counter() - start, "parse": stats,
        "sessions": {"regex": session_regex, "column": session_col, "window": window,
                     "step": step, "key_column": key_col, "message_column": message_col,
                     "time_column": time_col if table else None},
        "threshold": pipe.threshold_.describe(), "threshold_value": pipe.threshold_.value_,
    })
    pipe.save(output)
    return pipe


def _refuse_line_log(data: Path, fmt: str) -> None:
    """Refuse a log of a line format (CEF, LEEF, PAN-OS, key=value, audit: named by ``--format``
    or sniffed) as an event table: the table reader reads CSV/TSV/Parquet/JSONL and ``.evtx``, and
    would take such a log for a CSV whose header is its first record."""
    from hourglass.ingest import resolve_format
    from hourglass.ingest.cef import record_noun
    from hourglass.ingest.formats import line_format

    if not data.is_file():
        return
    spec = line_format(resolve_format(fmt, data).name)
    if spec is not None:
        raise HourglassError(
            f"{shown(data)}: {record_noun(spec.name)} lines (--format {spec.name}), which an event "
            "table (--key-col/--message-col) does not read: it reads CSV, TSV, Parquet, JSON lines "
            "or .evtx; drop --key-col/--message-col to train a table model on the log's records")


def _format_time_col(data: Path, fmt: str) -> str | None:
    """The event-time field of an event table's format (Winlogbeat's ``@timestamp``) when the
    file's first record has it, else Elastic Common Schema's ``@timestamp`` when that record has
    it (an OTRF/Mordor ``windows-json`` export, whose events are ``@timestamp``'d, not
    ``timestamp``'d, as table models take them: :func:`~hourglass.cli._schema.format_time_column`):
    the events of a session then go in time order, which an export from Elasticsearch, Kafka or
    a collector need not keep. ``None`` for other formats."""
    from hourglass.ingest import resolve_format
    from hourglass.ingest.tables import flat_record, read_head

    spec = resolve_format(fmt, data)
    col = getattr(spec, "time_col", None)
    if col is None or getattr(spec, "fmt", None) != "jsonl" or not data.is_file():
        return None
    lines = without_boms(read_head(data)).split(b"\n")
    try:
        first = loads_json(next((ln for ln in lines if ln.strip()), b""))
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        return None
    fields = flat_record(first) if isinstance(first, dict) else {}
    whose = f"the {spec.name} format's event time"
    if col not in fields:
        if ECS_TIME not in fields:
            return None
        col, whose = ECS_TIME, "Elastic Common Schema's event time"
    logger.info("events ordered by %r, %s (--timestamp-col to choose another)", col, whose)
    return col


def report_train(pipe: Pipeline, output: Path, err: Console, out: Console) -> None:
    info = pipe.info
    err.print(f"trained {info['model']} on "
              f"{fitted_text(info['n_train_rows'], len(pipe.detector_.val_index_), 'sessions')} "
              f"({len(pipe.detector_.vocab_)} distinct keys) in {info['fit_seconds']:.1f}s; "
              f"threshold {threshold_text(info)}", highlight=False)
    out.print(f"model saved to {output}", highlight=False)


def _summary_line(stats: dict[str, Any], features: Any = None) -> str:
    """The parse counts of a log (``features``: the model's, for the words of key files and
    event tables with a key column)."""
    keys = getattr(features, "format", None) == "keys"
    named = getattr(features, "key_column", None) is not None
    window = getattr(features, "window", None)
    # an event table is rows, with a message column too (it said '2000 lines' of a CSV)
    parts = [counted(stats.get("lines", 0), "row" if getattr(features, "is_table", False) else "line")]
    for key, label in (("unmatched", ("was not a key sequence", "were not key sequences") if keys
                        else "matched no header format"),
                       ("blank", ("was blank", "were blank")),
                       ("bad_encoding", "had bad encoding (replaced)"),
                       ("unknown_template", ("event had a key never seen in training",
                                             "events had a key never seen in training") if keys else
                        "had a key unseen in training" if named else "had a template unseen in training"),
                       ("events_without_session", "had no session id" if window is None
                        else "had no readable time (no window)"),
                       ("events_without_key", ("row had an empty key or message",
                                               "rows had an empty key or message")),
                       ("bad_rows", ("row was malformed (skipped)", "rows were malformed (skipped)")),
                       # a time window without a line holds no session: no line was left out
                       ("empty_sessions_skipped", ("empty session skipped", "empty sessions skipped")
                        if window is None else ("time window had no line (no session)",
                                                "time windows had no line (no session)"))):
        if stats.get(key):
            parts.append(counted_as(stats[key], label, "event" if key == "events_without_session" else ""))
    if stats.get("events_without_time"):
        parts.append(timeless_text(stats, getattr(features, "time_column", None)))
    return ", ".join(parts)


def _read_sessions(features: EventSessions, data: Path, *, strict: bool,
                   detector: Any = None) -> Sessions:
    """The sessions of the log ``data`` under a trained ``features`` (``--strict`` applied);
    with the model's ``detector``, the events of keys it never saw counted (``unknown_template``)
    where the keys are the input's own (a key file, integer keys), as the stream counts them."""
    _strict(features, strict, data)
    sessions = features.sessions(str(data))
    _count_unseen(features, sessions, detector)
    if not len(sessions):
        raise _no_sessions(features, data, sessions.stats)
    warn_unseen(features, data, sessions.stats, sum(len(seq) for seq in sessions.sequences))
    return sessions


def warn_unseen(features: EventSessions, data: Path | str, stats: dict[str, Any], events: int) -> None:
    """Warn when more than half of the parsed lines (rows) of ``data`` had a template (key) the
    model never saw: the counts alone gave no hint that a log of another system, or of another
    format, was scored (its sessions then score as anomalous, events the model never saw). A key
    file has no parse count: its unseen keys are counted over the sessions' ``events``
    (:func:`_count_unseen`, or the stream's ``unknown_key``), and the share is of those.
    ``score``, ``evaluate`` and ``stream`` (``data``: its ``<stdin>``) all warn so, once."""
    unseen = stats.get("unknown_template") or 0
    if features.format == "keys" and not features.is_table:
        parsed, unit = events, "events"
    else:
        parsed, unit = stats.get("parsed") or 0, "rows" if features.is_table else "lines"
    if not parsed or unseen * 2 <= parsed:
        return
    what = "key" if unit == "events" or getattr(features, "key_column", None) is not None \
        else "template"
    logger.warning("%s: %s of %s %s%s (%.0f%%) had a %s unseen in training: is it a log of "
                   "another system, or in another format, than the model's training log?",
                   shown(data), f"{unseen:,}", f"{parsed:,}", "" if unit == "events" else "parsed ",
                   unit, 100 * unseen / parsed, what)


#: The sessions of a key file are scored in blocks of a multiple of this many: a detector scores
#: its rows in batches of a power of two up to it (an autoencoder's 8,192, 16,384), and a row's
#: float32 score may differ in its last bit with its place in a batch, which the event-count
#: autoencoder's calibrated probability turns into a jump where the score lies on a held-out
#: score (0.0 vs 0.55): blocks so cut give the batches, so the scores, of one block.
SCORE_BLOCK_SESSIONS = 16_384


def _session_blocks(features: EventSessions, data: Path, *, strict: bool, detector: Any,
                    block_bytes: int) -> Iterator[Sessions]:
    """:func:`_read_sessions` a block at a time (:meth:`EventSessions.session_blocks`: a key
    file's about ``block_bytes`` bytes of lines read at a time, scored
    :data:`SCORE_BLOCK_SESSIONS` sessions a block; any other log whole); each block's ``stats`` count the
    lines read since the block before; a block may hold no session, and the caller says when
    none had one (:func:`_no_sessions`)."""
    if features.is_table or features.format != "keys":
        yield _read_sessions(features, data, strict=strict, detector=detector)
        return
    _strict(features, strict, data)
    ids: list[str] = []
    seqs: list[np.ndarray] = []
    lines: list[np.ndarray] = []
    stats: dict[str, Any] = {}
    for block in features.session_blocks(str(data), block_bytes):
        _count_unseen(features, block, detector)
        _add_stats(stats, block.stats)
        ids += block.ids
        seqs += block.sequences
        lines += block.lines
        del block  # its sessions are the lists' now
        cut = len(seqs) // SCORE_BLOCK_SESSIONS * SCORE_BLOCK_SESSIONS
        # scored SCORE_BLOCK_SESSIONS at a time: the batches a single block gives (see the
        # constant), and the scores' intermediates and output of so many sessions at once
        for lo in range(0, cut, SCORE_BLOCK_SESSIONS):
            hi = lo + SCORE_BLOCK_SESSIONS
            yield Sessions(ids[lo:hi], seqs[lo:hi], lines[lo:hi], stats if lo == 0 else {})
        if cut:
            ids, seqs, lines, stats = ids[cut:], seqs[cut:], lines[cut:], {}
    yield Sessions(ids, seqs, lines, stats)


def _strict(features: EventSessions, strict: bool, data: Path) -> None:
    """This command's ``--strict`` on ``features``; a missing ``data`` refused."""
    # this command's --strict, not the training's: a model trained with --strict skips and counts
    # the lines that match no header, as the option's help says, unless --strict is given again
    features.strict = strict
    if features.parser_ is not None:
        features.parser_.strict = strict
    if not data.exists():
        raise HourglassError(f"{data}: no such file")


def _count_unseen(features: EventSessions, sessions: Sessions, detector: Any) -> None:
    """Count the events of keys ``detector`` never saw in ``sessions.stats["unknown_template"]``
    where the keys are the input's own (a key file, integer keys), as the stream counts them."""
    if detector is not None and features.keys_as_given and len(sessions):
        sessions.stats["unknown_template"] = unseen_keys(sessions.sequences, detector.vocab_)


def _no_sessions(features: EventSessions, data: Path, stats: dict[str, Any]) -> HourglassError:
    """The error of a log ``data`` without a session (``stats``: its parse counts)."""
    fmt = "table" if features.is_table else features.format
    parse = getattr(features.parser_, "stats_", None)
    first = None if features.is_table else getattr(parse, "first_unmatched_reason", None)
    return HourglassError(f"{data}: no sessions found ({_summary_line(stats, features)}); the "
                          f"model reads {fmt!r} input" + (f"; the first line skipped, {first}"
                                                          if first and not stats.get("parsed")
                                                          else ""))


def _header_lines(features: EventSessions, data: Path) -> int:
    """Lines of the copy of a folder or pattern (``data``) before its first row: the header of
    an event table's CSV/TSV files (its events are numbered by row, from the first data row), none
    for a log, a key file or JSON lines."""
    if not features.is_table:
        return 0
    from hourglass.ingest.readers import table_format

    return 1 if table_format(data) in ("csv", "tsv") else 0


def _place(data: Path, number: int, header: int) -> tuple[str, int] | None:
    """(the file, its own line or row) of line or row ``number`` of the copy ``data`` joining a
    folder's or a pattern's files (``header``: :func:`_header_lines`; each file's own header is
    left out of its rows as the first file's is); ``None`` for one file."""
    place = line_source(data, number + header)
    return None if place is None else (place[0], place[1] - header)


def _in_files(data: Path, alerts: list[dict[str, Any]], header: int = 0) -> list[dict[str, Any]]:
    """``alerts`` of the log ``data`` with their line numbers (``first_line``, the unexpected
    event's ``line``) those of the files a folder or a pattern joined, each named (``file``
    beside it); ``alerts`` themselves for one file. An event table's numbers are rows
    (``header``: the lines before its first row, :func:`_header_lines`), in their own file."""
    if line_source(data, 1) is None:
        return alerts
    for alert in alerts:
        first = alert.get("first_line")
        place = _place(data, first, header) if first is not None else None
        if place is not None:
            alert["file"], alert["first_line"] = place
        unexpected = alert.get("unexpected") or {}
        line = unexpected.get("line")
        place = _place(data, line, header) if line is not None else None
        if place is not None:
            unexpected["file"], unexpected["line"] = place
    return alerts


@contextlib.contextmanager
def _session_table(output: Path) -> Iterator[Any]:
    """A writer of the session table ``output`` a block of sessions at a time, renamed into
    place at the end: CSV/TSV text as :func:`~hourglass.ingest.readers.write_table` writes the
    whole table (the same bytes, its header once), another format through
    :func:`~hourglass.ingest.writers.chunk_writer`."""
    fmt = detect_format(output)
    if fmt not in ("csv", "tsv"):  # (a SQLite output is alerts: not a session table)
        with chunk_writer(output) as writer:
            yield writer
        return
    with atomic_output(output) as tmp, open_output(tmp, output) as fh:
        yield _TextTable(fh, "\t" if fmt == "tsv" else ",")


class _TextTable:
    """Appends DataFrames to an open CSV/TSV text file as ``DataFrame.to_csv`` writes them
    (the header before the first)."""

    def __init__(self, fh: IO[str], sep: str) -> None:
        self._fh, self._sep, self._header = fh, sep, True

    def write(self, frame: pd.DataFrame) -> None:
        """Append ``frame``."""
        csv_text(frame, self._fh, self._sep, header=self._header)  # (a lone \\r quoted)
        self._header = False


def _add_stats(total: dict[str, Any], stats: dict[str, Any]) -> None:
    """Add a block's parse counts ``stats`` to ``total`` (``first_unmatched``: the earliest)."""
    for key, value in stats.items():
        if key == "first_unmatched":
            total[key] = total.get(key) or value
        elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            total[key] = total.get(key, 0) + int(value)
        else:
            total.setdefault(key, value)


def score_logs(pipe: Pipeline, data: Path, output: Path, *, strict: bool,
               anomalies_only: bool, ecs_rule: Any = None, drift: Any = None,
               table: str = "alerts", block_bytes: int = CHUNK_BYTES) -> str:
    """Score the sessions of the log ``data``; write alerts (JSONL, or SQLite ``table``) or a
    score table; with ``ecs_rule`` (an :class:`~hourglass.serve.ecs.AlertRule`), the alerts as
    ECS documents; ``drift`` (a :class:`~hourglass.cli._drift.DriftCheck`) gets the sessions'
    flags. A key file is read, scored and written a block of about ``block_bytes`` bytes of
    lines at a time (``--chunk-mb``): each line is a session scored alone, so the output is the
    one a single block gives, in bounded memory; a log's sessions are read whole."""
    features = pipe.features_
    det = pipe.detector_
    alerts_out = ecs_rule is not None or detect_format(output) == "jsonl" or is_sqlite(output)
    header = _header_lines(features, data)
    folder = line_source(data, 1) is not None
    n, flagged, seconds, events = 0, 0, 0.0, 0
    stats: dict[str, Any] = {}
    if alerts_out:
        from hourglass.serve.sinks import alert_columns, alert_file

        sink_cm: Any = alert_file(output, alert_columns("log", ecs=ecs_rule is not None), table=table)
    else:
        sink_cm = _session_table(output)
    with sink_cm as sink:
        for sessions in _session_blocks(features, data, strict=strict, detector=det,
                                        block_bytes=block_bytes):
            _add_stats(stats, sessions.stats)
            if not len(sessions):
                continue
            start = time.perf_counter()
            scores = det.score(sessions.sequences)
            flags = det.threshold_predict(scores)
            seconds += time.perf_counter() - start
            n += len(sessions)
            events += sum(len(seq) for seq in sessions.sequences)
            flagged += int(np.sum(flags))
            if drift is not None:
                drift.update(np.asarray(flags))
            if alerts_out:
                alerts = _in_files(data, session_alerts(det, sessions, scores, flags,
                                                        features.templates()), header)
                if ecs_rule is not None:
                    from hourglass.serve.ecs import to_ecs, with_verdict

                    alerts = [to_ecs(with_verdict(a, det), ecs_rule) for a in alerts]
                sink.write(alerts)
                continue
            # calibrated and severity as every other model's table and the service give them
            frame = pd.DataFrame({"session": sessions.ids, "score": scores, "flag": flags,
                                  "calibrated": np.asarray(det.calibrate(scores), dtype=np.float64),
                                  "severity": np.asarray(det.severity(scores)).astype(str),
                                  "n_events": [len(s) for s in sessions.sequences],
                                  "first_line": [int(x[0]) for x in sessions.lines]})
            if folder:  # a folder's or a pattern's files: each line in its own
                places = [_place(data, k, header) for k in frame["first_line"].tolist()]
                frame["first_line"] = [p[1] if p else k
                                       for p, k in zip(places, frame["first_line"], strict=True)]
                frame.insert(frame.columns.get_loc("first_line"), "file", [p[0] if p else "" for p in places])
            if anomalies_only:
                frame = frame[frame["flag"] == 1]
            sink.write(frame)
        if not n:  # (nothing is written: the output is renamed into place only on success)
            raise _no_sessions(features, data, stats)
    if not features.is_table and features.format == "keys":  # read in blocks: not warned of yet
        warn_unseen(features, data, stats, events)
    rate = n / seconds if seconds > 0 else float("inf")
    return (f"{_summary_line(stats, features)}; scored {counted(n, 'session')} ({rate:,.0f}/s), "
            f"{flagged:,} flagged")


def read_session_labels(path: Path, *, id_col: str, label_col: str,
                        table_ids: bool = False) -> pd.Series:
    """Labels per session id (strings, stripped) from a CSV/TSV (``.gz`` read directly; a CSV's
    delimiter sniffed, :func:`~hourglass.ingest.tables.sniff_delimiter`); a label
    the CSV reader reads as an empty cell (``N/A``, ``null``, ``?``...:
    :data:`~hourglass.ingest.tables.NULL_VALUES`) is ``''``, no label, as a blank one.

    ``table_ids``: the sessions labelled are an event table's, whose CSV ids are read as written
    by :func:`~hourglass.ingest.tables.written_ids` (``7.0``, as pandas writes an integer column
    with an empty cell, is ``7``; ``007`` stays): the labels' ids are read by the same rule.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "labels.csv"
    >>> _ = f.write_text("BlockId,Label\\nblk_1,Normal\\nblk_2,Anomaly\\n")
    >>> read_session_labels(f, id_col="BlockId", label_col="Label").to_dict()
    {'blk_1': 'Normal', 'blk_2': 'Anomaly'}
    >>> _ = f.write_text("BlockId,Label\\nblk_1,N/A\\nblk_2, ? \\n")
    >>> read_session_labels(f, id_col="BlockId", label_col="Label").to_dict()
    {'blk_1': '', 'blk_2': ''}
    """
    if not path.is_file():
        raise HourglassError(f"--labels {path}: is a directory" if path.is_dir()
                             else f"--labels {no_file(path)}")
    try:
        # LABELS.TSV too; a .csv's delimiter sniffed, as a CSV table's (semicolons, a European
        # spreadsheet's export, read as one column named 'BlockId;Label')
        try:
            # the lines before the header, as a table's: blank ones, Excel's 'sep=;' (the
            # delimiter), PowerShell's '#TYPE ...'; read as the header, each named one column
            skip, hint = lines_before_header(path)
            sep = "\t" if ".tsv" in [s.lower() for s in path.suffixes] else hint or sniff_delimiter(path)
        except HourglassError as exc:  # a cut .gz, binary data ...: named as the option's file
            raise HourglassError(f"--labels {exc}") from None
        header = list(pd.read_csv(path, sep=sep, nrows=0, skiprows=skip).columns)
        missing = [f"{opt} {c!r}" for c, opt in ((id_col, "--id-col"), (label_col, "--label-col"))
                   if c not in header]
        if missing:
            raise HourglassError(f"--labels {path}: no column {' or '.join(missing)}; columns are "
                                 f"{listed_columns(header[:8])}{' ...' if len(header) > 8 else ''}")
        df = pd.read_csv(path, sep=sep, usecols=[id_col, label_col], dtype=str,
                         keep_default_na=False, skiprows=skip)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, *READ_ERRORS) as exc:
        # READ_ERRORS: a damaged .gz raises EOFError, which click would report as 'Aborted!'
        raise HourglassError(f"--labels {path}: not a readable CSV ({exc})") from None
    label = df[label_col].str.strip()
    # a label N/A, null, ? (the CSV reader's missing spellings) is no label, as it is in a table's
    # label column: blank, left out of the metrics; it was a class of anomalous sessions
    df = pd.DataFrame({"id": df[id_col].str.strip(), "label": label.mask(label.isin(NULL_VALUES), "")})
    if table_ids:
        from hourglass.ingest.tables import written_ids

        df = written_ids(df, "id")
    df = df.drop_duplicates()
    # a session listed again is no conflict where the labels agree as they are read: a blank
    # one is no label beside the session's label, and labels are read by value (0 and 0.0 one
    # label, as labels_by_value reads a file of numbers) before they are compared
    blank = (df["label"] == "").to_numpy()
    df = df.loc[~blank | ~df["id"].isin(set(df["id"][~blank])).to_numpy()]
    value = df["label"].to_numpy(dtype=object, copy=True)
    given = value != ""
    if given.any():
        value[given] = labels_by_value(pd.Series(value[given], dtype=object), [])[0].to_numpy()
    df = df.loc[~pd.DataFrame({"id": df["id"].to_numpy(), "label": value}).duplicated().to_numpy()]
    labels = pd.Series(df["label"].to_numpy(), index=df["id"].to_numpy(), dtype=object)
    dup = labels.index[labels.index.duplicated()]
    if len(dup):
        raise HourglassError(f"--labels {path}: session {dup[0]!r} has conflicting labels")
    return labels


def labels_by_value(labels: pd.Series, normal: list[str]) -> tuple[pd.Series, list[str]]:
    """(``labels``, ``normal``) read as a table's label column is read: every (non-blank) label
    a number, each spelt as :func:`~hourglass.ingest.label_strings` spells it (``0.0`` as ``0``:
    pandas writes a column of 0/1 with a blank among them as ``0.0``/``1.0``, and the default
    normal ``0`` matched none of them) and ``--normal`` matched by value; every label
    ``true``/``false`` in any case, the booleans ``True``/``False`` (``--normal false`` names
    ``False``). Other labels, and ``normal``, as they are.

    Examples
    --------
    >>> labs, normal = labels_by_value(pd.Series(["0.0", "1.0"], index=["a", "b"]), ["Normal", "0"])
    >>> labs.to_dict(), normal
    ({'a': '0', 'b': '1'}, ['Normal', '0'])
    >>> labels_by_value(pd.Series(["TRUE", "false"]), ["false"])[1]
    ['False']
    """
    from hourglass.ingest import label_strings, normal_labels

    if not len(labels):
        return labels, normal
    numbers = pd.to_numeric(labels, errors="coerce")
    if numbers.notna().all() and np.isfinite(numbers.to_numpy(dtype=np.float64)).all():
        spelt = label_strings(numbers.astype(np.float64))
        return pd.Series(spelt, index=labels.index, dtype=object), normal_labels(normal, False, numeric=True)
    lower = labels.str.lower()
    if lower.isin(("true", "false")).all():
        return lower.map({"true": "True", "false": "False"}).astype(object), normal_labels(normal, True)
    return labels, normal


def evaluate_logs(pipe: Pipeline, data: Path, *, labels: Path | None, id_col: str,
                  label_col: str | None, normal: list[str] | None, all_sessions: str | None,
                  strict: bool, label_field: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Score the sessions of the log ``data`` against session labels.

    Labels come from ``labels`` (id → label), ``all_sessions`` (``normal``/``anomaly`` for
    every session) or ``label_field``, a header field of each line (BGL's ``label``: a session
    is anomalous when one of its lines has a value other than ``normal``, default ``-``, and its
    class is the first such value). Returns ``(summary, arrays)``: the JSON-ready metrics and, for the report,
    ``y``, ``score``, ``flag``, ``classes`` and ``normal`` of the labelled sessions. Sessions
    without a label are left out of the metrics and counted in ``summary["unlabelled_sessions"]``.
    """
    if sum(x is not None for x in (labels, all_sessions, label_field)) != 1:
        raise HourglassError("--labels FILE, --all-sessions normal|anomaly or --label-field FIELD: "
                             "evaluating a log model needs session labels (give exactly one)")
    if all_sessions is not None and all_sessions not in ("normal", "anomaly"):
        raise HourglassError(f"--all-sessions: expected normal or anomaly, got {all_sessions!r}")
    table = None
    if labels is not None:
        table = read_session_labels(labels, id_col=id_col, label_col=label_col or "Label",
                                    table_ids=bool(pipe.features_.is_table))
    if label_field is not None:  # checked (and read) before the sessions are
        normal_values = list(normal) if normal else ["-", *DEFAULT_NORMAL]
        marked = pipe.features_.line_labels(data, label_field, normal_values)
    sessions = _read_sessions(pipe.features_, data, strict=strict, detector=pipe.detector_)
    n = len(sessions)
    capture = False  # a --labels file (or --label-field) of anomalous sessions alone
    field_seen = ""
    if label_field is not None:
        classes = np.array([next((marked[int(x)] for x in lines if int(x) in marked), normal_values[0])
                            for lines in sessions.lines], dtype=object)
        has = np.ones(n, dtype=bool)
    elif table is None:
        classes = np.full(n, all_sessions, dtype=object)
        normal_values = ["normal"]
        has = np.ones(n, dtype=bool)
    else:
        normal_values = list(normal) if normal else list(DEFAULT_NORMAL)
        table = table[table != ""]  # a blank label is no label (not an anomaly): left out
        if not len(table):
            raise HourglassError(f"--labels {labels}: no labelled rows (a header only, or every "
                                 "label blank)")
        table, normal_values = labels_by_value(table, normal_values)
        if not table.isin(normal_values).any():
            from hourglass.ingest.formats import other_spellings

            seen = sorted(set(table.tolist()))
            spelt = other_spellings(seen, normal_values)
            # --normal typed and no session has it: a capture of anomalous sessions alone, worth
            # evaluating (recall, detection per class), as evaluate takes such a table (it was
            # refused, advising the very --normal given); the default values, or one spelt
            # otherwise ('normal' for --normal NORMAL), are a slip, refused rather than hidden
            if not normal or spelt:
                raise HourglassError(f"--labels {labels}: no label in {normal_values}; values seen: "
                                     f"{', '.join(seen[:8])}{' ...' if len(seen) > 8 else ''} "
                                     f"(give --normal {spelt[0] if spelt else 'VALUE'})")
            capture = True
        mapped = pd.Series(sessions.ids, dtype=object).map(table)
        has = mapped.notna().to_numpy()
        if not has.any():
            raise HourglassError(f"--labels {labels}: none of the {n:,} sessions of {data} has a "
                                 f"label (session ids look like {sessions.ids[0]!r}, "
                                 f"{id_col} values like {table.index[0]!r})")
        classes = mapped[has].to_numpy(dtype=object)
    keep = np.flatnonzero(has)
    start = time.perf_counter()
    scores = pipe.detector_.score([sessions.sequences[i] for i in keep])
    flags = pipe.detector_.threshold_predict(scores)
    seconds = time.perf_counter() - start
    y = (~np.isin(classes, normal_values)).astype(np.int8)
    if label_field is not None and y.all() and all(int(x) in marked for lines in sessions.lines
                                                   for x in lines):
        # no line has a --normal value (BGL's '-' beside --normal normal): every session was an
        # anomaly, its figures n/a, without a word; said as for a --labels file: the default
        # values, or one spelt otherwise, refused; a --normal typed, a capture of anomalies
        from hourglass.ingest.formats import labels_seen, other_spellings

        seen = sorted({str(c) for c in classes})
        spelt = other_spellings(seen, normal_values)
        if not normal or spelt:
            raise HourglassError(f"{data}: no line has {label_field} in {normal_values}; "
                                 f"{labels_seen(seen, normal_values)} (give --normal "
                                 f"{spelt[0] if spelt else 'VALUE'})")
        capture, field_seen = True, labels_seen(seen, normal_values)
    if all_sessions is None and y.any():  # 'Normal' beside --normal normal: attacks, said as train says it
        from hourglass.cli.tables import label_counts, warn_other_spellings

        warn_other_spellings(label_counts(classes[y == 1]), normal_values,
                             label_field if label_field is not None else label_col or "Label",
                             f"--labels {labels}" if labels is not None else str(data), "sessions")
    metrics = evaluate_scores(y, scores, flags, classes=classes, normal=tuple(normal_values))
    unlabelled = [sessions.ids[i] for i in np.flatnonzero(~has)]
    summary: dict[str, Any] = {
        **metrics, "threshold": pipe.threshold_.describe(),
        "threshold_value": pipe.threshold_.value_, "sessions": n,
        "labelled_sessions": int(has.sum()), "unlabelled_sessions": len(unlabelled),
        "unlabelled_examples": unlabelled[:5],
        "labels": str(labels) if labels is not None else f"all {all_sessions}"
        if label_field is None else f"line field {label_field!r} (normal: {', '.join(normal_values)})",
        "parse": sessions.stats, "score_seconds": seconds,
        # as a table model's --json: what the threshold was fitted on, the flagged sessions' severities
        "threshold_fit": pipe.shown_threshold_fit(),
        "severity_counts": severity_counts(pipe.detector_.severity(scores), flags),
    }
    arrays = {"y": y, "score": scores, "flag": flags, "classes": classes, "normal": normal_values,
              # said by the caller once the options are checked (--report refuses one class)
              "warning": (f"--labels {shown(labels)}: no session has a label in {normal_values}"
                          if label_field is None else
                          f"{shown(data)}: no line has {label_field} in {normal_values} ({field_seen})")
                         + ": every session counts as an anomaly; precision, F1, FPR and the AUCs "
                         "need normal sessions (n/a)" if capture else None}
    return summary, arrays


def evaluate_notes(summary: dict[str, Any], data: Path, features: Any = None) -> list[str]:
    """Lines for stderr: parse counts (in the words of the model's ``features``: key files'
    lines that are no key sequence, event tables' rows) and sessions left out for want of a
    label."""
    lines = [_summary_line(summary["parse"], features)]
    if summary["unlabelled_sessions"]:
        lines.append(f"{summary['unlabelled_sessions']:,} of {summary['sessions']:,} sessions of "
                     f"{data} have no label in {summary['labels']}: left out of the metrics "
                     f"(e.g. {', '.join(summary['unlabelled_examples'][:3])})")
    return lines


def report_page(pipe: Pipeline, data: Path, summary: dict[str, Any], arrays: dict[str, Any], *,
                trained_on_it: bool = False) -> str:
    """The HTML evaluation report of a log model over its labelled sessions (``trained_on_it``:
    DATA is the model's training file, said on the page)."""
    from hourglass.evaluate.report import render_report

    page, _ = render_report(
        y_true=arrays["y"], scores=arrays["score"], y_pred=arrays["flag"],
        threshold=pipe.threshold_.value_, threshold_rule=pipe.threshold_.describe(),
        classes=arrays["classes"], normal=arrays["normal"], model_card=pipe.model_card(),
        data_name=f"{shown(data)} ({summary['labelled_sessions']:,} labelled sessions of "
                  f"{summary['sessions']:,})", unit="sessions",
        # sessions have no rate per day (train refuses budget:N/day for log models, evaluate
        # --events-per-day): the report says so instead of advising those options
        no_rate="log sessions come at no fixed rate; see alerts per 10k sessions",
        trained_on_it=trained_on_it,
        title=f"hourglass evaluation: {pipe.info.get('model', 'model')} on {shown_name(data)}")
    return page
