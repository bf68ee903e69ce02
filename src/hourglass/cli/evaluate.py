"""``hourglass evaluate``: metrics of a saved model on labelled DATA (tables, logs, time series),
with optional ``--json`` and HTML ``--report``."""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hourglass.cli._common import (
    check_not_input,
    check_output_kind,
    model_kind,
    refuse_closed_stdout,
    refuse_unused,
    typed_options,
)
from hourglass.cli._options import (
    AllSessionsOpt,
    BadRowsOpt,
    DataArg,
    DatasetOpt,
    DeprecatedTimeColOpt,
    FormatOpt,
    IdColOpt,
    LabelFieldOpt,
    LabelOpt,
    LabelsOpt,
    ModelArg,
    NormalOpt,
    QuietOpt,
    StrictOpt,
    refuse_empty,
    timestamp_option,
)
from hourglass.cli._output import (
    class_table,
    data_on_stdout,
    err,
    metrics_table,
    out,
    output_name,
    report_skipped,
    setup_logging,
    severity_counts,
    user_errors,
)
from hourglass.cli._spool import shown, shown_name
from hourglass.errors import HourglassError

if TYPE_CHECKING:
    from hourglass.ingest import ReadStats
    from hourglass.pipeline import Pipeline

__all__ = ["evaluate"]

_CLASSES_SHOWN = 30  # label values listed on screen with their detection rate

def _timeseries_page(pipe: Pipeline, data: Path, ts_report: dict[str, Any],
                     arrays: dict[str, Any]) -> str:
    """HTML report of a time-series model: point metrics, curves, and the event-wise table."""
    import numpy as np

    from hourglass._times import steps_per_day
    from hourglass.evaluate.report import render_report

    names = {"event_recall": "event recall", "event_precision": "event precision",
             "event_f1": "event F1", "n_events": "anomalous events",
             "mean_time_to_detect": "mean time to detect (steps)",
             "vus_pr": "VUS-PR (TSB-AD)", "vus_roc": "VUS-ROC (TSB-AD)",
             "vus_sliding_window": "VUS largest buffer (steps)",
             "pa_f1": "F1 point-adjusted (PA, flattering)",
             "pa_precision": "precision point-adjusted (PA)", "pa_recall": "recall point-adjusted (PA)"}
    events = {label: ts_report[key] for key, label in names.items() if key in ts_report}
    y = np.asarray(arrays["y"]).astype(np.int64)
    # an alert is a flagged time step: its rate per day is the grid's (as budget:N/day takes it)
    per_day = steps_per_day(getattr(pipe.features_, "freq", None))
    page, _ = render_report(
        y_true=y, scores=arrays["score"], y_pred=arrays["flag"], threshold=pipe.threshold_.value_,
        threshold_rule=pipe.threshold_.describe(), classes=np.where(y == 1, "anomaly", "normal"),
        events_per_day=per_day, no_rate="the model's time steps are not on a fixed grid; train "
                                        "with --freq (e.g. --freq 1min) for alerts per day",
        model_card=pipe.model_card(), data_name=f"{shown(data)} ({ts_report.get('evaluated_rows', '')}"
                                                 f"{_left_out_text(ts_report)})",
        title=f"hourglass evaluation: {pipe.info.get('model', 'model')} on {shown_name(data)}",
        event_metrics=events, trained_on_it=bool(arrays.get("trained_on_it")), unit="time steps")
    return page


def _left_out_text(ts_report: dict[str, Any]) -> str:
    """What a forecaster's evaluation left out: its first steps, which no forecast is about.

    Examples
    --------
    >>> _left_out_text({"unpredicted_steps_left_out": 16}), _left_out_text({})
    (', its first 16 steps left out: no forecast is about them', '')
    """
    skip = int(ts_report.get("unpredicted_steps_left_out") or 0)
    return f", its first {skip:,} steps left out: no forecast is about them" if skip else ""


def _training_files(info: dict[str, Any], saved: float) -> list[tuple[str, float, str]]:
    """The files a model's weights were trained on, each ``(path, read by, how)``: its own DATA
    (``info["source"]``, read by ``saved``, the model's save time), the OLD a warm start
    replayed, and up its warm-start chain each parent's DATA and replayed OLD (read by the
    date its child was made, or the parent's own warm start's date); ``how`` is ``""`` for
    its own DATA, else how the model came to train on the file.

    Examples
    --------
    >>> info = {"source": "/d/day3.csv", "warm_start": {
    ...     "date": "2026-01-03T00:00:00+00:00", "replay": None,
    ...     "parent": {"source": "/d/day2.csv"}, "previous": {
    ...         "date": "2026-01-02T00:00:00+00:00", "replay": {"source": "/d/day0.csv"},
    ...         "parent": {"source": "/d/day1.csv"}, "previous": None}}}
    >>> [(f, how) for f, _, how in _training_files(info, 0.0)]  # doctest: +NORMALIZE_WHITESPACE
    [('/d/day3.csv', ''), ('/d/day2.csv', 'a model it continued from was trained on it'),
     ('/d/day0.csv', 'replayed in the warm start of a model it continued from'),
     ('/d/day1.csv', 'a model it continued from was trained on it')]
    """
    import datetime

    def when(record: dict[str, Any], default: float) -> float:
        try:  # (to the second: a file written in that second counts as read)
            return datetime.datetime.fromisoformat(str(record["date"])).timestamp() + 1
        except (KeyError, TypeError, ValueError, OverflowError):
            return default

    out = [(info.get("source"), saved, "")]
    ws, own = info.get("warm_start"), True
    while isinstance(ws, dict):
        made = saved if own else when(ws, saved)  # the date this level's model was made
        previous = ws.get("previous")
        replay, parent = ws.get("replay"), ws.get("parent")
        if isinstance(replay, dict):
            out.append((replay.get("source"), made, "replayed in its warm start" if own else
                        "replayed in the warm start of a model it continued from"))
        if isinstance(parent, dict):  # read by the parent's making, else by its child's
            out.append((parent.get("source"), when(previous, made) if isinstance(previous, dict) else made,
                        "a model it continued from was trained on it"))
        ws, own = previous, False
    return [(f, t, how) for f, t, how in out if isinstance(f, str)]


def _trained_on(pipe: Pipeline, data: Path, model: Path) -> str | None:
    """How DATA is a file the model was trained on (:func:`_training_files`: ``""``: its own
    ``info["source"]``; ``None``: it is not), counting only a path recorded as an absolute one
    (a relative one names a file in a folder this command may not share), unchanged since the
    model read it (an export rewritten at a fixed path, ``/data/today.csv``, holds other rows
    now)."""
    try:
        if not data.is_file():
            return None
        saved = (model / "config.json").stat().st_mtime
        for source, read_by, how in _training_files(pipe.info, saved):
            if (Path(source).is_absolute() and Path(source).is_file() and data.samefile(source)
                    and data.stat().st_mtime <= min(read_by, saved)):
                return how
    except OSError:
        return None
    return None


def _warn_trained_on(pipe: Pipeline, data: Path, model: Path) -> bool:
    """Whether DATA is a file the model was trained on (:func:`_trained_on`), warning so when it is."""
    how = _trained_on(pipe, data, model)
    if how is None:
        return False
    logging.getLogger("hourglass").warning(
        "%s: the model was trained on this file (%s): these figures flatter it; evaluate on rows "
        "held out from training", shown(data),
        how or "its normal rows, and its threshold fitted on some of them")
    return True


def _warn_label_feature(pipe: Pipeline, label_col: str, data: Path) -> None:
    """Warn when the model takes a column named like a label (``attack_cat`` beside the labels
    in ``label_col``) as a feature: trained on the normal rows, it learnt their value of it and
    flags every other, so the figures rest on the labels themselves."""
    from hourglass._labels import label_like

    roles = getattr(pipe.features_, "roles_", None)
    fed = getattr(pipe.features_, "_used_columns", None)  # a table model's: the columns a feature
    # comes from (one dropped at fit as constant or a near-duplicate is read by none)
    used = (list(fed()) if callable(fed)
            else [c for c, r in roles.items() if r != "drop"] if isinstance(roles, dict)
            else list(getattr(pipe.features_, "columns_", ())))
    told = label_like(map(str, used), str(label_col))
    if told:
        logging.getLogger("hourglass").warning(
            "%s: the model takes column %r, named like a label, as a feature: if it holds the "
            "rows' verdict (as %s does), these figures flatter it; retrain with --drop %s",
            shown(data), told[0], label_col, told[0])


def _check_report_classes(report: Path | None, y: Any, data: Path, unit: str,
                          left_out: Any = ()) -> None:
    """Refuse ``--report`` (before anything is written) when ``y`` holds one class only: the
    report's curves and AUCs compare anomalies with normal ``unit``. ``left_out``: the labels
    of a forecaster's first steps, which evaluate leaves out (no forecast is about them): where
    the other class lies there only, the refusal says so, not that the file has none."""
    import numpy as np

    labels = np.asarray(y).ravel()
    anomalous = int(np.count_nonzero(labels))
    if report is None or 0 < anomalous < labels.size:
        return
    every = "anomalous" if anomalous else "normal"
    head = np.asarray(left_out).ravel()
    other = int(np.count_nonzero(head == 0) if anomalous else np.count_nonzero(head))
    there = (f"; its {'normal' if anomalous else 'anomalous'} {unit} ({other:,}) are all among its "
             f"first {head.size:,}, which evaluate leaves out: no forecast is about them"
             if other else "")
    raise HourglassError(f"--report {report}: needs both normal and anomalous {unit}; every one of "
                         f"the {labels.size:,} labelled {unit} {'evaluated ' if head.size else ''}"
                         f"of {data} is {every}{there} (--json alone writes the metrics)")


def _readable_times(times: Any, column: str, data: Path, stats: ReadStats | None = None,
                    ) -> tuple[Any, Any]:
    """(times, their positions): ``times`` without the values no form reads (``--on-bad-rows
    skip``: they do not stop the event rate, as ``train`` skips such rows), with a warning
    counting them; all of them unreadable: ``times`` as they are (the rate's own error names
    the column and the row, by its position among ``times``: hence the positions). The warning
    numbers the first one's data row as ``stats`` (the read's counts) tells it
    (:meth:`~hourglass.ingest.ReadStats.data_row`): its value alone where a skipped row may come
    before it (its position among the rows kept is then not the file's row)."""
    import numpy as np

    from hourglass._times import unreadable_times
    from hourglass.ingest import ReadStats

    bad = unreadable_times(times, column)
    if not bad.any() or bad.all():
        return times, np.arange(len(times))
    first = int(np.flatnonzero(bad)[0])
    row = ReadStats.place_in(stats, first)
    where = f"{row}, {times[first]!r}" if row is not None else repr(times[first])
    logging.getLogger("hourglass").warning(
        "%s: %d row(s) without a readable time in column %r (first: %s): left out "
        "of the event rate (still scored)", shown(data), int(bad.sum()), column, where)
    return times[~bad], np.flatnonzero(~bad)


def _event_rate(times: Any, column: str, data: Path, *, given: bool) -> float | None:
    """Events per day of DATA's ``column``. The model's own time column (not ``--timestamp-col``)
    that yields no rate (one row, every row at one instant): ``None`` with a warning, so that the
    model's rate stands, as for a file without the column; the metrics do not need it. A time
    that does not read is an error either way (as the README says)."""
    import numpy as np
    import pandas as pd

    from hourglass._times import parse_timestamps
    from hourglass.thresholds import events_per_day as events_per_day_from

    if given:
        return events_per_day_from(times, column=column)
    values = times if isinstance(times, pd.Series) else np.asarray(times).ravel()
    ts = parse_timestamps(values, column)  # unreadable: the error names the row
    if len(ts) and ts.max() > ts.min():
        return events_per_day_from(ts, column=column)
    logging.getLogger("hourglass").warning(
        "%s: no event rate from the model's time column %r (%s); expected alerts per day use "
        "the model's rate", shown(data), column,
        "one row" if len(ts) == 1 else "every row at one instant")
    return None


def _refuse_unused_label_options(labels: Path | None, all_sessions: str | None, label_field: str | None,
                                 *, label_col: str | None, normal: list[str] | None,
                                 id_col_typed: bool) -> None:
    """Refuse the session-label options a log model's evaluation would ignore: ``--label-col``
    and ``--id-col`` name columns of a ``--labels`` file, so they do nothing with
    ``--all-sessions`` or ``--label-field``; ``--normal`` does nothing with ``--all-sessions``
    (which labels every session itself). Two label sources or none: the evaluation's own error."""
    if labels is not None or (all_sessions is None) == (label_field is None):
        return
    source = "--all-sessions" if all_sessions is not None else "--label-field"
    if label_col is not None:
        raise HourglassError(f"--label-col {label_col}: the label column of a --labels FILE; not "
                             f"used with {source}, leave it out")
    if id_col_typed:
        raise HourglassError(f"--id-col: the session-id column of a --labels FILE; not used with "
                             f"{source}, leave it out")
    if normal and all_sessions is not None:
        raise HourglassError(f"--normal: --all-sessions {all_sessions} labels every session itself; "
                             "leave --normal out")


def _write_metrics(json_out: Path | None, summary: dict[str, Any], report: Path | None,
                   page: str | None) -> None:
    """Write ``--json`` (the summary) and ``--report`` (the HTML page), each whole or not at all.

    Both are written to temporary files first: a failure then leaves neither. The report is put
    in place first; the summary's rename (or copy to standard output, ``--json -``) can still
    fail after it, leaving the report alone: the error line then names it as written in full
    (:func:`~hourglass.cli._output.with_placed`)."""
    from hourglass.ingest import atomic_output
    from hourglass.ingest.sqlite import json_document

    with contextlib.ExitStack() as stack:
        tmps = [(stack.enter_context(atomic_output(p)), text) for p, text in (
            (json_out, json_document(summary)), (report, page)) if p is not None]
        for tmp, text in tmps:
            tmp.write_text(text or "", encoding="utf-8")


def _say_written(json_out: Path | None, report: Path | None) -> None:
    if json_out is not None:
        err.print(f"metrics written to {output_name(json_out)}", highlight=False)
    if report is not None:
        err.print(f"report written to {output_name(report)}", highlight=False)


def evaluate(
    ctx: typer.Context,
    model: ModelArg,
    data: DataArg,
    dataset: DatasetOpt = None,
    label_col: LabelOpt = None,
    normal: NormalOpt = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Write the metrics as JSON to this .json file (- for standard output; the "
                       "table then goes to stderr).")] = None,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Write a self-contained HTML report (figures inline, no network) to this "
                         ".html/.htm file (- for standard output; the table then goes to stderr).")] = None,
    timestamp_col: Annotated[str | None, typer.Option(
        "--timestamp-col", callback=refuse_empty("the timestamp column"),
        help="Timestamp column of DATA: alerts per day from its event rate "
                                "(tables; not with --events-per-day).")] = None,
    time_col: DeprecatedTimeColOpt = None,
    events_per_day: Annotated[float | None, typer.Option(
        "--events-per-day", help="Event rate for expected alerts per day (default: the model's).")
    ] = None,
    fmt: FormatOpt = "auto",
    on_bad_rows: BadRowsOpt = "error",
    labels: LabelsOpt = None,
    id_col: IdColOpt = "BlockId",
    all_sessions: AllSessionsOpt = None,
    label_field: LabelFieldOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score labelled DATA: precision, recall, F1, ROC-AUC, PR-AUC, FPR, alerts, per-class rates.

    For a log model, DATA is a log (or key) file and labels are per session: --labels FILE (a
    CSV with --id-col and --label-col, --normal values; default Normal, normal or 0) or --all-sessions
    normal|anomaly, or --label-field FIELD for a log whose lines carry their label (BGL: label).
    Sessions without a label are counted and left out of the metrics.
    """
    data_on_stdout(json_out, report)  # '-': the data alone on stdout, the command's lines on stderr
    import numpy as np  # the library is imported here, not for 'hourglass --help'
    import pandas as pd

    from hourglass.cli import logs as log_cli
    from hourglass.cli import timeseries as ts_cli
    from hourglass.cli.tables import (
        about_file,
        at_kept_rows,
        attack_capture,
        no_rows_error,
        resolve_spec,
        score_chunks,
        split_labels,
        unlabelled_rows,
    )
    from hourglass.errors import InputError
    from hourglass.evaluate import evaluate_scores
    from hourglass.ingest import ReadStats, boolean_labels, label_strings, normal_labels, numeric_labels
    from hourglass.pipeline import load

    setup_logging(quiet)
    with user_errors():
        if json_out is None and report is None:  # the tables are the result
            refuse_closed_stdout("the metrics", "--json")
        # the option as typed: an error quoting --timestamp-col to a user who typed --time-col
        time_opt = "--time-col" if timestamp_col is None and time_col is not None else "--timestamp-col"
        time_col = timestamp_option(timestamp_col, time_col)
        for opt, path, kinds in (("--json", json_out, (".json",)), ("--report", report, (".html", ".htm"))):
            check_not_input(path, opt, data, model)
            check_not_input(path, opt, labels)
            # a report.pdf of HTML opens in no PDF viewer (as --output refuses scores.xlsx)
            check_output_kind(path, opt, kinds, kinds[0][1:].upper())
        if json_out is not None and report is not None and json_out.resolve() == report.resolve():
            raise HourglassError(f"--json and --report: both are {json_out}; give two paths")
        pipe = load(model)
        refuse_unused(evaluate, model_kind(pipe), pipe.model_name, {
            "dataset": dataset, "normal": normal, "timestamp_col": time_col,
            "events_per_day": events_per_day, "fmt": fmt, "on_bad_rows": on_bad_rows,
            "id_col": id_col, "strict": strict}, typed_options(ctx))
        # (checked once the model's kind has not refused it: unused, it is 'not used' whatever
        # its value, as --chunk-mb of score)
        if events_per_day is not None and not 0 < events_per_day < float("inf"):
            raise HourglassError(f"--events-per-day: must be > 0 and finite, got {events_per_day}")
        is_logs = getattr(pipe.features_, "output", "tabular") == "events"
        if model_kind(pipe) == "entity":
            from hourglass.cli.entity import evaluate_entity

            if labels is not None or all_sessions is not None or label_field is not None:
                raise HourglassError("--labels/--all-sessions/--label-field: only for log models; label the "
                                     "rows with --label-col (a bucket is anomalous if any row is)")
            ent_summary, ent_arrays, stats = evaluate_entity(
                pipe, data, label_col=label_col, normal=list(normal or []), fmt=str(fmt),
                on_bad_rows=on_bad_rows)
            _check_report_classes(report, ent_arrays["y"], data, "buckets")
            on_training_file = _warn_trained_on(pipe, data, model)
            page = None
            if report is not None:
                from hourglass.evaluate.report import render_report

                page, _ = render_report(
                    y_true=ent_arrays["y"], scores=ent_arrays["score"], y_pred=ent_arrays["flag"],
                    threshold=pipe.threshold_.value_, threshold_rule=pipe.threshold_.describe(),
                    classes=ent_arrays["classes"], model_card=pipe.model_card(),
                    # the normal label(s) and event rate the metrics used, as the terminal and --json
                    normal=ent_arrays["normal"] or ["normal"],
                    events_per_day=ent_summary.get("events_per_day"),
                    data_name=f"{shown(data)} ({ent_summary['buckets']} entity buckets)",
                    trained_on_it=on_training_file,
                    unit="entity buckets",
                    title=f"hourglass evaluation: {pipe.model_name} (entity buckets) on {shown_name(data)}")
            _write_metrics(json_out, ent_summary, report, page)
    if model_kind(pipe) == "entity":
        report_skipped(stats, data)
        from hourglass.cli.entity import mixed_note

        out.print(metrics_table(f"{shown_name(data)} per (entity, bucket): threshold "
                                f"{pipe.threshold_.describe()}", ent_summary, unit="buckets"))
        out.print(mixed_note(ent_summary), highlight=False)
        if len(ent_summary.get("per_class", {})) <= _CLASSES_SHOWN:  # as for rows and sessions
            out.print(class_table(ent_summary.get("per_class", {}), ent_arrays["normal"], unit="buckets"))
        _say_written(json_out, report)
        return
    with user_errors():
        if not is_logs and (labels is not None or all_sessions is not None or label_field is not None):
            # a time-series model's steps are labelled by a column too, not as 'a table'
            how = ("a series' steps with --label-col (0 or 1 in every row)"
                   if model_kind(pipe) == "time-series" else "a table with --label-col")
            raise HourglassError("--labels/--all-sessions/--label-field: only for log models; "
                                 f"label {how}")
        if is_logs:
            _refuse_unused_label_options(labels, all_sessions, label_field, label_col=label_col,
                                         normal=normal, id_col_typed="id_col" in typed_options(ctx))
            log_summary, log_arrays = log_cli.evaluate_logs(
                pipe, data, labels=labels, id_col=id_col, label_col=label_col, normal=normal,
                all_sessions=all_sessions, strict=strict, label_field=label_field)
            _check_report_classes(report, log_arrays["y"], data, "sessions")
            if log_arrays.get("warning"):  # every session anomalous (a --labels file)
                logging.getLogger("hourglass").warning("%s", log_arrays["warning"])
            on_training_file = _warn_trained_on(pipe, data, model)
            page = log_cli.report_page(pipe, data, log_summary, log_arrays,
                                       trained_on_it=on_training_file) if report else None
            _write_metrics(json_out, log_summary, report, page)
    if is_logs:
        parsed, *left_out = log_cli.evaluate_notes(log_summary, data, pipe.features_)
        logging.getLogger("hourglass").info("%s", parsed)  # the parse counts: not with --quiet
        for line in left_out:
            err.print(line, highlight=False)
        out.print(metrics_table(f"{shown_name(data)}: threshold {pipe.threshold_.describe()}",
                                 log_summary, unit="sessions"))
        out.print(class_table(log_summary["per_class"], log_arrays["normal"], unit="sessions"))
        _say_written(json_out, report)
        return
    with user_errors():
        if getattr(pipe.features_, "output", "tabular") == "timeseries":
            arrays: dict[str, Any] = {}
            ts_report, table = ts_cli.evaluate_timeseries(pipe, data, dataset, label_col, arrays)
            _check_report_classes(report, arrays["y"], data, "time steps", arrays["y_left_out"])
            if ts_report.get("evaluated_rows") == "the whole file" and _warn_trained_on(pipe, data, model):
                arrays["trained_on_it"] = True
            page = _timeseries_page(pipe, data, ts_report, arrays) if report is not None else None
            _write_metrics(json_out, ts_report, report, page)
    if getattr(pipe.features_, "output", "tabular") == "timeseries":
        out.print(table)
        _say_written(json_out, report)
        return
    with user_errors():
        spec, label_col, normal_values = resolve_spec(dataset, label_col, normal, fmt, data)
        label_col = label_col or pipe.info.get("label_col")
        normal_values = normal_values or list(pipe.info.get("normal") or [])
        if label_col is None:
            raise HourglassError("--label-col: evaluate needs labels (the model was trained "
                                 "without a label column)")
        if label_col in getattr(pipe.features_, "columns_", ()):  # it said the column was missing
            raise HourglassError(f"--label-col {label_col}: is a column the model scores, not a "
                                 "label; give the column that marks each row normal or not")
        if label_col is not None and label_col == pipe.info.get("time_col"):  # its times read as
            trained = pipe.info.get("label_col")  # labels: every row 'an anomaly', metrics n/a
            raise HourglassError(f"--label-col {label_col}: is the model's timestamp column, not a "
                                 "label (" + (f"the model was trained with --label-col {trained}"
                                              if trained else "it was trained without --label-col")
                                 + "); give the column that marks each row normal or not")
        if label_col is not None and label_col == time_col:  # the same misread, the column typed
            raise HourglassError(f"--label-col {label_col} and {time_opt} {time_col}: one column "
                                 "cannot be both the labels and the time stamps; give the column "
                                 "that marks each row normal or not")
        if time_col is not None and events_per_day is not None:  # the rate given wins: the column
            raise HourglassError(  # would be read for nothing, its rate silently set aside
                f"{time_opt} {time_col} and --events-per-day {events_per_day:g}: both give the "
                "event rate for alerts per day; give one of them")
        given_time, time_col = time_col, time_col or pipe.info.get("time_col")
        if given_time is not None and given_time in map(str, getattr(pipe.features_, "columns_", ())):
            # left out of the scored columns as a time column, it was then 'missing' from the data
            raise HourglassError(f"{time_opt} {given_time}: is a column the model scores, not a "
                                 "time column; give the column that holds each row's time (or "
                                 "--events-per-day)")
        stats = ReadStats()
        label_parts, result_parts, time_parts = [], [], []
        # a dataset whose label is 0/1 beside a per-row attack category (UNSW-NB15's attack_cat):
        # the detection rate per category, not per label value ('1': every attack as one class)
        category_col = getattr(spec, "category_col", None) if spec is not None else None
        if category_col is not None and label_col != getattr(spec, "label_col", None):
            category_col = None  # a label column of the user's: its values are the classes
        category_parts: list[np.ndarray] | None = [] if category_col is not None else None
        columns: list[object] = []
        boolean = True  # every chunk's labels booleans (or missing): --normal false is False
        numeric = True  # every chunk's labels numbers (or missing): --normal 0.0 is 0
        start = time.perf_counter()
        for df, part in score_chunks(pipe, data, spec, on_bad_rows, stats, label_col, normal_values,
                                      extra_drop=tuple(c for c in (time_col, category_col) if c)):
            columns = columns or list(df.columns)
            label_parts.append(label_strings(df[label_col]))
            if category_parts is not None:
                if category_col in df.columns:
                    category_parts.append(label_strings(df[category_col]))
                else:  # (a file without the column: the label's values, as before)
                    category_parts = None
            boolean = boolean and (boolean_labels(df[label_col]) or bool(df[label_col].isna().all()))
            numeric = numeric and (numeric_labels(df[label_col]) or bool(df[label_col].isna().all()))
            result_parts.append(part)
            if time_col is not None and time_col in df.columns:
                time_parts.append(df[time_col].to_numpy())
        seconds = time.perf_counter() - start
        if time_col is not None and time_parts and events_per_day is None:
            times = np.concatenate(time_parts)
            at, read = np.arange(len(times)), stats  # (each time's row, for an error naming one)
            if on_bad_rows == "skip":  # as train skips them; the rows are still scored and counted
                kept = sum(len(p) for p in result_parts)  # a chunk without the column: unsure
                read = stats if len(times) == kept else ReadStats(first_skip=0)
                times, at = _readable_times(times, time_col, data, read)
            try:
                events_per_day = _event_rate(times, time_col, data, given=given_time is not None)
            except InputError as exc:  # its row: a position among the times, told as the file's
                raise about_file(at_kept_rows(exc, read, at), data) from None  # (as warm start names it)
        elif given_time is not None and not time_parts:  # typed: never left for the model's rate
            from hourglass.ingest.tables import nested_note

            nested = nested_note([str(time_col)], columns)  # --timestamp-col event, read as event.created
            raise HourglassError(f"{time_opt}: no column {time_col!r} in {data}"
                                 + (f"; {nested}" if nested else ""))
        if events_per_day is None:
            events_per_day = pipe.info.get("events_per_day")
        if not result_parts or not sum(len(p) for p in result_parts):
            raise no_rows_error(data, stats)
        on_training_file = _warn_trained_on(pipe, data, model)
        _warn_label_feature(pipe, label_col, data)  # (once the rows are scored: not beside an error)
        result = pd.concat(result_parts, ignore_index=True)
        all_labels = np.concatenate(label_parts)
        normal_values = normal_labels(normal_values, boolean, numeric)
        # rows skipped before it (malformed, or values the model refuses) shift the positions
        # of the rest: the first unlabelled row is then not told by a (wrong) number
        labelled = unlabelled_rows(all_labels, normal_values, label_col, str(data),
                                   "left out of the metrics", stats=stats)
        all_categories = np.concatenate(category_parts) if category_parts else None
        if not labelled.all():
            result = result.loc[labelled].reset_index(drop=True)
            all_labels = all_labels[labelled]
            all_categories = all_categories[labelled] if all_categories is not None else None
        classes: np.ndarray | None  # each row's label (not --labels, the log models' label file)
        is_anom: np.ndarray | None
        # an attack capture alone is worth evaluating (detection rate per class); train needs
        # normal rows, evaluate does not, but a --normal typo must not pass unseen
        what = attack_capture(all_labels, normal_values, label_col, str(data))
        if what is not None:
            if report is not None:
                raise HourglassError(f"--report: needs both normal and anomalous rows; {what}")
            logging.getLogger("hourglass").warning(
                "%s: every row counts as an anomaly; precision, F1, FPR and the AUCs need normal "
                "rows (n/a)", what)
            classes, is_anom = all_labels, np.ones(len(all_labels), dtype=np.int8)
        else:
            _, classes, is_anom = split_labels(pd.DataFrame({label_col: all_labels}),
                                                label_col, normal_values, str(data))
        assert classes is not None and is_anom is not None
        if all_categories is not None:  # an attack row's category; a normal row keeps its label
            # (as does an attack row without a category: an empty class name was shown)
            classes = np.where(is_anom.astype(bool) & (all_categories != ""), all_categories, classes)
        _check_report_classes(report, is_anom, data, "rows")  # all normal (all anomalous: above)
        categories = spec.categories if spec is not None and getattr(spec, "categories", None) else None
        metrics = evaluate_scores(is_anom, result["score"], result["flag"], classes=classes,
                                  categories=categories, normal=tuple(normal_values),
                                  events_per_day=events_per_day)
        summary: dict[str, Any] = {
            **metrics, "threshold": pipe.threshold_.describe(),
            "threshold_value": pipe.threshold_.value_,
            "threshold_fit": pipe.shown_threshold_fit(), "score_seconds": seconds,
            "severity_counts": severity_counts(result["severity"], result["flag"]),
        }
        page = None
        if report is not None:
            from hourglass.evaluate.report import render_report

            page, _ = render_report(
                y_true=is_anom, scores=result["score"].to_numpy(), y_pred=result["flag"].to_numpy(),
                threshold=pipe.threshold_.value_, threshold_rule=pipe.threshold_.describe(),
                classes=classes, categories=categories, normal=normal_values,
                events_per_day=events_per_day, model_card=pipe.model_card(), data_name=shown(data),
                trained_on_it=on_training_file,
                # evaluate takes both options itself: no retraining needed for the rate
                no_rate="evaluate with --events-per-day N or --timestamp-col COLUMN (or train with one)",
                title=f"hourglass evaluation: {pipe.info.get('model', 'model')} on {shown_name(data)}")
        _write_metrics(json_out, summary, report, page)
    report_skipped(stats, data)
    out.print(metrics_table(f"{shown_name(data)}: threshold {pipe.threshold_.describe()}", metrics))
    if "per_category" in summary:
        out.print(class_table(summary["per_category"], normal_values))
    elif len(summary.get("per_class", {})) <= _CLASSES_SHOWN:  # as for log models
        out.print(class_table(summary.get("per_class", {}), normal_values))
    else:
        out.print(f"{len(summary['per_class']):,} label values: the detection rate of each is in --json",
                  highlight=False)
    _say_written(json_out, report)
