"""Regression tests: inspect/export/warm start/serving/drift/outputs defects found in review 10."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests._cli import one_line_error, runner

FAST = ["--epochs", "2", "--hidden", "8,4", "-q"]


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": rng.normal(size=n), "c": 2 * a, "label": "ok"})


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from hourglass.cli import app

    d = tmp_path_factory.mktemp("r10_ops")
    _table(200, 0).to_csv(d / "old.csv", index=False)
    _table(60, 1).to_csv(d / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "old.csv"), "-o", str(d / "M"), "--label-col", "label",
                              "--normal", "ok", *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M"}


@pytest.mark.parametrize(("opt", "value"), [("--memory-budget", "-5"), ("--memory-budget", "nan"),
                                            ("--sample-rows", "0")])
def test_warm_start_refuses_a_bad_memory_budget_or_sample_size(model: dict[str, Path], opt: str,
                                                               value: str) -> None:
    # train refuses them; a warm start trained on with a negative or NaN budget and said
    # 'sample size must be >= 1, got 0' without naming --sample-rows
    d = model["dir"]
    args = ["train", str(d / "new.csv"), "--warm-start", str(model["model"]), "-o", str(d / "W"),
            "--epochs", "1", "-q", opt, value]
    if opt == "--sample-rows":
        args += ["--memory-budget", "0.000001"]
    one_line_error(args, f"{opt}: must be > 0, got", d / "W")
