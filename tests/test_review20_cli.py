"""The core CLI commands (train, score, evaluate): options that conflict or would be ignored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests._cli import one_line_error


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"bytes": rng.lognormal(5, 1, 120), "pkts": rng.poisson(8, 120),
                          "proto": rng.choice(["tcp", "udp"], 120)})
    data = tmp_path / "flows.csv"
    frame.to_csv(data, index=False)
    return data


@pytest.mark.parametrize(("typed", "param", "match"), [
    (["--seed", "0"], "random_state=5", "--param random_state=... and --seed both set random_state"),
    (["--device", "auto"], "device=cpu", "--param device=... and --device both set device"),
])
def test_train_refuses_param_beside_option_typed_at_its_default(flows: Path, typed: list[str],
                                                                param: str, match: str) -> None:
    # '--seed 0 --param random_state=5' trained with seed 5: the seed typed was dropped unsaid
    out = flows.parent / "m"
    one_line_error(["train", str(flows), "-o", str(out), "--epochs", "1", *typed, "--param", param],
                   match, out)
