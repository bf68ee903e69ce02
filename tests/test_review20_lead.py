"""Defects found on review, each pinned by a test that failed before its fix."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.sessions import grouping
from hourglass.features.sessions.grouping import SessionGrouper


def _events(n: int, span: float) -> pd.DataFrame:
    return pd.DataFrame({"key": np.zeros(n, dtype=np.int64), "line": np.arange(1, n + 1),
                         "time": np.linspace(0.0, span, n)})


def test_overlapping_windows_past_the_copy_limit_stop_with_a_step_to_use(monkeypatch) -> None:
    # window 3600 s with a 1 s step put every event in 3,600 windows: a big log was copied
    # 3,600 times until memory ran out, with no word
    monkeypatch.setattr(grouping, "MAX_WINDOW_EVENTS", 100_000)
    g = SessionGrouper(window=3600, step=1)
    g.add(_events(1_000, 7_200.0))
    with pytest.raises(InputError, match=r"3,600 overlapping windows.*step=360") as err:
        g.finish()
    assert err.value.param == ("window", "step")


def test_overlapping_windows_under_the_limit_still_group() -> None:
    g = SessionGrouper(window=60, step=30)
    g.add(_events(10, 90.0))
    ids, keys, _, _ = g.finish()
    assert sum(len(k) for k in keys) > 10 and len(ids) == 4
