"""Review round 59 (left59c): items this round's reviewers noticed and left alone."""

from __future__ import annotations

import bz2
import lzma
from pathlib import Path

from hourglass.cli import app
from tests._cli import runner


def test_folder_refuses_a_compressed_file_past_the_first(tmp_path: Path) -> None:
    # What was wrong: a folder given as DATA with a bzip2/xz file that was not the first one
    # copied had its compressed bytes copied as lines of text: 'binary data (NUL bytes) ... a
    # UTF-16 text file?' naming the folder, or, without a NUL, garbage read as rows; only a
    # first file was refused as compressed (by the reader of the copy).
    for packer, name in ((bz2.compress, "b.csv.bz2"), (lzma.compress, "b.csv.xz")):
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        (folder / "a.csv").write_text("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(20)))
        (folder / name).write_bytes(packer(b"a,b\n1,2\n3,4\n"))
        res = runner.invoke(app, ["inspect", str(folder)])
        assert res.exit_code == 2, res.output
        kind = "bzip2" if name.endswith("bz2") else "xz"
        assert f"{name} is {kind}-compressed" in res.output
        assert "NUL" not in res.output and "Traceback" not in res.output


def test_powershell_event_export_id_is_the_event_code(tmp_path: Path) -> None:
    # What was wrong: PowerShell's 'Get-WinEvent | Export-Csv' names the event id 'Id'; role
    # inference dropped it as an identifier ('identifier/timestamp name'), so a model of such an
    # export never saw which event a row was (4625 failed logons beside 4624 logons), though
    # 'EventID'/'event_id' are read as codes. Beside the export's other columns it is now a code.
    import pandas as pd

    from hourglass.features.tabular import TabularPreprocessor

    ids = [4624, 4625, 4634, 4672, 4688] * 40
    df = pd.DataFrame({"Id": ids, "ProviderName": "Microsoft-Windows-Security-Auditing",
                       "MachineName": "WS01", "RecordId": range(100000, 100200),
                       "Level": [0, 4] * 100})
    p = TabularPreprocessor().fit(df)
    assert p.roles_["Id"] == "categorical", p.reasons_["Id"]
    assert "event id" in p.reasons_["Id"]
    # an 'id' of a table that is no event export stays an identifier
    q = TabularPreprocessor().fit(pd.DataFrame({"id": ids, "bytes": range(200)}))
    assert q.roles_["id"] == "drop"


def test_trailing_ctrl_z_is_the_end_of_file_not_a_bad_row(tmp_path: Path) -> None:
    # What was wrong: a text file ending with Ctrl-Z (0x1A, the end-of-file mark old DOS and
    # Windows tools write) was refused: 'line 5: expected 6 fields, found 1' of a CSV, 'line 3:
    # not valid JSON' of JSON lines, naming an invisible character. It is now a blank line.
    csv = tmp_path / "dos.csv"
    csv.write_bytes(b"a,b,c,d,e,f\r\n1,2,3,4,5,6\r\n7,8,9,1,2,3\r\n4,5,6,7,8,9\r\n\x1a")
    jsonl = tmp_path / "dos.jsonl"
    jsonl.write_bytes(b'{"a": 1, "b": 2}\n{"a": 2, "b": 5}\n\x1a')
    for path, rows in ((csv, 3), (jsonl, 2)):
        res = runner.invoke(app, ["inspect", str(path)])
        assert res.exit_code == 0, res.output
        assert f"{rows} rows inspected" in res.output
    # a bad row before it is still named by its own line
    csv.write_bytes(b"a,b,c\n1,2,3\n4,5\n6,7,8\n\x1a")
    res = runner.invoke(app, ["inspect", str(csv)])
    assert res.exit_code == 2 and "line 3: expected 3 fields, found 2" in res.output, res.output
    from hourglass._eol import blank_line

    assert blank_line(b"\x1a\r\n") and not blank_line("x\x1a")


def test_stream_passes_a_trailing_ctrl_z_over(tmp_path: Path) -> None:
    # What was wrong: 'hourglass stream' said 'line 3: not valid JSON (Expecting value at
    # column 1)' of the Ctrl-Z (0x1A) a DOS/Windows tool wrote after the last line.
    import json

    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps({"a": i % 7, "b": i % 5}) + "\n" for i in range(120)))
    res = runner.invoke(app, ["train", str(train), "--epochs", "1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    data = tmp_path / "dos.jsonl"
    data.write_bytes(b'{"a": 1, "b": 2}\r\n{"a": 2, "b": 3}\r\n\x1a')
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "--input", str(data), "--all"])
    assert res.exit_code == 0, res.output
    assert len(res.stdout.splitlines()) == 2


def test_event_table_sessions_by_pid_warn_of_a_pid_on_two_hosts(caplog) -> None:
    # What was wrong: sessions by a 'pid' column of an event table (pid and host columns) joined
    # the same pid on two hosts, two processes, into one session without the warning a log's
    # sessions by pid give: the grouper looked for its session column named 'pid', and a table's
    # travels under another name, without the host.
    import logging

    import pandas as pd

    from hourglass.features.sessions.events import EventSessions

    df = pd.DataFrame({"pid": ["812", "812", "9", "9"] * 10,
                       "Host": ["web1", "web2", "web1", "web1"] * 10,
                       "event": ["open", "read", "close", "open"] * 10})
    with caplog.at_level(logging.WARNING):
        EventSessions(session_column="pid", key_column="event").fit_transform(df)
    said = [r.getMessage() for r in caplog.records if "more than one host" in r.getMessage()]
    assert said and "'812' on web1 and web2" in said[0], caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):  # one host a pid: nothing said
        EventSessions(session_column="pid", key_column="event").fit_transform(df.assign(Host="web1"))
    assert "more than one host" not in caplog.text


def test_model_config_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    # What was wrong: a model's config.json opened and saved again in an editor that writes a
    # UTF-8 byte-order mark (Notepad's 'UTF-8 with BOM') was refused as "corrupt (Unexpected
    # UTF-8 BOM (decode using utf-8-sig) ...); the artefact was modified", though its JSON, and
    # so its content hash, is unchanged. It now loads; a changed value is still refused.
    import json

    import pandas as pd

    from hourglass import load

    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps({"a": i % 7, "b": i % 5}) + "\n" for i in range(120)))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "--epochs", "1", "-o", str(model)])
    assert res.exit_code == 0, res.output
    plain = load(model).score(pd.DataFrame({"a": [1, 3], "b": [2, 4]}))
    config = model / "config.json"
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    again = load(model).score(pd.DataFrame({"a": [1, 3], "b": [2, 4]}))
    assert list(again) == list(plain)
    res = runner.invoke(app, ["score", str(model), str(train), "-o", str(tmp_path / "out.csv")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "percentile:99", "-o",
                              str(model), "--force"])
    assert res.exit_code == 0, res.output
    text = config.read_bytes()
    config.write_bytes(b"\xef\xbb\xbf" + text.replace(b'"format_version": 1', b'"format_version": 1 '))
    assert load(model) is not None  # (white space: the same JSON)
    config.write_bytes(b"\xef\xbb\xbf" + text.replace(b'"hourglass-artefact"', b'"hourglass-artefact" ')
                       .replace(b'"epochs": 1', b'"epochs": 2'))
    res = runner.invoke(app, ["score", str(model), str(train), "-o", str(tmp_path / "out2.csv")])
    assert res.exit_code == 2 and "content hash mismatch" in res.output, res.output


def test_repeated_header_line_leaves_the_first_row_in_type_inference(tmp_path: Path) -> None:
    # What was wrong: a CSV with its header line again (cat a.csv b.csv, b.csv a header alone)
    # had its first block's types inferred from its rows rewritten after the lines skipped,
    # but written over those blank lines: the first row was lost from inference, or, where it
    # held a quoted line break, cut in two ('line 2: expected 2 fields, found 1'); a first row
    # of text in a column of numbers was refused as 'malformed value ... as in the first block'.
    from hourglass.ingest.readers import read_table

    cases = {b'a,b\n1,"x\ny"\n2,z\na,b\n': [(1, "x\ny"), (2, "z")],
             b'a,b\n1,"x\ny"\n2,z\na,b\n3,w\n': [(1, "x\ny"), (2, "z"), (3, "w")],
             b"a,b\n1,abc\n2,5\na,b\n3,6\n": [(1, "abc"), (2, "5"), (3, "6")]}
    for i, (data, rows) in enumerate(cases.items()):
        path = tmp_path / f"joined{i}.csv"
        path.write_bytes(data)
        df = read_table(path)
        assert [(int(a), str(b)) for a, b in zip(df["a"], df["b"], strict=True)] == rows


def test_spreadsheet_empty_rows_at_the_end_are_warned_of(tmp_path: Path, caplog) -> None:
    # What was wrong: Excel's 'Save as CSV' writes ',,,' rows for the empty rows after the data
    # it formatted; each was read and scored as a row of missing values (scored 13 rows of 10),
    # without a word. A warning now names them and the first one's line; rows keep their
    # place (the output's row numbers stay the file's).
    import logging

    from hourglass.ingest.readers import read_table

    path = tmp_path / "sheet.csv"
    path.write_text("host,bytes,dur\r\n" + "".join(f"h{i},{i * 10},{i}.5\r\n" for i in range(10))
                    + ",,\r\n" * 3)
    with caplog.at_level(logging.WARNING):
        df = read_table(path)
    assert len(df) == 13
    said = [r.getMessage() for r in caplog.records if "no value in any column" in r.getMessage()]
    assert len(said) == 1 and "3 row(s)" in said[0] and "first: line 12" in said[0], caplog.text
    caplog.clear()
    other = tmp_path / "gaps.csv"  # a missing value here and there: nothing said
    other.write_text("a,b\n1,\n,2\n3,4\n")
    with caplog.at_level(logging.WARNING):
        read_table(other)
    assert "no value in any column" not in caplog.text


def test_jsonl_windows_1252_line_is_said_with_how_to_convert_in_score_and_stream(tmp_path: Path) -> None:
    # What was wrong: a JSON line in Windows-1252 ('Jos\xe9') was refused by score and stream
    # with 'line 6: undecodable bytes (not UTF-8) (use --on-bad-rows skip ...)' alone, where a
    # CSV row's same bytes are said with how to convert the file (iconv -f cp1252 -t utf-8);
    # skipping would leave out every row with an accent. Both now say it as the CSV error does.
    import json

    from hourglass.ingest.tables import NOT_UTF8_HOW

    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps({"a": i % 7, "b": i % 5}) + "\n" for i in range(120)))
    res = runner.invoke(app, ["train", str(train), "--epochs", "1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    data = tmp_path / "cp1252.jsonl"
    data.write_bytes(b'{"a": 1, "b": 2}\n{"a": 2, "b": 3, "user": "Jos\xe9"}\n')
    want = (f"error: {data}: line 2: undecodable bytes (not UTF-8) ({NOT_UTF8_HOW}; or use "
            "--on-bad-rows skip to skip such rows)")
    assert "iconv -f cp1252 -t utf-8" in want
    for args in (["score", str(tmp_path / "m"), str(data), "-o", str(tmp_path / "out.csv")],
                 ["stream", str(tmp_path / "m"), "--input", str(data)]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
        assert [ln for ln in res.stderr.splitlines() if ln.startswith("error")] == [want], res.stderr
    assert not (tmp_path / "out.csv").exists()


def test_log_reader_counts_a_trailing_ctrl_z_as_blank() -> None:
    # What was wrong: a syslog file ending with Ctrl-Z (0x1A) said '201 lines, 1 matched no
    # header format' (a raw log learnt it as an event); it is a blank line, as in a table.
    from hourglass.ingest.logs import LogParser

    lines = [f"Dec  1 10:00:{i:02d} host sshd[{100 + i % 5}]: Accepted password for u{i % 3}"
             for i in range(20)] + ["\x1a"]
    p = LogParser("syslog").fit(lines)
    assert (p.stats_.unmatched, p.stats_.blank) == (0, 1)
    raw = LogParser("raw").fit(["a 1", "b 2", "\x1a\r\n"])
    assert (raw.stats_.parsed, len(raw.events_)) == (2, 2)
