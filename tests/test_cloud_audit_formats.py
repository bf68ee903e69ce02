"""Cloud control-plane audit logs: Kubernetes API-server audit events (``--format k8s-audit``:
one a line, or ``EventList`` documents) and Google Cloud Audit Logs (``--format gcp-audit``: log
entries one a line, a ``gcloud logging read --format=json`` array or an ``entries.list`` page);
read into the row of their chosen fields (bodies and ids left out; every Kubernetes stage a row),
sniffed without taking other JSON formats; a model flags odd calls, ``stream`` and the service
score them as ``score`` does, a per-user model trains, ECS alerts name the user, address, agent
and action, and bad input (other kinds of records named) is one line, exit 2.

The fixtures are written by hand from the documented schemas (the ``audit.k8s.io/v1`` ``Event``;
Cloud Logging's ``LogEntry`` with a ``google.cloud.audit.AuditLog`` payload), not captured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from hourglass.cli import app
from hourglass.ingest.formats import event_format, format_roles, get_format, sniff_format
from tests._cli import one_line_error, runner
from tests.test_formats_real_samples import EXPECTED, NOT_EVENTS, SNIFF_CASES
from tests.test_identity_formats import GRAPH_PAGE, OKTA_EVENTS

FAST = ["--epochs", "20", "--hidden", "16,8", "--batch-size", "64", "--seed", "0", "-q"]
KEY = "k" * 32

# -- hand-written events, as the API server's log backend writes them ---------------------------
K8S_GET = {
    "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
    "auditID": "4f2b7c1e-8a90-4d55-b1c3-2e6f9a0d7b14", "stage": "ResponseComplete",
    "requestURI": "/api/v1/namespaces/shop/pods/web-7d9f-x2k4l?timeout=32s", "verb": "get",
    "user": {"username": "ann@example.com", "uid": "oidc:1f3a",
             "groups": ["system:authenticated", "shop-devs"], "extra": {"iss": ["https://idp.example.com"]}},
    "sourceIPs": ["10.20.0.15"], "userAgent": "kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819",
    "objectRef": {"resource": "pods", "namespace": "shop", "name": "web-7d9f-x2k4l", "apiVersion": "v1"},
    "responseStatus": {"metadata": {}, "code": 200},
    "requestReceivedTimestamp": "2026-01-05T08:00:01.204518Z",
    "stageTimestamp": "2026-01-05T08:00:01.209877Z",
    "annotations": {"authorization.k8s.io/decision": "allow",
                    "authorization.k8s.io/reason": 'RBAC: allowed by RoleBinding "devs/shop" of Role "dev" '
                                                   'to Group "shop-devs"'},
}
K8S_RECEIVED = {**{k: v for k, v in K8S_GET.items() if k not in ("responseStatus", "annotations")},
                "stage": "RequestReceived", "stageTimestamp": "2026-01-05T08:00:01.204518Z"}
K8S_EXEC = {  # a pod exec refused, through a proxy, with the request body logged (level Request)
    **K8S_GET, "auditID": "9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", "level": "Request", "verb": "create",
    "requestURI": "/api/v1/namespaces/kube-system/pods/etcd-cp-1/exec?command=sh&stdin=true&tty=true",
    "user": {"username": "system:serviceaccount:shop:default", "uid": "7b1c",
             "groups": ["system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"]},
    "impersonatedUser": {"username": "system:admin", "groups": ["system:masters"]},
    "sourceIPs": ["198.51.100.23", "10.20.0.4"], "userAgent": "curl/8.5.0",
    "objectRef": {"resource": "pods", "subresource": "exec", "namespace": "kube-system", "name": "etcd-cp-1",
                  "apiVersion": "v1"},
    "responseStatus": {"metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403,
                       "message": 'pods "etcd-cp-1" is forbidden: User cannot create resource'},
    "requestObject": {"kind": "PodExecOptions", "apiVersion": "v1", "stdin": True, "command": ["sh"]},
    "requestReceivedTimestamp": "2026-01-05T08:00:02.511000Z",
    "stageTimestamp": "2026-01-05T08:00:02.513000Z",
    "annotations": {"authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": ""},
}
K8S_EVENTS = [K8S_GET, K8S_EXEC]
K8S_LIST = {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": K8S_EVENTS}
CORE_EVENT = {"kind": "Event", "apiVersion": "v1",  # kubectl get events: no audit event
              "metadata": {"name": "web-7d9f-x2k4l.17a", "namespace": "shop"},
              "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "web-7d9f-x2k4l"},
              "reason": "Pulled", "message": "Container image already present on machine",
              "source": {"component": "kubelet", "host": "node-1"}, "type": "Normal", "count": 1,
              "firstTimestamp": "2026-01-05T08:00:00Z", "lastTimestamp": "2026-01-05T08:00:00Z"}
# -- hand-written Google Cloud audit log entries, as a log sink exports them -----------------------
AUDIT_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog"
GCP_KEY = {  # a service account key created (Admin Activity)
    "protoPayload": {
        "@type": AUDIT_TYPE, "status": {},
        "authenticationInfo": {"principalEmail": "ann@example.com",
                               "principalSubject": "user:ann@example.com"},
        "requestMetadata": {"callerIp": "203.0.113.24",
                            "callerSuppliedUserAgent": "google-cloud-sdk gcloud/460.0.0 command/gcloud.iam",
                            "requestAttributes": {"time": "2026-01-05T08:00:03.101Z", "auth": {}},
                            "destinationAttributes": {}},
        "serviceName": "iam.googleapis.com", "methodName": "google.iam.admin.v1.CreateServiceAccountKey",
        "authorizationInfo": [{"resource": "projects/-/serviceAccounts/1045", "granted": True,
                               "permission": "iam.serviceAccountKeys.create", "resourceAttributes": {}}],
        "resourceName": "projects/-/serviceAccounts/1045",
        "request": {"name": "projects/-/serviceAccounts/ci@shop-prod.iam.gserviceaccount.com",
                    "@type": "type.googleapis.com/google.iam.admin.v1.CreateServiceAccountKeyRequest"},
        "response": {"name": "projects/shop-prod/serviceAccounts/ci/keys/9f1e", "valid_after_time": {}},
    },
    "insertId": "1x8f3kd2c4a", "resource": {"type": "service_account", "labels": {
        "email_id": "ci@shop-prod.iam.gserviceaccount.com", "project_id": "shop-prod", "unique_id": "1045"}},
    "timestamp": "2026-01-05T08:00:03.093520Z", "severity": "NOTICE",
    "logName": "projects/shop-prod/logs/cloudaudit.googleapis.com%2Factivity",
    "receiveTimestamp": "2026-01-05T08:00:03.861200Z",
}
GCP_READ = {  # an object read, refused (Data Access: the denied check has no 'granted')
    "protoPayload": {
        "@type": AUDIT_TYPE, "status": {"code": 7, "message": "PERMISSION_DENIED"},
        "authenticationInfo": {"principalEmail": "ci@shop-prod.iam.gserviceaccount.com"},
        "requestMetadata": {"callerIp": "10.128.0.7", "callerSuppliedUserAgent": "gcloud-golang-storage/1.36",
                            "requestAttributes": {}, "destinationAttributes": {}},
        "serviceName": "storage.googleapis.com", "methodName": "storage.objects.get",
        "authorizationInfo": [{"resource": "projects/_/buckets/invoices/objects/2026/01.pdf",
                               "permission": "storage.objects.get", "resourceAttributes": {}}],
        "resourceLocation": {"currentLocations": ["us-central1"]},
        "resourceName": "projects/_/buckets/invoices/objects/2026/01.pdf",
    },
    "insertId": "b7c2d9e1f", "resource": {"type": "gcs_bucket", "labels": {
        "bucket_name": "invoices", "location": "us-central1", "project_id": "shop-prod"}},
    "timestamp": "2026-01-05T08:01:10.517000Z", "severity": "ERROR",
    "logName": "projects/shop-prod/logs/cloudaudit.googleapis.com%2Fdata_access",
    "receiveTimestamp": "2026-01-05T08:01:11.002000Z",
}
GCP_ENTRIES = [GCP_KEY, GCP_READ]
GCP_APP = {"insertId": "42", "jsonPayload": {"message": "order placed", "order": 17},
           "resource": {"type": "k8s_container", "labels": {"project_id": "shop-prod"}},
           "timestamp": "2026-01-05T08:02:00Z", "severity": "INFO",
           "logName": "projects/shop-prod/logs/stdout"}
GCP_REQUEST_LOG = {**{k: v for k, v in GCP_APP.items() if k != "jsonPayload"},
                   "logName": "projects/shop-prod/logs/appengine.googleapis.com%2Frequest_log",
                   "protoPayload": {"@type": "type.googleapis.com/google.appengine.logging.v1.RequestLog",
                                    "method": "GET", "resource": "/", "status": 200}}
CLOUDTRAIL_LIKE = {"eventVersion": "1.08", "eventTime": "2026-01-05T08:00:00Z",
                   "eventSource": "iam.amazonaws.com", "eventName": "CreateUser"}


def _lines(events: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


# -- reading, flattening, roles ----------------------------------------------------------------
def test_k8s_lines_and_event_lists_read_alike(tmp_path: Path) -> None:
    (tmp_path / "audit.log").write_text(_lines(K8S_EVENTS))
    (tmp_path / "list.json").write_text(json.dumps(K8S_LIST))  # the webhook's batch, on one line
    (tmp_path / "pretty.json").write_text(json.dumps(K8S_LIST, indent=2) + "\n" + json.dumps(K8S_LIST))
    k8s = get_format("k8s-audit")
    a, b, c = (k8s.read(tmp_path / f) for f in ("audit.log", "list.json", "pretty.json"))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(pd.concat([a, a], ignore_index=True), c)
    for gone in ("auditID", "requestURI", "requestObject.stdin", "requestObject", "user.uid",
                 "user.extra.iss", "responseStatus.message", "stageTimestamp", "kind", "apiVersion",
                 "annotations"):
        assert not any(col == gone or col.startswith(gone + ".") for col in a.columns), gone
    assert a["requestPath"].tolist() == ["/api/v1/namespaces/shop/pods/web-7d9f-x2k4l",
                                         "/api/v1/namespaces/kube-system/pods/etcd-cp-1/exec"]
    assert a["user.groups"].tolist() == ["shop-devs,system:authenticated", "system:authenticated,"
                                         "system:serviceaccounts,system:serviceaccounts:shop"]
    # the last address is the connection's own; the first (X-Forwarded-For) only what the client claims
    assert a["sourceIP"].tolist() == ["10.20.0.15", "10.20.0.4"]
    assert a["sourceIPs.first"].fillna("-").tolist() == ["-", "198.51.100.23"]
    assert a["sourceIPs.count"].tolist() == [1, 2]
    assert a["authorization.decision"].tolist() == ["allow", "forbid"]
    assert a["impersonatedUser.username"].fillna("-").tolist() == ["-", "system:admin"]
    assert a["objectRef.subresource"].fillna("-").tolist() == ["-", "exec"]
    assert a["responseStatus.code"].tolist() == [200, 403]
    roles = format_roles(k8s, a.columns)
    assert roles["requestReceivedTimestamp"] == "drop"
    assert roles["sourceIP"] == roles["sourceIPs.first"] == "ip"
    assert roles["verb"] == roles["objectRef.resource"] == roles["responseStatus.code"] == "categorical"
    assert roles["user.username"] == roles["userAgent"] == roles["authorization.reason"] == "hash"
    assert roles["requestPath"] == roles["objectRef.name"] == "drop"  # kept with alerts, no features


def test_k8s_every_stage_is_a_row(tmp_path: Path) -> None:
    """A request logged at RequestReceived and at ResponseComplete is two rows, told apart by
    ``stage`` (the received one has no response); ``stageTimestamp`` stands for a missing
    ``requestReceivedTimestamp``; a request for no object has its path as ``nonResourcePath``."""
    late = {k: v for k, v in K8S_EXEC.items() if k != "requestReceivedTimestamp"}
    health = {**{k: v for k, v in K8S_GET.items() if k != "objectRef"}, "requestURI": "/readyz?verbose",
              "user": {"username": "system:anonymous", "groups": ["system:unauthenticated"]}}
    (tmp_path / "audit.log").write_text(_lines([K8S_RECEIVED, K8S_GET, late, health]))
    df = get_format("k8s-audit").read(tmp_path / "audit.log")
    assert df["stage"].tolist() == ["RequestReceived"] + ["ResponseComplete"] * 3
    assert df["responseStatus.code"].isna().tolist() == [True, False, False, False]
    assert df["requestReceivedTimestamp"].tolist() == [K8S_GET["requestReceivedTimestamp"]] * 2 + \
        [K8S_EXEC["stageTimestamp"], K8S_GET["requestReceivedTimestamp"]]
    assert df["nonResourcePath"].fillna("-").tolist() == ["-", "-", "-", "/readyz"]


def test_gcp_lines_gcloud_array_and_api_page_read_alike(tmp_path: Path) -> None:
    (tmp_path / "sink.json").write_text(_lines(GCP_ENTRIES))  # a sink's file in Cloud Storage
    (tmp_path / "gcloud.json").write_text(json.dumps(GCP_ENTRIES, indent=2, sort_keys=True))
    (tmp_path / "page.json").write_text(json.dumps({"entries": GCP_ENTRIES, "nextPageToken": "EAE4"}))
    gcp = get_format("gcp-audit")
    a, b, c = (gcp.read(tmp_path / f) for f in ("sink.json", "gcloud.json", "page.json"))
    pd.testing.assert_frame_equal(a, c)
    pd.testing.assert_frame_equal(a, b[a.columns])  # sort_keys: the same values, columns in another order
    for gone in ("insertId", "receiveTimestamp", "logName", "protoPayload.request", "protoPayload.response",
                 "protoPayload.requestMetadata.requestAttributes", "protoPayload.@type",
                 "protoPayload.status.message", "resource.labels.bucket_name", "resource.labels.unique_id",
                 "protoPayload.authenticationInfo.principalSubject",
                 "protoPayload.authorizationInfo.resource"):
        assert not any(col == gone or col.startswith(gone + ".") for col in a.columns), gone
    assert a["logKind"].tolist() == ["activity", "data_access"]
    assert a["protoPayload.status.code"].tolist() == [0, 7]  # {} is OK
    assert a["protoPayload.authorizationInfo.granted"].tolist() == ["granted", "denied"]
    assert a["protoPayload.authorizationInfo.count"].tolist() == [1, 1]
    assert a["protoPayload.authorizationInfo.permission"].tolist() == ["iam.serviceAccountKeys.create",
                                                                       "storage.objects.get"]
    assert a["resource.labels.project_id"].tolist() == ["shop-prod"] * 2
    assert a["resource.labels.location"].fillna("-").tolist() == ["-", "us-central1"]
    roles = format_roles(gcp, a.columns)
    assert roles["timestamp"] == "drop" and roles["protoPayload.requestMetadata.callerIp"] == "ip"
    assert roles["protoPayload.methodName"] == roles["logKind"] == roles["protoPayload.status.code"] == \
        "categorical"
    assert roles["protoPayload.authenticationInfo.principalEmail"] == "hash"
    assert roles["protoPayload.resourceName"] == "hash"


def test_gcp_no_checks_federated_callers_and_item_counts(tmp_path: Path) -> None:
    """proto3 JSON leaves out an empty authorizationInfo (no check: count 0, 'none'); a Workforce
    Identity caller has a principalSubject and no principalEmail (the caller column has it); a
    numResponseItems is an int64 (digits, or a JSON integer), anything else missing."""
    gcp = get_format("gcp-audit")
    payload = {k: v for k, v in GCP_KEY["protoPayload"].items() if k != "authorizationInfo"}
    subject = "principal://iam.googleapis.com/locations/global/workforcePools/okta/subject/ann"
    federated = {**payload, "authenticationInfo": {"principalSubject": subject}}
    entries = [{**GCP_KEY, "protoPayload": p} for p in (
        {**payload, "numResponseItems": "12"}, {**federated, "numResponseItems": 3},
        *({**payload, "numResponseItems": bad} for bad in ("1e308", "Infinity", "nan", 2.5, "9" * 20, True)),
        payload)]
    (tmp_path / "sink.jsonl").write_text(_lines(entries))
    a = gcp.read(tmp_path / "sink.jsonl")
    assert a["protoPayload.authorizationInfo.count"].tolist() == [0] * len(entries)
    assert a["protoPayload.authorizationInfo.granted"].tolist() == ["none"] * len(entries)
    caller = a["protoPayload.authenticationInfo.principalEmail"].tolist()
    assert caller[:3] == ["ann@example.com", subject, "ann@example.com"]
    assert a["protoPayload.numResponseItems"].fillna(-1).tolist() == [12, 3] + [-1] * 7
    for raw in entries:
        row = gcp.event(raw)
        assert gcp.event(row) == row
    # (no payload: no count of 0 made up; a count is no column of every row, see gcp._ALWAYS)
    assert "protoPayload.authorizationInfo.count" not in gcp.event({"timestamp": "2026-01-05T08:00:00Z"})


def test_events_are_the_formats_own_and_give_themselves_again() -> None:
    for fmt, raws, page in (("k8s-audit", K8S_EVENTS, K8S_LIST),
                            ("gcp-audit", GCP_ENTRIES, {"entries": GCP_ENTRIES})):
        spec = event_format(fmt)
        assert spec is not None and spec.name == fmt
        for raw in raws:
            row = spec.event(raw)
            assert spec.event(row) == row  # applied twice (the service's rows): the same row
            assert not any(isinstance(v, (dict, list)) for v in row.values())
        assert spec.expand(page) == [spec.event(e) for e in raws]


# -- sniffing ----------------------------------------------------------------------------------
def test_cloud_audit_files_are_sniffed_and_others_are_not_taken(tmp_path: Path) -> None:
    shipped = {k: v for k, v in K8S_GET.items() if k not in ("kind", "apiVersion")}  # a shipper's record
    ours = {"audit.log": (_lines(K8S_EVENTS), "k8s-audit"), "list.json": (json.dumps(K8S_LIST), "k8s-audit"),
            "pretty.json": (json.dumps(K8S_LIST, indent=2), "k8s-audit"),
            "shipped.jsonl": (_lines([shipped]), "k8s-audit"),
            "sink.json": (_lines(GCP_ENTRIES), "gcp-audit"),
            "gcloud.json": (json.dumps(GCP_ENTRIES, indent=2), "gcp-audit"),
            "entries.json": (json.dumps({"entries": GCP_ENTRIES}), "gcp-audit")}
    for name, (text, fmt) in ours.items():
        (tmp_path / name).write_text(text)
        assert sniff_format(tmp_path / name).name == fmt, name
    ours_names = {fmt for _, fmt in ours.values()}
    for name, text in {**SNIFF_CASES, **NOT_EVENTS}.items():  # the other formats' samples
        (tmp_path / name).write_text(text)
        assert sniff_format(tmp_path / name).name not in ours_names, name
        if name in EXPECTED:
            assert sniff_format(tmp_path / name).name == EXPECTED[name], name
    core = {"kind": "EventList", "apiVersion": "v1", "items": [CORE_EVENT]}
    others = {"okta.jsonl": (_lines(OKTA_EVENTS), "okta"),
              "graph.json": (json.dumps(GRAPH_PAGE), "entra-signin"), "core.json": (json.dumps(core), None),
              "trail.jsonl": (_lines([CLOUDTRAIL_LIKE]), None), "app.jsonl": (_lines([GCP_APP]), "jsonl"),
              "requests.jsonl": (_lines([GCP_REQUEST_LOG]), "jsonl")}
    for name, (text, fmt) in others.items():
        (tmp_path / name).write_text(text)
        found = sniff_format(tmp_path / name).name
        assert found not in ours_names and (fmt is None or found == fmt), (name, found)


def test_a_first_event_larger_than_the_sniffed_head_is_still_sniffed(tmp_path: Path) -> None:
    # a RequestResponse-level event with its response body, and a gcloud array whose first entry
    # holds a large IAM policy: the first event runs past the 64 KB a sniffer sees
    body = {"kind": "PodList", "items": [{"metadata": {"name": f"p{i}", "labels": {"app": "x" * 50}}}
                                         for i in range(1500)]}
    k8s = {**K8S_GET, "level": "RequestResponse", "responseObject": body}
    policy = {"bindings": [{"role": f"roles/r{i}", "members": ["user:a@example.com"] * 20}
                           for i in range(300)]}
    gcp = {**GCP_KEY, "protoPayload": {**GCP_KEY["protoPayload"], "response": policy}}
    assert len(json.dumps(k8s)) > 65536 and len(json.dumps(gcp, indent=2)) > 65536
    spaced = json.dumps(k8s, separators=(" , ", " : "))  # whitespace around the markers
    cases = {"big.jsonl": (_lines([k8s, K8S_GET]), "k8s-audit"), "spaced.jsonl": (spaced + "\n", "k8s-audit"),
             "list.json": (json.dumps({**K8S_LIST, "items": [k8s]}, indent=2), "k8s-audit"),
             "gcloud.json": (json.dumps([gcp, GCP_READ], indent=2, sort_keys=True), "gcp-audit"),
             "sink.jsonl": (_lines([gcp, GCP_READ]), "gcp-audit"),
             # other formats' large first records are not taken
             "core.jsonl": (_lines([{**CORE_EVENT, "body": body}]), "jsonl"),
             "app.jsonl": (_lines([{**GCP_APP, "jsonPayload": policy}]), "jsonl"),
             "requests.jsonl": (_lines([{**GCP_REQUEST_LOG, "body": policy}]), "jsonl")}
    for name, (text, fmt) in cases.items():
        (tmp_path / name).write_text(text)
        assert sniff_format(tmp_path / name).name == fmt, name
    frame = pd.concat(list(sniff_format(tmp_path / "gcloud.json").iter_chunks(tmp_path / "gcloud.json")))
    assert len(frame) == 2 and "protoPayload.response.bindings" not in frame.columns
    frame = pd.concat(list(sniff_format(tmp_path / "big.jsonl").iter_chunks(tmp_path / "big.jsonl")))
    assert frame["verb"].tolist() == ["get", "get"]


# -- bad input: one line, exit 2 ---------------------------------------------------------------
def test_k8s_bad_input_is_one_line(tmp_path: Path) -> None:
    data, out = tmp_path / "audit.log", tmp_path / "m"
    train = ["train", str(data), "--format", "k8s-audit", "-o", str(out)]
    data.write_text("")
    one_line_error(train, "", out)
    data.write_text("this is no JSON\n")
    one_line_error(train, "line 1: not valid JSON", out)
    data.write_text(_lines([CLOUDTRAIL_LIKE] * 3))
    one_line_error(train, "no 'requestReceivedTimestamp' field; is this a Kubernetes API-server audit log?",
                   out)
    no_time = {k: v for k, v in K8S_GET.items() if k not in ("requestReceivedTimestamp", "stageTimestamp")}
    data.write_text(_lines([no_time] * 3))
    one_line_error(train, "no 'requestReceivedTimestamp' field", out)
    data.write_text(_lines(K8S_EVENTS) + '{"kind": "Event", "verb": "ge\n')
    one_line_error(train, "line 3: not valid JSON", out)
    data.write_text(json.dumps({**K8S_LIST, "items": [K8S_GET, 7]}))
    one_line_error(train, "event 2 is no JSON object", out)
    data.write_text('{"kind": "EventList", "items": [{"verb": "get"')
    one_line_error(train, "not valid JSON", out)


def test_gcp_bad_input_is_one_line(tmp_path: Path) -> None:
    data, out = tmp_path / "audit.json", tmp_path / "m"
    train = ["train", str(data), "--format", "gcp-audit", "-o", str(out)]
    data.write_text("")
    one_line_error(train, "", out)
    data.write_text("this is no JSON\n")
    one_line_error(train, "line 1: not valid JSON", out)
    data.write_text(_lines([CLOUDTRAIL_LIKE] * 3))
    one_line_error(train, "no 'timestamp' field; is this a Google Cloud audit log?", out)
    data.write_text(_lines([{k: v for k, v in GCP_KEY.items() if k != "timestamp"}] * 3))
    one_line_error(train, "no 'timestamp' field", out)
    data.write_text(json.dumps([GCP_KEY, "x"], indent=2))
    one_line_error(train, "event 2 is no JSON object", out)
    data.write_text('[{"protoPayload": {"methodName": "x"')
    one_line_error(train, "not valid JSON", out)


def test_gcp_entries_that_are_no_audit_logs_are_refused_by_name(tmp_path: Path) -> None:
    from hourglass.errors import InputError

    data, out = tmp_path / "entries.json", tmp_path / "m"
    train = ["train", str(data), "--format", "gcp-audit", "-o", str(out)]
    data.write_text(_lines([GCP_KEY, GCP_APP, GCP_READ]))
    one_line_error(train, "a log entry with jsonPayload, not an audit log (a protoPayload of type "
                          "type.googleapis.com/google.cloud.audit.AuditLog)", out)
    data.write_text(json.dumps([GCP_KEY, {**GCP_APP, "textPayload": "hello"}, GCP_READ]))
    one_line_error(train, "a log entry with jsonPayload", out)
    text = {**{k: v for k, v in GCP_APP.items() if k != "jsonPayload"}, "textPayload": "order placed"}
    data.write_text(_lines([GCP_READ, text]))
    one_line_error(train, "a log entry with textPayload", out)
    data.write_text(_lines([GCP_REQUEST_LOG] * 2))
    one_line_error(train, "a protoPayload of type type.googleapis.com/google.appengine.logging.v1.RequestLog",
                   out)
    gcp = get_format("gcp-audit")
    data.write_text(_lines([GCP_KEY] * 200 + [GCP_APP]))  # later on, in another chunk
    with pytest.raises(InputError, match="jsonPayload"):
        list(gcp.iter_chunks(data, chunk_bytes=4096))
    with pytest.raises(ValueError, match="event 2 of its page: a log entry with jsonPayload"):
        gcp.expand([GCP_KEY, GCP_APP])


def test_core_events_are_refused_by_name(tmp_path: Path) -> None:
    from hourglass.errors import InputError

    data, out = tmp_path / "events.json", tmp_path / "m"
    message = "a Kubernetes core Event (kubectl get events: apiVersion v1), not an API-server audit event"
    data.write_text(json.dumps({"apiVersion": "v1", "items": [CORE_EVENT] * 3, "kind": "List"}, indent=2))
    one_line_error(["train", str(data), "--format", "k8s-audit", "-o", str(out)], message, out)
    k8s = get_format("k8s-audit")
    data.write_text(_lines([K8S_GET] * 200 + [CORE_EVENT]))  # later on, in another chunk
    with pytest.raises(InputError, match="core Event"):
        list(k8s.iter_chunks(data, chunk_bytes=4096))
    with pytest.raises(ValueError, match="event 2 of its page: a Kubernetes core Event"):
        k8s.expand({**K8S_LIST, "items": [K8S_GET, CORE_EVENT]})


# -- a model of audit events: generated requests ---------------------------------------------
def _k8s_event(rng: np.random.Generator, i: int, odd: bool) -> dict[str, Any]:
    t = pd.Timestamp("2026-01-05T00:00:00Z") + pd.Timedelta(seconds=int(i))
    if odd:  # a service account of an app listing secrets cluster-wide from outside, with curl: refused
        user = "system:serviceaccount:shop:default"
        groups = ["system:serviceaccounts", "system:authenticated"]
        verb, resource, ns, code, decision = "list", "secrets", None, 403, "forbid"
        agent, ips = "curl/8.5.0", ["203.0.113.77", "10.20.0.4"]
    else:
        user = str(rng.choice(["system:serviceaccount:kube-system:deployment-controller",
                               "system:kube-scheduler", "system:node:node-1", "ann@example.com"]))
        groups = ["system:authenticated",
                  "system:serviceaccounts" if user.startswith("system:") else "shop-devs"]
        verb = str(rng.choice(["get", "list", "watch", "update", "patch"]))
        resource, ns = [("pods", "shop"), ("deployments", "shop"), ("leases", "kube-system"),
                        ("nodes", None), ("configmaps", "shop")][int(rng.integers(5))]
        code, decision = 200, "allow"
        agent = ("kubectl/v1.29.2" if user.endswith("example.com") else
                 f"kube-controller-manager/v1.29.{i % 2}")
        ips = [f"10.20.0.{rng.integers(2, 40)}"]
    name = None if verb in ("list", "watch") else f"{resource}-{rng.integers(20)}"
    path = f"/api/v1/{'namespaces/' + ns + '/' if ns else ''}{resource}{'/' + name if name else ''}"
    event = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
             "auditID": f"{rng.integers(10**15):x}", "stage": "ResponseComplete",
             "requestURI": f"{path}?resourceVersion={rng.integers(10**6)}", "verb": verb,
             "user": {"username": user, "uid": f"{rng.integers(10**6)}", "groups": groups},
             "sourceIPs": ips, "userAgent": agent,
             "objectRef": {"resource": resource, **({"namespace": ns} if ns else {}),
                           **({"name": name} if name else {}),
                           "apiGroup": "apps" if resource == "deployments" else "", "apiVersion": "v1"},
             "responseStatus": {"metadata": {}, "code": code},
             "requestReceivedTimestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
             "stageTimestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
             "annotations": {"authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": ""}}
    return event


def _gcp_entry(rng: np.random.Generator, i: int, odd: bool) -> dict[str, Any]:
    t = pd.Timestamp("2026-01-05T00:00:00Z") + pd.Timedelta(seconds=int(i))
    if odd:  # an outside account creating keys and setting policies from a script's agent, refused
        who, ip, agent = "intruder@gmail.com", f"198.51.100.{rng.integers(2, 250)}", "python-requests/2.31.0"
        service, method, permission = [
            ("iam.googleapis.com", "google.iam.admin.v1.CreateServiceAccountKey",
             "iam.serviceAccountKeys.create"),
            ("cloudresourcemanager.googleapis.com", "SetIamPolicy", "resourcemanager.projects.setIamPolicy")][
                int(rng.integers(2))]
        code, granted, kind, severity = 7, False, "activity", "ERROR"
    else:
        who = str(rng.choice(["ci@shop-prod.iam.gserviceaccount.com", "ann@example.com", "bob@example.com"]))
        ip = f"10.128.0.{rng.integers(2, 60)}"
        agent = "gcloud-golang-storage/1.36" if who.startswith("ci@") else "google-cloud-sdk gcloud/460.0.0"
        service, method, permission, kind = [
            ("storage.googleapis.com", "storage.objects.get", "storage.objects.get", "data_access"),
            ("storage.googleapis.com", "storage.objects.create", "storage.objects.create", "data_access"),
            ("compute.googleapis.com", "v1.compute.instances.list", "compute.instances.list", "data_access"),
            ("compute.googleapis.com", "v1.compute.instances.start", "compute.instances.start", "activity")][
                int(rng.integers(4))]
        code, granted, severity = 0, True, "INFO" if kind == "data_access" else "NOTICE"
    check = {"resource": f"projects/shop-prod/x/{rng.integers(100)}", "permission": permission,
             **({"granted": True} if granted else {})}
    return {"protoPayload": {"@type": AUDIT_TYPE, "status": {"code": code} if code else {},
                             "authenticationInfo": {"principalEmail": who},
                             "requestMetadata": {"callerIp": ip, "callerSuppliedUserAgent": agent},
                             "serviceName": service, "methodName": method, "authorizationInfo": [check],
                             "resourceName": f"projects/shop-prod/x/{rng.integers(100)}"},
            "insertId": f"{rng.integers(10**12):x}",
            "resource": {"type": "gcs_bucket" if service.startswith("storage") else "gce_instance",
                         "labels": {"project_id": "shop-prod"}},
            "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "severity": severity,
            "logName": f"projects/shop-prod/logs/cloudaudit.googleapis.com%2F{kind}",
            "receiveTimestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


MAKERS = {"k8s-audit": _k8s_event, "gcp-audit": _gcp_entry}
USER = {"k8s-audit": ("user.username", lambda e: e["user"]["username"]),
        "gcp-audit": ("protoPayload.authenticationInfo.principalEmail",
                      lambda e: e["protoPayload"]["authenticationInfo"]["principalEmail"])}
PAGE = {"k8s-audit": lambda events: {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {},
                                     "items": events},
        "gcp-audit": lambda events: events}  # gcloud logging read --format=json
#: A page as an object (a service's row is an object): the Logging API's entries.list page.
OBJECT_PAGE = {**PAGE, "gcp-audit": lambda events: {"entries": events, "nextPageToken": "EAE4"}}


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Generated events of each format (every tenth test event odd), a model trained on the
    normal ones and its scores of the test page: what each test below needs, so that any runs
    alone."""
    d = tmp_path_factory.mktemp("cloudaudit")
    rng = np.random.default_rng(0)
    labels = (np.arange(300) % 10 == 0).astype(int)
    out: dict[str, Any] = {"dir": d, "labels": labels}
    for fmt, make in MAKERS.items():
        train = [make(rng, i * 13, False) for i in range(1200)]
        test = [make(rng, 20000 + i * 13, bool(a)) for i, a in enumerate(labels)]
        (d / f"{fmt}-train.jsonl").write_text(_lines(train))
        (d / f"{fmt}-test.json").write_text(json.dumps(PAGE[fmt](test)))
        out[f"{fmt}-test"] = test
        model, scores = d / f"{fmt}-model", d / f"{fmt}-scores.csv"
        res = runner.invoke(app, ["train", str(d / f"{fmt}-train.jsonl"), *FAST, "-o", str(model)])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["score", str(model), str(d / f"{fmt}-test.json"), "-o", str(scores)])
        assert res.exit_code == 0, res.output
        out[f"{fmt}-scores"] = pd.read_csv(scores)["score"].to_numpy()
    return out


@pytest.mark.parametrize("fmt", list(MAKERS))
def test_odd_requests_score_above_normal_ones(kit: dict[str, Any], fmt: str) -> None:
    config = json.loads((kit["dir"] / f"{fmt}-model" / "config.json").read_text())
    assert config["info"]["dataset"] == fmt
    assert config["info"]["time_col"] == get_format(fmt).time_col
    assert roc_auc_score(kit["labels"], kit[f"{fmt}-scores"]) > 0.95


@pytest.mark.parametrize("fmt", list(MAKERS))
def test_stream_scores_as_the_file(kit: dict[str, Any], fmt: str) -> None:
    """One event a line, and pages one a line: 'stream' reads them as 'score' read the file."""
    d, test = kit["dir"], kit[f"{fmt}-test"]
    column, user = USER[fmt]
    pages = "".join(json.dumps(PAGE[fmt](test[lo:lo + 50])) + "\n" for lo in range(0, len(test), 50))
    for text in (_lines(test), pages):
        res = runner.invoke(app, ["stream", str(d / f"{fmt}-model"), "--all", "--keep", column,
                                  "--batch", "16"], input=text)
        assert res.exit_code == 0, res.output
        alerts = [json.loads(x) for x in res.stdout.splitlines()]
        np.testing.assert_allclose([a["score"] for a in alerts], kit[f"{fmt}-scores"], rtol=1e-4)
        assert [a[column] for a in alerts] == [user(e) for e in test]


@pytest.mark.parametrize("fmt", list(MAKERS))
def test_pages_on_later_lines_are_read_by_score_as_by_stream(kit: dict[str, Any], fmt: str,
                                                             tmp_path: Path) -> None:
    """A JSON-lines file with a page (an EventList, an entries.list page) on a later line: its
    events are rows in 'score' as in 'stream', not one row of nothing."""
    d, test = kit["dir"], kit[f"{fmt}-test"]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(_lines([test[0], OBJECT_PAGE[fmt](test[1:30]), test[30], PAGE[fmt](test[31:40])]))
    scores = tmp_path / "scores.csv"
    res = runner.invoke(app, ["score", str(d / f"{fmt}-model"), str(mixed), "-o", str(scores)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stream", str(d / f"{fmt}-model"), "--all"], input=mixed.read_text())
    assert res.exit_code == 0, res.output
    streamed = [json.loads(x)["score"] for x in res.stdout.splitlines()]
    scored = pd.read_csv(scores)["score"].to_numpy()
    assert len(scored) == len(streamed) == 40
    np.testing.assert_allclose(scored, streamed, rtol=1e-4)
    np.testing.assert_allclose(scored, kit[f"{fmt}-scores"][:40], rtol=1e-4)
    # the other way round: a page first, then single events (was 'not a page of events')
    paged = tmp_path / "paged.jsonl"
    paged.write_text(_lines([OBJECT_PAGE[fmt](test[:30]), *test[30:40]]))
    res = runner.invoke(app, ["score", str(d / f"{fmt}-model"), str(paged), "-o", str(scores)])
    assert res.exit_code == 0, res.output
    np.testing.assert_allclose(pd.read_csv(scores)["score"].to_numpy(), kit[f"{fmt}-scores"][:40],
                               rtol=1e-4)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_lines([test[0], OBJECT_PAGE[fmt]([test[1], "x"])]))
    one_line_error(["score", str(d / f"{fmt}-model"), str(bad), "-o", str(tmp_path / "bad.csv")],
                   "line 2: event 2 of its page is no JSON object (a string) (use --on-bad-rows skip",
                   tmp_path / "bad.csv")


@pytest.mark.parametrize("fmt", list(MAKERS))
def test_the_service_scores_events_and_pages_as_the_file(kit: dict[str, Any], fmt: str) -> None:
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    test = kit[f"{fmt}-test"]
    with TestClient(create_app(kit["dir"] / f"{fmt}-model", api_key=KEY)) as client:
        rows = client.post("/score", json={"rows": test[:40]}, headers={"X-API-Key": KEY})
        pages = client.post("/score", json={"rows": [OBJECT_PAGE[fmt](test[:25]),
                                                     OBJECT_PAGE[fmt](test[25:40])]},
                            headers={"X-API-Key": KEY})
        bad = client.post("/score", json={"rows": [test[0], OBJECT_PAGE[fmt]([test[1], "x"])]},
                          headers={"X-API-Key": KEY})
    for r in (rows, pages):
        assert r.status_code == 200, r.text
        np.testing.assert_allclose(r.json()["scores"], kit[f"{fmt}-scores"][:40], rtol=1e-4)
    assert bad.status_code == 422
    assert bad.json()["detail"] == "row 2: event 2 of its page is no JSON object (a string)"


def test_stream_of_a_pretty_printed_array_says_to_pipe_it_through_jq(kit: dict[str, Any]) -> None:
    """'gcloud logging read --format=json | hourglass stream M': a pretty-printed array, which
    stream cannot read a line at a time; the error says how to send it."""
    pretty = json.dumps(kit["gcp-audit-test"][:3], indent=2)
    res = runner.invoke(app, ["stream", str(kit["dir"] / "gcp-audit-model")], input=pretty)
    assert res.exit_code == 2
    assert "line 1: pretty-printed JSON" in res.stderr and \
        "one JSON object per line (jq -c '.[]')" in res.stderr, \
        res.stderr
    res = runner.invoke(app, ["stream", str(kit["dir"] / "gcp-audit-model"), "--all"],
                        input=_lines(kit["gcp-audit-test"][:3]))  # as the hint says: one a line
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 3, res.output


def test_k8s_stream_refuses_a_core_event_by_line(kit: dict[str, Any]) -> None:
    res = runner.invoke(app, ["stream", str(kit["dir"] / "k8s-audit-model")],
                        input=_lines([kit["k8s-audit-test"][0], CORE_EVENT]))
    assert res.exit_code == 2
    assert "line 2: a Kubernetes core Event" in res.stderr, res.stderr


def _ecs_alerts(kit: dict[str, Any], fmt: str) -> list[dict[str, Any]]:
    """The ECS alerts of streaming the format's test events through its model (at least one)."""
    res = runner.invoke(app, ["stream", str(kit["dir"] / f"{fmt}-model"), "--alert-format", "ecs"],
                        input=_lines(kit[f"{fmt}-test"]))
    assert res.exit_code == 0, res.output
    docs = [json.loads(x) for x in res.stdout.splitlines()]
    assert docs
    return docs


def test_k8s_ecs_alerts_name_user_address_agent_and_verb(kit: dict[str, Any]) -> None:
    for doc in _ecs_alerts(kit, "k8s-audit"):
        event = kit["k8s-audit-test"][doc["hourglass"]["row"]]
        assert doc["user"]["name"] == event["user"]["username"]
        assert doc["source"]["ip"] == event["sourceIPs"][-1]  # the connection's, not X-Forwarded-For's
        assert doc["user_agent"]["original"] == event["userAgent"]
        assert doc["event"]["action"] == event["verb"] and doc["event"]["kind"] == "alert"
        assert doc["orchestrator"]["resource"]["type"] == event["objectRef"]["resource"]
        assert doc["orchestrator"]["type"] == "kubernetes"
        assert doc["event"]["category"] == ["intrusion_detection"]  # an API call, no network flow
        assert doc["@timestamp"].startswith(event["requestReceivedTimestamp"][:19])


def test_gcp_ecs_alerts_name_caller_address_agent_method_and_project(kit: dict[str, Any]) -> None:
    for doc in _ecs_alerts(kit, "gcp-audit"):
        entry = kit["gcp-audit-test"][doc["hourglass"]["row"]]
        payload = entry["protoPayload"]
        assert doc["user"]["name"] == payload["authenticationInfo"]["principalEmail"]
        assert doc["source"]["ip"] == payload["requestMetadata"]["callerIp"]
        assert doc["user_agent"]["original"] == payload["requestMetadata"]["callerSuppliedUserAgent"]
        assert doc["event"]["action"] == payload["methodName"] and doc["event"]["kind"] == "alert"
        assert doc["cloud"]["project"]["id"] == "shop-prod"
        assert doc["cloud"]["service"]["name"] == payload["serviceName"]
        assert doc["cloud"]["provider"] == "gcp" and doc["event"]["category"] == ["intrusion_detection"]
        assert doc["@timestamp"].startswith(entry["timestamp"][:19])


def test_gcp_stream_and_service_refuse_other_entries_by_name(kit: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    model, first = kit["dir"] / "gcp-audit-model", kit["gcp-audit-test"][0]
    res = runner.invoke(app, ["stream", str(model)], input=_lines([first, GCP_APP]))
    assert res.exit_code == 2
    assert "line 2: a log entry with jsonPayload, not an audit log" in res.stderr, res.stderr
    with TestClient(create_app(model, api_key=KEY)) as client:
        r = client.post("/score", json={"rows": [first, GCP_REQUEST_LOG]}, headers={"X-API-Key": KEY})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("row 2: a log entry with a protoPayload of type "
                                         "type.googleapis.com/google.appengine.logging.v1.RequestLog")


@pytest.mark.parametrize("fmt", list(MAKERS))
def test_a_model_per_user_and_hour(kit: dict[str, Any], fmt: str) -> None:
    d = kit["dir"]
    model, out = d / f"{fmt}-entity", d / f"{fmt}-entity.csv"
    res = runner.invoke(app, ["train", str(d / f"{fmt}-train.jsonl"), "--entity-col", USER[fmt][0],
                              "--bucket", "1h", *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    assert f'"timestamp_col": "{get_format(fmt).time_col}"' in (model / "config.json").read_text()
    res = runner.invoke(app, ["score", str(model), str(d / f"{fmt}-test.json"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert len(df) > 0 and {"entity", "score"} <= set(df.columns)


def test_formats_and_inspect_know_them(tmp_path: Path) -> None:
    res = runner.invoke(app, ["formats"])
    assert res.exit_code == 0 and "k8s-audit" in res.output and "gcp-audit" in res.output, res.output
    (tmp_path / "list.json").write_text(json.dumps(K8S_LIST, indent=2))
    (tmp_path / "gcloud.json").write_text(json.dumps(GCP_ENTRIES, indent=2))
    for name, fmt in (("list.json", "k8s-audit"), ("gcloud.json", "gcp-audit")):
        res = runner.invoke(app, ["inspect", str(tmp_path / name)])
        assert res.exit_code == 0 and f"format {fmt}, 2 rows inspected" in res.output, res.output


def test_ecs_of_cloud_audit_rows_zone_provider_and_category() -> None:
    """A zonal location is cloud.availability_zone, a region cloud.region; gcp-audit names its
    provider, k8s-audit its orchestrator; a caller's address makes no 'network' alert of them, as
    it still does of other formats."""
    from hourglass.serve.ecs import AlertRule, to_ecs

    def doc(fmt: str | None, fields: dict[str, Any]) -> dict[str, Any]:
        rule = AlertRule("autoencoder", "ab", data_format=fmt)
        return to_ecs({"row": 0, "score": 2.0}, rule, fields=fields)

    zonal = doc("gcp-audit", {"resource.labels.location": "us-central1-c",
                              "protoPayload.requestMetadata.callerIp": "203.0.113.24"})
    assert zonal["cloud"] == {"availability_zone": "us-central1-c", "provider": "gcp"}
    assert zonal["source"] == {"ip": "203.0.113.24"} and zonal["event"]["category"] == ["intrusion_detection"]
    regional = doc("gcp-audit", {"resource.labels.location": "europe-west4"})
    assert regional["cloud"] == {"region": "europe-west4", "provider": "gcp"}
    k8s = doc("k8s-audit", {"sourceIP": "10.20.0.4", "sourceIPs.first": "198.51.100.23"})
    assert k8s["orchestrator"] == {"type": "kubernetes"} and k8s["source"] == {"ip": "10.20.0.4"}
    assert k8s["event"]["category"] == ["intrusion_detection"] and "cloud" not in k8s
    assert k8s["hourglass"]["fields"] == {"sourceIPs.first": "198.51.100.23"}
    for fmt in (None, "zeek-conn"):  # other formats: unchanged
        other = doc(fmt, {"src_ip": "10.0.0.5"})
        assert other["event"]["category"] == ["intrusion_detection", "network"]
        assert "cloud" not in other and "orchestrator" not in other
