"""Review 29 (meta29): transforms of the scoring input that must not change per-row results
(columns moved, extra columns, rows shuffled, index kinds, names that differ only in case or
surrounding spaces)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hourglass
from hourglass.cli import app
from hourglass.errors import InputError
from tests._cli import one_line_error, runner, small_labelled_model

NEAR = "(column names match exactly, case, surrounding spaces and Unicode spelling included)"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return small_labelled_model(tmp_path_factory.mktemp("meta29"))


def test_a_parquet_column_padded_with_spaces_is_named_in_the_missing_column_error(
        trained: dict[str, object], tmp_path: Path) -> None:
    # what was wrong: a CSV header's names are stripped, a Parquet file's and a JSON key's are
    # not, so the same table that scores as CSV was refused as Parquet with "column(s) the model
    # needs are missing: bytes; the data has ' bytes', pkts, proto, label" at best, and where the
    # padded column came past the fourth the message's short list never showed it at all
    frame = trained["frame"]
    assert isinstance(frame, pd.DataFrame)
    data = tmp_path / "padded.parquet"
    padded = frame.assign(a=1, b=2, c=3, d=4)[["a", "b", "c", "d", "bytes", "pkts", "proto"]]
    padded.rename(columns={"bytes": " bytes "}).to_parquet(data, index=False)
    out = tmp_path / "s.csv"
    one_line_error(["score", str(trained["model"]), str(data), "-o", str(out)],
                   f"the data has ' bytes ' for bytes {NEAR}", out)


def test_a_jsonl_key_in_other_case_is_named_in_the_missing_column_error(
        trained: dict[str, object], tmp_path: Path) -> None:
    # what was wrong: JSON lines with the key "Bytes" for a model of "bytes" stopped with only
    # "column(s) the model needs are missing: bytes" (the warning before it listing Bytes among
    # the ignored columns), never saying that the two names differ only in case
    frame = trained["frame"]
    assert isinstance(frame, pd.DataFrame)
    data = tmp_path / "case.jsonl"
    frame.drop(columns="label").rename(columns={"bytes": "Bytes"}).to_json(
        data, orient="records", lines=True)
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(trained["model"]), str(data), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert f"missing: bytes; the data has Bytes for bytes {NEAR}" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and not out.exists()


def test_a_dataframe_column_in_other_case_or_padded_is_named_by_the_pipeline(
        trained: dict[str, object]) -> None:
    # what was wrong: Pipeline.score of a frame read by pd.read_csv (which keeps a header's
    # spaces, as CIC-IDS2017's ' Label' has them) or spelt in another case was refused with the
    # data's first four names, which need not hold the near one
    frame = trained["frame"]
    assert isinstance(frame, pd.DataFrame)
    pipe = hourglass.load(trained["model"])
    wide = frame.assign(a=1, b=2, c=3, d=4)[["a", "b", "c", "d", "bytes", "pkts", "proto"]]
    with pytest.raises(InputError, match=r"the data has ' bytes' for bytes, PKTS for pkts \(column"):
        pipe.score(wide.rename(columns={"bytes": " bytes", "pkts": "PKTS"}))


def test_a_series_channel_in_other_case_is_named_in_the_missing_column_error() -> None:
    # what was wrong: a series model's missing channel listed the data's first eight columns;
    # a channel spelt 'Pressure' for 'pressure' past them was never shown
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    rng = np.random.default_rng(0)
    t = pd.date_range("2026-01-01", periods=40, freq="1s")
    df = pd.DataFrame({"ts": t, "temp": rng.normal(size=40), "pressure": rng.normal(size=40)})
    pre = TimeSeriesPreprocessor(timestamp_col="ts").fit(df)
    other = df.assign(**{f"x{i}": 0.0 for i in range(8)}).rename(columns={"pressure": "Pressure"})
    with pytest.raises(InputError, match=r"missing: pressure; the data has Pressure for pressure"):
        pre.transform(other)


def test_an_entity_column_in_other_case_is_named_in_the_missing_column_error() -> None:
    # what was wrong: an entity model's error named the missing column and nothing of the data
    from hourglass.features.entity import EntityWindows

    df = pd.DataFrame({"host": ["a", "a", "b", "b"],
                       "ts": pd.date_range("2024-01-01 10:00", periods=4, freq="1min"),
                       "bytes": [10, 20, 30, 5]})
    ew = EntityWindows("host", "ts", bucket="5min", numeric=("bytes",)).fit(df)
    with pytest.raises(InputError, match=r"missing: bytes; the data has BYTES for bytes"):
        ew.transform(df.rename(columns={"bytes": "BYTES"}))


def test_pipeline_scores_follow_the_rows_whatever_the_index_and_column_order(
        trained: dict[str, object]) -> None:
    # a pin, nothing was wrong: a table model scores each row alone, so a frame with its columns
    # moved, extra columns (one named 'score'), rows shuffled under a string or multi-level
    # index, or rows repeated, gets each row's own score, in the frame's order (not the index's)
    frame = trained["frame"]
    assert isinstance(frame, pd.DataFrame)
    pipe = hourglass.load(trained["model"])
    ref = pipe.score(frame)
    perm = np.random.default_rng(1).permutation(len(frame))
    moved = frame[frame.columns[::-1]].assign(score=5.0).iloc[perm]
    for index in ([f"r{i}" for i in perm], pd.MultiIndex.from_arrays([perm % 3, perm])):
        assert np.array_equal(pipe.score(moved.set_axis(index)), ref[perm])
    twice = pd.concat([frame, frame])
    assert np.array_equal(pipe.score(twice), np.r_[ref, ref])
    assert np.array_equal(pipe.predict(moved), pipe.predict(frame)[perm])
