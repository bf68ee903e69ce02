"""``hourglass explain``: which columns made each flagged table row anomalous."""

from __future__ import annotations

import heapq
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hourglass._columns import counted
from hourglass.cli._common import (
    check_not_input,
    check_output_type,
    chunk_bytes,
    refuse_closed_stdout,
    refuse_kept_outputs,
    typed_options,
)
from hourglass.cli._options import (
    ChunkMbOpt,
    DataArg,
    DatasetOpt,
    ExplainBadRowsOpt,
    ExplainMethodOpt,
    FormatOpt,
    ModelArg,
    QuietOpt,
)
from hourglass.cli._output import (
    data_on_stdout,
    err,
    on_screen,
    out,
    report_skipped,
    say_wrote,
    setup_logging,
    user_errors,
)
from hourglass.errors import HourglassError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["explain"]


def explain(
    ctx: typer.Context,
    model: ModelArg,
    data: DataArg,
    top: Annotated[int, typer.Option(
        "--top", min=1, help="Columns named per row, largest share first.")] = 3,
    method: ExplainMethodOpt = "auto",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Also write every explained row (row, score, flag, severity, "
                               "top_column, why, method) to this CSV/TSV/Parquet/JSONL (+ .gz) or "
                               "SQLite database (.sqlite, .sqlite3, .db); - writes CSV to standard "
                               "output (the table then goes to stderr).")] = None,
    all_rows: Annotated[bool, typer.Option(
        "--all", help="Explain every row, not only the flagged ones.")] = False,
    limit: Annotated[int, typer.Option(
        "--limit", min=0, help="Rows shown on screen, highest score first (ties: the "
                                "earlier row first).")] = 20,
    keep: Annotated[list[str] | None, typer.Option(
        "--keep", help="Input column to copy into the output and the screen table "
                       "(repeatable).")] = None,
    dataset: DatasetOpt = None,
    fmt: FormatOpt = "auto",
    on_bad_rows: ExplainBadRowsOpt = "error",
    chunk_mb: ChunkMbOpt = 16.0,
    quiet: QuietOpt = False,
) -> None:
    """Explain the flagged rows, time steps or (entity, bucket)s of DATA: what made each score high.

    Autoencoder-type models (autoencoder, sparse-autoencoder, denoising-autoencoder, vae): each
    column's share of the reconstruction error. Other differentiable models (deep-svdd, ganomaly,
    encoder-gan, an ensemble of such with z-score calibration): integrated gradients of the score
    from the median training row, each column's attribution over the sum of absolute ones
    (negative: the column pulled the score down); --method picks one. One-hot and other derived
    features count for the column they came from. Prints the highest-scoring rows with their top
    columns and values, the method, and how often each column was the main reason; --output
    writes every explained row. Log models explain
    their alerts in 'hourglass score' (the unexpected event and the keys expected instead).

    For time-series models (lstm-ae, gru-ae, lstm-forecaster, tcn-ae, conv2d-ae, cnn-lstm), DATA is
    a series: each flagged time step is explained by each channel's share of the step's score,
    with the channels' values and the timestamp; rows are time steps.

    For entity-bucket models (trained with --entity-col), DATA is a table: each flagged (entity,
    bucket) is explained by its bucket features (rows, distinct COL, sum COL, top COL share...)
    with their values as counted and their training medians, e.g. "distinct dst_port=64 (57%;
    median 3)"; the scores are score's.
    """
    data_on_stdout(output)  # '-': the data alone on stdout, the command's lines on stderr
    import numpy as np  # the library is imported here, not for 'hourglass --help'
    import pandas as pd

    from hourglass.cli._output import rich_table
    from hourglass.cli.tables import (
        KeptColumns,
        no_rows_error,
        resolve_spec,
        rows_vary_in_columns,
        score_chunks,
    )
    from hourglass.explain import explain_rows, explainable, unknown_method
    from hourglass.ingest import ReadStats
    from hourglass.ingest.readers import detect_format
    from hourglass.ingest.writers import chunk_writer
    from hourglass.pipeline import load
    from hourglass.serve.ecs import column_values, whole_values

    setup_logging(quiet)
    stats = ReadStats()
    n_rows = flagged = 0
    reasons: Counter[str] = Counter()
    used = ""  # the explanation method, said once
    best: list[tuple[float, int, list[str]]] = []  # (score, row, cells): the --limit highest
    with user_errors():
        if output is None:  # the table is the result: said now, not after scoring the input
            refuse_closed_stdout("the explained rows", "--output")
        if output is not None:
            check_not_input(output, "--output", data, model)
            check_output_type(output)
        keep = list(dict.fromkeys(keep)) if keep else keep  # --keep a --keep a: one column, as score
        pipe = load(model)
        if getattr(pipe.features_, "output", "tabular") == "timeseries":  # time steps, not rows
            from hourglass.cli.explain_series import explain_series

            explain_series(pipe, model, data, command=explain, dataset=dataset, top=top,
                           output=output, all_rows=all_rows, limit=limit,
                           unused={"fmt": fmt, "on_bad_rows": on_bad_rows, "chunk_mb": chunk_mb,
                                   "keep": keep, "method": method}, typed=typed_options(ctx))
            return
        if getattr(pipe.features_, "output", "tabular") == "entity":  # (entity, bucket) rows
            from hourglass.cli.explain_entity import explain_entity

            explain_entity(pipe, model, data, command=explain, top=top, method=method, output=output,
                           all_rows=all_rows, limit=limit, fmt=fmt, on_bad_rows=on_bad_rows,
                           unused={"dataset": dataset, "chunk_mb": chunk_mb, "keep": keep},
                           typed=typed_options(ctx))
            return
        if getattr(pipe.features_, "output", "tabular") == "events":
            raise HourglassError(f"{model}: a log model ({pipe.model_name}) explains its alerts in "
                                 f"'hourglass score {model} {pipe.features_.data_word} -o alerts.jsonl': "
                                 "each flagged session's unexpected event, its template and the keys "
                                 "expected")
        # (a table model's: time-series and entity models refuse --chunk-mb and --keep as not
        # used, whatever their value, as they do --format or --on-bad-rows)
        chunk_size = chunk_bytes(chunk_mb)
        refuse_kept_outputs(keep, {"row", "score", "flag", "severity", "top_column", "why", "method"})
        unknown = unknown_method(pipe, method)  # (the methods of this model, once it is loaded)
        if unknown is not None:
            raise HourglassError(f"--method: {unknown}")
        why_not = explainable(pipe, method)
        if why_not is not None:
            raise HourglassError(f"{model}: {why_not}")
        spec, _, _ = resolve_spec(dataset, None, None, fmt, data)
        drop = [c for c in (pipe.info.get("label_col"), pipe.info.get("time_col")) if c]
        vary = rows_vary_in_columns(pipe, spec, data)
        kept = KeptColumns(keep, data, lenient=vary)
        # a kept integer column with a missing cell is read as floats: JSON lines write its 22.0
        # as 22, as score does, and the screen shows 22
        whole_ints = output is not None and detect_format(output) == "jsonl"
        with (chunk_writer(output) if output is not None else _NoWriter()) as writer:
            for df, result in score_chunks(pipe, data, spec, on_bad_rows, stats,
                                            chunk_bytes=chunk_size,  # --keep: as score reads it
                                            look=kept.look):
                kept_df = kept.add(df)  # (every column: an absent one's error names a nested one)
                rows = stats.rows_of(np.arange(n_rows, n_rows + len(df)))  # (data rows)
                n_rows += len(df)
                is_flagged = result["flag"].to_numpy() == 1
                flagged += int(is_flagged.sum())
                pick = np.ones(len(df), dtype=bool) if all_rows else is_flagged
                if not pick.any():
                    continue
                chosen = df.loc[pick].drop(columns=[c for c in drop if c in df.columns])
                chosen = pipe.with_absent_fields(chosen, force=vary)  # as score_chunks scored it
                why = explain_rows(pipe, chosen, top=top, method=method)
                used = str(why["method"].iloc[0])
                reasons.update(why["top_column"][is_flagged[pick]])
                frame = pd.DataFrame({"row": rows[pick],
                                      "score": result["score"].to_numpy()[pick],
                                      "flag": result["flag"].to_numpy()[pick],
                                      "severity": result["severity"].to_numpy()[pick],
                                      "top_column": why["top_column"].to_numpy(),
                                      "why": why["why"].to_numpy(),
                                      "method": why["method"].to_numpy()})
                kept_cols = [kept_df.loc[pick, c] for c in keep or []]
                for c, col in zip(keep or [], kept_cols, strict=True):
                    frame[c] = whole_values(col) if whole_ints else column_values(col)
                writer.write(frame)
                if not limit:
                    continue
                # a row's screen cells are made only when it enters the --limit highest (an
                # --all of a big file made them for every row, to show 20)
                shown_kept = [_kept_cells(col) for col in kept_cols]
                why_text = frame["why"].tolist()
                severities = frame["severity"].tolist()
                for k, (score, row) in enumerate(zip(frame["score"].tolist(), frame["row"].tolist(),
                                                     strict=True)):
                    key = (float(score), -int(row))
                    if len(best) >= limit and key <= best[0][:2]:
                        continue
                    cells = [str(row), f"{score:.4g}", str(severities[k]),
                             *[v[k] for v in shown_kept], on_screen(why_text[k])]
                    if len(best) < limit:
                        heapq.heappush(best, (*key, cells))
                    else:
                        heapq.heapreplace(best, (*key, cells))
            if n_rows == 0:  # as evaluate and inspect say it, and nothing written
                raise no_rows_error(data, stats)
            kept.check()
            if not used:  # nothing flagged: a file with the columns (as score writes), not 0 bytes
                writer.write(_no_rows(keep or []))
    report_skipped(stats, data, kept=n_rows)
    if limit and best:
        shown = sorted(best, key=lambda t: t[:2], reverse=True)
        what = "rows" if all_rows else "flagged rows"
        out.print(rich_table(f"{len(shown)} highest-scoring {what} of {n_rows:,}",
                             ["row", "score", "severity", *(keep or []), "why"],
                             [cells for _, _, cells in shown]))
    if used:
        out.print(f"method: {used}", highlight=False)
    if reasons:
        share = ", ".join(f"{on_screen(c)} {k / flagged:.0%}" for c, k in reasons.most_common(5))
        out.print(f"main reason among {flagged:,} flagged rows: {share}", highlight=False)
    err.print(f"explained {counted(n_rows, 'row')} ({spec.name if spec else 'table'}), {flagged:,} flagged",
              highlight=False)
    if output is not None:
        say_wrote(output)


def _kept_cells(col: pd.Series) -> list[str]:
    """A kept column's cells on screen: a float column's whole numbers as integers (a CSV's
    integer column with an empty cell reads as floats: its ``443.0`` shows as ``443``), other
    values as pandas shows them (a time as ``2024-01-01 00:12:00``, a duration as
    ``0 days 00:00:01``) and a missing one as ``why`` names it (``<missing>``), not ``nan``,
    ``NaT``, ``None`` or ``<NA>`` as its column's type happens to hold it.

    Examples
    --------
    >>> import pandas as pd
    >>> _kept_cells(pd.Series([443.0, None, 0.5]))
    ['443', '<missing>', '0.5']
    >>> _kept_cells(pd.Series(pd.to_datetime(["2024-01-01 00:12", None])))
    ['2024-01-01 00:12:00', '<missing>']
    >>> _kept_cells(pd.Series(pd.to_timedelta([1], unit="s")))
    ['0 days 00:00:01']
    >>> _kept_cells(pd.Series(["10.0.0.1", None]))
    ['10.0.0.1', '<missing>']
    """
    from hourglass.serve.ecs import whole_values

    values = whole_values(col) if col.dtype.kind == "f" else col.astype(object).to_numpy()
    missing = col.isna().to_numpy()
    return ["<missing>" if gone else on_screen(v) for v, gone in zip(values, missing, strict=True)]


def _no_rows(keep: list[str]) -> pd.DataFrame:
    """The output table without rows: its columns, typed as when rows are explained."""
    import numpy as np
    import pandas as pd

    text = np.array([], dtype=object)
    return pd.DataFrame({"row": np.array([], dtype=np.int64), "score": np.array([], dtype=np.float64),
                         "flag": np.array([], dtype=np.int8), "severity": text, "top_column": text,
                         "why": text, "method": text, **dict.fromkeys(keep, text)})


class _NoWriter:
    """Stands in for the output writer when nothing is written."""

    def __enter__(self) -> _NoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, frame: object) -> None:
        return None
