"""Regression tests of defects found in the merged review work and left-alone items."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest.readers import _restore_integers, read_table
from tests._cli import runner


def test_many_whole_number_columns_are_restored_at_once() -> None:
    # a wide CSV (thousands of columns) read in time quadratic in its column count: each column
    # of whole numbers was assigned back on its own, re-laying the frame every time; the frame is
    # now put together once past 256 such columns, with the same columns and dtypes as before
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.integers(0, 100, (50, 600)).astype(float),
                         columns=[f"c{i}" for i in range(600)])
    frame["c3"] += 0.5  # fractional: stays float
    frame.loc[0, "c5"] = np.nan  # a gap: stays float
    frame.insert(2, "text", "x")
    frame.columns = [*frame.columns[:-1], "c0"]  # a repeated name: converted by position
    out = _restore_integers(frame.copy())
    assert list(out.columns) == list(frame.columns)
    kinds = out.dtypes.astype(str).tolist()
    assert kinds[:7] == ["int64", "int64", kinds[2], "int64", "float64", "int64", "float64"]
    assert pd.api.types.is_string_dtype(out["text"]) and kinds[-1] == "int64"
    assert kinds.count("int64") == 598
    np.testing.assert_array_equal(out.iloc[:, -1].to_numpy(), frame.iloc[:, -1].to_numpy())
    few = _restore_integers(frame.iloc[:, :10].copy())  # a few: converted in place, as before
    assert few.dtypes.astype(str).tolist()[:5] == ["int64", "int64", kinds[2], "int64", "float64"]


def test_wide_csv_reads_whole_numbers_as_integers(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    cols = [f"f{i}" for i in range(400)]
    pd.DataFrame(np.arange(1200, dtype=float).reshape(3, 400), columns=cols).to_csv(path, index=False)
    df = read_table(path)
    assert df.shape == (3, 400) and (df.dtypes == np.int64).all()
    assert df["f399"].tolist() == [399, 799, 1199]


def test_time_series_evaluate_names_standard_input_as_such(tmp_path: Path) -> None:
    # the time-series metrics table was titled by the temporary copy's name ('stdin'), where the
    # table models' titles say 'standard input'
    n = 200
    t = pd.date_range("2024-01-01", periods=n, freq="1min").strftime("%Y-%m-%d %H:%M:%S")
    v = np.sin(np.arange(n) / 5) + np.random.default_rng(0).normal(0, 0.05, n)
    train = tmp_path / "train.csv"
    pd.DataFrame({"ts": t, "value": v}).to_csv(train, index=False)
    model = tmp_path / "M"
    r = runner.invoke(app, ["train", str(train), "--model", "lstm-ae", "--timestamp-col", "ts",
                            "--window", "8", "--hidden", "8", "--epochs", "1", "-q", "-o", str(model)])
    assert r.exit_code == 0, r.output
    label = (np.arange(n) >= 150).astype(int)
    test = pd.DataFrame({"ts": t, "value": v + 3 * label, "label": label}).to_csv(index=False)
    r = runner.invoke(app, ["evaluate", str(model), "-", "--label-col", "label"], input=test)
    assert r.exit_code == 0, r.output
    assert "standard input: threshold" in r.stdout and "stdin" not in r.stdout


def test_drop_given_as_an_index_or_array_is_a_list_of_names() -> None:
    # drop=None support made 'self.drop or ()' ask an Index, a Series or an array of two names
    # for its truth value: a ValueError where the names were read before
    from hourglass.features.tabular import TabularPreprocessor

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=30), "b": rng.normal(size=30), "c": rng.normal(size=30)})
    for drop in (df.columns[1:], np.array(["b", "c"]), pd.Series(["b", "c"])):
        assert TabularPreprocessor(drop=drop).fit(df).feature_names_ == ["a"]


def test_federated_near_unique_text_is_hashed_only_where_pooled_is_too() -> None:
    # with max_categories=100 the pooled fit one-hots 65 values; the merge hashed them (over 50
    # at one site); and blank cells counted as present, so a column the pooled fit drops was hashed
    from hourglass.errors import InputError
    from hourglass.features.statistics import merge_schema, site_schema
    from hourglass.features.tabular import TabularPreprocessor

    rng = np.random.default_rng(0)
    a = pd.DataFrame({"svc": [f"s{i}" for i in range(60)] + ["s0"] * 40, "x": rng.normal(size=100)})
    b = pd.DataFrame({"svc": [f"s{i % 5}" for i in range(100)], "x": rng.normal(size=100)})
    params = TabularPreprocessor(max_categories=100).get_params()
    assert TabularPreprocessor(max_categories=100).fit(pd.concat([a, b])).roles_["svc"] == "categorical"
    with pytest.raises(InputError, match="give its role"):
        merge_schema([site_schema(params, s) for s in (a, b)], max_categories=100)
    ids = pd.DataFrame({"svc": [f"u{i}" for i in range(100)] + [""] * 100, "x": rng.normal(size=200)})
    few = pd.DataFrame({"svc": [f"s{i % 10}" for i in range(60)], "x": rng.normal(size=60)})
    params = TabularPreprocessor().get_params()
    assert TabularPreprocessor().fit(pd.concat([ids, few])).roles_["svc"] == "drop"
    merged = merge_schema([site_schema(params, s) for s in (ids, few)])
    assert merged["columns"]["svc"]["role"] == "drop"


def test_drop_none_and_repeated_names_in_entity_and_series_features() -> None:
    from hourglass.errors import InputError
    from hourglass.features.entity import EntityWindows
    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    # drop=None (no column, as TabularPreprocessor takes it) was a TypeError in get_params and fit
    assert EntityWindows("h", "ts", drop=None).get_params()["drop"] == []
    assert TimeSeriesPreprocessor(drop=None).get_params()["drop"] == []
    t = pd.date_range("2024-01-01", periods=40, freq="1min")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"h": ["a", "b"] * 20, "ts": t, "y": rng.normal(size=40),
                          "x": rng.normal(size=40), "x2": rng.normal(size=40)})
    assert "y" in EntityWindows("h", "ts", bucket="10min", drop=None).fit(frame).numeric_
    # a repeated name the features are told to drop is let be, as the commit said; a refit of
    # a fitted instance checks the new table, not the last fit's columns
    dup = frame.rename(columns={"x2": "x"})
    for kw in ({"drop": ("x",)}, {"roles": {"x": "drop"}}):
        assert EntityWindows("h", "ts", bucket="10min", **kw).fit(dup).numeric_ == ["y"]
    ew = EntityWindows("h", "ts", bucket="10min")
    with pytest.raises(InputError, match="column names repeat: 'x'"):
        ew.fit(dup)
    ew.fit(frame.drop(columns=["x2"]))
    with pytest.raises(InputError, match="column names repeat: 'x'"):
        ew.fit(dup)
    # unreadable_rows refuses labels of several levels as transform does (not an AttributeError)
    pre = TabularPreprocessor().fit(pd.DataFrame({"a": rng.normal(size=20)}))
    levels = pd.DataFrame(rng.normal(size=(3, 1)), columns=pd.MultiIndex.from_tuples([("a", "b")]))
    with pytest.raises(InputError, match="levels"):
        pre.unreadable_rows(levels)


def test_entity_time_text_in_a_layout_not_read_is_still_a_time() -> None:
    # text named like a time was aggregated unless 95 % of it read as times: an Apache time
    # ('05/Jan/2026:10:00:00 +0000') or a last-logon date with 'Never' became a categorical
    from hourglass.features.entity import EntityWindows

    n = 300
    t = pd.date_range("2026-01-05", periods=n, freq="1min")
    rng = np.random.default_rng(0)
    logon = np.where(np.arange(n) % 5 == 0, "Never", t.strftime("%Y-%m-%d"))
    frame = pd.DataFrame({"h": ["a", "b", "c"] * 100, "ts": t, "bytes": rng.normal(size=n),
                          "request_time": t.floor("10min").strftime("%d/%b/%Y:%H:%M:%S +0000"),
                          "last_logon_date": logon, "candidate": rng.choice(["x", "y"], n),
                          "overtime": rng.choice([True, False], n)})
    ew = EntityWindows("h", "ts", bucket="10min").fit(frame)
    assert ew.not_aggregated_.get("request_time") == "times"
    assert ew.not_aggregated_.get("last_logon_date") == "times"
    assert {"candidate", "overtime"} <= set(ew.categorical_)


def test_common_log_format_time_with_a_fraction_is_read() -> None:
    # a first value in whole seconds and a later one with a fraction: pandas kept each one's
    # unit and the assignment failed (a TypeError traceback from train)
    from hourglass.ingest.logs import _text_seconds

    got = _text_seconds(pd.Series(["10/Oct/2000:13:55:36 -0700", "10/Oct/2000:13:55:36.250 -0700"]))
    assert got.tolist() == [971211336.0, 971211336.25]
    got = _text_seconds(pd.Series(["2024-01-01 10:00:00", "Jan 5 2024 10:00:00.123", "x"]))
    assert got[1] == 1704448800.123 and np.isnan(got[2])


def test_ensemble_member_errors_name_the_right_culprit() -> None:
    from hourglass.detectors.autoencoder import AutoEncoder
    from hourglass.detectors.deep_svdd import DeepSVDD
    from hourglass.detectors.ensemble import Ensemble

    class MyAE(AutoEncoder):
        pass

    # a member of the caller's own class: its error, not 'MyAE is not a registered detector'
    with pytest.raises(ValueError, match=r"detectors\[0\] \(MyAE\): epochs must be >= 1"):
        Ensemble(detectors=(MyAE(epochs=0),), verbose=0).validate_params()
    # the ensemble's own epochs: not blamed on member 0
    with pytest.raises(ValueError, match=r"^epochs must be None or an integer >= 1, got 2.5"):
        Ensemble(epochs=2.5).validate_params()
    # a center_eps whose squared distance overflows float32 (the loss was inf at epoch 1 with
    # 'lower the learning rate') is named
    with pytest.raises(ValueError, match="center_eps must be at most 1e"):
        DeepSVDD(center_eps=1e18).validate_params()


def test_service_counts_unparsed_lines_of_a_model_trained_strict(tmp_path: Path) -> None:
    # a model trained with --strict refused the whole request for one line matching no header;
    # the service counts it in unparsed_lines, as score does without --strict
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.features.sessions import EventSessions
    from hourglass.pipeline import Pipeline
    from hourglass.serve.log_scoring import LogScorer

    fmt = r"^(?P<level>[A-Z]+) (?P<content>.*)$"
    lines = [f"INFO open file blk_{i % 7} done" for i in range(80)] + \
        [f"INFO close file blk_{i % 7} done" for i in range(80)]
    feats = EventSessions(format=fmt, session_regex=r"blk_\d+", strict=True)
    pipe = Pipeline(DeepLog(epochs=1, top_g=1, verbose=0), features=feats).fit(lines)
    pipe.save(tmp_path / "m")
    result = LogScorer(tmp_path / "m").score([lines[0], "garbage blk_7", lines[1]])
    assert result["unparsed_lines"] == 1


def test_cloudtrail_documents_keep_64bit_ids_exact(tmp_path: Path) -> None:
    import json

    from hourglass.ingest.cloudtrail import CLOUDTRAIL

    big = 2**60 + 1
    base = {"eventTime": "2024-01-01T00:00:00Z", "eventName": "GetObject", "eventSource": "s3"}
    path = tmp_path / "ct.json"
    path.write_text(json.dumps({"Records": [{**base, "n": big}, base]}))
    df = CLOUDTRAIL.read(path)
    assert df["n"].iloc[0] == big and str(df["n"].dtype) == "Int64"


def test_csv_line_past_the_limit_is_refused_not_held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the header checks read whole lines: a CSV without line breaks (26 MB: 760 MB of memory
    # and 11 s to 'no data rows'; 200 MB: killed at 14 GB) was held whole and split into
    # millions of names; a line past the line limit is now one error naming it
    from hourglass.errors import InputError
    from hourglass.ingest import tables

    monkeypatch.setattr(tables, "MAX_LINE_BYTES", 1000)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(500)))
    with pytest.raises(InputError, match="line 1: longer than"):
        read_table(wide)
    row = tmp_path / "row.csv"
    row.write_text("a,b\n" + ",".join(["1"] * 800) + "\n")
    with pytest.raises(InputError, match="line 2: longer than"):
        read_table(row)
    ok = tmp_path / "ok.csv"
    ok.write_text("\n\na,b\n1,2\n3,4\n")
    assert read_table(ok)["b"].tolist() == [2, 4]


def test_log_times_of_numeric_dates_read_in_one_order() -> None:
    # each value's own guess: 01/02 read as 2 January after 13/02 was read day first; the
    # chunk's values now settle the order, as the table reader does
    from hourglass.ingest.logs import LogParser

    fmt = r"^(?P<timestamp>\S+ \S+) (?P<content>.*)$"
    lines = ["01/02/2024 10:00 open file 1", "13/02/2024 10:00 open file 2", "14/02/2024 09:00 x 3"]
    times = LogParser(fmt).fit(lines).events_["time"].to_numpy()
    days = pd.to_datetime(times, unit="s").strftime("%Y-%m-%d").tolist()
    assert days == ["2024-02-01", "2024-02-13", "2024-02-14"]
