"""Review round 61 (idp61): identity providers' sign-in logs (Entra, Duo, Google Workspace, Windows)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from hourglass.cli import app
from hourglass.ingest.formats import sniff_format
from tests._cli import runner

DUO_AUTH = {"access_device": {"browser": "Chrome", "browser_version": "120.0", "ip": "203.0.113.5",
                              "location": {"city": "Toronto", "country": "Canada", "state": "Ontario"},
                              "os": "Windows"},
            "application": {"key": "DIY231J8BR23QK4UKBY8", "name": "Microsoft Azure Active Directory"},
            "auth_device": {"ip": "192.168.225.254", "name": "My iPhone X (734-555-2342)"},
            "email": "ann.lee@example.com", "event_type": "authentication", "factor": "duo_push",
            "isotimestamp": "2026-03-02T08:01:00.000000+00:00", "reason": "user_approved",
            "result": "success", "timestamp": 1772438460, "txid": "340a23e3-23f3-4e5c-b3ab-1ac8d6f3e85f",
            "user": {"groups": ["Duo Users"], "key": "DU3KC77WJ06Y5HIV7XKQ", "name": "ann.lee"}}


def test_duo_authentication_log_is_not_sniffed_as_suricata(tmp_path: Path) -> None:
    # What was wrong: a Duo Admin API authentication log (JSON lines with 'event_type':
    # 'authentication' and 'timestamp' in epoch seconds) was sniffed as Suricata EVE:
    # `inspect` said "format suricata-eve" and its ECS alerts were filed under
    # event.category ["intrusion_detection", "network"], a network IDS's, for sign-ins.
    # Suricata writes its timestamp as ISO 8601 text; a number there is no EVE event.
    p = tmp_path / "duo.jsonl"
    p.write_text("".join(json.dumps({**DUO_AUTH, "timestamp": DUO_AUTH["timestamp"] + i}) + "\n"
                         for i in range(3)))
    assert sniff_format(p).name == "jsonl"
    eve = tmp_path / "eve.json"  # Suricata's own events stay EVE
    eve.write_text(json.dumps({"timestamp": "2026-03-02T08:01:00.000000+0000", "event_type": "flow",
                               "src_ip": "10.0.0.1", "dest_ip": "10.0.0.2", "proto": "TCP"}) + "\n")
    assert sniff_format(eve).name == "suricata-eve"


ENTRA_PORTAL_HEADER = ("Date (UTC),Request ID,User,Username,User type,Application,IP address,Location,"
                       "Status,Sign-in error code,Client app,Browser,Operating System\n")


def _portal_rows(n: int, start: int = 0) -> str:
    cities = ["Toronto, Ontario, CA", "Seattle, Washington, US"]
    return "".join(f"2026-03-02T{8 + i // 60:02d}:{i % 60:02d}:00Z,req-{start + i},User {i % 7},"
                   f"user{i % 7}@contoso.com,Member,Office 365 Exchange Online,203.0.113.{i % 7 + 1},"
                   f"\"{cities[i % 2]}\",{'Success' if i % 9 else 'Failure'},{0 if i % 9 else 50126},"
                   f"Browser,Chrome 120.0.0,Windows10\n" for i in range(n))


def test_entra_portal_csv_ip_address_goes_to_ecs_source_ip(tmp_path: Path) -> None:
    # What was wrong: ECS alerts of a model of the Entra admin center's sign-in download (CSV,
    # whose client address column is 'IP address') carried no source.ip: the address was in
    # no ECS field at all (its user, 'Username', went to user.name), so a SIEM rule or a pivot
    # on source.ip never found these sign-ins.
    train, new = tmp_path / "signins.csv", tmp_path / "new.csv"
    train.write_text(ENTRA_PORTAL_HEADER + _portal_rows(200), encoding="utf-8-sig")
    new.write_text(ENTRA_PORTAL_HEADER + "2026-03-03T09:00:00Z,req-x,Ann,ann@contoso.com,Guest,Azure Portal,"
                   "185.220.101.7,\"Moscow, Moscow, RU\",Failure,50126,Other clients,python-requests,\n",
                   encoding="utf-8-sig")
    res = runner.invoke(app, ["train", str(train), "--timestamp-col", "Date (UTC)", "--epochs", "2",
                              "--hidden", "8,4", "--seed", "0", "-q", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    out = tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(new), "--alert-format", "ecs",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    alert = json.loads(out.read_text().splitlines()[0])
    assert alert["source"]["ip"] == "185.220.101.7", alert
    assert alert["user"]["name"] == "ann@contoso.com"


def test_autonomous_system_numbers_are_networks_not_magnitudes() -> None:
    # What was wrong: a sign-in export's AS number column (the Entra admin center's download
    # 'Autonomous system number', Log Analytics' AutonomousSystemNumber, ECS source.as.number)
    # was learnt as a magnitude ('numeric values', min-max scaled): a sign-in from AS 8076 (an
    # unknown network) read as next to Microsoft's 8075, and one from AS 9009 as between the
    # tenant's 8075 and 16509. An entity model of the same file already counted them as codes.
    from hourglass.features.roles import infer_role

    asns = pd.Series([8075, 16509, 8075, 7018, 8075, 16509] * 20)
    for name in ("Autonomous system number", "AutonomousSystemNumber", "source.as.number", "asn"):
        assert infer_role(name, asns, max_categories=50) == (
            "categorical", "autonomous system number (a network's name, no magnitude)"), name
    assert infer_role("asn", asns.astype(str), max_categories=50)[0] == "categorical"  # JSON text
    assert infer_role("bytes", asns, max_categories=50) == ("numeric", "numeric values")


def _console_login(i: int, outcome: str) -> dict[str, object]:
    record: dict[str, object] = {
        "eventVersion": "1.09", "eventTime": f"2026-03-02T{8 + i // 60 % 12:02d}:{i % 60:02d}:00Z",
        "userIdentity": {"type": "IAMUser", "principalId": f"AIDA{i % 5}",
                         "arn": f"arn:aws:iam::111122223333:user/user{i % 5}",
                         "accountId": "111122223333", "userName": f"user{i % 5}"},
        "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "awsRegion": "us-east-1",
        "sourceIPAddress": f"198.51.100.{i % 5 + 1}", "userAgent": "Mozilla/5.0 (Windows NT 10.0)",
        "requestParameters": None, "responseElements": {"ConsoleLogin": outcome},
        "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home",
                                "MobileVersion": "No", "MFAUsed": "Yes"},
        "eventID": f"{i:08x}-0000-4000-8000-000000000000", "readOnly": False,
        "eventType": "AwsConsoleSignIn", "managementEvent": True, "recipientAccountId": "111122223333",
        "eventCategory": "Management"}
    if outcome == "Failure":
        record["errorMessage"] = "Failed authentication"
    return record


def test_cloudtrail_console_sign_in_failures_are_seen(tmp_path: Path) -> None:
    # What was wrong: a CloudTrail model left out every field of responseElements and
    # additionalEventData, and a failed console sign-in is written only there
    # (responseElements.ConsoleLogin 'Failure', no errorCode; errorMessage dropped too): a
    # password spray on the AWS console was, to the model, a run of successful sign-ins, and a
    # failed sign-in scored exactly as the same sign-in succeeding (equal scores).
    from hourglass.ingest.cloudtrail import CLOUDTRAIL

    roles = CLOUDTRAIL.roles_for(["responseElements.ConsoleLogin", "additionalEventData.MFAUsed",
                                  "serviceEventDetails.CredentialVerification", "responseElements.x"])
    assert roles == {"responseElements.ConsoleLogin": "categorical",
                     "additionalEventData.MFAUsed": "categorical",
                     "serviceEventDetails.CredentialVerification": "categorical",
                     "responseElements.x": "drop"}
    train = tmp_path / "trail.json"
    train.write_text(json.dumps({"Records": [_console_login(i, "Failure" if i % 25 == 7 else "Success")
                                             for i in range(300)]}))
    new = tmp_path / "new.jsonl"
    new.write_text("".join(json.dumps(_console_login(3, o)) + "\n" for o in ("Success", "Failure")))
    res = runner.invoke(app, ["train", str(train), "--epochs", "5", "--hidden", "8,4", "--seed", "0", "-q",
                              "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(new), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    ok, failed = pd.read_csv(tmp_path / "s.csv")["score"].tolist()
    assert failed > ok, (ok, failed)


def test_ipv4_mapped_kerberos_clients_read_as_their_ipv4_address() -> None:
    # What was wrong: Windows' Kerberos events (4768, 4771) write the client as an IPv4-mapped
    # IPv6 address, ::ffff:10.0.0.5. A table model read every such address as IPv6 in the one
    # /48 they all share (::/48): ::ffff:185.220.101.7 (a spray from outside) got the very subnet
    # features of ::ffff:10.20.0.9, and ::ffff:10.0.0.5 other ones than the same host's 10.0.0.5
    # in its 4624 logons. A model saved before keeps reading them as it did.
    from hourglass.features.tabular import TabularPreprocessor

    ips = ["10.0.0.5", "::ffff:10.0.0.5", "::ffff:10.20.0.9", "::ffff:185.220.101.7", "10.20.0.9"] * 20
    df = pd.DataFrame({"IpAddress": ips, "EventID": [4624, 4771, 4768, 4771, 4624] * 20})
    pre = TabularPreprocessor(roles={"IpAddress": "ip"}).fit(df)
    x = pre.transform(df.iloc[:5])
    ip_cols = [i for i, n in enumerate(pre.feature_names_) if n.startswith("IpAddress")]
    x = x[:, ip_cols]
    assert (x[0] == x[1]).all()  # ::ffff:10.0.0.5 is 10.0.0.5
    assert (x[2] == x[4]).all()  # and ::ffff:10.20.0.9 is 10.20.0.9
    assert not (x[2] == x[3]).all()  # a client outside is no neighbour of the ones inside
    state = pre.to_dict()
    assert "v4-mapped" in state["ip_form"].split(",")
    old = TabularPreprocessor.from_dict({k: v for k, v in state.items() if k != "ip_form"})
    names = [pre.feature_names_[i] for i in ip_cols]
    subnet = [i for i, n in enumerate(names) if n.startswith("IpAddress/24#")]
    y = old.transform(df.iloc[:5])[:, ip_cols]  # as a saved model scored them: IPv6, one /48
    assert y[1:4, names.index("IpAddress:ipv6")].tolist() == [1, 1, 1]
    assert (y[2, subnet] == y[3, subnet]).all() and not (y[0] == y[1]).all()
    assert not (x[2, subnet] == x[3, subnet]).all()
    assert (TabularPreprocessor.from_dict(state).transform(df.iloc[:5])[:, ip_cols] == x).all()
    from hourglass.features.small_batch import transform_small  # the service's road, alike

    for p in (pre, old):
        fast = transform_small(p, df.iloc[:5].astype({"IpAddress": object}))
        assert fast is not None and (fast == p.transform(df.iloc[:5])).all()


def test_event_viewer_csv_is_named_not_sent_to_skip_every_row(tmp_path: Path) -> None:
    # What was wrong: Windows Event Viewer's 'Save All Events As' CSV names five columns
    # (Level, Date and Time, Source, Event ID, Task Category) and writes each event's message as
    # a sixth field: train/inspect said "line 2: expected 5 fields, found 6 (... use
    # --on-bad-rows skip to skip such rows)", and with that option every row was skipped ("no
    # data rows (skipped 2 malformed row(s))"). The message now names the export and the fix.
    from tests._cli import one_line_error

    rows = ('Information,3/23/2026 9:46:00 AM,Microsoft-Windows-Security-Auditing,4624,Logon,'
            '"An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-5-18"\r\n'
            'Information,3/23/2026 9:47:00 AM,Microsoft-Windows-Security-Auditing,4625,Logon,'
            '"An account failed to log on."\r\n')
    p = tmp_path / "security.csv"
    p.write_bytes(("\ufeffLevel,Date and Time,Source,Event ID,Task Category\r\n" + rows).encode())
    one_line_error(["train", str(p), "-o", str(tmp_path / "m")],
                   "line 2: Windows Event Viewer's CSV ('Save All Events As'): each event's message is a "
                   "sixth field that its header does not name; add ',Message' to the header line",
                   tmp_path / "m")
    fixed = tmp_path / "fixed.csv"  # as the message says
    fixed.write_bytes(("Level,Date and Time,Source,Event ID,Task Category,Message\r\n" + rows).encode())
    res = runner.invoke(app, ["inspect", str(fixed)])
    assert res.exit_code == 0 and "2 rows inspected, 6 columns" in res.output, res.output


def test_identity_providers_json_fields_go_to_ecs(tmp_path: Path) -> None:
    # What was wrong: ECS alerts of a model of Duo's authentication log carried no source.ip
    # (the sign-in's address is access_device.ip; only the Duo user.name was mapped), those of
    # Google Workspace's login audit (Reports API) no user.name (the user is actor.email), and a
    # Keycloak event's user (details.username) no user.name either: a SIEM pivot on the user or
    # the address of a spray found none of them.
    from hourglass.serve.ecs import ecs_target

    assert [ecs_target(k) for k in ("access_device.ip", "actor.email", "details.username")] == [
        "source.ip", "user.name", "user.name"]
    train, new = tmp_path / "duo.jsonl", tmp_path / "new.jsonl"
    cities = [("Toronto", "CA"), ("Seattle", "US")]
    train.write_text("".join(json.dumps({
        **DUO_AUTH, "timestamp": DUO_AUTH["timestamp"] + 60 * i,
        "access_device": {**DUO_AUTH["access_device"], "ip": f"203.0.113.{i % 9 + 1}",
                          "location": {"city": cities[i % 2][0], "country": cities[i % 2][1]}},
        "user": {**DUO_AUTH["user"], "name": f"user{i % 9}"}}) + "\n" for i in range(200)))
    new.write_text(json.dumps({**DUO_AUTH, "result": "fraud", "reason": "user_marked_fraud",
                               "access_device": {"browser": "Firefox", "browser_version": "121.0",
                                                 "ip": "185.220.101.7", "os": "Linux",
                                                 "location": {"city": "Moscow", "country": "RU"}},
                               "user": {**DUO_AUTH["user"], "name": "admin"}}) + "\n")
    res = runner.invoke(app, ["train", str(train), "--timestamp-col", "timestamp", "--epochs", "2",
                              "--hidden", "8,4", "--seed", "0", "-q", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    out = tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(new), "--alert-format", "ecs",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    alert = json.loads(out.read_text().splitlines()[0])
    assert alert["source"]["ip"] == "185.220.101.7" and alert["user"]["name"] == "admin", alert


def test_windows_task_and_level_beside_an_event_id_are_codes() -> None:
    # What was wrong: a SIEM's CSV of Windows Security events (Microsoft Sentinel's
    # SecurityEvent: EventID, Task 12544 Logon / 12546 Account Lockout, Level) had its Task and
    # Level learnt as magnitudes by a table model ('numeric values', min-max scaled: Kerberos'
    # 14339 read as far past a logon's 12544), and summed per user and hour by an entity model
    # ('sum, mean, max': a bucket of ten logons a Task sum of 125440), where the Windows formats
    # read them as codes. Beside an EventID column, whole numbers under these names are codes.
    from hourglass.features.roles import infer_role

    cols = ["TimeGenerated", "EventID", "Task", "Level", "TargetUserName"]
    task = pd.Series([12544, 12546, 14339, 12544] * 30)
    assert infer_role("Task", task, max_categories=50, columns=cols) == (
        "categorical", "Windows event code (Task, Opcode or Level beside an EventID)")
    level = pd.Series([0, 4] * 60)
    assert infer_role("Level", level, max_categories=50, columns=cols)[0] == "categorical"
    assert infer_role("Task", task, max_categories=50, columns=["Task", "hours"]) == (
        "numeric", "numeric values")  # no Windows event table: a task count stays a number
