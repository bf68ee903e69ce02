"""Regression tests: how outputs number rows after ``--on-bad-rows skip``, and the
``--memory-budget`` note."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.cli import app
from hourglass.cli._output import ROWS_KEPT_NOTE
from tests._cli import ab_model, runner


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model on two numeric columns a, b, its training file (~60 KB) and inputs with a
    malformed row in the middle (data row 2 of 4) and at the end."""
    folder = tmp_path_factory.mktemp("rows23")
    ab_model(folder)
    middle, end = folder / "middle.csv", folder / "end.csv"
    middle.write_text("a,b\n1,2\n3,4\n5,x\n7,8\n")
    end.write_text("a,b\n1,2\n3,4\n7,8\n5,x\n")
    lines = folder / "middle.jsonl"
    lines.write_text('{"a": 1, "b": 2}\n{"a": 3, "b": 4}\n{"a": 5, "b": "x"}\n{"a": 7, "b": 8}\n')
    return {"train": folder / "train.csv", "model": folder / "m", "middle": middle, "end": end,
            "lines": lines}


def _one_line(text: str) -> str:
    return " ".join(text.split())  # (the console wraps long lines)


# What was wrong (the rows-kept note, review 23), for a skipped row after the last row written:
# no row is shifted, so the warning must not say they are.
def test_skip_warning_has_no_note_when_no_row_follows_the_skipped_one(model: dict[str, Path],
                                                                     tmp_path: Path) -> None:
    res = runner.invoke(app, ["score", str(model["model"]), str(model["end"]), "--on-bad-rows",
                              "skip", "-o", str(tmp_path / "out.csv")])
    assert res.exit_code == 0, res.output
    assert "skipped 1 malformed row(s)" in res.stderr
    assert ROWS_KEPT_NOTE not in _one_line(res.stderr), res.stderr


# What was wrong: '--memory-budget 0.05' (MB) was reported as '~0 MB (> --memory-budget 0 MB)':
# the budget is now shown as given, and a size under 1 MB in bytes.
def test_memory_budget_below_one_mb_is_shown_as_given(model: dict[str, Path], tmp_path: Path) -> None:
    res = runner.invoke(app, ["train", str(model["train"]), "--epochs", "1", "--hidden", "4,2",
                              "--memory-budget", "0.05", "--sample-rows", "500",
                              "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    size = model["train"].stat().st_size
    said = _one_line(res.stderr)
    assert f"is ~{size:,} bytes (> --memory-budget 0.05 MB)" in said, said
    assert "0 MB" not in said
