"""Commands that describe rather than train: ``hourglass models``, ``formats`` and ``inspect``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from hourglass._columns import counted, listed_columns, near_names
from hourglass.cli._common import (
    check_not_input,
    check_output_kind,
    no_own_time,
    refuse_closed_stdout,
    refuse_label_in_columns,
    refuse_normal_without_label,
)
from hourglass.cli._options import (
    AggregateOpt,
    BucketOpt,
    CategoricalOpt,
    DistinctOpt,
    DropOpt,
    EntityCaseOpt,
    EntityColOpt,
    InspectTimestampOpt,
    LabelOpt,
    NormalOpt,
    RoleOpt,
    ScalerOpt,
    TableBadRowsOpt,
    TableDatasetOpt,
    TableFormatOpt,
    parse_roles,
)
from hourglass.cli._output import (
    data_on_stdout,
    on_screen,
    out,
    report_skipped,
    setup_logging,
    table_console,
    user_errors,
)
from hourglass.cli._spool import shown, stdin_as_file
from hourglass.errors import HourglassError, InputError

# The library is imported inside the commands, so that 'hourglass --help' answers at once.

__all__ = ["formats", "inspect", "models"]

#: The registry's input kinds as the CLI and README name them ('table models', 'a time-series model')
INPUT_NAMES = {"tabular": "table", "timeseries": "time series", "events": "log"}


def models() -> None:
    """List the registered detectors."""
    from hourglass.detectors import registry  # its data only: no detector, no torch is imported

    with user_errors():  # the list is the result
        refuse_closed_stdout("the list")
    t = Table(title="hourglass detectors", header_style="bold")
    names = registry.entries()
    # a name is what '--model' takes: never cut to 'denoising-autoenco…' (a pipe is 80 wide)
    t.add_column("name", no_wrap=True, min_width=max(map(len, names)))
    t.add_column("input")
    t.add_column("also")
    t.add_column("description", overflow="fold")
    for name, entry in names.items():
        t.add_row(name, INPUT_NAMES.get(entry.input, entry.input),
                  " ".join(registry.CAPABILITIES.get(name, ())) or "-", entry.summary)
    out.print(t)
    out.print("also: labels = fit(X, y) in Python uses known anomalies (y=1; train fits on normal rows "
              "only); explain = says why a row or session was "
              "flagged; onnx = hourglass export --onnx; gradients = explain by integrated gradients (an "
              "ensemble: only when all its members have them, as the default's latent-iforest has "
              "not); "
              "retrain = hourglass train NEW --warm-start MODEL", highlight=False)


def formats() -> None:
    """List the input formats ('--format NAME'; 'auto' sniffs the table formats in this order; a
    log is never sniffed: give its --format)."""
    from hourglass.cli._options import LOG_FORMAT_HELP
    from hourglass.ingest import all_formats

    with user_errors():  # the list is the result
        refuse_closed_stdout("the list")
    t = Table(title="hourglass input formats", header_style="bold")
    t.add_column("name", no_wrap=True, min_width=max(map(len, [*all_formats(), *LOG_FORMAT_HELP])))
    t.add_column("label column")
    t.add_column("normal")
    t.add_column("description")
    for name, spec in all_formats().items():
        time_col = getattr(spec, "time_col", None)
        t.add_row(name, str(spec.label_col or "-"), ", ".join(spec.normal) or "-",
                  getattr(spec, "description", "") + (f"; time field {time_col}" if time_col else ""))
    for name, desc in LOG_FORMAT_HELP.items():
        t.add_row(name, "-", "-", desc)
    out.print(t)
    out.print("--format auto (the default) tries the table formats in this order, then reads the "
              "file by its name; a log needs its --format (hdfs, bgl, syslog, journald, raw, keys or "
              "a header regex)", highlight=False)


def _more_rows(chunks: Iterator[Any], stats: Any) -> bool:
    """Whether ``chunks`` (a reader's, its rows read so far) holds another row; the reader's
    ``stats`` (:class:`~hourglass.ingest.ReadStats`) are left as they were, the malformed rows
    read past the preview not counted. A malformed row read (``--on-bad-rows error``) is a row."""
    import dataclasses

    saved = dataclasses.replace(stats, bad_lines=list(stats.bad_lines), gaps=list(stats.gaps),
                                dropped=list(stats.dropped))
    try:
        return any(len(chunk) for chunk in chunks)
    except HourglassError:
        return True
    finally:
        for f in dataclasses.fields(stats):
            setattr(stats, f.name, getattr(saved, f.name))


def inspect(
    data: Annotated[Path, typer.Argument(
        metavar="DATA", callback=stdin_as_file,
        help="CSV/TSV/Parquet/JSONL table, flow or event file, or a time series as a table (.gz "
             "read directly; - reads standard input); not a log (its lines have no column roles).")],
    fmt: TableFormatOpt = "auto",
    dataset: TableDatasetOpt = None,
    label_col: LabelOpt = None,
    normal: NormalOpt = None,
    categorical: CategoricalOpt = None,
    drop: DropOpt = None,
    role: RoleOpt = None,
    scaler: ScalerOpt = "minmax",
    timestamp_col: InspectTimestampOpt = None,
    rows: Annotated[int, typer.Option(help="Rows to look at (from the start of the file).", min=1)
                    ] = 100_000,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Write the schema as JSON (- for standard output; the table then goes to "
                       "stderr).")] = None,
    on_bad_rows: TableBadRowsOpt = "error",
    entity_col: EntityColOpt = None,
    entity_case: EntityCaseOpt = None,
    bucket: BucketOpt = None,
    aggregate: AggregateOpt = None,
    distinct: DistinctOpt = None,
) -> None:
    """Print the inferred schema of DATA: format, label, and each column's role and encoding.

    The schema options of 'hourglass train' (--categorical, --drop, --role, --scaler,
    --timestamp-col) apply here too: the table previews the features train would build.
    With --entity-col COL --timestamp-col TS [--bucket 5min --aggregate/--distinct]: what an
    entity-bucket model would aggregate per (entity, bucket) from each column, or why not."""
    data_on_stdout(json_out)  # '-': the data alone on stdout, the command's lines on stderr
    import numpy as np
    import pandas as pd

    from hourglass.cli._schema import (
        chosen_text,
        format_time_column,
        ids_as_written,
        in_one_form,
        is_log_format,
        preprocessor_for,
        read_as_text,
        resolve_spec,
        warn_label_as_feature,
    )
    from hourglass.cli._skip import skip_unreadable_times
    from hourglass.ingest import (
        ReadStats,
        atomic_output,
        column_normal,
        label_strings,
        read_table,
    )
    from hourglass.ingest.sqlite import json_document
    from hourglass.ingest.timeseries import get_timeseries_dataset

    setup_logging(True)
    with user_errors():
        if json_out is None:  # the table is the result
            refuse_closed_stdout("the schema", "--json")
        for opt, name in (("--format", fmt), ("--dataset", dataset)):
            if name is not None and (is_log_format(name) or get_timeseries_dataset(name) is not None):
                raise HourglassError(f"{opt} {name}: inspect describes tables (flows, CSV/TSV/"
                                     "Parquet/JSONL); logs and time series have no column roles")
        check_not_input(json_out, "--json", data)
        check_output_kind(json_out, "--json", (".json",), "JSON")
        typed_label = label_col
        spec, label_col, normal_values = resolve_spec(dataset, label_col, normal, fmt, data)
        # as train: the label is never a feature ('no column label' was false), read after this;
        # an entity model's label is only the --label-col typed (train aggregates the format's)
        own = typed_label if (entity_col is not None or bucket is not None) else label_col
        refuse_label_in_columns(own, categorical=categorical, drop=drop, roles=parse_roles(role),
                                timestamp_col=timestamp_col, spec=spec)
        if typed_label is not None:  # as train --entity-col refuses them: else a false 'no column'
            for opt, col in (("--entity-col", entity_col), *(("--aggregate", c) for c in aggregate or ()),
                             *(("--distinct", c) for c in distinct or ())):
                if col == typed_label:  # (the format's label: train aggregates it, as told)
                    raise HourglassError(f"--label-col {typed_label}: is also {opt} {col}; the label "
                                         "column marks each row normal or not and is not a feature")
        refuse_normal_without_label(normal, own)  # as train: it was ignored, the label a feature
        if entity_col is not None and drop:  # before the data is read, as train refuses it
            from hourglass.cli.entity import refuse_key_drops

            refuse_key_drops(drop, entity_col, timestamp_col if timestamp_col is not None else
                             spec.time_col if spec is not None else None)
        stats = ReadStats()
        if entity_col is None and bucket is None:  # as train reads them: '007' as written
            spec = read_as_text(spec, chosen_text(categorical, parse_roles(role)))
        parts, n, cut = [], 0, False
        chunks = (ids_as_written(spec, entity_col).iter_chunks(data, on_bad_rows=on_bad_rows, stats=stats)
                  if spec is not None
                  else iter([read_table(data, on_bad_rows=on_bad_rows, stats=stats)]))
        for chunk in chunks:
            parts.append(chunk.iloc[: rows - n])
            n += len(parts[-1])
            if n >= rows:  # the preview is not the whole file when rows follow it
                cut = len(chunk) > len(parts[-1]) or _more_rows(chunks, stats)
                break
        if n == 0:  # every row malformed (--on-bad-rows skip) is said as such, not as an empty file
            raise HourglassError(f"{data}: no data rows" + (
                f" (skipped {stats.bad_rows} malformed row(s))" if stats.bad_rows else ""))
        df = pd.concat(parts, ignore_index=True)
        if entity_col is None and bucket is None:  # as train: a row without a readable time
            if timestamp_col is None and spec is not None:  # is skipped with --on-bad-rows skip;
                timestamp_col = format_time_column(df, spec)  # the format's own, looked for once
            if timestamp_col is not None:
                df = skip_unreadable_times(df, timestamp_col, None, on_bad_rows, stats, shown(data))
                n = len(df)  # the rows inspected are those kept, as for malformed rows
            report_skipped(stats, data)  # rows left out of the preview are said, as train says them
        if typed_label is not None and typed_label not in df.columns:  # as train and benchmark
            from hourglass.ingest.tables import nested_note

            nested = (nested_note([typed_label], df.columns)  # labels, read as labels.verdict ...
                      or near_names([typed_label], df.columns))  # or LABEL, or another spelling
            raise HourglassError(f"{data}: no label column {typed_label!r} (--label-col); " + (
                nested or f"columns are {listed_columns(list(df.columns)[:8])}"
                          f"{' ...' if df.shape[1] > 8 else ''}"))
        if entity_col is not None or bucket is not None:  # imports the models' side: only then
            from hourglass.cli import entity as entity_cli

            own_time = timestamp_col is None  # the format's event time, as train takes it
            if timestamp_col is None and entity_col is not None and spec is not None:
                timestamp_col = spec.time_col
            # (where the format names none, ECS's @timestamp: as train and a table model take it)
            ecs_time = own_time and entity_col is not None and timestamp_col is None
            if ecs_time:
                timestamp_col = entity_cli.ECS_TIME
            entity_cli.wants_entity(entity_col, bucket, timestamp_col)  # the options' own errors
            if categorical:
                raise HourglassError("--categorical: not for entity-bucket models (--distinct "
                                     "COL counts a column's values per bucket)")
            named = {**{c: "--aggregate" for c in aggregate or ()},
                     **{c: "--distinct" for c in distinct or ()}}
            both = [c for c in drop or () if c in named]
            if both:  # as train: else the data, which holds it, was said to lack the column
                raise HourglassError(f"--drop {both[0]}: is also {named[both[0]]} {both[0]}; a "
                                     "column is either aggregated or dropped")
            assert entity_col is not None and timestamp_col is not None
            timestamp_col = entity_cli.own_or_ecs_time(df, timestamp_col, own_time)
            if drop:
                entity_cli.refuse_key_drops(drop, entity_col, timestamp_col)
            df = skip_unreadable_times(df, timestamp_col, None, on_bad_rows, stats, shown(data))
            if on_bad_rows == "skip":  # text in a column train would sum: skipped, as train skips it
                from hourglass.cli._skip import skip_text_in_numbers
                from hourglass.cli.entity import entity_roles  # (inspect --entity-col imports it anyway)
                from hourglass.features.entity import EntityWindows

                given = bool(aggregate or distinct)
                keys = (entity_col, timestamp_col, typed_label or "")
                probe = EntityWindows(entity_col, timestamp_col, drop=tuple(drop or ()),
                                      numeric=tuple(aggregate or ()) if given else None,
                                      categorical=tuple(distinct or ()) if given else None,
                                      entity_case=entity_case or "exact", roles=None if given else
                                      entity_roles(spec, parse_roles(role), df, keys))
                df = skip_text_in_numbers(df, probe.summed_columns(df, typed_label), on_bad_rows,
                                          stats, shown(data))
            report_skipped(stats, data)
            # the rows read above (as train reads them): never the whole file again, which held
            # all of it in memory whatever --rows said
            try:
                _inspect_entity(df, spec, data, label_col=typed_label,  # as train: only --label-col
                                normal_values=normal_values,
                                entity_col=entity_col, timestamp_col=timestamp_col, bucket=bucket or "5min",
                                aggregate=aggregate, distinct=distinct, drop=drop or [],
                                roles=parse_roles(role), scaler=scaler, json_out=json_out,
                                entity_case=entity_case or "exact", stats=stats, more_rows=cut)
            except InputError as exc:  # the format's own time field, which this file lacks (as train)
                if own_time and getattr(exc, "param", None) == "timestamp_col":
                    raise no_own_time(shown(data), str(timestamp_col), exc, ecs=ecs_time) from None
                raise
            return
        if aggregate or distinct:
            raise HourglassError("--aggregate/--distinct: only with --entity-col COLUMN")
        if entity_case is not None:
            raise HourglassError("--entity-case: only with --entity-col COLUMN")
        labels, fitted_on = None, None
        at = stats.known(np.arange(len(df)))  # the file's data row of each row (-1: not known)
        if label_col is not None and label_col in df.columns:
            values = label_strings(df[label_col])
            labels = pd.Series(values).value_counts()
            # --normal false on a column of booleans is its False, as train matches it
            match = column_normal(normal_values or [], df[label_col])
            df = df.drop(columns=[label_col])
            normal_rows = np.isin(values, match)
            if normal_rows.any():  # train fits the preprocessing on the normal rows only
                df, at = df.loc[normal_rows].reset_index(drop=True), at[normal_rows]
                fitted_on = int(normal_rows.sum())
        df = in_one_form(df, str(data), parse_roles(role), spec)  # each value in one spelling, as train
        pre = preprocessor_for(df, str(data), spec=spec, categorical=categorical or [],
                               drop=drop or [], roles=parse_roles(role), scaler=scaler,
                               time_col=timestamp_col)
        times = None
        if timestamp_col is not None:  # the event time: never a feature (as in train)
            times = _time_summary(df[timestamp_col], timestamp_col, at, stats, data)
            df = df.drop(columns=[timestamp_col])
        format_drop = list(getattr(spec, "drop", ()) or ())
        try:
            schema = pre.fit(df).describe()
        except InputError as exc:  # about the data: named as train and score name it
            raise _about_data(exc, at, stats, data) from None
        warn_label_as_feature([d["column"] for d in schema if d["role"] != "drop"
                               and (label_col is None or d["features"])], label_col, str(data))
        shape = spec.name if spec else None
        if shape == "csv" and Path(data).is_file():  # a European spreadsheet export says so
            from hourglass.ingest.tables import SEPARATOR_NAMES, sniff_delimiter

            sep = sniff_delimiter(data)
            if sep != ",":
                shape = f"csv ({SEPARATOR_NAMES[sep]}-separated)"
        report = {"file": shown(data), "format": shape, "rows_inspected": n,
                  "label_col": label_col, "normal": normal_values,
                  "labels": {str(k): int(v) for k, v in labels.items()} if labels is not None
                  else None, "dropped_by_format": format_drop,
                  "dropped_by_option": list(drop or []), "timestamp_col": timestamp_col,
                  "timestamps": times,
                  "columns": schema,
                  "n_features": len(pre.feature_names_),
                  "skipped_rows": stats.bad_rows,
                  "fitted_on_normal_rows": fitted_on,
                  # rows follow the first --rows: the report is of those alone, as the screen's
                  # 'of a longer file' says (rows_inspected alone read as the whole file's count)
                  "more_rows": cut}
        if json_out is not None:
            with atomic_output(json_out) as tmp:
                tmp.write_text(json_document(report), encoding="utf-8")
    wide = table_console()
    out.print(f"{shown(data)}: format {report['format']}, {counted(n, 'row')} inspected, "
              f"{counted(len(df.columns), 'column')} → {counted(len(pre.feature_names_), 'feature')}",
              highlight=False)
    if labels is not None and label_col is not None:
        out.print(_label_line(labels, label_col, normal_values), highlight=False)
        out.print(f"features fitted on the {fitted_on:,} normal rows, as train fits them"
                  if fitted_on is not None else
                  f"no row has a normal label value ({', '.join(normal_values) or 'none given'}): "
                  "features fitted on every row; train would refuse this file (--normal)"
                  if not cut else  # the rows after the first --rows may hold normal ones
                  f"none of the first {rows:,} rows (--rows) has a normal label value "
                  f"({', '.join(normal_values) or 'none given'}): features fitted on every one; "
                  "train refuses a file without any (--normal)", highlight=False)
    t = Table(header_style="bold")
    for h in ("column", "dtype", "missing", "distinct", "role", "why", "features", "encoding"):
        t.add_column(h, justify="right" if h in ("missing", "distinct", "features") else "left")
    grouped = len(schema) > WIDE_SCHEMA and wide.is_terminal  # piped (| grep, a file): each column
    for row in _schema_rows(schema, grouped):
        t.add_row(*(on_screen(c) for c in row))  # a column name or value's escape sequences quoted
    wide.print(t)
    by_count = [d["column"] for d in schema if d["why"].startswith("near-unique")
               or d["why"] == "text values" or "> max_categories" in d["why"]]
    # and by their values: log1p for a heavy tail, dropped as constant or a near-duplicate
    by_value = [d["column"] for d in schema if d["role"] == "numeric"]
    if cut:  # train reads every row: 63,285 of 100,000 near-unique, hashed in all; a tail later on
        said = [f"{what} ({listed_columns(cols[:5])}{' ...' if len(cols) > 5 else ''}) {how}"
                for what, cols, how in (
                    ("text columns", by_count, "another role (one-hot, hashed or dropped as near-unique)"),
                    ("numeric columns", by_value, "another encoding (log1p or not; dropped as constant "
                                                  "or as a near-duplicate, or kept)")) if cols]
        out.print(on_screen(f"only the first {counted(n, 'row')} (--rows) of a longer file: train reads "
                            "every row" + (f", which may give {' and '.join(said)}" if said else "")),
                  highlight=False)
    if grouped:
        out.print(f"{len(schema):,} columns: those of one dtype, role and encoding shown as one "
                  "row (piped, or --json, lists each column)", highlight=False)
    if format_drop:
        out.print(on_screen(f"never features for {report['format']}: {listed_columns(format_drop)}"),
                  highlight=False)
    if drop:
        out.print(on_screen(f"not features (--drop): {listed_columns(drop)}"), highlight=False)
    if timestamp_col is not None:
        span: dict[str, Any] = times or {}
        read = "" if not span else (
            f" {span['first']} to {span['last']}"
            + ("" if span["dayfirst"] is None else
               f" (dates read {'day' if span['dayfirst'] else 'month'} first)") + ";")
        out.print(f"timestamp column {timestamp_col!r}:{read} the event rate and alert times, not a "
                  "feature", highlight=False)


def _label_line(labels: Any, label_col: str, normal_values: list[str]) -> str:
    """``inspect``'s line of the label column: each value's row count (``labels``, a
    ``value_counts``), the 8 most frequent, a row without a label ('' read from an empty cell or
    a null) named, not a blank.

    Examples
    --------
    >>> import pandas as pd
    >>> _label_line(pd.Series(["normal", "scan", "", "normal"]).value_counts(), "label", ["normal"])
    "label column 'label' (normal: normal): normal (2), scan (1), (no label) (1)"
    """
    counts = ", ".join(f"{on_screen(k) or '(no label)'} ({v:,})" for k, v in labels.head(8).items())
    return (f"label column {label_col!r} (normal: {', '.join(normal_values) or '?'}): "
            f"{counts}{' ...' if len(labels) > 8 else ''}")


#: more columns than this: ``inspect`` on a terminal shows the columns of one dtype, role, reason
#: and encoding as one row (3,000 numeric columns were 3,000 lines on the terminal); piped (to
#: ``grep``, a file) or ``--json``, it lists each
WIDE_SCHEMA = 100


def _schema_rows(schema: list[dict[str, Any]], grouped: bool) -> list[tuple[str, ...]]:
    """The rows of ``inspect``'s table: one a column, or, ``grouped``, one for the columns alike
    in dtype, role, reason, features and encoding (in the order of their first column; the first
    names, the count, the ranges of missing and distinct)."""
    def cells(d: dict[str, Any]) -> tuple[str, ...]:
        return (d.get("dtype", ""), d["role"], d["why"], str(d["features"]), d["note"])

    def distinct(d: dict[str, Any]) -> int | None:
        return d.get("unique", 0)

    if not grouped:
        return [(d["column"], d.get("dtype", ""), f"{d.get('missing', 0):.1%}",
                 "-" if distinct(d) is None else f"{distinct(d):,}",  # (a dropped list column)
                 d["role"], d["why"], str(d["features"]), d["note"]) for d in schema]
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for d in schema:
        groups.setdefault(cells(d), []).append(d)
    rows: list[tuple[str, ...]] = []
    for (dtype, role, why, _, note), ds in groups.items():
        if len(ds) == 1:
            name = ds[0]["column"]
        else:
            shown_names = listed_columns([d["column"] for d in ds[:3]])
            name = f"{shown_names}{' ...' if len(ds) > 3 else ''} ({len(ds):,} columns)"
        shares = [d.get("missing", 0) for d in ds]
        low, high = f"{min(shares):.1%}", f"{max(shares):.1%}"
        counts = [c for c in (distinct(d) for d in ds) if c is not None]
        seen = ("-" if not counts else f"{min(counts):,}" if min(counts) == max(counts)
                else f"{min(counts):,}-{max(counts):,}")
        rows.append((name, dtype, low if low == high else f"{low}-{high}",
                     seen, role, why, f"{sum(int(d['features']) for d in ds):,}", note))
    return rows


def _about_data(exc: Any, at: Any, stats: Any, data: Path) -> Any:
    """``inspect``'s refusal ``exc`` of the rows at the file's data rows ``at`` told as the
    file's (:func:`~hourglass.cli.tables.at_file_rows`) and, unless it is about an option
    (``exc.param``), with the file in front, as ``train`` and ``score`` say it."""
    from hourglass.cli.tables import about_file, at_file_rows

    told = at_file_rows(exc, at, stats)
    return about_file(told, data) if exc.param is None else told


def _time_summary(values: Any, column: str, at: Any, stats: Any, data: Path) -> dict[str, Any]:
    """First and last time of a timestamp column and the order its numeric dates are read in
    (``None``: not such dates), as ``train`` reads them; unreadable times are an error, as there,
    its rows told as the file's data rows ``at`` (per value, from 0; ``-1``: not known), of the
    file ``data``."""
    from hourglass._times import read_timestamps
    from hourglass.errors import InputError

    try:
        ts, dayfirst = read_timestamps(values, column)
    except InputError as exc:
        raise _about_data(exc, at, stats, data) from None
    return {"first": str(ts.min()), "last": str(ts.max()), "dayfirst": dayfirst}


def _inspect_entity(df: Any, spec: object, data: Path, *, label_col: str | None,
                    normal_values: list[str], entity_col: str, timestamp_col: str, bucket: str,
                    aggregate: list[str] | None, distinct: list[str] | None, drop: list[str],
                    roles: dict[str, str], scaler: str, json_out: Path | None,
                    entity_case: str = "exact", stats: Any = None, more_rows: bool = False) -> None:
    """``inspect --entity-col``: the per-(entity, bucket) aggregates train would build. ``stats``
    (the read's): the rows it skipped, reported, and an error's rows told as the file's data rows
    where it knows them; ``more_rows``: rows follow the first --rows (said in the JSON)."""
    import numpy as np
    import pandas as pd

    from hourglass.cli.entity import FEW_BUCKETS, inspect_entity, refuse_missing_drops
    from hourglass.ingest import atomic_output, column_normal, label_strings
    from hourglass.ingest.sqlite import json_document

    assert isinstance(df, pd.DataFrame)
    refuse_missing_drops(drop, df, shown(data))  # as train refuses it
    from hourglass.errors import InputError

    fitted_on, order, labels, left_out = None, None, None, [0, 0]
    labelled = label_col is not None and label_col in df.columns
    at = np.arange(len(df)) if stats is None else stats.known(np.arange(len(df)))
    skipped_rows = 0 if stats is None else stats.bad_rows
    if labelled:  # train aggregates the normal buckets
        assert label_col is not None
        values = label_strings(df[label_col])
        labels = pd.Series(values).value_counts()  # of the rows inspected, as the table inspect's
        match = column_normal(normal_values or [], df[label_col])  # false: False, 0.0: 0
        normal_rows = pd.Series(values).isin(match).to_numpy()
        if normal_rows.any():
            # as train: every (entity, bucket) holding an anomalous row is left out whole (its
            # normal rows too: a thinned bucket is not normal), rows without a label too
            from hourglass.cli.entity import check_entity_case, normal_buckets
            from hourglass.features.entity import EntityWindows, _read_times, parse_bucket

            parse_bucket(bucket)
            check_entity_case(entity_case)
            try:
                if timestamp_col in df.columns:  # the whole file's date order (01/02 or 13/02), as train
                    order = _read_times(df[timestamp_col], timestamp_col)[1]  # reads the normal rows in
                probe = EntityWindows(entity_col, timestamp_col, bucket=bucket, numeric=(),
                                      categorical=(), entity_case=entity_case, dayfirst=order)
                df, *left_out, at = normal_buckets(df, probe, label_col, list(normal_values or []),
                                                   data, stats)
            except InputError as exc:  # its rows: positions among the rows read, told as the file's
                raise _about_data(exc, at, stats, data) from None
            fitted_on = len(df)
        else:
            df = df.drop(columns=[label_col])
    df = df.drop(columns=[c for c in drop if c in df.columns and c not in (entity_col, timestamp_col)])
    try:
        built = inspect_entity(df, spec, entity_col=entity_col, timestamp_col=timestamp_col,
                               bucket=bucket, numeric=aggregate, distinct=distinct, drop=drop,
                               roles=roles, scaler=scaler, where=data, entity_case=entity_case,
                               dayfirst=order)
    except InputError as exc:  # its rows: positions among the rows inspected, told as the file's
        raise _about_data(exc, at, stats, data) from None
    report = {"file": shown(data), "format": getattr(spec, "name", None), "label_col": label_col,
              "normal": normal_values if labelled else None,
              "labels": None if labels is None else {str(k): int(v) for k, v in labels.items()},
              "fitted_on_normal_rows": fitted_on,
              # as train's info['entity'] counts them
              "rows_left_out_with_attacks": left_out[0] if fitted_on is not None else None,
              "rows_left_out_without_label": left_out[1] if fitted_on is not None else None,
              "skipped_rows": skipped_rows, **built, "more_rows": more_rows}
    if label_col is None:  # as train warns: a label column aggregated as any other
        from hourglass.cli._schema import warn_label_as_feature

        warn_label_as_feature([d["column"] for d in report["columns"]
                               if d["role"] in ("numeric", "categorical")], None, str(data))
    if json_out is not None:
        with atomic_output(json_out) as tmp:
            tmp.write_text(json_document(report), encoding="utf-8")
    wide = table_console()
    out.print(f"{shown(data)}: format {report['format']}, {counted(report['rows'], 'row')} → "
              f"{report['buckets']:,} ({entity_col}, {bucket} bucket) rows of {report['entities']:,} "
              f"entities → {report['n_features']} features", highlight=False)
    if labels is not None and label_col is not None:  # as the table inspect says them
        out.print(_label_line(labels, label_col, normal_values), highlight=False)
        if fitted_on is not None:
            out.print(f"buckets built from the {counted(fitted_on, 'row')} train keeps: "
                      f"{left_out[0]:,} left out in (entity, bucket)s holding an attack row"
                      + (f", {left_out[1]:,} without a label or in a bucket with one"
                         if left_out[1] else ""), highlight=False)
    t = Table(header_style="bold")
    for h in ("column", "role", "per bucket", "why", "features"):
        t.add_column(h, justify="right" if h == "features" else "left")
    t.add_row("(rows)", "count", "rows", "every bucket's row count",
              "1" if report["row_count_feature"] else "0")
    for d in report["columns"]:
        t.add_row(*(on_screen(c) for c in (d["column"], d["role"], d["per_bucket"], d["why"],
                                             str(d["features"]))))
    wide.print(t)
    if labelled and fitted_on is None:  # said as the table inspect says it: not a silent fit on all
        given = ", ".join(normal_values) or "none given"
        out.print(f"no row has a normal label value ({given}): buckets built from every row; train "
                  "would refuse this file (--normal)" if not more_rows else
                  f"none of the first {report['rows']:,} rows (--rows) has a normal label value "
                  f"({given}): buckets built from every one; train refuses a file without any "
                  "(--normal)", highlight=False)
    if more_rows:  # as the table inspect says it: the counts above are of these rows alone
        out.print(f"only the first {report['rows']:,} rows (--rows) of a longer file: train "
                  "aggregates every row's (entity, bucket)", highlight=False)
    if report["buckets"] < FEW_BUCKETS:
        out.print(f"only {report['buckets']} (entity, bucket) rows in the inspected rows: train warns "
                  f"below {FEW_BUCKETS} (a shorter --bucket, or more data)", highlight=False)
