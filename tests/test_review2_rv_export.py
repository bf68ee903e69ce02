"""Second review of export, the training loop and the small commands (threshold, warm start):
each test reproduces a defect that was fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import load
from hourglass.cli import app
from tests._cli import runner

FAST = ["--hidden", "4,2", "--epochs", "1", "-q"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("rv2")
    rng = np.random.default_rng(0)
    n = 300
    table = pd.DataFrame({"bytes": rng.exponential(100, n), "dur": rng.exponential(1, n),
                          "proto": rng.choice(["tcp", "udp"], n)})
    table.to_csv(d / "train.csv", index=False)
    table.assign(bytes=table["bytes"] * 1.1).to_csv(d / "new.csv", index=False)
    return {"dir": d, "train": d / "train.csv", "new": d / "new.csv"}


def _train(files: dict[str, Path], name: str, *args: str) -> Path:
    out = files["dir"] / name
    res = runner.invoke(app, ["train", str(files["train"]), *FAST, "-o", str(out), *args])
    assert res.exit_code == 0, res.output
    return out


def test_warm_start_of_a_model_with_its_own_threshold_rule(files: dict[str, Path]) -> None:
    # a model trained with --threshold (or re-thresholded) was refused: "autoencoder has no
    # parameter 'threshold__q'"; its rule now carries over, refitted on the new held-out scores
    parent = _train(files, "P95", "--threshold", "percentile:95")
    out = files["dir"] / "W95"
    res = runner.invoke(app, ["train", str(files["new"]), "--warm-start", str(parent), "--epochs",
                              "1", "-q", "-o", str(out)])
    assert res.exit_code == 0, res.output
    pipe = load(out)
    assert pipe.threshold_.describe() == load(parent).threshold_.describe()
    assert pipe.threshold_.value_ == pytest.approx(np.percentile(pipe.detector_.val_scores_, 95))
    assert pipe.features_.to_dict() == load(parent).features_.to_dict()
