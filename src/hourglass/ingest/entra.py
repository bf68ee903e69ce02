"""Microsoft Entra ID (formerly Azure AD) sign-in logs, in the two shapes Microsoft documents:

* Microsoft Graph's ``signIn`` resource (``/auditLogs/signIns``): one a line, or the API's
  page as it comes (``{"@odata.context": ..., "value": [...]}``; several pages one after the
  other too);
* the diagnostic-settings export (Event Hub, storage account): each record an envelope
  (``time``, ``category``, ``operationName``, ``resultType`` ...) with the sign-in under
  ``properties``; one a line, or Event Hub messages (``{"records": [...]}``). The sign-in is
  lifted out of its envelope, so both shapes give the same columns and a model trained on one
  scores the other; the envelope's ``category`` (``SignInLogs``, ``NonInteractiveUserSignInLogs``,
  ``ServicePrincipalSignInLogs``, ``ManagedIdentitySignInLogs``) is kept, and its ``time`` (or
  ``TimeGenerated``) stands for a missing ``createdDateTime``. A Graph ``signIn`` gets the
  ``category`` its ``signInEventTypes`` name (``nonInteractiveUser``:
  ``NonInteractiveUserSignInLogs`` ...), ``SignInLogs`` without them (what ``/auditLogs/signIns``
  lists by default: interactive sign-ins).

Refused by name: other Entra categories (``AuditLogs`` ...: not sign-ins) and the Log
Analytics ``SigninLogs`` table as a query exports it (PascalCase columns, ``TimeGenerated``,
nested fields as JSON text): export the sign-ins from Graph or a diagnostic setting instead.

Each sign-in is one row, nested objects as dotted columns (``status.errorCode``,
``location.countryOrRegion``, ``deviceDetail.operatingSystem``). What the format adds:

* ``createdDateTime`` is the event time;
* ids are no features: ``id``, ``correlationId``, ``userId``, ``appId``, ``resourceId`` and
  every other field named ``...Id`` (tenant, service principal, device ids), the token's
  unique identifier, the coordinates, and the lists of policies and authentication steps
  (``appliedConditionalAccessPolicies``, ``authenticationDetails`` ...: ids and times);
  ``status.failureReason`` and ``status.additionalDetails`` are free text that
  ``status.errorCode`` says;
* apps, client apps (``Browser``, ``Exchange ActiveSync``, ``IMAP4`` ...), conditional-access
  statuses, risk levels and states, error codes, countries, states, operating systems,
  compliance and trust flags, authentication requirements and token issuer types are
  categories; user names (``userPrincipalName``, ``userDisplayName``), user agents, browsers
  (with their versions), cities, device names and AS numbers, many-valued, are hashed;
  ``ipAddress`` is an address. A model per user is the entity path:
  ``--entity-col userPrincipalName --bucket 1h``.

Examples
--------
>>> looks_like_entra_signin(b'{"id": "1", "createdDateTime": "2026-01-05T08:00:00Z", '
...                         b'"userPrincipalName": "ann@contoso.com", "appDisplayName": "Office 365", '
...                         b'"status": {"errorCode": 0}}\\n')
True
>>> ENTRA_SIGNIN.time_col, ENTRA_SIGNIN.roles["clientAppUsed"], ENTRA_SIGNIN.roles["userPrincipalName"]
('createdDateTime', 'categorical', 'hash')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hourglass.errors import InputError
from hourglass.ingest.jsondoc import JsonEventsSpec, first_event

__all__ = ["ENTRA_SIGNIN", "ENTRA_SIGNIN_ROLES", "SIGNIN_CATEGORIES", "looks_like_entra_signin"]

#: The diagnostic-settings categories of sign-ins.
SIGNIN_CATEGORIES = frozenset({"SignInLogs", "NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs",
                               "ManagedIdentitySignInLogs", "ADFSSignInLogs"})
_WRAPPERS = ("value", "records")
#: A Graph signIn's ``signInEventTypes`` -> the diagnostic-settings category of such sign-ins.
_EVENT_TYPE_CATEGORIES = {"interactiveUser": "SignInLogs",
                          "nonInteractiveUser": "NonInteractiveUserSignInLogs",
                          "servicePrincipal": "ServicePrincipalSignInLogs",
                          "managedIdentity": "ManagedIdentitySignInLogs"}
#: Lists and objects whose fields are no features (ids, times, coordinates, free text).
_DROPPED = ("appliedConditionalAccessPolicies", "authenticationDetails", "authenticationProcessingDetails",
            "networkLocationDetails", "sessionLifetimePolicies", "appliedEventListeners",
            "authenticationRequirementPolicies", "authenticationMethodsUsed", "privateLinkDetails",
            "managedServiceIdentity", "authenticationAppDeviceDetails",
            "authenticationAppPolicyEvaluationDetails",
            "tokenProtectionStatusDetails", "location.geoCoordinates", "status.additionalDetails",
            "mfaDetail.authDetail", "authenticationContextClassReferences", "signInEventTypes")
ENTRA_SIGNIN_ROLES: dict[str, str] = {
    **{c: "drop" for c in ("createdDateTime", "id", "correlationId", "userId", "appId", "resourceId",
                           "servicePrincipalId", "originalRequestId", "uniqueTokenIdentifier",
                           "status.failureReason", "processingTimeInMilliseconds", "alternateSignInName",
                           "sessionId", "resourceTenantId", "homeTenantId",
                           "appOwnerTenantId", "resourceOwnerTenantId", "federatedCredentialId",
                           "servicePrincipalCredentialKeyId", "servicePrincipalCredentialThumbprint")},
    **{c: "categorical" for c in ("appDisplayName", "clientAppUsed", "conditionalAccessStatus",
                                  "isInteractive", "riskDetail", "riskLevelAggregated",
                                  "riskLevelDuringSignIn", "riskState", "resourceDisplayName",
                                  "status.errorCode", "location.countryOrRegion", "location.state",
                                  "deviceDetail.operatingSystem", "deviceDetail.isCompliant",
                                  "deviceDetail.isManaged", "deviceDetail.trustType",
                                  "authenticationRequirement", "tokenIssuerType", "userType",
                                  "crossTenantAccessType", "incomingTokenType", "authenticationProtocol",
                                  "mfaDetail.authMethod", "clientCredentialType", "isTenantRestricted",
                                  "flaggedForReview", "signInIdentifierType", "originalTransferMethod",
                                  "category")},
    **{c: "hash" for c in ("userPrincipalName", "userDisplayName", "servicePrincipalName", "userAgent",
                           "deviceDetail.browser", "deviceDetail.displayName", "location.city",
                           "autonomousSystemNumber", "tokenIssuerName", "riskEventTypes",
                           "riskEventTypes_v2", "homeTenantName")},
    **{c: "ip" for c in ("ipAddress", "ipAddressFromResourceProvider")},
}


def _diagnostic(obj: dict[str, Any]) -> bool:
    """Whether ``obj`` is a diagnostic-settings envelope (the record under ``properties``)."""
    return isinstance(obj.get("properties"), dict) and isinstance(obj.get("category"), str) and \
        ("time" in obj or "TimeGenerated" in obj or "operationName" in obj)


def looks_like_entra_signin(head: bytes) -> bool:
    """Whether a file's first bytes are Entra sign-ins: the first event (of a JSON line, or of a
    Graph page ``{"value": [...]}`` or Event Hub message ``{"records": [...]}``) is a Graph
    ``signIn`` (``createdDateTime``, a ``status`` object, and ``userPrincipalName``,
    ``appDisplayName`` or ``clientAppUsed``) or a diagnostic envelope of a sign-in category; a
    Log Analytics ``SigninLogs`` row is taken too, to be refused by name.

    Examples
    --------
    >>> looks_like_entra_signin(b'{"records": [{"time": "2026-01-05T08:00:00.1234567Z", '
    ...                         b'"category": "SignInLogs", "properties": {"id": "1"}}]}')
    True
    >>> looks_like_entra_signin(b'{"time": "2026-01-05T08:00:00Z", "category": "AuditLogs", '
    ...                         b'"properties": {"id": "1"}}\\n')
    False
    """
    obj = first_event(head, _WRAPPERS)
    if obj is None:
        return False
    if _diagnostic(obj):
        return obj["category"] in SIGNIN_CATEGORIES
    if "TimeGenerated" in obj and "UserPrincipalName" in obj and "AppDisplayName" in obj:
        return True  # the Log Analytics table: refused by name
    return "createdDateTime" in obj and isinstance(obj.get("status"), dict) and \
        bool({"userPrincipalName", "appDisplayName", "clientAppUsed"} & obj.keys())


def _category_message(category: object) -> str:
    """What a record of another category than the sign-ins' is told."""
    return (f"a record of category {category!r}, not a sign-in; give the sign-in categories only "
            f"({', '.join(sorted(SIGNIN_CATEGORIES))})")


@dataclass(frozen=True)
class _EntraSpec(JsonEventsSpec):
    """Entra sign-ins: JSON lines read in chunks, Graph pages or Event Hub messages read whole;
    a diagnostic envelope's sign-in lifted out of ``properties``."""

    def event(self, record: dict[str, Any]) -> dict[str, Any]:
        """The sign-in: a diagnostic envelope's ``properties``, with the envelope's ``category``
        and, for a missing ``createdDateTime``, its ``time``; a Graph ``signIn`` with the category
        of its ``signInEventTypes`` (``SignInLogs`` without them), so that both shapes give the
        same columns; any other record as it is.

        Examples
        --------
        >>> row = ENTRA_SIGNIN.event({"time": "2026-01-05T08:00:00Z", "category": "SignInLogs",
        ...                           "properties": {"appDisplayName": "Azure Portal"}})
        >>> row["appDisplayName"], row["createdDateTime"], row["category"]
        ('Azure Portal', '2026-01-05T08:00:00Z', 'SignInLogs')
        >>> ENTRA_SIGNIN.event({"createdDateTime": "2026-01-05T08:00:00Z"})["category"]
        'SignInLogs'
        >>> ENTRA_SIGNIN.event({"createdDateTime": "2026-01-05T08:00:00Z",
        ...                     "signInEventTypes": ["nonInteractiveUser"]})["category"]
        'NonInteractiveUserSignInLogs'
        """
        if not _diagnostic(record):
            if "category" in record or "createdDateTime" not in record:  # a row made again, or
                return record  # no signIn (a Log Analytics row, to be refused by name)
            types = record.get("signInEventTypes")
            known = [_EVENT_TYPE_CATEGORIES[t] for t in types if isinstance(t, str)
                     and t in _EVENT_TYPE_CATEGORIES] if isinstance(types, list) else []
            return {**record, "category": known[0] if known else "SignInLogs"}
        out = dict(record["properties"])
        if out.get("createdDateTime") is None:
            out["createdDateTime"] = record.get("time", record.get("TimeGenerated"))
        out["category"] = record["category"]
        return out

    def refusal(self, record: dict[str, Any]) -> str | None:
        """A diagnostic record of another category (``AuditLogs``) is refused by name.

        Examples
        --------
        >>> ENTRA_SIGNIN.refusal({"time": "2026-01-05T08:00:00Z", "category": "AuditLogs",
        ...                       "properties": {"activityDisplayName": "Add user"}}).split(";")[0]
        "a record of category 'AuditLogs', not a sign-in"
        """
        if _diagnostic(record) and record["category"] not in SIGNIN_CATEGORIES:
            return _category_message(record["category"])
        return None

    def roles_for(self, columns: Any) -> dict[str, str]:
        """The format's roles of ``columns``: :attr:`roles`; every other field named ``...Id``
        and every field of the lists of policies and steps dropped."""
        out: dict[str, str] = {}
        for c in map(str, columns):
            if c in self.roles:
                out[c] = self.roles[c]
            elif c.startswith(_DROPPED) or c.rsplit(".", 1)[-1].endswith(("Id", "Ids")):
                out[c] = "drop"
        return out

    def check(self, df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
        if "createdDateTime" not in df.columns and {"TimeGenerated", "UserPrincipalName"} <= set(df.columns):
            raise InputError(f"{path}: the Log Analytics SigninLogs table (TimeGenerated, "
                             "UserPrincipalName ...), not sign-ins as Microsoft Graph or a diagnostic "
                             "setting exports them; export those (GET /auditLogs/signIns, or an Event Hub "
                             "or storage account diagnostic setting)")
        if "category" in df.columns:
            other = df["category"].dropna().astype(str)
            other = other[~other.isin(SIGNIN_CATEGORIES)]
            if len(other):
                raise InputError(f"{path}: records of category {other.iloc[0]!r}, not sign-ins; give "
                                 f"the sign-in categories only ({', '.join(sorted(SIGNIN_CATEGORIES))})")


#: Microsoft Entra ID sign-in logs (``--format entra-signin``).
ENTRA_SIGNIN = _EntraSpec(
    name="entra-signin", columns=None, label_col=None, normal=(), fmt="jsonl", roles=ENTRA_SIGNIN_ROLES,
    sniffer=looks_like_entra_signin, time_col="createdDateTime", wrappers=_WRAPPERS,
    kind="an Entra ID sign-in log", required=("createdDateTime",),
    description="Microsoft Entra ID (Azure AD) sign-ins: Graph signIn (one a line, or {\"value\": "
                "[...]} pages) or diagnostic-settings records (sign-in under 'properties'); ids left out")
