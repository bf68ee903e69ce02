"""Uniform reservoir sampling over a stream of DataFrame chunks (bounded memory)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from hourglass.errors import InputError
from hourglass.ingest.readers import _concat_chunks

__all__ = ["reservoir_sample"]


def reservoir_sample(
    chunks: Iterable[pd.DataFrame], size: int, *, seed: int = 0, source: object = None
) -> tuple[pd.DataFrame, int]:
    """A uniform sample without replacement of ``size`` rows from all chunks, and the row count.

    Every row draws a uniform random key; the ``size`` rows with the smallest keys are kept
    (equivalent to reservoir sampling, vectorised per chunk). Memory holds at most one chunk
    plus the sample. The sample keeps the rows' original order. ``source``: the file the chunks
    come from, named when it holds no data row.

    Examples
    --------
    >>> chunks = (pd.DataFrame({"x": range(i, i + 100)}) for i in range(0, 1000, 100))
    >>> sample, seen = reservoir_sample(chunks, 50, seed=0)
    >>> len(sample), seen, bool(sample["x"].is_monotonic_increasing)
    (50, 1000, True)
    """
    if size < 1:
        raise InputError(f"sample size must be >= 1, got {size}")
    rng = np.random.default_rng(seed)
    kept: pd.DataFrame | None = None
    keys = np.empty(0)
    order = np.empty(0, dtype=np.int64)
    seen = 0
    for chunk in chunks:
        n = len(chunk)
        if n == 0:
            continue
        new_keys = rng.random(n)
        chunk = chunk.reset_index(drop=True)
        if kept is None:
            pool, pool_keys = chunk, new_keys
            pool_order = np.arange(seen, seen + n)
        else:
            # joined as a file's chunks are (a column a later chunk has as text is text
            # throughout, 64-bit ids stay exact): never ints and strings in one column
            pool = _concat_chunks([kept, chunk])
            pool_keys = np.concatenate([keys, new_keys])
            pool_order = np.concatenate([order, np.arange(seen, seen + n)])
        seen += n
        if len(pool) > size:
            idx = np.sort(np.argpartition(pool_keys, size - 1)[:size])
            pool, pool_keys, pool_order = (pool.iloc[idx].reset_index(drop=True),
                                           pool_keys[idx], pool_order[idx])
        kept, keys, order = pool, pool_keys, pool_order
    if kept is None:
        raise InputError("no data rows to sample from" if source is None else f"{source}: no data rows")
    return kept, seen
