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

from hourglass.cli.timeseries import (
    evaluate_timeseries,
    is_timeseries_dataset,
    read_series,
    score_timeseries,
    train_timeseries,
)
from hourglass.detectors import registry
from hourglass.errors import HourglassError
from hourglass.evaluate import binary_metrics, per_class_detection
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest import DatasetSpec, atomic_output, demo_path, get_dataset, read_table
from hourglass.ingest.readers import write_table
from hourglass.pipeline import Pipeline, load
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


def _parse_value(text: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return tuple(value) if isinstance(value, list) else value


def _read(path: Path, spec: DatasetSpec | None) -> pd.DataFrame:
    return spec.read(path) if spec is not None else read_table(path)


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
    labels = df[label_col].astype(str).str.strip().to_numpy()
    is_normal = np.isin(labels, normal)
    if not is_normal.any():
        seen = sorted(set(labels.tolist()))
        raise HourglassError(f"{where}: no rows with {label_col} in {normal}; values seen: "
                             f"{', '.join(seen[:8])}{' ...' if len(seen) > 8 else ''}")
    return df.drop(columns=[label_col]), labels, (~is_normal).astype(np.int8)


def _resolve(dataset: str | None, label_col: str | None,
             normal: list[str] | None) -> tuple[DatasetSpec | None, str | None, list[str]]:
    spec = get_dataset(dataset) if dataset else None
    if spec is not None:
        label_col = label_col or spec.label_col
        normal = normal or list(spec.normal)
    return spec, label_col, list(normal or [])


def _metrics_table(title: str, metrics: dict[str, Any]) -> Table:
    t = Table(title=title, show_header=True, header_style="bold")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for key in ("roc_auc", "pr_auc", "f1", "precision", "recall", "fpr", "accuracy"):
        v = metrics.get(key)
        t.add_row(key, "n/a" if v is None else f"{v:.4f}")
    t.add_row("tp / fp / tn / fn", f"{metrics['tp']} / {metrics['fp']} / {metrics['tn']} / "
                                    f"{metrics['fn']}")
    t.add_row("rows (anomalies)", f"{metrics['n']} ({metrics['n_anomalies']})")
    return t


def _class_table(per_class: dict[str, dict[str, Any]], normal: list[str]) -> Table:
    t = Table(title="flagged per class (detection rate; FPR for normal)", header_style="bold")
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


def train_pipeline(
    df: pd.DataFrame, *, spec: DatasetSpec | None, label_col: str | None, normal: list[str],
    model: str, params: dict[str, Any], threshold: str | None, categorical: list[str],
    drop: list[str], source: str,
) -> Pipeline:
    """Train a pipeline on the normal rows of ``df`` (the shared core of train and demo)."""
    feats, _, is_anom = _split_labels(df, label_col, normal, source)
    if is_anom is not None:
        feats = feats.loc[is_anom == 0]
        logging.getLogger("hourglass").info(
            "training on %d normal rows of %d (label column %r)", len(feats), len(df), label_col)
    drop_cols = [*drop, *(spec.drop if spec else ())]
    cats = [*categorical, *(spec.categorical if spec else ())]
    features = TabularPreprocessor(categorical=cats or None, drop=tuple(drop_cols))
    cls = registry.get(model)
    detector = cls(**params)
    thr = threshold_from_spec(threshold) if threshold else None
    pipe = Pipeline(detector=detector, features=features, threshold=thr)
    start = time.perf_counter()
    pipe.fit(feats)
    held = float(getattr(detector, "validation_fraction", 0.0))
    pipe.info.update({
        "source": source, "dataset": spec.name if spec else None, "label_col": label_col,
        "normal": normal, "model": registry.name_of(cls),
        "fit_seconds": time.perf_counter() - start, "n_train_rows": len(feats),
        "held_out": {"fraction": held, "rows": len(pipe.detector_.val_index_),
                     "seed": params.get("random_state", 0),
                     "used_for": "early stopping and the threshold; never trained on",
                     "which": "positions among the normal training rows, in weights.safetensors "
                              "as detector.val_index"},
        "threshold": pipe.threshold_.describe(), "threshold_value": pipe.threshold_.value_,
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
        help="Threshold rule: percentile:Q or contamination:C (default percentile:99).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same model).")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    categorical: Annotated[list[str] | None, typer.Option(
        help="Column to one-hot even if numeric (repeatable).")] = None,
    drop: Annotated[list[str] | None, typer.Option(help="Column to ignore (repeatable).")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="Any detector parameter as KEY=VALUE (JSON value), repeatable.")] = None,
    timestamp_col: Annotated[str | None, typer.Option(
        "--timestamp-col", help="Time series: column with timestamps.")] = None,
    window: Annotated[int | None, typer.Option(help="Time series: steps per window.")] = None,
    freq: Annotated[str | None, typer.Option(
        help="Time series: resample to this grid (e.g. 1min), or 'rows'.")] = None,
    fill: Annotated[str | None, typer.Option(
        help="Time series: fill gaps with ffill, interpolate or zero.")] = None,
    fill_limit: Annotated[int | None, typer.Option(
        "--fill-limit", help="Time series: longest gap (steps) to fill.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Train a detector on the normal rows of DATA and save it to --output."""
    _setup_logging(quiet)
    with _user_errors():
        cls = registry.get(model)
        timeseries = cls.get_tags()["input"] == "timeseries"
        if is_timeseries_dataset(dataset) and not timeseries:
            raise HourglassError(f"--dataset {dataset} is a time series: choose a time-series "
                                 "model (--model lstm-ae, gru-ae, lstm-forecaster, tcn-ae, "
                                 "conv2d-ae, cnn-lstm)")
        if not timeseries and (timestamp_col or freq or fill or fill_limit):
            raise HourglassError(f"--timestamp-col/--freq/--fill are for time-series models; "
                                 f"{model} takes {cls.get_tags()['input']} input")
        spec, label_col, normal_values = ((None, label_col, list(normal or [])) if timeseries
                                          else _resolve(dataset, label_col, normal))
        params: dict[str, Any] = {"random_state": seed, "device": device,
                                  "verbose": 0 if quiet else 1}
        for key, value in (("epochs", epochs), ("batch_size", batch_size), ("lr", lr),
                           ("window", window)):
            if value is not None:
                params[key] = value
        if hidden:
            try:
                params["hidden"] = tuple(int(h) for h in hidden.split(","))
            except ValueError:
                raise HourglassError(f"--hidden: expected comma-separated integers, got {hidden!r}"
                                     ) from None
        for item in param or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise HourglassError(f"--param: expected KEY=VALUE, got {item!r}")
            params[key.strip()] = _parse_value(value)
        known = cls().get_params()
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise HourglassError(f"{model} has no parameter {unknown[0]!r}; it takes "
                                 f"{', '.join(sorted(known))}")
        cls(**params).validate_params()
        if threshold:
            threshold_from_spec(threshold)
        if output.exists() and not (output / "config.json").exists() and (
                not output.is_dir() or any(output.iterdir())):
            raise HourglassError(f"{output}: exists and is not a model directory")
        if timeseries:
            pipe = train_timeseries(data, dataset=dataset, model=model, params=params,
                                    threshold=threshold, timestamp_col=timestamp_col, freq=freq,
                                    fill=fill, fill_limit=fill_limit, label_col=label_col,
                                    drop=drop or [])
        else:
            df = _read(data, spec)
            pipe = train_pipeline(df, spec=spec, label_col=label_col, normal=normal_values,
                                  model=model, params=params, threshold=threshold,
                                  categorical=categorical or [], drop=drop or [],
                                  source=str(data))
        pipe.save(output)
    info = pipe.info
    err.print(f"trained {info['model']} on {info['n_train_rows']} rows "
              f"({pipe.features_.feature_names_.__len__()} features) in "
              f"{info['fit_seconds']:.1f}s; threshold {info['threshold']} = "
              f"{info['threshold_value']:.6g}", highlight=False)
    out.print(f"model saved to {output}", highlight=False)


def _scores_frame(pipe: Pipeline, df: pd.DataFrame) -> pd.DataFrame:
    scores = pipe.score(df)
    return pd.DataFrame({"score": scores, "flag": pipe.detector_.threshold_predict(scores)})


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
    quiet: QuietOpt = False,
) -> None:
    """Score DATA with a saved model; write score and flag (0/1) per row to --output."""
    _setup_logging(quiet)
    with _user_errors():
        pipe = load(model)
        if pipe.detector_.get_tags()["input"] == "timeseries":
            if keep:
                raise HourglassError("--keep: not available for time-series models (the output "
                                     "has one row per time step, with its timestamp)")
            result = score_timeseries(pipe, read_series(data, dataset or pipe.info.get("dataset")))
            if anomalies_only:
                result = result[result["flag"] == 1]
            write_table(result, output)
            err.print(f"scored {len(result)} time steps", highlight=False)
            out.print(f"wrote {output}", highlight=False)
            return
        spec = get_dataset(dataset) if dataset else None
        df = _read(data, spec)
        missing = [c for c in keep or [] if c not in df.columns]
        if missing:
            raise HourglassError(f"--keep: no column {missing[0]!r} in {data}")
        label_col = pipe.info.get("label_col")
        feats = df.drop(columns=[label_col]) if label_col in df.columns else df
        result = _scores_frame(pipe, feats)
        result.insert(0, "row", np.arange(len(df)))
        for c in keep or []:
            result[c] = df[c].to_numpy()
        if anomalies_only:
            result = result[result["flag"] == 1]
        write_table(result, output)
    flagged = int((result["flag"] == 1).sum()) if not anomalies_only else len(result)
    err.print(f"scored {len(df)} rows, {flagged} flagged", highlight=False)
    out.print(f"wrote {output}", highlight=False)


@app.command()
def evaluate(
    model: ModelArg,
    data: DataArg,
    dataset: DatasetOpt = None,
    label_col: LabelOpt = None,
    normal: NormalOpt = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write metrics as JSON.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Score labelled DATA and print precision, recall, F1, ROC-AUC, PR-AUC and per-class rates."""
    _setup_logging(quiet)
    with _user_errors():
        pipe = load(model)
        if pipe.detector_.get_tags()["input"] == "timeseries":
            report, table = evaluate_timeseries(pipe, data, dataset, label_col)
            if json_out is not None:
                with atomic_output(json_out) as tmp:
                    tmp.write_text(json.dumps(report, indent=2))
            out.print(table)
            if json_out is not None:
                err.print(f"metrics written to {json_out}", highlight=False)
            return
        spec, label_col, normal_values = _resolve(dataset, label_col, normal)
        label_col = label_col or pipe.info.get("label_col")
        normal_values = normal_values or list(pipe.info.get("normal") or [])
        if label_col is None:
            raise HourglassError("--label-col: evaluate needs labels (the model was trained "
                                 "without a label column)")
        df = _read(data, spec)
        feats, labels, is_anom = _split_labels(df, label_col, normal_values, str(data))
        assert labels is not None and is_anom is not None
        start = time.perf_counter()
        result = _scores_frame(pipe, feats)
        seconds = time.perf_counter() - start
        metrics = binary_metrics(is_anom, result["score"], result["flag"])
        report: dict[str, Any] = {
            **metrics, "threshold": pipe.threshold_.describe(),
            "threshold_value": pipe.threshold_.value_, "score_seconds": seconds,
            "per_class": per_class_detection(labels, result["flag"], normal=tuple(normal_values)),
        }
        if spec is not None and spec.categories:
            report["per_category"] = per_class_detection(
                labels, result["flag"], spec.categories, normal=tuple(normal_values))
        if json_out is not None:
            with atomic_output(json_out) as tmp:
                tmp.write_text(json.dumps(report, indent=2))
    out.print(_metrics_table(f"{data.name}: threshold {pipe.threshold_.describe()}", metrics))
    if "per_category" in report:
        out.print(_class_table(report["per_category"], normal_values))
    if json_out is not None:
        err.print(f"metrics written to {json_out}", highlight=False)


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
