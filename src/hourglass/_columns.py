"""How messages show column names: an empty, padded or unprintable name quoted, so that a list
reads "x, ''" and not "x, ". No imports beyond the standard library, so that every layer (the
readers, the features, the CLI's light start) can use it."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

__all__ = ["LOG_MODEL", "QUOTED_TEXT", "counted", "counted_as", "counted_plural", "listed_columns",
           "near_names", "read_as_log", "shown_apart", "shown_column", "spelling_key"]

#: A value a message quotes as ``repr()`` writes it (``'...'`` or ``"..."``): the user's text,
#: which no rewrite of the message's own words (``row N``, ``line N``, an option's name) touches.
#: A quote opens one after no letter or digit only (the apostrophe of "the model's" opens none).
QUOTED_TEXT = r"(?<!\w)'(?:[^'\\]|\\.)*'" + r'|(?<!\w)"(?:[^"\\]|\\.)*"'


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` (with thousands separators) and its noun, singular for one: every count a message
    gives (it said '1 rows').

    Examples
    --------
    >>> counted(1, "row"), counted(3000, "row"), counted(0, "session"), counted(1, "time step")
    ('1 row', '3,000 rows', '0 sessions', '1 time step')
    >>> counted(2, "(entity, 5min bucket) row"), counted(1, "entry", "entries")
    ('2 (entity, 5min bucket) rows', '1 entry')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def counted_plural(n: int, plural: str) -> str:
    """:func:`counted` of a noun given in its plural (a model's unit: ``rows``, ``sessions``,
    ``(entity, bucket) rows``, ``held-out normal scores``), made singular for one by its
    final ``s``.

    Parameters
    ----------
    n
        The count.
    plural
        What is counted, in the plural; its final ``s`` is left out for one.

    Returns
    -------
    str
        ``n`` (with thousands separators) and the noun.

    Examples
    --------
    >>> counted_plural(1, "held-out normal rows"), counted_plural(2, "(entity, bucket) rows")
    ('1 held-out normal row', '2 (entity, bucket) rows')
    """
    return counted(n, plural.removesuffix("s"), plural)


def counted_as(n: int, label: str | tuple[str, str], noun: str = "") -> str:
    """``n`` and what became of them, for a log's counts: the label's singular or plural form
    (``(one, many)``; a label alike for both as it is), or ``noun`` counted before it.

    Examples
    --------
    >>> counted_as(1, ("was blank", "were blank")), counted_as(2, ("was blank", "were blank"))
    ('1 was blank', '2 were blank')
    >>> counted_as(1, "had no session id", "event"), counted_as(3, "matched no header format")
    ('1 event had no session id', '3 matched no header format')
    """
    if noun:
        return f"{counted(n, noun)} {label}"
    return f"{n:,} {label if isinstance(label, str) else label[n != 1]}"


def shown_column(name: object) -> str:
    """A column's name as a message shows it: as it is, or quoted (``repr``) when it would not
    read on its own: empty (a JSON key ``""``), only spaces, padded with spaces, or holding a
    character that prints as nothing (a byte-order mark, a newline).

    Parameters
    ----------
    name
        The column's name (any label; shown as its text).

    Returns
    -------
    str
        The name, quoted where a plain name would be invisible.

    Examples
    --------
    >>> shown_column("proto"), shown_column(""), shown_column("\\ufeffa")
    ('proto', "''", "'\\\\ufeffa'")
    """
    text = str(name)
    if text and text == text.strip() and text.isprintable():
        return text
    return repr(text)


def listed_columns(names: Iterable[object]) -> str:
    """``names`` joined with ``", "`` for a message, each as :func:`shown_column` shows it (so
    an empty name reads ``''``, not as a blank between two commas); a name holding a comma is
    quoted too, as it would read as two names of the list.

    Parameters
    ----------
    names
        The column names to list, in order.

    Returns
    -------
    str
        The list as one line of text.

    Examples
    --------
    >>> listed_columns(["duration", "", "proto"])
    "duration, '', proto"
    >>> listed_columns(["src bytes", "a,b", "c"])
    "src bytes, 'a,b', c"
    """
    # a name holding a comma is quoted: in a list, a,b reads as the names a and b
    return ", ".join(repr(str(n)) if "," in str(n) else shown_column(n) for n in names)


def spelling_key(text: object) -> str:
    """``text`` as two spellings of one name or value share it: in Unicode's compatibility form
    (NFKC: ``é`` as one code point or as ``e`` and a combining accent, as macOS file systems and
    some exporters write it; full-width letters and digits), format characters (a zero-width
    space, a byte-order mark within it) dropped, surrounding spaces stripped, case folded.

    Parameters
    ----------
    text
        A column name or a value (any object; its text is taken).

    Returns
    -------
    str
        The key: two texts are the same but for such spelling when their keys are equal.

    Examples
    --------
    >>> spelling_key(" Normal "), spelling_key("norma\\u0301l") == spelling_key("norm\\xe1l")
    ('normal', True)
    >>> spelling_key("\\uff33\\uff32\\uff23"), spelling_key("\\u200blabel")
    ('src', 'label')
    """
    text = str(text)
    if not text.isascii():  # ASCII text is its own NFKC form and holds no format character
        text = unicodedata.normalize("NFKC", text)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.strip().casefold()


def shown_apart(value: object, others: Iterable[object]) -> str:
    """``value`` quoted for a message that names it beside ``others`` (the values a user gave):
    by its code points (``ascii``) where it prints alike to one of them but is spelt otherwise
    (``'norma\\u0301l'`` beside ``'norm\\xe1l'``, the same text canonically), else as
    ``repr`` writes it, so that a message never names two values that read the same.

    Parameters
    ----------
    value
        The value to show (its text).
    others
        The values it is named beside.

    Returns
    -------
    str
        ``value`` quoted.

    Examples
    --------
    >>> shown_apart("norma\\u0301l", ["norm\\xe1l"]), shown_apart("Normal", ["normal"])
    ("'norma\\\\u0301l'", "'Normal'")
    >>> shown_apart("norm\\xe1l", ["Normal"])
    "'normál'"
    """
    text = str(value)
    nfc = unicodedata.normalize("NFC", text)
    if any(str(o) != text and unicodedata.normalize("NFC", str(o)) == nfc for o in others):
        return ascii(text)
    return repr(text)


def near_names(missing: Iterable[object], columns: Iterable[object], subject: str = "the data has") -> str:
    """For an error about ``missing`` model columns (or columns an option names): the data's
    columns that differ from one of them only in case, surrounding spaces or Unicode spelling
    (``SRC_BYTES`` or ``' src_bytes '`` for ``src_bytes``; ``'caf\\xe9'`` for
    ``'cafe\\u0301'``, the same text canonically; ``'\\u200blabel'`` for ``label``), as a
    sentence, else ``""``. Names are matched exactly, so such a column is no match; without this
    the message's short list of the data's columns need not show it (nor tell two names apart
    that print alike).

    Parameters
    ----------
    missing
        The model's columns the data lacks.
    columns
        The data's column names.
    subject
        The sentence's first words: ``"the row has"`` where ``columns`` are one row's keys
        (a stream's or the service's), ``"the rows have"`` for a request's.

    Returns
    -------
    str
        The sentence, or ``""`` when no column comes near.

    Examples
    --------
    >>> near_names(["src_bytes", "proto"], ["SRC_BYTES", "dst_bytes"])  # doctest: +ELLIPSIS
    'the data has SRC_BYTES for src_bytes (column names match exactly, case, surrounding spaces ...)'
    >>> near_names(["cafe\\u0301"], ["caf\\xe9"])[:39]
    "the data has 'caf\\\\xe9' for 'cafe\\\\u0301'"
    >>> near_names(["src_bytes"], ["dst_bytes"])
    ''
    >>> near_names(["ts"], ["TS"], "the row has")[:23]
    'the row has TS for ts ('
    """
    def pair(m: object, near: list[str]) -> str:
        if any(unicodedata.normalize("NFC", c) == unicodedata.normalize("NFC", str(m)) for c in near):
            # spelt apart but shown alike: their code points tell them apart
            return f"{', '.join(map(ascii, near))} for {str(m)!a}"
        return f"{listed_columns(near)} for {shown_column(m)}"

    have: dict[str, list[str]] = {}
    for c in columns:
        have.setdefault(spelling_key(c), []).append(str(c))
    pairs = [pair(m, have[spelling_key(m)][:2]) for m in missing if spelling_key(m) in have]
    if not pairs:
        return ""
    more = f" (and {len(pairs) - 3} more)" if len(pairs) > 3 else ""
    return (f"{subject} {', '.join(pairs[:3])}{more} (column names match exactly, case, "
            "surrounding spaces and Unicode spelling included)")


#: What a log handed to a table, series or entity model is told to use, in a Python user's words (the
#: CLI says its options: ``cli._options.cli_advice``).
LOG_MODEL = ("Pipeline(DeepLog(), features=EventSessions(format=...)), format 'hdfs', 'bgl', "
             "'syslog', 'journald', 'raw' or a header regex")


def one_name_each(option: str, name: str, columns: Iterable[object], value: str | None = None) -> str:
    """Advice when ``name``, given to ``option`` (``--keep``) and no column, lists columns of
    ``columns`` parted by commas, as a SIEM's field list is written (Splunk's ``fields a, b``):
    the option takes one name, given once a column (``value``: the ``=VALUE`` each takes, as
    ``--role COL=ROLE``); else ``""``.

    Examples
    --------
    >>> one_name_each("--keep", "_time, src", ["_time", "src", "bytes"])
    'give --keep once a column: --keep _time --keep src'
    >>> one_name_each("--keep", "_time,host", ["_time", "src"])
    ''
    >>> one_name_each("--role", "src,dest", ["src", "dest"], "categorical")
    'give --role once a column: --role src=categorical --role dest=categorical'
    """
    parts = [p.strip() for p in name.split(",")]
    have = {str(c) for c in columns}
    if len(parts) < 2 or not all(p in have for p in parts):
        return ""
    each = "" if value is None else f"={value}"
    return f"give {option} once a column: " + " ".join(f"{option} {shown_column(p)}{each}"
                                                       for p in parts)


def read_as_log(columns: Sequence[object]) -> str | None:
    """What data read as one column whose header is a sentence is: a log given to a model of
    table columns (a table, time-series or entity-bucket model), said after the columns it
    lacks; ``None`` for other columns.

    Examples
    --------
    >>> read_as_log(["081109 203615 148 INFO dfs.DataNode: PacketResponder 1 terminating"])[:41]
    'the data reads as one text column (first '
    >>> read_as_log(["ts", "cpu"]) is None
    True
    """
    if len(columns) != 1 or len(str(columns[0]).split()) < 4:
        return None
    first = listed_columns([columns[0]])[:80]
    # (no 'this model': the table reader says it too, in train and inspect, before any model)
    return (f"the data reads as one text column (first line {first!r}): a log? a table, series or "
            f"entity model reads table columns; a log needs a log model ({LOG_MODEL})")
