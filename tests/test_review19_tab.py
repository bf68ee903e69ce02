"""Reading tables: each test pinned by the input that showed the defect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import runner


def test_inspect_names_the_delimiter_of_a_header_after_blank_lines(tmp_path: Path) -> None:
    """A semicolon-separated export whose header comes after blank lines is read with ``;`` (the
    header is the first line that holds anything), but ``inspect`` said ``format csv``: it
    sniffed the delimiter on the blank first line. It names the delimiter the read used."""
    path = tmp_path / "eu.csv"
    path.write_text("\n\nhost;bytes;pkts\n" + "".join(f"h{i % 3};{i * 7};{i % 5}\n" for i in range(20)))
    out = tmp_path / "schema.json"
    res = runner.invoke(app, ["inspect", str(path), "--json", str(out)])
    assert res.exit_code == 0, res.output
    report = json.loads(out.read_text())
    assert report["format"] == "csv (semicolon-separated)"
    assert [c["column"] for c in report["columns"]] == ["host", "bytes", "pkts"]


def test_a_later_time_with_nanoseconds_reads_in_a_column_of_whole_seconds(tmp_path: Path) -> None:
    """A CSV time column typed from a first block of whole seconds (``10:00:05Z``) refused a later
    valid RFC 3339 time with nanoseconds (Go's ``10:00:00.123456789Z``; .NET writes seven
    digits): the read stopped ('malformed value'), or the row was skipped as malformed. It
    reads, cut to the column's microseconds."""
    import pandas as pd

    from hourglass.ingest.tables import ReadStats, iter_table

    rows = [f"2024-01-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z,{i}" for i in range(3000)]
    rows[2500] = "2024-01-01T10:00:00.123456789Z,2500"
    rows[2600] = "2024-01-01T12:00:00.1234567+02:00,2600"
    path = tmp_path / "events.csv"
    path.write_text("time,v\n" + "\n".join(rows) + "\n")
    for mode in ("error", "skip"):
        stats = ReadStats()
        df = pd.concat(list(iter_table(path, fmt="csv", chunk_bytes=1024, on_bad_rows=mode, stats=stats)),
                       ignore_index=True)
        assert len(df) == stats.rows == 3000 and stats.bad_rows == 0
        assert df["time"].iloc[2500] == pd.Timestamp("2024-01-01T10:00:00.123456Z")
        assert df["time"].iloc[2600] == pd.Timestamp("2024-01-01T10:00:00.123456Z")
        assert df["time"].iloc[2599] == pd.Timestamp("2024-01-01T10:43:19Z")


def test_an_unset_value_past_the_first_block_is_a_missing_number(tmp_path: Path) -> None:
    """``-`` (or ``(empty)``) in a column of numbers is a missing value where the first block
    has it (the column reads as text, its numbers read by the preprocessing); one past the first
    block stopped the read ('malformed value '-'') or, with --on-bad-rows skip, dropped its row,
    so the same file trained or scored only where the unset value did not come late."""
    import numpy as np
    import pandas as pd

    from hourglass.ingest.tables import ReadStats, iter_table
    from tests._cli import small_labelled_model

    rows = [f"{i},{i % 7}" for i in range(3000)]
    rows[2500], rows[2700] = "-,1", "(empty), -"
    path = tmp_path / "t.csv"
    path.write_text("bytes,pkts\n" + "\n".join(rows) + "\n")
    for mode in ("error", "skip"):
        stats = ReadStats()
        df = pd.concat(list(iter_table(path, fmt="csv", chunk_bytes=1024, on_bad_rows=mode, stats=stats)),
                       ignore_index=True)
        assert len(df) == 3000 and stats.bad_rows == 0
        assert np.isnan(df["bytes"].iloc[[2500, 2700]]).all() and np.isnan(df["pkts"].iloc[2700])
        assert df["bytes"].iloc[2501] == 2501
    small = small_labelled_model(tmp_path)
    frame = small["frame"].copy()
    frame["bytes"] = frame["bytes"].astype(object)
    frame.loc[250, "bytes"] = "-"
    data = tmp_path / "later.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "scores.csv"
    res = runner.invoke(app, ["score", str(small["model"]), str(data), "-o", str(out), "--chunk-mb", "0.001"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 300


def test_rows_the_model_refused_stay_counted_when_the_reader_reads_again(tmp_path: Path) -> None:
    """``score --on-bad-rows skip``: a row whose value the model refused (text in a numeric
    column) was counted as skipped, then lost from the count when the reader read the file again
    (a later value that does not fit its column's type): 'skipped 1 malformed row(s)' while two
    rows were left out of the scores."""
    import pandas as pd

    from tests._cli import small_labelled_model

    small = small_labelled_model(tmp_path)
    frame = small["frame"].astype({"bytes": object, "pkts": object})
    frame.loc[5, "bytes"] = "oops"  # in the first block: a text column, refused by the model
    frame.loc[250, "pkts"] = "word"  # past it: the reader reads the file again
    data = tmp_path / "two_bad.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "scores.csv"
    res = runner.invoke(app, ["score", str(small["model"]), str(data), "-o", str(out), "--chunk-mb", "0.001",
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 298
    assert "skipped 2 malformed row(s)" in res.stderr, res.stderr


def test_an_unset_value_past_the_first_block_of_a_boolean_column_is_missing(tmp_path: Path) -> None:
    """As for numbers: a ``-`` past the first block of a column of ``true``/``false`` stopped
    the read; it is a missing value, as in the first block."""
    import pandas as pd

    from hourglass.ingest.tables import iter_table

    rows = [f"{'true' if i % 2 else 'false'},{i}" for i in range(3000)]
    rows[2500] = "-,2500"
    path = tmp_path / "flags.csv"
    path.write_text("flag,v\n" + "\n".join(rows) + "\n")
    df = pd.concat(list(iter_table(path, fmt="csv", chunk_bytes=1024)), ignore_index=True)
    assert len(df) == 3000 and pd.isna(df["flag"].iloc[2500]) and df["flag"].iloc[2501] is True


def test_iot23_spaced_fields_split_by_distinct_value() -> None:
    """IoT-23's ``tunnel_parents   label   detailed-label`` is split once per distinct value (it
    was split row by row: ~9 s a million rows, ten times the read); each row gets its own
    fields, a short or missing value missing ones, the unset value missing."""
    import numpy as np
    import pandas as pd

    from hourglass.ingest.flows import _spaced_fields, _split_spaced

    values = np.array(["-   Malicious   C&C", "(empty)   Benign   -", "x   Benign", None] * 50, dtype=object)
    df = pd.DataFrame({"ts": np.arange(200.0), "tunnel_parents   label   detailed-label": values})
    spaced = _spaced_fields(list(df.columns), ["time", "set[string]   string   string"])
    out = _split_spaced(df, spaced, "-", Path("conn.log.labeled"))
    assert list(out.columns) == ["ts", "tunnel_parents", "label", "detailed-label"]
    assert out.iloc[:4].to_dict("list") == {
        "ts": [0.0, 1.0, 2.0, 3.0], "tunnel_parents": [np.nan, "(empty)", "x", np.nan],
        "label": ["Malicious", "Benign", "Benign", np.nan], "detailed-label": ["C&C", np.nan, np.nan, np.nan]}
    assert out["label"].value_counts().to_dict() == {"Benign": 100, "Malicious": 50}


def test_a_header_name_with_a_line_break_is_one_header(tmp_path: Path) -> None:
    """A spreadsheet's header cell holding a line break (``"Bytes<Alt+Enter>Sent"``, quoted
    over two lines) was taken as a one-line header: the read stopped at 'line 2: expected 1
    fields, found 2'. The quoted name goes on to the line that closes it; rows, counts and
    line numbers are the file's."""
    import pandas as pd

    from hourglass.ingest.tables import ReadStats, iter_table

    for sep in (",", ";"):
        path = tmp_path / f"sheet{sep == ';'}.csv"
        rows = [sep.join((str(i), "tcp" if i % 2 else "udp")) for i in range(50)]
        rows[30] = sep.join(("30", "tcp", "extra"))
        path.write_text(sep.join(('"Bytes\nSent"', "proto")) + "\n" + "\n".join(rows) + "\n")
        stats = ReadStats()
        df = pd.concat(list(iter_table(path, fmt="csv", on_bad_rows="skip", stats=stats)))
        assert list(df.columns) == ["Bytes\nSent", "proto"] and len(df) == stats.rows == 49
        assert stats.bad_lines == [33]  # (header lines 1-2, data row 31)
    path = tmp_path / "inch.csv"  # a '"' inside a name opens no quoted name
    path.write_text('name,size ("),x\n1,2,3\n4,5,6\n')
    df = next(iter_table(path, fmt="csv"))
    assert list(df.columns) == ["name", 'size (")', "x"] and len(df) == 2


def test_a_windows_1252_cic_file_with_a_repeated_header_in_its_first_block(tmp_path: Path) -> None:
    """A CICFlowMeter CSV in Windows-1252 whose first block repeats its header: the block less
    that row was written out as UTF-8 and read back as Windows-1252, so a label with a curly
    quote (``\\x94``, UTF-8 ``e2 80 9d``; 0x9d has no Windows-1252 character) stopped every
    command with "'charmap' codec can't decode byte 0x9d" and no file named."""
    from hourglass.ingest.formats import get_format
    from hourglass.ingest.tables import ReadStats

    head = " Destination Port, Flow Duration, Flow Bytes/s, Label\n"
    rows = ["80,100,1.5,BENIGN", "80,7,1.5,Web Attack \u201dX\u201d", head.strip(), "443,50,2.5,BENIGN"]
    path = tmp_path / "Thursday-WorkingHours.pcap_ISCX.csv"
    path.write_bytes((head + "\n".join(rows) + "\n").encode("cp1252"))
    for mode in ("error", "skip"):
        stats = ReadStats()
        df = get_format("cicflowmeter").read(path, on_bad_rows=mode, stats=stats)
        assert df["Label"].tolist() == ["BENIGN", "Web Attack \u201dX\u201d", "BENIGN"]
        assert stats.rows == 3 and stats.bad_rows == 1  # the repeated header line


def test_chunk_mb_bounds_the_chunks_of_json_lines(tmp_path: Path) -> None:
    """``--chunk-mb`` (MB of input per streamed chunk) was ignored for JSON lines: a chunk was
    always 50,000 rows, however large each row (CloudTrail or Okta events of kilobytes: a chunk
    of hundreds of MB whatever the option said). Chunks now hold about ``chunk_bytes`` of lines;
    every row once, in order (Zeek's JSON logs too)."""
    from hourglass.ingest.formats import get_format
    from hourglass.ingest.tables import ReadStats, iter_table

    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps({"n": i, "msg": "x" * 100}) + "\n" for i in range(200)))
    stats = ReadStats()
    chunks = list(iter_table(path, fmt="jsonl", chunk_bytes=4096, stats=stats))
    assert len(chunks) >= 5 and all(len(c) <= 40 for c in chunks)
    assert [n for c in chunks for n in c["n"]] == list(range(200)) and stats.rows == 200
    conn = tmp_path / "conn.json"
    conn.write_text("".join(json.dumps({"ts": 1.7e9 + i, "id.orig_h": "10.0.0.1", "id.resp_h": "10.0.0.2",
                                        "orig_bytes": i}) + "\n" for i in range(200)))
    zeek = list(get_format("zeek-conn").iter_chunks(conn, chunk_bytes=2048))
    assert len(zeek) > 1 and sum(map(len, zeek)) == 200


def test_a_quote_inside_a_field_leaves_later_lines_named(tmp_path: Path) -> None:
    """A '"' inside a field (``5" screen``) is a character, as the reader reads it; the count of
    lines took it for an open quoted field and ran on to the end of the file, so a later bad
    row was 'data row 2501 (its line is not known)', and skipped rows had no lines."""
    from hourglass.errors import InputError
    from hourglass.ingest.tables import ReadStats, iter_table

    rows = [f"{i},{i},m" for i in range(3000)]
    rows[3], rows[2500] = '3,3,5" screen', "2500,bad,x"
    path = tmp_path / "items.csv"
    path.write_text("a,b,msg\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"items\.csv: line 2502: column 'b': malformed value 'bad'"):
        list(iter_table(path, fmt="csv", chunk_bytes=1024))
    stats = ReadStats()
    list(iter_table(path, fmt="csv", chunk_bytes=1024, on_bad_rows="skip", stats=stats))
    assert stats.bad_rows == 1 and stats.bad_lines == [2502]


def test_an_excel_sep_line_names_the_delimiter(tmp_path: Path) -> None:
    """Excel's ``sep=;`` line before the header was read as the header: one column ``sep=``
    (and an empty one), the read stopped at the first row ('expected 2 fields, found 3'). It
    names the delimiter; the header is the next line, and line numbers stay the file's."""
    from hourglass.errors import InputError
    from hourglass.ingest.tables import iter_table

    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbfsep=;\r\nhost;bytes;label\r\na;15;x\r\nb;2;y\r\nc;3\r\n")
    with pytest.raises(InputError, match=r"export\.csv: line 5: expected 3 fields, found 2"):
        list(iter_table(path, fmt="csv"))
    path.write_bytes(b"sep=;\nhost;bytes;label\na;15;x\nb;2;y\n")
    df = next(iter_table(path, fmt="csv"))
    assert list(df.columns) == ["host", "bytes", "label"] and df["bytes"].tolist() == [15, 2]
    out = tmp_path / "schema.json"
    res = runner.invoke(app, ["inspect", str(path), "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["format"] == "csv (semicolon-separated)"
