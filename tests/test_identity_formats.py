"""Identity telemetry: Okta System Log events (``--format okta``) and Microsoft Entra ID sign-ins
(``--format entra-signin``: Graph ``signIn`` and the diagnostic-settings envelope), read one a
line or as API pages, flattened with ids left out and user names and agents hashed; sniffed
without taking other JSON formats; a model flags sign-ins from a new country with a legacy
client and a failure, ``stream`` of the same events gives the same scores, a per-user model
(``--entity-col``) trains, and bad input is one line, exit 2.

The fixtures are written from the vendors' documented schemas (Okta's LogEvent object,
Microsoft Graph's signIn resource, Entra's diagnostic-settings sign-in schema), not captured."""

from __future__ import annotations

import json
import logging
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

FAST = ["--epochs", "20", "--hidden", "16,8", "--batch-size", "64", "--seed", "0", "-q"]

# -- hand-written events, nested as the vendors send them ---------------------------------------
OKTA_SESSION = {
    "uuid": "f8e4a3b2-1c9d-11ef-9a7b-0b5c3e1f2a11", "published": "2026-01-05T08:01:12.345Z",
    "eventType": "user.session.start", "version": "0", "severity": "INFO",
    "legacyEventType": "core.user_auth.login_success", "displayMessage": "User login to Okta",
    "actor": {"id": "00u1a2b3c4D5e6F7g8h9", "type": "User", "alternateId": "ann.lee@example.com",
              "displayName": "Ann Lee", "detailEntry": None},
    "client": {"userAgent": {"rawUserAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                                             "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                             "os": "Windows 10", "browser": "CHROME"},
               "zone": "null", "device": "Computer", "id": None, "ipAddress": "203.0.113.24",
               "geographicalContext": {"city": "Toronto", "state": "Ontario", "country": "Canada",
                                       "postalCode": "M5H", "geolocation": {"lat": 43.65, "lon": -79.38}}},
    "outcome": {"result": "SUCCESS", "reason": None},
    "target": None,
    "transaction": {"type": "WEB", "id": "Zb3x1AbCdEfGhIjKlMnO", "detail": {}},
    "debugContext": {"debugData": {"requestId": "Zb3x1AbCdEfGhIjKlMnO", "requestUri": "/api/v1/authn",
                                   "url": "/api/v1/authn?", "threatSuspected": "false",
                                   "risk": "{level=LOW}",
                                   "behaviors": "{New Geo-Location=NEGATIVE, New Device=NEGATIVE, "
                                                "New IP=NEGATIVE, New State=NEGATIVE, New Country=NEGATIVE, "
                                                "Velocity=NEGATIVE, New City=NEGATIVE}",
                                   "dtHash": "3b1f0c9e0a7d4e21"}},
    "authenticationContext": {"authenticationProvider": "OKTA_AUTHENTICATION_PROVIDER",
                              "credentialProvider": None, "credentialType": "PASSWORD", "issuer": None,
                              "interface": None, "authenticationStep": 0,
                              "externalSessionId": "102bZc8sQwxS1mhkLq2XYh1Vg"},
    "securityContext": {"asNumber": 577, "asOrg": "bell canada", "isp": "bell canada",
                        "domain": "bell.ca", "isProxy": False},
    "request": {"ipChain": [{"ip": "203.0.113.24", "version": "V4", "source": None,
                             "geographicalContext": {"city": "Toronto", "country": "Canada"}}]},
}
OKTA_SSO = {**OKTA_SESSION, "uuid": "0b9f6a70-1c9e-11ef-8d2e-3f1e2d3c4b5a",
            "published": "2026-01-05T08:01:15.002Z", "eventType": "user.authentication.sso",
            "displayMessage": "User single sign on to app",
            "target": [{"id": "0oa1b2c3d4E5F6g7H8i9", "type": "AppInstance", "alternateId": "Salesforce",
                        "displayName": "Salesforce.com", "detailEntry": {"signOnModeType": "SAML_2_0"}},
                       {"id": "0ua9z8y7x6W5v4U3t2s1", "type": "AppUser", "alternateId": "ann.lee@example.com",
                        "displayName": "Ann Lee", "detailEntry": None}]}
OKTA_FAILED = {**OKTA_SESSION, "uuid": "1c2d3e4f-1c9f-11ef-a1b2-c3d4e5f6a7b8",
               "published": "2026-01-05T08:07:40.910Z", "severity": "WARN",
               "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"},
               "client": {**OKTA_SESSION["client"], "ipAddress": "198.51.100.7",
                          "geographicalContext": {"city": "Lagos", "state": "Lagos", "country": "Nigeria",
                                                  "postalCode": None, "geolocation": {"lat": 6.45,
                                                                                      "lon": 3.39}}}}
OKTA_EVENTS = [OKTA_SESSION, OKTA_SSO, OKTA_FAILED]
OKTA_HOOK = {"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1",
             "source": "https://example.okta.com/api/v1/eventHooks/who8a9b0c", "eventId": "b5a1-4c2d",
             "eventTime": "2026-01-05T08:01:13.000Z", "contentType": "application/json",
             "data": {"events": [OKTA_SESSION]}}

GRAPH_SIGNIN = {
    "id": "66ea54eb-6301-4ee5-be62-ff5a759b8100", "createdDateTime": "2026-01-05T08:02:44Z",
    "userDisplayName": "Ann Lee", "userPrincipalName": "ann.lee@contoso.com",
    "userId": "d7cc485d-2c1b-422c-98fd-5ce52859a4a3", "appId": "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
    "appDisplayName": "Office 365 Exchange Online", "ipAddress": "203.0.113.24",
    "clientAppUsed": "Browser", "correlationId": "65d4ea11-1b7c-4b47-9a5b-8a5a0a3f0c36",
    "conditionalAccessStatus": "success", "isInteractive": True, "riskDetail": "none",
    "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none", "riskState": "none",
    "riskEventTypes": [], "riskEventTypes_v2": [], "resourceDisplayName": "Office 365 Exchange Online",
    "resourceId": "00000002-0000-0ff1-ce00-000000000000",
    "status": {"errorCode": 0, "failureReason": "Other.", "additionalDetails": None},
    "deviceDetail": {"deviceId": "b4b8b9b6-0b5c-4f2a-9c1f-7e2d3c4b5a69", "displayName": "ANN-LAPTOP",
                     "operatingSystem": "Windows10", "browser": "Edge 120.0.2210",
                     "isCompliant": True, "isManaged": True, "trustType": "Azure AD joined"},
    "location": {"city": "Redmond", "state": "Washington", "countryOrRegion": "US",
                 "geoCoordinates": {"altitude": None, "latitude": 47.67, "longitude": -122.12}},
    "appliedConditionalAccessPolicies": [
        {"id": "7eb6d5a8-4b3c-4e1f-9a2b-1c0d9e8f7a6b", "displayName": "Require MFA for admins",
         "enforcedGrantControls": ["Mfa"], "enforcedSessionControls": [], "result": "success"}],
}
GRAPH_FAILED = {**GRAPH_SIGNIN, "id": "9d1a7e0c-5b2f-4c3d-8e9f-0a1b2c3d4e5f",
                "createdDateTime": "2026-01-05T09:15:02Z", "clientAppUsed": "IMAP4", "isInteractive": False,
                "conditionalAccessStatus": "notApplied", "ipAddress": "198.51.100.7",
                "status": {"errorCode": 50126, "failureReason": "Error validating credentials due to "
                           "invalid username or password.", "additionalDetails": None},
                "deviceDetail": {"deviceId": "", "displayName": None, "operatingSystem": None,
                                 "browser": None, "isCompliant": False, "isManaged": False,
                                 "trustType": None},
                "location": {"city": "Moscow", "state": "Moscow", "countryOrRegion": "RU",
                             "geoCoordinates": {"latitude": 55.75, "longitude": 37.62}}}
GRAPH_PAGE = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
              "@odata.nextLink": "https://graph.microsoft.com/v1.0/auditLogs/signIns?$skiptoken=x",
              "value": [GRAPH_SIGNIN, GRAPH_FAILED]}


def _diagnostic(signin: dict[str, Any], category: str = "SignInLogs") -> dict[str, Any]:
    """A sign-in as an Entra diagnostic setting sends it (Event Hub, storage account)."""
    props = {k: v for k, v in signin.items() if k != "createdDateTime"}  # 'time' stands for it
    return {"time": signin["createdDateTime"].replace("Z", ".1234567Z"),
            "resourceId": "/tenants/72f988bf-86f1-41af-91ab-2d7cd011db47/providers/Microsoft.aadiam",
            "operationName": "Sign-in activity", "operationVersion": "1.0", "category": category,
            "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "resultType": str(signin["status"]["errorCode"]), "resultSignature": "None",
            "resultDescription": signin["status"]["failureReason"], "durationMs": 0,
            "callerIpAddress": signin["ipAddress"], "correlationId": signin["correlationId"],
            "identity": signin["userDisplayName"], "Level": 4, "location": "US", "properties": props}


def _lines(events: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


# -- reading, flattening, roles ----------------------------------------------------------------
def test_okta_lines_and_api_page_read_alike(tmp_path: Path) -> None:
    (tmp_path / "okta.jsonl").write_text(_lines(OKTA_EVENTS))
    (tmp_path / "page.json").write_text(json.dumps(OKTA_EVENTS, indent=2))  # the API's page
    okta = get_format("okta")
    a, b = okta.read(tmp_path / "okta.jsonl"), okta.read(tmp_path / "page.json")
    pd.testing.assert_frame_equal(a, b)
    assert a["target.count"].tolist() == [0, 2, 0]
    assert a["target.type"].fillna("-").tolist() == ["-", "AppInstance", "-"]
    assert "target" not in a.columns and a["client.geographicalContext.country"].iloc[2] == "Nigeria"
    roles = format_roles(okta, a.columns)
    for col in ("uuid", "published", "actor.id", "transaction.id", "authenticationContext.externalSessionId",
                "debugContext.debugData.requestId", "debugContext.debugData.dtHash",
                "client.geographicalContext.geolocation.lat", "request.ipChain"):
        assert roles[col] == "drop", col
    for col in ("actor.alternateId", "client.userAgent.rawUserAgent", "debugContext.debugData.behaviors"):
        assert roles[col] == "hash", col
    assert roles["eventType"] == roles["outcome.result"] == roles["securityContext.isProxy"] == "categorical"
    assert roles["client.ipAddress"] == "ip"


def test_entra_graph_page_lines_and_diagnostic_records_read_alike(tmp_path: Path) -> None:
    (tmp_path / "page.json").write_text(json.dumps(GRAPH_PAGE))
    (tmp_path / "graph.jsonl").write_text(_lines(GRAPH_PAGE["value"]))
    (tmp_path / "diag.jsonl").write_text(_lines([_diagnostic(s) for s in GRAPH_PAGE["value"]]))
    (tmp_path / "hub.json").write_text(json.dumps({"records": [_diagnostic(s) for s in GRAPH_PAGE["value"]]})
                                       + "\n" + json.dumps({"records": [_diagnostic(GRAPH_SIGNIN)]}) + "\n")
    entra = get_format("entra-signin")
    page, lines = entra.read(tmp_path / "page.json"), entra.read(tmp_path / "graph.jsonl")
    pd.testing.assert_frame_equal(page, lines)
    diag, hub = entra.read(tmp_path / "diag.jsonl"), entra.read(tmp_path / "hub.json")
    assert len(hub) == 3 and diag["category"].tolist() == ["SignInLogs"] * 2
    for col in ("appDisplayName", "clientAppUsed", "status.errorCode", "location.countryOrRegion",
                "deviceDetail.isCompliant"):
        assert diag[col].tolist() == page[col].tolist(), col
    assert diag["createdDateTime"].iloc[0] == "2026-01-05T08:02:44.1234567Z"
    roles = format_roles(entra, diag.columns)
    for col in ("id", "correlationId", "userId", "appId", "resourceId", "deviceDetail.deviceId",
                "createdDateTime", "location.geoCoordinates.latitude", "appliedConditionalAccessPolicies",
                "status.failureReason"):
        assert roles[col] == "drop", col
    assert roles["userPrincipalName"] == roles["deviceDetail.browser"] == "hash"
    assert roles["clientAppUsed"] == roles["location.countryOrRegion"] == roles["category"] == "categorical"
    assert roles["ipAddress"] == "ip"


def test_event_hooks_are_the_formats_own() -> None:
    assert event_format("okta").name == "okta" and event_format("entra-signin").name == "entra-signin"
    assert event_format("jsonl") is None
    lifted = get_format("entra-signin").event(_diagnostic(GRAPH_SIGNIN))
    assert lifted["appDisplayName"] == "Office 365 Exchange Online" and "properties" not in lifted
    assert get_format("entra-signin").event(lifted) == lifted  # applied twice: the same row
    once = get_format("okta").event(OKTA_SSO)
    assert get_format("okta").event(once) == once


# -- sniffing ----------------------------------------------------------------------------------
def test_identity_files_are_sniffed_and_others_are_not_taken(tmp_path: Path) -> None:
    ours = {"okta.jsonl": (_lines(OKTA_EVENTS), "okta"), "okta-page.json": (json.dumps(OKTA_EVENTS), "okta"),
            "okta-pretty.json": (json.dumps(OKTA_EVENTS, indent=2), "okta"),
            "hook.json": (json.dumps(OKTA_HOOK) + "\n", "okta"),
            "signins.jsonl": (_lines([GRAPH_SIGNIN]), "entra-signin"),
            "page.json": (json.dumps(GRAPH_PAGE), "entra-signin"),
            "diag.jsonl": (_lines([_diagnostic(GRAPH_SIGNIN)]), "entra-signin"),
            "noninteractive.jsonl": (_lines([_diagnostic(GRAPH_SIGNIN, "NonInteractiveUserSignInLogs")]),
                                     "entra-signin"),
            "hub.json": (json.dumps({"records": [_diagnostic(GRAPH_SIGNIN)]}), "entra-signin")}
    for name, (text, fmt) in ours.items():
        (tmp_path / name).write_text(text)
        assert sniff_format(tmp_path / name).name == fmt, name
    for name, text in {**SNIFF_CASES, **NOT_EVENTS}.items():  # the other formats' samples
        (tmp_path / name).write_text(text)
        assert sniff_format(tmp_path / name).name not in ("okta", "entra-signin"), name
        if name in EXPECTED:
            assert sniff_format(tmp_path / name).name == EXPECTED[name], name
    audit = {**_diagnostic(GRAPH_SIGNIN, "AuditLogs")}
    others = {"audit.jsonl": _lines([audit]), "array.json": json.dumps([{"a": 1}, {"a": 2}]),
              "value.json": json.dumps({"value": [{"a": 1}]}),
              "okta-like.jsonl": _lines([{"eventType": "x", "published": "2026-01-05T08:00:00Z"}])}
    for name, text in others.items():
        (tmp_path / name).write_text(text)
        assert sniff_format(tmp_path / name).name not in ("okta", "entra-signin"), name


# -- bad input: one line, exit 2 ---------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["okta", "entra-signin"])
def test_bad_input_is_one_line(tmp_path: Path, fmt: str) -> None:
    data, out = tmp_path / "data.json", tmp_path / "m"
    train = ["train", str(data), "--format", fmt, "-o", str(out)]
    data.write_text("")
    one_line_error(train, "", out)
    field, what = ("published", "an Okta System Log") if fmt == "okta" else \
        ("createdDateTime", "an Entra ID sign-in log")
    data.write_text(_lines([{"eventVersion": "1.08", "eventTime": "2026-01-05T08:00:00Z",
                             "eventSource": "iam.amazonaws.com", "eventName": "CreateUser"}] * 3))
    one_line_error(train, f"no '{field}' field; is this {what}?", out)
    good = _lines(OKTA_EVENTS if fmt == "okta" else [GRAPH_SIGNIN, GRAPH_FAILED])
    data.write_text(good + '{"published": "2026-01-05T\n')
    one_line_error(train, "line 4: not valid JSON" if fmt == "okta" else "line 3: not valid JSON", out)
    data.write_text("[" + json.dumps(OKTA_SESSION) + ", 7]" if fmt == "okta" else
                    json.dumps({"value": [GRAPH_SIGNIN, "x"]}))
    one_line_error(train, "event 2 is no JSON object", out)
    data.write_text('[{"published": "2026-01-05T' if fmt == "okta" else '{"value": [{"id": "1"')
    one_line_error(train, "not valid JSON", out)


def test_other_shapes_are_refused_by_name(tmp_path: Path) -> None:
    data, out = tmp_path / "data.json", tmp_path / "m"
    data.write_text(_lines([OKTA_HOOK] * 3))
    one_line_error(["train", str(data), "-o", str(out)], "jq -c '.data.events[]'", out)
    data.write_text(json.dumps(OKTA_HOOK, indent=2))  # one delivery as a webhook receiver saves it
    for fmt in ([], ["--format", "okta"]):
        one_line_error(["train", str(data), *fmt, "-o", str(out)], "Okta Event Hook deliveries", out)
    pretty = tmp_path / "events.json"  # jq '.data.events[]' without -c: pretty objects, one after another
    pretty.write_text("\n".join(json.dumps(e, indent=2) for e in OKTA_EVENTS))
    res = runner.invoke(app, ["inspect", str(pretty)])
    assert res.exit_code == 0 and "format okta, 3 rows inspected" in res.output, res.output
    data.write_text(_lines([_diagnostic(GRAPH_SIGNIN, "AuditLogs")] * 3))
    one_line_error(["train", str(data), "--format", "entra-signin", "-o", str(out)],
                   "records of category 'AuditLogs', not sign-ins", out)
    analytics = {"TimeGenerated": "2026-01-05T08:02:44Z", "UserPrincipalName": "ann.lee@contoso.com",
                 "AppDisplayName": "Azure Portal", "Status": json.dumps({"errorCode": 0}),
                 "LocationDetails": json.dumps({"countryOrRegion": "US"}), "ResultType": "0"}
    data.write_text(_lines([analytics] * 3))
    one_line_error(["train", str(data), "-o", str(out)], "the Log Analytics SigninLogs table", out)


def test_other_records_later_on_are_refused_by_name(tmp_path: Path) -> None:
    """An AuditLogs record or an Event Hook delivery after the first chunk, or in a stream's
    line, is refused by name as in the first chunk (not read as a sign-in)."""
    from hourglass.errors import InputError

    audit, data = _diagnostic(GRAPH_SIGNIN, "AuditLogs"), tmp_path / "data.jsonl"
    for fmt, good, other, match in (("entra-signin", _diagnostic(GRAPH_SIGNIN), audit, "'AuditLogs'"),
                                    ("okta", OKTA_SSO, OKTA_HOOK, "Okta Event Hook deliveries")):
        spec = get_format(fmt)
        data.write_text(_lines([good] * 200 + [other]))
        with pytest.raises(InputError, match=match):
            list(spec.iter_chunks(data, chunk_bytes=4096))
        data.write_text(json.dumps([good] * 200 + [other]))  # a page, read in chunks of records
        with pytest.raises(InputError, match=match):
            list(spec.iter_chunks(data))
        with pytest.raises(ValueError, match=match):
            spec.expand(other)
    with pytest.raises(ValueError, match="event 2 of its page: a record of category 'AuditLogs'"):
        get_format("entra-signin").expand({"records": [_diagnostic(GRAPH_SIGNIN), audit]})


# -- a model of sign-ins: generated events ----------------------------------------------------
def _okta_event(rng: np.random.Generator, i: int, odd: bool) -> dict[str, Any]:
    user = f"user{rng.integers(20)}@example.com"
    if odd:  # a new country, a script's agent behind a proxy, a failed password
        country, city, asn, org, browser, os_, agent, result, reason, proxy = (
            "Russia", "Moscow", 48666, "bulletproof hosting ltd", "UNKNOWN", "Unknown",
            "python-requests/2.31.0", "FAILURE", "INVALID_CREDENTIALS", True)
        kind = "user.session.start"
    else:
        country, city, asn, org = [("United States", "Chicago", 7922, "comcast"),
                                   ("Canada", "Toronto", 577, "bell canada"),
                                   ("United Kingdom", "London", 2856, "british telecom")][
                                      int(rng.integers(3))]
        browser, os_ = [("CHROME", "Windows 10"), ("EDGE", "Windows 10"), ("SAFARI", "Mac OS X")][
            int(rng.integers(3))]
        agent = f"Mozilla/5.0 {browser}/{rng.integers(118, 121)}"
        result, reason, proxy = "SUCCESS", None, False
        kind = str(rng.choice(["user.session.start", "user.authentication.sso", "policy.evaluate_sign_on"]))
    t = pd.Timestamp("2026-01-05T00:00:00Z") + pd.Timedelta(seconds=int(i))
    return {**OKTA_SESSION, "uuid": f"{rng.integers(10**12):x}",
            "published": t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "eventType": kind, "actor": {**OKTA_SESSION["actor"], "id": f"00u{rng.integers(10**9)}",
                                         "alternateId": user, "displayName": user.split("@")[0]},
            "client": {**OKTA_SESSION["client"],
                       "ipAddress": f"203.0.{rng.integers(0, 3)}.{rng.integers(2, 250)}",
                       "userAgent": {"rawUserAgent": agent, "os": os_, "browser": browser},
                       "geographicalContext": {"city": city, "country": country, "state": None,
                                               "postalCode": None, "geolocation": None}},
            "outcome": {"result": result, "reason": reason},
            "target": ([{"id": f"0oa{rng.integers(10**6)}", "type": "AppInstance"}]
                       if kind == "user.authentication.sso" else None),
            "transaction": {"type": "WEB", "id": f"{rng.integers(10**15):x}", "detail": {}},
            "securityContext": {"asNumber": asn, "asOrg": org, "isp": org, "domain": None, "isProxy": proxy}}


def _entra_signin(rng: np.random.Generator, i: int, odd: bool) -> dict[str, Any]:
    t = pd.Timestamp("2026-01-05T00:00:00Z") + pd.Timedelta(seconds=int(i))
    user = f"user{rng.integers(20)}@contoso.com"
    if odd:  # a new country, a legacy client app (no MFA possible), a failed password, no device
        app, client, country, city, code, ca, device = (
            "Office 365 Exchange Online", str(rng.choice(["IMAP4", "Exchange ActiveSync"])), "RU", "Moscow",
            50126, "notApplied", {"operatingSystem": None, "browser": None, "isCompliant": False,
                                  "isManaged": False, "trustType": None})
    else:
        app = str(rng.choice(["Office 365 Exchange Online", "Microsoft Teams",
                              "Office 365 SharePoint Online"]))
        client = str(rng.choice(["Browser", "Mobile Apps and Desktop clients"]))
        country, city = [("US", "Redmond"), ("DE", "Berlin")][int(rng.integers(2))]
        code, ca = 0, "success"
        device = [{"operatingSystem": "Windows10", "browser": "Edge 120.0.2210", "isCompliant": True,
                   "isManaged": True, "trustType": "Azure AD joined"},
                  {"operatingSystem": "Ios", "browser": "Mobile Safari", "isCompliant": True,
                   "isManaged": True, "trustType": None}][int(rng.integers(2))]
    return {**GRAPH_SIGNIN, "id": f"{rng.integers(10**15):x}",
            "createdDateTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "userPrincipalName": user, "userDisplayName": user.split("@")[0], "appDisplayName": app,
            "resourceDisplayName": app, "clientAppUsed": client, "conditionalAccessStatus": ca,
            "isInteractive": client == "Browser", "correlationId": f"{rng.integers(10**15):x}",
            "ipAddress": f"203.0.{rng.integers(0, 3)}.{rng.integers(2, 250)}",
            "status": {"errorCode": code, "failureReason": "Other." if code == 0 else "Invalid password."},
            "deviceDetail": {"deviceId": f"{rng.integers(10**9)}", "displayName": None, **device},
            "location": {"city": city, "state": None, "countryOrRegion": country,
                         "geoCoordinates": {"latitude": 50.0, "longitude": 8.0}}}


class _Logs(logging.Handler):
    """The messages logged while it is attached."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.text: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.text.append(record.getMessage())


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Generated sign-ins (every tenth test event odd, all of one user, mallory), a model of each
    format trained on the normal ones and its scores of the test page: what each test below needs,
    so that any runs alone."""
    d = tmp_path_factory.mktemp("identity")
    rng = np.random.default_rng(0)
    labels = (np.arange(300) % 10 == 0).astype(int)
    out: dict[str, Any] = {"dir": d, "labels": labels}
    for fmt, make in (("okta", _okta_event), ("entra", _entra_signin)):
        train = [make(rng, i * 13, False) for i in range(1200)]
        test = [make(rng, 20000 + i * 13, bool(a)) for i, a in enumerate(labels)]
        for event in (e for e, a in zip(test, labels, strict=True) if a):
            if fmt == "okta":
                event["actor"] = {**event["actor"], "alternateId": "mallory@example.com",
                                  "displayName": "mallory"}
            else:
                event.update(userPrincipalName="mallory@contoso.com", userDisplayName="mallory")
        (d / f"{fmt}-train.jsonl").write_text(_lines(train))
        out[f"{fmt}-test"] = test
    (d / "okta-test.json").write_text(json.dumps(out["okta-test"]))  # one API page
    (d / "entra-test.json").write_text(json.dumps({"value": out["entra-test"]}))  # one Graph page
    (d / "entra-test-diag.jsonl").write_text(_lines([_diagnostic(s) for s in out["entra-test"]]))
    logs, logger = _Logs(), logging.getLogger("hourglass")
    logger.addHandler(logs)
    try:
        for fmt in ("okta", "entra"):
            model, scores = d / f"{fmt}-model", d / f"{fmt}-scores.csv"
            res = runner.invoke(app, ["train", str(d / f"{fmt}-train.jsonl"), *FAST, "-o", str(model)])
            assert res.exit_code == 0, res.output
            out[f"{fmt}-train-output"] = res.output + "\n".join(logs.text)
            res = runner.invoke(app, ["score", str(model), str(d / f"{fmt}-test.json"), "-o", str(scores)])
            assert res.exit_code == 0, res.output
            out[f"{fmt}-scores"] = pd.read_csv(scores)["score"].to_numpy()
    finally:
        logger.removeHandler(logs)
    return out


@pytest.mark.parametrize("fmt", ["okta", "entra"])
def test_odd_sign_ins_score_above_normal_ones(kit: dict[str, Any], fmt: str) -> None:
    assert "map keyed by values" not in kit[f"{fmt}-train-output"]
    config = json.loads((kit["dir"] / f"{fmt}-model" / "config.json").read_text())
    assert config["info"]["dataset"] == ("okta" if fmt == "okta" else "entra-signin")
    assert roc_auc_score(kit["labels"], kit[f"{fmt}-scores"]) > 0.95


def test_stream_of_diagnostic_records_scores_as_the_graph_page(kit: dict[str, Any]) -> None:
    d = kit["dir"]
    res = runner.invoke(app, ["stream", str(d / "entra-model"), "--all"],
                        input=(d / "entra-test-diag.jsonl").read_text())
    assert res.exit_code == 0, res.output
    np.testing.assert_allclose([json.loads(x)["score"] for x in res.stdout.splitlines()],
                               kit["entra-scores"], rtol=1e-4)
    res = runner.invoke(app, ["stream", str(d / "okta-model"), "--all"], input=_lines(kit["okta-test"]))
    assert res.exit_code == 0, res.output
    np.testing.assert_allclose([json.loads(x)["score"] for x in res.stdout.splitlines()],
                               kit["okta-scores"], rtol=1e-4)


def test_stream_of_pages_scores_as_the_file(kit: dict[str, Any]) -> None:
    """Event Hub messages ({"records": [...]}, one a line), Graph pages and Okta arrays, one a
    line, are read by 'stream' as 'score' reads the file: their events, each at its page's line."""
    d = kit["dir"]
    diag = [_diagnostic(s) for s in kit["entra-test"]]
    hub = "".join(json.dumps({"records": diag[lo:lo + 7]}) + "\n" for lo in range(0, len(diag), 7))
    graph = "".join(json.dumps({"@odata.context": "x", "@odata.nextLink": "y",
                                "value": kit["entra-test"][lo:lo + 50]}) + "\n"
                    for lo in range(0, len(diag), 50))
    okta = "".join(json.dumps(kit["okta-test"][lo:lo + 100]) + "\n" for lo in range(0, 300, 100))
    for fmt, text in (("entra", hub), ("entra", graph), ("okta", okta)):
        keep = "userPrincipalName" if fmt == "entra" else "actor.alternateId"
        res = runner.invoke(app, ["stream", str(d / f"{fmt}-model"), "--all", "--keep", keep,
                                  "--batch", "16"], input=text)
        assert res.exit_code == 0, res.output
        alerts = [json.loads(x) for x in res.stdout.splitlines()]
        np.testing.assert_allclose([a["score"] for a in alerts], kit[f"{fmt}-scores"], rtol=1e-4)
        users = [e["userPrincipalName"] if fmt == "entra" else e["actor"]["alternateId"]
                 for e in kit[f"{fmt}-test"]]
        assert [a[keep] for a in alerts] == users
    res = runner.invoke(app, ["stream", str(d / "entra-model")],
                        input=hub.splitlines()[0] + "\n" + json.dumps({"records": [diag[0], 5]}) + "\n")
    assert res.exit_code == 2
    assert "line 2: event 2 of its page is no JSON object (a number)" in res.stderr, res.stderr
    audit = json.dumps(_diagnostic(kit["entra-test"][0], "AuditLogs"))
    res = runner.invoke(app, ["stream", str(d / "entra-model")], input=f"{json.dumps(diag[0])}\n{audit}\n")
    assert res.exit_code == 2
    assert "line 2: a record of category 'AuditLogs', not a sign-in" in res.stderr, res.stderr


@pytest.mark.parametrize(("fmt", "entity", "ts"), [("okta", "actor.alternateId", "published"),
                                                ("entra", "userPrincipalName", None)])
def test_a_model_per_user_and_hour(kit: dict[str, Any], fmt: str, entity: str, ts: str | None) -> None:
    d = kit["dir"]
    model = d / f"{fmt}-entity"
    res = runner.invoke(app, ["train", str(d / f"{fmt}-train.jsonl"), "--entity-col", entity,
                              *(["--timestamp-col", ts] if ts else []), "--bucket", "1h", *FAST, "-o",
                              str(model)])
    assert res.exit_code == 0, res.output
    if ts is None:  # the format's own event time
        assert '"timestamp_col": "createdDateTime"' in (model / "config.json").read_text()
    out = d / f"{fmt}-entity.csv"
    res = runner.invoke(app, ["score", str(model), str(d / f"{fmt}-test.json"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert len(df) > 0 and {"entity", "score"} <= set(df.columns)
    # the user of every odd sign-in (new country, failures, a script's or a legacy client): both
    # of her hours among the five highest of ~40 (a small model of 20 epochs: not always the top)
    top = df.nlargest(5, "score")["entity"].astype(str)
    assert top.str.startswith("mallory@").sum() == 2, df.sort_values("score").tail(8)


def test_a_folder_of_api_pages(tmp_path: Path) -> None:
    okta, graph = tmp_path / "okta", tmp_path / "graph"
    okta.mkdir()
    graph.mkdir()
    for k in range(3):  # pretty-printed pages: each file's first line '[' is no header line
        (okta / f"page-{k}.json").write_text(json.dumps(OKTA_EVENTS, indent=2))
        (graph / f"signins-{k}.json").write_text(json.dumps(GRAPH_PAGE) + "\n")
    res = runner.invoke(app, ["inspect", str(okta)])
    assert res.exit_code == 0, res.output
    assert "format okta, 9 rows inspected" in res.output
    res = runner.invoke(app, ["inspect", str(graph)])
    assert res.exit_code == 0, res.output
    assert "format entra-signin, 6 rows inspected" in res.output


def test_ecs_alerts_name_the_user_and_address(kit: dict[str, Any]) -> None:
    d = kit["dir"]
    for fmt, events, address, user in (
            ("okta", _lines(kit["okta-test"]), ("client", "ipAddress"), ("actor", "alternateId")),
            ("entra", (d / "entra-test-diag.jsonl").read_text(), ("ipAddress",), ("userPrincipalName",))):
        res = runner.invoke(app, ["stream", str(d / f"{fmt}-model"), "--alert-format", "ecs"], input=events)
        assert res.exit_code == 0, res.output
        doc = json.loads(res.stdout.splitlines()[0])
        event = kit[f"{fmt}-test"][doc["hourglass"]["row"]]
        value = event
        for part in address:
            value = value[part]
        assert doc["source"]["ip"] == value
        value = event
        for part in user:
            value = value[part]
        assert doc["user"]["name"] == value
        assert doc["event"]["category"] == ["intrusion_detection", "authentication"]


def test_the_service_scores_nested_events_as_the_file(kit: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    d = kit["dir"]
    rows = [_diagnostic(s) for s in kit["entra-test"][:40]]  # envelopes, sign-ins under 'properties'
    pages = [{"records": rows[:15]}, {"records": rows[15:30]},  # Event Hub messages, a Graph page
             {"@odata.context": "x", "value": kit["entra-test"][30:40]}]
    with TestClient(create_app(d / "entra-model", api_key="k" * 32)) as client:
        r = client.post("/score", json={"rows": rows}, headers={"X-API-Key": "k" * 32})
        paged = client.post("/score", json={"rows": pages}, headers={"X-API-Key": "k" * 32})
        bad = client.post("/score", json={"rows": [rows[0], {"records": [rows[1], "x"]}]},
                          headers={"X-API-Key": "k" * 32})
        other = [rows[0], _diagnostic(kit["entra-test"][1], "AuditLogs")]
        audit = client.post("/score", json={"rows": other}, headers={"X-API-Key": "k" * 32})
    assert r.status_code == 200, r.text
    np.testing.assert_allclose(r.json()["scores"], kit["entra-scores"][:40], rtol=1e-4)
    assert paged.status_code == 200, paged.text
    np.testing.assert_allclose(paged.json()["scores"], kit["entra-scores"][:40], rtol=1e-4)
    assert bad.status_code == 422
    assert bad.json()["detail"] == "row 2: event 2 of its page is no JSON object (a string)"
    assert audit.status_code == 422
    assert audit.json()["detail"].startswith("row 2: a record of category 'AuditLogs', not a sign-in")
