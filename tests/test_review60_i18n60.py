"""Review 60 (i18n60): an analyst outside the English-speaking, UTC world: non-ASCII names and
values, other Unicode spellings, local offsets and locales."""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from tests._cli import one_line_error

NFC = unicodedata.normalize("NFC", "normál")  # 'norm\xe1l'
NFD = unicodedata.normalize("NFD", "normál")  # 'norma\u0301l': macOS tools, some exporters


def test_normal_label_in_another_unicode_spelling_is_named(tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a label column whose normal value was written as 'e' and a combining
    # accent (NFD) under --normal normál typed as one code point (NFC) was refused with
    # "no rows with etiqueta in ['normál']; values seen: ataque, normál": two values that print
    # alike, no hint (the 'did you mean' matched case and number spellings only); where some rows
    # had the NFC spelling, the NFD rows were counted as attacks without a word. The hint and the
    # warning now name such a value, by its code points.
    from hourglass.cli.tables import split_labels

    df = pd.DataFrame({"x": range(6), "y": [NFC, NFD, NFD, "ataque", NFC, NFD]})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        _, _, anom = split_labels(df, "y", [NFC], "t.csv")
    assert anom is not None and anom.tolist() == [0, 1, 1, 1, 0, 1]  # the match stays exact
    said = " ".join(r.getMessage() for r in caplog.records)
    assert r"'norma\u0301l' (3 rows), a normal value ('normál') spelt otherwise" in said, said

    data = tmp_path / "lab.csv"
    data.write_text("a,b,etiqueta\n" + "".join(f"{i},{i % 3},{NFD if i % 5 else 'ataque'}\n"
                                              for i in range(20)), encoding="utf-8")
    one_line_error(["train", str(data), "--label-col", "etiqueta", "--normal", NFC, "--epochs", "1",
                    "-o", str(tmp_path / "m")], r"(did you mean 'norma\u0301l'?)", tmp_path / "m")


def test_a_category_in_another_unicode_spelling_is_the_same_category() -> None:
    # What was wrong: a categorical value written as a letter and a combining accent (NFD, as
    # macOS tools and some exporters write 'Jürgen', 'José', 'İstanbul-DC01') was a value never
    # seen by a model trained on the composed spelling (NFC), and the reverse: 'hourglass score'
    # flagged every such row 'critical' (score 0.34 where the same row in NFC scored 0.004),
    # one user in two spellings that print alike being two categories. One-hot categories are
    # now read in NFC, when training, scoring (a few rows, as stream and the service score, or
    # many) and of a model saved before (its NFD categories read as their NFC form).
    from hourglass.features.tabular import TabularPreprocessor

    names = ["Jürgen", "José", "İstanbul-DC01", "東京-srv", "Ольга", "alice"]
    nfc = [unicodedata.normalize("NFC", n) for n in names]
    nfd = [unicodedata.normalize("NFD", n) for n in names]
    assert nfc[:3] != nfd[:3]
    train = pd.DataFrame({"user": nfc * 20, "bytes": [float(i % 7) for i in range(120)]})
    pre = TabularPreprocessor(categorical=["user"]).fit(train)
    assert sorted(pre.categories_["user"]) == sorted(nfc)
    for rows in (6, 1200):  # the few rows' road (transform_small) and the general one
        reps = rows // len(names)
        want = pre.transform(pd.DataFrame({"user": nfc * reps, "bytes": [1.0] * rows}))
        got = pre.transform(pd.DataFrame({"user": nfd * reps, "bytes": [1.0] * rows}))
        assert (got == want).all(), rows
    # trained on NFD (a model saved before: its categories as written), scored in either spelling
    old = TabularPreprocessor.from_dict({**pre.to_dict()})
    old.categories_ = {"user": sorted(nfd)}
    a = old.transform(pd.DataFrame({"user": nfc, "bytes": [1.0] * 6}))
    b = old.transform(pd.DataFrame({"user": nfd, "bytes": [1.0] * 6}))
    unseen = old._feature_names().index("user=<unseen>")
    assert (a == b).all() and not a[:, unseen].any() and not got[:, unseen].any()


def test_entity_case_fold_makes_one_entity_of_two_unicode_spellings() -> None:
    # What was wrong: --entity-case fold (names compared as Windows compares account names, so
    # 'JÜRGEN' and 'jürgen' are one user) folded with str.casefold alone, so 'Jürgen' with 'ü' as
    # one code point and 'Jürgen' written as 'u' and a combining diaeresis (NFD, a macOS tool's
    # export) were two entities, each with its own buckets, and a suppression rule 'user =
    # Jürgen' matched one of them only. Folding is now canonical caseless (casefold of the
    # decomposed name, recomposed: folded_name), in the buckets and the rules alike.
    from hourglass.features.entity import EntityWindows
    from hourglass.serve.suppress import Condition

    spellings = ["Jürgen", unicodedata.normalize("NFD", "Jürgen"), "JÜRGEN",
                 unicodedata.normalize("NFD", "JÜRGEN"), "jürgen", "bob"]
    codes, names = EntityWindows("u", "ts", entity_case="fold")._entities(pd.Series(spellings))
    assert names[codes].tolist() == ["jürgen"] * 5 + ["bob"], [ascii(n) for n in names[codes]]
    # 'exact' keeps each spelling as written, byte for byte
    codes, names = EntityWindows("u", "ts")._entities(pd.Series(spellings))
    assert names[codes].tolist() == spellings
    import numpy as np

    rule = Condition.of([unicodedata.normalize("NFD", "Jürgen"), "J?RGEN*"], "user").folded()
    assert rule.test(np.array(["jürgen", "bob"], dtype=object)).tolist() == [True, False]


def test_a_hashed_value_in_another_unicode_spelling_hashes_alike() -> None:
    # What was wrong: a hashed column (user names, user agents: more distinct values than
    # max_categories, or a format's hashed fields such as Okta's and Entra's user names) hashed
    # 'José' written as 'e' and a combining accent (NFD) into another bucket than the composed
    # 'José' (NFC) the model trained on: one user in two spellings that print alike read as two.
    # A model fitted now hashes text in NFC (saved as hash_form); a state saved before hashes as
    # written, so its features do not change.
    from hourglass.features.tabular import TabularPreprocessor

    names = ["Jürgen", "José", "東京-srv", "İstanbul-DC01"]
    nfd = [unicodedata.normalize("NFD", n) for n in names]
    train = pd.DataFrame({"u": [f"{n}{i}" for i in range(40) for n in names],
                          "b": [float(i) for i in range(160)]})
    pre = TabularPreprocessor(roles={"u": "hash"}).fit(train)
    one = pd.DataFrame({"u": [f"{n}7" for n in names], "b": [1.0] * 4})
    other = pd.DataFrame({"u": [f"{n}7" for n in nfd], "b": [1.0] * 4})
    assert (pre.transform(one) == pre.transform(other)).all()
    state = pre.to_dict()
    again = TabularPreprocessor.from_dict(state)
    assert (again.transform(other) == pre.transform(one)).all()
    before = TabularPreprocessor.from_dict({k: v for k, v in state.items() if k != "hash_form"})
    assert getattr(before, "hash_form_", None) is None
    assert (before.transform(one) == pre.transform(one)).all()  # NFC text: as before


def test_json_reports_write_text_as_it_is(tmp_path: Path) -> None:
    # What was wrong: the JSON reports (evaluate --json, inspect --json, threshold --json,
    # benchmark --json) escaped every non-ASCII character ('"Sald\u0131r\u0131"' for an attack
    # class, '"kullan\u0131c\u0131"' for a column), where score's and stream's JSON lines and the
    # service write UTF-8 text as it is: 'grep Saldırı report.json' found nothing. They are now
    # UTF-8 with text as it is (json_document; a lone surrogate still its JSON escape).
    import json

    import numpy as np

    from hourglass.cli import app
    from tests._cli import labelled_model_of, runner

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"kullanıcı_bayt": rng.lognormal(5, 1, 200), "pkts": rng.poisson(8, 200),
                          "label": np.where(np.arange(200) % 20 == 0, "Saldırı", "normal")})
    data, model = labelled_model_of(frame, tmp_path)
    for args in (["evaluate", str(model), str(data), "--label-col", "label", "--normal", "normal"],
                 ["inspect", str(data), "--label-col", "label", "--normal", "normal"]):
        out = tmp_path / f"{args[0]}.json"
        res = runner.invoke(app, [*args, "--json", str(out), "-q"] if args[0] == "evaluate"
                            else [*args, "--json", str(out)])
        assert res.exit_code == 0, res.output
        text = out.read_text(encoding="utf-8")
        assert "\\u" not in text and ("Saldırı" in text or "kullanıcı_bayt" in text), text[:300]
        json.loads(text)
    from hourglass.ingest.sqlite import json_document

    assert json_document({"a": "x\ud800"}, indent=0) == '{\n"a": "x\\ud800"\n}'


def test_a_suppression_rule_matches_a_name_in_either_unicode_spelling() -> None:
    # What was wrong: a suppression rule 'user = "Jürgen"' (typed with 'ü' as one code point)
    # left the alerts of rows whose user was written 'u' and a combining diaeresis (NFD, a macOS
    # tool's export) flagged, and a glob "J?rgen" missed them too (two code points for one
    # letter), where the model reads both spellings as one category. Rules and cells are now
    # compared in the composed form (NFC); case still counts, as the README says.
    import numpy as np

    from hourglass.serve.suppress import Suppressions

    nfd = unicodedata.normalize("NFD", "Jürgen")
    rules = Suppressions.parse('[[rule]]\nname = "j"\nmatch = { user = "Jürgen" }\n'
                               '[[rule]]\nname = "g"\nmatch = { host = "İ?tanbul-*" }\n', "r.toml")
    df = pd.DataFrame({"user": [nfd, "Jürgen", "JÜRGEN", "bob"],
                       "host": ["x", "x", "x", unicodedata.normalize("NFD", "İstanbul-DC01")]})
    flags, names = rules.apply(df, np.array([1, 1, 1, 1]))
    assert flags.tolist() == [0, 0, 1, 0] and names.tolist() == ["j", "j", "", "g"]


def test_a_syslog_month_in_another_language_is_named(tmp_path: Path) -> None:
    # What was wrong: a BSD syslog file written under a German locale ('Dez  7 10:00:00 host
    # sshd[1]: ...') trained with --window was refused with "no event has a readable time stamp
    # in this input (first: line 1, no time stamp)": the line has a time stamp; its month name is
    # not English, which is how syslog's are read (README). The refusal (and the warning when
    # some lines are so) now shows the date and says so.
    log = tmp_path / "auth.log"
    log.write_text("".join(f"Dez  7 10:{i // 60:02d}:{i % 60:02d} web1 sshd[{100 + i // 5}]: "
                           f"Accepted password for user{i % 3} from 10.0.0.{i % 9} port 22 ssh2\n"
                           for i in range(40)), encoding="utf-8")
    one_line_error(["train", str(log), "--format", "syslog", "--window", "60", "--model", "deeplog",
                    "--epochs", "1", "-o", str(tmp_path / "m")],
                   "(first: line 1, 'Dez 7 ...': 'Dez' is no English month name", tmp_path / "m")


def test_not_utf8_advice_names_the_code_page_the_bytes_look_written_in(tmp_path: Path) -> None:
    # What was wrong: a CSV or JSON-lines file of a Russian, Hebrew, Turkish or Japanese Windows
    # tool (its code page, not UTF-8) was refused with 'a Windows-1252 or Latin-1 file? convert it
    # ... iconv -f cp1252 -t utf-8': followed, that advice turns 'Пользователь' into
    # 'Ïîëüçîâàòåëü' and the data is read as other letters without a word. The advice now names
    # the code page the line's bytes look written in (cp1251, cp1255, cp1254, cp932; cp1252
    # for Latin text, as before), in score's CSV and JSON-lines readers and in stream alike.
    from hourglass.ingest.tables import NOT_UTF8_HOW, not_utf8_how

    for text, page in (("Пользователь Ольга вошёл", "cp1251"), ("משתמש דוד התחבר", "cp1255"),
                       ("kullanıcı İstanbul-DC01", "cp1254"), ("ユーザー田中がログイン", "cp932"),
                       ("informações de ação", "cp1252"), ("Jürgen Müller", "cp1252")):
        assert f"iconv -f {page} -t utf-8" in not_utf8_how(text.encode(page)), text
    assert not_utf8_how("José".encode("cp1252")) == not_utf8_how(None) == NOT_UTF8_HOW

    data = tmp_path / "ru.csv"
    data.write_bytes("a,user\n1,x\n2,Ольга Петрова\n".encode("cp1251"))
    from hourglass.errors import InputError
    from hourglass.ingest import read_table

    with pytest.raises(InputError, match=r"line 3: undecodable bytes \(not UTF-8\) \(a Windows-1251 "
                                         r"\(Cyrillic\) file\? .* iconv -f cp1251 -t utf-8"):
        read_table(data)
    lines = tmp_path / "he.jsonl"
    lines.write_bytes('{"a": 1, "user": "x"}\n{"a": 2, "user": "משתמש"}\n'.encode("cp1255"))
    with pytest.raises(InputError, match=r"line 2: .* iconv -f cp1255 -t utf-8"):
        read_table(lines)
    from hourglass.cli import app
    from tests._cli import ab_model, runner

    model = ab_model(tmp_path)
    res = runner.invoke(app, ["stream", str(model)],
                        input='{"a": 0.5, "b": 0.5, "u": "kullanıcı"}\n'.encode("cp1254"))
    assert res.exit_code == 2 and "iconv -f cp1254 -t utf-8" in res.stderr, res.stderr


def test_a_log_in_a_windows_code_page_is_told_how_to_convert(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a syslog file of a Russian Windows tool (Windows-1251) was read with each
    # Cyrillic byte replaced by U+FFFD, its templates learnt as runs of U+FFFD (every user name
    # and word lost), and the only word was "276 line(s) had bytes that are not UTF-8; replaced
    # with U+FFFD". The warning now names the code page the first such line looks written in
    # and how to convert the file, as a table's refusal does.
    from hourglass.ingest.logs import LogParser, file_lines

    log = tmp_path / "auth.log"
    log.write_bytes("".join(f"Dec  7 10:00:{i:02d} srv1 sshd[{i}]: Пользователь Ольга вошёл "
                            f"с адреса 10.0.0.{i}\n" for i in range(20)).encode("cp1251"))
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        parser = LogParser("syslog").fit(file_lines(log))
    said = " ".join(r.getMessage() for r in caplog.records)
    assert parser.stats_.bad_encoding == 20
    assert ("20 line(s) had bytes that are not UTF-8; replaced with U+FFFD (a Windows-1251 "
            "(Cyrillic) file? convert it to UTF-8 and pipe it in, e.g. iconv -f cp1251") in said, said
    assert "first_bad_bytes" not in parser.stats_.to_dict()


def test_a_syslog_line_whose_month_is_not_english_is_named(tmp_path: Path) -> None:
    # What was wrong: a syslog line of a German locale whose month name holds a letter beyond
    # ASCII ('Mär  7 10:00:00 web1 sshd[1]: ...') matched no header, and the refusal said only
    # "does not match the 'syslog' header format: 'Mär  7 ...'", not why (its month name); it now
    # says that 'Mär' is not one of syslog's month names, as the table of a --window says 'Dez'.
    log = tmp_path / "auth.log"
    log.write_text("".join(f"Mär  7 10:00:{i:02d} web1 sshd[{i}]: Accepted password for bob\n"
                           for i in range(10)), encoding="utf-8")
    one_line_error(["train", str(log), "--format", "syslog", "--session-col", "pid", "--model", "deeplog",
                    "--epochs", "1", "-o", str(tmp_path / "m")],
                   "does not match the 'syslog' header format ('Mär' is not one of syslog's month "
                   "names, Jan to Dec in English)", tmp_path / "m")


def test_an_event_key_in_another_unicode_spelling_is_the_same_key() -> None:
    # What was wrong: an event table's text keys (--key-col: 'Giriş', 'Çıkış', 'Anmeldung
    # fehlgeschlagen') written with combining marks (NFD, a macOS tool's export) were keys never
    # seen by a model trained on the composed spelling (NFC): each such event counted as the
    # 'unknown' key, the session scored as anomalous. Key names are now read in NFC, in
    # training and scoring, as categories are.
    from hourglass.features import EventSessions

    names = ["Giriş", "Çıkış", "Dosya açıldı"]
    nfd = [unicodedata.normalize("NFD", n) for n in names]
    assert nfd != names
    train = pd.DataFrame({"sid": ["a", "a", "a", "b", "b", "b"], "k": names * 2})
    pre = EventSessions(session_column="sid", key_column="k").fit(train)
    scored = pre.sessions(pd.DataFrame({"sid": ["c", "c", "c"], "k": nfd}))
    assert scored.stats["unknown_template"] == 0, scored.stats
    assert [x.tolist() for x in scored.sequences] == [x.tolist() for x in pre.sessions(train).sequences][:1]


def test_numbers_in_full_width_or_arabic_indic_digits_are_named(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a column of numbers typed in full-width digits ('１５０', as Japanese and
    # Chinese input methods write them, a spreadsheet keeps them) or Arabic-Indic digits ('١٥٠')
    # is text to the readers, and training dropped it as 'near-unique text' (or one-hot encoded
    # its values) without a word, where a column of decimal commas is said. Such a column is now
    # named: "column 'bytes' holds numbers written in digits other than 0-9 (e.g. '２４９'),
    # read as text (role drop: ...); write their digits as 0-9 to use them as numbers".
    from hourglass.features.tabular import TabularPreprocessor

    full = str.maketrans("0123456789", "０１２３４５６７８９")
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    df = pd.DataFrame({"bytes": [str(100 + 7 * i).translate(full) for i in range(60)],
                       "pkts": [str(i % 40).translate(arabic) for i in range(60)],
                       "dur": [i / 60 for i in range(60)]})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        TabularPreprocessor().fit(df)
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "column 'bytes' holds numbers written in digits other than 0-9 (e.g. '１００')" in said, said
    assert "column 'pkts' holds numbers written in digits other than 0-9 (e.g. '٠')" in said, said


def test_a_time_with_its_zone_name_in_brackets_is_read_by_its_offset(tmp_path: Path) -> None:
    # What was wrong: Java's ZonedDateTime.toString() (and RFC 9557) writes the zone's IANA name
    # in brackets after the offset, '2024-03-31T03:30+02:00[Europe/Berlin]', as Java services log
    # it; a column of such times was refused as 'not a timestamp ... no row of the 1500 is',
    # though the offset names the instant (Go's '+0200 CEST' is read so). It is now read by its
    # offset, across a daylight-saving change in true time.
    from hourglass._times import parse_timestamps

    got = parse_timestamps(["2024-03-31T01:59:00+01:00[Europe/Berlin]",
                            "2024-03-31T03:00+02:00[Europe/Berlin]",
                            "2024-03-31T05:30:00.5+05:30[Asia/Kolkata]", "2024-03-31T01:00:00Z[UTC]"], "ts")
    assert [t.isoformat() for t in got] == ["2024-03-31T00:59:00+00:00", "2024-03-31T01:00:00+00:00",
                                            "2024-03-31T00:00:00.500000+00:00", "2024-03-31T01:00:00+00:00"]
    with pytest.raises(Exception, match="not a timestamp"):
        parse_timestamps(["2024-03-31T03:30+02:00[Europe/Berlin]", "2024-03-31T03:30[Europe/Berlin]"], "ts")
