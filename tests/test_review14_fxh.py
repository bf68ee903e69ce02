"""The data row a warning names after rows skipped with ``--on-bad-rows skip``: the file's row
where no skipped row may come before it, none (never a wrong one) where one may; regression
tests of defects found and fixed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tests._cli import runner
from tests.test_review10_eval import _flows

from hourglass.cli import app
from hourglass.ingest import ReadStats

FAST = ["--epochs", "1", "--hidden", "8,4", "-q"]
LABELS = ["--label-col", "label", "--normal", "normal"]


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model trained with labels and a time column (a, b, proto; label; ts)."""
    d = tmp_path_factory.mktemp("review14_fxh")
    train = _flows(300)
    train.loc[train["label"] == "normal"].to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), *LABELS, "--timestamp-col", "ts",
                              "-o", str(d / "M"), *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M"}


def _eval_file(skip_at: int) -> pd.DataFrame:
    """100 rows: data row 10 without a readable time, data row 51 without a label, and a value
    the model refuses (skipped) at data row ``skip_at``."""
    df = _flows(100, seed=3)
    df["a"] = df["a"].astype(object)
    df.loc[9, "ts"] = "not a time"
    df.loc[50, "label"] = None
    df.loc[skip_at - 1, "a"] = "oops"
    return df


def _jsonl(df: pd.DataFrame, path: Path, bad_after: int) -> Path:
    """``df`` as JSON lines, with a malformed line after data row ``bad_after``."""
    lines = [json.dumps({k: (None if pd.isna(v) else v) for k, v in r.items()})
             for r in df.to_dict("records")]
    lines.insert(bad_after, "{not json")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_read_stats_data_row() -> None:
    stats = ReadStats()
    assert stats.data_row(0) == 1 and stats.data_row(99) == 100
    stats.skipped(None, at=5)
    stats.skipped(None, at=2)  # (a lower count told later: the lowest kept)
    assert stats.first_skip == 2 and stats.data_row(1) == 2 and stats.data_row(2) is None


def test_evaluate_numbers_the_file_row_when_rows_are_skipped_after_it(kit: dict[str, Path]) -> None:
    # the unlabelled row and the unreadable time were told without their (right) data rows
    # whenever any row was skipped, even one after them
    path = kit["dir"] / "late.csv"
    _eval_file(skip_at=81).to_csv(path, index=False)
    res = runner.invoke(app, ["evaluate", str(kit["model"]), str(path), *LABELS, "--timestamp-col", "ts",
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "column 'label' (first: data row 51); left out" in res.stderr
    assert "(first: data row 10, 'not a time')" in res.stderr


def test_evaluate_jsonl_malformed_line_before_or_after(kit: dict[str, Path]) -> None:
    df = _eval_file(skip_at=81)
    df.loc[80, "a"] = 1.0
    for after in (60, 2):
        path = _jsonl(df, kit["dir"] / f"bad{after}.jsonl", after)
        res = runner.invoke(app, ["evaluate", str(kit["model"]), str(path), *LABELS,
                                  "--timestamp-col", "ts", "--on-bad-rows", "skip"])
        assert res.exit_code == 0, res.output
        assert "skipped 1 malformed row(s)" in res.stderr
        if after == 60:
            assert "(first: data row 51)" in res.stderr and "(first: data row 10, 'not a time')" in res.stderr
        else:  # the malformed line (a row) is before them, data rows 11 and 52: they were
            # told as 10 and 51; now no number rather than a wrong one
            assert "column 'label'; left out" in res.stderr and "(first: 'not a time')" in res.stderr
