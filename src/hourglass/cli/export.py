"""``hourglass export``: a table model as a parity-checked ONNX graph."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hourglass._columns import counted
from hourglass.cli._common import check_not_input, check_output_kind
from hourglass.cli._options import (
    ModelArg,
    QuietOpt,
    TableBadRowsOpt,
    TableDatasetOpt,
    TableFormatOpt,
)
from hourglass.cli._output import (
    data_on_stdout,
    err,
    out_of_memory,
    say_wrote,
    setup_logging,
    user_errors,
)
from hourglass.cli._spool import stdin_as_file
from hourglass.errors import HourglassError, InputError

if TYPE_CHECKING:
    import numpy as np

    from hourglass.pipeline import Pipeline

__all__ = ["export"]


def _first_rows(pipe: Pipeline, data: Path, n: int, dataset: str | None, fmt: str,
                on_bad_rows: str) -> tuple[Any, int, str, str]:
    """The first ``n`` rows of ``data`` (read in chunks), without the label and time columns of
    the model ``pipe`` (as loaded: the one exported), preprocessed as it does (the feature matrix
    the parity check scores), the number of rows skipped (``--on-bad-rows skip``: malformed, or
    with a value the model refuses), what the matrix's rows are (``rows``; an entity-bucket
    model's: the ``(entity, bucket) rows`` the table rows were grouped into) and, in words, where
    they come from. A model that cannot be exported is refused first: read as its table, a log or
    a series file would only give an error about the file."""
    import numpy as np
    import pandas as pd

    from hourglass.cli._schema import ids_as_written, resolve_spec, text_as_trained
    from hourglass.cli.tables import (
        _BAD_VALUE,
        _takes_used,
        read_data,
        refused_rows,
        rows_vary_in_columns,
        skip_bad_values,
    )
    from hourglass.ingest import ReadStats
    from hourglass.pipeline.export import export_refusal

    why_not = export_refusal(pipe)
    if why_not is not None:  # the same line as without --check-data
        raise InputError(f"cannot export to ONNX: {why_not}")

    spec, _, _ = resolve_spec(dataset, None, None, fmt, data)
    # read as score reads the file: a CSV's text category as written where training read it as
    # text ('1.10' is no 1.1, '007' no 7), an entity-bucket model's ids as written ('01' is no 1)
    if getattr(pipe.features_, "output", "tabular") == "entity":
        spec = ids_as_written(spec, pipe.features_.entity_col)
    else:
        spec = text_as_trained(spec, pipe.features_)
    stats = ReadStats()  # the malformed rows the reader skipped
    chunked = spec is not None and hasattr(spec, "iter_chunks")
    chunks: Any = None  # the chunks not read yet, when the file was not read to its end
    info = pipe.info  # (as loaded: a null "info" reads as no record)
    meta_cols = [str(c) for c in (info.get("label_col"), info.get("time_col")) if c]
    # as score reads a table model's file: a column the model does not read whose numbers turn
    # to text further on is text from there on, not the end of the check
    loose = {"used": {*map(str, pipe.features_.columns_), *meta_cols}} if (
        chunked and getattr(pipe.features_, "output", "tabular") == "tabular" and _takes_used(spec)) else {}
    if spec is not None and chunked:
        parts, got = [], 0
        for df in (reader := spec.iter_chunks(data, on_bad_rows=on_bad_rows, stats=stats, **loose)):
            parts.append(df)
            got += len(df)
            if got >= n:
                chunks = reader
                break
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    else:
        frame = read_data(data, spec, on_bad_rows, stats)
    if frame.empty:  # said here, naming the file, not as the parity check's 'empty data'
        raise HourglassError(f"--check-data {data}: no data rows" + (
            f" ({stats.bad_rows:,} malformed row(s) skipped)" if stats.bad_rows else ""))
    meta = [c for c in meta_cols if c in frame.columns]
    rows = frame.drop(columns=meta).head(n)
    if chunked and rows_vary_in_columns(pipe, spec, data):
        # JSON lines, events: the first rows may lack a field later ones have; as score reads
        # a chunk, such a field is missing in them, not a missing column. A field in no row of
        # a file read to its end is the missing column score refuses too (transform's error),
        # but for one missing in training rows (optional_fields), missing there as in score
        filled = pipe.with_absent_fields(rows, force=True)
        if filled is not rows and chunks is not None and next(chunks, None) is not None:
            rows = filled
        elif filled is not rows:  # (else the error names the columns the file has)
            optional = pipe.with_absent_fields(rows, force=True, only=pipe.optional_fields)
            rows = optional if optional.shape[1] == filled.shape[1] else rows
    if chunks is not None and hasattr(chunks, "close"):
        chunks.close()  # the file read no further
    if getattr(pipe.features_, "output", "tabular") == "entity":
        from hourglass.cli._skip import skip_unreadable_rows

        # as score does with --on-bad-rows skip: a row whose time or summed value is unreadable
        # is left out (counted), not the end of the check
        f = pipe.features_
        rows = skip_unreadable_rows(rows, f.timestamp_col, getattr(f, "dayfirst_", None), f.read_numbers(),
                                    on_bad_rows, stats, data, nested=f.columns_)
    read = np.arange(len(rows))  # the rows kept, as positions among the rows read
    if getattr(pipe.features_, "output", "tabular") == "tabular":
        from hourglass.cli._skip import nested_rows

        # a model column a JSON line sends as an object: refused (or skipped) as score does
        sent = nested_rows(rows, list(map(str, pipe.features_.columns_)), on_bad_rows, stats, data)
        if sent.any():
            rows, read = rows.loc[~sent].reset_index(drop=True), read[~sent]
    # as score does with --on-bad-rows skip: a row whose value the model refuses (text in a
    # numeric column) is left out, not the end of the check
    skip = on_bad_rows == "skip" and getattr(pipe.features_, "output", "tabular") == "tabular"
    unit = "(entity, bucket) rows" if getattr(pipe.features_, "output", "tabular") == "entity" else "rows"
    name, malformed, n_rows = f"--check-data {data}", stats.bad_rows, len(rows)
    try:  # every row preprocessed here, so that an error in any of them names the file
        X: np.ndarray | None = pipe.transform(rows)
        return X, malformed, unit, _came_from(unit, n_rows, data)
    except InputError as exc:
        if not skip or _BAD_VALUE.search(str(exc)) is None:  # its row told as score tells it
            raise refused_rows(exc, stats.known(np.arange(len(rows))), stats, name,
                               tabular=getattr(pipe.features_, "output", "tabular") == "tabular") from None
        rows, X = skip_bad_values(pipe, rows, pipe.transform, exc, stats, 0, name, pos=read)
    if X is None:
        also = f", {malformed:,} malformed" if malformed else ""
        raise HourglassError(f"{name}: every row read was skipped (--on-bad-rows skip: {n_rows:,} with a "
                             f"value the model refuses{also}), none left to check parity on; the first: "
                             f"{stats.refused}") from None
    return X, stats.bad_rows, unit, _came_from(unit, len(rows), data)


def _came_from(unit: str, n_rows: int, data: Path) -> str:
    """Where the checked rows come from, for the parity line: ``rows of DATA``, or an
    entity-bucket model's ``(entity, bucket) rows grouped from the first N rows of DATA``."""
    return f"rows of {data}" if unit == "rows" else f"{unit} grouped from the first {n_rows:,} rows of {data}"


def export(
    model: ModelArg,
    onnx_path: Annotated[Path, typer.Option(
        "--onnx", help="ONNX file to write (input 'features': the preprocessed feature matrix; "
                       "output 'score'); - writes it to standard output.")],
    check_rows: Annotated[int, typer.Option(
        "--check-rows", min=1, help="Rows that onnxruntime and torch must score alike before the "
                                    "file is written: generated feature rows, or the first rows "
                                    "of --check-data.")] = 1000,
    check_data: Annotated[Path | None, typer.Option(
        "--check-data", callback=stdin_as_file,
        help="Check parity on the first --check-rows rows of this table (preprocessed as the "
             "model does) instead of generated rows; - reads standard input.")] = None,
    dataset: TableDatasetOpt = None,
    fmt: TableFormatOpt = "auto",
    on_bad_rows: TableBadRowsOpt = "error",
    opset: Annotated[int, typer.Option("--opset", help="ONNX opset version, 9 to 20.")] = 17,
    quiet: QuietOpt = False,
) -> None:
    """Export MODEL's scoring to ONNX, for any ONNX runtime: parity-checked, written atomically.

    For table models whose score is one pass of a torch network (autoencoder,
    sparse-autoencoder, denoising-autoencoder, vae, deep-svdd, ganomaly, encoder-gan). The graph
    takes the preprocessed feature matrix (float32, rows × features, any number of rows) and
    returns each row's score; the file's metadata holds the feature names, the preprocessing
    state, the threshold (flag = score > threshold), the model name and the artefact's content
    hash. Before writing, onnxruntime and torch score --check-rows generated rows (or rows of
    --check-data): every score must agree within 1e-5 (relative; or within 4 times torch's own
    float32 rounding on those rows where that is larger, at most 1e-3) and every flag exactly
    (but for a row scoring on the threshold, to float32 rounding), or nothing is written. --dataset,
    --format and --on-bad-rows say how to read --check-data.
    """
    data_on_stdout(onnx_path)  # '-': the data alone on stdout, the command's lines on stderr
    setup_logging(quiet)
    with user_errors():
        check_not_input(onnx_path, "--onnx", data=check_data, model=model)
        check_output_kind(onnx_path, "--onnx", (".onnx",), "an ONNX model")  # as evaluate's --report
        if check_data is None:  # they read --check-data: given without it, they would do nothing
            for opt, value, default in (("--dataset", dataset, None), ("--format", fmt, "auto"),
                                        ("--on-bad-rows", on_bad_rows, "error")):
                if value != default:
                    raise HourglassError(f"{opt} {value}: says how to read --check-data FILE; give "
                                         "--check-data, or leave it out")
        try:  # the library is imported here, not for 'hourglass --help'
            from hourglass.pipeline.export import ROUNDING_FACTOR, RTOL, export_loaded, export_onnx
        except ImportError as exc:
            raise HourglassError(f"ONNX export needs the onnx extra: pip install 'hourglass[onnx]' "
                                 f"({exc})") from None
        skipped, unit, what = 0, "rows", "generated rows"
        try:
            if check_data is None:
                done = export_onnx(model, onnx_path, opset=opset, check_rows=check_rows)
            else:  # the model read once: the rows checked are preprocessed by the model exported
                from hourglass.pipeline import load

                pipe = load(model)
                sample, skipped, unit, what = _first_rows(pipe, check_data, check_rows, dataset, fmt,
                                                          on_bad_rows)
                done = export_loaded(pipe, pipe.artefact_["content_hash"], onnx_path, opset=opset,
                                     check_rows=check_rows, sample=sample)
        except InputError as exc:
            if exc.param == "check_rows":  # the library's parameter is this option
                raise HourglassError(f"--check-rows {str(exc).removeprefix('check_rows ')}") from None
            raise
        except (MemoryError, RuntimeError) as exc:  # the rows checked, not training: name them
            if out_of_memory(exc):
                rows = (f"{counted(check_rows, 'generated row')}" if check_data is None else
                        f"the first {counted(check_rows, 'row')} of {check_data}")
                advice = f"checking parity on {rows}: give a lower --check-rows"
                setattr(exc, "hourglass_advice", advice)  # noqa: B010 (read by user_errors)
            raise
    skips = f"; {skipped:,} row(s) skipped: --on-bad-rows skip" if skipped else ""
    widened = ("" if done.tolerance <= RTOL else
               f": torch's own float32 rounding on these rows, times {ROUNDING_FACTOR:g}")
    if done.rows_checked == 1:  # '1 generated row', '1 row of DATA' (what: the plural's words)
        what, unit = what.replace("rows", "row", 1), unit.removesuffix("s")
    err.print(f"parity on {done.rows_checked:,} {what} ({done.flagged:,} flagged{skips}): max "
              f"relative difference {done.max_rel_diff:.2g} (tolerance {done.tolerance:.2g}{widened}), "
              f"max absolute {done.max_abs_diff:.2g}; flags identical"
              + (f" but for {done.on_threshold:,} row(s) scoring on the threshold (equal to float32 "
                 "rounding: flagged by chance either way)" if done.on_threshold else ""),
              highlight=False)
    if done.flagged in (0, done.rows_checked):  # the flag comparison saw one side only
        side = "none" if done.flagged == 0 else "every one"
        checked = f"{side} of the {done.rows_checked:,} {unit} checked was flagged"
        if done.rows_checked == 1:  # (not 'every one of the 1 row')
            checked = f"the one {unit} checked was{' not' if done.flagged == 0 else ''} flagged"
        advice = ("check with rows of your own data (--check-data FILE)" if check_data is None else
                  f"check more rows (--check-rows, now {check_rows:,}) or a file with rows on both "
                  "sides of it (normal and anomalous)")
        logging.getLogger(__name__).warning(
            "%s, so the flags were compared on one side of the threshold only: %s", checked, advice)
    say_wrote(done.path, f" ({done.model}, {done.n_features} features, opset {opset})")
