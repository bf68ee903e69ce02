"""Regression tests: dataset readers, sampling and outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.ingest.datasets import NSL_KDD_FEATURES, get_dataset

_ROW = ["0", "tcp", "http", "SF", "181", "5450"] + ["0"] * 35 + ["normal", "21"]
_ROW2 = ["0", "udp", "domain_u", "SF", "1", "2"] + ["0"] * 35 + ["neptune", "21"]


@pytest.mark.parametrize("missing", ["?", "NA", "-"])
def test_nsl_kdd_first_row_with_missing_duration_is_a_row(tmp_path: Path, missing: str) -> None:
    p = tmp_path / "kdd.txt"
    p.write_text(",".join([missing, *_ROW[1:]]) + "\n" + ",".join(_ROW2) + "\n")
    df = get_dataset("nsl-kdd").read(p)
    assert df["label"].tolist() == ["normal", "neptune"]


def test_nsl_kdd_header_line_still_skipped(tmp_path: Path) -> None:
    p = tmp_path / "kdd.txt"
    header = ",".join([*NSL_KDD_FEATURES, "attack", "level"])
    p.write_text("\ufeff" + header + "\n" + ",".join(_ROW) + "\n" + ",".join(_ROW2) + "\n")
    df = get_dataset("nsl-kdd").read(p)
    assert df["label"].tolist() == ["normal", "neptune"]
    assert df.columns[-2:].tolist() == ["label", "difficulty"]


@pytest.mark.parametrize(("values", "said"), [([float("nan")] * 2, "row 1: empty"),
                                              ([1e30, 2e30], "row 1: 1e+30"),
                                              ([True, False], "row 1: True")])
def test_no_readable_time_names_the_cell_as_written(values: list[object], said: str) -> None:
    import pandas as pd

    from hourglass.cli._skip import skip_unreadable_times
    from hourglass.errors import HourglassError
    from hourglass.ingest import ReadStats

    df = pd.DataFrame({"ts": values, "a": [1, 2]})
    with pytest.raises(HourglassError) as exc:
        skip_unreadable_times(df, "ts", None, "skip", ReadStats(), "f.csv")
    assert f"({said});" in str(exc.value) and "np." not in str(exc.value)


def test_sample_of_a_file_without_rows_names_the_file(tmp_path: Path) -> None:
    from hourglass.cli.tables import read_for_training
    from hourglass.errors import InputError
    from hourglass.ingest import ReadStats

    p = tmp_path / "allbad.txt"
    p.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(InputError, match=r"allbad\.txt: no data rows"):  # (a sample: budget 0)
        read_for_training(p, get_dataset("nsl-kdd"), "skip", ReadStats(), 0, 10, 0)
