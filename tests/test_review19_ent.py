"""Entity-bucket features, commands and scoring: regression tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.entity import EntityWindows


def test_a_shared_clock_under_a_time_name_with_a_unit_is_left_out() -> None:
    # seconds since the capture began, shared by every host: 'rel_time' was left out as a clock,
    # 'rel_time_s' / 'rel_time_ms' (the names the row roles read as times too) summed per bucket
    rng = np.random.default_rng(0)
    rel = np.sort(rng.uniform(0, 7200, 300))
    df = pd.DataFrame({"host": rng.choice(["a", "b", "c"], 300), "ts": 1_709_251_200 + rel,
                       "rel_time": rel, "rel_time_s": rel, "rel_time_ms": rel * 1000,
                       "elapsed_time_sec": rel, "bytes": rng.integers(1, 9, 300)})
    ew = EntityWindows("host", "ts").fit(df)
    assert ew.numeric_ == ["bytes"]
    assert {c: ew.not_aggregated_[c] for c in ("rel_time", "rel_time_s", "rel_time_ms")} == \
        dict.fromkeys(("rel_time", "rel_time_s", "rel_time_ms"), "times")
    # one host's counter under such a name is still a feature (no entities taking turns)
    one = df[df["host"] == "a"].reset_index(drop=True)
    assert "uptime_s" in EntityWindows("host", "ts").fit(one.assign(uptime_s=one["rel_time"])).numeric_
