"""Regression tests: time-series readers, explanations and commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.timeseries import read_skab


def test_skab_file_with_anomaly_and_label_columns_is_one_clear_error(tmp_path: Path) -> None:
    # 'anomaly' became a second 'label' column: training took df['label'] as a DataFrame and
    # pandas raised TypeError (a traceback)
    p = tmp_path / "0.csv"
    p.write_text("datetime;A;anomaly;label\n2020-01-01 00:00:00;1.5;0;0\n")
    with pytest.raises(InputError, match=r"both 'anomaly'.*'label'"):
        read_skab(p)
    q = tmp_path / "1.csv"
    q.write_text("datetime;A;label\n2020-01-01 00:00:00;1.5;0\n")
    assert read_skab(q).columns.tolist() == ["datetime", "A", "label"]


def test_nab_series_given_relative_to_its_own_folder_finds_its_windows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 'x.csv' inside data/realKnownCause: Path('.') has no parents, so the windows file above was
    # never found (train/evaluate refused the series) and the key was '/x.csv'
    import json

    from hourglass.ingest.timeseries import read_nab

    folder = tmp_path / "data" / "realKnownCause"
    folder.mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    rows = [f"2014-01-01 00:{m:02d}:00,{m}" for m in range(20)]
    (folder / "x.csv").write_text("timestamp,value\n" + "\n".join(rows) + "\n")
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps(
        {"realKnownCause/x.csv": [["2014-01-01 00:05:00.000000", "2014-01-01 00:07:00.000000"]]}))
    monkeypatch.chdir(folder)
    for given in ("x.csv", "./x.csv", "../realKnownCause/x.csv"):
        assert read_nab(given)["label"].tolist() == [0] * 5 + [1] * 3 + [0] * 12, given


def test_smd_test_file_given_relative_to_its_folder_keeps_its_labels(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 'e.txt' inside test/: its parent '.' was no 'test', so the labels were not read and the
    # protocol took the whole labelled test file as training data
    from hourglass.ingest.timeseries import get_timeseries_dataset, read_smd

    (tmp_path / "test").mkdir()
    (tmp_path / "test_label").mkdir()
    (tmp_path / "test" / "e.txt").write_text("0.1,0.2\n0.3,0.4\n0.5,0.6\n")
    (tmp_path / "test_label" / "e.txt").write_text("0\n1\n0\n")
    monkeypatch.chdir(tmp_path / "test")
    for given in ("e.txt", "./e.txt"):
        df = read_smd(given)
        assert df["label"].tolist() == [0, 1, 0], given
        with pytest.raises(InputError, match="no training part"):
            get_timeseries_dataset("smd").train_part(df)


def test_nab_series_too_short_for_a_training_part_says_why_not_asd() -> None:
    # the hint named an ASD/SMD test file for a 5-row NAB series (15% of 5 rows is no row)
    import pandas as pd

    from hourglass.ingest.timeseries import get_timeseries_dataset

    df = pd.DataFrame({"timestamp": range(5), "value": range(5), "label": [0] * 5})
    with pytest.raises(InputError, match=r"5 rows: 15% of them rounded down is none") as info:
        get_timeseries_dataset("nab").train_part(df)
    assert "ASD/SMD" not in str(info.value)


def test_skab_file_with_anomaly_and_label_columns_scores(tmp_path) -> None:
    # scoring reads no labels: the refusal (meant for training) stopped score and explain
    from hourglass.errors import InputError
    from hourglass.ingest.timeseries import read_skab

    p = tmp_path / "both.csv"
    p.write_text("datetime;A;anomaly;label\n2020-01-01 00:00:00;1.5;0.0;1\n2020-01-01 00:00:01;1.6;0.0;0\n")
    assert read_skab(p, scoring=True).columns.tolist() == ["datetime", "A", "label"]
    assert read_skab(p, scoring=True)["label"].tolist() == [0.0, 0.0]  # SKAB's anomaly
    with pytest.raises(InputError, match="has both 'anomaly'"):  # read for labels (extra normal)
        read_skab(p)


def test_nab_timestamp_that_is_no_time_is_shown_as_written(tmp_path) -> None:
    import json

    from hourglass.errors import InputError
    from hourglass.ingest.timeseries import read_nab

    d = tmp_path / "data" / "realKnownCause"
    d.mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps({"realKnownCause/x.csv": []}))
    (d / "x.csv").write_text("timestamp,value\n1e30,1\n2e30,2\n3,3\n")
    with pytest.raises(InputError, match=r"data row 1: timestamp 1e\+30 is no date and time"):
        read_nab(d / "x.csv")
