"""How event times travel through hourglass, as a SOC user hits them: times with and without a
UTC offset between train and score, offsets that change across a daylight-saving change, epoch
seconds / milliseconds / microseconds, rows out of order, duplicates, far past and future, and
unreadable times; and what an ECS alert writes as ``@timestamp`` for each (the policy is in
:mod:`hourglass._times`)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass._times import epoch_seconds, parse_timestamps, unreadable_times
from hourglass.cli import app
from hourglass.serve.ecs import _timestamp
from tests._cli import one_line_error, runner

ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"
START = pd.Timestamp("2026-03-28T00:00:00Z")  # Berlin moves from +01:00 to +02:00 on 29 March


def _instants(n: int = 400, seed: int = 0) -> pd.DatetimeIndex:
    rng = np.random.default_rng(seed)
    return START + pd.to_timedelta(np.sort(rng.integers(0, 2 * 86_400, n)), unit="s")


def _flows(ts: object, n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"host": rng.choice(["a", "b", "c"], n), "bytes": rng.integers(100, 1000, n),
                         "ts": ts})


def _forms(t: pd.DatetimeIndex) -> dict[str, object]:
    """The same instants written the ways telemetry writes them."""
    berlin = t.tz_convert("Europe/Berlin").strftime("%Y-%m-%dT%H:%M:%S%z")
    since = t - pd.Timestamp(0, tz="UTC")
    return {"z": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "berlin": berlin.str.replace(r"(\d\d)(\d\d)$", r"\1:\2", regex=True),
            "naive": t.tz_localize(None).strftime("%Y-%m-%d %H:%M:%S"),
            "s": since // pd.Timedelta("1s"), "ms": since // pd.Timedelta("1ms"),
            "us": since // pd.Timedelta("1us")}


@pytest.fixture(scope="module")
def entity(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An entity-bucket model trained on times with a ``Z``, and the same rows in every form."""
    d = tmp_path_factory.mktemp("times")
    files = {}
    for name, ts in _forms(_instants()).items():
        files[name] = d / f"{name}.csv"
        _flows(ts).to_csv(files[name], index=False)
    res = runner.invoke(app, ["train", str(files["z"]), "--entity-col", "host", "--timestamp-col", "ts",
                              "--bucket", "1h", "--epochs", "2", "--hidden", "8,4", "-q",
                              "-o", str(d / "M")])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M", **files}


def _score(model: Path, data: Path, out: Path, *extra: str) -> pd.DataFrame:
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out), *extra])
    assert res.exit_code == 0, res.output
    return pd.read_csv(out) if out.suffix == ".csv" else pd.DataFrame(
        [json.loads(line) for line in out.read_text().splitlines()])


def test_epoch_units_are_read_by_size() -> None:
    s = 1_774_656_051
    assert epoch_seconds(np.array([s, s * 1e3, s * 1e6, s * 1e9]), "t").tolist() == [s] * 4
    got = parse_timestamps(pd.Series([s, s * 1000 + 500, s * 1_000_000]), "t")
    assert list(got) == [pd.Timestamp(s, unit="s"), pd.Timestamp(s * 1000 + 500, unit="ms"),
                         pd.Timestamp(s, unit="s")]
    assert parse_timestamps(pd.Series([0, 4_102_444_800]), "t")[1] == pd.Timestamp("2100-01-01")


def test_mixed_epoch_units_warn_once_naming_rows(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="hourglass._times"):
        parse_timestamps(pd.Series([1_774_656_051_000, 1_774_656_052]), "mixed_units_col")
        parse_timestamps(pd.Series([1_774_656_051_000, 1_774_656_052]), "mixed_units_col")
    said = [r.getMessage() for r in caplog.records if "mixes epoch units" in r.getMessage()]
    assert said == ["column 'mixed_units_col' mixes epoch units (row 1 in milliseconds, row 2 in "
                    "seconds); each value is read in the unit its size gives"]


@pytest.mark.parametrize("form", ["berlin", "naive", "s", "ms", "us"])
def test_every_form_scores_the_same_buckets(entity: dict[str, Path], form: str) -> None:
    # trained on '...Z' times: offsets, no offset (read as UTC) and epoch units all land on the
    # same (entity, bucket) rows with the same scores
    want = _score(entity["model"], entity["z"], entity["dir"] / "want.csv")
    got = _score(entity["model"], entity[form], entity["dir"] / f"got_{form}.csv")
    for c in ("bucket_start", "bucket_end"):  # 'Z' only where the input times carried an offset
        assert list(pd.to_datetime(got[c], utc=True)) == list(pd.to_datetime(want[c], utc=True))
    np.testing.assert_allclose(got["score"], want["score"], rtol=1e-6)
    assert list(got["rows"]) == list(want["rows"])


def test_rows_out_of_order_and_duplicated_score_as_sorted(entity: dict[str, Path]) -> None:
    want = _score(entity["model"], entity["z"], entity["dir"] / "want.csv")
    df = pd.read_csv(entity["z"])
    df.sample(frac=1, random_state=1).to_csv(entity["dir"] / "shuffled.csv", index=False)
    got = _score(entity["model"], entity["dir"] / "shuffled.csv", entity["dir"] / "shuffled_out.csv")
    pd.testing.assert_frame_equal(got, want)
    pd.concat([df, df.iloc[:40]]).to_csv(entity["dir"] / "dups.csv", index=False)
    dup = _score(entity["model"], entity["dir"] / "dups.csv", entity["dir"] / "dups_out.csv")
    assert list(dup["bucket_start"]) == list(want["bucket_start"])
    assert dup["rows"].sum() == want["rows"].sum() + 40


def test_ecs_timestamp_is_iso_utc_for_every_form(entity: dict[str, Path]) -> None:
    stamps = {}
    for form in ("z", "berlin", "naive", "s", "ms", "us"):
        docs = _score(entity["model"], entity[form], entity["dir"] / f"ecs_{form}.jsonl",
                      "--alert-format", "ecs")
        assert docs["@timestamp"].str.fullmatch(ISO_UTC).all(), docs["@timestamp"]
        stamps[form] = list(docs["@timestamp"])
    assert all(v == stamps["z"] for v in stamps.values())


@pytest.mark.parametrize(("value", "want"), [
    (0, "1970-01-01T00:00:00.000Z"), (4_102_444_800, "2100-01-01T00:00:00.000Z"),
    (1_774_745_999_500, "2026-03-29T00:59:59.500Z"), (1_774_746_000_000_000, "2026-03-29T01:00:00.000Z"),
    ("2026-03-29T01:59:59+01:00", "2026-03-29T00:59:59.000Z"),  # the last second of CET
    ("2026-03-29T03:00:00+02:00", "2026-03-29T01:00:00.000Z"),  # the first of CEST
    ("1970-01-01 00:00:00", "1970-01-01T00:00:00.000Z"), ("2100-01-01T00:00:00Z", "2100-01-01T00:00:00.000Z"),
    (pd.Timestamp("2026-03-29 01:00"), "2026-03-29T01:00:00.000Z"),
])
def test_ecs_timestamp_of_far_and_odd_times(value: object, want: str) -> None:
    assert _timestamp(value, "ts") == want


def test_unreadable_times_in_a_few_rows(entity: dict[str, Path]) -> None:
    df = pd.read_csv(entity["z"])
    df.loc[[5, 100, 300], "ts"] = ["garbage", "2026-13-45T00:00:00Z", ""]
    df.to_csv(entity["dir"] / "few.csv", index=False)
    out = entity["dir"] / "few_out.csv"
    # by default the first one is named, in one line, exit 2, no output
    one_line_error(["score", str(entity["model"]), str(entity["dir"] / "few.csv"), "-o", str(out)],
                   "column 'ts': line ", out)
    res = runner.invoke(app, ["score", str(entity["model"]), str(entity["dir"] / "few.csv"), "-o", str(out),
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "skipped 3 row(s) without a readable time in column 'ts' (first: line 7, 'garbage')" \
        in res.stderr and "Traceback" not in res.stderr
    assert pd.read_csv(out)["rows"].sum() == len(df) - 3


@pytest.mark.parametrize("skip", [False, True])
def test_a_time_column_without_one_time_is_named(entity: dict[str, Path], skip: bool) -> None:
    df = pd.read_csv(entity["z"]).assign(ts="not a time")
    df.to_csv(entity["dir"] / "none.csv", index=False)
    out = entity["dir"] / "none_out.csv"
    args = ["score", str(entity["model"]), str(entity["dir"] / "none.csv"), "-o", str(out)]
    one_line_error(args + ["--on-bad-rows", "skip"] * skip, "column 'ts': ", out)
    res = runner.invoke(app, args + ["--on-bad-rows", "skip"] * skip)
    assert "is 'ts' the time column?" in res.stderr


def test_training_skips_unreadable_times_too(entity: dict[str, Path]) -> None:
    df = pd.read_csv(entity["naive"])
    df.loc[[3, 9], "ts"] = ["n/a?", "tomorrow"]
    df.to_csv(entity["dir"] / "train_bad.csv", index=False)
    model = entity["dir"] / "M_bad"
    res = runner.invoke(app, ["train", str(entity["dir"] / "train_bad.csv"), "--entity-col", "host",
                              "--timestamp-col", "ts", "--bucket", "1h", "--epochs", "1", "--hidden", "4,2",
                              "--on-bad-rows", "skip", "-o", str(model)])
    assert res.exit_code == 0, res.output
    assert json.loads((model / "config.json").read_text())["info"]["skipped_rows"] == 2


def test_event_table_windows_read_epoch_milliseconds(tmp_path: Path) -> None:
    # --key-col/--timestamp-col/--window sessions: milliseconds were taken for seconds, cutting
    # 10-minute windows 1000 times too short and dating them in the year 58206
    rng = np.random.default_rng(0)
    t = _instants(600) - pd.Timestamp(0, tz="UTC")
    keys = rng.choice(["E1", "E2", "E3"], len(t))
    pd.DataFrame({"ts": t // pd.Timedelta("1s"), "key": keys}).to_csv(tmp_path / "s.csv", index=False)
    pd.DataFrame({"ts": t // pd.Timedelta("1ms"), "key": keys}).to_csv(tmp_path / "ms.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "s.csv"), "--key-col", "key", "--timestamp-col", "ts",
                              "--window", "3600", "--model", "deeplog", "--epochs", "1", "-q",
                              "-o", str(tmp_path / "M")])
    assert res.exit_code == 0, res.output
    want = _score(tmp_path / "M", tmp_path / "s.csv", tmp_path / "s_out.csv")
    got = _score(tmp_path / "M", tmp_path / "ms.csv", tmp_path / "ms_out.csv")
    pd.testing.assert_frame_equal(got, want)
    assert want["session"].str.startswith("2026-03-2").all() and len(want) == 48


def test_table_training_skips_rows_without_a_time(tmp_path: Path) -> None:
    # a table model's --timestamp-col gives the event rate: a few bad times no longer stop it
    df = _flows(_forms(_instants())["z"]).drop(columns="host")
    df.loc[[2, 50], "ts"] = ["--", "2026-02-30T00:00:00Z"]
    df.to_csv(tmp_path / "t.csv", index=False)
    args = ["train", str(tmp_path / "t.csv"), "--timestamp-col", "ts", "--epochs", "1", "--hidden", "4,2",
            "-o", str(tmp_path / "M")]
    one_line_error(args, "column 'ts': line 4 is not a timestamp ('--')", tmp_path / "M")
    res = runner.invoke(app, [*args, "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    info = json.loads((tmp_path / "M" / "config.json").read_text())["info"]
    assert info["skipped_rows"] == 2 and info["events_per_day"] == pytest.approx(398 / 2, rel=0.02)


def test_table_ecs_alerts_of_rows_without_a_time(tmp_path: Path) -> None:
    # a table model's ECS alerts: a row whose time does not read stops the run (exit 2), or with
    # --on-bad-rows skip is still scored and alerted, stamped with the scoring time
    df = _flows(_forms(_instants())["naive"]).drop(columns="host")
    df.to_csv(tmp_path / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--timestamp-col", "ts", "--epochs", "1",
                              "--hidden", "4,2", "-q", "-o", str(tmp_path / "M")])
    assert res.exit_code == 0, res.output
    df.loc[:9, "bytes"] = 10**7  # flagged
    df.loc[[1, 2], "ts"] = ["garbage", "2026-02-30 00:00:00"]
    df.to_csv(tmp_path / "test.csv", index=False)
    out = tmp_path / "alerts.jsonl"
    args = ["score", str(tmp_path / "M"), str(tmp_path / "test.csv"), "--alert-format", "ecs", "-o", str(out)]
    one_line_error(args, "column 'ts': line 3 is not a timestamp ('garbage')", out)
    res = runner.invoke(app, [*args, "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "2 row(s) without a readable time (first: line 3, 'garbage')" in res.stderr
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    stamps = pd.Series([d["@timestamp"] for d in docs])
    assert stamps.str.fullmatch(ISO_UTC).all()
    assert [d["hourglass"]["timestamp_from"] for d in docs[:4]] == ["data", "scoring", "scoring", "data"]


def test_streaming_a_series_with_epoch_numbers_in_json(tmp_path: Path) -> None:
    # JSON numbers reached the parser as an object column and were refused at line 1: a series
    # model could not stream epoch times at all
    t = pd.date_range(START, periods=200, freq="5min")
    v = np.sin(np.arange(200) / 12) + np.random.default_rng(0).normal(0, 0.1, 200)
    pd.DataFrame({"ts": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "v": v}).to_csv(tmp_path / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--model", "lstm-ae",
                              "--timestamp-col", "ts", "--window", "12", "--epochs", "1",
                              "--threshold", "fixed:0", "-q", "-o", str(tmp_path / "M")])
    assert res.exit_code == 0, res.output
    since = t - pd.Timestamp(0, tz="UTC")
    outs = []
    for ts in (t.strftime("%Y-%m-%dT%H:%M:%SZ"), since // pd.Timedelta("1s"), since // pd.Timedelta("1ms")):
        lines = pd.DataFrame({"ts": ts, "v": v}).to_json(orient="records", lines=True)
        res = runner.invoke(app, ["stream", str(tmp_path / "M"), "--alert-format", "ecs"], input=lines)
        assert res.exit_code == 0, res.output
        docs = [json.loads(line) for line in res.stdout.splitlines()]
        outs.append([(d["@timestamp"], d["event"]["risk_score"]) for d in docs])
    assert outs[0] == outs[1] == outs[2]
    assert outs[0][0][0] == "2026-03-28T00:55:00.000Z" and len(outs[0]) == 200 - 11  # every step flagged


def test_a_far_future_row_does_not_close_an_entity_stream(entity: dict[str, Path]) -> None:
    # one row dated 2100 (a device clock gone wrong) moved the watermark there: every later row
    # was late and dropped (499 of 600); now it is a bad row, and the 1970 one is late as before
    df = pd.read_csv(entity["z"])
    df.loc[100, "ts"], df.loc[200, "ts"] = "2100-01-01T00:00:00Z", "1970-01-01T00:00:00Z"
    lines = df.to_json(orient="records", lines=True)
    res = runner.invoke(app, ["stream", str(entity["model"])], input=lines)
    assert res.exit_code == 2
    assert "line 101: field 'ts' ('2100-01-01T00:00:00Z') is more than 1 day ahead of this " \
        "machine's clock" in res.stderr
    res = runner.invoke(app, ["stream", str(entity["model"]), "--on-bad-rows", "skip", "--all"], input=lines)
    assert res.exit_code == 0, res.output
    assert "1 late row(s) dropped" in res.stderr and "skipped 1 malformed line(s) (lines 101)" in res.stderr
    got = pd.DataFrame([json.loads(line) for line in res.stdout.splitlines()])
    assert got["rows"].sum() == len(df) - 2


def test_a_far_future_step_does_not_stop_a_series_stream(tmp_path: Path) -> None:
    # a series stream refuses a step before the newest: after one dated 2100, every later step
    t = pd.date_range(START, periods=120, freq="5min")
    v = np.sin(np.arange(120) / 12)
    pd.DataFrame({"ts": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "v": v}).to_csv(tmp_path / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--model", "lstm-ae",
                              "--timestamp-col", "ts", "--window", "12", "--epochs", "1", "-q",
                              "-o", str(tmp_path / "M")])
    assert res.exit_code == 0, res.output
    ts = list(t.strftime("%Y-%m-%dT%H:%M:%SZ"))
    ts[50] = "2100-01-01T00:00:00Z"
    lines = pd.DataFrame({"ts": ts, "v": v}).to_json(orient="records", lines=True)
    res = runner.invoke(app, ["stream", str(tmp_path / "M"), "--on-bad-rows", "skip", "--all"], input=lines)
    assert res.exit_code == 0, res.output
    assert "skipped 1 malformed line(s) (lines 51)" in res.stderr
    assert len(res.stdout.splitlines()) == 119 - 2 * 11  # the window refills after the gap


def test_times_with_and_without_fractions_in_other_layouts() -> None:
    # pandas reads every row in the first row's layout: '... 00:00:52 UTC' after
    # '... 00:00:51.123 UTC' (an evtx_dump export) was 'not a timestamp'
    text = pd.Series(["2026-03-28 00:00:51.123 UTC", "2026-03-28 00:00:52 UTC", "Mar 28 2026 00:00:53 GMT"])
    got = parse_timestamps(text, "t")
    assert list(got) == [pd.Timestamp("2026-03-28 00:00:51.123Z"), pd.Timestamp("2026-03-28 00:00:52Z"),
                         pd.Timestamp("2026-03-28 00:00:53Z")]
    assert unreadable_times(pd.concat([text, pd.Series(["soon"])]), "t").tolist() == [False] * 3 + [True]
