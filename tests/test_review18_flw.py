"""Flow records and table I/O: each test pinned by the input that showed the defect."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from hourglass.ingest.formats import get_format

_CONN_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "orig_bytes",
                "local_orig", "local_resp"]
_CONN_TYPES = ["time", "string", "addr", "port", "addr", "port", "enum", "count", "bool", "bool"]


def _zeek_tsv(path: Path, fields: list[str], types: list[str], rows: list[list[str]]) -> Path:
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            f"#path\t{path.stem}", "#fields\t" + "\t".join(fields), "#types\t" + "\t".join(types)]
    path.write_text("\n".join([*head, *("\t".join(r) for r in rows), "#close\t2026-01-01-00-00-00"]) + "\n")
    return path


def test_zeek_tsv_bools_read_as_the_json_log_holds_them(tmp_path: Path) -> None:
    """Zeek writes a ``bool`` field as ``T``/``F`` in TSV and ``true``/``false`` in JSON: the TSV
    values stayed the words 'T'/'F', so a model trained on conn.log saw every ``local_orig`` of
    the same log written as JSON (True/False) as a category never seen."""
    from hourglass.features.roles import factorize_strings

    rows = [["1700000000.5", "C1", "10.0.0.5", "40000", "10.0.0.1", "80", "tcp", "10", "T", "F"],
            ["1700000001.5", "C2", "10.0.0.6", "40001", "10.0.0.1", "53", "udp", "20", "F", "-"]]
    tsv = get_format("zeek-conn").read(_zeek_tsv(tmp_path / "conn.log", _CONN_FIELDS, _CONN_TYPES, rows))
    lines = [{"ts": 1700000000.5, "uid": "C1", "id.orig_h": "10.0.0.5", "id.orig_p": 40000,
              "id.resp_h": "10.0.0.1", "id.resp_p": 80, "proto": "tcp", "orig_bytes": 10,
              "local_orig": True, "local_resp": False},
             {"ts": 1700000001.5, "uid": "C2", "id.orig_h": "10.0.0.6", "id.orig_p": 40001,
              "id.resp_h": "10.0.0.1", "id.resp_p": 53, "proto": "udp", "orig_bytes": 20,
              "local_orig": False}]
    path = tmp_path / "conn.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    js = get_format("zeek-conn").read(path)
    assert tsv["local_orig"].tolist() == [True, False] == js["local_orig"].tolist()
    assert tsv["local_resp"].isna().tolist() == [False, True] == js["local_resp"].isna().tolist()
    for c in ("local_orig", "local_resp"):
        (a, ua), (b, ub) = factorize_strings(tsv[c], bools=True), factorize_strings(js[c], bools=True)
        assert ua[a].tolist() == ub[b].tolist()  # the categories a model sees
    # a string field that happens to hold 'T' stays text
    rows = [["1700000000.5", "C1", "10.0.0.5", "40000", "10.0.0.1", "80", "T", "10", "T", "T"]]
    df = get_format("zeek-conn").read(_zeek_tsv(tmp_path / "c2.log", _CONN_FIELDS,
                                                ["time", "string", "addr", "port", "addr", "port",
                                                 "string", "count", "bool", "string"], rows))
    assert df["proto"].tolist() == ["T"] and df["local_resp"].tolist() == ["T"]
    assert df["local_orig"].tolist() == [True]


def test_a_repeated_header_row_leaves_64_bit_columns_exact_numbers(tmp_path: Path) -> None:
    """A column of whole numbers past 2**53 is read as exact int64; a row repeating the header
    (CIC-IDS2018's files, CSVs joined with ``cat``) made it text ('9007199254740993'), so the
    same counter was a number in one file and a hashed category in the other."""
    from hourglass.ingest.readers import read_table
    from hourglass.ingest.tables import ReadStats

    head = "Flow ID,Dst Port,Protocol,Flow Duration,Tot Fwd Pkts,Flow Byts/s,Label\n"
    rows = ["1-2,53,17,100,2,Infinity,Benign", "1-3,53,17,300,9007199254740993,-Infinity,DDoS",
            "1-4,80,6,5,1,12.5,Benign", "1-5,80,6,7,,1.5,Benign"]
    one = tmp_path / "one.csv"
    one.write_text(head + "\n".join(rows) + "\n")
    joined = tmp_path / "joined.csv"
    joined.write_text(head + "\n".join(rows[:2]) + "\n" + head + "\n".join(rows[2:]) + "\n")
    for spec in (get_format("cicflowmeter"), None):
        frames = []
        for path in (one, joined):
            stats = ReadStats()
            df = spec.read(path, stats=stats) if spec is not None else read_table(path, stats=stats)
            assert stats.rows == 4 and stats.bad_rows == (path == joined)
            frames.append(df)
        for df in frames:
            assert pd.api.types.is_integer_dtype(df["Tot Fwd Pkts"].dtype), df["Tot Fwd Pkts"].dtype
            assert df["Tot Fwd Pkts"].tolist()[:3] == [2, 9007199254740993, 1]
            assert df["Tot Fwd Pkts"].isna().tolist() == [False, False, False, True]
            assert df["Flow Byts/s"].tolist()[:2] == [float("inf"), float("-inf")]
    # a value that is no int64 after the repeated header still makes the column text, exactly
    bad = tmp_path / "bad.csv"
    bad.write_text(head + rows[1] + "\n" + head + "1-9,80,6,5,x12,1.0,Benign\n")
    df = get_format("cicflowmeter").read(bad)
    assert df["Tot Fwd Pkts"].tolist() == ["9007199254740993", "x12"]


def test_zeek_tsv_sets_and_vectors_read_as_the_json_log_holds_them(tmp_path: Path) -> None:
    """A Zeek TSV set or vector (dns.log's ``answers`` and ``TTLs``, http.log's ``tags``) is its
    elements joined by ``#set_separator``, an empty one ``(empty)``; the JSON log writes a JSON
    array, which the JSON reader keeps as its JSON text. The TSV gave 'a.example,1.2.3.4' (an
    escaped comma in an element undone into a separator) and an empty set as missing, so a
    model trained on one form of the log hashed every answer of the other differently."""
    from hourglass.features.roles import factorize_strings

    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "query", "qtype",
              "answers", "TTLs", "tags"]
    types = ["time", "string", "addr", "port", "addr", "port", "string", "count", "vector[string]",
             "vector[interval]", "set[enum]"]
    rows = [["1.5", "C1", "10.0.0.1", "1234", "10.0.0.2", "53", "caf\\xc3\\xa9.example", "1",
             "a.example,1.2.3.4,x\\x2cy", "60.000000,5.500000,1.000000", "A"],
            ["2.5", "C2", "10.0.0.1", "1235", "10.0.0.2", "53", "(empty)", "28", "(empty)", "(empty)",
             "(empty)"],
            ["3.5", "C3", "10.0.0.1", "1236", "10.0.0.2", "53", "b.example", "-", "-", "-", "-"]]
    tsv = get_format("zeek-conn").read(_zeek_tsv(tmp_path / "dns.log", fields, types, rows))
    lines = [{"ts": 1.5, "uid": "C1", "id.orig_h": "10.0.0.1", "id.orig_p": 1234, "id.resp_h": "10.0.0.2",
              "id.resp_p": 53, "query": "café.example", "qtype": 1,
              "answers": ["a.example", "1.2.3.4", "x,y"], "TTLs": [60.0, 5.5, 1.0], "tags": ["A"]},
             {"ts": 2.5, "uid": "C2", "id.orig_h": "10.0.0.1", "id.orig_p": 1235, "id.resp_h": "10.0.0.2",
              "id.resp_p": 53, "query": "", "qtype": 28, "answers": [], "TTLs": [], "tags": []},
             {"ts": 3.5, "uid": "C3", "id.orig_h": "10.0.0.1", "id.orig_p": 1236, "id.resp_h": "10.0.0.2",
              "id.resp_p": 53, "query": "b.example"}]
    path = tmp_path / "dns.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    js = get_format("zeek-conn").read(path)
    assert tsv["answers"].tolist()[:2] == ['["a.example", "1.2.3.4", "x,y"]', "[]"]
    assert tsv["TTLs"].tolist()[:2] == ["[60.0, 5.5, 1.0]", "[]"]
    for c in ("query", "answers", "TTLs", "tags"):
        (a, ua), (b, ub) = factorize_strings(tsv[c]), factorize_strings(js[c])
        assert ua[a].tolist() == ub[b].tolist(), c
    assert tsv[["answers", "TTLs", "tags"]].iloc[2].isna().all()  # unset: missing, as absent in JSON


def test_sqlite_output_keeps_a_boolean_field_with_missing_values_integer(tmp_path: Path) -> None:
    """A kept JSON or Zeek boolean field that some rows lack is an object column of True/False/
    missing: the CSV and JSON lines write true/false, but the SQLite table made it a TEXT column
    holding '1' and '0' (``typeof`` text), unlike a boolean column without gaps (INTEGER)."""
    import sqlite3

    from hourglass.ingest.writers import chunk_writer

    target = tmp_path / "alerts.sqlite"
    with chunk_writer(target) as w:
        w.write(pd.DataFrame({"row": [0, 1, 2], "local_orig": pd.Series([True, None, False], dtype=object),
                              "note": pd.Series(["a", None, "b"], dtype=object)}))
        w.write(pd.DataFrame({"row": [3], "local_orig": pd.Series([True], dtype=object),
                              "note": pd.Series(["c"], dtype=object)}))
    conn = sqlite3.connect(target)
    types = {r[1]: r[2] for r in conn.execute("PRAGMA table_info(alerts)")}
    assert types == {"row": "INTEGER", "local_orig": "INTEGER", "note": "TEXT"}
    rows = conn.execute("SELECT local_orig, typeof(local_orig) FROM alerts ORDER BY row").fetchall()
    assert rows == [(1, "integer"), (None, "null"), (0, "integer"), (1, "integer")]
    conn.close()


def test_iot23_labelled_conn_log_reads_its_label_fields(tmp_path: Path) -> None:
    """IoT-23's ``conn.log.labeled`` (the labelled export the format's docs name for
    ``--label-col``) joins its last three fields by three spaces, in ``#fields``, ``#types`` and
    every row: they were read as one column 'tunnel_parents   label   detailed-label', so
    ``--label-col label`` stopped with "no label column 'label'", and without it the labels were
    one-hot features. The fields are split; ``detailed-label`` (the attack's name) is no feature."""
    from hourglass.cli import app
    from tests._cli import runner

    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "duration",
              "orig_bytes", "conn_state", "tunnel_parents   label   detailed-label"]
    types = ["time", "string", "addr", "port", "addr", "port", "enum", "interval", "count", "string",
             "set[string]   string   string"]
    rows = []
    for i in range(200):
        bad = i % 10 == 0
        rows.append([f"{1525879831 + i}.5", f"C{i}", "192.168.100.103", str(40000 + i), f"65.1.2.{i % 200}",
                     "23" if bad else "443", "tcp", f"{(i % 7) / 3:.6f}", str(100 + (i * 37) % 400),
                     "S0" if bad else "SF",
                     "-   Malicious   PartOfAHorizontalPortScan" if bad else "(empty)   Benign   -"])
    log = _zeek_tsv(tmp_path / "conn.log.labeled", fields, types, rows)
    df = get_format("zeek-conn").read(log)
    assert list(df.columns[-3:]) == ["tunnel_parents", "label", "detailed-label"]
    assert df["label"].value_counts().to_dict() == {"Benign": 180, "Malicious": 20}
    assert df["detailed-label"].iloc[0] == "PartOfAHorizontalPortScan" and df["detailed-label"].isna().iloc[1]
    assert df["tunnel_parents"].isna().iloc[0] and df["tunnel_parents"].iloc[1] == "[]"
    assert df["orig_bytes"].iloc[1] == 137 and len(df) == 200
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(log), "--label-col", "label", "--normal", "Benign",
                              "-o", str(model), "--epochs", "1", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    config = json.loads((model / "config.json").read_text())
    assert config["features"]["roles"].keys().isdisjoint({"label", "detailed-label"})
    assert config["info"]["n_train_rows"] == 180  # the Benign rows


def test_cic_ids2017_web_attack_labels_in_windows_1252_read(tmp_path: Path) -> None:
    """CIC-IDS2017's CSVs were written on Windows: the web attacks' labels hold an en dash in
    Windows-1252 (``Web Attack \\x96 Brute Force``), no UTF-8. The file stopped at the first
    such row ('undecodable bytes'), and with --on-bad-rows skip every web attack row was
    dropped, the attacks an evaluation is about. It reads as Windows-1252; UTF-8 stays UTF-8."""
    from hourglass.ingest.tables import ReadStats

    head = " Destination Port, Flow Duration, Flow Bytes/s, Fwd Header Length, Fwd Header Length, Label\n"
    rows = ["80,100,Infinity,20,20,BENIGN", "80,7,1.5,20,20,Web Attack \u2013 Brute Force",
            "443,50,NaN,40,40,BENIGN", "80,9,2.5,20,20,Web Attack \u2013 XSS", ",,,,,"]
    path = tmp_path / "Thursday-WorkingHours-Morning-WebAttacks.pcap_ISCX.csv"
    path.write_bytes((head + "\n".join(rows) + "\n").encode("cp1252"))
    spec = get_format("cicflowmeter")
    for mode in ("error", "skip"):
        stats = ReadStats()
        df = spec.read(path, on_bad_rows=mode, stats=stats)
        assert stats.rows == 5 and stats.bad_rows == 0
        labels = ["BENIGN", "Web Attack – Brute Force", "BENIGN", "Web Attack – XSS"]
        assert df["Label"].tolist()[:4] == labels
        assert df["Destination Port"].tolist()[:4] == [80, 80, 443, 80]
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(head + "80,7,1.5,20,20,Web Attack – Brute Force\n80,1,1,1,1,Bénin\n", encoding="utf-8")
    assert spec.read(utf8)["Label"].tolist() == ["Web Attack – Brute Force", "Bénin"]
