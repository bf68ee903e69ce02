"""Privileged-access audit logs (Vault, CyberArk, Teleport, BeyondTrust) read, scored and
turned into ECS alerts."""

from __future__ import annotations

from hourglass.serve.ecs import AlertRule, to_ecs

_ALERT = {"row": 0, "score": 2.0, "severity": "high", "calibrated": 0.99}


def _rule() -> AlertRule:
    return AlertRule(name="autoencoder", id="x", input="table", threshold=1.0)


def test_a_teleport_sessions_proto_is_its_application_protocol() -> None:
    # What was wrong: a Teleport session event's proto 'ssh' went to ECS network.transport
    # ('ssh' where tcp/udp belong); a protocol field's word that names no transport is now
    # network.protocol.
    doc = to_ecs(_ALERT, _rule(), fields={"proto": "ssh", "user": "bob"})
    assert doc["network"] == {"protocol": "ssh"}
    assert to_ecs(_ALERT, _rule(), fields={"proto": "TCP"})["network"] == {"transport": "tcp"}


def test_a_csv_reports_user_name_is_the_alerts_user() -> None:
    # What was wrong: an entity model keyed on a PAM report's 'User Name' (BeyondTrust Password
    # Safe's CSV export) gave ECS alerts with no user.name, the account only in the message.
    rule = AlertRule(name="autoencoder", id="x", input="entity", threshold=1.0,
                     entity_field="User Name")
    alert = {"entity": "CORP\\bob", "bucket_start": "2024-03-08T23:00:00",
             "bucket_end": "2024-03-09T00:00:00", "rows": 50, "score": 4.3, "severity": "critical",
             "calibrated": 1.0}
    doc = to_ecs(alert, rule)
    assert doc["user"] == {"name": "CORP\\bob"}
    assert doc["related"]["user"] == ["CORP\\bob"]


def test_a_vault_audit_entrys_client_is_the_alerts_source() -> None:
    # What was wrong: a HashiCorp Vault audit entry's client (request.remote_address and
    # .remote_port, read as nested JSON) went under hourglass.fields: the alert had no source.ip.
    fields = {"request.remote_address": "198.51.100.23", "request.remote_port": 53422,
              "auth.display_name": "ldap-bob"}
    doc = to_ecs(_ALERT, _rule(), fields=fields)
    assert doc["source"] == {"ip": "198.51.100.23", "port": 53422}
    assert doc["related"]["ip"] == ["198.51.100.23"]


def test_a_teleport_events_addresses_are_the_alerts_source_and_destination() -> None:
    # What was wrong: a Teleport audit event's client and node addresses (addr.remote,
    # addr.local: '203.0.113.77:47682') went under hourglass.fields: a root session from a new
    # address gave an alert with no source.ip.
    fields = {"addr.remote": "203.0.113.77:47682", "addr.local": "10.2.0.5:3022", "login": "root"}
    doc = to_ecs(_ALERT, _rule(), fields=fields)
    assert doc["source"] == {"ip": "203.0.113.77"}
    assert doc["destination"] == {"ip": "10.2.0.5"}
    assert doc["hourglass"]["fields"] == {"login": "root"}


def test_a_cyberark_cef_shost_address_is_the_alerts_source_ip() -> None:
    # What was wrong: CyberArk Vault's CEF writes the client's address in shost
    # (shost=198.51.100.23); it went to source.domain and related.hosts, so the alert of a
    # password retrieval burst from a new address had no source.ip; an address there is source.ip.
    from hourglass.ingest.cef import parse_cef

    line = ('<5>Mar 06 13:00:00 VAULT01 CEF:0|Cyber-Ark|Vault|12.6.0000|295|Retrieve password|5|'
            'act="Retrieve password" suser=alice fname=Root\\Operating System-WinDomain-corp.local-svc_db '
            'dvc= shost=198.51.100.23 dhost=srv-db.corp.local duser=svc_db msg=')
    rule = AlertRule(name="autoencoder", id="x", input="table", threshold=1.0, data_format="cef")
    doc = to_ecs(_ALERT, rule, fields=parse_cef(line))
    assert doc["source"] == {"ip": "198.51.100.23"}
    assert doc["destination"]["domain"] == "srv-db.corp.local"
    assert doc["related"]["ip"] == ["198.51.100.23"]
    # the record's own src wins; its shost stays a name
    both = to_ecs(_ALERT, rule, fields={"src": "10.0.0.1", "shost": "10.9.9.9"})
    assert both["source"] == {"ip": "10.0.0.1", "domain": "10.9.9.9"}


def test_a_cef_records_duser_is_the_alerts_destination_user() -> None:
    # What was wrong: a CEF record's duser (CyberArk Vault's privileged account whose password
    # was retrieved) had no ECS name: an alert without --keep did not name the account at all.
    from hourglass.serve.ecs import ecs_named

    fields = {"suser": "alice", "duser": "svc_db", "act": "Retrieve password"}
    assert ecs_named(fields, "cef") == {"suser": "alice", "duser": "svc_db"}
    rule = AlertRule(name="autoencoder", id="x", input="table", threshold=1.0, data_format="cef")
    doc = to_ecs(_ALERT, rule, fields=ecs_named(fields, "cef"))
    assert doc["destination"] == {"user": {"name": "svc_db"}}
    assert doc["related"]["user"] == ["alice", "svc_db"]
