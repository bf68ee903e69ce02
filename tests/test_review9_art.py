"""Pipeline, artefact, ONNX export, inspect and benchmark: defects found in use, pinned here."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline
from hourglass.errors import InputError
from hourglass.pipeline.artefact import check_replaceable
from tests._cli import one_line_error

FAST = ["--epochs", "1", "-q"]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(size=120), "b": rng.exponential(size=120),
                         "proto": rng.choice(["tcp", "udp"], 120)})


@pytest.fixture(scope="module")
def pipe(table: pd.DataFrame) -> Pipeline:
    return Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(table)


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_save_to_a_dangling_link_is_refused_before_training(tmp_path: Path, pipe: Pipeline,
                                                           table: pd.DataFrame) -> None:
    # a link to a missing place passed every check, and the rename into place failed after
    # training: NotADirectoryError with a traceback
    link = tmp_path / "model"
    link.symlink_to(tmp_path / "gone" / "x")
    with pytest.raises(InputError, match=r"is a link to .*which does not exist"):
        check_replaceable(link)
    with pytest.raises(InputError, match="which does not exist"):
        pipe.save(link)
    assert link.is_symlink() and not [p for p in tmp_path.iterdir() if p.name != "model"]
    data = tmp_path / "t.csv"
    table.to_csv(data, index=False)
    one_line_error(["train", str(data), "-o", str(link), *FAST], "which does not exist")
