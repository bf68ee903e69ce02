"""``hourglass`` commands: train, score, evaluate, models, demo."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from hourglass.cli import logs as log_cli
from hourglass.cli import timeseries as ts_cli
from hourglass.cli._common import base_params, check_model_dir, finish_params, parse_hidden
from hourglass.detectors import registry
from hourglass.errors import HourglassError
from hourglass.evaluate import binary_metrics, evaluate_scores, per_class_detection
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest import (
    DatasetSpec,
    ReadStats,
    all_formats,
    atomic_output,
    demo_path,
    get_dataset,
    label_strings,
    read_table,
    reservoir_sample,
    resolve_format,
)
from hourglass.ingest.readers import check_path
from hourglass.ingest.tables import CHUNK_BYTES, prefetch
from hourglass.ingest.writers import chunk_writer
from hourglass.pipeline import Pipeline, load
from hourglass.thresholds import events_per_day as events_per_day_from
from hourglass.thresholds import threshold_from_spec

app = typer.Typer(
    name="hourglass",
    help="Deep-learning anomaly detection for security telemetry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


@app.callback()
def _global_options(
    threads: Annotated[int | None, typer.Option(
        "--threads", envvar="HOURGLASS_THREADS", min=1,
        help="CPU threads for torch (default: torch's choice). 1 is often fastest on a busy "
             "or small machine.")] = None,
) -> None:
    """Deep-learning anomaly detection for security telemetry."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """Turn input errors into one line on stderr and exit code 2 (no traceback)."""
    try:
        yield
    except (HourglassError, ValueError, FileNotFoundError, PermissionError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        err.print(f"[bold red]error:[/] {msg}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (test runners swap it)."""

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # type: ignore[no-untyped-def]
        pass


def _setup_logging(quiet: bool) -> None:
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, handlers=[handler],
                        force=True)


def _read(path: Path, spec: DatasetSpec | None, on_bad_rows: str = "error",
          stats: ReadStats | None = None) -> pd.DataFrame:
    if spec is None:
        return read_table(path, on_bad_rows=on_bad_rows, stats=stats)
    return spec.read(path, on_bad_rows=on_bad_rows, stats=stats)


def _report_skipped(stats: ReadStats, path: Path) -> None:
    if stats.bad_rows:
        more = " ..." if stats.bad_rows > len(stats.bad_lines) else ""
        lines = f" (lines {', '.join(map(str, stats.bad_lines))}{more})" if stats.bad_lines else ""
        err.print(f"skipped {stats.bad_rows} malformed row(s) in {path}{lines}", highlight=False)


def _split_labels(
    df: pd.DataFrame, label_col: str | None, normal: list[str], where: str
) -> tuple[pd.DataFrame, np.ndarray | None, np.ndarray | None]:
    """Drop the label column; return (features, labels as strings, is_anomaly)."""
    if label_col is None:
        return df, None, None
    if label_col not in df.columns:
        raise HourglassError(f"{where}: no label column {label_col!r}; columns are "
                             f"{', '.join(list(df.columns)[:8])}{' ...' if df.shape[1] > 8 else ''}")
    if not normal:
        raise HourglassError("--normal: give the label value(s) of normal rows")
    labels = label_strings(df[label_col])
    is_normal = np.isin(labels, normal)
    if not is_normal.any():
        seen = sorted(set(labels.tolist()))
        raise HourglassError(f"{where}: no rows with {label_col} in {normal}; values seen: "
                             f"{', '.join(seen[:8])}{' ...' if len(seen) > 8 else ''}")
    return df.drop(columns=[label_col]), labels, (~is_normal).astype(np.int8)


def _resolve(dataset: str | None, label_col: str | None, normal: list[str] | None,
             fmt: str | None = None, path: Path | None = None,
             ) -> tuple[DatasetSpec | None, str | None, list[str]]:
    """The format (``--format``, or ``--dataset`` as its alias, or sniffed from ``path``) and the
    label column / normal values with the format's defaults filled in."""
    name = dataset if dataset and fmt in (None, "auto") else fmt
    spec = resolve_format(name, path) if name not in (None, "auto") or path is not None else None
    if spec is not None and name in (None, "auto"):
        logging.getLogger("hourglass").debug("%s: read as format %s", path, spec.name)
    if spec is not None:
        label_col = label_col or spec.label_col
        normal = normal or list(spec.normal)
    return spec, label_col, list(normal or [])


def _metrics_table(title: str, metrics: dict[str, Any], unit: str = "rows") -> Table:
    t = Table(title=title, show_header=True, header_style="bold")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for key in ("roc_auc", "pr_auc", "f1", "precision", "recall", "fpr", "accuracy"):
        v = metrics.get(key)
        t.add_row(key, "n/a" if v is None else f"{v:.4f}")
    t.add_row("tp / fp / tn / fn", f"{metrics['tp']} / {metrics['fp']} / {metrics['tn']} / "
                                    f"{metrics['fn']}")
    t.add_row(f"{unit} (anomalies)", f"{metrics['n']} ({metrics['n_anomalies']})")
    if "alerts_per_10k" in metrics:
        t.add_row(f"alerts per 10k {'events' if unit == 'rows' else unit}",
                  f"{metrics['alerts_per_10k']:.1f}")
    if metrics.get("alerts_per_day") is not None:
        t.add_row("expected alerts per day", f"{metrics['alerts_per_day']:,.1f}")
    return t


def _class_table(per_class: dict[str, dict[str, Any]], normal: list[str]) -> Table:
    t = Table(title="flagged per class (normal: FPR)", header_style="bold")
    t.add_column("class")
    t.add_column("rows", justify="right")
    t.add_column("flagged", justify="right")
    t.add_column("rate", justify="right")
    for c, v in per_class.items():
        t.add_row(c + (" (normal)" if c in normal else ""), str(v["n"]), str(v["detected"]),
                  f"{v['rate']:.3f}")
    return t


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


def _timestamp_option(timestamp_col: str | None, time_col: str | None) -> str | None:
    """``--timestamp-col``, or the deprecated ``--time-col`` it replaced (one name, one meaning:
    the column holding timestamps)."""
    if time_col is None:
        return timestamp_col
    if timestamp_col is not None and timestamp_col != time_col:
        raise HourglassError(f"--time-col: deprecated alias of --timestamp-col; got both "
                             f"({time_col!r} and {timestamp_col!r}): give --timestamp-col only")
    logging.getLogger("hourglass").warning("--time-col is deprecated: use --timestamp-col")
    return time_col


FormatOpt = Annotated[str, typer.Option(
    "--format", help="auto (sniffed), nsl-kdd, unsw-nb15, cicflowmeter, zeek-conn, csv, tsv, "
    "parquet, jsonl ('hourglass formats' lists all); logs: hdfs, bgl, syslog, raw, keys (DeepLog "
    "key sequences) or a header regex with a (?P<content>...) group.")]
BadRowsOpt = Annotated[str, typer.Option(
    "--on-bad-rows", help="error: stop at a malformed row (naming file and line); skip: skip "
    "and count them.")]


def train_pipeline(
    df: pd.DataFrame, *, spec: DatasetSpec | None, label_col: str | None, normal: list[str],
    model: str, params: dict[str, Any], threshold: str | None, categorical: list[str],
    drop: list[str], source: str, roles: dict[str, str] | None = None, scaler: str = "minmax",
    time_col: str | None = None, events_per_day: float | None = None, val_fraction: float = 0.2,
) -> Pipeline:
    """Train a pipeline on the normal rows of ``df`` (the shared core of train and demo).

    With a labelled threshold rule (best-f1), a seeded share ``val_fraction`` of *all* rows of
    ``df`` (attacks included) is carved out first: the model never trains on it and the
    threshold is fitted on its scores and labels. ``time_col`` gives the event rate for
    per-day alert budgets and reports; it is never a feature.
    """
    log = logging.getLogger("hourglass")
    if time_col is not None:
        if time_col not in df.columns:
            raise HourglassError(f"--timestamp-col: no column {time_col!r} in {source}")
        rate = events_per_day_from(df[time_col], column=time_col)
        events_per_day = events_per_day if events_per_day is not None else rate
        df = df.drop(columns=[time_col])
    thr = threshold_from_spec(threshold, events_per_day=events_per_day) if threshold else None
    feats, _, is_anom = _split_labels(df, label_col, normal, source)
    X_val = y_val = None
    carve: dict[str, Any] = {}
    if thr is not None and thr.requires_labels:
        if is_anom is None:
            raise HourglassError(f"--threshold {threshold}: needs a labelled training file "
                                 "(--label-col and --normal, or --dataset) to carve a validation "
                                 "slice with attack rows from")
        if not 0 < val_fraction < 1:
            raise HourglassError(f"--val-fraction: must be in (0, 1), got {val_fraction}")
        rng = np.random.default_rng(int(params.get("random_state", 0)))
        in_val = np.zeros(len(feats), dtype=bool)
        in_val[rng.permutation(len(feats))[: int(round(val_fraction * len(feats)))]] = True
        y_val = is_anom[in_val]
        if not (y_val == 1).any() or not (y_val == 0).any():
            raise HourglassError(f"--threshold {threshold}: the validation slice "
                                 f"({int(in_val.sum())} rows) needs both normal and attack rows; "
                                 "raise --val-fraction or use a file with attacks")
        X_val = feats.loc[in_val]
        feats, is_anom = feats.loc[~in_val], is_anom[~in_val]
        carve = {"source": source, "fraction": val_fraction, "seed": params.get("random_state", 0),
                 "note": "carved from the training file before training; never trained on"}
    if is_anom is not None:
        n_all = len(feats)
        feats = feats.loc[is_anom == 0]
        log.info("training on %d normal rows of %d (label column %r)", len(feats), n_all, label_col)
    drop_cols = [*drop, *(spec.drop if spec else ())]
    cats = [*categorical, *(spec.categorical if spec else ())]
    all_roles = {**(getattr(spec, "roles", None) or {}), **(roles or {})}
    features = TabularPreprocessor(categorical=cats or None, drop=tuple(drop_cols),
                                   roles=all_roles or None, scaler=scaler)
    cls = registry.get(model)
    detector = cls(**params)
    pipe = Pipeline(detector=detector, features=features, threshold=thr)
    start = time.perf_counter()
    pipe.fit(feats, X_val=X_val, y_val=y_val)
    held = float(getattr(detector, "validation_fraction", 0.0))
    pipe.info["threshold_fit"].update(carve)
    pipe.info.update({
        "source": source, "dataset": spec.name if spec else None, "label_col": label_col,
        "normal": normal, "model": registry.name_of(cls),
        "fit_seconds": time.perf_counter() - start, "n_train_rows": len(feats),
        "held_out": {"fraction": held, "rows": len(pipe.detector_.val_index_),
                     "seed": params.get("random_state", 0),
                     "used_for": "early stopping, calibration and the threshold (unless a "
                                 "labelled validation slice is used); never trained on",
                     "which": "positions among the normal training rows, in weights.safetensors "
                              "as detector.val_index"},
        "threshold": pipe.threshold_.describe(), "threshold_value": pipe.threshold_.value_,
        "time_col": time_col, "events_per_day": events_per_day,
    })
    return pipe


@app.command()
def train(
    data: DataArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write.")],
    dataset: DatasetOpt = None,
    label_col: LabelOpt = None,
    normal: NormalOpt = None,
    model: Annotated[str, typer.Option("--model", "-m", help="Detector name ('hourglass models').")
                     ] = "autoencoder",
    epochs: Annotated[int | None, typer.Option(help="Maximum training epochs.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Mini-batch size.")] = None,
    lr: Annotated[float | None, typer.Option(help="Learning rate.")] = None,
    hidden: Annotated[str | None, typer.Option(help="Encoder widths, e.g. 128,64,32,16.")] = None,
    threshold: Annotated[str | None, typer.Option(
        help="Threshold rule (default percentile:99): percentile:Q, contamination:C, pot:RISK "
             "(e.g. pot:1e-4), spot:RISK, dspot:RISK, budget:N/day (needs --timestamp-col "
             "or --events-per-day), budget:N/10k, best-f1 or best-fbeta:BETA (labelled validation "
             "slice carved from DATA), fixed:VALUE.")] = None,
    time_col: DeprecatedTimeColOpt = None,
    events_per_day: Annotated[float | None, typer.Option(
        "--events-per-day", help="Event rate for per-day alert budgets and reports.")] = None,
    val_fraction: Annotated[float, typer.Option(
        "--val-fraction", help="Share of DATA's rows (attacks included) carved out for a "
                               "labelled threshold (best-f1).")] = 0.2,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same model).")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    categorical: Annotated[list[str] | None, typer.Option(
        help="Column to one-hot even if numeric (repeatable).")] = None,
    drop: Annotated[list[str] | None, typer.Option(help="Column to ignore (repeatable).")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="Any detector parameter as KEY=VALUE (JSON value), repeatable.")] = None,
    fmt: FormatOpt = "auto",
    on_bad_rows: BadRowsOpt = "error",
    role: Annotated[list[str] | None, typer.Option(
        "--role", help="Column role COL=ROLE (numeric, categorical, hash, ip, port, drop), "
        "repeatable.")] = None,
    scaler: Annotated[str, typer.Option(
        help="Numeric scaling: minmax, standard, robust, quantile or none.")] = "minmax",
    memory_budget: Annotated[float, typer.Option(
        help="MB of input above which training uses a uniform sample (--sample-rows).")] = 1024.0,
    sample_rows: Annotated[int, typer.Option(
        help="Rows of the uniform reservoir sample for inputs above --memory-budget.")] = 500_000,
    session_regex: log_cli.SessionRegexOpt = None,
    session_col: log_cli.SessionColOpt = None,
    window: log_cli.WindowOpt = None,
    step: log_cli.StepOpt = None,
    strict: log_cli.StrictOpt = False,
    key_col: log_cli.KeyColOpt = None,
    message_col: log_cli.MessageColOpt = None,
    timestamp_col: ts_cli.TimestampOpt = None,
    freq: ts_cli.FreqOpt = None,
    fill: ts_cli.FillOpt = None,
    fill_limit: ts_cli.FillLimitOpt = None,
    extra_normal: ts_cli.ExtraNormalOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Train a detector on normal DATA (table rows, log sessions or a time series); save it."""
    _setup_logging(quiet)
    with _user_errors():
        timestamp_col = _timestamp_option(timestamp_col, time_col)
        timeseries = ts_cli.wants_timeseries(model, dataset, freq, fill, fill_limit)
        time_col = None if timeseries else timestamp_col
        if extra_normal and not timeseries:
            raise HourglassError(f"--extra-normal is for time-series models ({ts_cli._TS_MODELS})")
    if timeseries:
        with _user_errors():
            pipe = ts_cli.train_command(
                data, output, dataset=dataset, model=model, epochs=epochs, batch_size=batch_size,
                lr=lr, window=window, threshold=threshold, seed=seed, device=device,
                params=[*(param or [])], timestamp_col=timestamp_col, freq=freq, fill=fill,
                fill_limit=fill_limit, label_col=label_col, drop=[*(drop or [])], quiet=quiet,
                extra_normal=extra_normal)
        ts_cli.report_train(pipe, output, err, out)
        return
    if log_cli.is_log_format(fmt) or key_col is not None or message_col is not None:
        with _user_errors():
            pipe = log_cli.train_logs(
                data, output, fmt=str(fmt), model=model, epochs=epochs, batch_size=batch_size,
                lr=lr, hidden=hidden, threshold=threshold, seed=seed, device=device,
                params=[*(param or [])], session_regex=session_regex, session_col=session_col,
                window=window, step=step, strict=strict, quiet=quiet, key_col=key_col,
                message_col=message_col, time_col=time_col)
        log_cli.report_train(pipe, output, err, out)
        return
    with _user_errors():
        if any(o is not None for o in (session_regex, session_col, window, step)):
            raise HourglassError("--session-regex/--session-col/--window: these group log lines; "
                                 "give a log --format (hdfs, bgl, syslog, raw, keys or a regex), "
                                 "or --key-col/--message-col for an event table")
        spec, label_col, normal_values = _resolve(dataset, label_col, normal, fmt, data)
        roles = {}
        for item in role or []:
            col, sep, value = item.rpartition("=")
            if not sep or not col:
                raise HourglassError(f"--role: expected COL=ROLE, got {item!r}")
            roles[col] = value
        cls = registry.get(model)
        params = base_params(seed=seed, device=device, quiet=quiet, epochs=epochs,
                             batch_size=batch_size, lr=lr)
        if hidden:
            params["hidden"] = parse_hidden(hidden)
        finish_params(cls, model, params, param or [])
        if threshold:
            rule = threshold_from_spec(threshold, events_per_day=events_per_day)
            if getattr(rule, "per", None) == "day" and events_per_day is None and time_col is None:
                raise HourglassError(f"--threshold {threshold}: a per-day budget needs the event "
                                     "rate: give --timestamp-col COLUMN or --events-per-day N")
        check_model_dir(output)
        log_cli.check_tabular_model(cls, model)
        stats = ReadStats()
        df, sampled = _read_for_training(data, spec, on_bad_rows, stats, memory_budget,
                                         sample_rows, seed)
        pipe = train_pipeline(df, spec=spec, label_col=label_col, normal=normal_values,
                              model=model, params=params, threshold=threshold,
                              categorical=categorical or [], drop=drop or [], source=str(data),
                              roles=roles, scaler=scaler, time_col=time_col,
                              events_per_day=events_per_day, val_fraction=val_fraction)
        pipe.info.update({"format": spec.name if spec else None, "sampled": sampled,
                          "skipped_rows": stats.bad_rows})
        pipe.save(output)
    _report_skipped(stats, data)
    info = pipe.info
    err.print(f"trained {info['model']} on {info['n_train_rows']} rows of {info['format']} "
              f"({pipe.features_.feature_names_.__len__()} features) in "
              f"{info['fit_seconds']:.1f}s; threshold {info['threshold']} = "
              f"{info['threshold_value']:.6g}", highlight=False)
    out.print(f"model saved to {output}", highlight=False)


def _read_for_training(path: Path, spec: DatasetSpec | None, on_bad_rows: str, stats: ReadStats,
                       budget_mb: float, sample_rows: int, seed: int,
                       ) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """The whole file, or a uniform reservoir sample when it is larger than the memory budget."""
    size = check_path(path).stat().st_size * (5 if path.name.lower().endswith(".gz") else 1)
    if spec is None or size <= budget_mb * 2**20 or not hasattr(spec, "iter_chunks"):
        return _read(path, spec, on_bad_rows, stats), None
    sample, seen = reservoir_sample(spec.iter_chunks(path, on_bad_rows=on_bad_rows, stats=stats),
                                    sample_rows, seed=seed)
    err.print(f"{path} is ~{size / 2**20:,.0f} MB (> --memory-budget {budget_mb:,.0f} MB): "
              f"training on a uniform sample of {len(sample):,} of {seen:,} rows", highlight=False)
    return sample, {"rows": len(sample), "of": seen, "seed": seed}


def _scores_frame(pipe: Pipeline, df: pd.DataFrame) -> pd.DataFrame:
    """Raw score, 0/1 flag, calibrated anomaly probability and severity per row."""
    scores = pipe.score(df)
    det = pipe.detector_
    return pd.DataFrame({"score": scores, "flag": det.threshold_predict(scores),
                         "calibrated": det.calibrate(scores), "severity": det.severity(scores)})


def _score_chunks(pipe: Pipeline, data: Path, spec: DatasetSpec | None, on_bad_rows: str,
                  stats: ReadStats, label_col: str | None = None, normal: list[str] | None = None,
                  chunk_bytes: int = CHUNK_BYTES, extra_drop: tuple[str, ...] = (),
                  ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """(input chunk, score/flag frame) pairs, streamed with bounded memory for tabular models.

    Non-tabular models (sequences, windows) need the whole input at once and get it in one piece.
    """
    check_label = label_col is not None
    label_col = label_col or pipe.info.get("label_col")
    streaming = getattr(pipe.features_, "output", "tabular") == "tabular" and \
        spec is not None and hasattr(spec, "iter_chunks")
    chunks = (prefetch(spec.iter_chunks(data, on_bad_rows=on_bad_rows,  # type: ignore[union-attr]
                                        stats=stats, chunk_bytes=chunk_bytes)) if streaming
              else iter([_read(data, spec, on_bad_rows, stats)]))
    for df in chunks:
        if check_label and label_col not in df.columns:
            _split_labels(df, label_col, normal or [], str(data))  # raises the clear error
        meta = [c for c in (label_col, pipe.info.get("time_col"), *extra_drop) if c in df.columns]
        feats = df.drop(columns=meta) if meta else df
        yield df, _scores_frame(pipe, feats)


@app.command()
def score(
    model: ModelArg,
    data: DataArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV/Parquet/JSONL to write.")],
    dataset: DatasetOpt = None,
    anomalies_only: Annotated[bool, typer.Option(
        "--anomalies-only", help="Write only the flagged rows.")] = False,
    keep: Annotated[list[str] | None, typer.Option(
        "--keep", help="Input column to copy into the output (repeatable).")] = None,
    strict: log_cli.StrictOpt = False,
    fmt: FormatOpt = "auto",
    on_bad_rows: BadRowsOpt = "error",
    chunk_mb: Annotated[float, typer.Option(help="MB of input per streamed chunk.")] = 16.0,
    quiet: QuietOpt = False,
) -> None:
    """Score DATA with a saved model; write score and flag (0/1) per row to --output.

    Input is streamed in chunks and the output written incrementally to a temporary file that is
    renamed into place at the end, so files larger than memory score in bounded memory. For a log
    model, DATA is a log file and --output gets one JSON alert per flagged session (.jsonl) with
    its unexpected event, or a table of every session's score (.csv/.parquet).
    """
    _setup_logging(quiet)
    stats = ReadStats()
    n_rows = flagged = 0
    with _user_errors():
        pipe = load(model)
        if getattr(pipe.features_, "output", "tabular") == "timeseries":
            summary = ts_cli.score_command(pipe, data, output, dataset=dataset, keep=keep,
                                           anomalies_only=anomalies_only)
        if getattr(pipe.features_, "output", "tabular") == "events":
            summary = log_cli.score_logs(pipe, data, output, strict=strict,
                                         anomalies_only=anomalies_only)
    if getattr(pipe.features_, "output", "tabular") in ("events", "timeseries"):
        err.print(summary, highlight=False)
        out.print(f"wrote {output}", highlight=False)
        return
    with _user_errors():
        spec, _, _ = _resolve(dataset, None, None, fmt, data)
        with chunk_writer(output) as writer:
            for df, result in _score_chunks(pipe, data, spec, on_bad_rows, stats,
                                            chunk_bytes=max(1024, int(chunk_mb * 2**20))):
                missing = [c for c in keep or [] if c not in df.columns]
                if missing:
                    raise HourglassError(f"--keep: no column {missing[0]!r} in {data}")
                result.insert(0, "row", np.arange(n_rows, n_rows + len(df)))
                for c in keep or []:
                    result[c] = df[c].to_numpy()
                n_rows += len(df)
                flagged += int((result["flag"] == 1).sum())
                if anomalies_only:
                    result = result[result["flag"] == 1]
                writer.write(result)
    _report_skipped(stats, data)
    err.print(f"scored {n_rows} rows ({spec.name if spec else 'table'}), {flagged} flagged",
              highlight=False)
    out.print(f"wrote {output}", highlight=False)


def _timeseries_page(pipe: Pipeline, data: Path, ts_report: dict[str, Any],
                     arrays: dict[str, Any]) -> str:
    """HTML report of a time-series model: point metrics, curves, and the event-wise table."""
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
    page, _ = render_report(
        y_true=y, scores=arrays["score"], y_pred=arrays["flag"], threshold=pipe.threshold_.value_,
        threshold_rule=pipe.threshold_.describe(), classes=np.where(y == 1, "anomaly", "normal"),
        model_card=pipe.model_card(), data_name=f"{data} ({ts_report.get('evaluated_rows', '')})",
        title=f"hourglass evaluation: {pipe.info.get('model', 'model')} on {data.name}",
        event_metrics=events)
    return page


def _write_metrics(json_out: Path | None, summary: dict[str, Any], report: Path | None,
                   page: str | None) -> None:
    """Write ``--json`` (the summary) and ``--report`` (the HTML page): both files or neither."""
    with contextlib.ExitStack() as stack:
        tmps = [(stack.enter_context(atomic_output(p)), text) for p, text in (
            (json_out, json.dumps(summary, indent=2)), (report, page)) if p is not None]
        for tmp, text in tmps:
            tmp.write_text(text or "", encoding="utf-8")


def _say_written(json_out: Path | None, report: Path | None) -> None:
    if json_out is not None:
        err.print(f"metrics written to {json_out}", highlight=False)
    if report is not None:
        err.print(f"report written to {report}", highlight=False)


@app.command()
def evaluate(
    model: ModelArg,
    data: DataArg,
    dataset: DatasetOpt = None,
    label_col: LabelOpt = None,
    normal: NormalOpt = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write metrics as JSON.")] = None,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Write a self-contained HTML report (figures inline, no network).")] = None,
    timestamp_col: Annotated[str | None, typer.Option(
        "--timestamp-col", help="Timestamp column of DATA: alerts per day from its event rate "
                                "(tables).")] = None,
    time_col: DeprecatedTimeColOpt = None,
    events_per_day: Annotated[float | None, typer.Option(
        "--events-per-day", help="Event rate for expected alerts per day (default: the model's).")
    ] = None,
    fmt: FormatOpt = "auto",
    on_bad_rows: BadRowsOpt = "error",
    labels: log_cli.LabelsOpt = None,
    id_col: log_cli.IdColOpt = "BlockId",
    all_sessions: log_cli.AllSessionsOpt = None,
    strict: log_cli.StrictOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score labelled DATA: precision, recall, F1, ROC-AUC, PR-AUC, FPR, alerts, per-class rates.

    For a log model, DATA is a log (or key) file and labels are per session: --labels FILE (a
    CSV with --id-col and --label-col, --normal values; default Normal or 0) or --all-sessions
    normal|anomaly. Sessions without a label are counted and left out of the metrics.
    """
    _setup_logging(quiet)
    with _user_errors():
        time_col = _timestamp_option(timestamp_col, time_col)
        pipe = load(model)
        is_logs = getattr(pipe.features_, "output", "tabular") == "events"
        if not is_logs and (labels is not None or all_sessions is not None):
            raise HourglassError("--labels/--all-sessions: only for log models; label a table "
                                 "with --label-col")
        if is_logs:
            if time_col is not None:
                raise HourglassError("--timestamp-col: not used by log models")
            log_summary, log_arrays = log_cli.evaluate_logs(
                pipe, data, labels=labels, id_col=id_col, label_col=label_col, normal=normal,
                all_sessions=all_sessions, strict=strict)
            page = log_cli.report_page(pipe, data, log_summary, log_arrays) if report else None
            _write_metrics(json_out, log_summary, report, page)
    if is_logs:
        for line in log_cli.evaluate_notes(log_summary, data):
            err.print(line, highlight=False)
        out.print(_metrics_table(f"{data.name}: threshold {pipe.threshold_.describe()}",
                                 log_summary, unit="sessions"))
        out.print(_class_table(log_summary["per_class"], log_arrays["normal"]))
        _say_written(json_out, report)
        return
    with _user_errors():
        if getattr(pipe.features_, "output", "tabular") == "timeseries":
            arrays: dict[str, Any] = {}
            ts_report, table = ts_cli.evaluate_timeseries(pipe, data, dataset, label_col, arrays)
            page = _timeseries_page(pipe, data, ts_report, arrays) if report is not None else None
            _write_metrics(json_out, ts_report, report, page)
    if getattr(pipe.features_, "output", "tabular") == "timeseries":
        out.print(table)
        _say_written(json_out, report)
        return
    with _user_errors():
        spec, label_col, normal_values = _resolve(dataset, label_col, normal, fmt, data)
        label_col = label_col or pipe.info.get("label_col")
        normal_values = normal_values or list(pipe.info.get("normal") or [])
        if label_col is None:
            raise HourglassError("--label-col: evaluate needs labels (the model was trained "
                                 "without a label column)")
        time_col = time_col or pipe.info.get("time_col")
        stats = ReadStats()
        label_parts, result_parts, time_parts = [], [], []
        start = time.perf_counter()
        for df, part in _score_chunks(pipe, data, spec, on_bad_rows, stats, label_col,
                                      normal_values, extra_drop=(time_col,) if time_col else ()):
            label_parts.append(label_strings(df[label_col]))
            result_parts.append(part)
            if time_col is not None and time_col in df.columns:
                time_parts.append(df[time_col].to_numpy())
        seconds = time.perf_counter() - start
        if time_col is not None and time_parts and events_per_day is None:
            events_per_day = events_per_day_from(np.concatenate(time_parts), column=time_col)
        elif time_col is not None and not time_parts and time_col != pipe.info.get("time_col"):
            raise HourglassError(f"--timestamp-col: no column {time_col!r} in {data}")
        if events_per_day is None:
            events_per_day = pipe.info.get("events_per_day")
        result = pd.concat(result_parts, ignore_index=True)
        _, labels, is_anom = _split_labels(pd.DataFrame({label_col: np.concatenate(label_parts)}),
                                           label_col, normal_values, str(data))
        assert labels is not None and is_anom is not None
        categories = spec.categories if spec is not None and getattr(spec, "categories", None) else None
        metrics = evaluate_scores(is_anom, result["score"], result["flag"], classes=labels,
                                  categories=categories, normal=tuple(normal_values),
                                  events_per_day=events_per_day)
        summary: dict[str, Any] = {
            **metrics, "threshold": pipe.threshold_.describe(),
            "threshold_value": pipe.threshold_.value_,
            "threshold_fit": pipe.info.get("threshold_fit"), "score_seconds": seconds,
            "severity_counts": {k: int(v) for k, v in
                                result.loc[result["flag"] == 1, "severity"].value_counts().items()},
        }
        page = None
        if report is not None:
            from hourglass.evaluate.report import render_report

            page, _ = render_report(
                y_true=is_anom, scores=result["score"].to_numpy(), y_pred=result["flag"].to_numpy(),
                threshold=pipe.threshold_.value_, threshold_rule=pipe.threshold_.describe(),
                classes=labels, categories=categories, normal=normal_values,
                events_per_day=events_per_day, model_card=pipe.model_card(), data_name=str(data),
                title=f"hourglass evaluation: {pipe.info.get('model', 'model')} on {data.name}")
        _write_metrics(json_out, summary, report, page)
    _report_skipped(stats, data)
    out.print(_metrics_table(f"{data.name}: threshold {pipe.threshold_.describe()}", metrics))
    if "per_category" in summary:
        out.print(_class_table(summary["per_category"], normal_values))
    _say_written(json_out, report)


@app.command()
def models() -> None:
    """List the registered detectors."""
    t = Table(title="hourglass detectors", header_style="bold")
    t.add_column("name")
    t.add_column("input")
    t.add_column("description")
    for name, doc in registry.describe().items():
        t.add_row(name, registry.get(name).get_tags()["input"], doc)
    out.print(t)


@app.command()
def formats() -> None:
    """List the input formats ('--format NAME'; 'auto' sniffs them in this order)."""
    t = Table(title="hourglass input formats", header_style="bold")
    t.add_column("name")
    t.add_column("label column")
    t.add_column("normal")
    t.add_column("description")
    for name, spec in all_formats().items():
        t.add_row(name, str(spec.label_col or "-"), ", ".join(spec.normal) or "-",
                  getattr(spec, "description", ""))
    for name, desc in log_cli.LOG_FORMAT_HELP.items():
        t.add_row(name, "-", "-", desc)
    out.print(t)


@app.command()
def inspect(
    data: DataArg,
    fmt: FormatOpt = "auto",
    dataset: DatasetOpt = None,
    label_col: LabelOpt = None,
    normal: NormalOpt = None,
    rows: Annotated[int, typer.Option(help="Rows to look at (from the start of the file).")
                    ] = 100_000,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the schema as JSON.")
                        ] = None,
    on_bad_rows: BadRowsOpt = "error",
) -> None:
    """Print the inferred schema of DATA: format, label, and each column's role and encoding."""
    _setup_logging(True)
    with _user_errors():
        spec, label_col, normal_values = _resolve(dataset, label_col, normal, fmt, data)
        stats = ReadStats()
        parts, n = [], 0
        chunks = (spec.iter_chunks(data, on_bad_rows=on_bad_rows, stats=stats) if spec is not None
                  else iter([read_table(data, on_bad_rows=on_bad_rows, stats=stats)]))
        for chunk in chunks:
            parts.append(chunk.iloc[: rows - n])
            n += len(parts[-1])
            if n >= rows:
                break
        df = pd.concat(parts, ignore_index=True)
        labels = None
        if label_col is not None and label_col in df.columns:
            labels = pd.Series(label_strings(df[label_col])).value_counts()
            df = df.drop(columns=[label_col])
        drop = tuple(getattr(spec, "drop", ()) or ())
        pre = TabularPreprocessor(categorical=tuple(getattr(spec, "categorical", ())) or None,
                                  drop=drop, roles=getattr(spec, "roles", None) or None).fit(df)
        schema = pre.describe()
        report = {"file": str(data), "format": spec.name if spec else None, "rows_inspected": n,
                  "label_col": label_col, "normal": normal_values,
                  "labels": {str(k): int(v) for k, v in labels.items()} if labels is not None
                  else None, "dropped_by_format": list(drop), "columns": schema,
                  "n_features": len(pre.feature_names_)}
        if json_out is not None:
            with atomic_output(json_out) as tmp:
                tmp.write_text(json.dumps(report, indent=2))
    wide = out if out.is_terminal else Console(width=150)  # a pipe gets the whole table
    out.print(f"{data}: format [bold]{report['format']}[/], {n:,} rows inspected, "
              f"{len(df.columns)} columns → {report['n_features']} features", highlight=False)
    if labels is not None:
        shown = ", ".join(f"{k} ({v:,})" for k, v in labels.head(8).items())
        out.print(f"label column {label_col!r} (normal: {', '.join(normal_values) or '?'}): "
                  f"{shown}{' ...' if len(labels) > 8 else ''}", highlight=False)
    t = Table(header_style="bold")
    for h in ("column", "dtype", "missing", "distinct", "role", "why", "features", "encoding"):
        t.add_column(h, justify="right" if h in ("missing", "distinct", "features") else "left")
    for d in schema:
        t.add_row(d["column"], d.get("dtype", ""), f"{d.get('missing', 0):.1%}",
                  f"{d.get('unique', 0):,}", d["role"], d["why"], str(d["features"]), d["note"])
    wide.print(t)
    if drop:
        out.print(f"never features for {report['format']}: {', '.join(drop)}", highlight=False)


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write.")
                      ] = Path("demo-model"),
    quiet: QuietOpt = False,
) -> None:
    """Train the hourglass autoencoder on the bundled NSL-KDD sample and evaluate it."""
    _setup_logging(quiet)
    with _user_errors():
        spec = get_dataset("nsl-kdd")
        train_df = spec.read(demo_path("train"))
        pipe = train_pipeline(train_df, spec=spec, label_col=spec.label_col,
                              normal=list(spec.normal), model="autoencoder",
                              params={"verbose": 0 if quiet else 1}, threshold=None,
                              categorical=[], drop=[], source="bundled NSL-KDD sample (train)")
        pipe.save(output)
        test_df = spec.read(demo_path("test"))
        feats, labels, is_anom = _split_labels(test_df, spec.label_col, list(spec.normal), "demo")
        assert labels is not None and is_anom is not None
        result = _scores_frame(pipe, feats)
        metrics = binary_metrics(is_anom, result["score"], result["flag"])
        cats = per_class_detection(labels, result["flag"], spec.categories, normal=spec.normal)
    out.print(f"trained on {pipe.info['n_train_rows']} normal NSL-KDD rows in "
              f"{pipe.info['fit_seconds']:.1f}s", highlight=False)
    out.print(_metrics_table("bundled NSL-KDD test sample (KDDTest+ rows)", metrics))
    out.print(_class_table(cats, list(spec.normal)))
    out.print(f"model saved to {output}/ — try: hourglass score {output} "
              f"{demo_path('test')} --dataset nsl-kdd -o scores.csv", highlight=False)


def main() -> None:
    """Console-script entry point."""
    app()
