"""The data row an error or a warning names: the file's where no skipped row may come before it,
else said to be unknown (never a wrong number, never a blank); regression tests of defects found
and fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest import ReadStats, iter_table
from tests._cli import runner
from tests.test_review10_eval import _flows

FAST = ["--epochs", "1", "--hidden", "8,4", "-q"]
LABELS = ["--label-col", "label", "--normal", "normal"]
UNKNOWN = "a row whose data row is not known"


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model trained with labels and a time column (a, b, proto; label; ts), and an
    entity model (host; a, b; ts) trained without labels."""
    d = tmp_path_factory.mktemp("review14_f2h")
    train = _flows(300)
    train.loc[train["label"] == "normal"].to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), *LABELS, "--timestamp-col", "ts",
                              "-o", str(d / "M"), *FAST])
    assert res.exit_code == 0, res.output
    _entity_rows(240).drop(columns=["label"]).to_csv(d / "etrain.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "etrain.csv"), "--entity-col", "host", "--timestamp-col",
                              "ts", "--bucket", "10min", "-o", str(d / "E"), *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M", "entity": d / "E"}


def _entity_rows(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ts = pd.date_range("2024-01-01", periods=n, freq="1min").strftime("%Y-%m-%d %H:%M:%S")
    df = pd.DataFrame({"host": rng.choice(["h1", "h2", "h3"], n), "a": rng.normal(size=n).round(3),
                       "b": rng.normal(size=n).round(3), "label": "normal", "ts": ts})
    df["a"] = df["a"].astype(object)
    return df


def _read(path: Path, **kw: object) -> tuple[pd.DataFrame, ReadStats]:
    stats = ReadStats()
    df = pd.concat(list(iter_table(path, fmt="csv", stats=stats, **kw)), ignore_index=True)  # type: ignore[arg-type]
    return df, stats


def _numbers(path: Path, n: int, bad: dict[int, str]) -> Path:
    """A CSV of ``n`` data rows (``a,b``) past the first block, ``bad``: data row -> line."""
    lines = ["a,b"] + [f"{i},{i % 7}" for i in range(n)]
    for row, text in sorted(bad.items(), reverse=True):
        lines.insert(row, text)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_repeated_header_rows_keep_the_data_rows_numbered(tmp_path: Path) -> None:
    # a repeated header row dropped (cicflowmeter) voided every later row's number: it is a
    # line, no data row (counted as a skipped row all the same)
    path = _numbers(tmp_path / "t.csv", 150_000, {120_000: "a,b"})
    df, stats = _read(path, header_rows=True)
    assert len(df) == 150_000 and stats.bad_rows == 1 and stats.first_skip is None
    assert stats.data_row(140_000) == 140_001


def test_value_skip_is_placed_exactly_in_its_block(tmp_path: Path) -> None:
    # a row skipped for a value that is no number (past the first block) was counted as after
    # the rows of its chunk's start, so a row before it in the same chunk lost its number
    path = _numbers(tmp_path / "t.csv", 150_000, {120_000: "a,b", 140_000: "x,1"})
    df, stats = _read(path, header_rows=True, on_bad_rows="skip")
    assert len(df) == 150_000 and stats.bad_rows == 2
    # (the header line no data row; since review 24 the skipped row is placed: the row after it
    # is data row 140,001, not unknown)
    assert stats.first_skip is None and stats.gaps == [139_999]
    assert stats.data_row(139_998) == 139_999 and stats.data_row(139_999) == 140_001


def _cic(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "Flow Duration": rng.integers(1, 1000, n), "Flow Bytes/s": rng.normal(100, 10, n).round(2),
        "Tot Fwd Pkts": rng.integers(1, 20, n), "Protocol": rng.choice([6, 17], n),
        "Timestamp": pd.date_range("2018-02-14 08:00:00", periods=n, freq="1s").strftime("%d/%m/%Y %H:%M:%S"),
        "Label": "Benign"})


def test_grouped_ecs_error_names_the_row_after_a_repeated_header(tmp_path: Path) -> None:
    # the error read "column 'Timestamp':  has no time" (no row) after a repeated header row
    # (a later block's) was dropped
    _cic(500, 0).to_csv(tmp_path / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--format", "cicflowmeter",
                              "-o", str(tmp_path / "C"), *FAST])
    assert res.exit_code == 0, res.output
    df = _cic(3000, 1)
    df.loc[2500, ["Flow Duration", "Flow Bytes/s", "Tot Fwd Pkts"]] = [10**9, 1e9, 10**6]
    df.loc[2500, "Timestamp"] = None  # data row 2501, flagged
    lines = df.to_csv(index=False).splitlines()
    lines.insert(1501, lines[0])  # the header again, before data row 1501 (a later block)
    path = tmp_path / "test.csv"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["score", str(tmp_path / "C"), str(path), "-o", str(out),
                              "--alert-format", "ecs", "--group-by", "Protocol", "--group-window",
                              "1000", "--keep", "Timestamp", "--chunk-mb", "0.05"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    # (its line since review 37: the header and the repeated one before it)
    assert "column 'Timestamp': line 2503 has no time (missing)" in res.stderr
    assert not out.exists()


@pytest.mark.parametrize(("bad_after", "said"), [(5, "found 'oops' (line 1)"), (0, "found 'oops' (line 2)")])
def test_refused_value_row_after_a_skipped_line(kit: dict[str, Path], bad_after: int, said: str) -> None:
    # the first refused value lost its row whenever any row was skipped, even one after it
    import json

    df = _flows(20, seed=2).drop(columns=["label"])
    df["a"] = "oops"
    lines = [json.dumps(r) for r in df.to_dict("records")]
    lines.insert(bad_after, "{not json")
    path = kit["dir"] / f"refused{bad_after}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["score", str(kit["model"]), str(path), "-o", str(kit["dir"] / "r.csv"),
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert said in res.stderr, res.stderr

def _untimed_after_malformed(path: Path) -> Path:
    df = _flows(50, seed=4).drop(columns=["label"])
    df["ts"] = "not a time"
    lines = df.to_csv(index=False).splitlines()
    lines.insert(1, "1,2,tcp,2024-01-01 00:00:00,extra")  # data row 1 malformed
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("how", [["--group-by", "proto", "--timestamp-col", "ts"], ["--alert-format", "ecs"]])
def test_score_time_error_after_a_skipped_row(kit: dict[str, Path], how: list[str]) -> None:
    # "data row 1 is not a timestamp" for data row 2 (data row 1 was a malformed line skipped)
    path = _untimed_after_malformed(kit["dir"] / "untimed.csv")
    out = kit["dir"] / "untimed.jsonl"
    res = runner.invoke(app, ["score", str(kit["model"]), str(path), "-o", str(out),
                              "--on-bad-rows", "skip", *how])
    assert res.exit_code == 2 and "Traceback" not in res.output
    # (since review 24 the malformed line is placed: the row is told by its data row; since
    # review 37 by its line)
    assert "line 3 is not a timestamp ('not a time')" in res.stderr
    assert "row 1 " not in res.stderr


def test_evaluate_timestamp_col_error_after_a_skipped_row(kit: dict[str, Path]) -> None:
    df = _flows(50, seed=4)
    df["ts"] = "not a time"
    lines = df.to_csv(index=False).splitlines()
    lines.insert(1, "1,2,tcp,normal,2024-01-01 00:00:00,extra")
    path = kit["dir"] / "untimed_lab.csv"
    path.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["evaluate", str(kit["model"]), str(path), "--on-bad-rows", "skip",
                              "--timestamp-col", "ts"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "column 'ts': line 3 is not a timestamp" in res.stderr  # (placed: review 24; line: 37)
    assert "row 1 " not in res.stderr


def _text_at(df: pd.DataFrame, row: int) -> pd.DataFrame:
    df = df.copy()
    df.loc[row - 1, "a"] = "oops"
    return df


@pytest.mark.parametrize("warm", [False, True])
def test_entity_fit_error_row_after_attack_buckets(kit: dict[str, Path], warm: bool) -> None:
    # the fit named data row 201 "data row 195" (its position among the normal buckets' rows)
    df = _text_at(_entity_rows(240), 201)
    df.loc[5, "label"] = "dos"  # (its bucket's rows left out: six before data row 201)
    path = kit["dir"] / "elab.csv"
    df.to_csv(path, index=False)
    how = (["--warm-start", str(kit["entity"])] if warm else
           ["--entity-col", "host", "--timestamp-col", "ts", "--bucket", "10min"])
    res = runner.invoke(app, ["train", str(path), *how, *LABELS, "-o", str(kit["dir"] / f"EL{warm}"),
                              "--epochs", "1", "-q"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "column 'a': line 202 is not a number ('oops')" in res.stderr  # (its line: review 37)


@pytest.mark.parametrize("warm", [False, True])
@pytest.mark.parametrize(("bad_time", "said"), [(3, UNKNOWN), (80, "line 52")])  # (its line: review 37)
def test_entity_fit_error_row_after_a_skipped_time(kit: dict[str, Path], warm: bool, bad_time: int,
                                                   said: str) -> None:
    # "data row 50" for data row 51, after a row skipped for its time
    df = _text_at(_entity_rows(240), 51).drop(columns=["label"])
    df.loc[bad_time - 1, "ts"] = "not a time"
    path = kit["dir"] / f"etext{bad_time}.csv"
    df.to_csv(path, index=False)
    how = (["--warm-start", str(kit["entity"])] if warm else
           ["--entity-col", "host", "--timestamp-col", "ts", "--bucket", "10min"])
    res = runner.invoke(app, ["train", str(path), *how, "--on-bad-rows", "skip",
                              "-o", str(kit["dir"] / f"ET{warm}{bad_time}"), "--epochs", "1", "-q"])
    # --on-bad-rows skip leaves the row out (text in a summed column), naming its row when known
    assert res.exit_code == 0 and "Traceback" not in res.output
    assert "skipped 1 row(s) whose summed column holds text" in res.stderr and "'oops'" in res.stderr
    assert "row 50" not in res.stderr and (said == UNKNOWN or said in res.stderr), res.stderr
