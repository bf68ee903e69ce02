"""DeepLog key-sequence files (one session of integer keys a line) and event-count vectors."""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Iterable, Iterator
from typing import TypedDict

import numpy as np

from hourglass._limits import too_long
from hourglass.errors import InputError
from hourglass.ingest.logs import TooLongLine, not_lines

__all__ = ["add_key_counts", "count_vectors", "int_keys", "key_sequence", "key_sequence_blocks",
           "read_key_sequences", "session_keys", "unseen_keys"]

logger = logging.getLogger(__name__)


class KeyCounts(TypedDict):
    """What :func:`read_key_sequences` counted (``first_unmatched``: None when every line matched)."""

    lines: int
    empty_sessions_skipped: int
    unmatched: int
    first_unmatched: int | None



def int_keys(keys: object, where: str) -> np.ndarray:
    """``keys`` as int64: integers (also in an object array, as a session's keys may be) or whole
    finite floats; anything else is an error that names ``where``
    (``np.asarray(.., dtype=int64)`` cut ``1.5`` to key 1 silently and raised ``OverflowError``
    for a key beyond int64).

    Examples
    --------
    >>> int_keys([3, 4.0], "keys").tolist()
    [3, 4]
    >>> int_keys([1.5], "add: keys")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: add: keys must hold integer keys below 2**63, got float64 values
    """
    a = np.asarray(keys)
    if a.dtype.kind == "i" or (a.dtype.kind == "u" and (a.size == 0 or a.max() < 2**63)):
        return a.astype(np.int64, copy=False)
    # the int64 range checked in at least float64: 2**63 is no float16 (the cast warned of an
    # overflow), and a long double is kept (float64 rounds 2**63 - 1 up to 2**63)
    wide = a.astype(np.result_type(a.dtype, np.float64), copy=False) if a.dtype.kind == "f" else a
    if a.dtype.kind == "f" and bool(np.all(np.isfinite(a) & (a == np.round(a)) & (np.abs(wide) < 2.0**63))):
        return a.astype(np.int64)  # whole numbers, as a session's keys may be (np.asarray([]) too)
    if a.dtype.kind == "O" and all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                   and -(2**63) <= int(v) < 2**63 for v in a.ravel().tolist()):
        return a.astype(np.int64)
    raise InputError(f"{where} must hold integer keys below 2**63, got {a.dtype} values")


def _key_like(k: object) -> bool:
    """Whether ``k`` is one key a session may hold: an integer (not a bool) or a whole float,
    from 0 to below 2**63 (to name the first that is not)."""
    if isinstance(k, numbers.Integral) and not isinstance(k, (bool, np.bool_)):
        return 0 <= int(k) < 2**63
    return isinstance(k, (float, np.floating)) and math.isfinite(k) and float(k).is_integer() \
        and 0 <= float(k) < 2.0**63


def session_keys(keys: object, where: str) -> np.ndarray:
    """One session given as its integer keys (a list, a tuple or an array; the service's
    ``{"sessions": [[...]]}``, a key-file model's input in Python) as int64, else an error
    naming ``where`` and the first value that is no key.

    Parameters
    ----------
    keys
        The session's keys: whole numbers from 0 to below 2**63 (whole floats too).
    where
        What the error names (``session 3``).

    Returns
    -------
    numpy.ndarray
        The keys as int64.

    Raises
    ------
    hourglass.errors.InputError
        An empty session, or a value that is no such key.

    Examples
    --------
    >>> session_keys([5, 5, 22.0], "session 1").tolist()
    [5, 5, 22]
    >>> session_keys([5, -1], "session 2")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: session 2: keys must be integers >= 0 (below 2**63), found '-1'
    """
    seq = list(np.asarray(keys, dtype=object).ravel()) if isinstance(keys, np.ndarray) else keys
    if not isinstance(seq, (list, tuple)):
        raise InputError(f"{where}: expected a list of integer keys, got {type(keys).__name__}")
    if len(seq) == 0:
        raise InputError(f"{where}: empty; a session needs at least one key")
    # whole numbers >= 0 below 2**63 (a cast to int64 cut 2.5 to key 2 unsaid and met a 30-digit
    # key with an OverflowError)
    try:
        arr = int_keys(keys, where)
        fine = arr.ndim == 1 and int(arr.min()) >= 0
    except (InputError, ValueError, TypeError):
        fine = False
    if not fine:
        bad = next((k for k in seq if not _key_like(k)), seq[0])
        raise InputError(f"{where}: keys must be integers >= 0 (below 2**63), found {str(bad)[:40]!r}")
    return arr


def key_sequence(text: str) -> np.ndarray | None:
    """The keys of one key-sequence line (ASCII digits only, each below 2**63), else ``None``.

    ``int()`` alone would read ``+5`` as 5, ``5_0`` as 50 and other scripts' digits, and refuse
    ``²`` although ``str.isdigit`` accepts it: one rule, shared by the batch reader and the
    stream's bad-line check, so that both read the same lines as keys.

    Examples
    --------
    >>> key_sequence(" 5 5 22 ").tolist(), key_sequence("5_0"), key_sequence("+5"), key_sequence("")
    ([5, 5, 22], None, None, None)
    """
    toks = text.replace("\x00", " ").split()  # a NUL parts two keys (never joins them)
    if not toks or not all(t.isascii() and t.isdigit() for t in toks):
        return None
    try:
        return np.array([int(t) for t in toks], dtype=np.int64)
    except OverflowError:  # beyond int64
        return None


def read_key_sequences(lines: Iterable[str], *, strict: bool = False, source: str = "input",
                       first_line: int = 1, say: bool = True,
                       ) -> tuple[list[str], list[np.ndarray], KeyCounts]:
    """DeepLog key-sequence lines (space-separated non-negative integers, one session a line).

    Empty lines are skipped and counted; a line with anything but integers is counted and
    skipped (an error naming the line with ``strict``). Lines are numbered from ``first_line``
    (a micro-batch of a stream: its place in the stream), in the ids and in what is logged.
    ``say=False`` logs nothing about the lines skipped (:func:`key_sequence_blocks` says it
    once, for the whole file).

    Examples
    --------
    >>> ids, seqs, counts = read_key_sequences(["5 5 22", "", "7 x"])
    >>> [s.tolist() for s in seqs], counts["empty_sessions_skipped"], counts["unmatched"]
    ([[5, 5, 22]], 1, 1)
    """
    not_lines(lines, source)
    ids: list[str] = []
    seqs: list[np.ndarray] = []
    counts: KeyCounts = {"lines": 0, "empty_sessions_skipped": 0, "unmatched": 0, "first_unmatched": None}
    for lineno, line in enumerate(lines, int(first_line)):
        counts["lines"] += 1
        if isinstance(line, (list, tuple, np.ndarray)):  # a session given as its keys (the
            # service's {"sessions": [[...]]}), as a line of them is read
            ids.append(str(lineno))
            seqs.append(session_keys(line, f"{source}: session {lineno}"))
            continue
        if not isinstance(line, str):  # None, a NaN of a Series, bytes: no strip() to call
            raise InputError(f"{source}: line {lineno}: expected a line of text or a list of "
                             f"integer keys, got {type(line).__name__} ({str(line)[:40]!r})")
        text = line.strip()
        arr = None
        if type(line) is TooLongLine:  # read past by read_lines, not kept: not a session
            if strict:
                raise InputError(f"{source}: line {lineno}: {too_long(line.length)}")
        elif not text:
            counts["empty_sessions_skipped"] += 1
            continue
        else:
            arr = key_sequence(text)
        if arr is None:
            if strict:
                raise InputError(f"{source}: line {lineno}: expected space-separated non-negative "
                                 f"integer keys, got {text[:60]!r}")
            counts["unmatched"] += 1
            counts["first_unmatched"] = counts["first_unmatched"] or lineno
            continue
        ids.append(str(lineno))
        seqs.append(arr)
    if say:
        _say_skipped(counts, source, found=bool(seqs))
    return ids, seqs, counts


def _say_skipped(counts: KeyCounts, source: str, *, found: bool) -> None:
    """Log the lines of a key file skipped (``found``: whether any session was read)."""
    if counts["unmatched"] and found:  # none read: the caller's "no sessions" error says it all
        logger.warning("%s: %d line(s) were not integer key sequences (first: line %s); skipped",
                       source, counts["unmatched"], counts["first_unmatched"])
    if counts["empty_sessions_skipped"]:
        logger.info("%s: %d empty session(s) skipped", source, counts["empty_sessions_skipped"])


def key_sequence_blocks(lines: Iterable[str], *, block_bytes: int, strict: bool = False,
                        source: str = "input") -> Iterator[tuple[list[str], list[np.ndarray], KeyCounts]]:
    """:func:`read_key_sequences` of ``lines`` a block of about ``block_bytes`` characters of
    lines at a time (at least one line a block), so that a key file's sessions are never all
    held at once: each block's ids, keys and counts, its lines numbered in the whole file.
    The lines skipped are logged once, after the last block, with the whole file's counts
    (as :func:`read_key_sequences` of all the lines logs them).

    Examples
    --------
    >>> blocks = list(key_sequence_blocks(["5 5", "x", "7", "", "8 9"], block_bytes=3))
    >>> [(ids, [s.tolist() for s in seqs]) for ids, seqs, _ in blocks]
    [(['1'], [[5, 5]]), (['3', '5'], [[7], [8, 9]])]
    >>> [c["unmatched"] for _, _, c in blocks], blocks[1][2]["first_unmatched"]
    ([0, 1], 2)
    """
    not_lines(lines, source)
    total: KeyCounts = {"lines": 0, "empty_sessions_skipped": 0, "unmatched": 0, "first_unmatched": None}
    found = False
    rest = iter(lines)
    while True:
        size = [0]

        def part(size: list[int] = size) -> Iterator[str]:
            for line in rest:  # the lines read one by one, as one read of them all does
                yield line
                size[0] += len(line) if isinstance(line, str) else 1
                if size[0] >= block_bytes:
                    return

        ids, seqs, counts = read_key_sequences(part(), strict=strict, source=source,
                                               first_line=total["lines"] + 1, say=False)
        if not counts["lines"] and total["lines"]:
            break  # (an empty file: one empty block, as one read of it gives)
        add_key_counts(total, counts)
        found = found or bool(seqs)
        yield ids, seqs, counts
        del ids, seqs  # not held while the next block is read
        if size[0] < block_bytes:
            break
    _say_skipped(total, source, found=found)


def add_key_counts(total: KeyCounts, counts: KeyCounts) -> None:
    """Add a block's ``counts`` to ``total`` (the first unmatched line: the earliest)."""
    total["lines"] += counts["lines"]
    total["empty_sessions_skipped"] += counts["empty_sessions_skipped"]
    total["unmatched"] += counts["unmatched"]
    total["first_unmatched"] = total["first_unmatched"] or counts["first_unmatched"]


# events unseen_keys joins at a time (8 MB of int64 keys): joined all at once, a 40 MB key file's
# 15 M events and isin's copies of them held 300 MB while the sessions were already in memory
UNSEEN_BLOCK_EVENTS = 1 << 20


def unseen_keys(sequences: list[np.ndarray], vocab: np.ndarray) -> int:
    """How many events of ``sequences`` hold a key outside ``vocab`` (a detector's sorted
    ``vocab_``): the keys a model has never seen, which it scores as one "unknown" key. The
    sessions are looked at a block of about :data:`UNSEEN_BLOCK_EVENTS` events at a time, so
    the count costs no memory in proportion to the log.

    Examples
    --------
    >>> unseen_keys([np.array([1, 2, 9]), np.array([9])], np.array([1, 2, 3]))
    2
    """
    total, size = 0, 0
    block: list[np.ndarray] = []
    for seq in sequences:
        block.append(seq)
        size += len(seq)
        if size >= UNSEEN_BLOCK_EVENTS:
            total += _unseen_in(block, vocab)
            block, size = [], 0
    return total + _unseen_in(block, vocab)


def _unseen_in(block: list[np.ndarray], vocab: np.ndarray) -> int:
    """How many events of the sessions ``block`` hold a key outside ``vocab``."""
    if not block:
        return 0
    return int((~np.isin(np.concatenate(block), vocab)).sum())


def count_vectors(sequences: list[np.ndarray], n_keys: int) -> np.ndarray:
    """Event-count matrix (sessions × keys); keys ``>= n_keys`` go to the last column.

    Examples
    --------
    >>> import numpy as np
    >>> count_vectors([np.array([0, 2, 2]), np.array([5])], 3).tolist()
    [[1.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    """
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    flat = np.concatenate(sequences) if sequences else np.zeros(0, np.int64)
    flat = np.where((flat >= n_keys) | (flat < 0), n_keys, flat)
    rows = np.repeat(np.arange(len(sequences)), lengths)
    out = np.zeros((len(sequences), n_keys + 1), dtype=np.float32)
    np.add.at(out, (rows, flat), 1.0)
    return out
