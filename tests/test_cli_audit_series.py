"""What a fresh look at the time-series and entity workflows found: input a user produces
(a blank time in a CSV, a gap at scoring time, a first step unlike the rest, a short held-out
tail, times with and without a UTC offset in one stream) and what each command says about it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner

WINDOW = 8


def _metrics(n: int, step: str = "1min", seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    ts = pd.date_range("2024-05-01", periods=n, freq=step).strftime("%Y-%m-%d %H:%M:%S")
    return pd.DataFrame({"ts": ts,
                         "cpu": np.sin(t / 7) + rng.normal(0, 0.05, n),
                         "mem": 50 + np.cos(t / 11) + rng.normal(0, 0.05, n)})


def _train(data: Path, out: Path, window: int = WINDOW) -> str:
    r = runner.invoke(app, ["train", str(data), "--model", "lstm-ae", "--timestamp-col", "ts",
                            "--window", str(window), "--hidden", "8", "--epochs", "1", "-o", str(out)])
    assert r.exit_code == 0, r.output
    return r.stderr


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("audit_series")
    _metrics(200).to_csv(root / "train.csv", index=False)
    _train(root / "train.csv", root / "M")
    return root / "M"


def test_a_blank_time_in_a_csv_column_read_as_times_is_named(tmp_path: Path) -> None:
    # the CSV reader types the column as times and the blank as NaT: it was dropped or sorted
    # last, and the error spoke of unsorted or irregular timestamps instead
    df = _metrics(120)
    df.loc[30, "ts"] = None
    path = tmp_path / "blank.csv"
    df.to_csv(path, index=False)
    # (a CSV's row named by its line, the header counted; a Parquet file's by its data row)
    one_line_error(["train", str(path), "--model", "lstm-ae", "--timestamp-col", "ts", "--window",
                    str(WINDOW), "--freq", "1min", "--fill", "ffill", "-o", str(tmp_path / "M")],
                   "column 'ts': line 32 has no time (missing)", tmp_path / "M")
    df.to_parquet(tmp_path / "blank.parquet")
    one_line_error(["train", str(tmp_path / "blank.parquet"), "--model", "lstm-ae", "--timestamp-col",
                    "ts", "--window", str(WINDOW), "-o", str(tmp_path / "M")],
                   "column 'ts': row 31 has no time (missing)", tmp_path / "M")


def test_scoring_a_gap_names_the_training_option_not_one_score_lacks(model: Path,
                                                                     tmp_path: Path) -> None:
    gap = _metrics(100).drop(index=range(40, 45))
    gap.to_csv(tmp_path / "gap.csv", index=False)
    nan = _metrics(100)
    nan.loc[50, "mem"] = np.nan
    nan.to_csv(tmp_path / "nan.csv", index=False)
    for cmd in (["score", str(model), str(tmp_path / "gap.csv"), "-o", str(tmp_path / "s.csv")],
                ["explain", str(model), str(tmp_path / "gap.csv"), "-o", str(tmp_path / "s.csv")]):
        one_line_error(cmd, "the model was trained on regular steps without a --freq: retrain it "
                            "with --freq (e.g. '1min'", tmp_path / "s.csv")
    one_line_error(["score", str(model), str(tmp_path / "nan.csv"), "-o", str(tmp_path / "s.csv")],
                   "column 'mem': 1 missing value(s), first at timestamp 2024-05-01 00:50:00; the "
                   "model was trained without a fill policy: retrain it with --fill", tmp_path / "s.csv")


def test_irregular_steps_suggest_the_usual_step_not_the_first(tmp_path: Path) -> None:
    # NAB's TravelTime_387 starts with a 14 min step, then mostly 10 min ones
    times = pd.Timestamp("2015-07-10 14:24") + pd.to_timedelta([0, *range(14, 14 + 10 * 99, 10)], unit="min")
    times = times.delete(60)  # and a gap later on
    df = pd.DataFrame({"ts": times.strftime("%Y-%m-%d %H:%M:%S"), "v": np.arange(len(times), dtype=float)})
    df.to_csv(tmp_path / "t.csv", index=False)
    one_line_error(["train", str(tmp_path / "t.csv"), "--model", "lstm-ae", "--timestamp-col", "ts",
                    "-o", str(tmp_path / "M")],
                   "timestamps are irregular (step 10min but 14min after 2015-07-10 14:24:00); set "
                   "--freq, e.g. '10min'", tmp_path / "M")


def test_a_held_out_tail_of_one_window_is_warned_about(tmp_path: Path) -> None:
    _metrics(100).to_csv(tmp_path / "short.csv", index=False)  # 10 steps held out: one window of 10
    err = _train(tmp_path / "short.csv", tmp_path / "M", window=10)
    assert "the held-out tail (the last 10 steps) holds only 1 window(s) of 10 steps" in err, err
    _metrics(300).to_csv(tmp_path / "long.csv", index=False)  # 30 held out: 23 windows of 8
    assert "held-out tail" not in _train(tmp_path / "long.csv", tmp_path / "M2")


def test_stream_refuses_times_with_and_without_an_offset(model: Path) -> None:
    rows = _metrics(40).to_dict("records")
    for i in range(20, 40):
        rows[i]["ts"] = rows[i]["ts"].replace(" ", "T") + "Z"
    text = "".join(json.dumps(r) + "\n" for r in rows)
    for batch in ("1", "64"):
        r = runner.invoke(app, ["stream", str(model), "--batch", batch], input=text)
        assert r.exit_code == 2, r.output
        assert ("line 21: timestamp 'ts': '2024-05-01T00:20:00Z' has a UTC offset but earlier steps "
                "none; give every time an offset, or none") in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
    # one kind throughout is fine, either kind
    for i in range(20):
        rows[i]["ts"] = rows[i]["ts"].replace(" ", "T") + "Z"
    r = runner.invoke(app, ["stream", str(model)], input="".join(json.dumps(x) + "\n" for x in rows))
    assert r.exit_code == 0, r.output


def test_score_and_explain_name_columns_the_model_ignores_or_lacks(model: Path, tmp_path: Path) -> None:
    df = _metrics(60).assign(disk=1.0)  # a sensor added since training: not modelled
    df.to_csv(tmp_path / "new.csv", index=False)
    for cmd in ("score", "explain"):
        r = runner.invoke(app, [cmd, str(model), str(tmp_path / "new.csv"), "-o", str(tmp_path / "o.csv")])
        assert r.exit_code == 0, r.output
        assert "ignoring 1 column(s) the model was not trained on: disk" in r.stderr, r.stderr
    df.drop(columns=["mem"]).to_csv(tmp_path / "lacks.csv", index=False)
    one_line_error(["score", str(model), str(tmp_path / "lacks.csv"), "-o", str(tmp_path / "s.csv")],
                   "column(s) the model needs are missing: mem; the data has ts, cpu, disk",
                   tmp_path / "s.csv")


def test_training_on_labelled_anomalies_is_said(tmp_path: Path) -> None:
    df = _metrics(120).assign(label=0)
    df.loc[70:74, "label"] = 1
    df.to_csv(tmp_path / "lab.csv", index=False)
    r = runner.invoke(app, ["train", str(tmp_path / "lab.csv"), "--model", "lstm-ae", "--timestamp-col",
                            "ts", "--label-col", "label", "--window", str(WINDOW), "--hidden", "8",
                            "--epochs", "1", "-o", str(tmp_path / "M")])
    assert r.exit_code == 0, r.output
    assert ("5 of the 120 rows of the training series are not labelled normal in 'label' (first: "
            "row 71); a time-series model trains on every step") in r.stderr, r.stderr


def test_a_nab_series_outside_nabs_layout_says_what_to_do(tmp_path: Path) -> None:
    df = _metrics(100).rename(columns={"ts": "timestamp", "cpu": "value"}).drop(columns=["mem"])
    df.to_csv(tmp_path / "cpu.csv", index=False)
    one_line_error(["train", str(tmp_path / "cpu.csv"), "--dataset", "nab", "--model", "lstm-ae",
                    "-o", str(tmp_path / "M")],
                   "labels/combined_windows.json not found in the folders above the file; keep NAB's "
                   "layout", tmp_path / "M")


def test_freq_agg_chooses_how_a_grid_step_combines_its_rows(tmp_path: Path) -> None:
    n = 600  # every 10 s, a request spike every 5 min: a 1min mean dilutes it sixfold
    t = pd.date_range("2024-05-01", periods=n, freq="10s")
    req = np.where(np.arange(n) % 30 == 0, 20.0, 1.0)
    pd.DataFrame({"ts": t, "req": req}).to_csv(tmp_path / "m.csv", index=False)
    base = ["train", str(tmp_path / "m.csv"), "--model", "lstm-ae", "--timestamp-col", "ts",
            "--freq", "1min", "--window", str(WINDOW), "--hidden", "8", "--epochs", "1"]
    seen = {}
    for agg in ("max", None):
        out = tmp_path / f"M{agg}"
        r = runner.invoke(app, [*base, *(["--freq-agg", agg] if agg else []), "-o", str(out)])
        assert r.exit_code == 0, r.output
        pre = json.loads((out / "config.json").read_text())["features"]
        seen[agg] = (pre["params"]["agg"], pre["offset"][0])
    assert seen["max"] == ("max", pytest.approx(20.0 * 0.2 + 1.0 * 0.8))  # 1 min in 5 holds a spike
    assert seen[None] == ("mean", pytest.approx((20.0 + 5.0) / 6 * 0.2 + 1.0 * 0.8))
    one_line_error([*base, "--freq-agg", "maximum", "-o", str(tmp_path / "X")],
                   "--freq-agg: unknown 'maximum'; choose from mean, max", tmp_path / "X")
    one_line_error(["train", str(tmp_path / "m.csv"), "--freq-agg", "max", "-o", str(tmp_path / "X")],
                   "--freq/--fill/--fill-limit/--freq-agg are for time-series models", tmp_path / "X")


def test_epoch_out_of_range_is_named_plainly(tmp_path: Path) -> None:
    # epoch milliseconds are read as such (tests/test_times_audit.py); a number past pandas'
    # range in every unit is named
    df = _metrics(60)
    df["ts"] = (pd.to_datetime(df["ts"]) - pd.Timestamp("1970-01-01")) // pd.Timedelta("1ms")
    df.loc[0, "ts"] = -10**16
    df.to_csv(tmp_path / "ms.csv", index=False)
    one_line_error(["train", str(tmp_path / "ms.csv"), "--model", "lstm-ae", "--timestamp-col", "ts",
                    "-o", str(tmp_path / "M")],
                   "column 'ts': line 2 is not a timestamp (-10000000000000000; numbers are read as "
                   "epoch seconds, milliseconds, microseconds or nanoseconds by their size, up to "
                   "the year 2262)", tmp_path / "M")


def test_aggregating_a_text_column_points_to_distinct(tmp_path: Path) -> None:
    n = 200
    flows = pd.DataFrame({"ts": 1_704_067_200 + np.arange(n) * 7.0,
                          "src_ip": [f"10.0.0.{i % 4}" for i in range(n)],
                          "proto": ["tcp", "udp"] * (n // 2), "bytes": np.arange(n, dtype=float)})
    flows.to_csv(tmp_path / "f.csv", index=False)
    one_line_error(["train", str(tmp_path / "f.csv"), "--entity-col", "src_ip", "--timestamp-col", "ts",
                    "--aggregate", "proto", "-o", str(tmp_path / "M")],
                   "column 'proto': line 2 is not a number ('tcp'): a column of text cannot be summed "
                   "(--aggregate); count its values (--distinct) instead", tmp_path / "M")
    flows["bytes"] = flows["bytes"].astype(object)
    flows.loc[5, "bytes"] = "lots"  # a stray word in a column of numbers: no such hint
    flows.to_csv(tmp_path / "g.csv", index=False)
    one_line_error(["train", str(tmp_path / "g.csv"), "--entity-col", "src_ip", "--timestamp-col", "ts",
                    "--aggregate", "bytes", "--quiet", "-o", str(tmp_path / "M")],
                   "column 'bytes': line 7 is not a number ('lots')", tmp_path / "M")


def test_evaluate_names_an_ignored_column_but_not_its_label_column(model: Path, tmp_path: Path) -> None:
    df = _metrics(60).assign(label=0, disk=1.0)
    df.loc[30:33, "label"] = 1
    df.to_csv(tmp_path / "lab.csv", index=False)
    r = runner.invoke(app, ["evaluate", str(model), str(tmp_path / "lab.csv"), "--label-col", "label"])
    assert r.exit_code == 0, r.output
    assert "ignoring 1 column(s) the model was not trained on: disk" in r.stderr, r.stderr
    df["label"] = df["label"].astype(object)
    df.loc[3, "label"] = "oops"  # the label error is the one line, the warning not before it
    df.to_csv(tmp_path / "bad.csv", index=False)
    one_line_error(["evaluate", str(model), str(tmp_path / "bad.csv"), "--label-col", "label"],
                   "label column 'label': line 5 holds 'oops'")


def test_stream_checks_its_input_and_output_paths_first(model: Path, tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps(r) + "\n" for r in _metrics(20).to_dict("records")))
    for args, want in (
            (["--input", str(tmp_path / "nosuch.jsonl")], "--input " + str(tmp_path / "nosuch.jsonl")
             + ": no such file"),
            (["--input", str(tmp_path)], "is a directory, expected a file of JSON lines"),
            (["--input", str(rows), "-o", str(tmp_path / "no" / "a.jsonl")], "output folder"),
            # appending alerts to the file it reads: the stream would read its own alerts
            (["--input", str(rows), "-o", str(rows)], "is the input file")):
        one_line_error(["stream", str(model), *args], want)
    assert not (tmp_path / "no").exists() and len(rows.read_text().splitlines()) == 20
