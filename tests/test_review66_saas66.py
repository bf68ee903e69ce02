"""Regression tests: business SaaS audit logs (Salesforce, ServiceNow, Atlassian, Zoom)."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from hourglass._times import read_timestamps


def test_salesforce_compact_timestamp_with_milliseconds() -> None:
    # What was wrong: Salesforce event log files' TIMESTAMP ('20240301080000.123') was refused as
    # no timestamp ('numbers are read as epoch seconds ...') as text and as a CSV reader's float.
    text = pd.Series(["20240301080101.665", "20240301080102.123", "20240301080103"])
    ts, _ = read_timestamps(text, "TIMESTAMP")
    assert [str(t) for t in ts] == ["2024-03-01 08:01:01.665000", "2024-03-01 08:01:02.123000",
                                    "2024-03-01 08:01:03"]
    csv = '"TIMESTAMP","USER_ID"\n"20240301080101.665","0055e000001AbCd"\n' \
          '"20240301080102.000","0055e000001AbCd"\n"20240301080102.123","0055e000001AbCd"\n'
    col = pd.read_csv(io.StringIO(csv))["TIMESTAMP"]
    assert col.dtype.kind == "f"
    ts, _ = read_timestamps(col, "TIMESTAMP")
    want = pd.to_datetime(["2024-03-01 08:01:01.665", "2024-03-01 08:01:02", "2024-03-01 08:01:02.123"],
                          format="ISO8601")
    assert (abs(ts - want) <= pd.Timedelta(milliseconds=3)).all()
    assert ts.is_monotonic_increasing


def _jira_record(i: int) -> dict[str, object]:
    return {"id": i, "summary": "User added to group", "remoteAddress": "203.0.113.5",
            "authorKey": "admin", "authorAccountId": "5b10ac8d82e05b22cc7d4ef5",
            "created": f"2024-03-01T08:00:{i:02d}.000+0000", "category": "group management",
            "eventSource": "", "objectItem": {"id": "site-admins", "name": "site-admins",
                                              "typeName": "GROUP"},
            "changedValues": [], "associatedItems": [{"id": "557058:abc", "name": "bob",
                                                      "typeName": "USER"}]}


def _org_event(i: int) -> dict[str, object]:
    return {"id": f"e{i}", "type": "events", "attributes": {
        "time": f"2024-03-01T08:00:{i:02d}.000Z", "action": "user_granted_role",
        "actor": {"id": "5b10ac8d82e05b22cc7d4ef5", "name": "Admin"},
        "context": [{"id": "557058:abc", "type": "users"}], "location": {"ip": "203.0.113.5"}},
        "links": {"self": f"https://api.atlassian.com/admin/v1/orgs/o1/events/e{i}"}}


def test_atlassian_audit_pages_are_refused_with_their_recipe(tmp_path: Path) -> None:
    # What was wrong: Jira's audit records page ({"offset", "limit", "total", "records": [...]})
    # and the Atlassian admin API's events page ({"data": [...], "links", "meta"}) were read as one
    # row a page (the events one text category), with no word of the recipe that gives the events.
    import json

    from hourglass.errors import InputError
    from hourglass.ingest import read_table
    from hourglass.ingest.tables import document_refusal

    jira = {"offset": 0, "limit": 1000, "total": 40, "records": [_jira_record(i) for i in range(20)]}
    org = {"data": [_org_event(i) for i in range(20)],
           "links": {"self": "https://api.atlassian.com/admin/v1/orgs/o1/events",
                     "next": "https://api.atlassian.com/admin/v1/orgs/o1/events?cursor=abc"},
           "meta": {"next": "abc", "page_size": 20}}
    said = {
        "records": "a Jira audit records page (/rest/api/2/auditing/record: its records under "
                   "records), not one event a line; write its events one a line (jq -c '.records[]')",
        "data": "a page of organization events from Atlassian's admin API (/admin/v1/orgs/{id}/events: "
                "its events under data), not one event a line; write its events one a line "
                "(jq -c '.data[]')"}
    for key, page in (("records", jira), ("data", org)):
        compact, pretty = tmp_path / f"{key}.json", tmp_path / f"{key}_pretty.json"
        compact.write_text(json.dumps(page) + "\n" + json.dumps(page) + "\n")
        pretty.write_text(json.dumps(page, indent=2) + "\n")
        for path in (compact, pretty):
            with pytest.raises(InputError) as err:
                read_table(path)
            assert str(err.value) == f"{path}: line 1: {said[key]}"
        assert document_refusal(page) == said[key]
        lines = tmp_path / f"{key}.jsonl"  # what the recipe writes: the events
        lines.write_text("".join(json.dumps(e) + "\n" for e in page[key]))  # type: ignore[attr-defined]
        assert len(read_table(lines)) == 20
    # an event with a records list, or data beside other fields, is a row
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps({"records": [{"a": 1}], "n": 1}) + "\n"
                    + json.dumps({"data": [{"a": 1}], "links": {}, "user": "a"}) + "\n")
    assert len(read_table(rows)) == 2
