"""The data row a warning names after rows skipped with ``--on-bad-rows skip``: the file's row
where no skipped row may come before it, none (never a wrong one) where one may; regression
tests of defects found and fixed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest import ReadStats
from tests._cli import runner
from tests.test_review10_eval import _flows

FAST = ["--epochs", "1", "--hidden", "8,4", "-q"]
LABELS = ["--label-col", "label", "--normal", "normal"]
UNKNOWN = "(a row whose data row is not known)"


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
    stats.note_skip(5)  # (places not known: since review 24 skipped(None, at=N) places a row)
    stats.note_skip(2)  # (a lower count told later: the lowest kept)
    assert stats.first_skip == 2 and stats.data_row(1) == 2 and stats.data_row(2) is None


def test_evaluate_numbers_the_file_row_when_rows_are_skipped_after_it(kit: dict[str, Path]) -> None:
    # the unlabelled row and the unreadable time were told without their (right) data rows
    # whenever any row was skipped, even one after them
    path = kit["dir"] / "late.csv"
    _eval_file(skip_at=81).to_csv(path, index=False)
    res = runner.invoke(app, ["evaluate", str(kit["model"]), str(path), *LABELS, "--timestamp-col", "ts",
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    # (since review 37 named by their lines, the header line 1 before them)
    assert "column 'label' (first: line 52); left out" in res.stderr
    assert "(first: line 11, 'not a time')" in res.stderr


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
            assert "(first: line 51)" in res.stderr and "(first: line 10, 'not a time')" in res.stderr
        else:  # the malformed line (a row) is before them, data rows 11 and 52: they were
            # told as 10 and 51, then without a number; since review 24 the reader places the
            # skipped line, and they are told by their data rows (since review 37: their lines)
            assert "(first: line 52)" in res.stderr and "(first: line 11, 'not a time')" in res.stderr


@pytest.mark.parametrize(("bad_time", "want"), [(3, None), (80, 52)])  # (its line: review 37)
def test_train_unlabelled_row_after_a_skipped_time(kit: dict[str, Path], bad_time: int,
                                                   want: int | None) -> None:
    # a row skipped for its unreadable time (data row 3) made the unlabelled data row 51 "data row 50"
    df = _flows(300)
    df = df.loc[df["label"] == "normal"].reset_index(drop=True)
    df.loc[bad_time - 1, "ts"] = "not a time"
    df.loc[50, "label"] = None
    path = kit["dir"] / f"train_bad{bad_time}.csv"
    df.to_csv(path, index=False)
    res = runner.invoke(app, ["train", str(path), *LABELS, "--timestamp-col", "ts", "--on-bad-rows",
                              "skip", "-o", str(kit["dir"] / f"T{bad_time}"), "--epochs", "1",
                              "--hidden", "8,4"])
    assert res.exit_code == 0, res.output
    assert "data row 50" not in res.stderr
    said = f"(first: line {want}); not trained on" if want else "column 'label'; not trained on"
    assert said in res.stderr
    # (the skipped time itself: nothing skipped before it; its line, below the header)
    assert f"(first: line {bad_time + 1}, 'not a time')" in res.stderr


@pytest.mark.parametrize(("bad_after", "want"), [(2, 52), (60, 51)])  # (52: placed, review 24)
def test_warm_start_unlabelled_row_after_a_malformed_line(kit: dict[str, Path], bad_after: int,
                                                          want: int | None) -> None:
    df = _flows(200, seed=5)
    df.loc[50, "label"] = None
    path = _jsonl(df, kit["dir"] / f"warm{bad_after}.jsonl", bad_after)  # (a row more)
    res = runner.invoke(app, ["train", str(path), "--warm-start", str(kit["model"]), *LABELS,
                              "--on-bad-rows", "skip", "-o", str(kit["dir"] / f"W{bad_after}"),
                              "--epochs", "1"])
    assert res.exit_code == 0, res.output
    # the malformed line before it: the unlabelled row is data row 52, told as 51 (its line)
    said = f"(first: line {want}); not trained on" if want else "column 'label'; not trained on"
    assert said in res.stderr


@pytest.fixture(scope="module")
def entity(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An entity-bucket model (host, ts; a, b summed) and its labelled test rows."""
    d = tmp_path_factory.mktemp("review14_fxh_entity")
    rng = np.random.default_rng(0)
    n = 240
    df = pd.DataFrame({"host": rng.choice(["h1", "h2", "h3"], n), "a": rng.normal(size=n).round(3),
                       "b": rng.normal(size=n).round(3), "label": "normal",
                       "ts": pd.date_range("2024-01-01", periods=n, freq="1min").strftime(
                           "%Y-%m-%d %H:%M:%S")})
    df.loc[df.index % 7 == 0, "label"] = "dos"
    df.drop(columns=["label"]).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--entity-col", "host", "--timestamp-col",
                              "ts", "--bucket", "10min", "-o", str(d / "E"), *FAST])
    assert res.exit_code == 0, res.output
    df.loc[50, "label"] = None
    return {"dir": d, "model": d / "E", "rows": df}  # type: ignore[dict-item]


@pytest.mark.parametrize(("bad_time", "want"), [(3, None), (80, 52)])  # (its line: review 37)
def test_entity_evaluate_whole_read_after_a_skipped_time(entity: dict, bad_time: int,
                                                         want: int | None) -> None:
    df = entity["rows"].copy()
    df.loc[bad_time - 1, "ts"] = "not a time"  # (a bad value: the file is read whole)
    path = entity["dir"] / f"bad{bad_time}.csv"
    df.to_csv(path, index=False)
    res = runner.invoke(app, ["evaluate", str(entity["model"]), str(path), *LABELS,
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "data row 50" not in res.stderr
    said = f"(first: line {want}); left out" if want else "column 'label'; left out"
    assert said in res.stderr


def test_entity_evaluate_chunked_after_a_malformed_line(entity: dict) -> None:
    # read in chunks: a malformed line (a row) before the unlabelled row, data row 52, made it
    # "data row 51"
    lines = entity["rows"].to_csv(index=False).splitlines()
    lines.insert(3, "h1,1,2,normal,2024-01-01 00:02:30,extra")  # after data row 2
    path = entity["dir"] / "malformed.csv"
    path.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["evaluate", str(entity["model"]), str(path), *LABELS,
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "skipped 1 malformed row(s)" in res.stderr and "data row 51" not in res.stderr
    assert "(first: line 53); left out" in res.stderr  # (the line placed: review 24; its line: 37)


def _score_file(kit: dict[str, Path], skip_at: int) -> Path:
    df = _flows(100, seed=4).drop(columns=["label"])
    df["a"] = df["a"].astype(object)
    df.loc[9, "ts"] = "not a time"
    df.loc[skip_at - 1, "a"] = "oops"
    path = kit["dir"] / f"score{skip_at}.csv"
    df.to_csv(path, index=False)
    return path


_UNTIMED = [  # (score's options, its output, how its warning names the first row without a time)
    (["--alert-format", "ecs"], "e.jsonl", "without a readable time {said}; their alerts carry"),
    (["--group-by", "proto"], "g.jsonl", "column 'ts' {said} were scored"),
    # a window of rows takes its ECS event time from its top row's (kept) time: the first
    # flagged row without one was told by its position among the rows scored
    (["--alert-format", "ecs", "--group-by", "proto", "--group-window", "100", "--keep", "ts"],
     "r.jsonl", "column 'ts': 1 flagged row(s) without a readable time {said}"),
]


@pytest.mark.parametrize(("skip_at", "want"), [(3, 11), (81, 11)])  # (3: placed, review 24; lines: 37)
@pytest.mark.parametrize(("options", "out", "warning"), _UNTIMED, ids=["ecs", "grouped", "ecs-windows"])
def test_score_untimed_row_after_a_skipped_row(kit: dict[str, Path], skip_at: int, want: int | None,
                                               options: list[str], out: str, warning: str) -> None:
    # a value skipped at data row 3 made the unreadable time of data row 10 "data row 9"
    path = _score_file(kit, skip_at)
    res = runner.invoke(app, ["score", str(kit["model"]), str(path), "-o", str(kit["dir"] / out),
                              *options, "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "data row 9," not in res.stderr
    said = f"(first: line {want}, 'not a time')" if want else "(first: 'not a time')"
    assert warning.format(said=said) in res.stderr


@pytest.mark.parametrize(("bad_time", "want"), [(3, None), (80, 52)])  # (its line: review 37)
def test_entity_warm_start_unlabelled_row_after_a_skipped_time(entity: dict, bad_time: int,
                                                               want: int | None) -> None:
    df = entity["rows"].copy()
    df.loc[bad_time - 1, "ts"] = "not a time"
    path = entity["dir"] / f"warm{bad_time}.csv"
    df.to_csv(path, index=False)
    res = runner.invoke(app, ["train", str(path), "--warm-start", str(entity["model"]), *LABELS,
                              "--on-bad-rows", "skip", "-o", str(entity["dir"] / f"W{bad_time}"),
                              "--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert "data row 50" not in res.stderr
    said = f"(first: line {want}); not trained on" if want else "column 'label'; not trained on"
    assert said in res.stderr


@pytest.mark.parametrize(("bad_time", "said"), [(3, UNKNOWN), (80, "(line 52)")])  # (line: review 37)
def test_train_fit_error_row_after_a_skipped_time(kit: dict[str, Path], bad_time: int, said: str) -> None:
    # the fit's error named data row 51 "row 50" (its position among the rows kept after the
    # row skipped for its time)
    df = _flows(300)
    df = df.loc[df["label"] == "normal"].reset_index(drop=True)
    df["b"] = df["b"].astype(object)
    df.loc[bad_time - 1, "ts"] = "not a time"
    df.loc[50, "b"] = "oops"
    path = kit["dir"] / f"train_text{bad_time}.csv"
    df.to_csv(path, index=False)
    res = runner.invoke(app, ["train", str(path), *LABELS, "--timestamp-col", "ts", "--on-bad-rows",
                              "skip", "-o", str(kit["dir"] / f"X{bad_time}"), *FAST])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"column 'b': expected numbers, found 'oops' {said}" in res.stderr
    assert "row 50" not in res.stderr


@pytest.mark.parametrize(("bad_after", "text_at", "said"), [
    (2, 51, "(line 52)"), (60, 51, "(line 51)"),  # (the schema check's 64 rows; lines: review 37)
    (2, 101, "(line 102)"), (150, 101, "(line 101)")])  # (the fit's; the line placed: review 24)
def test_warm_start_error_row_after_a_malformed_line(kit: dict[str, Path], bad_after: int,
                                                     text_at: int, said: str) -> None:
    # a malformed line (a row) before data row 52 made the error name it "row 51"
    df = _flows(200, seed=5)
    df["b"] = df["b"].astype(object)
    df.loc[text_at - 1, "b"] = "oops"
    path = _jsonl(df, kit["dir"] / f"warm_text{bad_after}_{text_at}.jsonl", bad_after)
    res = runner.invoke(app, ["train", str(path), "--warm-start", str(kit["model"]), *LABELS,
                              "--on-bad-rows", "skip", "-o", str(kit["dir"] / f"WX{bad_after}"),
                              "--epochs", "1"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"column 'b': expected numbers, found 'oops' {said}" in res.stderr
