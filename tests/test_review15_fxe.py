"""Streams of entity models that keep no date order: the order the first dates show, kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline, load
from hourglass.detectors import AutoEncoder
from hourglass.errors import InputError
from hourglass.features.entity import EntityWindows


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # trained on epoch times: the model keeps no day/month order
    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame({"host": rng.choice(["a", "b"], n),
                       "ts": np.sort(rng.integers(1_700_000_000, 1_700_000_000 + 6 * 3600, n)),
                       "bytes": rng.integers(1, 1000, n).astype(float)})
    pipe = Pipeline(AutoEncoder(hidden=(2, 1), epochs=1, verbose=0, random_state=0),
                    features=EntityWindows("host", "ts", bucket="1h", numeric=("bytes",))).fit(df)
    out = tmp_path_factory.mktemp("fxe15") / "M"
    pipe.save(out)
    return out


def _rows(times: list[str]) -> list[dict[str, Any]]:
    return [{"host": "a", "ts": t, "bytes": 1.0} for t in times]


def test_a_bad_row_in_the_first_batch_does_not_set_the_order(model: Path) -> None:
    # a garbage time in the stream's first batch sent it row by row: the first date read alone
    # ('01/02/2026', no day above 12) fixed month first though the batch held 13/02/2026, and
    # every day 13-31 after it was a bad row
    from hourglass.cli.stream_entity import EntityStream

    stream = EntityStream(load(model), wall=lambda: 1.9e9)
    times = ["01/02/2026 00:05:00", "garbage"] + [f"13/02/2026 {h:02d}:05:00" for h in range(4)]
    out, bad = stream.feed(_rows(times), list(range(1, 7)), stop_at_bad=False)
    assert bad == [(2, "column 'ts': line 2 is not a timestamp ('garbage')")]  # (as score says it)
    assert stream.dayfirst is True
    closed = pd.concat([x for x in (out, stream.close_all()) if x is not None])
    days = sorted({str(s)[:10] for s in closed["bucket_start"]})
    assert days == ["2026-02-01", "2026-02-13"]


def test_a_first_batch_of_only_bad_times_fixes_no_order(model: Path) -> None:
    # the order is kept only once a row is read: a batch whose every time is bad leaves it open
    from hourglass.cli.stream_entity import EntityStream

    stream = EntityStream(load(model), wall=lambda: 1.9e9)
    _, bad = stream.feed(_rows(["garbage", "99/99/2026 00:00:00"]), [1, 2], stop_at_bad=False)
    assert [line for line, _ in bad] == [1, 2] and stream.dayfirst is None
    _, bad = stream.feed(_rows(["13/02/2026 00:05:00"]), [3], stop_at_bad=False)
    assert not bad and stream.dayfirst is True


def test_other_order_rows_of_a_batch_are_found_in_one_pass(model: Path, monkeypatch: pytest.MonkeyPatch,
                                                           ) -> None:
    # once the order was fixed, a batch holding a date in the other order was read again row by
    # row (some 10 ms a row: 2,000 rows took 20 s); the other-order rows are now bad in one pass
    # and the rest read in one call
    import hourglass.features.entity as entity
    from hourglass.cli.stream_entity import EntityStream

    stream = EntityStream(load(model), wall=lambda: 1.9e9)
    _, bad = stream.feed(_rows(["01/02/2026 00:00:00"]), [1])  # no day above 12: month first
    assert not bad and stream.dayfirst is False
    calls = []
    real = entity._read_times

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(entity, "_read_times", counted)
    times = [f"{13 + i % 10:02d}/02/2026 00:{i % 60:02d}:00" if i % 2 else
             f"01/02/2026 {i % 24:02d}:{i % 60:02d}:00" for i in range(400)]
    out, bad = stream.feed(_rows(times), list(range(2, 402)), stop_at_bad=False)
    # the batch, then the rows in the stream's order (then the closed buckets'), never one row
    assert calls[:2] == [400, 200] and 1 not in calls
    assert [line for line, _ in bad] == list(range(3, 402, 2))
    assert bad[0][1] == ("field 'ts': '14/02/2026 00:01:00' puts the day first; dates are read month "
                         "first (MM/DD/YYYY), the order of the stream's first such dates")
    closed = pd.concat([x for x in (out, stream.close_all()) if x is not None])
    assert {str(s)[:10] for s in closed["bucket_start"]} == {"2026-01-02"}


def test_other_order_rows_and_a_garbage_row_in_one_batch(model: Path) -> None:
    # the other-order rows found in one pass, the rest row by row for the garbage one
    from hourglass.cli.stream_entity import EntityStream

    stream = EntityStream(load(model), wall=lambda: 1.9e9)
    stream.feed(_rows(["13/02/2026 00:00:00"]), [1])
    assert stream.dayfirst is True
    out, bad = stream.feed(_rows(["14/02/2026 00:00:00", "02/13/2026 00:00:00", "garbage",
                                  "14/02/2026 01:00:00"]), [2, 3, 4, 5], stop_at_bad=False)
    assert [line for line, _ in bad] == [3, 4]
    assert "puts the month first" in bad[0][1] and "not a timestamp ('garbage')" in bad[1][1]
    closed = pd.concat([x for x in (out, stream.close_all()) if x is not None])
    assert sorted(str(s)[:13] for s in closed["bucket_start"]) == \
        ["2026-02-13T00", "2026-02-14T00", "2026-02-14T01"]


@pytest.fixture(scope="module")
def series_model() -> Any:
    # a time-series model trained on ISO times: it keeps no day/month order
    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    t = np.arange(120)
    df = pd.DataFrame({"ts": (pd.Timestamp("2024-05-01") + pd.to_timedelta(t * 10, unit="s"))
                       .strftime("%Y-%m-%dT%H:%M:%S"), "cpu": np.sin(t / 6), "mem": np.cos(t / 9)})
    pipe = Pipeline(TCNAutoEncoder(window=8, channels=(4,), epochs=1, verbose=0, random_state=0),
                    features=TimeSeriesPreprocessor("ts")).fit(df)
    assert getattr(pipe.features_, "dayfirst_", None) is None
    return pipe


def _day(when: Any) -> str:
    return str(pd.Timestamp(when[0]))[:10]


def test_a_series_stream_reads_one_numeric_date_as_one_day(series_model: Any) -> None:
    # read batch by batch in each batch's order: '01/02/2026' was 2 January in the first batch and
    # 1 February in a batch that also held '13/02/2026'; now the first dates' order is kept
    from hourglass.serve.series_stream import SeriesStreamScorer

    stream = SeriesStreamScorer.from_pipeline(series_model)
    a = stream._times([(1, {"ts": "01/02/2026 00:00:00"})])
    b = stream._times([(2, {"ts": "01/02/2026 00:00:00"}), (3, {"ts": "13/02/2026 00:00:00"}),
                       (4, {"ts": "01/03/2026 00:00:00"})])
    assert _day(a[0]) == _day(b[0]) == "2026-01-02" and _day(b[2]) == "2026-01-03"
    assert isinstance(b[1], InputError)
    assert str(b[1]) == ("timestamp 'ts': '13/02/2026 00:00:00' puts the day first; dates are read "
                         "month first (MM/DD/YYYY), the order of the stream's first such dates")


def test_a_bad_row_in_a_series_streams_first_batch_does_not_set_the_order(series_model: Any) -> None:
    from hourglass.serve.series_stream import SeriesStreamScorer

    stream = SeriesStreamScorer.from_pipeline(series_model)
    got = stream._times([(1, {"ts": "01/02/2026 00:00:00"}), (2, {"ts": "garbage"}),
                         (3, {"ts": "13/02/2026 00:00:00"})])
    assert _day(got[0]) == "2026-02-01" and _day(got[2]) == "2026-02-13"
    assert isinstance(got[1], InputError) and stream.dayfirst is True


def test_a_series_streams_other_order_rows_are_found_in_one_pass(series_model: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # a batch with dates in the other order than the one kept was read again row by row
    import hourglass.serve.series_stream as series_stream

    stream = series_stream.SeriesStreamScorer.from_pipeline(series_model)
    stream._times([(1, {"ts": "13/02/2026 00:00:00"})])
    assert stream.dayfirst is True
    calls = []
    real = series_stream.read_timestamps

    def counted(values: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(values))
        return real(values, *args, **kwargs)

    monkeypatch.setattr(series_stream, "read_timestamps", counted)
    rows = [(i, {"ts": f"02/{13 + i % 10}/2026 00:00:{i % 60:02d}" if i % 2 else
                 f"14/02/2026 00:{i // 60:02d}:{i % 60:02d}"}) for i in range(300)]
    got = stream._times(rows)
    assert calls == [300, 150]
    assert all(isinstance(g, InputError) == bool(i % 2) for i, g in enumerate(got))
    assert "puts the month first" in str(got[1])


@pytest.mark.parametrize("key", ["host", "ts"])
def test_inspect_refuses_a_key_drop_before_reading_the_data(tmp_path: Path, key: str) -> None:
    # inspect --entity-col read the data before refusing --drop of the entity or timestamp
    # column: a file without data rows was said to have none instead
    from tests._cli import one_line_error

    (tmp_path / "empty.csv").write_text("host,ts,bytes\n")
    what = "entity" if key == "host" else "timestamp"
    one_line_error(["inspect", str(tmp_path / "empty.csv"), "--entity-col", "host", "--timestamp-col",
                    "ts", "--drop", key], f"--drop {key}: is the {what} column")
