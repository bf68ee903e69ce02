"""Regression tests: alert outputs, suppression rules and grouped alerts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("alrt18"))


@pytest.mark.parametrize("name", ["alerts.jsonl", "alerts.csv", "alerts.sqlite"])
def test_score_output_through_a_symbolic_link_writes_the_linked_file(labelled: dict[str, Any],
                                                                     tmp_path: Path, name: str) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / name).write_text("old\n")
    link = tmp_path / f"link-{name}"
    link.symlink_to(real / name)
    res = runner.invoke(app, ["score", str(labelled["model"]), str(labelled["data"]), "-o", str(link)])
    assert res.exit_code == 0, res.output
    assert link.is_symlink()  # the link stays, and the file it names holds the scores
    assert os.path.realpath(link) == str(real / name)
    assert (real / name).read_bytes()[:4] != b"old\n"
    if name.endswith(".jsonl"):
        rows = [json.loads(line) for line in (real / name).read_text().splitlines()]
        assert len(rows) == len(labelled["frame"])
    assert [p.name for p in real.iterdir()] == [name]  # no temporary file left beside it
