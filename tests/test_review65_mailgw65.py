"""E-mail security gateways and cloud mail as their products write them: Mimecast's SIEM logs
(pipe-parted key=value lines and its API's JSON), Proofpoint TAP's SIEM API responses,
Microsoft Defender for Office's EmailEvents and Microsoft 365's message trace."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hourglass._times import parse_timestamps
from hourglass.cli._schema import format_time_column
from hourglass.ingest.formats import sniff_format
from hourglass.ingest.kv import parse_kv

_MIMECAST = ("datetime=2024-03-01T08:0{m}:00+0100|aCode=7O7I7MvGP1mj8plHRDuH{m}A|acc=C0A0|"
             "SpamLimit=0|IP=198.51.100.{m}|Dir=Inbound|MsgId=<81ce15$9o5if{m}@mail.example.com>|"
             "Subject=Re: invoice {m}|headerFrom=billing@vendor-a.com|Sender=billing@vendor-a.com|"
             "Rcpt=alice@corp.example.com|SpamInfo=[]|Act=Acc|TlsVer=TLSv1.2|Error=|SpamScore={m}")


def test_a_mimecast_siem_lines_datetime_is_its_event_time(tmp_path: Path) -> None:
    # What was wrong: the kv format read Mimecast's SIEM lines (datetime=...|aCode=...|Sender=...)
    # but not their datetime as the event time, so ECS alerts carried the scoring time and an
    # entity model per sender needed --timestamp-col datetime spelt out.
    row = parse_kv(_MIMECAST.format(m=1))
    assert row is not None and row["timestamp"] == "2024-03-01T08:01:00+0100"
    p = tmp_path / "receipt.log"
    p.write_text("\n".join(_MIMECAST.format(m=m) for m in range(1, 6)) + "\n")
    spec = sniff_format(p)
    df = spec.read(p)
    assert spec.name == "kv" and format_time_column(df, spec) == "timestamp"
    times = parse_timestamps(df["timestamp"], "timestamp")
    assert times[0] == pd.Timestamp("2024-03-01T07:01:00Z")  # the instant it names, in UTC


def _tap_message(n: int) -> dict[str, object]:
    return {"GUID": f"c26dbea0-80d5-463b-b93c-4e8b708219c{n}", "QID": f"r2FNwRHF00410{n}",
            "sender": "billing@vendor-a.com", "recipient": ["alice@corp.example.com"],
            "messageTime": f"2024-03-01T08:0{n}:00.000Z", "spamScore": 4, "threatsInfoMap": []}


def test_proofpoint_tap_and_mimecast_api_responses_are_refused_with_their_recipe(tmp_path: Path) -> None:
    # What was wrong: a Proofpoint TAP SIEM API response saved whole ({"queryEndTime": ...,
    # "messagesDelivered": [...], "messagesBlocked": [...], ...}) or a Mimecast API response
    # ({"type": "MTA", "data": [...]}) was read as one row of its envelope: train said '1 training
    # row; fitting needs at least 2', score 'column(s) the model needs are missing'.
    import json

    import pytest

    from hourglass.errors import InputError
    from hourglass.ingest.readers import read_table
    from hourglass.serve.app import _search_document

    tap = {"queryEndTime": "2024-03-01T08:10:00Z", "messagesDelivered": [_tap_message(1)],
           "messagesBlocked": [_tap_message(2)], "clicksPermitted": [], "clicksBlocked": []}
    mimecast = {"type": "MTA", "data": [{"datetime": "2024-03-01T08:00:00+0000", "acc": "C0A0",
                                         "Sender": "billing@vendor-a.com", "Act": "Acc"}]}
    for name, doc, recipe in (
            ("tap.json", tap,
             "write its messages one a line (jq -c '.messagesDelivered[]?, .messagesBlocked[]?')"),
            ("mimecast.json", mimecast, "write its events one a line (jq -c '.data[]')")):
        for indent in (None, 2):  # saved on one line, or pretty-printed
            p = tmp_path / name
            p.write_text(json.dumps(doc, indent=indent) + "\n")
            with pytest.raises(InputError) as got:
                read_table(p)
            # (a get-siem-logs file's head, keys without values, is no page unlike an event's,
            # {"type": ..., "data": ...}: 'jq -c .' first, then its recipe)
            assert str(got.value).endswith(
                "(jq -c .)" if indent and name == "mimecast.json" else recipe)
    clicks = {"queryEndTime": "2024-03-01T08:10:00Z", "clicksBlocked": [{"url": "http://x.example/"}]}
    assert _search_document([clicks]) == (
        "row 1: a Proofpoint TAP SIEM API response (its messages under messagesDelivered and "
        "messagesBlocked, its clicks under clicksPermitted and clicksBlocked), not one event; send "
        "its events as the rows (jq '{rows: [.clicksPermitted[]?, .clicksBlocked[]?]}')")
    # JSON lines whose events hold a 'data' list of no objects are events still
    p = tmp_path / "metrics.jsonl"
    p.write_text("".join(json.dumps({"type": "metric", "data": [i, i + 1]}) + "\n" for i in range(3)))
    assert len(read_table(p)) == 3


def test_a_defender_email_cluster_id_is_no_magnitude() -> None:
    # What was wrong: Defender for Office's EmailEvents EmailClusterId (the 64-bit number of a group
    # of similar mails) was learnt as a magnitude: 200 normal mails whose clusters' ids lay past
    # the training range were 109 alerts instead of 1.
    from hourglass.features.roles import infer_role

    ids = pd.Series([3287746051943922 + 7919 * i for i in range(300)])
    for name in ("EmailClusterId", "properties.EmailClusterId"):  # a CSV export; Sentinel's JSON
        assert infer_role(name, ids, max_categories=50) == ("drop", "identifier/timestamp name")


def test_a_mail_models_alerts_name_the_message_in_ecs_email_fields() -> None:
    # What was wrong: an ECS alert of a Mimecast, Proofpoint TAP, Microsoft 365 message trace or
    # Defender EmailEvents model named no sender, recipient, message id or subject (no email.*
    # field), so a SIEM rule or dashboard on email.from.address never matched a flagged message.
    from hourglass.serve.ecs import AlertRule, to_ecs

    mimecast = parse_kv(_MIMECAST.format(m=1).replace("headerFrom=billing@vendor-a.com",
                                                      'headerFrom="Billing" <billing@vendor-a.com>'))
    assert mimecast is not None
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="kv"), fields=mimecast)
    assert doc["email"] == {"from": {"address": ["billing@vendor-a.com"]},
                            "to": {"address": ["alice@corp.example.com"]},
                            "message_id": "<81ce15$9o5if1@mail.example.com>",
                            "subject": "Re: invoice 1", "direction": "inbound"}
    tap = {**_tap_message(1), "recipient": '["alice@corp.example.com", "bob@corp.example.com"]',
           "headerFrom": '"Sender" <billing@vendor-a.com>', "subject": "hello"}
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="jsonl"), fields=tap)
    assert doc["email"]["to"]["address"] == ["alice@corp.example.com", "bob@corp.example.com"]
    assert doc["email"]["from"]["address"] == ["billing@vendor-a.com"] and doc["email"]["subject"] == "hello"
    # an entity bucket of a message trace per sender: the sender is email.from.address
    rule = AlertRule("autoencoder", "ab", input="entity", data_format="csv", entity_field="SenderAddress",
                     input_fields=("SenderAddress", "RecipientAddress", "Size"))
    doc = to_ecs({"entity": "dave@corp.example.com", "bucket_start": "2024-03-09T02:00:00",
                  "bucket_end": "2024-03-09T03:00:00", "rows": 20, "score": 3.4}, rule)
    assert doc["email"] == {"from": {"address": ["dave@corp.example.com"]}}
    # a certificate's subject, or a Dir of another log, is no message's
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="zeek-conn"),
                 fields={"subject": "CN=www.example.com", "issuer": "CN=CA", "dir": "up"})
    assert "email" not in doc


def test_a_mail_alert_names_the_sending_server_and_is_an_email_event() -> None:
    # What was wrong: the lookalike-domain wave's alerts named no sending server (Mimecast's IP,
    # TAP's senderIP, the message trace's FromIP, EmailEvents' SenderIPv4 went to no ECS field),
    # and a message trace's alert was in no 'email' event.category.
    from hourglass.serve.ecs import AlertRule, to_ecs

    row = parse_kv(_MIMECAST.format(m=1).replace("IP=198.51.100.1|", "IP=203.0.113.66|"))
    assert row is not None
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="kv"), fields=row)
    assert doc["source"] == {"ip": "203.0.113.66"}
    assert doc["event"]["category"] == ["intrusion_detection", "email"]
    trace = {"SenderAddress": "dave@corp.example.com", "RecipientAddress": "x1@gmail.com",
             "FromIP": "10.1.0.25", "ToIP": "203.0.113.5", "Size": 9000}
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="csv"), fields=trace)
    assert doc["source"] == {"ip": "10.1.0.25"} and doc["destination"] == {"ip": "203.0.113.5"}
    assert doc["event"]["category"] == ["intrusion_detection", "email"]
    defender = {"SenderFromAddress": "it@c0rp-example.com", "RecipientEmailAddress": "frank@corp.example.com",
                "SenderIPv4": "203.0.113.66"}
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="csv"), fields=defender)
    assert doc["source"] == {"ip": "203.0.113.66"}
    # a flow's alert is a network event as before
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="csv"),
                 fields={"src_ip": "10.0.0.5", "dst_ip": "10.0.0.6"})
    assert doc["event"]["category"] == ["intrusion_detection", "network"]


def test_an_admin_center_message_trace_reports_alert_names_the_message() -> None:
    # What was wrong: the Exchange admin center's downloaded message trace report names its fields
    # sender_address, recipient_status ('a@x##Receive, Deliver'), message_id, message_subject and
    # original_client_ip; an alert of a model of it named none of them in ECS.
    from hourglass.serve.ecs import AlertRule, to_ecs

    report = {"origin_timestamp_utc": "2024-03-09T14:00:00.0000000Z",
              "sender_address": "erin@corp.example.com",
              "recipient_status": "erin.private@gmail.com##Receive, Send;x@y.example##Receive, Fail",
              "message_subject": "files", "total_bytes": 35000000,
              "message_id": "<a1b2@corp.example.com>", "original_client_ip": "10.1.0.25",
              "directionality": "Originating"}
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="csv"), fields=report)
    assert doc["email"] == {"from": {"address": ["erin@corp.example.com"]},
                            "to": {"address": ["erin.private@gmail.com", "x@y.example"]},
                            "subject": "files", "message_id": "<a1b2@corp.example.com>",
                            "direction": "originating"}
    assert doc["source"] == {"ip": "10.1.0.25"}
