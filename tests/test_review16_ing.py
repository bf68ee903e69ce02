"""Ingest parsers against their formats' specifications: each test pinned by the input that
showed the defect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hourglass.ingest.formats import get_format


def _zeek_tsv(path: Path, fields: list[str], types: list[str], rows: list[list[str]]) -> Path:
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            f"#path\t{path.stem}", "#fields\t" + "\t".join(fields), "#types\t" + "\t".join(types)]
    path.write_text("\n".join([*head, *("\t".join(r) for r in rows), "#close\t2026-01-01-00-00-00"]) + "\n")
    return path


def test_zeek_tsv_values_have_their_escapes_undone(tmp_path: Path) -> None:
    """Zeek's TSV writer escapes a backslash, a tab, bytes that are no printable ASCII and a
    value that reads as '-' as ``\\xNN``; they were kept as written (``/a\\x09b``), so the same
    log read as TSV and as JSON (and a model trained on one, streamed the other) disagreed."""
    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "host", "uri", "user_agent"]
    types = ["time", "string", "addr", "port", "addr", "port", "string", "string", "string"]
    rows = [["1700000000.5", "C1", "10.0.0.5", "40000", "10.0.0.1", "80", "caf\\xc3\\xa9.example",
             "/a\\x09b\\x5cc", "\\x2d"],
            ["1700000001.5", "C2", "10.0.0.5", "40001", "10.0.0.1", "80", "x.example", "/plain", "-"],
            ["1700000002.5", "C3", "10.0.0.5", "40002", "10.0.0.1", "80", "y.example", "/bad\\xff", "ua"]]
    df = get_format("zeek-conn").read(_zeek_tsv(tmp_path / "http.log", fields, types, rows))
    assert df["host"].tolist() == ["café.example", "x.example", "y.example"]
    assert df["uri"].tolist() == ["/a\tb\\c", "/plain", "/bad\\xff"]  # (no UTF-8: as written)
    assert df["user_agent"].iloc[0] == "-" and df["user_agent"].isna().iloc[1]  # escaped '-' vs unset
    assert df["id.orig_p"].tolist() == [40000, 40001, 40002]


_AUDIT_EVENTS = [
    ['type=SYSCALL msg=audit(1700000000.123:4242): arch=c000003e syscall=59 success=yes exit=0 '
     'ppid=811 pid=812 auid=1000 uid=1000 comm="ls" exe="/usr/bin/ls" key="exec"',
     'type=EXECVE msg=audit(1700000000.123:4242): argc=2 a0="ls" a1="-l"',
     'type=CWD msg=audit(1700000000.123:4242): cwd="/home/alice"',
     'type=PATH msg=audit(1700000000.123:4242): item=0 name="/usr/bin/ls" inode=1311',
     'type=PROCTITLE msg=audit(1700000000.123:4242): proctitle=6C73002D6C'],
    ["type=USER_LOGIN msg=audit(1700000001.512:4243): pid=811 uid=0 auid=1000 ses=3 "
     "msg='op=login id=1000 exe=\"/usr/sbin/sshd\" addr=10.0.0.9 terminal=ssh res=success'"],
    ['type=SYSCALL msg=audit(1700000002.001:4244): arch=c000003e syscall=257 success=no exit=-13 '
     'uid=1000 comm="cat" exe="/usr/bin/cat" key="shadow"',
     'type=CWD msg=audit(1700000002.001:4244): cwd="/tmp"',
     'type=PATH msg=audit(1700000002.001:4244): item=0 name="/etc/shadow" inode=7',
     'type=PROCTITLE msg=audit(1700000002.001:4244): proctitle=636174002F6574632F736861646F77'],
]


def _ausearch(events: list[list[str]]) -> str:
    """The events as ``ausearch`` prints them: '----', 'time->...', then the records newest first."""
    out = []
    for records in events:
        out += ["----", "time->Tue Nov 14 22:13:20 2023", *reversed(records)]
    return "\n".join(out) + "\n"


def test_ausearch_output_reads_as_the_audit_log_it_came_from(tmp_path: Path) -> None:
    """``ausearch -k key > events.log`` writes '----' and 'time->...' before each event and the
    event's records newest first (PROCTITLE ... SYSCALL): with --format auditd line 1 was 'not a
    Linux audit record', with --on-bad-rows skip each command became two rows (its PROCTITLE,
    which ends an event, alone, then the rest), and --format auto read it as a one-column CSV."""
    from hourglass.ingest.formats import sniff_format

    log = tmp_path / "audit.log"
    log.write_text("\n".join(r for e in _AUDIT_EVENTS for r in e) + "\n")
    out = tmp_path / "ausearch.log"
    out.write_text(_ausearch(_AUDIT_EVENTS))
    assert sniff_format(out).name == "auditd"
    spec = get_format("auditd")
    raw, searched = spec.read(log), spec.read(out)
    assert len(searched) == 3
    assert searched["records"].tolist() == ["SYSCALL EXECVE CWD PATH PROCTITLE", "USER_LOGIN",
                                            "SYSCALL CWD PATH PROCTITLE"]
    assert searched["cmdline"].tolist()[::2] == ["ls -l", "cat /etc/shadow"]
    assert searched[sorted(raw.columns)].equals(raw[sorted(raw.columns)])


def test_ausearch_output_streams_as_its_file_reads() -> None:
    """``stream`` of an auditd model reads ausearch's lines as the file reader does: its
    separators are no bad lines, and each event's records come whole."""
    from hourglass.cli.stream import _INPUT_END, _parse

    spec = get_format("auditd")
    lines = _ausearch(_AUDIT_EVENTS).encode().splitlines()
    batch: list[tuple[int, bytes]] = [(n, line) for n, line in enumerate(lines, start=1)]
    bad: list[int] = []
    rows, numbers, error = _parse([*batch, (len(lines) + 1, _INPUT_END)], "-", "error", bad,
                                  spec, spec.events())
    assert error is None and bad == []
    assert [r["records"] for r in rows] == ["SYSCALL EXECVE CWD PATH PROCTITLE", "USER_LOGIN",
                                            "SYSCALL CWD PATH PROCTITLE"]
    assert numbers == [3, 10, 13]  # each event at its first record's line


def test_line_format_chunks_join_without_numbers_and_text_in_one_column(tmp_path: Path) -> None:
    """A CEF (LEEF, kv, PAN-OS, audit) file is typed a chunk (16 MiB) at a time: a field of
    numbers in the first chunk and of words later was joined as floats and strings in one column
    (``0.5`` beside ``'n/a'``), and a field of words first and numbers later had the later ones
    respelled (``07048`` as ``7048``). It is text throughout, the later chunks as written."""
    from hourglass.ingest.readers import _concat_chunks

    lines = [f"CEF:0|A|B|1|2|n|3|src=10.0.0.{i} ratio={f'{i / 8:.2f}' if i < 40 else 'n/a'} "
             f"zip={'AB12' if i < 40 else f'0{7000 + i}'} spt={1000 + i}" for i in range(80)]
    path = tmp_path / "fw.cef"
    path.write_text("\n".join(lines) + "\n")
    chunks = list(get_format("cef").iter_chunks(path, chunk_bytes=2000))
    assert len(chunks) > 2
    df = _concat_chunks(chunks)
    assert df["ratio"].map(type).eq(str).all() and df["ratio"].iloc[-1] == "n/a"
    assert df["ratio"].iloc[4] == "0.5"  # (a number of the first chunk, as text)
    assert df["zip"].tolist()[-3:] == ["07077", "07078", "07079"]
    assert df["spt"].tolist() == list(range(1000, 1080))  # numbers throughout stay numbers
    whole = get_format("cef").read(path)
    assert whole["zip"].tolist() == df["zip"].tolist()


def test_zeek_logs_of_another_layout_joined_into_one_file_are_refused(tmp_path: Path) -> None:
    """Zeek logs joined into one file (``zcat conn.*.log.gz``) repeat their header lines: the
    same ``#fields`` again is passed over, but one naming other fields (another Zeek version, a
    script that logs more, another log) had its rows read under the first one's names (the same
    number of fields: values silently under the wrong names) or stopped at 'expected 7 fields,
    found 8'. It is refused at its line, in either --on-bad-rows mode."""
    import pytest

    from hourglass.errors import InputError
    from hourglass.ingest.tables import ReadStats

    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"]
    types = ["time", "string", "addr", "port", "addr", "port", "enum"]
    row = ["1700000000.5", "C1", "10.0.0.5", "40000", "10.0.0.1", "80", "tcp"]
    first = _zeek_tsv(tmp_path / "a.log", fields, types, [row]).read_text()
    again = first + first  # the same layout twice: read as one
    assert len(get_format("zeek-conn").read(_write(tmp_path / "same.log", again))) == 2
    swapped = ["ts", "uid", "id.resp_h", "id.resp_p", "id.orig_h", "id.orig_p", "proto"]
    more = [*fields, "ip_proto"]
    for name, other in (("swapped", swapped), ("more", more)):
        second = _zeek_tsv(tmp_path / "b.log", other, types + ["count"] * (len(other) - len(types)),
                           [row + ["6"] * (len(other) - len(row))]).read_text()
        path = _write(tmp_path / f"{name}.log", first + second)
        for mode in ("error", "skip"):
            with pytest.raises(InputError, match=r"line 15: a '#fields' line that names other fields"):
                get_format("zeek-conn").read(path, on_bad_rows=mode, stats=ReadStats())


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_line_format_bytes_that_are_no_utf8_are_said(tmp_path: Path, caplog: Any) -> None:
    """A CEF line with Latin-1 bytes (a relay's ``café``) was read with U+FFFD in their place
    without a word; it still is (one character costs no event), with one warning that counts
    such lines and names the first."""
    import logging

    path = tmp_path / "fw.cef"
    path.write_bytes(b"CEF:0|Acme|FW|1|2|login|3|src=10.0.0.1 suser=ann\n"
                     b"CEF:0|Acme|FW|1|2|login|3|src=10.0.0.2 suser=caf\xe9\n"
                     b"CEF:0|Acme|FW|1|2|login|3|src=10.0.0.3 suser=caf\xc3\xa9\n"
                     b"CEF:0|Acme|FW|1|2|login|3|src=10.0.0.4 suser=\xff\xfe\n")
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        df = get_format("cef").read(path)
    assert df["suser"].tolist() == ["ann", "caf\ufffd", "café", "\ufffd\ufffd"]
    said = [r.getMessage() for r in caplog.records if "no UTF-8" in r.getMessage()]
    assert len(said) == 1 and "2 line(s)" in said[0] and "first: line 2" in said[0]
