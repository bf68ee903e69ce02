"""Settings for every test and doctest (tests/ and the modules' examples under src/)."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator

import pytest


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
