"""Review 28: defects the maintainers found reading the round's change."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from hourglass.features.entity import EntityWindows


def test_the_entity_probe_before_the_fit_says_nothing_the_fit_says(caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: summed_columns (the probe that --on-bad-rows skip runs in train, score and
    # inspect before the fit) logged the columns it leaves out, a scored file's own columns as a
    # warning too; the fit then said all of it again, so each line came twice
    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame({"host": rng.choice(["a", "b"], n), "bytes": rng.normal(size=n),
                       "ts": pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
                       "score": rng.exponential(size=n), "flag": rng.integers(0, 2, n),
                       "severity": rng.choice(["low", "high"], n)})
    features = EntityWindows("host", "ts")
    with caplog.at_level(logging.INFO):
        assert features.summed_columns(df) == ["bytes"]
    assert caplog.text == ""
    with caplog.at_level(logging.INFO):
        features.fit(df)
    assert caplog.text.count("leaving out score, flag, severity: hourglass score output") == 1
    assert features.numeric_ == ["bytes"]
    assert caplog.text.count("column 'score' not aggregated (hourglass score output)") == 1
    assert features.not_aggregated_ == dict.fromkeys(("score", "flag", "severity"), "hourglass score output")
