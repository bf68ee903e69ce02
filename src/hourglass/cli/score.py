"""``hourglass score``: a saved model over DATA, streamed, written incrementally."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from hourglass._columns import counted
from hourglass.cli._common import (
    check_not_input,
    check_output_type,
    chunk_bytes,
    model_kind,
    refuse_kept_outputs,
    refuse_unused,
    typed_options,
)
from hourglass.cli._options import (
    AlertFormatOpt,
    BadRowsOpt,
    ChunkMbOpt,
    DataArg,
    DatasetOpt,
    DriftWindowOpt,
    FormatOpt,
    GroupByOpt,
    GroupTimeOpt,
    GroupWindowOpt,
    ModelArg,
    QuietOpt,
    SqliteTableOpt,
    StrictOpt,
    alert_format_is_ecs,
    group_columns,
    sqlite_table,
)
from hourglass.cli._output import data_on_stdout, err, report_skipped, say_wrote, setup_logging, user_errors
from hourglass.cli._suppress import SuppressOpt
from hourglass.errors import HourglassError

__all__ = ["score"]

def score(
    ctx: typer.Context,
    model: ModelArg,
    data: DataArg,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="CSV/TSV/Parquet/JSONL to write, by extension (+ .gz: gzip, "
                               "except Parquet, compressed inside), or a SQLite database "
                               "(.sqlite, .sqlite3, .db; replaced whole); - writes to standard "
                               "output (CSV; JSON lines with --alert-format ecs or --group-by).")],
    dataset: DatasetOpt = None,
    anomalies_only: Annotated[bool, typer.Option(
        "--anomalies-only", help="Write only the flagged rows.")] = False,
    keep: Annotated[list[str] | None, typer.Option(
        "--keep", help="Input column to copy into the output (repeatable).")] = None,
    strict: StrictOpt = False,
    fmt: FormatOpt = "auto",
    on_bad_rows: BadRowsOpt = "error",
    chunk_mb: ChunkMbOpt = 16.0,
    alert_format: AlertFormatOpt = "hourglass",
    table: SqliteTableOpt = "alerts",
    quiet: QuietOpt = False,
    drift_window: DriftWindowOpt = 1000,
    group_by_opts: GroupByOpt = None,
    group_window: GroupWindowOpt = None,
    timestamp_col: GroupTimeOpt = None,
    suppress: SuppressOpt = None,
) -> None:
    """Score DATA with a saved model; write score, flag (0/1), calibrated and severity per row.

    Input is streamed in chunks and the output written incrementally to a temporary file that is
    renamed into place at the end, so files larger than memory score in bounded memory. For a log
    model, DATA is a log file and --output gets one JSON alert per flagged session (.jsonl) with
    its unexpected event, or a table of every session (.csv/.parquet): session, score, flag,
    calibrated, severity, n_events, first_line. For an
    entity-bucket model (trained with --entity-col), DATA is a table and --output gets one row
    per (entity, time bucket): entity, bucket_start, bucket_end, rows, score, flag, calibrated,
    severity (--keep is refused; 'hourglass explain' says why a bucket was flagged). For a
    time-series model, --output gets one row per time step (per grid step of the model's --freq,
    the summary saying from how many input rows when that differs): the model's timestamp column
    (or step, counted from 0, without one), score, flag, calibrated, severity.

    With --alert-format ecs and a JSONL --output, each flagged row, session, time step or
    (entity, bucket) is one Elastic Common Schema document (event.kind "alert", risk score, rule =
    the model and its content hash; a table row's columns with an ECS name, such as src_ip or
    dest_port, and the --keep columns map to ECS fields), ready for a SIEM.

    A .sqlite/.sqlite3/.db --output is a SQLite database with one table (--sqlite-table, default
    'alerts') of typed columns: the rows a CSV would hold (times as ISO-8601 text); a log
    model's alerts, as the JSONL has them (session, score, line, key, template ... and the whole
    alert as JSON in 'doc', its calibrated and severity there only); with --alert-format ecs the
    main ECS fields (timestamp, severity, risk_score, rule, message, source/destination ip ...)
    and the whole document in 'doc'.

    With --group-by COLS (table models; a .jsonl or SQLite --output) the flagged rows are
    grouped: one alert per value of COLS and --group-window (a time length, by the rows' times in
    --timestamp-col or the model's, or a number of rows), with the count, first/last row and
    time, the highest score, severity and calibrated probability, and the highest-scoring row's
    kept fields (with --alert-format ecs, one ECS document per group). Groups are written as soon
    as time passes their window's end while the rows come in time order; once a row goes back in
    time, the open groups are kept until the end. A row without a readable time stops the run
    naming it; with --on-bad-rows skip it is scored, and if flagged written as its own alert
    without a window (window_start null; ECS: the scoring time), counted in a warning.

    With --suppress FILE a flagged row that a rule of the TOML file matches keeps its score, its
    flag becomes 0 and the output's 'suppressed' column names the rule (empty otherwise); it is
    no alert (--anomalies-only, ECS, --group-by leave it out) and the summary counts the silenced
    rows per rule. For an entity-bucket model a rule matches the entity column only, and its
    'between' the bucket's start.

    A drift check (--drift-window) compares the share of flagged rows with the rate the threshold
    promises on held-out normal data and says on stderr when it is far higher.
    """
    data_on_stdout(output)  # '-': the data alone on stdout, the command's lines on stderr
    import numpy as np  # the library is imported here, not for 'hourglass --help'

    from hourglass.cli import logs as log_cli
    from hourglass.cli import timeseries as ts_cli
    from hourglass.cli._drift import DriftCheck
    from hourglass.cli._suppress import Silencer, bind_rules, read_rules
    from hourglass.cli.tables import (
        KeptColumns,
        no_rows_error,
        resolve_spec,
        rows_vary_in_columns,
        score_chunks,
    )
    from hourglass.ingest import ReadStats
    from hourglass.ingest.readers import detect_format
    from hourglass.ingest.sqlite import is_sqlite
    from hourglass.ingest.writers import chunk_writer
    from hourglass.pipeline import load
    from hourglass.serve.ecs import column_values, whole_values

    group_by = group_columns(group_by_opts)
    setup_logging(quiet)
    stats = ReadStats()
    n_rows = flagged = 0
    with user_errors():
        check_not_input(output, "--output", data, model)
        check_output_type(output)
        rules = read_rules(suppress)
        ecs = alert_format_is_ecs(alert_format)
        table = sqlite_table(table, output, "table" in typed_options(ctx))
        json_out = detect_format(output) == "jsonl" or is_sqlite(output) or str(output) == "-"
        if ecs and not json_out:
            raise HourglassError(f"--alert-format ecs: writes JSON alerts to a .jsonl (or .jsonl.gz) "
                                 f"or .sqlite --output, or to standard output (-o -), got "
                                 f"{output.name}")
        pipe = load(model)
        rules = bind_rules(rules, pipe, model_kind(pipe))
        from hourglass.cli._groups import check_group_options

        check_group_options(group_by, group_window, model_kind(pipe), pipe.model_name,
                            timestamp_col=timestamp_col, keep=keep)
        if group_by is not None and not json_out:
            raise HourglassError(f"--group-by: writes grouped JSON alerts to a .jsonl (or .jsonl.gz) "
                                 f"or .sqlite --output, or to standard output (-o -), got "
                                 f"{output.name}")
        rule = None
        if ecs:
            from hourglass.serve.ecs import AlertRule

            rule = AlertRule.from_model(model, pipe)
        # a key file is scored a block of lines at a time (a log's sessions are read whole)
        key_file = getattr(pipe.features_, "format", None) == "keys" and \
            not getattr(pipe.features_, "is_table", True)
        refuse_unused(score, model_kind(pipe), pipe.model_name, {
            "dataset": dataset, "strict": strict, "fmt": fmt, "on_bad_rows": on_bad_rows,
            "chunk_mb": None if key_file else chunk_mb}, typed_options(ctx))
        # (checked once the model's kind has not refused it: a kind that reads no chunks says
        # '--chunk-mb: not used', whatever its value, as of --format or --on-bad-rows)
        chunk_size = chunk_bytes(chunk_mb)
        if getattr(pipe.features_, "output", "tabular") == "events" and keep:
            raise HourglassError("--keep: not available for log models (the output has one row "
                                 "per session, with its id)")
        if model_kind(pipe) == "entity":
            from hourglass.cli.entity import score_entity

            if keep:
                raise HourglassError("--keep: not available for entity-bucket models (one output "
                                     "row per entity and bucket)")
            drift = DriftCheck(pipe, drift_window)
            summary, stats = score_entity(pipe, data, output, fmt=str(fmt), on_bad_rows=on_bad_rows,
                                          anomalies_only=anomalies_only, table=table, ecs_rule=rule,
                                          rules=rules, drift=drift)
    if model_kind(pipe) == "entity":
        report_skipped(stats, data)
        err.print(summary, highlight=False)
        drift.summary()
        say_wrote(output)
        return
    with user_errors():
        drift = DriftCheck(pipe, drift_window)
        if getattr(pipe.features_, "output", "tabular") == "timeseries":
            summary = ts_cli.score_command(pipe, data, output, dataset=dataset, keep=keep,
                                           anomalies_only=anomalies_only, ecs_rule=rule,
                                           drift=drift, table=table)
        if getattr(pipe.features_, "output", "tabular") == "events":
            summary = log_cli.score_logs(pipe, data, output, strict=strict,
                                         anomalies_only=anomalies_only, ecs_rule=rule,
                                         drift=drift, table=table, block_bytes=chunk_size)
    if getattr(pipe.features_, "output", "tabular") in ("events", "timeseries"):
        err.print(summary, highlight=False)
        drift.summary()
        say_wrote(output)
        return
    with user_errors():
        # (a table model's output columns: the other kinds refuse --keep, whatever it names)
        refuse_kept_outputs(keep, {"row", "score", "flag", "calibrated", "severity",
                                   *(["suppressed"] if suppress is not None else [])})
        spec, _, _ = resolve_spec(dataset, None, None, fmt, data)
        if rule is not None:
            from hourglass.serve.sinks import alert_columns, alert_file
        kept = KeptColumns(keep, data, lenient=rows_vary_in_columns(pipe, spec, data))
        silencer = Silencer(rules, data, lenient=kept.lenient) if rules is not None else None
        if group_by is not None:
            summary = _score_grouped(pipe, data, output, spec, stats, kept, keep=keep, rule=rule,
                                     table=table, chunk_mb=chunk_mb, on_bad_rows=on_bad_rows,
                                     drift=drift, group_by=group_by, group_window=group_window,
                                     timestamp_col=timestamp_col, silencer=silencer)
    if group_by is not None:
        report_skipped(stats, data)
        err.print(summary, highlight=False)
        drift.summary(stats)
        say_wrote(output)
        return
    # a CSV's integer column with a missing cell is read as floats: JSON lines write its 22.0 as
    # 22, as grouped alerts, ECS fields and a streamed line do (CSV and Parquet keep the column)
    whole_ints = detect_format(output) == "jsonl"
    with user_errors():
        with (chunk_writer(output, table=table) if rule is None else
              alert_file(output, alert_columns("table", ecs=True), table=table)) as writer:
            # the columns read besides the model's: the rules' and, for ECS alerts, those with
            # an ECS name (any other turns to text where a later chunk has text in it: a --keep
            # column too, copied as the whole file read at once has it; a Parquet output then
            # refuses the change of type by name, as for JSON lines)
            for df, result in score_chunks(pipe, data, spec, on_bad_rows, stats,
                                            chunk_bytes=chunk_size,
                                            reads=[*(silencer.rules.columns if silencer is not None else ())],
                                            reads_also=None if rule is None else functools.partial(
                                                _ecs_named_column, fmt=rule.data_format,
                                                known=rule.input_fields),
                                            look=kept.look):
                if silencer is not None:  # (on the columns read: not the empty --keep ones)
                    silencer.frame(df, result)
                df = kept.add(df)
                result.insert(0, "row", stats.rows_of(np.arange(n_rows, n_rows + len(df))))
                n_rows += len(df)
                flagged += int((result["flag"] == 1).sum())
                drift.update(result["flag"].to_numpy(), stats)
                if rule is not None:
                    writer.write(_ecs_docs(result.drop(columns=["suppressed"], errors="ignore"), df,
                                           rule, keep, skip=on_bad_rows == "skip",
                                           first_row=n_rows - len(df), stats=stats, where=str(data)))
                    continue
                for c in keep or []:
                    result[c] = whole_values(df[c]) if whole_ints else column_values(df[c])
                if anomalies_only:
                    result = result[result["flag"] == 1]
                writer.write(result)
            if n_rows == 0:  # as evaluate and inspect say it, and nothing written
                raise no_rows_error(data, stats)
            kept.check()
            if silencer is not None:
                silencer.check()
    report_skipped(stats, data, kept=n_rows)
    err.print(f"scored {counted(n_rows, 'row')} ({spec.name if spec else 'table'}), {flagged:,} flagged"
              f"{f', {silencer.text()}' if silencer is not None else ''}", highlight=False)
    drift.summary(stats)
    say_wrote(output)


def _ecs_named_column(column: str, fmt: str | None, known: tuple[str, ...] = ()) -> bool:
    """Whether an ECS alert takes ``column`` of a ``fmt`` table (it has an ECS name, by itself or
    among the model's input fields, ``known``)."""
    from hourglass.serve.ecs import ecs_column

    return ecs_column(column, known, fmt)


#: a time column's error for a row without a time (null, absent, empty), and what skipping does
_NO_TIME = re.compile(r": (?:line|row|data row) \d+ has no time \((?:missing|empty)\)")
_NO_TIME_ADVICE = "; with --on-bad-rows skip their alerts carry the scoring time"


def _ecs_docs(result: Any, df: Any, rule: Any, keep: list[str] | None, *, skip: bool = False,
              first_row: int = 0, stats: Any = None, where: str = "") -> list[dict[str, Any]]:
    """ECS documents of a scored chunk's flagged rows (kept columns, columns with an ECS name and
    event times from ``df``). ``skip`` (``--on-bad-rows skip``): a row whose time does not read
    is still scored, its alert stamped with the scoring time (``timestamp_from`` says so), with
    a warning naming the first one's data row (``first_row``: the rows scored before the chunk;
    ``stats``, the read's counts, tells whether that is the file's row: its value alone where a
    skipped row may come before it); else it stops the run naming it. ``where``: the input's
    name, in front of the warning and the error as grouped alerts have it (``FILE: column ...``)."""
    import logging

    import numpy as np
    import pandas as pd

    from hourglass._times import parse_timestamps, unreadable_times
    from hourglass.cli._groups import shown_value
    from hourglass.cli.tables import about_file, at_kept_rows
    from hourglass.errors import InputError
    from hourglass.ingest import ReadStats
    from hourglass.serve.ecs import ecs_column, frame_alerts

    times = None
    if rule.time_field and rule.time_field in df.columns:
        col, day = df[rule.time_field], rule.time_dayfirst
        bad = unreadable_times(col, rule.time_field, day) if skip else np.zeros(len(col), dtype=bool)
        if bad.all() and len(col):
            bad[:] = False  # no time at all: the read's error names the column
        try:
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                row = ReadStats.place_in(stats, first_row + first)
                logging.getLogger("hourglass").warning(
                    "%scolumn %r: %d row(s) without a readable time (first: %s%s); their "
                    "alerts carry the scoring time", f"{where}: " if where else "", rule.time_field,
                    int(bad.sum()),
                    "" if row is None else f"{row}, ", shown_value(col.iloc[first]))
                times = pd.Series(pd.NaT, index=range(len(col)), dtype=object)
                times[~bad] = list(parse_timestamps(col[~bad], rule.time_field, dayfirst=day))
                times = times.tolist()
            else:
                times = parse_timestamps(col, rule.time_field, dayfirst=day)
        except InputError as exc:  # its row: of the chunk's rows parsed, told as the file's
            at = first_row + np.flatnonzero(~bad)
            refused = (about_file(at_kept_rows(exc, stats, at), where) if where
                       else at_kept_rows(exc, stats, at))
            if not skip and _NO_TIME.search(str(refused)):  # (stream and the service, reading a row
                # alone, stamp it with the scoring time: a key left out may be one the data lacks)
                refused = InputError(f"{refused}{_NO_TIME_ADVICE}", param=refused.param)
            raise refused from None
    columns = tuple(map(str, df.columns))
    named = [c for c in df.columns if ecs_column(c, columns, rule.data_format) and c not in (keep or ())]
    return frame_alerts(result, rule, fields=df[keep] if keep else None, times=times,
                        named=df[named] if named else None)


def _score_grouped(pipe: Any, data: Path, output: Path, spec: Any, stats: Any, kept: Any, *,
                   keep: list[str] | None, rule: Any, table: str, chunk_mb: float, on_bad_rows: str,
                   drift: Any, group_by: str, group_window: str | None,
                   timestamp_col: str | None, silencer: Any = None) -> str:
    """Score DATA and write one alert per group of flagged rows (see ``score``'s docstring);
    the stderr summary. With ``--on-bad-rows skip`` a row whose time does not read is scored,
    in no window: flagged, it is its own alert (no window, no time), with a warning."""
    import logging

    import numpy as np
    import pandas as pd

    from hourglass.cli._groups import NO_TIME, Grouping, whole
    from hourglass.cli.tables import no_rows_error, score_chunks
    from hourglass.serve.ecs import column_values
    from hourglass.serve.sinks import alert_columns, alert_file

    time_col = timestamp_col or pipe.info.get("time_col")
    grouping = Grouping.from_options(group_by, group_window, time_col, ordered=True,
                                     keep=keep or (), rule=rule, info=pipe.info,
                                     skip=on_bad_rows == "skip")
    ecs_time = grouping.ecs_time_field  # windows of rows: the ECS event time of a flagged row
    columns = (alert_columns("table", ecs=True) if rule is not None else
               alert_columns("group", keys=grouping.keys, keep=keep or ()))
    n_rows = flagged = 0
    with alert_file(output, columns, table=table) as writer:
        reads = [*grouping.keys, *(keep or []), *([time_col] if time_col else []),
                 *(silencer.rules.columns if silencer is not None else ())]
        for df, result in score_chunks(pipe, data, spec, on_bad_rows, stats,
                                        chunk_bytes=chunk_bytes(chunk_mb), reads=reads,
                                        look=kept.look):
            if silencer is not None:  # a silenced row feeds no group
                silencer.frame(df, result)
            df = grouping.with_keys(kept.add(df), str(data), lenient=kept.lenient)
            times = grouping.times(df[grouping.time_col], n_rows, str(data),
                                   skip=on_bad_rows == "skip", stats=stats) if grouping.time_col else None
            flags = result["flag"].to_numpy()
            drift.update(flags, stats)
            idx = np.flatnonzero(flags == 1)
            flagged += len(idx)
            keys = list(zip(*(column_values(df[c])[idx] for c in grouping.keys), strict=True))
            if ecs_time is not None:  # one that does not read stops the run, as without --group-by
                _check_ecs_times(grouping, df[ecs_time].iloc[idx], idx, n_rows, data, ecs_time, stats)
            alerts = [{"row": int(i), "score": float(s), "severity": str(v),  # (data rows)
                       "calibrated": float(c)} for i, s, v, c in zip(
                          stats.rows_of(n_rows + idx), result["score"].to_numpy()[idx],
                          result["severity"].to_numpy()[idx], result["calibrated"].to_numpy()[idx],
                          strict=True)]
            for c in keep or []:  # Python values (a nanosecond time a Timestamp, not an integer)
                for a, value in zip(alerts, df[c].iloc[idx].tolist(), strict=True):
                    a[c] = None if value is pd.NA or value is pd.NaT else whole(value)  # missing: null
            early = grouping.add(alerts, keys, [None if times[i] == NO_TIME else int(times[i]) for i in idx]
                                 if times is not None else [None] * len(idx))
            n_rows += len(df)
            due = grouping.groups.advance(times=times[times != NO_TIME]) if times is not None else \
                grouping.groups.advance(rows=int(stats.rows_of(np.array([n_rows - 1]))[0]) + 1)
            writer.write(grouping.render(early + due))
        if n_rows == 0:
            raise no_rows_error(data, stats)
        kept.check()
        if silencer is not None:
            silencer.check()
        grouping.check_seen(str(data))
        writer.write(grouping.render(grouping.groups.close()))
    for note in (grouping.untimed_note(str(data)), grouping.ecs_time_note(str(data))):
        if note:
            logging.getLogger("hourglass").warning("%s", note)
    return (f"scored {counted(n_rows, 'row')} ({spec.name if spec else 'table'}), {flagged:,} flagged"
            f"{f', {silencer.text()}' if silencer is not None else ''}; " + grouping.summary())



#: why an error names "a flagged row", not its data row (said in the error's parentheses)
_UNKNOWN_FLAGGED = "its data row is not known, as rows were left out before it"


def _check_ecs_times(grouping: Any, col: Any, idx: Any, n_rows: int, data: Path, field: str,
                     stats: Any = None) -> None:
    """Stop at the first flagged row whose value of the model's time column (``col``, those
    rows') is no time, naming its data row, as ungrouped ECS alerts stop (with ``--on-bad-rows
    skip`` counted by the grouping instead, its data row told where ``stats``, the read's
    counts, says no skipped row may come before it). A column read as times only misses where empty;
    other values are checked as Python values (numpy's took the slow parse path, per row)."""
    import pandas as pd

    from hourglass.cli._groups import shown_value, whole
    from hourglass.ingest import ReadStats

    missing = col.isna().to_numpy()
    timed = pd.api.types.is_datetime64_any_dtype(col)  # (then every value there is a time)
    values = [None] * len(col) if timed else [whole(v) for v in col.tolist()]

    def place_of(at: int) -> str:  # told for a row named only (a CSV row's line is read for it);
        # "": a row skipped before it whose place is not known
        return ReadStats.place_in(stats, at) or ""

    def refused(at: int, what: str, then: str) -> HourglassError:  # '... {what}{why}{then}'
        said = place_of(at)
        why = "" if said else f"; {_UNKNOWN_FLAGGED}"
        return HourglassError(f"{data}: column {field!r}: {said or 'a flagged row'} {what}{why}{then}")

    for j, value in enumerate(values):
        at = n_rows + int(idx[j])
        place = functools.partial(place_of, at)
        if missing[j]:
            if not grouping.skip:
                raise refused(at, "has no time (missing", "); every row needs one")
            grouping.count_ecs_untimed(place, None)  # (shown as 'empty')
        elif not timed and not grouping.ecs_time_reads(value, place):
            raise refused(at, f"is not a timestamp ({shown_value(value)}", ")")
