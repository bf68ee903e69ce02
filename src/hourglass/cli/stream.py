"""``hourglass stream``: score JSON lines as they arrive, one JSON alert per flagged row.

A reader thread reads the input line by line into a bounded queue; the main thread takes up to
``--batch`` lines, or whatever arrived within ``--max-delay-ms`` of the first line of a batch,
scores them through :class:`hourglass.serve.TableScorer` (the path ``hourglass serve`` uses) and
writes and flushes the alerts (a log model's lines go to :mod:`hourglass.cli.stream_logs`
instead, a time-series model's to :mod:`hourglass.cli.stream_series`). Memory is bounded by
the queue and one batch: nothing is kept across batches but the counters.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import io
import json
import logging
import os
import queue
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from hourglass._columns import QUOTED_TEXT, counted
from hourglass._eol import CrToLf, blank_line, without_boms
from hourglass._limits import MAX_JSON_DEPTH, MAX_LINE_BYTES, loads_json, too_long
from hourglass.cli._options import (
    AlertFormatOpt,
    GroupByOpt,
    GroupTimeOpt,
    GroupWindowOpt,
    IdleTimeoutOpt,
    LatenessOpt,
    MaxGroupsOpt,
    MaxSessionsOpt,
    ModelArg,
    QuietOpt,
    SqliteTableOpt,
    StreamBadRowsOpt,
    StreamDriftWindowOpt,
    alert_format_is_ecs,
    check_at_least,
    check_drift_window,
    check_idle_timeout,
    check_stream_output,
    group_columns,
    sqlite_table,
)
from hourglass.cli._output import (
    DISK_FULL,
    ENDING_SIGNALS,
    SHOWN_BAD_LINES,
    end_by_sigterm,
    err,
    interrupted,
    is_sigterm_handler,
    output_failed_text,
    setup_logging,
    skipped_lines_text,
    user_errors,
)
from hourglass.cli._spool import model_as_data
from hourglass.cli._suppress import SuppressOpt
from hourglass.cli.stream_series import absent_kept
from hourglass.errors import HourglassError, first_line, json_problem, no_file, read_problem

__all__ = ["LineBatcher", "SkippedLines", "skipped_before", "stream"]

_EOF = object()
_STOPPED = object()  # what a wait gives once SIGINT, SIGTERM or SIGHUP came (_stop_signals)
_STOP: dict[str, int | None] = {"signal": None, "noted": None}  # noted: when the last block ended
_READ_BYTES = 1 << 16
#: ``row N`` of a scorer's error, or a quoted value (the sender's text: ``found 'row 3'``), which
#: is neither the row nor rewritten; a quote opens one after no letter or digit (not "model's")
_ROW_REF = re.compile(f"({QUOTED_TEXT})" + r"|\brow (\d+)\b")


class LongLine(bytes):
    """A line longer than :data:`MAX_LINE_BYTES`: its first bytes, and its ``length``."""

    length: int

    def __new__(cls, head: bytes, length: int) -> LongLine:
        line = super().__new__(cls, head)
        line.length = length
        return line


class _InputEnd(bytes):
    """The mark a stream's batches end with where its format gathers lines into events (audit
    records): the events still open are completed there."""


_INPUT_END = _InputEnd()


def _ended(batches: Iterable[list[tuple[int, bytes]]], events: Any) -> Iterator[list[tuple[int, bytes]]]:
    """``batches``, then, with ``events``, one batch of :data:`_INPUT_END` at the end of the input
    (also on Ctrl-C, SIGTERM or a read error such as a truncated ``.gz``, before that is raised:
    the events of the lines read come out)."""
    if events is None:
        yield from batches
        return
    try:
        yield from batches
    except (KeyboardInterrupt, HourglassError):
        yield [(0, _INPUT_END)]
        raise
    yield [(0, _INPUT_END)]


def _line(head: bytes, length: int) -> bytes:
    """``head`` (a whole line, or its first bytes) as the line of ``length`` bytes it was."""
    return head if length <= MAX_LINE_BYTES else LongLine(head[:MAX_LINE_BYTES], length)


_CR_HEAD = 1 << 16  # the bytes of input that tell whether its lines end with a CR alone


class LineBatcher:
    """Lines read with ``read`` (e.g. ``os.read`` on a file descriptor) in batches of at most
    ``size`` lines, or fewer when no new line came within ``max_delay`` seconds of the batch's
    first line.

    A daemon thread reads into a queue of at most ``2 * size`` lines (the reader waits when the
    scorer falls behind), so a slow producer's rows are scored within the delay and a fast one's
    never pile up in memory. It reads the raw descriptor, not ``sys.stdin``'s buffered reader,
    whose lock a reader blocked at exit would hold. A read error ends the batches by raising it
    (after a batch of the lines read before it). With ``idle_tick``, an empty batch comes after
    that many seconds without a line (for work that is due with time, such as closing idle log
    sessions). Once SIGINT or SIGTERM came (noted by :func:`_stop_signals`), the lines already
    read come as batches, and then the signal as ``KeyboardInterrupt`` (:class:`Terminated` for
    SIGTERM).

    Examples
    --------
    >>> import io
    >>> batches = LineBatcher(io.BytesIO(b"a\\nb\\nc").read, size=2, max_delay=0.2)
    >>> [[line for _, line in b] for b in batches]
    [[b'a', b'b'], [b'c']]
    """

    def __init__(self, read: Callable[[int], bytes], size: int, max_delay: float,
                 idle_tick: float | None = None) -> None:
        self.size = size
        self.max_delay = max_delay
        self.idle_tick = idle_tick  # yield an empty batch after this long without a line
        self._queue: queue.Queue[object] = queue.Queue(maxsize=2 * size)
        self._stopped = threading.Event()  # the batches' consumer is gone: the reader ends
        self._thread = threading.Thread(target=self._read, args=(read,), daemon=True,
                                        name="hourglass-stream-reader")
        self._thread.start()

    def _read(self, read: Callable[[int], bytes]) -> None:
        try:
            rest: list[bytes] = []  # the pieces of a line not ended yet (joined once: a long
            size = 0  # line costs its length, not its length squared); and its length so far
            convert: Callable[[bytes], bytes] | None = None  # lines ended by a CR alone: made LF's
            told = 0  # the bytes read before an LF, or a CR, told how the lines end
            while chunk := read(_READ_BYTES):
                if told < _CR_HEAD:  # (as the file readers tell by a file's first 64 KiB)
                    if b"\n" in chunk:
                        told = _CR_HEAD
                    # a CR with text after it, or one that ends what came (a producer's first
                    # CR-ended line waited for the next line: a CR LF split here is one end too)
                    elif b"\r" in chunk:
                        convert, told = CrToLf(), _CR_HEAD
                        chunk, rest, size = b"".join(rest) + chunk, [], 0
                    else:
                        told += len(chunk)
                if convert is not None:
                    chunk = convert(chunk)
                    if not chunk:  # the LF of a CR LF split over two reads: no line of its own
                        continue
                if b"\n" not in chunk:
                    if size <= MAX_LINE_BYTES:  # past the limit its bytes are counted, not kept
                        rest.append(chunk)
                    size += len(chunk)
                    continue
                *lines, last = chunk.split(b"\n")
                first = size + len(lines[0])
                lines[0] = _line(b"".join([*rest, lines[0]]), first)
                rest, size = ([last], len(last)) if last else ([], 0)
                for line in lines:
                    if not self._put(_line(line, len(line)) if type(line) is bytes else line):
                        return
            if rest:  # the last line, no line break after it
                tail = b"".join(rest)
                if len(tail) == size:  # (whole): a DOS tool's Ctrl-Z end mark right after its
                    # text is no part of it, as the file readers leave it out ('{...}\x1a')
                    tail = tail.rstrip(b"\x1a")
                    size = len(tail)
                if not self._put(_line(tail, size)):
                    return
        except BaseException as exc:  # handed to the main thread, which reports it
            if not self._put(exc):
                return
        self._put(_EOF)

    def _put(self, item: object) -> bool:
        """Queue ``item`` for the batches, waiting while the queue is full; ``False`` (nothing
        queued) once :meth:`close` was called: a stream stopped by a bad line leaves no reader
        blocked on a full queue for the rest of the process."""
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def close(self) -> None:
        """Stop the reader: it reads no more once the read in hand returns (called when the
        batches' iteration ends, however it ends).

        Examples
        --------
        >>> import io
        >>> batches = LineBatcher(io.BytesIO(b"a\\n" * 1000).read, size=2, max_delay=0.2)
        >>> next(iter(batches))
        [(1, b'a'), (2, b'a')]
        >>> batches.close()
        >>> batches._thread.join(5); batches._thread.is_alive()
        False
        """
        self._stopped.set()

    def _get(self, timeout: float | None) -> object:
        """The next item; ``None`` when ``timeout`` passed first, ``_STOPPED`` once SIGINT or
        SIGTERM was noted. Waits in short steps so that a signal is seen at once."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            if _STOP["signal"] is not None:
                return _STOPPED
            step = 0.1 if end is None else min(0.1, end - time.monotonic())
            if step <= 0:
                return None
            try:
                return self._queue.get(timeout=step)
            except queue.Empty:
                continue

    def __iter__(self) -> Iterator[list[tuple[int, bytes]]]:
        try:
            yield from self._batches()
        finally:  # the consumer stopped (a bad line, an error, the end of input): no reader left
            self.close()

    def _batches(self) -> Iterator[list[tuple[int, bytes]]]:
        number = 0
        done = False
        failed: BaseException | None = None
        while not done:
            if failed is not None:  # the lines read before a read error were scored first
                raise failed
            item = self._get(self.idle_tick)
            if item is None:  # no line within idle_tick: an empty batch, for time-based work
                yield []
                continue
            batch: list[tuple[int, bytes]] = []
            deadline = time.monotonic() + self.max_delay
            while True:
                if item is _STOPPED:  # SIGINT, SIGTERM: the lines read so far are scored first
                    yield from self._rest(batch, number)
                    raise _stop_exception(_STOP["signal"])
                if item is _EOF:
                    done = True
                    break
                if isinstance(item, BaseException):
                    if not batch:
                        raise item
                    failed = item
                    break
                if item is not None:
                    number += 1
                    batch.append((number, item))  # type: ignore[arg-type]
                if len(batch) >= self.size:
                    break
                try:  # what is already queued costs no wait, even once the delay is over (a
                    item = self._queue.get_nowait()  # backlog goes in full batches, not by the line)
                    continue
                except queue.Empty:
                    pass
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                item = self._get(left)
                if item is None:
                    break
            if batch:
                yield batch

    def _rest(self, batch: list[tuple[int, bytes]], number: int) -> Iterator[list[tuple[int, bytes]]]:
        """``batch`` and the lines queued now (at most a queue's worth: a producer that never
        stops cannot hold the stream), in batches of at most ``size`` lines."""
        for _ in range(self._queue.maxsize):
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _EOF or isinstance(item, BaseException):
                break
            number += 1
            batch.append((number, item))  # type: ignore[arg-type]
        for i in range(0, len(batch), self.size):
            yield batch[i:i + self.size]


def _numbered(rows: list[dict[str, Any]], lines: list[int], malformed: list[int],
              before: int) -> dict[int, int]:
    """Each of a batch's parsed ``rows`` (by ``id``: the lists that leave rows out keep the
    objects) with its data row, from 0: ``before`` (the data rows of the batches before) plus the
    batch's rows and ``malformed`` lines (in order) before it; ``lines``: the rows' input lines.
    What an alert's ``row`` says: a skipped line keeps its number, unused.

    Examples
    --------
    >>> rows = [{"a": 1}, {"a": 2}, {"a": 3}]
    >>> sorted(_numbered(rows, [1, 3, 5], [2, 4], 10).values())
    [10, 12, 14]
    """
    if not malformed:
        return {id(r): before + i for i, r in enumerate(rows)}
    return {id(r): before + i + bisect.bisect_left(malformed, line)
            for i, (r, line) in enumerate(zip(rows, lines, strict=True))}


class SkippedLines(list[int]):
    """The line numbers a stream skipped (``--on-bad-rows skip``), for its summary: ``len`` is how
    many, the items the first :data:`~hourglass.cli._output.SHOWN_BAD_LINES` of them in order
    (all that :func:`~hourglass.cli._output.skipped_lines_text` names). A stream that skips a
    line in ten for weeks keeps no more than these (a list of every number grew without end).

    Examples
    --------
    >>> bad = SkippedLines()
    >>> bad.extend([30, 12, *range(100, 200), 5])
    >>> len(bad), bad[:4], skipped_lines_text(bad)[:34]
    (103, [5, 12, 30, 100], 'skipped 103 malformed line(s) (lin')
    """

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def append(self, line: int) -> None:
        self.total += 1
        kept = super().__len__()
        if kept < SHOWN_BAD_LINES or line < self[-1]:
            bisect.insort(self, line, 0, kept)  # (bounds given: len() is the count)
            if kept == SHOWN_BAD_LINES:
                self.pop()

    def extend(self, lines: Iterable[int]) -> None:
        for line in lines:
            self.append(line)

    def __len__(self) -> int:
        return self.total


class Terminated(KeyboardInterrupt):
    """SIGTERM (``systemctl stop``, ``docker stop``) or SIGHUP (a closed terminal) during a
    stream: it ends as Ctrl-C ends it (the lines read scored, open groups written, the summary),
    then the process ends by that signal (``signum``)."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop_exception(signum: int | None) -> KeyboardInterrupt:
    """What a noted signal ends the stream with: :class:`Terminated` for SIGTERM and SIGHUP,
    ``KeyboardInterrupt`` for Ctrl-C."""
    return Terminated(signum) if signum in ENDING_SIGNALS else KeyboardInterrupt()


def _note_signal(signum: int, frame: object) -> None:
    """SIGINT, SIGTERM or SIGHUP while a stream runs: noted for the batcher; a second one stops
    at once."""
    if _STOP["signal"] is not None:
        raise _stop_exception(signum)
    _STOP["signal"] = signum


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGINT (Ctrl-C), SIGTERM and SIGHUP noted instead of raised while the block runs, so that no batch
    is cut off while it is scored or written (a half-written alert line); the
    :class:`LineBatcher` ends the stream at its next wait. A signal the process ignores (SIGINT
    of a background job) stays ignored; the handlers before are put back after the block."""
    _STOP["noted"] = None
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, *ENDING_SIGNALS)}
    wanted = {signal.SIGINT: signal.default_int_handler, **dict.fromkeys(ENDING_SIGNALS, signal.SIG_DFL)}
    _STOP["signal"] = None
    try:
        for s, handler in before.items():
            if handler is wanted[s] or is_sigterm_handler(handler):
                signal.signal(s, _note_signal)
        yield
    finally:
        for s, handler in before.items():
            if handler is wanted[s] or is_sigterm_handler(handler):
                signal.signal(s, handler)
        _STOP["noted"], _STOP["signal"] = _STOP["signal"], None  # (the caller may still want it)


def _end_by_sigterm(signum: int) -> None:
    """End the process by SIGTERM, or SIGHUP (:func:`~hourglass.cli._output.end_by_sigterm`),
    once the summary and the output are out."""
    end_by_sigterm(signum)
    raise typer.Exit(128 + signum)  # not reached where the signal ends the process


def _line_reading(pipeline: Any) -> tuple[Any, Any]:
    """How a stream reads the input lines of ``pipeline``'s model, as ``score`` read its file:
    the format spec (CEF/LEEF/kv/PAN-OS/audit lines; Okta/Entra JSON events; ``None``: plain JSON
    rows) and, for audit records, what gathers them into events (else ``None``)."""
    from hourglass.ingest.formats import event_format, line_format

    dataset = pipeline.info.get("dataset")
    spec = line_format(dataset) or event_format(dataset)
    return spec, getattr(spec, "events", lambda: None)()


def _parse(batch: list[tuple[int, bytes]], where: str, on_bad_rows: str,
           bad: list[int], line_spec: Any = None, events: Any = None,
           previous: list[Any] | None = None,
           ) -> tuple[list[dict[str, Any]], list[int], HourglassError | None]:
    """The rows of a batch and their line numbers (blank lines skipped); with ``on_bad_rows``
    ``error`` the rows before the first bad line and the error, with ``skip`` every good row
    (bad line numbers appended to ``bad``). With ``line_spec``, a format of one record a line
    (:func:`~hourglass.ingest.formats.line_format`: the model's ``cef``, ``leef``, ``panos``,
    ``kv``, ``auditd``), the lines are such records, not JSON; with a format of JSON events of its
    own (:func:`~hourglass.ingest.formats.event_format`: ``okta``, ``entra-signin``,
    ``k8s-audit``, ``gcp-audit``, ``cloudtrail``) each JSON object is passed through its ``expand``,
    as the file was read: a page (an Event Hub message ``{"records": [...]}``, a Graph page, an Okta
    array, a Kubernetes ``EventList``, a ``gcloud`` array, a CloudTrail file's ``{"Records": [...]}``)
    gives its events, each at the page's line; a record of another kind (an Entra ``AuditLogs``
    record, an Okta Event Hook delivery, a Kubernetes core ``Event``, a Cloud Logging entry with a
    ``jsonPayload``, an EventBridge event) is a bad line,
    named. With ``events`` (the format's ``events()``: audit records) the records are gathered
    into events: the rows are the events completed, each at the line of its first record; before
    a bad line that stops the stream, and at :data:`_INPUT_END`, the events still open are
    completed. ``previous`` holds the last plain JSON row read (its one item, kept from batch to
    batch by the caller): ``log show --style ndjson``'s closing count after a unified log event
    (:func:`~hourglass.ingest.tables.log_show_end`) is no row, as the file reader leaves it out."""
    from hourglass.ingest.cef import JSON_LINE_HINT, _utf8, json_line, record_noun
    from hourglass.ingest.tables import (
        LOG_BANNER,
        document_refusal,
        flat_record,
        log_show_end,
        pretty_json_command,
        pretty_json_refusal,
        splunk_note,
    )

    parse = getattr(line_spec, "parse", None)
    expand = getattr(line_spec, "expand", None) if parse is None else None
    # a blank line, or one a format's tools write between records (ausearch's '----')
    no_record = getattr(line_spec, "no_record", None) if parse is not None else None

    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    last = previous if previous is not None else [None]  # (the last plain JSON row)
    undecodable: list[int] = []  # lines with bytes that are no UTF-8 (read with U+FFFD), said once
    # no line but blank ones read yet: the first that is not tells a pretty-printed document, as
    # score's first line that is not blank does (a '[' after a blank line was a bad line, which
    # skip mode skipped, streaming the array's last object, alone on its line, as a row)
    leading = bool(batch) and batch[0][0] == 1

    def completed(done: list[tuple[int, dict[str, Any]]]) -> None:
        for line, event in done:
            rows.append(event)
            lines.append(line)

    from hourglass.cli._skip import SKIP_ADVICE

    for number, raw in batch:
        row: Any = None
        document = False
        # what score adds to such a line's error (skip helps: the line alone is bad), not to one
        # that says the input is of another kind (a CSV header, a pretty-printed document)
        advice = SKIP_ADVICE
        if raw is _INPUT_END:
            completed(events.close())
            continue
        if number == 1 and type(raw) is bytes:  # a byte-order mark alone on line 1 is blank
            raw = without_boms(raw)
        if isinstance(raw, LongLine):
            problem: str | None = too_long(raw.length, MAX_LINE_BYTES)
        elif (blank_line(raw) or (no_record is not None and no_record(raw))
              or (parse is None and expand is None and raw.startswith(LOG_BANNER))):  # (macOS log's)
            if events is not None and not blank_line(raw):  # ausearch's '----': the event before
                completed(events.between())  # it, whole
            leading = leading and blank_line(raw)
            continue
        elif parse is not None:
            row = parse(raw)
            advice = ""  # (said inside the parentheses, as score says it)
            problem = None if row is not None else (f"not a {record_noun(line_spec.name)} record "
                                                    f"(expected '{line_spec.expected}'; use --on-bad-rows "
                                                    "skip to skip such lines)"
                                                    + (JSON_LINE_HINT.replace(" FILE", "")
                                                       if json_line(raw) else _tail_header_hint(raw)))
            if row is not None and type(raw) is bytes and not raw.isascii() and not _utf8(raw):
                undecodable.append(number)
        else:
            try:
                # UTF-8 (a BOM dropped), as the reader gives every input: json.loads of bytes
                # guesses UTF-16/32 per line from NULs, so a NUL-led line was named by a UTF-32
                # codec and a UTF-16 line read as a row that 'score' refuses
                row = loads_json(raw.decode("utf-8-sig", "surrogatepass"))
                if b"\\ud" in raw.lower():  # a lone surrogate (\ud800) is no UTF-8 character:
                    from hourglass.ingest.tables import no_lone_surrogates  # (pandas: loaded already)

                    row = no_lone_surrogates(row)  # one such field stopped the stream
                problem = None if isinstance(row, dict) else f"expected a JSON object, got {_kind(row)}"
                if isinstance(row, list) and row and isinstance(row[0], dict):
                    problem = ("expected a JSON object, got an array of objects (send one object a "
                               "line, JSON lines: jq -c '.[]')")
                    # no bad line but events, all of them in this one (a REST API's response saved
                    # whole, Kismet's alerts/all_alerts.json): skipping it, as score's advice said,
                    # left every one out ('streamed 0 rows ... skipped 1 malformed line(s)')
                    advice = ""
            except UnicodeDecodeError as exc:  # (a ValueError) a line of bad bytes worded as score
                # words it, not by the codec ("'utf-8' codec can't decode byte 0xff ..."); input of
                # another kind (Parquet, gzip twice, binary) is said so at line 1, as before
                from hourglass.ingest.tables import not_utf8_how

                hint = _table_hint(raw, number)
                advice = ""  # (said inside the parentheses, after how to convert, as score says it)
                problem = f"not valid JSON ({json_problem(exc)}){hint}" if hint else \
                    f"undecodable bytes (not UTF-8) ({not_utf8_how(raw)}; or use --on-bad-rows skip to " \
                    "skip such rows)"
            except ValueError as exc:  # also a number of more digits than Python reads
                jq = pretty_json_command(raw) if leading else None
                document = jq is not None  # line 1 opens a pretty-printed document: said as score says it
                hint = "" if document else _tail_header_hint(raw) or _table_hint(raw, number)
                advice = "" if document or hint else advice
                problem = pretty_json_refusal(jq) if jq is not None else \
                    f"not valid JSON ({json_problem(exc)}){hint}"
            except RecursionError:  # ~1,000 arrays or objects deep (one line could stop the stream)
                problem = f"JSON nested deeper than {MAX_JSON_DEPTH} levels"  # (as score says it)
            if expand is not None and isinstance(row, (dict, list)):
                try:  # a page (Event Hub message, Graph page, Okta array): its events, as a file's
                    row, problem = expand(row), None
                except ValueError as exc:
                    problem = str(exc)
        leading = False
        if (problem is None and parse is None and expand is None and isinstance(row, dict)
                and "preview" in row and (note := splunk_note(row)) is not None):
            # a Splunk export's message line: no event (streamed, a row of nothing, or refused)
            logging.getLogger("hourglass").warning(
                "%s: line %d: Splunk's export message, no event, left out%s", where, number,
                f" ({note})" if note else "")
            continue
        if (problem is None and parse is None and expand is None and isinstance(row, dict)
                and (refusal := document_refusal(row)) is not None):
            # an Elasticsearch search response, a Splunk search's results, a Kubernetes list, a
            # SaaS API's page: every event in this one line, as score refuses it (skip mode too:
            # no bad line, but the input of another kind)
            problem, document, advice = refusal, True, ""
        if problem is None:
            if events is not None:
                completed(events.add(row, number))
                continue
            if parse is None and expand is None:  # a plain JSON row
                if "finished" in row and log_show_end(row, last[0]):
                    continue  # (log show's count of the events it wrote: no event)
                last[0] = row
            # source.ip for --keep and --group-by, as a file is read (a line format's rows are flat);
            # a page's events each at the page's line
            for one in row if expand is not None else [row]:
                rows.append(one if parse is not None else flat_record(one))
                lines.append(number)
        elif on_bad_rows == "skip" and not document:
            # (line 1 opening a pretty-printed document is refused as in error mode, as score
            # refuses such a file: its other lines are no bad records, and one that parses alone,
            # an array's last object on a line of its own, was streamed as the input's one row)
            bad.append(number)
        else:
            if events is not None:  # the events of the records before the bad line go out
                completed(events.close())
            _say_undecodable(where, undecodable)
            return rows, lines, HourglassError(f"{where}: line {number}: {problem}{advice}")
    _say_undecodable(where, undecodable)
    return rows, lines, None


def skipped_before(bad: list[int], skipped: list[int], problem: Exception | None, where: str) -> None:
    """Count ``skipped``, the lines of a batch left out (``--on-bad-rows skip``), into ``bad``;
    when ``problem``, the error that stops the stream within the batch (a ``--keep`` field
    missing), names its line, only those before it: the lines after it were read with the batch
    but never reached, and the summary counted them as skipped (``--batch 1`` did not).

    Examples
    --------
    >>> bad = []
    >>> skipped_before(bad, [2, 9], HourglassError("--keep: no field 'ip' on x.jsonl line 5"), "x.jsonl")
    >>> bad
    [2]
    >>> skipped_before(bad, [7], None, "x.jsonl"); bad
    [2, 7]
    """
    stop = None
    if problem is not None:
        m = re.search(rf"{re.escape(where)}:? line (\d+)\b", str(problem))  # (FILE: line N, on FILE line N)
        stop = int(m.group(1)) if m else None
    bad.extend(line for line in skipped if stop is None or line < stop)


def _say_undecodable(where: str, numbers: list[int]) -> None:
    """One warning for a batch's lines whose bytes are no UTF-8 (``numbers``), as the file
    reader gives one for a file's."""
    if numbers:
        logging.getLogger("hourglass").warning(
            "%s: %d line(s) hold bytes that are no UTF-8 (first: line %d), read with U+FFFD in their "
            "place", where, len(numbers), numbers[0])


_TAIL_HEADER = re.compile(rb"==> .+ <==\s*")


def _tail_header_hint(raw: bytes) -> str:
    """A hint for the line ``==> NAME <==`` that ``tail`` writes before the lines of each file
    when it follows several (``tail -F conn.log dns.log | hourglass stream M``), at any line;
    else ``""``.

    Examples
    --------
    >>> _tail_header_hint(b"==> /var/log/zeek/conn.log <==")[:52]
    "; the line is the header 'tail' writes between the l"
    >>> _tail_header_hint(b'{"a": 1'), _tail_header_hint(b"==> x")
    ('', '')
    """
    if not _TAIL_HEADER.fullmatch(bytes(raw[:4096])):
        return ""
    return ("; the line is the header 'tail' writes between the lines of the files it follows "
            "(tail -F FILE1 FILE2): run it with -q, which leaves the headers out "
            "(tail -q -F FILE1 FILE2 | hourglass stream ...)")


def _table_hint(raw: bytes, number: int) -> str:
    """A hint for line 1 of a CSV or TSV file (its header) or of a Parquet file, which stream
    does not read (``cat flows.csv | hourglass stream M``, ``--input flows.parquet``), as
    ``score`` does; else ``""``.

    Examples
    --------
    >>> _table_hint(b"bytes,pkts,proto", 1)[:46]
    '; the line looks like the header of a CSV file'
    >>> _table_hint(b"PAR1", 1)[:43]
    '; the input is a Parquet file: stream reads'
    >>> _table_hint(b'"bytes","pkts","proto"', 1)[:46]  # quoted names (R's write.csv, Excel)
    '; the line looks like the header of a CSV file'
    >>> _table_hint(b"bytes,pkts,proto", 2), _table_hint(b'{"a": 1,', 1), _table_hint(b"oops", 1)
    ('', '', '')
    >>> _table_hint(b'"a": "x", "b": "y"}', 1)  # JSON whose opening brace is lost: no table
    ''
    >>> _table_hint(b"\\x1f\\x8b\\x08\\x00", 1)[:42]  # gzip input is decompressed: this is gzip again
    '; the input is gzip-compressed twice (gzip'
    >>> _table_hint(bytes(range(1, 20)) + b"\t,", 1)  # random bytes: no TSV header
    '; the input is binary data, not JSON lines'
    >>> _table_hint(b"version account-id interface-id srcaddr dstaddr action log-status", 1)[:66]
    '; the line looks like an AWS VPC flow log: stream reads JSON lines'
    >>> _table_hint(b"081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1", 1)[:51]
    "; the line looks like a log line ('hdfs' header): t"
    """
    if number != 1:
        return ""
    head = without_boms(bytes(raw[:4096])).strip()
    todo = ("score it with 'hourglass score', or send its rows as JSON lines (one object a line)")
    if head.startswith(b"PAR1"):
        return f"; the input is a Parquet file: stream reads JSON lines; {todo}"
    if head.startswith(b"\x1f\x8b"):
        return ("; the input is gzip-compressed twice (gzip data inside the gzip data), and stream "
                "decompresses it once: decompress it once first (zcat FILE | hourglass stream ...)")
    from hourglass.ingest.tables import looks_binary  # (pandas: loaded already)

    if looks_binary(head):  # (as a file given to score is refused)
        return "; the input is binary data, not JSON lines"
    if not head or head[:1] in b"{[" or b"{" in head:
        return ""
    from hourglass.ingest.flows import AWS_VPC_FLOW, ZEEK_CONN

    # raw lines of a text format score reads but stream does not (a VPC flow log's header or
    # record, a Zeek TSV log's '#separator'): named with the --format that reads them, where
    # they got "not valid JSON" alone (a Zeek line of tabs: the advice of a TSV header)
    for spec, what in ((AWS_VPC_FLOW, "an AWS VPC flow log"), (ZEEK_CONN, "a Zeek TSV log")):
        with contextlib.suppress(Exception):  # (a sniffer that chokes on the line: no match)
            if spec.sniff(head + b"\n"):
                return (f"; the line looks like {what}: stream reads JSON lines; score it with "
                        f"'hourglass score --format {spec.name}', or send its rows as JSON lines "
                        "(one object a line)")
    # a raw log line (HDFS, BGL, syslog): a log model's stream reads those, this one JSON rows,
    # and '--on-bad-rows skip' would skip every line (a CEF or LEEF line behind a syslog header
    # is a table format's record: not told as a log)
    from hourglass.ingest.logs import log_header_of

    text = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if b"CEF:" not in head and b"LEEF:" not in head and (name := log_header_of(text)) is not None:
        return (f"; the line looks like a log line ({name!r} header): this model's stream reads "
                "JSON rows; a log needs a log model (train --format hdfs, bgl, syslog, journald, "
                "raw or a header regex, --model deeplog ...), whose stream reads its lines")
    quoted = head[:1] == b'"'  # a header whose names are quoted: "bytes","pkts" (not JSON text)
    if quoted and (b'":' in head or b"}" in head):  # an object's fields without its brace
        return ""
    for sep, kind in ((b"\t", "TSV"), (b",", "CSV")):
        if (b'"' + sep if quoted else sep) in head:
            return f"; the line looks like the header of a {kind} file: stream reads JSON lines; {todo}"
    return ""


def _stdin_reader() -> Callable[[int], bytes]:
    """Reads of standard input's file descriptor (no lock held in Python's buffered reader by a
    read that blocks at exit); the buffered reader's where stdin is no real file (test runners).
    A process without standard input (started with it closed: ``<&-``) is one line."""
    if sys.stdin is None:
        raise HourglassError("no standard input: this process was started with it closed; pipe "
                             "the lines in, or give --input FILE")
    try:
        read = _reads(functools.partial(os.read, sys.stdin.fileno()), "<stdin>")
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last two
        buffer = sys.stdin.buffer
        read = _reads(getattr(buffer, "read1", buffer.read), "<stdin>")
    return _gunzip_if_gzip(read, "<stdin>")


def _at_least(least: int, head: bytes, read: Callable[[int], bytes], n: int) -> bytes:
    """``head``, the first bytes read, with more reads of ``n`` until it holds ``least`` bytes, a
    line's end, or the input ends (a pipe may give a byte at a time)."""
    while 0 < len(head) < least and b"\n" not in head:
        more = read(n)
        if not more:
            break
        head += more
    return head


def _gunzip_if_gzip(read: Callable[[int], bytes], name: str) -> Callable[[int], bytes]:
    """``read`` of a pipe, decompressed when its first bytes are gzip's (``stream < log.gz``, as
    ``score -`` and ``--input FILE`` read one; the stream stopped at line 1, "not valid JSON");
    the first read happens at the first call (in the reader's thread), not here. A truncated or
    corrupt stream is one line naming the input, and so is one compressed otherwise (bzip2, xz,
    zstd, zip: its bytes were read as lines). UTF-16 with a byte-order mark is decoded to UTF-8.

    Examples
    --------
    >>> import gzip, io
    >>> r = _gunzip_if_gzip(io.BytesIO(gzip.compress(b"a\\n") + gzip.compress(b"b\\n")).read, "x")
    >>> r(100), r(100), r(100)
    (b'a\\n', b'b\\n', b'')
    >>> _gunzip_if_gzip(io.BytesIO(b"plain\\n").read, "x")(100)
    b'plain\\n'
    """
    import gzip
    import zlib

    state: dict[str, Any] = {}

    class _Rest:  # what GzipFile reads: the bytes already read first, then the pipe
        def __init__(self, head: bytes) -> None:
            self.head = head

        def read(self, n: int = -1) -> bytes:
            if self.head:  # at most n bytes: the gzip reader reads its header 2 and 8 at a time
                cut = len(self.head) if n < 0 else n
                out, self.head = self.head[:cut], self.head[cut:]
                return out
            return read(n if n > 0 else 1 << 16)

    def first(n: int) -> bytes:
        # the magics need up to six bytes; a pipe may give fewer (a short first line: no magic)
        head = _at_least(6, read(n), read, n)
        _refuse_packed(head, name)
        _refuse_tar(head, name)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte-order mark, decoded as
            state["read"] = _utf16_reads(head, read)  # --input FILE decodes it (its first line
            return checked(n)  # was read by json's own guess, then "line 2: not valid JSON")
        if head[:2] != b"\x1f\x8b":
            state["read"] = read
            return head
        unpacked = gzip.GzipFile(fileobj=_Rest(head), mode="rb").read1  # type: ignore[call-overload]
        state["read"] = unpacked
        # the mark needs two bytes; a slow pipe's first decompressed chunk may be one
        text = _at_least(2, checked(n), checked, n)
        _refuse_tar(text, name)
        if text[:2] in (b"\xff\xfe", b"\xfe\xff"):  # a gzip-compressed UTF-16 file (as above)
            state["read"] = _utf16_reads(text, unpacked)
            return checked(n)
        return text

    def checked(n: int) -> bytes:
        try:
            return state["read"](n)
        except (EOFError, OSError, zlib.error) as exc:
            raise HourglassError(f"{name}: cannot read the gzip stream ({exc})") from None

    return lambda n: checked(n) if "read" in state else first(n)


def _utf16_reads(head: bytes, read: Callable[[int], bytes]) -> Callable[[int], bytes]:
    """Reads of a UTF-16 pipe (its first bytes ``head``, byte-order mark first) as UTF-8 bytes,
    bad code units replaced, as ``--input FILE`` reads a UTF-16 file.

    Examples
    --------
    >>> import io
    >>> data = "a=é\\n".encode("utf-16")
    >>> r = _utf16_reads(data[:3], io.BytesIO(data[3:]).read)
    >>> r(100), r(100), r(100)
    (b'a=\\xc3\\xa9\\n', b'', b'')
    """
    import codecs

    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    pending = [head]

    def decoded(n: int) -> bytes:
        while True:
            raw = pending.pop() if pending else read(n)
            text = decoder.decode(raw, final=not raw)
            if text or not raw:
                return text.encode("utf-8")

    return decoded


def _refuse_packed(head: bytes, name: str) -> None:
    """One line naming the input when its first bytes, ``head``, are those of a compression
    other than gzip (bzip2, xz, zstd, zip): its bytes would be read as lines."""
    from hourglass.ingest.logs import compressed_kind

    packed = compressed_kind(head[:6])
    if packed is not None:
        raise HourglassError(f"{name}: {packed[0]}-compressed, and only gzip is read directly; "
                             f"decompress it first and pipe the text in (e.g. {packed[1]} FILE | "
                             "hourglass stream MODEL)")


def _refuse_tar(head: bytes, name: str) -> None:
    """One line naming the input when its first bytes as read, ``head`` (decompressed), start a
    tar archive (its header was read as a line; a live stream is not held for the 512 bytes
    that tell it: a first read shorter than a tar header is taken as text)."""
    from hourglass.ingest.logs import tar_member

    member = tar_member(head)
    if member is not None:
        raise HourglassError(f"{name}: a tar archive (its first file: {member}); extract the file "
                             f"and pipe its text in (e.g. tar -xOf FILE {member} | hourglass stream "
                             "MODEL)")


def _reads(read: Callable[[int], bytes], name: str) -> Callable[[int], bytes]:
    """``read``, an error of which (a disk's I/O error, a stale NFS handle, a descriptor left
    non-blocking by another process) is one line naming the input, not a traceback."""

    def checked(n: int) -> bytes:
        try:
            return read(n)
        except OSError as exc:
            raise HourglassError(f"{name}: cannot read ({read_problem(exc)})") from None

    return checked


def _input_reader(path: Path) -> Callable[[int], bytes]:
    """Reads of ``--input``: a named pipe or a file as it is, a gzip-compressed file decompressed
    and a UTF-16 one (with a byte-order mark) decoded (as 'score' reads them, whatever the name:
    UTF-8 bytes out); a truncated or corrupt gzip stream, or a file compressed otherwise (bzip2,
    xz, zstd, zip), is one line naming ``--input`` (a missing file or a directory is refused
    before, by ``_open``).

    Examples
    --------
    >>> import gzip, tempfile
    >>> p = Path(tempfile.mkdtemp()) / "log.gz"
    >>> _ = p.write_bytes(gzip.compress(b"line 1\\nline 2\\n"))
    >>> _input_reader(p)(100)
    b'line 1\\nline 2\\n'
    """
    name = f"--input {path}"
    fd = None
    try:  # a socket, a device without its hardware (/dev/tty without a terminal): one line
        fd = os.open(path, os.O_RDONLY)
        head = os.pread(fd, 6, 0) if path.is_file() else b""
    except OSError as exc:
        if fd is not None:
            os.close(fd)
        raise HourglassError(f"{name}: cannot read ({read_problem(exc)})") from None
    try:  # a file's now, before the output is opened (a named pipe's at its first read)
        _refuse_packed(head, name)
    except HourglassError:
        os.close(fd)
        raise
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte-order mark (Windows tools)
        text = io.TextIOWrapper(os.fdopen(fd, "rb"), encoding="utf-16", errors="replace", newline="")
        return InputFile(_reads(lambda n: text.read(max(n // 4, 1)).encode("utf-8"), name), text.close)
    # gzip told by the first bytes as they come, a file's as a named pipe's
    return InputFile(_gunzip_if_gzip(_reads(functools.partial(os.read, fd), name), name),
                     functools.partial(os.close, fd))


class InputFile:
    """Reads of a file that ``stream --input`` opened (``read``), and its :meth:`close`
    (``release``: the descriptor's), which the command calls however it ends: each run left its
    descriptor open, one more for each stream run in a process.

    A read in progress in the reader's thread (a named pipe's, which may wait for its writer)
    keeps the descriptor until it returns: it is released then, and a later read is the end of
    input (a descriptor closed under a read could be another file's by its next read).

    Examples
    --------
    >>> import io
    >>> released = []
    >>> reads = InputFile(io.BytesIO(b"a\\nb\\n").read, lambda: released.append(1))
    >>> reads(2)
    b'a\\n'
    >>> reads.close(); reads.close()
    >>> reads(2), released
    (b'', [1])
    """

    def __init__(self, read: Callable[[int], bytes], release: Callable[[], None]) -> None:
        self._read = read
        self._release = release
        self._lock = threading.Lock()
        self._reading = False
        self._closed = False
        self._released = False

    def __call__(self, n: int) -> bytes:
        with self._lock:
            if self._closed:
                return b""
            self._reading = True
        try:
            return self._read(n)
        finally:
            with self._lock:
                self._reading = False
                if self._closed:
                    self._free()

    def close(self) -> None:
        """Release the file now, or when the read in progress returns."""
        with self._lock:
            self._closed = True
            if not self._reading:
                self._free()

    def _free(self) -> None:  # (under the lock) once
        if not self._released:
            self._released = True
            with contextlib.suppress(OSError):
                self._release()


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with each nested object's fields as keys of their own (``source.ip``) and each
    array as its JSON text, as a JSON-lines file is read for ``train`` and ``score``
    (:func:`hourglass.ingest.tables.flatten_json`)."""
    from hourglass.ingest.tables import flat_record, has_nested

    if not has_nested(row):
        return row

    return {k: json.dumps(v, sort_keys=True) if isinstance(v, list) else v
            for k, v in flat_record(row).items()}


def _kind(value: object) -> str:
    return {list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


def _line_message(exc: Exception, where: str, lines: list[int]) -> str:
    """A scorer error about ``row i`` of a batch, told as the input line it came from."""
    text = first_line(exc, type(exc).__name__)

    def line(m: re.Match[str]) -> str:
        if m.group(1):  # a quoted value: kept
            return m.group(1)
        i = int(m.group(2)) - 1
        return f"line {lines[i]}" if 0 <= i < len(lines) else m.group(0)

    return f"{where}: {_ROW_REF.sub(line, text)}"


def _without_keyless(scorer: Any, rows: list[dict[str, Any]], lines: list[int], skipped: Any,
                     ) -> tuple[list[dict[str, Any]], list[int]]:
    """``rows`` (and their ``lines``) less those without a model column (``--on-bad-rows skip``:
    their lines appended to ``skipped``), found in one pass: a batch with many of them cost a
    scoring attempt of the whole batch per such row (quadratic: 100 rows/s for half of 4,096)."""
    from hourglass.errors import InputError

    try:
        keyless = scorer.keyless_rows([_flat(r) for r in rows]) if rows else []
    except InputError:  # (refused otherwise: the scoring below names the row)
        return rows, lines
    if not keyless:
        return rows, lines
    skipped.extend(lines[i] for i in keyless)
    drop = set(keyless)
    kept = [i for i in range(len(rows)) if i not in drop]
    return [rows[i] for i in kept], [lines[i] for i in kept]


def _score_before_bad(score: Callable[[list[dict[str, Any]]], dict[str, Any]],
                      rows: list[dict[str, Any]], lines: list[int], where: str,
                      skipped: list[int] | None = None,
                      unreadable: Callable[[list[dict[str, Any]]], list[int]] | None = None,
                      ) -> tuple[list[dict[str, Any]], list[int], dict[str, Any] | None,
                                 HourglassError | None]:
    """Score a batch's rows; when the scorer refuses one (a missing column, text in a numeric
    one), the rows before it are scored instead and the error comes back with them, so their
    alerts are written before the stream stops, as for a malformed line. With ``skipped``
    (``--on-bad-rows skip``) a refused row is left out instead (its line appended to
    ``skipped``) and the others are scored; ``unreadable`` (the scorer's
    :meth:`~hourglass.serve.TableScorer.unreadable_rows`) then finds every row with text in a
    numeric column at once, so a batch with many of them is not scored again per such row."""
    from hourglass.errors import InputError

    problem = None
    while rows:
        try:
            return rows, lines, score(rows), problem
        except InputError as exc:
            m = next((m for m in _ROW_REF.finditer(str(exc)) if m.group(2)), None)  # (not a value's)
            i = int(m.group(2)) - 1 if m else -1
            drop = set(unreadable(rows)) if skipped is not None and unreadable is not None else set()
            if skipped is not None and drop:  # every such row left out in one pass
                skipped.extend(lines[j] for j in sorted(drop))
                kept = [j for j in range(len(rows)) if j not in drop]
                rows, lines = [rows[j] for j in kept], [lines[j] for j in kept]
                continue
            if skipped is not None:
                if not 0 <= i < len(rows):  # no row named: each row alone, in order
                    return _score_each(score, rows, lines, skipped)
                skipped.append(lines[i])
                rows, lines = rows[:i] + rows[i + 1:], lines[:i] + lines[i + 1:]
                continue
            problem = HourglassError(_line_message(exc, where, lines) + _skip_advice(exc, i, len(rows)))
            i = i if 0 < i < len(rows) else 0
            rows, lines = rows[:i], lines[:i]
    return rows, lines, None, problem


def _skip_advice(exc: Exception, i: int, n: int) -> str:
    """What a scorer's refusal of the batch's row ``i`` (of ``n``) adds, as ``score`` says it:
    how to skip such rows, where it is one row's value (text in a numeric column, a missing
    or infinite one, a model column sent as a JSON object) that ``--on-bad-rows skip`` leaves
    out; else nothing (a number written with a decimal comma, ``'1,5'``: a regional export's
    every number, which skipping would leave out, as ``score`` leaves the advice out there)."""
    from hourglass.cli._skip import SKIP_ADVICE
    from hourglass.cli.tables import _BAD_VALUE
    from hourglass.features.roles import SEPARATED_NUMBERS

    text = str(exc)
    one_row = ((_BAD_VALUE.search(text) is not None and SEPARATED_NUMBERS not in text)
               or "as a nested object, read as its fields" in text)
    return SKIP_ADVICE if one_row and 0 <= i < n else ""


def _score_each(score: Callable[[list[dict[str, Any]]], dict[str, Any]],
                rows: list[dict[str, Any]], lines: list[int], skipped: list[int],
                ) -> tuple[list[dict[str, Any]], list[int], dict[str, Any] | None, None]:
    """Score ``rows`` one at a time (each once, in order: an adapting threshold sees them as in
    one call), leaving out those the scorer refuses (their lines appended to ``skipped``)."""
    from hourglass.errors import InputError

    kept: list[dict[str, Any]] = []
    kept_lines: list[int] = []
    result: dict[str, list[Any]] = {}
    for row, line in zip(rows, lines, strict=True):
        try:
            one = score([row])
        except InputError:
            skipped.append(line)
            continue
        kept.append(row)
        kept_lines.append(line)
        for key, values in one.items():
            result.setdefault(key, []).extend(values)
    return kept, kept_lines, result if kept else None, None


def _open(model: Path, input_file: Path | None, output: Path | None, explain: int | None,
          keep: list[str] | None, adapt: bool, on_bad_rows: str | None, all_rows: bool = False,
          max_sessions: int = 100_000, idle_timeout: float | None = None, ecs: bool = False,
          table: str = "alerts", group: tuple[str | None, str | None, str | None] = (None, None, None),
          suppress: Path | None = None, lateness: str | None = None, typed: set[str] | None = None,
          drift_window: int = 0, max_groups: int = 100_000) -> tuple[Any, Callable[[int], bytes], Any, Any]:
    """Check the options, load the model, open the input and output (one line on error). The
    scorer is a :class:`TableScorer`, or a ``LogStreamScorer`` for a log model; the sink a
    :class:`~hourglass.serve.sinks.JsonLinesSink` (stdout or appended to ``output``) or, for a
    ``.sqlite``/``.db`` output, a :class:`~hourglass.serve.sinks.SQLiteSink` into ``table``; the
    last item the :class:`~hourglass.serve.ecs.AlertRule` of ECS alerts (``None`` without
    ``ecs``). With ``suppress``, the table scorer silences the flagged rows its rules match (an
    entity model's scorer, its flagged buckets); ``lateness`` is an entity model's. Every option
    is checked before the output is opened (a refused one leaves no new file); ``typed``: the
    options typed (:func:`~hourglass.cli._common.typed_options`), refused when unused though at
    their defaults; ``drift_window``: the ``--drift-window`` given, refused (typed, not 0) for an
    event-by-event log model, whose stream has no drift check."""
    from hourglass.cli._common import (  # here only
        check_not_input,
        model_kind,
        refuse_kept_outputs,
        refuse_unused,
    )
    from hourglass.errors import InputError
    from hourglass.pipeline import load
    from hourglass.serve import TableScorer

    with user_errors():
        if on_bad_rows not in (None, "error", "skip"):
            raise HourglassError(f"--on-bad-rows: expected error or skip, got {on_bad_rows!r}")
        from hourglass.cli._suppress import bind_rules, read_rules

        rules = read_rules(suppress)
        if input_file is not None and not input_file.exists():  # a named pipe is fine
            raise HourglassError(f"--input {no_file(input_file)}")
        said = None if input_file is None else model_as_data(input_file)
        if said is not None:  # (its files were refused as binary data or pretty-printed JSON)
            raise HourglassError(f"--input {said}")
        if input_file is not None and input_file.is_dir():
            raise HourglassError(f"--input {input_file}: is a directory, expected a file of JSON lines")
        # a missing folder, or the input itself (the stream would read its own alerts)
        check_not_input(output, "--output", data=input_file, model=model, appends=True,
                        stdin=input_file is None)
        check_stream_output(output)
        from hourglass.ingest.readers import stdout_closed

        if output is None and stdout_closed():
            raise HourglassError("standard output is closed: the alerts have nowhere to go; give "
                                 "--output FILE, or leave standard output open")
        table = sqlite_table(table, output, "table" in (typed or ()))
        if ecs and all_rows:
            raise HourglassError("--all: writes unflagged rows too; --alert-format ecs writes "
                                 "alerts only (drop one of them)")
        pipe = load(model)
        kind = model_kind(pipe)
        rules = bind_rules(rules, pipe, kind)
        from hourglass.cli._groups import check_group_options

        check_group_options(group[0], group[1], kind, pipe.model_name, timestamp_col=group[2],
                            all_rows=all_rows, keep=keep)
        if group[0] is None and "max_groups" in (typed or ()):  # as --group-window without it
            from hourglass.cli._groups import grouping_only

            raise HourglassError(grouping_only("--max-groups", "most open groups", kind, pipe.model_name))
        grouped = group[0] is not None and kind == "table"  # closes groups by --idle-timeout
        if kind == "table" and not grouped and idle_timeout is not None:
            raise HourglassError(f"--idle-timeout: not used by table models ({pipe.model_name}) "
                                 "without --group-by (it writes the groups of a quiet stream); "
                                 "leave it out")
        refuse_unused(stream, kind, pipe.model_name, {"max_sessions": max_sessions,
                                                      "idle_timeout": None if grouped else idle_timeout},
                      typed)
        check_at_least("--max-sessions", max_sessions)  # (a kind that takes none: 'not used')
        check_at_least("--max-groups", max_groups)  # (likewise, without --group-by)
        # one rule for every kind that takes it, once the model's kind has not refused it (a kind
        # that takes none says 'not used' whatever its value, as of --chunk-mb)
        check_idle_timeout(idle_timeout)
        if grouped:  # before the output is opened (its window is parsed again when grouping)
            from hourglass.cli._groups import group_window_of

            group_window_of(group[1], group[2] or pipe.info.get("time_col"), idle_timeout=idle_timeout)
        if kind in ("table", "time-series"):  # (entity and log models refuse --keep, whatever it names)
            refuse_kept_outputs(keep, {"row", "score", "severity", "calibrated", "top_column", "why",
                                       "flag", *(["suppressed"] if suppress is not None else [])})
        if kind == "log":
            from hourglass.cli.stream_logs import open_log_scorer

            scorer = open_log_scorer(pipe, model, explain=explain, keep=keep, adapt=adapt,
                                     all_rows=all_rows, max_sessions=max_sessions,
                                     idle_timeout=idle_timeout)
            if scorer.mode == "event" and drift_window and "drift_window" in (typed or ()):
                # (stream_logs.run checks whole-session models only: it was silently ignored)
                raise HourglassError(f"--drift-window: not used when streaming an event-by-event log "
                                     f"model ({pipe.model_name}): its alerts are events, its threshold's "
                                     "rate is per session; leave it out ('hourglass score' checks the "
                                     "rate of a file's sessions)")
        elif kind == "time-series":
            from hourglass.cli.stream_series import open_series_scorer

            scorer = open_series_scorer(pipe, model, explain=explain, keep=keep, adapt=adapt,
                                        ecs=ecs, idle_timeout=idle_timeout)
        elif kind == "entity":
            from hourglass.cli.stream_entity import open_entity_scorer

            scorer = open_entity_scorer(pipe, explain=explain, keep=keep, adapt=adapt,
                                        idle_timeout=idle_timeout, suppress=rules)
        elif kind != "table":
            raise HourglassError(f"{model}: stream scores table, entity, time-series and log models; this "
                                 f"model ({pipe.info.get('model')}) reads {kind} data (use "
                                 "'hourglass score' on a file)")
        else:
            scorer = TableScorer.from_pipeline(pipe, str(model))
            try:
                scorer.suppress_with(rules)
            except InputError as exc:  # a rule's column the model's data never had
                raise HourglassError(f"--suppress {exc}") from None
            if explain is not None and scorer.explain_unavailable is not None:
                raise HourglassError(f"--explain: {scorer.explain_unavailable}")
            if adapt and not scorer.can_adapt:
                raise HourglassError(f"--adapt: the threshold of {model} "
                                     f"({pipe.threshold_.describe()}) does not adapt; train with "
                                     "--threshold spot:Q or dspot:Q")
        check_at_least("--explain", explain)  # (a log model refused it whatever its value)
        check_drift_window(drift_window)  # (an event-by-event log model refused it likewise)
        if kind == "entity":
            from hourglass.cli.stream_entity import parse_lateness

            scorer.set_lateness(parse_lateness(lateness, scorer.bucket))
        elif lateness is not None:
            raise HourglassError("--lateness: for entity-bucket models only (trained with --entity-col)")
        read = _input_reader(input_file) if input_file is not None else _stdin_reader()
    try:
        sink, rule = _open_output(model, pipe, output, kind, rules, keep, ecs, all_rows, table, group)
    except BaseException:
        if isinstance(read, InputFile):
            read.close()
        raise
    return scorer, read, sink, rule


def _open_output(model: Path, pipe: Any, output: Path | None, kind: str, rules: Any,
                 keep: list[str] | None, ecs: bool, all_rows: bool, table: str,
                 group: tuple[str | None, str | None, str | None]) -> tuple[Any, Any]:
    """The sink and the ECS alert rule of :func:`_open` (one line on error), opened once the
    input is."""
    from hourglass.ingest.sqlite import is_sqlite
    from hourglass.serve.grouping import parse_group_by
    from hourglass.serve.sinks import JsonLinesSink, SQLiteSink, alert_columns

    with user_errors():
        rule = None
        if ecs:
            from hourglass.serve.ecs import AlertRule

            rule = AlertRule.from_model(model, pipe)
        if output is not None and is_sqlite(output):
            named = ["suppressed"] if rules is not None and all_rows else []  # --all: each line's rule
            columns = (alert_columns("group", keys=parse_group_by(group[0]), keep=keep or ())
                       if group[0] is not None and not ecs else
                       alert_columns(kind, ecs=ecs, keep=keep or (), named=named))
            # a table made by a run with --suppress --all has its 'suppressed' column: a run
            # without them appends to it (NULL there), as runs without --all/--explain do
            sink: Any = SQLiteSink(output, columns, table=table, optional=("suppressed",))
        else:
            if output is not None:
                check_appended(output, ecs=ecs, grouped=group[0] is not None and kind == "table",
                               kind=kind)
            sink = JsonLinesSink(sys.stdout.buffer, name="standard output") if output is None else \
                JsonLinesSink(_append_at_start(output), path=output, reopen=lambda: _append(output))
    return sink, rule


#: how far from its end an output's last line is looked for (an ECS document is a few kB)
_TAIL = 1 << 16

#: the alerts of each kind of model, as a refusal names them
_ALERTS_OF = {"table": "row alerts of a table model", "time-series": "time-step alerts of a "
              "time-series model", "entity": "(entity, bucket) alerts of an entity-bucket model",
              "log": "session alerts of a log model"}


def _alert_kind(alert: dict[str, Any]) -> str | None:
    """The kind of model a plain hourglass alert came from, told by the fields each kind writes
    first (kept input fields, ``--keep``, come after them, so a kept column named ``session``
    does not make a row alert a session's); ``None`` for none of them (not judged).

    Examples
    --------
    >>> _alert_kind({"row": 3, "score": 2.0, "session": "s1"}), _alert_kind({"row": 3, "line": 4})
    ('table', 'time-series')
    >>> _alert_kind({"session": "blk_1", "score": 2.0}), _alert_kind({"x": 1})
    ('log', None)
    """
    first = list(alert)[:2]
    if first[:1] == ["session"]:
        return "log"
    if first[:1] == ["entity"] and "bucket_start" in alert:
        return "entity"
    if first[:1] == ["row"]:
        return "time-series" if first[1:] == ["line"] else "table"
    return None


def check_appended(path: Path, *, ecs: bool, grouped: bool, kind: str | None = None) -> None:
    """Refuse to append JSON alerts to a file whose last line is no JSON object (a CSV, a log,
    a compressed file given a ``.jsonl`` name) or an alert of another shape: ECS documents
    after hourglass alerts or the reverse (``--alert-format``), grouped alerts after one alert
    a row or the reverse (``--group-by``), plain alerts of a model of another ``kind``
    (``table``, ``time-series``, ``entity`` or ``log``: a table's row alerts, then a log's
    session alerts), which a SIEM's ingest of the file would take for its own (plain alerts
    name no model; a SQLite output refuses the same mix, its table holding the other kind's
    columns; ECS documents of any kind mix, each naming its model in ``rule.name``). Other
    ``--keep`` fields (or ``--explain``, ``--all``) than the file's last alert's are no other
    shape: they are extra keys of each JSON object, which a SIEM or ``jq`` reads by name, so
    they are not judged (a SQLite table, whose columns are fixed, refuses other ``--keep``
    fields: see the README). A compressed file (gzip, bzip2, xz, zstd, zip) or a Parquet one
    is told by its first bytes, whatever its lines (a small one may hold no line break at
    all). An empty file, a device or pipe, and a last line left unended (a stream killed while
    writing: :func:`_append` ends it) are not judged, but for a file of that one line alone,
    which must open a JSON object as an alert does.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "alerts.jsonl"
    >>> _ = p.write_text('{"row": 1, "score": 2.5}\\n')
    >>> check_appended(p, ecs=False, grouped=False)
    >>> check_appended(p, ecs=True, grouped=False)
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --output ...: holds hourglass alerts (its last line); this stream \
writes ECS documents (--alert-format ecs): choose another file, or leave --alert-format ecs out
    """
    from hourglass.ingest.logs import compressed_kind

    try:
        if not path.is_file() or path.stat().st_size == 0:
            return
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(6)
            fh.seek(max(0, size - _TAIL))
            tail = fh.read(_TAIL)
    except OSError:  # (opening it to append says why)
        return
    packed = ("gzip",) if head[:2] == b"\x1f\x8b" else ("Parquet",) if head[:4] == b"PAR1" else \
        compressed_kind(head)
    if packed is not None:
        packed_as = f"a {packed[0]} file" if packed[0] == "Parquet" else f"{packed[0]}-compressed"
        raise HourglassError(f"--output {path}: {packed_as} (its first bytes), no JSON alerts; stream "
                             "appends plain JSON lines: choose another file")
    lines = tail.split(b"\n")[:-1]  # complete lines (the last, unended, is a killed stream's)
    if size > _TAIL:
        lines = lines[1:]  # (the first began before the tail)
    last = next((line for line in reversed(lines) if line.strip()), None)
    if last is None:
        unended = without_boms(tail).strip()
        if size > _TAIL or not unended or unended.startswith(b"{"):
            return  # (a killed stream's first alert, cut short)
        last = unended
    try:
        doc = loads_json(without_boms(last).decode("utf-8"))  # (a BOM: line 1 of a file)
    except (UnicodeDecodeError, ValueError, RecursionError):
        doc = None
    if not isinstance(doc, dict):
        from hourglass.cli._groups import shown_value

        try:
            text = shown_value(last.decode("utf-8").strip())
        except UnicodeDecodeError:
            text = "no UTF-8 text: a compressed or binary file"
        raise HourglassError(f"--output {path}: its last line is no JSON alert ({text}); stream "
                             "appends JSON lines: choose another file")
    was_ecs = "ecs" in doc and "@timestamp" in doc
    inner = doc.get("hourglass") if was_ecs else doc
    was_grouped = isinstance(inner, dict) and "group_by" in inner
    if was_ecs != ecs:
        what = ("ECS documents (--alert-format ecs)", "hourglass alerts")
        held, writes = (what[0], what[1]) if was_ecs else (what[1], what[0])
        fix = "give --alert-format ecs" if was_ecs else "leave --alert-format ecs out"
        raise HourglassError(f"--output {path}: holds {held.split(' (')[0]} (its last line); this "
                             f"stream writes {writes}: choose another file, or {fix}")
    if was_grouped != grouped:
        held, writes = ("grouped alerts", "one alert per flagged row") if was_grouped else \
            ("one alert per flagged row", "grouped alerts (--group-by)")
        fix = "give --group-by as that stream did" if was_grouped else "leave --group-by out"
        raise HourglassError(f"--output {path}: holds {held} (its last line); this stream writes "
                             f"{writes}: choose another file, or {fix}")
    held_kind = None if was_ecs or was_grouped else _alert_kind(doc)
    if kind in _ALERTS_OF and held_kind is not None and held_kind != kind:
        raise HourglassError(f"--output {path}: holds {_ALERTS_OF[held_kind]} (its last line); "
                             f"this stream writes {_ALERTS_OF[kind]}: choose another file")


def _append(path: Path) -> io.BufferedWriter:
    """``path`` opened to append alert lines to; a file whose last line was left unended (a stream
    killed while writing, a file edited by hand) gets its line ended first, so that the first
    alert does not run into it.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "alerts.jsonl"
    >>> _ = p.write_bytes(b'{"row": 1, "sco')
    >>> with _append(p) as fh:
    ...     _ = fh.write(b'{"row": 2}\\n')
    >>> p.read_bytes()
    b'{"row": 1, "sco\\n{"row": 2}\\n'
    """
    fh = open(path, "ab")  # (an OSError: a live stream's reopening warns and goes on)
    if path.is_file() and fh.tell() > 0:
        with open(path, "rb") as old:
            old.seek(-1, os.SEEK_END)
            if old.read(1) != b"\n":
                fh.write(b"\n")
                fh.flush()
    return fh


def _append_at_start(path: Path) -> io.BufferedWriter:
    """:func:`_append` for the stream's start: a device that refuses to open (``/dev/tty`` with
    no terminal) is one line naming ``--output``; a full disk is said as one."""
    try:
        return _append(path)
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise
        raise HourglassError(f"--output {path}: cannot write it ({read_problem(exc)})") from None


def _close_output(sink: Any) -> None:
    """Close a stream's output file at the end of input: a full disk found then (a SQLite file's
    alerts left in its ``-wal`` file, ``sink.wal_kept``) raises, for one line and exit code 1 as a
    write's would; another error of the close is left unsaid (each batch was flushed or
    committed when written)."""
    try:
        sink.close()
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise


@contextlib.contextmanager
def stream_guard(sink: Any, output: Path | None, summary: Callable[[], None],
                 begun: Callable[[], bool]) -> Iterator[None]:
    """How a stream ends, whatever it scores: the summary on stderr at the end of input; Ctrl-C
    (exit code 130), SIGTERM (the process then ends by it: exit status 143) and a reader that
    closed the output (exit code 1, said once) with the summary; an input error as one line (exit
    code 2), with the summary once something was read. An output file is closed in every case;
    a full disk found when it is closed at the end of input (a SQLite file's checkpoint) is one
    line and exit code 1, with the summary."""
    terminated: int | None = None
    try:
        with user_errors(), _stop_signals():
            yield
            if output is not None:
                _close_output(sink)
    except KeyboardInterrupt as exc:
        summary()
        if not isinstance(exc, Terminated):
            raise interrupted() from None
        terminated = exc.signum
    except BrokenPipeError:  # whoever read the alerts has gone: stop, say so once
        os.dup2(os.open(os.devnull, os.O_WRONLY), sink.fileno())  # no second error at exit
        err.print("output closed by its reader; stopping", highlight=False)
        summary()
        raise typer.Exit(1) from None
    except typer.Exit:
        if begun():
            summary()
        raise
    finally:
        if output is not None:  # each batch was flushed (or committed) when written: a close that
            with contextlib.suppress(OSError):  # fails again after a failed write (a full disk,
                sink.close()  # said above) loses nothing more and is no second error
    if terminated is not None:
        _end_by_sigterm(terminated)
    # a signal noted after the batcher's last wait (it came with the end of the input, or while
    # the last batch was scored) ends the process as one that came before
    noted = _STOP["noted"]
    with _stop_signals():  # the output is complete: a signal now ends the process after the summary
        summary()
        late = _STOP["signal"] or noted
    if late in ENDING_SIGNALS:
        _end_by_sigterm(late)
    if late is not None:
        raise interrupted()


def stream(
    ctx: typer.Context,
    model: ModelArg,
    input_file: Annotated[Path | None, typer.Option(
        "--input", "-i", help="Read from this file or named pipe (FIFO) instead of stdin.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Append the alerts to this file instead of stdout, flushed after "
                               "each batch (a live stream: not written to a temporary file and "
                               "renamed like 'score' does); a .sqlite/.sqlite3/.db file gets them "
                               "in a SQLite table, one transaction per batch.")] = None,
    batch: Annotated[int, typer.Option(
        "--batch", min=1, help="Most rows scored together.")] = 1024,
    max_delay_ms: Annotated[float, typer.Option(
        "--max-delay-ms", min=0, help="Longest a row waits for its batch to fill before the "
                                      "batch is scored anyway (the latency for a slow "
                                      "producer).")] = 200.0,
    all_rows: Annotated[bool, typer.Option(
        "--all", help="Write every row (with its 0/1 flag), not only the flagged ones.")] = False,
    explain: Annotated[int | None, typer.Option(  # (>= 1 checked once it is used: check_at_least)
        "--explain", help="Add 'top_column' and 'why' (this many columns (>= 1), largest share "
                                 "first, as 'hourglass explain --method auto' gives them); table "
                                 "models with a reconstruction error or gradients; entity-bucket "
                                 "models add 'top_feature' and 'why' to flagged buckets.")] = None,
    keep: Annotated[list[str] | None, typer.Option(
        "--keep", help="Input field to copy into each alert (repeatable).")] = None,
    adapt: Annotated[bool, typer.Option(
        "--adapt", help="Let a streaming threshold (trained with --threshold spot:Q or "
                        "dspot:Q) learn from the scores of unflagged rows as they stream; the "
                        "saved model is not changed.")] = False,
    max_sessions: MaxSessionsOpt = 100_000,
    idle_timeout: IdleTimeoutOpt = None,
    on_bad_rows: StreamBadRowsOpt = None,
    alert_format: AlertFormatOpt = "hourglass",
    table: SqliteTableOpt = "alerts",
    quiet: QuietOpt = False,
    drift_window: StreamDriftWindowOpt = 1000,
    lateness: LatenessOpt = None,
    group_by_opts: GroupByOpt = None,
    group_window: GroupWindowOpt = None,
    timestamp_col: GroupTimeOpt = None,
    max_groups: MaxGroupsOpt = 100_000,
    suppress: SuppressOpt = None,
) -> None:
    """Score JSON rows or live log lines as they arrive; one JSON alert per flagged row, event,
    time step or (entity, bucket).

    Each input line is one JSON object with the model's columns (as in training; other keys are
    ignored); a model trained on the cef, leef, panos, kv or auditd format reads such lines instead
    (auditd: the records of an event gathered into one row, written once its last record, EOE or
    PROCTITLE, came, or once later records or the end of input completed it; Ctrl-C, SIGTERM
    and a read error, such as a truncated .gz, complete it too). Rows are
    scored in micro-batches of up to --batch rows, or what arrived within --max-delay-ms, so
    alerts follow a slow producer within that delay; memory stays bounded whatever the input's
    length. Each alert is a line {"row", "score", "severity", "calibrated"} (row counts data
    rows from 0, as 'score' does: a line skipped with --on-bad-rows skip keeps its number),
    plus "top_column" and "why" with --explain, "flag" with --all, and the --keep fields.
    Output is flushed after each batch. A
    malformed line (or one longer than 16 MiB, read no further) stops with exit code 2 naming
    its line (alerts of the rows before it are already written and stay); with --on-bad-rows
    skip it is counted instead. A
    summary (rows, flagged, skipped, rows/s; with --adapt the threshold's first and last value)
    goes to stderr at the end of input, on Ctrl-C (exit code 130) or on SIGTERM (systemctl
    stop, docker stop: the process then ends by the signal, exit status 143); the lines already
    read are scored and written first (a second signal stops at once).

    A log model reads raw log lines instead (the --format and session rule it was trained with;
    key-sequence lines for --format keys). DeepLog checks each event as it arrives against the
    keys it predicts from the session's last keys: one alert per unexpected event {"session",
    "line", "position", "key", "template", "seen_in_training", "rank", "score", "expected"
    (keys and templates), "text"}; a session's end is checked when it closes (end of input,
    Ctrl-C, SIGTERM, a line that stops the stream, a read error such as a truncated .gz,
    --idle-timeout, or evicted beyond --max-sessions). Whole-session models (autoencoders,
    event-ensemble) score each session as it closes, with the alert 'score' writes less the
    unexpected event's "text" and "parameters" (a live session keeps its keys and line numbers,
    not its lines; "line" names the line). Lines that match no header format are counted
    (--on-bad-rows error: stop there).

    A time-series model reads one JSON object per time step (its channels, and its timestamp
    column if it has one). Each step, once a full window is there, is scored from the one window
    that ends at it (causal: 'score' on a whole file averages every window covering a step, which
    needs later steps, so the scores differ). Alert: {"row" (step from 0), "line", "timestamp",
    "score", "threshold", "calibrated", "severity"}, plus "top_channel" and "why" with --explain
    (null for a step not flagged, under --all).
    A step not after the previous one, or with a missing or null channel, is a bad line; a gap in
    regular timestamps restarts the window. Models trained with a resampling --freq are refused.

    An entity-bucket model (trained with --entity-col) gathers the rows into (entity, bucket)
    accumulators and writes one line per closed bucket, as 'score' does: a bucket closes once the
    newest time seen minus --lateness (default one bucket) passes its end, or at the end of input;
    a row of a closed bucket is late (dropped, counted). On time-ordered rows the output equals
    'score' on the same rows, but for numeric dates (01/02/2026) of a model that keeps no date
    order (trained on ISO or epoch times): the stream reads them in the order its first such dates
    show (or guesses it, with a warning) and keeps it, where 'score' reads the whole file's; a
    later date that only fits the other order is a bad line. With --idle-timeout S, once no line
    has come for S seconds, event time runs on with the wall clock from the newest row's arrival,
    so the last buckets of a quiet input close (and their alerts come out) without waiting for
    more rows.

    With --alert-format ecs each alert is an Elastic Common Schema document instead (the alert
    above under "hourglass"; a table row's fields with an ECS name, such as src_ip or dest_port,
    and the --keep fields mapped to ECS fields; an entity
    bucket's times in event.start/end, its entity in source.ip, host.name or user.name when its
    column names one). A flagged row whose time (the model's --timestamp-col) does not read stops
    the stream naming its line; with --on-bad-rows skip its alert carries the scoring time, as
    'score' writes it (a warning names the first, the summary counts them).

    With a .sqlite/.sqlite3/.db --output the alerts are appended to a SQLite table (--sqlite-table,
    default 'alerts'; created if absent, refused if it exists with other columns) in one
    transaction per batch, in write-ahead-log mode: query it while the stream runs; Ctrl-C keeps
    every batch written before it. Columns: the alert's fields above (NULL where absent), the
    --keep fields, and for log alerts and ECS documents the whole alert as JSON in 'doc'.

    With --group-by COLS (table models) the flagged rows are grouped as 'score --group-by' groups
    them: each group is held until its window closes, by the newest time seen (--timestamp-col or
    the model's) or the rows seen (--group-window N), then written; with --idle-timeout S, once
    no line has come for S seconds, event time runs on with the wall clock from the newest row's
    arrival (as for entity buckets). At most --max-groups groups are held (the one with the
    oldest first row is written early, counted). End of input, Ctrl-C and a line that stops the
    stream write the open groups. A row without a readable time stops the stream naming its line;
    with --on-bad-rows skip it is scored as 'score' scores it: flagged, it is written at once as
    its own one-row alert with null window_start/window_end/first_time/last_time (counted in the
    summary, a warning names the first). A row of a window already written starts a second group
    for it (counted).

    With --suppress FILE a flagged row that a rule of the TOML file matches is no alert (with
    --all it is written with flag 0 and 'suppressed' naming the rule; it feeds no --group-by
    group); the summary counts the silenced rows per rule. For an entity-bucket model a rule
    matches the entity column only, and its 'between' the bucket's start.

    A drift check watches the share of flagged rows (steps, sessions) among the last
    --drift-window ones: a warning on stderr when it is far above the rate the threshold promises
    on held-out normal data (once per episode), the rates and warnings beside the summary.
    """
    input_file = None if input_file is not None and str(input_file) == "-" else input_file  # '-':
    output = None if output is not None and str(output) == "-" else output  # stdin / stdout
    from hourglass.cli._common import typed_options
    from hourglass.errors import InputError  # the library is imported here, not for --help
    from hourglass.serve import TableScorer

    group_by = group_columns(group_by_opts)
    setup_logging(quiet)
    with user_errors():
        ecs = alert_format_is_ecs(alert_format)
    try:
        scorer, read, sink, rule = _open(model, input_file, output, explain, keep, adapt,
                                         on_bad_rows, all_rows, max_sessions, idle_timeout, ecs,
                                         table, (group_by, group_window, timestamp_col), suppress,
                                         lateness, typed_options(ctx), drift_window, max_groups)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if isinstance(read, InputFile):  # closed as the command ends, however it ends
        ctx.call_on_close(read.close)
    where = str(input_file) if input_file is not None else "<stdin>"
    from hourglass.cli._drift import DriftCheck

    with user_errors():
        drift = DriftCheck(scorer.pipeline, drift_window, causal=True)
    if getattr(scorer, "kind", None) == "entity":
        from hourglass.cli.stream_entity import run as run_entity

        return run_entity(scorer, read, sink, where=where, batch=batch, max_delay=max_delay_ms / 1000,
                          on_bad_rows=on_bad_rows or "error", output=output, all_rows=all_rows,
                          drift=drift, rule=rule)
    if getattr(scorer, "kind", None) == "timeseries":
        from hourglass.cli.stream_series import run as run_series

        return run_series(scorer, read, sink, where=where, batch=batch, max_delay=max_delay_ms / 1000,
                          on_bad_rows=on_bad_rows or "error", output=output, explain=explain,
                          keep=keep, all_rows=all_rows, drift=drift, rule=rule)
    if not isinstance(scorer, TableScorer):
        from hourglass.cli.stream_logs import run

        render = None
        if rule is not None:
            from hourglass.serve.ecs import to_ecs, with_verdict

            def render(alert: dict[str, Any]) -> dict[str, Any]:
                return to_ecs(with_verdict(alert, scorer.detector), rule)

        return run(scorer, read, sink, where=where, batch=batch, max_delay=max_delay_ms / 1000,
                   on_bad_rows=on_bad_rows or "skip", output=output, idle_timeout=idle_timeout,
                   render=render, drift=drift)
    if rule is not None:
        from hourglass.serve.ecs import UnreadTime, ecs_named, to_ecs
    on_bad_rows = on_bad_rows or "error"
    silencer = None
    if scorer.suppression is not None:
        from hourglass.cli._suppress import Silencer

        silencer = Silencer(scorer.suppression, where)
    grouping = None
    if group_by is not None:
        from hourglass.cli._groups import Grouping

        with user_errors():
            grouping = Grouping.from_options(
                group_by, group_window, timestamp_col or scorer.pipeline.info.get("time_col"),
                ordered=False, max_groups=max_groups, keep=keep or (), rule=rule,
                info=scorer.pipeline.info, skip=on_bad_rows == "skip")
        return _run_grouped(scorer, read, sink, grouping, where=where, batch=batch,
                            max_delay=max_delay_ms / 1000, on_bad_rows=on_bad_rows, output=output,
                            explain=explain, keep=keep, adapt=adapt, drift=drift,
                            idle_timeout=idle_timeout, silencer=silencer)
    n_rows = flagged = 0
    untimed = 0  # ECS alerts of rows without a readable time (--on-bad-rows skip): scoring time
    bad = SkippedLines()
    data_rows = 0  # the data rows of the batches read: the rows parsed and the malformed lines
    kept_fields: set[str] = set()  # --keep names a line had as fields (absent_kept)
    line_spec, events = _line_reading(scorer.pipeline)
    start = time.perf_counter()
    threshold = scorer.pipeline.detector_.threshold_
    first_value = float(threshold.value_)

    def summary() -> None:
        took = time.perf_counter() - start
        skipped = f", {skipped_lines_text(bad)}" if bad else ""
        moved = f"; threshold {first_value:.6g} -> {float(threshold.value_):.6g} (--adapt)" if adapt else ""
        silenced = f", {silencer.text()}" if silencer is not None else ""
        if untimed:
            silenced += f", {untimed:,} alert(s) at the scoring time (no readable time)"
        err.print(f"streamed {counted(n_rows, 'row')} from {where}, {flagged:,} flagged{silenced}{skipped}, "
                  f"{n_rows / took if took > 0 else 0:,.0f} rows/s{moved}{output_failed_text(sink)}",
                  highlight=False)
        drift.summary()

    previous: list[Any] = [None]  # (the last JSON row read, for _parse)
    with stream_guard(sink, output, summary, lambda: bool(n_rows or bad)):
        for lines_batch in _ended(LineBatcher(read, batch, max_delay_ms / 1000), events):
            skipped: list[int] = []  # this batch's malformed lines (skip): counted up to a stop
            rows, lines, problem = _parse(lines_batch, where, on_bad_rows, skipped, line_spec, events,
                                          previous)
            number = _numbered(rows, lines, skipped, data_rows)  # (each row's data row)
            data_rows += len(rows) + len(skipped)
            for i, row in enumerate(rows if keep else ()):
                # Windows events, the cloud audit logs: null, but for a nested object's name no
                # line before had as a field; else the stream stops at this line
                absent = absent_kept(keep, row, scorer.sparse_fields, kept_fields)
                if absent is not None:
                    from hourglass.cli.stream_series import no_kept_field

                    problem = no_kept_field(absent, row, where, lines[i])
                    rows, lines = rows[:i], lines[:i]
                    break
            if on_bad_rows == "skip":
                rows, lines = _without_keyless(scorer, rows, lines, bad)
            rows, lines, result, refused = _score_before_bad(
                lambda rs: scorer.score([_flat(r) for r in rs], explain=explain,
                                        explain_flagged=not all_rows, adapt=adapt),
                rows, lines, where, bad if on_bad_rows == "skip" else None,
                lambda rs: scorer.unreadable_rows([_flat(r) for r in rs]))
            problem = refused or problem  # a refused row comes before any malformed line
            if rows and result is not None:
                out_docs: list[dict[str, Any]] = []
                # the alerts' times in the batch's date order, as --suppress reads them
                written = [1] * len(rows) if all_rows else result["flags"][:len(rows)]
                batch_rule = None if rule is None else scorer.batch_rule(rule, rows, written)
                for i, row in enumerate(rows):
                    flag = result["flags"][i]
                    if not flag and not all_rows:
                        continue
                    alert: dict[str, Any] = {"row": number[id(row)], "score": result["scores"][i],
                                             "severity": result["severity"][i],
                                             "calibrated": result["calibrated"][i]}
                    if all_rows:
                        alert["flag"] = flag
                        if silencer is not None:
                            alert["suppressed"] = result["suppressed"][i]
                    if explain is not None:
                        alert["top_column"] = result["top_column"][i]
                        alert["why"] = result["why"][i]
                    kept = {c: row.get(c) for c in keep or []}  # checked above
                    if rule is not None:
                        when = row.get(rule.time_field) if rule.time_field else None
                        fields = {**ecs_named(row, rule.data_format), **kept}
                        # under --adapt the cut-off this row met (the threshold moves within a batch)
                        cut = result["thresholds"][i] if "thresholds" in result else float(threshold.value_)
                        ecs_alert = {**alert, "threshold": cut}
                        try:
                            doc = to_ecs(ecs_alert, batch_rule or rule, fields=fields, timestamp=when)
                        except InputError as exc:  # a time that is no time (said as score says it)
                            said = exc.at(f"line {lines[i]}") if isinstance(exc, UnreadTime) else \
                                f"line {lines[i]}: {exc}"
                            if on_bad_rows != "skip":  # the rows before it go out
                                problem = HourglassError(f"{where}: {said}")
                                rows, lines = rows[:i], lines[:i]
                                break
                            # skip: scored as 'score' scores it, the alert at the scoring time
                            if not untimed:
                                logging.getLogger("hourglass").warning(
                                    "%s: %s; its alert carries the scoring time (as for each later "
                                    "row without a readable time, counted)", where, said)
                            untimed += 1
                            time_field = str(rule.time_field)
                            fields.pop(time_field, None)
                            doc = to_ecs(ecs_alert, rule, fields=fields)
                            if time_field in kept:  # --keep asked for it: kept as score keeps it
                                doc.setdefault("hourglass", {}).setdefault("fields", {})[
                                    time_field] = kept[time_field]
                        out_docs.append(doc)
                        continue
                    out_docs.append({**alert, **kept})
                flags = result["flags"][:len(rows)]
                n_rows += len(rows)
                flagged += sum(flags)
                if silencer is not None:
                    silencer.count(result["suppressed"][:len(rows)])
                drift.update(flags, rows=[number[id(r)] for r in rows])  # (named as the alerts)
                sink.write(out_docs)  # one flush, or one transaction, per batch
            skipped_before(bad, skipped, problem, where)
            if problem is not None:
                raise problem


def _group_times(grouping: Any, rows: list[dict[str, Any]], lines: list[int], n_rows: int, where: str,
                 skip: bool) -> tuple[Any, list[dict[str, Any]], list[int], HourglassError | None]:
    """The times of a batch's rows for ``--group-by`` windows (``None`` without a time column),
    with the rows and lines they belong to: a row without a readable time stops the batch there
    (the rows before it kept, the error returned) or, with ``skip``, is scored as ``score`` does
    it, its time :data:`~hourglass.cli._groups.NO_TIME` (flagged: its own alert); a batch
    without one readable time before any time was read still stops at its first row."""
    if grouping.time_col is None or not rows:
        return None, rows, lines, None
    try:
        return (grouping.times([r.get(grouping.time_col) for r in rows], n_rows, where, lines=lines,
                               skip=skip, wall=time.time()), rows, lines, None)
    except HourglassError as exc:
        named = re.findall(r"\bline (\d+)\b", str(exc))
        if not named or int(named[-1]) not in lines:
            raise
        i = lines.index(int(named[-1]))
        if grouping.time_col not in rows[i]:  # no such field, as --group-by's is told (and score's
            # '--timestamp-col: no column'), not 'has no time (missing)' as a null time is
            exc = HourglassError(f"--timestamp-col: no field {grouping.time_col!r} on {where} line "
                                 f"{lines[i]}; its fields are {', '.join(map(str, rows[i]))}")
        rows, lines = rows[:i], lines[:i]
        times = grouping.times([r.get(grouping.time_col) for r in rows], n_rows, where,
                               lines=lines, wall=time.time()) if rows else None
        return times, rows, lines, exc


def _run_grouped(scorer: Any, read: Callable[[int], bytes], sink: Any, grouping: Any, *, where: str,
                 batch: int, max_delay: float, on_bad_rows: str, output: Path | None,
                 explain: int | None, keep: list[str] | None, adapt: bool, drift: Any,
                 idle_timeout: float | None, silencer: Any = None) -> None:
    """A table model's stream with ``--group-by``: flagged rows counted into groups, each
    written once its window closes (see ``stream``'s docstring)."""
    from hourglass._times import not_a_timestamp
    from hourglass.cli._groups import NO_TIME
    from hourglass.serve.grouping import CUT_OFF

    n_rows = flagged = 0
    bad = SkippedLines()
    data_rows = 0  # the data rows of the batches read: the rows parsed and the malformed lines
    kept_fields: set[str] = set()  # --keep names a line had as fields (absent_kept)
    line_spec, events = _line_reading(scorer.pipeline)
    start = time.perf_counter()
    last_line = newest_at = time.monotonic()
    newest = None
    threshold = scorer.pipeline.detector_.threshold_
    first_value = float(threshold.value_)
    failed_write: list[HourglassError] = []  # a write the output refused (a locked SQLite file)

    def write(alerts: list[dict[str, Any]]) -> None:
        try:
            sink.write(alerts)
        except HourglassError as exc:
            failed_write.append(exc)
            raise

    def summary() -> None:
        took = time.perf_counter() - start
        for note in (grouping.untimed_note(where), grouping.ahead_note(where), grouping.ecs_time_note(where)):
            if note:  # (as score says it)
                logging.getLogger("hourglass").warning("%s", note)
        skipped = f", {skipped_lines_text(bad)}" if bad else ""
        silenced = f", {silencer.text()}" if silencer is not None else ""
        moved = f"; threshold {first_value:.6g} -> {float(threshold.value_):.6g} (--adapt)" if adapt else ""
        err.print(f"streamed {counted(n_rows, 'row')} from {where}, {flagged:,} flagged{silenced}{skipped}, "
                  f"{n_rows / took if took > 0 else 0:,.0f} rows/s{moved}; {grouping.summary()}"
                  f"{output_failed_text(sink)}", highlight=False)
        drift.summary()

    tick = None if idle_timeout is None else min(max(idle_timeout / 4, 0.05), 1.0)
    ecs_time = grouping.ecs_time_field  # windows of rows: the ECS event time of a flagged row
    previous: list[Any] = [None]  # (the last JSON row read, for _parse)
    with stream_guard(sink, output, summary, lambda: bool(n_rows or bad)):
        try:
            for lines_batch in _ended(LineBatcher(read, batch, max_delay, idle_tick=tick), events):
                now = time.monotonic()
                if not lines_batch:  # quiet input: groups may be due by the wall clock
                    if idle_timeout is not None and now - last_line >= idle_timeout:
                        write(grouping.render(grouping.groups.elapse(now - newest_at)))
                    continue
                last_line = now
                skipped: list[int] = []  # this batch's skipped lines: counted up to a stop
                rows, lines, problem = _parse(lines_batch, where, on_bad_rows, skipped, line_spec,
                                              events, previous)
                number = _numbered(rows, lines, skipped, data_rows)  # (each row's data row)
                data_rows += len(rows) + len(skipped)
                if rows:
                    keyless: list[int] = []  # (--on-bad-rows skip: counted, as malformed lines)
                    for i, row in enumerate(rows if not scorer.sparse_fields else ()):
                        missing = [k for k in grouping.keys if k not in row]
                        if missing and on_bad_rows == "skip":
                            keyless.append(i)
                        elif missing:  # the stream stops at this line, the rows before it go out
                            problem = HourglassError(f"--group-by: no field {missing[0]!r} on {where} "
                                                     f"line {lines[i]}; its fields are "
                                                     f"{', '.join(map(str, row))}")
                            rows, lines = rows[:i], lines[:i]
                            break
                    if keyless:
                        skipped.extend(lines[i] for i in keyless)
                        kept = sorted(set(range(len(rows))) - set(keyless))
                        rows, lines = [rows[i] for i in kept], [lines[i] for i in kept]
                    times, rows, lines, late_problem = _group_times(grouping, rows, lines, n_rows, where,
                                                                    on_bad_rows == "skip")
                    problem = late_problem or problem  # an unreadable time comes before a malformed line
                    read_lines = lines
                    if on_bad_rows == "skip":
                        rows, lines = _without_keyless(scorer, rows, lines, skipped)
                    rows, lines, scored, refused = _score_before_bad(
                        lambda rs: scorer.score([_flat(r) for r in rs], explain=explain,
                                                explain_flagged=True, adapt=adapt),
                        rows, lines, where, skipped if on_bad_rows == "skip" else None,
                        lambda rs: scorer.unreadable_rows([_flat(r) for r in rs]))
                    problem = refused or problem  # a refused row comes before any malformed line
                    if times is not None and len(lines) < len(read_lines):  # rows left out
                        at_line = {line: j for j, line in enumerate(read_lines)}
                        times = times[[at_line[line] for line in lines]]
                    result = scored or {"flags": []}
                    alerts, keys, at = [], [], []
                    for i, row in enumerate(rows):
                        if not result["flags"][i]:
                            kept_fields.update(c for c in keep or () if c in row)  # (absent_kept)
                            continue
                        alert: dict[str, Any] = {"row": number[id(row)], "score": result["scores"][i],
                                                 "severity": result["severity"][i],
                                                 "calibrated": result["calibrated"][i]}
                        if explain is not None:
                            alert["top_column"] = result["top_column"][i]
                            alert["why"] = result["why"][i]
                        absent = absent_kept(keep, row, scorer.sparse_fields, kept_fields)
                        if absent is not None:  # the stream stops here,
                            from hourglass.cli.stream_series import no_kept_field

                            problem = no_kept_field(absent, row, where, lines[i])  # rows before: counted
                            rows, lines = rows[:i], lines[:i]
                            break
                        if ecs_time is not None and not grouping.ecs_time_reads(
                                row.get(ecs_time), f"line {lines[i]}"):  # the stream stops here
                            problem = HourglassError(f"{where}: " + not_a_timestamp(
                                ecs_time, f"line {lines[i]}", row.get(ecs_time)))  # (as score says it)
                            rows, lines = rows[:i], lines[:i]
                            break
                        alert.update({c: row.get(c) for c in keep or []})
                        if grouping.rule is not None and "thresholds" in result:
                            # --adapt: the cut-off this row met, for its group's ECS alert (under
                            # a key of its own: a kept or key column may be named 'threshold')
                            alert[CUT_OFF] = result["thresholds"][i]
                        alerts.append(alert)
                        keys.append(tuple(row.get(k) for k in grouping.keys))
                        untimed = times is None or times[i] == NO_TIME  # (skip: its own alert)
                        at.append(None if untimed else int(times[i]))
                    flags = result["flags"][:len(rows)]
                    times = times[:len(rows)] if times is not None else None
                    if times is not None:  # (a row without a readable time closes no window)
                        times = times[times != NO_TIME]
                    n_rows += len(rows)
                    flagged += sum(flags)
                    if silencer is not None and "suppressed" in result:
                        silencer.count(result["suppressed"][:len(rows)])
                    drift.update(flags, rows=[number[id(r)] for r in rows])  # (as the alerts)
                    early = grouping.add(alerts, keys, at)
                    if grouping.time_col is not None:  # (no times when every row was left out)
                        if times is not None and len(times):
                            top = int(times.max())
                            if newest is None or top > newest:
                                newest, newest_at = top, now
                        due = grouping.groups.advance(times=times if times is not None else [])
                    else:
                        due = grouping.groups.advance(rows=data_rows)
                    write(grouping.render(early + due))  # one flush, or transaction, per batch
                skipped_before(bad, skipped, problem, where)
                if problem is not None:
                    raise problem
        except (KeyboardInterrupt, HourglassError):  # Ctrl-C, a bad line: the open groups still
            if not failed_write:  # go out (their rows came before); not after a failed write: the
                write(grouping.render(grouping.groups.close()))  # output would refuse them too
            raise
        write(grouping.render(grouping.groups.close()))
