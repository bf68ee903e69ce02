"""Typer argument and option types shared by several commands (one help text per option)."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Annotated

import typer

from hourglass._columns import LOG_MODEL, QUOTED_TEXT
from hourglass.cli._spool import stdin_as_file
from hourglass.errors import HourglassError

__all__ = ["LOG_FORMAT_HELP", "OPTION_OF_PARAM", "AllSessionsOpt", "BadRowsOpt", "CategoricalOpt",
           "ChunkMbOpt", "DataArg", "DatasetOpt", "DeprecatedTimeColOpt", "DropOpt", "ExtraNormalOpt",
           "FillLimitOpt", "FillOpt",
           "FormatOpt", "FreqOpt", "IdColOpt", "IdleTimeoutOpt", "KeyColOpt", "LabelFieldOpt", "LabelOpt",
           "LabelsOpt",
           "MaxSessionsOpt", "MessageColOpt",
           "ModelArg", "NormalOpt", "QuietOpt", "RoleOpt", "ScalerOpt", "SessionColOpt", "SessionRegexOpt",
           "StepOpt", "StreamBadRowsOpt", "StrictOpt", "TimestampOpt", "WindowOpt", "option_message",
           "parse_roles", "timestamp_option"]
__all__ += ["cli_advice", "refuse_empty", "sub_own_words"]
__all__ += ["DEVICE_HELP", "ExplainBadRowsOpt", "InspectTimestampOpt", "TableBadRowsOpt", "TableDatasetOpt",
            "TableFormatOpt", "TableRoleOpt"]
__all__ += ["LatenessOpt", "check_at_least", "check_idle_timeout"]
__all__ += ["RethresholdJsonOpt"]
__all__ += ["FreqAggOpt"]
__all__ += ["AlertFormatOpt", "ExplainMethodOpt", "ReplayDataOpt", "ReplayOpt", "SqliteTableOpt",
            "WarmStartOpt", "alert_format_is_ecs", "sqlite_table"]

#: Library parameter → the CLI option that sets it. An error about such a parameter (an
#: ``InputError(..., param=...)`` or a detector's "epochs must be ...") names the option instead,
#: so the user reads what they typed; the Python API keeps the parameter's name.
OPTION_OF_PARAM = {"scaler": "--scaler", "numeric": "--aggregate", "categorical": "--distinct",
                   "roles": "--role", "fill": "--fill", "freq": "--freq",
                   "fill_limit": "--fill-limit", "agg": "--freq-agg", "epochs": "--epochs",
                   "batch_size": "--batch-size",
                   "lr": "--lr", "hidden": "--hidden", "random_state": "--seed", "device": "--device",
                   "session_regex": "--session-regex", "session_column": "--session-col",
                   "window": "--window", "step": "--step", "key_column": "--key-col",
                   "message_column": "--message-col", "time_column": "--timestamp-col",
                   "opset": "--opset", "check_rows": "--check-rows",
                   "idle_timeout": "--idle-timeout", "entity_col": "--entity-col",
                   "entity_case": "--entity-case",
                   "timestamp_col": "--timestamp-col", "bucket": "--bucket", "strict": "--strict",
                   "label_field": "--label-field", "validation_fraction": "--param validation_fraction",
                   "on_bad_rows": "--on-bad-rows", "drop": "--drop", "format": "--format"}


# User text a message quotes, which no option replaces: a value as repr() writes it ('...' or
# "...", opened after no letter: "the model's freq" opens none), a regex's group name or
# extension (<format>, (?P...), the data's columns listed unquoted ("(columns: a, b, freq)")
_USER_TEXT = re.compile(QUOTED_TEXT + r"|<[^<>\s]*>|\(\?[^()\s]*|\(columns: [^()]*\)")


def sub_own_words(pattern: str, repl: str | Callable[[re.Match[str]], str], message: str,
                  names: Collection[str] = ()) -> str:
    """``re.sub(pattern, repl, message)`` in the library's own words only: a match that starts in
    user text the message quotes is left as it is.

    User text is a quoted value (``'...'`` or ``"..."`` as ``repr`` writes it), a regex's group
    name or extension (``<format>``, ``(?P...``), a list of the data's columns
    (``(columns: a, b)``) and a path or file name: a word next to ``.`` (``format.log``) or in a
    word holding ``/`` or ``\\`` (``/data/format/x.log``), unless that word is ``names`` joined by
    ``/`` (``window/step:``, the library naming several parameters).

    Parameters
    ----------
    pattern
        The regular expression of the library's words to replace.
    repl
        What replaces each match, as :func:`re.sub` takes it.
    message
        The library's message, holding user text.
    names
        The parameter names the library may join by ``/``.

    Returns
    -------
    str
        ``message`` with the library's own matches replaced.

    Examples
    --------
    >>> sub_own_words(r"\\bfreq\\b", "--freq", "/data/freq/x.csv: column 'a freq': set freq", ["freq"])
    "/data/freq/x.csv: column 'a freq': set --freq"
    """
    spans = [m.span() for m in _USER_TEXT.finditer(message)]

    def one(m: re.Match[str]) -> str:
        start = m.start()
        if any(a <= start < b for a, b in spans) or _in_path(message, start, names):
            return m.group(0)
        return m.expand(repl) if isinstance(repl, str) else repl(m)

    return re.sub(pattern, one, message)


def _in_path(message: str, start: int, names: Collection[str]) -> bool:
    """Whether ``message[start:]`` starts inside a path or file name (see :func:`sub_own_words`)."""
    if message[start - 1:start] == "." or re.match(r"[\w-]*\.\w", message[start:]):
        return True
    left = max(message.rfind(c, 0, start) for c in " \t\n") + 1
    word = message[left:].split(None, 1)[0] if message[left:].strip() else ""
    if "/" not in word and "\\" not in word:
        return False
    parts = word.strip("(").rstrip(":;,.)").split("/")
    # (a part already replaced is an option: --window/step)
    return "\\" in word or not all(part in names or part.startswith("--") for part in parts)


def option_message(message: str, param: str | tuple[str, ...] | None) -> str:
    """``message`` about library parameter(s) ``param`` with each named as its CLI option, in the
    library's own words only (not in a value, path or regex it quotes: :func:`sub_own_words`).

    Examples
    --------
    >>> option_message("scaler: unknown 'x'; choose from minmax, standard", "scaler")
    "--scaler: unknown 'x'; choose from minmax, standard"
    >>> option_message("batch_size must be >= 1, got 0", "batch_size")
    '--batch-size must be >= 1, got 0'
    >>> option_message("window/step: need 0 < step <= window, got window=5, step=9", ("window", "step"))
    '--window/--step: need 0 < --step <= --window, got --window=5, --step=9'
    >>> option_message("fill: unknown 'fill'; choose from ffill, zero", "fill")
    "--fill: unknown 'fill'; choose from ffill, zero"
    >>> option_message("impute: unknown 'x'", "impute")   # no option sets it: unchanged
    "impute: unknown 'x'"
    >>> option_message("format: the regular expression '(?P<format>.+) x' needs ...", "format")
    "--format: the regular expression '(?P<format>.+) x' needs ..."
    """
    for name in (param,) if isinstance(param, str) else param or ():
        option = OPTION_OF_PARAM.get(name)
        if option is not None:  # the name as a word: not inside another (step in steps) or quoted
            message = sub_own_words(rf"(?<!['\w-]){re.escape(name)}(?!['\w-])",
                                    option.replace("\\", r"\\"), message, OPTION_OF_PARAM)
    return message


def cli_advice(message: str) -> str:
    """``message`` (the library's error or warning) with the advice it gives in a Python user's
    words (``validation_fraction=...``, ``DSPOT(depth=...)``, ``on_bad_rows='skip'``) given in the
    CLI's options instead (not in a value or path the message quotes: :func:`sub_own_words`).

    The advice is the library's own constant, found as such (a wrapper that puts the file or the
    row in front keeps it whole), so the CLI follows any change of its wording.

    Examples
    --------
    >>> from hourglass.thresholds.pot import DSPOT_DEPTH_ADVICE
    >>> cli_advice(f"DSPOT: 120 scores are too few for depth 50; {DSPOT_DEPTH_ADVICE}")
    'DSPOT: 120 scores are too few for depth 50; choose a smaller depth (--threshold dspot:Q/DEPTH)'
    >>> cli_advice("no advice here")
    'no advice here'
    """
    for advice, said in _cli_advice().items():
        if advice in message:
            message = sub_own_words(re.escape(advice), said.replace("\\", r"\\"), message)
    return message


def _cli_advice() -> dict[str, str]:
    """Library advice (Python words) → the CLI's words, of the library modules imported (one that
    is not has said nothing; the CLI's light start, ``hourglass --version``, imports none)."""
    said: dict[str, str] = {}
    pot, base = sys.modules.get("hourglass.thresholds.pot"), sys.modules.get("hourglass.thresholds.base")
    windowed = sys.modules.get("hourglass.detectors.windowed")
    tables = sys.modules.get("hourglass.ingest.tables")
    bench = sys.modules.get("hourglass.pipeline.benchmark")
    tabular = sys.modules.get("hourglass.features.tabular")
    series = sys.modules.get("hourglass.features.timeseries")
    entity = sys.modules.get("hourglass.features.entity")
    sessions = sys.modules.get("hourglass.features.sessions.tables")
    events = sys.modules.get("hourglass.features.sessions.events")
    # (a light module's: the table reader says it before any preprocessing module is imported)
    said[LOG_MODEL] = "train --format hdfs, bgl, syslog, journald, raw or a header regex, --model deeplog ..."
    if sessions is not None:
        said[sessions.NOT_STRICT] = "without --strict"
        said[sessions.STRICT_STOPS] = "--strict stops at the first"
    if events is not None:
        said[events.EMPTY_KEY] = "key (--key-col)"
    if entity is not None:
        said[entity.VARYING_ADVICE] = ("aggregate columns whose values vary (--aggregate/--distinct), "
                                       "or give another --bucket")
    if series is not None:
        said[series.TIMESTAMP_ADVICE] = "make it the timestamp column (--timestamp-col)"
        said[series.SET_FILL] = "set fill (--fill ffill|interpolate|zero) to fill gaps"
        said[series.RETRAIN_FILL] = "retrain it with --fill ffill|interpolate|zero"
        said[series.EMPTY_FOR_FILL] = "or empty cells for --fill"
        said[series.STUCK_ADVICE] = "leave it out (--drop COLUMN)"
    if tabular is not None:
        said[tabular.ANOTHER_ROLE] = "give it another role (--role COLUMN=numeric or categorical)"
        said[tabular.CATEGORICAL_ROLE] = "give the column another role (--role COLUMN=categorical)"
        said[tabular.ID_ADVICE] = ("leave it out (--drop COLUMN), or give it the role numeric "
                                   "(--role COLUMN=numeric)")
        said[tabular.ONE_COLUMN_ADVICE] = ("a log file needs a log --format, a table a header line naming "
                                           "its columns")
    if bench is not None:
        said[bench.NORMAL_TOO_ADVICE] = "give it to --normal too if those rows are normal"
        said[bench.LABEL_BESIDE] = "beside --label-col"
        said[bench.DROP_ADVICE] = "give it to --drop if it holds the verdict"
    if tables is not None:
        said[tables.SKIP_BAD_ROWS] = "--on-bad-rows skip"
        said[tables.READ_AS_EVTX] = "read it with --format evtx (or auto)"
        said[tables.READ_AS_PARQUET] = "read it with --format parquet (or auto)"
        said[tables.IN_THIS_LAYOUT] = "is the file in this layout (--format, --dataset)?"
        said[tables.ONE_FIELD_HEADER] = ("a log file needs a log --format, a table a header line naming "
                                         "its columns")
    ts_ingest = sys.modules.get("hourglass.ingest.timeseries")
    budget = sys.modules.get("hourglass.thresholds.budget")
    if ts_ingest is not None:
        said[ts_ingest.NOT_NAB] = "leave --dataset out"
    if budget is not None:
        said[budget.PER_DAY_RATE] = "give --timestamp-col COLUMN or --events-per-day N"
    if pot is not None:
        said[pot.DSPOT_DEPTH_ADVICE] = "choose a smaller depth (--threshold dspot:Q/DEPTH)"
    series_stream = sys.modules.get("hourglass.serve.series_stream")
    if series_stream is not None:
        said[series_stream.NOT_RESAMPLED] = ("or train with --freq rows, or without --freq on a "
                                             "series of regular steps")
    deeplog = sys.modules.get("hourglass.detectors.deeplog")
    if deeplog is not None:
        said[deeplog.TOP_G_ADVICE] = "lower top_g (--param top_g=N) or give a --threshold rule"
    artefact = sys.modules.get("hourglass.pipeline.artefact")
    if artefact is not None:
        said[artefact.REPLACE_ADVICE] = "pass --force to replace it"
    detector_base = sys.modules.get("hourglass.detectors.base")
    if detector_base is not None:
        said[detector_base.BATCH_OF_TWO] = "use --batch-size 2 or more (or --param batch_norm=false)"
        said[detector_base.MORE_ROWS_OR_NO_BATCH_NORM] = "give more data (or --param batch_norm=false)"
    if base is not None:
        said[base.FEW_SCORES_ADVICE] = ("more normal data, or a larger held-out share when training, "
                                        "--param validation_fraction=...")
    ensemble = sys.modules.get("hourglass.detectors.ensemble")
    if ensemble is not None:  # (--param validation_fraction is the ensemble's: fewer rows to members)
        said[ensemble.MEMBER_SHARE_ADVICE] = ("more normal data, or a larger held-out share of the member "
                                              "when training, --param 'detectors=[[\"NAME\", "
                                              "{\"validation_fraction\": 0.2}], ...]'")
        said[ensemble.ZSCORE_ADVICE] = "train it with --param calibration=zscore"
    if windowed is not None:
        said[windowed.SMALLER_WINDOW] = "a smaller --window"
        # (horizon has no option of its own: --param sets it)
        said[windowed.SMALLER_WINDOW_OR_HORIZON] = "a smaller --window or horizon (--param horizon=H)"
        said[windowed.FEW_WINDOWS_ADVICE] = ("a longer series, a larger held-out share (--param "
                                             "validation_fraction=F) or a smaller window (--window)")
    return said


def refuse_empty(what: str) -> Callable[[str | None], str | None]:
    """An option's callback refusing an empty value (``--label-col ""``, a script's unset
    variable) with ``empty; name WHAT, or leave the option out``: the commands read ``x or
    default``, so an empty ``--label-col`` was taken for no option at all (``train`` trained on
    the label column as a feature, ``evaluate`` read the model's), an empty ``--dataset`` or
    ``train --threshold`` too, where ``--label-col " "``, an empty ``--timestamp-col``,
    ``--drop`` or ``threshold --threshold`` are refused.

    Examples
    --------
    >>> refuse_empty("the label column")("label")
    'label'
    """
    def check(value: str | None) -> str | None:
        if value == "":
            raise typer.BadParameter(f"empty; name {what}, or leave the option out")
        return value

    return check


DataArg = Annotated[Path, typer.Argument(
    metavar="DATA", callback=stdin_as_file,
    help="CSV/TSV/Parquet/JSONL table, a log file or a time series (.gz read directly); a folder "
         "is read as its files one after the other (name order; a rotated log's copies oldest first: "
         "app.log.2.gz, app.log.1, app.log), a quoted pattern "
         "('zeek/*/conn.*.log.gz') as the files it matches; - reads standard input.")]
# readable=False: click's check asks for a folder that can be listed (0711, shared so that others
# may enter it but not list it, was 'not readable'), where loading only opens the two files by name
ModelArg = Annotated[Path, typer.Argument(
    metavar="MODEL", readable=False, help="Model directory written by 'hourglass train'.")]
DatasetOpt = Annotated[str | None, typer.Option(
    "--dataset", callback=refuse_empty("a dataset ('hourglass formats')"),
    help="Named layout: fills in columns, label column and normal value. Tables: "
    "nsl-kdd, unsw-nb15, cicflowmeter, zeek-conn (alias of --format); time series: skab, nab, "
    "asd, smd.")]
LabelOpt = Annotated[str | None, typer.Option("--label-col", callback=refuse_empty("the label column"),
                                              help="Column holding the label.")]
NormalOpt = Annotated[list[str] | None, typer.Option(
    "--normal", help="Label value of normal rows (repeat for several).")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress or info lines: only warnings, errors and the command's "
    "one-line summary on stderr (results are written as without it).")]
DeprecatedTimeColOpt = Annotated[str | None, typer.Option(
    "--time-col", hidden=True, help="Deprecated alias of --timestamp-col.")]
FormatOpt = Annotated[str, typer.Option(
    "--format", help="auto (sniffed), nsl-kdd, unsw-nb15, cicflowmeter, zeek-conn, csv, tsv, "
    "parquet, jsonl ('hourglass formats' lists all); logs: hdfs, bgl, syslog, journald "
    "(journalctl -o json), raw, keys (DeepLog key sequences) or a header regex with a "
    "(?P<content>...) group.")]
# commands that read tables only (benchmark, inspect): no log formats or time-series datasets
TableDatasetOpt = Annotated[str | None, typer.Option(
    "--dataset", callback=refuse_empty("a dataset ('hourglass formats')"),
    help="Named table layout (alias of --format): fills in columns, label column "
    "and normal value: nsl-kdd, unsw-nb15, cicflowmeter, zeek-conn, windows-json, evtx.")]
TableFormatOpt = Annotated[str, typer.Option(
    "--format", help="auto (sniffed), nsl-kdd, unsw-nb15, cicflowmeter, zeek-conn, windows-json, "
    "evtx, csv, tsv, parquet, jsonl ('hourglass formats' lists all).")]
ChunkMbOpt = Annotated[float, typer.Option(help="MB of input per streamed chunk (> 0).")]
BadRowsOpt = Annotated[str, typer.Option(
    "--on-bad-rows", help="error: stop at a malformed row (naming file and line; score and "
    "evaluate of a table model: also one with text in a number column); skip: skip and count "
    "them. Tables and event files; a log's lines that match no header format are counted and "
    "skipped (--strict: stop at the first).")]
# commands that read no log (benchmark, explain, export, inspect): they have no --strict
TableBadRowsOpt = Annotated[str, typer.Option(
    "--on-bad-rows", help="error: stop at a malformed row (naming file and line); skip: skip "
    "and count them.")]
ExplainBadRowsOpt = Annotated[str, typer.Option(
    "--on-bad-rows", help="error: stop at a malformed row (naming file and line; a table "
    "model's: also one with text in a number column); skip: skip and count them.")]
StreamBadRowsOpt = Annotated[str | None, typer.Option(
    "--on-bad-rows", help="error: stop at a malformed row (naming file and line); skip: skip "
    "and count them. Default: error for table models; skip for log models (a line matching no "
    "header format is counted).")]
MaxSessionsOpt = Annotated[int, typer.Option(  # (>= 1 checked once it is used: check_at_least)
    "--max-sessions", help="Log models: most live sessions kept (>= 1); the least recently seen "
    "beyond it is closed (its end checked or, for whole-session models, scored) and counted as "
    "evicted.")]
LatenessOpt = Annotated[str | None, typer.Option(
    "--lateness", help="Entity-bucket models: how far behind the newest time a row may arrive; "
    "a bucket is closed and scored once the newest time minus this passes its end (default: one "
    "bucket; 0: close at once). A row of a closed bucket is dropped and counted.")]
IdleTimeoutOpt = Annotated[float | None, typer.Option(
    "--idle-timeout", help="Log models: close a session (checking its end, or scoring "
    "it) after this many seconds without an event, even while the input is quiet; default: "
    "only on eviction or at the end of input. Entity-bucket models: after this many seconds "
    "without a line, let event time run on with the wall clock from the newest row's arrival "
    "and close the buckets then due (end <= newest time + seconds since - --lateness); later "
    "rows of those buckets are late. Default: buckets close only as newer rows arrive. Table "
    "models with --group-by: the same for the groups of time windows.")]

# Table schema: how columns become features (train, and inspect to preview it)
CategoricalOpt = Annotated[list[str] | None, typer.Option(
    "--categorical", help="Tables: column to one-hot even if numeric (repeatable).")]
DropOpt = Annotated[list[str] | None, typer.Option(
    "--drop", help="Tables and time series: column to ignore (repeatable).")]
RoleOpt = Annotated[list[str] | None, typer.Option(
    "--role", help="Tables: column role COL=ROLE (numeric, categorical, hash, ip, port, drop), "
                   "repeatable; with --entity-col: numeric (summed, averaged, maximised per "
                   "bucket), categorical (distinct values counted) or drop.")]
# benchmark: table rows only, no --entity-col
TableRoleOpt = Annotated[list[str] | None, typer.Option(
    "--role", help="Column role COL=ROLE (numeric, categorical, hash, ip, port, drop), repeatable.")]
ScalerOpt = Annotated[str, typer.Option(
    "--scaler", help="Tables: numeric scaling, minmax, standard, robust, quantile or none.")]

# Logs (hourglass.cli.logs does the work)
LOG_FORMAT_HELP = {  # the log --format values, for 'hourglass formats'
    "hdfs": "log: HDFS header (date time pid level component: message)",
    "bgl": "log: BGL/Blue Gene header (label epoch date node time ... level message)",
    "syslog": "log: syslog header (Mon dd hh:mm:ss host program[pid]: message)",
    "journald": "log: systemd journal, journalctl -o json (MESSAGE; host, component, pid, unit, "
                "priority, boot)",
    "raw": "log: the whole line is the message",
    "keys": "log: DeepLog key sequences, one session of integer keys a line",
    "(?P<content>...)": "log: your header regex; (?P<timestamp>...) optional (epoch s, ms, us or "
                        "ns, or date text)",
}
SessionRegexOpt = Annotated[str | None, typer.Option(
    "--session-regex", help=r"Logs: session id in the message, e.g. 'blk_-?\d+' (HDFS).")]
SessionColOpt = Annotated[str | None, typer.Option(
    "--session-col", help="Logs: header field holding the session id (e.g. node, pid); an event "
                          "table: the column holding it (e.g. user, host).")]
WindowOpt = Annotated[float | None, typer.Option(
    "--window", help="Logs: sessions are time windows of this many seconds. Time series: the "
                     "window length in steps.")]
StepOpt = Annotated[float | None, typer.Option(
    "--step", help="Logs: slide windows by this many seconds (default: --window, fixed).")]
KeyColOpt = Annotated[str | None, typer.Option(
    "--key-col", help="Event table (CSV/Parquet/JSONL) as log sessions: column of event keys "
                      "(integers, or names such as E5); with --session-col or --window + "
                      "--timestamp-col (events are ordered by it within a session).")]
MessageColOpt = Annotated[str | None, typer.Option(
    "--message-col", help="Event table as log sessions: column of message text, mined into "
                          "templates (instead of --key-col).")]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="Logs: stop at the first line that matches no header format (an event "
                     "table: the first malformed row, or row whose --timestamp-col time does not "
                     "read; a key file: the first line that is no keys; else counted and, with "
                     "--window, left out).")]
LabelsOpt = Annotated[Path | None, typer.Option(
    "--labels", help="Logs: CSV of session labels, a session-id column (--id-col) and a label "
                     "column (--label-col, default Label), e.g. HDFS anomaly_label.csv.")]
IdColOpt = Annotated[str, typer.Option(
    "--id-col", help="Logs: session-id column of the --labels file.")]
LabelFieldOpt = Annotated[str | None, typer.Option(
    "--label-field", help="Logs: header field of each line holding its label, e.g. label for "
                          "--format bgl ('-' normal, else the alert category): a session is "
                          "anomalous when one of its lines is (--normal: the normal values, "
                          "default -, Normal, normal, 0).")]
AllSessionsOpt = Annotated[str | None, typer.Option(
    "--all-sessions", help="Logs: every session of DATA has this label, normal or anomaly (for "
                           "files without ids, e.g. DeepLog key files).")]

# Time series (hourglass.cli.timeseries does the work)
TimestampOpt = Annotated[str | None, typer.Option(
    "--timestamp-col", help="Column with timestamps: the time axis of a time series; for a table, "
                            "the event rate (alerts per day), not a feature; for an event table "
                            "(--key-col/--message-col), the events' order in a session and the "
                            "time of --window.")]
# inspect: tables only (no --key-col, --message-col or --window there)
InspectTimestampOpt = Annotated[str | None, typer.Option(
    "--timestamp-col", help="Column with timestamps: for a table, the event time (not a feature); "
                            "with --entity-col, the time the buckets are cut on.")]
FreqOpt = Annotated[str | None, typer.Option(
    "--freq", callback=refuse_empty("a grid such as 1min, or 'rows'"),
    help="Time series: resample onto this grid (e.g. 30s, 1min, 1h, 1D), or 'rows'.")]
FillOpt = Annotated[str | None, typer.Option(
    "--fill", callback=refuse_empty("ffill, interpolate or zero"),
    help="Time series: fill gaps with ffill, interpolate or zero (0 after scaling: the "
         "channel's training mean, not a reading of 0).")]
FillLimitOpt = Annotated[int | None, typer.Option(
    "--fill-limit", min=1, help="Time series: longest gap (steps) --fill may bridge.")]
FreqAggOpt = Annotated[str | None, typer.Option(
    "--freq-agg", callback=refuse_empty("mean, max, min, median, sum, first or last"),
    help="Time series: how the values of one --freq grid step, and rows with the same "
         "timestamp, are combined: mean (default), max, min, median, sum, first or last "
         "(e.g. max keeps a short spike that a 5min mean would smooth away).")]
WarmStartOpt = Annotated[Path | None, typer.Option(
    "--warm-start", metavar="MODEL", readable=False,  # (as ModelArg)
    help="Continue training this saved model (tables: autoencoders, VAE, Deep SVDD; time "
         "series: lstm-ae, gru-ae, lstm-forecaster, tcn-ae, conv2d-ae, cnn-lstm; logs: deeplog, "
         "sequence-autoencoder, event-count-autoencoder; entity-bucket models of those tables) on "
         "DATA's normal rows, series, log sessions or (entity, bucket) rows; its preprocessing (a "
         "log's templates and keys; an entity model's entity, timestamp column, bucket and "
         "aggregates), window, architecture and "
         "threshold rule stay as they are (frozen); the thresholds are refitted on a fresh "
         "held-out part of DATA (a series: its last steps).")]
ReplayDataOpt = Annotated[Path | None, typer.Option(
    "--replay-data", metavar="OLD", callback=stdin_as_file,
    help="With --warm-start: also train on a seeded sample of OLD's normal rows (e.g. the "
         "model's training file, folder or pattern; - reads standard input), so the old normal "
         "traffic is not forgotten. A series model: "
         "OLD's last steps, as a separate recording; an entity model: a sample of OLD's normal "
         "buckets. Not for log models.")]
ReplayOpt = Annotated[float, typer.Option(
    "--replay", help="With --replay-data: old rows sampled (a series: OLD's last rows taken; an "
                     "entity model: old buckets), as a multiple of DATA's normal rows (buckets).")]
ExtraNormalOpt = Annotated[list[Path] | None, typer.Option(
    "--extra-normal", help="Time series: another recording of normal operation, same columns "
                           "(e.g. SKAB's anomaly-free.csv), trained on beside DATA's training "
                           "part; no window spans the join (repeatable).")]

AlertFormatOpt = Annotated[str, typer.Option(
    "--alert-format", help="hourglass: the alerts as described here; ecs: one Elastic Common "
                           "Schema 8.x document per alert (flagged rows only), for a SIEM "
                           "(Elastic, OpenSearch, Splunk).")]

SqliteTableOpt = Annotated[str, typer.Option(
    "--sqlite-table", help="Table the alerts go to when the output is a .sqlite/.sqlite3/.db "
                           "file (SQLite).")]


def check_idle_timeout(idle_timeout: float | None) -> None:
    """Refuse a ``stream --idle-timeout`` that is not a finite number of seconds > 0 (one line,
    the same for every model kind that takes it: 0 or less never waits, inf and nan never
    elapse).

    Parameters
    ----------
    idle_timeout
        The option's value in seconds; ``None`` (not given) passes.

    Raises
    ------
    HourglassError
        For 0, a negative number, inf or nan.

    Examples
    --------
    >>> check_idle_timeout(None), check_idle_timeout(0.5)
    (None, None)
    >>> check_idle_timeout(-5)
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --idle-timeout: must be a finite number of seconds > 0, got -5
    """
    if idle_timeout is not None and not 0 < idle_timeout < float("inf"):  # (nan: neither)
        raise HourglassError(f"--idle-timeout: must be a finite number of seconds > 0, got {idle_timeout:g}")


def check_at_least(option: str, value: int | None, low: int = 1) -> None:
    """Refuse an option's whole number below ``low`` (one line). A command checks it once the
    option has not been refused as not used by the model's kind, so that such an option says
    'not used ... leave it out' whatever its value, as ``--chunk-mb`` does (a range the parser
    checked came first: '--max-sessions 0' on a table model was told to be at least 1).

    Parameters
    ----------
    option
        The option as typed (``--max-sessions``).
    value
        Its value; ``None`` (not given) passes.
    low
        The least value taken.

    Raises
    ------
    HourglassError
        For a value below ``low``.

    Examples
    --------
    >>> check_at_least("--max-sessions", 5), check_at_least("--explain", None)
    (None, None)
    >>> check_at_least("--max-groups", 0)
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --max-groups: must be at least 1, got 0
    """
    if value is not None and value < low:
        raise HourglassError(f"{option}: must be at least {low}, got {value}")


def sqlite_table(table: str, output: Path | None, typed: bool = False) -> str:
    """``--sqlite-table``'s value, checked; refused unless ``output`` is a SQLite file, when
    given other than its default or ``typed`` (``--sqlite-table alerts`` typed, its default).

    Examples
    --------
    >>> sqlite_table("alerts", Path("out.jsonl")), sqlite_table("ids", Path("out.sqlite"))
    ('alerts', 'ids')
    """
    from hourglass.ingest.sqlite import check_table_name, is_sqlite

    if (typed or table != "alerts") and (output is None or not is_sqlite(output)):
        raise HourglassError("--sqlite-table: only for a SQLite --output (.sqlite, .sqlite3 or .db)")
    return check_table_name(table)


# Suffixes of files that are not plain JSON lines: stream appends JSON lines (or SQLite rows)
_NOT_JSON_LINES = {".csv": "CSV", ".tsv": "TSV", ".parquet": "Parquet", ".pq": "Parquet",
                   ".xlsx": "Excel", ".xls": "Excel", ".html": "HTML", ".htm": "HTML"}
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zip")


def check_stream_output(output: Path | None) -> None:
    """Refuse a ``stream --output`` named for another file type: the stream appends plain JSON
    lines, flushed per batch (``alerts.csv`` would hold JSON, ``alerts.jsonl.gz`` text no
    ``zcat`` reads).

    Examples
    --------
    >>> check_stream_output(Path("alerts.jsonl")), check_stream_output(Path("live.sqlite"))
    (None, None)
    >>> check_stream_output(Path("alerts.csv"))
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --output alerts.csv: stream appends JSON lines, not CSV; ...
    """
    if output is None:
        return
    suffix, stem = output.suffix.lower(), Path(output.stem)
    # the name suggested is one this check takes: alerts.jsonl.csv -> alerts.jsonl, not
    # alerts.jsonl.jsonl; alerts.csv.gz -> alerts.jsonl, not alerts.csv
    if suffix in _COMPRESSED:
        name = f"{stem.stem}.jsonl" if stem.suffix.lower() in _NOT_JSON_LINES else stem.name
        raise HourglassError(f"--output {output}: stream appends plain JSON lines, flushed as they "
                             f"come (not {suffix}-compressed); name it {name}, and compress it "
                             "when you rotate it")
    if suffix in _NOT_JSON_LINES:
        name = stem.name if stem.suffix.lower() == ".jsonl" else f"{stem.name}.jsonl"
        raise HourglassError(f"--output {output}: stream appends JSON lines, not "
                             f"{_NOT_JSON_LINES[suffix]}; name it {name} (or .sqlite "
                             "for a SQLite table)")


def alert_format_is_ecs(value: str) -> bool:
    """Whether ``--alert-format`` asks for ECS documents (refuses an unknown value).

    Examples
    --------
    >>> alert_format_is_ecs("hourglass"), alert_format_is_ecs("ECS")
    (False, True)
    """
    if value.strip().lower() not in ("hourglass", "ecs"):
        raise HourglassError(f"--alert-format: expected hourglass or ecs, got {value!r}")
    return value.strip().lower() == "ecs"


ExplainMethodOpt = Annotated[str, typer.Option(
    "--method", help="How a table row is explained: 'reconstruction' (each column's share of the "
                     "reconstruction error; autoencoder-type models), 'gradients' (integrated "
                     "gradients of the score from the median training row; any differentiable "
                     "model: deep-svdd, ganomaly, encoder-gan, the autoencoders, a z-score "
                     "ensemble of them), or 'auto': reconstruction where the model has it, else "
                     "gradients.")]


def timestamp_option(timestamp_col: str | None, time_col: str | None) -> str | None:
    """``--timestamp-col``, or the deprecated ``--time-col`` it replaced (one name, one meaning:
    the column holding timestamps)."""
    if time_col is None:
        return timestamp_col
    if timestamp_col is not None and timestamp_col != time_col:
        raise HourglassError(f"--time-col: deprecated alias of --timestamp-col; got both "
                             f"({time_col!r} and {timestamp_col!r}): give --timestamp-col only")
    logging.getLogger("hourglass").warning("--time-col is deprecated: use --timestamp-col")
    return time_col


def parse_roles(items: list[str] | None) -> dict[str, str]:
    """The ``--role COL=ROLE`` items as a mapping (the last ``=`` splits: column names may hold one).

    Examples
    --------
    >>> parse_roles(["Src IP=ip", "a=b=hash", "Src IP=ip"])
    {'Src IP': 'ip', 'a=b': 'hash'}
    """
    roles: dict[str, str] = {}
    for item in items or []:
        col, sep, value = item.rpartition("=")
        if not sep or not col:
            raise HourglassError(f"--role: expected COL=ROLE, got {item!r}")
        if roles.get(col, value) != value:  # the last one silently won
            raise HourglassError(f"--role: {col!r} is given two roles ({roles[col]}, {value}); give one")
        roles[col] = value
    return roles


__all__ += ["DRIFT_WINDOW_MAX", "DriftWindowOpt", "StreamDriftWindowOpt", "check_drift_window"]

#: The longest --drift-window: its critical counts take ~1 min to set up at 1e6.
DRIFT_WINDOW_MAX = 1_000_000
_DRIFT_WINDOW_HELP = (
    "Drift check over the last N scored rows (sessions, steps): the share flagged against "
    "the rate the threshold promises on held-out normal data. score and stream warn on "
    "stderr once per episode when it is far higher (p < 1e-6) and give the rates in the end "
    "summary; serve reports it in GET /health. 0: off; at most 1,000,000 (above 100,000 "
    "the check takes seconds to set up). Outputs are never changed.")
DriftWindowOpt = Annotated[int, typer.Option(
    "--drift-window", min=0, max=DRIFT_WINDOW_MAX, help=_DRIFT_WINDOW_HELP)]
#: stream's: its range checked by :func:`check_drift_window` once the model has not refused it
#: (an event-by-event log model's stream has no drift check: 'not used', whatever its value)
StreamDriftWindowOpt = Annotated[int, typer.Option("--drift-window", help=_DRIFT_WINDOW_HELP)]


def check_drift_window(window: int) -> None:
    """Refuse a ``--drift-window`` outside 0 to :data:`DRIFT_WINDOW_MAX` (one line), as the
    parser words it for ``score`` and ``serve``; ``stream`` checks it once the model has not
    refused the option as not used.

    Parameters
    ----------
    window
        The option's value.

    Raises
    ------
    HourglassError
        For a negative window or one above :data:`DRIFT_WINDOW_MAX`.

    Examples
    --------
    >>> check_drift_window(0), check_drift_window(1000)
    (None, None)
    >>> check_drift_window(-3)
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --drift-window: must be from 0 (off) to 1,000,000, got -3
    """
    if not 0 <= window <= DRIFT_WINDOW_MAX:
        raise HourglassError(f"--drift-window: must be from 0 (off) to {DRIFT_WINDOW_MAX:,}, got {window}")

# hourglass benchmark (hourglass.pipeline.benchmark does the work)
__all__ += ["BenchBaselinesOpt", "BenchDataArg", "BenchDataDirOpt", "BenchEpochsOpt", "BenchJsonOpt",
            "BenchMaxTrainOpt", "BenchModelsOpt", "BenchSeedOpt", "BenchSeedsOpt", "BenchSuiteOpt",
            "BenchTestFractionOpt", "BenchTestOpt", "BenchThresholdOpt", "DeviceOpt"]

BenchDataArg = Annotated[Path | None, typer.Argument(
    metavar="DATA", callback=stdin_as_file,
    help="Labelled table (CSV/TSV/Parquet/JSONL, .gz read directly; - reads standard input); not "
         "with --suite.")]
BenchTestOpt = Annotated[Path | None, typer.Option(
    "--test", callback=stdin_as_file,
    help="Labelled test table with DATA's columns (default: a seeded stratified --test-fraction "
         "of DATA; - reads standard input, when DATA is a file).")]
BenchTestFractionOpt = Annotated[float | None, typer.Option(
    "--test-fraction", help="Without --test: share of DATA's rows kept for testing (stratified by "
                            "normal/anomaly, split with --seed; default 0.3); models train on the "
                            "normal rows of the rest.")]
BenchModelsOpt = Annotated[str, typer.Option(
    "--models", help="Comma-separated table detectors ('hourglass models').")]
BenchBaselinesOpt = Annotated[str, typer.Option(
    "--baselines", help="Comma-separated baselines on the same features: iforest (scikit-learn); "
                        "pyod-ecod, pyod-copod, pyod-hbos, pyod-iforest, pyod-knn, pyod-lof, "
                        "pyod-pca if PyOD is installed; 'none' for no baseline.")]
BenchSeedsOpt = Annotated[int, typer.Option(
    "--seeds", min=1, help="Runs per model, with seeds --seed, --seed+1, ... (mean ± std).")]
BenchSeedOpt = Annotated[int, typer.Option(
    "--seed", min=0, help="First seed (also the split's); the last run's, --seed + --seeds - 1, "
                          "at most 2**64-1.")]
BenchThresholdOpt = Annotated[str | None, typer.Option(
    "--threshold", callback=refuse_empty("a rule such as percentile:99"),
    help="Threshold rule for every model, fitted on its held-out normal training "
                        "rows (fixed:VALUE is given, not fitted): percentile:Q, fpr:RATE or "
                        "fpr:RATE@CONFIDENCE, contamination:C, pot:RISK, budget:N/10k, fixed:VALUE "
                        "(default: each model's own, percentile 99).")]
BenchJsonOpt = Annotated[Path | None, typer.Option(
    "--json", help="Write the table, the runs per seed and the notes as JSON (- for standard "
                   "output; the table then goes to stderr).")]
BenchMaxTrainOpt = Annotated[int | None, typer.Option(
    "--max-train", min=2, help="At most N normal training rows (a uniform sample per seed).")]
BenchEpochsOpt = Annotated[int | None, typer.Option(
    "--epochs", min=1, help="Maximum training epochs of the deep models (default: each model's; "
                            "GAN detectors run at least their min_steps optimiser steps, 400 by "
                            "default, past it on small data).")]
DEVICE_HELP = ("auto (a CUDA GPU when torch sees one, else the CPU), cpu, cuda (cuda:N), or mps/xpu "
               "where this PyTorch has them.")
DeviceOpt = Annotated[str, typer.Option("--device", help=DEVICE_HELP)]
BenchSuiteOpt = Annotated[str | None, typer.Option(
    "--suite", help="nsl-kdd: KDDTrain+ -> KDDTest+ from the folder given by --data or "
                    "HOURGLASS_DATA; nsl-kdd-sample: the bundled NSL-KDD sample (no download).")]
BenchDataDirOpt = Annotated[Path | None, typer.Option(
    "--data", envvar="HOURGLASS_DATA",
    help="--suite nsl-kdd: folder holding KDDTrain+.txt(.gz) and KDDTest+.txt(.gz) (or its "
         "nsl_kdd/ subfolder); only with that suite (HOURGLASS_DATA is read by it alone).")]

# Entity buckets: a table's rows per entity per time bucket (hourglass.cli.entity does the work)
__all__ += ["AggregateOpt", "BucketOpt", "DistinctOpt", "EntityCaseOpt", "EntityColOpt"]

EntityColOpt = Annotated[str | None, typer.Option(
    "--entity-col", help="Tables: score each entity (this column: source IP, host, user) per time "
                         "bucket instead of each row: the rows of an (entity, --bucket) pair are "
                         "aggregated (row count, sums/means/maxima, distinct values) into one; "
                         "needs --timestamp-col, unless the data's format names its own event "
                         "time (auditd, cef, zeek-conn, cloudtrail ...: 'hourglass formats').")]
EntityCaseOpt = Annotated[str | None, typer.Option(
    "--entity-case", callback=refuse_empty("exact or fold"),
    help="With --entity-col: 'exact' (default: 'alice' and 'Alice' are two "
         "entities, as Linux user names are) or 'fold' (names case-folded: one "
         "entity for Windows accounts, UPNs, e-mail addresses, DNS host names; "
         "alerts name the folded spelling). Saved with the model.")]
BucketOpt = Annotated[str | None, typer.Option(
    "--bucket", callback=refuse_empty("a bucket length such as 5min"),
    help="With --entity-col: bucket length, e.g. 1min, 5min, 1h (default 5min).")]
AggregateOpt = Annotated[list[str] | None, typer.Option(
    "--aggregate", help="With --entity-col: numeric column summed, averaged and maximised per "
                        "bucket (repeatable; default, with no --distinct either: inferred from "
                        "the column roles).")]
DistinctOpt = Annotated[list[str] | None, typer.Option(
    "--distinct", help="With --entity-col: column whose distinct values (and top-value share) are "
                       "counted per bucket, e.g. dst_port, dst_ip, EventID (repeatable).")]

# hourglass threshold (re-threshold a saved model; hourglass.cli.threshold)
__all__ += ["ForceOpt", "RethresholdEventsOpt", "RethresholdOutputOpt", "RethresholdSpecOpt", "TrainForceOpt"]

RethresholdSpecOpt = Annotated[list[str] | None, typer.Option(
    "--threshold", help="Rule to try (repeatable; default: the model's own, percentile:99, "
                        "percentile:99.9, fpr:0.01, fpr:0.001, pot:1e-4 and, with a known event "
                        "rate, budget:10/day): percentile:Q, fpr:RATE or fpr:RATE@CONFIDENCE, "
                        "contamination:C, pot:RISK, spot:RISK, dspot:RISK or dspot:RISK/DEPTH, "
                        "budget:N/day, budget:N/10k, fixed:VALUE. With -o: exactly one, the rule "
                        "to apply.")]
RethresholdOutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write a copy of MODEL with the --threshold rule fitted on its held-out "
                           "normal scores to this directory (no retraining).")]
RethresholdEventsOpt = Annotated[float | None, typer.Option(
    "--events-per-day", help="Event rate (rows, sessions, steps or buckets per day) for alerts per "
                             "day and budget:N/day (default: the model's, from its training "
                             "--events-per-day, --timestamp-col or --freq grid); with -o, "
                             "NEW's event rate whatever the rule, as train --events-per-day "
                             "sets it (its model card, evaluate's alerts per day).")]
RethresholdJsonOpt = Annotated[Path | None, typer.Option(
    "--json", help="Without -o: also write the table's rows, what the held-out scores they rest on "
                   "are and how many (not the scores) and the notes as JSON (- for standard output; "
                   "the table then goes to stderr).")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="With -o: replace an existing model directory (MODEL itself included).")]
TrainForceOpt = Annotated[bool, typer.Option(
    "--force", help="Replace a model already saved at --output (without it, that is refused "
                    "before any work).")]

__all__ += ["GroupByOpt", "GroupTimeOpt", "GroupWindowOpt", "MaxGroupsOpt", "group_columns"]

GroupByOpt = Annotated[list[str] | None, typer.Option(
    "--group-by", help="Table models: one grouped alert per value of these columns (comma-"
                       "separated, e.g. src_ip or src_ip,dst_port; repeating the option adds "
                       "columns) and --group-window, with the "
                       "count of flagged rows, first/last row and time, the highest score, "
                       "severity and calibrated probability, and the top row's fields.")]
GroupWindowOpt = Annotated[str | None, typer.Option(
    "--group-window", help="With --group-by: the window of a group, a time length (30s, 10m, 1h; "
                           "needs the rows' times: --timestamp-col or the model's) or a number of "
                           "rows (1000). Default: 10m with times, else 10000 rows.")]
GroupTimeOpt = Annotated[str | None, typer.Option(
    "--timestamp-col", help="With --group-by: the column with each row's time (default: the "
                            "model's --timestamp-col).")]
MaxGroupsOpt = Annotated[int, typer.Option(  # (>= 1 checked once it is used: check_at_least)
    "--max-groups", help="With --group-by: most open groups held (>= 1); beyond it the one with "
                         "the oldest first row is written early (counted).")]


def group_columns(group_by: list[str] | None) -> str | None:
    """The ``--group-by`` options as one comma-separated list (``--group-by src_ip --group-by
    dst_port`` groups by both, as ``--group-by src_ip,dst_port`` does; the last one alone used to
    win silently).

    Examples
    --------
    >>> group_columns(["src_ip", "dst_port"]), group_columns(["src_ip,dst_port"]), group_columns(None)
    ('src_ip,dst_port', 'src_ip,dst_port', None)
    """
    return ",".join(dict.fromkeys(group_by)) if group_by else None  # --group-by a twice: a, as --keep
