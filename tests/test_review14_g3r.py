"""The rows a date-order error or a warm start's error names after rows skipped with
``--on-bad-rows skip``: the file's data row where no skipped row may come before it, none (never a
wrong one) where one may, and the file it is in; regression tests of defects found and fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests._date_orders import (
    DAY,
    ENTITY,
    LABELS,
    MONTH,
    check_rows,
    error_line,
    iso_entity_model,
    mixed_orders,
)

FAST = ["--epochs", "1", "--hidden", "8,4", "-q"]


@pytest.fixture(scope="module")
def parent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An entity-bucket model trained on ISO 8601 times (it keeps no date order)."""
    d = tmp_path_factory.mktemp("review14_g3r")
    iso_entity_model(d)
    return d


@pytest.mark.parametrize("skip_at", [3, 50, None])
def test_entity_train_date_order_error_names_data_rows(tmp_path: Path, skip_at: int | None) -> None:
    data = mixed_orders(tmp_path / "mixed.csv", skip_at)
    line = error_line(["train", str(data), *ENTITY, *LABELS, "--on-bad-rows", "skip",
                   "-o", str(tmp_path / "M"), *FAST])
    assert "puts the day first" in line
    check_rows(line, skip_at)
    assert not (tmp_path / "M").exists()


@pytest.mark.parametrize("skip_at", [3, 50])
@pytest.mark.parametrize("replay", [None, "new", "old"])
def test_entity_warm_start_date_order_error_names_data_rows(tmp_path: Path, parent: Path,
                                                            skip_at: int, replay: str | None) -> None:
    mixed = mixed_orders(tmp_path / "mixed.csv", skip_at)
    iso = parent / "iso.csv"
    new, extra = mixed, []
    if replay == "new":
        extra = ["--replay-data", str(iso)]
    elif replay == "old":
        new, extra = iso, ["--replay-data", str(mixed)]
    line = error_line(["train", str(new), "--warm-start", str(parent / "E"), *extra, "--on-bad-rows",
                   "skip", "-o", str(tmp_path / "W"), "-q"])
    assert "puts the day first" in line
    check_rows(line, skip_at)
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
    line = error_line(["train", str(tmp_path / "t.csv"), *LABELS, "--timestamp-col", "ts",
                   "--on-bad-rows", "skip", "-o", str(tmp_path / "M"), *FAST])
    assert "puts the day first" in line
    if bad_after is None:
        assert f"line 101 {DAY}" in line and f"line 11 {MONTH}" in line, line  # (lines: review 37)
    else:  # never a position among the rows kept (row 100 for data row 101, row 10 for 11);
        # since review 24 the malformed line is placed, and the rows told by their data rows
        assert "row 100 " not in line and "row 10 " not in line, line
        assert f"line 102 {DAY}" in line and f"line 12 {MONTH}" in line, line
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
    line = error_line(["train", str(tmp_path / new), "--warm-start", str(parent / "E"), *LABELS,
                   "--replay-data", str(tmp_path / old), "--replay", "100",
                   "-o", str(tmp_path / "W"), "-q"])
    assert "line 202 is not a number ('oops')" in line, line  # (its line: review 37)
    named = f"--replay-data {tmp_path / old}: " if bad_in == "old" else f"error: {tmp_path / new}: "
    assert named in line, line
    assert not (tmp_path / "W").exists()
