"""Checks of the readers: six-digit dates, lines ended by a carriage return alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import _times
from hourglass.ingest import logs


def test_yymmdd_stamps_read_by_a_fixed_format_not_value_by_value(monkeypatch: pytest.MonkeyPatch) -> None:
    # a 65,536-line chunk of HDFS or MySQL stamps took 1.3 s (the regex's groups value by value)
    stamps = pd.Series([f"0811{9 + i // 300:02d} {i % 24:02d}{i % 60:02d}{(i * 7) % 60:02d}"
                        for i in range(600)] + ["151104 11:22:33", "151104  9:02:03.5",
                                                "081109T203615,25", "151340 00:00:00",
                                                "151104 24:00:00", " 151104 23:59:59 "], dtype=object)
    expected = logs.yymmdd_times(stamps, first_only=True)
    slow = _times._yymmdd_seconds  # (moved from hourglass.ingest.logs with yymmdd_times)
    seen: list[int] = []

    def counted(parts: pd.DataFrame) -> np.ndarray:
        seen.append(len(parts))
        return slow(parts)

    monkeypatch.setattr(_times, "_yymmdd_seconds", counted)
    six, secs = logs.yymmdd_times(stamps, first_only=True)
    assert six.all()
    np.testing.assert_array_equal(secs, expected[1])
    assert secs[0] == pd.Timestamp("2008-11-09 00:00:00").timestamp()
    assert np.isnan(secs[-3]) and np.isnan(secs[-2])
    assert secs[-1] == pd.Timestamp("2015-11-04 23:59:59").timestamp()
    assert sum(seen) <= 3  # only the 'T', the decimal comma and the dates that do not exist



def _cr_and_lf(tmp_path: Path, text: bytes) -> list[Path]:
    """``text`` (LF-ended) written as it is and with each LF a CR alone, gzipped too."""
    import gzip

    lf, cr, crgz = tmp_path / "lf.csv", tmp_path / "cr.csv", tmp_path / "cr.csv.gz"
    lf.write_bytes(text)
    cr.write_bytes(text.replace(b"\n", b"\r"))
    crgz.write_bytes(gzip.compress(text.replace(b"\n", b"\r")))
    return [lf, cr, crgz]


def _read(path: Path, **kw: object) -> tuple[pd.DataFrame | str, int, list[int]]:
    from hourglass.errors import InputError
    from hourglass.ingest.readers import read_table
    from hourglass.ingest.tables import ReadStats

    stats = ReadStats()
    try:
        return read_table(path, stats=stats, **kw), stats.bad_rows, stats.bad_lines  # type: ignore[arg-type]
    except InputError as exc:
        return str(exc).split(": ", 1)[1], stats.bad_rows, stats.bad_lines


_ROWS = b"a,b,c\n" + b"".join(b"%d,x%d,%d\n" % (i, i, 2 * i) for i in range(10))


@pytest.mark.parametrize("name, text, kw", [
    ("header repeated (exports joined)", _ROWS + b"a,b,c\n99,y,1\n", {}),
    ("blank line before the header", b"\n" + _ROWS, {}),
    ("a row that is not UTF-8, skipped", _ROWS.replace(b"x3", b"x\xe93"), {"on_bad_rows": "skip"}),
    ("a row that is not UTF-8", _ROWS.replace(b"x3", b"x\xe93"), {}),
    ("semicolons", _ROWS.replace(b",", b";"), {}),
])
def test_cr_ended_csv_reads_as_its_lf_ended_twin(tmp_path: Path, name: str, text: bytes,
                                                 kw: dict[str, object]) -> None:
    # the repeated header made every column text (numbers as categories), a blank first line
    # 'empty file', an undecodable row 'line 1' (or every row dropped with it)
    results = [_read(p, **kw) for p in _cr_and_lf(tmp_path, text)]
    lf = results[0]
    for got in results[1:]:
        if isinstance(lf[0], str):
            assert got[0] == lf[0].replace("lf.csv", "cr.csv"), name
            continue
        assert isinstance(got[0], pd.DataFrame), (name, got[0])
        pd.testing.assert_frame_equal(got[0], lf[0])
        assert got[1:] == lf[1:], name
