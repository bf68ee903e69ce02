"""What the CLI decides before any model code runs: which format a file is, whether ``--format``
names a log format, and the preprocessing a table's options ask for. Nothing here imports torch,
so ``hourglass inspect`` answers without it."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hourglass._columns import listed_columns, near_names, one_name_each, shown_column
from hourglass._labels import label_like
from hourglass.cli._common import feature_option, refuse_format_drop
from hourglass.errors import HourglassError, InputError
from hourglass.features.roles import splunk_time
from hourglass.features.spellings import mixed_forms, one_form
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest import DatasetSpec, resolve_format
from hourglass.ingest.evtx import WINDOWS_FORMS
from hourglass.ingest.formats import format_roles
from hourglass.ingest.logs import LOG_FORMATS
from hourglass.ingest.tables import nested_note

__all__ = ["check_format_name", "chosen_text", "is_log_format", "preprocessor_for", "read_as_text",
           "resolve_spec", "text_as_trained"]


def is_log_format(fmt: str | None) -> bool:
    """Whether ``--format`` names a log format (or a header regex) rather than a table format.

    Examples
    --------
    >>> is_log_format("hdfs"), is_log_format("csv"), is_log_format(r"(?P<content>.*)")
    (True, False, True)
    """
    return fmt is not None and (fmt in LOG_FORMATS or fmt == "keys" or "(?P<" in fmt)


def check_format_name(fmt: str | None) -> None:
    """Refuse a ``--format`` that is neither a table format, a named dataset nor a log format,
    listing both kinds (a typo such as ``hdfs2`` is otherwise read as a table format, or as a
    header regex without its ``content`` group).

    Examples
    --------
    >>> check_format_name("hdfs"), check_format_name("csv"), check_format_name("auto")
    (None, None, None)
    >>> check_format_name("hdfs2")
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --format: unknown format 'hdfs2'; tables: auto, ...
    """
    from hourglass.ingest import all_formats

    if fmt is None or fmt == "auto" or is_log_format(fmt) or fmt.strip().lower() in all_formats():
        return
    if any(c in fmt for c in "()[]\\^$*+?"):  # meant as a header regex
        try:
            re.compile(fmt)
        except re.error as exc:  # 'needs a (?P<content>...) group' of 'abc(' sent users astray
            raise HourglassError(f"--format: '{fmt}' is neither a known format "
                                 f"({', '.join(LOG_FORMATS)}) nor a valid regular expression ({exc})"
                                 ) from None
        raise HourglassError(f"--format: the regular expression '{fmt}' needs a named group "
                             "(?P<content>...) holding the message")
    raise HourglassError(f"--format: unknown format '{fmt}'; tables: auto, {', '.join(all_formats())}; "
                         f"logs: {', '.join(LOG_FORMATS)}, keys, or a header regular expression with "
                         "a (?P<content>...) group")


def warn_label_as_feature(features: Sequence[str], label_col: str | None, source: str, *,
                          what: str = "a feature") -> None:
    """Warn when a column named like a label (``label``, ``attack_cat``...) is one of
    ``features`` (the input columns the model uses, or inspect shows): without a label column,
    every row is trained on; beside one (``--label-col anomaly`` and SKAB's ``changepoint``,
    ``label`` and UNSW-NB15's ``attack_cat``), the model reads the verdicts as input.
    ``what`` names what such a column becomes (``a channel`` for a time series)."""
    named = label_like(features, label_col)
    if not named:
        return
    log = logging.getLogger("hourglass")
    if label_col is None:
        log.warning(
            "%s: column %r looks like a label, and without --label-col it is %s, and "
            "every row (attacks included) is trained on; give --label-col %s --normal VALUE to "
            "train on the normal rows only, or --drop %s", source, named[0], what, named[0], named[0])
    else:
        one = len(named) == 1
        cols = ", ".join(repr(c) for c in named)
        log.warning("%s: %s %s, named like a label, %s %s beside --label-col %s: the model reads "
                    "its verdicts as input (and evaluate's figures flatter it); --drop %s unless "
                    "it is a measurement", source, "column" if one else "columns", cols,
                    "is" if one else "are", what if one else what.removeprefix("a ") + "s",
                    label_col, " --drop ".join(named))


def label_split_columns(feats: pd.DataFrame, is_anom: Any, columns: Iterable[str]) -> list[str]:
    """The columns of ``columns`` whose value tells a row's label (``is_anom``, 0/1 per row of
    ``feats``) exactly: one value on every normal row (two at least) that no attack row has
    (TON_IoT's ``type``, ``normal`` on its normal rows and the attack's name on the others,
    beside ``--label-col label``; a 0/1 flag that is the label). Such a column is the labels in
    other words, whatever its name; none where the rows are not of both kinds. (Not the
    reverse, one value on the attack rows: a single attack row would make every column of
    values unique to it one.)

    Examples
    --------
    >>> import numpy as np
    >>> df = pd.DataFrame({"type": ["normal", "ddos", "normal", "xss"], "bytes": [1, 2, 3, 4],
    ...                    "proto": ["tcp", "tcp", "udp", "udp"]})
    >>> label_split_columns(df, np.array([0, 1, 0, 1]), ["type", "bytes", "proto"])
    ['type']
    """
    import numpy as np

    anom = np.asarray(is_anom) != 0
    if anom.all() or (~anom).sum() < 2 or not anom.any():
        return []
    told = []
    for c in columns:
        if c not in feats.columns:
            continue
        normal, attacks = feats[c][~anom], feats[c][anom]
        first = normal.iloc[0]
        if not pd.api.types.is_scalar(first):  # (a JSON array or object kept as one: no label)
            continue
        if pd.isna(first):
            same, clash = bool(normal.isna().all()), bool(attacks.isna().any())
        else:
            try:
                with np.errstate(all="ignore"):
                    same, clash = bool((normal == first).all()), bool((attacks == first).any())
            except (TypeError, ValueError):  # values that do not compare with it: not one value
                continue
        if same and not clash:
            told.append(str(c))
    return told


def warn_label_split(feats: pd.DataFrame, is_anom: Any, columns: Sequence[str],
                     label_col: str, source: str) -> None:
    """Warn of the columns of ``columns`` (features the model reads) not named like a label
    whose values tell the rows' label exactly (:func:`label_split_columns`); the name check is
    :func:`warn_label_as_feature`'s."""
    told = [c for c in label_split_columns(feats, is_anom, columns)
            if c not in label_like([c], label_col)]
    if told:
        logging.getLogger("hourglass").warning(
            "%s: column %r is a feature whose value tells --label-col %s exactly (one value on "
            "all its normal rows, on none of its attack rows): the labels in "
            "other words, an attack's name perhaps; the model reads the verdicts as input (and "
            "evaluate's figures flatter it); --drop %s unless it is a measurement",
            source, told[0], label_col, " --drop ".join(told))


def resolve_spec(dataset: str | None, label_col: str | None, normal: list[str] | None,
                 fmt: str | None = None, path: Path | None = None,
                 ) -> tuple[DatasetSpec | None, str | None, list[str]]:
    """The format (``--format``, or ``--dataset`` as its alias, or sniffed from ``path``) and the
    label column / normal values with the format's defaults filled in."""
    from hourglass.ingest import all_formats

    given = [v.strip().lower() for v in (dataset, fmt) if v and v.strip().lower() != "auto"]
    if len(given) == 2 and given[0] != given[1]:  # one would be silently ignored
        raise HourglassError(f"--dataset {dataset} and --format {fmt}: name different formats "
                             "(--dataset is another name for --format); give one of them")
    name = dataset if dataset and fmt in (None, "auto") else fmt
    if name is not None and name.strip().lower() not in ("auto", *all_formats()):  # the option named
        opt = "--dataset" if name is dataset else "--format"
        from hourglass.ingest.timeseries import TIMESERIES_DATASETS, get_timeseries_dataset

        # a time-series dataset given to a table model's score/evaluate/explain was "unknown"
        what = ("a log format, not a table format" if is_log_format(name)
                else "a time-series dataset, which only a time-series model reads"
                if get_timeseries_dataset(name) is not None else "unknown format")
        # (--dataset also names the time-series datasets, which 'train --dataset' took unlisted)
        series = (f"; time-series datasets (a time-series model's, --model lstm-ae ...): "
                  f"{', '.join(TIMESERIES_DATASETS)}" if what == "unknown format" and opt == "--dataset"
                  else "")
        raise HourglassError(f"{opt} {name}: {what}; tables: auto, {', '.join(all_formats())}{series}")
    spec = resolve_format(name, path) if name not in (None, "auto") or path is not None else None
    if spec is not None and name in (None, "auto"):
        logging.getLogger("hourglass").debug("%s: read as format %s", path, spec.name)
    if spec is not None:
        label_col = label_col or spec.label_col
        normal = normal or list(spec.normal)
    return spec, label_col, list(normal or [])


def format_time_column(df: pd.DataFrame, spec: DatasetSpec) -> str | None:
    """The format's own event-time column (Zeek's ``ts``), else (a format without one, or a file
    without it) Elastic Common Schema's ``@timestamp`` (an Elasticsearch hit's,
    ``_source.@timestamp``, where the table has no other), or a Splunk export's ``_time``
    (:func:`~hourglass.features.roles.splunk_time`), when ``df`` has one that reads as times:
    ``train`` keeps it as the model's time column (alerts then carry each record's time, per-day
    budgets get the event rate). One that does not read is left out with a warning."""
    from hourglass.thresholds import events_per_day

    col, whose = spec.time_col, f"the {spec.name} format's own"
    if (col is None or col not in df.columns) and ECS_TIME in df.columns:
        col, whose = ECS_TIME, "Elastic Common Schema's event time"
    elif (col is None or col not in df.columns) and ECS_HIT_TIME in df.columns:
        col, whose = ECS_HIT_TIME, "Elastic Common Schema's event time in an Elasticsearch hit"
    elif (col is None or col not in df.columns) and (splunk := splunk_time(df.columns)) is not None:
        col, whose = splunk, "a Splunk export's event time"
    if col is None or col not in df.columns:
        return None
    try:
        events_per_day(df[col], column=col)
    except InputError as exc:
        logging.getLogger("hourglass").warning(
            "not using %r as the event time (%s); alerts will carry the scoring time", col, exc)
        return None
    logging.getLogger("hourglass").info("event time from column %r (%s)", col, whose)
    return col


#: Elastic Common Schema's event time: the time column of a table whose format has none of its own
ECS_TIME = "@timestamp"
#: the same in the hits of an Elasticsearch or OpenSearch search (a scroll export, elasticdump,
#: ``jq -c '.hits.hits[]'``): each event under ``_source``
ECS_HIT_TIME = "_source.@timestamp"


#: a nested object with more fields than this is likely a map keyed by values (hosts, ids)
WIDE_OBJECT = 100


def _warn_wide_objects(names: list[str], source: str) -> None:
    """Warn about a nested JSON object whose fields became more than :data:`WIDE_OBJECT`
    columns: ``{"seen": {"host-17": 3}}`` keyed by hosts or ids makes one column per key."""
    counts = Counter(n.split(".", 1)[0] for n in names if "." in n.strip("."))
    for prefix, n in counts.most_common():
        if n <= WIDE_OBJECT:
            break
        first = [c for c in names if c.startswith(f"{prefix}.")][:2]
        logging.getLogger("hourglass").warning(
            "%s: %d columns come from the nested object %r (%s, ...): a map keyed by values "
            "(hosts, ids) rather than fields? each key is a column of its own; leave it out with "
            "--drop %s", source, n, prefix, listed_columns(first), prefix)


def _one_each(option: str, name: str, columns: Any, roles: dict[str, str] | None) -> str:
    """Advice for ``name``, a comma list of ``columns`` given to ``option``: each column given
    once (``--role``'s with its role), or, for ``--timestamp-col``, which takes one column, that
    it does; else ``""``."""
    if option == "--timestamp-col":
        listed = one_name_each(option, name, columns)
        if not listed:
            return ""
        return f"{option} takes one column, the event time: " + " or ".join(
            f"{option} {shown_column(p.strip())}" for p in name.split(","))
    return one_name_each(option, name, columns, (roles or {}).get(name) if option == "--role" else None)


def preprocessor_for(df: pd.DataFrame, source: str, *, spec: DatasetSpec | None,
                     categorical: list[str], drop: list[str], roles: dict[str, str] | None,
                     scaler: str, time_col: str | None = None) -> TabularPreprocessor:
    """The (unfitted) preprocessing ``train`` fits on ``df``, and ``inspect`` previews: the
    options ``--categorical``/``--drop``/``--role``/``--scaler`` on top of the format's own
    (``--drop`` of a nested JSON object, ``agent``, drops each of its fields, ``agent.id`` ...).

    Checks the options first: an unknown scaler or role, or a column ``df`` lacks (a typo would
    silently keep the column the user meant to drop or recast), is an error naming the option.
    """
    TabularPreprocessor(roles=roles or None, scaler=scaler)._check_params()
    refuse_format_drop(spec, categorical=categorical, roles=roles)  # attack_cat: never a feature
    names = [str(c) for c in df.columns]
    drop = [f for c in drop for f in (  # --drop agent: every field of the nested object agent
        [c] if c in names else [n for n in names if n.startswith(f"{c}.")] or [c])]
    for opt, cols in (("--drop", drop), ("--role", list(roles or {})), ("--categorical", categorical),
                      ("--timestamp-col", [time_col] if time_col is not None else [])):
        missing = [c for c in cols if c not in df.columns]
        # --drop source, read as source.ip ...; --drop 'cafe\u0301' of a column 'caf\xe9'; --drop
        # a,b, a list where one name goes
        nested = nested_note(missing[:1], df.columns) or near_names(missing[:1], df.columns) or (
            _one_each(opt, missing[0], df.columns, roles) if missing else "")
        if nested:
            raise HourglassError(f"{opt}: no column {missing[0]!r} in {source}; {nested}")
        if missing:
            raise HourglassError(f"{opt}: no column {missing[0]!r} in {source}; columns are "
                                 f"{listed_columns(list(df.columns)[:8])}"
                                 f"{' ...' if df.shape[1] > 8 else ''}")
    for opt, cols in (("--categorical", categorical),  # (--role TS=drop: as --drop TS, what it is)
                      ("--role", [c for c, r in (roles or {}).items() if r != "drop"])):
        if time_col is not None and time_col in cols:  # it was 'not in the data', or ignored
            typed = shown_column(time_col)
            given = f"{typed}={(roles or {})[time_col]}" if opt == "--role" else typed
            raise HourglassError(f"{opt} {given}: is the timestamp column, which is never a "
                                 "feature; leave it out")
    user_dropped = set(drop)  # one role a column: --drop x --role x=numeric said nothing
    named = feature_option(user_dropped, categorical, roles)
    if named is not None:
        raise HourglassError(f"--drop {shown_column(named[0])} and {named[1]}: give the column one "
                             "role; leave one out")
    # the user's --role, --categorical or --drop of a column overrides the format's own role for it
    all_roles = {**{c: r for c, r in format_roles(spec, names).items()
                    if c not in categorical and c not in user_dropped}, **(roles or {})}
    # columns --drop or the format leaves out (CloudTrail's requestParameters.*) make no warning
    dropped = set(drop) | {c for c, role in all_roles.items() if role == "drop"}
    wide = tuple(getattr(spec, "wide_objects", ()))  # a format's own wide objects (winlog): fields
    _warn_wide_objects([n for n in names if n not in dropped and n.split(".", 1)[0] not in wide], source)
    cats = [*categorical, *(c for c in (spec.categorical if spec else ())
                            if c not in (roles or {}) and c not in user_dropped)]
    return TabularPreprocessor(categorical=cats or None, drop=(*drop, *(spec.drop if spec else ())),
                               roles=all_roles or None, scaler=scaler)


#: the dtypes (as a fitted preprocessor's profile names them) of a column read as text: a Parquet
#: or Arrow dictionary column is a ``category``, of text as written (its numbers read as text
#: give the same category: ``80.0`` is ``80`` either way)
_TEXT_DTYPES = ("object", "str", "string", "category")


def read_as_text(spec: Any, columns: Iterable[str]) -> Any:
    """``spec`` reading the CSV/TSV ``columns`` as text as written (other columns are typed from
    the file's first block; other formats are read as they are).

    Examples
    --------
    >>> from hourglass.ingest import resolve_format
    >>> read_as_text(resolve_format("csv"), ["code", "code"]).text_columns
    ('code',)
    """
    import dataclasses

    if not isinstance(spec, DatasetSpec) or spec.fmt not in ("csv", "tsv"):
        return spec
    new = tuple(dict.fromkeys(c for c in map(str, columns) if c not in spec.text_columns))
    return dataclasses.replace(spec, text_columns=(*spec.text_columns, *new)) if new else spec


def chosen_text(categorical: Sequence[str] | None, roles: Mapping[str, str] | None) -> list[str]:
    """The columns ``--categorical`` or ``--role COL=categorical|hash`` name: read as text as
    written by ``train`` and ``inspect`` (a code ``007`` is ``007``, as from JSON lines or the
    service, not the number 7).

    Examples
    --------
    >>> chosen_text(["code"], {"user": "hash", "bytes": "numeric"})
    ['code', 'user']
    """
    return [*(categorical or ()), *(c for c, r in (roles or {}).items() if r in ("categorical", "hash"))]


def text_as_trained(spec: Any, features: Any) -> Any:
    """``spec`` reading a CSV/TSV's categorical and hashed columns as text as written where the
    model read them as text in training (``ver`` of ``1.0``, ``1.10`` and ``beta``; a user id of
    ``007``). A CSV column is typed from its file's first block: in a file to score whose values
    of the column all look like numbers, ``1.10`` read as ``1.1`` and ``007`` as ``7``, values never
    seen in training, which the same rows sent as JSON lines, to ``stream`` or to the service were
    not. Columns typed as numbers in training are read as they were; a Parquet dictionary column
    (``category``) as text.

    Examples
    --------
    >>> from hourglass.ingest import resolve_format
    >>> pre = TabularPreprocessor().fit(pd.DataFrame({"ver": ["1.10", "beta"], "n": [1, 2]}))
    >>> text_as_trained(resolve_format("csv"), pre).text_columns
    ('ver',)
    """
    if getattr(features, "output", None) != "tabular":
        return spec
    roles, profile = getattr(features, "roles_", {}), getattr(features, "profile_", {})
    return read_as_text(spec, [c for c, r in roles.items() if r in ("categorical", "hash")
                               and str(profile.get(c, {}).get("dtype", "")).startswith(_TEXT_DTYPES)])


def ids_as_written(spec: Any, ids: str | None) -> Any:
    """``spec`` reading a CSV/TSV's entity column ``ids`` as text as written, and naming its ids
    as JSON lines, Parquet and the service name them (:func:`~hourglass.ingest.tables.written_ids`:
    ' 7' and '7.0' are '7'; '01' stays '01'). Typed from the file, '1', '01' and '1.0' were one
    entity."""
    if spec is None or ids is None or getattr(spec, "fmt", None) not in ("csv", "tsv"):
        return spec
    return _IdsAsWritten(spec, ids)


class _IdsAsWritten:
    """A format spec whose reads name a CSV's entity ids as written (:func:`ids_as_written`)."""

    def __init__(self, spec: Any, ids: str) -> None:
        import dataclasses

        self._ids = ids
        self._spec = spec if ids in spec.text_columns else \
            dataclasses.replace(spec, text_columns=(*spec.text_columns, ids))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._spec, name)

    def iter_chunks(self, path: Any, **kwargs: Any) -> Any:
        from hourglass.ingest.tables import written_ids

        return (written_ids(df, self._ids) for df in self._spec.iter_chunks(path, **kwargs))

    def read(self, path: Any, **kwargs: Any) -> pd.DataFrame:
        from hourglass.ingest.tables import written_ids

        return written_ids(self._spec.read(path, **kwargs), self._ids)


def in_one_form(df: pd.DataFrame, source: str, roles: dict[str, str] | None,
                spec: DatasetSpec | None) -> pd.DataFrame:
    """``df`` read as ``spec``, if Windows events (``evtx``, ``windows-json``), with each value
    its exports write in several ways (a ``Keywords`` mask in hex or decimal, a GUID's or a
    classic log's channel's letter case) in one spelling
    (:func:`~hourglass.features.spellings.one_form`), so that a model learns one category per
    value; a column ``roles`` (``--role``) reads as other than categories is left as it is; other
    data as it is. Said once, naming the columns respelt."""
    if spec is None or spec.name not in WINDOWS_FORMS:
        return df
    forms = one_form(df, roles)
    mixed = mixed_forms(df, forms)  # (a column written one way, 0x0 throughout, is only respelt)
    if mixed:
        logging.getLogger("hourglass").info(
            "%s: column(s) %s: values written more than one way (a Keywords mask in hex or "
            "decimal, a GUID's or a channel's letter case) read in one spelling", source,
            ", ".join(mixed))
    return df.assign(**forms) if forms else df
