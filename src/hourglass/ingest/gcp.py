"""Google Cloud Audit Logs: ``LogEntry`` records whose ``protoPayload`` is a
``type.googleapis.com/google.cloud.audit.AuditLog``, one a line (a log sink's export to Cloud
Storage, a Pub/Sub subscriber's messages), or as a JSON array (``gcloud logging read
--format=json``) or the Logging API's page (``entries.list``: ``{"entries": [...]}``). A log entry
that is no audit log (a ``jsonPayload`` or ``textPayload``: an application's or a VPC flow log's
entry, a payload of another type) is refused by name.

Each audit log entry is one row of the fields that say who called which method of which service
on which resource, from where, and how it went; the rest is left out:

* ``timestamp`` is the event time;
* ``logKind`` is the audit log the entry came from, the end of its ``logName``
  (``projects/P/logs/cloudaudit.googleapis.com%2Factivity``): ``activity``, ``data_access``,
  ``system_event`` or ``policy``;
* ``severity``, ``resource.type``, ``resource.labels.project_id``, its ``zone``, ``region`` or
  ``location`` label where it has one, ``protoPayload.serviceName``, ``.methodName`` and
  ``.status.code`` (absent, as the API leaves out a zero, is ``0``: OK; ``7`` is
  ``PERMISSION_DENIED``) are categories;
* ``protoPayload.resourceName``, ``.authenticationInfo.principalEmail`` and
  ``.requestMetadata.callerSuppliedUserAgent`` are hashed; ``.requestMetadata.callerIp`` is an
  address (``private`` or ``gce-internal-ip`` read as no address);
* the caller, ``protoPayload.authenticationInfo.principalEmail``, is its ``principalSubject``
  where it has no ``principalEmail``: a third-party identity of Workforce or Workload Identity
  Federation (``principal://iam.googleapis.com/locations/global/workforcePools/...``) has only
  that. One column is the caller (the entity of a per-caller model, ECS ``user.name``), whichever
  field named it;
* ``protoPayload.authorizationInfo`` (one check a resource and permission) becomes
  ``protoPayload.authorizationInfo.count`` (how many checks), ``.granted`` (``granted``: all
  were, ``denied``: one was not, ``none``: no check; a check without ``granted`` was not, as the
  API leaves out a false) and ``.permission`` (the first check's permission); an ``AuditLog``
  without ``authorizationInfo`` made no check (proto3's JSON leaves out an empty list): count
  ``0``, ``none``;
* ``protoPayload.numResponseItems`` (what a list call returned) is a number: an int64, written
  as a string of digits (or a JSON integer); anything else (``"1e308"``, ``"Infinity"``, a
  fraction) is missing. A missing count stays missing, not ``0``: proto3 leaves out a zero, but
  most methods are no list calls and carry none either; ``protoPayload.methodName`` tells a list
  call that returned nothing from a call of another method;
* left out: ``insertId``, ``receiveTimestamp``, ``operation``, ``trace``, ``labels``, the
  request's and response's bodies (``protoPayload.request``, ``.response``, ``.metadata``,
  ``.serviceData``, ``.resourceOriginalState``: each method its own, free-form), the request's
  attributes and the resource's other labels (ids).

Every one of those columns (but ``timestamp``, ``protoPayload.methodName`` and the counts) is
in every row, missing where the entry has no value: a baseline of zonal resources still gives
the model ``resource.labels.region``, so a call on a regional resource is a value it never saw,
not a column it was not trained on (a count no training entry had would be no feature, its
values ignored unsaid: it stays a column the model was not trained on, named when scored).

A model per caller is the entity path: ``--entity-col protoPayload.authenticationInfo.principalEmail
--bucket 1h``.

Examples
--------
>>> looks_like_gcp_audit(b'{"protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog", '
...                      b'"methodName": "v1.compute.instances.insert"}}\\n')
True
>>> GCP_AUDIT.time_col, GCP_AUDIT.roles["protoPayload.methodName"], GCP_AUDIT.roles["logKind"]
('timestamp', 'categorical', 'categorical')
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hourglass.errors import InputError
from hourglass.ingest.jsondoc import JsonEventsSpec, always_columns, cut_event_head, field_at, first_event
from hourglass.ingest.tables import top_keys

__all__ = ["GCP_AUDIT", "GCP_AUDIT_ROLES", "looks_like_gcp_audit"]

_AUDIT_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog"
_WRAPPERS = ("entries",)
_P = "protoPayload"
_AUTHZ = f"{_P}.authorizationInfo"
#: The row's fields taken as they are: column -> path in the entry.
_COPIED: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp",), "severity": ("severity",), "resource.type": ("resource", "type"),
    **{f"resource.labels.{k}": ("resource", "labels", k)
       for k in ("project_id", "zone", "region", "location")},
    **{f"{_P}.{k}": (_P, k) for k in ("serviceName", "methodName", "resourceName")},
    f"{_P}.authenticationInfo.principalEmail": (_P, "authenticationInfo", "principalEmail"),
    **{f"{_P}.requestMetadata.{k}": (_P, "requestMetadata", k)
       for k in ("callerIp", "callerSuppliedUserAgent")},
}
GCP_AUDIT_ROLES: dict[str, str] = {
    "timestamp": "drop",
    **{c: "categorical" for c in ("logKind", "severity", "resource.type", "resource.labels.project_id",
                                  "resource.labels.zone", "resource.labels.region",
                                  "resource.labels.location",
                                  f"{_P}.serviceName", f"{_P}.methodName", f"{_P}.status.code",
                                  f"{_AUTHZ}.granted", f"{_AUTHZ}.permission")},
    **{c: "hash" for c in (f"{_P}.resourceName", f"{_P}.authenticationInfo.principalEmail",
                           f"{_P}.requestMetadata.callerSuppliedUserAgent")},
    f"{_P}.requestMetadata.callerIp": "ip",
    **{c: "numeric" for c in (f"{_AUTHZ}.count", f"{_P}.numResponseItems")},
}
#: The row's columns every audit entry has, as a missing value where it has none (all but the
#: time and the method, which a file of audit entries must have: a file of another kind is refused
#: for lacking them), so that a field no entry of a training baseline has (a region label where
#: every resource was zonal, a caller's user agent) is still a column of the model, whose first
#: value when scoring is one it never saw, not a column the model was not trained on, ignored.
#: The counts excepted (:func:`~hourglass.ingest.jsondoc.always_columns`): a count no training
#: entry had, ``numResponseItems``, would be dropped as constant, its values ignored unsaid.
_ALWAYS = always_columns(GCP_AUDIT_ROLES, but=("timestamp", "protoPayload.methodName"))
_KIND = "a Google Cloud audit log"
_CALLER = f"{_P}.authenticationInfo.principalEmail"
_LOGS = "cloudaudit.googleapis.com"
#: An audit log entry's markers, for a first entry larger than the sniffed head (its bodies).
_MARKS = re.compile(rb'"' + re.escape(_AUDIT_TYPE.encode()) + rb'"|"logName"\s*:\s*"[^"]*'
                    + re.escape(_LOGS.encode()))


def _audit_payload(record: dict[str, Any]) -> bool:
    payload = record.get(_P)
    return isinstance(payload, dict) and str(payload.get("@type", "")).endswith("google.cloud.audit.AuditLog")


def looks_like_gcp_audit(head: bytes) -> bool:
    """Whether a file's first bytes are Google Cloud audit logs: the first entry (of a JSON line,
    a ``gcloud`` array or an ``entries.list`` page) has a ``protoPayload`` of type ``AuditLog``, or
    a ``protoPayload`` and a ``logName`` of ``cloudaudit.googleapis.com``. A first entry that runs
    past ``head`` (a ``gcloud`` array of entries with their bodies) is one when its first 4 KB name
    the ``AuditLog`` type or a ``cloudaudit.googleapis.com`` log, and a ``protoPayload`` or
    ``logName`` of its own (top-level).

    Examples
    --------
    >>> looks_like_gcp_audit(b'[{"logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity", '
    ...                      b'"protoPayload": {"methodName": "SetIamPolicy"}}]')
    True
    >>> looks_like_gcp_audit(b'{"logName": "projects/p/logs/app", "jsonPayload": {"msg": "hi"}}\\n')
    False
    """
    obj = first_event(head, _WRAPPERS)
    if obj is None:
        cut = cut_event_head(head, _WRAPPERS)
        # (its own keys: an entry nested in another object, an Elasticsearch _source, is none)
        return cut is not None and _MARKS.search(cut) is not None and bool({_P, "logName"} & top_keys(cut))
    return _audit_payload(obj) or (isinstance(obj.get(_P), dict) and _LOGS in str(obj.get("logName", "")))


def _log_kind(log_name: str) -> str:
    """The audit log of a ``logName``: what follows ``cloudaudit.googleapis.com/`` (``%2F``).

    Examples
    --------
    >>> _log_kind("projects/p/logs/cloudaudit.googleapis.com%2Fdata_access"), _log_kind("folders/1/logs/x")
    ('data_access', 'x')
    """
    log = log_name.rsplit("/logs/", 1)[-1].replace("%2F", "/").replace("%2f", "/")
    return log.split(_LOGS + "/", 1)[-1]


def _refusal(record: dict[str, Any]) -> str | None:
    """What a log entry that is no audit log is told (``None`` for an audit log entry or a row)."""
    found: str | None = next((k for k in ("jsonPayload", "textPayload") if k in record), None)
    if found is None:
        kind = field_at(record, (_P, "@type"))
        if kind is None or str(kind).endswith("google.cloud.audit.AuditLog"):
            return None
        found = f"a protoPayload of type {kind}"
    elif isinstance(record.get(_P), dict) or any(str(k).startswith(_P + ".") for k in record):
        # a protoPayload, nested or flattened ("protoPayload.methodName": a row made again) of type
        # AuditLog, or untyped (as the format takes one) beside empty payloads (a null textPayload:
        # a serializer writing every field)
        kind = field_at(record, (_P, "@type"))
        empty = all(record.get(k) in (None, {}, "") for k in ("jsonPayload", "textPayload"))
        if str(kind).endswith("google.cloud.audit.AuditLog") or (kind is None and empty):
            return None
    return (f"a log entry with {found}, not an audit log (a protoPayload of type {_AUDIT_TYPE}); "
            "export the audit logs only (a sink or 'gcloud logging read' filtered on "
            "logName:\"cloudaudit.googleapis.com\")")


_INT64 = re.compile(r"[+-]?\d{1,19}")


def _int64(value: object) -> int | None:
    """An int64 as protobuf's JSON writes one (a string of digits) or a JSON integer, else ``None``
    (a fraction, an exponent, ``Infinity``, ``NaN``, a boolean, text, out of the int64 range).

    Examples
    --------
    >>> _int64("12"), _int64(3), _int64("1e308"), _int64("Infinity"), _int64(2.5), _int64(True)
    (12, 3, None, None, None, None)
    """
    if isinstance(value, str) and _INT64.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if -(2 ** 63) <= value < 2 ** 63 else None


@dataclass(frozen=True)
class _GcpAuditSpec(JsonEventsSpec):
    """Google Cloud audit logs: JSON lines read in chunks, ``gcloud`` arrays and ``entries.list``
    pages read whole; each entry as the row of its chosen fields (bodies and ids left out)."""

    def event(self, record: dict[str, Any]) -> dict[str, Any]:
        """The entry's row (see the module's description), every column but the time and the
        method there even where the entry has no value for it (``None``: a ``region`` label of a
        zonal resource), so that a field no training entry had is a column of the model; a row of
        this format gives itself again, and a record refused by :meth:`refusal` is left as it is
        (for :meth:`check`), its ``jsonPayload`` or ``textPayload`` as ``true`` (an empty or null
        one found there too).

        Examples
        --------
        >>> row = GCP_AUDIT.event({"logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity",
        ...     "timestamp": "2026-01-05T08:00:00Z", "protoPayload": {"@type": _AUDIT_TYPE,
        ...     "methodName": "SetIamPolicy", "status": {}, "request": {"policy": {}},
        ...     "authorizationInfo": [{"permission": "p.setIamPolicy", "granted": True},
        ...                           {"permission": "q"}]}})
        >>> {k: v for k, v in row.items() if v is not None}
        ... # doctest: +NORMALIZE_WHITESPACE
        {'timestamp': '2026-01-05T08:00:00Z', 'protoPayload.methodName': 'SetIamPolicy',
         'logKind': 'activity', 'protoPayload.status.code': 0, 'protoPayload.authorizationInfo.count': 2,
         'protoPayload.authorizationInfo.granted': 'denied',
         'protoPayload.authorizationInfo.permission': 'p.setIamPolicy'}
        >>> row["resource.labels.region"], row["protoPayload.requestMetadata.callerIp"]  # (columns still)
        (None, None)
        >>> GCP_AUDIT.event(row) == row
        True
        """
        if _refusal(record) is not None:  # its payload marked, so that check finds even an empty one
            found = next((k for k in ("jsonPayload", "textPayload") if k in record), None)
            return record if found is None else {**record, found: True}
        out = {c: v for c, path in _COPIED.items() if (v := field_at(record, path)) is not None}
        log = record.get("logName")
        if isinstance(log, str):
            out["logKind"] = _log_kind(log)
        elif record.get("logKind") is not None:
            out["logKind"] = record["logKind"]
        payload = record.get(_P)
        if isinstance(payload, dict) or f"{_P}.status.code" in record:
            code = field_at(record, (_P, "status", "code"))
            out[f"{_P}.status.code"] = 0 if code is None else code
        if _CALLER not in out:  # a federated identity (Workforce/Workload Identity): no email
            subject = field_at(record, (_P, "authenticationInfo", "principalSubject"))
            if subject is not None:
                out[_CALLER] = subject
        checks = field_at(record, (_P, "authorizationInfo"))
        if checks is None and isinstance(payload, dict):  # proto3 JSON leaves out an empty list
            checks = []
        if isinstance(checks, list):
            granted = [isinstance(c, dict) and c.get("granted") is True for c in checks]
            first = checks[0] if checks and isinstance(checks[0], dict) else {}
            out[f"{_AUTHZ}.count"] = len(checks)
            out[f"{_AUTHZ}.granted"] = "none" if not checks else "granted" if all(granted) else "denied"
            if first.get("permission") is not None:
                out[f"{_AUTHZ}.permission"] = first["permission"]
        else:
            for c in (f"{_AUTHZ}.count", f"{_AUTHZ}.granted", f"{_AUTHZ}.permission"):
                if record.get(c) is not None:
                    out[c] = record[c]
        items = _int64(field_at(record, (_P, "numResponseItems")))
        if items is not None:
            out[f"{_P}.numResponseItems"] = items
        for c in _ALWAYS:  # (see _ALWAYS: a field no entry of a baseline has is a column still)
            out.setdefault(c, None)
        return out

    def refusal(self, record: dict[str, Any]) -> str | None:
        """A log entry with a ``jsonPayload``, a ``textPayload`` or a ``protoPayload`` of another
        type is refused by name; one whose ``protoPayload`` is an ``AuditLog`` is an audit log,
        whatever payload keys beside it (a ``textPayload`` of ``null``) it has, and so is one whose
        ``protoPayload`` has no ``@type`` when its ``jsonPayload``/``textPayload`` is null or empty.

        Examples
        --------
        >>> GCP_AUDIT.refusal({"logName": "projects/p/logs/app", "jsonPayload": {"m": 1}}).split(" (")[0]
        'a log entry with jsonPayload, not an audit log'
        """
        return _refusal(record)

    def check(self, df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
        for c in map(str, df.columns):  # refused records were left as they were
            if c not in ("textPayload", f"{_P}.@type") and c.split(".")[0] != "jsonPayload":
                continue
            found = df[c].dropna()
            if c == f"{_P}.@type":  # (an audit entry's own type is no refusal)
                found = found[~found.astype(str).str.endswith("google.cloud.audit.AuditLog")]
            if len(found):
                record = {_P: {"@type": found.iloc[0]}} if c == f"{_P}.@type" else {c.split(".")[0]: 1}
                raise InputError(f"{path}: {_refusal(record)}")


#: Google Cloud audit logs (``--format gcp-audit``).
GCP_AUDIT = _GcpAuditSpec(
    name="gcp-audit", columns=None, label_col=None, normal=(), fmt="jsonl", roles=GCP_AUDIT_ROLES,
    sniffer=looks_like_gcp_audit, time_col="timestamp", wrappers=_WRAPPERS, kind=_KIND,
    required=("timestamp", f"{_P}.methodName"),
    description="Google Cloud Audit Logs (LogEntry with an AuditLog protoPayload: one a line, or a "
                "'gcloud logging read --format=json' array); caller, method, resource, status, "
                "permission checks summarised; request/response bodies and ids left out")
