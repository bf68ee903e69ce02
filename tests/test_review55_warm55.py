"""Review round 55 (warm start and retraining, every model kind): regression tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline, load
from hourglass.cli import app
from hourglass.detectors import AutoEncoder
from hourglass.features import EntityWindows
from tests._cli import runner

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
    assert "1 replayed (entity, bucket) rows left out" in child.model_card()["warm start"]


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
