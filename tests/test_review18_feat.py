"""Tabular features: the same rows give the same features whichever way they reach the model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner


def _scores(path: Path) -> np.ndarray:
    return pd.read_csv(path)["score"].to_numpy()


def test_a_text_category_of_a_csv_whose_values_look_like_numbers_is_read_as_written(tmp_path: Path) -> None:
    # 'ver' holds a word in training, so it is text there ('1.10'); a file to score whose values
    # all look like numbers was typed as floats (1.1): '1.10' read as '1.1', <unseen>, its score
    # raised, and not the score of the same row sent as JSON lines or to the service
    rng = np.random.default_rng(0)
    n = 200
    train = pd.DataFrame({"bytes": rng.integers(1, 1000, n),
                          "ver": rng.choice(["1.0", "1.10", "007", "beta"], n),
                          "user": [f"{i % 60:03d}" if i % 7 else "root" for i in range(n)]})
    train.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "-o", str(model), "--epochs", "1",
                              "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    rows = train[(train["ver"] != "beta") & (train["user"] != "root")].head(60)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    with open(tmp_path / "rows.jsonl", "w") as f:
        for r in rows.to_dict(orient="records"):
            f.write(json.dumps({k: v.item() if hasattr(v, "item") else v for k, v in r.items()}) + "\n")
    for name in ("rows.csv", "rows.jsonl", "train.csv"):
        res = runner.invoke(app, ["score", str(model), str(tmp_path / name), "-o",
                                  str(tmp_path / f"{name}.scores.csv"), "-q"])
        assert res.exit_code == 0, res.output
    want = _scores(tmp_path / "train.csv.scores.csv")[rows.index.to_numpy()]  # (float rounding)
    assert np.allclose(_scores(tmp_path / "rows.jsonl.scores.csv"), want, rtol=1e-5)
    assert np.allclose(_scores(tmp_path / "rows.csv.scores.csv"), want, rtol=1e-5)


def test_a_column_given_as_categorical_is_trained_on_its_text_as_written(tmp_path: Path) -> None:
    # --categorical code of a CSV whose codes all look like numbers: typed as integers, '007' was
    # trained as the category '7'; the same row sent as JSON lines (or to the service or stream)
    # brings '007', a value never seen: every such row read as <unseen>
    rng = np.random.default_rng(1)
    n = 200
    train = pd.DataFrame({"bytes": rng.integers(1, 1000, n), "code": rng.choice(["007", "010", "3"], n),
                          "site": rng.choice(["01", "02"], n)})
    train.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "-o", str(model), "--epochs", "1",
                              "--hidden", "4,2", "--categorical", "code", "--role", "site=hash", "-q"])
    assert res.exit_code == 0, res.output
    features = json.loads((model / "config.json").read_text())["features"]
    assert features["categories"]["code"] == ["007", "010", "3"]
    res = runner.invoke(app, ["inspect", str(tmp_path / "train.csv"), "--categorical", "code",
                              "--role", "site=hash", "--json", str(tmp_path / "schema.json")])
    assert res.exit_code == 0, res.output
    # inspect previews the read train makes: the codes as text
    shown = {c["column"]: c for c in json.loads((tmp_path / "schema.json").read_text())["columns"]}
    assert shown["code"]["dtype"] == features["profile"]["code"]["dtype"] != "int64"
    with open(tmp_path / "rows.jsonl", "w") as f:
        for r in train.head(50).to_dict(orient="records"):
            f.write(json.dumps({k: v.item() if hasattr(v, "item") else v for k, v in r.items()}) + "\n")
    train.head(50).to_csv(tmp_path / "rows.csv", index=False)
    for name in ("rows.csv", "rows.jsonl", "train.csv"):
        res = runner.invoke(app, ["score", str(model), str(tmp_path / name), "-o",
                                  str(tmp_path / f"{name}.scores.csv"), "-q"])
        assert res.exit_code == 0, res.output
    want = _scores(tmp_path / "train.csv.scores.csv")[:50]  # (another batch: float rounding)
    assert np.allclose(_scores(tmp_path / "rows.jsonl.scores.csv"), want, rtol=1e-5)
    assert np.allclose(_scores(tmp_path / "rows.csv.scores.csv"), want, rtol=1e-5)


def test_a_column_of_dates_is_no_category(tmp_path: Path) -> None:
    # the CSV reader gives an ISO date column as datetime.date objects (Parquet and Arrow too,
    # JSON lines as text): each day was a one-hot category, every later day <unseen>
    import datetime

    from hourglass.features import TabularPreprocessor

    days = pd.date_range("2024-01-01", periods=10)
    frames = {
        "dates": pd.Series([d.date() for d in days], dtype=object),
        "datetimes": pd.Series([d.to_pydatetime() for d in days], dtype=object),
        "iso text": pd.Series(days.strftime("%Y-%m-%d")),
        "iso times": pd.Series(days.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
        "arrow dates": pd.Series([d.date() for d in days], dtype="date32[pyarrow]"),
    }
    for what, day in frames.items():
        df = pd.DataFrame({"day": day.repeat(3).reset_index(drop=True), "bytes": np.arange(30.0) % 7})
        pre = TabularPreprocessor().fit(df)
        assert pre.roles_["day"] == "drop", what
        later = df.assign(day=[datetime.date(2024, 2, 1)] * 30)
        assert np.array_equal(pre.transform(later), pre.transform(df)), what
    # text that only starts like a date, or a code, stays a category
    for text in (["2024-01-01 maintenance", "2024-01-02 backup"], ["2024-01", "2024-02"],
                 ["v2024-01-01", "x"]):
        pre = TabularPreprocessor().fit(pd.DataFrame({"day": text * 5, "bytes": np.arange(10.0)}))
        assert pre.roles_["day"] == "categorical", text
    # through the command line: inspect says why
    path = tmp_path / "days.csv"
    table = pd.DataFrame({"day": days.strftime("%Y-%m-%d").repeat(3), "bytes": np.arange(30) % 7})
    table.to_csv(path, index=False)
    res = runner.invoke(app, ["inspect", str(path), "--json", str(tmp_path / "schema.json")])
    assert res.exit_code == 0, res.output
    shown = {c["column"]: c for c in json.loads((tmp_path / "schema.json").read_text())["columns"]}
    assert shown["day"]["role"] == "drop"


def test_epoch_times_under_a_time_name_are_no_feature() -> None:
    # flow_start_time of epoch seconds was a numeric feature, scaled on the training week: the
    # same flows a month later lay past the scale, every one of them flagged
    from hourglass.features import TabularPreprocessor

    rng = np.random.default_rng(0)
    n = 60
    t = 1_704_067_200 + np.sort(rng.integers(0, 7 * 86_400, n))
    df = pd.DataFrame({"flow_start_time": t, "end_time_ms": (t + 5) * 1000.0,
                       "login_date": 20240101 + np.arange(n) % 28, "seen_time": (t + 9).astype(str),
                       "response_time": rng.gamma(2.0, 0.1, n), "bytes": rng.lognormal(5, 1, n)})
    pre = TabularPreprocessor().fit(df)
    assert {c: r for c, r in pre.roles_.items() if r == "drop"} == dict.fromkeys(
        ["flow_start_time", "end_time_ms", "login_date", "seen_time"], "drop")
    assert pre.roles_["response_time"] == "numeric"  # a duration measured: small numbers
    month = 30 * 86_400
    later = df.assign(flow_start_time=df["flow_start_time"] + month,
                      end_time_ms=df["end_time_ms"] + month * 1000.0, login_date=df["login_date"] + 100,
                      seen_time=(t + 9 + month).astype(str))
    assert np.array_equal(pre.transform(later), pre.transform(df))
    assert pre.reasons_["flow_start_time"] == "times"  # as the entity features say it


def test_times_written_as_text_under_a_time_name_are_no_feature() -> None:
    # login_time of '01/05/2024 10:05' (no ISO layout: text to the CSV reader) was hashed, or
    # one-hot encoded with each later time <unseen>
    from hourglass.features import TabularPreprocessor

    t = pd.Timestamp("2024-01-05") + pd.to_timedelta(np.arange(0, 300 * 60, 60), unit="s")
    df = pd.DataFrame({"login_time": t.strftime("%m/%d/%Y %H:%M"), "seen_date": t.strftime("%d %b %Y"),
                       "run_time": ["fast", "slow"] * 150, "bytes": np.arange(300.0) % 11})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["login_time"] == pre.roles_["seen_date"] == "drop", pre.reasons_
    assert pre.roles_["run_time"] == "categorical"  # words, not times
    later = df.assign(login_time=(t + pd.Timedelta(days=40)).strftime("%m/%d/%Y %H:%M"))
    assert np.array_equal(pre.transform(later), pre.transform(df))
