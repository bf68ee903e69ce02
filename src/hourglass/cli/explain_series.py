"""The time-series side of ``hourglass explain``: which channels made each flagged time step
anomalous, with their values and shares of the step's score."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from hourglass._columns import counted
from hourglass.cli._common import refuse_unused
from hourglass.cli._output import err, on_screen, out, rich_table, say_wrote
from hourglass.cli.timeseries import (
    UNTIMED_MODEL_HINT,
    read_series,
    refuse_joined_files,
    rows_by_line,
    warn_extra_columns,
)
from hourglass.errors import HourglassError
from hourglass.explain.timeseries import (
    flagged_stretches,
    series_explainable,
    step_errors,
    steps_table,
    time_column,
)
from hourglass.ingest import ReadStats, write_table

__all__ = ["explain_series"]

_MAIN_REASONS_SHOWN = 5
_STRETCHES_SHOWN = 5


def explain_series(pipe: Any, model: Path, data: Path, *, command: Any, dataset: str | None,
                   top: int, output: Path | None, all_rows: bool, limit: int,
                   unused: dict[str, Any], typed: set[str] | None = None) -> None:
    """``hourglass explain`` for a time-series model: score the series once, split each step's
    score by channel, print the ``limit`` highest-scoring (flagged) steps with their top channels,
    and how often each channel was the main reason among the flagged steps; ``output`` gets
    every explained step (written atomically). ``unused``: the options a time-series model does
    not use, refused when typed (named in ``typed``) or not at their defaults."""
    name = pipe.model_name
    refuse_unused(command, "time-series", name, unused, typed)
    # a model that explains no step at all says so first: 'leave --method out' would only lead
    # to this refusal (ganomaly-1d)
    why_not = series_explainable(pipe)
    if why_not is not None:
        raise HourglassError(f"{model}: {why_not}")
    method = unused.get("method", "auto")
    if method not in ("auto", "reconstruction"):
        raise HourglassError(f"--method {method}: a time-series model is explained by each "
                             "channel's part of the step's error (reconstruction; forecast error "
                             "for lstm-forecaster); leave --method out")
    refuse_joined_files(data, pipe.features_.timestamp_col, UNTIMED_MODEL_HINT)
    stats = ReadStats()
    df = read_series(data, dataset or pipe.info.get("dataset"), need_labels=False, scoring=True, stats=stats)
    with rows_by_line(data, stats, named=True):
        errors = step_errors(pipe, df)
    warn_extra_columns(pipe, df)
    flagged = np.flatnonzero(errors.flags == 1)
    steps = np.arange(len(errors.scores)) if all_rows else flagged
    ts = pipe.features_.timestamp_col
    frame = steps_table(errors, steps, top=top, timestamp_col=ts)
    frame.insert(frame.columns.get_loc("flag") + 1, "severity",
                 np.asarray(pipe.detector_.severity(errors.scores[steps])).astype(str))
    if output is not None:
        write_table(frame, output)
    if limit and len(frame):
        shown = frame.sort_values(["score", "step"], ascending=[False, True], kind="stable").head(limit)
        when = [str(time_column(ts))] if ts is not None else []
        rows = [[str(r["step"]), *[str(r[c]) for c in when], f"{r['score']:.4g}", str(r["severity"]),
                 on_screen(r["why"])] for _, r in shown.iterrows()]
        what = "steps" if all_rows else "flagged steps"
        out.print(rich_table(f"{len(shown)} highest-scoring {what} of {len(errors.scores):,}",
                             ["step", *when, "score", "severity", "why"], rows))
    runs = flagged_stretches(errors)
    if len(runs) and limit:
        shown = runs.sort_values("peak", ascending=False, kind="stable").head(
            min(limit, _STRETCHES_SHOWN)).sort_values("start")
        out.print(rich_table(
            f"{len(shown)} of {len(runs):,} flagged stretches (consecutive flagged steps): the "
            "highest peaks, in time order",
            ["steps", "first", "last", "peak", "main reason"],
            [[f"{r.steps:,}", str(r.first), str(r.last), f"{r.peak:.4g}",
              f"{on_screen(r.main_channel)} ({r.main_share:.0%} of its steps)"]
             for r in shown.itertuples(index=False)]))
    if len(flagged):
        main = np.argmax(errors.parts[flagged], axis=1)
        reasons = Counter(errors.channels[j] for j in main.tolist())
        share = ", ".join(f"{on_screen(c)} {k / len(flagged):.0%}"
                          for c, k in reasons.most_common(_MAIN_REASONS_SHOWN))
        out.print(f"main reason among {len(flagged):,} flagged steps: {share}", highlight=False)
    err.print(f"explained {len(errors.scores):,} time steps ({counted(len(errors.channels), 'channel')}), "
              f"{len(flagged):,} flagged", highlight=False)
    if output is not None:
        say_wrote(output)
