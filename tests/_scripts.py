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
    hourglass logger at WARNING: a later stream's drift summary line went missing). Each thread
    pool is put back by its own library, not by its kind: torch's OpenMP runtime and
    scikit-learn's are two ``libgomp`` libraries with their own counts (1 and 2), and restoring
    by the kind set both to the last one's, leaving torch on two threads."""
    import torch
    from threadpoolctl import ThreadpoolController

    log, root = logging.getLogger("hourglass"), logging.getLogger()
    level, root_level, handlers, disabled = log.level, root.level, root.handlers[:], root.manager.disable
    threads = torch.get_num_threads()
    pools = [(lib, lib.num_threads) for lib in ThreadpoolController().lib_controllers]
    try:
        with warnings.catch_warnings():
            yield
    finally:
        log.setLevel(level)
        root.setLevel(root_level)
        root.handlers[:] = handlers
        logging.disable(disabled)
        for lib, n in pools:
            lib.set_num_threads(n)
        torch.set_num_threads(threads)  # (last: its OpenMP runtime's count is torch's own)
