"""Entity-bucket features, commands and scoring: regression tests."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner


def _flows(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = 1_709_251_200 + np.sort(rng.uniform(0, 4 * 3600, n)).round()
    return pd.DataFrame({"host": rng.choice(["h1", "h2", "h3"], n), "ts": t.astype(np.int64),
                         "bytes": rng.integers(1, 5000, n).astype(object),
                         "dport": rng.choice([22, 80, 443], n),
                         "label": np.where(np.arange(n) % 97 == 5, "attack", "normal")})


def test_skip_mode_skips_text_in_a_summed_column_when_training(tmp_path: Path) -> None:
    # score, evaluate and explain --on-bad-rows skip skip a row whose summed column holds a word;
    # train, a warm start and inspect stopped at it ("data row 51 is not a number ('oops')")
    df = _flows()
    df.loc[50, "bytes"] = "oops"
    data = tmp_path / "d.csv"
    df.to_csv(data, index=False)
    base = ["--entity-col", "host", "--timestamp-col", "ts", "--bucket", "10min", "--label-col", "label",
            "--normal", "normal", "--epochs", "1"]
    res = runner.invoke(app, ["train", str(data), *base, "-o", str(tmp_path / "m")])
    assert res.exit_code == 2 and "line 52 is not a number" in res.stderr, res.output
    for named in ([], ["--aggregate", "bytes", "--distinct", "dport"]):
        model = tmp_path / f"m{len(named)}"
        res = runner.invoke(app, ["train", str(data), *base, *named, "--on-bad-rows", "skip",
                                  "-o", str(model)])
        assert res.exit_code == 0, res.output
        assert "line 52, column 'bytes': 'oops'" in res.stderr
        info = json.loads((model / "config.json").read_text())["info"]
        assert info["skipped_rows"] == 1 and info["entity"]["rows"] == len(df) - 1
        ent = info["entity"]
        assert ent["rows_trained"] + ent["rows_left_out_with_attacks"] + ent["rows_left_out_without_label"] \
            == len(df) - 1
    # the model's buckets hold every other row: as score with skip reads the same file
    res = runner.invoke(app, ["score", str(tmp_path / "m0"), str(data), "--on-bad-rows", "skip", "-o",
                              str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert int(pd.read_csv(tmp_path / "s.csv")["rows"].sum()) == len(df) - 1
    res = runner.invoke(app, ["train", str(data), "--warm-start", str(tmp_path / "m0"), "--epochs", "1",
                              "--on-bad-rows", "skip", "-o", str(tmp_path / "w")])
    assert res.exit_code == 0, res.output
    assert "line 52, column 'bytes': 'oops'" in res.stderr
    res = runner.invoke(app, ["inspect", str(data), "--entity-col", "host", "--timestamp-col", "ts",
                              "--on-bad-rows", "skip", "--json", str(tmp_path / "i.json")])
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "i.json").read_text())
    assert report["rows"] == len(df) - 1 and report["skipped_rows"] == 1
    assert next(c for c in report["columns"] if c["column"] == "bytes")["role"] == "numeric"


def test_buckets_over_more_than_292_years_are_grouped_and_sorted() -> None:
    # times 1700 and 2200 (both within pandas' range): the bucket index, nanoseconds since the
    # first start, wrapped round in int64, and the rows came out of (entity, bucket start) order
    from hourglass.features.entity import EntityWindows

    rng = np.random.default_rng(0)
    n = 80
    ns = rng.integers(pd.Timestamp("1690-01-01").value, pd.Timestamp("2250-01-01").value, n) // 10**9 * 10**9
    t = pd.to_datetime(ns[rng.integers(0, n, n)])  # (some times twice)
    df = pd.DataFrame({"h": rng.choice(list("abcde"), n), "ts": t.strftime("%Y-%m-%dT%H:%M:%S"),
                       "n": rng.integers(1, 9, n)})
    ew = EntityWindows("h", "ts", bucket="1D", log1p="none", numeric=("n",), categorical=())
    agg = ew.fit(df).aggregate(df)
    want = (df.assign(b=pd.to_datetime(df["ts"]).dt.floor("1D")).groupby(["h", "b"])["n"]
            .agg(["size", "sum"]).reset_index())
    assert agg["entity"].tolist() == want["h"].tolist()
    assert pd.DatetimeIndex(agg["bucket_start"]).equals(pd.DatetimeIndex(want["b"]))
    assert agg["rows"].tolist() == want["size"].tolist()
    assert agg["n:sum"].tolist() == want["sum"].astype(float).tolist()


def test_the_summed_columns_named_as_an_index() -> None:
    from hourglass.features.entity import EntityWindows

    df = pd.DataFrame({"h": ["a", "b"], "ts": [0, 1], "b": [1, 2], "p": ["x", "y"]})
    ew = EntityWindows("h", "ts", numeric=pd.Index(["b", "b"]), categorical=pd.Index(["p"]))
    assert ew.summed_columns(df) == ["b"]
    assert EntityWindows("h", "ts").summed_columns(df.assign(label=[0, 1]), "label") == ["b"]


def test_times_further_apart_than_a_time_length_train_and_inspect(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    # one row dated 1700 among 2024's: train, inspect and a warm start stopped with pandas' 'Result
    # is too large for pandas.Timedelta. Convert inputs to datetime.datetime ...' (the time span)
    from hourglass.cli.entity import warn_bucket_length

    df = _flows().drop(columns=["label"])
    df["bytes"] = df["bytes"].astype(int)
    df["ts"] = pd.to_datetime(df["ts"], unit="s").dt.strftime("%Y-%m-%dT%H:%M:%S")
    df.loc[3, "ts"] = "1700-01-01T00:00:00"
    data = tmp_path / "d.csv"
    df.to_csv(data, index=False)
    keys = ["--entity-col", "host", "--timestamp-col", "ts", "--bucket", "10min"]
    res = runner.invoke(app, ["train", str(data), *keys, "--epochs", "1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "Timedelta" not in res.output and "shorter than the resolution" not in res.stderr
    info = json.loads((tmp_path / "m" / "config.json").read_text())["info"]
    assert 0 < info["events_per_day"] < 1  # ~200 buckets over 324 years
    res = runner.invoke(app, ["inspect", str(data), *keys])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(data), "--warm-start", str(tmp_path / "m"), "--epochs", "1",
                              "-o", str(tmp_path / "w")])
    assert res.exit_code == 0, res.output
    # the times' resolution across such a span: still the gaps' greatest common divisor
    t = pd.DatetimeIndex(["1700-01-01T00:00:00", "2200-01-01T00:00:00", "2200-01-01T00:00:30"])
    caplog.clear()
    log = logging.getLogger("hourglass")  # (the commands above may stop its propagation)
    log.addHandler(caplog.handler)
    try:
        warn_bucket_length(t, np.array([1, 2]), "10s", "x")
    finally:
        log.removeHandler(caplog.handler)
    assert "shorter than the resolution of the times (30 s)" in caplog.text


def test_a_table_model_with_times_further_apart_than_a_time_length_trains(tmp_path: Path) -> None:
    # the event rate of a table model's --timestamp-col stopped train the same way (the span)
    from hourglass.thresholds import events_per_day

    far = pd.DatetimeIndex(["1700-01-01", "2200-01-01"]).as_unit("ns")
    assert events_per_day(far) == pytest.approx(2 / 182_621)
    df = _flows().drop(columns=["host"])
    df["bytes"] = df["bytes"].astype(int)
    df["ts"] = pd.to_datetime(df["ts"] + 0.25, unit="s").dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    df.loc[3, "ts"] = "1700-01-01T00:00:00.000000"
    df.to_csv(tmp_path / "d.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "d.csv"), "--timestamp-col", "ts", "--label-col",
                              "label", "--normal", "normal", "--epochs", "1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
