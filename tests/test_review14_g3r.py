"""The rows a date-order error or a warm start's error names after rows skipped with
``--on-bad-rows skip``: the file's data row where no skipped row may come before it, none (never a
wrong one) where one may, and the file it is in; regression tests of defects found and fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner

FAST = ["--epochs", "1", "--hidden", "8,4", "-q"]
LABELS = ["--label-col", "label", "--normal", "normal"]
ENTITY = ["--entity-col", "host", "--timestamp-col", "ts", "--bucket", "5min"]
UNKNOWN = "a row whose data row is not known, as rows were left out before it"
DAY = "('13/01/2024 01:39')"
MONTH = "('01/13/2024 00:09')"


def _error(args: list[str]) -> str:
    """The one error line of ``hourglass ARGS`` (exit code 2, no traceback)."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.stderr, res.stderr
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip().startswith("error:")]
    assert len(lines) == 1, res.stderr
    return lines[0]


def _mixed_orders(path: Path, skip_at: int | None, n: int = 240) -> Path:
    """Entity rows whose data row 10 puts the month first and data row 100 the day first; data
    row ``skip_at`` (if any) has no readable time (skipped)."""
    rng = np.random.default_rng(0)
    ts = pd.date_range("2024-01-01", periods=n, freq="1min").strftime("%m/%d/%Y %H:%M").tolist()
    ts[9], ts[99] = "01/13/2024 00:09", "13/01/2024 01:39"
    if skip_at is not None:
        ts[skip_at - 1] = "not a time"
    pd.DataFrame({"host": rng.choice(["h1", "h2", "h3"], n), "a": rng.normal(size=n).round(3),
                  "label": "normal", "ts": ts}).to_csv(path, index=False)
    return path


def _check_rows(line: str, skip_at: int | None) -> None:
    """Data row 10 told as such unless a skipped row comes before it; data row 100 likewise;
    never a position among the rows kept (row 9, row 99)."""
    assert "row 9 " not in line and "row 99 " not in line, line
    assert (f"row 10 {MONTH}" in line) == (skip_at is None or skip_at > 10), line
    assert (f"row 100 {DAY}" in line) == (skip_at is None or skip_at > 100), line
    assert (UNKNOWN in line) == (skip_at is not None and skip_at <= 100), line


@pytest.fixture(scope="module")
def parent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An entity-bucket model trained on ISO 8601 times (it keeps no date order)."""
    d = tmp_path_factory.mktemp("review14_g3r")
    rng = np.random.default_rng(1)
    n = 240
    pd.DataFrame({"host": rng.choice(["h1", "h2", "h3"], n), "a": rng.normal(size=n).round(3),
                  "label": "normal", "ts": pd.date_range("2024-01-01", periods=n, freq="1min")
                  .strftime("%Y-%m-%d %H:%M:%S")}).to_csv(d / "iso.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "iso.csv"), *ENTITY, *LABELS, "-o", str(d / "E"), *FAST])
    assert res.exit_code == 0, res.output
    return d


@pytest.mark.parametrize("skip_at", [3, 50, None])
def test_entity_train_date_order_error_names_data_rows(tmp_path: Path, skip_at: int | None) -> None:
    data = _mixed_orders(tmp_path / "mixed.csv", skip_at)
    line = _error(["train", str(data), *ENTITY, *LABELS, "--on-bad-rows", "skip",
                   "-o", str(tmp_path / "M"), *FAST])
    assert "puts the day first" in line
    _check_rows(line, skip_at)
    assert not (tmp_path / "M").exists()


@pytest.mark.parametrize("skip_at", [3, 50])
@pytest.mark.parametrize("replay", [None, "new", "old"])
def test_entity_warm_start_date_order_error_names_data_rows(tmp_path: Path, parent: Path,
                                                            skip_at: int, replay: str | None) -> None:
    mixed = _mixed_orders(tmp_path / "mixed.csv", skip_at)
    iso = parent / "iso.csv"
    new, extra = mixed, []
    if replay == "new":
        extra = ["--replay-data", str(iso)]
    elif replay == "old":
        new, extra = iso, ["--replay-data", str(mixed)]
    line = _error(["train", str(new), "--warm-start", str(parent / "E"), *extra, "--on-bad-rows",
                   "skip", "-o", str(tmp_path / "W"), "-q"])
    assert "puts the day first" in line
    _check_rows(line, skip_at)
    if replay == "old":
        assert f"--replay-data {mixed}: " in line, line
    elif replay == "new":
        assert f"error: {mixed}: " in line, line
    assert not (tmp_path / "W").exists()


@pytest.mark.parametrize("bad_after", [2, None])
def test_table_train_date_order_error_after_a_malformed_line(tmp_path: Path, bad_after: int | None
                                                             ) -> None:
    n = 300
    rng = np.random.default_rng(0)
    ts = pd.date_range("2024-01-01", periods=n, freq="1min").strftime("%m/%d/%Y %H:%M").tolist()
    ts[9], ts[99] = "01/13/2024 00:09", "13/01/2024 01:39"
    df = pd.DataFrame({"a": rng.normal(size=n).round(3), "b": rng.integers(0, 100, n),
                       "proto": rng.choice(["tcp", "udp"], n), "label": "normal", "ts": ts})
    lines = df.to_csv(index=False).splitlines()
    if bad_after is not None:  # a malformed line after data row bad_after: data row 101 then
        lines.insert(bad_after + 1, "1,2,tcp,normal,01/01/2024 00:00,extra")
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    line = _error(["train", str(tmp_path / "t.csv"), *LABELS, "--timestamp-col", "ts",
                   "--on-bad-rows", "skip", "-o", str(tmp_path / "M"), *FAST])
    assert "puts the day first" in line
    if bad_after is None:
        assert f"row 100 {DAY}" in line and f"row 10 {MONTH}" in line, line
    else:  # never a position among the rows kept (row 100 for data row 101, row 10 for 11)
        assert "row 100 " not in line and "row 10 " not in line, line
        assert f"{UNKNOWN} {DAY}" in line and f"{UNKNOWN} {MONTH}" in line, line
    assert not (tmp_path / "M").exists()


@pytest.mark.parametrize("bad_in", ["old", "new"])
def test_entity_warm_start_replayed_row_error_names_its_file_and_row(tmp_path: Path, parent: Path,
                                                                     bad_in: str) -> None:
    rng = np.random.default_rng(2)
    n = 240
    df = pd.DataFrame({"host": rng.choice(["h1", "h2", "h3"], n), "a": rng.normal(size=n).round(3),
                       "label": "normal", "ts": pd.date_range("2024-01-01", periods=n, freq="1min")
                       .strftime("%Y-%m-%d %H:%M:%S")})
    df.to_csv(tmp_path / "clean.csv", index=False)
    df["a"] = df["a"].astype(object)
    df.loc[200, "a"] = "oops"  # data row 201
    df.loc[5, "label"] = "dos"  # its bucket left out: positions among the normal rows shift
    df.to_csv(tmp_path / "bad.csv", index=False)
    new, old = ("clean.csv", "bad.csv") if bad_in == "old" else ("bad.csv", "clean.csv")
    line = _error(["train", str(tmp_path / new), "--warm-start", str(parent / "E"), *LABELS,
                   "--replay-data", str(tmp_path / old), "--replay", "100",
                   "-o", str(tmp_path / "W"), "-q"])
    assert "data row 201 is not a number ('oops')" in line, line
    named = f"--replay-data {tmp_path / old}: " if bad_in == "old" else f"error: {tmp_path / new}: "
    assert named in line, line
    assert not (tmp_path / "W").exists()
