"""The prefetch reader thread stops, and releases its reader, when the consumer stops early."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pandas as pd

from hourglass.ingest.tables import prefetch


def _alive_prefetch_threads() -> int:
    return sum(t.name == "hourglass-prefetch" and t.is_alive() for t in threading.enumerate())


def test_a_consumer_that_stops_early_leaves_no_reader_thread_and_closes_the_reader() -> None:
    closed = threading.Event()

    def chunks() -> Iterator[pd.DataFrame]:
        try:
            for i in range(1000):
                yield pd.DataFrame({"a": [i]})
        finally:
            closed.set()

    before = _alive_prefetch_threads()
    it = prefetch(chunks())
    assert next(it)["a"].tolist() == [0]
    it.close()  # what an exception in the caller's loop does
    assert _alive_prefetch_threads() == before
    assert closed.is_set()


def test_a_reader_error_reaches_the_consumer_and_the_thread_ends() -> None:
    def chunks() -> Iterator[pd.DataFrame]:
        yield pd.DataFrame({"a": [1]})
        raise ValueError("line 7: malformed")

    before = _alive_prefetch_threads()
    seen = []
    try:
        for df in prefetch(chunks()):
            seen.append(len(df))
    except ValueError as exc:
        assert "line 7" in str(exc)
    else:
        raise AssertionError("the reader's error was swallowed")
    assert seen == [1]
    assert _alive_prefetch_threads() == before
