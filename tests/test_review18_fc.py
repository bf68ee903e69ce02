"""Tabular features: which columns are times, and which are read as text, whichever way rows come."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.features import TabularPreprocessor
from tests._cli import runner


def _counters(n: int = 300) -> pd.DataFrame:
    """Measured amounts under a time's name: cumulative counters, uptimes, long waits."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "cpu_time_ns": np.cumsum(rng.integers(10**6, 10**8, n)),
        "process_cpu_time_us": rng.integers(10**7, 10**10, n),
        "uptime": rng.integers(10**8, 10**10, n),
        "uptime_ms": rng.integers(10**6, 10**10, n),
        "total_time": rng.integers(10**7, 10**10, n),
        "wait_time": rng.integers(10**8, 5 * 10**8, n),
        "runtime_ns": rng.lognormal(19, 1, n),
        "bytes": rng.lognormal(5, 1, n),
    })


@pytest.mark.parametrize("as_text", [False, True])
def test_counters_and_durations_under_a_time_name_stay_features(as_text: bool) -> None:
    # a value over 1e8 under a name ending in 'time' is no clock: cumulative CPU time in ns, an
    # uptime in ms or a wait of seconds spread over orders of magnitude; dropping them is a
    # detection lost without a word
    df = _counters()
    if as_text:
        df = df.astype(str)
    pre = TabularPreprocessor().fit(df)
    kept = {c: pre.roles_[c] for c in df.columns}
    assert kept == dict.fromkeys(df.columns, "numeric"), pre.reasons_


def test_clock_readings_under_a_time_name_are_still_dropped() -> None:
    # epoch times of a few days in each unit, some left unset (0), and dates as numbers
    rng = np.random.default_rng(1)
    n = 300
    t = 1_704_067_200 + np.sort(rng.integers(0, 30 * 86_400, n)).astype(np.int64)
    df = pd.DataFrame({"flow_start_time": t, "end_time_ms": t * 1000 + 5, "seen_time_us": t * 10**6,
                       "last_login_time": np.where(np.arange(n) % 5 == 0, 0, t),
                       "event_time_ns": (t * 10**9).astype(str), "login_date": 20240101 + np.arange(n) % 28,
                       "bytes": rng.lognormal(5, 1, n)})
    pre = TabularPreprocessor().fit(df)
    assert {c for c, r in pre.roles_.items() if r == "drop"} == set(df.columns) - {"bytes"}, pre.reasons_
    assert set(pre.reasons_[c] for c in df.columns if c != "bytes") == {"times"}


def test_a_counter_under_a_time_name_is_kept_by_train_and_shown_by_inspect(tmp_path: Path) -> None:
    df = _counters(200)
    path = tmp_path / "hosts.csv"
    df.to_csv(path, index=False)
    res = runner.invoke(app, ["inspect", str(path), "--json", str(tmp_path / "schema.json")])
    assert res.exit_code == 0, res.output
    shown = {c["column"]: c["role"] for c in json.loads((tmp_path / "schema.json").read_text())["columns"]}
    assert shown["cpu_time_ns"] == shown["uptime_ms"] == "numeric", shown
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(path), "-o", str(model), "--epochs", "1", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    roles = json.loads((model / "config.json").read_text())["features"]["roles"]
    assert roles["cpu_time_ns"] == roles["total_time"] == "numeric", roles


def test_text_under_a_time_name_that_names_no_date_stays_a_category() -> None:
    # durations, versions and ranges under a time's name read loosely as times ('3s' as 3 seconds
    # past midnight, '1-2' as January 2, '10.0.19045' laid out as a date): they were dropped as
    # 'times', a feature lost; times of days are still dropped
    rng = np.random.default_rng(2)
    n = 300
    words = {"cpu_time": ["1s", "3s", "8s"], "patch_date": ["1.2.3", "1.2.4", "2.0.1"],
             "ver_date": ["10.0.19045", "10.0.22631"], "kernel_time": ["5.15.0-91", "6.1.0-13"],
             "wait_times": ["1-2", "3-5", "5-10"], "release_date": ["v1.2.3", "v1.2.4"]}
    t = pd.Timestamp("2024-01-05") + pd.to_timedelta(np.arange(n) * 60, unit="s")
    df = pd.DataFrame({**{c: rng.choice(v, n) for c, v in words.items()},
                       "login_time": t.strftime("%m/%d/%Y %H:%M"), "seen_date": t.strftime("%d %b %Y"),
                       "syslog_time": t.strftime("%b %d %H:%M:%S"), "bytes": rng.lognormal(5, 1, n)})
    pre = TabularPreprocessor().fit(df)
    assert {c: pre.roles_[c] for c in words} == dict.fromkeys(words, "categorical"), pre.reasons_
    assert pre.roles_["login_time"] == pre.roles_["seen_date"] == pre.roles_["syslog_time"] == "drop"


def test_benchmark_reads_a_test_file_s_text_categories_as_its_training_file_has_them(tmp_path: Path) -> None:
    # 'ver' holds a word in the training file: text ('1.10'); a test file whose versions all look
    # like numbers was typed as floats, 1.10 read as 1.1, a version never seen: its metrics were
    # not those of the same rows given as JSON lines
    rng = np.random.default_rng(0)
    n = 300
    label = np.where(np.arange(n) % 10 == 0, "attack", "normal")
    train = pd.DataFrame({"bytes": rng.lognormal(5, 1, n) * np.where(label == "attack", 3, 1),
                          "ver": rng.choice(["1.0", "1.10", "beta"], n),
                          "code": rng.choice(["007", "010", "3"], n), "label": label})
    train.to_csv(tmp_path / "train.csv", index=False)
    test = train[train["ver"] != "beta"]
    test.to_csv(tmp_path / "test.csv", index=False)
    with open(tmp_path / "test.jsonl", "w") as f:
        for r in test.to_dict(orient="records"):
            f.write(json.dumps(r) + "\n")
    metrics = []
    for name in ("test.csv", "test.jsonl"):
        out = tmp_path / f"{name}.json"
        res = runner.invoke(app, ["benchmark", str(tmp_path / "train.csv"), "--test", str(tmp_path / name),
                                  "--label-col", "label", "--normal", "normal", "--models", "autoencoder",
                                  "--baselines", "iforest", "--seeds", "1", "--epochs", "1",
                                  "--categorical", "code", "--json", str(out), "-q"])
        assert res.exit_code == 0, res.output
        found = json.loads(out.read_text())
        metrics.append([(m["model"], m["roc_auc"]["mean"], m["pr_auc"]["mean"])
                        for m in [*found["models"], *found.get("baselines", [])]])
    assert metrics[0] == metrics[1]


def test_a_csv_scored_with_a_model_of_a_parquet_dictionary_column_reads_it_as_text(tmp_path: Path) -> None:
    # a Parquet dictionary column (pandas 'category') of versions: the model knows '1.10'; a CSV of
    # the same rows, whose versions all look like numbers, was typed as floats: 1.10 read as 1.1,
    # never seen, and the rows scored higher than the same rows read from Parquet
    rng = np.random.default_rng(0)
    n = 200
    train = pd.DataFrame({"bytes": rng.integers(1, 1000, n), "ver": rng.choice(["1.0", "1.10", "beta"], n)})
    train["ver"] = train["ver"].astype("category")
    train.to_parquet(tmp_path / "train.parquet")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "train.parquet"), "-o", str(model), "--epochs", "1",
                              "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    rows = train[train["ver"] != "beta"]
    rows.to_parquet(tmp_path / "rows.parquet")
    rows.astype({"ver": str}).to_csv(tmp_path / "rows.csv", index=False)
    scores = []
    for name in ("rows.parquet", "rows.csv"):
        res = runner.invoke(app, ["score", str(model), str(tmp_path / name), "-o",
                                  str(tmp_path / f"{name}.scores.csv"), "-q"])
        assert res.exit_code == 0, res.output
        scores.append(pd.read_csv(tmp_path / f"{name}.scores.csv")["score"].to_numpy())
    assert np.allclose(scores[0], scores[1], rtol=1e-5)
