"""``hourglass train`` (tables, logs, time series) and ``hourglass demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hourglass.cli._common import (
    check_model_dir,
    check_not_loop,
    model_params,
    no_own_time,
    refuse_existing_model,
    refuse_label_in_columns,
    refuse_normal_without_label,
    refuse_typed_defaults,
    refuse_unused,
    typed_options,
)
from hourglass.cli._options import (
    DEVICE_HELP,
    AggregateOpt,
    BadRowsOpt,
    BucketOpt,
    CategoricalOpt,
    DataArg,
    DatasetOpt,
    DeprecatedTimeColOpt,
    DistinctOpt,
    DropOpt,
    EntityCaseOpt,
    EntityColOpt,
    ExtraNormalOpt,
    FillLimitOpt,
    FillOpt,
    FormatOpt,
    FreqAggOpt,
    FreqOpt,
    KeyColOpt,
    LabelOpt,
    MessageColOpt,
    NormalOpt,
    QuietOpt,
    ReplayDataOpt,
    ReplayOpt,
    RoleOpt,
    ScalerOpt,
    SessionColOpt,
    SessionRegexOpt,
    StepOpt,
    StrictOpt,
    TimestampOpt,
    TrainForceOpt,
    WarmStartOpt,
    WindowOpt,
    parse_roles,
    refuse_empty,
    timestamp_option,
)
from hourglass.cli._output import (
    class_table,
    err,
    fitted_text,
    metrics_table,
    out,
    report_skipped,
    setup_logging,
    threshold_text,
    user_errors,
)
from hourglass.cli._spool import shown
from hourglass.errors import HourglassError, InputError

# The library (torch, scikit-learn, pandas: seconds to import) is imported inside the commands,
# so that ``hourglass --help`` answers at once.

__all__ = ["demo", "train"]


def _seed_below_2_64(value: int) -> int:
    """--seed's upper bound (numpy's and torch's seeds), checked here rather than as the option's
    ``max``: the range ``[0<=x<=18446744073709551615]`` in --help's type column squeezed the
    description column so narrow on an 80-column terminal that words were cut with '…'."""
    if value >= 2**64:
        raise typer.BadParameter(f"{value} is above 2**64-1 (18446744073709551615), the largest "
                                 "seed")
    return value


def train(
    ctx: typer.Context,
    data: DataArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write.")],
    dataset: DatasetOpt = None,
    label_col: LabelOpt = None,
    normal: NormalOpt = None,
    model: Annotated[str, typer.Option("--model", "-m", help="Detector name ('hourglass models').")
                     ] = "autoencoder",
    epochs: Annotated[int | None, typer.Option(
        help="Maximum training epochs (default: the model's; GAN detectors run at least --param "
             "min_steps optimiser steps, 400 by default).")] = None,
    batch_size: Annotated[int | None, typer.Option(
        help="Mini-batch size, a whole number (default: the model's; the autoencoder's is "
             "'auto', picked from the table size: --param batch_size=auto asks for it, of a "
             "model that takes it).")] = None,
    lr: Annotated[float | None, typer.Option(help="Learning rate (default: the model's).")] = None,
    hidden: Annotated[str | None, typer.Option(
        help="Hidden widths, e.g. 128,64,32,16 for the autoencoders; one width for recurrent "
             "models and DeepLog (default: the model's).")] = None,
    threshold: Annotated[str | None, typer.Option(
        callback=refuse_empty("a rule such as percentile:99"),
        help="Threshold rule (default: percentile:99; DeepLog: its top-g rank): percentile:Q, "
             "fpr:RATE or fpr:RATE@CONFIDENCE (false-alarm rate at most RATE with that confidence, "
             "default 0.95), contamination:C, pot:RISK (e.g. pot:1e-4), spot:RISK, dspot:RISK or "
             "dspot:RISK/DEPTH (moving-mean depth, default 50), budget:N/day (tables: needs "
             "--timestamp-col or --events-per-day; time series: a --freq grid), budget:N/10k, "
             "best-f1 or best-fbeta:BETA (tables: labelled validation slice carved from DATA), "
             "fixed:VALUE.")] = None,
    time_col: DeprecatedTimeColOpt = None,
    events_per_day: Annotated[float | None, typer.Option(
        "--events-per-day", help="Tables: event rate for per-day alert budgets and reports.")
    ] = None,
    val_fraction: Annotated[float, typer.Option(
        "--val-fraction", help="Tables: share of DATA's rows (attacks included) carved out for "
                               "a labelled threshold (best-f1, best-fbeta).")] = 0.2,
    seed: Annotated[int, typer.Option(min=0, callback=_seed_below_2_64,
                                      help="Random seed, 0 to 2**64-1 (same seed, same "
                                           "model).")] = 0,
    device: Annotated[str, typer.Option(help=DEVICE_HELP)] = "auto",
    categorical: CategoricalOpt = None,
    drop: DropOpt = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="Any detector parameter as KEY=VALUE (JSON value), repeatable.")] = None,
    fmt: FormatOpt = "auto",
    on_bad_rows: BadRowsOpt = "error",
    role: RoleOpt = None,
    scaler: ScalerOpt = "minmax",
    memory_budget: Annotated[float, typer.Option(
        help="Tables: MB of input (a .gz file counts 5× its size) above which training uses a "
             "uniform sample (--sample-rows).")] = 1024.0,
    sample_rows: Annotated[int, typer.Option(
        help="Tables: rows of the uniform reservoir sample for inputs above --memory-budget.")
    ] = 500_000,
    session_regex: SessionRegexOpt = None,
    session_col: SessionColOpt = None,
    window: WindowOpt = None,
    step: StepOpt = None,
    strict: StrictOpt = False,
    key_col: KeyColOpt = None,
    message_col: MessageColOpt = None,
    timestamp_col: TimestampOpt = None,
    freq: FreqOpt = None,
    fill: FillOpt = None,
    fill_limit: FillLimitOpt = None,
    freq_agg: FreqAggOpt = None,
    extra_normal: ExtraNormalOpt = None,
    warm_start: WarmStartOpt = None,
    replay_data: ReplayDataOpt = None,
    replay: ReplayOpt = 1.0,
    entity_col: EntityColOpt = None,
    entity_case: EntityCaseOpt = None,
    bucket: BucketOpt = None,
    aggregate: AggregateOpt = None,
    distinct: DistinctOpt = None,
    force: TrainForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Train a detector on normal DATA (table rows, log sessions or a time series); save it.

    With --entity-col COL --timestamp-col TS --bucket 5min: one score per entity per time bucket
    (a port scan, a burst of logons) instead of one per row; a bucket holding any anomalous row
    (--label-col/--normal) is left out of training.

    With --warm-start MODEL: continue training a saved table, time-series, log or entity-bucket
    model from its weights on DATA's normal rows, series, log sessions or (entity, bucket) rows
    (preprocessing, window, templates, buckets and architecture frozen; thresholds refitted on
    the new held-out part) and save it as a new model to --output.
    """
    from hourglass.cli import entity as entity_cli
    from hourglass.cli import logs as log_cli
    from hourglass.cli import timeseries as ts_cli
    from hourglass.cli._schema import check_format_name, chosen_text, format_time_column, read_as_text
    from hourglass.cli.tables import (
        read_for_training,
        resolve_spec,
        skip_unreadable_times,
        train_pipeline,
    )
    from hourglass.detectors import registry
    from hourglass.ingest import ReadStats
    from hourglass.thresholds import threshold_from_spec

    setup_logging(quiet)
    typed = typed_options(ctx)  # a default typed ('-m autoencoder', '--scaler minmax') was given
    with user_errors():  # (Path.resolve raises on a link loop)
        check_not_loop(output)
        if warm_start is not None:
            check_not_loop(warm_start, "--warm-start")
    in_place = warm_start is not None and output.resolve() == warm_start.resolve()
    with user_errors():
        if not in_place:  # a warm start in place has its own refusal: the parent is kept
            refuse_existing_model(output, force)
    if not (force or in_place):  # nor one that another run saves there meanwhile (two at once)
        from hourglass.pipeline.artefact import replacing

        ctx.call_on_close(replacing(False))
    if warm_start is not None:
        from hourglass.cli.warm import given_options, refuse_frozen, warm_start_command
        from hourglass.pipeline.artefact import read_config

        with user_errors():
            parent_read = read_config(warm_start)  # not a model (missing, a plain folder): said
            # before the options; what it read is the parent loaded (config.json read once)
            refuse_frozen(train, {
                "model": model, "hidden": hidden, "threshold": threshold, "categorical": categorical,
                "drop": drop, "param": param, "role": role, "scaler": scaler,
                "events_per_day": events_per_day,
                "val_fraction": val_fraction, "session_regex": session_regex,
                "session_col": session_col, "window": window, "step": step, "strict": strict,
                "key_col": key_col, "message_col": message_col, "freq": freq, "fill": fill,
                "fill_limit": fill_limit, "freq_agg": freq_agg, "extra_normal": extra_normal}, warm_start,
                typed)
            warm_start_command(data, output, warm_start, parent_read, dataset=dataset, label_col=label_col,
                               normal=normal, fmt=str(fmt), on_bad_rows=on_bad_rows, epochs=epochs,
                               batch_size=batch_size, lr=lr, seed=seed, device=device, quiet=quiet,
                               memory_budget=memory_budget, sample_rows=sample_rows,
                               replay_data=replay_data, replay=replay,
                               entity=given_options(train, {
                                   "entity_col": entity_col, "entity_case": entity_case,
                                   "timestamp_col": timestamp_col,
                                   "time_col": time_col, "bucket": bucket, "aggregate": aggregate,
                                   "distinct": distinct, "memory_budget": memory_budget,
                                   "sample_rows": sample_rows}, typed), typed=typed)
        return
    with user_errors():
        refuse_typed_defaults(param or [], typed)  # '--seed 0 --param random_state=5': seed 5
        if replay_data is not None or replay != 1.0 or "replay" in typed:
            raise HourglassError("--replay-data/--replay: only with --warm-start MODEL")
        timestamp_col = timestamp_option(timestamp_col, time_col)
        given_time = timestamp_col
        timestamp_col = entity_cli.format_time(entity_col, timestamp_col, fmt, data)
        # a format naming no event time of its own (JSON lines, CSV): ECS's @timestamp, as a table
        # model takes it (a Code42 Incydr or Elastic export's); a file without it is refused below
        ecs_time = entity_col is not None and timestamp_col is None
        if ecs_time:
            timestamp_col = entity_cli.ECS_TIME

        def check_values() -> None:
            """The values of the options the model's kind uses, once ``refuse_unused`` has
            refused those it does not (which are 'not used', whatever their value)."""
            # (saved: an infinite rate would stop every later evaluate; in evaluate's and threshold's words)
            if events_per_day is not None and not 0 < events_per_day < float("inf"):
                raise HourglassError(f"--events-per-day: must be > 0 and finite, got {events_per_day}")
            for opt, value in (("--memory-budget", memory_budget), ("--sample-rows", sample_rows)):
                if value is not None and not value > 0:
                    raise HourglassError(f"{opt}: must be > 0, got {value}")

        if entity_cli.wants_entity(entity_col, bucket, timestamp_col):
            refuse_unused(train, "entity", model, {
                "dataset": dataset, "events_per_day": events_per_day, "val_fraction": val_fraction,
                "categorical": categorical, "memory_budget": memory_budget,
                "sample_rows": sample_rows, "session_regex": session_regex,
                "session_col": session_col, "window": window, "step": step, "strict": strict,
                "key_col": key_col, "message_col": message_col, "freq": freq, "fill": fill,
                "fill_limit": fill_limit, "freq_agg": freq_agg, "extra_normal": extra_normal}, typed)
            check_values()
            refuse_label_in_columns(label_col, drop=drop, roles=parse_roles(role))
            refuse_normal_without_label(normal, label_col)
            params = model_params(registry.get(model), model, seed=seed, device=device, quiet=quiet,
                                  epochs=epochs, batch_size=batch_size, lr=lr, hidden=hidden,
                                  extra=param or [])
            assert timestamp_col is not None
            try:
                pipe, stats = entity_cli.train_entity(
                    data, output, entity_col=str(entity_col), timestamp_col=timestamp_col,
                    bucket=bucket or "5min", model=model, params=params, threshold=threshold,
                    label_col=label_col, normal=list(normal or []), fmt=str(fmt),
                    on_bad_rows=on_bad_rows, numeric=aggregate, distinct=distinct, drop=drop or [],
                    scaler=scaler, roles=parse_roles(role), entity_case=entity_case or "exact",
                    own_time=given_time is None)
            except InputError as exc:  # the format's own time field, which this file lacks
                if given_time is None and getattr(exc, "param", None) == "timestamp_col":
                    raise no_own_time(data, timestamp_col, exc, ecs=ecs_time) from None
                raise
    if entity_col is not None:
        report_skipped(stats, data)
        info = pipe.info
        held = len(pipe.detector_.val_index_)
        err.print(f"trained {info['model']} on "
                  f"{fitted_text(info['n_train_rows'], held, '(entity, bucket) rows')} "
                  f"({info['entity']['entities']:,} "
                  f"{'entity' if info['entity']['entities'] == 1 else 'entities'}, "
                  f"{info['entity']['rows_trained']:,} rows, "
                  f"{len(pipe.features_.feature_names_)} features) in {info['fit_seconds']:.1f}s; "
                  f"threshold {threshold_text(info)}", highlight=False)
        out.print(f"model saved to {output}", highlight=False)
        return
    with user_errors():
        if aggregate or distinct:
            raise HourglassError("--aggregate/--distinct: only with --entity-col COLUMN")
        if entity_case is not None:
            raise HourglassError("--entity-case: only with --entity-col COLUMN")
        timeseries = ts_cli.wants_timeseries(model, dataset, freq, fill, fill_limit, freq_agg)
        time_col = None if timeseries else timestamp_col
        if extra_normal and not timeseries:
            raise HourglassError(f"--extra-normal is for time-series models ({ts_cli._TS_MODELS})")
        check_format_name(fmt)
        logs = log_cli.is_log_format(fmt) or key_col is not None or message_col is not None
        if logs and not timeseries:  # a table model named for a log: that is the error, not an option
            log_cli.check_events_model(model)
        refuse_unused(train, "time-series" if timeseries else "log" if logs else "table", model, {
            "dataset": dataset, "label_col": label_col, "normal": normal, "drop": drop,
            "events_per_day": events_per_day, "val_fraction": val_fraction, "fmt": fmt,
            "categorical": categorical, "role": role, "scaler": scaler, "on_bad_rows": on_bad_rows,
            "memory_budget": memory_budget, "sample_rows": sample_rows, "strict": strict,
            "session_regex": session_regex, "session_col": session_col, "step": step,
            "key_col": key_col, "message_col": message_col}, typed)
        check_values()
    if timeseries:
        with user_errors():
            pipe = ts_cli.train_command(
                data, output, dataset=dataset, model=model, epochs=epochs, batch_size=batch_size,
                lr=lr, window=window, threshold=threshold, seed=seed, device=device,
                params=[*(param or [])], timestamp_col=timestamp_col, freq=freq, fill=fill,
                fill_limit=fill_limit, label_col=label_col, drop=[*(drop or [])], quiet=quiet,
                extra_normal=extra_normal, hidden=hidden, agg=freq_agg)
        ts_cli.report_train(pipe, output, err, out)
        return
    if logs:
        with user_errors():
            pipe = log_cli.train_logs(
                data, output, fmt=str(fmt), model=model, epochs=epochs, batch_size=batch_size,
                lr=lr, hidden=hidden, threshold=threshold, seed=seed, device=device,
                params=[*(param or [])], session_regex=session_regex, session_col=session_col,
                window=window, step=step, strict=strict, quiet=quiet, key_col=key_col,
                message_col=message_col, time_col=time_col)
        log_cli.report_train(pipe, output, err, out)
        return
    with user_errors():
        given = [name for name, o in (("--session-regex", session_regex), ("--session-col", session_col),
                                      ("--window", window), ("--step", step)) if o is not None]
        if given:  # named as given: --step alone was refused as "--session-regex/--session-col/--window"
            raise HourglassError(f"{'/'.join(given)}: {'these group' if len(given) > 1 else 'it groups'} "
                                 "log lines; give a log --format (hdfs, bgl, syslog, journald, raw, keys "
                                 "or a regex), or --key-col/--message-col for an event table")
        spec, label_col, normal_values = resolve_spec(dataset, label_col, normal, fmt, data)
        refuse_normal_without_label(normal, label_col)
        roles = parse_roles(role)
        refuse_label_in_columns(label_col, categorical=categorical, drop=drop, roles=roles,
                                timestamp_col=time_col, spec=spec)
        cls = registry.get(model)
        params = model_params(cls, model, seed=seed, device=device, quiet=quiet, epochs=epochs,
                              batch_size=batch_size, lr=lr, hidden=hidden, extra=param or [])
        rule = (threshold_from_spec(threshold, events_per_day=events_per_day, name="--threshold")
                if threshold else None)
        per_day = rule is not None and getattr(rule, "per", None) == "day" \
            and events_per_day is None
        no_rate = HourglassError(f"--threshold {threshold}: a per-day budget needs the event rate: "
                                 "give --timestamp-col COLUMN or --events-per-day N")
        if per_day and time_col is None and getattr(spec, "time_col", None) is None:
            raise no_rate  # said before reading (a flow format's own time field is read below)
        if ("val_fraction" in typed or val_fraction != 0.2) and not getattr(rule, "requires_labels", False):
            raise HourglassError("--val-fraction: only a labelled threshold (--threshold best-f1 "
                                 "or best-fbeta:B) carves a validation slice; leave it out")
        check_model_dir(output, data)
        log_cli.check_tabular_model(cls, model)
        stats = ReadStats()
        spec = read_as_text(spec, chosen_text(categorical, roles))  # '007' as written, as JSON gives it
        df, sampled = read_for_training(data, spec, on_bad_rows, stats, memory_budget,
                                         sample_rows, seed, label_col=label_col,
                                         asked="sample_rows" in typed)
        if time_col is None and spec is not None:
            time_col = format_time_column(df, spec)
            if per_day and time_col is None:
                raise no_rate
        if time_col is not None:
            df = skip_unreadable_times(df, time_col, None, on_bad_rows, stats, shown(data))
        pipe = train_pipeline(df, spec=spec, label_col=label_col, normal=normal_values,
                              model=model, params=params, threshold=threshold,
                              categorical=categorical or [], drop=drop or [], source=shown(data),
                              roles=roles, scaler=scaler, time_col=time_col,
                              events_per_day=events_per_day, val_fraction=val_fraction,
                              sampled=sampled, stats=stats)
        pipe.info.update({"format": spec.name if spec else None, "sampled": sampled,
                          "skipped_rows": stats.bad_rows})
        pipe.save(output)
    report_skipped(stats, data)
    info = pipe.info
    err.print(f"trained {info['model']} on "
              f"{fitted_text(info['n_train_rows'], len(pipe.detector_.val_index_))} of {info['format']} "
              f"({pipe.features_.feature_names_.__len__()} features) in "
              f"{info['fit_seconds']:.1f}s; threshold {threshold_text(info)}", highlight=False)
    out.print(f"model saved to {output}", highlight=False)


#: ``info["source"]`` of a model ``hourglass demo`` saved: such a model may be replaced by the next demo
DEMO_SOURCE = "bundled NSL-KDD sample (train)"


def _refuse_demo_output(output: Path, force: bool) -> None:
    """Refuse, before training, an ``--output`` the demo cannot or must not write: a missing
    parent folder, a file or other folder, or a model that an earlier demo did not save (a
    model trained on the user's data is never replaced without ``--force``; ``make demo`` run
    twice replaces its own)."""
    check_model_dir(output)
    if force or not (output / "config.json").is_file():
        return
    if not _demo_model(output):
        raise HourglassError(f"--output {output}: a model is saved there already (not an earlier "
                             "demo's); pass --force to replace it, or choose another --output")


def _demo_model(folder: Path) -> bool:
    """Whether the model in ``folder`` is one an earlier ``hourglass demo`` saved (what the demo
    replaces without ``--force``: checked before training and again as the new model is put in
    place, so that a model another run saved there meanwhile is kept)."""
    import json

    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8-sig"))
        return bool(config.get("info", {}).get("source") == DEMO_SOURCE)
    except (OSError, ValueError, AttributeError):
        return False


def demo(
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Model directory to write (an earlier demo's model there is "
                               "replaced; any other model only with --force).")] = Path("demo-model"),
    force: TrainForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Train the hourglass autoencoder on the bundled NSL-KDD sample and evaluate it."""
    from hourglass.cli.tables import scores_frame, split_labels, train_pipeline
    from hourglass.evaluate import binary_metrics, per_class_detection
    from hourglass.ingest import demo_path, get_dataset

    setup_logging(quiet)
    with user_errors():
        _refuse_demo_output(output, force)
        spec = get_dataset("nsl-kdd")
        train_df = spec.read(demo_path("train"))
        pipe = train_pipeline(train_df, spec=spec, label_col=spec.label_col,
                              normal=list(spec.normal), model="autoencoder",
                              params={"verbose": 0 if quiet else 1}, threshold=None,
                              categorical=[], drop=[], source=DEMO_SOURCE)
        # (not over a model another run saved there meanwhile: only --force or an earlier demo's)
        pipe.save(output, replace=True if force else _demo_model)
        test_df = spec.read(demo_path("test"))
        feats, labels, is_anom = split_labels(test_df, spec.label_col, list(spec.normal), "demo")
        assert labels is not None and is_anom is not None
        result = scores_frame(pipe, feats)
        metrics = binary_metrics(is_anom, result["score"], result["flag"])  # (no alert: precision None)
        cats = per_class_detection(labels, result["flag"], spec.categories, normal=spec.normal)
    held = len(pipe.detector_.val_index_)
    out.print(f"trained on {fitted_text(pipe.info['n_train_rows'], held, 'normal NSL-KDD rows')} in "
              f"{pipe.info['fit_seconds']:.1f}s", highlight=False)
    out.print(metrics_table("bundled NSL-KDD test sample (KDDTest+ rows)", metrics))
    out.print(class_table(cats, list(spec.normal)))
    out.print(f"model saved to {output}/ — try: hourglass score {output} "
              f"{demo_path('test')} --dataset nsl-kdd -o scores.csv", highlight=False)
