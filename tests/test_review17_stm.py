"""hourglass stream on table models: skipping bad rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from hourglass.serve.scoring import TableScorer
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("stm"))


def test_skip_many_rows_without_a_column_scores_each_batch_once(flows: dict[str, Any], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Half the rows of a batch lack a model column: they are skipped in one pass (the batch was
    tried again once per such row: quadratic, 100 rows/s for a batch of 4,096), and the others
    get the scores of the same rows streamed alone."""
    records = flows["frame"].drop(columns="label").head(200).to_dict("records")
    lines = []
    for i, r in enumerate(records):
        lines.append(json.dumps({k: v for k, v in r.items() if not (i % 2 and k == "proto")}))
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(lines) + "\n")
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(json.dumps(r) for r in records[::2]) + "\n")
    calls = []
    real = TableScorer.score

    def counted(self: TableScorer, rows: Any, **kw: Any) -> Any:
        calls.append(len(rows))
        return real(self, rows, **kw)

    monkeypatch.setattr(TableScorer, "score", counted)
    res = runner.invoke(app, ["stream", str(flows["model"]), "--input", str(mixed), "--all",
                              "--on-bad-rows", "skip", "--batch", "500", "-q"])
    assert res.exit_code == 0, res.output
    assert calls == [100]
    assert "skipped 100 malformed line(s) (lines 2, 4, 6" in res.stderr
    ref = runner.invoke(app, ["stream", str(flows["model"]), "--input", str(good), "--all",
                              "--batch", "500", "-q"])
    assert ref.exit_code == 0, ref.output
    # the same alerts, each row its data row (review 24: the skipped lines keep theirs)
    streamed = [json.loads(line) for line in res.stdout.splitlines()]
    alone = [json.loads(line) for line in ref.stdout.splitlines()]
    assert [a.pop("row") for a in streamed] == [2 * a.pop("row") for a in alone]
    assert streamed == alone and len(streamed) == 100
