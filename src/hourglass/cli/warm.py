"""``hourglass train NEW_DATA --warm-start MODEL``: continue training a saved table model on new
normal rows, with its preprocessing frozen, and save the result as a new model."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any

from hourglass.cli._common import base_params, check_model_dir, model_kind
from hourglass.cli._output import err, fitted_text, out, report_skipped, threshold_text
from hourglass.errors import HourglassError

__all__ = ["FROZEN_OPTIONS", "warm_start_command"]

#: ``train`` options a warm start cannot honour (they change the model's shape, preprocessing or
#: threshold rule, which stay the parent's): parameter name → option.
FROZEN_OPTIONS = {
    "model": "--model", "hidden": "--hidden", "threshold": "--threshold", "categorical": "--categorical",
    "drop": "--drop", "param": "--param", "role": "--role", "scaler": "--scaler",
    "time_col": "--timestamp-col", "timestamp_col": "--timestamp-col", "events_per_day": "--events-per-day",
    "val_fraction": "--val-fraction", "session_regex": "--session-regex", "session_col": "--session-col",
    "window": "--window", "step": "--step", "strict": "--strict", "key_col": "--key-col",
    "message_col": "--message-col", "freq": "--freq", "fill": "--fill", "fill_limit": "--fill-limit",
    "extra_normal": "--extra-normal",
}


def refuse_frozen(command: Any, values: dict[str, Any], model: Path) -> None:
    """Refuse any :data:`FROZEN_OPTIONS` given (different from ``command``'s default).

    Examples
    --------
    >>> def train(hidden: str | None = None, scaler: str = "minmax") -> None: ...
    >>> refuse_frozen(train, {"hidden": None, "scaler": "minmax"}, Path("m"))
    >>> refuse_frozen(train, {"hidden": "8,4", "scaler": "minmax"}, Path("m"))
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --hidden: a warm start keeps m's model, preprocessing and ...
    """
    defaults = {n: p.default for n, p in inspect.signature(command).parameters.items()}
    for name, value in values.items():
        if value is not None and value != [] and value != defaults.get(name):
            raise HourglassError(f"{FROZEN_OPTIONS[name]}: a warm start keeps {model}'s model, "
                                 "preprocessing and threshold rule; leave it out")


def warm_start_command(
    data: Path, output: Path, parent_dir: Path, *, dataset: str | None, label_col: str | None,
    normal: list[str] | None, fmt: str, on_bad_rows: str, epochs: int | None,
    batch_size: int | None, lr: float | None, seed: int, device: str, quiet: bool,
    memory_budget: float, sample_rows: int,
) -> None:
    """Load ``parent_dir``, train it further on the normal rows of ``data``, save to ``output``."""
    from hourglass.cli.tables import (
        read_for_training,
        resolve_spec,
        split_labels,
        unlabelled_rows,
    )
    from hourglass.detectors.base import warm_start_models
    from hourglass.ingest import ReadStats, label_strings
    from hourglass.pipeline import load

    log = logging.getLogger("hourglass")
    check_model_dir(output)
    if output.resolve() == parent_dir.resolve():
        raise HourglassError(f"--output {output}: is the --warm-start model; write the new model "
                             "to another directory (the parent is kept as it is)")
    parent = load(parent_dir)
    kind = model_kind(parent)
    name = parent.model_name
    if kind != "table":
        raise HourglassError(f"--warm-start {parent_dir}: {name} is a {kind} model; warm start "
                             f"supports table models: {', '.join(warm_start_models())}")
    if not parent.detector_.get_tags()["warm_start"]:
        raise HourglassError(f"--warm-start {parent_dir}: {name} cannot continue training from "
                             f"its weights; warm start supports {', '.join(warm_start_models())}")
    if parent.threshold_.requires_labels:
        raise HourglassError(f"--warm-start {parent_dir}: its threshold ({parent.threshold_.describe()}) "
                             "needs a labelled validation slice, which a warm start from the command "
                             "line does not carve; use Pipeline.warm_start(df, X_val=..., y_val=...)")
    spec, label_col, normal_values = resolve_spec(dataset, label_col, normal, fmt, data)
    stats = ReadStats()
    df, sampled = read_for_training(data, spec, on_bad_rows, stats, memory_budget, sample_rows, seed)
    inherited = label_col is None and parent.info.get("label_col") in df.columns
    if inherited:
        label_col, normal_values = parent.info["label_col"], list(parent.info.get("normal") or [])
    time_col = parent.info.get("time_col")
    if time_col is not None and time_col in df.columns:
        df = df.drop(columns=[time_col])
    # the schema first (the same error as 'hourglass score'), before any other message
    parent.transform(df.drop(columns=[label_col]).head(64) if label_col in df.columns else df.head(64))
    if inherited:
        log.info("%s: label column %r (as the parent model's), normal = %s", data, label_col,
                 normal_values)
    if label_col is not None and label_col in df.columns:
        labelled = unlabelled_rows(label_strings(df[label_col]), normal_values, label_col, str(data),
                                   "not trained on")
        df = df if labelled.all() else df.loc[labelled].reset_index(drop=True)
    feats, _, is_anom = split_labels(df, label_col, normal_values, str(data))
    if is_anom is not None:
        log.info("training on %d normal rows of %d (label column %r)", int((is_anom == 0).sum()),
                 len(feats), label_col)
        feats = feats.loc[is_anom == 0]
    params = base_params(seed=seed, device=device, quiet=quiet, epochs=epochs,
                         batch_size=batch_size, lr=lr)
    pipe = parent.warm_start(feats, **params)
    held = len(pipe.detector_.val_index_)
    pipe.info["warm_start"]["parent"]["path"] = str(parent_dir)
    pipe.info.update({
        "source": str(data), "format": spec.name if spec else None, "sampled": sampled,
        "skipped_rows": stats.bad_rows, "label_col": label_col, "normal": normal_values,
        "held_out": {"fraction": float(getattr(pipe.detector_, "validation_fraction", 0.0)),
                     "rows": held, "seed": seed,
                     "used_for": ("early stopping, calibration and the threshold; never trained on"
                                  if held else "none held out: calibration and the threshold use "
                                  "training scores"),
                     "which": "positions among the new normal training rows, in "
                              "weights.safetensors as detector.val_index"},
    })
    pipe.save(output)
    report_skipped(stats, data)
    info = pipe.info
    ws = info["warm_start"]
    err.print(f"continued {name} from {parent_dir} on {fitted_text(info['n_train_rows'], held)} "
              f"of {data} ({ws['epochs_run']} epochs, best {ws['best_epoch']}; preprocessing "
              f"frozen) in {info['fit_seconds']:.1f}s; threshold {threshold_text(info)}",
              highlight=False)
    out.print(f"model saved to {output}", highlight=False)
