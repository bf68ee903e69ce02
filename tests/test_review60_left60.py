"""Review 60 (left60): regression tests of items the last review round left alone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from hourglass.cli import app
from tests._cli import one_line_error, runner


def test_control_bytes_without_a_nul_are_not_called_nul_bytes(tmp_path: Path) -> None:
    # What was wrong: a small CSV with a Ctrl-Z (0x1A) between its lines ('a,b\n1,2\n\x1a3,4\n')
    # was refused as 'binary data (NUL bytes), not a CSV/TSV/JSONL table or a text log (a UTF-16
    # text file? save it as UTF-8)', naming a NUL (and UTF-16) where the file holds neither. A
    # file refused for control bytes other than NUL now names the byte; NUL data reads as before.
    csv = tmp_path / "z.csv"
    csv.write_bytes(b"a,b\n1,2\n\x1a3,4\n")
    one_line_error(["inspect", str(csv)], f"{csv}: binary data (control bytes such as 0x1A), not a "
                                          "CSV/TSV/JSONL table or a text log")
    nul = tmp_path / "n.csv"
    nul.write_bytes(bytes(3000))
    one_line_error(["inspect", str(nul)], "binary data (NUL bytes), not a CSV/TSV/JSONL table")


def test_a_ctrl_z_right_after_the_last_value_is_no_part_of_it(tmp_path: Path) -> None:
    # What was wrong: a Ctrl-Z (0x1A, the end-of-file mark 'copy /a' and old DOS tools write)
    # right after a table's last row, with no line break before it ('3,4\x1a'), was read into
    # the last value: column b became the text ['2', '4\x1a'] of a CSV or TSV, and a JSON-lines
    # file was refused, 'line 2: not valid JSON (Extra data ...)'. The run of Ctrl-Z that ends
    # a file is now left out of its text, as a Ctrl-Z on a line of its own already was.
    from hourglass.ingest.readers import read_table

    for name, text in (("t.csv", b"a,b\r\n1,2\r\n3,4\x1a"), ("t.tsv", b"a\tb\n1\t2\n3\t4\x1a\x1a"),
                       ("t.jsonl", b'{"a": 1, "b": 2}\r\n{"a": 3, "b": 4}\x1a'),
                       ("cr.csv", b"a,b\r1,2\r3,4\x1a")):
        path = tmp_path / name
        path.write_bytes(text)
        df = read_table(path)
        assert df.to_dict("list") == {"a": [1, 3], "b": [2, 4]}, name
        assert str(df["b"].dtype) == "int64", name
    # (a Ctrl-Z within the last value, text after it, is still part of it)
    inner = tmp_path / "inner.csv"
    inner.write_bytes(b"a,b\n" + b"1,x\n" * 40 + b"3,y\x1az\n")
    assert read_table(inner)["b"].iloc[-1] == "y\x1az"


def _v7_tar(member: str, data: bytes) -> bytes:
    """A tar archive of one file as ``tar --format=v7`` writes it: no ``ustar`` magic."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    raw = bytearray(buf.getvalue())
    raw[257:512] = bytes(255)  # (no magic, version, user or group names, device numbers)
    raw[148:156] = b"%06o\x00 " % (sum(raw[:148]) + 8 * 32 + sum(raw[156:512]))
    return bytes(raw)


def test_a_v7_tar_archive_is_refused_as_a_tar_archive(tmp_path: Path) -> None:
    # What was wrong: a tar archive was refused, naming its first file, only when its header
    # held the 'ustar' magic; an old-format (v7) archive, which has none ('tar --format=v7'),
    # was read as a text log: 'train --format raw' trained on its header and file as lines
    # ('2 lines, 1 was blank', exit 0). Such a header, told by its octal fields and its
    # checksum, is now refused as the ustar one is.
    from hourglass.ingest.logs import tar_member

    line = b"Jun 14 15:16:01 host sshd[1]: ok\n"
    archive = tmp_path / "logs.tar"
    archive.write_bytes(_v7_tar("app.log", line * 3))
    assert tar_member(archive.read_bytes()[:512]) == "app.log"
    one_line_error(["train", str(archive), "--format", "raw", "--session-regex", r"sshd\[\d+\]",
                    "--model", "deeplog", "--epochs", "1", "-o", str(tmp_path / "m")],
                   f"{archive}: a tar archive (its first file: app.log)", out=tmp_path / "m")
    # (text with NULs where the magic goes is no archive: its checksum is not right)
    text = bytearray(line * 20)
    text[257:265] = bytes(8)
    assert tar_member(bytes(text)) is None


def test_stream_keep_refusal_says_what_a_session_models_alerts_hold(tmp_path: Path) -> None:
    # What was wrong: 'stream --keep' of a log model was refused saying its alerts name 'the
    # session, the line and its text', but a whole-session model's alert (event-count-autoencoder,
    # written as the session closes) carries no line's text: its first line and the unexpected
    # event's line and template. The refusal now says what that model's alerts hold; a DeepLog's
    # (each unexpected line quoted) is worded as before.
    log = tmp_path / "train.log"
    log.write_text("".join(f"blk_{s} step {k} size {s % 7}\n" for s in range(40)
                           for k in ("open", "read", "close")))
    said = {}
    for model in ("event-count-autoencoder", "deeplog"):
        out = tmp_path / model
        res = runner.invoke(app, ["train", str(log), "--format", "raw", "--session-regex", r"blk_\d+",
                                  "--model", model, "--epochs", "1", "-o", str(out)])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["stream", str(out), "--keep", "x"], input="blk_1 step open size 1\n")
        assert res.exit_code == 2, res.output
        said[model] = res.stderr
    assert "its alerts name the session, its first line and the unexpected event's line and " \
           "template;" in said["event-count-autoencoder"]
    assert "the line and its text" not in said["event-count-autoencoder"]
    assert "its alerts name the session, the line and its text;" in said["deeplog"]


def test_ecs_a_numeric_service_does_not_overwrite_the_destination_port() -> None:
    # What was wrong: a service named by its port number (Check Point's service=443) goes to ECS
    # destination.port, as a dst_port field does: in a record with both, whichever came last
    # overwrote the other, so destination.port hung on the fields' order and one value was
    # lost from the document ({'service': '443', 'dst_port': 8443} gave port 8443, the other
    # order 443). The record's own port field now wins and a differing service is kept under
    # hourglass.fields; one alone, or an equal one, maps as before.
    from hourglass.serve.ecs import AlertRule, to_ecs

    rule = AlertRule("autoencoder", "3f9a", threshold=1.0)
    for fields in ({"service": "443", "dst_port": 8443}, {"dst_port": 8443, "service": "443"}):
        doc = to_ecs({"row": 0, "score": 2.0}, rule, fields=fields)
        assert doc["destination"] == {"port": 8443}, fields
        assert doc["hourglass"]["fields"] == {"service": "443"}, fields
    doc = to_ecs({"row": 0, "score": 2.0}, rule, fields={"service": "443"})
    assert doc["destination"] == {"port": 443} and "fields" not in doc["hourglass"]


def test_a_mac_written_with_dashes_is_masked_by_new_parsers_only() -> None:
    # What was wrong: the <MAC> mask (rules 6) took six or more two-digit hex groups parted by
    # colons only; a MAC as Windows writes it, with dashes (getmac, the DHCP server's audit log:
    # '00-1A-2B-3C-4D-5E'), had its first group of digits masked and its lettered groups kept
    # ('<NUM>-1A-2B-3C-4D-5E'): a template per device, a new device's line an unknown template.
    # New parsers (rules 7) mask it as <MAC>; a parser saved with rules 6 masks as it did.
    from hourglass.ingest.logs import DEFAULT_MASKS, RULES, LogParser

    assert RULES >= 7
    line = "DHCP lease 10.0.0.5 to 00-1A-2B-3C-4D-5E (host1); seen 00:1a:2b:3c:4d:5e"
    assert LogParser("raw").mask(line) == "DHCP lease <IP> to <MAC> (host1); seen <MAC>"
    assert LogParser("raw").mask("client 00-1a-2b-3c-4d-5e.") == "client <MAC>."
    # (a seventh dashed group, or colons and dashes mixed, is no MAC; a date or UUID none either)
    assert LogParser("raw").mask("x 00-1a-2b-3c-4d-5e-6f") == "x <NUM>-1a-2b-3c-4d-5e-6f"
    assert LogParser("raw").mask("on 2026-12-01 id 96443913-049b-41f6-9049-05fc7a1b2c3d") == \
        "on <TIME> id <UUID>"
    old = LogParser("raw", rules=6)
    assert old.mask(line) == "DHCP lease <IP> to <NUM>-1A-2B-3C-4D-5E (host1); seen <MAC>"
    # the masks of rules 1 to 6 are those they had, byte for byte (their digest before rules 7)
    old_masks = [[(n, rx.pattern) for n, rx in LogParser("raw", rules=r)._compile().masks]
                 for r in range(1, 7)]
    assert hashlib.sha256(json.dumps(old_masks).encode()).hexdigest() == \
        "6690ec022a8ae2841414dc97805f64ee972dc5b4be7575da19187c1df4082ea0"
    assert dict(DEFAULT_MASKS)["MAC"] not in [p for masks in old_masks for _, p in masks]


def test_an_ipv6_address_before_a_colon_or_with_a_port_is_masked_whole() -> None:
    # What was wrong: any ':' after an IPv6 address kept the <IP> mask from taking it, so one
    # ending a clause was cut by the numbers mask ('from 2001:db8::7: ok' -> 'from
    # <NUM>:db8::<NUM>: ok', its zone left as text: '<IP>%eth0: x'), and an IPv4-mapped address
    # with its port ('::ffff:10.0.0.1:443') was masked in part, '::ffff:<IP>': a template of its
    # own, where the same line of an IPv4 client is '<IP>'. New parsers (rules 7) mask them
    # whole; a parser saved with rules 6 masks as it did.
    from hourglass.ingest.logs import LogParser

    new, old = LogParser("raw"), LogParser("raw", rules=6)
    for line, v4, masked, before in (
            ("from 2001:db8::7: ok", "from 10.0.0.7: ok", "from <IP>: ok", "from <NUM>:db8::<NUM>: ok"),
            ("from fe80::1%eth0: x", "from 10.0.0.1: x", "from <IP>: x", "from <IP>%eth0: x"),
            ("from ::ffff:10.0.0.1:443 closed", "from 10.0.0.1:443 closed", "from <IP> closed",
             "from ::ffff:<IP> closed")):
        assert new.mask(line) == masked == new.mask(v4), line  # (as an IPv4 client's line)
        assert old.mask(line) == before, line
    # (a C++ name, a time or nine groups are still no address; an address's next group is none)
    assert new.mask("std::vector<int>: a CDB::Add1: b 10:00:00: c") == \
        "std::vector<int>: a CDB::Add1: b <NUM>:<NUM>:<NUM>: c"
    assert new.mask("peer [2001:db8::7]:443 up") == "peer [<IP>]:<NUM> up"


def test_ecs_a_session_keyed_by_a_key_value_regex_names_its_field(tmp_path: Path) -> None:
    # What was wrong: a log model's session alert went to the ECS field its session column names
    # (--session-col id.orig_h: source.ip), but sessions found by a regex capturing one key's
    # value (netfilter's --session-regex 'SRC=(\S+)', each source address a session) named
    # the address only in hourglass.session and the message: no source.ip for a SIEM to tie
    # the alert to the host. Such a regex's key now names the session's field as a column does.
    from hourglass.pipeline import load
    from hourglass.serve.ecs import AlertRule, to_ecs

    log = tmp_path / "ufw.log"
    log.write_text("".join(f"Dec  1 10:00:{i % 60:02d} fw kernel: [UFW BLOCK] IN=eth0 SRC=10.0.0.{i % 9 + 1} "
                           f"DST=10.0.1.1 PROTO=TCP DPT={(22, 80, 443)[i % 3]} SYN\n" for i in range(90)))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(log), "--format", "syslog", "--session-regex", r"SRC=(\S+)",
                              "--model", "event-count-autoencoder", "--epochs", "1", "-o", str(model)])
    assert res.exit_code == 0, res.output
    rule = AlertRule.from_model(model, load(model))
    assert rule.session_field == "SRC"
    doc = to_ecs({"session": "10.9.9.9", "score": 5.0, "n_events": 3}, rule)
    assert doc["source"] == {"ip": "10.9.9.9"} and doc["related"]["ip"] == ["10.9.9.9"]


def test_stream_a_ctrl_z_right_after_the_last_line_is_no_part_of_it(tmp_path: Path) -> None:
    # What was wrong: 'hourglass stream' read a Ctrl-Z (0x1A, a DOS tool's end-of-file mark)
    # right after the input's last JSON line, with no line break before it, as part of that
    # line: 'line 2: not valid JSON (Extra data at column 21)', exit 2, the row not scored
    # (a Ctrl-Z on a line of its own was already a blank line). It is now left out, as the
    # file readers leave it out.
    import json

    from tests._cli import ab_model

    model = ab_model(tmp_path)
    res = runner.invoke(app, ["stream", str(model), "--all"],
                        input=b'{"a": 0.5, "b": 0.5}\r\n{"a": 0.2, "b": 0.1}\x1a')
    assert res.exit_code == 0, res.output
    assert [json.loads(line)["row"] for line in res.stdout.splitlines()] == [0, 1]


def test_a_log_s_last_line_does_not_keep_a_ctrl_z_written_right_after_it(tmp_path: Path) -> None:
    # What was wrong: the log reader kept a Ctrl-Z (0x1A, the end-of-file mark of DOS tools)
    # written right after a log's last line, with no line break, in that line's message ('ok
    # two\x1a'): a template of its own, never seen in training, of a .gz log too. It is now left
    # out of the last line, as the table and stream readers leave it out.
    import gzip

    from hourglass.ingest.logs import file_lines, read_lines

    text = b"Jun 14 15:16:01 host sshd[1]: ok one\r\nJun 14 15:16:02 host sshd[1]: ok two\x1a\x1a"
    want = ["Jun 14 15:16:01 host sshd[1]: ok one", "Jun 14 15:16:02 host sshd[1]: ok two"]
    plain, packed, cr = tmp_path / "dos.log", tmp_path / "dos.log.gz", tmp_path / "cr.log"
    plain.write_bytes(text)
    packed.write_bytes(gzip.compress(text))
    cr.write_bytes(text.replace(b"\r\n", b"\r"))
    for path in (plain, packed, cr):
        assert list(read_lines(path)) == want, path
        assert list(file_lines(path)) == want, path
    # (a Ctrl-Z within a line, or ending one that a line break follows, is kept as before)
    inner = tmp_path / "inner.log"
    inner.write_bytes(b"a\x1a b\nc\x1a\n")
    assert list(read_lines(inner)) == ["a\x1a b", "c\x1a"]
