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


def test_bracketed_fixed_offset_zone_ids_read() -> None:
    # What was wrong: 333bb6c3 read Java's ZonedDateTime text '...+02:00[Europe/Berlin]' by its
    # offset, but a fixed zone's ID, as Java writes it for ZoneId.of("GMT+2") or "UTC+1",
    # '2024-03-31T01:30+02:00[GMT+02:00]', was first rewritten by the GMT/UTC offset rule to
    # '...+02:00[+02:00]', and its ':' was no part of a zone name: "row 1 is not a timestamp";
    # so was POSIX's '[Etc/GMT-1]'.
    import pandas as pd

    from hourglass._times import parse_timestamps

    java = ["2024-03-31T01:30+02:00[GMT+02:00]", "2024-03-31T01:30+01:00[UTC+01:00]",
            "2024-03-31T01:30:00+01:00[Etc/GMT-1]", "2024-03-31T03:30+02:00[Europe/Berlin]"]
    got = parse_timestamps(pd.Series(java), "ts")
    assert [str(t) for t in got] == ["2024-03-30 23:30:00+00:00", "2024-03-31 00:30:00+00:00",
                                     "2024-03-31 00:30:00+00:00", "2024-03-31 01:30:00+00:00"]
    # the GMT/UTC rule itself as before
    assert str(parse_timestamps(pd.Series(["Mon Jun 01 00:00:00 GMT+02:00 2026"]), "ts")[0]) == \
        "2026-05-31 22:00:00+00:00"


def test_saved_model_with_both_spellings_still_knows_its_other_nfd_values() -> None:
    # What was wrong: a model saved before 5887e1eb keeps its categories as written; where two of
    # them are one text in NFC ('José' and 'Jose\u0301'), _known_index fell back to the saved
    # values for the whole column, but the cells are now read in NFC, so every other value saved
    # in NFD ('Ju\u0308rgen') was never found: its rows read as <unseen>, and 'hourglass score' of
    # such a model on its own training data flagged 120 rows of 600 where it had flagged 4.
    import numpy as np
    import pandas as pd

    from hourglass.features.tabular import TabularPreprocessor

    users = ["alice", "Jos\xe9", "J\xfcrgen", "zed"] * 10
    pre = TabularPreprocessor().fit(pd.DataFrame({"n": np.arange(40.0), "user": users}))
    old = ["Jos\xe9", "Jose\u0301", "Ju\u0308rgen", "alice"]  # as 262d6d41 saved them
    assert len(pre.categories_["user"]) == len(old)
    pre.categories_["user"] = old
    cells = pd.Series(["Ju\u0308rgen", "J\xfcrgen", "Jos\xe9", "Jose\u0301", "alice", "bob"])
    got = pre._category_columns("user", cells).tolist()
    unseen = len(old) + ("user" in pre.other_)
    assert got == [2, 2, 0, 0, 3, unseen]


def test_utf8_line_with_a_stray_byte_is_not_called_a_code_page(tmp_path: Path) -> None:
    # What was wrong: not_utf8_how counted a UTF-8 line's own multi-byte characters as a code
    # page's letters: a German UTF-8 line with one Windows-1252 byte ('Jürgen Größe' and a lone
    # 0xE4), or a Russian UTF-8 line cut within its last character, was told 'a Windows-1251
    # (Cyrillic) file? ... iconv -f cp1251', which garbles every UTF-8 line of the file.
    german = "Benutzer Jürgen Größe".encode() + b" \xe4"
    cut = "user=иван action=Вход в систему выполнен".encode()[:-1]
    for raw in (german, cut):
        how = not_utf8_how(raw)
        assert "iconv" not in how and "a UTF-8 line but for 1 byte that is not" in how, how
    assert "e.g. 0xE4" in not_utf8_how(german)
    # a code page's text still names its code page (Windows-1251's 'Л»' reads as a UTF-8 pair)
    assert "iconv -f cp1251 " in not_utf8_how("Пользователь Ольга ЖУРНАЛ» Пёс".encode("cp1251"))
    assert "iconv -f cp1252 " in not_utf8_how("José Größe".encode("cp1252"))
    path = tmp_path / "events.csv"
    path.write_bytes(b"user,action\n" + "Jürgen,Größe".encode() + b" \xe4\n")
    with pytest.raises(InputError, match=r"line 2: undecodable bytes .*a UTF-8 line but for 1 byte"):
        list(iter_table(path, fmt="csv"))


def test_event_model_saved_with_nfd_key_names_finds_the_composed_spelling() -> None:
    # What was wrong: 4bb5d4eb reads an event table's key names in NFC, and a model saved before
    # it with names in NFD ('Giris\u0327', a macOS export) found them only by the text as written:
    # the same key in the composed spelling ('Giriş') was the 'unknown' key in every event and
    # its sessions scored as anomalous, where categories of such a model (_known_index) match
    # either spelling.
    import unicodedata

    import pandas as pd

    from hourglass.features import EventSessions

    names = ["Giriş", "Çıkış", "Dosya açıldı"]
    nfd = [unicodedata.normalize("NFD", n) for n in names]
    train = pd.DataFrame({"sid": ["a"] * 3 + ["b"] * 3, "k": nfd * 2})
    pre = EventSessions(session_column="sid", key_column="k").fit(train)
    pre.key_names_ = [unicodedata.normalize("NFD", n) for n in pre.key_names_ or []]  # as saved before
    as_written = pre.sessions(pd.DataFrame({"sid": ["c"] * 3, "k": nfd}))
    composed = pre.sessions(pd.DataFrame({"sid": ["c"] * 3, "k": names}))
    assert as_written.stats["unknown_template"] == 0
    assert composed.stats["unknown_template"] == 0, composed.stats
    assert [x.tolist() for x in composed.sequences] == [x.tolist() for x in as_written.sequences]
