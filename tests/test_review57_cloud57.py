"""Review round 57 (cloud and identity audit logs, read as their users read them): regression tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs
from tests._cli import runner
from tests._lines import cloudtrail_record


def _okta_event(i: int) -> dict[str, Any]:
    """An Okta System Log sign-in (LogEvent), as the System Log API returns one."""
    user = ("ann@example.com", "ben@example.com")[i % 2]
    return {"uuid": f"e{i}", "published": f"2026-01-05T08:{i % 60:02d}:00.000Z", "version": "0",
            "eventType": "user.session.start", "severity": "INFO", "displayMessage": "User login to Okta",
            "actor": {"id": f"00u{i % 2}", "type": "User", "alternateId": user, "displayName": user[:3]},
            "client": {"ipAddress": f"203.0.113.{i % 2 + 5}", "zone": "null", "device": "Computer",
                       "userAgent": {"rawUserAgent": "Mozilla/5.0", "os": "Mac OS X", "browser": "CHROME"},
                       "geographicalContext": {"country": "United States", "city": "Austin"}},
            "outcome": {"result": "SUCCESS", "reason": None},
            "target": [{"id": "0oa1", "type": "AppInstance", "alternateId": "Okta Admin Console"}]}


# What was wrong: an ECS alert of a CloudTrail model put a call's caller address (sourceIPAddress,
# source.ip) under event.category "network", as a flow's, where the API calls of Kubernetes and
# Google Cloud audit logs are no network alerts; and it named neither the call (eventName), its
# service, region, agent, account, the calling IAM user nor the cloud: all stayed hourglass fields,
# and none came with an alert without --keep, where a GCP or Kubernetes alert names each of them.
def test_cloudtrail_ecs_alert_names_call_caller_and_cloud_and_is_no_network_alert() -> None:
    record: dict[str, Any] = {
        "eventName": "DeleteTrail", "eventSource": "cloudtrail.amazonaws.com", "awsRegion": "eu-west-1",
        "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15.0 Python/3.11",
        "userIdentity.userName": "mallory", "userIdentity.accountId": "111122223333",
        "userIdentity.arn": "arn:aws:iam::111122223333:user/mallory"}
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="cloudtrail"),
                 fields=record)
    assert doc["event"]["category"] == ["intrusion_detection"]
    assert doc["event"]["action"] == "DeleteTrail" and doc["event"]["provider"] == "cloudtrail.amazonaws.com"
    assert doc["source"] == {"ip": "198.51.100.7"} and doc["user"] == {"name": "mallory"}
    assert doc["cloud"] == {"region": "eu-west-1", "account": {"id": "111122223333"}, "provider": "aws"}
    assert doc["user_agent"] == {"original": "aws-cli/2.15.0 Python/3.11"}
    assert doc["hourglass"]["fields"] == {"userIdentity.arn": "arn:aws:iam::111122223333:user/mallory"}
    # an AWS service calling (its name, not an address) stays a hourglass field
    service = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="cloudtrail"),
                     fields={"sourceIPAddress": "ec2.amazonaws.com", "eventName": "AssumeRole"})
    assert "source" not in service
    assert service["hourglass"]["fields"] == {"sourceIPAddress": "ec2.amazonaws.com"}
    # the alert carries them without --keep (the fields with an ECS name)
    assert set(ecs_named(record, "cloudtrail")) == set(record) - {"userIdentity.arn"}


# What was wrong: 'hourglass stream' of a model of a format whose events carry sparse fields (Okta,
# Entra, CloudTrail, GCP, Kubernetes, Windows events ...) took '--keep client' (an Okta event's
# nested object, read as its fields client.ipAddress ...) and wrote "client": null in every alert,
# where 'score' of the same file refuses it ("the data has 'client' as a nested object, read as its
# fields") and the README says a missing --keep field always stops the stream
def test_stream_refuses_a_kept_nested_object_of_an_event_format_as_score_does(tmp_path: Path) -> None:
    events = [_okta_event(i) for i in range(60)]
    train = tmp_path / "okta.jsonl"
    train.write_text("".join(json.dumps(e) + "\n" for e in events))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    said = "the data has 'client' as a nested object, read as its fields (client.ipAddress"
    res = runner.invoke(app, ["score", str(model), str(train), "-o", str(tmp_path / "a.jsonl"),
                              "--keep", "client"])
    assert res.exit_code == 2 and said in res.output, res.output
    res = runner.invoke(app, ["stream", str(model), "-i", str(train), "--all", "--keep", "client"])
    assert res.exit_code == 2 and "--keep: no field 'client' on" in res.output, res.output
    assert said in res.output
    assert '"client": null' not in res.output and '"client":null' not in res.output
    # a field only some event types carry is still null where an event lacks it, as before
    res = runner.invoke(app, ["stream", str(model), "-i", str(train), "--all", "--keep", "target.type",
                              "--keep", "debugContext.debugData.factor", "-q"])
    assert res.exit_code == 0, res.output
    first = json.loads(res.stdout.splitlines()[0])
    assert first["target.type"] == "AppInstance" and first["debugContext.debugData.factor"] is None


def _k8s_event(i: int, **extra: Any) -> dict[str, Any]:
    """A Kubernetes audit event (audit.k8s.io/v1, Metadata level) of a controller listing pods."""
    event: dict[str, Any] = {
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": f"a{i}",
        "stage": "ResponseComplete", "requestURI": "/api/v1/namespaces/kube-system/pods?limit=500",
        "verb": ("list", "get")[i % 2], "userAgent": "kube-controller-manager/v1.29.0",
        "user": {"username": "system:serviceaccount:kube-system:replicaset-controller",
                 "groups": ["system:serviceaccounts", "system:authenticated"]},
        "sourceIPs": ["10.0.0.5"],
        "objectRef": {"resource": "pods", "namespace": "kube-system", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 200},
        "requestReceivedTimestamp": f"2026-01-05T08:{i // 60 % 60:02d}:{i % 60:02d}.000000Z",
        "annotations": {"authorization.k8s.io/decision": "allow",
                        "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding"}}
    return {**event, **extra}


# What was wrong: a Kubernetes audit event's row had a column only where the event had a value, so
# a training baseline without impersonation or subresources (most clusters' normal week) gave a
# model without impersonatedUser.username and objectRef.subresource: scoring 'kubectl exec' into a
# pod while impersonating system:admin said "ignoring 2 column(s) the model was not trained on"
# and scored the event exactly as its harmless twin. Every column of the row (but the time and the
# verb) is now there in every event, missing where it has no value, so that value is unseen
def test_k8s_impersonation_and_exec_unseen_in_training_are_no_ignored_columns(tmp_path: Path) -> None:
    train = tmp_path / "audit.log"
    train.write_text("".join(json.dumps(_k8s_event(i)) + "\n" for i in range(300)))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--epochs", "20", "--hidden", "16,8",
                              "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    attack = _k8s_event(7, impersonatedUser={"username": "system:admin", "groups": ["system:masters"]},
                        objectRef={"resource": "pods", "subresource": "exec", "namespace": "kube-system",
                                   "apiVersion": "v1"})
    test = tmp_path / "new.log"
    test.write_text("".join(json.dumps(e) + "\n" for e in [_k8s_event(7), attack]))
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(model), str(test), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "not trained on" not in res.output, res.output
    scored = pd.read_csv(out)  # (before: the two scores equal, 0.000315, both 'low')
    assert scored["flag"].tolist() == [0, 1] and scored["severity"].tolist()[1] == "critical"
    assert scored["score"][1] > scored["score"][0]


def _gcp_entry(i: int, **metadata: str) -> dict[str, Any]:
    """A Google Cloud audit log entry (Admin Activity) of a service account's instance listing."""
    return {"insertId": f"i{i}", "logName": "projects/p1/logs/cloudaudit.googleapis.com%2Factivity",
            "timestamp": f"2026-01-05T08:{i // 60 % 60:02d}:{i % 60:02d}Z", "severity": "NOTICE",
            "resource": {"type": "gce_instance", "labels": {"project_id": "p1", "zone": "us-central1-a"}},
            "protoPayload": {
                "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                "serviceName": "compute.googleapis.com",
                "methodName": ("v1.compute.instances.list", "v1.compute.instances.get")[i % 2],
                "resourceName": "projects/p1/zones/us-central1-a/instances/vm-1",
                "authenticationInfo": {"principalEmail": "app@p1.iam.gserviceaccount.com"},
                "requestMetadata": {"callerIp": "10.128.0.7", **metadata},
                "authorizationInfo": [{"permission": "compute.instances.list", "granted": True}]}}


# What was wrong: as for Kubernetes, a GCP audit entry's row had a column only where the entry had a
# value: a baseline whose calls carried no user agent (a workload's service account) gave a model
# without protoPayload.requestMetadata.callerSuppliedUserAgent, and the same service account used
# interactively from gcloud was "ignoring 1 column(s) the model was not trained on" and scored as
# its twin. Every column but the time and the method is now in every entry's row
def test_gcp_field_no_training_entry_had_is_no_ignored_column(tmp_path: Path) -> None:
    train = tmp_path / "audit.json"
    train.write_text("".join(json.dumps(_gcp_entry(i)) + "\n" for i in range(300)))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--epochs", "20", "--hidden", "16,8",
                              "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    # (a user agent not hashed into the bucket a missing one takes: 1 in 16 would read as none)
    agent = "google-cloud-sdk gcloud/460.0.0 command/gcloud.compute.ssh"
    gcloud = _gcp_entry(7, callerSuppliedUserAgent=agent)
    test = tmp_path / "new.json"
    test.write_text("".join(json.dumps(e) + "\n" for e in [_gcp_entry(7), gcloud]))
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(model), str(test), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "not trained on" not in res.output, res.output
    scored = pd.read_csv(out)
    assert scored["flag"].tolist() == [0, 1] and scored["score"][1] > scored["score"][0]


# What was wrong: CloudTrail writes errorCode only on a failed call, so a baseline without failures
# (a quiet account's normal week) gave a model without the column: a burst of AccessDenied calls
# was "ignoring 2 column(s) the model was not trained on: errorCode, errorMessage" and each denied
# call scored exactly as the same call succeeding, in score and in stream. The record's own feature
# fields (errorCode, vpcEndpointId, sessionCredentialFromConsole ...) are now columns of every row,
# missing where a record has none, in a delivered file, JSON lines, stream and the service alike
def test_cloudtrail_error_code_no_training_record_had_is_seen_when_scoring(tmp_path: Path) -> None:
    train = tmp_path / "trail.json"
    train.write_text(json.dumps({"Records": [cloudtrail_record(i) for i in range(300)]}))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--epochs", "20", "--hidden", "16,8",
                              "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    denied = {**cloudtrail_record(4), "errorCode": "AccessDenied", "errorMessage": "User is not authorized"}
    test = tmp_path / "new.jsonl"
    test.write_text("".join(json.dumps(e) + "\n" for e in [cloudtrail_record(4), denied]))
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(model), str(test), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert not [line for line in res.output.splitlines() if "not trained on" in line and "errorCode" in line]
    scored = pd.read_csv(out)
    assert scored["flag"].tolist() == [0, 1] and scored["score"][1] > scored["score"][0]
    res = runner.invoke(app, ["stream", str(model), "-i", str(test), "--all", "-q"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line)["score"] for line in res.stdout.splitlines()]
    assert streamed == pytest.approx(scored["score"].tolist(), rel=1e-5)


# What was wrong: Okta's debugContext.debugData holds each event type's own keys, so a baseline
# whose events carried no 'threatSuspected' (or no MFA 'factor') gave a model without the column:
# a sign-in ThreatInsight marked threatSuspected 'true' was "ignoring 1 column(s) the model was not
# trained on" and scored as its twin. Every field the format keeps as a feature is now a column of
# every event's row, missing where the event has none
def test_okta_debug_field_no_training_event_had_is_seen_when_scoring(tmp_path: Path) -> None:
    train = tmp_path / "okta.json"
    train.write_text(json.dumps([_okta_event(i) for i in range(300)]))  # (an API page)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--epochs", "20", "--hidden", "16,8",
                              "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    suspected = {**_okta_event(4), "debugContext": {"debugData": {"threatSuspected": "true"}}}
    test = tmp_path / "new.jsonl"
    test.write_text("".join(json.dumps(e) + "\n" for e in [_okta_event(4), suspected]))
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(model), str(test), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "not trained on" not in res.output, res.output
    scored = pd.read_csv(out)  # (before: the two scores equal)
    assert scored["score"][1] > 1.1 * scored["score"][0]
    res = runner.invoke(app, ["stream", str(model), "-i", str(test), "--all", "-q"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line)["score"] for line in res.stdout.splitlines()]
    assert streamed == pytest.approx(scored["score"].tolist(), rel=1e-5)


# What was wrong: the matrix kernels pick their code path by a batch's row count, so the same row
# scored alone (stream --batch 1, the service) and in a file's batch differed in its last bits, which
# a reconstruction error (a difference of near-equal numbers) carried to parts per million; where
# many normal events share one score (an identity log's repeated sign-ins) and the held-out
# percentile is that score, stream flagged 150 of 300 training-like Okta events that score flagged
# none of (30 of these 60). predict_batches now runs every batch in multiples of ROW_BLOCK rows
def test_a_row_scores_the_same_alone_and_in_a_batch() -> None:
    import numpy as np
    import torch

    from hourglass.nn import predict_batches

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(40, 16), torch.nn.ReLU(), torch.nn.Linear(16, 40))
    X = np.random.default_rng(0).random((300, 40), dtype=np.float32)

    def errors(batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return ((net(batch[0]) - batch[0]) ** 2).mean(dim=1)

    whole = predict_batches(errors, [X])
    alone = np.concatenate([predict_batches(errors, [X[i:i + 1]]) for i in range(20)])
    assert alone.tolist() == whole[:20].tolist()  # (before: 5 of 20 differed in their last bits)


def test_stream_row_by_row_flags_what_score_flags_on_repeated_events(tmp_path: Path) -> None:
    train = tmp_path / "okta.json"
    train.write_text(json.dumps([_okta_event(i) for i in range(300)]))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--epochs", "20", "--hidden", "16,8",
                              "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    lines = tmp_path / "okta.jsonl"
    lines.write_text("".join(json.dumps(_okta_event(i)) + "\n" for i in range(60)))
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(model), str(lines), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    scored = pd.read_csv(out)
    res = runner.invoke(app, ["stream", str(model), "-i", str(lines), "--all", "--batch", "1", "-q"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines()]
    assert [s["flag"] for s in streamed] == scored["flag"].tolist()
    assert [s["score"] for s in streamed] == pytest.approx(scored["score"].tolist(), rel=1e-9)
