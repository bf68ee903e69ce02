"""Glue shared by the table, log and time-series sides of the CLI (model options, output checks)."""

from __future__ import annotations

import inspect
import json
import math
import os
import re
import stat
from collections.abc import Container, Sequence
from pathlib import Path
from typing import Any

from hourglass._columns import shown_column
from hourglass._limits import MAX_JSON_DEPTH, loads_json, too_large
from hourglass.cli._options import OPTION_OF_PARAM
from hourglass.errors import HourglassError, InputError, is_link_loop, no_file, read_problem

__all__ = ["FILE_OUTPUTS", "UNUSED_BY", "base_params", "check_model_dir", "check_not_input", "check_not_loop",
           "check_output_type",
           "chunk_bytes", "finish_params", "hidden_param", "model_kind", "model_params", "parse_hidden",
           "parse_value", "refuse_closed_stdout", "refuse_existing_model", "refuse_folder_endings",
           "refuse_kept_outputs", "refuse_label_in_columns", "refuse_normal_without_label",
           "refuse_typed_defaults", "refuse_unused", "taken_options", "typed_options"]

_PYTHON_WORDS: dict[str, Any] = {"True": True, "False": False, "None": None}


def no_own_time(data: object, timestamp_col: str, exc: Exception, *, ecs: bool = False) -> HourglassError:
    """The error of a file that lacks its format's own time field ``timestamp_col`` (``exc``: the
    entity features' refusal of it), for ``train`` and ``inspect`` alike: what ``exc`` says the
    data has instead (``timestamp`` for Winlogbeat's ``@timestamp``, another case) is kept, so
    the advice names the column to give. ``ecs``: the format names no time of its own, and
    ``timestamp_col`` is Elastic Common Schema's ``@timestamp``, taken in its place.

    Examples
    --------
    >>> str(no_own_time("x.jsonl", "@timestamp", InputError(
    ...     "timestamp_col: no column '@timestamp' in the data; the data has 'timestamp'")))[71:]
    "give --timestamp-col COLUMN (the data has 'timestamp')"
    >>> str(no_own_time("x.csv", "@timestamp", InputError("no column"), ecs=True))[:59]
    'x.csv: --entity-col: needs --timestamp-col COLUMN (the rows'
    """
    found = re.search(r"; (the data has .*)$", str(exc))
    if ecs:
        return HourglassError(f"{data}: --entity-col: needs --timestamp-col COLUMN (the rows' times) "
                              "to cut buckets; the data's format names no event time of its own, and "
                              "the data has no '@timestamp' (Elastic Common Schema's)"
                              + (f" ({found.group(1)})" if found else ""))
    return HourglassError(f"{data}: the data format's event time {timestamp_col!r} is not in the "
                          "data; give --timestamp-col COLUMN" + (f" ({found.group(1)})" if found else ""))


def parse_value(text: str) -> Any:
    """A ``--param`` value: JSON when it parses (lists become tuples), Python's ``True``,
    ``False`` and ``None`` spelled as such, else the text itself.

    Raises
    ------
    InputError
        JSON nested deeper than :data:`~hourglass._limits.MAX_JSON_DEPTH` levels, or an integer
        of more digits than Python converts (each a traceback before).

    Examples
    --------
    >>> parse_value("3"), parse_value("[8, 4]"), parse_value("relu"), parse_value("False")
    (3, (8, 4), 'relu', False)
    >>> parse_value("[" * 500 + "]" * 500)
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: JSON nested deeper than 400 levels
    """
    if text.strip() in _PYTHON_WORDS:
        return _PYTHON_WORDS[text.strip()]
    try:
        value = loads_json(text)
    except json.JSONDecodeError:
        return text
    except RecursionError:
        raise InputError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # an integer of more digits than Python converts (4300)
        raise InputError(str(exc).split("; use sys.")[0]) from None
    return tuple(value) if isinstance(value, list) else value


def base_params(*, seed: int, device: str, quiet: bool, epochs: int | None,
                batch_size: int | None, lr: float | None) -> dict[str, Any]:
    """Detector keyword arguments from the common training options (unset ones left out).

    Examples
    --------
    >>> base_params(seed=0, device="cpu", quiet=True, epochs=3, batch_size=None, lr=None)
    {'random_state': 0, 'device': 'cpu', 'verbose': 0, 'epochs': 3}
    """
    params: dict[str, Any] = {"random_state": seed, "device": device, "verbose": 0 if quiet else 1}
    for key, value in (("epochs", epochs), ("batch_size", batch_size), ("lr", lr)):
        if value is not None:
            params[key] = value
    return params


def parse_hidden(text: str) -> tuple[int, ...]:
    """The ``--hidden`` widths.

    Examples
    --------
    >>> parse_hidden("64,32")
    (64, 32)
    """
    from hourglass._numbers import read_whole

    widths = [read_whole(h) for h in text.split(",")]  # (as --epochs reads a whole number: 64.0
    # is 64; '６４' in full-width digits, which int() reads, is refused)
    if any(w is None for w in widths):
        # (worded as --param hidden=[...] says it: "hidden must be a list of whole numbers ...")
        raise HourglassError(f"--hidden must be a list of whole numbers such as 64,32, got {text!r}")
    return tuple(w for w in widths if w is not None)


def hidden_param(cls: type, model: str, text: str) -> int | tuple[int, ...]:
    """The ``--hidden`` widths as ``model``'s ``hidden`` parameter takes them: a tuple, or one
    width for models with a single hidden size (recurrent ones, DeepLog)."""
    widths = parse_hidden(text)
    default = cls().get_params().get("hidden", ())
    if isinstance(default, tuple):
        return widths
    if len(widths) != 1:
        raise HourglassError(f"--hidden: {model} takes one width (e.g. --hidden {widths[0]}), "
                             f"got {text}")
    return widths[0]


#: Per command, the options a kind of model (table, time-series, log) does not use: given
#: anyway, they are refused with a clear error, not silently ignored.
UNUSED_BY: dict[str, dict[str, tuple[str, ...]]] = {
    "train": {
        "table": ("strict",),
        "time-series": ("normal", "events_per_day", "val_fraction", "categorical", "role", "scaler",
                        "fmt", "on_bad_rows", "memory_budget", "sample_rows", "session_regex",
                        "session_col", "step", "strict", "key_col", "message_col"),
        "log": ("dataset", "label_col", "normal", "events_per_day", "val_fraction", "categorical",
                "role", "scaler", "drop", "on_bad_rows", "memory_budget", "sample_rows"),
        "entity": ("dataset", "events_per_day", "val_fraction", "categorical", "role",
                   "memory_budget", "sample_rows", "session_regex", "session_col", "window", "step",
                   "strict", "key_col", "message_col", "freq", "fill", "fill_limit", "freq_agg",
                   "extra_normal"),
    },
    "score": {
        "table": ("strict",),
        "time-series": ("fmt", "on_bad_rows", "chunk_mb", "strict"),
        "log": ("dataset", "fmt", "on_bad_rows", "chunk_mb"),
        "entity": ("dataset", "strict", "chunk_mb"),
    },
    "explain": {
        "table": (),
        "time-series": ("fmt", "on_bad_rows", "chunk_mb", "keep"),
        "log": (),
        "entity": ("dataset", "chunk_mb", "keep"),
    },
    "stream": {
        "table": ("max_sessions", "idle_timeout"),
        "time-series": ("max_sessions",),
        "log": (),
        "entity": ("max_sessions",),
    },
    "evaluate": {
        "table": ("strict", "id_col"),
        "time-series": ("normal", "timestamp_col", "events_per_day", "fmt", "on_bad_rows", "id_col",
                        "strict"),
        "log": ("dataset", "timestamp_col", "events_per_day", "fmt", "on_bad_rows"),
        "entity": ("dataset", "timestamp_col", "events_per_day", "id_col", "strict"),
    },
}
_OPTION_NAMES = {"fmt": "--format"}


def typed_options(ctx: Any) -> set[str]:
    """The parameter names of the running command ``ctx`` (a click/typer context) whose value
    was typed (or set in the environment), not left at its default."""
    typed = set()
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name) if param.name else None
        if source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP"):
            typed.add(param.name)
    return typed


def refuse_unused(command: Any, kind: str, model: str, values: dict[str, Any],
                  typed: set[str] | None = None) -> None:
    """Refuse the options in ``values`` (parameter name → value) that ``command`` does not use
    for a ``kind`` model (:data:`UNUSED_BY`) and that were typed (named in ``typed``, the
    :func:`typed_options`: ``--scaler minmax`` typed is refused, though it is the default) or
    differ from ``command``'s defaults. A value of ``None`` is never refused (the caller's
    way to say the option is used after all).

    Examples
    --------
    >>> def train(scaler: str = "minmax", strict: bool = False) -> None: ...
    >>> refuse_unused(train, "time-series", "lstm-ae", {"scaler": "minmax", "strict": False})
    >>> refuse_unused(train, "time-series", "lstm-ae", {"scaler": "robust", "strict": False})
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --scaler: not used by time-series models (lstm-ae); leave it out
    >>> refuse_unused(train, "time-series", "lstm-ae", {"scaler": "minmax"}, typed={"scaler"})
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --scaler: not used by time-series models (lstm-ae); leave it out
    """
    defaults = {n: p.default for n, p in inspect.signature(command).parameters.items()}
    for name in UNUSED_BY[command.__name__][kind]:
        value = values.get(name)
        if value is not None and value != [] and (name in (typed or ()) or value != defaults.get(name)):
            option = _OPTION_NAMES.get(name, "--" + name.replace("_", "-"))
            instead = _INSTEAD.get((kind, name), "leave it out")
            raise HourglassError(f"{option}: not used by {kind} models ({model}); {instead}")


#: ``stream``'s grouping options (parameter names): for table models only
GROUP_OPTIONS = ("group_by_opts", "group_window", "timestamp_col", "max_groups")


def taken_options(command: str, kind: str, refused: Sequence[str]) -> str:
    """The options of the CLI command ``command`` that a ``kind`` model takes, as ``--help``
    names them and in its order: all but those :data:`UNUSED_BY` lists and ``refused``
    (parameter names). A refusal names them from the command itself, not from a list kept by
    hand that missed options added later.

    Examples
    --------
    >>> taken_options("stream", "entity", ("keep", "adapt", *GROUP_OPTIONS)).split(", ")[:4]
    ['--input', '--output', '--batch', '--max-delay-ms']
    >>> "--max-sessions" in taken_options("stream", "entity", ())
    False
    """
    import typer

    from hourglass.cli import app  # (the command line is built by now: this runs in a command)

    skip = {*UNUSED_BY[command][kind], *refused}
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)  # (typer's own click, not the click package)
    params = group.commands[command].params
    return ", ".join(next(o for o in p.opts if o.startswith("--")) for p in params
                     if p.param_type_name == "option" and p.name not in skip)


# what a user reaching for an option another kind of model takes wants instead
_INSTEAD = {("log", "on_bad_rows"): "lines that match no header format are counted and skipped; "
                                    "--strict stops at the first",
            ("log", "chunk_mb"): "only a model of key-sequence files (--format keys) reads its "
                                 "data in --chunk-mb blocks, a log's lines are read as they come: "
                                 "leave it out"}


def model_kind(pipe: Any) -> str:
    """``table``, ``time-series``, ``log`` or ``entity`` (table rows per entity per time bucket):
    the kind of input a loaded model takes."""
    output = getattr(pipe.features_, "output", "tabular")
    return {"timeseries": "time-series", "events": "log", "entity": "entity"}.get(output, "table")


def finish_params(cls: type, model: str, params: dict[str, Any], extra: list[str]) -> dict[str, Any]:
    """Add the ``--param KEY=VALUE`` items to ``params``, refuse unknown keys, validate; return it.

    A key given twice with different values (``--param dropout=0.1 --param dropout=0.2``) is
    refused, as ``--role`` and the options that take one value are: the last one silently won.
    """
    seen: dict[str, tuple[Any, str]] = {}  # key: (its value, as typed)
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep:
            raise HourglassError(f"--param: expected KEY=VALUE, got {item!r}")
        if key.strip() == "threshold":  # the detector's check told of Python's Percentile(99.5)
            raise HourglassError(f"--param {key.strip()}: the threshold rule is the --threshold option "
                                 f"(e.g. --threshold {_spec_or_example(value)})")
        try:
            parsed = parse_value(value)
        except InputError as exc:
            raise HourglassError(f"--param {key.strip()}: {exc}") from None
        key = key.strip()
        parsed = _param_number(cls, key, parsed)
        if type(parsed) is int and key not in ("seed", "random_state"):  # (a seed: to 2**64-1)
            said = too_large(parsed)
            if said is not None:
                raise HourglassError(f"--param {key}: {value.strip()} is {said}")
        if key in seen and seen[key][0] != parsed:  # (0.1 and ' 0.1', true and True: one value)
            raise HourglassError(f"--param {key}: given twice, with different values "
                                 f"({seen[key][1].strip()!r}, {value.strip()!r}); give it once")
        seen[key] = (parsed, value)
        params[key] = parsed
    known = cls().get_params()
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise HourglassError(f"{model} has no parameter {unknown[0]!r}; it takes "
                             f"{', '.join(sorted(known))}")
    try:
        cls(**params).validate_params()
    except (ValueError, TypeError) as exc:
        keys = [i.partition("=")[0].strip() for i in extra]
        given = [k for k in keys if k in str(exc)]
        if given or not extra:
            # "epochs must be >= 1" says --epochs when that option (not --param) set it
            msg = str(exc)
            first = msg.split(" ", 1)[0].rstrip(":")
            if first not in keys and first in OPTION_OF_PARAM:  # the message's subject only
                msg = OPTION_OF_PARAM[first] + msg[len(first):]
            raise HourglassError(msg) from None
        # a check that does not name its parameter (int('abc') deep inside): say which were given
        raise HourglassError(f"--param {', '.join(i.partition('=')[0].strip() for i in extra)}: "
                             f"invalid value ({exc})") from None
    return params


def _param_number(cls: type, key: str, parsed: Any) -> Any:
    """A ``--param`` value as the option of its kind reads it, where ``cls``'s parameter ``key``
    takes a number (its annotation names ``int`` or ``float``, or its default is one).

    Text that JSON left as text is the number it reads as
    (:func:`~hourglass._numbers.read_number`): ``--param lr=.5``, ``lr=1_0``, ``lr=+10``,
    ``epochs=010`` were refused as text ("lr must be a number, got '.5'") where ``--lr .5`` and
    ``--epochs 010`` are taken, and ``lr=inf`` was "a number" where ``--lr inf`` is "a finite
    number". A number is then of the parameter's kind, as the options give it: ``epochs=10.0``
    saved ``"epochs": 10.0`` where ``--epochs 10.0`` saves ``10``, ``lr=1`` saved ``1`` where
    ``--lr 1`` saves ``1.0`` (a whole number for an integer, also in a tuple such as
    ``hidden``). Other values are left as they are."""
    from hourglass._numbers import read_number, read_whole  # (pandas: not at the CLI's light start)

    param = inspect.signature(cls).parameters.get(key)
    if param is None:
        return parsed
    default = param.default
    words = set(re.findall(r"\w+", str(param.annotation)))
    if isinstance(default, tuple) and default and all(type(d) is int for d in default):
        kind: type | None = int
    elif isinstance(default, int | float) and not isinstance(default, bool):
        kind = type(default)
    else:
        kind = int if "int" in words and "float" not in words else (
            float if "float" in words and "int" not in words else None)
    if isinstance(parsed, str) and isinstance(default, tuple) and kind is int and "," in parsed:
        # widths typed as --hidden takes them ('4,2'): that tuple, so that a bad one ('-1,2') is
        # said as '--param hidden=[-1,2]' and '--hidden -1,2' say it, not "must be a list"
        widths = [read_whole(w) for w in parsed.split(",")]
        if all(w is not None for w in widths):
            return tuple(widths)
    if isinstance(parsed, str) and (kind is not None or {"int", "float"} & words):
        number = read_number(parsed)
        parsed = parsed if number is None else number
    if isinstance(parsed, tuple) and kind is int:
        return tuple(_of_kind(v, int) for v in parsed)
    return _of_kind(parsed, kind)


def _of_kind(value: Any, kind: type | None) -> Any:
    """``value`` as an ``int`` where ``kind`` is and it is a finite whole float, as a ``float``
    where ``kind`` is and it is an ``int`` float holds; else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if kind is int and isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if kind is float and isinstance(value, int):
        try:
            return float(value)
        except OverflowError:  # (past float's range: the check says so)
            return value
    return value


def _spec_or_example(value: str) -> str:
    """``value`` where it reads as a ``--threshold`` rule, else an example of one.

    Examples
    --------
    >>> _spec_or_example("fixed:3"), _spec_or_example("Percentile(99)")
    ('fixed:3', 'percentile:99.5')
    """
    from hourglass.thresholds import threshold_from_spec

    try:
        threshold_from_spec(value.strip())
    except (InputError, ValueError):
        return "percentile:99.5"
    return value.strip()


def model_params(cls: type, model: str, *, seed: int, device: str, quiet: bool, epochs: int | None,
                 batch_size: int | None, lr: float | None, hidden: str | None, extra: list[str],
                 **fixed: Any) -> dict[str, Any]:
    """``model``'s keyword arguments from ``train``'s options: :func:`base_params`, ``--hidden``
    (:func:`hidden_param`), the command's own ``fixed`` ones (e.g. ``window``), then the
    ``--param`` items (:func:`finish_params`: unknown keys refused, values validated). A
    ``--param`` setting what ``--epochs``, ``--batch-size``, ``--lr``, ``--hidden``, ``--seed`` or
    ``--device`` (given other than their defaults, 0 and auto; typed at them:
    :func:`refuse_typed_defaults`) or an option of the command (``--window``) also set is refused.

    Examples
    --------
    >>> from hourglass.detectors import registry
    >>> model_params(registry.get("autoencoder"), "autoencoder", seed=1, device="cpu", quiet=True,
    ...              epochs=None, batch_size=None, lr=None, hidden="8,4", extra=["dropout=0.1"])
    {'random_state': 1, 'device': 'cpu', 'verbose': 0, 'hidden': (8, 4), 'dropout': 0.1}
    """
    typed = {"epochs": epochs, "batch_size": batch_size, "lr": lr, "hidden": hidden,
             # --seed 3 --param random_state=5 trained with seed 5: a typed seed or device counts
             "random_state": seed or None, "device": None if device == "auto" else device, **fixed}
    for item in extra:  # one value each: the --param one silently won over the option's
        key, sep, _ = item.partition("=")
        key = key.strip()
        if sep and typed.get(key) is not None and key in OPTION_OF_PARAM:  # (no '=': said later)
            raise HourglassError(f"--param {key}=... and {OPTION_OF_PARAM[key]} both set {key}; "
                                 "give it once")
    params = base_params(seed=seed, device=device, quiet=quiet, epochs=epochs,
                         batch_size=batch_size, lr=lr)
    if hidden is not None:  # '--hidden ""' is refused by the parse, not trained with the default
        params["hidden"] = hidden_param(cls, model, hidden)
    params.update(fixed)
    params = finish_params(cls, model, params, extra)
    for item in extra:  # accepted, saved in the model, and without effect
        key = item.partition("=")[0].strip()
        said = key if key in _LABEL_PARAMS else _member_label_param(params) if key == "detectors" else None
        if said is not None:
            raise HourglassError(f"--param {said}: train fits on the normal rows only (rows labelled "
                                 "otherwise are left out), so the loss on known anomalies that it "
                                 "sets never runs; train with known anomalies in Python: "
                                 "fit(X, y) or Pipeline.fit(df, y)")
    return params


def refuse_typed_defaults(extra: list[str], typed: set[str]) -> None:
    """Refuse a ``--param random_state=...`` or ``--param device=...`` beside ``--seed`` or
    ``--device`` typed at its default (``--seed 0``, ``--device auto``; ``typed``: the
    :func:`typed_options`): :func:`model_params` sees only values, and the ``--param`` one
    silently won over the option the user gave.

    Examples
    --------
    >>> refuse_typed_defaults(["random_state=5"], {"seed"})
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --param random_state=... and --seed both set random_state; give it once
    >>> refuse_typed_defaults(["random_state=5"], set())
    """
    for item in extra:
        key, sep, _ = item.partition("=")
        key = key.strip()
        if sep and (key, OPTION_OF_PARAM.get(key)) in (("random_state", "--seed"), ("device", "--device")) \
                and OPTION_OF_PARAM[key][2:] in typed:
            raise HourglassError(f"--param {key}=... and {OPTION_OF_PARAM[key]} both set {key}; "
                                 "give it once")


#: the settings of the loss on known anomalies (fit(X, y)), which train never runs
_LABEL_PARAMS = ("label_margin", "label_weight")


def _member_label_param(params: dict[str, Any]) -> str | None:
    """``detectors[i]: label_margin`` when an ensemble member's settings (``--param
    detectors=[["autoencoder", {"label_margin": 5}]]``) set a loss on known anomalies, else ``None``."""
    for i, spec in enumerate(params.get("detectors") or ()):
        settings = spec[1] if isinstance(spec, (tuple, list)) and len(spec) == 2 else None
        if isinstance(settings, dict):
            key = next((k for k in _LABEL_PARAMS if k in settings), None)
            if key is not None:
                return f"detectors[{i}] ({spec[0]}): {key}"
    return None


#: the most bytes of input one streamed chunk is read in (a larger --chunk-mb reads no more at once)
_MAX_CHUNK_BYTES = 1 << 40


def chunk_bytes(chunk_mb: float) -> int:
    """``--chunk-mb`` as bytes of input per chunk (at least 1 KiB, at most 1 TiB); refused unless
    a finite number above 0 (``inf`` stopped the readers with a traceback, after loading the
    model).

    Examples
    --------
    >>> chunk_bytes(16.0), chunk_bytes(1e-9), chunk_bytes(1e300) == chunk_bytes(1e308) == 2**40
    (16777216, 1024, True)
    """
    if not 0 < chunk_mb < float("inf"):
        raise HourglassError(f"--chunk-mb: must be > 0 and finite, got {chunk_mb}")
    return max(1024, int(min(float(_MAX_CHUNK_BYTES), chunk_mb * 2**20)))  # (1e308 MB: inf bytes)


def refuse_existing_model(output: Path, force: bool) -> None:
    """Refuse to replace a model already saved at ``output`` unless ``force`` (said before any
    work: a retrained model silently replacing a deployed one is a mistake to catch early). Only
    a hourglass artefact counts as a model: another program's ``config.json`` is left to
    :func:`check_model_dir`, which refuses the folder.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text('{"format": "hourglass-artefact"}')
    >>> refuse_existing_model(folder, force=True)
    >>> refuse_existing_model(folder, force=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --output ...: a model is saved there already; pass --force ...
    """
    from hourglass.pipeline.artefact import is_artefact

    if not force and output.is_dir() and is_artefact(output):
        check_model_dir(output)  # a model folder that also holds other files: --force would not do
        raise HourglassError(f"--output {output}: a model is saved there already; pass --force to "
                             "replace it, or choose another --output")


def check_model_dir(output: Path, *inputs: Path | None) -> None:
    """Refuse, before training, an ``--output`` that saving a model could not write or would
    wipe: ``-`` (a model is a folder), a path in a missing folder, the current folder or one
    above it, a folder that is neither empty nor a hourglass model, a model folder that also
    holds other files (replacing the model would delete them), a folder one of the
    ``inputs`` (the data files the command reads) lies in, or a parent folder that takes no new
    entry (the model is saved beside its place and renamed into it)."""
    from hourglass.pipeline.artefact import check_replaceable

    if str(output) == "-":
        raise HourglassError("--output -: a model is a folder (config.json + weights), not a "
                             "stream; give the folder's path")
    check_not_loop(output)
    if not output.parent.is_dir():
        raise HourglassError(f"--output {output}: output folder {output.parent} "
                             f"{_not_folder(output.parent)}")
    resolved = output.resolve()
    if Path.cwd().resolve().is_relative_to(resolved):  # "-o ." would rename the folder we stand in
        raise HourglassError(f"--output {output}: is the current folder or one above it; give the "
                             "model folder's name (e.g. -o model)")
    from hourglass.cli._spool import source_files

    # a folder's or a pattern's DATA: each of its files (DATA itself is their temporary copy)
    for data in [f for given in inputs if given is not None for f in source_files(given)]:
        if data is not None and str(data) != "-" and data.resolve() == resolved:
            raise HourglassError(f"--output {output}: is the input file {data}; choose another "
                                 "--output")
        if data is not None and str(data) != "-" and data.resolve().is_relative_to(resolved):
            raise HourglassError(f"--output {output}: holds the input {data}, which saving the "
                                 "model there would delete; choose another --output")
    try:
        check_replaceable(output)
    except InputError as exc:
        raise HourglassError(f"--output {exc}") from None
    _check_writable(output, "--output")  # the model is written beside it and renamed into place


def check_not_loop(output: Path, option: str = "--output") -> None:
    """Refuse, as one line, an ``output`` that is a symbolic link loop, or lies under one: it
    names no file nor folder (and :meth:`pathlib.Path.resolve` raises a ``RuntimeError`` on it).

    Examples
    --------
    >>> check_not_loop(Path("model"))
    """
    if is_link_loop(output):
        raise HourglassError(f"{option} {no_file(output)}")


def check_not_input(output: Path | None, option: str, data: Path | None = None,
                    model: Path | None = None, appends: bool = False, stdin: bool = False) -> None:
    """Refuse an output path that is a directory, lies in a missing folder, cannot be written,
    is the input file ``data`` or lies inside the ``model`` directory (the atomic rename would
    replace what the command reads), before any work. ``appends``: the command appends to an
    existing file (``stream``), so only that file must be writable, not its folder. ``stdin``:
    the command reads standard input (``stream`` without ``--input``), which must not be the
    output file (``< alerts.jsonl``); so must not a ``data`` that is the copy of ``-``.

    Examples
    --------
    >>> check_not_input(Path("a.csv"), "--output", data=Path("./a.csv"))
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --output a.csv: is the input file a.csv; choose another path
    """
    if output is None:
        return
    try:
        is_dir = output.is_dir()
    except OSError as exc:  # a name longer than the file system allows (ENAMETOOLONG)
        raise HourglassError(f"{option} {output}: cannot write it ({read_problem(exc)})") from None
    if is_dir:  # said now, not after scoring a whole log or series
        raise HourglassError(f"{option} {output}: is a directory, expected a file name")
    from hourglass.ingest.readers import is_stream_output, linked_output, stdout_closed

    if stdout_closed() and _names_stdout(output):  # (its link names a descriptor that is not there)
        raise HourglassError(f"{option} {output}: standard output is closed; give a file name, or "
                             "leave standard output open")
    try:  # a symbolic link: the file it names is written, in its own folder (a device or a pipe,
        # /dev/stdout among them, is written through: its link may name no file, "pipe:[123]")
        target = output if is_stream_output(output) else linked_output(output)
    except InputError as exc:
        raise HourglassError(f"{option} {exc}") from None
    if not target.parent.is_dir():
        raise HourglassError(f"{option} {output}: output folder {target.parent} "
                             f"{_not_folder(target.parent)}")
    _check_writable(target, option, appends, shown_as=output)
    from hourglass.cli._spool import same_file, shown, source_files, stdin_copy, stdin_is

    if (stdin or stdin_copy(data)) and stdin_is(target):  # (a pipe or a terminal is no file)
        # else 'score M - -o data.csv < data.csv' replaced the data read with its scores, and
        # 'stream M -o alerts.jsonl < alerts.jsonl' read its own alerts back as rows
        raise HourglassError(f"{option} {output}: is the file standard input reads (the input); "
                             "choose another path")
    out = output.resolve()
    if data is not None and is_link_loop(data):  # no file, so not the output: said where it is read
        data = None
    def is_input(file: Path) -> bool:
        # appended to, a hard link to the input is the input (its alerts went into the data
        # being read); a file renamed into place only replaces the link
        return out == file.resolve() or (appends and same_file(output, file))

    if data is not None and is_input(data):
        raise HourglassError(f"{option} {output}: is the input file {data}; choose another path")
    for file in source_files(data) if data is not None else []:  # a file of a folder or pattern
        if is_input(file) and file != data:
            raise HourglassError(f"{option} {output}: is the input file {file} of {shown(data)}; "
                                 "choose another path")
    if model is not None and (model / "config.json").is_file() and out.parent == model.resolve():
        raise HourglassError(f"{option} {output}: is inside the model directory {model}; choose "
                             "another path")


#: the options that name an output FILE, by command (parameter names): a '/' (or '/.') at the
#: end of one names a folder, which pathlib drops (``-o out.csv/`` wrote the file out.csv)
FILE_OUTPUTS: dict[str, frozenset[str]] = {
    "score": frozenset({"output"}), "stream": frozenset({"output"}), "explain": frozenset({"output"}),
    "evaluate": frozenset({"json_out", "report"}), "benchmark": frozenset({"json_out"}),
    "threshold": frozenset({"json_out"}), "export": frozenset({"onnx_path"}),
    "inspect": frozenset({"json_out"}),
}


def refuse_folder_endings(command: str, typed: dict[str, Any], names: dict[str, str]) -> None:
    """Refuse, before any work, a path typed with a '/' (or '/.') at its end, which names a
    folder (pathlib drops that ending, so the path would be taken as the file), where no folder
    can be meant: an output FILE of ``command`` (:data:`FILE_OUTPUTS`; one that is a folder is
    said by :func:`check_not_input`), or any path that is there and is not a folder (``cat
    data.csv/``: 'Not a directory'). ``typed``: each path parameter's text as typed (a list for
    an option given more than once); ``names``: each one's option (``--output``), ``""`` for an
    argument. A folder's path (``-o model/``) is taken with or without the '/'.

    Examples
    --------
    >>> refuse_folder_endings("score", {"output": "out.csv/"}, {"output": "--output"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --output out.csv/: ends in '/', which names a folder; ...
    >>> refuse_folder_endings("train", {"output": "model/"}, {"output": "--output"})
    """
    for name, value in typed.items():
        for text in value if isinstance(value, list | tuple) else [value]:
            if not isinstance(text, str) or not text.endswith(("/", "/.")):
                continue
            where = f"{names.get(name) or ''} {text}".strip()
            ending = "/." if text.endswith("/.") else "/"
            path = str(Path(text))  # (os.path: a name too long for the system is no folder)
            if path == "-":  # '-/' is no standard input or output, but a folder named '-'
                path = f".{os.sep}-"
            if name in FILE_OUTPUTS.get(command, ()) and not os.path.isdir(path):
                raise HourglassError(f"{where}: ends in '{ending}', which names a folder; expected "
                                     f"a file name (drop the '{ending}')")
            if os.path.exists(path) and not os.path.isdir(path):
                raise HourglassError(f"{where}: not a folder, yet it ends in '{ending}', which names "
                                     f"one (drop the '{ending}')")


def check_output_kind(output: Path | None, option: str, kinds: tuple[str, ...], what: str) -> None:
    """Refuse, before any work, an output file named for another type than ``what`` is written
    to it (``--json metrics.txt``, ``--report report.pdf``): ``kinds`` are the suffixes that fit,
    the first one suggested. A name without a suffix, ``-`` and a device or named pipe are taken.

    Examples
    --------
    >>> check_output_kind(Path("bench.csv"), "--json", (".json",), "JSON")
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --json bench.csv: writes JSON, not '.csv'; name it bench.json
    >>> check_output_kind(Path("m.JSON"), "--json", (".json",), "JSON")
    """
    if output is None or not output.suffix or output.suffix.lower() in kinds:
        return
    from hourglass.ingest.readers import is_stream_output

    if is_stream_output(output):
        return
    stem = output.stem  # r.html.gz: r.html, not r.html.html
    name = stem if stem.lower().endswith(kinds) else f"{stem}{kinds[0]}"
    raise HourglassError(f"{option} {output}: writes {what}, not '{output.suffix}'; name it {name}")


def refuse_closed_stdout(result: str, option: str | None = None) -> None:
    """Refuse, before any work, a command whose ``result`` is printed on standard output when the
    process was started with it closed (``>&-``): the result would go nowhere, the exit code 0;
    ``option`` names the file option that writes it elsewhere.

    Examples
    --------
    >>> refuse_closed_stdout("the explanations", "--output")  # (standard output is open here)
    """
    from hourglass.ingest.readers import stdout_closed

    if stdout_closed():
        give = f"give {option} FILE, or leave" if option else "leave"
        raise HourglassError(f"standard output is closed ({result} would go there); {give} "
                             "standard output open")


def _names_stdout(output: Path) -> bool:
    """Whether ``output`` names standard output's descriptor (``/dev/stdout``, ``/dev/fd/1``).

    Examples
    --------
    >>> _names_stdout(Path("/dev/stdout")), _names_stdout(Path("scores.csv"))
    (True, False)
    """
    if str(output) in ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"):
        return True
    return os.path.realpath(output) in (f"/proc/{os.getpid()}/fd/1", "/dev/fd/1")


def _not_folder(parent: Path) -> str:
    """Why an output's folder ``parent`` takes no file: it is a file, a symbolic link loop, or
    it does not exist.

    Examples
    --------
    >>> _not_folder(Path("no-such-folder"))
    'does not exist'
    """
    if is_link_loop(parent):
        return "is a symbolic link loop, which leads to no folder"
    return "is a file, not a folder" if parent.exists() else "does not exist"


def _check_writable(output: Path, option: str, appends: bool = False, *,
                    shown_as: Path | None = None) -> None:
    """Refuse, before any work, an output whose folder takes no new file (the temp file the
    output is written to and renamed from could not be made there, after all the work), or, when
    the command ``appends`` to an existing plain file, a file that cannot be appended to (its
    folder may well be closed to new files: a service's pre-created log file)."""
    import tempfile

    from hourglass.ingest.readers import is_stream_output, stdout_closed
    from hourglass.ingest.sqlite import is_sqlite

    shown = output if shown_as is None else shown_as  # (the name given, a link's file checked)
    if str(output) == "-" and stdout_closed():  # said now, not after all the work
        raise HourglassError(f"{option} -: standard output is closed; give a file name, or leave "
                             "standard output open")
    if is_stream_output(output):  # written through, not created beside
        if str(output) != "-" and stat.S_ISSOCK(os.stat(output).st_mode):  # (open() refuses one)
            raise HourglassError(f"{option} {output}: is a socket, not a file, a pipe or a device; "
                                 "give a file name")
        return
    if appends and output.is_file() and not is_sqlite(output):  # SQLite writes a journal beside
        if not os.access(output, os.W_OK):
            raise HourglassError(f"{option} {shown}: cannot append to it (permission denied)")
        return
    try:  # a short name: the user's own may be near the file-name limit
        with tempfile.NamedTemporaryFile(dir=output.parent, prefix=".hourglass-", suffix=".check"):
            pass
    except OSError as exc:
        from hourglass.cli._output import DISK_FULL

        if exc.errno in DISK_FULL:  # no block, inode or quota left: a full
            raise OSError(exc.errno, exc.strerror, str(shown)) from None  # disk (exit 1), not bad input
        raise HourglassError(f"{option} {shown}: cannot write in {output.parent} "
                             f"({read_problem(exc)})") from None


_OUTPUT_TYPES = ("csv", "tsv", "txt", "parquet", "pq", "jsonl", "ndjson", "json", "sqlite", "sqlite3", "db")


def check_output_type(output: Path, option: str = "--output") -> None:
    """Refuse an output name with a suffix no writer knows (``scores.xlsx`` would get CSV text).

    Examples
    --------
    >>> check_output_type(Path("alerts.jsonl.gz")), check_output_type(Path("scores"))
    (None, None)
    >>> try:
    ...     check_output_type(Path("scores.xlsx"))
    ... except HourglassError as exc:
    ...     print(str(exc)[:47])
    --output scores.xlsx: unknown file type '.xlsx'
    """
    gz = output.name.lower().endswith(".gz")
    name = output.name.lower().removesuffix(".gz")
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix and suffix not in _OUTPUT_TYPES:
        raise HourglassError(f"{option} {output}: unknown file type '.{suffix}'; use .csv, .tsv, "
                             ".parquet or .jsonl (each optionally .gz), or .sqlite")
    if gz and suffix in ("sqlite", "sqlite3", "db"):
        raise HourglassError(f"{option} {output}: a SQLite database is written uncompressed; drop "
                             "the .gz")


def refuse_label_in_columns(label_col: str | None, *, categorical: Sequence[str] | None = None,
                            drop: Sequence[str] | None = None,
                            roles: dict[str, str] | None = None,
                            timestamp_col: str | None = None, spec: Any = None) -> None:
    """Refuse a column option that names the label column: the label is never a feature, so
    ``--categorical``/``--drop``/``--role``/``--timestamp-col`` on it would be a false "not in the
    data" after reading, or silently do nothing. With ``spec`` (a format), also refuse
    ``--categorical`` or a ``--role`` other than ``drop`` of a column in the format's own drop list
    (see :func:`refuse_format_drop`).

    Examples
    --------
    >>> refuse_label_in_columns("label", drop=["proto"])
    >>> refuse_label_in_columns("label", drop=["label"])
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --drop label: is the label column, which is never a feature; ...
    """
    if label_col is None:
        return
    for opt, names in (("--categorical", categorical), ("--drop", drop), ("--role", roles),
                       ("--timestamp-col", [timestamp_col] if timestamp_col is not None else [])):
        if label_col in (names or ()) and opt == "--timestamp-col":  # read as times: 'no column'
            raise HourglassError(f"--timestamp-col {label_col}: is the label column; give the "
                                 "column holding each row's time")
        if label_col in (names or ()):
            given = f"{label_col}={roles[label_col]}" if opt == "--role" and roles else label_col
            raise HourglassError(f"{opt} {given}: is the label column, which is never a feature; "
                                 "leave it out")  # named by --label-col or by the format
    refuse_format_drop(spec, categorical=categorical, roles=roles)


def refuse_format_drop(spec: Any, *, categorical: Sequence[str] | None = None,
                       roles: dict[str, str] | None = None) -> None:
    """Refuse ``--categorical`` or a ``--role`` (other than ``drop``) of a column the format
    never makes a feature (its ``drop`` list: UNSW-NB15's ``attack_cat``, NSL-KDD's
    ``difficulty``): they go with the label, and as a feature would give every attack away.

    Examples
    --------
    >>> from hourglass.ingest.formats import get_format
    >>> refuse_format_drop(get_format("unsw-nb15"), roles={"attack_cat": "drop"})
    >>> refuse_format_drop(get_format("unsw-nb15"), categorical=["attack_cat"])
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --categorical attack_cat: the unsw-nb15 format never makes it ...
    """
    named = feature_option(set(getattr(spec, "drop", None) or ()), categorical, roles)
    if named is not None:
        raise HourglassError(f"{named[1]}: the {spec.name} format never makes it a feature "
                             "(metadata that goes with the label); leave it out")


def feature_option(columns: Container[str], categorical: Sequence[str] | None,
                   roles: dict[str, str] | None) -> tuple[str, str] | None:
    """The first of ``columns`` that ``--categorical COL`` or ``--role COL=ROLE`` (a role other
    than ``drop``) asks for as a feature, and that option as typed; ``None``: none is.

    Examples
    --------
    >>> feature_option({"x"}, ["p"], {"x": "numeric", "y": "drop"})
    ('x', '--role x=numeric')
    >>> feature_option({"y"}, ["p"], {"y": "drop"}) is None
    True
    """
    for name in categorical or ():
        if name in columns:
            return name, f"--categorical {shown_column(name)}"
    return next(((c, f"--role {shown_column(c)}={r}") for c, r in (roles or {}).items()
                 if r != "drop" and c in columns), None)


def refuse_kept_outputs(keep: Sequence[str] | None, outputs: set[str]) -> None:
    """Refuse a ``--keep`` column that would replace one of the command's own output columns.

    Examples
    --------
    >>> refuse_kept_outputs(["label"], {"score", "flag"})
    >>> refuse_kept_outputs(["score"], {"score", "flag"})
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --keep score: the output has its own 'score' column; ...
    """
    taken = sorted(outputs & set(keep or []))
    if taken:
        raise HourglassError(f"--keep {taken[0]}: the output has its own {taken[0]!r} column; "
                             "rename the input column to keep it")


def refuse_normal_without_label(normal: list[str] | None, label_col: str | None) -> None:
    """``--normal`` without a label column (given or the format's) would be ignored, every row
    trained on as normal: refused.

    Examples
    --------
    >>> try:
    ...     refuse_normal_without_label(["ok"], None)
    ... except HourglassError as exc:
    ...     print(str(exc)[:46])
    --normal ok: the normal values of a label colu
    >>> refuse_normal_without_label(["ok"], "label"); refuse_normal_without_label(None, None)
    """
    if normal and label_col is None:
        raise HourglassError(f"--normal {normal[0]}: the normal values of a label column; name "
                             "that column with --label-col COLUMN")
