"""Named datasets: layouts, label columns and normal values filled in for the user.

``--dataset nsl-kdd`` knows NSL-KDD's header-less 43-column layout, that ``label`` holds
``normal`` or an attack name, that ``difficulty`` is metadata, and how attack names group into
DoS / Probe / R2L / U2R.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd
import pyarrow as pa

from hourglass._columns import listed_columns
from hourglass._eol import without_boms
from hourglass.errors import InputError
from hourglass.ingest.readers import _concat_chunks, _restore_integers, check_path
from hourglass.ingest.tables import (
    CHUNK_BYTES,
    NULL_VALUES,
    READ_ERRORS,
    ReadStats,
    iter_table,
    open_text,
    read_head,
)

__all__ = ["DATASETS", "DatasetSpec", "demo_path", "fields_found", "first_line", "get_dataset",
           "require_fields"]

NSL_KDD_FEATURES = (
    "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land",
    "wrong_fragment", "urgent", "hot", "num_failed_logins", "logged_in", "num_compromised",
    "root_shell", "su_attempted", "num_root", "num_file_creations", "num_shells",
    "num_access_files", "num_outbound_cmds", "is_host_login", "is_guest_login", "count",
    "srv_count", "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate",
    "same_srv_rate", "diff_srv_rate", "srv_diff_host_rate", "dst_host_count",
    "dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
    "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate",
    "dst_host_srv_serror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate",
)

# The standard grouping of NSL-KDD attack names used in the literature (httptunnel under U2R).
NSL_KDD_CATEGORIES = {
    **dict.fromkeys(("apache2", "back", "land", "mailbomb", "neptune", "pod", "processtable",
                     "smurf", "teardrop", "udpstorm"), "DoS"),
    **dict.fromkeys(("ipsweep", "mscan", "nmap", "portsweep", "saint", "satan"), "Probe"),
    **dict.fromkeys(("ftp_write", "guess_passwd", "imap", "multihop", "named", "phf", "sendmail",
                     "snmpgetattack", "snmpguess", "spy", "warezclient", "warezmaster", "worm",
                     "xlock", "xsnoop"), "R2L"),
    **dict.fromkeys(("buffer_overflow", "httptunnel", "loadmodule", "perl", "ps", "rootkit",
                     "sqlattack", "xterm"), "U2R"),
}


def require_fields(df: pd.DataFrame, path: object, fields: tuple[str, ...], what: str, *,
                   any_of: bool = False) -> None:
    """Raise :class:`InputError` naming the first of ``fields`` a format's chunk lacks:
    ``PATH: no 'F' field; is this WHAT? (fields: ...)``; with ``any_of`` (one of ``fields`` is
    enough), where it has none of them, naming each: ``no 'A' or 'B' field``.

    Examples
    --------
    >>> try:
    ...     require_fields(pd.DataFrame(columns=["ts"]), "x.json", ("timestamp",), "a Suricata EVE file")
    ... except InputError as exc:
    ...     print(exc)
    x.json: no 'timestamp' field; is this a Suricata EVE file? (fields: ts)
    >>> try:
    ...     require_fields(pd.DataFrame(columns=["ts"]), "x.json", ("EventID", "Channel"),
    ...                    "a Windows event export", any_of=True)
    ... except InputError as exc:
    ...     print(exc)
    x.json: no 'EventID' or 'Channel' field; is this a Windows event export? (fields: ts)
    """
    missing = [c for c in fields if c not in df.columns]
    if missing and (not any_of or len(missing) == len(fields)):
        cols = listed_columns(list(df.columns)[:6])
        named = " or ".join(map(repr, missing)) if any_of else repr(missing[0])
        raise InputError(f"{path}: no {named} field; is this {what}? "
                         f"(fields: {cols}{' ...' if df.shape[1] > 6 else ''})")


def fields_found(chunks: Iterable[pd.DataFrame], path: object, fields: tuple[str, ...],
                 what: str, *, any_of: bool = False,
                 refuse: Callable[[pd.DataFrame], None] | None = None) -> Iterator[pd.DataFrame]:
    """``chunks`` as they come, the file refused by :func:`require_fields`'s error where its
    first record has none of ``fields`` (a file of another kind: at once) or, once the last
    chunk is out, where no chunk had one of them (with ``any_of``, where no chunk had any of
    them; with the first chunk's fields). A field the records of one chunk lack but another's
    have is rows lacking it, as ``stream`` reads such records, so a file is taken or refused
    alike whatever ``--chunk-mb`` cuts it into. ``refuse``: a format's own words for the
    refusal (its hints), called with that frame of fields in place of :func:`require_fields`.

    Examples
    --------
    >>> chunks = [pd.DataFrame({"event_type": ["flow"]}),
    ...           pd.DataFrame({"event_type": ["dns"], "timestamp": ["2026-01-05T08:00:00Z"]})]
    >>> fields = ("timestamp", "event_type")
    >>> [len(df) for df in fields_found(chunks, "x.json", fields, "a Suricata EVE file")]
    [1, 1]
    >>> for read in (chunks[:1], [pd.DataFrame({"ts": [1.0]})]):  # no chunk with it; another kind
    ...     try:
    ...         list(fields_found(read, "x.json", fields, "a Suricata EVE file"))
    ...     except InputError as exc:
    ...         print(exc)
    x.json: no 'timestamp' field; is this a Suricata EVE file? (fields: event_type)
    x.json: no 'timestamp' field; is this a Suricata EVE file? (fields: ts)
    >>> either = fields_found(chunks[:1], "x.json", fields, "a Suricata EVE file", any_of=True)
    >>> [len(df) for df in either]   # one of them is enough
    [1]
    >>> def refuse(df):  # a format's own words for it
    ...     raise InputError(f"x.json: not an EVE file (fields: {', '.join(df.columns)})")
    >>> list(fields_found([pd.DataFrame({"ts": [1.0]})], "x.json", fields, "", refuse=refuse))
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: x.json: not an EVE file (fields: ts)
    """
    missing, first = fields, None
    for df in chunks:
        if first is None:
            first = df.iloc[:0]
            record = df.iloc[:1].dropna(axis=1, how="all")  # the first record's fields
            if len(df) and not any(c in record.columns for c in fields):
                if refuse is not None:
                    refuse(record)
                require_fields(record, path, fields, what, any_of=any_of)
        if missing:
            missing = tuple(c for c in missing if c not in df.columns)
        yield df
    if missing and first is not None and (not any_of or len(missing) == len(fields)):
        if refuse is not None:
            refuse(first)
        require_fields(first, path, missing, what, any_of=any_of)


def first_line(head: bytes) -> tuple[int, bytes]:
    """The blank lines before the first line of ``head`` (a file's first bytes) that holds
    anything, and that line (a UTF-8 byte-order mark left out): the line the CSV reader takes for
    a header, the sniffers look at.

    Examples
    --------
    >>> first_line(b"\\xef\\xbb\\xbf\\n\\r\\na,b\\n1,2\\n")
    (2, b'a,b')
    """
    head = without_boms(head)
    body = head.lstrip()
    return head[:len(head) - len(body)].count(b"\n"), body.split(b"\n", 1)[0]


_ASCII = bytes(range(128))
# Windows-1252's punctuation (0x80-0x9F: the euro sign, dashes, curly quotes, ellipsis ...), the
# bytes a Windows tool writes beyond ASCII in text that is otherwise ASCII; UTF-8 has none of them
# but after a lead byte
_CP1252_PUNCTUATION = bytes(b for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))


def _windows_1252(path: Path) -> bool:
    """Whether the file at ``path`` (decompressed) is ASCII text but for some of Windows-1252's
    punctuation (CIC-IDS2017's ``Web Attack \x96 Brute Force``): such a file is no UTF-8, and
    reads as Windows-1252. A file with any other byte beyond ASCII (UTF-8 text, a corrupted
    line) is read as UTF-8, as any other. Read through once, in blocks (ASCII blocks at memory
    speed).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_bytes(b"l\\nWeb Attack \\x96 XSS\\n")
    >>> _ = (d / "b.csv").write_bytes("l\\nWeb Attack \\u2013 XSS\\n".encode())
    >>> _windows_1252(d / "a.csv"), _windows_1252(d / "b.csv")
    (True, False)
    """
    found = False
    try:
        with open_text(path) as fh:
            while block := fh.read(16 << 20):
                if block.isascii():
                    continue
                if block.translate(None, _ASCII).translate(None, _CP1252_PUNCTUATION):
                    return False  # another byte: UTF-8 (or no text), read as before
                found = True
    except READ_ERRORS:
        return False  # (said by the read itself, naming the file)
    return found


def _first_line(path: Path) -> tuple[int, bytes]:
    """:func:`first_line` of the file at ``path``."""
    return first_line(read_head(path, 8192))


@dataclass(frozen=True)
class DatasetSpec:
    """How to read a named dataset or file format, and which rows are normal.

    Attributes
    ----------
    name
        Name used on the command line (``--format`` / ``--dataset``).
    columns
        Column names for header-less files (``None``: the file has a header).
    label_col
        Column holding the label (``None``: unlabelled format).
    normal
        Label values that mean "normal".
    drop
        Metadata columns that are never features.
    categories
        Map from label value to a coarser category, for per-category detection rates.
    categorical
        Columns to one-hot even if they look numeric.
    description
        One line for ``hourglass formats`` and the docs.
    fmt
        Underlying table format: ``csv``, ``tsv``, ``parquet`` or ``jsonl``.
    header_marker
        With ``columns`` set: a first line containing this text is a header (the file then
        names its own columns).
    null_values
        Spellings of a missing value.
    roles
        Column roles handed to the preprocessing (``drop``, ``ip``, ``port``, ``categorical``,
        ``numeric``, ``hash``).
    category_col
        Column holding a per-row attack category, when the dataset has one.
    sniffer
        ``sniffer(head_bytes) -> bool``: does a file starting with these bytes look like this
        format (``--format auto``)?
    text_columns
        Columns always read as text (e.g. ports written in hex in some rows).
    header_rows
        Whether a row that repeats the header may come inside the file (CIC-IDS2018): such rows
        are dropped and counted as bad rows, in either ``on_bad_rows`` mode.
    legacy_encoding
        The encoding of a file of this format that is ASCII but for some Windows-1252
        punctuation, no UTF-8 (CIC-IDS2017's CSVs, written on Windows, where a label holds an en
        dash, ``Web Attack \x96 Brute Force``: ``cp1252``); any other file is read as UTF-8.
    time_col
        The column holding each record's own time (Zeek's ``ts``), when the format has one:
        ``train`` takes it as ``--timestamp-col`` unless told otherwise, so that alerts carry
        the event's time, not the time it was scored.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> p = Path(tempfile.mkdtemp()) / "fw.csv"
    >>> _ = p.write_text("1.5,80,ok\\n0.2,22,blocked\\n")
    >>> spec = DatasetSpec("firewall", columns=("duration", "port", "verdict"),
    ...                    label_col="verdict", normal=("ok",), roles={"port": "port"},
    ...                    sniffer=lambda head: b",blocked" in head or b",ok" in head)
    >>> spec.read(p)["verdict"].tolist()
    ['ok', 'blocked']
    >>> spec.sniff(b"0.1,443,blocked\\n")
    True
    """

    name: str
    columns: tuple[str, ...] | None
    label_col: str | None
    normal: tuple[str, ...]
    drop: tuple[str, ...] = ()
    categories: dict[str, str] = field(default_factory=dict)
    categorical: tuple[str, ...] = ()
    description: str = ""
    fmt: str = "csv"
    header_marker: str | None = None
    null_values: tuple[str, ...] = NULL_VALUES
    roles: dict[str, str] = field(default_factory=dict)
    category_col: str | None = None
    sniffer: Callable[[bytes], bool] | None = None
    text_columns: tuple[str, ...] = ()
    time_col: str | None = None
    header_rows: bool = False
    legacy_encoding: str | None = None

    def sniff(self, head: bytes) -> bool:
        """Whether a file starting with ``head`` looks like this format.

        Examples
        --------
        >>> nsl = get_dataset("nsl-kdd")
        >>> nsl.sniff(b"0,tcp,http,SF,181,5450" + b",0" * 35 + b",normal,21\\n")
        True
        >>> nsl.sniff(b"time,host,bytes\\n")
        False
        """
        return bool(self.sniffer and self.sniffer(head))

    def _names(self, path: Path) -> tuple[str, ...] | None:
        if self.columns is None or self.header_marker is None:
            return self.columns
        first = _first_line(path)[1].decode("utf-8", "replace")
        return None if self.header_marker in first else self.columns

    def _header_lines(self, path: Path, names: tuple[str, ...] | None) -> int:
        """Lines to skip before the rows of a file read with the format's own ``names`` (none)."""
        return 0

    def normalise(self, df: pd.DataFrame) -> pd.DataFrame:
        """Per-chunk fix-ups of the format's quirks (none by default).

        Examples
        --------
        >>> import pandas as pd
        >>> get_dataset("nsl-kdd").normalise(pd.DataFrame({"label": ["normal.", "smurf."]}))["label"].tolist()
        ['normal', 'smurf']
        """
        return df

    def check(self, df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
        """Raise :class:`InputError` when the first chunk is not what this format promises.

        Examples
        --------
        >>> import pandas as pd
        >>> spec = DatasetSpec("firewall", columns=("duration", "port", "verdict"),
        ...                    label_col="verdict", normal=("ok",))
        >>> spec.check(pd.DataFrame({"a": [1.0]}), "fw.csv")
        Traceback (most recent call last):
        ...
        hourglass.errors.InputError: fw.csv: no column 'verdict'; is this a firewall file? (columns: a ...)
        """
        if self.columns is not None and len(df.columns) == len(self.columns) and \
                df[self.columns[-1]].isna().all() and len(df) > 1:
            raise InputError(f"{path}: expected {len(self.columns)} comma-separated fields per "
                             f"line for {self.name}, found fewer")
        if self.label_col is not None and self.label_col not in df.columns:
            raise InputError(f"{path}: no column {self.label_col!r}; is this a {self.name} file? "
                             f"(columns: {listed_columns(list(df.columns)[:6])} ...)")

    def iter_chunks(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
                    chunk_bytes: int = CHUNK_BYTES, stats: ReadStats | None = None,
                    used: Collection[str] | None = None) -> Iterator[pd.DataFrame]:
        """Yield the file as DataFrames of about ``chunk_bytes`` of input each.

        ``used``: the columns the caller reads (``None``: all). A CSV/TSV column outside them
        whose later value does not fit the first block's type turns to text from there on
        instead of stopping the read (see :func:`~hourglass.ingest.tables.iter_table`); a format
        whose chunks are rewritten (``normalise``, derived columns) reads every column strictly.

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> spec = DatasetSpec("firewall", columns=("duration", "port", "verdict"),
        ...                    label_col="verdict", normal=("ok",))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp, "fw.csv")
        ...     _ = path.write_text("1.5,80,ok\\n0.2,22,blocked\\nx,y\\n")
        ...     sizes = [len(chunk) for chunk in spec.iter_chunks(path, on_bad_rows="skip")]
        >>> sizes              # one chunk: two rows, the short third line skipped
        [2]
        """
        p = check_path(path)
        first = True
        names = self._names(p)
        text = {c: pa.string() for c in self.text_columns if names is None or c in names}
        own = type(self).normalise is DatasetSpec.normalise  # the file's columns are the frame's
        legacy = self.legacy_encoding
        fallback = (lambda: legacy if _windows_1252(p) else None) \
            if legacy is not None and self.fmt in ("csv", "tsv") else None
        for df in iter_table(p, fmt=self.fmt, names=names, on_bad_rows=on_bad_rows,
                             chunk_bytes=chunk_bytes, stats=stats, null_values=self.null_values,
                             column_types=text or None, header_rows=self.header_rows,
                             skip_rows=self._header_lines(p, names), used=used if own else None,
                             fallback_encoding=fallback):
            df = self.normalise(df)
            if first:
                self.check(df, p)
                first = False
            yield df

    def read(self, path: str | os.PathLike[str], *, on_bad_rows: str = "error",
             stats: ReadStats | None = None, used: Collection[str] | None = None) -> pd.DataFrame:
        """Read a whole file of this format and check its layout.

        A file whose layout does not match the format raises :class:`InputError`. ``used``: as
        :meth:`iter_chunks` takes it (a column outside it turns to text at a later value that
        does not fit the first block's type; text throughout in the frame returned).

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> spec = DatasetSpec("firewall", columns=("duration", "port", "verdict"),
        ...                    label_col="verdict", normal=("ok",))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp, "fw.csv")
        ...     _ = path.write_text("1.5,80,ok\\n0.2,22,blocked\\nx,y\\n")
        ...     stats = ReadStats()
        ...     df = spec.read(path, on_bad_rows="skip", stats=stats)
        >>> df
           duration  port  verdict
        0       1.5    80       ok
        1       0.2    22  blocked
        >>> stats.rows, stats.bad_rows
        (2, 1)
        """
        chunks = list(self.iter_chunks(path, on_bad_rows=on_bad_rows, stats=stats, used=used))
        if not sum(len(c) for c in chunks):  # (a chunk whose every row a format's check skipped)
            raise InputError(f"{path}: no data rows")
        df = _concat_chunks(chunks)  # a column a later chunk has as text is text throughout
        return _restore_integers(df) if self.fmt in ("csv", "tsv") else df


@dataclass(frozen=True)
class _KddSpec(DatasetSpec):
    """NSL-KDD, and its source KDD Cup 99 (``kddcup.data``): 42 fields, no difficulty column,
    labels with a final dot (``normal.``, read as ``normal``)."""

    def _names(self, path: Path) -> tuple[str, ...] | None:
        names = super()._names(path)
        if names is not None and names[-1] == "difficulty":
            first = _first_line(path)[1]
            if first.count(b",") == len(names) - 2:  # 42 fields: KDD Cup 99
                return names[:-1]
        return names

    def _header_lines(self, path: Path, names: tuple[str, ...] | None) -> int:
        # A copy with a header line (as spreadsheets and some downloads have it, its names spelled
        # as they like: 'attack', 'level'): the line is skipped and the columns keep the dataset's
        # names. Read as a row, it made every column text and added an attack row called 'label'.
        if names is None:
            return 0
        # A header names columns: no field of it is a number. A first row whose duration is
        # missing ('?', 'NA', '-') is a row all the same (it was skipped as a header, unsaid).
        blank, line = _first_line(path)  # (blank lines before it skipped with it)
        fields = [f.strip().strip('"').strip() for f in line.decode("utf-8", "replace").split(",")]
        if not fields[0]:
            return 0
        for f in fields:
            try:
                float(f)  # the duration of a connection, its byte counts ...
            except ValueError:
                continue
            return 0
        return blank + 1

    def normalise(self, df: pd.DataFrame) -> pd.DataFrame:
        label = self.label_col
        if label in df.columns and not pd.api.types.is_numeric_dtype(df[label]):
            dotted = df[label].str.endswith(".", na=False)
            if dotted.any():
                df[label] = df[label].str.removesuffix(".")
        return df


def _sniff_nsl_kdd(head: bytes) -> bool:
    """Whether ``head`` starts NSL-KDD (or KDD Cup 99) records: 42 or 43 fields, the second a
    protocol (``tcp``, ``udp``, ``icmp``), or a header line of as many names whose second and third
    are ``protocol_type`` and ``service`` (a copy with a header, which the format reads too).

    Examples
    --------
    >>> _sniff_nsl_kdd(b"0,tcp,http,SF" + b",0" * 38 + b"\\n")
    True
    >>> _sniff_nsl_kdd(b"duration,protocol_type,service" + b",x" * 40 + b"\\n")
    True
    >>> _sniff_nsl_kdd(b"duration,protocol_type,service\\n")
    False
    """
    first = [f.strip().strip('"').strip() for f in first_line(head)[1].decode("utf-8", "replace").split(",")]
    return len(first) in (42, 43) and (first[1] in ("tcp", "udp", "icmp")
                                       or [f.lower() for f in first[1:3]] == ["protocol_type", "service"])


DATASETS: dict[str, DatasetSpec] = {
    "nsl-kdd": _KddSpec(
        name="nsl-kdd",
        columns=(*NSL_KDD_FEATURES, "label", "difficulty"),
        label_col="label",
        normal=("normal",),
        drop=("difficulty",),
        categories=NSL_KDD_CATEGORIES,
        categorical=("protocol_type", "service", "flag"),
        description="NSL-KDD connection records: header-less, 41 features + label + difficulty "
                    "(KDD Cup 99's 42 fields, labels ending in '.', read too)",
        sniffer=_sniff_nsl_kdd,
    ),
}


def get_dataset(name: str) -> DatasetSpec:
    """The :class:`DatasetSpec` called ``name``.

    Examples
    --------
    >>> get_dataset("nsl-kdd").label_col
    'label'
    """
    key = name.strip().lower()
    if key not in DATASETS:
        raise InputError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[key]


def demo_path(part: str) -> Path:
    """Path of the bundled NSL-KDD demo sample, ``part`` = ``"train"`` or ``"test"``.

    The sample is drawn from NSL-KDD (Tavallaee et al., 2009): ``train`` from KDDTrain+,
    ``test`` from KDDTest+, in the original header-less layout.

    Examples
    --------
    >>> demo_path("train").name
    'nsl_kdd_demo_train.txt.gz'
    """
    if part not in ("train", "test"):
        raise InputError(f"demo part must be 'train' or 'test', got {part!r}")
    ref = resources.files("hourglass") / "data" / f"nsl_kdd_demo_{part}.txt.gz"
    return Path(str(ref))
