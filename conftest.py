"""Settings for every test and doctest (tests/ and the modules' examples under src/)."""
from __future__ import annotations

import signal
import tempfile
from collections.abc import Iterator

import pytest
import torch

# one torch thread for every test and doctest: the examples under src/ ran with torch's default
# (a thread per core) and, on a shared machine with more jobs than cores, a tiny model's 120
# optimiser steps took seconds of CPU in the threads' hand-offs (Pipeline.warm_start's example
# ~40 s wall at load 8 on 2 cores, 0.3 s with one thread); tests/conftest.py set it for tests/ only
torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope="session")
def _tempfiles_under_pytest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``tempfile``'s folders and files (the examples' ``tempfile.mkdtemp()``, the CLI's copies
    of standard input and of folders) go under pytest's own temporary folder, which pytest
    prunes (it keeps the last three runs), not into the system's for ever."""
    before = tempfile.tempdir
    tempfile.tempdir = str(tmp_path_factory.mktemp("tempfile"))
    try:
        yield
    finally:
        tempfile.tempdir = before


@pytest.fixture(autouse=True, scope="session")
def _sigint_as_from_a_terminal() -> Iterator[None]:
    """Ctrl-C is Python's ``KeyboardInterrupt`` for the tests, as in a terminal, even where the
    suite runs as a background job of a shell without job control (``nohup make test &``), which
    starts it with SIGINT ignored: the commands leave an ignored SIGINT ignored, as they should,
    so the tests of what Ctrl-C does (exit 130, the output said written or not) failed there.
    Their subprocesses start with it too (a handler is reset to the default on exec)."""
    before = signal.getsignal(signal.SIGINT)
    if before is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if before is signal.SIG_IGN:
            signal.signal(signal.SIGINT, before)


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """Every test and doctest starts on one torch thread, whatever the one before it left: a
    command run in-process puts the caller's count back when it ends, so a count another test
    left behind (two threads in a worker of a two-core run) made the next tests' scores differ
    in their last bits from a command's, and ran them oversubscribed."""
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
    yield
