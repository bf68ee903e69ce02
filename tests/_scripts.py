"""Shared by the tests of the benchmark scripts: their ``main()`` sets process-wide state."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def script_state() -> Iterator[None]:
    """Put back what a benchmark script's ``main()`` sets for the whole process: the hourglass
    logger's level, the root logger's level and handlers, ``logging.disable`` (entity.py turns
    warnings off), warning filters, torch's and BLAS's threads. Without it the tests run after
    these in the same worker miss the warnings they check (timeseries.py's main() left the
    hourglass logger at WARNING: a later stream's drift summary line went missing)."""
    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    log, root = logging.getLogger("hourglass"), logging.getLogger()
    level, root_level, handlers, disabled = log.level, root.level, root.handlers[:], root.manager.disable
    threads = torch.get_num_threads()
    pools = {p["prefix"]: p["num_threads"] for p in threadpool_info()}
    try:
        with warnings.catch_warnings():
            yield
    finally:
        log.setLevel(level)
        root.setLevel(root_level)
        root.handlers[:] = handlers
        logging.disable(disabled)
        torch.set_num_threads(threads)
        threadpool_limits(limits=pools)
