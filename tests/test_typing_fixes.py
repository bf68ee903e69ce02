"""Regression tests for the bugs the type checker found (each named by the code it guards)."""

from __future__ import annotations

import pandas as pd
import pytest

from hourglass.errors import InputError, NotFittedError
from hourglass.features.sessions import EventSessions
from hourglass.features.statistics import merge_scales


def test_merge_scales_of_no_site_is_a_clear_error_not_a_none_crash():
    # the merge started from None and called None.tolist() when no site statistics were given
    with pytest.raises(ValueError, match="no site statistics"):
        merge_scales([])


def test_merge_scales_of_sites_without_numeric_columns_counts_the_rows():
    assert merge_scales([{"rows": 3}, {"rows": 4}]) == {"rows": 7}


def test_event_table_sessions_after_a_failed_fit_say_not_fitted():
    # a table fit that raised (no rows) left parser_ = None: sessions() crashed on None.parse_chunks
    pre = EventSessions(session_column="s", message_column="m")
    with pytest.raises(InputError, match="no rows"):
        pre.fit(pd.DataFrame({"s": pd.Series([], dtype=str), "m": pd.Series([], dtype=str)}))
    with pytest.raises(NotFittedError, match="not fitted"):
        pre.sessions(pd.DataFrame({"s": ["a"], "m": ["x"]}))
