"""Entity features: table rows aggregated per entity (host, source IP, user) per fixed time bucket.

A row-level model sees one flow or one event at a time; a port scan or a brute-force burst is
many rows that each look normal. :class:`EntityWindows` turns the rows of each (entity, bucket)
pair into one row of counts, sums, means, maxima and distinct counts, and hands that table to
the ordinary :class:`~hourglass.features.tabular.TabularPreprocessor` (imputation, scaling).
The detector then scores "host X during 10:00-10:05". Grouping *events* into per-session key
counts is :class:`~hourglass.features.EventSessions`' job, not this one's.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hourglass._columns import near_names
from hourglass._numbers import is_duration, to_numbers, with_sizes
from hourglass._params import ParamsClone, check_numeric_params
from hourglass._times import read_timestamps, time_length
from hourglass.errors import InputError
from hourglass.features._grouped import Groups, distinct_top, numeric_stats
from hourglass.features._unfitted import not_fitted
from hourglass.features.roles import (
    NUMBER_GAPS,
    PLACEHOLDERS,
    clock_values,
    dropped_score_output,
    factorize_strings,
    infer_role,
    is_time_name,
    separated_hint,
    separated_number,
    separated_warning,
    table_tells,
    without_port,
)
from hourglass.features.tabular import (
    TabularPreprocessor,
    _not_a_frame,
    _refuse_undecodable,
    read_as_log,
)
from hourglass.features.validation import (
    check_name_lists,
    native_byte_order,
    saved_settings,
    signalling_nan_named,
)

__all__ = ["ENTITY_CASES", "KEYS", "EntityWindows", "folded_name", "parse_bucket"]

logger = logging.getLogger(__name__)

#: What an entity model whose every aggregate is constant is told, in a Python user's words (the
#: CLI says its options, ``--aggregate/--distinct``, ``--bucket``: ``cli._options.cli_advice``).
VARYING_ADVICE = ("aggregate columns whose values vary (numeric=[...], categorical=[...]), or give "
                  "another bucket (bucket=...)")

#: The key columns of :meth:`EntityWindows.aggregate` (and of the CLI's per-bucket output).
KEYS = ("entity", "bucket_start", "bucket_end", "rows")
_STATS = ("sum", "mean", "max")
_LOG1P = ("counts", "all", "none")
# numeric by value, but codes: their distinct count means something, their sum does not (osquery's
# 'parent' is the parent's pid)
_CODE_NAME = re.compile(r"(id|code|pid|tid|ppid|parent|port|number|idx|index|guid|sid|type|status|flags)$")
_ROLES = ("numeric", "categorical", "drop")
#: How entity names are compared: ``"exact"`` (as written, stripped) or ``"fold"``
#: (:func:`folded_name`: ``Alice``, ``ALICE`` and ``alice`` are one entity).
ENTITY_CASES = ("exact", "fold")


#: How a state fitted now names an entity that is an IP address (saved as ``entity_ip_form``):
#: ``1``, an IPv4-mapped IPv6 address as its IPv4 address; ``2``, also an address written with its
#: port (Azure Storage's ``10.0.1.5:52153``) as that address; a state saved before holds ``1`` or none
ENTITY_IP_FORM = 2


def ipv4_unmapped(names: np.ndarray, ported: bool = False) -> np.ndarray | None:
    """``names`` (distinct entity names) with each IPv4-mapped IPv6 address as its IPv4 address
    (``::ffff:10.0.0.5``, as Windows' Kerberos events 4768/4769/4771 name a client that its
    logons, 4624/4625, name ``10.0.0.5``), or ``None`` where none is such an address.

    Examples
    --------
    >>> ipv4_unmapped(np.array(["::ffff:10.0.0.5", "10.0.0.6", "::FFFF:a00:7", "alice"],
    ...                        dtype=object)).tolist()
    ['10.0.0.5', '10.0.0.6', '10.0.0.7', 'alice']
    >>> ipv4_unmapped(np.array(["10.0.0.5", "2001:db8::5"], dtype=object)) is None
    True

    With ``ported``, an address written with its port (:func:`without_port`: Azure Storage's
    requester ``10.0.1.5:52153``, a new port each request) is that address too:

    >>> ipv4_unmapped(np.array(["10.0.1.5:52153", "[2001:db8::1]:443", "a:1"], dtype=object),
    ...               ported=True).tolist()
    ['10.0.1.5', '2001:db8::1', 'a:1']
    """
    out = None
    for i, name in enumerate(names.tolist()):
        if ported and isinstance(name, str) and ":" in name:
            bare = without_port(name)
            if bare != name:
                if out is None:
                    out = names.astype(object, copy=True)
                out[i] = name = bare
        if not (isinstance(name, str) and name[:7].lower() == "::ffff:"):
            continue
        try:
            mapped = ipaddress.IPv6Address(name).ipv4_mapped
        except ValueError:
            continue
        if mapped is not None:
            if out is None:
                out = names.astype(object, copy=True)
            out[i] = str(mapped)
    return out


def folded_name(name: str) -> str:
    """``name`` as ``entity_case="fold"`` compares it: case-folded (:meth:`str.casefold`) in
    Unicode's canonical caseless form, so that names differing only in case or in how an accent
    is written (``Jürgen`` as one code point or as ``u`` and a combining diaeresis, as macOS
    tools and some exporters write it) are one name, given in the composed form (NFC).

    Parameters
    ----------
    name
        An entity name (or a suppression rule's value for the entity column).

    Returns
    -------
    str
        The folded name.

    Examples
    --------
    >>> folded_name("ALICE"), folded_name("J\\xfcrgen") == folded_name("JU\\u0308RGEN")
    ('alice', True)
    >>> folded_name("JU\\u0308RGEN")
    'jürgen'
    """
    if name.isascii():
        return name.casefold()
    # canonical caseless matching (Unicode's D145): casefold of the decomposed form, recomposed
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold())
_TIME_LOOK = r"\d{1,4}[-/.:]\d{1,2}[-/.:]\d{1,4}|\d{1,2}:\d{2}|\d{1,2}/[A-Za-z]{3}/\d{4}"


def _number_values(s: pd.Series) -> np.ndarray | None:
    """The present values of ``s`` as float64 when it holds numbers (or numbers written as
    text; '-' and '(empty)' are missing values, as the roles read them), else ``None``."""
    if pd.api.types.is_bool_dtype(s):
        return None
    if pd.api.types.is_numeric_dtype(s):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        present = s.dropna()
        text = present.astype("string").str.strip()
        present = present[(text != "") & ~text.isin(NUMBER_GAPS)]
        conv = with_sizes(to_numbers(present), present)  # ('48.2 MB': its bytes)
        if len(present) == 0 or conv.notna().mean() < 0.99:
            return None
        v = conv.to_numpy(dtype=np.float64, na_value=np.nan)
    return v[np.isfinite(v)]


def _is_time(name: str, s: pd.Series,
             entities: pd.Series | Callable[[], pd.Series] | None = None) -> bool:
    """Whether column ``name`` holds times (by name, or text that reads as date-times): a time's
    name is the row roles' (``login_time``, ``event_date``, ``end_time_ms``, ``capture_time_s``); a time's
    distinct count per bucket is the row count again, its sum means nothing. A column of numbers
    named like a time is one when its numbers are epoch times (all within 1973-2099 in one unit,
    s, ms, us or ns, spanning under 5% of their size: :func:`~hourglass.features.roles.clock_values`,
    as the tabular roles read them; a negative number such as ``-1`` is an unset time, as ``0``
    is), dates (``20240105``) or never decrease (and do change) from row to row while the rows
    of several ``entities`` take turns (a clock of all rows, relative times: one entity's counter, a
    process's cumulative ``cpu_time`` or a host's ``uptime`` in time order, never decreases too,
    and by its values is no clock); others are durations and counters measured
    (``response_time``, a cumulative ``cpu_time`` of 3e8..7e11 ns, ``uptime``), aggregated as
    numbers, however large; text or booleans named so are times when they read as times
    (``candidate``, ``container_runtime``, ``overtime`` do not). ``entities`` may be a function
    that gives them, called only for numbers that may be such a clock."""
    if is_time_name(name):
        # (a clock's face under a time's name, a LogonTime of '08:15:00', is read as text, as it was
        # before such text read as seconds: a time of day, whose sum says nothing)
        v = None if _clock_faces(s) else _number_values(s)
        if v is None:  # text or booleans: times when they read as such ('candidate', 'overtime' do not)
            return _reads_as_times(name, s)
        if len(v) < 2:
            return True
        # epoch times, or dates written as numbers (20240105): the tabular roles' test, on the
        # positive numbers (-1, as 0, is an unset time: a logon_time of -1 for never is no sum)
        if clock_values(v[v > 0]):
            return True
        # a clock moves: numbers that never change (a wait_time of 0 throughout) are no clock
        step = np.diff(v)
        if not ((step >= 0).all() and (step > 0).any()):
            return False
        return _taking_turns(s, entities() if callable(entities) else entities)
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return False
    sample = s.dropna().astype(str).str.strip().iloc[:200]
    sample = sample[sample.str.contains(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", regex=True)]
    return len(sample) > 0 and len(sample) >= 0.95 * min(200, int(s.notna().sum()))


def _clock_faces(s: pd.Series) -> bool:
    """Whether text column ``s`` holds times on a clock's face (``08:15:00``, ``1-02:03:04``: most
    of its first 200 present values), which :func:`~hourglass._numbers.with_sizes` reads as seconds.

    Examples
    --------
    >>> _clock_faces(pd.Series(["08:15:00", "17:02:11", None])), _clock_faces(pd.Series([1, 2]))
    (True, False)
    >>> _clock_faces(pd.Series(["2024-03-01 08:15:00", "12"]))
    False
    """
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return False
    sample = s.dropna().iloc[:200].astype(str)
    return len(sample) > 0 and float(np.mean([is_duration(v) for v in sample])) >= 0.5


def _taking_turns(s: pd.Series, entities: pd.Series | None) -> bool:
    """Whether, among the rows where ``s`` holds a number, those of more than one of ``entities``
    take turns (an entity's rows come again after another's): numbers that never decrease over
    such rows are a clock the entities share, not a counter each keeps (one entity's counter, or
    each entity's in a file sorted by entity, never decreases alone).

    Examples
    --------
    >>> _taking_turns(pd.Series([1, 2, 3]), pd.Series(["a", "b", "a"]))
    True
    >>> _taking_turns(pd.Series([1, 2, 3]), pd.Series(["a", "a", "b"]))
    False
    >>> _taking_turns(pd.Series([1, None, 3]), pd.Series(["a", "b", "a"]))
    False
    """
    if entities is None:
        return True
    num = s if pd.api.types.is_numeric_dtype(s) else to_numbers(s)
    present = np.isfinite(num.to_numpy(dtype=np.float64, na_value=np.nan))
    codes = pd.factorize(entities.to_numpy()[present])[0]
    runs = 1 + int(np.count_nonzero(codes[1:] != codes[:-1])) if len(codes) else 0
    return runs > len(np.unique(codes))


def _reads_as_times(name: str, s: pd.Series) -> bool:
    """Whether the present values of ``s`` (a sample of 200) read as times, as ``score`` would
    read them (dates written ``01/02/2026``, ``Jan 5 2026``...); a column without a present value
    counts as one (nothing to aggregate)."""
    from hourglass._times import unreadable_times

    def sample(values: pd.Series) -> pd.Series:  # the first 200 present (not blank, not '-')
        text = values.astype("string").str.strip()
        return values[((text != "") & ~text.isin(PLACEHOLDERS)).to_numpy(dtype=bool)].iloc[:200]

    kept = s.dropna()
    present = sample(kept.iloc[:4000])  # (the head first: no text copy of a long column)
    if len(present) == 0 and len(kept) > 4000:
        present = sample(kept)
    if len(present) == 0:
        return True
    if float(np.mean(~unreadable_times(present, name))) >= 0.95:
        return True
    # times in a layout not read, or with a word for none
    # ('Never'), are still times when most of them look like one: digits around ':', '-', '/'
    looks = present.astype("string").str.contains(_TIME_LOOK, regex=True).to_numpy(dtype=bool)
    return float(np.mean(looks)) >= 0.5


def _is_code(name: str, s: pd.Series) -> bool:
    """Whether numeric column ``name`` holds codes by its name (``EventID``, ``dst_port``,
    ``status``): only when its values are whole numbers, as codes are (``amount_paid`` of
    12.50 ends in "id" but is an amount)."""
    if _CODE_NAME.search(name.lower()) is None:
        return False
    v = _number_values(s)
    return v is None or bool((v == np.round(v)).all())


def parse_bucket(bucket: str) -> pd.Timedelta:
    """The bucket length of a string such as ``"5min"``, ``"1h"``, ``"30s"`` or ``"1D"`` (the
    units' case as the user likes: ``1d``, ``1D`` and ``24h`` are one day, without pandas'
    warning for its deprecated spellings).

    Examples
    --------
    >>> parse_bucket("5min"), parse_bucket("1h")
    (Timedelta('0 days 00:05:00'), Timedelta('0 days 01:00:00'))
    >>> parse_bucket("soon")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: bucket: expected a fixed time length such as 30s, 5min, 1h or 1D, got 'soon'
    >>> parse_bucket("1000000D")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: bucket: '1000000D' is too long (at most 106,751 days)
    """
    text = str(bucket).strip()
    try:
        td = time_length(text) if text and not text.lstrip("+-").replace(".", "").isdigit() else None
    except pd.errors.OutOfBoundsTimedelta:  # '1000000D': a length, past what times can hold
        raise InputError(f"bucket: {bucket!r} is too long (at most "
                         f"{pd.Timedelta.max.days:,} days)", param="bucket") from None
    except (ValueError, TypeError):
        td = None
    if td is None or pd.isna(td) or td <= pd.Timedelta(0):
        raise InputError(f"bucket: expected a fixed time length such as 30s, 5min, 1h or 1D, "
                         f"got {bucket!r}", param="bucket")
    return td


def _times(s: pd.Series, column: str, dayfirst: bool | None = None) -> pd.DatetimeIndex:
    """:func:`parse_timestamps` (``dayfirst``: the order of numeric dates), and epoch times
    read as text (a CSV column with one bad value) as numbers, so that the bad value is the one
    named."""
    return _read_times(s, column, dayfirst)[0]


def _read_times(s: pd.Series, column: str, dayfirst: bool | None = None
                ) -> tuple[pd.DatetimeIndex, bool | None]:
    """:func:`_times` and the order of its numeric dates (:func:`read_timestamps`, which reads
    epoch times written as text; compact dates, 20260328, stay dates, not 1970's seconds), in
    nanoseconds: a Parquet column of milliseconds (``timestamp[ms]``) floored to a bucket that is
    no whole number of them (``1500us``) was pandas' 'freq ... is incompatible with unit=ms'."""
    ts, order = read_timestamps(s, column, dayfirst=dayfirst)
    return ts.as_unit("ns"), order  # (within 1677-2262: read_timestamps refuses others)


def _group_key(codes: np.ndarray, names: np.ndarray, starts: pd.DatetimeIndex,
               bucket: pd.Timedelta) -> np.ndarray:
    """An integer per row that sorts as (entity name, bucket start) does: the order of
    :meth:`EntityWindows.aggregate`'s rows (names are distinct, so the order is total)."""
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.argsort(names.astype(str), kind="stable")] = np.arange(len(names))
    at = starts.asi8
    lo = int(at.min())
    n_buckets = 1 << 62  # (the starts' distinct values below, where the grid would not fit)
    if int(at.max()) - lo < 1 << 62:  # else at - lo wraps round in int64 (1700 and 2200)
        step = int(bucket // pd.Timedelta(1, unit=starts.unit))
        if step < 1 or ((at - lo) % step).any():  # bucket starts are multiples of the bucket
            step = int(np.gcd.reduce(at - lo)) or 1
        index = (at - lo) // step
        n_buckets = int(index.max()) + 1
    if len(names) * n_buckets >= 1 << 62:
        index = np.unique(at, return_inverse=True)[1].reshape(-1)
        n_buckets = int(index.max()) + 1
    return rank[codes] * n_buckets + index


def _named(columns: list[str], most: int = 8) -> str:
    """`` (a, b ... and 3 more)`` for a log line; empty for no columns."""
    if not columns:
        return ""
    more = f" ... and {len(columns) - most} more" if len(columns) > most else ""
    return f" ({', '.join(columns[:most])}{more})"


def _symlog(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def _with_or_without_at(col: str, columns: Iterable[object]) -> str:
    """A sentence naming the column of ``columns`` that is ``col`` with or without a leading
    ``@`` (Logstash and Elasticsearch write ``@timestamp``, other exports of the same documents
    ``timestamp``), else ``""``.

    Examples
    --------
    >>> _with_or_without_at("@timestamp", ["agent.id", "timestamp"])
    "the data has 'timestamp'"
    >>> _with_or_without_at("ts", ["timestamp"])
    ''
    """
    bare = col.removeprefix("@")
    alike = [str(c) for c in columns if str(c) != col and str(c).removeprefix("@") == bare]
    return f"the data has {alike[0]!r}" if alike else ""


class EntityWindows(ParamsClone):
    """One row per (entity, time bucket): counts and aggregates of the table rows that fall in it,
    then tabular preprocessing of those rows.

    For each (entity, bucket) the aggregate row holds ``count`` (the row count), for each numeric
    column ``<col>:sum``, ``<col>:mean``, ``<col>:max`` (``stats``), and for each categorical
    column ``<col>:distinct`` (distinct values, a missing value counting as one) and
    ``<col>:top_share`` (share of the rows holding its most frequent value). Buckets are
    ``[start, start + bucket)`` aligned on the epoch (``10:00``, ``10:05``, ... for ``5min``);
    an entity with no row in a bucket has no row for it (silence is not scored); rows without
    an entity value share the entity ``"<missing>"``. The aggregate
    table goes through a :class:`TabularPreprocessor` (every column numeric; imputation, missing
    indicators, ``scaler``, dropping constant and near-duplicate columns).

    :meth:`transform` returns the feature matrix in the order of :meth:`aggregate`'s rows
    (sorted by entity, then bucket start), whose key columns (:data:`KEYS`) map each score
    back to its entity and bucket.

    Parameters
    ----------
    entity_col
        Column naming the entity (source IP, host name, user).
    timestamp_col
        Column with the rows' times (epoch times or date-time text; see
        :func:`hourglass._times.parse_timestamps`).
    bucket
        Fixed bucket length: ``"30s"``, ``"5min"``, ``"1h"``, ``"1D"``...
    numeric
        Columns summed / averaged / maximised per bucket. ``None`` with ``categorical`` also
        ``None``: inferred from the column roles of :func:`~hourglass.features.roles.infer_role`
        (numeric values → numeric, except whole numbers named ending in id, code, port, number,
        index, guid, sid, type, status, flags: those are codes; text, IP addresses, ports and
        codes → categorical; identifiers, times and near-unique text left out; numbers named
        like a time are times when epoch-sized or never decreasing, else durations, numeric;
        text named so is a time when it reads as times).
    categorical
        Columns whose distinct values are counted per bucket (destination ports or IPs,
        EventIDs, process images).
    stats
        Numeric aggregates, any of ``"sum"``, ``"mean"``, ``"max"``.
    top_share
        Also give each categorical column's top-value share.
    log1p
        ``"counts"``: ``log1p`` of the row count, distinct counts and sums (a sign-preserving
        ``log1p(|x|)`` for negative sums); ``"all"``: also of means and maxima; ``"none"``.
    scaler
        Scaling of the aggregate columns (see :class:`TabularPreprocessor`).
    drop
        Columns never aggregated when the columns are inferred (the entity and timestamp columns,
        which group the rows, are refused at fit).
    roles
        When the columns are inferred: column → ``"numeric"`` (summed, averaged, maximised),
        ``"categorical"`` (distinct values counted) or ``"drop"`` (not aggregated), overriding
        the inferred role of those columns (a file format's own roles: Windows record numbers
        and process ids dropped, event ids, tasks and opcodes counted as codes); columns the
        data lacks are ignored; a role for the entity or timestamp column is refused at fit.
    entity_case
        How entity names are compared: ``"exact"`` (the default; ``alice`` and ``Alice`` are two
        entities, as Linux user names are) or ``"fold"`` (names case-folded with
        :func:`folded_name`, an accent written as one code point or two alike: Windows account
        names, UPNs, e-mail addresses and DNS host names are case-insensitive, so ``alice``,
        ``ALICE`` and ``Alice`` are one entity). Applied wherever rows are keyed (fit, transform,
        :meth:`row_keys`); the ``entity`` of :meth:`aggregate`'s rows is then the folded name
        (``alice``), the same whichever spelling came first. Saved with the state; a state without
        it reads as ``"exact"``.
    dayfirst
        The order of numeric dates (``01/02/2026``) in the training rows: ``True`` day first,
        ``False`` month first, ``None`` (the default) inferred from them. ``train`` gives the
        whole file's when it fits on part of it (attack buckets left out: their dates may be
        the only ones that tell the order).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
    ...                    "bytes": [10, 20, 5, 7], "dport": [80, 443, 80, 80]})
    >>> ew = EntityWindows("src", "ts", bucket="5min", log1p="none")
    >>> agg = ew.fit(df).aggregate(df)
    >>> agg[["entity", "rows", "bytes:sum", "dport:distinct"]].values.tolist()
    [['a', 2, 30.0, 2.0], ['a', 1, 7.0, 1.0], ['b', 1, 5.0, 1.0]]
    >>> ew.transform(df).shape[0]
    3
    """

    output = "entity"  # what a model of these features scores: (entity, bucket) rows
    detector_input = "tabular"  # what the detector reads

    def __init__(
        self,
        entity_col: str | None = None,
        timestamp_col: str | None = None,
        bucket: str = "5min",
        numeric: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
        stats: Sequence[str] = _STATS,
        top_share: bool = True,
        log1p: str = "counts",
        scaler: str = "minmax",
        drop: Sequence[str] = (),
        roles: dict[str, str] | None = None,
        entity_case: str = "exact",
        dayfirst: bool | None = None,
    ) -> None:
        self.entity_col = entity_col
        self.timestamp_col = timestamp_col
        self.bucket = bucket
        self.numeric = numeric
        self.categorical = categorical
        self.stats = stats
        self.top_share = top_share
        self.log1p = log1p
        self.scaler = scaler
        self.drop = drop
        self.roles = roles
        self.entity_case = entity_case
        self.dayfirst = dayfirst

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments (JSON-ready).

        Parameters
        ----------
        deep
            Ignored (no nested estimators); accepted for scikit-learn (``clone``, pipelines).

        Examples
        --------
        >>> params = EntityWindows("src", "ts", bucket="5min").get_params()
        >>> params["entity_col"], params["timestamp_col"], params["bucket"], params["stats"]
        ('src', 'ts', '5min', ['sum', 'mean', 'max'])
        """
        return {"entity_col": self.entity_col, "timestamp_col": self.timestamp_col,
                "bucket": self.bucket,
                "numeric": None if self.numeric is None else list(self.numeric),
                "categorical": None if self.categorical is None else list(self.categorical),
                "stats": list(self.stats), "top_share": bool(self.top_share), "log1p": self.log1p,
                "scaler": self.scaler, "drop": [] if self.drop is None else list(self.drop),
                "roles": None if self.roles is None else {str(k): str(v) for k, v in self.roles.items()},
                "entity_case": self.entity_case,
                **({} if self.dayfirst is None else {"dayfirst": bool(self.dayfirst)})}

    # -- fit ----------------------------------------------------------------------------------
    def _check_params(self) -> None:
        # roles="x" was "'str' object has no attribute 'items'"; top_share="no" read as true
        if self.roles is not None and not isinstance(self.roles, Mapping):
            raise InputError(f"roles: expected a mapping column -> role, got {type(self.roles).__name__}",
                             param="roles")
        check_numeric_params(self, refuse_none=True)
        for name in ("entity_col", "timestamp_col"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise InputError(f"{name}: give the column holding the "
                                 f"{'entity' if name == 'entity_col' else 'timestamps'}", param=name)
        if self.entity_col == self.timestamp_col:
            raise InputError(f"entity_col and timestamp_col are both {self.entity_col!r}",
                             param=("entity_col", "timestamp_col"))
        parse_bucket(self.bucket)
        if self.entity_case not in ENTITY_CASES:
            raise InputError(f"entity_case: expected one of {', '.join(ENTITY_CASES)}, got "
                             f"{self.entity_case!r}", param="entity_case")
        if self.dayfirst not in (None, True, False):
            raise InputError(f"dayfirst: expected True, False or None, got {self.dayfirst!r}",
                             param="dayfirst")
        check_name_lists(self, "numeric", "categorical", "stats", "drop")
        bad = [s for s in self.stats or () if s not in _STATS]  # (None: said below)
        if bad or self.stats is None or not len(self.stats):
            raise InputError(f"stats: expected some of {', '.join(_STATS)}, "
                             f"got {self.stats if self.stats is None else list(self.stats)}",
                             param="stats")
        if self.log1p not in _LOG1P:
            raise InputError(f"log1p: expected one of {', '.join(_LOG1P)}, got {self.log1p!r}",
                             param="log1p")
        bad_roles = {k: v for k, v in (self.roles or {}).items() if v not in _ROLES}
        if bad_roles:
            k, v = next(iter(bad_roles.items()))
            raise InputError(f"roles: column {k!r}: expected one of {', '.join(_ROLES)}, got {v!r}",
                             param="roles")
        # a dropped column given another role was dropped without a word (as in the tables)
        gone = {str(c) for c in (() if self.drop is None else self.drop)}
        clash = next(((str(k), v) for k, v in (self.roles or {}).items()
                      if str(k) in gone and v != "drop"), None)
        if clash is not None:
            raise InputError(f"roles: column {clash[0]!r} is given the role {clash[1]!r} and is in "
                             "drop; give it one role", param="roles")

    def _check_frame(self, df: pd.DataFrame, what: str) -> pd.DataFrame:
        if not isinstance(df, pd.DataFrame):
            raise InputError(_not_a_frame(df))
        if len(df) == 0:
            raise InputError(f"no rows to {what} (empty data)")
        df = native_byte_order(df).rename(columns=str)  # pandas groups by no big-endian column
        if df.columns.has_duplicates:  # df[c] would be a table, not a column
            dup = sorted(set(df.columns[df.columns.duplicated()]))
            fitting = what.startswith("fit")  # (a refit: the columns read are not yet known)
            if not fitting and (hasattr(self, "feature_names_") or what == "group"):
                read = {*getattr(self, "columns_", ()), self.entity_col, self.timestamp_col}
            else:
                read = self._fit_reads(dup)
            dup = [c for c in dup if c in read]
            if dup:
                raise InputError(f"column names repeat: {', '.join(map(repr, dup[:5]))} (as text); "
                                 "every column the entity features read needs its own name")
        for name in ("entity_col", "timestamp_col"):
            col = getattr(self, name)
            if col not in df.columns:
                have = ", ".join(list(df.columns)[:6]) + (" ..." if df.shape[1] > 6 else "")
                if hasattr(self, "feature_names_"):  # scoring: not an option the user just typed
                    role = "entity" if name == "entity_col" else "timestamp"
                    log = read_as_log(df.columns)  # a log: said so, not its first line as a column
                    near = near_names([col], df.columns)  # SRC_IP for src_ip, as for a feature
                    raise InputError(f"no column {col!r} in the data: the model's {role} column"
                                     + (f"; {log}" if log else f" (columns: {have})"
                                        + (f"; {near}" if near else "")))
                from hourglass.ingest.tables import nested_note

                # --entity-col source, read as source.ip ...; or SRC_IP, or another spelling
                nested = (nested_note([col], df.columns) or near_names([col], df.columns)
                          or _with_or_without_at(col, df.columns))
                raise InputError(f"{name}: no column {col!r} in the data"
                                 + (f"; {nested}" if nested else f" (columns: {have})"), param=name)
        return df

    def _fit_reads(self, columns: Sequence[str]) -> set[str]:
        """Which of ``columns`` a fit may read: those named (``numeric``, ``categorical``, the
        entity and timestamp columns), or every one not dropped (``drop``, a ``drop`` role)."""
        if self.numeric is not None or self.categorical is not None:
            return {*map(str, () if self.numeric is None else self.numeric),
                    *map(str, () if self.categorical is None else self.categorical),
                    str(self.entity_col), str(self.timestamp_col)}
        dropped = {*map(str, () if self.drop is None else self.drop)}
        dropped |= {str(k) for k, v in (self.roles or {}).items() if v == "drop"}
        return set(columns) - dropped

    @staticmethod
    def _refuse_bytes(df: pd.DataFrame, read: set[str]) -> None:
        """After a ``UnicodeDecodeError``: :class:`InputError` naming the first cell of bytes that
        are no UTF-8 (a Parquet ``binary`` column) in a column of ``read``, as the tabular
        features name it (the error named no column)."""
        df = df.rename(columns=str)
        _refuse_undecodable(df, skip={c for c in df.columns if c not in read})

    def _resolve_columns(self, df: pd.DataFrame, *, quiet: bool = False) -> tuple[list[str], list[str]]:
        keys = {self.entity_col, self.timestamp_col}
        if self.numeric is not None or self.categorical is not None:
            # a column named twice is one (aggregated once, listed once in the model's columns)
            # (a pd.Index or an array of names too: its truth value is an error)
            num = list(dict.fromkeys(str(c) for c in (() if self.numeric is None else self.numeric)))
            cat = list(dict.fromkeys(str(c) for c in (() if self.categorical is None else self.categorical)))
            for name, cols in (("numeric", num), ("categorical", cat)):
                missing = [c for c in cols if c not in df.columns]
                if missing:
                    have = ", ".join(list(df.columns)[:6]) + (" ..." if df.shape[1] > 6 else "")
                    raise InputError(f"{name}: no column {', '.join(map(repr, missing))} in the data "
                                     f"(columns: {have})", param=name)
            both = sorted((set(num) & set(cat)) | (set(num + cat) & keys))
            if both:
                raise InputError(f"column {both[0]!r} is given twice (numeric, categorical, "
                                 "entity or timestamp)")
            return num, cat
        num, cat = [], []
        drop = () if self.drop is None else self.drop
        skip = keys | {str(c) for c in drop}
        # (the parameter, in a Python user's words: the CLI says its option, --drop)
        self.not_aggregated_.update({str(c): "named in drop" for c in drop if str(c) in df.columns})
        given = {str(k): v for k, v in (self.roles or {}).items()}
        # a row model's scored file fed back: its verdicts are no data of the entity's buckets
        verdicts = dropped_score_output(df, skip | given.keys(), warn=not quiet)
        grouped: list[pd.Series] = []
        tells = table_tells(df.columns)  # (what the table's names tell, read once for its columns)

        def entities() -> pd.Series:
            """The entities as the rows are grouped (stripped, folded with entity_case="fold"):
            names written 'h1' and 'h1 ' are one entity, whose rows take no turns with each other
            (read once, and only for a column that may be a clock)."""
            if not grouped:
                grouped.append(pd.Series(self._entities(df[self.entity_col])[0], index=df.index))
            return grouped[0]

        for c in df.columns:
            if c in skip:
                continue
            if c in given:
                role, why = given[c], f"role {given[c]!r} given"
                if role == "numeric":  # summed as given, even with a code's name
                    num.append(c)
                    continue
            elif c in verdicts:
                role, why = "drop", "hourglass score output"
            else:
                role, why = infer_role(c, df[c], max_categories=50, columns=tells)
                said = separated_warning(c, df[c], role, why) if not quiet else None
                if said is not None:  # read as text, as a table model's features say it
                    logger.warning("%s", said)
            if c not in given and role != "drop" and _is_time(c, df[c], entities):
                role, why = "drop", "times"
            if role == "numeric" and not _is_code(c, df[c]):
                num.append(c)
            elif role != "drop":
                cat.append(c)
            else:
                if not quiet:  # (a probe before the fit: the fit says it)
                    logger.info("entity features: column %r not aggregated (%s)", c, why)
                self.not_aggregated_[c] = why
        return num, cat

    def summed_columns(self, df: pd.DataFrame, label_col: str | None = None) -> list[str]:
        """The columns a fit on ``df`` (less ``label_col``) would sum, average and maximise: those
        named (``numeric``), else those the column roles choose. Needs no fit and changes
        nothing; empty where the entity or timestamp column is missing (the fit names it).

        Examples
        --------
        >>> df = pd.DataFrame({"host": ["a", "b"], "ts": [0, 1], "bytes": [5, 7], "proto": ["tcp", "udp"]})
        >>> EntityWindows("host", "ts").summed_columns(df)
        ['bytes']
        """
        if self.numeric is not None or self.categorical is not None:
            return list(dict.fromkeys(str(c) for c in (() if self.numeric is None else self.numeric)))
        df = df.rename(columns=str)
        if self.entity_col not in df.columns or self.timestamp_col not in df.columns:
            return []
        probe = EntityWindows(**self.get_params())
        probe.not_aggregated_ = {}
        rows = df.drop(columns=[label_col]) if label_col is not None and label_col in df.columns else df
        return probe._resolve_columns(rows, quiet=True)[0]  # (the fit says what it leaves out)

    def fit(self, df: pd.DataFrame) -> EntityWindows:
        """Choose the columns, aggregate the training rows and fit the tabular preprocessing.

        A fit that fails leaves the features as they were (unfitted, or with their earlier fit),
        not with part of each.

        Parameters
        ----------
        df
            Training rows, with the entity and timestamp columns.

        Returns
        -------
        EntityWindows
            ``self``, fitted (``feature_names_``, ``tabular_`` ...).

        Raises
        ------
        hourglass.errors.InputError
            Not a DataFrame, no rows, a missing entity or timestamp column, times it cannot
            read, or wrong settings.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
        ...                    "bytes": [10, 20, 5, 7], "dport": [80, 443, 80, 80]})
        >>> EntityWindows("src", "ts", bucket="5min", log1p="none").fit(df).feature_names_
        ['count', 'bytes:mean']
        """
        before = dict(self.__dict__)
        try:
            with signalling_nan_named(df):
                return self._fit(df)
        except BaseException as exc:
            self.__dict__.clear()
            self.__dict__.update(before)
            if isinstance(exc, UnicodeDecodeError) and isinstance(df, pd.DataFrame):
                self._refuse_bytes(df, self._fit_reads(list(map(str, df.columns))))
            raise

    def _fit(self, df: pd.DataFrame) -> EntityWindows:
        self._check_params()
        assert self.entity_col is not None and self.timestamp_col is not None  # _check_params: text
        self._refuse_key_roles()
        df = self._check_frame(df, "fit the entity features on")
        self.not_aggregated_: dict[str, str] = {}  # column -> why (this fit's; not saved)
        # an IPv4-mapped entity is its IPv4 address, one written with its port that address (saved)
        self.entity_ip_form_ = ENTITY_IP_FORM
        self.numeric_, self.categorical_ = self._resolve_columns(df)
        self._refuse_text_to_sum(df)
        # the training data's date order, kept so that later data is read alike
        ts, self.dayfirst_ = _read_times(df[self.timestamp_col], self.timestamp_col, self.dayfirst)
        self.columns_ = [self.entity_col, self.timestamp_col, *self.numeric_, *self.categorical_]
        agg = self._aggregate(df, ts)
        values = agg.drop(columns=list(KEYS))
        self.aggregates_ = list(values.columns)
        self.tabular_ = TabularPreprocessor(
            roles=dict.fromkeys(self.aggregates_, "numeric"), log1p="none", scaler=self.scaler)
        try:
            self.tabular_.fit(values)
        except InputError as exc:
            if not str(exc).startswith("no usable feature column"):
                raise
            # (the table's words told a user of an entity model to give a log --format or a header)
            shown = ", ".join(self.readable(c) for c in self.aggregates_[:6])
            more = " ..." if len(self.aggregates_) > 6 else ""
            raise InputError(
                f"no usable bucket feature: every aggregate ({shown}{more}) is the same, or "
                f"missing, in all {len(agg):,} ({self.entity_col}, {self.bucket} bucket) rows: "
                f"nothing tells one bucket from another; {VARYING_ADVICE}") from None
        self.feature_names_ = list(self.tabular_.feature_names_)
        self.n_buckets_ = len(agg)
        self._say_columns()
        # each aggregate's median over the training buckets as counted, for explanations: the
        # imputer's median is of the log1p values, which for an even number of buckets is not
        # the middle of the counts (1 and 3: expm1 of the mean of their log1p is 1.83, not 2)
        raw = self.raw_values(values).median()
        self.raw_medians_: dict[str, float] | None = {
            str(c): float(v) for c, v in raw.items() if np.isfinite(v)}
        logger.info("entity features: %d rows -> %d (entity, %s bucket) rows, %d entities",
                    len(df), len(agg), self.bucket, agg["entity"].nunique())
        return self

    def _say_columns(self) -> None:
        """Log the columns the fitted features aggregate: those with an aggregate kept, a column
        whose every aggregate was constant in training (a field empty in every row) being named
        apart, as not used."""
        used = {c.rpartition(":")[0] for c in self.tabular_.feature_columns()}
        num = [c for c in self.numeric_ if c in used]
        cat = [c for c in self.categorical_ if c in used]
        unused = [c for c in (*self.numeric_, *self.categorical_) if c not in used]
        logger.info("entity features: per (%s, %s bucket): %s of %d column(s)%s; distinct values "
                    "of %d%s%s", self.entity_col, self.bucket, "/".join(self.stats), len(num),
                    _named(num), len(cat), _named(cat),
                    f"; not used, constant in training: {len(unused)}{_named(unused)}"
                    if unused else "")

    def _refuse_key_roles(self) -> None:
        """A ``drop`` or ``roles`` entry naming the entity or timestamp column is an error: the
        rows are grouped on them whatever it says (it was ignored without a word). Checked at
        fit only: a model saved with such an entry still loads and scores as it did."""
        keys = {str(self.entity_col): "entity", str(self.timestamp_col): "timestamp"}
        for c in map(str, () if self.drop is None else self.drop):
            if c in keys:
                raise InputError(f"drop: {c!r} is the {keys[c]} column, which groups the rows into "
                                 "(entity, bucket) rows and is never aggregated; leave it out",
                                 param="drop")
        for c, role in (self.roles or {}).items():
            if str(c) in keys:
                raise InputError(f"roles: {str(c)!r} is the {keys[str(c)]} column, which groups the "
                                 f"rows into (entity, bucket) rows; it takes no role ({role!r})",
                                 param="roles")

    def _refuse_text_to_sum(self, df: pd.DataFrame) -> None:
        """A column of text named to be summed (``numeric``, the CLI's ``--aggregate``) is an
        error that says to count its values (``categorical``, ``--distinct``) instead; a stray
        word in a column of numbers is left to :meth:`_numbers` (it names the row)."""
        for c in map(str, () if self.numeric is None else self.numeric):
            s = df[c]
            if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                continue
            present = s.dropna()
            text = present.astype("string").str.strip()  # blank, '-', '(empty)': missing values
            present = present[((text != "") & ~text.isin(NUMBER_GAPS)).to_numpy(dtype=bool)].iloc[:2000]
            if len(present) and with_sizes(to_numbers(present), present).notna().mean() < 0.5:
                text = s.astype("string").str.strip()
                bad = (with_sizes(to_numbers(s), s).isna() & s.notna() & (text != "")
                       & ~text.isin(NUMBER_GAPS)).fillna(False).to_numpy(dtype=bool)
                i = int(np.flatnonzero(bad)[0])
                if separated_number(present) is not None:  # numbers, of a regional export: not text
                    raise InputError(f"column {c!r}: row {i + 1} is not a number ({s.iloc[i]!r})"
                                     f"{separated_hint(s.iloc[i])}", param="numeric")
                raise InputError(f"column {c!r}: row {i + 1} is not a number ({s.iloc[i]!r}): a "
                                 "column of text cannot be summed (numeric); count its values "
                                 "(categorical) instead", param=("numeric", "categorical"))

    # -- transform ----------------------------------------------------------------------------
    def _numbers(self, s: pd.Series, c: str, strict: bool = True) -> np.ndarray:
        if pd.api.types.is_bool_dtype(s):
            return s.to_numpy(dtype=np.float64)
        v = to_numbers(s)  # a JSON integer of 400 digits: inf, as its text in a CSV file
        if not pd.api.types.is_numeric_dtype(s):
            v = with_sizes(v, s)  # ('48.2 MB', a print log's size: its bytes, as a table model's)
        # (not ``strict``: a column no feature reads, whose text is a missing value, as the
        # column left out is; a table model ignores a constant column's values alike)
        bad = v.isna().to_numpy() & s.notna().to_numpy() & strict
        if bad.any():  # blank, '-' and '(empty)' are missing values, as the column's role read them
            text = s.astype("string").str.strip()
            # dtype=bool: pandas 2.1 (allowed) gives a nullable boolean's values as objects
            bad &= ((text != "") & ~text.isin(NUMBER_GAPS)).fillna(False).to_numpy(dtype=bool)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])  # ('1,5': a regional export's, said so, as a table model's)
            raise InputError(f"column {c!r}: row {i + 1} is not a number ({s.iloc[i]!r})"
                             f"{separated_hint(s.iloc[i])}")
        return v.to_numpy(dtype=np.float64, na_value=np.nan)

    def _aggregate(self, df: pd.DataFrame, ts: pd.DatetimeIndex | None = None,
                   unread: Collection[str] = ()) -> pd.DataFrame:
        """The (entity, bucket) rows of ``df`` (``ts``: its times, when already read; ``unread``:
        the summed columns no feature reads, whose text is taken as missing values)."""
        td = parse_bucket(self.bucket)
        assert self.entity_col is not None and self.timestamp_col is not None  # checked at fit
        if ts is None:
            ts = _times(df[self.timestamp_col], self.timestamp_col, getattr(self, "dayfirst_", None))
        ent_codes, ent_names = self._entities(df[self.entity_col])
        starts = ts.floor(td)
        groups = Groups(_group_key(ent_codes, ent_names, starts, td))
        size = groups.sizes
        cols: dict[str, Any] = {"count": size.astype(np.float64)}
        if self.numeric_:
            x = np.vstack([self._numbers(df[c].reset_index(drop=True), c, strict=c not in unread)
                           for c in self.numeric_])
            parts = numeric_stats(groups, x, tuple(self.stats))
            for j, c in enumerate(self.numeric_):
                for s in self.stats:
                    cols[f"{c}:{s}"] = parts[s][j]
        for c in self.categorical_:
            # (a missing spelling from JSON lines, 'N/A', is the missing value, as a CSV's cell)
            codes = factorize_strings(df[c].reset_index(drop=True), null_text=True)[0]
            distinct, top = distinct_top(groups, codes)
            cols[f"{c}:distinct"] = distinct.astype(np.float64)
            if self.top_share:
                cols[f"{c}:top_share"] = top.astype(np.float64) / cols["count"]
        if self.log1p != "none":  # counts and sums are heavy-tailed; shares are not
            keep = (":top_share",) if self.log1p == "all" else (":mean", ":max", ":top_share")
            for k in cols:
                if not k.endswith(keep):
                    cols[k] = _symlog(cols[k])
        first = groups.first_rows
        start = starts[first]
        return pd.DataFrame({"entity": ent_names[ent_codes[first]], "bucket_start": start,
                             "bucket_end": start + td, "rows": size.astype(np.int64), **cols})

    def _entities(self, s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """(codes, names) of the entity column ``s``: :func:`factorize_strings`' stripped text,
        case-folded with ``entity_case="fold"`` (:func:`folded_name`: names that fold alike
        share a code; the missing entity stays ``"<missing>"``).

        Examples
        --------
        >>> import pandas as pd
        >>> codes, names = EntityWindows("u", "ts", entity_case="fold")._entities(
        ...     pd.Series(["Alice", "ALICE ", None, "alice"]))
        >>> names[codes].tolist()
        ['alice', 'alice', '<missing>', 'alice']
        >>> codes, names = EntityWindows("u", "ts")._entities(pd.Series(["N/A", None, "a"]))
        >>> names[codes].tolist()
        ['<missing>', '<missing>', 'a']
        """
        # 'N/A', 'null', '?' ...: the table reader's missing cells; from JSON lines, the service
        # or a stream they came as text and named an entity of their own ('N/A'), where the same
        # rows of a CSV were the entity '<missing>'
        codes, names = factorize_strings(s.reset_index(drop=True), null_text=True)
        # a client ::ffff:10.0.0.5 (Kerberos events) is the 10.0.0.5 of its logons: one entity,
        # not two with half the history each (a state saved before compares them as written)
        # and a requester 10.0.1.5:52153 (a new port each request) is 10.0.1.5: one entity, not one
        # per request (a state saved before compares them as written)
        form = int(getattr(self, "entity_ip_form_", ENTITY_IP_FORM))
        unmapped = ipv4_unmapped(names, ported=form >= 2) if form else None
        if unmapped is not None:
            ip_codes, ip_names = pd.factorize(unmapped)
            codes, names = ip_codes[codes].astype(np.int64), np.asarray(ip_names, dtype=object)
        if getattr(self, "entity_case", "exact") != "fold":
            return codes, names
        names = np.array([folded_name(n) for n in names.tolist()], dtype=object)  # "<missing>" stays
        fold_codes, fold_names = pd.factorize(names)
        return fold_codes[codes].astype(np.int64), np.asarray(fold_names, dtype=object)

    def row_keys(self, df: pd.DataFrame) -> tuple[np.ndarray, pd.DatetimeIndex]:
        """Per row of ``df``: its entity (as the key text) and its bucket start (what joins row
        labels to :meth:`aggregate`'s rows). Needs only the parameters, not a fit.

        Examples
        --------
        >>> import pandas as pd
        >>> ent, start = EntityWindows("host", "ts", bucket="1min").row_keys(
        ...     pd.DataFrame({"host": ["a", "b"], "ts": [59, 61]}))
        >>> ent.tolist(), start.strftime("%H:%M").tolist()
        (['a', 'b'], ['00:00', '00:01'])
        """
        entity, ts = self.row_times(df)
        return entity, ts.floor(parse_bucket(self.bucket))

    def row_times(self, df: pd.DataFrame) -> tuple[np.ndarray, pd.DatetimeIndex]:
        """Per row of ``df``: its entity (as the key text) and its time, as read (the times
        :meth:`row_keys` floors to bucket starts). Needs only the parameters, not a fit (numeric
        dates are read in the fitted order, else in ``dayfirst``'s).

        Examples
        --------
        >>> import pandas as pd
        >>> ent, ts = EntityWindows("host", "ts", bucket="1min").row_times(
        ...     pd.DataFrame({"host": ["a", "b"], "ts": [59, 61]}))
        >>> ent.tolist(), ts.strftime("%H:%M:%S").tolist()
        (['a', 'b'], ['00:00:59', '00:01:01'])
        """
        self._check_params()
        assert self.entity_col is not None and self.timestamp_col is not None  # _check_params: text
        df = self._check_frame(df, "group")
        try:
            codes, names = self._entities(df[self.entity_col])
        except UnicodeDecodeError:
            self._refuse_bytes(df, {self.entity_col})
            raise
        # the fitted date order; before a fit, the one given (as fit reads the rows)
        order = self.dayfirst_ if hasattr(self, "dayfirst_") else self.dayfirst
        ts = _times(df[self.timestamp_col], self.timestamp_col, order)
        return names[codes], ts

    def aggregate(self, df: pd.DataFrame) -> pd.DataFrame:
        """The (entity, bucket) rows of ``df``: the key columns :data:`KEYS` (entity as text,
        bucket start and end, row count) and the aggregates the features are made from, sorted by
        entity then bucket start.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
        ...                    "bytes": [10, 20, 5, 7], "dport": [80, 443, 80, 80]})
        >>> ew = EntityWindows("src", "ts", bucket="5min", log1p="none").fit(df)
        >>> agg = ew.aggregate(df)
        >>> agg[["entity", "bucket_start", "rows", "bytes:sum"]]
          entity        bucket_start  rows  bytes:sum
        0      a 1970-01-01 00:00:00     2       30.0
        1      a 1970-01-01 00:05:00     1        7.0
        2      b 1970-01-01 00:00:00     1        5.0
        """
        from hourglass.ingest.kv import ends_learnt_whole, frame_ends_joined

        self._check_fitted()
        if ends := ends_learnt_whole([*self.columns_, self.entity_col]):  # a SonicWall end learnt
            df = frame_ends_joined(df, ends)  # whole (10.0.0.5:51234:X0): read so
        try:
            with signalling_nan_named(df):
                df = self._checked(df)
                return self._aggregate(df, unread=self.unread_numbers())
        except UnicodeDecodeError:
            self._refuse_bytes(df, set(self.columns_))
            raise

    def _check_fitted(self) -> None:
        if not hasattr(self, "feature_names_"):
            raise not_fitted("EntityWindows is not fitted; call fit(df) first")

    def _checked(self, df: pd.DataFrame) -> pd.DataFrame:
        df = self._check_frame(df, "score")
        missing = [c for c in self.read_columns() if c not in df.columns]
        if missing:
            near = near_names(missing, df.columns)  # SRC_BYTES or ' src_bytes ' for src_bytes
            raise InputError(f"column(s) the model needs are missing: {', '.join(missing[:3])}"
                             f"{' ...' if len(missing) > 3 else ''}{f'; {near}' if near else ''}")
        # a column no feature comes from may be left out: its aggregates, which training
        # dropped, are taken over missing values
        unread = [c for c in self.columns_ if c not in df.columns]
        return df.assign(**dict.fromkeys(unread, np.nan)) if unread else df

    def read_columns(self) -> list[str]:
        """The columns of ``columns_`` that the features read: the entity and timestamp columns
        and each aggregated column a feature comes from. A column all of whose aggregates
        training dropped (constant, near-duplicates: ``inspect`` shows it with 0 features) is
        not read, so rows to score need not carry it, as a table model's rows need not carry a
        constant column.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
        ...                    "bytes": [10, 20, 5, 7], "one": [1, 1, 1, 1]})
        >>> ew = EntityWindows("src", "ts", bucket="5min", log1p="none").fit(df)
        >>> ew.columns_, ew.read_columns()
        (['src', 'ts', 'bytes', 'one'], ['src', 'ts', 'bytes'])
        """
        self._check_fitted()
        used = set(self.tabular_.columns_)  # the aggregates a feature (or missing indicator) reads
        shares = (":distinct", ":top_share")
        made = {**{c: [f"{c}:{s}" for s in self.stats] for c in self.numeric_},
                **{c: [f"{c}{s}" for s in shares] for c in self.categorical_}}
        return [c for c in self.columns_ if c not in made or any(a in used for a in made[c])]

    def unread_numbers(self) -> list[str]:
        """The summed columns (``numeric_``) no feature reads (:meth:`read_columns`): a value of
        one that is no number is taken as a missing value, not refused, as a table model ignores
        a constant column; their aggregates in :meth:`aggregate` are over the numbers.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
        ...                    "bytes": [10, 20, 5, 7], "one": [1, 1, 1, 1]})
        >>> ew = EntityWindows("src", "ts", bucket="5min", log1p="none").fit(df)
        >>> ew.unread_numbers(), ew.aggregate(df.assign(one=["x", 1, 1, 1]))["one:max"].tolist()
        (['one'], [1.0, 1.0, 1.0])
        """
        read = set(self.read_columns())
        return [c for c in self.numeric_ if c not in read]

    def read_numbers(self) -> list[str]:
        """The summed columns (``numeric_``) a feature reads: a value of one that is no number is
        refused (:meth:`unread_numbers`: the others).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "b"], "ts": [0, 10], "bytes": [10, 20], "one": [1, 1]})
        >>> EntityWindows("src", "ts", bucket="5min", log1p="none").fit(df).read_numbers()
        ['bytes']
        """
        read = set(self.read_columns())
        return [c for c in self.numeric_ if c in read]

    def encode(self, agg: pd.DataFrame) -> np.ndarray:
        """The feature matrix of an :meth:`aggregate` table.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
        ...                    "bytes": [10, 20, 5, 7], "dport": [80, 443, 80, 80]})
        >>> ew = EntityWindows("src", "ts", bucket="5min", log1p="none").fit(df)
        >>> ew.encode(ew.aggregate(df)).shape == (3, len(ew.feature_names_))
        True
        """
        self._check_fitted()
        return self.tabular_.transform(agg[self.aggregates_])

    def transform_with_keys(self, df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        """(key columns, feature matrix) of ``df``'s (entity, bucket) rows, aggregated once.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
        ...                    "bytes": [10, 20, 5, 7], "dport": [80, 443, 80, 80]})
        >>> ew = EntityWindows("src", "ts", bucket="5min", log1p="none").fit(df)
        >>> keys, X = ew.transform_with_keys(df)
        >>> keys.columns.tolist(), X.shape[0]
        (['entity', 'bucket_start', 'bucket_end', 'rows'], 3)
        """
        agg = self.aggregate(df)
        return agg[list(KEYS)], self.encode(agg)

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """The feature matrix: one row per (entity, bucket), in :meth:`aggregate`'s order.

        Parameters
        ----------
        df
            Rows with the training columns.

        Returns
        -------
        numpy.ndarray
            Finite float32 matrix, (entity, bucket) rows × ``feature_names_``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
        ...                    "bytes": [10, 20, 5, 7], "dport": [80, 443, 80, 80]})
        >>> ew = EntityWindows("src", "ts", bucket="5min", log1p="none").fit(df)
        >>> ew.transform(df).shape   # (a, 0-5min), (a, 5-10min), (b, 0-5min)
        (3, 2)
        """
        return self.transform_with_keys(df)[1]

    def fit_transform(self, df: pd.DataFrame) -> np.ndarray:
        """``fit(df)`` then ``transform(df)``.

        Parameters
        ----------
        df
            Training rows, with the entity and timestamp columns.

        Returns
        -------
        numpy.ndarray
            The training rows' (entity, bucket) feature matrix, as :meth:`transform` gives it.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
        ...                    "bytes": [10, 20, 5, 7], "dport": [80, 443, 80, 80]})
        >>> EntityWindows("src", "ts", bucket="5min", log1p="none").fit_transform(df).shape
        (3, 2)
        """
        return self.fit(df).transform(df)

    def feature_columns(self) -> list[str]:
        """The aggregate (:meth:`aggregate` column, e.g. ``dst_port:distinct``) each feature comes
        from, in the order of ``feature_names_`` (a missing indicator maps to its aggregate).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
        ...                    "bytes": [10, 20, 5, 7], "dport": [80, 443, 80, 80]})
        >>> ew = EntityWindows("src", "ts", bucket="5min", log1p="none").fit(df)
        >>> len(ew.feature_columns()) == len(ew.feature_names_), "count" in ew.feature_columns()
        (True, True)
        """
        self._check_fitted()
        return self.tabular_.feature_columns()

    def raw_values(self, agg: pd.DataFrame) -> pd.DataFrame:
        """The aggregates of an :meth:`aggregate` table as counted, without the ``log1p``:
        ``rows`` (the ``count``), distinct counts and sums as numbers of rows, values, bytes.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "a", "b"], "ts": [0, 1, 2, 3],
        ...                    "dport": [22, 23, 24, 22]})
        >>> ew = EntityWindows("src", "ts").fit(df)
        >>> [round(float(v), 6) for v in ew.raw_values(ew.aggregate(df)).iloc[0]]
        [3.0, 3.0, 0.333333]
        """
        self._check_fitted()
        values = agg[self.aggregates_].astype(np.float64)
        if self.log1p != "none":
            keep = (":top_share",) if self.log1p == "all" else (":mean", ":max", ":top_share")
            for k in self.aggregates_:
                if not k.endswith(keep):
                    x = values[k].to_numpy()
                    values[k] = np.sign(x) * np.expm1(np.abs(x))
        return values

    @staticmethod
    def readable(name: str) -> str:
        """An aggregate's name as a person reads it: ``count`` → ``rows``,
        ``dst_port:distinct`` → ``distinct dst_port``, ``bytes:sum`` → ``sum bytes``,
        ``proto:top_share`` → ``top proto share``.

        Examples
        --------
        >>> [EntityWindows.readable(n) for n in ("count", "dst_port:distinct", "bytes:max")]
        ['rows', 'distinct dst_port', 'max bytes']
        """
        if name == "count":
            return "rows"
        column, _, stat = name.rpartition(":")
        if stat == "top_share":
            return f"top {column} share"
        return f"{stat} {column}" if column else name

    def extra_columns(self, df: pd.DataFrame) -> list[str]:
        """Columns of ``df`` that the fitted features do not read (ignored).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
        ...                    "bytes": [10, 20, 5, 7], "dport": [80, 443, 80, 80]})
        >>> ew = EntityWindows("src", "ts", bucket="5min", log1p="none").fit(df)
        >>> ew.extra_columns(df.assign(note="x"))
        ['note']
        """
        self._check_fitted()  # (not 'no attribute columns_')
        known = set(self.columns_)
        return [str(c) for c in df.columns if str(c) not in known]

    # -- state --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON fitted state (the tabular preprocessing's inside).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400],
        ...                    "bytes": [10, 20, 5, 7], "dport": [80, 443, 80, 80]})
        >>> ew = EntityWindows("src", "ts", bucket="5min", log1p="none").fit(df)
        >>> state = ew.to_dict()
        >>> state["class"], bool((EntityWindows.from_dict(state).transform(df) == ew.transform(df)).all())
        ('EntityWindows', True)
        """
        self._check_fitted()
        return {"class": "EntityWindows", "params": self.get_params(), "numeric": self.numeric_,
                "categorical": self.categorical_, "columns": self.columns_,
                "aggregates": self.aggregates_, "tabular": self.tabular_.to_dict(),
                "feature_names": self.feature_names_, "n_buckets": self.n_buckets_,
                **({} if getattr(self, "dayfirst_", None) is None else {"dayfirst": self.dayfirst_}),
                **({"entity_ip_form": int(self.entity_ip_form_)}
                   if getattr(self, "entity_ip_form_", 0) else {}),
                **({} if getattr(self, "raw_medians_", None) is None
                   else {"raw_medians": dict(self.raw_medians_ or {})})}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EntityWindows:
        """Rebuild from :meth:`to_dict` output.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"host": ["a", "b", "a"], "ts": [0, 0, 600], "n": [1.0, 2.0, 5.0]})
        >>> ew = EntityWindows("host", "ts").fit(df)
        >>> EntityWindows.from_dict(ew.to_dict()).transform(df).tolist() == ew.transform(df).tolist()
        True
        """
        try:
            # (every fit saved these, of these kinds: params [] was blamed on a missing entity
            # column, a scaler of 5 loaded)
            params = saved_settings(d["params"], text=["entity_col", "timestamp_col", "bucket",
                                                       "log1p", "scaler"],
                                    maybe_text=["entity_case"], flags=["top_share"],
                                    objects=["roles"])
            gone = {str(c) for c in params.get("drop") or ()}
            if gone and isinstance(params.get("roles"), dict):  # saved before such a pair was
                params["roles"] = {k: v for k, v in params["roles"].items()  # refused: the drop won
                                   if str(k) not in gone or v == "drop"} or None
            self = cls(**params)
            self._check_params()
            self.numeric_ = [str(c) for c in d["numeric"]]
            self.categorical_ = [str(c) for c in d["categorical"]]
            self.columns_ = [str(c) for c in d["columns"]]
            self.aggregates_ = [str(c) for c in d["aggregates"]]
            self.tabular_ = TabularPreprocessor.from_dict(d["tabular"])
            self.feature_names_ = [str(c) for c in d["feature_names"]]
            self.n_buckets_ = int(d.get("n_buckets", 0))
            self.dayfirst_ = None if d.get("dayfirst") is None else bool(d["dayfirst"])
            # absent from a state saved before: its entities compared as written (::ffff:10.0.0.5
            # and 10.0.0.5 two), as they were; 1 from one saved before an address written with
            # its port was that address (10.0.1.5:52153 and 10.0.1.5:52154 two, as they were)
            self.entity_ip_form_ = int(d.get("entity_ip_form", 0))
            # absent from models saved before it was kept (their explanations use the imputer's)
            medians = d.get("raw_medians")
            self.raw_medians_ = None if medians is None else \
                {str(c): float(v) for c, v in dict(medians).items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"entity feature state is malformed ({exc})") from None
        if self.feature_names_ != self.tabular_.feature_names_:
            raise InputError("entity feature state is malformed (feature names do not match)")
        # as fit writes them from the aggregated columns and the statistics (a column edited in
        # one list only, or text for a list, was a KeyError traceback at scoring)
        shares = (":distinct", ":top_share") if self.top_share else (":distinct",)
        aggregates = list(dict.fromkeys([  # (a statistic named twice, stats=("sum", "sum"): once)
            "count", *(f"{c}:{s}" for c in self.numeric_ for s in self.stats),
            *(f"{c}{s}" for c in self.categorical_ for s in shares)]))
        if not (isinstance(d["numeric"], list) and isinstance(d["categorical"], list)
                and self.aggregates_ == aggregates
                and self.columns_ == [self.entity_col, self.timestamp_col, *self.numeric_,
                                      *self.categorical_]):
            raise InputError("entity feature state is malformed (the aggregated columns, their "
                             "statistics and the aggregates do not match)")
        return self
