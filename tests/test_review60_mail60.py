"""Review round 60 (mail60): hourglass on mail server logs (Postfix, Sendmail, Exim, Dovecot)."""

from __future__ import annotations

import pytest

pytest.importorskip("drain3")


# Postfix lines of three messages, long queue ids as enable_long_queue_ids writes them
_MESSAGE_IDS = ["CAF3x+Q=abc-1@mail.gmail.com", "20261201100000.4dKmFW3h6Pz15qjQ@mx1.example.org",
                "5f2a9c1e-77b0@corp.example.com", "x1Y2@example.net"]

_POSTFIX = [
    "Dec  1 10:00:0{i} mx1 postfix/smtpd[10{i}]: {q}: client=out.example.org[198.51.100.7]",
    "Dec  1 10:00:0{i} mx1 postfix/qmgr[900]: {q}: from=<a{i}@example.org>, size=12{i}, nrcpt=1",
    "Dec  1 10:00:0{i} mx1 postfix/qmgr[900]: {q}: removed",
]
_QIDS = ["4dKmFW3h6Pz15qjQ", "4dKmFX0Bv2zK9cT", "3Pt2mN2VXxznjll"]


def test_mail_server_message_ids_are_masked() -> None:
    # What was wrong: a Postfix long queue id (and a Sendmail or an Exim message id), the token
    # opening each of its message's lines, was kept as text: with a digit in it Drain took it for
    # a value, but in a short message ('4dKmFW3h6Pz15qjQ: removed') it was half the tokens, so
    # every message had templates of its own (1,806 templates in 4,200 Postfix lines) and every
    # line of a message scored later was an unknown template.
    from hourglass.ingest.logs import RULES, LogParser

    lines = [f.format(i=i, q=q) for i, q in enumerate(_QIDS) for f in _POSTFIX]
    parser = LogParser("syslog").fit(lines)
    keys = parser.parse(lines)["key"].tolist()
    assert len(set(keys)) == 3, parser.parse(lines)["template"].unique()
    new = [f.format(i=7, q="4dKmGb5q8Lz3hgN") for f in _POSTFIX]
    assert (parser.parse(new)["key"] > 0).all()  # a new message's lines: known templates
    assert parser.mask("1tAbCd-000123-Ab Completed") == "<ID> Completed"  # Exim
    assert parser.mask("1tAbCd-00000000123-Ab0x Completed") == "<ID> Completed"  # Exim 4.97
    assert parser.mask("jA9J1UvC004306: from=root, size=12") == "<ID>: from=root, size=<NUM>"
    assert parser.mask("status=sent (250 2.0.0 Ok: queued as 3Pt2mN2VXxznjll)") == \
        "status=sent (<NUM> 2.0.0 Ok: queued as <ID>)"
    # words (a vowel is no letter of a Postfix id), a long number and a date are no message id
    for text, masked in (("getInstanceOfHandlerz1", "getInstanceOfHandlerz1"),
                         ("system-update-v2", "system-update-v2"),
                         ("1764583200123", "<NUM>"), ("2026-12-01", "<TIME>")):
        assert parser.mask(text) == masked
    assert parser.rules == RULES >= 7
    # a parser saved with rules 6 keeps its masks, and so its templates
    old = LogParser("syslog", rules=6)
    assert old.mask("4dKmFW3h6Pz15qjQ: removed") == "4dKmFW3h6Pz15qjQ: removed"


_MSGTRK = """#Software: Microsoft Exchange Server
#Version: 15.02.1118.007
#Log-type: Message Tracking Log
#Date: 2026-12-01T00:00:01.234Z
#Fields: date-time,client-ip,event-id,recipient-status,total-bytes,message-subject,sender-address
2026-12-01T00:00:01.234Z,10.0.0.5,RECEIVE,250 2.1.5 Recipient OK,5123,"Weekly report, draft",a@x.org
2026-12-01T00:00:02.234Z,10.0.0.6,DELIVER,250 2.1.5 Recipient OK,4123,Hello there,b@corp.example.com
"""


def test_exchange_message_tracking_log_refused_with_a_recipe_that_works(tmp_path, capsys) -> None:
    # What was wrong: Exchange's message tracking log (#Software/#Fields directive lines, then a
    # CSV) was refused as 'a W3C extended log (... space-separated fields ...)' with the recipe
    # "sed ... | tr ' ' , > FILE.csv", which split its quoted values ('250 2.1.5 Recipient OK',
    # a subject) into more fields: the CSV it made was refused in turn ('line 2: expected 7
    # fields, found 11'). Its message now names it, and its recipe (no tr) makes a CSV that reads.
    import re
    import subprocess

    from hourglass.errors import InputError
    from hourglass.ingest.formats import sniff_format
    from hourglass.ingest.readers import read_table

    log = tmp_path / "MSGTRK2026120100-1.LOG"
    log.write_text(_MSGTRK)
    with pytest.raises(InputError) as err:
        sniff_format(log)
    message = str(err.value)
    assert "Exchange" in message and "tr ' '" not in message and "space-separated" not in message
    sed = re.search(r"sed -n '[^']*' FILE", message)
    assert sed is not None
    script = sed.group(0).removeprefix("sed -n '").removesuffix("' FILE")
    out = tmp_path / "msgtrk.csv"
    out.write_text(subprocess.run(["sed", "-n", script, str(log)], capture_output=True, text=True,
                                  check=True).stdout)
    df = read_table(out)
    assert list(df.columns)[:3] == ["date-time", "client-ip", "event-id"] and len(df) == 2
    assert df["message-subject"].tolist() == ["Weekly report, draft", "Hello there"]


def test_message_ids_are_masked() -> None:
    # What was wrong: the Message-ID Postfix's cleanup logs ('<qid>: message-id=<CAF3x...@mail.
    # gmail.com>', a line of two tokens) was kept as text, parts of it masked ('<<NUM>@gmail.com>'),
    # so Drain learnt a template per message (198 in 200 such lines), each unknown when scored;
    # so did Dovecot's LMTP 'msgid=<...>: saved mail to INBOX'.
    from hourglass.ingest.logs import LogParser

    lines = [f"Dec  1 10:00:0{i} mx1 postfix/cleanup[7]: 4dKmFW3h6Pz15qj{i}: message-id=<{m}>"
             for i, m in enumerate(_MESSAGE_IDS)]
    parser = LogParser("syslog").fit(lines[:2])
    assert parser.parse(lines)["template"].tolist() == ["<ID>: message-id=<ID>"] * 4
    assert parser.mask("lmtp(alice)<7><AbCd>: msgid=<x1@y.org>: saved mail to INBOX") == \
        "lmtp(alice)<<NUM>><AbCd>: msgid=<ID>: saved mail to INBOX"
    assert parser.mask("4dKmFW3h6Pz15qjQ: message-id=<>") == "<ID>: message-id=<>"  # none given
    assert LogParser("raw", rules=6).mask("message-id=<a@b.org>") == "message-id=<a@b.org>"


_USERS = ["alice", "bob", "carol", "dave", "erin", "frank"]


def test_email_addresses_are_masked() -> None:
    # What was wrong: an e-mail address was kept as text, and where it is one of the first two
    # tokens, on which Drain's prefix tree branches (Postfix's 'to=<alice@example.org>,' in every
    # delivery line, Dovecot's 'imap(alice@example.org):'), each mailbox without a digit had a
    # template of its own: a delivery to a mailbox not seen in training was an unknown template.
    from hourglass.ingest.logs import LogParser

    lines = [f"Dec  1 10:00:00 mx1 postfix/local[12]: 4dKmFW3h6Pz15qjQ: to=<{u}@example.org>, "
             "relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)"
             for u in _USERS]
    lines += [f"Dec  1 10:00:01 mail1 dovecot: imap({u}@example.org): Disconnected: Logged out in=12 out=4"
              for u in _USERS]
    parser = LogParser("syslog").fit(lines[:2] + lines[6:8])
    keys = parser.parse(lines)["key"].tolist()
    assert keys == [keys[0]] * 6 + [keys[6]] * 6 and keys[0] != keys[6] and 0 not in keys
    assert parser.mask("SASL PLAIN from=<a.b+tag@mail.example.co.uk>.") == "SASL PLAIN from=<<EMAIL>>."
    # no address: a package's version, a Java object's hash, a host without a domain,
    # nor a systemd template unit's instance
    for text in ("lodash@4.17.21", "root@localhost", "Started getty@tty1.service.",
                 "Started user@1000.service - User Manager", "Stopping openvpn@server.socket"):
        assert parser.mask(text) == text
    assert parser.mask("java.lang.Object@6d06d69c") == "java.lang.Object@<HEX>"
    assert LogParser("raw", rules=6).mask("to=<alice@example.org>,") == "to=<alice@example.org>,"


def test_host_names_before_their_address_are_masked() -> None:
    # What was wrong: Postfix names a client or relay as 'host[address]'; the address was masked,
    # the host kept, and in 'connect from HOST[<IP>]' (three tokens: two of three alike is under
    # Drain's 0.7) each client host was a template of its own, every host never seen in training
    # an unknown template: on a public MX most connections of a new day.
    from hourglass.ingest.logs import LogParser

    hosts = ["mail-ej1-f54.google.com", "out.example.org", "c-73-15-21-9.hsd1.ca.comcast.net",
             "mx.example.net"]
    lines = [f"Dec  1 10:00:0{i} mx1 postfix/smtpd[12]: connect from {h}[198.51.100.{i}]"
             for i, h in enumerate(hosts)]
    parser = LogParser("syslog").fit(lines[:2])
    assert parser.parse(lines)["template"].tolist() == ["connect from <HOST>[<IP>]"] * 4
    # a client without reverse DNS ('unknown') and a short name are kept
    assert parser.mask("connect from unknown[203.0.113.9]") == "connect from unknown[<IP>]"
    assert parser.mask("connect from localhost[127.0.0.1]") == "connect from localhost[<IP>]"
    assert parser.mask("relay=mx.b.org[2001:db8::1]:25,") == "relay=<HOST>[<IP>]:<NUM>,"
    assert LogParser("raw", rules=6).mask("from a.example.org[10.0.0.1]") == "from a.example.org[<IP>]"
