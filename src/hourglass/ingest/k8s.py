"""Kubernetes API-server audit events (``audit.k8s.io/v1`` ``Event``): one a line, as the log
backend writes them (``--audit-log-path``), or ``EventList`` documents (``{"kind": "EventList",
"items": [...]}``: what the webhook backend sends, one a line or pretty-printed). A core
Kubernetes ``Event`` (``kubectl get events -o json``: pods scheduled, images pulled) is no audit
event and is refused by name.

Each audit event is one row of the fields that say who did what to which object, and how it
went; the rest is left out:

* ``requestReceivedTimestamp`` is the event time (``stageTimestamp`` where it is missing);
* ``level``, ``stage``, ``verb``, ``objectRef.resource``, ``.subresource``, ``.namespace``,
  ``.apiGroup``, ``.apiVersion``, ``responseStatus.code``, ``.status`` and ``.reason`` and
  ``authorization.decision`` (the ``authorization.k8s.io/decision`` annotation: ``allow``,
  ``forbid``) are categories;
* ``user.username``, ``impersonatedUser.username``, ``userAgent`` and ``authorization.reason``
  (the annotation: which binding allowed it) are hashed; ``user.groups`` is the user's groups
  sorted and joined by ``,`` (a category);
* ``requestPath`` is ``requestURI`` without its query (``?watch=true&resourceVersion=...``
  makes nearly every URI unique), and ``objectRef.name`` the object's name: columns to keep with
  an alert, no features (the names of pods, replica sets and leases carry generated suffixes,
  one per object; ``objectRef`` says which kind of object in which namespace). A request for no
  object (``/healthz``, ``/metrics``, ``/version``, API discovery) has its path as
  ``nonResourcePath`` too, a category;
* ``sourceIP`` is the last of ``sourceIPs``: the address the API server's connection came from
  (the list is the ``X-Forwarded-For`` header's addresses, then ``X-Real-Ip``'s, then the
  connection's own: all but the last are whatever the client wrote), ECS ``source.ip``;
  ``sourceIPs.first`` is the first where the list holds more than one (the client the request
  claims, a proxy's client: no ECS field, as anyone can set it), ``sourceIPs.count`` how many
  there were (proxies in between);
* left out: ``auditID`` (one per request), ``requestObject`` and ``responseObject`` (the
  request's and response's bodies: free-form, as large as the objects, present only at the
  ``Request``/``RequestResponse`` levels), ``user.uid``, ``user.extra``, ``objectRef.uid`` and
  ``.resourceVersion``, ``responseStatus.message`` and ``.details`` (free text), the other
  annotations and ``stageTimestamp``.

Every one of those columns (but the time, ``verb`` and ``sourceIPs.count``) is in every row,
missing where the event has no value: a baseline without impersonation or subresources still gives the model
``impersonatedUser.username`` and ``objectRef.subresource``, so a ``pods/exec`` as
``system:admin`` is a value it never saw, not a column it was not trained on.

Stages: every audit event is a row, whatever its stage. A request is logged once per stage its
policy does not omit (``RequestReceived``, then ``ResponseStarted`` for a long watch, then
``ResponseComplete``, or ``Panic``); the ``stage`` column tells them apart, so a model learns
each stage's shape (``RequestReceived`` carries no response), and a request that never
completes is itself seen. Keeping every record keeps rows and lines one to one (an alert's row
is the event's place in the file, in ``score`` and in ``stream`` alike); most clusters' policies
omit ``RequestReceived`` anyway (``omitStages``), and a file can be filtered before training
(``jq -c 'select(.stage == "ResponseComplete")'``).

A model per user is the entity path: ``--entity-col user.username --bucket 1h``.

Examples
--------
>>> looks_like_k8s_audit(b'{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata",'
...                      b'"auditID":"1","stage":"ResponseComplete","verb":"get"}\\n')
True
>>> K8S_AUDIT.time_col, K8S_AUDIT.roles["verb"], K8S_AUDIT.roles["user.username"]
('requestReceivedTimestamp', 'categorical', 'hash')
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

__all__ = ["K8S_AUDIT", "K8S_AUDIT_ROLES", "looks_like_k8s_audit"]

_WRAPPERS = ("items",)
#: What comes before an EventList's items as Kubernetes writes one: kind, apiVersion, metadata.
_LEAD = rb'"(?:kind|apiVersion)"\s*:\s*"[^"]*"|"metadata"\s*:\s*\{[^{}]*\}'
#: The row's fields taken as they are: column -> path in the event.
_COPIED: dict[str, tuple[str, ...]] = {
    "level": ("level",), "stage": ("stage",), "verb": ("verb",),
    "user.username": ("user", "username"), "impersonatedUser.username": ("impersonatedUser", "username"),
    "userAgent": ("userAgent",),
    **{f"objectRef.{k}": ("objectRef", k) for k in ("resource", "subresource", "namespace", "name",
                                                     "apiGroup", "apiVersion")},
    **{f"responseStatus.{k}": ("responseStatus", k) for k in ("code", "status", "reason")},
}
_TIME, _STAGE_TIME = "requestReceivedTimestamp", "stageTimestamp"
_DECISION, _REASON = "authorization.k8s.io/decision", "authorization.k8s.io/reason"
K8S_AUDIT_ROLES: dict[str, str] = {
    **{c: "drop" for c in (_TIME, "requestPath", "objectRef.name")},
    **{c: "categorical" for c in ("level", "stage", "verb", "objectRef.resource", "objectRef.subresource",
                                  "objectRef.namespace", "objectRef.apiGroup", "objectRef.apiVersion",
                                  "responseStatus.code", "responseStatus.status", "responseStatus.reason",
                                  "authorization.decision", "user.groups", "nonResourcePath")},
    **{c: "hash" for c in ("user.username", "impersonatedUser.username", "userAgent",
                           "authorization.reason")},
    "sourceIP": "ip", "sourceIPs.first": "ip",
    "sourceIPs.count": "numeric",
}
#: The row's columns every event has, as a missing value where it has none (all but the time and
#: the verb, which a file of audit events must have: a file of another kind is refused for
#: lacking them): a field that no event of a training baseline has (no impersonation, no
#: subresource such as pods/exec, no proxied client) is still a column of the model, whose first
#: value when scoring is one it never saw, not a column the model was not trained on, ignored.
#: The count excepted (:func:`~hourglass.ingest.jsondoc.always_columns`).
_ALWAYS = always_columns(K8S_AUDIT_ROLES, but=(_TIME, "verb"))
_KIND = "a Kubernetes API-server audit log"
#: An audit event's markers, for a first event larger than the sniffed head (its bodies logged).
_MARKS = (re.compile(rb'"kind"\s*:\s*"Event"'), re.compile(rb'"apiVersion"\s*:\s*"audit\.k8s\.io/'))


def _audit_version(value: object) -> bool:
    return isinstance(value, str) and value.startswith("audit.k8s.io/")


def looks_like_k8s_audit(head: bytes) -> bool:
    """Whether a file's first bytes are Kubernetes audit events: the first event (of a JSON
    line, or of an ``EventList``) is of kind ``Event`` and an ``audit.k8s.io`` apiVersion, or
    (a shipper having left those out) has ``auditID``, ``stage``, ``verb`` and ``requestURI``. A
    first event that runs past ``head`` (a ``RequestResponse`` event with its bodies) is one when
    its first 4 KB name that kind and apiVersion, as its own (top-level) keys.

    Examples
    --------
    >>> looks_like_k8s_audit(b'{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},'
    ...                      b'"items":[{"kind":"Event","apiVersion":"audit.k8s.io/v1"}]}')
    True
    >>> looks_like_k8s_audit(b'{"kind":"Event","apiVersion":"v1","reason":"Pulled"}\\n')
    False
    """
    obj = first_event(head, _WRAPPERS, _LEAD)
    if obj is None:
        cut = cut_event_head(head, _WRAPPERS, _LEAD)
        # (its own keys: an event nested in another object, an Elasticsearch _source, is none)
        return cut is not None and {"kind", "apiVersion"} <= top_keys(cut) \
            and all(m.search(cut) for m in _MARKS)
    if obj.get("kind") == "Event" and _audit_version(obj.get("apiVersion")):
        return True
    return {"auditID", "stage", "verb", "requestURI"} <= obj.keys()


def _core_event(record: dict[str, Any]) -> bool:
    """Whether ``record`` is a core Kubernetes ``Event`` (``v1``, ``events.k8s.io``), not an
    audit event."""
    return record.get("kind") == "Event" and isinstance(record.get("apiVersion"), str) and \
        not _audit_version(record["apiVersion"])


_CORE_MESSAGE = ("a Kubernetes core Event (kubectl get events: {what}), not an API-server audit event; "
                 "give the API server's audit log (--audit-log-path, or the audit webhook's EventLists)")


@dataclass(frozen=True)
class _K8sAuditSpec(JsonEventsSpec):
    """Kubernetes audit events: JSON lines read in chunks, EventLists read whole; each event as
    the row of its chosen fields (bodies, ids and free text left out)."""

    def event(self, record: dict[str, Any]) -> dict[str, Any]:
        """The event's row (see the module's description), every column but the time and the verb
        there even where the event has no value for it (``None``: ``impersonatedUser.username``
        without impersonation), so that a field no training event had is a column of the model;
        a row of this format gives itself again, and a record refused by :meth:`refusal` is left
        as it is (for :meth:`check`).

        Examples
        --------
        >>> row = K8S_AUDIT.event({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "verb": "list",
        ...     "requestURI": "/api/v1/pods?limit=500", "user": {"username": "ann", "groups":
        ...     ["system:authenticated", "dev"]}, "sourceIPs": ["10.0.0.9", "192.0.2.1"],
        ...     "objectRef": {"resource": "pods", "apiVersion": "v1"}, "requestObject": {"spec": {}},
        ...     "requestReceivedTimestamp": "2026-01-05T08:00:00.000000Z"})
        >>> {k: v for k, v in row.items() if v is not None}
        ... # doctest: +NORMALIZE_WHITESPACE
        {'verb': 'list', 'user.username': 'ann', 'objectRef.resource': 'pods', 'objectRef.apiVersion': 'v1',
         'requestReceivedTimestamp': '2026-01-05T08:00:00.000000Z', 'requestPath': '/api/v1/pods',
         'user.groups': 'dev,system:authenticated', 'sourceIP': '192.0.2.1', 'sourceIPs.first': '10.0.0.9',
         'sourceIPs.count': 2}
        >>> row["impersonatedUser.username"], row["objectRef.subresource"]  # (columns all the same)
        (None, None)
        >>> K8S_AUDIT.event(row) == row
        True
        """
        if _core_event(record):
            return record
        out = {c: v for c, path in _COPIED.items() if (v := field_at(record, path)) is not None}
        when = record.get(_TIME)
        if when is None:
            when = record.get(_STAGE_TIME)
        if when is not None:
            out[_TIME] = when
        uri = record.get("requestURI")
        if isinstance(uri, str):
            out["requestPath"] = uri.split("?", 1)[0]
            if not isinstance(record.get("objectRef"), dict):
                out["nonResourcePath"] = out["requestPath"]
        else:
            for c in ("requestPath", "nonResourcePath"):
                if record.get(c) is not None:
                    out[c] = record[c]
        groups = field_at(record, ("user", "groups"))
        if isinstance(groups, list):
            out["user.groups"] = ",".join(sorted(map(str, groups)))
        elif groups is not None:
            out["user.groups"] = groups
        ips = record.get("sourceIPs")
        if isinstance(ips, list):
            out["sourceIP"] = ips[-1] if ips else None  # the connection's own: the others, claimed
            if len(ips) > 1:
                out["sourceIPs.first"] = ips[0]
            out["sourceIPs.count"] = len(ips)
        else:
            for c in ("sourceIP", "sourceIPs.first", "sourceIPs.count"):
                if record.get(c) is not None:
                    out[c] = record[c]
        notes = record.get("annotations")
        for c, key in (("authorization.decision", _DECISION), ("authorization.reason", _REASON)):
            value = notes.get(key) if isinstance(notes, dict) else record.get(c)
            if value is not None:
                out[c] = value
        for c in _ALWAYS:  # (see _ALWAYS: a field no event of a baseline has is a column still)
            out.setdefault(c, None)
        return out

    def refusal(self, record: dict[str, Any]) -> str | None:
        """A core Kubernetes ``Event`` is refused by name.

        Examples
        --------
        >>> K8S_AUDIT.refusal({"kind": "Event", "apiVersion": "v1", "reason": "Pulled"}).split(";")[0]
        'a Kubernetes core Event (kubectl get events: apiVersion v1), not an API-server audit event'
        """
        if _core_event(record):
            return _CORE_MESSAGE.format(what=f"apiVersion {record['apiVersion']}")
        return None

    def check(self, df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
        if "apiVersion" in df.columns and "kind" in df.columns:  # left as they were: refused records
            core = df[(df["kind"] == "Event") & df["apiVersion"].notna()]
            if len(core):
                message = _CORE_MESSAGE.format(what=f"apiVersion {core['apiVersion'].iloc[0]}")
                raise InputError(f"{path}: {message}")


#: Kubernetes API-server audit events (``--format k8s-audit``).
K8S_AUDIT = _K8sAuditSpec(
    name="k8s-audit", columns=None, label_col=None, normal=(), fmt="jsonl", roles=K8S_AUDIT_ROLES,
    sniffer=looks_like_k8s_audit, time_col=_TIME, wrappers=_WRAPPERS, lead=_LEAD, kind=_KIND,
    required=(_TIME, "verb"),
    description="Kubernetes API-server audit events (audit.k8s.io Event: one a line, or EventList "
                "documents); who, verb, object, response, decision; every stage a row; request/"
                "response bodies, auditID and other ids left out")
