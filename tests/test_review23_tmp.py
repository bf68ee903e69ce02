"""Review round 23 (tmp): test runs leave nothing in the system's temporary folder."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest


def test_tempfiles_go_under_pytests_own_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    # every run of the suite left ~600 folders in /tmp: the modules' examples call
    # tempfile.mkdtemp() and never remove it, and a test of a folder's copy did not remove the
    # copy; the root conftest.py now points tempfile at pytest's own (pruned) temporary folder
    assert Path(tempfile.gettempdir()).is_relative_to(tmp_path_factory.getbasetemp())
    assert Path(tempfile.mkdtemp()).is_relative_to(tmp_path_factory.getbasetemp())
