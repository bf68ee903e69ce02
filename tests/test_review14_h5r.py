"""The rows a date-order error names in entity ``score``/``evaluate`` and in ``inspect`` after rows
skipped with ``--on-bad-rows skip`` (the file's data row where no skipped row may come before it,
else none, never a position among the rows kept), and the words of ``score``'s error for a
flagged row without a readable time; regression tests of defects found and fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests._date_orders import (
    ENTITY,
    LABELS,
    check_rows,
    error_line,
    iso_entity_model,
    mixed_orders,
)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An entity-bucket model with a label column, trained on ISO 8601 times (no date order kept)."""
    return iso_entity_model(tmp_path_factory.mktemp("review14_h5r"))


@pytest.mark.parametrize("skip_at", [3, 50, None])
def test_entity_score_date_order_error_names_data_rows(tmp_path: Path, model: Path,
                                                       skip_at: int | None) -> None:
    data = mixed_orders(tmp_path / "mixed.csv", skip_at)
    check_rows(error_line(["score", str(model), str(data), "--on-bad-rows", "skip",
                        "-o", str(tmp_path / "out.jsonl")]), skip_at)
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("skip_at", [3, 50, None])
def test_entity_evaluate_date_order_error_names_data_rows(tmp_path: Path, model: Path,
                                                          skip_at: int | None) -> None:
    data = mixed_orders(tmp_path / "mixed.csv", skip_at)
    check_rows(error_line(["evaluate", str(model), str(data), "--on-bad-rows", "skip"]), skip_at)


def test_entity_evaluate_date_order_error_after_unlabelled_rows(tmp_path: Path, model: Path) -> None:
    data = mixed_orders(tmp_path / "mixed.csv", None)
    df = pd.read_csv(data, dtype=str, keep_default_na=False)
    df.loc[4, "label"] = ""  # data row 5 left out of the metrics: later positions shift by one
    df.to_csv(data, index=False)
    check_rows(error_line(["evaluate", str(model), str(data)]), None)


@pytest.mark.parametrize("entity", [False, True])
@pytest.mark.parametrize("skip_at", [3, 50, None])
def test_inspect_date_order_error_names_data_rows(tmp_path: Path, skip_at: int | None,
                                                  entity: bool) -> None:
    data = mixed_orders(tmp_path / "mixed.csv", skip_at)
    args = ENTITY if entity else ["--timestamp-col", "ts"]
    check_rows(error_line(["inspect", str(data), *args, "--on-bad-rows", "skip"]), skip_at)


@pytest.mark.parametrize("entity", [False, True])
def test_inspect_date_order_error_after_non_normal_rows(tmp_path: Path, entity: bool) -> None:
    data = mixed_orders(tmp_path / "mixed.csv", None)
    df = pd.read_csv(data, dtype=str, keep_default_na=False)
    df.loc[4, "label"] = "dos"  # data row 5 not normal: the rows inspected are the normal ones
    df.to_csv(data, index=False)
    args = ENTITY if entity else ["--timestamp-col", "ts"]
    check_rows(error_line(["inspect", str(data), *args, *LABELS]), None)


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
    who = "row 5" if first_skip is None else "a flagged row"
    expected = (f"f.csv: column '@timestamp': {who} has no time (missing"
                + ("" if first_skip is None else f"; {why}") + "); every row needs one"
                if value is None else
                f"f.csv: column '@timestamp': {who} is not a timestamp ('garbage'"
                + ("" if first_skip is None else f"; {why}") + ")")
    assert str(info.value) == expected
