"""Okta System Log events (``LogEvent`` objects): one a line (the System Log API's events as
JSON lines, a SIEM export, an Event Hook's events through ``jq -c '.data.events[]'``), or the
API's page as it comes (a JSON array of events; several pages one after the other too). An
Event Hook delivery itself (``{"eventType": "com.okta.event_hook", "data": {"events": [...]}}``)
is refused by name.

Each event is one row, nested objects as dotted columns (``actor.alternateId``,
``client.geographicalContext.country``, ``securityContext.asNumber``). What the format adds:

* ``published`` is the event time;
* ids are no features: ``uuid``, ``actor.id``, ``client.id``, ``transaction.id``,
  ``authenticationContext.externalSessionId`` and the request ids of ``debugContext``;
* ``target`` (a list of the users, apps and groups the event acted on, with their ids) becomes
  ``target.count`` (how many) and ``target.type`` (the first one's type: ``User``,
  ``AppInstance``);
* of ``debugContext.debugData`` (free-form, each event type its own keys) only the stable
  fields are kept: ``risk``, ``behaviors``, ``threatSuspected``, ``factor``, ``signOnMode``;
* event types, outcomes, actor types, browsers, operating systems, zones, countries, states,
  credential types and proxy flags are categories; user names (``actor.alternateId``,
  ``actor.displayName``), raw user agents, cities, AS numbers and organisations, many-valued,
  are hashed; ``client.ipAddress`` is an address. A model per user is the entity path:
  ``--entity-col actor.alternateId --bucket 1h``.

Examples
--------
>>> looks_like_okta(b'{"uuid": "a1", "published": "2026-01-05T08:00:00.000Z", '
...                 b'"eventType": "user.session.start", "actor": {"type": "User"}}\\n')
True
>>> OKTA.time_col, OKTA.roles["eventType"], OKTA.roles["client.userAgent.rawUserAgent"]
('published', 'categorical', 'hash')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hourglass.errors import InputError
from hourglass.ingest.jsondoc import JsonEventsSpec, always_columns, first_event

__all__ = ["OKTA", "OKTA_ROLES", "looks_like_okta"]

_DEBUG = "debugContext.debugData."
_KEPT_DEBUG = ("risk", "behaviors", "threatSuspected", "factor", "signOnMode")
#: Objects whose fields are no features: ids, coordinates, the free-form rest of debugData.
_DROPPED = ("transaction.detail.", "actor.detailEntry.", "authenticationContext.issuer.",
            "client.geographicalContext.geolocation.", "request.")
OKTA_ROLES: dict[str, str] = {
    **{c: "drop" for c in ("published", "uuid", "version", "legacyEventType", "displayMessage",
                           "actor.id", "actor.detailEntry", "client.id", "transaction.id",
                           "transaction.detail", "authenticationContext.externalSessionId",
                           "authenticationContext.rootSessionId", "authenticationContext.issuer",
                           "authenticationContext.interface", "client.geographicalContext.postalCode",
                           "client.geographicalContext.geolocation", "request.ipChain", "target",
                           "debugContext.debugData", "securityContext.domain")},
    **{c: "categorical" for c in ("eventType", "severity", "outcome.result", "outcome.reason",
                                  "actor.type", "client.userAgent.browser", "client.userAgent.os",
                                  "client.zone", "client.device", "client.geographicalContext.country",
                                  "client.geographicalContext.state", "securityContext.isProxy",
                                  "authenticationContext.authenticationProvider",
                                  "authenticationContext.credentialProvider",
                                  "authenticationContext.credentialType",
                                  "authenticationContext.authenticationStep", "transaction.type",
                                  "target.type", *(_DEBUG + k for k in ("risk", "threatSuspected",
                                                                        "factor", "signOnMode")))},
    **{c: "hash" for c in ("actor.alternateId", "actor.displayName", "client.userAgent.rawUserAgent",
                           "client.geographicalContext.city", "securityContext.asNumber",
                           "securityContext.asOrg", "securityContext.isp", _DEBUG + "behaviors")},
    "client.ipAddress": "ip",
    "target.count": "numeric",
}
#: The event's fields that are features, each a column of every row, missing where an event has
#: none: ``debugContext.debugData`` holds each event type's own keys (``factor`` on an MFA
#: challenge, ``threatSuspected`` where ThreatInsight judged the request), so a training baseline
#: without them would give a model without the column, and the first ``threatSuspected: true``
#: would be a column the model was not trained on, ignored, instead of a value it never saw.
#: The count excepted (:func:`~hourglass.ingest.jsondoc.always_columns`).
_ALWAYS = always_columns(OKTA_ROLES, but=("eventType", *(c for c, r in OKTA_ROLES.items() if r == "drop")))
_HOOK = "com.okta.event_hook"
_HOOK_MESSAGE = ("Okta Event Hook deliveries (the events under 'data.events'); give the events: "
                 "jq -c '.data.events[]'")


def looks_like_okta(head: bytes) -> bool:
    """Whether a file's first bytes are Okta System Log events: the first event (of a JSON
    line, or of a JSON array: the API's page) has ``published``, ``eventType`` and an ``actor``
    object; an Event Hook delivery is taken too (whatever its ``data``), to be refused by name.

    Examples
    --------
    >>> looks_like_okta(b'[{"published": "2026-01-05T08:00:00Z", "eventType": "user.session.start", '
    ...                 b'"actor": {"alternateId": "ann@example.com"}}]')
    True
    >>> looks_like_okta(b'{"eventType": "x", "published": "2026-01-05T08:00:00Z"}\\n')
    False
    """
    obj = first_event(head, ())
    if obj is None:
        return False
    if obj.get("eventType") == _HOOK:  # whatever its data holds ({}, null): refused as check does
        return True
    return {"published", "eventType"} <= obj.keys() and isinstance(obj.get("actor"), dict)


@dataclass(frozen=True)
class _OktaSpec(JsonEventsSpec):
    """Okta: JSON lines read in chunks, or API pages (JSON arrays) read whole; ``target``
    summarised, ids and the free-form debug data left out."""

    def event(self, record: dict[str, Any]) -> dict[str, Any]:
        """The event with its ``target`` list as ``target.count`` and ``target.type`` (the first
        target's type); an event without ``target`` (left out, as a shipper that drops nulls
        does) has none, as one whose ``target`` is ``null``; a record without ``eventType`` (no
        event) is left as it is.

        Examples
        --------
        >>> OKTA.event({"eventType": "user.session.start",
        ...             "target": [{"id": "0oa1", "type": "AppInstance"}, {"type": "AppUser"}]})
        {'eventType': 'user.session.start', 'target.count': 2, 'target.type': 'AppInstance'}
        >>> OKTA.event({"eventType": "user.session.start"})
        {'eventType': 'user.session.start', 'target.count': 0, 'target.type': None}
        """
        if "target" not in record:
            if "target.count" in record or "eventType" not in record:  # a row made again, or no
                return record  # LogEvent (an object streamed to the model: none of its columns)
            return {**record, "target.count": 0, "target.type": None}
        targets = record["target"]
        out = {k: v for k, v in record.items() if k != "target"}
        if not isinstance(targets, list):
            targets = [] if targets is None else [targets]
        first = targets[0] if targets and isinstance(targets[0], dict) else {}
        out["target.count"] = len(targets)
        out["target.type"] = first.get("type")
        return out

    def refusal(self, record: dict[str, Any]) -> str | None:
        """An Event Hook delivery is refused by name (its events are under ``data.events``)."""
        if record.get("eventType") == _HOOK:  # (as check refuses one in a file, whatever its data)
            return _HOOK_MESSAGE
        return None

    def roles_for(self, columns: Any) -> dict[str, str]:
        """The format's roles of ``columns``: :attr:`roles`; every field of ``debugContext.debugData``
        but the stable ones, and of the id and coordinate objects, dropped."""
        out: dict[str, str] = {}
        for c in map(str, columns):
            if c in self.roles:
                out[c] = self.roles[c]
            elif c.startswith(_DROPPED) or (c.startswith(_DEBUG) and c[len(_DEBUG):] not in _KEPT_DEBUG):
                out[c] = "drop"
        return out

    def check(self, df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
        # (an event of the hook's type is no System Log event: a delivery, whatever its data holds)
        if "eventType" in df.columns and (df["eventType"] == _HOOK).any():
            raise InputError(f"{path}: {_HOOK_MESSAGE} FILE > okta.jsonl")


#: Okta System Log (``--format okta``).
OKTA = _OktaSpec(
    name="okta", columns=None, label_col=None, normal=(), fmt="jsonl", roles=OKTA_ROLES,
    sniffer=looks_like_okta, time_col="published", kind="an Okta System Log", always=_ALWAYS,
    required=("published", "eventType"),
    description="Okta System Log events (LogEvent): one a line, or the API's pages (JSON arrays); "
                "ids and free-form debug data left out, target[] summarised")
