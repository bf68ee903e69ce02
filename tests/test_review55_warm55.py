"""Review round 55 (warm start and retraining, every model kind): regression tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline, load
from hourglass.cli import app
from hourglass.detectors import AutoEncoder
from hourglass.errors import InputError
from hourglass.features import EntityWindows
from tests._cli import one_line_error, runner

AE = {"hidden": (8, 4), "epochs": 2, "verbose": 0, "device": "cpu"}


def _flows(n: int, seed: int, start: str = "2024-01-01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"ts": pd.date_range(start, periods=n, freq="20s"),
                         "host": rng.choice(["h1", "h2", "h3", "h4"], n),
                         "bytes": rng.exponential(100, n), "port": rng.choice([80, 443, 22], n)})


@pytest.fixture(scope="module")
def entity_parent() -> Pipeline:
    features = EntityWindows("host", "ts", bucket="5min")
    return Pipeline(AutoEncoder(**AE), features=features).fit(_flows(1500, 0))


def test_entity_replay_leaves_out_buckets_beyond_the_frozen_scale(entity_parent: Pipeline) -> None:
    # What was wrong: a warm start of an entity-bucket model left out the NEW buckets whose
    # aggregates the frozen scaling cannot read (a summed Infinity) but trained on (and held out)
    # such buckets of the replayed OLD rows: 'train --warm-start --replay-data OLD' with one
    # 'Infinity' in OLD moved the threshold from 0.22 to 0.55 with no word said.
    new = _flows(800, 1, "2024-01-02")
    old = _flows(800, 2, "2024-01-01")
    old["bytes"] = old["bytes"].astype(object)
    old.loc[5, "bytes"] = float("inf")
    child = entity_parent.warm_start(new, replay=old, epochs=1)
    det = child.detector_
    kept = child.info["warm_start"]["replay"]["buckets"]
    # one replayed bucket left out (and counted), none trained on or held out at the extreme
    assert kept == len(entity_parent.transform(old)) - 1
    assert child.info["n_train_rows"] == child.info["warm_start"]["rows"] + kept
    assert np.isfinite(det.val_scores_).all() and det.val_scores_.max() < 1e3
    assert child.info["warm_start"]["replay"]["beyond_scale"]["rows"] == 1
    assert "1 replayed (entity, bucket) row left out" in child.model_card()["warm start"]


def test_cli_entity_replay_counts_the_buckets_it_trained_on(entity_parent: Pipeline, tmp_path: Path) -> None:
    # What was wrong: 'train --warm-start --replay-data OLD' of an entity model counted the
    # replayed buckets it sampled in n_train_rows and its summary line, not the ones trained on
    # (an OLD bucket holding an Infinity is left out now: 'N replayed' said one too many).
    entity_parent.save(tmp_path / "M")
    _flows(800, 1, "2024-01-02").to_csv(tmp_path / "new.csv", index=False)
    old = _flows(800, 2, "2024-01-01")
    old["bytes"] = old["bytes"].astype(object)
    old.loc[5, "bytes"] = "Infinity"
    old.to_csv(tmp_path / "old.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(tmp_path / "M"),
                              "-o", str(tmp_path / "M2"), "--epochs", "1", "--replay-data",
                              str(tmp_path / "old.csv"), "--replay", "5"])
    assert res.exit_code == 0, res.output
    info = load(tmp_path / "M2").info
    ws = info["warm_start"]
    assert ws["replay"]["beyond_scale"]["rows"] == 1 and ws["replay"]["buckets"] == ws["replay"]["of"] - 1
    assert info["n_train_rows"] == ws["rows"] + ws["replay"]["buckets"]
    assert f"+ {ws['replay']['buckets']:,} replayed from" in " ".join(res.stderr.split())


def _series(n: int, seed: int, start: str = "2024-01-01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame({"ts": pd.date_range(start, periods=n, freq="1min"),
                         "a": np.sin(2 * np.pi * t / 25) + 0.05 * rng.normal(size=n),
                         "b": np.cos(2 * np.pi * t / 25) + 0.05 * rng.normal(size=n)})


@pytest.fixture(scope="module")
def series_parent() -> Pipeline:
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    return Pipeline(LSTMAutoEncoder(window=16, hidden=8, epochs=1, verbose=0, device="cpu"),
                    features=TimeSeriesPreprocessor(timestamp_col="ts")).fit(_series(300, 1))


@pytest.mark.parametrize("where", [290, 50])
def test_series_warm_start_refuses_a_value_beyond_the_frozen_scale(series_parent: Pipeline,
                                                                   where: int) -> None:
    # What was wrong: a time-series warm start read a value far past the frozen scaling (1e30:
    # a sensor glitch, a counter reset) as the scale's extreme (1e9) and trained on it as normal.
    # In the held-out tail it set the refitted per-channel error scales to ~1e18: the new model
    # scored every step ~1e-15 (its parent ~1) and flagged nothing, with no word said; a table's
    # warm start leaves such rows out, but a series cannot lose a step. It is refused now, in
    # one line naming the channel and the step, and with replay the replayed series too.
    new = _series(300, 2, "2024-01-02")
    new.loc[where, "a"] = 1e30
    new.loc[where + 3, "b"] = -1e30
    when = str(new.loc[where, "ts"])
    with pytest.raises(InputError, match=rf"channel\(s\) a, b .*frozen scale.* at {when}; ") as info:
        series_parent.warm_start(new, epochs=1)
    assert "\n" not in str(info.value)
    with pytest.raises(InputError, match=r"replayed series: channel\(s\) a, b "):
        series_parent.warm_start(_series(300, 3, "2024-01-03"), replay=new, epochs=1)
    # a value far from training, within the scale, trains as before
    new.loc[where, "a"], new.loc[where + 3, "b"] = 50.0, 0.0
    assert series_parent.warm_start(new, epochs=1).threshold_.value_ < 1e3


def test_cli_series_warm_start_names_the_file_holding_the_value(series_parent: Pipeline,
                                                                tmp_path: Path) -> None:
    # What was wrong: see above ('train --warm-start' saved a model that flagged nothing); the
    # refusal names the file at fault: NEW, or OLD with --replay-data (not NEW).
    series_parent.save(tmp_path / "S")
    bad = _series(300, 2, "2024-01-02")
    bad.loc[290, "a"] = 1e30
    bad.to_csv(tmp_path / "bad.csv", index=False)
    _series(300, 3, "2024-01-03").to_csv(tmp_path / "new.csv", index=False)
    out, bad_file = tmp_path / "S2", str(tmp_path / "bad.csv")
    warm = ["--warm-start", str(tmp_path / "S"), "-o", str(out)]
    one_line_error(["train", bad_file, *warm], "bad.csv: warm start: the new series: channel(s) a hold", out)
    one_line_error(["train", str(tmp_path / "new.csv"), *warm, "--replay-data", bad_file],
                   f"--replay-data {bad_file}: warm start: the replayed series: channel(s) a", out)


def test_empty_new_rows_are_refused_as_rows_to_train_on(entity_parent: Pipeline) -> None:
    # What was wrong: Pipeline.warm_start of a table or an entity model on an empty DataFrame
    # (or with an empty replay) said "no rows to score (empty data)": the preprocessing's words
    # for scoring, about rows given to train on.
    table = Pipeline(AutoEncoder(**AE)).fit(pd.DataFrame({"x": np.arange(50.0), "y": np.ones(50)}))
    with pytest.raises(InputError, match=r"^warm start: the new data has no rows to train on"):
        table.warm_start(pd.DataFrame({"x": [], "y": []}))
    flows = _flows(800, 1, "2024-01-02")
    with pytest.raises(InputError, match=r"^warm start: the new data has no rows to train on"):
        entity_parent.warm_start(flows.iloc[:0])
    with pytest.raises(InputError, match=r"^warm start: replay has no rows to train on"):
        entity_parent.warm_start(flows, replay=flows.iloc[:0])


def test_cli_warm_start_of_a_best_f1_series_model_is_refused_as_the_models(tmp_path: Path) -> None:
    # What was wrong: 'train NEW --warm-start M' of a time-series (or log) model whose rule needs
    # labels (best F1, fitted in Python with X_val/y_val) read NEW and then was refused as
    # 'NEW: the threshold rule ... needs labelled validation rows', naming the data file as the
    # fault; a table model's warm start refused it before any read, naming the model and why
    # the command line cannot. Every kind now gives the table's refusal.
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.thresholds import BestF1

    val = _series(200, 4, "2024-01-02")
    y = np.zeros(len(val), dtype=int)
    val.loc[100:110, "a"] += 5.0
    y[100:111] = 1
    Pipeline(LSTMAutoEncoder(window=16, hidden=8, epochs=1, verbose=0, device="cpu"),
             features=TimeSeriesPreprocessor(timestamp_col="ts"), threshold=BestF1(),
             ).fit(_series(300, 1), X_val=val, y_val=y).save(tmp_path / "S")
    _series(300, 3, "2024-01-03").to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "S2"
    one_line_error(["train", str(tmp_path / "new.csv"), "--warm-start", str(tmp_path / "S"), "-o", str(out)],
                   f"--warm-start {tmp_path / 'S'}: its threshold (best F1 on a labelled validation set) "
                   "needs a labelled validation slice, which a warm start from the command line", out)


def test_log_replay_refusal_gives_a_logs_advice(tmp_path: Path) -> None:
    # What was wrong: Pipeline.warm_start(log, replay=old_log) of a log pipeline was refused
    # with a table's advice ('for a table, concatenate old normal rows to the new ones').
    from hourglass.detectors import DeepLog
    from hourglass.features import EventSessions

    lines = [f"{op} blk_{i // 3} done" for i, op in enumerate(["open file", "read block", "close file"] * 60)]
    pipe = Pipeline(DeepLog(window=2, top_g=1, hidden=8, epochs=1, verbose=0, device="cpu"),
                    features=EventSessions(format="raw", session_regex=r"blk_\d+")).fit(lines)
    with pytest.raises(InputError, match="for a log, give its old lines") as info:
        pipe.warm_start(lines, replay=lines)
    assert "for a table" not in str(info.value)


def test_cli_table_replay_counts_an_unreadable_old_row_as_replayed(tmp_path: Path) -> None:
    # What was wrong: 'train NEW --warm-start M --replay-data OLD' of a table model left out an
    # OLD row holding 'Infinity' as '1 of the 990 new rows' (info.warm_start.rows_beyond_scale,
    # the model card: '1 new rows left out'), and still counted it among the replayed rows (the
    # summary's '390 of NEW + 600 replayed' for 989 rows trained on and held out). It is now
    # left out of the replayed rows, said and counted as theirs (replay.beyond_scale).
    rng = np.random.default_rng(0)

    def table(n: int, shift: float) -> pd.DataFrame:
        a = rng.normal(size=n) + shift
        return pd.DataFrame({"a": a, "b": rng.normal(size=n), "c": rng.normal(size=n)})

    table(300, 0.0).to_csv(tmp_path / "old.csv", index=False)
    table(200, 1.0).to_csv(tmp_path / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "--hidden", "8,4", "--epochs", "1",
                              "-o", str(tmp_path / "M"), "-q"])
    assert res.exit_code == 0, res.output
    old = pd.read_csv(tmp_path / "old.csv").astype({"a": object})
    old.loc[3, "a"] = "Infinity"
    old.to_csv(tmp_path / "old_inf.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(tmp_path / "M"),
                              "-o", str(tmp_path / "M2"), "--epochs", "1", "--replay-data",
                              str(tmp_path / "old_inf.csv"), "--replay", "5"])
    assert res.exit_code == 0, res.output
    said = " ".join(res.stderr.split())
    assert "1 of the 300 replayed rows left out" in said and "new rows left out" not in said, said
    assert "200 of " in said and "+ 299 replayed from" in said, said
    info = load(tmp_path / "M2").info
    ws = info["warm_start"]
    assert ws["replay"]["rows"] == 299 and ws["replay"]["beyond_scale"] == {"rows": 1, "columns": ["a"]}
    assert "rows_beyond_scale" not in ws and info["n_train_rows"] == 200 + 299
    assert "1 replayed row left out" in load(tmp_path / "M2").model_card()["warm start"]
    old["a"] = "Infinity"
    old.to_csv(tmp_path / "old_all_inf.csv", index=False)
    one_line_error(["train", str(tmp_path / "new.csv"), "--warm-start", str(tmp_path / "M"), "-o",
                    str(tmp_path / "M3"), "--replay-data", str(tmp_path / "old_all_inf.csv")],
                   f"--replay-data {tmp_path / 'old_all_inf.csv'}: every one of the 200 replayed rows",
                   tmp_path / "M3")
