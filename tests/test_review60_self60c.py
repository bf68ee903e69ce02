"""Review round 60 (self60c): regression tests of the round's last changes."""

from __future__ import annotations

import pandas as pd

from hourglass.features.roles import infer_role, is_time_name


def test_time_generated_nested_in_a_flattened_json_field_is_a_time() -> None:
    # What was wrong: 25678abd made Azure's TimeGenerated / TimeCreated time names only as the
    # whole column name, so a JSON row's {"properties": {"TimeGenerated": ...}}, flattened to
    # 'properties.TimeGenerated' (as files and the service flatten nested fields), was still
    # one-hot encoded as text, where 'properties.Timestamp' beside it was dropped as a time.
    times = pd.Series([f"3/1/2024, 8:00:{i // 3:02d}.000 AM" for i in range(90)])
    for name in ("properties.TimeGenerated", "Event.TimeCreated"):
        assert is_time_name(name)
        role, why = infer_role(name, times, max_categories=50, columns=[name, "x"])
        assert role == "drop", (name, role, why)
    assert not is_time_name("properties.LifetimeCreated")
