"""Review round 59 (enc59): input files as real tools export them (encodings, line endings,
compression, dialects)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest.readers import read_table

_ROWS = [("alice", 443, 1.5, "normal"), ("bob", 80, 2.25, "normal"), ("José", 22, 0.5, "attack")]


def _powershell_csv(types: str = "System.Management.Automation.PSCustomObject") -> bytes:
    """A table as Windows PowerShell 5.1's Export-Csv writes it: a '#TYPE' line, every field
    quoted, CRLF line ends."""
    lines = [f"#TYPE {types}", '"user","port","bytes","label"']
    lines += [f'"{u}","{p}","{b}","{lab}"' for u, p, b, lab in _ROWS]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_powershell_export_csv_type_line_is_passed_over(tmp_path: Path) -> None:
    # What was wrong: Windows PowerShell 5.1's Export-Csv (and ConvertTo-Csv) writes a
    # '#TYPE System.Management.Automation.PSCustomObject' line before the header unless given
    # -NoTypeInformation; that line was read as the header (one column), so every such export
    # stopped with 'line 2: expected 1 fields, found 4 (the first data line: is the file in this
    # layout (--format, --dataset)?...)'. The line is now passed over, as Excel's 'sep=;' is.
    (tmp_path / "ps.csv").write_bytes(_powershell_csv())
    (tmp_path / "plain.csv").write_bytes(_powershell_csv().split(b"\r\n", 1)[1])
    got = read_table(tmp_path / "ps.csv")
    pd.testing.assert_frame_equal(got, read_table(tmp_path / "plain.csv"))
    assert list(got.columns) == ["user", "port", "bytes", "label"] and len(got) == 3
    # a generic type's name holds spaces; the lines of the file are still named as an editor does
    bad = _powershell_csv("System.Collections.Generic.List`1[[System.String, mscorlib]]")
    (tmp_path / "bad.csv").write_bytes(bad + b'"x","1","2","normal","extra"\r\n')
    with pytest.raises(InputError, match="line 6: expected 4 fields, found 5"):
        read_table(tmp_path / "bad.csv")


def test_folder_of_powershell_exports_reads_as_one_table(tmp_path: Path) -> None:
    # What was wrong: a folder of Export-Csv files (one a day) copied each file's '#TYPE' line
    # into the middle of the one table read ('psdir/b.csv: line 1: expected 4 fields, found 1');
    # each file's '#TYPE' line is now left out, and lines are still named in their own file.
    from hourglass.cli import app
    from tests._cli import runner

    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.csv").write_bytes(_powershell_csv())
    (folder / "b.csv").write_bytes(_powershell_csv())
    res = runner.invoke(app, ["inspect", str(folder), "--label-col", "label", "--normal", "normal"])
    assert res.exit_code == 0, res.output
    assert "6 rows inspected" in res.output
    (folder / "c.csv").write_bytes(_powershell_csv() + b'"x","1","2","normal","extra"\r\n')
    res = runner.invoke(app, ["inspect", str(folder), "--label-col", "label"])
    assert res.exit_code == 2 and "c.csv: line 6: expected 4 fields, found 5" in res.output, res.output


def test_session_labels_file_after_excel_sep_line_or_powershell_type_line(tmp_path: Path) -> None:
    # What was wrong: the --labels file of a log's sessions (HDFS anomaly_label.csv) was read by
    # pandas from its first line, while its delimiter was sniffed past Excel's 'sep=;' line: an
    # Excel export with that line was refused as "no column --id-col 'BlockId' ...; columns are
    # sep=, Unnamed: 1", and a PowerShell Export-Csv file as "columns are #TYPE System...". Both
    # lines are now passed over, as the table reader passes over them.
    from hourglass.cli.logs import read_session_labels

    want = {"blk_1": "Normal", "blk_2": "Anomaly"}
    (tmp_path / "xl.csv").write_bytes(b"sep=;\r\nBlockId;Label\r\nblk_1;Normal\r\nblk_2;Anomaly\r\n")
    (tmp_path / "ps.csv").write_bytes(b'#TYPE System.Management.Automation.PSCustomObject\r\n'
                                      b'"BlockId","Label"\r\n"blk_1","Normal"\r\n"blk_2","Anomaly"\r\n')
    for name in ("xl.csv", "ps.csv"):
        assert read_session_labels(tmp_path / name, id_col="BlockId", label_col="Label").to_dict() == want


def _tar_of(name: str, data: bytes, *, gz: bool) -> bytes:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_tar_archive_is_refused_naming_it_not_read_as_text(tmp_path: Path) -> None:
    # What was wrong: an appliance's export as a .tar.gz (or a .tar) was read as the text of one
    # file: a log's reader made the 512-byte tar header part of its first line and the padding
    # NULs a blank line, and scored the rest ('1 of 401 lines matched no header', one event of
    # a session lost, exit 0); a table's said 'binary data (NUL bytes) ... (a UTF-16 text file?
    # save it as UTF-8)'; 'stream' scored the log's lines as they came. Each now says it is a
    # tar archive, naming its first file and how to pipe it in, exit 2, nothing written.
    import io

    from hourglass.cli.stream import _gunzip_if_gzip
    from hourglass.errors import HourglassError
    from hourglass.ingest.logs import read_lines

    log = b"".join(b"Jun 14 15:16:%02d host1 sshd[%d]: Accepted password for root\n" % (i, 100 + i)
                   for i in range(20))
    for gz in (True, False):
        path = tmp_path / ("auth.tar.gz" if gz else "auth.tar")
        path.write_bytes(_tar_of("auth.log", log, gz=gz))
        with pytest.raises(InputError, match=r"a tar archive \(its first file: auth\.log\); .*tar -xOf"):
            list(read_lines(path))
        table = tmp_path / ("flows.tar.gz" if gz else "flows.tar")
        table.write_bytes(_tar_of("flows.csv", b"a,b\n1,2\n" * 50, gz=gz))
        with pytest.raises(InputError, match=r"flows\.tar(\.gz)?: a tar archive \(its first file: flows"):
            read_table(table)
        read = _gunzip_if_gzip(io.BytesIO(path.read_bytes()).read, "<stdin>")
        with pytest.raises(HourglassError, match=r"<stdin>: a tar archive \(its first file: auth\.log\)"):
            read(65536)
    # the log itself, and a short first read of a live stream, are text as before
    (tmp_path / "auth.log").write_bytes(log)
    assert len(list(read_lines(tmp_path / "auth.log"))) == 20
    assert _gunzip_if_gzip(io.BytesIO(log).read, "<stdin>")(100) == log[:100]


def test_score_of_a_log_tar_writes_nothing(tmp_path: Path) -> None:
    # What was wrong: see above; 'hourglass score MODEL auth.tar.gz -o out.csv' wrote scores of the
    # archive's bytes and exited 0.
    from hourglass.cli import app
    from tests._cli import runner

    pytest.importorskip("drain3")
    log = b"".join(b"Jun 14 15:%02d:%02d host1 sshd[%d]: session opened for user u%d\n"
                   % (i // 60, i % 60, 100 + i % 7, i % 3) for i in range(300))
    (tmp_path / "auth.log").write_bytes(log)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "auth.log"), "--format", "syslog", "--session-col",
                              "pid", "--model", "deeplog", "--epochs", "1", "-o", str(model)])
    assert res.exit_code == 0, res.output
    (tmp_path / "auth.tar.gz").write_bytes(_tar_of("auth.log", log, gz=True))
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "auth.tar.gz"), "-o", str(out)])
    assert res.exit_code == 2 and "a tar archive (its first file: auth.log)" in res.output, res.output
    assert not out.exists()


def test_coloured_log_lines_are_said_to_hold_terminal_colour_codes(tmp_path: Path) -> None:
    # What was wrong: a log saved from a program's coloured output (kubectl logs, docker logs
    # of an app logging with colour) starts every line with ESC[..m codes, so no line matched
    # the header format and train stopped with "line 1: does not match the 'syslog' header
    # format: '\x1b[32mJun 14 ...'", saying neither what was wrong nor what to do. The message
    # now says the line holds terminal colour codes and how to remove them.
    from hourglass.cli import app
    from tests._cli import runner

    pytest.importorskip("drain3")
    log = tmp_path / "app.log"
    log.write_text("".join(f"\x1b[32mJun 14 15:16:{i:02d}\x1b[0m host1 \x1b[1msshd\x1b[0m[{100 + i}]: "
                           "Accepted password for root\n" for i in range(30)))
    res = runner.invoke(app, ["train", str(log), "--format", "syslog", "--session-col", "pid",
                              "--model", "deeplog", "-o", str(tmp_path / "m")])
    assert res.exit_code == 2, res.output
    assert "line 1: does not match the 'syslog' header format (it holds terminal colour codes" in res.output
    assert "sed 's/\\x1b\\[[0-9;]*m//g' FILE" in res.output
    assert not (tmp_path / "m").exists()


def test_score_of_decimal_commas_says_so_not_skip_the_rows(tmp_path: Path) -> None:
    # What was wrong: a file to score exported by a spreadsheet in a European locale ('1251,63'
    # under ';' separators) was refused with "column 'bytes': expected numbers, found '1251,63'
    # (line 2) (use --on-bad-rows skip to skip such rows)": no word of the decimal comma, and
    # advice that skips every row of such a file. It now says the number is written with a
    # decimal comma or separators and to export it with a decimal point, without that advice.
    import numpy as np

    from hourglass import AutoEncoder, Pipeline
    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"bytes": rng.gamma(2, 500, 200).round(2), "duration": rng.random(200).round(3)})
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).save(tmp_path / "m")
    eu = tmp_path / "eu.csv"
    eu.write_text(df.to_csv(index=False, sep=";", decimal=","), encoding="utf-8-sig")
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(eu), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert "expected numbers, found '" in res.output
    assert "(line 2); a number written with a decimal comma" in res.output
    assert "--on-bad-rows skip" not in res.output and not out.exists()
    # a word in a numeric column keeps the advice to skip its row
    bad = tmp_path / "bad.csv"
    bad.write_text("bytes,duration\n12.5,0.1\noops,0.2\n")
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(bad), "-o", str(out)])
    assert res.exit_code == 2 and "found 'oops' (line 3) (use --on-bad-rows skip" in res.output, res.output


def test_nab_windows_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    # What was wrong: NAB's labels/combined_windows.json saved by a Windows editor (Notepad, a
    # PowerShell 5.1 Set-Content -Encoding UTF8) starts with a UTF-8 byte-order mark, and the
    # series was refused: "combined_windows.json: unreadable windows file (Unexpected UTF-8 BOM
    # (decode using utf-8-sig) ...)", where every other JSON and text reader drops the mark.
    import json

    from hourglass.ingest.timeseries import read_nab

    series = tmp_path / "data" / "realKnownCause" / "taxi.csv"
    series.parent.mkdir(parents=True)
    series.write_text("timestamp,value\n" + "".join(f"2014-07-01 0{h}:00:00,{v}\n"
                                                    for h, v in enumerate([10, 12, 95, 11])))
    (tmp_path / "labels").mkdir()
    windows = {"realKnownCause/taxi.csv": [["2014-07-01 02:00:00.000000", "2014-07-01 02:30:00.000000"]]}
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps(windows), encoding="utf-8-sig")
    assert read_nab(series)["label"].tolist() == [0, 0, 1, 0]


def test_windows_1252_rows_are_said_how_to_convert(tmp_path: Path) -> None:
    # What was wrong: a CSV written in Windows-1252 (Excel's 'CSV (Comma delimited)', a user name
    # 'José' from an old appliance) stopped at its first accent with "line 4: undecodable bytes
    # (not UTF-8) (use --on-bad-rows skip to skip such rows)": the one advice skips every row with
    # an accent, training on the rest. The error now says how to convert the file and pipe it in.
    from hourglass.cli import app
    from tests._cli import runner

    rows = "user,bytes\n" + "".join(f"{u},{b}\n" for u, b in [("alice", 1), ("bob", 2), ("José", 3)] * 5)
    (tmp_path / "cp.csv").write_bytes(rows.encode("cp1252"))
    res = runner.invoke(app, ["inspect", str(tmp_path / "cp.csv")])
    assert res.exit_code == 2, res.output
    assert ("line 4: undecodable bytes (not UTF-8) (a Windows-1252 or Latin-1 file? convert it "
            "to UTF-8 and pipe it in, e.g. iconv -f cp1252 -t utf-8 FILE | hourglass ... -; or use "
            "--on-bad-rows skip to skip such rows)") in " ".join(res.output.split()), res.output


def test_entity_features_warn_of_numbers_with_decimal_commas(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a table model's features warn that a column of numbers written with
    # decimal commas (a spreadsheet's regional export: '772,98') is read as text, but an entity
    # model (--entity-col) dropped such a column as 'near-unique text' with an info line at most
    # ('hourglass inspect' said nothing), so a user's bytes were silently no feature. It now
    # warns alike.
    import logging

    import numpy as np

    from hourglass.features.entity import EntityWindows

    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"user": rng.choice(["alice", "bob"], n), "ts": np.sort(rng.integers(0, 86400, n)),
                       "bytes": [f"{v:.2f}".replace(".", ",") for v in rng.gamma(2, 500, n)],
                       "dst": rng.choice(["10.0.0.1", "10.0.0.2"], n)})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        EntityWindows("user", "ts", bucket="1h").fit(df)
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(m.startswith("column 'bytes' holds numbers with separators (e.g. '") for m in said), said


def test_time_series_say_decimal_commas(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a metrics export from a spreadsheet in a European locale ('0,512') trained
    # as a time series said only "ignoring non-numeric column(s): cpu, mem" and "no numeric
    # channels to model", and scoring such a file with a model of the clean series said
    # "column 'cpu': expected numbers, found '0,512' (line 2)": neither named the decimal comma.
    # Both now say the numbers are written with separators and how to write them.
    import logging

    import numpy as np

    from hourglass.features.timeseries import TimeSeriesPreprocessor

    rng = np.random.default_rng(0)
    clean = pd.DataFrame({"cpu": rng.random(60).round(3), "mem": rng.random(60).round(3)})
    eu = clean.map(lambda v: f"{v:.3f}".replace(".", ","))
    with caplog.at_level(logging.WARNING, logger="hourglass"), \
            pytest.raises(InputError, match="no numeric channels"):
        TimeSeriesPreprocessor().fit(eu)
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "ignoring non-numeric column(s): cpu, mem ('cpu' holds numbers with separators, e.g. '" in said
    pre = TimeSeriesPreprocessor().fit(clean)
    with pytest.raises(InputError, match=r"found '0,\d+' \(row 1\); a number written with a decimal comma"):
        pre.transform(eu)


def test_a_quote_never_closed_is_named_not_found_1_field(tmp_path: Path) -> None:
    # What was wrong: a row whose first field opens a quote that is never closed (a value cut
    # by an export, '"alice,443,...') made the rest of the file that one field, and the error
    # said "line 3: expected 3 fields, found 1" of a line that shows its 3 fields. It now says
    # that a quote opened on that line is never closed and how to write a quote in a value.
    p = tmp_path / "t.csv"
    p.write_text('user,port,label\nbob,80,normal\n"alice,443,normal\ncarol,22,normal\n')
    with pytest.raises(InputError, match=r"t\.csv: line 3: a quote that opens a field there is never "
                                         r"closed, .*\(expected 3 fields, found 1\)"):
        read_table(p)
    # a quoted line break that is closed, in a row of too few fields, is worded as before
    p.write_text('user,port,label\nbob,80,normal\n"al\nice",443\ncarol,22,normal\n')
    with pytest.raises(InputError, match=r"line 3: expected 3 fields, found 2 \(use"):
        read_table(p)


def test_a_quote_never_closed_is_said_when_its_row_is_skipped(tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: with --on-bad-rows skip, the same row (every line after the quote) was
    # 'skipped 1 malformed row(s) (lines 3)', the lines after it lost with no word. A warning
    # now says the quote is never closed and how many lines went with the row.
    import logging

    from hourglass.ingest.tables import ReadStats

    p = tmp_path / "t.csv"
    p.write_text('user,port,label\nbob,80,normal\n"alice,443,normal\ncarol,22,normal\ndan,25,normal\n')
    stats = ReadStats()
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        df = read_table(p, on_bad_rows="skip", stats=stats)
    assert len(df) == 1 and stats.bad_rows == 1
    said = [r.getMessage() for r in caplog.records]
    assert any("line 3: a quote that opens a field there is never closed, so the 2 line(s) after it"
               in m for m in said), said


def test_a_quote_never_closed_in_the_last_field_is_no_silent_row(tmp_path: Path) -> None:
    # What was wrong: a quote opening the LAST field of a row and never closed (a value cut by an
    # export) is read by pyarrow as that field running to the end of the file: every row after
    # it was lost in one value, silently ('1 row inspected' of 3, exit 0). It is now an error
    # naming the line (a warning with --on-bad-rows skip); a closed quoted line break is read
    # as before.
    p = tmp_path / "t.csv"
    p.write_text('a,b\n1,"x\n2,y\n3,z\n')
    with pytest.raises(InputError, match=r"t\.csv: line 2: a quote that opens its last field is never"):
        read_table(p)
    p.write_text('a,b\r\n1,"x\r\ny"\r\n2,z\r\n3,"w\nv"\r\n')
    assert read_table(p)["b"].tolist() == ["x\r\ny", "z", "w\nv"]
