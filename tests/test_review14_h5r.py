"""The rows a date-order error names in entity ``score``/``evaluate`` and in ``inspect`` after rows
skipped with ``--on-bad-rows skip`` (the file's data row where no skipped row may come before it,
else none, never a position among the rows kept), and the words of ``score``'s error for a
flagged row without a readable time; regression tests of defects found and fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner

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
    """Data rows 10 and 100 told as such unless a skipped row comes before them; never a position
    among the rows kept (row 9, row 99)."""
    assert "puts the day first" in line, line
    assert "row 9 " not in line and "row 99 " not in line, line
    assert (f"row 10 {MONTH}" in line) == (skip_at is None or skip_at > 10), line
    assert (f"row 100 {DAY}" in line) == (skip_at is None or skip_at > 100), line
    assert (UNKNOWN in line) == (skip_at is not None and skip_at <= 100), line


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An entity-bucket model with a label column, trained on ISO 8601 times (no date order kept)."""
    d = tmp_path_factory.mktemp("review14_h5r")
    rng = np.random.default_rng(1)
    n = 240
    pd.DataFrame({"host": rng.choice(["h1", "h2", "h3"], n), "a": rng.normal(size=n).round(3),
                  "label": "normal", "ts": pd.date_range("2024-01-01", periods=n, freq="1min")
                  .strftime("%Y-%m-%d %H:%M:%S")}).to_csv(d / "iso.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "iso.csv"), *ENTITY, *LABELS, "-o", str(d / "E"),
                              "--epochs", "1", "--hidden", "8,4", "-q"])
    assert res.exit_code == 0, res.output
    return d / "E"


@pytest.mark.parametrize("skip_at", [3, 50, None])
def test_entity_score_date_order_error_names_data_rows(tmp_path: Path, model: Path,
                                                       skip_at: int | None) -> None:
    data = _mixed_orders(tmp_path / "mixed.csv", skip_at)
    _check_rows(_error(["score", str(model), str(data), "--on-bad-rows", "skip",
                        "-o", str(tmp_path / "out.jsonl")]), skip_at)
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("skip_at", [3, 50, None])
def test_entity_evaluate_date_order_error_names_data_rows(tmp_path: Path, model: Path,
                                                          skip_at: int | None) -> None:
    data = _mixed_orders(tmp_path / "mixed.csv", skip_at)
    _check_rows(_error(["evaluate", str(model), str(data), "--on-bad-rows", "skip"]), skip_at)


def test_entity_evaluate_date_order_error_after_unlabelled_rows(tmp_path: Path, model: Path) -> None:
    data = _mixed_orders(tmp_path / "mixed.csv", None)
    df = pd.read_csv(data, dtype=str, keep_default_na=False)
    df.loc[4, "label"] = ""  # data row 5 left out of the metrics: later positions shift by one
    df.to_csv(data, index=False)
    _check_rows(_error(["evaluate", str(model), str(data)]), None)


@pytest.mark.parametrize("entity", [False, True])
@pytest.mark.parametrize("skip_at", [3, 50, None])
def test_inspect_date_order_error_names_data_rows(tmp_path: Path, skip_at: int | None,
                                                  entity: bool) -> None:
    data = _mixed_orders(tmp_path / "mixed.csv", skip_at)
    args = ENTITY if entity else ["--timestamp-col", "ts"]
    _check_rows(_error(["inspect", str(data), *args, "--on-bad-rows", "skip"]), skip_at)


@pytest.mark.parametrize("entity", [False, True])
def test_inspect_date_order_error_after_non_normal_rows(tmp_path: Path, entity: bool) -> None:
    data = _mixed_orders(tmp_path / "mixed.csv", None)
    df = pd.read_csv(data, dtype=str, keep_default_na=False)
    df.loc[4, "label"] = "dos"  # data row 5 not normal: the rows inspected are the normal ones
    df.to_csv(data, index=False)
    args = ENTITY if entity else ["--timestamp-col", "ts"]
    _check_rows(_error(["inspect", str(data), *args, *LABELS]), None)


class _Stops:
    """A grouping of ECS alerts without ``--on-bad-rows skip``: no value reads as a time."""

    skip = False

    def ecs_time_reads(self, value: object, place: str) -> bool:
        return False


@pytest.mark.parametrize("value", [None, "garbage"])
@pytest.mark.parametrize("first_skip", [None, 0])
def test_flagged_row_without_a_time_error_reads_as_one_sentence(value: str | None,
                                                                first_skip: int | None) -> None:
    from hourglass.cli.score import _check_ecs_times
    from hourglass.errors import HourglassError
    from hourglass.ingest import ReadStats

    col = pd.Series([value], dtype=object)
    with pytest.raises(HourglassError) as info:
        _check_ecs_times(_Stops(), col, np.array([4]), 0, Path("f.csv"), "@timestamp",
                         ReadStats(first_skip=first_skip))
    why = "its data row is not known, as rows were left out before it"
    who = "data row 5" if first_skip is None else "a flagged row"
    expected = (f"f.csv: column '@timestamp': {who} has no time (missing"
                + ("" if first_skip is None else f"; {why}") + "); every row needs one"
                if value is None else
                f"f.csv: column '@timestamp': {who} is not a timestamp ('garbage'"
                + ("" if first_skip is None else f"; {why}") + ")")
    assert str(info.value) == expected
