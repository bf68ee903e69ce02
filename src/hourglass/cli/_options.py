"""Typer argument and option types shared by several commands (one help text per option)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from hourglass.errors import HourglassError

__all__ = ["BadRowsOpt", "DataArg", "DatasetOpt", "DeprecatedTimeColOpt", "FormatOpt", "LabelOpt",
           "ModelArg", "NormalOpt", "QuietOpt", "timestamp_option"]

DataArg = Annotated[Path, typer.Argument(help="CSV/TSV/Parquet/JSONL file (.gz read directly).")]
ModelArg = Annotated[Path, typer.Argument(help="Model directory written by 'hourglass train'.")]
DatasetOpt = Annotated[str | None, typer.Option(
    "--dataset", help="Named layout (nsl-kdd): fills in columns, label column and normal value.")]
LabelOpt = Annotated[str | None, typer.Option("--label-col", help="Column holding the label.")]
NormalOpt = Annotated[list[str] | None, typer.Option(
    "--normal", help="Label value of normal rows (repeat for several).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")]
DeprecatedTimeColOpt = Annotated[str | None, typer.Option(
    "--time-col", hidden=True, help="Deprecated alias of --timestamp-col.")]
FormatOpt = Annotated[str, typer.Option(
    "--format", help="auto (sniffed), nsl-kdd, unsw-nb15, cicflowmeter, zeek-conn, csv, tsv, "
    "parquet, jsonl ('hourglass formats' lists all); logs: hdfs, bgl, syslog, raw, keys (DeepLog "
    "key sequences) or a header regex with a (?P<content>...) group.")]
BadRowsOpt = Annotated[str, typer.Option(
    "--on-bad-rows", help="error: stop at a malformed row (naming file and line); skip: skip "
    "and count them.")]


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
