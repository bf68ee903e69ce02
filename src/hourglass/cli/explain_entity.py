"""``hourglass explain`` for an entity-bucket model: which bucket features (distinct ports, row
count, summed bytes...) made each flagged (entity, bucket) anomalous."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from hourglass._columns import counted
from hourglass.cli._common import refuse_unused
from hourglass.cli._output import err, on_screen, out, report_skipped, rich_table, say_wrote
from hourglass.errors import HourglassError, InputError

__all__ = ["explain_entity"]

_MAIN_REASONS_SHOWN = 5


def explain_entity(pipe: Any, model: Path, data: Path, *, command: Any, top: int, method: str,
                   output: Path | None, all_rows: bool, limit: int, fmt: str, on_bad_rows: str,
                   unused: dict[str, Any], typed: set[str] | None = None) -> None:
    """Score DATA's (entity, bucket) rows as ``hourglass score`` does, explain the flagged ones
    (every one with ``all_rows``) with :func:`~hourglass.explain.bucket_reasons`, print the
    ``limit`` highest-scoring with their reasons and how often each feature was the main reason;
    ``output`` gets every explained bucket (written atomically)."""
    import pandas as pd

    from hourglass.cli.entity import _read, absent_filled, warn_missing_entity
    from hourglass.cli.tables import about_file, at_kept_rows, skip_unreadable_rows
    from hourglass.explain import BUCKET_COLUMNS, bucket_reasons, explainable, unknown_method
    from hourglass.features.entity import KEYS
    from hourglass.ingest import ReadStats
    from hourglass.ingest.writers import chunk_writer
    from hourglass.serve.entity_scoring import bucket_rows, with_bucket_times

    name = pipe.model_name
    refuse_unused(command, "entity", name, unused, typed)
    unknown = unknown_method(pipe, method)  # (the methods of this model)
    if unknown is not None:
        raise HourglassError(f"--method: {unknown}")
    why_not = explainable(pipe, method)
    if why_not is not None:
        raise HourglassError(f"{model}: {why_not}")
    f = pipe.features_
    stats = ReadStats()
    df = _read(data, fmt, on_bad_rows, stats, f.entity_col)
    # --on-bad-rows skip: a row without a readable time is skipped, as 'score' skips it
    df = skip_unreadable_rows(df, f.timestamp_col, getattr(f, "dayfirst_", None), f.read_numbers(),
                              on_bad_rows, stats, data, nested=f.columns_)  # (and text in a summed column)
    full = absent_filled(pipe, df, data, fmt)  # as score reads it
    try:
        agg = f.aggregate(full)
    except InputError as exc:  # its rows: positions among the rows kept, told as the file's
        raise about_file(at_kept_rows(exc, stats, np.arange(len(df))), data) from None  # (as score)
    X = f.encode(agg)
    result = bucket_rows(pipe, agg[list(KEYS)], X)
    warn_missing_entity(agg, f.entity_col, len(df), data)  # as 'score' says it
    is_flagged = result["flag"].to_numpy() == 1
    pick = np.ones(len(result), dtype=bool) if all_rows else is_flagged
    why = bucket_reasons(pipe, agg.loc[pick], X[pick], rows=full, top=top, method=method)
    frame = result.loc[pick, list(BUCKET_COLUMNS)]  # (the columns explain_buckets gives)
    frame = pd.concat([frame, why], axis=1).reset_index(drop=True)
    if output is not None:
        with chunk_writer(output) as writer:  # (a Parquet file's bucket times typed)
            writer.write(with_bucket_times(frame, agg[list(KEYS)].iloc[np.flatnonzero(pick)], output))
    report_skipped(stats, data)
    what = "buckets" if all_rows else "flagged buckets"
    if limit and len(frame):
        shown = frame.sort_values("score", ascending=False, kind="stable").head(limit)
        out.print(rich_table(f"{len(shown)} highest-scoring {what} of {len(result):,}",
                             ["entity", "bucket_start", "rows", "score", "severity", "why"],
                             [[on_screen(r.entity), str(r.bucket_start), str(r.rows),
                               f"{r.score:.4g}", str(r.severity), on_screen(r.why)]
                              for r in shown.itertuples(index=False)]))
    if len(frame):
        out.print(f"method: {frame['method'].iloc[0]}", highlight=False)
    flagged = int(is_flagged.sum())
    reasons = Counter(f.readable(c) for c in why["top_feature"][is_flagged[pick]])
    if reasons:
        share = ", ".join(f"{on_screen(c)} {k / flagged:.0%}"
                          for c, k in reasons.most_common(_MAIN_REASONS_SHOWN))
        out.print(f"main reason among {flagged:,} flagged buckets: {share}", highlight=False)
    buckets = counted(len(result), f"(entity, {f.bucket} bucket) row")
    err.print(f"explained {counted(len(df), 'row')} as {buckets}, "
              f"{flagged:,} flagged", highlight=False)
    if output is not None:
        say_wrote(output)
