"""Entity-bucket features, commands and scoring: regression tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline, load
from hourglass.detectors import AutoEncoder
from hourglass.features.entity import EntityWindows


def _flows(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"host": rng.choice(["a", "b", "c"], n),
                         "ts": np.sort(rng.integers(1_700_000_000, 1_700_000_000 + 6 * 3600, n)),
                         "bytes": rng.integers(1, 1000, n).astype(float),
                         "dst_port": rng.choice([22, 80, 443], n)})


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    ew = EntityWindows("host", "ts", bucket="10min", numeric=("bytes",), categorical=("dst_port",))
    return Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0),
                    features=ew).fit(_flows())


def test_explained_huge_value_is_not_written_as_hundreds_of_float_digits(pipe: Pipeline) -> None:
    # 'max bytes=1000000000000000019884624838656' for 10**30 (and 309 digits for 1e308): the
    # float's digits printed as if they were the value's
    from hourglass.explain import explain_buckets

    df = pd.DataFrame({"host": ["a", "a"], "ts": [1_700_000_000, 1_700_000_001],
                       "bytes": [1e30, 1e308], "dst_port": [22, 22]})
    why = explain_buckets(pipe, df, top=5)["why"].iloc[0]
    assert "max bytes=1e+308 " in why and "mean bytes=5e+307 " in why
    assert not any(len(tok) > 20 for tok in why.replace("=", " ").split())
    small = df.assign(bytes=[1234.0, 20.0])
    assert "max bytes=1234 " in explain_buckets(pipe, small, top=5)["why"].iloc[0]


@pytest.fixture(scope="module")
def parent(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from hourglass.cli import app
    from tests._cli import runner

    d = tmp_path_factory.mktemp("ent12")
    old = _flows(600, 1)
    old.to_csv(d / "old.csv", index=False)
    new = _flows(300, 2)
    new["ts"] += 86_400
    new.to_csv(d / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "old.csv"), "--entity-col", "host", "--timestamp-col",
                              "ts", "--bucket", "10min", "-o", str(d / "M"), "--epochs", "1",
                              "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    return {"dir": d, "old": d / "old.csv", "new": d / "new.csv", "model": d / "M"}


def test_warm_start_summary_does_not_count_replayed_buckets_as_new_ones(parent: dict[str, Path]) -> None:
    # 'on 100 (entity, bucket) rows (+11 held out) of new.csv + 56 replayed buckets of old.csv':
    # the 111 counted the 56 replayed buckets already, said again as on top of NEW's
    import json

    from hourglass.cli import app
    from tests._cli import runner

    out = parent["dir"] / "W"
    res = runner.invoke(app, ["train", str(parent["new"]), "--warm-start", str(parent["model"]),
                              "-o", str(out), "--replay-data", str(parent["old"]), "--replay", "0.5"])
    assert res.exit_code == 0, res.output
    info = json.loads((out / "config.json").read_text())["info"]
    new, replayed = info["entity"]["buckets"], info["warm_start"]["replay"]["buckets"]
    assert replayed > 0 and info["n_train_rows"] == new + replayed
    held = info["held_out"]["rows"]
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("continued"))
    assert (f"on {new + replayed - held} (entity, bucket) rows (+{held} held out): {new} of "
            f"{parent['new']} + {replayed} replayed from {parent['old']} ") in line, line


def test_row_keys_before_a_fit_read_dates_in_the_order_given() -> None:
    # row_times ignored dayfirst until a fit: '05/02/2026' read as 2 May where fit reads 5 Feb
    df = pd.DataFrame({"host": ["a", "b"], "when12a": ["05/02/2026 10:00", "06/02/2026 10:00"]})
    ew = EntityWindows("host", "when12a", bucket="1h", dayfirst=True)
    assert ew.row_times(df)[1].month.tolist() == [2, 2]
    assert ew.row_keys(df)[1].day.tolist() == [5, 6]
    assert EntityWindows("host", "when12a", dayfirst=False).row_times(df)[1].month.tolist() == [5, 6]


def test_train_reads_the_normal_rows_dates_in_the_whole_files_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the attack row holds the only day above 12: train fitted day first, but read the normal
    # rows month first for its bucket counts and warnings ('no day above 12 tells ... read month
    # first'), and the buckets to leave out were cut in the order of the labelled rows alone
    import hourglass._times as times_mod
    import hourglass.cli.entity as ce
    from hourglass.cli import app
    from tests._cli import runner

    monkeypatch.setattr(times_mod, "_WARNED", set())  # as in a fresh process: the warning is once a column
    seen: dict[str, object] = {}
    told = ce.warn_bucket_length

    def spy(times: pd.DatetimeIndex, rows_per_bucket: np.ndarray, *args: object, **kw: object) -> None:
        seen.update(times=times, sizes=rows_per_bucket)  # the times train counts its buckets on
        told(times, rows_per_bucket, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(ce, "warn_bucket_length", spy)

    rng = np.random.default_rng(3)
    t = pd.Timestamp("2026-02-05") + pd.to_timedelta(np.sort(rng.integers(0, 86_000, 400)), unit="s")
    df = pd.DataFrame({"host": rng.choice(["a", "b"], 400), "seen12b": t.strftime("%d/%m/%Y %H:%M:%S"),
                       "bytes": rng.integers(1, 100, 400), "label": "normal"})
    df.loc[len(df)] = ["a", "13/02/2026 10:00:00", 5, "attack"]
    df.to_csv(tmp_path / "d.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "d.csv"), "--entity-col", "host", "--timestamp-col",
                              "seen12b", "--bucket", "10min", "--label-col", "label", "--normal",
                              "normal", "-o", str(tmp_path / "M"), "--epochs", "1", "--hidden", "4,2"])
    assert res.exit_code == 0, res.output
    assert "no day above 12" not in res.stderr, res.stderr
    times = seen["times"]
    assert isinstance(times, pd.DatetimeIndex)
    assert set(times.month) == {2} and set(times.day) == {5}  # 5 February, not 2 May
    assert len(times) == 400 and int(np.sum(seen["sizes"])) == 400  # type: ignore[call-overload]
    assert load(tmp_path / "M").features_.dayfirst_ is True


def test_a_column_named_twice_is_aggregated_and_listed_once(tmp_path: Path) -> None:
    # --aggregate bytes --aggregate bytes: 'bytes' twice in the model's columns (GET /health listed
    # it twice) and its sums, means and maxima computed twice
    from hourglass.serve.entity_scoring import EntityScorer

    df = _flows(300)
    ew = EntityWindows("host", "ts", bucket="10min", numeric=("bytes", "bytes"),
                       categorical=("dst_port", "dst_port"))
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0), features=ew).fit(df)
    f = pipe.features_
    assert f.numeric_ == ["bytes"] and f.categorical_ == ["dst_port"]
    assert f.columns_ == ["host", "ts", "bytes", "dst_port"]
    pipe.save(tmp_path / "M")
    names = [c["name"] for c in EntityScorer(tmp_path / "M").describe()["columns"]]
    assert names == ["host", "ts", "bytes", "dst_port"]


def test_score_in_chunks_reads_numeric_dates_in_the_whole_files_order(
        pipe: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a model trained on epoch times keeps no date order; read in chunks, a first chunk of
    # '01/02/2026' dates (none above 12) was read month first (2 January) and a later chunk
    # holding '13/02/2026' day first: the same day written as two dates
    import hourglass.cli.entity as ce

    rows = [{"host": h, "ts": f"{d:02d}/02/2026 {hour:02d}:05:00", "bytes": 10.0 + hour, "dst_port": 22}
            for d in (1, 13) for hour in range(24) for h in "abc"]
    pd.DataFrame(rows).to_csv(tmp_path / "d.csv", index=False)
    pipe.save(tmp_path / "M")
    model = load(tmp_path / "M")

    def scored(name: str) -> pd.DataFrame:
        ce.score_entity(model, tmp_path / "d.csv", tmp_path / name, fmt="auto", on_bad_rows="error",
                        anomalies_only=False, table="alerts")
        return pd.read_json(tmp_path / name, lines=True, dtype={"bucket_start": str, "bucket_end": str})

    whole = scored("whole.jsonl")
    monkeypatch.setattr(ce, "SCORE_CHUNK_BYTES", 1500)
    chunked = scored("chunked.jsonl")
    assert sorted(set(whole["bucket_start"].str[:10])) == ["2026-02-01", "2026-02-13"]
    pd.testing.assert_frame_equal(chunked, whole)


def test_evaluate_label_col_naming_a_key_column_says_what_it_is(pipe: Pipeline, tmp_path: Path) -> None:
    # '--label-col host: is a column the model aggregates, not a label (it was trained without
    # --label-col) ... or retrain with --label-col' for a model trained with --label-col label
    from tests._cli import one_line_error

    pipe.save(tmp_path / "M")
    labelled = load(tmp_path / "M")
    labelled.info["label_col"], labelled.info["normal"] = "label", ["normal"]
    labelled.save(tmp_path / "L")
    data = tmp_path / "d.csv"
    _flows(50).assign(label="normal").to_csv(data, index=False)
    one_line_error(["evaluate", str(tmp_path / "L"), str(data), "--label-col", "host"],
                   "--label-col host: is the model's entity column, not a label (the model was "
                   "trained with --label-col label); give the column")
    one_line_error(["evaluate", str(tmp_path / "L"), str(data), "--label-col", "bytes"],
                   "is a column the model aggregates, not a label (the model was trained with")
    one_line_error(["evaluate", str(tmp_path / "M"), str(data), "--label-col", "ts"],
                   "is the model's timestamp column, not a label (it was trained without --label-col)")
