"""Alerts as Elastic Common Schema (ECS 8.x) documents, for a SIEM (Elastic, OpenSearch, Splunk).

:func:`to_ecs` turns one hourglass alert (a table row, a log session or unexpected event, a
time-series step, an entity's time bucket) into one ECS document; :class:`AlertRule` says which
model raised it (:meth:`AlertRule.from_model` reads it from a saved artefact).

What goes where:

* ``@timestamp``: the event's own time when the data has one (the model's ``--timestamp-col``
  value in the row, or a ``timestamp`` given by the caller), else the time hourglass scored it;
  ``hourglass.timestamp_from`` says which (``"data"`` or ``"scoring"``). Log alerts carry no time
  of their own (they name line numbers) and use the scoring time. ``event.created`` is always
  the scoring time.
* An entity bucket (``entity``, ``bucket_start``, ``bucket_end``, ``rows``): ``@timestamp`` and
  ``event.start`` its start, ``event.end`` its end, ``event.duration`` its length (ns); the
  entity in the ECS field its column names (:data:`ECS_FIELDS`: ``src_ip`` -> ``source.ip``,
  ``hostname`` -> ``host.name``, ``user`` -> ``user.name``...), else only ``hourglass.entity``
  (an IP address there also goes to ``related.ip``); so does a log session grouped by a column
  (``--session-col``: :attr:`AlertRule.session_field`), one value of that column, or by a
  ``--session-regex`` of one key's value (``SRC=(\\S+)``: that key).
* ``event.kind`` ``"alert"``, ``event.module`` ``"hourglass"``, ``event.dataset``
  ``"hourglass.table"`` / ``"hourglass.log"`` / ``"hourglass.timeseries"`` / ``"hourglass.entity"``;
  ``event.category`` ``["intrusion_detection"]`` (plus ``"network"`` for a flow table: a model
  trained on a flow format, or a row with source/destination fields, except the API calls of
  ``k8s-audit``, ``gcp-audit`` and ``cloudtrail``, whose ``source.ip`` is a caller's address;
  ``"authentication"`` instead for sign-in logs: ``okta``, ``entra-signin``; ``"email"`` instead
  for a message trace's, whose ``email.*`` fields are named) and ``event.type`` ``["info"]``.
* What a format says of all its events: ``cloud.provider`` ``"gcp"`` for ``gcp-audit`` (a
  ``resource.labels.location`` that is a zone, ``us-central1-c``, is ``cloud.availability_zone``,
  a region ``cloud.region``), ``"aws"`` for ``cloudtrail``, ``orchestrator.type``
  ``"kubernetes"`` for ``k8s-audit``.
* ``event.severity`` from hourglass' severity level: low 21, medium 47, high 73, critical 99
  (:data:`SEVERITY_NUMBERS`: the default risk scores Elastic's detection rules give these
  levels, so larger is worse); ``event.risk_score``: the calibrated anomaly probability × 100
  (0–100).
* ``rule.name``: the model name; ``rule.id``: the artefact's content hash (the
  ``content_hash`` of its ``config.json``); ``rule.ruleset`` ``"hourglass"``.
* ``message``: one line, what was flagged and why (the explanation, or the unexpected event).
* ``hourglass.*``: the original alert (score, threshold, calibrated, severity, top_column/why,
  session and unexpected event...); kept input fields named in :data:`ECS_FIELDS` go to their
  ECS field (an address or port that is not valid for its ECS type stays under
  ``hourglass.fields``, as do all other kept fields). A Windows event (``evtx``, ``windows-json``)
  that names its computer (``Hostname``, ``Computer``) has it as ``host.name``, and the machine
  that forwarded it (``host``: a Windows Event Collector, Logstash's sender) as
  ``observer.hostname``, and so has a Winlogbeat document (``winlog.computer_name`` the host,
  ``host.name``, the machine Winlogbeat ran on, the observer); a Windows account written
  ``DOMAIN\\name`` (Sysmon's ``User``) is ``user.name`` ``name`` and ``user.domain`` ``DOMAIN``,
  as the Security log's ``SubjectUserName`` names it (and Winlogbeat's Sysmon module splits it).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from hourglass.errors import InputError
from hourglass.features.roles import (
    _GITHUB_AUDIT_TELLS,
    _GITLAB_AUDIT_TELLS,
    _NFDUMP_TELLS,
    _SILK_TELLS,
    dhcp_audit_names,
    is_ip,
    normal_leaf,
    unpadded_ipv4,
    without_port,
)
from hourglass.ingest.evtx import WINDOWS_FORMS

__all__ = ["ECS_FIELDS", "ECS_VERSION", "SEVERITY_NUMBERS", "AlertRule", "UnreadTime", "column_values",
           "ecs_column", "ecs_named", "ecs_target", "frame_alerts",
           "to_ecs", "whole_values", "with_verdict"]

ECS_VERSION = "8.11.0"

#: hourglass severity level -> ``event.severity`` (larger is worse).
SEVERITY_NUMBERS = {"low": 21, "medium": 47, "high": 73, "critical": 99}

# Windows event fields: IpAddress/IpPort (4624/4625 logons), SourceIp/DestinationIp (Sysmon 3),
# SourceAddress/DestAddress (5156), SubjectUserName (who acted) and TargetUserName (whom it acted
# on: the account logging on in 4624/4625) as winlogbeat's security module maps them. CIC-IDS2017's
# flows name the 5-tuple 'Source IP' ... 'Destination Port', NetFlow v9 (nProbe, the NF-* flow
# datasets) IPV4_SRC_ADDR ... L4_DST_PORT. A web server's access log names its client
# remote_addr and remote_user (nginx's variables, the names of its JSON log_format). The Entra
# admin center's sign-in download (CSV) names the client 'IP address' (its Graph field ipAddress);
# the identity providers' logs read as JSON lines name theirs by their own schemas: Duo's
# authentication log the device that signed in access_device.ip, Google Workspace's Reports API
# (login audit) the user actor.email, a Keycloak event the name typed details.username.
# The flow tools name the 5-tuple their own ways: nfdump's -o csv sa, da, sp, dp, pr; SiLK's rwcut
# sIP, dIP (sPort, dPort, pro); pmacct's ip_src, ip_dst, port_src, port_dst, ip_proto; IPFIX's
# information elements (YAF's super_mediator JSON, ipfix exports) sourceIPv4Address ...
# destinationTransportPort, protocolIdentifier.
_TARGETS = {
    "source.ip": ("src_ip", "srcip", "source_ip", "src_addr", "saddr", "id.orig_h", "src ip",
                  "ipaddress", "sourceip", "sourceaddress", "src", "srcaddr", "sourceipaddress",
                  "client.ipaddress", "source ip", "ipv4_src_addr", "ipv6_src_addr", "remote_addr",
                  "client_ip", "clientip", "ip address", "access_device.ip", "sa", "sip", "ip_src",
                  "sourceipv4address", "sourceipv6address"),
    "source.port": ("src_port", "sport", "srcport", "source_port", "id.orig_p", "src port", "ipport",
                    "sourceport", "spt", "source port", "l4_src_port", "s_port", "sp", "port_src",
                    "sourcetransportport"),
    "destination.ip": ("dst_ip", "dstip", "dest_ip", "destination_ip", "dst_addr", "daddr",
                       "id.resp_h", "dst ip", "destinationip", "destaddress", "dst", "dest", "dstaddr",
                       "destination ip", "ipv4_dst_addr", "ipv6_dst_addr", "da", "dip", "ip_dst",
                       "destinationipv4address", "destinationipv6address"),
    "destination.port": ("dst_port", "dsport", "dport", "dstport", "dest_port", "destination_port",
                         "id.resp_p", "dst port", "destinationport", "destport", "dpt",
                         "destination port", "l4_dst_port", "dp", "port_dst", "destinationtransportport"),
    "network.transport": ("proto", "protocol", "protocol_type", "pr", "pro", "ip_proto",
                          "protocolidentifier"),
    "network.protocol": ("service",),
    # a managed device as MDM and EDR inventories name it: Intune's deviceName (Graph) and its
    # export's 'Device name', Defender's DeviceName, osquery's hostIdentifier, a Jamf Pro
    # webhook's computer (event.computer.deviceName, the envelope 'event.' aside)
    "host.name": ("host", "hostname", "host_name", "computer", "devicename", "device name",
                  "hostidentifier", "computer.devicename", "mobiledevice.devicename"),
    "user.name": ("user", "username", "user_name", "subjectusername", "suser", "usrname",
                  "srcuser", "userprincipalname", "actor.alternateid", "remote_user", "actor.email",
                  "details.username",
                  # Intune's audit events' admin (Graph's actor.userPrincipalName), its device
                  # export's primary user, a Jamf Pro webhook's computer's user
                  "actor.userprincipalname", "primary user upn", "computer.username",
                  # a SonicWall line's user (an SSL VPN's or the firewall's own log-in: usr="alice")
                  "usr",
                  # a QNAP NAS's connection log (QuLog Center's CSV export): the account in 'Users'
                  "users",
                  # a CSV report's account as its header spells it (BeyondTrust Password Safe's
                  # and other PAM products' activity exports: 'User Name', CORP\alice)
                  "user name",
                  # RADIUS's User-Name (a FreeRADIUS detail or accounting record read as kv, a NAC's
                  # export): the 802.1X identity a Wi-Fi or switch port client logged in as
                  "user-name",
                  # the account of a database's or mainframe's audit record: Oracle's audit trail's
                  # DBUSERNAME (UNIFIED_AUDIT_TRAIL exported to CSV), RACF's EVT_USER_ID (SMF type
                  # 80 records unloaded by IRRADU00)
                  "dbusername", "evt_user_id"),
    "user.target.name": ("targetusername",),
    # the accounts' domains of a Windows event (CORP of CORP\alice), as Winlogbeat maps them: an
    # alert named an account without the domain it belongs to (a trusted domain's Administrator)
    "user.domain": ("subjectdomainname",),
    "user.target.domain": ("targetdomainname",),
    # a badge's holder as access-control reports name the person (Lenel OnGuard's and Genetec's
    # 'Cardholder', 'Doe, Jane'): a person's name, no account's
    "user.full_name": ("cardholder", "cardholder name", "cardholder_name", "cardholdername"),
    # a device's hardware address: a firewall's per-device MACs (FortiGate's and SonicWall's
    # srcmac/dstmac, PAN-OS's src_mac), a DHCP server's client ('MAC Address' of the Windows DHCP
    # Server's audit log), a NAC's or wireless controller's client (client_mac; the 802.1X
    # supplicant's, RADIUS's Calling-Station-Id, a VPN's client address there no MAC and left
    # out; ClearPass's 'Host MAC Address', ISE's EndPointMACAddress)
    "source.mac": ("src_mac", "srcmac", "source_mac", "sourcemac", "mac", "mac_address",
                   "macaddress", "mac address", "client_mac", "clientmac", "calling-station-id",
                   "calling_station_id", "callingstationid", "host mac address",
                   "endpointmacaddress"),
    "destination.mac": ("dst_mac", "dstmac", "dest_mac", "destination_mac", "destinationmac"),
}
# An endpoint event's process and file, named as ECS names them (Elastic Defend's documents,
# Winlogbeat's and Auditbeat's ECS copies, an EDR export flattened to ECS): each is its own
# ECS field, as source.ip is (they went under hourglass.fields, and without --keep nowhere)
_ENDPOINT_FIELDS = (
    *(f"{p}.{f}" for p in ("process", "process.parent")
      for f in ("name", "pid", "executable", "command_line", "working_directory", "entity_id")),
    *(f"{p}.hash.{h}" for p in ("process", "file") for h in ("md5", "sha1", "sha256", "sha512")),
    "file.path", "file.name", "file.directory", "file.extension")
_TARGETS.update({field: () for field in _ENDPOINT_FIELDS})
# macOS's unified log as log show --style ndjson exports it (and log stream's): the process that
# logged, its image's path, as Elastic's unified logs integration maps it (its processID stays a
# hourglass field, as a Windows event's ProcessId, a name matched alike, does)
_TARGETS["process.executable"] = ("processimagepath",)
# a scanner's finding: its CVE (Nessus' 'CVE', Qualys' 'CVE ID', OpenVAS's 'CVEs', Trivy's
# VulnerabilityID, Defender TVM's cveId), as Elastic's vulnerability integrations map it
_TARGETS["vulnerability.id"] = ("cve", "cve id", "cveid", "cve_id", "cves", "vulnerabilityid")
#: kept input field (matched without regard to case) -> ECS field. A field already named as its
#: ECS field (``source.ip``, ``process.name``, ``file.hash.sha256``...) maps to itself.
ECS_FIELDS: dict[str, str] = {alias: target for target, aliases in _TARGETS.items()
                              for alias in (target, *aliases)}
# The same Windows fields as a Winlogbeat document names them (the format ``winlogbeat`` keeps its
# dotted columns): winlog.event_data.IpAddress, winlog.computer_name...
_WINDOWS_FIELDS = ("ipaddress", "ipport", "sourceip", "sourceaddress", "sourceport", "destinationip",
                   "destaddress", "destinationport", "destport", "protocol", "subjectusername",
                   "targetusername", "subjectdomainname", "targetdomainname")
ECS_FIELDS.update({f"winlog.event_data.{a}": ECS_FIELDS[a] for a in _WINDOWS_FIELDS})
ECS_FIELDS["winlog.computer_name"] = "host.name"
# Container and Kubernetes telemetry read as JSON lines: a Falco alert's output_fields (Falco's
# field names: the process, user, container and pod that tripped the rule) and a log shipper's
# kubernetes metadata (Fluent Bit's kubernetes filter: pod_name, namespace_name, host ...;
# Vector's kubernetes_logs source: pod_namespace, pod_node_name), as Elastic's Falco and
# Kubernetes integrations map them; they went under hourglass.fields, the alert naming no pod
_FALCO_FIELDS = {"k8s.ns.name": "orchestrator.namespace", "k8s.pod.name": "orchestrator.resource.name",
                 "container.id": "container.id", "container.name": "container.name",
                 "container.image.repository": "container.image.name", "proc.name": "process.name",
                 "proc.cmdline": "process.command_line", "proc.exepath": "process.executable",
                 "proc.pid": "process.pid", "proc.pname": "process.parent.name",
                 "proc.ppid": "process.parent.pid", "user.name": "user.name", "user.uid": "user.id"}
ECS_FIELDS.update({f"output_fields.{a}": t for a, t in _FALCO_FIELDS.items()})
ECS_FIELDS.update({f"kubernetes.{a}": t for a, t in (
    ("pod_name", "orchestrator.resource.name"), ("namespace_name", "orchestrator.namespace"),
    ("pod_namespace", "orchestrator.namespace"), ("container_name", "container.name"),
    ("container_image", "container.image.name"), ("docker_id", "container.id"),
    ("container_id", "container.id"), ("host", "host.name"), ("pod_node_name", "host.name"))})
# Google Cloud's VPC flow logs and Firewall Rules Logging, read as JSON lines (a log sink's export,
# gcloud logging read): the 5-tuple under jsonPayload.connection (src_ip, dest_ip, src_port,
# dest_port, protocol: an IANA number, network.iana_number), as Elastic's GCP integration maps
# it; the alerts named no address or port of the flow they flagged
ECS_FIELDS.update({f"jsonpayload.connection.{a}": t for a, t in (
    ("src_ip", "source.ip"), ("dest_ip", "destination.ip"), ("src_port", "source.port"),
    ("dest_port", "destination.port"), ("protocol", "network.transport"))})
# The web requests a CDN, a web application firewall or a reverse proxy logs, read as JSON lines
# under their products' own names, as Elastic's Cloudflare Logpush, AWS WAF and Traefik
# integrations map them: the client, the request (its URI, host, method and agent) and the status
# sent. Their alerts named the client at most (Cloudflare's ClientIP), AWS WAF's not even that.
ECS_FIELDS.update({
    # Cloudflare Logpush's HTTP requests dataset (ClientIP is source.ip above)
    "clientrequesturi": "url.original", "clientrequesthost": "url.domain",
    "clientrequestmethod": "http.request.method", "clientrequestuseragent": "user_agent.original",
    "edgeresponsestatus": "http.response.status_code",
    # AWS WAF's web ACL traffic log (httpRequest.headers, an array of pairs, names no one field)
    "httprequest.clientip": "source.ip", "httprequest.uri": "url.path", "httprequest.args": "url.query",
    "httprequest.httpmethod": "http.request.method", "httprequest.country": "source.geo.country_iso_code",
    # Traefik's JSON access log (its request headers' fields, request_User-Agent, as it names them)
    "clienthost": "source.ip", "requesthost": "url.domain", "requestpath": "url.original",
    "requestmethod": "http.request.method", "downstreamstatus": "http.response.status_code",
    "request_user-agent": "user_agent.original",
    # Azure Application Gateway's and Front Door's access and WAF logs (a resource log's record,
    # its fields under 'properties'; clientIP is source.ip above): their 'host' is the site a
    # client asked for, no machine of ours (it went to host.name), as Elastic's Azure integration
    # maps them
    "properties.host": "url.domain", "properties.requesturi": "url.original",
    "properties.httpmethod": "http.request.method", "properties.httpstatus": "http.response.status_code",
    "properties.useragent": "user_agent.original"})
# HashiCorp Vault's audit device (JSON lines, one a request or response): the client that asked,
# request.remote_address and .remote_port, as Elastic's Vault integration maps them; the
# alerts of a model of its entries named no address
ECS_FIELDS.update({"request.remote_address": "source.ip", "request.remote_port": "source.port"})
# Teleport's audit events (session.start, user.login ...): the client's address and the node's,
# addr.remote and addr.local ('203.0.113.77:47682', the address read without its port), as
# Elastic's Teleport integration maps them
ECS_FIELDS.update({"addr.remote": "source.ip", "addr.local": "destination.ip"})
# VoIP: a FreeSWITCH CDR's channel variables (mod_json_cdr's variables: the address and port the
# call's SIP came from, its phone's user agent) and a Homer (sipcapture) message's headers (the
# captured packet's addresses and ports): the alerts of a model of calls named no address
ECS_FIELDS.update({"variables.sip_network_ip": "source.ip", "variables.sip_network_port": "source.port",
                   "variables.sip_user_agent": "user_agent.original",
                   "protocol_header.srcip": "source.ip", "protocol_header.srcport": "source.port",
                   "protocol_header.dstip": "destination.ip", "protocol_header.dstport": "destination.port",
                   "data_header.user_agent": "user_agent.original"})

# Where a format's own field names mean something else than the same names elsewhere (matched
# exactly: audit's numeric 'uid' and its ENRICHED 'UID', the account name): Linux audit's
# 'hostname' is the remote client of a login, and its 'node' the machine that logged it (as
# Auditbeat maps them); and the fields only a format has, named by its own schema (a Kubernetes
# audit event's 'user.username', 'verb'). A format absent here uses ECS_FIELDS alone.
_FORMAT_TARGETS: dict[str, dict[str, str]] = {
    "auditd": {"node": "host.name", "hostname": "source.domain", "addr": "source.ip",
               "exe": "process.executable", "comm": "process.name", "uid": "user.id",
               "UID": "user.name", "acct": "user.name", "auid": "user.audit.id",
               "AUID": "user.audit.name", "cwd": "process.working_directory"},
    # Kubernetes audit events: who (the user, and whom they impersonated), from where (sourceIP: the
    # last of sourceIPs, the connection's own; the ones before it are X-Forwarded-For's, which the
    # client sets, and stay hourglass fields), which verb on which object of which namespace, through
    # which path
    "k8s-audit": {"user.username": "user.name", "impersonatedUser.username": "user.effective.name",
                  "sourceIP": "source.ip", "userAgent": "user_agent.original", "verb": "event.action",
                  "requestPath": "url.path", "objectRef.namespace": "orchestrator.namespace",
                  "objectRef.resource": "orchestrator.resource.type",
                  "objectRef.name": "orchestrator.resource.name"},
    # Google Cloud audit logs: the caller (principalEmail, or a federated identity's principalSubject:
    # the format's one caller column), from where, the method of which service, in which project
    "gcp-audit": {"protoPayload.authenticationInfo.principalEmail": "user.name",
                  "protoPayload.requestMetadata.callerIp": "source.ip",
                  "protoPayload.requestMetadata.callerSuppliedUserAgent": "user_agent.original",
                  "protoPayload.methodName": "event.action", "protoPayload.serviceName": "cloud.service.name",
                  "resource.labels.project_id": "cloud.project.id",
                  "resource.labels.zone": "cloud.availability_zone", "resource.labels.region": "cloud.region",
                  "resource.labels.location": "cloud.region"},
    # AWS CloudTrail, as Elastic's CloudTrail integration maps a record: the caller (an IAM user's
    # name; an assumed role's session stays in userIdentity.arn, a hourglass field) and its
    # account, the call (eventName) of which service (eventSource), in which region, with which
    # agent; sourceIPAddress is source.ip (ECS_FIELDS) where it is an address, not a service name
    "cloudtrail": {"eventName": "event.action", "eventSource": "event.provider",
                   "awsRegion": "cloud.region", "userAgent": "user_agent.original",
                   "userIdentity.userName": "user.name", "userIdentity.accountId": "cloud.account.id"},
    # Zeek's dns.log, http.log and ssl.log, as Elastic's Zeek integration maps them: the name
    # asked, its type and the answer's code; the server asked (http.log's 'host', the Host
    # header: no machine of the network's, host.name), the URI asked and the client's agent; the
    # server name a TLS client asked for (SNI); an HTTP request's method and status code (http.log's
    # only: sip.log's fields of those names are SIP's, :data:`_ZEEK_HTTP_ONLY`)
    "zeek-conn": {"query": "dns.question.name", "qtype_name": "dns.question.type",
                  "rcode_name": "dns.response_code", "host": "url.domain", "uri": "url.original",
                  "user_agent": "user_agent.original", "server_name": "tls.client.server_name",
                  "method": "http.request.method", "status_code": "http.response.status_code"},
    # CEF (a proxy's, a firewall's), as Elastic's CEF integration maps its keys (short names and
    # the full ones): the hosts by name, and the request a web proxy logged
    "cef": {"dhost": "destination.domain", "destinationHostName": "destination.domain",
            "shost": "source.domain", "sourceHostName": "source.domain",
            "request": "url.original", "requestUrl": "url.original",
            "requestMethod": "http.request.method",
            "requestClientApplication": "user_agent.original",
            # the account acted on (a PAM vault's: CyberArk's duser, the privileged account whose
            # password was retrieved or session opened)
            "duser": "destination.user.name", "destinationUserName": "destination.user.name",
            # the hardware addresses of the event (CEF's smac/dmac, their full names too), as
            # Elastic's CEF integration maps them, and UniFi Network's CEF syslog's Wi-Fi client
            # (UNIFIclientMac, UNIFIclientIp: the station that connected, roamed or was blocked)
            "smac": "source.mac", "sourceMacAddress": "source.mac",
            "dmac": "destination.mac", "destinationMacAddress": "destination.mac",
            "UNIFIclientMac": "source.mac", "UNIFIclientIp": "source.ip"},
    # FortiGate (key=value lines): the device that logged (its serial number, devid, tells a
    # FortiGate log from other key=value lines), and what the firewall did with the connection
    # (action="deny", "accept", "close" ...), as Elastic's Fortinet integration maps them
    "kv": {"devid": "observer.serial_number", "devname": "observer.name", "action": "event.action"},
    # Suricata's dns and http events, as Elastic's Suricata integration maps them
    "suricata-eve": {"dns.rrname": "dns.question.name", "dns.rrtype": "dns.question.type",
                     "dns.rcode": "dns.response_code", "http.hostname": "url.domain",
                     "http.url": "url.original", "http.http_method": "http.request.method",
                     "http.status": "http.response.status_code",
                     "http.http_user_agent": "user_agent.original", "tls.sni": "tls.client.server_name",
                     # DNS v3 (Suricata 8's default): the names asked are a list, [{rrname, rrtype}]
                     "dns.queries": "dns.question.name"},
}
# A Windows event's id (event.code) and its process and file, as Winlogbeat's Sysmon and Security
# modules map them: Sysmon's
# Image, CommandLine, CurrentDirectory, ParentImage, ParentCommandLine (process creation, and the
# process of its other events) and TargetFilename (a file created), the Security log's process
# creation (4688) NewProcessName and ParentProcessName. (Process ids are left out: the Security
# log's ProcessId is the creator in 4688, the logon process in 4624.)
_WINDOWS_PROCESS = {"EventID": "event.code",
                    "Image": "process.executable", "CommandLine": "process.command_line",
                    "CurrentDirectory": "process.working_directory",
                    "ParentImage": "process.parent.executable",
                    "ParentCommandLine": "process.parent.command_line",
                    "NewProcessName": "process.executable",
                    "ParentProcessName": "process.parent.executable", "TargetFilename": "file.path",
                    # a PowerShell event's host application (the .evtx reader's, of its text), as
                    # Winlogbeat's PowerShell module maps it
                    "HostApplication": "process.command_line"}
_FORMAT_TARGETS.update({fmt: _WINDOWS_PROCESS for fmt in WINDOWS_FORMS})
#: Sysmon's hashes of an image or file (``SHA1=...,MD5=...,SHA256=...,IMPHASH=...``), by the name
#: a flat export and a Winlogbeat document give them: process.hash.* or file.hash.*
#: (:func:`_field_target`), each algorithm ECS names (``IMPHASH`` is no file hash: left out)
_SYSMON_HASHES = frozenset({"Hashes", "winlog.event_data.Hashes"})
_HASH_NAMES = frozenset({"md5", "sha1", "sha256", "sha384", "sha512"})
_FORMAT_TARGETS["winlogbeat"] = {"winlog.event_id": "event.code",
                                  **{f"winlog.event_data.{k}": v for k, v in _WINDOWS_PROCESS.items()
                                     if k != "EventID"}}
# Windows events exported as flat rows (NXLog/Logstash, OTRF/Mordor) name the event's computer
# (``Hostname``; the .evtx reader's ``Computer``) and often the machine that forwarded them
# (``host``: a Windows Event Collector), which both read as host.name elsewhere: the computer is
# the host (as winlog.computer_name is), the forwarder the observer (:func:`_field_target`).
_WINDOWS_COMPUTER = frozenset({"hostname", "computer"})
#: The same in a Winlogbeat document: ``host.name`` is the machine Winlogbeat ran on (a Windows
#: Event Collector reading forwarded events), ``winlog.computer_name`` the event's computer.
_FORWARDER_FIELDS: dict[str, tuple[str, frozenset[str]]] = {
    **{fmt: ("host", _WINDOWS_COMPUTER) for fmt in WINDOWS_FORMS},
    "winlogbeat": ("host.name", frozenset({"winlog.computer_name"}))}
#: A Google Cloud zone (``us-central1-c``: a region and a letter), as opposed to a region
#: (``us-central1``) or a multi-region (``us``, ``global``).
_GCP_ZONE = re.compile(r"[a-z]+(?:-[a-z]+)*\d+-[a-z]")
#: What an alert of a format says of every event: the cloud of a cloud audit log, the orchestrator
#: of a Kubernetes audit event.
_FORMAT_CONSTANTS: dict[str, dict[str, str]] = {"gcp-audit": {"cloud.provider": "gcp"},
                                                "cloudtrail": {"cloud.provider": "aws"},
                                                "k8s-audit": {"orchestrator.type": "kubernetes"}}
#: Formats whose records name a caller's address (source.ip) without being network events: an API
#: call, no flow, so no "network" in event.category.
_API_FORMATS = frozenset({"k8s-audit", "gcp-audit", "cloudtrail"})
# Where an audit record names an account (``acct``: the user of a login, an authentication, a
# sudo), that account is user.name; its ``uid`` and ``UID`` are then the process's own (sshd's
# root), process.user.*.
_AUDIT_PROCESS_USER = {"uid": "process.user.id", "UID": "process.user.name"}
#: audit's "no value": an unset field (``?``, ``(none)``) or id (``4294967295``, ``-1``, and the
#: ENRICHED name of an unset id, ``unset``)
_AUDIT_MISSING = frozenset({"?", "(none)", "4294967295", "-1", "unset"})


def _audit_missing(value: Any) -> bool:
    """Whether an audit field's ``value`` is audit's "no value" (:data:`_AUDIT_MISSING`; an id
    read as a number too).

    Examples
    --------
    >>> _audit_missing("?"), _audit_missing(4294967295.0), _audit_missing("alice")
    (True, True, False)
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() in _AUDIT_MISSING


#: a GitHub audit log's record (REST API, exports, streaming), told by its document id beside its
#: action among a record's fields or the model's input: who acted (``actor``, from ``actor_ip``,
#: with ``user_agent``, in ``actor_location.country_code``), what they did (``action``:
#: ``org.add_member``, ``repo.download_zip``), and the account acted on (``user``: the member
#: added or removed, no actor), as Elastic's GitHub integration maps them (the record told as the
#: table roles tell it, :data:`~hourglass.features.roles._GITHUB_AUDIT_TELLS`)
_GITHUB_TARGETS = {"actor": "user.name", "user": "user.target.name", "actor_ip": "source.ip",
                   "action": "event.action", "user_agent": "user_agent.original",
                   "actor_location.country_code": "source.geo.country_iso_code"}
#: a Windows DHCP Server audit log's record (its columns ``ID``, ``Date``, ``Time``, ``Description``
#: and ``Host Name``, with ``MAC Address`` or the DHCPv6 log's ``Duid Length``, among a record's
#: fields or the model's input, as the table roles tell it,
#: :func:`~hourglass.features.roles.dhcp_audit_names`): its event id, the client's name and the
#: user, as Elastic's Microsoft DHCP integration maps them (its ``IP Address`` is ``source.ip``,
#: its ``MAC Address`` ``source.mac``, as any table's)
_DHCP_TARGETS = {"id": "event.code", "host name": "source.domain", "user name": "user.name"}
#: a GitLab audit event's (REST API, audit event streaming, the UI's CSV export), told by its
#: ``author_id``, ``entity_id`` and ``entity_type`` among a record's fields or the model's input,
#: as the table roles tell it (:data:`~hourglass.features.roles._GITLAB_AUDIT_TELLS`): who acted
#: (``author_name``, ``details.author_name``; the export's ``Author Name``), from where
#: (``ip_address``, ``details.ip_address``; ``IP Address``) and what they did (``event_name``),
#: by the fields' last parts as GitLab spells them (a look-up of each field's name, no more)
_GITLAB_TARGETS = {"author_name": "user.name", "Author Name": "user.name", "ip_address": "source.ip",
                   "IP Address": "source.ip", "event_name": "event.action"}


#: an F5 BIG-IP ASM (Advanced WAF) request as its remote log writes it (``kv`` records, comma-parted
#: ``ASM:unit_hostname="...",ip_client="...",...``), told by its own fields beside one another
#: (:data:`_F5_ASM_TELLS`): the client (``ip_client``: it went to no field, where the server,
#: ``dest_ip``, went to destination.ip), the request and the status sent, as Elastic's F5 BIG-IP
#: integration maps them; its ``protocol`` is the application's (``HTTPS``: no transport), and
#: ``N/A``, its "no value" (``username="N/A"`` when no one logged in), is left out, as is the
#: ``response_code`` ``0`` of a request blocked (no response sent)
_F5_ASM_TELLS = frozenset({"unit_hostname", "ip_client", "support_id", "request_status"})
_F5_ASM_TARGETS = {"ip_client": "source.ip", "method": "http.request.method", "uri": "url.path",
                   "query_string": "url.query", "response_code": "http.response.status_code",
                   "protocol": "network.protocol"}


def _f5_asm(fields: Collection[Any], known: Collection[str] = ()) -> bool:
    """Whether a ``kv`` record's ``fields`` (or the model's input, ``known``) are an F5 ASM
    request's (:data:`_F5_ASM_TELLS`, three at least).

    Examples
    --------
    >>> _f5_asm({"unit_hostname": "bigip1", "ip_client": "203.0.113.9", "request_status": "blocked"})
    True
    >>> _f5_asm({"ip_client": "203.0.113.9", "protocol": "tcp"})
    False
    """
    return len(_F5_ASM_TELLS & {*map(str, fields), *known}) >= 3


#: the flow tools' short names of the IP protocol, nfdump's ``pr`` and SiLK's ``pro``: the
#: transport only where the record or the model's input has the tool's names of the addresses and
#: ports beside it (as the table roles tell those tools); another table's ``pr`` or ``pro`` (a
#: priority, a project) names no protocol, and network.transport takes any text
_FLOW_TOOL_TRANSPORT = {"pr": _NFDUMP_TELLS, "pro": _SILK_TELLS}


@lru_cache(maxsize=64)
def _dhcp_record(names: tuple[str, ...]) -> bool:
    """Whether a record's field ``names`` (and the model's input's) tell a Windows DHCP Server
    audit log (:data:`_DHCP_TARGETS`), read once for each set of names.

    Examples
    --------
    >>> _dhcp_record(("ID", "Date", "Time", "Description", "Host Name", "MAC Address"))
    True
    >>> _dhcp_record(("ID", "Date", "Time", "Description", "Host Name")), _dhcp_record(("ID", "host"))
    (False, False)
    """
    return dhcp_audit_names({re.sub(r"[^a-z0-9]", "", k.lower()) for k in names})


# A mail gateway's or cloud mail's message trace, as Elastic's Mimecast, Proofpoint and Microsoft
# Defender integrations map it: the sender (Mimecast's Sender and headerFrom, Proofpoint TAP's
# sender and fromAddress, the Microsoft 365 message trace's SenderAddress, Defender for Office's
# EmailEvents SenderFromAddress and SenderMailFromAddress), the recipients (Rcpt, recipient and
# toAddresses, RecipientAddress, RecipientEmailAddress), the message id, subject and direction,
# and the servers' addresses.
# Told by a sender's and a recipient's field among the record's or the model's input (a
# certificate's subject, Zeek's, or another log's Dir is none of a message's); the alerts of a
# mail model named no sender, recipient or message
# (Exchange admin center's downloaded message trace report names them sender_address,
# recipient_status, 'alice@corp.example.com##Receive, Deliver', message_id, message_subject,
# original_client_ip)
_EMAIL_TARGETS = {
    **dict.fromkeys(("sender", "headerfrom", "senderaddress", "senderfromaddress",
                     "sendermailfromaddress", "fromaddress", "sender_address"), "email.from.address"),
    **dict.fromkeys(("rcpt", "recipient", "recipientaddress", "recipientemailaddress",
                     "toaddresses", "recipient_status"), "email.to.address"),
    **dict.fromkeys(("msgid", "messageid", "internetmessageid", "message_id"), "email.message_id"),
    **dict.fromkeys(("subject", "message_subject"), "email.subject"),
    **dict.fromkeys(("dir", "emaildirection", "directionality"), "email.direction"),
    # the sending server (Mimecast's IP, TAP's senderIP, the message trace's FromIP, EmailEvents'
    # SenderIPv4 and SenderIPv6) and the one the message went to (the message trace's ToIP)
    **dict.fromkeys(("ip", "senderip", "fromip", "senderipv4", "senderipv6", "original_client_ip"),
                    "source.ip"),
    "toip": "destination.ip",
}
_EMAIL_SENDERS = frozenset(k for k, t in _EMAIL_TARGETS.items() if t == "email.from.address")
_EMAIL_RECIPIENTS = frozenset(k for k, t in _EMAIL_TARGETS.items() if t == "email.to.address")
# an address as a message trace writes it: alone, in angle brackets, after a display name
# ('"IT Support" <it-support@c0rp-example.com>'), or a list of them (TAP's recipient array)
# ('##' after a domain: the admin center's report writes each recipient's events after it)
_ADDRESS = re.compile(r"[^\s<>\"',;\[\]()@]+@[^\s<>\"',;\[\]()@#]+\.[^\s<>\"',;\[\]()@#]+")


def _email_target(key: Any, names: Collection[Any]) -> str | None:
    """The ECS ``email.*`` field of a message trace's ``key`` (:data:`_EMAIL_TARGETS`) where
    ``names``, the record's fields or the model's input, hold a sender's and a recipient's.

    Examples
    --------
    >>> _email_target("Rcpt", ["datetime", "Sender", "Rcpt", "Subject"])
    'email.to.address'
    >>> _email_target("subject", ["subject", "issuer"]) is None  # (a certificate's)
    True
    """
    target = _EMAIL_TARGETS.get(str(key).strip().lower())
    if target is None:
        return None
    return target if _mail_names(tuple(map(str, names))) else None


@lru_cache(maxsize=256)
def _mail_names(names: tuple[str, ...]) -> bool:
    """Whether ``names`` (a record's fields, a model's input) hold a sender's and a recipient's
    (:data:`_EMAIL_TARGETS`): once per table's names, not per field of every alert."""
    lowered = {n.strip().lower() for n in names}
    return bool(lowered & _EMAIL_SENDERS and lowered & _EMAIL_RECIPIENTS)


def _email_addresses(value: Any) -> list[str] | None:
    """The addresses of an ``email.*.address`` field's ``value`` (one address, ``"Name"
    <a@b.example>``, a list of them or its JSON text), as ECS holds them (an array), or
    ``None`` where it holds none (Mimecast's null sender ``<>``).

    Examples
    --------
    >>> _email_addresses('"IT" <it@c0rp.example>'), _email_addresses('["a@x.example", "b@y.example"]')
    (['it@c0rp.example'], ['a@x.example', 'b@y.example'])
    >>> _email_addresses("<>") is None, _email_addresses(["a@x.example"])
    (True, ['a@x.example'])
    >>> _email_addresses("a@x.example##Receive, Deliver;b@y.example##Receive, Fail")
    ['a@x.example', 'b@y.example']
    """
    texts = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    found = [a for text in texts for a in _ADDRESS.findall(text)]
    return list(dict.fromkeys(found)) or None


def _field_target(key: Any, fields: Mapping[str, Any], fmt: str | None, record: bool = True,
                  known: Collection[str] = ()) -> str | None:
    """:func:`ecs_target` of ``key`` among the record's ``fields``: a GitHub audit log's ``actor``,
    ``actor_ip``, ``action``, ``user_agent`` and ``user`` (the account acted on:
    ``user.target.name``) where the record or the model's input (``known``) has its
    ``_document_id`` and ``action`` (:data:`_GITHUB_TARGETS`); a GitLab audit event's author's
    name, address and event name where they have its ``author_id``, ``entity_id`` and
    ``entity_type`` (:data:`_GITLAB_TARGETS`); nfdump's ``pr`` and SiLK's ``pro``
    only where the tool's names of the addresses and ports stand beside them
    (:data:`_FLOW_TOOL_TRANSPORT`); an audit record's ``uid`` and
    ``UID`` go to ``process.user.*`` where it has an ``acct``; a Windows event's ``host`` (the
    machine that forwarded it: Logstash's sender, a Windows Event Collector), or a Winlogbeat
    document's ``host.name`` (the machine Winlogbeat ran on), goes to ``observer.hostname`` where
    the event names its own computer (``Hostname``, ``Computer``; ``winlog.computer_name``),
    which is ``host.name``, whichever field comes first; a web server's access log's ``host``
    (a record, or a model's input, ``known``, naming nginx's ``remote_addr``) is nginx's
    ``$host``, the server a client asked for (an ingress controller's virtual host), ``url.domain``,
    not the machine that logged it; a FortiGate log's ``hostname`` (a
    ``kv`` record with a ``devid``, or a group's or entity's of a model whose input fields,
    ``known``, had one) is the web server asked for, ``url.domain``. A Zeek record's
    ``method`` and ``status_code`` are an HTTP request's where it is a row (``record``) with
    http.log's ``host`` (sip.log has none). Where ``fields``
    are a whole row's (``record``, not a group's keys or an entity alone), a Zeek record that
    names no connection and no ``uri`` (software.log, the known_* logs) has ``host`` as the
    address of the machine it describes, ``host.ip``, as Elastic's Zeek integration maps it."""
    if fmt == "auditd" and key in _AUDIT_PROCESS_USER and _ecs_field("acct", fields.get("acct"), fmt):
        return _AUDIT_PROCESS_USER[key]
    tool = _FLOW_TOOL_TRANSPORT.get(str(key).strip().lower())
    if tool is not None and not tool <= {str(k).strip().lower() for k in (*fields, *known)}:
        return None  # (a 'pr' or 'pro' of no flow tool's table: a priority, no protocol)
    if str(key).strip().lower() in _DHCP_TARGETS and _dhcp_record((*map(str, fields), *known)):
        return _DHCP_TARGETS[str(key).strip().lower()]  # the DHCP client's name, the event id
    if str(key) in _GITHUB_TARGETS and _GITHUB_AUDIT_TELLS <= {*map(str, fields), *known}:
        return _GITHUB_TARGETS[str(key)]  # a GitHub audit log's actor, and the account acted on
    gitlab = _GITLAB_TARGETS.get(str(key).rsplit(".", 1)[-1])
    if gitlab is not None and _GITLAB_AUDIT_TELLS <= {normal_leaf(k) for k in (*fields, *known)}:
        return gitlab  # a GitLab audit event's author, address and event
    if str(key) in _SYSMON_HASHES and fmt in (*WINDOWS_FORMS, "winlogbeat"):
        # Sysmon's 'SHA256=...,MD5=...': the new process's in a process creation (event 1), else
        # the file's (a driver or image loaded, a file created or deleted), as Winlogbeat maps it
        if not record:
            return None  # (a group's: of which event, not told)
        event = fields.get("EventID", fields.get("winlog.event_id"))
        return "process.hash" if str(event).strip().removesuffix(".0") == "1" else "file.hash"
    if fmt == "kv" and str(key) in _F5_ASM_TARGETS and _f5_asm(fields, known):
        return _F5_ASM_TARGETS[str(key)]  # F5 ASM's client, request and status
    if fmt == "kv" and str(key) == "hostname" and ("devid" in fields or (not record and "devid" in known)):
        # FortiGate's (a group's keys, an entity, carry no devid: the model's input tells): the web
        return "url.domain"  # server a client asked for (webfilter, traffic), no machine of ours
    if fmt == "zeek-conn" and str(key) in _ZEEK_HTTP_ONLY and not (record and "host" in fields):
        return None  # sip.log's INVITE, or a group's method (of which log: not told)
    if record and fmt == "zeek-conn" and str(key) == "host" and not _ZEEK_WEB_FIELDS & set(map(str, fields)):
        # software.log, known_hosts/services/certs: Zeek's addr, the machine the record is about
        # (vsftpd 2.3.4 seen on 10.0.0.9); only http.log's Host header is the server asked for
        return "host.ip"
    if str(key).strip().lower() == "host" and ecs_target(key, fmt) == "host.name" and any(
            str(k).strip().lower() in _WEB_CLIENT for k in (*fields, *known)):
        return "url.domain"  # a web server's access log: nginx's $host, the server asked for
    if str(key).strip().lower() in _EMAIL_TARGETS and (
            mail := _email_target(key, (*fields, *known))) is not None:
        return mail  # a message trace's sender, recipients, message id, subject, direction
    forwarder, computer = _FORWARDER_FIELDS.get(str(fmt), ("", frozenset()))
    if forwarder and str(key).strip().lower() == forwarder and any(
            str(k).strip().lower() in computer and _ecs_value("host.name", v) is not None
            for k, v in fields.items()):
        return "observer.hostname"
    return ecs_target(key, fmt)


def ecs_target(key: object, fmt: str | None = None) -> str | None:
    """The ECS field an input field ``key`` of data format ``fmt`` goes to, or ``None``.

    Examples
    --------
    >>> ecs_target("hostname"), ecs_target("hostname", "auditd"), ecs_target("node", "auditd")
    ('host.name', 'source.domain', 'host.name')
    >>> ecs_target("SRC_IP"), ecs_target("bytes")
    ('source.ip', None)
    >>> ecs_target("event.dest_port"), ecs_target("properties.SourceIp"), ecs_target("event.code")
    ('destination.port', 'source.ip', None)
    >>> ecs_target("_source.source.ip"), ecs_target("result.dest_port")
    ('source.ip', 'destination.port')
    >>> ecs_target("processImagePath")
    'process.executable'
    >>> ecs_target("jsonPayload.connection.src_ip"), ecs_target("jsonPayload.connection.dest_port")
    ('source.ip', 'destination.port')
    >>> ecs_target("deviceName"), ecs_target("hostIdentifier"), ecs_target("actor.userPrincipalName")
    ('host.name', 'host.name', 'user.name')
    >>> ecs_target("kismet.alert.source_mac"), ecs_target("kismet.alert.dest_mac")
    ('source.mac', 'destination.mac')
    >>> ecs_target("smac", "cef"), ecs_target("UNIFIclientMac", "cef"), ecs_target("smac")
    ('source.mac', 'source.mac', None)
    """
    own = _FORMAT_TARGETS.get(str(fmt)) if fmt is not None else None
    if own is not None and str(key) in own:
        return own[str(key)]
    name = str(key).strip().lower()
    target = ECS_FIELDS.get(name)
    if target is None and name.startswith(_ENVELOPES):  # a JSON table's field inside an envelope
        envelope = next(e for e in _ENVELOPES if name.startswith(e))
        target = ECS_FIELDS.get(name[len(envelope):])
    return target


# The objects a cloud firewall's JSON log wraps its record in, read as a plain JSON-lines table
# (dotted columns): AWS Network Firewall's 'event' (Suricata's EVE record: event.src_ip,
# event.dest_port, event.proto), Azure's resource logs' 'properties' (Azure Firewall's
# properties.SourceIp, .DestinationPort, .Protocol); their 5-tuple went to no ECS field, as
# Elastic's AWS and Azure integrations map it. And the SIEM exports that wrap each event: an
# Elasticsearch hit's '_source' (_source.source.ip), a Splunk JSON export line's 'result'
# (result.src, result.dest_port); and YAF's super_mediator, whose JSON puts each flow under 'flows'
# (flows.sourceIPv4Address); and a Kismet alert (its REST API's /alerts/all_alerts.json, its
# fields named kismet.alert.*): the frame's source_mac (the access point sending a deauth flood, a
# rogue one spoofing an SSID) and dest_mac (its victim) went to no ECS field
_ENVELOPES = ("event.", "properties.", "_source.", "result.", "flows.", "kismet.alert.")


_NETWORK_FORMATS = frozenset({"nsl-kdd", "unsw-nb15", "cicflowmeter", "zeek-conn", "aws-vpc-flow",
                              "suricata-eve", "cef", "leef", "panos"})
#: of them, flow records, whose protocol is always the IP protocol by its IANA keyword, any of
#: 140 (UNSW-NB15's proto: 'arp', 'sun-nd', 'rdp', IANA's 27, no Remote Desktop), a transport
_FLOW_FORMATS = frozenset({"nsl-kdd", "unsw-nb15", "cicflowmeter", "zeek-conn", "aws-vpc-flow", "nfdump"})
_SIGN_IN_FORMATS = frozenset({"okta", "entra-signin"})
_DATASETS = {"tabular": "table", "table": "table", "events": "log", "log": "log",
             "timeseries": "timeseries", "entity": "entity"}


@dataclass(frozen=True)
class AlertRule:
    """The model that raised an alert, as ECS ``rule.*`` and ``event.dataset`` tell it.

    Parameters
    ----------
    name
        Model name (``rule.name``), e.g. ``"autoencoder"``.
    id
        The artefact's content hash (``rule.id``), so an analyst can trace which model fired.
    input
        ``"table"``, ``"log"``, ``"timeseries"`` or ``"entity"`` (``event.dataset`` is
        ``hourglass.<input>``).
    data_format
        Named data layout the model was trained on (``"nsl-kdd"``, ``"zeek-conn"``...), if any;
        a flow format makes the alerts ``event.category`` network.
    threshold
        The model's threshold, for alerts that do not carry their own.
    time_field
        The input field holding each event's time (the model's ``--timestamp-col``), if any.
    entity_field
        An entity-bucket model's entity column (``--entity-col``): it says which ECS field the
        entity of an alert goes to.
    time_dayfirst
        Whether ``time_field``'s numeric dates (``01/02/2026``) put the day first, as in the
        model's training data (``None``: not such dates, or not known).
    session_field
        A log model's session column (an event table's ``--session-col``; the key of a session
        regex ``KEY=(...)``, :func:`_regex_key`): it says which ECS
        field the session of an alert goes to (``id.orig_h`` -> ``source.ip``, ``user`` ->
        ``user.name``), as an entity's does.
    input_fields
        The input fields of the model's training data (its preprocessing's columns): what an
        alert without its row (a ``--group-by`` group's, an entity's) is told by, e.g. a
        FortiGate log's (``devid`` among them) ``hostname``, the web server asked for.

    Examples
    --------
    >>> AlertRule("autoencoder", "ab12", data_format="nsl-kdd").dataset
    'hourglass.table'
    """

    name: str
    id: str
    input: str = "table"
    data_format: str | None = None
    threshold: float | None = None
    time_field: str | None = None
    entity_field: str | None = None
    time_dayfirst: bool | None = None
    session_field: str | None = None
    input_fields: tuple[str, ...] = ()

    @property
    def dataset(self) -> str:
        """``event.dataset``: ``hourglass.table``, ``hourglass.log``, ``hourglass.timeseries`` or
        ``hourglass.entity``."""
        return f"hourglass.{_DATASETS.get(self.input, self.input)}"

    @classmethod
    def from_model(cls, model: str | os.PathLike[str], pipe: Any) -> AlertRule:
        """The rule of the saved model in directory ``model``, loaded as ``pipe``: its id is the
        content hash of the artefact ``pipe`` was loaded from, even if ``model`` was replaced
        since (``model``'s ``config.json`` is read only for a pipeline not loaded from a folder).

        Examples
        --------
        >>> import tempfile, numpy as np, pandas as pd
        >>> from hourglass import AutoEncoder, Pipeline
        >>> from hourglass.pipeline import load
        >>> out = Path(tempfile.mkdtemp()) / "model"
        >>> df = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 5})
        >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).save(out)
        >>> rule = AlertRule.from_model(out, load(out))
        >>> rule.name, rule.input, len(rule.id)
        ('autoencoder', 'table', 64)
        """
        from hourglass.pipeline.artefact import CONFIG

        # the hash of the artefact ``pipe`` was loaded from: the folder read again may hold
        # another model by now (retrained or re-thresholded in place meanwhile)
        loaded = getattr(pipe, "artefact_", None) or {}
        content_hash = loaded.get("content_hash")
        if content_hash is None:
            content_hash = json.loads((Path(model) / CONFIG).read_text(encoding="utf-8-sig"))["content_hash"]
        info = getattr(pipe, "info", {}) or {}
        name = pipe.model_name
        output = getattr(pipe.features_, "output", "tabular")
        entity = getattr(pipe.features_, "entity_col", None) if output == "entity" else None
        session = getattr(pipe.features_, "session_column", None) if output == "events" else None
        if output == "events" and session is None:  # sessions by a key=value field's value
            session = _regex_key(getattr(pipe.features_, "session_regex", None))
        return cls(name=str(name), id=str(content_hash),
                   input=_DATASETS.get(output, output), data_format=info.get("dataset"),
                   threshold=float(pipe.detector_.threshold_.value_),
                   time_field=info.get("time_col"), entity_field=None if entity is None else str(entity),
                   time_dayfirst=info.get("time_dayfirst"),
                   session_field=None if session is None else str(session),
                   input_fields=tuple(map(str, getattr(pipe.features_, "roles_", None)  # a table's
                                          or getattr(pipe.features_, "columns_", None) or ())))


# a session regex that captures one key's value and nothing else: 'SRC=(\S+)' (netfilter's
# source address), r'\buser=(\w+)'; its key names the session as a session column would
_KEY_REGEX = re.compile(r"(?:\\b)?([A-Za-z_][\w.]*)=\((?!\?)[^()]*\)")


def _regex_key(regex: str | None) -> str | None:
    r"""The field whose value a log model's session ``regex`` captures, when it is of the form
    ``KEY=(...)`` (``SRC=(\S+)``, netfilter's source address); ``None`` for any other.

    Examples
    --------
    >>> _regex_key(r"SRC=(\S+)"), _regex_key(r"\buser=(\w+)"), _regex_key(r"blk_-?\d+")
    ('SRC', 'user', None)
    """
    m = None if regex is None else _KEY_REGEX.fullmatch(regex)
    return None if m is None else m.group(1)


def _iso(value: dt.datetime) -> str:
    """``value`` as ISO-8601 UTC with milliseconds and a ``Z`` (naive times are read as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_iso(text: str) -> dt.datetime:
    """An :func:`_iso` text back as a datetime."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class UnreadTime(InputError):
    """An alert's event time (the value ``value`` of the time column ``field``) that reads as no
    time; :meth:`at` words it for a row the caller names, as ``score`` words it (``column 'ts':
    line 2 is not a timestamp ('soon')``).

    Examples
    --------
    >>> UnreadTime("ts", "soon").at("row 3")
    "column 'ts': row 3 is not a timestamp ('soon')"
    >>> str(UnreadTime("ts", "soon"))
    "column 'ts': 'soon' is not a timestamp"
    """

    def __init__(self, field: str, value: Any) -> None:
        from hourglass._times import not_a_timestamp

        self.field, self.value = field, value
        super().__init__(not_a_timestamp(field, None, value))

    def at(self, place: str) -> str:
        """The problem of the row ``place`` names (``line 2``, ``row 3``)."""
        from hourglass._times import not_a_timestamp

        return not_a_timestamp(self.field, place, self.value)


def _timestamp(value: Any, field: str, dayfirst: bool | None = None) -> str:
    """An event time (epoch seconds, ISO text, datetime or pandas Timestamp) as ISO-8601 UTC."""
    if isinstance(value, dt.datetime):
        return _iso(value)
    try:  # the common forms without pandas (~100x faster per alert): epoch seconds, ISO-8601
        if (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 9.2e9
                and not (1e7 <= value < 1e8 and value == int(value))):  # (20260328: pandas below
            return _iso(dt.datetime.fromtimestamp(float(value), dt.UTC))  # reads a compact date)
        if isinstance(value, str):
            return _iso(dt.datetime.fromisoformat(value.strip()))
    except (ValueError, OverflowError, OSError):
        pass
    from hourglass._times import parse_timestamps  # pandas: the other forms it reads

    problem = UnreadTime(field, value)
    if isinstance(value, (list, tuple, dict, set)):  # an array ([] was an IndexError): no time
        raise problem
    try:
        return _iso(parse_timestamps([value], field, dayfirst=dayfirst)[0].to_pydatetime())
    except (InputError, ValueError, TypeError, OverflowError):  # year 0: ValueError
        raise problem from None


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    node = doc
    *parents, last = path.split(".")
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value


_HEX_PORT = re.compile(r"0x[0-9a-f]{1,8}")  # (as features.roles.port_numbers reads one)
#: a MAC address in the forms devices write it (:func:`_ecs_value`)
_MAC = re.compile(r"[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|"
                  r"[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}|[0-9A-Fa-f]{12}")
_DIGEST = re.compile(r"[0-9A-Fa-f]{32,128}")  # an MD5, SHA-1, SHA-256, SHA-512 digest
#: fields of a Zeek http.log record (its connection, its URI), where ``host`` is the Host header:
#: a Zeek record without them (software.log, known_hosts ...) describes the machine ``host``
_ZEEK_WEB_FIELDS = frozenset({"uri", "id.orig_h", "id.resp_h", "uid"})
#: Zeek http.log fields that sip.log has too (an INVITE, a SIP status): an HTTP request's
#: (http.request.method, http.response.status_code) only in a row that has http.log's ``host``
#: (the Host header, which sip.log lacks; an alert's fields hold only the columns with an ECS
#: name, so sip.log's own ``call_id`` would not tell)
_ZEEK_HTTP_ONLY = frozenset({"method", "status_code"})
#: The client of a web server's access log under nginx's name (its variables name the fields of
#: a JSON ``log_format``, an ingress controller's too): such a record's ``host`` is nginx's
#: ``$host``, the server the client asked for (the Host header), not the machine that logged it
_WEB_CLIENT = frozenset({"remote_addr"})
#: ECS fields of type long that a kept field maps to (ports are read as ports, above)
_LONG_FIELDS = frozenset({"http.response.status_code", "process.pid", "process.parent.pid"})


#: a host's name field -> its address field: a name that is an IP address goes there
_HOST_ADDRESSES = {"source.domain": "source.ip", "destination.domain": "destination.ip"}


def _address(value: Any) -> bool:
    """Whether ``value`` is an IP address written alone (no port, no name around it).

    Examples
    --------
    >>> _address("10.0.3.11"), _address(" 2001:db8::1 "), _address("srv1.corp.local"), _address(None)
    (True, True, False, False)
    """
    return isinstance(value, str) and is_ip(value.strip())


#: the protocol letters of an Azure NSG flow log's tuples (version 1 and 2: T for TCP, U for UDP)
_NSG_TRANSPORTS = {"T": "tcp", "U": "udp"}
#: the transports' names (IANA's protocol keywords, lowercase, and the spellings tools use for
#: them: icmpv6, tcp6): what ECS' network.transport holds. A protocol field's other word is the
#: application's protocol, network.protocol: a Teleport session's ``proto`` ``ssh`` (``kube``,
#: ``db``), as Elastic's Teleport integration maps it, went to network.transport ``ssh``
_TRANSPORT_NAMES = frozenset({
    "tcp", "udp", "icmp", "icmpv6", "icmp6", "ipv6-icmp", "igmp", "gre", "esp", "ah", "sctp",
    "udplite", "udp-lite", "dccp", "ipip", "ipencap", "ip", "ipv4", "ipv6", "ip6", "ospf", "ospfigp",
    "pim", "vrrp", "carp", "l2tp", "egp", "igp", "rsvp", "eigrp", "tcp6", "udp6", "hopopt",
    "ipv6-frag", "ipv6-route", "ipv6-opts", "ipv6-nonxt", "ipcomp", "mobility-header", "ethernet",
    "any"})


def _application_protocol(value: Any) -> bool:
    """Whether ``value``, a protocol field's, names an application's protocol (``ssh``, ``http``)
    rather than a transport (:data:`_TRANSPORT_NAMES`, an IANA number, an NSG flow's letter).

    Examples
    --------
    >>> _application_protocol("ssh"), _application_protocol("TCP"), _application_protocol("6")
    (True, False, False)
    >>> _application_protocol("T"), _application_protocol(17.0), _application_protocol(None)
    (False, False, False)
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    return (bool(text) and text != "-" and text not in _NSG_TRANSPORTS
            and not re.fullmatch(r"\d+(\.0)?", text) and text.lower() not in _TRANSPORT_NAMES)


#: the start of a Windows object manager's path (``\Device\HarddiskVolume4``, ``\??\C:``,
#: ``\\?\Volume{...}``): a volume or device, as a Windows event's ``DeviceName`` names it, no host
_NT_PATHS = ("\\device\\", "\\??\\", "\\\\?\\")


def _ecs_value(target: str, value: Any) -> Any:
    """``value`` as ECS field ``target`` holds it, or ``None`` when it is not valid there (an
    index would reject the whole document over a malformed ip or port)."""
    if _missing(value):  # (pandas' NA would be the text '<NA>')
        return None
    if target.startswith("email.") and target.endswith(".address"):
        return _email_addresses(value)  # (an array: TAP's recipients, a list)
    if isinstance(value, list | tuple | dict | set):
        # a JSON array or object is no one address, port or name: its Python text was taken as
        # one (user.name "['alice', 'bob']", in related.user too)
        return None
    if target == "host.name" and str(value).lstrip().lower().startswith(_NT_PATHS):
        # a Windows object's path, no host: an Ntfs event's DeviceName, \Device\HarddiskVolume4
        # (System log event 98), which took the alert's host.name from its Computer
        return None
    if target == "vulnerability.id":  # Qualys' 'CVE-2021-31192, CVE-2021-31188': each an id
        ids = [part.strip() for part in str(value).split(",") if part.strip()]
        return (ids[0] if len(ids) == 1 else ids) if ids else None
    if target.endswith(".ip"):
        # '010.001.002.003': 10.1.2.3, as the features read it, not an invalid address left out;
        # an address with its port (Microsoft 365's ClientIP, 203.0.113.10:51234 or
        # [2001:db8::1]:443; Azure's CallerIpAddress) is that address, as the features read it
        text = unpadded_ipv4(without_port(str(value).strip()))
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return None
        # an IPv6 address with a zone (fe80::1%12, as Windows logons write a link-local client):
        # an ECS ip field (Elasticsearch's ip type) refuses it, and with it the whole document
        if getattr(address, "scope_id", None):
            return None
        # an IPv4-mapped one (::ffff:10.0.0.5, as Windows' Kerberos events name a client) is its
        # IPv4 address, as the features read it and Winlogbeat writes it: Python's text of it,
        # '::ffff:a00:5', was an address no analyst or search for 10.0.0.5 would know
        mapped = getattr(address, "ipv4_mapped", None)
        return str(mapped if mapped is not None else address)
    if target.endswith(".port"):
        hexed = _HEX_PORT.fullmatch(value.strip().lower()) if isinstance(value, str) else None
        try:
            # a port in hex (UNSW-NB15's raw files: 0x000b) is the port the features read in it
            port = float(int(hexed.group(0), 16)) if hexed else float(value)
        except (TypeError, ValueError, OverflowError):  # an integer of 400 digits: no port
            return None
        return int(port) if port.is_integer() and 0 <= port <= 65535 else None
    if target.endswith(".mac"):
        # a MAC as ECS writes it, six uppercase pairs parted by hyphens (RFC 7042), whichever of
        # the forms devices write it in: 00:1a:2b:3c:4d:5e (Linux, dhcpd, hostapd), 00-1A-2B-...
        # (Windows), 001a.2b3c.4d5e (Cisco), 001A2B3C4D5E (the DHCP Server's audit log); text
        # that is no MAC is left out, as an address that is no address
        if _MAC.fullmatch(str(value).strip()) is None:
            return None
        digits = re.sub(r"[^0-9A-Fa-f]", "", str(value)).upper()
        return "-".join(digits[i:i + 2] for i in range(0, 12, 2))
    if target in ("process.hash", "file.hash"):  # Sysmon's 'SHA256=AB12...,MD5=...'
        pairs = (part.partition("=") for part in str(value).split(","))
        hashes = {name.strip().lower(): digest.strip().lower() for name, sep, digest in pairs
                  if sep and name.strip().lower() in _HASH_NAMES
                  and _DIGEST.fullmatch(digest.strip())}
        return hashes or None
    if ".hash." in target:
        # process.hash.sha256 ...: a digest in hex, lowercase as Winlogbeat and Elastic Defend
        # write it (and the Sysmon Hashes above), so a threat-intelligence match on the digest
        # finds it; no digest ('N/A') is left out
        digest = str(value).strip()
        return digest.lower() if _DIGEST.fullmatch(digest) else None
    if target in _LONG_FIELDS:
        # ECS types it long: a number ('200', 200.0: 200), not its text; no whole number ('2OO',
        # true) is left out, as an index would reject the whole document over it
        try:
            number = float("nan" if isinstance(value, bool) else str(value).strip())
        except ValueError:
            return None
        return int(number) if number.is_integer() and abs(number) < 2**63 else None
    if target == "network.transport" and re.fullmatch(r"\d+(\.0)?", str(value).strip()):
        return None  # an IANA protocol number (CICFlowMeter's Protocol): see _map_fields
    text = str(value).strip()
    if not text or text == "-":
        return None
    if target == "network.transport" and text in _NSG_TRANSPORTS:
        # an Azure NSG flow log's tuple names the protocol by a letter (T, U): network.transport
        # "t" matched no rule or dashboard of tcp
        return _NSG_TRANSPORTS[text]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        text = str(int(value))  # a CSV's id column with an empty cell reads as floats: 1000.0
    return text.lower() if target.startswith("network.") or target == "email.direction" else text


def _first_rrname(queries: Any) -> Any:
    """The first name asked of a Suricata DNS v3 event's ``dns.queries`` (a list of
    ``{"rrname", "rrtype"}``, or its JSON text as a table holds it), else ``None``.

    Examples
    --------
    >>> _first_rrname('[{"rrname": "a.example", "rrtype": "TXT"}]'), _first_rrname([]), _first_rrname("x")
    ('a.example', None, None)
    """
    if isinstance(queries, str):
        try:
            queries = json.loads(queries)
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            return None
    first = queries[0] if isinstance(queries, list) and queries else None
    return first.get("rrname") if isinstance(first, dict) else None


def _ecs_field(key: Any, value: Any, fmt: str | None = None,
               fields: Mapping[str, Any] | None = None, record: bool = True,
               known: Collection[str] = ()) -> tuple[str, Any] | None:
    """The ECS field and value ``key``'s ``value`` (a field of data format ``fmt``, among the
    record's ``fields``) goes to, or ``None`` (no ECS name, or a value not valid there: also
    audit's ``?`` and unset ids); a protocol number named as a transport goes to
    ``network.iana_number``, and a port number named as a service to ``destination.port``."""
    target = ecs_target(key, fmt) if fields is None else _field_target(key, fields, fmt, record, known)
    if target is None:
        return None
    if fmt == "gcp-audit" and key == "resource.labels.location" and _GCP_ZONE.fullmatch(str(value).strip()):
        target = "cloud.availability_zone"  # a zonal resource's location: us-central1-c
    if fmt == "auditd" and _audit_missing(value):
        return None
    if (fmt == "kv" and str(value).strip() in ("N/A", "0" if key == "response_code" else "N/A")
            and fields is not None and _f5_asm(fields, known)):
        return None  # F5 ASM's "no value" (username="N/A": no user of that name; a blocked request's
        # response_code="0": no response sent)
    if fmt == "suricata-eve" and key == "dns.queries":
        value = _first_rrname(value)
    if target in _HOST_ADDRESSES and _address(value) and not (
            fields and any(k != key and not _missing(v) and ecs_target(k, fmt) == _HOST_ADDRESSES[target]
                           for k, v in fields.items())):
        # a host "name" that is an address (CyberArk's CEF shost=10.0.3.11, the client that
        # asked for a password) is the host's address, where the record names none of its own
        target = _HOST_ADDRESSES[target]
    if target == "network.protocol" and value is not None and \
            re.fullmatch(r"\d{1,5}(\.0)?", str(value).strip()):
        # a service named by its port (Check Point's service=443), no protocol's name (http):
        # network.protocol "443" named none
        target = "destination.port"
    if target == "network.transport" and fmt not in _FLOW_FORMATS and _application_protocol(value):
        target = "network.protocol"  # proto=ssh: the application's, no transport
    mapped = _ecs_value(target, value)
    if mapped is not None:
        return target, mapped
    if target == "network.transport" and value is not None and \
            re.fullmatch(r"\d{1,3}(\.0)?", str(value).strip()):  # a number of 400 digits: no
        number = int(str(value).strip().removesuffix(".0"))  # protocol (int(float(...)) overflowed)
        return ("network.iana_number", str(number)) if number <= 255 else None
    return None


def _map_fields(doc: dict[str, Any], fields: Mapping[str, Any], fmt: str | None = None,
                record: bool = True, known: Collection[str] = ()) -> dict[str, Any]:
    """Put the kept ``fields`` (of data format ``fmt``; ``record``: a row's, not a group's keys
    or an entity alone; ``known``: the model's input fields) with a known ECS name into ``doc``;
    return the others."""
    rest: dict[str, Any] = {}
    services: list[tuple[Any, Any, Any]] = []  # a service named by its port: after the port fields
    for key, value in fields.items():
        field = _ecs_field(key, value, fmt, fields, record, known)
        if field is None:
            rest[str(key)] = _plain(value)
            continue
        target, mapped = field
        if target == "destination.port" and ecs_target(key, fmt) == "network.protocol":
            services.append((key, value, mapped))
            continue
        _put(doc, target, mapped, fmt)
    for key, value, mapped in services:
        # a record's own destination port wins over its service's number (Check Point's
        # service=443 beside dst_port=8443), which is kept as written, not dropped
        port = doc.get("destination", {}).get("port")
        if port is None:
            _put(doc, "destination.port", mapped, fmt)
        elif port != mapped:
            rest[str(key)] = _plain(value)
    return rest


def _put(doc: dict[str, Any], target: str, mapped: Any, fmt: str | None) -> None:
    """Set ECS field ``target`` of ``doc`` to ``mapped`` (a value of a field of data format
    ``fmt``), with the ``related.*`` list it adds to; a dict of hashes (Sysmon's ``Hashes``)
    sets each of its fields."""
    if isinstance(mapped, dict):
        for name, value in mapped.items():
            _put(doc, f"{target}.{name}", value, fmt)
        return
    if target.startswith("email.") and target.endswith(".address"):
        node = doc.get("email", {}).get(target.split(".")[1], {})
        mapped = list(dict.fromkeys([*node.get("address", []), *mapped]))  # (Sender and headerFrom)
    if target == "user.name" and fmt in WINDOWS_FORMS:  # Sysmon's User: 'THESHIRE\\pgustavo'
        domain, sep, name = str(mapped).rpartition("\\")
        if sep and domain and name and "\\" not in domain:
            _set(doc, "user.domain", domain)
            mapped = name
    _set(doc, target, mapped)
    related = ("related.ip" if target.endswith(".ip") else
               "related.user" if target.startswith(("user.", "process.user.", "destination.user."))
               and target.endswith(".name") else
               "related.hosts" if target in ("host.name", "observer.hostname")
               or (target.endswith(".domain") and not target.startswith("user.")) else
               "related.hash" if ".hash." in target else None)
    if related:
        seen = doc.setdefault("related", {}).setdefault(related.split(".")[1], [])
        if mapped not in seen:
            seen.append(mapped)


def ecs_named(fields: Mapping[str, Any], fmt: str | None = None,
              known: Collection[str] = ()) -> dict[str, Any]:
    """The ``fields`` an alert carries without being asked (``--keep``): those with an ECS name
    (:data:`ECS_FIELDS`: ``src_ip``, ``dest_port``, ``proto``, ``source.ip``, ``hostname``...;
    one the record or the model's input fields, ``known``, give, a GitLab audit event's
    ``details.author_name``) and a value valid there (an address that is an address, a port in
    0–65535, text that is not empty); a missing value (``None``, NaN) is left out, not written as
    null.

    Examples
    --------
    >>> ecs_named({"src_ip": "10.0.0.5", "dest_port": 4444.0, "bytes": 10, "proto": float("nan"),
    ...            "dst_ip": "-", "hostname": "ws1"})
    {'src_ip': '10.0.0.5', 'dest_port': 4444.0, 'hostname': 'ws1'}
    """
    return {key: value for key, value in fields.items()
            if not _missing(value) and _ecs_field(key, value, fmt, fields, known=known) is not None}


def ecs_column(key: object, columns: Collection[str], fmt: str | None = None) -> bool:
    """Whether a table's column ``key`` may go to an ECS field among its ``columns``: by its
    name (:func:`ecs_target`), or by its table's (a GitLab audit event's ``details.author_name``
    beside its ``author_id``, ``entity_id`` and ``entity_type``).

    Examples
    --------
    >>> ecs_column("details.author_name", ["author_id", "entity_id", "entity_type", "details.author_name"])
    True
    >>> ecs_column("details.author_name", ["details.author_name"]), ecs_column("src_ip", [])
    (False, True)
    """
    return (ecs_target(key, fmt) is not None
            or _field_target(key, {}, fmt, record=False, known=tuple(map(str, columns))) is not None)


def _missing(value: Any) -> bool:
    """Whether ``value`` is a missing cell: ``None``, NaN, or pandas' ``NA`` and ``NaT`` (what a
    nullable integer or a time column holds where a row has no value).

    Examples
    --------
    >>> import pandas as pd
    >>> _missing(None), _missing(float("nan")), _missing(pd.NA), _missing(pd.NaT), _missing(0)
    (True, True, True, True, False)
    """
    return value is None or (isinstance(value, float) and value != value) or \
        type(value).__name__ in ("NAType", "NaTType")


def _plain(value: Any) -> Any:
    """A JSON-ready value (numpy scalars and times made plain; NaN, NA and NaT -> ``None``).

    Examples
    --------
    >>> import pandas as pd
    >>> _plain(pd.NaT), _plain(pd.NA), _plain(pd.Timestamp("2026-01-02 03:04:05"))
    (None, None, '2026-01-02T03:04:05.000Z')
    """
    if _missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _message(alert: Mapping[str, Any], rule: AlertRule, threshold: float | None) -> str:
    """One readable line: what was flagged and why."""
    score = alert.get("score")
    level = f", {alert['severity']}" if alert.get("severity") else ""
    vs = f" > threshold {threshold:.4g}" if threshold is not None else ""
    how = f"score {float(score):.4g}{vs}{level}" if score is not None else "flagged"

    def event_text(e: Mapping[str, Any]) -> str:
        where = "at the session's end" if e.get("key") == "<end>" else (
            f"at line {e['line']}" + (f" of {e['file']}" if e.get("file") else "")
            if e.get("line") is not None else f"at position {e.get('position')}")
        what = repr(e.get("template") or e.get("key"))
        novel = "" if e.get("seen_in_training", True) else ", never seen in training"
        expected = [str(x.get("template") or x.get("key")) for x in e.get("expected") or []][:3]
        exp = f"; expected {', '.join(map(repr, expected))}" if expected else ""
        return f"unexpected event {what} {where}{novel}{exp}"

    if "unexpected" in alert:  # a whole session (score, or stream of a session model)
        return (f"hourglass {rule.name}: anomalous log session {alert.get('session')} ({how}): "
                f"{event_text(alert['unexpected'])}")
    if "session" in alert and "key" in alert:  # one event as it arrived (DeepLog stream)
        return f"hourglass {rule.name}: session {alert['session']} ({how}): {event_text(alert)}"
    if "session" in alert:  # a whole session, not explained (the service without 'explain')
        return f"hourglass {rule.name}: anomalous log session {alert['session']} ({how})"
    if "bucket_start" in alert:  # an entity's time bucket
        n = alert.get("rows")
        rows = "" if n is None else f", {n} row" if n == 1 else f", {n} rows"
        why = f": {alert['why']}" if alert.get("why") else ""
        return (f"hourglass {rule.name}: anomalous {rule.entity_field or 'entity'} {alert.get('entity')} "
                f"in bucket {alert['bucket_start']} to {alert.get('bucket_end')} ({how}{rows}){why}")
    # a series' flagged step is a time step, as score and the service name it: its time, else its
    # number (``step``; a stream's alert numbers it ``row``, the same step from 0)
    what = (f"time step {alert['timestamp']}" if "timestamp" in alert else
            f"time step {alert.get('step', alert.get('row'))}"
            if "step" in alert or rule.input == "timeseries" else f"row {alert.get('row')}")
    why = f": {alert['why']}" if alert.get("why") else ""
    return f"hourglass {rule.name}: anomalous {what} ({how}){why}"


def _keys_as_text(alert: dict[str, Any]) -> dict[str, Any]:
    """A log alert with its event keys as text: its own ``key``, its ``unexpected`` event's and
    those of the ``expected`` events. A key is a template number (``2``) or the end of a
    session (``"<end>"``): in one index of ECS documents a field holds one type, and a number
    first made ``hourglass.key`` a number field that refused the end-of-session alerts (as the
    keyword ECS gives an event's code, ``event.code``).

    Examples
    --------
    >>> _keys_as_text({"session": "b1", "key": 7, "expected": [{"key": 2, "p": 0.5}, {"key": "<end>"}]})
    {'session': 'b1', 'key': '7', 'expected': [{'key': '2', 'p': 0.5}, {'key': '<end>'}]}
    >>> _keys_as_text({"session": "b2", "unexpected": {"key": 4.0, "expected": []}})["unexpected"]
    {'key': '4', 'expected': []}
    """
    out = dict(alert)
    key = out.get("key")
    if isinstance(key, float) and key.is_integer():
        key = int(key)  # (a key column read as floats: 4624.0 is the event 4624)
    if key is not None and not isinstance(key, (str, bool, list, dict)):
        out["key"] = str(key)
    if isinstance(out.get("unexpected"), dict):
        out["unexpected"] = _keys_as_text(out["unexpected"])
    if isinstance(out.get("expected"), list):
        out["expected"] = [_keys_as_text(e) if isinstance(e, dict) else e for e in out["expected"]]
    return out


def to_ecs(alert: Mapping[str, Any], rule: AlertRule, *, fields: Mapping[str, Any] | None = None,
           timestamp: Any = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """One hourglass alert as an ECS 8.x alert document (a JSON-ready dict).

    Parameters
    ----------
    alert
        The alert as hourglass writes it: a table row's ``{"row", "score", "severity",
        "calibrated", "top_column", "why"}``, a log session's ``{"session", "score",
        "threshold", "unexpected": {...}}``, a streamed event's ``{"session", "line", "key",
        "template", "expected", ...}``, a time step's ``{"timestamp", "score", ...}``, or an entity
        bucket's ``{"entity", "bucket_start", "bucket_end", "rows", "score", ...}`` (with a rule of
        input ``"entity"``).
        ``calibrated`` (0–1) gives ``event.risk_score``; ``severity`` gives ``event.severity``.
    rule
        The model that raised it (``rule.*``, ``event.dataset``).
    fields
        Input fields kept with the alert (``--keep``): those named in :data:`ECS_FIELDS` go to
        their ECS field, the others to ``hourglass.fields``. ``rule.time_field``'s value, when
        present, is the event time.
    timestamp
        The event's own time (epoch seconds, ISO-8601 text or a datetime); wins over the field.
        A missing one (``None``, NaN, empty or blank text) is no time: the scoring time.
    now
        The scoring time (default: the current time); ``@timestamp`` when the event has no time.

    Returns
    -------
    dict
        The document; ``json.dumps`` writes it as one line.

    Examples
    --------
    >>> import datetime as dt
    >>> rule = AlertRule("autoencoder", "3f9a", threshold=1.5, time_field="ts")
    >>> doc = to_ecs({"row": 7, "score": 4.2, "severity": "high", "calibrated": 0.9996,
    ...               "why": "dst_bytes=9e6 (81%)"}, rule,
    ...              fields={"src_ip": "10.0.0.5", "dst_port": 22, "ts": 1700000000, "site": "b"})
    >>> doc["@timestamp"], doc["event"]["kind"], doc["event"]["severity"], doc["event"]["risk_score"]
    ('2023-11-14T22:13:20.000Z', 'alert', 73, 99.96)
    >>> doc["source"], doc["destination"], doc["hourglass"]["fields"]
    ({'ip': '10.0.0.5'}, {'port': 22}, {'site': 'b'})
    >>> doc["event"]["category"], doc["rule"]["id"]
    (['intrusion_detection', 'network'], '3f9a')
    >>> doc["message"]
    'hourglass autoencoder: anomalous row 7 (score 4.2 > threshold 1.5, high): dst_bytes=9e6 (81%)'
    >>> to_ecs({"row": 0, "score": 2.0}, rule, now=dt.datetime(2026, 1, 2, 3, 4, 5))["@timestamp"]
    '2026-01-02T03:04:05.000Z'
    >>> bucket = to_ecs({"entity": "10.0.0.3", "bucket_start": "2024-01-01T14:00:00",
    ...                  "bucket_end": "2024-01-01T14:05:00", "rows": 72, "score": 1.06,
    ...                  "calibrated": 1.0, "severity": "critical"},
    ...                 AlertRule("autoencoder", "3f9a", "entity", threshold=0.44, entity_field="src_ip"))
    >>> bucket["@timestamp"], bucket["event"]["end"], bucket["source"], bucket["event"]["dataset"]
    ('2024-01-01T14:00:00.000Z', '2024-01-01T14:05:00.000Z', {'ip': '10.0.0.3'}, 'hourglass.entity')
    >>> bucket["message"]  # doctest: +NORMALIZE_WHITESPACE
    'hourglass autoencoder: anomalous src_ip 10.0.0.3 in bucket 2024-01-01T14:00:00 to
     2024-01-01T14:05:00 (score 1.06 > threshold 0.44, critical, 72 rows)'
    """
    created = _iso(now or dt.datetime.now(dt.UTC))
    fields = dict(fields or {})
    field = rule.time_field or "timestamp"
    kept_time = fields.pop(rule.time_field, None) if rule.time_field else None  # -> @timestamp
    if timestamp is None:
        timestamp = kept_time
    if _missing(timestamp) or (isinstance(timestamp, str) and not timestamp.strip()):
        # no time in the row (null, NaN, "", as a JSON line's value is missing): the scoring time,
        # as for a row without the field (read alone, a row cannot tell a column the data lacks)
        timestamp = None
    if timestamp is None and rule.input == "timeseries" and alert.get("timestamp") is not None:
        timestamp, field = alert["timestamp"], "timestamp"
    bucket = rule.input == "entity" and alert.get("bucket_start") is not None
    if timestamp is None and bucket:
        timestamp, field = alert["bucket_start"], "bucket_start"
    when = _timestamp(timestamp, field, rule.time_dayfirst if field == rule.time_field else None) \
        if timestamp is not None else created
    original = {k: _plain(v) for k, v in alert.items()}
    threshold = original.get("threshold", rule.threshold)
    if threshold is not None:
        original["threshold"] = threshold
    mapped: dict[str, Any] = {}
    rest = _map_fields(mapped, fields, rule.data_format, record="group_by" not in alert,
                       known=rule.input_fields)
    if bucket:
        _entity_fields(mapped, rule.entity_field, original.get("entity"), rule.data_format,
                       rule.input_fields)
    elif rule.input == "log" and rule.session_field is not None and original.get("session") is not None:
        # the session of an event table's --session-col is one value of that column: the client
        # of a DNS log's sessions by id.orig_h is source.ip, a user's sessions user.name
        _entity_fields(mapped, rule.session_field, original["session"], rule.data_format,
                       rule.input_fields)
    sign_in = rule.data_format in _SIGN_IN_FORMATS
    # a message trace's alert (its email.* fields): a message, whose sending server's address
    # (source.ip) makes it no flow, as Elastic's mail integrations categorise it
    email = "email" in mapped and rule.data_format not in _NETWORK_FORMATS
    network = not sign_in and not email and (rule.data_format in _NETWORK_FORMATS or (
        rule.data_format not in _API_FORMATS and any(k in mapped for k in ("source", "destination"))))
    for target, value in _FORMAT_CONSTANTS.get(str(rule.data_format), {}).items():
        _set(mapped, target, value)
    doc: dict[str, Any] = {"@timestamp": when, "ecs": {"version": ECS_VERSION}}
    event: dict[str, Any] = {
        **mapped.pop("event", {}),  # the data's own event.* (event.action: a call's name, a verb)
        "kind": "alert", "module": "hourglass", "dataset": rule.dataset,
        "category": ["intrusion_detection", *(["network"] if network else []),
                     *(["authentication"] if sign_in else []), *(["email"] if email else [])],
        "type": ["info"],
        "created": created}
    if original.get("severity") in SEVERITY_NUMBERS:
        event["severity"] = SEVERITY_NUMBERS[original["severity"]]
    if bucket:
        event["start"] = _timestamp(alert["bucket_start"], "bucket_start")
        if alert.get("bucket_end") is not None:
            event["end"] = _timestamp(alert["bucket_end"], "bucket_end")
            length = _parse_iso(event["end"]) - _parse_iso(event["start"])
            event["duration"] = int(length / dt.timedelta(microseconds=1)) * 1000  # ECS: nanoseconds
    calibrated = original.get("calibrated")
    if isinstance(calibrated, (int, float)) and calibrated == calibrated:
        event["risk_score"] = round(min(max(float(calibrated), 0.0), 1.0) * 100, 2)
    doc["event"] = event
    doc["rule"] = {"name": rule.name, "id": rule.id, "ruleset": "hourglass"}
    doc["message"] = _message(original, rule, threshold)
    doc.update(mapped)
    if rest:
        original["fields"] = rest
    original["timestamp_from"] = "data" if timestamp is not None else "scoring"
    doc["hourglass"] = _keys_as_text(original) if rule.input == "log" else original
    return doc


_MISSING_ENTITY = "<missing>"  # hourglass.features.roles.MISSING, without importing pandas here


def _entity_fields(doc: dict[str, Any], column: str | None, entity: Any, fmt: str | None = None,
                   known: Collection[str] = ()) -> None:
    """Put an entity bucket's ``entity`` into the ECS field its ``column`` names (``src_ip``:
    ``source.ip``...); an entity of another column that is an IP address goes to ``related.ip``
    (it stays under ``hourglass.entity`` in every case). The ``<missing>`` entity (the rows
    without an entity value, grouped together) names no host or user: no ECS field gets it.

    Examples
    --------
    >>> doc: dict = {}
    >>> _entity_fields(doc, "TargetUserName", "<missing>"); doc
    {}
    >>> _entity_fields(doc, "TargetUserName", "alice"); doc["user"]
    {'target': {'name': 'alice'}}
    """
    if entity is None or entity == _MISSING_ENTITY:
        return
    if column is not None and (ecs_target(column, fmt) is not None or _email_target(column, known)) and \
            not _map_fields(doc, {column: entity}, fmt, record=False, known=known):
        return  # mapped (a value not valid for its ECS field is not)
    ip = _ecs_value("related.ip", entity)
    if ip is not None:
        seen = doc.setdefault("related", {}).setdefault("ip", [])
        if ip not in seen:
            seen.append(ip)


def with_verdict(alert: Mapping[str, Any], detector: Any) -> dict[str, Any]:
    """``alert`` with the ``calibrated`` probability and ``severity`` of its ``score`` added
    from the fitted ``detector`` when it lacks them (a DeepLog event alert of 'hourglass stream'
    carries only a raw score).

    Examples
    --------
    >>> class Det:
    ...     def calibrate(self, s): return [0.999]
    ...     def severity(self, s): return ["medium"]
    >>> with_verdict({"session": "blk_1", "score": 3.0}, Det())
    {'session': 'blk_1', 'score': 3.0, 'calibrated': 0.999, 'severity': 'medium'}
    """
    out = dict(alert)
    if out.get("score") is not None and "calibrated" not in out:
        out["calibrated"] = float(detector.calibrate([float(out["score"])])[0])
        out["severity"] = str(detector.severity([float(out["score"])])[0])
    return out


def column_values(col: Any) -> Any:
    """A column's values as written: a nullable integer column (64-bit ids with a missing value,
    read exact) as its integers and missing values, where ``to_numpy`` would give floats that
    round the ids past 2**53 (``9007199254740997`` written as ``9.007199254740996e+15``).

    Examples
    --------
    >>> import pandas as pd
    >>> column_values(pd.Series([9007199254740997, None], dtype="Int64")).tolist()
    [9007199254740997, <NA>]
    >>> column_values(pd.Series([1.5, 2.0])).tolist()
    [1.5, 2.0]
    """
    import numpy as np

    if not isinstance(col.dtype, np.dtype) and getattr(col.dtype, "kind", "") in ("i", "u"):
        return col.array
    return col.to_numpy()


def whole_values(col: Any) -> Any:
    """A float column's values with each whole finite float as the whole number it is (a CSV's
    integer column with an empty cell reads as floats: its ``22.0`` is the ``22`` written);
    other columns' values as they are (:func:`column_values`).

    Examples
    --------
    >>> import pandas as pd
    >>> whole_values(pd.Series([22.0, None, 22.5])).tolist()
    [22, nan, 22.5]
    """
    import numpy as np

    values = column_values(col)
    if not isinstance(values, np.ndarray):
        return values
    if values.dtype.kind != "f":
        return values
    out = values.astype(object)
    with np.errstate(invalid="ignore"):
        is_whole = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < 2**53)
    out[is_whole] = values[is_whole].astype(np.int64).astype(object)  # Python ints, as whole() gives
    return out


def _records(frame: Any) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts, a float column's whole numbers as integers
    (:func:`whole_values`), as the JSON lines of ``hourglass score`` write them."""
    floats = [i for i, t in enumerate(frame.dtypes) if getattr(t, "kind", "") == "f"]
    if floats:
        frame = frame.copy()
        for i in floats:
            frame.isetitem(i, whole_values(frame.iloc[:, i]))
    return frame.to_dict("records")


def frame_alerts(result: Any, rule: AlertRule, *, fields: Any = None, times: Any = None,
                 now: dt.datetime | None = None, named: Any = None) -> list[dict[str, Any]]:
    """ECS documents of the flagged rows of a scored frame (``hourglass score``'s columns:
    ``row``/``timestamp``/``step``, ``score``, ``flag``, ``calibrated``, ``severity``...).

    ``fields`` (a frame, same rows) holds the kept input columns; ``times`` (a sequence of
    datetimes, same rows) each row's event time (``NaT``/``None``: none, the scoring time; a
    kept time column's value then stays under ``hourglass.fields``); ``named`` (a frame, same
    rows) input columns with an ECS name, each row's valid values of which go to their ECS
    fields as well (:func:`ecs_named`; a kept column wins).

    Examples
    --------
    >>> import pandas as pd
    >>> result = pd.DataFrame({"row": [0, 1], "score": [0.1, 5.0], "flag": [0, 1],
    ...                        "calibrated": [0.2, 0.9999], "severity": ["low", "critical"]})
    >>> docs = frame_alerts(result, AlertRule("vae", "ab"), fields=pd.DataFrame({"user": ["x", "eve"]}))
    >>> len(docs), docs[0]["user"], docs[0]["event"]["severity"], docs[0]["hourglass"]["row"]
    (1, {'name': 'eve'}, 99, 1)
    """
    import numpy as np

    now = now or dt.datetime.now(dt.UTC)
    flagged = np.flatnonzero(result["flag"].to_numpy() == 1).tolist()
    records = result.iloc[flagged].drop(columns=["flag"]).to_dict("records")
    if fields is not None and fields.columns.has_duplicates:  # --keep a --keep a: one field
        fields = fields.loc[:, ~fields.columns.duplicated()]  # (pandas warns of each otherwise)
    kept = _records(fields.iloc[flagged]) if fields is not None else [{}] * len(flagged)
    if named is not None and named.shape[1]:
        kept = [{**ecs_named(auto, rule.data_format, rule.input_fields), **own} for auto, own in
                zip(_records(named.iloc[flagged]), kept, strict=True)]
    docs = []
    for i, alert, extra in zip(flagged, records, kept, strict=True):
        when = times[i] if times is not None else None
        raw = None
        if times is not None and (when is None or when != when) and rule.time_field in extra:
            extra = dict(extra)  # no readable time (--on-bad-rows skip): not the kept value's
            raw = extra.pop(rule.time_field)
        doc = to_ecs(alert, rule, fields=extra, now=now,
                     timestamp=None if when is None or when != when else when)
        if raw is not None:
            doc["hourglass"].setdefault("fields", {})[rule.time_field] = raw
        docs.append(doc)
    return docs
