"""The regular expressions the library hands to pandas' string methods also compile in RE2.

pandas runs ``Series.str.fullmatch``/``contains``/``replace`` on Arrow-backed strings with
pyarrow's RE2, which refuses some Python escapes (``\\u00a0``); depending on the pandas version
the call either falls back to Python's ``re`` or raises, so a pattern RE2 refuses broke training
under one pandas release and not another.
"""

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from hourglass._times import _CLOCK
from hourglass.features.roles import _SEPARATED, separated_number


@pytest.mark.parametrize("pattern", [_SEPARATED, _CLOCK], ids=["separated", "clock"])
def test_patterns_compile_in_re2(pattern: str) -> None:
    pc.match_substring_regex(pa.array(["1"]), f"^(?:{pattern})$")  # raises ArrowInvalid if refused


def test_no_break_space_thousands_are_recognised_with_arrow_strings() -> None:
    s = pd.Series(["96\u00a0000", "1\u00a0250\u00a0000", "12"], dtype="string[pyarrow]")
    assert separated_number(s) == "96\u00a0000"
    hits = pc.match_substring_regex(pa.array(["96\u00a0000", "96 000", "9x000"]), f"^(?:{_SEPARATED})$")
    assert hits.to_pylist() == [True, True, False]
