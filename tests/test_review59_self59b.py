"""Review 59 (self59b): regression tests of the defects found reviewing the round's later merges."""

from __future__ import annotations

from pathlib import Path


def test_a_date_time_before_a_colon_is_masked_whole() -> None:
    # What was wrong: rules 6's <TIME> mask refused a date-time followed by ':' and, trying
    # shorter matches, took a part of it: '2026-12-01 10:00:00,123: INFO ready' masked to
    # '<TIME>,<NUM>: INFO ready', 'at 2026-12-01T10:00:00.123Z: done' to 'at <TIME>.123Z: done'
    # (the fraction left as text, a template per millisecond) and '2026-12-01 10:00:00: x' to
    # '<TIME> <NUM>:<NUM>:<NUM>: x' (a token more); 'until 2026-12-01T10:00:00Z: renew' was
    # masked as rules 5 did, month, day and hour as text. A colon ending a clause now follows
    # a whole <TIME>; a colon before more of it (':05') still takes none.
    from hourglass.ingest.logs import LogParser

    p = LogParser("raw")
    assert p.mask("2026-12-01 10:00:00,123: INFO ready") == "<TIME>: INFO ready"
    assert p.mask("at 2026-12-01T10:00:00.123Z: done") == "at <TIME>: done"
    assert p.mask("2026-12-01 10:00:00: x") == "<TIME>: x"
    assert p.mask("valid until 2026-12-01T10:00:00Z: renew") == "valid until <TIME>: renew"
    assert p.mask("at 2026-12-01T10:00:00+01:00: x") == "at <TIME>: x"
    # (as before: a date-time, a date before a full stop, and none that runs on into a word)
    assert p.mask('time="2026-12-01T10:05:02Z" msg=ok') == 'time="<TIME>" msg=ok'
    assert p.mask("until 2026-12-01. v 2026-12-01-beta") == "until <TIME>. v <NUM>-12-01-beta"
    # (both masked whole; with rules 8 a comma list of one kind is one value)
    assert p.mask("dates=2026-12-01,2026-12-02 ok") == "dates=<TIME> ok"
    assert LogParser("raw", rules=7).mask("dates=2026-12-01,2026-12-02 ok") == "dates=<TIME>,<TIME> ok"
    lines = [f"2026-12-0{d} 1{d}:0{d}:0{d},12{d}: INFO ready" for d in range(1, 6)]
    fitted = LogParser("raw").fit(lines)
    assert fitted.parse(["2026-12-09 01:02:03,999: INFO ready"])["key"].tolist() != [0]


def test_a_mac_address_before_a_full_stop_is_masked() -> None:
    # What was wrong: rules 6 mask an IPv4 address or a number at a sentence's end, before a full
    # stop (242441e9), but the <MAC> mask made beside it still refused any '.' after an address:
    # 'Deauthenticated from 00:11:22:33:44:aa.' masked to 'Deauthenticated from
    # <NUM>:<NUM>:<NUM>:<NUM>:<NUM>:aa.', a template per hardware address, and a LAN host never
    # seen in training an unknown template. A MAC before a full stop ending a word is now <MAC>.
    from hourglass.ingest.logs import LogParser

    p = LogParser("raw")
    assert p.mask("Deauthenticated from 00:11:22:33:44:aa.") == "Deauthenticated from <MAC>."
    assert p.mask("lease for 00:11:22:33:44:55. Done") == "lease for <MAC>. Done"
    assert p.mask("unknown lease 10.0.0.5.") == "unknown lease <IP>."  # (as its IPv4 sibling)
    # (as before: one running on into more text is none)
    assert "<MAC>" not in p.mask("x 00:11:22:33:44:55.1") + p.mask("y 00:11:22:33:44:55-b")
    assert LogParser("raw", rules=5).mask("from 00:11:22:33:44:aa.") == \
        "from <NUM>:<NUM>:<NUM>:<NUM>:<NUM>:aa."  # (rules 5 as it did)


def test_an_ipv6_address_before_a_full_stop_is_masked() -> None:
    # What was wrong: rules 6 mask an IPv4 address at a sentence's end, before a full stop
    # (242441e9: 'by <IP> port <NUM>.'), and the README says so of 'an address', but the IPv6
    # mask still refused any '.' after one: sshd's 'Received disconnect from 2001:db8::7.' masked
    # to '... from <NUM>:db8::7.' (its last group kept, 'from ::1.' not masked at all), a
    # template per client address, where its IPv4 client's line is '... from <IP>.'. Rules 6
    # now mask it as <IP>; parsers of rules 5 and before mask as they did.
    from hourglass.ingest.logs import LogParser

    p, old = LogParser("raw"), LogParser("raw", rules=5)
    assert p.mask("Received disconnect from 2001:db8::7.") == "Received disconnect from <IP>."
    assert p.mask("Received disconnect from 10.0.0.7.") == "Received disconnect from <IP>."
    assert p.mask("from ::1. retry") == "from <IP>. retry"
    assert p.mask("from ::ffff:10.0.0.5.") == "from <IP>."
    # (as before: one running on into more text is none, nor a C++ name)
    assert p.mask("x 2001:db8::7.1") == "x <NUM>:db8::<NUM>" and p.mask("CDB::Add1.") == "CDB::Add1."
    assert old.mask("Received disconnect from 2001:db8::7.") == "Received disconnect from <NUM>:db8::7."
    assert old.mask("from ::1.") == "from ::1."


def test_a_hex_id_before_a_full_stop_is_masked() -> None:
    # What was wrong: rules 6 mask an address or a number at a sentence's end, before a full stop
    # (242441e9), but the bare-hex id mask (a container id, a hash) still refused any '.' after
    # one: systemd's 'Started libcontainer container 4f66ad9a0b2e.' kept the id as text, a
    # template per container, each new one unknown when scored. Rules 6 now mask it as <HEX>;
    # parsers of rules 5 and before mask as they did.
    from hourglass.ingest.logs import LogParser

    p = LogParser("raw")
    assert p.mask("Started libcontainer container 4f66ad9a0b2e.") == "Started libcontainer container <HEX>."
    assert p.mask("mapped 4G/4G trampoline to ffff3000.") == "mapped <NUM>/<NUM> trampoline to <HEX>."
    # (as before: one running on into more text, a file name, is none)
    assert p.mask("wrote 4f66ad9a0b2e.json") == "wrote 4f66ad9a0b2e.json"
    assert LogParser("raw", rules=5).mask("container 4f66ad9a0b2e.") == "container 4f66ad9a0b2e."


def test_a_small_file_ending_with_ctrl_z_is_text(tmp_path: Path) -> None:
    # What was wrong: f0a809e5 made a line of Ctrl-Z (0x1A, the end-of-file mark DOS and
    # Windows tools write after a text file's last line) a blank line to the readers, but the
    # binary check before them counted it as a control byte: a file of a row or two ('a,b\r\n
    # 1,2\r\n\x1a', 13 bytes, one of them control) was over the 5% and refused as 'binary data
    # (NUL bytes), not a CSV/TSV/JSONL table ... (a UTF-16 text file?)', a file without a NUL.
    # Trailing Ctrl-Z and white space are now left out of the share, as the readers leave them.
    from hourglass.ingest.readers import read_table
    from hourglass.ingest.tables import looks_binary

    csv = tmp_path / "one.csv"
    csv.write_bytes(b"a,b\r\n1,2\r\n\x1a")
    assert read_table(csv).to_dict("list") == {"a": [1], "b": [2]}
    js = tmp_path / "one.jsonl"
    js.write_bytes(b'{"a": 1, "b": "x"}\r\n\x1a')
    assert read_table(js).to_dict("list") == {"a": [1], "b": ["x"]}
    # (as before: control bytes within the text are still binary data)
    assert looks_binary(b"a,b\r\n\x1a\x1a1,2\r\n") and looks_binary(bytes(range(256)))
