"""``hourglass train NEW_DATA --warm-start MODEL``: continue training a saved table, time-series,
log or entity-bucket model on new normal rows (a new normal series, a new log's sessions, new
rows grouped into the model's (entity, bucket) rows: :mod:`hourglass.cli.warm_entity`), with its
preprocessing frozen, and save the result as a new model."""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hourglass._columns import counted
from hourglass.cli._common import (
    base_params,
    check_model_dir,
    finish_params,
    model_kind,
    refuse_normal_without_label,
    typed_options,
)
from hourglass.cli._options import OPTION_OF_PARAM, timestamp_option
from hourglass.cli._output import (
    err,
    fitted_text,
    out,
    print_stream_threshold,
    report_skipped,
    threshold_text,
    warm_epochs_text,
)
from hourglass.cli._spool import reads_file, shown, source_files
from hourglass.errors import HourglassError, InputError

__all__ = ["FROZEN_OPTIONS", "given_options", "typed_options", "warm_start_command"]

#: ``train`` options a warm start cannot honour (they change the model's shape, preprocessing or
#: threshold rule, which stay the parent's): parameter name → option.
FROZEN_OPTIONS = {
    "model": "--model", "hidden": "--hidden", "threshold": "--threshold", "categorical": "--categorical",
    "drop": "--drop", "param": "--param", "role": "--role", "scaler": "--scaler",
    "time_col": "--time-col", "timestamp_col": "--timestamp-col", "events_per_day": "--events-per-day",
    "val_fraction": "--val-fraction", "session_regex": "--session-regex", "session_col": "--session-col",
    "window": "--window", "step": "--step", "strict": "--strict", "key_col": "--key-col",
    "message_col": "--message-col", "freq": "--freq", "fill": "--fill", "fill_limit": "--fill-limit",
    "freq_agg": "--freq-agg", "extra_normal": "--extra-normal",
}


def given_options(command: Any, values: dict[str, Any], typed: set[str] | None = None,
                  ) -> dict[str, Any]:
    """The items of ``values`` (parameter name → value) given: those named in ``typed`` (the
    options typed, :func:`typed_options`: ``--model autoencoder`` typed is given, though it is
    the default), else those that differ from ``command``'s defaults.

    Examples
    --------
    >>> def train(bucket: str | None = None, sample_rows: int = 10) -> None: ...
    >>> given_options(train, {"bucket": "5min", "sample_rows": 10})
    {'bucket': '5min'}
    >>> given_options(train, {"bucket": None, "sample_rows": 10}, typed={"sample_rows"})
    {'sample_rows': 10}
    """
    if typed is not None:
        return {name: value for name, value in values.items() if name in typed}
    defaults = {n: p.default for n, p in inspect.signature(command).parameters.items()}
    return {name: value for name, value in values.items()
            if value is not None and value != [] and value != defaults.get(name)}


def refuse_frozen(command: Any, values: dict[str, Any], model: Path,
                  typed: set[str] | None = None) -> None:
    """Refuse any :data:`FROZEN_OPTIONS` given (typed, else different from ``command``'s
    default: :func:`given_options`).

    Examples
    --------
    >>> def train(hidden: str | None = None, scaler: str = "minmax") -> None: ...
    >>> refuse_frozen(train, {"hidden": None, "scaler": "minmax"}, Path("m"))
    >>> refuse_frozen(train, {"hidden": "8,4", "scaler": "minmax"}, Path("m"))
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --hidden: a warm start keeps m's model, preprocessing and ...
    """
    for name in given_options(command, values, typed):
        raise HourglassError(f"{FROZEN_OPTIONS[name]}: a warm start keeps {model}'s model, "
                             "preprocessing and threshold rule; leave it out")


def replay_count(replay: float, n_new: int, n_old: int) -> int:
    """How many of OLD's ``n_old`` rows (steps, buckets) ``--replay`` takes: ``replay`` times
    NEW's ``n_new``, rounded as a held-out share is (:func:`~hourglass._params.share_count`), all
    of OLD at most (a huge multiple too, without overflowing).

    Examples
    --------
    >>> replay_count(0.5, 101, 1000), replay_count(2.0, 300, 400), replay_count(1e308, 10, 7)
    (50, 400, 7)
    """
    if replay * n_new >= n_old:
        return int(n_old)
    from hourglass._params import share_count

    return share_count(replay, n_new)


class _WarmAdvice(logging.Filter):
    """A warning's advice to change an option a warm start refuses (a percentile fitted on few
    held-out scores: ``--param validation_fraction``; a series' held-out tail of few windows: that
    and ``--window``) said as a warm start can act on it: ``more`` (see :func:`_kept_rule`)."""

    def __init__(self, more: str, kept: str) -> None:
        super().__init__()
        from hourglass.detectors.ensemble import MEMBER_SHARE_ADVICE
        from hourglass.detectors.windowed import FEW_WINDOWS_ADVICE
        from hourglass.thresholds.base import FEW_SCORES_ADVICE

        self.said = {FEW_SCORES_ADVICE: f"{more}; {kept}", MEMBER_SHARE_ADVICE: f"{more}; {kept}",
                     FEW_WINDOWS_ADVICE: f"{more}; {kept} and window"}

    def filter(self, record: logging.LogRecord) -> bool:
        # the record names its advice (``advice``, the text it holds): found whatever its wording
        advice = getattr(record, "advice", None)
        if advice in self.said:
            record.msg, record.args = record.getMessage().replace(advice, self.said[advice]), ()
        return True


@contextlib.contextmanager
def _kept_rule(parent: Any, parent_dir: Path, kind: str,
               replayed: tuple[float, int, int] | None = None) -> Iterator[None]:
    """Say a threshold rule's refusal of too few held-out scores (``FalseAlarmBound``, ``DSPOT``)
    as a warm start can act on it: its advice (``--param validation_fraction``, another
    ``--threshold``) names options a warm start refuses, as it keeps the parent's rule and
    held-out share. The warnings of a threshold (or a series' held-out tail) resting on few
    held-out scores are said so too (their advice: ``--param validation_fraction``, ``--window``).

    ``kind``: the parent's (:func:`~hourglass.cli._common.model_kind`). A table's or an entity
    model's held-out slice is drawn from the new and the replayed rows together, so replaying
    (more) old rows helps; a series' held-out tail is the new series' own last steps (replayed
    steps add none) and a log model takes no replay: more new data is the advice there.
    ``replayed``: with ``--replay-data``, (the ``--replay`` multiple, OLD's rows or buckets
    taken, OLD's in all): a larger ``--replay`` while it takes less than all of OLD."""
    unit = {"time-series": "steps", "log": "sessions", "entity": "(entity, bucket) rows"}.get(kind, "rows")
    more = f"more normal {unit}"
    if kind == "time-series":
        more = ("a longer new series (the held-out tail is the last steps of the new series; "
                "replayed steps add none)")
    elif kind != "log" and replayed is None:
        more += " (or old ones too: --replay-data OLD)"
    elif kind != "log" and replayed is not None:
        multiple, taken, of = replayed
        more += (f" or a larger --replay (now {multiple:g}: {taken:,} of the {of:,} old {unit} "
                 "replayed)" if taken < of else f" (--replay already takes all {of:,} old {unit})")
    share = parent.detector_.get_params().get("validation_fraction")
    held = f" ({float(share):.0%})" if isinstance(share, int | float) else ""
    advice = _WarmAdvice(more, f"a warm start keeps {parent_dir}'s held-out share{held}")
    handlers = list(logging.getLogger().handlers)
    for h in handlers:
        h.addFilter(advice)
    try:
        yield
    except InputError as exc:
        if getattr(exc, "too_few_rows", False):  # one row (NEW's, with those replayed) to train on
            refusal = getattr(exc, "refusal", exc)  # (the detector's, without the Python API's advice)
            raise HourglassError(f"{refusal}; give the warm start {more}, or train a new model "
                                 "('hourglass train' without --warm-start)") from None
        what = getattr(exc, "too_few_scores", None)
        if what is None:
            raise
        raise HourglassError(f"{what}: a warm start keeps {parent_dir}'s threshold rule and held-out "
                             f"share{held}; give it {more}, or train a new model ('hourglass train' "
                             "without --warm-start)") from None
    finally:
        for h in handlers:
            h.removeFilter(advice)


def _check_settings(parent: Any, params: dict[str, Any]) -> None:
    """Refuse a bad training setting (``--epochs 0``, ``--lr -1``, ``--device tpu``) before any
    data is read, naming the option as ``train`` does."""
    from hourglass._params import saved_kinds
    from hourglass.detectors.base import WARM_START_PARAMS

    det = parent.detector_
    # its own parameters only: a threshold rule's nested ones ('threshold__q' of a model trained
    # with --threshold percentile:95) are no parameters of the detector's class
    merged = {**det.get_params(deep=False), **params}
    bs = merged.get("batch_size")
    if (getattr(det, "_warm_freeze_batch_norm", False) and isinstance(bs, int) and not isinstance(bs, bool)
            and bs == 1):
        # a warm start keeps batch-norm layers frozen (they normalise with the parent's running
        # statistics), so batches of one row train, which a fresh fit's check refuses
        merged["batch_size"] = 2
    # the model's shape reads as saved (standardize=2 by an earlier version, which loads and
    # which BaseDetector.warm_start takes); the training settings are checked as a fit checks them
    try:
        with saved_kinds([name for name in merged if name not in WARM_START_PARAMS]):
            finish_params(type(det), parent.model_name, merged, [])
    except HourglassError as exc:
        # a setting saved in the model (lr=true by an earlier version), no option given: the
        # message named "--lr" as though it had been
        option = str(exc).split(" ", 1)[0]
        name = next((k for k, o in OPTION_OF_PARAM.items() if o == option), None)
        if name is None or name in params:
            raise
        raise HourglassError(f"the model's saved {name}{str(exc)[len(option):]}; give {option} to "
                             "train on with another") from None


def _check_time_col(parent: Any, parent_dir: Path, kind: str, given: dict[str, Any]) -> None:
    """Take a ``--timestamp-col`` (or ``--time-col``) in ``given`` (the options given) that names
    the column the table or time-series model ``parent`` was trained with, which its warm start
    reads anyway; refuse another one, naming both, and any for a model of another kind or trained
    without one (it keeps the parent's preprocessing)."""
    if not {"timestamp_col", "time_col"} & set(given):
        return
    option = "--timestamp-col" if "timestamp_col" in given else "--time-col"
    have = (parent.info.get("time_col") if kind == "table"
            else getattr(parent.features_, "timestamp_col", None) if kind == "time-series" else None)
    if have is None:
        raise HourglassError(f"{option}: a warm start keeps {parent_dir}'s model, preprocessing "
                             "and threshold rule; leave it out")
    stamp, alias = given.get("timestamp_col"), given.get("time_col")
    value = alias if alias is not None else stamp
    if value == have or (stamp is not None and alias is not None and stamp != alias):
        timestamp_option(stamp, alias)  # the deprecated alias said, or both refused (not before
        return  # a refusal of the column: one line)
    raise HourglassError(f"{option} {value}: {parent_dir} reads the times in {have!r}; a warm start "
                         f"keeps it (--timestamp-col {have}, or leave it out)")


def _refuse_label_read(parent: Any, parent_dir: Path, label_col: str | None) -> None:
    """Refuse a ``--label-col`` that names a column the parent model reads (a feature, its
    entity or timestamp column, its event time), as ``train`` refuses a label that is also a
    column option: taken out as the label, the column was then said to be missing from the
    data (or a channel's values were read as labels)."""
    if label_col is None:
        return
    used = {str(c) for c in getattr(parent.features_, "columns_", ())}
    if label_col in used or label_col == parent.info.get("time_col"):
        raise HourglassError(f"--label-col {label_col}: is a column {parent_dir} reads; the label "
                             "column marks each row normal or not and is not a feature")


def _normal_rows(path: Path, parent: Any, *, dataset: str | None, label_col: str | None,
                 normal: list[str] | None, fmt: str, on_bad_rows: str, stats: Any,
                 memory_budget: float, sample_rows: int, seed: int, replayed: bool = False,
                 asked: bool = False) -> tuple[Any, Any, str | None, list[str], dict[str, Any] | None]:
    """The normal rows of table ``path`` as ``train`` finds them (label options, or the parent
    model's label column when the file has it), after checking them against the parent's
    schema: (rows, format spec, label column, normal values, sample note). ``replayed``
    (``--replay-data``): ``--label-col`` names NEW's column; an OLD file without it (the
    training file of a model trained without labels) is read as the parent's data."""
    import numpy as np

    from hourglass.cli._schema import text_as_trained
    from hourglass.cli.tables import (
        about_file,
        at_kept_rows,
        read_for_training,
        resolve_spec,
        rows_vary_in_columns,
        split_labels,
        unlabelled_rows,
    )
    from hourglass.ingest import label_strings

    log = logging.getLogger("hourglass")
    # an error about a value or a column of OLD names the option, as an entity or series warm
    # start's and export --check-data's do (a file that cannot be read names the file alone)
    where: Path | str = f"--replay-data {path}" if replayed else path
    spec, label_col, normal_values = resolve_spec(dataset, label_col, normal, fmt, path)
    spec = text_as_trained(spec, parent.features_)  # a text category read as written, as trained
    df, sampled = read_for_training(path, spec, on_bad_rows, stats, memory_budget, sample_rows, seed,
                                    label_col=label_col or parent.info.get("label_col"), asked=asked)
    if rows_vary_in_columns(parent, spec, path):
        # a column with missing values in training (optional_fields) that no row of a JSON-lines
        # file has is missing in every row, as score, stream and the service take it; a required
        # one no row has is still refused below (the schema check)
        df = parent.with_absent_fields(df, force=True, only=parent.optional_fields)
    if replayed and label_col is not None and label_col not in df.columns:
        label_col, normal_values, normal = None, [], None  # NEW's label and normal values, not OLD's
    inherited = label_col is None and parent.info.get("label_col") in df.columns
    if inherited:  # --normal typed: its values, not the parent's, name NEW's normal rows
        label_col, normal_values = parent.info["label_col"], list(normal or parent.info.get("normal") or [])
    if not replayed:  # as train refuses it: --normal was ignored, every row trained on as normal
        refuse_normal_without_label(normal, label_col)
    time_col = parent.info.get("time_col")
    if time_col is not None and time_col in df.columns:  # its times read as train reads them, in
        from hourglass._times import read_timestamps  # the day/month order the model keeps
        from hourglass.cli._skip import skip_unreadable_times

        kept = parent.info.get("time_dayfirst")
        df = skip_unreadable_times(df, time_col, kept, on_bad_rows, stats, str(path))
        try:
            read_timestamps(df[time_col], time_col, kept)
        except InputError as exc:  # its row: a position among the rows kept, told as the file's
            raise about_file(at_kept_rows(exc, stats, np.arange(len(df))), where) from None
        df = df.drop(columns=[time_col])
    if label_col is not None and label_col not in df.columns:  # alone: not after the schema
        split_labels(df, label_col, normal_values, str(path))   # check's 'ignoring column' warning
    # the schema first (the same error as 'hourglass score'), before any other message; the
    # unseen-category warning waits for the transform of every row (it would count these 64)
    from hourglass.features.tabular import unseen_unwarned

    try:
        with unseen_unwarned(parent.features_):
            parent.transform(df.drop(columns=[label_col]).head(64) if label_col in df.columns
                             else df.head(64))
    except InputError as exc:  # NEW or --replay-data: say which (its row: -1 after a skipped one)
        raise about_file(at_kept_rows(exc, stats, np.arange(min(len(df), 64))), where) from None
    if inherited:
        log.info("%s: label column %r (as the parent model's), normal = %s", path, label_col,
                 normal_values)
    elif label_col is None and parent.info.get("label_col"):  # attack rows would be trained on
        log.warning("%s: no label column %r (the parent model's): every row is trained on as "
                    "normal; give --label-col and --normal if the file holds labels", path,
                    parent.info["label_col"])
    elif label_col is None and not replayed:  # as train warns: a verdict column is ignored
        from hourglass._labels import label_like

        used = {str(c) for c in getattr(parent.features_, "columns_", ())}
        named = [c for c in label_like(df.columns) if c not in used]
        if named:
            log.warning("%s: column %r looks like a label, and without --label-col every row "
                        "(attacks included) is trained on as normal; give --label-col %s --normal "
                        "VALUE to train on the normal rows only", path, named[0], named[0])
    if label_col is not None and label_col in df.columns:
        labelled = unlabelled_rows(label_strings(df[label_col]), normal_values, label_col, str(path),
                                   "not trained on", stats=stats)
        df = df if labelled.all() else df.loc[labelled]  # the index stays the file's row
    feats, _, is_anom = split_labels(df, label_col, normal_values, str(path))
    if is_anom is not None:
        log.info("%s: %d normal rows of %d (label column %r)", path, int((is_anom == 0).sum()),
                 len(feats), label_col)
        feats = feats.loc[is_anom == 0]
    _refuse_unreadable(feats, parent, where, stats, sampled)
    return feats, spec, label_col, normal_values, sampled


def _refuse_unreadable(feats: Any, parent: Any, path: Path | str, stats: Any,
                       sampled: dict[str, Any] | None) -> None:
    """Refuse text in a column the model reads as numbers anywhere in ``feats`` (a table's
    normal rows, indexed by their positions among the rows read), naming the file and the
    row's line, as the schema check does in the first 64 rows. Past them it was refused by the
    fit without the file, and with ``--replay-data`` at a row counting NEW's and OLD's rows
    together ("row 401" of a bad cell on OLD's line 102). Like ``train``, and unlike
    ``score``, ``--on-bad-rows skip`` does not leave such a row out."""
    import numpy as np

    from hourglass.cli.tables import about_file, at_kept_rows

    finder = getattr(parent.features_, "unreadable_rows", None)
    if finder is None or not len(feats):
        return
    bad = np.asarray(finder(feats), dtype=bool)
    if not bad.any():
        return
    try:
        parent.transform(feats.loc[bad].head(1))
    except InputError as exc:  # 'row 1' of that one row: told as its line in the file
        at = feats.index.to_numpy()[bad][:1]
        raise about_file(at_kept_rows(exc, stats if sampled is None else None, at), path) from None


def _readable_rows(rows: Any, parent: Any, source: str, whose: str = "replayed",
                   advice: str = "leave --replay-data out, or train a new model to learn them",
                   ) -> tuple[Any, dict[str, Any] | None]:
    """The ``rows`` (``whose``: the replayed OLD rows, or NEW's) whose numeric features the
    parent's frozen scaling can read, and what was left out (``None``: nothing): a row holding
    ``inf`` or a number far past the scale is left out, counted and said (``source``: what
    the messages name first) as the warm start does it of NEW's rows; every row so is refused
    (``advice``: what to do). Each file's rows are checked on their own, before they are
    joined: checked as one table, an OLD row was said as '1 of the 990 new rows left out', and
    a NEW of such rows alone trained on OLD's rows alone, where NEW alone is refused."""
    from hourglass.features.tabular import unseen_unwarned
    from hourglass.pipeline.pipeline import _every_one, beyond_scale_rows

    if not len(rows) or not hasattr(parent.features_, "numeric_"):
        return rows, None
    with unseen_unwarned(parent.features_):  # (the warm start's transform says them, once)
        bad, columns = beyond_scale_rows(parent.transform(rows), parent.features_)
    n = int(bad.sum())
    if not n:
        return rows, None
    said = ", ".join(columns[:5]) + (" ..." if len(columns) > 5 else "")
    if n == len(rows):
        raise HourglassError(f"{source}: {_every_one(n, f'{whose} rows')} holds a value the model's "
                             f"frozen scale cannot read (column(s) {said}: infinite, or far past the "
                             f"values it was trained on); {advice}")
    logging.getLogger("hourglass").warning(
        "%s: %d of the %d %s rows left out: column(s) %s hold a value the model's frozen scale "
        "cannot read (infinite, or far past the values it was trained on), which trained on as "
        "normal would set the threshold beyond every score", source, n, len(rows), whose, said)
    return rows.loc[~bad], {"rows": n, "columns": columns}


def warm_start_command(
    data: Path, output: Path, parent_dir: Path, parent_read: tuple[dict[str, Any], bytes], *,
    dataset: str | None, label_col: str | None,
    normal: list[str] | None, fmt: str, on_bad_rows: str, epochs: int | None,
    batch_size: int | None, lr: float | None, seed: int, device: str, quiet: bool,
    memory_budget: float, sample_rows: int, replay_data: Path | None = None, replay: float = 1.0,
    entity: dict[str, Any] | None = None, typed: set[str] | None = None,
) -> None:
    """Load ``parent_dir`` (from ``parent_read``, its config and weights as
    :func:`~hourglass.pipeline.artefact.read_config` read them: not read again), train it
    further on the normal rows of ``data`` (plus, with ``replay_data``, a seeded sample of
    ``replay`` times as many normal rows of that file, so that the old normal traffic is not
    forgotten), save to ``output``.

    ``entity``: the entity options typed (:data:`~hourglass.cli.warm_entity._OPTIONS` and
    ``--memory-budget``/``--sample-rows``, parameter name → value): an entity-bucket parent
    accepts the ones that agree with it; any other parent refuses them.

    ``typed``: the parameter names typed (:func:`typed_options`): ``--format``,
    ``--on-bad-rows`` and ``--replay`` count as given when typed, even at their default
    (``--on-bad-rows error`` is refused by a time-series warm start as ``skip`` is), or when
    they differ from it."""
    import numpy as np
    import pandas as pd

    from hourglass.cli.tables import at_kept_rows
    from hourglass.detectors.base import warm_start_models
    from hourglass.ingest import ReadStats
    from hourglass.pipeline.artefact import load_read

    if not (replay > 0 and math.isfinite(replay)):
        raise HourglassError(f"--replay: must be a finite number > 0, got {replay} (a large "
                             "multiple takes all of OLD)")
    typed_names = typed or set()

    def given(name: str, value: Any, default: Any) -> bool:
        """Whether option ``name`` was given: typed, even at its ``default``, or not at it."""
        return name in typed_names or value != default

    if replay_data is not None and str(replay_data) != "-" and str(data) != "-":
        # (a file of DATA's folder or pattern too: a series' replayed last rows were its tail;
        # and OLD's folder or pattern holding one of DATA's files)
        olds = source_files(replay_data)
        both = next((f for f in olds if reads_file(data, f)), None)
        if replay_data.resolve() == data.resolve() or both is not None:
            which = ("itself" if len(source_files(data)) == 1 else "(one of the files it reads)")
            what = f"is DATA {which}" if len(olds) == 1 else f"reads {both}, which is DATA {which}"
            raise HourglassError(f"--replay-data {replay_data}: {what}: its rows would be replayed "
                                 "as old ones and the held-out rows trained on; give the parent's "
                                 "old data, or leave --replay-data out")
    check_model_dir(output, data, replay_data)
    if output.resolve() == parent_dir.resolve():
        raise HourglassError(f"--output {output}: is the --warm-start model; write the new model "
                             "to another directory (the parent is kept as it is)")
    if output.resolve().is_relative_to(parent_dir.resolve()):
        raise HourglassError(f"--output {output}: is inside the --warm-start model {parent_dir}; "
                             "write the new model to another directory")
    parent = load_read(parent_dir, parent_read)
    kind = model_kind(parent)
    name = parent.model_name
    if kind != "log" and given("replay", replay, 1.0) and replay_data is None:  # (a log model
        raise HourglassError("--replay: give the old rows to replay with --replay-data OLD")  # refuses it)
    entity = dict(entity or {})
    if kind != "entity":
        _check_time_col(parent, parent_dir, kind, entity)
        if kind in ("time-series", "log") and {"memory_budget", "sample_rows"} & set(entity):
            raise HourglassError(f"--memory-budget/--sample-rows: not for a {kind} model ({name}); "
                                 "its warm start reads the whole file, as 'train' does")
        if "entity_case" in entity:
            raise HourglassError(f"--entity-case: only for entity-bucket models ({parent_dir} is a "
                                 f"{kind} model); leave it out")
        if {"entity_col", "bucket", "aggregate", "distinct"} & set(entity):
            raise HourglassError("--entity-col/--bucket/--aggregate/--distinct: a warm start "
                                 f"keeps the parent's features ({parent_dir} is a {kind} model); "
                                 "leave them out")
    # (once the parent's kind has not refused them: a series' or log's are 'not for' it, an
    # entity model's 'not used' (check_entity_options), whatever their value)
    for opt, size in (("--memory-budget", memory_budget), ("--sample-rows", sample_rows)):
        if kind == "table" and not size > 0:  # as train refuses them (NaN too): a warm start read
            raise HourglassError(f"{opt}: must be > 0, got {size}")  # on with them
    if not parent.detector_.get_tags()["warm_start"]:
        raise HourglassError(f"--warm-start {parent_dir}: {name} cannot continue training from "
                             f"its weights; warm start supports {', '.join(warm_start_models())}")
    _check_settings(parent, base_params(seed=seed, device=device, quiet=quiet, epochs=epochs,
                                        batch_size=batch_size, lr=lr))
    if parent.threshold_.requires_labels:  # (a model of any kind fitted so in Python): before any read
        raise HourglassError(f"--warm-start {parent_dir}: its threshold ({parent.threshold_.describe()}) "
                             "needs a labelled validation slice, which a warm start from the command "
                             "line does not carve; use Pipeline.warm_start(df, X_val=..., y_val=...)")
    if kind != "log":  # (a log warm start refuses --label-col itself)
        _refuse_label_read(parent, parent_dir, label_col)
    if kind == "entity":
        from hourglass.cli.warm_entity import check_entity_options, warm_entity

        check_entity_options(parent, parent_dir, entity)
        if dataset is not None:
            raise HourglassError(f"--dataset: not used by entity models ({name}); leave it out")
        params = base_params(seed=seed, device=device, quiet=quiet, epochs=epochs,
                             batch_size=batch_size, lr=lr)
        warm_entity(data, output, parent, parent_dir, label_col=label_col, normal=normal, fmt=fmt,
                    on_bad_rows=on_bad_rows, params=params, replay_data=replay_data, replay=replay,
                    seed=seed)
        return
    if kind == "time-series":
        refused: dict[str, object] = {"--normal": normal, "--format": given("fmt", fmt, "auto"),
                                      "--on-bad-rows": given("on_bad_rows", on_bad_rows, "error")}
        for opt, value in refused.items():
            if value:
                raise HourglassError(f"{opt}: not for a time-series model ({name}); a series warm "
                                     "start takes --dataset, --label-col, --replay-data, --replay "
                                     "and training settings")
        params = base_params(seed=seed, device=device, quiet=quiet, epochs=epochs,
                             batch_size=batch_size, lr=lr)
        with _kept_rule(parent, parent_dir, kind):
            _warm_series(data, output, parent, parent_dir, dataset=dataset, label_col=label_col,
                         params=params, replay_data=replay_data, replay=replay)
        return
    if kind == "log":
        parsed = parent.info.get("format")
        refused = {"--dataset": dataset, "--label-col": label_col, "--normal": normal,
                   "--format": fmt != parsed and given("fmt", fmt, "auto"),  # its own format is fine
                   "--on-bad-rows": given("on_bad_rows", on_bad_rows, "error"),
                   "--replay-data": replay_data, "--replay": given("replay", replay, 1.0)}
        for opt, value in refused.items():
            if value:
                why = (f"a warm start parses NEW as {parent_dir} was trained ({parsed})"
                       if opt == "--format" else "a log warm start trains on NEW's sessions as "
                       "'train' does (no labels) and takes training settings only")
                raise HourglassError(f"{opt}: not for a log model ({name}); {why}")
        params = base_params(seed=seed, device=device, quiet=quiet, epochs=epochs,
                             batch_size=batch_size, lr=lr)
        with _kept_rule(parent, parent_dir, kind):
            _warm_logs(data, output, parent, parent_dir, params=params)
        return
    reading: dict[str, Any] = {"dataset": dataset, "label_col": label_col, "normal": normal, "fmt": fmt,
               "on_bad_rows": on_bad_rows, "memory_budget": memory_budget,
               "sample_rows": sample_rows, "seed": seed, "asked": "sample_rows" in typed_names}
    stats = ReadStats()
    feats, spec, label_col, normal_values, sampled = _normal_rows(data, parent, stats=stats, **reading)
    n_new = len(feats)
    replayed: dict[str, Any] | None = None
    beyond_new: dict[str, Any] | None = None  # NEW's rows left out, when checked here (with OLD)
    if replay_data is not None:
        old_stats = ReadStats()
        old, _, _, _, old_sampled = _normal_rows(replay_data, parent, stats=old_stats, replayed=True,
                                                 **reading)
        want = replay_count(replay, n_new, len(old))
        pick = np.sort(np.random.default_rng(seed).choice(len(old), size=want, replace=False))
        olds, beyond = _readable_rows(old.iloc[pick], parent, f"--replay-data {replay_data}")
        # NEW's rows checked on their own too (joined, OLD's would count among 'the new rows')
        feats, beyond_new = _readable_rows(feats, parent, f"{data}: warm start", "new",
                                           "train a new model to learn them")
        feats = pd.concat([feats, olds], ignore_index=True)
        # 'of' counts the normal rows read from OLD: of a file above --memory-budget, those of
        # its uniform sample, which 'sampled' records as for DATA (else 'of' passed for OLD's)
        replayed = {"source": shown(replay_data), "fraction": replay, "rows": len(olds),
                    "of": len(old), "seed": seed, "skipped_rows": old_stats.bad_rows,
                    "sampled": old_sampled, **({"beyond_scale": beyond} if beyond else {})}
        report_skipped(old_stats, replay_data)
    params = base_params(seed=seed, device=device, quiet=quiet, epochs=epochs,
                         batch_size=batch_size, lr=lr)
    try:
        with _kept_rule(parent, parent_dir, kind, replayed=None if replayed is None else
                        (replay, replayed["rows"], replayed["of"])):
            pipe = parent.warm_start(feats, **params)
    except InputError as exc:  # a row number counts the rows trained on: tell NEW's data row
        if replayed is not None or sampled is not None:
            raise
        at = feats.index.to_numpy()  # positions among the rows read: -1 after a skipped one
        raise at_kept_rows(exc, stats, at) from None
    held = len(pipe.detector_.val_index_)
    ws = pipe.info["warm_start"]
    ws["parent"]["path"] = str(parent_dir)
    ws["new_rows"] = n_new
    ws["replay"] = replayed
    if replayed is not None and beyond_new is not None:  # (checked before the join: above)
        ws["rows_beyond_scale"] = beyond_new
    pipe.info.update({
        "source": shown(data), "format": spec.name if spec else None, "sampled": sampled,
        "skipped_rows": stats.bad_rows, "label_col": label_col, "normal": normal_values,
        "held_out": {"fraction": float(getattr(pipe.detector_, "validation_fraction", 0.0)),
                     "rows": held, "seed": seed,
                     "used_for": ("early stopping, calibration and the threshold; never trained on"
                                  if held else "none held out: calibration and the threshold use "
                                  "training scores"),
                     "which": "positions among the new normal training rows (then the replayed "
                              "ones), in weights.safetensors as detector.val_index"},
    })
    pipe.save(output)
    report_skipped(stats, data)
    info = pipe.info
    # n_train_rows counts the replayed rows too (the held-out slice is drawn from all of them)
    kept_new = n_new - (beyond_new["rows"] if beyond_new else 0)  # (NEW's rows trained on)
    what = (f": {kept_new:,} of {data} + {replayed['rows']:,} replayed from {replay_data}" if replayed
            else f" of {data}")
    err.print(f"continued {name} from {parent_dir} on {fitted_text(info['n_train_rows'], held)}"
              f"{what} ({warm_epochs_text(ws)}; "
              f"preprocessing frozen) in {info['fit_seconds']:.1f}s; threshold "
              f"{threshold_text(info)}", highlight=False)
    out.print(f"model saved to {output}", highlight=False)


def _normal_series(path: Path, reader: str | None, train_part: bool, label: str | None,
                   label_col: str | None, what: str, stats: Any = None) -> Any:
    """The series of ``path`` read with ``reader`` (its protocol's training part when
    ``train_part``), labelled anomalies refused, the label column dropped. ``stats``: the
    read's counts (a :class:`~hourglass.ingest.ReadStats`: its rows' lines)."""
    from hourglass.cli import timeseries as ts_cli

    # normal data to train on: a NAB series without label windows is read unlabelled, as
    # --extra-normal and score read one (with windows, its labelled anomalies are refused below)
    df = ts_cli.read_series(path, reader, need_labels=False, stats=stats)
    if label_col is not None and label_col not in df.columns:
        raise HourglassError(f"{what}: no label column {label_col!r}")
    part = df
    if train_part:
        ds = ts_cli._dataset(reader)
        part = ds.train_part(df) if ds is not None else df
    if label is not None and label in part.columns:
        # the rule and the words of train's warning ('a missing label is not known to be normal')
        protocol = train_part and len(part) < len(df)
        said = ts_cli.labelled_not_normal(part[label], label, what, "the protocol's training part"
                                          if protocol else "the training series")
        if said is not None:
            raise HourglassError(f"{said}; a warm start trains on a normal stretch (give --dataset "
                                 "NAME for its protocol's normal training part, or a file of "
                                 "normal steps)")
        part = part.drop(columns=[label])
    return part


def _warm_series(data: Path, output: Path, parent: Any, parent_dir: Path, *, dataset: str | None,
                 label_col: str | None, params: dict[str, Any], replay_data: Path | None = None,
                 replay: float = 1.0) -> None:
    """The time-series warm start: read NEW's series as ``train`` does (with ``--dataset``, its
    reader and the protocol's training part; else the parent's dataset reader, if any, and the
    whole file), refuse labelled anomalies in it, continue training, save to ``output``.

    ``replay_data``: an old normal series read like the parent's data (its dataset reader and
    that protocol's training part, if any), of which the last ``replay`` times as many rows as
    NEW's (all of it when shorter) are trained on too, as a separate recording in front of NEW."""
    from hourglass.cli import timeseries as ts_cli
    from hourglass.errors import InputError

    name = parent.model_name
    reader = dataset or parent.info.get("dataset")
    # a dataset's reader labels its steps itself: another label column left them unchecked
    ts_cli.refuse_dataset_label_col(ts_cli._dataset(reader), label_col, warm=True,
                                    inherited=dataset is None)
    label = label_col or parent.info.get("label_col")
    if reader is None:  # (a dataset's folder is refused as one file a series)
        for given, what in ((data, "give the new recording alone"),
                            (replay_data, "give the old recording alone to --replay-data")):
            if given is not None:
                ts_cli.refuse_joined_files(given, parent.features_.timestamp_col,
                                           f"the model reads rows as steps (trained without "
                                           f"--timestamp-col): {what}")
    from hourglass.ingest import ReadStats

    stats, old_stats = ReadStats(), ReadStats()  # (an error names a row by its file's line)
    part = _normal_series(data, reader, dataset is not None, label, label_col, str(data), stats)
    if label is None:  # as a table's warm start warns: a verdict column is ignored, not checked
        from hourglass._labels import label_like

        used = {str(c) for c in getattr(parent.features_, "columns_", ())}
        named = [c for c in label_like(part.columns) if c not in used]
        if named:
            logging.getLogger("hourglass").warning(
                "%s: column %r looks like a label, and without --label-col every step (anomalies "
                "included) is trained on as normal; give --label-col %s to refuse a stretch it "
                "marks not normal", data, named[0], named[0])
    old = None
    replayed: dict[str, Any] | None = None
    if replay_data is not None:
        # --label-col names NEW's column: OLD (the training series of a model trained without
        # labels) may lack it; its labelled anomalies are refused when it has it
        old = _normal_series(replay_data, reader, reader is not None, label, None,
                             f"--replay-data {replay_data}", old_stats)
        want = replay_count(replay, len(part), len(old))
        replayed = {"source": shown(replay_data), "multiple": replay, "rows": want, "of": len(old),
                    "which": f"the last {want} rows of {shown(replay_data)} (a contiguous stretch), "
                             "trained on as a separate recording in front of the new series"}
        whole, n_old = old, len(old)
        old = old.iloc[n_old - want:]
        length = int(parent.detector_._length())
        too_little = False  # OLD would fill a window: --replay took too little of it
        try:  # its channels, values and length first, naming the file at fault
            from hourglass.pipeline.pipeline import refuse_series_beyond_scale

            X_old = parent.transform(old) if want else None  # (none taken: not an empty OLD)
            steps = 0 if X_old is None else len(X_old)
            if X_old is not None:  # (as the warm start refuses it, told as OLD's)
                refuse_series_beyond_scale(X_old, old, parent.features_, "the replayed series")
            if steps < length and want < n_old:  # (error path only) would all of OLD do?
                all_steps = len(parent.transform(whole))  # names a channel OLD lacks, too
                too_little = all_steps >= length
                steps = steps if too_little else all_steps  # else the file is at fault: all of it
        except InputError as exc:  # (a row named by its line in OLD)
            told = ts_cli.at_series_lines(exc, old_stats)
            raise HourglassError(f"--replay-data {replay_data}: {told}") from None
        if too_little:
            raise HourglassError(f"--replay {replay}: takes the last {want} of the {n_old} rows of "
                                 f"{replay_data} ({steps} steps), shorter than one window of "
                                 f"{parent_dir} ({length} steps); give a larger --replay")
        if steps < length:
            raise HourglassError(f"--replay-data {replay_data}: {steps} steps to replay, shorter than "
                                 f"one window of {parent_dir} ({length} steps)")
    try:
        with ts_cli.rows_by_line(data, stats, named=True):  # (OLD's rows were checked above)
            pipe = parent.warm_start(part, replay=old, **params)
    except InputError as exc:
        trained = getattr(exc, "last_series_steps", None)
        if trained is None or replay_data is None:
            raise
        # NEW is the last of the joined series: said as the file, not as steps of the join
        length = int(parent.detector_._length())
        raise HourglassError(f"{data}: {len(parent.transform(part)):,} steps on {parent_dir}'s grid, "
                             f"of which {trained:,} before its held-out tail; a warm start with "
                             f"--replay-data trains on at least one window ({length} steps) of the new "
                             "series before that tail: give a longer new series") from None
    det = pipe.detector_
    held = len(det.val_index_)
    ws = pipe.info["warm_start"]
    ws["parent"]["path"] = str(parent_dir)
    ws["new_rows"] = int(len(part))  # the file's rows; ws["rows"]: its steps on the model's grid
    new_steps = int(ws["rows"])
    if replayed is not None:
        ws["replay"] = {**replayed, **ws.get("replay", {})}
    ws["frozen"] = {"window": int(det.window), "linear_path": getattr(det, "linear_path_", None),
                    "channels": list(pipe.features_.feature_names_)}
    pipe.info.update({
        "source": shown(data), "dataset": reader, "label_col": label,
        # steps, as train counts them (a --freq grid resamples the rows, duplicates merge)
        "n_train_rows": new_steps + (int(ws["replay"]["steps"]) if replayed is not None else 0),
        "held_out": {"fraction": float(getattr(det, "validation_fraction", 0.0)), "rows": held,
                     "used_for": ("early stopping, the threshold and the stream threshold; never "
                                  "trained on" if held else "none held out: the thresholds use "
                                  "training scores"),
                     "which": "the last steps of the new training series (a contiguous tail)"},
    })
    pipe.save(output)
    info = pipe.info
    extra = (f" + {ws['replay']['steps']:,} replayed steps of {replay_data}" if replayed is not None
             else "")
    err.print(f"continued {name} from {parent_dir} on "
              f"{fitted_text(new_steps, held, 'steps')} of {data}{extra} ({warm_epochs_text(ws)}; "
              f"preprocessing, window and architecture frozen) in "
              f"{info['fit_seconds']:.1f}s; threshold {threshold_text(info)}", highlight=False)
    print_stream_threshold(info)
    out.print(f"model saved to {output}", highlight=False)


#: Share of NEW's sessions holding a key the model never saw above which the CLI advises a new model.
STALE_VOCABULARY = 0.05


def _warm_logs(data: Path, output: Path, parent: Any, parent_dir: Path, *,
               params: dict[str, Any]) -> None:
    """The log warm start: parse NEW with the parent's session rule and template miner (frozen:
    a new template is the "unknown" key), continue training on the sessions without an
    unknown key, refit the threshold on a fresh held-out slice, save to ``output``."""
    if not data.exists():
        raise HourglassError(f"{data}: no such file")
    name = parent.model_name
    pipe = parent.warm_start(str(data), **params)
    det = pipe.detector_
    held = len(det.val_index_)
    ws = pipe.info["warm_start"]
    ws["parent"]["path"] = str(parent_dir)
    unknown = ws["unknown"]
    pipe.info.update({
        "source": shown(data), "parse": ws["parse"],
        "held_out": {"fraction": float(getattr(det, "validation_fraction", 0.0)), "rows": held,
                     "used_for": ("early stopping, calibration and the threshold; never trained on"
                                  if held else "none held out: calibration and the threshold use "
                                  "training scores"),
                     "which": "positions among NEW's sessions without an unknown key, in "
                              "weights.safetensors as detector.val_index"},
    })
    pipe.save(output)
    log = logging.getLogger("hourglass")
    share = unknown["sessions_with_unknown"] / max(unknown["sessions"], 1)
    if share > STALE_VOCABULARY:
        log.warning("%s: %.1f%% of the sessions hold a key %s never saw; its template set and "
                    "vocabulary look stale: consider training a new model on recent logs", data,
                    100 * share, parent_dir)
    tmpl = ws["parse"].get("unknown_template", 0)
    unseen = f" ({counted(tmpl, 'log line')} of a template it never saw)" if tmpl else ""
    err.print(f"continued {name} from {parent_dir} on "
              f"{fitted_text(pipe.info['n_train_rows'], held, 'sessions')} of {data} "
              f"({warm_epochs_text(ws)}; session rule, templates and "
              f"vocabulary frozen) in {pipe.info['fit_seconds']:.1f}s; unknown keys: "
              f"{unknown['unknown_events']:,} of {unknown['events']:,} events"
              f"{unseen}, "
              f"{counted(unknown['sessions_with_unknown'], 'session')} left out; threshold "
              f"{threshold_text(pipe.info)}", highlight=False)
    out.print(f"model saved to {output}", highlight=False)
