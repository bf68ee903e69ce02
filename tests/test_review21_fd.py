"""Checks of the readers: six-digit dates, lines ended by a carriage return alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.ingest import logs


def test_yymmdd_stamps_read_by_a_fixed_format_not_value_by_value(monkeypatch: pytest.MonkeyPatch) -> None:
    # a 65,536-line chunk of HDFS or MySQL stamps took 1.3 s (the regex's groups value by value)
    stamps = pd.Series([f"0811{9 + i // 300:02d} {i % 24:02d}{i % 60:02d}{(i * 7) % 60:02d}"
                        for i in range(600)] + ["151104 11:22:33", "151104  9:02:03.5",
                                                "081109T203615,25", "151340 00:00:00",
                                                "151104 24:00:00", " 151104 23:59:59 "], dtype=object)
    expected = logs.yymmdd_times(stamps, first_only=True)
    slow = logs._yymmdd_seconds
    seen: list[int] = []

    def counted(parts: pd.DataFrame) -> np.ndarray:
        seen.append(len(parts))
        return slow(parts)

    monkeypatch.setattr(logs, "_yymmdd_seconds", counted)
    six, secs = logs.yymmdd_times(stamps, first_only=True)
    assert six.all()
    np.testing.assert_array_equal(secs, expected[1])
    assert secs[0] == pd.Timestamp("2008-11-09 00:00:00").timestamp()
    assert np.isnan(secs[-3]) and np.isnan(secs[-2])
    assert secs[-1] == pd.Timestamp("2015-11-04 23:59:59").timestamp()
    assert sum(seen) <= 3  # only the 'T', the decimal comma and the dates that do not exist

