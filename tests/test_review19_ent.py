"""Entity-bucket features, commands and scoring: regression tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.features.entity import EntityWindows


def test_a_shared_clock_under_a_time_name_with_a_unit_is_left_out() -> None:
    # seconds since the capture began, shared by every host: 'rel_time' was left out as a clock,
    # 'rel_time_s' / 'rel_time_ms' (the names the row roles read as times too) summed per bucket
    rng = np.random.default_rng(0)
    rel = np.sort(rng.uniform(0, 7200, 300))
    df = pd.DataFrame({"host": rng.choice(["a", "b", "c"], 300), "ts": 1_709_251_200 + rel,
                       "rel_time": rel, "rel_time_s": rel, "rel_time_ms": rel * 1000,
                       "elapsed_time_sec": rel, "bytes": rng.integers(1, 9, 300)})
    ew = EntityWindows("host", "ts").fit(df)
    assert ew.numeric_ == ["bytes"]
    assert {c: ew.not_aggregated_[c] for c in ("rel_time", "rel_time_s", "rel_time_ms")} == \
        dict.fromkeys(("rel_time", "rel_time_s", "rel_time_ms"), "times")
    # one host's counter under such a name is still a feature (no entities taking turns)
    one = df[df["host"] == "a"].reset_index(drop=True)
    assert "uptime_s" in EntityWindows("host", "ts").fit(one.assign(uptime_s=one["rel_time"])).numeric_


def test_a_bucket_of_a_fraction_of_the_times_unit_is_cut(tmp_path: Path) -> None:
    # a Parquet file's times in milliseconds (timestamp[ms], as Spark and Arrow write them) and a
    # 1500us bucket: train, inspect and score stopped with pandas' 'freq=<1500 * Micros> is
    # incompatible with unit=ms'
    from hourglass.cli import app
    from tests._cli import runner

    t = pd.to_datetime(1_709_251_200_000 + np.arange(40) * 700, unit="ms").as_unit("ms")
    df = pd.DataFrame({"h": ["a", "b"] * 20, "ts": t, "n": np.arange(40) % 5})
    ew = EntityWindows("h", "ts", bucket="1500us").fit(df)
    agg = ew.aggregate(df)
    ns = pd.DataFrame({"h": df["h"], "ts": t.as_unit("ns"), "n": df["n"]})
    keys = ["entity", "bucket_start", "rows"]
    assert agg[keys].equals(ew.aggregate(ns)[keys])
    assert int(agg["rows"].sum()) == 40
    assert (pd.DatetimeIndex(agg["bucket_start"]).asi8 % 1_500_000 == 0).all()
    ent, start = ew.row_keys(df)
    assert len(set(zip(ent, start, strict=True))) == len(agg)
    df.to_parquet(tmp_path / "d.parquet")
    res = runner.invoke(app, ["train", str(tmp_path / "d.parquet"), "--entity-col", "h", "--timestamp-col",
                              "ts", "--bucket", "1500us", "--param", "epochs=1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(tmp_path / "d.parquet"), "-o",
                              str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "s.csv")) == len(agg)


def test_bucket_labels_are_the_most_frequent_attack_first_seen_among_ties() -> None:
    # evaluate named each anomalous bucket's class with a Python function per bucket (500,000 rows,
    # 81,668 anomalous buckets: 23.5 s); counted at once, the classes are the same
    from hourglass.cli.entity import _bucket_marks, bucket_labels

    rng = np.random.default_rng(0)
    n = 3000
    times = pd.date_range("2024-03-31T00:00:00+01:00", periods=n, freq="7s").strftime("%Y-%m-%dT%H:%M:%S%z")
    df = pd.DataFrame({"h": rng.integers(0, 40, n).astype(str), "ts": list(times)})
    labels = np.where(rng.random(n) < 0.3, rng.choice(["dos", "scan", "brute"], n), "normal").astype(object)
    is_anom = (labels != "normal").astype(np.int8)
    ew = EntityWindows("h", "ts", bucket="5min", numeric=(), categorical=()).fit(df)
    keys = ew.aggregate(df)[["entity", "bucket_start", "bucket_end", "rows"]]
    y, lab, _, _ = _bucket_marks(ew, df, labels, is_anom, keys)
    ent, start = ew.row_keys(df)
    rows = pd.DataFrame({"e": ent, "b": start, "label": labels})[is_anom == 1]
    want = rows.groupby(["e", "b"], sort=False)["label"].agg(lambda s: s.value_counts().index[0])
    got = pd.Series(lab, index=pd.MultiIndex.from_frame(keys[["entity", "bucket_start"]]))
    assert (got.dropna() == want.reindex(got.dropna().index)).all() and got.notna().sum() == len(want)
    assert int(y.sum()) == len(want) and got.isna().sum() == int((y == 0).sum())
    # a tie: the label seen first in the bucket
    one = pd.DataFrame({"h": ["a"] * 4 + ["b"], "ts": [0, 1, 2, 3, 4]})
    f1 = EntityWindows("h", "ts", numeric=(), categorical=()).fit(one)
    k1 = f1.aggregate(one)[["entity", "bucket_start", "bucket_end", "rows"]]
    marks = _bucket_marks(f1, one, np.array(["scan", "dos", "dos", "scan", "dos"], dtype=object),
                          np.ones(5, dtype=np.int8), k1)
    assert marks[1].tolist() == ["scan", "dos"]
    # no anomalous row: every bucket normal, named by the first normal label
    y0, names = bucket_labels(f1, one, np.array(["ok"] * 5, dtype=object), np.zeros(5, dtype=np.int8), k1)
    assert y0.tolist() == [0, 0] and names.tolist() == ["ok", "ok"]


def test_buckets_without_a_varying_aggregate_are_said_as_such(tmp_path: Path) -> None:
    # every (host, 1h bucket) held one row with bytes=5: train and inspect said 'no usable feature
    # column: every column is constant ... (one column only, 'count': a log file needs a log
    # --format, a table a header line naming its columns)', a table's words for a log read as one
    from hourglass.cli import app
    from tests._cli import runner

    ts = 1_709_251_200 + np.arange(60) * 3600
    host = np.where(np.arange(60) % 2 == 0, "h1", "h2")
    pd.DataFrame({"ts": ts, "host": host}).to_csv(tmp_path / "keys.csv", index=False)
    pd.DataFrame({"ts": ts, "host": host, "bytes": 5}).to_csv(tmp_path / "const.csv", index=False)
    common = ["--entity-col", "host", "--timestamp-col", "ts", "--bucket", "1h"]
    for args, said in (
            (["train", str(tmp_path / "keys.csv"), *common, "-o", str(tmp_path / "m")],
             "every aggregate (rows) is the same, or missing, in all 60 (host, 1h bucket) rows"),
            (["train", str(tmp_path / "const.csv"), *common, "-o", str(tmp_path / "m")],
             "(rows, sum bytes, mean bytes, max bytes) is the same"),
            (["inspect", str(tmp_path / "const.csv"), *common], "no usable bucket feature")):
        res = runner.invoke(app, args)
        last = res.stderr.strip().splitlines()[-1]
        assert res.exit_code == 2 and "Traceback" not in res.stderr, res.stderr
        assert last.startswith("error: ") and said in last and "--format" not in last, last
        assert not (tmp_path / "m").exists()


def test_inspect_names_the_formats_own_time_field_a_file_lacks(tmp_path: Path) -> None:
    # CEF lines without 'rt': train said the format's event time is not in the data, inspect
    # blamed '--timestamp-col: no column 'rt'', an option the user never gave
    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    lines = [f"<134>Mar  3 09:14:{10 + i} fw1 CEF:0|Vendor|FW|1.0|100|Allow|3|src=10.0.0.{i % 3} "
             f"dpt={i % 5 + 20} out={i * 10}" for i in range(30)]
    (tmp_path / "fw.cef").write_text("\n".join(lines) + "\n")
    said = "fw.cef: the data format's event time 'rt' is not in the data; give --timestamp-col COLUMN"
    one_line_error(["inspect", str(tmp_path / "fw.cef"), "--entity-col", "src"], said)
    res = runner.invoke(app, ["train", str(tmp_path / "fw.cef"), "--entity-col", "src", "-o",
                              str(tmp_path / "m")])  # (after its line saying the buckets are cut on rt)
    assert res.exit_code == 2 and said in res.stderr.strip().splitlines()[-1], res.stderr
