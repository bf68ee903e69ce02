"""Outputs a user names wrongly or cannot read: a link under a file, standard output closed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests._cli import one_line_error, small_labelled_model


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("outq"))


def test_link_under_a_file_says_the_folder_is_a_file(trained: dict[str, Any]) -> None:
    """``-o link.csv`` whose link leads under a file (``ln -s flows.csv/x.csv link.csv``): the line
    said 'a symbolic link that leads to no file (Not a directory)'; it now says, as for
    ``-o flows.csv/x.csv``, that the folder is a file."""
    folder: Path = trained["folder"]
    link = folder / "link.csv"
    os.symlink("flows.csv/x.csv", link)
    model_link = folder / "model-link"
    os.symlink("flows.csv/m", model_link)
    try:
        one_line_error(["score", str(trained["model"]), str(trained["data"]), "-o", str(link)],
                       "flows.csv is a file, not a folder")
        one_line_error(["inspect", str(trained["data"]), "--json", str(link)],
                       "flows.csv is a file, not a folder")
        one_line_error(["train", str(trained["data"]), "-o", str(model_link), "--epochs", "1"],
                       "flows.csv is a file, not a folder")
    finally:
        link.unlink()
        model_link.unlink()
