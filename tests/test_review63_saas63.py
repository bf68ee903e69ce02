"""Review round 63 (saas63): SaaS audit logs (GitHub, Google Workspace, Slack, Microsoft 365)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.features.tabular import TabularPreprocessor


def _slack_audit(n: int, start: int) -> pd.DataFrame:
    """Slack audit logs API entries as the JSON-lines reader flattens them."""
    rng = np.random.default_rng(start)
    return pd.DataFrame({
        "id": [f"{i:08x}-1111-2222-3333-444455556666" for i in range(start, start + n)],
        "date_create": start + np.sort(rng.integers(0, 86400 * 7, n)),
        "action": rng.choice(["user_login", "file_downloaded", "user_logout"], n),
        "actor.user.name": rng.choice(["alice", "bob", "carol"], n),
        "context.ip_address": rng.choice(["203.0.113.10", "203.0.113.11"], n),
    })


def test_slack_and_workspace_epoch_times_are_times_not_amounts() -> None:
    # What was wrong: Slack's audit log writes its event time as 'date_create' (epoch seconds) and
    # Google Workspace's BigQuery export as 'time_usec' (epoch microseconds); neither name read as
    # a time's, so each was min-max scaled as an amount and every later event lay past training.
    train = _slack_audit(300, 1717200000)
    train["time_usec"] = train["date_create"] * 1_000_000 + 123
    pre = TabularPreprocessor().fit(train)
    assert (pre.roles_["date_create"], pre.reasons_["date_create"]) == ("drop", "times")
    assert (pre.roles_["time_usec"], pre.reasons_["time_usec"]) == ("drop", "times")
    # a week later, the same events give the same features
    later = train.assign(date_create=train["date_create"] + 86400 * 30,
                         time_usec=train["time_usec"] + 86400 * 30 * 1_000_000)
    assert np.array_equal(pre.transform(later), pre.transform(train))
    # a count or a latency under such names stays a feature
    counts = train.assign(date_range=np.arange(300) % 7, latency_msec=np.arange(300) * 3.5)
    kept = TabularPreprocessor().fit(counts)
    assert kept.roles_["date_range"] == kept.roles_["latency_msec"] == "numeric"


def _ual_powershell_export(n: int, *, runspace: str, seed: int) -> pd.DataFrame:
    """Search-UnifiedAuditLog | Export-Csv, as the CSV reader gives it."""
    rng = np.random.default_rng(seed)
    ops = rng.choice(["FileAccessed", "UserLoggedIn", "MailItemsAccessed"], n)
    return pd.DataFrame({
        "RunspaceId": runspace,
        "RecordType": np.where(ops == "UserLoggedIn", "AzureActiveDirectoryStsLogon", "ExchangeItem"),
        "CreationDate": [f"6/{1 + i % 9}/2024 {1 + i % 12}:0{i % 10}:00 PM" for i in range(n)],
        "UserIds": rng.choice(["alice@acme.com", "bob@acme.com"], n),
        "Operations": ops,
        "AuditData": [f'{{"Id":"{seed}-{i}","Operation":"{op}"}}' for i, op in enumerate(ops)],
        "ResultIndex": np.arange(1, n + 1),
        "ResultCount": n,
        "Identity": [f"{seed:04d}{i:04d}-aaaa-bbbb-cccc-dddddddddddd" for i in range(n)],
        "IsValid": True,
        "ObjectState": "Unchanged",
    })


def test_unified_audit_log_powershell_export_bookkeeping_is_no_feature() -> None:
    # What was wrong: Search-UnifiedAuditLog | Export-Csv writes PowerShell's own columns beside
    # each record: RunspaceId (a new GUID each session) was one-hot, ResultIndex (1, 2, 3 ... down
    # the search) min-max scaled; the next export's every row was an unseen RunspaceId and its
    # indexes new magnitudes: 34 of 103 ordinary records flagged (1 after: the planted rule).
    train = _ual_powershell_export(300, runspace="d3b5c0c1-1111-2222-3333-444455556666", seed=1)
    pre = TabularPreprocessor().fit(train)
    for c in ("RunspaceId", "ResultIndex", "ResultCount", "Identity", "IsValid", "ObjectState"):
        assert pre.roles_[c] == "drop", (c, pre.roles_[c], pre.reasons_[c])
        assert pre.reasons_[c] == "Search-UnifiedAuditLog export's PowerShell bookkeeping"
    assert pre.roles_["Operations"] == pre.roles_["UserIds"] == "categorical"
    # the next session's export of the same events: the same features
    later = _ual_powershell_export(300, runspace="0f9e8d7c-9999-8888-7777-666655554444", seed=1)
    later["ResultIndex"] += 5000
    assert np.array_equal(pre.transform(later), pre.transform(train))
    # without AuditData, columns so named are read as any other's
    alone = TabularPreprocessor().fit(train.drop(columns="AuditData"))
    assert alone.roles_["RunspaceId"] == "categorical"


def test_workspace_activity_unique_qualifier_is_an_identifier() -> None:
    # What was wrong: a Google Workspace Reports API activity's id.uniqueQualifier (a random signed
    # 64-bit number written as text, new with each activity) was min-max scaled as 'numbers stored
    # as text': a row's score and its explanation moved with a random id.
    rng = np.random.default_rng(5)
    n = 200
    activities = pd.DataFrame({
        "id.time": pd.date_range("2024-06-01 08:00", periods=n, freq="3min").strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"),
        "id.uniqueQualifier": [str(v) for v in rng.integers(-2**63, 2**63 - 1, n, dtype=np.int64)],
        "id.applicationName": "drive",
        "actor.email": rng.choice(["alice@acme.com", "bob@acme.com"], n),
        "ipAddress": rng.choice(["203.0.113.10", "203.0.113.11"], n),
    })
    pre = TabularPreprocessor().fit(activities)
    assert pre.roles_["id.uniqueQualifier"] == "drop", pre.reasons_["id.uniqueQualifier"]
    other = activities.assign(**{"id.uniqueQualifier": activities["id.uniqueQualifier"][::-1].to_numpy()})
    assert np.array_equal(pre.transform(other), pre.transform(activities))


def test_saas_api_pages_are_refused_with_their_recipe(tmp_path: Path) -> None:
    # What was wrong: a Google Workspace Reports API page ({"kind": ..., "items": [...],
    # "nextPageToken": ...}) or a Slack audit logs API page ({"entries": [...], "response_metadata":
    # ...}) saved whole read as ONE row of its envelope: train said "AutoEncoder: 1 training row",
    # score "column(s) the model needs are missing ...; the data has kind, etag, items,
    # nextPageToken", stream likewise, none saying why.
    from hourglass.errors import InputError
    from hourglass.ingest import read_table
    from tests._cli import runner, small_labelled_model

    activities = [{"kind": "admin#reports#activity", "id": {"time": f"2024-06-01T08:00:{i:02d}.000Z",
                                                            "uniqueQualifier": str(-i * 977)},
                   "actor": {"email": "alice@acme.com"}, "ipAddress": "203.0.113.10",
                   "events": [{"type": "access", "name": "download"}]} for i in range(30)]
    google = {"kind": "admin#reports#activities", "etag": '"x/y"', "items": activities,
              "nextPageToken": "A:1717228800000:123"}
    slack = {"entries": [{"id": str(i), "date_create": 1717228800 + i, "action": "user_login",
                          "actor": {"user": {"name": "alice"}}} for i in range(30)],
             "response_metadata": {"next_cursor": ""}}
    made = small_labelled_model(tmp_path)
    for page, key, what in ((google, "items", "a Google Workspace Reports API page"),
                            (slack, "entries", "a Slack audit logs API page")):
        compact, pretty = tmp_path / f"{key}.json", tmp_path / f"{key}_pretty.json"
        compact.write_text(json.dumps(page) + "\n")
        pretty.write_text(json.dumps(page, indent=2) + "\n")
        for path in (compact, pretty):
            for skip in ("error", "skip"):
                with pytest.raises(InputError) as err:
                    read_table(path, on_bad_rows=skip)
                said = str(err.value)
                assert said.startswith(f"{path}: line 1: {what}"), said
                assert said.endswith(f"write its events one a line (jq -c '.{key}[]')"), said
        lines = tmp_path / f"{key}.jsonl"  # what the recipe writes reads as the events
        lines.write_text("".join(json.dumps(e) + "\n" for e in page[key]))
        assert len(read_table(lines)) == 30
        res = runner.invoke(app, ["stream", str(made["model"])], input=json.dumps(page) + "\n")
        assert res.exit_code == 2 and f"<stdin>: line 1: {what}" in res.stderr, res.stderr
        assert "Traceback" not in res.stderr and res.stdout == ""
    # an event that merely has such fields is an event
    order = tmp_path / "order.jsonl"
    order.write_text(json.dumps({"kind": "order", "items": [{"sku": 1}], "user": "a"}) + "\n")
    assert len(read_table(order)) == 1


def _github_audit(n: int, seed: int) -> pd.DataFrame:
    """GitHub's organisation audit log (REST API or streaming) as the JSON-lines reader flattens it."""
    rng = np.random.default_rng(seed)
    actors = rng.integers(0, 4, n)
    return pd.DataFrame({
        "@timestamp": 1717200000000 + np.sort(rng.integers(0, 86400000 * 7, n)),
        "_document_id": [f"xJJFlFOhQ6b-{seed}-{i}" for i in range(n)],
        "action": rng.choice(["git.clone", "git.push", "pull_request.create"], n),
        "actor": np.array(["alice", "bob", "carol", "dave"])[actors],
        "actor_id": 583231 + actors * 17,
        "org_id": 9919,
        "repo_id": rng.choice([101234567, 101234999, 205550001], n),
        "actor_location.country_code": "US",
    })


def test_github_audit_log_ids_are_names_not_magnitudes() -> None:
    # What was wrong: a GitHub audit log's actor_id, repo_id, org_id ... (an account's or a
    # repository's number) were min-max scaled: a new account's clones scored 1.8e5 on its id's
    # size alone ('actor_id=9999 (81%)'), and an account or repository with an id near a known
    # one's passed as normal; they are categories now (unseen ids alike, whatever their size).
    train = _github_audit(300, 1)
    pre = TabularPreprocessor().fit(train)
    for c in ("actor_id", "repo_id", "org_id"):
        assert pre.roles_[c] == "categorical", (c, pre.roles_[c], pre.reasons_[c])
    new_near = train.assign(actor_id=583232)  # one off a known id
    new_far = train.assign(actor_id=98765432)  # far past
    assert np.array_equal(pre.transform(new_near), pre.transform(new_far))
    assert not np.array_equal(pre.transform(new_near), pre.transform(train))
    # a near-unique id (a workflow run's) is dropped, as an identifier
    runs = TabularPreprocessor().fit(train.assign(workflow_run_id=np.arange(300) + 10**9))
    assert runs.roles_["workflow_run_id"] == "drop"
    # without GitHub's document id, a table's ids are read as before
    plain = TabularPreprocessor().fit(train.drop(columns="_document_id"))
    assert plain.roles_["actor_id"] == "numeric"


def test_unified_audit_log_auditdata_names_its_own_recipe(tmp_path: Path) -> None:
    # What was wrong: Microsoft 365's unified audit log exported from the Purview portal (or by
    # Search-UnifiedAuditLog) holds each record as JSON text in AuditData; the warning that it was
    # dropped as one text value told the user to run KQL's 'evaluate bag_unpack(AuditData)', a
    # Sentinel query no such export comes from, and named no way to read its ClientIP, Workload ...
    from tests._cli import runner

    rows = ["RecordId,CreationDate,RecordType,Operation,UserId,AuditData"]
    for i in range(60):
        record = json.dumps({"CreationTime": f"2024-06-01T08:{i:02d}:00", "Id": f"id-{i}",
                             "Operation": "FileAccessed", "RecordType": 6, "Workload": "SharePoint",
                             "ClientIP": f"203.0.113.{i % 5}", "UserId": "alice@acme.com"},
                            separators=(",", ":"))
        rows.append(f'id-{i},2024-06-01T08:{i:02d}:00.0000000Z,SharePointFileOperation,FileAccessed,'
                    f'alice@acme.com,"{record.replace(chr(34), chr(34) * 2)}"')
    export = tmp_path / "purview.csv"
    export.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    res = runner.invoke(app, ["inspect", str(export)])
    assert res.exit_code == 0, res.stderr
    said = " ".join(res.stderr.split())
    assert "column 'AuditData' holds JSON objects as text" in said, said
    assert "Microsoft 365 unified audit log record" in said
    assert ("(PowerShell: Import-Csv FILE.csv | ForEach-Object AuditData | Set-Content -Encoding "
            "utf8 FILE.jsonl)") in said
    assert "bag_unpack" not in said


def test_ecs_source_ip_of_an_address_written_with_its_port() -> None:
    # What was wrong: Microsoft 365's unified audit log writes an Exchange client as ClientIP
    # '203.0.113.10:51234' (IPv6 as '[2001:db8::1]:443'); the features read its address, but an
    # ECS alert left source.ip out (no valid address), so a SIEM saw no client of the alert.
    from hourglass.serve.ecs import AlertRule, frame_alerts

    result = pd.DataFrame({"row": [0, 1, 2], "score": [5.0, 5.0, 5.0], "flag": [1, 1, 1],
                           "calibrated": [0.999] * 3, "severity": ["critical"] * 3})
    kept = pd.DataFrame({"ClientIP": ["185.220.101.5:51234", "[2a0b:f4c2::5]:443", "10.0.0.7"],
                         "UserId": ["dave@acme.com"] * 3})
    docs = frame_alerts(result, AlertRule("autoencoder", "ab"), fields=kept)
    assert [d["source"]["ip"] for d in docs] == ["185.220.101.5", "2a0b:f4c2::5", "10.0.0.7"]
    assert docs[0]["related"]["ip"] == ["185.220.101.5"]


def test_github_audit_log_ecs_alert_names_the_actor_not_the_member_added() -> None:
    # What was wrong: an ECS alert of a GitHub audit log's 'org.add_member' (mallory adding
    # mallory2) said user.name "mallory2", the account acted on, and left the actor, actor_ip,
    # action and user_agent under hourglass.fields: a SIEM rule on user.name blamed the new member.
    from hourglass.serve.ecs import AlertRule, frame_alerts

    result = pd.DataFrame({"row": [0], "score": [5.0], "flag": [1], "calibrated": [0.999],
                           "severity": ["critical"]})
    kept = pd.DataFrame({"actor": ["mallory"], "user": ["mallory2"], "actor_ip": ["185.220.101.5"],
                         "action": ["org.add_member"], "user_agent": ["Mozilla/5.0"],
                         "actor_location.country_code": ["RU"]})
    rule = AlertRule("autoencoder", "ab", input_fields=("_document_id", "action", "actor", "user"))
    doc = frame_alerts(result, rule, fields=kept)[0]
    assert doc["user"] == {"name": "mallory", "target": {"name": "mallory2"}}
    assert doc["source"] == {"ip": "185.220.101.5", "geo": {"country_iso_code": "RU"}}
    assert doc["event"]["action"] == "org.add_member"
    assert doc["user_agent"] == {"original": "Mozilla/5.0"}
    assert "fields" not in doc["hourglass"]
    # another table's 'user' is its user, as before
    other = frame_alerts(result, AlertRule("autoencoder", "ab", input_fields=("user", "action")),
                         fields=kept[["user"]])[0]
    assert other["user"] == {"name": "mallory2"}


def test_unified_audit_log_sign_in_error_number_is_a_code() -> None:
    # What was wrong: a Microsoft 365 unified audit log sign-in's ErrorNumber ("0" done, "50126" a
    # wrong password, "50074" MFA asked: Entra's AADSTS codes, written as text) was min-max scaled
    # as 'numbers stored as text': 50074 lay beside 50126, and a code never seen (50053, a locked
    # account) between them read as an ordinary failure.
    rng = np.random.default_rng(7)
    n = 300
    signins = pd.DataFrame({
        "Operation": rng.choice(["UserLoggedIn", "UserLoginFailed"], n),
        "UserId": rng.choice(["alice@acme.com", "bob@acme.com"], n),
        "ErrorNumber": rng.choice(["0", "50126", "50074"], n),
    })
    pre = TabularPreprocessor().fit(signins)
    assert pre.roles_["ErrorNumber"] == "categorical", pre.reasons_["ErrorNumber"]
    locked = signins.assign(ErrorNumber="50053")
    other = signins.assign(ErrorNumber="90000")
    assert np.array_equal(pre.transform(locked), pre.transform(other))  # both unseen codes
