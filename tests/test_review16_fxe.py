"""Warm starts: the advice a refusal gives, the counts a warm start records, and the joined series
named in their own steps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner


def _minute_series(path: Path, n: int, seed: int) -> Path:
    """A one-channel series, one row a minute."""
    rng = np.random.default_rng(seed)
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                  "cpu": np.sin(np.arange(n) / 30) + 0.05 * rng.normal(size=n)}).to_csv(path, index=False)
    return path


def _refusal(args: list[str], out: Path) -> str:
    """The one line (whitespace joined) of a refused ``hourglass ARGS`` that leaves no ``out``."""
    one_line_error(args, "a warm start keeps", out)
    return " ".join(runner.invoke(app, args).stderr.split())


def test_series_refusal_of_too_few_held_out_steps_gives_no_replay_advice(tmp_path: Path) -> None:
    """A series' held-out tail is the last steps of the new series: replayed steps add none. The
    refusal advised '--replay-data OLD', and said so again when all of OLD was replayed."""
    old, new = _minute_series(tmp_path / "old.csv", 1500, 0), _minute_series(tmp_path / "new.csv", 200, 1)
    parent, child = tmp_path / "m", tmp_path / "w"
    res = runner.invoke(app, ["train", str(old), "-o", str(parent), "--model", "lstm-ae", "--timestamp-col",
                              "ts", "--window", "8", "--hidden", "4", "--epochs", "1", "--threshold",
                              "fpr:0.05", "-q"])
    assert res.exit_code == 0, res.output
    args = ["train", str(new), "-o", str(child), "--warm-start", str(parent), "--epochs", "1", "-q"]
    for extra in ([], ["--replay-data", str(old), "--replay", "100"]):
        line = _refusal(args + extra, child)
        assert "20 held-out normal scores" in line and "that needs at least 59" in line, line
        assert "--replay" not in line and "a longer new series" in line, line


@pytest.fixture(scope="module")
def table_parent(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table autoencoder whose threshold rule (fpr:0.02) needs 149 held-out scores, trained
    on ``old.csv`` (1,700 rows); ``new.csv``: 300 of them; ``small.csv``: 200 of them."""
    d = tmp_path_factory.mktemp("table")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"bytes": rng.lognormal(5, 1, 1700), "proto": rng.choice(["tcp", "udp"], 1700)})
    frame.to_csv(d / "old.csv", index=False)
    frame.head(300).to_csv(d / "new.csv", index=False)
    frame.tail(200).to_csv(d / "small.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "old.csv"), "-o", str(d / "m"), "--epochs", "1",
                              "--hidden", "4,2", "--threshold", "fpr:0.02", "-q"])
    assert res.exit_code == 0, res.output
    return {"dir": d, "old": d / "old.csv", "new": d / "new.csv", "small": d / "small.csv", "m": d / "m"}


def test_table_refusal_with_replay_data_advises_a_larger_replay(table_parent: dict[str, Path]) -> None:
    """With --replay-data OLD given, the refusal still said '(or old ones too: --replay-data OLD)'
    and never named --replay, which adds held-out rows for a table: it names a larger --replay
    while one would take more of OLD (and following it works), and no --replay once all of OLD
    is replayed."""
    p = table_parent
    out = p["dir"] / "w"
    args = ["train", str(p["new"]), "-o", str(out), "--warm-start", str(p["m"]), "--epochs", "1", "-q"]
    line = _refusal(args, out)  # no replay yet: replaying old rows is advice that works
    assert "more normal rows (or old ones too: --replay-data OLD)" in line, line
    line = _refusal([*args, "--replay-data", str(p["old"])], out)
    assert "more normal rows or a larger --replay (now 1: 300 of the 1,700 old rows replayed)" in line, line
    assert "--replay-data OLD" not in line, line
    line = _refusal([*args, "--replay-data", str(p["small"]), "--replay", "3"], out)
    assert "more normal rows (--replay already takes all 200 old rows)" in line, line
    assert "larger --replay" not in line and "--replay-data OLD" not in line, line
    res = runner.invoke(app, [*args, "--replay-data", str(p["old"]), "--replay", "5"])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "config.json").read_text())["info"]["held_out"]["rows"] == 180


def test_entity_refusal_with_replay_data_advises_a_larger_replay(tmp_path: Path) -> None:
    """An entity model's held-out buckets are drawn from the new and the replayed ones: with
    --replay-data given, the advice is a larger --replay, not --replay-data again."""
    rng = np.random.default_rng(0)
    n = 3000
    frame = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="20s").astype(str),
                          "host": rng.choice(["a", "b", "c"], n), "bytes": rng.exponential(100, n)})
    frame.to_csv(tmp_path / "old.csv", index=False)
    frame.head(300).to_csv(tmp_path / "new.csv", index=False)
    parent, out = tmp_path / "m", tmp_path / "w"
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "-o", str(parent), "--entity-col", "host",
                              "--timestamp-col", "ts", "--bucket", "1min", "--epochs", "1",
                              "--threshold", "fpr:0.05", "-q"])
    assert res.exit_code == 0, res.output
    args = ["train", str(tmp_path / "new.csv"), "-o", str(out), "--warm-start", str(parent),
            "--epochs", "1", "-q"]
    assert "(or old ones too: --replay-data OLD)" in _refusal(args, out)
    line = _refusal([*args, "--replay-data", str(tmp_path / "old.csv")], out)
    assert "more normal (entity, bucket) rows or a larger --replay (now 1: " in line, line
    assert "--replay-data OLD" not in line, line


def test_train_extra_normal_names_a_too_short_data_in_its_own_steps(tmp_path: Path) -> None:
    """DATA, the last of the series joined with --extra-normal, too short to train on before its
    held-out tail was refused as 'the last joined series starts at step 300 and training stops
    at step 304': steps of a join the user never sees. It is named as the file, in its steps."""
    old, new = _minute_series(tmp_path / "old.csv", 1500, 0), _minute_series(tmp_path / "new.csv", 60, 1)
    one_line_error(["train", str(new), "-o", str(tmp_path / "m"), "--model", "lstm-ae", "--freq", "5min",
                    "--timestamp-col", "ts", "--window", "8", "--epochs", "1", "--extra-normal", str(old)],
                   f"{new}: 12 steps on the model's grid, of which 4 before its held-out tail; with "
                   "--extra-normal, training takes at least one window (8 steps)", tmp_path / "m")


def test_library_warm_start_with_replay_names_the_new_series_in_its_own_steps() -> None:
    """Pipeline.warm_start(new, replay=old) with a new series too short before its held-out tail
    said where the joined series' last part starts and stops (steps 300 and 304): it says the
    new series' steps; a detector fitted with seams says the last series' own steps too."""
    from hourglass import Pipeline
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.errors import InputError
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    def series(n: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                             "cpu": np.sin(np.arange(n) / 30) + 0.05 * rng.normal(size=n)})

    pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor(timestamp_col="ts", freq="5min")).fit(series(1500, 0))
    with pytest.raises(InputError) as info:
        pipe.warm_start(series(60, 1), replay=series(1500, 0), epochs=1)
    said = str(info.value)
    assert said.startswith("warm start: the new series has 12 steps, of which 4 before its held-out "
                           "tail"), said
    assert "step 300" not in said and "at least one window (8 steps)" in said, said
    det = LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0)
    with pytest.raises(InputError, match=r"the last joined series has 5 steps before its held-out "
                                         r"tail, fewer than one window \(8 steps\)"):
        det.fit(np.random.default_rng(0).normal(size=(440, 1)).astype(np.float32), seams=[391])


def test_library_warm_start_with_replay_counts_the_replayed_steps_as_the_cli(tmp_path: Path) -> None:
    """Pipeline.warm_start(new, replay=old) recorded n_train_rows as the new steps only (card:
    '300 training steps') where hourglass train --warm-start --replay-data records new and
    replayed steps (450) for the same data: both count what the detector trained on."""
    from hourglass import Pipeline, load
    from hourglass.detectors import AutoEncoder
    from hourglass.features.entity import EntityWindows

    old, new = _minute_series(tmp_path / "old.csv", 1500, 0), _minute_series(tmp_path / "new.csv", 1500, 1)
    parent, child = tmp_path / "m", tmp_path / "w"
    res = runner.invoke(app, ["train", str(old), "-o", str(parent), "--model", "lstm-ae", "--freq", "5min",
                              "--timestamp-col", "ts", "--window", "8", "--hidden", "4", "--epochs", "1",
                              "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(new), "-o", str(child), "--warm-start", str(parent),
                              "--epochs", "1", "--replay-data", str(old), "--replay", "0.5", "-q"])
    assert res.exit_code == 0, res.output
    cli = json.loads((child / "config.json").read_text())["info"]
    # the CLI replays the last 750 rows of OLD: 150 steps on the 5-minute grid
    warm = load(parent).warm_start(pd.read_csv(new), replay=pd.read_csv(old).iloc[750:], epochs=1)
    assert warm.info["n_train_rows"] == cli["n_train_rows"] == 450, (warm.info, cli)
    assert warm.info["warm_start"]["rows"] == cli["warm_start"]["rows"] == 300
    assert "450 training steps" in warm.model_card()["data"]

    rng = np.random.default_rng(0)
    n = 1200
    flows = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="20s").astype(str),
                          "host": rng.choice(["a", "b", "c"], n), "bytes": rng.exponential(100, n)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    features=EntityWindows("host", "ts", bucket="1min")).fit(flows.iloc[600:])
    warm = pipe.warm_start(flows.iloc[:300], replay=flows.iloc[600:], epochs=1)
    replay = warm.info["warm_start"]["replay"]
    # 100 minutes of 3 hosts (204 buckets) + 200 minutes (413), held out from all 617 together
    assert (replay["new_buckets"], replay["buckets"]) == (204, 413)
    assert warm.info["warm_start"]["rows"] == 204 and warm.info["n_train_rows"] == 617
    assert len(warm.detector_.val_index_) == 62
