"""Reading rules for CSV tables and times: the lines a bad row is named by, the order numeric
dates are read in by every path."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.tables import iter_table

# a first block (1 MiB) of text and numbers: a later value that does not fit is named by its line
_PAD = "".join(f"padpadpadpadpadpadpad,q,{i},{i * 2}\n" for i in range(60_000))


@pytest.mark.parametrize("row", ['5" x,"multi\nline",2,3\n', '5" x,"1\n",2,3\n'])
def test_late_bad_value_names_its_line_after_a_quote_inside_a_field(tmp_path: Path, row: str) -> None:
    """A row with a '"' inside a field (5" screen) before a quoted field with a line break: the
    count of lines saw the row as closed on its first line (an even count of '"'), named the
    line before a later bad value's, or ran on to the file's end ('its line is not known')."""
    head = "a,d,b,c\n" + _PAD + row
    later = "".join(f"t,u,{i},{i * 2}\n" for i in range(300))
    p = tmp_path / "t.csv"
    p.write_text(head + later + "t,u,1,zz\n")
    with pytest.raises(InputError) as exc:
        list(iter_table(p, fmt="csv"))
    line = head.count("\n") + 300 + 1
    assert f"line {line}: column 'c': malformed value 'zz'" in str(exc.value)
