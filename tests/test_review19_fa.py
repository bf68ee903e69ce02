"""Reading rules for CSV tables and times: the lines a bad row is named by, the order numeric
dates are read in by every path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest.tables import ReadStats, iter_table

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


def test_go_times_past_the_first_block_read_by_their_offset(tmp_path: Path) -> None:
    """Go's time.String() times ('+0200 CEST') past a first block of ISO times: the CSV reader
    refused them ('malformed value'; skipped as malformed rows with skip), where the same text
    in the first block was read by its offset."""
    p = tmp_path / "t.csv"
    p.write_text("ts,v\n" + "".join(f"2024-03-0{1 + i % 9}T10:00:00Z,{i}\n" for i in range(60_000))
                 + "2024-03-31 03:30:00 +0200 CEST,1\n2024-03-31 03:30:00.123456789 +0000 UTC,2\n")
    df = pd.concat(list(iter_table(p, fmt="csv")))
    assert len(df) == 60_002
    assert [str(t) for t in df["ts"].iloc[-2:]] == ["2024-03-31 01:30:00+00:00",
                                                    "2024-03-31 03:30:00.123456+00:00"]


def test_suppression_rules_read_late_numeric_dates_in_the_order_they_show() -> None:
    """A batch of ISO times, then another feed's 13/02/2024 and 01/02/2024 past its first 100
    rows, scored by a model that keeps no order: the time columns read both as February, while
    the suppression rules' and the alerts' order (chunk_dayfirst) saw none and read 01/02/2024
    alone as 2 January, outside a 'between' of 1 February."""
    from hourglass._times import chunk_dayfirst
    from hourglass.serve.suppress import Suppressions

    times = pd.Series(["2024-02-10T10:00:00"] * 120 + ["13/02/2024 10:00", "01/02/2024 10:00"])
    assert chunk_dayfirst(times, "ts") is True
    rules = Suppressions.parse('[[rule]]\nname = "w"\nbetween = [2024-02-01, 2024-02-01T23:59:59]\n',
                               "r.toml").for_times("ts", None, "the data")
    assert rules.ordered_by(times).dayfirst is True


@pytest.mark.parametrize("rows", [50, 500])
def test_a_header_quote_no_line_closes_leaves_the_rows_as_rows(tmp_path: Path, rows: int) -> None:
    """A header with a quote that no line closes (id,"name,value): its next 99 lines were taken
    for a quoted name of the header, a short file read as no rows at all without a word, a longer
    one stopped at 'line 101' as its first data line (with skip: 99 rows gone uncounted); it is
    the one-line header it was, and the read names line 2."""
    p = tmp_path / "t.csv"
    p.write_text('id,"name,value\n' + "".join(f"{i},n{i},{i}\n" for i in range(rows)))
    with pytest.raises(InputError, match="line 2: expected 2 fields, found 3"):
        list(iter_table(p, fmt="csv"))
    stats = ReadStats()
    assert sum(len(df) for df in iter_table(p, fmt="csv", on_bad_rows="skip", stats=stats)) == 0
    assert stats.bad_rows == rows and stats.bad_lines[0] == 2


def test_rows_skipped_on_a_second_pass_keep_file_order(tmp_path: Path) -> None:
    """A CSV read again past a later value that does not fit (a column the caller does not read)
    counted its malformed rows again after the rows its caller left out meanwhile: 'skipped 2
    malformed row(s) (lines 40, 3)'."""
    p = tmp_path / "t.csv"
    p.write_text("a,x\n1,2\n1,2,3\n" + "".join(f"{i},{i}\n" for i in range(200_000)) + "5,word\n")
    stats = ReadStats()
    for k, _ in enumerate(iter_table(p, fmt="csv", on_bad_rows="skip", stats=stats, used=["a"],
                                     chunk_bytes=1 << 20)):
        if k == 0:
            stats.skipped(40)  # (a row the caller left out: a value its model refused)
    assert (stats.bad_rows, stats.bad_lines) == (2, [3, 40])
