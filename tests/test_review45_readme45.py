"""The README against what the commands and the library really do: each test reads a claim of
README.md and checks it against the code."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")


def _top_level_code(cell: str) -> list[str]:
    """The backticked names of a table cell outside parentheses (a parenthesis inside backticks,
    `audit(...)`, does not count)."""
    names, depth, i = [], 0, 0
    while i < len(cell):
        if cell[i] == "`":
            end = cell.index("`", i + 1)
            if depth == 0:
                names.append(cell[i + 1:end])
            i = end + 1
            continue
        depth += {"(": 1, ")": -1}.get(cell[i], 0)
        i += 1
    return names


def test_the_formats_table_names_each_formats_time_column() -> None:
    # what was wrong: the table of what you collect gave `kv`'s event time as `eventtime`,
    # `date`+`time`, `ts` ..., the keys it is read from, while the column the format makes and
    # reads (`hourglass formats`: "time field timestamp", what --timestamp-col defaults to) is
    # `timestamp`; the other rows name the column itself (auditd's `timestamp`, cef's `rt`)
    from hourglass.ingest.formats import all_formats

    formats = all_formats()
    start = TEXT.index("| you have | format | its event time |")
    rows = TEXT[start:TEXT.index("\n\n", start)].splitlines()[2:]
    checked = 0
    for row in rows:
        cells = [c.strip() for c in row.strip().strip("|").split(" | ")]
        assert len(cells) == 3, row
        fmt_cell, time_cell = cells[1], cells[2]
        named = [n for n in _top_level_code(fmt_cell) if n in formats]
        times = _top_level_code(time_cell)
        cols = [formats[n].time_col for n in named if getattr(formats[n], "time_col", None)]
        for name in named:
            col = getattr(formats[name], "time_col", None)
            if col is not None:
                assert col in times, (name, col, time_cell)
                checked += 1
        if named and len(cols) == len(named):  # every format of the row has a time column
            assert set(times) <= set(cols), (named, times)
    assert checked >= 17, checked
