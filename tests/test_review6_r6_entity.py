"""Review round 6 of the entity-bucket models: stream, score and evaluate of small tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.pipeline import load
from tests._cli import runner

FAST = ["--epochs", "3", "--hidden", "8,4", "--seed", "0", "-q"]
T0 = 1704067200  # 2024-01-01T00:00:00Z


def _rows(hours: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = hours * 300
    return pd.DataFrame({"ts": T0 + np.sort(rng.integers(0, hours * 3600, n)),
                         "host": rng.choice(["h1", "h2", "h3"], n),
                         "bytes": rng.integers(10, 1000, n), "dst_port": rng.choice([80, 443, 22], n)})


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("r6_entity")
    _rows(4, 1).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--entity-col", "host", "--timestamp-col",
                              "ts", "--bucket", "5min", "-o", str(d / "model"), *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "model"}


def test_stream_bucket_of_epoch_and_text_times_is_scored(kit: dict[str, Path]) -> None:
    """Rows of one bucket whose times came as an epoch number and as date text in different
    batches: each was read and placed, so the bucket is scored (it stopped the stream with
    'row 2 is not a timestamp', a row number of no input line)."""
    from hourglass.cli.stream_entity import EntityStream

    stream = EntityStream(load(kit["model"]))
    rows = [{"ts": T0, "host": "h1", "bytes": 5, "dst_port": 80},
            {"ts": "2024-01-01T00:00:30", "host": "h1", "bytes": 6, "dst_port": 80},
            {"ts": T0 + 700, "host": "h1", "bytes": 7, "dst_port": 80}]
    outs = [stream.feed([r], [i + 1])[0] for i, r in enumerate(rows)] + [stream.close_all()]
    got = pd.concat([o for o in outs if o is not None], ignore_index=True)
    assert got[["bucket_start", "rows"]].values.tolist() == [["2024-01-01T00:00:00", 2],
                                                            ["2024-01-01T00:10:00", 1]]


@pytest.mark.parametrize("args", [["--label-col", "host", "--normal", "h1"],
                                  ["--label-col", "ts", "--normal", "0"],
                                  ["--distinct", "label", "--label-col", "label", "--normal", "ok"]])
def test_a_label_column_that_is_also_a_key_or_feature_is_named(tmp_path: Path, args: list[str]) -> None:
    """The label column given again as the entity, time or an aggregated column: one line naming
    both options (it said the column, present in the file, was missing from the data)."""
    df = _rows(1, 2).assign(label="ok")
    df.to_csv(tmp_path / "t.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "t.csv"), "--entity-col", "host",
                              "--timestamp-col", "ts", *args, "-o", str(tmp_path / "m"), *FAST])
    assert res.exit_code == 2 and "no column" not in res.output, res.output
    assert f"--label-col {args[args.index('--label-col') + 1]}: is also" in res.output
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("option", ["--aggregate", "--distinct"])
def test_a_dropped_column_also_aggregated_is_named(tmp_path: Path, option: str) -> None:
    """``--aggregate bytes --drop bytes``: one line naming both (it said the file had no 'bytes')."""
    _rows(1, 2).to_csv(tmp_path / "t.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "t.csv"), "--entity-col", "host", "--timestamp-col",
                              "ts", option, "bytes", "--drop", "bytes", "-o", str(tmp_path / "m"), *FAST])
    assert res.exit_code == 2 and f"--drop bytes: is also {option} bytes" in res.output, res.output
    assert not (tmp_path / "m").exists()


def test_stream_holds_only_the_fields_the_model_reads(kit: dict[str, Path]) -> None:
    """An open bucket's rows keep the model's columns, not an event's message (20,000 rows with a
    2 KB field held 48.7 MB, now 5.9 MB); the buckets score as before."""
    from hourglass.cli.stream_entity import EntityStream

    pipe = load(kit["model"])
    rows = [{"ts": T0 + i, "host": "h1", "bytes": 5, "dst_port": 80, "message": "x" * 2000}
            for i in range(50)]
    stream = EntityStream(pipe)
    out, bad = stream.feed(rows, list(range(1, 51)))
    assert out is None and not bad
    held = [r for bucket in stream.open.values() for r in bucket]
    assert len(held) == 50 and all(set(r) <= set(pipe.features_.columns_) for r in held)
    got = stream.close_all()
    want = pipe.features_.transform_with_keys(pd.DataFrame(rows))[0]
    assert got is not None and got["rows"].tolist() == want["rows"].tolist() == [50]


@pytest.mark.parametrize("missing", ["-", "", "(empty)"])
def test_aggregate_of_a_column_mostly_missing_is_summed(missing: str) -> None:
    """``--aggregate duration`` where most rows hold '-' (a Zeek export: no duration): the
    placeholders are missing values, as the docs say, and the numbers are summed; it was
    refused as a column of text, naming row 1's '-'."""
    from hourglass.features.entity import EntityWindows

    df = pd.DataFrame({"h": ["a", "a", "a", "b", "b", "b"], "ts": range(6),
                       "duration": [missing, missing, "0.5", missing, missing, "1.5"]})
    ew = EntityWindows("h", "ts", numeric=["duration"], log1p="none").fit(df)
    assert ew.aggregate(df)["duration:sum"].tolist() == [0.5, 1.5]
    df.loc[1, "duration"], df.loc[4, "duration"] = "x", "y"  # text still refused, the row named
    with pytest.raises(Exception, match=r"'duration': row 2 is not a number \('x'\)"):
        EntityWindows("h", "ts", numeric=["duration"]).fit(df)


def test_day_first_dates_told_only_by_attack_rows_are_kept(tmp_path: Path) -> None:
    """Day-first dates whose only day above 12 is in the attack rows training leaves out: the
    model keeps the whole file's order; it was fitted month first on the rest and then refused
    its own file ('13/02/2024 ... puts the day first')."""
    rng = np.random.default_rng(1)
    day = np.where(np.arange(600) < 500, 5, 13)
    mins = np.sort(rng.integers(0, 600, 600))
    df = pd.DataFrame({"ts": [f"{d:02d}/02/2024 {m // 60:02d}:{m % 60:02d}" for d, m in zip(day, mins,
                                                                                          strict=True)],
                       "host": rng.choice(["a", "b", "c"], 600), "bytes": rng.integers(1, 99, 600),
                       "label": np.where(day == 13, "attack", "normal")})
    df.to_csv(tmp_path / "t.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "t.csv"), "--entity-col", "host", "--timestamp-col",
                              "ts", "--bucket", "10min", "--label-col", "label", "--normal", "normal",
                              "-o", str(tmp_path / "m"), *FAST])
    assert res.exit_code == 0, res.output
    pipe = load(tmp_path / "m")
    assert pipe.features_.dayfirst_ is True
    keys = pipe.features_.transform_with_keys(df.drop(columns="label"))[0]
    assert str(keys["bucket_start"].min()) == "2024-02-05 00:00:00"
    res = runner.invoke(app, ["evaluate", str(tmp_path / "m"), str(tmp_path / "t.csv"), "-q"])
    assert res.exit_code == 0, res.output
