"""Regression tests: alert outputs, suppression rules and grouped alerts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("alrt20"))


def _flagged_lines(labelled: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """``n`` rows of the training table as JSON objects, each made to be flagged."""
    rows = labelled["frame"].drop(columns=["label"]).head(n).to_dict("records")
    return [{**{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}, "bytes": 1e12}
            for r in rows]


@pytest.mark.parametrize("command", ["score", "stream"])
def test_group_by_a_key_of_true_and_of_1_writes_two_groups(labelled: dict[str, Any], tmp_path: Path,
                                                          command: str) -> None:
    rows = _flagged_lines(labelled, 12)
    values = [True, 1, 1.0, "1", False, 0]
    for i, r in enumerate(rows):
        r["k"] = values[i % len(values)]
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "groups.jsonl"
    args = (["score", str(labelled["model"]), str(data)] if command == "score"
            else ["stream", str(labelled["model"]), "-i", str(data)])
    res = runner.invoke(app, [*args, "--group-by", "k", "--group-window", "100", "-o", str(out)])
    assert res.exit_code == 0, res.output
    groups = {json.dumps(g["k"]): g["count"] for g in map(json.loads, out.read_text().splitlines())}
    # true apart from 1 (and false from 0): each group shows the value its rows have
    assert groups == {"true": 2, "1": 4, '"1"': 2, "false": 2, "0": 2}, groups
