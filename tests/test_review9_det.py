"""Regression tests: detectors, their hyper-parameter checks and the shared training loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hourglass.detectors import DeepSVDD
from tests._cli import one_line_error


def _rows(n: int = 120, d: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


def test_deep_svdd_center_eps_beyond_float32_is_a_named_value_error() -> None:
    # the centre is a float32 buffer: 1e300 overflowed in torch.where, a RuntimeError traceback
    with pytest.raises(ValueError, match="center_eps must be at most"):
        DeepSVDD(center_eps=1e300, hidden=(4,), epochs=1, verbose=0).fit(_rows())
    with pytest.raises(ValueError, match="center_eps"):
        DeepSVDD(center_eps=1e300).validate_params()


def test_cli_train_deep_svdd_center_eps_overflow_is_one_line_exit_2(tmp_path: Path) -> None:
    X = _rows(40)
    (tmp_path / "t.csv").write_text("a,b,c\n" + "\n".join(",".join(f"{v:.3f}" for v in r) for r in X) + "\n")
    one_line_error(["train", str(tmp_path / "t.csv"), "--model", "deep-svdd", "--param", "center_eps=1e300",
                    "--epochs", "1", "-o", str(tmp_path / "m")], "center_eps must be at most", tmp_path / "m")
