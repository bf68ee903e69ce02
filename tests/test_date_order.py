"""Numeric day/month dates (``01/02/2026``): the order is read from the data, said when the data
cannot tell, kept in the model, and later data is read in the training data's order."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import _times
from hourglass._times import infer_dayfirst, parse_timestamps
from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.entity import EntityWindows
from hourglass.features.timeseries import TimeSeriesPreprocessor
from tests._cli import one_line_error, runner


@pytest.fixture(autouse=True)
def _fresh_warnings() -> None:
    _times._WARNED.clear()  # the ambiguity is said once per column and run


def _series(start: str, n: int, fmt: str, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.date_range(start, periods=n, freq="1h")
    return pd.DataFrame({"ts": ts.strftime(fmt), "cpu": np.sin(np.arange(n) / 7)
                         + rng.normal(0, 0.05, n)})


@pytest.mark.parametrize(("values", "want"), [
    (["01/02/2026 10:00", "13/02/2026 10:00"], True),
    (["02/01/2026", "02/13/2026"], False),
    (["1.2.26", "30.1.26"], True),
    (["2026-02-13 10:00", "2026-02-01 10:00"], None),
    ([1_700_000_000, 1_700_000_060], None),
    (["Feb 13 2026 10:00"], None),
])
def test_the_order_is_read_from_a_day_above_12(values: list[object], want: bool | None) -> None:
    assert infer_dayfirst(pd.Series(values), "ts") is want


def test_a_column_with_both_orders_names_a_row_of_each() -> None:
    with pytest.raises(InputError, match=r"row 2 \('14/02/2026'\) puts the day first but row 3 "
                                         r"\('02/15/2026'\) the month"):
        parse_timestamps(pd.Series(["01/02/2026", "14/02/2026", "02/15/2026"]), "ts")


@pytest.mark.parametrize(("values", "dayfirst", "said"), [
    (["01/02/2026", "02/01/2026"], False, "month first (MM/DD/YYYY) (as such dates are usually"),
    (["01.02.2026", "02.01.2026"], True, "day first (DD/MM/YYYY) (as such dates are usually"),
    # a stretch of consecutive days, written day first: month first would spread them over months
    (["01/02/2026", "02/02/2026", "03/02/2026"], True, "span 2 days, the other way 59 days"),
    (["01/02/2026", "01/03/2026", "01/04/2026"], False, "span 2 days, the other way 59 days"),
])
def test_an_ambiguous_column_is_read_one_way_and_said_once(
        values: list[str], dayfirst: bool, said: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="hourglass._times"):
        ts = parse_timestamps(pd.Series(values), "ts")
        parse_timestamps(pd.Series(values), "ts")
    first = values[0].replace(".", "/").split("/")
    assert ts[0] == pd.Timestamp(int(first[2]), int(first[1] if dayfirst else first[0]),
                                 int(first[0] if dayfirst else first[1]))
    said_lines = [r.getMessage() for r in caplog.records if "day or month first" in r.getMessage()]
    assert len(said_lines) == 1 and said in said_lines[0] and "ISO 8601" in said_lines[0]


def test_pandas_notes_on_date_formats_do_not_reach_the_user() -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        parse_timestamps(pd.Series(["13/02/2026 10:00", "01/02/2026 10:00"]), "ts")
    assert not [w for w in seen if issubclass(w.category, UserWarning)]


def test_iso_dates_are_never_swapped_by_the_model_order() -> None:
    # pandas' own dayfirst=True would read 2026-02-01 as 2 January
    ts = parse_timestamps(pd.Series(["2026-02-01 10:00"]), "ts", dayfirst=True)
    assert ts[0] == pd.Timestamp("2026-02-01 10:00")


def test_the_series_preprocessing_keeps_the_training_order() -> None:
    pre = TimeSeriesPreprocessor("ts").fit(_series("2026-02-01", 480, "%d/%m/%Y %H:%M"))
    again = TimeSeriesPreprocessor.from_dict(pre.to_dict())
    assert pre.to_dict()["dayfirst"] is True and again.dayfirst_ is True
    # 1-5 March: no day above 12, read day first as in training (not 3 January, 3 February...)
    grid = again.transform_frame(_series("2026-03-01", 100, "%d/%m/%Y %H:%M"))
    assert grid.index[0] == pd.Timestamp("2026-03-01") and grid.index[-1].month == 3
    with pytest.raises(InputError, match=r"puts the month first; dates are read day first "
                                         r"\(DD/MM/YYYY\), the order of the model's training data"):
        again.transform_frame(_series("2026-03-10", 100, "%m/%d/%Y %H:%M"))
    iso = TimeSeriesPreprocessor("ts").fit(_series("2026-02-01", 50, "%Y-%m-%d %H:%M"))
    assert "dayfirst" not in iso.to_dict()  # nothing to keep: the artefact is as before


def test_entity_features_keep_the_training_order() -> None:
    df = pd.DataFrame({"host": ["a", "b"] * 30,
                       "ts": pd.date_range("2026-02-01", periods=60, freq="7h").strftime(
                           "%d/%m/%Y %H:%M"),
                       "bytes": np.arange(60, dtype=float)})
    ent = EntityWindows("host", "ts", bucket="1D").fit(df)
    again = EntityWindows.from_dict(ent.to_dict())
    assert ent.to_dict()["dayfirst"] is True and again.dayfirst_ is True
    later = df.assign(ts=pd.date_range("2026-03-01", periods=60, freq="1h").strftime(
        "%d/%m/%Y %H:%M"))
    assert again.aggregate(later)["bucket_start"].min() == pd.Timestamp("2026-03-01")
    assert again.row_keys(later)[1].min() == pd.Timestamp("2026-03-01")


def test_cli_scores_day_first_data_the_way_it_was_trained(tmp_path: Path) -> None:
    _series("2026-02-01", 480, "%d/%m/%Y %H:%M").to_csv(tmp_path / "train.csv", index=False)
    _series("2026-03-01", 100, "%d/%m/%Y %H:%M", seed=1).to_csv(tmp_path / "new.csv", index=False)
    _series("2026-03-10", 100, "%m/%d/%Y %H:%M").to_csv(tmp_path / "us.csv", index=False)
    model = tmp_path / "M"
    r = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--model", "lstm-ae",
                            "--timestamp-col", "ts", "--window", "8", "--hidden", "8", "--epochs",
                            "1", "-q", "-o", str(model)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["score", str(model), str(tmp_path / "new.csv"), "-o",
                            str(tmp_path / "out.csv")])
    assert r.exit_code == 0, r.output
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["ts"].iloc[0] == "2026-03-01T00:00:00" and len(out) == 100
    one_line_error(["score", str(model), str(tmp_path / "us.csv"), "-o", str(tmp_path / "o2.csv")],
                   "puts the month first; dates are read day first", tmp_path / "o2.csv")


def test_a_stream_reads_numeric_dates_in_the_training_order() -> None:
    from hourglass import Pipeline
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.serve.series_stream import SeriesStreamScorer

    pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor("ts")).fit(
        _series("2026-02-01", 200, "%d/%m/%Y %H:%M"))
    stream = SeriesStreamScorer.from_pipeline(pipe)
    later = _series("2026-03-01", 20, "%d/%m/%Y %H:%M").to_dict("records")
    out, bad = stream.feed(list(enumerate(later, start=1)), all_steps=True)
    assert bad == [] and len(out) == 20 - 8 + 1  # hourly steps: read as 1 March, not 3 January
    us = _series("2026-03-13", 2, "%m/%d/%Y %H:%M").to_dict("records")
    _, bad = stream.feed(list(enumerate(us, start=21)))
    assert [line for line, _ in bad] == [21, 22] and "puts the month first" in bad[0][1]


def _flows(start: str, n: int, fmt: str, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"ts": pd.date_range(start, periods=n, freq="1h").strftime(fmt),
                         "src": [f"10.0.0.{i % 4}" for i in range(n)],
                         "bytes": rng.normal(100, 5, n), "pkts": rng.normal(10, 1, n)})


def test_a_table_models_time_column_keeps_its_order_for_alert_times(tmp_path: Path) -> None:
    _flows("2026-02-01", 480, "%d/%m/%Y %H:%M").to_csv(tmp_path / "train.csv", index=False)
    new = _flows("2026-03-01", 100, "%d/%m/%Y %H:%M", seed=1)
    new.loc[30, "bytes"] = 10_000.0  # 2 March 06:00
    new.to_csv(tmp_path / "new.csv", index=False)
    model = tmp_path / "M"
    r = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--timestamp-col", "ts", "--drop",
                            "src", "--hidden", "8,4", "--epochs", "2", "-q", "-o", str(model)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "a.jsonl"
    r = runner.invoke(app, ["score", str(model), str(tmp_path / "new.csv"), "-o", str(out),
                            "--alert-format", "ecs"])
    assert r.exit_code == 0, r.output
    docs = {d["hourglass"]["row"]: d for d in map(json.loads, out.read_text().splitlines())}
    assert docs[30]["@timestamp"] == "2026-03-02T06:00:00.000Z"  # not 3 February
    groups = tmp_path / "g.jsonl"
    r = runner.invoke(app, ["score", str(model), str(tmp_path / "new.csv"), "-o", str(groups),
                            "--group-by", "src", "--keep", "src"])
    assert r.exit_code == 0, r.output
    first = [json.loads(line) for line in groups.read_text().splitlines()]
    assert any(g["first_time"].startswith("2026-03-02T06:00") for g in first), first


def test_one_alerts_time_is_read_in_the_rules_order() -> None:
    from hourglass.serve.ecs import AlertRule, to_ecs

    for dayfirst, want in ((True, "2026-03-01T10:00:00.000Z"), (False, "2026-01-03T10:00:00.000Z")):
        rule = AlertRule("autoencoder", "ab", time_field="ts", time_dayfirst=dayfirst)
        doc = to_ecs({"row": 0, "score": 2.0}, rule, fields={"ts": "01/03/2026 10:00"})
        assert doc["@timestamp"] == want and doc["hourglass"]["timestamp_from"] == "data"


def test_inspect_says_the_time_span_and_the_date_order(tmp_path: Path) -> None:
    _flows("2026-02-01", 300, "%d/%m/%Y %H:%M").to_csv(tmp_path / "t.csv", index=False)
    js = tmp_path / "schema.json"
    r = runner.invoke(app, ["inspect", str(tmp_path / "t.csv"), "--timestamp-col", "ts", "--drop",
                            "src", "--json", str(js)])
    assert r.exit_code == 0, r.output
    assert ("timestamp column 'ts': 2026-02-01 00:00:00 to 2026-02-13 11:00:00 (dates read day "
            "first)") in r.stdout
    assert json.loads(js.read_text())["timestamps"]["dayfirst"] is True


def test_an_entity_stream_reads_numeric_dates_in_the_training_order(tmp_path: Path) -> None:
    train = _flows("2026-02-01", 400, "%d/%m/%Y %H:%M")
    train.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "M"
    r = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--entity-col", "src",
                            "--timestamp-col", "ts", "--bucket", "1h", "--hidden", "8,4",
                            "--epochs", "2", "-q", "-o", str(model)])
    assert r.exit_code == 0, r.output
    # one day, 01/03/2026: on its own it tells nothing (read month first it is 3 January)
    later = _flows("2026-03-01", 20, "%d/%m/%Y %H:%M", seed=1)
    lines = "".join(json.dumps(row) + "\n" for row in later.to_dict("records"))
    r = runner.invoke(app, ["stream", str(model), "--all"], input=lines)
    assert r.exit_code == 0, r.output
    starts = {json.loads(line)["bucket_start"][:10] for line in r.stdout.splitlines() if line}
    assert starts == {"2026-03-01"}
