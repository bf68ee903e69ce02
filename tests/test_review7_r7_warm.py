"""Review 7 (warm start, federated training, Spark scoring): regression tests of the defects found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.pipeline import load
from tests._cli import runner

FAST = ["--epochs", "2", "--hidden", "8,4", "-q"]


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": rng.normal(size=n), "c": 2 * a, "label": "ok"})


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("r7_warm")
    _table(200, 0).to_csv(d / "old.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "old.csv"), "-o", str(d / "M"), "--label-col", "label",
                              "--normal", "ok", *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M"}


def test_warm_normal_values_typed_are_kept(labelled: dict[str, Path]) -> None:
    # NEW labels its normal rows 'ok' and 'good': --normal ok --normal good (the label column
    # is the parent's) must not be replaced by the parent's ['ok'], which left 'good' out
    d = labelled["dir"]
    new = _table(200, 1)
    new.loc[:79, "label"] = "good"
    new.loc[:4, "label"] = "attack"
    new.to_csv(d / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "new.csv"), "--warm-start", str(labelled["model"]),
                              "-o", str(d / "W"), "--normal", "ok", "--normal", "good", "--epochs", "2",
                              "-q"])
    assert res.exit_code == 0, res.output
    info = load(d / "W").info
    assert info["label_col"] == "label" and info["normal"] == ["ok", "good"]
    assert info["warm_start"]["new_rows"] == 195
    # without --normal the parent's values still apply
    res = runner.invoke(app, ["train", str(d / "new.csv"), "--warm-start", str(labelled["model"]),
                              "-o", str(d / "W2"), "--epochs", "2", "-q"])
    assert res.exit_code == 0, res.output
    assert load(d / "W2").info["normal"] == ["ok"] and load(d / "W2").info["warm_start"]["new_rows"] == 120


def test_warm_entity_replays_an_unlabelled_old_file(tmp_path: Path) -> None:
    # the parent trained without labels on OLD; NEW has a label column (--label-col): OLD, the
    # parent's own training file, is read as the parent's data (as a table warm start does),
    # not refused for lacking NEW's label column
    from hourglass.ingest.synthetic import port_scan_flows

    old, _ = port_scan_flows(days=0.1, scan_flows=0, seed=1)
    new, _ = port_scan_flows(days=0.1, scan_flows=0, seed=2)
    new["label"] = "normal"
    new.loc[new.index[:3], "label"] = "bad"
    old.to_csv(tmp_path / "old.csv", index=False)
    new.to_csv(tmp_path / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), "-o", str(tmp_path / "M"), "--entity-col",
                              "src_ip", "--timestamp-col", "ts", "--bucket", "5min", *FAST])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(tmp_path / "M"), "-o",
                              str(tmp_path / "W"), "--label-col", "label", "--normal", "normal",
                              "--replay-data", str(tmp_path / "old.csv"), "--epochs", "2", "-q"])
    assert res.exit_code == 0, res.output
    info = load(tmp_path / "W").info
    assert info["label_col"] == "label" and info["entity"]["rows_left_out_with_attacks"] >= 3
    assert info["warm_start"]["replay"]["buckets"] > 0


def test_warm_replay_infinite_or_huge(labelled: dict[str, Path]) -> None:
    # --replay inf: one line and exit 2 (was an OverflowError traceback); a huge finite
    # multiple takes all of OLD (replay * rows overflowed to inf the same way)
    from tests._cli import one_line_error

    d = labelled["dir"]
    _table(60, 3).to_csv(d / "new3.csv", index=False)
    base = ["train", str(d / "new3.csv"), "--warm-start", str(labelled["model"]), "--replay-data",
            str(d / "old.csv"), "--epochs", "1", "-q"]
    one_line_error([*base, "-o", str(d / "R"), "--replay", "inf"], "--replay: must be a finite number > 0",
                   d / "R")
    res = runner.invoke(app, [*base, "-o", str(d / "R2"), "--replay", "1e308"])
    assert res.exit_code == 0, res.output
    replay = load(d / "R2").info["warm_start"]["replay"]
    assert replay["rows"] == replay["of"] == 200


def test_federated_site_named_shared_is_refused() -> None:
    # FederatedServer.save returns the paths by "shared" and the site names: a site named
    # 'shared' took the shared model's key (its own model's path returned as the shared one)
    from hourglass.detectors import AutoEncoder
    from hourglass.distributed.federated import FederatedServer, Site
    from hourglass.errors import InputError

    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)
    rng = np.random.default_rng(0)
    sites = [Site(pd.DataFrame({"a": rng.normal(size=30)}), det, name=n) for n in ("shared", "west")]
    with pytest.raises(InputError, match="site name 'shared'"):
        FederatedServer(det, rounds=1).run(sites)
