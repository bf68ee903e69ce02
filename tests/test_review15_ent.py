"""Entity-bucket features, commands and scoring: regression tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline, load
from hourglass.detectors import AutoEncoder
from hourglass.features.entity import EntityWindows
from tests.test_review12_ent import _flows


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ew = EntityWindows("host", "ts", bucket="10min", numeric=("bytes",), categorical=("dst_port",))
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0),
                    features=ew).fit(_flows(300))
    out = tmp_path_factory.mktemp("ent15") / "M"
    pipe.save(out)
    return out


def test_explain_names_the_files_data_row_after_skipped_rows(model: Path, tmp_path: Path) -> None:
    # with --on-bad-rows skip, a row without a readable time left out before the bad row: explain
    # named the bad row by its position among the rows kept (row 49, one short, as if it were the
    # file's), where score says its data row is not known (a skipped row comes before it)
    from hourglass.cli import app
    from tests._cli import runner

    df = _flows(60)
    ts = pd.to_datetime(df["ts"], unit="s").dt.strftime("%Y-%m-%d %H:%M:%S").astype(object)
    ts.iloc[4] = "garbage"
    ts.iloc[49] += "+00:00"  # data row 50: an offset where the others have none
    df.assign(ts=ts).to_csv(tmp_path / "d.csv", index=False)
    said = []
    for command in ("score", "explain"):
        res = runner.invoke(app, [command, str(model), str(tmp_path / "d.csv"), "-o",
                                  str(tmp_path / "o.jsonl"), "--on-bad-rows", "skip"])
        assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
        last = res.stderr.strip().splitlines()[-1]
        assert "has a UTC offset" in last and "row 49" not in last, last
        assert not (tmp_path / "o.jsonl").exists()
        said.append(last)
    assert said[0] == said[1]


@pytest.mark.parametrize("command", ["train", "inspect"])
@pytest.mark.parametrize("key", ["host", "ts"])
def test_dropping_the_entity_or_timestamp_column_is_refused(tmp_path: Path, command: str, key: str) -> None:
    # '--entity-col host --drop host' trained a model grouped per host without a word (the drop
    # was ignored), where '--role host=drop' is refused
    from tests._cli import one_line_error

    _flows(60).to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "M"
    args = [command, str(tmp_path / "d.csv"), "--entity-col", "host", "--timestamp-col", "ts",
            "--drop", key, *(["-o", str(out), "--epochs", "1", "-q"] if command == "train" else [])]
    what = "entity" if key == "host" else "timestamp"
    one_line_error(args, f"--drop {key}: is the {what} column", out)


def test_stream_reads_one_numeric_date_as_one_day(model: Path) -> None:
    # a model trained on epoch times keeps no date order; the stream read each batch's numeric
    # dates in the order that batch told: '01/02/2026' was 2 January in the first batches and
    # 1 February in a batch that also held '13/02/2026', the same text two days apart
    from hourglass.cli.stream_entity import EntityStream

    pipe = load(model)
    rows = [{"host": h, "ts": f"{d:02d}/02/2026 {hour:02d}:05:00", "bytes": 10.0, "dst_port": 22}
            for d in (1, 13) for hour in (0, 1) for h in "ab"]
    stream = EntityStream(pipe)
    first, bad = stream.feed(rows[:4], [1, 2, 3, 4])
    assert not bad
    both, bad = stream.feed(rows[:8], list(range(5, 13)), stop_at_bad=False)
    days = {str(s)[:10] for s in pd.concat([x for x in (first, both, stream.close_all())
                                           if x is not None])["bucket_start"]}
    assert days == {"2026-01-02"}  # the order the first dates told, month first (warned), kept
    assert [line for line, _ in bad] == [9, 10, 11, 12]
    assert "'13/02/2026 00:05:00' puts the day first" in bad[0][1]
    assert "the order of the stream's first such dates" in bad[0][1]


@pytest.mark.parametrize("tz", [None, "UTC"])
def test_sub_microsecond_buckets_have_distinct_times(tz: str | None) -> None:
    # a '500ns' bucket was written with microseconds: two buckets shared the start
    # '...20.000000', and a bucket ended where it started
    from hourglass.serve.entity_scoring import bucket_rows

    rng = np.random.default_rng(0)
    at = np.sort(rng.integers(0, 10_000, 80)) + np.where(np.arange(80) < 40, -(10**9), 10**18)
    df = pd.DataFrame({"host": rng.choice(["a", "b"], 80), "ts": pd.to_datetime(at).tz_localize(tz),
                       "bytes": rng.integers(1, 100, 80).astype(float)})
    pipe = Pipeline(AutoEncoder(hidden=(2, 1), epochs=1, verbose=0, random_state=0),
                    features=EntityWindows("host", "ts", bucket="500ns")).fit(df)
    keys, X = pipe.features_.transform_with_keys(df)
    out = bucket_rows(pipe, keys, X)
    assert not out.duplicated(["entity", "bucket_start"]).any()
    assert (out["bucket_start"] != out["bucket_end"]).all()
    back = pd.to_datetime(out["bucket_start"], format="ISO8601")
    assert (pd.DatetimeIndex(back).as_unit("ns").asi8
            == pd.DatetimeIndex(keys["bucket_start"]).as_unit("ns").asi8).all()
    assert out["bucket_start"].str.endswith("+00:00").all() == (tz is not None)
