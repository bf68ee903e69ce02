"""Review round 60, helper self60b: regressions of the review of i18n60's and self60's fixes."""
from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.tables import iter_table, not_utf8_how


def test_lowercase_russian_line_is_not_guessed_hebrew(tmp_path: Path) -> None:
    # What was wrong: not_utf8_how took any line whose high bytes all lay in 0xE0-0xFA for
    # Windows-1255 (Hebrew), but lower-case Cyrillic in Windows-1251 fills that range too: a log
    # or CSV line 'action=вход status=ошибка' was told 'a Windows-1255 (Hebrew) file? ... iconv -f
    # cp1255', which turns the Russian words into Hebrew letters without a word.
    russian = "user=ivan action=вход status=ошибка".encode("cp1251")
    assert "iconv -f cp1251 " in not_utf8_how(russian)
    assert "iconv -f cp1251 " in not_utf8_how("ошибка входа".encode("cp1251"))
    for hebrew in ("שגיאה בכניסה למערכת", "משתמש חדש נוצר בהצלחה", "קובץ לא נמצא"):
        assert "iconv -f cp1255 " in not_utf8_how(hebrew.encode("cp1255")), hebrew
    path = tmp_path / "events.csv"
    path.write_bytes(b"user,action\nivan," + "вход ошибка".encode("cp1251") + b"\n")
    with pytest.raises(InputError, match="cp1251") as info:
        list(iter_table(path, fmt="csv"))
    assert "cp1255" not in str(info.value)
