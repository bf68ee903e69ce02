"""Regression tests: identity and cloud-audit JSON formats (Okta, Entra, Kubernetes, GCP), the
SQLite outputs and the ECS mapping of alerts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest.formats import get_format
from hourglass.ingest.writers import chunk_writer


def test_sqlite_output_writes_a_duration_as_the_csv_does(tmp_path: Path) -> None:
    df = pd.DataFrame({"row": [0, 1], "took": pd.to_timedelta(["90s", None])})
    for name in ("o.csv", "o.sqlite"):
        with chunk_writer(tmp_path / name) as writer:
            writer.write(df)
    csv = pd.read_csv(tmp_path / "o.csv")["took"].tolist()
    rows = sqlite3.connect(tmp_path / "o.sqlite").execute("SELECT took FROM alerts ORDER BY row").fetchall()
    assert csv[0] == "0 days 00:01:30"
    assert [r[0] for r in rows] == ["0 days 00:01:30", None]


def _signin(i: int) -> dict[str, Any]:
    return {"id": f"id{i}", "createdDateTime": f"2026-01-05T08:{i % 60:02d}:00Z",
            "userPrincipalName": "ann@contoso.com", "appDisplayName": "Office 365",
            "clientAppUsed": "Browser",
            "status": {"errorCode": 0}}


def test_entra_graph_sign_ins_and_diagnostic_records_give_the_same_columns(tmp_path: Path) -> None:
    """A model trained on diagnostic records (with their envelope's category) scores the same
    sign-ins from Graph as it scores them from the diagnostic setting: Graph rows were without the
    category, a feature then missing in every row."""
    signins = [_signin(i) for i in range(3)]
    diagnostic = [{"time": s["createdDateTime"], "category": "SignInLogs",
                   "operationName": "Sign-in activity", "properties": s} for s in signins]
    (tmp_path / "graph.jsonl").write_text("".join(json.dumps(s) + "\n" for s in signins))
    (tmp_path / "diag.jsonl").write_text("".join(json.dumps(d) + "\n" for d in diagnostic))
    entra = get_format("entra-signin")
    graph, diag = entra.read(tmp_path / "graph.jsonl"), entra.read(tmp_path / "diag.jsonl")
    pd.testing.assert_frame_equal(graph, diag)
    assert graph["category"].tolist() == ["SignInLogs"] * 3
    noninteractive = entra.event({**signins[0], "signInEventTypes": ["nonInteractiveUser"]})
    assert noninteractive["category"] == "NonInteractiveUserSignInLogs"
    assert entra.event(noninteractive) == noninteractive
    # no signIn (a Log Analytics row, any object streamed): no category of it, still refused
    assert "category" not in entra.event({"TimeGenerated": "2026-01-05T08:00:00Z", "UserPrincipalName": "a"})


def test_okta_event_without_target_reads_as_one_with_a_null_target(tmp_path: Path) -> None:
    """A shipper that drops null fields leaves 'target' out: the event has no targets, as with
    'target': null (its count was missing, a feature imputed and flagged as missing)."""
    event = {"uuid": "u1", "published": "2026-01-05T08:00:00.000Z", "eventType": "user.session.start",
             "actor": {"type": "User", "alternateId": "ann@example.com"}}
    lines = [json.dumps({**event, "target": None}), json.dumps(event)]
    (tmp_path / "okta.jsonl").write_text("\n".join(lines) + "\n")
    df = get_format("okta").read(tmp_path / "okta.jsonl")
    assert df["target.count"].tolist() == [0, 0]
    assert df["target.type"].isna().all()
    row = get_format("okta").event({**event, "target": [{"type": "User"}]})
    assert get_format("okta").event(row) == row
    assert get_format("okta").event({"foo": 1}) == {"foo": 1}  # no event: streamed, none of its columns


@pytest.mark.parametrize("other", [{"jsonPayload": {}}, {"jsonPayload": {"message": None}},
                                   {"textPayload": None}])
def test_gcp_entry_with_an_empty_payload_is_refused_by_the_file_reader_as_by_stream(
        tmp_path: Path, other: dict[str, Any]) -> None:
    """An application's entry whose jsonPayload flattened to nothing (or a null textPayload) was
    read as an audit row of missing values by score, while stream refused it by name."""
    audit = {"logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity",
             "timestamp": "2026-01-05T08:00:00Z",
             "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog", "methodName": "m"}}
    entry = {"logName": "projects/p/logs/app", "timestamp": "2026-01-05T08:00:01Z", **other}
    spec = get_format("gcp-audit")
    with pytest.raises(ValueError, match="not an audit log"):
        spec.expand(entry)
    for name, text in (("lines.jsonl", json.dumps(audit) + "\n" + json.dumps(entry) + "\n"),
                       ("gcloud.json", json.dumps([audit, entry]))):
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError, match=f"a log entry with {next(iter(other))}, not an audit log"):
            spec.read(tmp_path / name)


@pytest.mark.parametrize("data", [{}, {"events": []}, None])
def test_okta_event_hook_delivery_without_events_is_refused_by_name(tmp_path: Path, data: Any) -> None:
    """A delivery whose data held no events list was read as an event of missing values."""
    event = {"uuid": "u1", "published": "2026-01-05T08:00:00.000Z", "eventType": "user.session.start",
             "actor": {"type": "User"}}
    hook = {"eventType": "com.okta.event_hook", "eventTime": "2026-01-05T08:00:01.000Z", "data": data}
    spec = get_format("okta")
    for name, text in (("lines.jsonl", json.dumps(event) + "\n" + json.dumps(hook) + "\n"),
                       ("page.json", json.dumps([event, hook]))):
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError, match="Okta Event Hook deliveries"):
            spec.read(tmp_path / name)
    with pytest.raises(ValueError, match="Okta Event Hook deliveries"):
        spec.expand(hook)


@pytest.mark.parametrize("fmt", ["okta", "entra-signin", "k8s-audit", "gcp-audit"])
def test_expand_of_json_null_raises_the_documented_value_error(fmt: str) -> None:
    # was an AttributeError ('NoneType' object has no attribute 'get') or a TypeError
    with pytest.raises(ValueError, match="expected a JSON object, got null"):
        get_format(fmt).expand(None)


def test_sqlite_sink_on_a_database_locked_by_another_writer_is_one_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database another program holds a write transaction on (DB Browser with unsaved changes)
    stopped 'stream -o live.sqlite' with sqlite3's OperationalError traceback once the table was
    to be created."""
    from hourglass.errors import HourglassError
    from hourglass.serve.sinks import SQLiteSink, alert_columns

    path = tmp_path / "live.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE other (x)")
    holder.execute("BEGIN EXCLUSIVE")
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda p, timeout=30.0: connect(p, timeout=0.2))
    try:
        with pytest.raises(HourglassError, match=r"live\.sqlite: could not read or create table 'alerts' "
                                                 r"\(database is locked\); another program"):
            SQLiteSink(path, alert_columns("table"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
