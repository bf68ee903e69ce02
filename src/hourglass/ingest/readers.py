"""Read tables from CSV/TSV/Parquet/JSONL (optionally gzip-compressed) and write results
atomically (temp file, renamed into place)."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from hourglass.errors import InputError

__all__ = ["atomic_output", "detect_format", "read_table", "write_table"]

_FORMATS = ("csv", "tsv", "parquet", "jsonl")


def detect_format(path: str | os.PathLike[str]) -> str:
    """Format from the file name: ``.csv``, ``.tsv``/``.txt``, ``.parquet``, ``.jsonl``/``.ndjson``
    (a trailing ``.gz`` is ignored); anything else is read as CSV.

    Examples
    --------
    >>> detect_format("flows.jsonl.gz")
    'jsonl'
    """
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    return {"tsv": "tsv", "parquet": "parquet", "pq": "parquet", "jsonl": "jsonl",
            "ndjson": "jsonl", "json": "jsonl"}.get(suffix, "csv")


def _read_jsonl(path: Path) -> pd.DataFrame:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    rows = []
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {lineno}: malformed JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise InputError(f"{path}: line {lineno}: expected a JSON object, "
                                 f"got {type(obj).__name__}")
            rows.append(obj)
    return pd.DataFrame.from_records(rows)


def read_table(
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a whole table; errors name the file and, where known, the line.

    Parameters
    ----------
    path
        File to read (``.gz`` is decompressed on the fly).
    fmt
        ``csv``, ``tsv``, ``parquet`` or ``jsonl``; inferred from the name when ``None``.
    names
        Column names for a header-less CSV/TSV (e.g. NSL-KDD).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("a,b\\n1,x\\n")
    >>> read_table(p).to_dict("records")
    [{'a': 1, 'b': 'x'}]
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a data file")
    fmt = fmt or detect_format(p)
    if fmt not in _FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(_FORMATS)}")
    try:
        if fmt == "parquet":
            df = pd.read_parquet(p)
        elif fmt == "jsonl":
            df = _read_jsonl(p)
        else:
            df = pd.read_csv(
                p, sep="\t" if fmt == "tsv" else ",", header=None if names else "infer",
                names=list(names) if names else None, skipinitialspace=True,
                encoding_errors="replace", low_memory=False,
            )
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError(f"{p}: empty file") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{p}: malformed {fmt.upper()} ({str(exc).strip()})") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read as {fmt} ({exc})") from None
    if len(df) == 0:
        raise InputError(f"{p}: no data rows")
    df.columns = [str(c) for c in df.columns]
    return df


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only if the block succeeds.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_output(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> open(target).read()
    'done'
    """
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target}: is a directory, expected a file name")
    if not target.parent.exists():
        raise InputError(f"{target.parent}: output folder does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``df`` as CSV, Parquet or JSONL (by extension), atomically."""
    fmt = detect_format(path)
    compression = "gzip" if str(path).lower().endswith(".gz") else None
    with atomic_output(path) as tmp:
        if fmt == "parquet":
            df.to_parquet(tmp, index=False)
        elif fmt == "jsonl":
            df.to_json(tmp, orient="records", lines=True, compression=compression)
        else:
            df.to_csv(tmp, sep="\t" if fmt == "tsv" else ",", index=False, compression=compression)
