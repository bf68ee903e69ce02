"""Review round 24: defects found while simplifying this round's changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass._times import yymmdd_times
from hourglass.ingest.tables import looks_binary


def test_yymmdd_times_first_only_with_a_missing_first_value_of_a_string_column():
    # a 'string'-dtype column whose first value is pd.NA raised "boolean value of NA is
    # ambiguous" (head != head) instead of looking at the first value present
    s = pd.Series([pd.NA, "081109 203615", "081109 203616"], dtype="string")
    six, seconds = yymmdd_times(s, first_only=True)
    assert six.tolist() == [False, True, True]
    assert np.diff(seconds).tolist() == [1.0]


def test_looks_binary_is_the_rule_score_and_stream_share():
    # the 'binary data' rule was written out twice (check_text, stream's hint); one helper now
    assert not looks_binary(b"a,b\n1,2\n")
    assert not looks_binary(b"a,b\n" + b"1,2\n" * 100 + b"x\x00y,2\n")  # a stray NUL in text
    assert looks_binary("a,b\n1,2\n".encode("utf-16-le"))
    assert looks_binary(bytes(range(32)) * 10)
