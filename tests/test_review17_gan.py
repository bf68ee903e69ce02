"""Regression tests: the adversarial detectors (AnoGAN, GANomaly, EncoderGAN, GANomaly1D)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import GANomaly1D

from ._cli import one_line_error


@pytest.mark.parametrize(("window", "kernel_size", "least"), [(1, 3, 7), (0, 3, 7), (-3, 5, 13)])
def test_ganomaly_1d_window_below_two_names_the_convolutions_minimum(window: int, kernel_size: int,
                                                                      least: int) -> None:
    # window=1 was refused with "window must be >= 2" (the windowed models' floor); a user who
    # then passed 2 was told 7
    with pytest.raises(ValueError, match=rf"^window must be >= {least} steps for "
                                         rf"kernel_size={kernel_size} \("):
        GANomaly1D(window=window, kernel_size=kernel_size, verbose=0).validate_params()
    S = np.sin(np.arange(60) / 3)[:, None].astype(np.float32)
    with pytest.raises(ValueError, match=rf"^window must be >= {least} steps"):
        GANomaly1D(window=window, kernel_size=kernel_size, verbose=0).fit(S)


def test_cli_window_one_for_ganomaly_1d_names_its_minimum(tmp_path: Path) -> None:
    t = np.arange(80)
    pd.DataFrame({"timestamp": 1_700_000_000 + 60 * t, "a": np.sin(t / 4)}).to_csv(
        tmp_path / "s.csv", index=False)
    base = ["train", str(tmp_path / "s.csv"), "--timestamp-col", "timestamp", "-o",
            str(tmp_path / "m")]
    one_line_error([*base, "--model", "ganomaly-1d", "--window", "1"],
                   "--window must be >= 7 steps for kernel_size=3", tmp_path / "m")
    one_line_error([*base, "--model", "ganomaly-1d", "--window", "1", "--param", "kernel_size=5"],
                   "--window must be >= 13 steps for kernel_size=5", tmp_path / "m")
    # the other window models keep their floor of 2, and a fraction is still no window
    one_line_error([*base, "--model", "lstm-ae", "--window", "1"], "--window must be >= 2",
                   tmp_path / "m")
    one_line_error([*base, "--model", "ganomaly-1d", "--window", "7.5"],
                   "--window: a time-series window is a whole number of steps, got 7.5", tmp_path / "m")
