"""Alert suppression rules: an allowlist of known benign alerts (a backup server, a vulnerability
scanner, a maintenance window), read from a TOML file and applied to each scored batch.

A rule names the raw column values (``match``) and/or the stretch of event time (``between``) of
the rows it silences; a row the model flags that a rule matches keeps its score, its flag
becomes 0 and ``suppressed`` names the first rule (in file order) that matched it. Rows the
model did not flag are never named: the counts per rule are alerts silenced.

.. code-block:: toml

    [[rule]]
    name = "nightly backup"
    match = { src_ip = "10.0.0.5", service = ["ftp_data", "ftp"] }   # all keys; a list: any of
    [[rule]]
    name = "scanner subnet"
    match = { src_ip = "10.20.0.0/16" }                               # an IP network
    until = 2027-01-31                                                 # expiry (the day included)
    [[rule]]
    name = "patch window"
    between = [2026-12-06T02:00:00Z, 2026-12-06T04:00:00Z]             # the rows' time, UTC

An entity-bucket model (``train --entity-col``) alerts on (entity, bucket) rows, not table rows:
a rule's ``match`` names the entity column alone (its values are the entities) and ``between``
reads each bucket's start (:meth:`Suppressions.for_buckets`, :meth:`Suppressions.apply_buckets`).

Matching works per distinct value of a batch's column (a million rows of a few hundred
addresses cost a few hundred comparisons), on the value as text: whole numbers without ``.0``
(``21``, ``21.0`` and ``"21"`` are alike), text stripped; ``true`` and ``false``, written as
TOML booleans or as text, match a cell of either case that says so (a column of only
true/false reads as booleans, one with other values as its text: ``true``, ``"true"``,
``True`` and ``TRUE`` are alike). A string with ``*`` or ``?`` is a
glob (case-sensitive); one that reads as an IP address or network (``10.20.0.0/16``,
``2001:db8::/32``, ``10.0.0.5``; IPv4 octets decimal, leading zeros included, as in the cells:
``010.0.0.0/8`` is 10.0.0.0/8) matches the addresses inside it (a cell that is no address does
not match; an IPv4-mapped IPv6 cell, ``::ffff:10.0.0.5``, is its IPv4 address); anything else
matches equal text. Text is matched case-sensitively, equal text and globs alike (no rule option
folds case: ``CORP\\Alice`` is not ``corp\\alice``; give each spelling, or a glob's ``[Cc]``
classes), except on the entities of a model trained with ``entity_case="fold"``
(:meth:`Condition.folded`).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import ipaddress
import logging
import math
import re
import time
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hourglass._columns import listed_columns
from hourglass._eol import without_boms
from hourglass.errors import InputError, no_file, read_problem
from hourglass.features.roles import is_ip, unpadded_ipv4

__all__ = ["Condition", "Rule", "SuppressionError", "Suppressions", "load_suppressions"]

logger = logging.getLogger(__name__)

_KEYS = ("name", "match", "between", "until", "comment")
_WHOLE_FLOAT = re.compile(r"^(-?\d+)\.0+$")
# IPv4 as the features read it (roles.ip_parts): four decimal octets, leading zeros taken as the
# decimal digits they are ('010.001.002.003' is 10.1.2.3, as a log that pads its octets means, and
# its features say; ipaddress refuses it, so a rule for 10.0.0.0/8 did not match it)
_V4_TEXT = r"^\d{1,3}(\.\d{1,3}){3}$"
_IPV4ISH = re.compile(r"^\d{1,3}(\.\d{1,3}){3}(/\d+)?$")
_SHOWN = 8
_BOOLS = ("true", "false")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NS_MIN, _NS_MAX = -(2**63) + 1, 2**63 - 1  # a time before or after every row
_BUCKET_START = "<bucket start>"  # the time column of an entity model's buckets (no data column)
_SAID_EXPIRED: set[tuple[str, str]] = set()  # (source, rule) that expired while in use, said once

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SuppressionError(InputError):
    """Suppression rules that cannot be applied to a model (a column it never had, ``between``
    without a time column, a model that reads no table rows): what a caller that loads the model
    itself (the scoring service) raises, so that its command line names the rules' option.

    Examples
    --------
    >>> issubclass(SuppressionError, InputError)   # one line on the command line, exit code 2
    True
    """


def _canonical(value: object) -> str:
    """A rule value as the text a cell is compared in: whole numbers without ``.0``.

    Examples
    --------
    >>> _canonical(21), _canonical(21.0), _canonical(" 21.00 "), _canonical(0.5), _canonical(True)
    ('21', '21', '21', '0.5', 'True')
    >>> _canonical(-0.0), _canonical("-0")
    ('0', '0')
    """
    text = _WHOLE_FLOAT.sub(r"\1", str(value).strip())
    return "0" if text == "-0" else _composed(text)  # as the cells: -0.0 is the value 0


def _composed(text: str) -> str:
    """``text`` in Unicode's composed form (NFC), in which rules and cells are compared: a name
    written with an accent as one code point or as a letter and a combining mark (as macOS tools
    and some exporters write it) is one text, as the model reads one category.

    Examples
    --------
    >>> _composed("Jose\\u0301") == "Jos\\xe9", _composed("alice")
    (True, 'alice')
    """
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _network(text: str, where: str) -> IpNetwork | None:
    """``text`` as an IP network (an address is a network of one), ``None`` when it is no
    address at all; an :class:`InputError` when it looks like one (dotted IPv4, or an address
    before a ``/``) but is not valid. Text with ``:`` and ``/`` that is no network (a URL, a
    Windows path) is no address.

    Examples
    --------
    >>> [_network(t, "x") for t in ("2001:db8::/32", "https://updates.example.com/", "C:/Windows/x")]
    [IPv6Network('2001:db8::/32'), None, None]
    """
    looks = _IPV4ISH.match(text) is not None or ("/" in text and is_ip(text.split("/", 1)[0]))
    try:
        return ipaddress.ip_network(unpadded_ipv4(text), strict=True)  # ('010.0.0.0/8': 10.0.0.0/8)
    except ValueError as exc:
        if looks:
            raise InputError(f"{where}: {text!r} is not a valid IP address or network ({exc})") from None
        return None


def _glob_matches(glob: str, texts: list[str]) -> np.ndarray:
    """Which of ``texts`` the glob ``glob`` matches (case-sensitively, as a whole), by Python's
    ``re``: pandas' string methods run pyarrow's RE2, which refuses the atomic groups that
    ``fnmatch.translate`` writes for a glob of two ``*`` or more (``*google*``) on Python 3.11+.

    Examples
    --------
    >>> _glob_matches("*google*", ["www.google.com", "Google.com", "example.org"]).tolist()
    [True, False, False]
    """
    match = re.compile(fnmatch.translate(glob)).match
    return np.fromiter((match(t) is not None for t in texts), dtype=bool, count=len(texts))


@dataclass(frozen=True)
class Condition:
    """What one column of a rule accepts: equal texts, globs and IP networks (any of them).

    Examples
    --------
    >>> cond = Condition.of(["ftp", "ssh*", 21, "10.0.0.0/8"], "rule 'x', column 'c'")
    >>> cond.test(np.array(["ftp", "sshd", "21", "10.1.2.3", "11.0.0.1", "FTP", "::ffff:10.0.0.9"],
    ...                    dtype=object)).tolist()
    [True, True, True, True, False, False, True]
    >>> Condition.of(True, "x").test(np.array(["True", "true", "TRUE", "False", "y"], dtype=object)).tolist()
    [True, True, True, False, False]
    """

    exact: tuple[str, ...] = ()
    globs: tuple[str, ...] = ()
    networks: tuple[IpNetwork, ...] = ()
    #: the texts a column of numbers writes for those of :attr:`exact` that are a number's text
    #: written otherwise (``00042`` -> ``42``), read once with the rules (matched on a
    #: number column's number cells only)
    numbers: tuple[str, ...] = ()

    @classmethod
    def of(cls, values: object, where: str) -> Condition:
        """The condition of a ``match`` entry (a value, or a list of values: any of them)."""
        from hourglass.features.roles import NULL_TEXT

        items = values if isinstance(values, list) else [values]
        if not items:
            raise InputError(f"{where}: an empty list matches nothing; give at least one value")
        exact: list[str] = []
        globs: list[str] = []
        networks: list[IpNetwork] = []
        for v in items:
            if isinstance(v, (dict, list, dt.date, dt.time)):
                kind = "a table" if isinstance(v, dict) else "a list" if isinstance(v, list) else \
                    "a date or time"
                raise InputError(f"{where}: expected text, a number or true/false (or a list of "
                                 f"them), got {kind} ({v!r})")
            if isinstance(v, str) and not v.strip():  # an empty cell is a missing one: no match
                raise InputError(f"{where}: an empty value matches nothing (an empty or missing "
                                 "cell matches no rule); give a value")
            if isinstance(v, float) and v != v:  # nan: a NaN cell is a missing one, as empty
                raise InputError(f"{where}: nan matches nothing (a NaN, empty or missing cell "
                                 "matches no rule); give a value")
            if isinstance(v, bool) or (isinstance(v, str) and v.strip().lower() in _BOOLS):
                # a column of true/false alone reads as booleans ("True"), one with other
                # values as the text written: either way, true or "true" is the same truth
                word = str(v).strip().lower()
                exact.extend((word, word.capitalize(), word.upper()))
                continue
            if isinstance(v, str) and ("*" in v or "?" in v):
                globs.append(_composed(v.strip()))  # as the cells it is matched on, and the exact values
                continue
            if isinstance(v, str) and v.strip() in NULL_TEXT:  # 'N/A', 'null': a missing cell, as empty
                raise InputError(f"{where}: {v.strip()!r} matches nothing (the table reader reads it as a "
                                 "missing cell, and a missing cell matches no rule); give a value")
            net = _network(v.strip(), where) if isinstance(v, str) else None
            if net is not None:
                networks.append(net)
            else:
                exact.append(_canonical(v))
        return cls(tuple(exact), tuple(globs), tuple(networks), _number_forms(tuple(exact)))

    def folded(self) -> Condition:
        """This condition for case-folded cells (an entity model trained with
        ``entity_case="fold"``): its texts and globs case-folded (``folded_name``), its networks
        as they are (an address reads alike in either case).

        Examples
        --------
        >>> Condition.of(["Alice", "SVC-*", "10.0.0.0/8"], "x").folded().test(
        ...     np.array(["alice", "svc-backup", "10.1.2.3", "bob"], dtype=object)).tolist()
        [True, True, True, False]
        """
        from hourglass.features.entity import folded_name

        return replace(self, exact=tuple(dict.fromkeys(folded_name(e) for e in self.exact)),
                       globs=tuple(dict.fromkeys(folded_name(g) for g in self.globs)))

    def test(self, values: np.ndarray) -> np.ndarray:
        """Which of ``values`` (distinct cells as text, missing ones ``<missing>``) it accepts;
        text is compared in its composed form (:func:`_composed`)."""
        from hourglass.features.roles import MISSING

        values = np.array([_composed(v) if isinstance(v, str) else v for v in values.tolist()],
                          dtype=object)
        mask = np.isin(values, np.array(self.exact, dtype=object)) if self.exact else \
            np.zeros(len(values), dtype=bool)
        if self.globs and len(values):
            text = [str(v) for v in values]
            for g in self.globs:
                mask |= _glob_matches(g, text)
        if self.networks and len(values):
            mask |= self._in_networks(values)
        return mask & (values != MISSING)

    def test_times(self, values: np.ndarray) -> np.ndarray:
        """:meth:`test` for the distinct cells of a column read as times (a CSV's ISO-8601 text,
        which its reader turns into times, or a Parquet time column), given as :func:`_time_text`
        writes them: a value of the rule that reads as a date-time matches the cells of that
        instant (``2024-01-01T00:00:28+0000``, ``2024-01-01 00:00:28`` and ``...28Z`` alike, a
        time without an offset taken as UTC), as the text written matches in a JSON row; a
        glob is matched on that text, with a ``T`` or a space between the date and the time
        (``2024-01-01T00:*``, ``2024-01-01 00:*``).

        Examples
        --------
        >>> cells = _time_text(pd.Series(pd.to_datetime(["2024-01-01 00:00:28", None])))
        >>> cells.tolist()
        ['2024-01-01T00:00:28', '<missing>']
        >>> Condition.of(["2024-01-01T00:00:28+00:00"], "x").test_times(cells).tolist()
        [True, False]
        >>> Condition.of(["2024-01-01 00:*"], "x").test_times(cells).tolist()
        [True, False]
        """
        from hourglass.features.roles import MISSING

        exact = [t for t in map(_rule_time_text, self.exact) if t is not None]
        mask = np.isin(values, np.array(exact, dtype=object)) if exact else \
            np.zeros(len(values), dtype=bool)
        if self.globs and len(values):
            text = [str(v) for v in values]
            # (also with a space for the T: a CSV's own "2024-01-01 00:00:28", which its glob matches)
            spaced = [t.replace("T", " ", 1) for t in text]
            for g in self.globs:
                mask |= _glob_matches(g, text) | _glob_matches(g, spaced)
        return mask & (values != MISSING)

    def _in_networks(self, values: np.ndarray) -> np.ndarray:
        """Which ``values`` are addresses in one of the networks: IPv4 text read in arrays (a
        Python ``ip_address`` per value would cost 15 µs each), IPv6 value by value."""
        import pyarrow as pa
        import pyarrow.compute as pc

        out = np.zeros(len(values), dtype=bool)
        arr = pa.array(values, type=pa.string())
        is_v4 = np.asarray(pc.match_substring_regex(arr, _V4_TEXT).fill_null(False), dtype=bool)
        v4 = [n for n in self.networks if n.version == 4]
        if v4 and is_v4.any():
            parts = pc.split_pattern(arr.filter(pa.array(is_v4)), ".")
            octets = np.asarray(pc.cast(pc.list_flatten(parts), pa.int64())).reshape(-1, 4)
            address = (octets[:, 0] << 24) | (octets[:, 1] << 16) | (octets[:, 2] << 8) | octets[:, 3]
            hit = np.zeros(len(address), dtype=bool)
            for net in v4:
                hit |= (address & int(net.netmask)) == int(net.network_address)
            out[is_v4] = hit & (octets <= 255).all(axis=1)
        v6 = [n for n in self.networks if n.version == 6]
        # IPv6 text value by value; an IPv4-mapped one (::ffff:10.0.0.5, as Windows logs write an
        # IPv4 client) is that IPv4 address to the IPv4 networks. Without IPv6 networks only the
        # values that start as mapped ones are parsed (IPv6 clients, host:port text: not each)
        maybe = ~is_v4 & np.asarray(pc.match_substring(arr, ":").fill_null(False), dtype=bool)
        if not v6:
            maybe &= np.asarray(pc.starts_with(pc.utf8_lower(arr), "::ffff:").fill_null(False),
                                dtype=bool) if v4 else False
        for i in np.flatnonzero(maybe):
            text = values[i]
            try:
                address6 = ipaddress.ip_address(text)
            except ValueError:
                continue
            mapped = getattr(address6, "ipv4_mapped", None)
            out[i] = any(address6 in net for net in v6) or \
                (mapped is not None and any(mapped in net for net in v4))
        return out


@dataclass(frozen=True)
class Rule:
    """One suppression rule: its ``name``, the columns it ``match``es (all of them), the
    ``between`` stretch of event time (UTC nanoseconds, start included, end excluded) and the
    ``until`` expiry (UTC nanoseconds, excluded), each optional but not both of match/between.

    Examples
    --------
    >>> text = '[[rule]]\\nname = "lab"\\nmatch = { src_ip = "10.0.0.0/8" }\\nuntil = 2030-01-01'
    >>> [rule] = Suppressions.parse(text, now=0).rules
    >>> rule.name, sorted(rule.match), rule.between    # between: none given
    ('lab', ['src_ip'], None)
    >>> rule.until == 1893542400 * 10**9    # 2030-01-02 00:00 UTC: the day 2030-01-01 included
    True
    """

    name: str
    match: Mapping[str, Condition] = field(default_factory=dict)
    between: tuple[int, int] | None = None
    until: int | None = None


def _utc_ns(value: object, where: str, *, end: bool = False) -> int:
    """A TOML date or date-time as UTC nanoseconds (a time without an offset is UTC, as every
    time in hourglass; a date is its midnight, or with ``end`` the next one: the day included).

    Examples
    --------
    >>> plus_one = dt.timezone(dt.timedelta(hours=1))
    >>> _utc_ns(dt.datetime(2026, 12, 6, 3, tzinfo=plus_one), "x") - _utc_ns(dt.datetime(2026, 12, 6, 2), "x")
    0
    >>> _utc_ns(dt.date(2026, 12, 6), "x", end=True) - _utc_ns(dt.date(2026, 12, 6), "x")
    86400000000000
    """
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    elif isinstance(value, dt.date):
        aware = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        aware += dt.timedelta(days=1) if end and value < dt.date.max else dt.timedelta()
    else:
        aware = None
    if aware is not None:  # in Python's integers: 2999-01-31 is past pandas' range (2262)
        ns = (aware - _EPOCH) // dt.timedelta(microseconds=1) * 1000
        return int(min(max(ns, _NS_MIN), _NS_MAX))
    raise InputError(f"{where}: expected a TOML date (2027-01-31) or date-time "
                     f"(2026-12-06T02:00:00Z), got {value!r}")


def _flat(table: Mapping[str, Any], where: str, prefix: str = "") -> dict[str, Any]:
    """``match``'s keys, a dotted key (``source.ip = ...``, a nested table in TOML) as the one
    flat column name a JSON row's nested field is read as; an empty table (``src_ip = {}``, a
    ``[rule.match.source]`` header without keys) is an :class:`InputError`: it names no value."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        if isinstance(v, dict):
            if not v:
                raise InputError(f"{where}, column {prefix + k!r}: an empty table matches every "
                                 "row; give column = value(s), e.g. match = { src_ip = \"10.0.0.5\" }")
            inner = _flat(v, where, f"{prefix}{k}.")
        else:
            inner = {f"{prefix}{k}": v}
        for column, value in inner.items():  # "source.ip" and source.ip: one column, one value
            if column in out:
                raise InputError(f"{where}: 'match' names column {column!r} twice (as a quoted "
                                 "key and as a dotted one); give its values once, a list for any of them")
            out[column] = value
    return out


def _rule(raw: object, i: int, source: str) -> Rule:
    """The ``i``-th (from 1) ``[[rule]]`` table of ``source``, checked."""
    if not isinstance(raw, dict):
        raise InputError(f"{source}: 'rule' must be an array of tables ([[rule]]), got {raw!r}")
    name = raw.get("name")
    where = f"{source}: rule {i}" + (f" ({name!r})" if isinstance(name, str) and name.strip() else "")
    unknown = [k for k in raw if k not in _KEYS]
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (a rule takes {', '.join(_KEYS)})")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}: no name (give each rule name = \"...\"; alerts and counts "
                         "name it)")
    where = f"{source}: rule {name!r}"
    if "match" not in raw and "between" not in raw:
        raise InputError(f"{where}: neither 'match' nor 'between': it would silence every alert")
    match: dict[str, Condition] = {}
    if "match" in raw:
        flat = _flat(raw["match"], where) if isinstance(raw["match"], dict) else {}
        if not flat:
            raise InputError(f"{where}: 'match' must be a table of column = value(s), e.g. "
                             "match = { src_ip = \"10.0.0.5\" }")
        match = {str(c): Condition.of(v, f"{where}, column {c!r}") for c, v in flat.items()}
    between = None
    if "between" in raw:
        span = raw["between"]
        if not isinstance(span, list) or len(span) != 2:
            raise InputError(f"{where}: 'between' must be [start, end], two TOML dates or "
                             "date-times")
        lo, hi = _utc_ns(span[0], f"{where}, between"), _utc_ns(span[1], f"{where}, between", end=True)
        if not lo < hi:
            if lo == hi and lo in (_NS_MIN, _NS_MAX):  # both clamped: after 2262 or before 1677
                raise InputError(f"{where}: 'between' ({span[0]} to {span[1]}) lies wholly outside the "
                                 "times a row can have (1677-2262); no row is ever in it")
            # a date-time end is excluded (a date end includes its day: lo == hi is a day before)
            if lo == hi and isinstance(span[1], dt.datetime):
                raise InputError(f"{where}: 'between' ends ({span[1]}) where it starts ({span[0]}): "
                                 "it holds no time (the end is excluded)")
            raise InputError(f"{where}: 'between' ends ({span[1]}) before it starts ({span[0]})")
        between = (lo, hi)
    until = _utc_ns(raw["until"], f"{where}, until", end=True) if "until" in raw else None
    if "comment" in raw and not isinstance(raw["comment"], str):
        raise InputError(f"{where}: 'comment' must be text")
    return Rule(name.strip(), match, between, until)


@dataclass(frozen=True)
class Suppressions:
    """The rules of a suppression file that are in force, applied to scored batches.

    ``time_col`` (and its ``dayfirst`` order) is the rows' time column that ``between`` reads;
    set it with :meth:`for_times`.

    Examples
    --------
    >>> rules = Suppressions.parse('''
    ... [[rule]]
    ... name = "backup"
    ... match = { src_ip = "10.0.0.5", service = ["ftp", "ftp_data"] }
    ... [[rule]]
    ... name = "scanners"
    ... match = { src_ip = "10.20.0.0/16" }
    ... ''', "rules.toml")
    >>> df = pd.DataFrame({"src_ip": ["10.0.0.5", "10.0.0.5", "10.20.3.4", "8.8.8.8"],
    ...                    "service": ["ftp", "http", "ssh", "ftp"]})
    >>> rules.names(df).tolist()
    ['backup', '', 'scanners', '']
    >>> flags, names = rules.apply(df, np.array([1, 1, 1, 0]))
    >>> flags.tolist(), names.tolist()
    ([0, 1, 0, 0], ['backup', '', 'scanners', ''])
    """

    rules: tuple[Rule, ...]
    source: str = "suppressions"
    time_col: str | None = None
    dayfirst: bool | None = None
    now: int | None = None  # a fixed clock (UTC nanoseconds) for 'until'; None: the real one
    entity_col: str | None = None  # an entity model's entity column (for_buckets)

    @classmethod
    def parse(cls, text: str, source: str = "suppressions", now: float | None = None) -> Suppressions:
        """The rules in TOML ``text`` (``source`` names it in messages); expired ones (``until``
        before ``now``, epoch seconds, default the clock) are left out with a warning naming them.

        Raises :class:`InputError` for bad TOML (with its line), a rule without a name or with
        neither ``match`` nor ``between``, an unknown key, a bad IP network or date, and two
        rules of one name.

        Examples
        --------
        >>> rules = Suppressions.parse('''
        ... [[rule]]
        ... name = "night"
        ... between = [2026-12-06T00:00:00Z, 2026-12-06T06:00:00Z]
        ... [[rule]]
        ... name = "lab"
        ... match = { src_ip = "10.0.0.0/8" }
        ... ''', "rules.toml")
        >>> [rule.name for rule in rules.rules], rules.uses_time
        (['night', 'lab'], True)
        >>> Suppressions.parse('[[rule]]\\nname = "x"', "rules.toml")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        hourglass.errors.InputError: rules.toml: rule 'x': neither 'match' nor 'between': it would ...
        """
        deep = f"{source}: arrays, tables or dotted keys nested too deeply; a rule is a [[rule]] " \
            "table of name, match = { column = value(s) } and/or between"
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{source}: not valid TOML: {exc}") from None
        except RecursionError:  # thousands of nested [ or { (tomllib reads them recursively)
            raise InputError(deep) from None
        unknown = [k for k in doc if k != "rule"]
        if unknown:
            raise InputError(f"{source}: unknown key {unknown[0]!r} (the file holds [[rule]] tables)")
        raw = doc.get("rule", [])
        if isinstance(raw, dict):  # [rule]: one table, not an array of them
            raise InputError(f"{source}: 'rule' is a single table ([rule]); write each rule as an "
                             "array-of-tables entry, [[rule]] (two brackets)")
        if not isinstance(raw, list):
            raise InputError(f"{source}: 'rule' must be an array of tables ([[rule]]), got {raw!r}")
        if not raw:
            raise InputError(f"{source}: no rules (each rule is a [[rule]] table with a name and "
                             "match and/or between)")
        try:
            rules = [_rule(r, i, source) for i, r in enumerate(raw, start=1)]
        except RecursionError:  # a dotted key of thousands of parts (match's tables, flattened)
            raise InputError(deep) from None
        seen: set[str] = set()
        for r in rules:
            if r.name in seen:
                raise InputError(f"{source}: two rules are named {r.name!r}; give each its own name")
            seen.add(r.name)
        now_ns = int((time.time() if now is None else now) * 1e9)
        expired = [r.name for r in rules if r.until is not None and r.until <= now_ns]
        if expired:
            logger.warning("%s: %d rule(s) expired and not applied: %s (their 'until' has passed; "
                           "renew or remove them)", source, len(expired), ", ".join(map(repr, expired)))
        return cls(tuple(r for r in rules if r.name not in expired), source,
                   now=None if now is None else now_ns)

    @property
    def columns(self) -> list[str]:
        """The columns the rules match on, in file order."""
        return list(dict.fromkeys(c for r in self.rules for c in r.match))

    @property
    def names_in_force(self) -> list[str]:
        """The names of the rules applied now (none whose ``until`` has passed), in file order."""
        now = time.time_ns() if self.now is None else self.now
        return [r.name for r in self.rules if r.until is None or r.until > now]

    def _in_force(self) -> list[Rule]:
        """The rules not expired by the clock now: a service or stream that runs past a rule's
        ``until`` stops applying it then (said once), as a restart would."""
        now = time.time_ns() if self.now is None else self.now
        live = []
        for rule in self.rules:
            if rule.until is not None and rule.until <= now:
                if (self.source, rule.name) not in _SAID_EXPIRED:
                    _SAID_EXPIRED.add((self.source, rule.name))
                    logger.warning("%s: rule %r expired (its 'until' has passed) and is no longer "
                                   "applied; renew or remove it", self.source, rule.name)
                continue
            live.append(rule)
        return live

    @property
    def uses_time(self) -> bool:
        """Whether a rule reads the rows' time (``between``)."""
        return any(r.between is not None for r in self.rules)

    def for_times(self, time_col: str | None, dayfirst: bool | None, what: str) -> Suppressions:
        """These rules reading the time of each row in ``time_col`` (``dayfirst``: the order of
        its numeric dates); an :class:`InputError` when a rule has ``between`` and there is no
        such column (``what`` says whose).

        Examples
        --------
        >>> rules = Suppressions.parse('''
        ... [[rule]]
        ... name = "night"
        ... between = [2026-12-06T00:00:00Z, 2026-12-06T06:00:00Z]
        ... [[rule]]
        ... name = "lab"
        ... match = { src_ip = "10.0.0.0/8" }
        ... ''', "rules.toml")
        >>> rules.for_times("ts", None, "the model").time_col
        'ts'
        >>> try:
        ...     rules.for_times(None, None, "the model")
        ... except InputError as e:
        ...     print(e)   # doctest: +NORMALIZE_WHITESPACE
        rules.toml: rule 'night' has 'between', but the model has no time column (train with
        --timestamp-col, or a format with one)
        """
        if self.uses_time and time_col is None:
            name = next(r.name for r in self.rules if r.between is not None)
            raise InputError(f"{self.source}: rule {name!r} has 'between', but {what} has no time "
                             "column (train with --timestamp-col, or a format with one)")
        return replace(self, time_col=time_col, dayfirst=dayfirst)

    def for_buckets(self, entity_col: str, what: str, entity_case: str = "exact") -> Suppressions:
        """These rules applied to an entity-bucket model's (entity, bucket) rows
        (:meth:`apply_buckets`): ``match`` on ``entity_col`` (the model's entity column, the one
        value a bucket has), ``between`` on the bucket's start. A rule that matches another
        column is an :class:`InputError` (``what`` names the model). With ``entity_case="fold"``
        (a model whose entity names are case-folded, so its buckets name ``alice`` whatever the
        rows wrote) the rules' values on the entity column are case-folded too: ``user =
        "Alice"`` and ``"ALICE"`` match the entity ``alice``, as the model's rows ``Alice`` and
        ``ALICE`` are that entity.

        Examples
        --------
        >>> rules = Suppressions.parse('[[rule]]\\nname = "lab"\\nmatch = { dst_port = 22 }\\n', "r.toml")
        >>> try:
        ...     rules.for_buckets("src_ip", "the model (vae)")
        ... except InputError as exc:
        ...     print(exc)  # doctest: +NORMALIZE_WHITESPACE
        r.toml: rule 'lab' matches column 'dst_port', but the model (vae) is an entity-bucket model:
        its alerts are (entity, bucket) rows, and only its entity column 'src_ip' can be matched
        """
        for rule in self.rules:
            other = next((c for c in rule.match if c != entity_col), None)
            if other is not None:
                raise InputError(f"{self.source}: rule {rule.name!r} matches column {other!r}, but "
                                 f"{what} is an entity-bucket model: its alerts are (entity, bucket) "
                                 f"rows, and only its entity column {entity_col!r} can be matched")
        rules = self.rules
        if entity_case == "fold":
            rules = tuple(replace(r, match={c: cond.folded() for c, cond in r.match.items()})
                          for r in rules)
        return replace(self, rules=rules, time_col=_BUCKET_START if self.uses_time else None,
                       dayfirst=None, entity_col=entity_col)

    def apply_buckets(self, keys: pd.DataFrame, flags: Any) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`apply` to (entity, bucket) rows: ``keys`` holds each bucket's ``entity`` and
        ``bucket_start`` (times, or ISO-8601 text), ``flags`` its 0/1 flag. A bucket is matched
        on its entity (as the entity column's value) and, for ``between``, on its start: a bucket
        is silenced when it starts within [start, end), whatever its end.

        Examples
        --------
        >>> rules = Suppressions.parse('''
        ... [[rule]]
        ... name = "scanners"
        ... match = { src_ip = "10.20.0.0/16" }
        ... [[rule]]
        ... name = "window"
        ... between = [2026-12-06T02:00:00Z, 2026-12-06T02:10:00Z]
        ... ''', "r.toml").for_buckets("src_ip", "the model")
        >>> keys = pd.DataFrame({"entity": ["10.20.0.9", "10.0.0.1", "10.0.0.1", "10.0.0.1"],
        ...                      "bucket_start": pd.to_datetime(["2026-12-06 01:00", "2026-12-06 01:55",
        ...                                                      "2026-12-06 02:05", "2026-12-06 02:10"])})
        >>> flags, names = rules.apply_buckets(keys, [1, 1, 1, 1])
        >>> flags.tolist(), names.tolist()
        ([0, 1, 0, 1], ['scanners', '', 'window', ''])
        """
        if self.entity_col is None:
            raise ValueError("apply_buckets: rules not bound to an entity column (for_buckets)")
        df = pd.DataFrame({self.entity_col: keys["entity"].to_numpy(dtype=object)})
        if self.time_col is not None:
            df[self.time_col] = keys["bucket_start"].reset_index(drop=True)
        return self.apply(df, flags)

    def check_columns(self, available: Iterable[str], what: str) -> None:
        """An :class:`InputError` naming the first rule and column not in ``available`` (the
        columns ``what``, a file or a model, has), and a few of those there are.

        Examples
        --------
        >>> rules = Suppressions.parse('''
        ... [[rule]]
        ... name = "night"
        ... between = [2026-12-06T00:00:00Z, 2026-12-06T06:00:00Z]
        ... [[rule]]
        ... name = "lab"
        ... match = { src_ip = "10.0.0.0/8" }
        ... ''', "rules.toml")
        >>> rules.check_columns(["src_ip", "bytes"], "flows.csv")     # fine: nothing raised
        >>> try:
        ...     rules.check_columns(["ts", "bytes"], "flows.csv")
        ... except InputError as e:
        ...     print(e)   # doctest: +NORMALIZE_WHITESPACE
        rules.toml: rule 'lab' matches column 'src_ip', which flows.csv does not have (its columns:
        ts, bytes)
        """
        have = list(dict.fromkeys(map(str, available)))
        known = set(have)
        needed = [(r.name, c) for r in self.rules for c in r.match]
        if self.time_col is not None and self.uses_time:
            needed += [(r.name, self.time_col) for r in self.rules if r.between is not None]
        for name, column in needed:
            if column not in known:
                shown = listed_columns(have[:_SHOWN]) + (" ..." if len(have) > _SHOWN else "")
                raise InputError(f"{self.source}: rule {name!r} matches column {column!r}, which "
                                 f"{what} does not have (its columns: {shown})")

    def names(self, df: pd.DataFrame) -> np.ndarray:
        """The first rule (in file order) each row of ``df`` matches, ``""`` where none does. A
        column a rule matches that ``df`` lacks, a missing cell, and a row whose time does not
        read (for ``between``) match nothing. An :class:`InputError` when a rule has ``between``
        and no time column is bound (:meth:`for_times`, :meth:`for_buckets`).

        Examples
        --------
        >>> rules = Suppressions.parse('''
        ... [[rule]]
        ... name = "night"
        ... between = [2026-12-06T00:00:00Z, 2026-12-06T06:00:00Z]
        ... [[rule]]
        ... name = "lab"
        ... match = { src_ip = "10.0.0.0/8" }
        ... ''', "rules.toml")
        >>> df = pd.DataFrame({"ts": ["2026-12-06 01:00:00", "2026-12-07 01:00:00", "2026-12-07 01:00:00"],
        ...                    "src_ip": ["8.8.8.8", "10.1.2.3", "8.8.8.8"]})
        >>> rules.for_times("ts", None, "the model").names(df).tolist()
        ['night', 'lab', '']
        """
        from hourglass.features.roles import factorize_strings

        self._check_time()
        out = np.full(len(df), "", dtype=object)
        rules = self._in_force() if len(df) else []
        if not rules:
            return out
        open_ = np.ones(len(df), dtype=bool)
        coded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        timed: set[str] = set()  # the columns read as times
        numeric: dict[str, np.ndarray] = {}  # the columns holding numbers: which of their rows do
        times: np.ndarray | None = None
        for rule in rules:
            hit = open_.copy()
            for column, cond in rule.match.items():
                if column not in df.columns:
                    hit[:] = False
                    break
                if column not in coded:
                    cells = df[column].reset_index(drop=True)
                    if _is_time_column(cells):  # (read as times: the text written is gone)
                        timed.add(column)
                        coded[column] = _time_cells(cells)
                    else:
                        numbers = _number_rows(cells)  # (likewise: 00042 read as 42)
                        if numbers is not None:
                            numeric[column] = numbers
                        # 'N/A', 'null', '?' ... (JSON lines, a stream, the service): a missing
                        # cell, matched by no rule, as the same rows of a CSV read them
                        coded[column] = factorize_strings(_as_written(cells), null_text=True)
                codes, uniques = coded[column]
                if column in timed:
                    hit &= cond.test_times(uniques)[codes]
                elif column in numeric and cond.numbers:  # a number's other text: its number cells
                    accepted = cond.test(uniques)
                    other = np.isin(uniques, np.array(cond.numbers, dtype=object)) & ~accepted
                    rows = numeric[column]
                    if rows is _ALL:  # (all of them: one look-up of the cells' codes, as for text)
                        hit &= (accepted | other)[codes]
                    elif other.any():
                        hit &= accepted[codes] | (other[codes] & rows)
                    else:
                        hit &= accepted[codes]
                else:
                    hit &= cond.test(uniques)[codes]
                if not hit.any():
                    break
            if rule.between is not None and hit.any():
                if times is None:
                    times = self._times(df)
                hit &= (times >= rule.between[0]) & (times < rule.between[1])
            out[hit] = rule.name
            open_ &= ~hit
            if not open_.any():
                break
        return out

    def apply(self, df: pd.DataFrame, flags: Any) -> tuple[np.ndarray, np.ndarray]:
        """``flags`` (0/1 per row of ``df``) with the flagged rows a rule matches set to 0, and
        each row's rule name (``""``: not suppressed). Only the flagged rows are matched: an
        alert is what a rule silences. An :class:`InputError` when a rule has ``between`` and no
        time column is bound (:meth:`for_times`): its rule would silence nothing, unsaid.

        Examples
        --------
        >>> rules = Suppressions.parse('''
        ... [[rule]]
        ... name = "night"
        ... between = [2026-12-06T00:00:00Z, 2026-12-06T06:00:00Z]
        ... [[rule]]
        ... name = "lab"
        ... match = { src_ip = "10.0.0.0/8" }
        ... ''', "rules.toml")
        >>> df = pd.DataFrame({"ts": ["2026-12-06 01:00:00", "2026-12-07 01:00:00", "2026-12-07 01:00:00"],
        ...                    "src_ip": ["8.8.8.8", "10.1.2.3", "8.8.8.8"]})
        >>> flags, silenced_by = rules.for_times("ts", None, "the model").apply(df, np.array([1, 1, 1]))
        >>> flags.tolist(), silenced_by.tolist()
        ([0, 0, 1], ['night', 'lab', ''])
        """
        self._check_time()
        flags = np.asarray(flags).astype(int)
        names = np.full(len(flags), "", dtype=object)
        pick = np.flatnonzero(flags == 1)
        if len(pick) and self.rules:
            sub = df.iloc[pick] if len(pick) < len(df) else df
            rules = self.ordered_by(df[self.time_col]) if len(pick) < len(df) and \
                self.time_col in df.columns else self
            names[pick] = rules.names(sub)
            flags = np.where(names != "", 0, flags)
        return flags, names

    def ordered_by(self, values: Any) -> Suppressions:
        """These rules reading numeric day/month dates (``06/12/2026``) in the order the whole
        batch's times ``values`` show, where the model keeps none (``dayfirst`` is ``None``): the
        flagged rows alone may all be ambiguous (day 12 or less) and read the other way than
        the batch, and its alerts' times, are read. The rules as they are otherwise.

        Examples
        --------
        >>> rules = Suppressions.parse('[[rule]]\\nname = "w"\\nbetween = [2026-12-06, 2026-12-06]\\n',
        ...                            "r.toml").for_times("ts", None, "the data")
        >>> rules.ordered_by(pd.Series(["06/12/2026 02:00", "13/12/2026 02:00"])).dayfirst
        True
        """
        if not self.uses_time or self.dayfirst is not None or self.time_col in (None, _BUCKET_START):
            return self
        from hourglass._times import chunk_dayfirst

        order = chunk_dayfirst(values, str(self.time_col))  # (a date valid in no order left out)
        return self if order is None else replace(self, dayfirst=order)

    def _check_time(self) -> None:
        """An :class:`InputError` when a rule has ``between`` and no time column is bound."""
        if self.time_col is None and self.uses_time:
            name = next(r.name for r in self.rules if r.between is not None)
            raise InputError(f"{self.source}: rule {name!r} has 'between', but no time column is "
                             "bound: call rules.for_times(TIME_COLUMN, None, \"the data\") before "
                             "applying the rules")

    def _times(self, df: pd.DataFrame) -> np.ndarray:
        """Each row's time as UTC nanoseconds (as every command reads times); the smallest int64
        where it does not read. When the column does not read in one pass (an offset where the
        others have none, epoch numbers beside ISO text, a number past pandas' range), its
        distinct values are read in parts (:meth:`_read_parts`; those
        :func:`~hourglass._times.unreadable_times` rejects, after the others, among themselves):
        a time that reads alone is read, one that does not matches no ``between`` rule, and
        neither stops a run."""
        from hourglass._times import unreadable_times

        none = np.iinfo(np.int64).min
        if self.time_col is None or self.time_col not in df.columns:
            return np.full(len(df), none, dtype=np.int64)
        col = df[self.time_col].reset_index(drop=True)
        try:  # the usual case: every time reads, in one pass
            return self._read(col)
        except _UNREAD:
            pass
        codes, uniques = pd.factorize(col)  # a missing time: code -1
        values = pd.Series(uniques, dtype=object)
        each = np.full(len(values) + 1, none, dtype=np.int64)  # [-1]: a missing time
        try:  # first judged as rows (as many of each value as the batch has)
            good = ~unreadable_times(col, self.time_col, self.dayfirst) & (codes >= 0)
        except _UNREAD:
            good = codes >= 0
        bad = np.ones(len(values), dtype=bool)
        bad[codes[good]] = False
        if not bad.all():
            self._read_parts(values, np.flatnonzero(~bad), each)
        # a value rejected beside others may read among the rejected ones of its kind (numbers,
        # text), as long as a pass finds one readable
        numeric = _numbers(values)
        for left in (np.flatnonzero(bad & numeric), np.flatnonzero(bad & ~numeric)):
            while len(left):
                try:
                    no = unreadable_times(values.iloc[left].reset_index(drop=True), self.time_col,
                                          self.dayfirst)
                except _UNREAD:
                    no = np.zeros(len(left), dtype=bool)
                if no.all():
                    break
                self._read_parts(values, left[~no], each)
                left = left[no]
        return each[codes]

    def _read(self, values: pd.Series) -> np.ndarray:
        from hourglass._times import parse_timestamps

        return _ns(parse_timestamps(values.reset_index(drop=True), str(self.time_col), self.dayfirst))

    def _read_parts(self, values: pd.Series, idx: np.ndarray, each: np.ndarray) -> None:
        """``each[idx]`` the times of ``values[idx]`` read together, or where they do not, each
        half apart, down to single values (one that does not read alone is left as it was): a
        few bad values among many cost a few reads per bad value, not one read per value."""
        try:
            each[idx] = self._read(values.iloc[idx])
        except _UNREAD:
            if len(idx) > 1:
                half = len(idx) // 2
                self._read_parts(values, idx[:half], each)
                self._read_parts(values, idx[half:], each)

_ALL = np.ones(0, dtype=bool)  # (:func:`_number_rows` of a column of numbers: every row)


def _number_rows(s: pd.Series) -> np.ndarray | None:
    """Which rows of ``s`` hold numbers (not booleans) rather than the text written: all of a
    column of numbers, those of a column of mixed values that are (a micro-batch of JSON rows
    whose ``fee`` is ``2.5`` in one and ``"n/a"`` in another, a row's match not to hang on its
    neighbours), :data:`_ALL` for a column of numbers; ``None`` when none do. Per distinct value.

    Examples
    --------
    >>> _number_rows(pd.Series([2.5, "n/a", True, 3])).tolist(), _number_rows(pd.Series(["x"]))
    ([True, False, False, True], None)
    >>> _number_rows(pd.Series([1, 2])) is _ALL
    True
    """
    if pd.api.types.is_bool_dtype(s.dtype):
        return None
    if pd.api.types.is_numeric_dtype(s.dtype):
        return _ALL
    if s.dtype != object:
        return None
    try:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    except TypeError:  # (unhashable cells: no numbers among them to read)
        return None
    kinds = np.array([isinstance(v, (int, float, np.integer, np.floating))
                      and not isinstance(v, (bool, np.bool_)) for v in uniques.tolist()] + [False],
                     dtype=bool)
    rows = kinds[np.where(codes >= 0, codes, len(kinds) - 1)]
    return rows if rows.any() else None


_NUMBER_TEXT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _number_forms(values: tuple[str, ...]) -> tuple[str, ...]:
    """The texts a column of numbers gives its cells (:func:`~hourglass.features.roles.factorize_strings`)
    for those of ``values`` that are a number's text other than that one (``00042`` -> ``42``,
    ``2.50`` -> ``2.5``); read once per rule, as the rules are read.

    Examples
    --------
    >>> _number_forms(("00042", "2.50", "42", "ftp", "1e999"))
    ('42', '2.5')
    """
    from hourglass.features.roles import _whole

    out: list[str] = []
    for text in values:
        t = text.strip()
        if not _NUMBER_TEXT.match(t):
            continue
        try:  # (int: a text of thousands of digits is refused, as Python's int() refuses it)
            number: int | float = int(t) if t.lstrip("+-").isdigit() else float(t)
        except ValueError:
            continue
        if isinstance(number, float) and not math.isfinite(number):
            continue
        # as factorize_strings writes a cell (its text, whole floats without ".0"), in Python:
        # a pandas call per value cost 2 ms, 20 s a batch for 10,000 rules on a number column
        form = _whole(str(number))
        if form != text and form not in out:
            out.append(form)
    return tuple(out)


def _is_time_column(s: pd.Series) -> bool:
    """Whether ``s`` holds times (naive or with a zone) rather than the text written."""
    return pd.api.types.is_datetime64_any_dtype(s.dtype)


def _time_text(s: pd.Series) -> np.ndarray:
    """A time column's cells as the text :meth:`Condition.test_times` compares: ISO 8601 in
    UTC without an offset (a naive time taken as UTC), ``<missing>`` where there is none.

    Examples
    --------
    >>> _time_text(pd.Series(pd.to_datetime(["2024-01-01T02:00:28.5+02:00"]))).tolist()
    ['2024-01-01T00:00:28.500000']
    """
    from hourglass.features.roles import MISSING

    if getattr(s.dtype, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    arr = s.to_numpy()  # (in the column's own unit: no overflow past 2262)
    missing = np.isnat(arr)
    out = np.datetime_as_string(arr, unit="s").astype(object)  # whole seconds, in arrays
    fraction = np.flatnonzero(~missing & (arr != arr.astype("datetime64[s]")))
    for i in fraction:  # a fraction of a second: as Timestamp.isoformat writes it
        out[i] = pd.Timestamp(arr[i]).isoformat()
    out[missing] = MISSING
    return out


_DATE_START = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _rule_time_text(value: str) -> str | None:
    """A rule's value as :func:`_time_text` writes a cell of that instant, ``None`` when it is
    no date-time (``2024-01-01`` is its midnight).

    Examples
    --------
    >>> _rule_time_text("2024-01-01T00:00:28+0000"), _rule_time_text("2024-01-01 02:00:28.5+02:00")
    ('2024-01-01T00:00:28', '2024-01-01T00:00:28.500000')
    >>> _rule_time_text("10.0.0.5") is None, _rule_time_text("2024-13-45") is None
    (True, True)
    """
    if not _DATE_START.match(value):
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, OverflowError):
        return None
    if ts is pd.NaT:
        return None
    if ts.tz is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return str(ts.isoformat())


def _time_cells(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) of a time column as :func:`~hourglass.features.roles.factorize_strings`
    gives them for text, the distinct times written by :func:`_time_text` (per distinct value).

    Examples
    --------
    >>> codes, uniques = _time_cells(pd.Series(pd.to_datetime(["2024-01-01", None, "2024-01-01"])))
    >>> uniques[codes].tolist()
    ['2024-01-01T00:00:00', '<missing>', '2024-01-01T00:00:00']
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    text = np.append(_time_text(pd.Series(uniques)), _time_text(pd.Series([pd.NaT])))
    return np.where(codes >= 0, codes, len(text) - 1).astype(np.int64), text


def _numbers(values: pd.Series) -> np.ndarray:
    """Whether each of ``values`` (distinct cells) is a number or a number's text; a JSON integer
    no float holds (``1`` and 400 zeros, where ``pd.to_numeric`` raises an OverflowError) is one,
    as its text is.

    Examples
    --------
    >>> _numbers(pd.Series([10**400, "2026-12-06", 1.5], dtype=object)).tolist()
    [True, False, True]
    """
    try:
        return pd.to_numeric(values, errors="coerce").notna().to_numpy(dtype=bool)
    except OverflowError:  # a Python int past float64: read as its text (infinite)
        wide = values.map(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v)
        return pd.to_numeric(wide, errors="coerce").notna().to_numpy(dtype=bool)


# what reading a time can raise: an unreadable value, one past pandas' range (OutOfBoundsDatetime
# is a ValueError), an epoch number too large for an int64
_UNREAD = (InputError, ValueError, OverflowError)


def _as_written(s: pd.Series) -> pd.Series:
    """``s`` with narrow floats (a float32 or float16 Parquet column) as the float64 values their
    own shortest text gives, ``0.1`` where a widening would give ``0.10000000149011612``; whole
    values below 1e16 as they are (``1000000``, not ``1e+06``); other columns as they are. Per
    distinct value.

    Examples
    --------
    >>> _as_written(pd.Series(np.array([0.1, 1e6, np.nan], dtype=np.float32))).tolist()
    [0.1, 1000000.0, nan]
    """
    dtype = np.dtype(np.float32) if isinstance(s.dtype, pd.Float32Dtype) else s.dtype
    if not (isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8):
        return s
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    short = [float(v) if float(v).is_integer() and abs(float(v)) < 1e16 else float(str(v))
             for v in np.asarray(uniques, dtype=dtype)]  # (from 1e16 their shortest text: 1e+16)
    return pd.Series(np.array([*short, np.nan])[codes], index=s.index, name=s.name)


def _ns(ts: pd.DatetimeIndex) -> np.ndarray:
    """UTC nanoseconds of times read by :func:`~hourglass._times.parse_timestamps` (aware ones
    are UTC, naive ones are taken as UTC)."""
    if ts.tz is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return np.asarray(ts.as_unit("ns").asi8, dtype=np.int64)


#: The largest suppression file read (bytes): tens of thousands of rules fit well within it.
MAX_RULES_BYTES = 64 * 2**20


def load_suppressions(path: str | Path, now: float | None = None) -> Suppressions:
    """The rules of the TOML file at ``path`` (see :class:`Suppressions`, UTF-8 with or without
    a byte-order mark); an :class:`InputError` for a missing or unreadable file, or one larger
    than :data:`MAX_RULES_BYTES` (a wrong path, read no further).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "rules.toml"
    >>> _ = p.write_text('[[rule]]\\nname = "old"\\nmatch = { a = 1 }\\nuntil = 2001-01-01\\n')
    >>> load_suppressions(p).rules
    ()
    >>> load_suppressions(p.with_name("none.toml"))
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: ...none.toml: no such file
    """
    p = Path(path)
    if not p.exists():
        raise no_file(p)  # (a symbolic link loop said as such)
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a TOML file of [[rule]] tables")
    try:
        with p.open("rb") as fh:  # read up to the limit: a wrong path (a log file, /dev/zero)
            data = fh.read(MAX_RULES_BYTES + 1)  # is refused, not read whole into memory
        if len(data) > MAX_RULES_BYTES:
            raise InputError(f"{p}: larger than {MAX_RULES_BYTES // 2**20} MiB; a suppression file "
                             "is a TOML file of [[rule]] tables (is this the right file?)")
        text = without_boms(data.decode("utf-8"))  # byte-order marks (Notepad) are no TOML
    except UnicodeDecodeError:
        raise InputError(f"{p}: not UTF-8 text; a suppression file is TOML") from None
    except OSError as exc:  # no permission to read it, an I/O error
        raise InputError(f"{p}: cannot be read ({read_problem(exc)})") from None
    return Suppressions.parse(text, str(p), now)
