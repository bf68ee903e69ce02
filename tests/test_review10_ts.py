"""Time-series features, their datasets, metrics and explanations: regression tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest.timeseries import read_nab


def _nab_layout(root: Path, windows: bytes) -> Path:
    data = root / "data" / "realX"
    data.mkdir(parents=True)
    (root / "labels").mkdir()
    (root / "labels" / "combined_windows.json").write_bytes(windows)
    t = pd.date_range("2014-01-01", periods=20, freq="5min")
    series = data / "s.csv"
    pd.DataFrame({"timestamp": t.astype(str), "value": np.arange(20.0)}).to_csv(series, index=False)
    return series


@pytest.mark.parametrize(("windows", "said"), [
    (b"5", "found a JSON int"),
    (b'["realX/s.csv"]', "found a JSON list"),
    (b"\xff\xfe\x00 not text", "unreadable windows file"),
    (b"[" * 100_000, "unreadable windows file"),  # RecursionError: a traceback
    (b"1" * 5_000, r"unreadable windows file \(Exceeds the limit \(4300 digits\)[^;]*\)$"),  # no advice
])
def test_nab_windows_file_that_is_no_object_is_one_error(tmp_path: Path, windows: bytes,
                                                        said: str) -> None:
    # '5' raised TypeError ('argument of type int is not iterable'), bytes that are no UTF-8 a
    # UnicodeDecodeError naming no file
    series = _nab_layout(tmp_path, windows)
    for need in (True, False):
        with pytest.raises(InputError, match=f"combined_windows.json: .*{said}"):
            read_nab(series, need_labels=need)


def test_nab_windows_still_label_rows(tmp_path: Path) -> None:
    windows = {"realX/s.csv": [["2014-01-01 00:10:00", "2014-01-01 00:20:00"]]}
    df = read_nab(_nab_layout(tmp_path, json.dumps(windows).encode()))
    assert df["label"].tolist() == [0, 0, 1, 1, 1] + [0] * 15


def test_frame_of_an_array_fits_and_transforms() -> None:
    # pd.DataFrame(array) names its columns 0, 1: fit raised KeyError: '0'
    X = np.random.default_rng(0).normal(size=(30, 2))
    pre = TimeSeriesPreprocessor().fit(pd.DataFrame(X))
    assert pre.channels_ == ["0", "1"]
    out = pre.transform(pd.DataFrame(X))
    np.testing.assert_allclose(out, (X - X.mean(0)) / X.std(0), rtol=1e-5, atol=1e-6)


def test_repeated_column_names_are_one_error() -> None:
    # df['a'] is a table when 'a' repeats: fit raised AttributeError ('DataFrame' has no 'str')
    df = pd.DataFrame([[1.0, 2.0, 0.5], [3.0, 4.0, 0.1], [5.0, 7.0, 0.2]], columns=["a", "a", "b"])
    with pytest.raises(InputError, match="column names repeat: 'a'"):
        TimeSeriesPreprocessor().fit(df)
    pre = TimeSeriesPreprocessor(columns=["b"]).fit(df)  # a repeated column never read: fine
    assert pre.transform(df).shape == (3, 1)
    pre = TimeSeriesPreprocessor().fit(df.iloc[:, 1:])
    with pytest.raises(InputError, match="column names repeat: 'a'"):
        pre.transform(df)
    # with a timestamp column repeated
    t = pd.DataFrame([["2024-01-01", 1.0, "2024-01-02"], ["2024-01-02", 2.0, "2024-01-03"]],
                     columns=["ts", "v", "ts"])
    with pytest.raises(InputError, match="column names repeat: 'ts'"):
        TimeSeriesPreprocessor("ts", columns=["v"]).fit(t)


def test_bad_time_in_a_test_part_names_the_row_of_the_file() -> None:
    # a protocol's test part (SKAB: iloc[400:]) named the row within the part ('row 50'), where
    # a bad value names the file's row ('row 450')
    t = pd.date_range("2020-01-01", periods=500, freq="1s").astype(str).to_numpy(dtype=object)
    t[449] = "not a time"
    df = pd.DataFrame({"datetime": t, "A": np.sin(np.arange(500) / 3)})
    pre = TimeSeriesPreprocessor("datetime", freq="rows").fit(df.iloc[:400])
    with pytest.raises(InputError, match=r"row 450 is not a timestamp"):
        pre.transform(df.iloc[400:])
    with pytest.raises(InputError, match=r"row 50 is not a timestamp"):  # a table of its own
        pre.transform(df.iloc[400:].reset_index(drop=True))


@pytest.mark.parametrize(("option", "said"), [
    (["--label-col", "ts"], "--label-col ts: is the timestamp column"),
    (["--drop", "ts"], "--drop ts: is the timestamp column"),
])
def test_timestamp_column_as_label_or_dropped_is_named(tmp_path: Path, option: list[str],
                                                       said: str) -> None:
    # --label-col ts said "timestamp column 'ts' not found" of a file that has it; --drop ts was
    # silently ignored (the column still timed the steps)
    from hourglass.cli import app
    from tests._cli import runner

    t = pd.date_range("2024-01-01", periods=40, freq="1min").astype(str)
    pd.DataFrame({"ts": t, "cpu": np.sin(np.arange(40) / 3)}).to_csv(tmp_path / "s.csv", index=False)
    r = runner.invoke(app, ["train", str(tmp_path / "s.csv"), "--model", "lstm-ae", "--window", "8",
                            "--epochs", "1", "--timestamp-col", "ts", *option,
                            "-o", str(tmp_path / "M")])
    assert r.exit_code == 2 and said in r.stderr and "Traceback" not in r.output
    assert "not labelled normal" not in r.stderr  # the refusal comes first, not after a warning
    assert not (tmp_path / "M").exists()


def test_interpretation_labels_unreadable_file_is_one_error(tmp_path: Path) -> None:
    # a missing file raised FileNotFoundError, bytes that are no UTF-8 UnicodeDecodeError
    from hourglass.ingest.timeseries import read_interpretation_labels

    with pytest.raises(InputError, match="cannot read"):
        read_interpretation_labels(tmp_path / "none.txt")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe1-2:1\n")
    with pytest.raises(InputError, match=r"bin\.txt: not a text file"):
        read_interpretation_labels(tmp_path / "bin.txt")
    (tmp_path / "ok.txt").write_text("5-7:1,3\n\n9-9:2\n")
    assert read_interpretation_labels(tmp_path / "ok.txt", end_inclusive=False) == [
        (5, 7, [1, 3]), (9, 9, [2])]
