"""Regression tests: log sessions, their detectors and the adversarial detectors."""

from __future__ import annotations

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions


def test_true_false_time_column_is_no_readable_time() -> None:
    # pandas read True/False as tz-naive NaT, and subtracting the UTC epoch raised a TypeError
    df = pd.DataFrame({"user": ["a", "b"] * 4, "event": ["x", "y"] * 4,
                       "ts": [True, False] * 4})
    for opts in ({"window": 10.0}, {"session_column": "user"}):
        with pytest.raises(InputError, match="'ts' .*no readable time"):
            EventSessions(key_column="event", time_column="ts", **opts).fit_transform(df)


@pytest.mark.parametrize("column", ["user", "event", "ts"])
def test_table_column_named_twice_is_named(column: str) -> None:
    # df[column] is then a frame of both, which failed deep inside with AttributeError/ValueError
    df = pd.DataFrame({"user": ["a", "b", "a"], "event": ["x", "y", "z"], "ts": [1, 2, 3]})
    df = pd.concat([df, df[[column]]], axis=1)
    with pytest.raises(InputError, match=f"'{column}' appears 2 times"):
        EventSessions(session_column="user", key_column="event", time_column="ts").fit_transform(df)
