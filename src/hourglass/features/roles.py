"""Column roles (numeric, categorical, hashed, IP address, port, dropped) and their encoders.

Roles are inferred from names and values and can be overridden. The encoders here are
vectorised (they run on every chunk of a multi-gigabyte file) and deterministic: hashing uses
pandas' fixed-key SipHash, never Python's salted ``hash``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Collection, Container, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hourglass._numbers import DIGITAL_STATES, DURATION, is_duration, with_sizes

__all__ = ["CREDENTIAL_NUMBERS", "DIGITAL_STATES", "ID_NAME", "IP_FORM", "NULL_TEXT", "NUMBER_GAPS",
           "PHONE_NUMBERS", "PLACEHOLDERS", "ROLES", "SCORE_OUTPUT", "SEPARATED_NUMBERS", "TEXT_NUMBERS",
           "ZERO_PADDED", "TableTells",
           "canonical_text", "clock_values", "dhcp_audit_names", "dropped_score_output",
           "factorize_strings", "foreign_digit_number", "identifier_name", "infer_role", "ip_parts",
           "ipv4_bucket", "ipv4_private", "is_ip", "is_time_name", "near_unique", "normal_leaf",
           "numeric_identifier", "port_numbers", "score_output_columns", "separated_hint",
           "separated_number", "separated_warning", "splunk_time", "stable_hash", "string_values",
           "table_tells", "type_line_hint", "unit_number", "unpadded", "unpadded_reason", "version_text"]

logger = logging.getLogger(__name__)

ROLES = ("numeric", "categorical", "hash", "ip", "port", "drop")
MISSING = "<missing>"
#: Text that stands for "no value" in a numeric column of a generic CSV (Zeek's and Bro-style
#: exports write ``-`` for unset, ``(empty)`` for an empty set): missing, not a category. (The
#: Zeek, VPC flow and UNSW-NB15 readers turn ``-`` into a missing value already.) Also the
#: spellings the table reader takes for a missing cell (``NaN``, ``N/A``, ``null`` ...:
#: :data:`hourglass.ingest.tables.NULL_VALUES`), which reach a numeric column as text from JSON
#: lines, a scoring request or a stream: the same values as a CSV must read alike.
PLACEHOLDERS = ("-", "(empty)", "NaN", "nan", "NA", "N/A", "n/a", "NULL", "null", "None", "-nan", "#N/A",
                "?")
#: what a column of numbers reads as missing: :data:`PLACEHOLDERS` and :data:`DIGITAL_STATES`
NUMBER_GAPS = (*PLACEHOLDERS, *DIGITAL_STATES)
#: the missing spellings of a text cell (:data:`PLACEHOLDERS` less ``-`` and ``(empty)``, which
#: stay text there): the table reader reads them as missing; from JSON lines, the service or a
#: stream they come as text
NULL_TEXT = tuple(sorted(set(PLACEHOLDERS) - {"-", "(empty)"}))
#: the reason a column of text is given the numeric role (its values nearly all numbers)
TEXT_NUMBERS = "numbers stored as text"
#: Why a column of numbers under a version's name (``osVersion``, ``OS version``,
#: ``productVersion``: Intune's, Jamf's and Defender's inventories; ``17.4``, ``14`` read as
#: numbers where every device's happened to have two parts or one) is a category: as a magnitude,
#: the next export's ``17.4.1`` was text in a column of numbers and refused, its device unscored
VERSION_CODE = "version (a release, no magnitude: 14.10 comes after 14.9, 14.4.1 is no number)"
#: Jamf Pro's id of a computer or mobile device in its inventory, as its webhooks name it
#: (``event.computer.jssID``, a mobile device event's ``event.jssID``): the device's number, 42
#: no neighbour of 43, a newly enrolled device's past the training range
_JAMF_ID = "jssid"
#: What a scorer's refusal of a number written with separators (``'1,5'``, ``'96,000'``) in a
#: numeric column says: no bad cell to skip, but a regional export's every number.
SEPARATED_NUMBERS = ("a number written with a decimal comma or thousands separators, as a "
                     "spreadsheet in a European locale exports it: export the data with a decimal "
                     "point and no separators")

#: the reason of a column left out by its name, an identifier's or a time's (``id``, ``ts``, ``JobID``)
ID_NAME = "identifier/timestamp name"
_ID_NAMES = {"id", "flowid", "uid", "timestamp", "ts", "time", "stime", "ltime", "starttime",
             "endtime", "date", "datetime", "eventtime", "firstseen", "lastseen",
             # systemd's journal (journalctl -o json): its clocks, the monotonic one microseconds
             # since boot (ever rising, back to 0 at each boot: no magnitude of the event), and
             # its entries' sequence number
             "monotonictimestamp", "sourcemonotonictimestamp", "realtimetimestamp",
             "sourcerealtimetimestamp", "seqnum",
             # a Kubernetes object's resourceVersion (metadata.resourceVersion, an event's
             # involvedObject.resourceVersion: kubectl get events -o json, a watch's lines, a
             # shipper's kubernetes metadata): etcd's revision as digits, rising with every write
             # in the cluster, so each later day's would lie past the training range
             "resourceversion",
             # Google Workspace's Reports API activity id (id.uniqueQualifier, with id.time):
             # a random signed 64-bit number as text, new with each activity, no magnitude
             "uniquequalifier",
             # Microsoft Defender for Office's EmailClusterId (EmailEvents, as advanced hunting
             # exports it or a Sentinel table holds it): the number of a group of similar mails,
             # a 64-bit id with no magnitude; a new campaign's is new, never seen in training
             "emailclusterid",
             # the NetFlow export packet's sequence counter that Logstash's netflow codec puts in
             # each flow (netflow.flow_seq_num): it rises with every packet the router sends, so
             # each later flow's lay past the training range and every one scored an anomaly
             "flowseqnum",
             # macOS: the Mach clock, ticks since boot (the unified log's machTimestamp, as log
             # show --style ndjson writes it; eslogger's mach_time), ever rising as the journal's
             # monotonic one, Endpoint Security's global_seq_num, rising with every event, and the
             # boot's id (the unified log's bootUUID, the journal's _BOOT_ID): a new value at
             # each boot, every later event's never seen
             "machtimestamp", "machtime", "globalseqnum", "bootuuid", "bootid",
             # the unified log's activity ids (activityIdentifier, parentActivityIdentifier):
             # numbered as activities begin, rising through a boot, each later one past training
             "activityidentifier", "parentactivityidentifier",
             # a CI system's build counter: GitHub Actions' run_number (a workflow's runs numbered
             # 1, 2, 3 ...), a build_number (Jenkins' BUILD_NUMBER, as exports name it), rising
             # with every build, so every later run's lay past the training range (of a table of
             # builds or CI runs: see _CI_COUNTERS)
             "runnumber", "buildnumber",
             # a phone's or tablet's hardware and SIM identifiers, as Intune (Graph's imei, meid,
             # iccid; its export's IMEI, MEID, ICCID), Jamf and Workspace ONE inventories name
             # them: digits with no magnitude (an IMEI's leading zero lost, 15 digits min-max
             # scaled), one device's each, so a new phone's lay anywhere in the training range
             "imei", "imeisv", "meid", "iccid", "imsi",
             # a batch scheduler's job id (Slurm's JobID, sacct --json's job_id, a PBS record's,
             # HTCondor's ClusterId in condor_history -json): numbered as jobs are submitted, so
             # every later job's lay past the training range (of a table of jobs: see _JOB_COUNTERS)
             "jobid", "clusterid"}
#: of :data:`_ID_NAMES`, a CI system's build counters: dropped in a table of builds (near-unique,
#: or told GitHub Actions' or Jenkins'); a few values repeated (an inventory's Windows
#: ``BuildNumber``, 19045 or 22631 on each of 300 hosts) are no counter, read as any column
_CI_COUNTERS = frozenset({"runnumber", "buildnumber"})
#: of :data:`_ID_NAMES`, a batch scheduler's job id: dropped where near-unique (a job accounting
#: table's, one row a job); a few values repeated (a backup report's ``Job ID``, one job's runs
#: each night) are no counter, read as any column
_JOB_COUNTERS = frozenset({"jobid", "clusterid"})
_IP_NAMES = {"ip", "srcip", "dstip", "destip", "sourceip", "destinationip", "idorigh", "idresph",
             "saddr", "daddr", "srcaddr", "dstaddr", "clientip", "serverip", "ipsrc", "ipdst"}
_PORT_NAMES = {"port", "sport", "dport", "dsport", "srcport", "dstport", "destport", "sourceport",
               "destinationport", "idorigp", "idrespp", "srcpt", "dstpt", "spt", "dpt",
               # NetFlow v9 / nProbe (the NF-* flow datasets), IPFIX, and firewalls' NAT ports
               "l4srcport", "l4dstport", "sourcetransportport", "destinationtransportport",
               "natsport", "natdport", "natsourceport", "natdestinationport",
               # pmacct's print and Kafka plugins (port_src, port_dst)
               "portsrc", "portdst"}
#: IP protocol numbers (6 TCP, 17 UDP, 1 ICMP) are codes, not magnitudes, as every flow format's
#: roles have them (VPC flow logs' protocol, CIC-IDS's Protocol, NetFlow v9's PROTOCOL)
_PROTOCOL_NAMES = {"proto", "protocol", "ipproto", "ipprotocol", "protocolidentifier", "protocolnumber"}
#: TCP flag bits as a number (2 SYN, 18 SYN+ACK, 17 FIN+ACK: NetFlow v9's TCP_FLAGS, IPFIX's
#: tcpControlBits) are a set of flags, not a magnitude, as the VPC and EVE formats read them
_TCP_FLAG_NAMES = {"tcpflags", "clienttcpflags", "servertcpflags", "tcpcontrolbits"}
#: a file's mode and flags as stat() gives them, and a code signature's flags, as macOS's eslogger
#: writes a process's (``executable.stat.st_mode``: 33261 is 0o100755; ``st_flags``;
#: ``codesigning_flags``: CS_VALID 0x1, CS_ADHOC 0x2, CS_RUNTIME 0x10000 ...): sets of bits, an ad
#: hoc signature 2 away from a valid one in 570,522,385, no magnitude
_BIT_FIELD_NAMES = {"stmode", "stflags", "codesigningflags"}
#: an HTTP status (a web server's access log: nginx's $status, Apache's %>s, IIS's sc-status,
#: ECS http.response.status_code; a name ending in status too, Cloudflare's EdgeResponseStatus)
#: is a code: 404 is no more "than" 200, nor 500 near 404
_HTTP_STATUS_NAMES = {"status", "statuscode", "httpstatus", "httpstatuscode", "responsecode",
                      "responsestatus", "scstatus", "httpresponsestatuscode"}


def _last_word(name: str) -> str:
    """The last word of column ``name``, lowered (``L7_PROTO``: ``proto``; ``IpPort``: ``port``).

    Examples
    --------
    >>> _last_word("L7_PROTO"), _last_word("remotePort"), _last_word("ICMP_IPV4_TYPE"), _last_word("-")
    ('proto', 'port', 'type', '')
    """
    words = _NAME_WORDS.findall(name)
    return words[-1].lower() if words else ""


#: the end of a name of codes (``ICMP_TYPE``, ``DNS_QUERY_TYPE``, ``FTP_COMMAND_RET_CODE``,
#: Zeek's ``qtype`` and ``rcode``, SNMP's ``ifType``, ``exit_code``), ``_`` left out: their
#: whole numbers name kinds (8 an ICMP echo request, 28 an AAAA query), no magnitude, as the
#: entity features (``_CODE_NAME``) and the Zeek format's roles read them
_CODE_END = re.compile(r"(code|type)$")


def _code_numbers(key: str, s: pd.Series) -> bool:
    """Whether numeric column ``s`` under normalised name ``key`` holds codes: a name ending in
    ``code`` or ``type`` and whole numbers (some present).

    Examples
    --------
    >>> _code_numbers("icmptype", pd.Series([0, 8, 3])), _code_numbers("retcode", pd.Series([0, 530]))
    (True, True)
    >>> _code_numbers("icmptype", pd.Series([0.5, 8.0])), _code_numbers("bytes", pd.Series([1, 2]))
    (False, False)
    """
    if _CODE_END.search(key) is None:
        return False
    v = _whole_numbers(s)
    return v is not None


#: a rule's or signature's id, as IDS and SIEM alerts name it (Wazuh's and ECS's ``rule.id``,
#: ``rule_id``, ``signature_id``): the rule that fired (Wazuh 5715 an SSH login, 5716 a failed
#: one; a Snort SID), a code, neither a magnitude nor an identifier of the alert
_RULE_ID_NAMES = frozenset({"ruleid", "signatureid"})
#: a vulnerability scanner's check, by its number: Nessus' ``Plugin ID`` (a CSV export's; a
#: Tenable.io export's ``plugin.id``, ``plugin_id``) and Qualys' ``QID`` (19506 the scan's
#: information, 187315 Terrapin, 202185 regreSSHion: no neighbours), a code as a rule's id is
_SCANNER_CHECK_NAMES = frozenset({"pluginid", "qid"})
#: names of codes that end in neither ``code`` nor ``type``: a firewall's rule or policy number
#: (``Rule``, ``policyid``), a Windows event id (``EventID``,
#: ``winlog.event_id``: 4625 a failed logon, no neighbour of 4624 a logon), a socket's address
#: family (osquery's ``family``: 2 AF_INET, 10 AF_INET6), SNMP's interface status
#: (``ifOperStatus``: 1 up, 2 down), a DNS query's class (``qclass``: 1 IN, 255 ANY, as the Zeek
#: format reads it) and an IIS log's sub-status and Windows status of a request (``sc-substatus``:
#: 401.1 a failed logon, 401.2 another cause; ``sc-win32-status``: 0 done, 64 the client gone,
#: 1236 aborted); near-unique whole numbers under such a name are no codes (an event's serial
#: number, :func:`numeric_identifier`'s)
_CODE_NAMES = {"eventid", "family", "ifoperstatus", "ifadminstatus", "qclass", "scsubstatus",
               "scwin32status", *_RULE_ID_NAMES, *_SCANNER_CHECK_NAMES,
               # a firewall's rule or policy by its number: Check Point's 'Rule' (a SmartConsole
               # CSV export), pfSense's and OPNsense's rule number, FortiGate's policyid in a
               # FortiAnalyzer or SIEM CSV export (rule 5 is no neighbour of rule 6)
               "rule", "rulenumber", "rulenum", "policyid", "policynumber",
               # an error's number: Microsoft 365's unified audit log's sign-in ErrorNumber (Entra's
               # AADSTS codes as text: "0" done, "50126" a wrong password, "50074" MFA asked, no
               # neighbour of 50126), and an error code so named elsewhere
               "errornumber",
               # a Modbus poller's or gateway log's unit (slave) id and register address: unit 17
               # behind a gateway is no neighbour of 1 and 3, a write to holding register 40050 none
               # of 40011 and 40100 (a register's hex text, 0x0064, is text, a category already)
               "unitid", "slaveid", "register", "registeraddress",
               # a process's exit status: a PBS/Torque accounting record's Exit_status (0 done, 1
               # an error, 127 no such command, 271 killed by SIGTERM, -11 a PBS reason), the
               # journal's EXIT_STATUS: 271 is no more anomalous than 1 for its size, as the entity
               # features (a name ending in 'status') and an 'exit_code' (a name ending in 'code') read it
               "exitstatus",
               # HTCondor's JobStatus (condor_history -json, condor_q -json): 1 idle, 2 running, 3
               # removed, 4 completed, 5 held (held no neighbour of completed)
               "jobstatus"}
#: columns of PowerShell's ``Get-WinEvent | Export-Csv`` (an ``EventLogRecord``), whose event id
#: is named ``Id``: two of them beside ``Id`` tell such an export from a table of row ids
_WINEVENT_COLUMNS = {"providername", "logname", "recordid", "timecreated", "leveldisplayname",
                     "machinename", "taskdisplayname", "opcodedisplayname", "keywordsdisplaynames"}


#: the columns of such an export that identify an event, a process or an activity, as the
#: ``.evtx`` reader's drops them: the record number rises with every event of its log (the next
#: day's all past training), each new process, thread or activity has new ids
_WINEVENT_IDS = {"recordid": "Windows event record number (rises with every event of its log)",
                 "processid": "Windows event's process id (new with each process)",
                 "threadid": "Windows event's thread id (new with each thread)",
                 "activityid": "Windows event's activity GUID",
                 "relatedactivityid": "Windows event's activity GUID"}


#: the fields of Splunk's Windows add-on (sourcetype WinEventLog, its CSV or JSON export) that
#: tell a table of its events, two at least; its ``RecordNumber`` is the record number
_SPLUNK_WINEVENT_COLUMNS = frozenset({"eventcode", "logname", "computername", "sourcename",
                                      "taskcategory"})


def _winevent_export_id(key: str, columns: Iterable[object]) -> str:
    """The reason to drop a column under normalised name ``key`` as an identifier of PowerShell's
    ``Get-WinEvent | Export-Csv`` (:data:`_WINEVENT_IDS`), in a table that its ``Id`` and two of
    its columns tell (:func:`_winevent_id`), or Splunk's ``RecordNumber`` of a Windows event,
    in a table that two of its Windows add-on's fields tell (:data:`_SPLUNK_WINEVENT_COLUMNS`),
    else ``""``.

    Examples
    --------
    >>> _winevent_export_id("recordid", ["Id", "RecordId", "ProviderName", "TimeCreated"])
    'Windows event record number (rises with every event of its log)'
    >>> _winevent_export_id("recordnumber", ["_time", "EventCode", "LogName", "RecordNumber"])
    'Windows event record number (rises with every event of its log)'
    >>> _winevent_export_id("recordid", ["RecordId", "bytes"])
    ''
    """
    if key != "recordnumber" and key not in _WINEVENT_IDS:  # (the names read only for these)
        return ""
    names = {_norm(str(c)) for c in columns}
    if key == "recordnumber":
        return _WINEVENT_IDS["recordid"] if len(names & _SPLUNK_WINEVENT_COLUMNS) >= 2 else ""
    return _WINEVENT_IDS[key] if "id" in names and len(names & _WINEVENT_COLUMNS) >= 2 else ""


def _winevent_id(key: str, tells: TableTells) -> bool:
    """Whether a column under normalised name ``key`` is the event id (``Id``) of a Windows
    event export (:data:`_WINEVENT_COLUMNS`), ``tells`` read from its table's column names."""
    return key == "id" and tells.winevent_export


#: a Windows event's own codes beside its event id, as a SIEM's table of Security events exports
#: them (Microsoft Sentinel's ``SecurityEvent``: ``Task`` 12544 Logon, 12545 Logoff, 14339
#: Kerberos; ``Level``; ``Opcode``), whole numbers naming kinds, as the Windows formats read them;
#: and the same codes under other exporters' names: NXLog's ``OpcodeValue`` and ``SeverityValue``
#: (the OTRF/Mordor files: ``Opcode`` holds the opcode's name there), ``CategoryNumber`` of
#: PowerShell's ``Get-EventLog | Export-Csv`` (the task: 12544 Logon), and Log Analytics' ``Event``
#: table's ``EventLevel`` (1 Error, 2 Warning, 4 Information) and ``EventCategory``
_WINEVENT_CODES = {"task", "opcode", "level", "keywords", "opcodevalue", "severityvalue",
                   "categorynumber", "eventlevel", "eventcategory", "version"}


#: why a Windows event's ``Task``, ``Opcode`` or ``Level`` is a code (:func:`_winevent_code`)
_WINEVENT_CODE = "Windows event code (Task, Opcode or Level beside an EventID)"
#: why its ``Keywords`` is: a 64-bit mask (audit success 0x8020000000000000, failure
#: 0x8010000000000000: -9214364837600034816 and -9218868437227405312 as Get-WinEvent writes them),
#: whose min-max scale put a failed logon 0.0002 from a successful one
_WINEVENT_KEYWORDS = "Windows event keywords (a bit mask beside an EventID)"
#: why its ``Version`` is: the version of its event id's schema (a Security log's 4624 version 2
#: beside 4768 version 0, as the .evtx reader reads it: a category), no magnitude
_WINEVENT_VERSION = "Windows event version (of the schema of the EventID beside it)"


def _winevent_reason(key: str) -> str:
    """Why a column under normalised name ``key`` that :func:`_winevent_code` tells is a code."""
    return {"keywords": _WINEVENT_KEYWORDS, "version": _WINEVENT_VERSION}.get(key, _WINEVENT_CODE)


def _winevent_code(key: str, tells: TableTells) -> bool:
    """Whether a column under normalised name ``key`` is a Windows event's ``Task``, ``Opcode``,
    ``Level``, ``Keywords`` or ``Version`` (:data:`_WINEVENT_CODES`), ``tells`` read from its table's column
    names, one of which is an ``EventID``, or the ``Id`` of PowerShell's ``Get-WinEvent | Export-Csv``
    (:func:`_winevent_id`).

    Examples
    --------
    >>> tells = table_tells(["TimeGenerated", "EventID", "Task"])
    >>> _winevent_code("task", tells), _winevent_code("task", table_tells(["Task"]))
    (True, False)
    >>> _winevent_code("level", table_tells(["Id", "Level", "ProviderName", "TimeCreated"]))
    True
    """
    return key in _WINEVENT_CODES and tells.winevent


#: the envelope of an osquery result log line (``osqueryd.results.log``, differential or snapshot)
#: that tells such a table: the agent's host, the run's time as text and in epoch seconds
_OSQUERY_COLUMNS = frozenset({"hostidentifier", "calendartime", "unixtime"})
#: its bookkeeping of a scheduled query's runs: ``counter`` counts the differential results since
#: ``epoch`` (which the configuration sets): ever rising, each later run past the training scale
_OSQUERY_COUNTERS = frozenset({"counter", "epoch"})


def _osquery_counter(key: str, tells: TableTells) -> bool:
    """Whether a column under normalised name ``key`` is the run counter or epoch of an osquery
    result log (:data:`_OSQUERY_COUNTERS`), ``tells`` read from its table's column names, which
    hold osquery's envelope (:data:`_OSQUERY_COLUMNS`), two of its three names at least (an entity
    model's ``--drop calendarTime`` takes that column out of the table its roles are read from).

    Examples
    --------
    >>> _osquery_counter("counter", table_tells(["name", "hostIdentifier", "calendarTime", "unixTime"]))
    True
    >>> _osquery_counter("counter", table_tells(["name", "hostIdentifier", "unixTime", "counter"]))
    True
    >>> _osquery_counter("counter", table_tells(["host", "unixTime", "counter"]))
    False
    """
    return key in _OSQUERY_COUNTERS and tells.osquery


#: the columns of a database server's audit or CSV log (under a header the user names from the
#: documentation: these files have none) that tell such a table, two at least: MariaDB's
#: ``server_audit`` (``serverhost,username,host,connectionid,queryid,operation,database,object,
#: retcode``), PostgreSQL's ``csvlog`` (``session_id``, ``session_line_num``,
#: ``virtual_transaction_id``, ``session_start_time``, ``command_tag``) and Oracle Database's
#: audit trail as SQL Developer, SQL*Plus or a SIEM's database input export it
#: (``UNIFIED_AUDIT_TRAIL``: ``EVENT_TIMESTAMP``, ``DBUSERNAME``, ``ACTION_NAME``,
#: ``RETURN_CODE``, ``UNIFIED_AUDIT_POLICIES`` ...; the traditional ``DBA_AUDIT_TRAIL``:
#: ``OS_USERNAME``, ``USERHOST``, ``ACTION_NAME``, ``RETURNCODE``, ``OBJ_NAME``, ``PRIV_USED``)
_DB_LOG_COLUMNS = {"mariadb": frozenset({"serverhost", "connectionid", "queryid", "operation",
                                         "retcode"}),
                   "postgresql": frozenset({"sessionid", "sessionlinenum", "virtualtransactionid",
                                            "sessionstarttime", "commandtag"}),
                   "oracle": frozenset({"dbusername", "osusername", "userhost", "actionname",
                                        "returncode", "unifiedauditpolicies", "clientprogramname",
                                        "eventtimestamp", "eventtimestamputc", "objectschema",
                                        "audittype", "objname", "privused"}),
                   # IBM i's audit journal (QAUDJRN) as DSPJRN OUTPUT(*OUTFILE) writes it, its
                   # fields named JO...: JOENTT, JOTSTP, JOJOB, JOUSER, JONBR, JOUSPF ...
                   "ibmi": frozenset({"joentt", "jocode", "joseqn", "jotstp", "jojob", "jouser",
                                      "jonbr", "jopgm", "jouspf", "josynm", "joesd"})}
#: their counters, each rising with every connection, query, session or transaction since the
#: server started (each later one past training, or a category never seen): no property of an event
_DB_LOG_COUNTERS = {
    "mariadb": {"connectionid": "MariaDB audit's connection id (a counter since the server started)",
                "queryid": "MariaDB audit's query id (a counter since the server started)"},
    "postgresql": {"sessionid": "PostgreSQL csvlog's session id (the backend's start time and pid)",
                   "sessionlinenum": "PostgreSQL csvlog's line number in its session",
                   "virtualtransactionid": "PostgreSQL csvlog's virtual transaction id (a counter)",
                   "transactionid": "PostgreSQL csvlog's transaction id (a counter)"},
    "oracle": {"sessionid": "Oracle audit's session id (a counter since the database was created)",
               "proxysessionid": "Oracle audit's proxy session id (a counter)",
               "entryid": "Oracle audit's record number in its session (a counter)",
               "statementid": "Oracle audit's statement number in its session (a counter)",
               "scn": "Oracle's system change number (rises with every change to the database)"},
    "ibmi": {"joseqn": "IBM i journal's sequence number (rises with every entry)",
             "jonbr": "IBM i job number (numbered as jobs start)",
             "joccid": "IBM i journal's commit cycle id (a counter)"}}


def _db_log_counter(key: str, tells: TableTells) -> str:
    """The reason to drop a column under normalised name ``key`` as a database log's counter
    (:data:`_DB_LOG_COUNTERS`) in a table that two of its log's columns tell
    (:data:`_DB_LOG_COLUMNS`; ``tells`` read from its table's column names), else ``""``.

    Examples
    --------
    >>> _db_log_counter("queryid", table_tells(["timestamp", "serverhost", "connectionid", "queryid"]))
    "MariaDB audit's query id (a counter since the server started)"
    >>> _db_log_counter("sessionlinenum", table_tells(["log_time", "session_id", "session_line_num"]))
    "PostgreSQL csvlog's line number in its session"
    >>> _db_log_counter("sessionid", table_tells(["EVENT_TIMESTAMP", "DBUSERNAME", "SESSIONID"]))
    "Oracle audit's session id (a counter since the database was created)"
    >>> _db_log_counter("queryid", table_tells(["queryid", "calls", "total_exec_time"]))
    ''
    """
    for log in tells.db_logs:
        if key in _DB_LOG_COUNTERS[log]:
            return _DB_LOG_COUNTERS[log][key]
    return ""


#: a Wazuh or OSSEC alert's ``rule.firedtimes``: the times its rule has fired since the manager
#: started, rising with every alert of the rule (each later one past training)
_FIRED_TIMES = "firedtimes"


#: the fields that tell a Snort 3 alert table (``alert_json``, or ``alert_csv`` under a header
#: naming its fields): its packet number beside two of its packet and rule fields
_SNORT3_TELLS = frozenset({"pktgen", "srcap", "dstap", "rule"})
#: a Snort 3 alert's rule codes: the generator, signature and revision of the rule
#: (``1:2019401:3``) and its class's priority, whole numbers naming kinds (SID 2019402 is another
#: rule, no neighbour of 2019401), as the ``suricata-eve`` format reads its signature ids
_SNORT3_CODES = frozenset({"gid", "sid", "rev", "priority"})
#: a Snort 3 alert's clocks: ``pkt_num``, the packets the sensor has seen since it started, and
#: ``seconds``, the alert's epoch time, both rising with every later alert (past training)
_SNORT3_CLOCKS = {"pktnum": "Snort's packet counter (rises with every packet the sensor sees)",
                  "seconds": "Snort's alert time (epoch seconds)"}


def _snort3(names: frozenset[str]) -> bool:
    """Whether the normalised column names ``names`` are a Snort 3 alert table's
    (:data:`_SNORT3_TELLS`): ``pkt_num`` beside two at least of ``pkt_gen``, ``src_ap``,
    ``dst_ap`` and ``rule``.

    Examples
    --------
    >>> _snort3(frozenset({"timestamp", "pktnum", "proto", "pktgen", "srcap", "dstap", "rule"}))
    True
    >>> _snort3(frozenset({"pktnum", "rule"})), _snort3(frozenset({"srcap", "dstap", "rule"}))
    (False, False)
    """
    return "pktnum" in names and len(names & _SNORT3_TELLS) >= 2


def _snort_rule(names: frozenset[str]) -> bool:
    """Whether the normalised column names ``names`` are a Snort alert table's by its rule's
    three parts, ``gid``, ``sid`` and ``rev`` (Snort 2's or 3's ``alert_csv`` under a header
    naming its fields, with no ``pkt_num``; a SIEM's table of Snort alerts).

    Examples
    --------
    >>> _snort_rule(frozenset({"timestamp", "gid", "sid", "rev", "msg"}))
    True
    >>> _snort_rule(frozenset({"pid", "sid", "gid"}))
    False
    """
    return {"gid", "sid", "rev"} <= names


#: the fields every SonicWall (SonicOS) syslog line starts with, ``id=firewall sn=... time="..."
#: fw=... pri=... c=... m=... msg="..." n=...``: three of them at least tell such a log
_SONICWALL_TELLS = frozenset({"sn", "fw", "pri", "c", "m", "n"})
#: of a SonicWall log, its numbers that name kinds (message 537 is no neighbour of 536): the
#: message id, its category bits, syslog priority, application id and the IP protocol's number
#: (``ipscat``, ``ipspri``, ``appcat`` and the like are named so, and read by their values)
_SONICWALL_CODES = {"m": "SonicWall's message id", "c": "SonicWall's event category",
                    "pri": "SonicWall's syslog priority", "app": "SonicWall's application id",
                    "gcat": "SonicWall's event group category"}
#: of a SonicWall log, its fields of no property of the event: ``n``, the count of events of
#: its message id since the firewall started (each later one past training), and the hardware
#: addresses of the hosts (a device's id, as the kv format drops FortiGate's srcmac)
_SONICWALL_DROPS = {"n": "SonicWall's event counter (rises with every event of its message id)",
                    "srcmac": "a MAC address (a device's id)", "dstmac": "a MAC address (a device's id)"}


#: the columns every Windows DHCP Server audit log (DhcpSrvLog-Mon.log, DhcpV6SrvLog-Mon.log)
#: begins with, ``ID,Date,Time,Description,IP Address,Host Name,...``: its ``ID`` is the event id
#: (with the client's MAC Address, the DHCPv6 log's Duid Length: :func:`dhcp_audit_names`; a
#: ticket's or an alert's table, ``ID,Date,Time,Description,Host Name,...``, holds neither)
_DHCP_AUDIT_TELLS = frozenset({"id", "date", "time", "description", "hostname"})
#: the client's own column beside those, one at least: the DHCPv4 log's ``MAC Address``, the
#: DHCPv6 log's ``Duid Length`` and ``Duid Bytes(Hex)``
_DHCP_CLIENT_TELLS = frozenset({"macaddress", "duidlength", "duidbyteshex"})


def dhcp_audit_names(names: Collection[str]) -> bool:
    """Whether ``names`` (lowered, letters and digits only) are a Windows DHCP Server audit log's
    columns: :data:`_DHCP_AUDIT_TELLS` and one of :data:`_DHCP_CLIENT_TELLS`.

    Examples
    --------
    >>> dhcp_audit_names({"id", "date", "time", "description", "ipaddress", "hostname", "macaddress"})
    True
    >>> dhcp_audit_names({"id", "date", "time", "description", "hostname", "severity"})  # a ticket's
    False
    """
    return _DHCP_AUDIT_TELLS.issubset(names) and not _DHCP_CLIENT_TELLS.isdisjoint(names)


#: of such a log, its numbers that name kinds: the event id (10 a new lease, 11 a renewal, 14 a
#: scope's pool exhausted: 14 no neighbour of 13), the NAP quarantine result and the DNS
#: registration's error (0, or a Windows error number)
_DHCP_AUDIT_CODES = {"id": "Windows DHCP Server audit log's event id",
                     "qresult": "DHCP audit log's quarantine result (a code)",
                     "dnsregerror": "DHCP audit log's DNS registration error (a code)"}
#: of such a log, its transaction id: the DHCP exchange's random number (xid), new with each
_DHCP_AUDIT_DROPS = {"transactionid": "DHCP transaction id (a random number, new with each exchange)"}
#: the fields of Traefik's JSON access log (``--accesslog.format=json``) that tell it, two at least:
#: its ``RequestCount``, the requests the instance has served since it started, rises with every
#: request (each later one past training: every row scored an anomaly a day on), no property of one
_TRAEFIK_TELLS = frozenset({"downstreamstatus", "downstreamcontentsize", "originstatus",
                            "originduration", "routername", "entrypointname", "retryattempts"})
_TRAEFIK_COUNTER = "requestcount"


#: the fields of a VMware vCenter event (``Get-VIEvent | Export-Csv``, as PowerCLI writes each
#: ``VMware.Vim.Event``; pyVmomi's ``QueryEvents`` as JSON) that tell it, two at least: its
#: ``Key`` and ``ChainId`` are vCenter's event counter, rising with every event the server logs
#: (each later one past training: every event of the next day an anomaly), no property of one
_VCENTER_EVENT_TELLS = frozenset({"chainid", "createdtime", "fullformattedmessage", "changetag"})
_VCENTER_COUNTERS = frozenset({"key", "chainid"})


def _vcenter_event(columns: Iterable[object]) -> bool:
    """Whether ``columns`` name a vCenter event (:data:`_VCENTER_EVENT_TELLS`, as fields' last
    parts), whose ``Key`` and ``ChainId`` are counters.

    Examples
    --------
    >>> _vcenter_event(["Key", "ChainId", "CreatedTime", "UserName", "FullFormattedMessage"])
    True
    >>> _vcenter_event(["Key", "ChainId", "value"]), _vcenter_event(["key", "createdTime"])
    (False, False)
    """
    return _leaves_told(columns, _VCENTER_EVENT_TELLS) >= 2


def _traefik(columns: Iterable[object]) -> bool:
    """Whether ``columns`` name Traefik's access log (:data:`_TRAEFIK_TELLS`, as fields' last
    parts: a shipper may nest it), whose ``RequestCount`` is a counter.

    Examples
    --------
    >>> _traefik(["ClientHost", "DownstreamStatus", "RequestCount", "RouterName"])
    True
    >>> _traefik(["RequestCount", "DownstreamStatus"]), _traefik(["routername", "requestcount"])
    (False, False)
    """
    return _leaves_told(columns, _TRAEFIK_TELLS) >= 2


#: the parameters of the Windows PrintService's event 307, a document printed (its Operational
#: log's ``DocumentPrinted`` user data, as Get-WinEvent, NXLog or Winlogbeat's
#: ``winlog.user_data`` write it): the job id, document, user, client, printer, port, size in
#: bytes and pages; all eight tell it, and its job id (``Param1``) is the spooler's counter,
#: rising with every job sent (each later one past training: every print of the next week an
#: anomaly), no property of a print
_PRINT_SERVICE_TELLS = frozenset(f"param{n}" for n in range(1, 9))
_PRINT_JOB = "param1"


def _print_service(columns: Iterable[object]) -> bool:
    """Whether ``columns`` name the Windows PrintService's event 307 (:data:`_PRINT_SERVICE_TELLS`,
    as fields' last parts: ``Param1`` ... ``Param8``, ``winlog.user_data.Param1`` ...).

    Examples
    --------
    >>> _print_service([f"winlog.user_data.Param{n}" for n in range(1, 9)]), _print_service(["Param1"])
    (True, False)
    """
    return _leaves_told(columns, _PRINT_SERVICE_TELLS) == len(_PRINT_SERVICE_TELLS)


#: the fields of a ModSecurity transaction as its JSON audit log writes it (``SecAuditLogFormat
#: JSON``, libmodsecurity 3: ``{"transaction": {"client_ip", "time_stamp", "server_id", ...}}``),
#: three at least tell it: its ``unique_id`` is the time the transaction began in digits (epoch
#: seconds, ``"1647898380"``, or with a random number after a full stop, ``"170937086412.345678"``),
#: rising with every request (each later one past training: every row of the next day an anomaly)
_MODSECURITY_TELLS = frozenset({"clientip", "clientport", "timestamp", "serverid", "hostip", "hostport"})
_MODSECURITY_ID = "uniqueid"


def _modsecurity(columns: Iterable[object]) -> bool:
    """Whether ``columns`` name a ModSecurity JSON audit log's transaction
    (:data:`_MODSECURITY_TELLS`, as fields' last parts: under ``transaction.`` or lifted out).

    Examples
    --------
    >>> _modsecurity(["transaction.client_ip", "transaction.time_stamp", "transaction.server_id",
    ...               "transaction.unique_id"])
    True
    >>> _modsecurity(["unique_id", "client_ip", "name"])
    False
    """
    return _leaves_told(columns, _MODSECURITY_TELLS) >= 3


#: the fields of an Asterisk CDR (``Master.csv`` under a header naming its columns, ``cdr_adaptive_odbc``'s
#: table, ``cdr_custom``'s JSON), three at least tell it: its ``uniqueid`` and ``linkedid`` are the
#: time the channel was created, in epoch seconds, and a counter after a full stop
#: (``1700000034.65``), and its ``sequence`` a counter, each rising with every call (every call of
#: the next month past the training range), no property of a call
_ASTERISK_CDR_TELLS = frozenset({"dcontext", "lastapp", "lastdata", "dstchannel", "billsec",
                                 "disposition", "amaflags"})
_ASTERISK_CDR_IDS = frozenset({"uniqueid", "linkedid", "sequence"})


#: the channel variables of a FreeSWITCH CDR (``mod_json_cdr``'s and ``mod_xml_cdr``'s
#: ``variables``, read as dotted columns), three at least tell it: its ``session_id`` is the
#: switch's session counter, rising with every call since it started (every call of the next
#: month past the training range), no property of a call
_FREESWITCH_CDR_TELLS = frozenset({"siphangupdisposition", "hangupcauseq850", "startuepoch",
                                   "answeruepoch", "enduepoch", "billmsec", "mduration",
                                   "progresssec", "answersec", "waitsec"})
_FREESWITCH_CDR_ID = "sessionid"


#: a call's calling or called number (or extension) as call records name it: Cisco CUCM's CDR
#: (``callingPartyNumber``, ``originalCalledPartyNumber``, ``finalCalledPartyNumber``,
#: ``lastRedirectDn``), FreeSWITCH's (``caller_id_number``, ``destination_number``, and the SIP
#: users of its channel variables: ``sip_from_user``, ``sip_to_user``, ``sip_req_user``,
#: ``sip_contact_user``, ``effective_caller_id_number``, ``outbound_caller_id_number``), a
#: SIP capture's (Homer's ``from_user``, ``to_user``, ``ruri_user``), a carrier's
#: (``calling_number``, ``called_number``, ``ani``, ``dnis``, ``msisdn``); an Asterisk CDR's
#: ``src``, ``dst``, ``cnum`` and ``dnid`` beside its tells: a party, no amount (+44 20 7946 0000
#: is no neighbour of +44 20 7946 0001, and a premium-rate number far from the known ones is no
#: outlier by its digits' size)
_PHONE_NAMES = frozenset({"callingpartynumber", "originalcallingpartynumber", "calledpartynumber",
                          "originalcalledpartynumber", "finalcalledpartynumber", "lastredirectdn",
                          "calleridnumber", "calleeidnumber", "destinationnumber", "callingnumber",
                          "callednumber", "callernumber", "calleenumber", "ani", "dnis", "msisdn",
                          "sipfromuser", "siptouser", "siprequser", "sipcontactuser",
                          "effectivecalleridnumber", "outboundcalleridnumber", "fromuser", "touser",
                          "ruriuser"})
_ASTERISK_CDR_PHONES = frozenset({"src", "dst", "cnum", "dnid"})
#: the fields of an event of Asterisk's security log (res_security_log: ``SecurityEvent="..."``,
#: read as the ``kv`` format reads its comma-parted pairs), three at least tell it: its
#: ``AccountID`` is the endpoint or extension that tried to register or call (``1001``), an
#: identity as a CDR's ``src`` is (a brute force's ``100``, ``101`` ... no nearer to normal than
#: ``alice``)
_ASTERISK_SECURITY_TELLS = frozenset({"securityevent", "eventtv", "eventversion", "service",
                                      "localaddress", "remoteaddress", "sessionid"})
_ASTERISK_SECURITY_ACCOUNT = "accountid"
#: the reason a call's number is a code (:data:`_PHONE_NAMES`); its digits are read without a
#: leading ``+`` or zeros (:func:`unpadded`), as a CSV reader reads ``+4420...`` and ``004420...``
PHONE_NUMBERS = "a phone number or extension (a caller or callee, an identity: no magnitude)"


def _asterisk_cdr(columns: Iterable[object]) -> bool:
    """Whether ``columns`` name an Asterisk CDR (:data:`_ASTERISK_CDR_TELLS`, three at least, as
    fields' last parts).

    Examples
    --------
    >>> _asterisk_cdr(["src", "dst", "dcontext", "lastapp", "billsec", "disposition", "uniqueid"])
    True
    >>> _asterisk_cdr(["uniqueid", "disposition", "src"])
    False
    """
    return _leaves_told(columns, _ASTERISK_CDR_TELLS) >= 3


#: the fields of an F5 BIG-IP ASM (Advanced WAF) request as its remote log writes them (the ``kv``
#: format's comma-parted lines), three at least tell it: its ``support_id``, the number a blocking
#: page shows the user to quote, is random per request (a 64-bit number: no magnitude, each new)
_F5_ASM_TELLS = frozenset({"unithostname", "ipclient", "requeststatus", "policyname", "violationrating"})
_F5_ASM_ID = "supportid"


def _f5_asm(columns: Iterable[object]) -> bool:
    """Whether ``columns`` name an F5 ASM request log (:data:`_F5_ASM_TELLS`, three at least).

    Examples
    --------
    >>> _f5_asm(["unit_hostname", "policy_name", "support_id", "request_status", "ip_client"])
    True
    >>> _f5_asm(["support_id", "ip_client", "ticket"])
    False
    """
    return _leaves_told(columns, _F5_ASM_TELLS) >= 3


def _sonicwall(columns: Iterable[object]) -> bool:
    """Whether ``columns`` name a SonicWall syslog table (:data:`_SONICWALL_TELLS`): ``id``
    beside four at least of ``sn``, ``fw``, ``pri``, ``c``, ``m`` and ``n``.

    Examples
    --------
    >>> _sonicwall(["id", "sn", "time", "fw", "pri", "c", "m", "msg", "n", "src", "dst"])
    True
    >>> _sonicwall(["ts", "level", "msg", "n", "m"]), _sonicwall(["id", "n", "m", "c"])
    (False, False)
    """
    names = {_norm(str(c)) for c in columns}
    return "id" in names and len(names & _SONICWALL_TELLS) >= 4


#: an autonomous system number (an ISP's, a cloud's: 8075 Microsoft, 16509 Amazon) as sign-in and
#: flow logs name it (the Entra admin center's download 'Autonomous system number', Log
#: Analytics' ``AutonomousSystemNumber``, Okta's ``securityContext.asNumber``, ECS
#: ``source.as.number``): a network's name, no magnitude (AS 8076 is no neighbour of 8075)
_AS_NUMBER_NAMES = {"asn", "asnumber", "autonomoussystemnumber", "srcasn", "dstasn", "sourceasn",
                    "destinationasn", "clientasn",
                    # a router's flow export: NetFlow v9's SRC_AS/DST_AS, IPFIX's
                    # bgpSourceAsNumber, pmacct's as_src/as_dst and peer_as_src/peer_as_dst
                    "srcas", "dstas", "bgpsourceasnumber", "bgpdestinationasnumber", "assrc",
                    "asdst", "peerassrc", "peerasdst"}


#: the short names of nfdump's ``-o csv`` output (``ts,te,td,sa,da,sp,dp,pr,flg,...``), told by
#: all four of its addresses and ports, and of SiLK's ``rwcut`` (``sIP|dIP|sPort|dPort|pro|...``),
#: told by ``sIP`` and ``dIP`` beside ``sPort`` and ``dPort``; no other table's names
_NFDUMP_TELLS = frozenset({"sa", "da", "sp", "dp"})
_SILK_TELLS = frozenset({"sip", "dip", "sport", "dport"})
#: nfdump's ports (``sp``, ``dp``: a port scan is a run of new ports, no larger number)
_FLOW_TOOL_PORTS = {"nfdump": frozenset({"sp", "dp"}), "SiLK": frozenset()}
#: their columns of codes, no magnitudes: the IP protocol (nfdump's ``pr`` is a number where it
#: knows no name; SiLK's ``pro`` always one), the router's SNMP interface indexes, AS numbers,
#: ToS bytes, prefix masks, VLAN ids, forwarding status, direction, exporter id, ICMP type and
#: code, and SiLK's application label (the port of the protocol it recognised)
_FLOW_TOOL_CODES = {
    "nfdump": {"pr": "protocol number", "in": "interface index", "out": "interface index",
               "sas": "autonomous system number", "das": "autonomous system number",
               "stos": "ToS byte", "dtos": "ToS byte", "smk": "prefix mask", "dmk": "prefix mask",
               "svln": "VLAN id", "dvln": "VLAN id", "fwd": "forwarding status",
               "dir": "flow direction", "exid": "exporter id"},
    "SiLK": {"pro": "protocol number", "in": "interface index", "out": "interface index",
             "ity": "ICMP type", "ico": "ICMP code", "appli": "application label"},
}


def _as_numbers(name: str, key: str, leaf: str, s: pd.Series) -> bool:
    """Whether numeric column ``s`` named ``name`` (normalised ``key``, last part ``leaf``)
    holds autonomous system numbers by its name (:data:`_AS_NUMBER_NAMES`, or ECS's
    ``*.as.number``): whole numbers.

    Examples
    --------
    >>> _as_numbers("Autonomous system number", "autonomoussystemnumber", "autonomoussystemnumber",
    ...             pd.Series([8075, 9009]))
    True
    >>> _as_numbers("source.as.number", "sourceasnumber", "number", pd.Series([16509.0]))
    True
    >>> _as_numbers("number", "number", "number", pd.Series([1]))
    False
    >>> _as_numbers("asn", "asn", "asn", pd.Series([0.5]))
    False
    """
    named = key in _AS_NUMBER_NAMES or leaf in _AS_NUMBER_NAMES or name.lower().endswith(".as.number")
    return named and _whole_numbers(s) is not None


#: the internal fields that tell a Splunk export (``outputcsv``, the UI's CSV export, the REST
#: export's ``result`` objects): any two of them (``| table _time _raw`` keeps two)
_SPLUNK_TELLS = frozenset({"_time", "_raw", "_indextime", "_cd", "_bkt", "_serial", "_si",
                           "splunk_server"})
#: the fields Splunk adds to each event it exports, none a property of the event: where it is
#: stored and found (the bucket ``_bkt``, its offset ``_cd``, the indexer ``splunk_server``), the
#: search's row number (``_serial``), the time it was indexed, the raw text's punctuation and line
#: count, and the event time split into ``date_*`` fields. As features, each later export (another
#: bucket, another indexer, a longer search, a later month or weekday) would be a row never seen.
#: ``outputcsv``'s ``__mv_*`` columns too: a multivalue field's values again (``$a$;$b$``)
_SPLUNK_BOOKKEEPING = frozenset({"_raw", "_indextime", "_cd", "_bkt", "_serial", "_si", "_kv",
                                 "_eventtype_color", "_subsecond", "splunk_server",
                                 "splunk_server_group", "punct", "linecount", "timestartpos",
                                 "timeendpos", "date_second", "date_minute", "date_hour",
                                 "date_mday", "date_month", "date_year", "date_wday", "date_zone"})


#: the envelope of each line of Splunk's REST or CLI export in JSON (``search/jobs/export``,
#: ``splunk search ... -output json``: ``{"preview": false, "offset": 0, "result": {...}}``, the
#: last line's ``"lastrow": true``): the search's row number and the last row's mark
_SPLUNK_ENVELOPE = frozenset({"preview", "offset", "init_offset", "lastrow"})


#: the metadata of an Elasticsearch or OpenSearch hit beside its ``_source`` (a scroll export,
#: elasticdump, ``jq -c '.hits.hits[]'``): the index it was stored in (``.ds-logs-2024.03.01``,
#: a new name each day or rollover), its type, relevance score, routing, version and sequence
#: numbers, and the sort values of its page (``_id`` is dropped as an identifier)
_ELASTIC_HIT_META = frozenset({"_index", "_type", "_score", "_routing", "_version", "_seq_no",
                               "_primary_term", "sort", "_ignored", "_shard", "_node"})


#: the workspace columns that tell a Microsoft Sentinel / Log Analytics export (the portal's
#: 'Export to CSV', ``az monitor log-analytics query``, the query API's rows): any two of them
_SENTINEL_TELLS = frozenset({"tenantid", "_resourceid", "_billedsize", "_isbillable",
                             "_subscriptionid", "_itemid", "managementgroupname"})
#: the columns Log Analytics adds to each record it stores, none a property of the event: the
#: workspace (``TenantId``), the subscription, the record's id, its billed size and billing, the
#: management group and the ingestion path (``SourceSystem``: ``OpsManager``, ``Azure``). As
#: features, another workspace's export (or the next month's sizes) would be rows never seen.
#: The resource (``_ResourceId``, the VM or service that logged) and the table (``Type``) stay,
#: as a Splunk export's ``host`` and ``sourcetype`` do
_SENTINEL_BOOKKEEPING = frozenset({"tenantid", "_billedsize", "_isbillable", "_subscriptionid",
                                   "_itemid", "mg", "managementgroupname", "sourcesystem"})


#: the columns PowerShell adds to each record of ``Search-UnifiedAuditLog | Export-Csv`` (Microsoft
#: 365's unified audit log; the record itself is its ``AuditData``), none a property of the event:
#: the session's runspace (a new GUID each session: every record of the next export unseen), the
#: result's place in the search's paging (``ResultIndex`` 1, 2, 3 ... grows with every longer
#: search; ``ResultCount``), the record's id (``Identity``) and the object's state in the session
_UAL_EXPORT_BOOKKEEPING = frozenset({"runspaceid", "resultindex", "resultcount", "identity",
                                     "isvalid", "objectstate"})


#: the fields that tell a GitHub audit log (the REST API's ``/orgs/{org}/audit-log`` and
#: ``/enterprises/{enterprise}/audit-log``, the UI's CSV and JSON exports, audit log streaming):
#: its document id beside the action, as GitHub names them (``_document_id`` with its underscore,
#: as the field's last part: a document store's ``document_id`` beside an ``action`` is no
#: GitHub record)
_GITHUB_AUDIT_TELLS = frozenset({"_document_id", "action"})


#: the fields that tell a GitLab audit event (the REST API's ``/audit_events``, a group's or a
#: project's, and audit event streaming; the UI's CSV export names them ``Author ID``,
#: ``Entity ID``, ``Entity Type``): who did it and to what, by fields' last parts, normalised
_GITLAB_AUDIT_TELLS = frozenset({"authorid", "entityid", "entitytype"})
#: the fields that tell GitLab's structured logs (``api_json.log``, ``production_json.log``,
#: Sidekiq's ``current``): the request's correlation id and the context's caller and feature
#: category (``meta.caller_id``, ``meta.feature_category``), by fields' last parts, normalised
_GITLAB_LOG_TELLS = frozenset({"correlationid", "callerid", "featurecategory"})


#: the fields that tell a Jenkins build (its JSON API's, ``/job/NAME/api/json?tree=builds[...]``
#: with ``jq -c '.builds[]'``, or ``/job/NAME/NUMBER/api/json``): its class beside its number, by
#: fields' last parts
_JENKINS_BUILD_TELLS = frozenset({"_class", "number"})
#: ... and one of a build's own fields beside them: a document Spring Data MongoDB or Jackson
#: wrote carries ``_class`` too, and its ``number`` (a phone's, a seat's) is no build's
_JENKINS_BUILD_FIELDS = frozenset({"result", "building", "estimatedDuration", "queueId",
                                   "fullDisplayName", "displayName", "changeSets", "culprits"})


#: the fields that tell GitHub Actions' workflow runs or jobs (the REST API's lists, a
#: ``workflow_run`` or ``workflow_job`` webhook's object): the commit run and the attempt, by
#: fields' last parts
_GITHUB_ACTIONS_TELLS = frozenset({"head_sha", "run_attempt"})
#: the ids of a run itself in GitHub Actions' runs and jobs (a job's ``run_id``, a run's
#: ``check_suite_id``), normalised: new with every run
_GITHUB_RUN_IDS = frozenset({"runid", "checksuiteid"})


def _github_id(name: str, s: pd.Series, tells: TableTells, max_categories: int) -> tuple[str, str] | None:
    """The role of column ``name`` (values ``s``) where it is an id of a GitHub audit log
    (``actor_id``, ``user_id``, ``repo_id``, ``org_id``, ``business_id``, ``token_id`` ...:
    whole numbers under a name whose last word is ``id``, in a table :attr:`TableTells.github`
    tells), of a GitLab audit event or log (``author_id``, ``entity_id``, ``target_id``;
    ``user_id``, ``token_id`` of ``api_json.log``, in a table :attr:`TableTells.gitlab` tells)
    or of GitHub Actions' workflow runs or jobs (``workflow_id``, ``check_suite_id``,
    ``runner_id``, ``actor.id``, in a table :attr:`TableTells.github_actions` tells): an
    account's, repository's or token's name as a number, no magnitude (a new account's id, 9999,
    is no more anomalous than 1004 for its size); a category (hashed when many), or dropped where
    near-unique (a hook's or a workflow run's, an event's, a check suite's: rising with every
    run). Else ``None``.

    Examples
    --------
    >>> tells = table_tells(["@timestamp", "_document_id", "action", "actor", "actor_id"])
    >>> _github_id("actor_id", pd.Series([1001, 1002, 1001]), tells, 50)
    ('categorical', "GitHub audit log's id (an account, repository, organisation or token)")
    >>> _github_id("actor_id", pd.Series([1001, 1002]), table_tells(["action", "actor_id"]), 50) is None
    True
    >>> _github_id("workflow_run_id", pd.Series(range(100)), tells, 50)
    ('drop', "GitHub audit log's id, near-unique (100 distinct of 100)")
    >>> gitlab = table_tells(["id", "author_id", "entity_id", "entity_type", "details.target_id"])
    >>> _github_id("details.target_id", pd.Series([6, 7, 6]), gitlab, 50)
    ('categorical', "GitLab's id (a user, project, group, token or other entity)")
    >>> export = table_tells(["ID", "Author ID", "Entity ID", "Entity Type", "Target ID", "Action"])
    >>> _github_id("Author ID", pd.Series([17.0, 23.0]), export, 50)[0]
    'categorical'
    >>> runs = table_tells(["id", "run_number", "run_attempt", "head_sha", "check_suite_id"])
    >>> _github_id("check_suite_id", pd.Series(range(20000000000, 20000000100)), runs, 50)
    ('drop', "GitHub Actions run's own id (new with every run)")
    >>> _github_id("run_id", pd.Series([7, 7, 7, 8, 8, 8]), runs, 50)
    ('drop', "GitHub Actions run's own id (new with every run)")
    """
    if not (tells.github or tells.gitlab or tells.github_actions) or _last_word(name) != "id":
        return None
    if tells.github_actions and not tells.github and _norm(_field_leaf(name)) in _GITHUB_RUN_IDS:
        # (a job's run: the few jobs of one run share it, so it is no near-unique column, and
        # each later run's is new: a category never seen again)
        return "drop", "GitHub Actions run's own id (new with every run)"
    numbers = s if pd.api.types.is_numeric_dtype(s) else pd.to_numeric(s, errors="coerce")
    v = _whole_numbers(numbers)
    if v is None or numbers.notna().sum() != s.notna().sum():
        return None
    log, what = (("GitHub audit log's", "an account, repository, organisation or token") if tells.github
                 else ("GitLab's", "a user, project, group, token or other entity") if tells.gitlab
                 else ("GitHub Actions run's", "a workflow, repository, runner or account"))
    n_unique = len(np.unique(v))
    if near_unique(n_unique, len(v)):
        return "drop", f"{log} id, near-unique ({n_unique} distinct of {len(v)})"
    return _code_role(f"{log} id ({what})", numbers, max_categories)


def _field_leaf(name: object) -> str:
    """The last part of a (flattened) field name, lowered: ``result._bkt`` -> ``_bkt``."""
    return str(name).rsplit(".", 1)[-1].strip().lower()


@dataclass(frozen=True)
class TableTells:
    """What a table's column names tell of it, read once for all its columns
    (:func:`table_tells`): the exports and logs whose own columns a column's role depends on.

    Attributes
    ----------
    names
        The column names as the raw text (``str``) of each: Splunk's event time is looked up
        by them (:func:`splunk_time`).
    winevent_export
        PowerShell's ``Get-WinEvent | Export-Csv`` (two of :data:`_WINEVENT_COLUMNS`): its
        ``Id`` is the event id.
    winevent
        A Windows event table: an ``EventID``, or an ``Id`` in such an export (its ``Task``,
        ``Opcode``, ``Level`` and ``Keywords`` are codes).
    osquery
        An osquery result log (two of :data:`_OSQUERY_COLUMNS`).
    db_logs
        The database logs it is (:data:`_DB_LOG_COLUMNS`, two of a log's columns), in the order
        of :data:`_DB_LOG_COUNTERS`.
    snort3, snort_rule
        A Snort 3 alert table (:func:`_snort3`); a Snort alert table by its rule's ``gid``,
        ``sid`` and ``rev`` (:func:`_snort_rule`).
    rule_signature
        A rule's signature id by a field's last part: ``signature_id``, or ``sid`` with ``rev``
        (its ``gid`` is the rule's generator id: :func:`_rule_generator`).
    splunk, splunk_json
        A Splunk export (two of :data:`_SPLUNK_TELLS`, as fields' last parts); a field under
        ``result.`` (its JSON export's lines).
    elastic
        A field under ``_source.`` (an Elasticsearch or OpenSearch hit).
    sentinel
        A Microsoft Sentinel / Log Analytics export (two of :data:`_SENTINEL_TELLS`).
    github
        A GitHub audit log (:data:`_GITHUB_AUDIT_TELLS`, fields' last parts: ``_document_id``
        beside ``action``).
    gitlab
        A GitLab audit event (:data:`_GITLAB_AUDIT_TELLS`, fields' last parts: ``author_id``,
        ``entity_id`` and ``entity_type``) or structured log (:data:`_GITLAB_LOG_TELLS`:
        ``correlation_id``, ``caller_id`` and ``feature_category``).
    jenkins
        A Jenkins build (:data:`_JENKINS_BUILD_TELLS`, fields' last parts: ``_class`` beside
        ``number``, and one of :data:`_JENKINS_BUILD_FIELDS`, its ``result`` ...).
    github_actions
        GitHub Actions' workflow runs or jobs (:data:`_GITHUB_ACTIONS_TELLS`, fields' last parts:
        ``head_sha`` beside ``run_attempt``).
    ual_export
        Microsoft 365's unified audit log as ``Search-UnifiedAuditLog | Export-Csv`` writes it:
        ``AuditData`` beside two of PowerShell's columns (:data:`_UAL_EXPORT_BOOKKEEPING`).
    objects
        The tells of each object of a nested table, by its path: the fields under one dotted
        prefix, read by their last parts (Wazuh's ``data.win.system.`` or ``data.osquery.``,
        Filebeat's ``osquery.result.``, each line of Splunk's JSON export under ``result.``), a
        product's own fields however deep a shipper or SIEM puts them.
    flow_tool
        ``"nfdump"`` or ``"SiLK"``: the flow tool whose short column names the table has
        (:data:`_NFDUMP_TELLS`, :data:`_SILK_TELLS`), else ``""``.
    dhcp_audit
        A Windows DHCP Server audit log (:data:`_DHCP_AUDIT_TELLS`): its ``ID`` is the event id.

    Examples
    --------
    >>> tells = table_tells(["TimeGenerated", "TenantId", "_BilledSize", "EventID", "Task"])
    >>> tells.sentinel, tells.winevent, tells.splunk, tells.db_logs
    (True, True, False, ())
    >>> tells = table_tells(["rule.id", "data.win.system.eventID", "data.win.system.task"])
    >>> tells.winevent, tells.objects["data.win.system"].winevent, "rule" in tells.objects
    (False, True, False)
    """

    names: frozenset[str]
    winevent_export: bool
    winevent: bool
    osquery: bool
    db_logs: tuple[str, ...]
    snort3: bool
    snort_rule: bool
    rule_signature: bool
    splunk: bool
    splunk_json: bool
    elastic: bool
    sentinel: bool
    github: bool
    ual_export: bool
    objects: Mapping[str, TableTells] = field(default_factory=dict, compare=False, hash=False)
    flow_tool: str = ""
    dhcp_audit: bool = False
    gitlab: bool = False
    github_actions: bool = False
    jenkins: bool = False


def table_tells(columns: Iterable[object] | TableTells) -> TableTells:
    """The :class:`TableTells` of a table whose column names are ``columns`` (a
    :class:`TableTells` is returned as it is): read once, then passed to :func:`infer_role`
    for each of its columns.

    Examples
    --------
    >>> tells = table_tells(["Id", "TimeCreated", "ProviderName", "Level"])
    >>> tells.winevent_export, tells.winevent, tells.osquery
    (True, True, False)
    >>> table_tells(tells) is tells, table_tells(["timestamp", "gid", "sid", "rev"]).snort_rule
    (True, True)
    """
    if isinstance(columns, TableTells):
        return columns
    return _read_tells(tuple(map(str, columns)))


@lru_cache(maxsize=8)
def _read_tells(columns: tuple[str, ...]) -> TableTells:
    """:func:`table_tells` of the column names ``columns``, those of the last tables read kept: a
    caller that gives :func:`infer_role` a table's names (not its tells) for each of its columns
    has them read once still."""
    raw = frozenset(columns)
    # each name as a column's role reads it: without QRadar's ' (custom)' mark (field_name)
    read = frozenset(field_name(c) for c in raw)
    names = frozenset(_norm(c) for c in read)
    leaves = frozenset(_field_leaf(c) for c in read)
    normal_leaves = frozenset(normal_leaf(c) for c in read)
    winevent_export = len(names & _WINEVENT_COLUMNS) >= 2
    fields: dict[str, list[str]] = {}  # (the last parts of the fields of each object, by its path)
    for c in read:
        if "." in c:
            path, last = c.rsplit(".", 1)
            fields.setdefault(path, []).append(last)
    return TableTells(
        names=raw,
        winevent_export=winevent_export,
        winevent="eventid" in names or ("id" in names and winevent_export),
        osquery=len(_OSQUERY_COLUMNS & names) >= 2,
        db_logs=tuple(log for log in _DB_LOG_COUNTERS if len(_DB_LOG_COLUMNS[log] & names) >= 2),
        snort3=_snort3(names),
        snort_rule=_snort_rule(names),
        rule_signature="signatureid" in normal_leaves or {"sid", "rev"} <= normal_leaves,
        splunk=len(_SPLUNK_TELLS & leaves) >= 2,
        splunk_json=any(c.startswith("result.") for c in raw),
        elastic=any(c.startswith("_source.") for c in raw),
        sentinel=len(_SENTINEL_TELLS & leaves) >= 2,
        github=_GITHUB_AUDIT_TELLS <= leaves,
        ual_export="auditdata" in names and len(_UAL_EXPORT_BOOKKEEPING & names) >= 2,
        objects={path: table_tells(last) for path, last in fields.items() if len(last) > 1},
        flow_tool="nfdump" if _NFDUMP_TELLS <= names else "SiLK" if _SILK_TELLS <= names else "",
        dhcp_audit=dhcp_audit_names(names),
        gitlab=_GITLAB_AUDIT_TELLS <= normal_leaves or _GITLAB_LOG_TELLS <= normal_leaves,
        github_actions=_GITHUB_ACTIONS_TELLS <= leaves,
        jenkins=_JENKINS_BUILD_TELLS <= leaves and not _JENKINS_BUILD_FIELDS.isdisjoint(leaves))


#: the tells of no table (a column's role read alone)
_NO_TABLE = table_tells(())


def _told(tell: Callable[[str, TableTells], object], key: str, tells: TableTells, leaf: str,
          inner: TableTells | None) -> str:
    """The name a column is told by: ``key`` (its normalised name) where ``tell`` holds of it in
    its table (``tells``), else ``leaf`` (its last part's) where it holds of it in its object
    (``inner``: :attr:`TableTells.objects`), else ``""``.

    Examples
    --------
    >>> tells = table_tells(["data.win.system.eventID", "data.win.system.task", "EventID", "Level"])
    >>> inner = tells.objects["data.win.system"]
    >>> _told(_winevent_code, "datawinsystemtask", tells, "task", inner)
    'task'
    >>> _told(_winevent_code, "level", tells, "level", None), _told(_winevent_code, "x", tells, "x", inner)
    ('level', '')
    """
    if tell(key, tells):
        return key
    return leaf if inner is not None and tell(leaf, inner) else ""


def _snort_field(key: str, tells: TableTells) -> bool:
    """Whether a column under normalised name ``key`` is a Snort 3 alert's clock or rule code
    (:data:`_SNORT3_CLOCKS`, :data:`_SNORT3_CODES`), or a rule code of a Snort alert table naming
    ``gid``, ``sid`` and ``rev``, ``tells`` read from its table's column names."""
    return (((key in _SNORT3_CLOCKS or key in _SNORT3_CODES) and tells.snort3)
            or (key in _SNORT3_CODES and tells.snort_rule))


def splunk_time(columns: Iterable[object] | TableTells) -> str | None:
    """The event time of a Splunk export of ``columns`` (its names, or their
    :func:`table_tells`): ``_time`` in a table that two of
    Splunk's internal fields tell (:data:`_SPLUNK_TELLS`: ``outputcsv``, the UI's CSV export),
    ``result._time`` in its JSON export (``search/jobs/export``: beside ``preview`` or
    ``offset``); else ``None``.

    Examples
    --------
    >>> splunk_time(["_time", "_raw", "src"]), splunk_time(["preview", "offset", "result._time"])
    ('_time', 'result._time')
    >>> splunk_time(["_time", "src"]) is None, splunk_time(["result._time", "result.src"]) is None
    (True, True)
    """
    tells = table_tells(columns)
    if "_time" in tells.names and tells.splunk:
        return "_time"
    if "result._time" in tells.names and tells.names & {"preview", "offset"}:
        return "result._time"
    return None


def _export_bookkeeping(name: str, tells: TableTells) -> str:
    """The reason to drop column ``name`` as a SIEM export's bookkeeping, ``tells`` read from its
    table's column names, else ``""``: Splunk's fields of each exported event
    (:data:`_SPLUNK_BOOKKEEPING`) in a table that two of Splunk's internal fields tell
    (:data:`_SPLUNK_TELLS`), and the envelope of its JSON export's lines
    (:data:`_SPLUNK_ENVELOPE`) beside the ``result.`` fields; an Elasticsearch hit's metadata
    (:data:`_ELASTIC_HIT_META`) beside its ``_source.`` fields; a Microsoft Sentinel / Log
    Analytics record's workspace columns (:data:`_SENTINEL_BOOKKEEPING`) in a table that two of
    them tell (:data:`_SENTINEL_TELLS`); the columns PowerShell adds to each record of
    ``Search-UnifiedAuditLog | Export-Csv`` (:data:`_UAL_EXPORT_BOOKKEEPING`) beside its
    ``AuditData``.

    Examples
    --------
    >>> _export_bookkeeping("_bkt", table_tells(["_time", "_raw", "_bkt", "src"]))
    "Splunk's export bookkeeping"
    >>> _export_bookkeeping("date_hour", table_tells(["_time", "date_hour", "src"]))
    ''
    >>> _export_bookkeeping("lastrow", table_tells(["preview", "offset", "result._raw", "lastrow"]))
    "Splunk's JSON export envelope"
    >>> _export_bookkeeping("_index", table_tells(["_index", "_id", "_source.source.ip"]))
    'Elasticsearch hit metadata'
    >>> _export_bookkeeping("_BilledSize", table_tells(["TimeGenerated", "TenantId", "_BilledSize"]))
    'Log Analytics workspace bookkeeping'
    >>> _export_bookkeeping("SourceSystem", table_tells(["TimeGenerated", "SourceSystem", "Computer"]))
    ''
    >>> ual = ["RunspaceId", "RecordType", "CreationDate", "AuditData", "ResultIndex", "ResultCount"]
    >>> _export_bookkeeping("ResultIndex", table_tells(ual))
    "Search-UnifiedAuditLog export's PowerShell bookkeeping"
    >>> _export_bookkeeping("ResultIndex", table_tells(ual[4:]))  # (without AuditData)
    ''
    """
    if name in _SPLUNK_ENVELOPE and tells.splunk_json:
        return "Splunk's JSON export envelope"
    if name in _ELASTIC_HIT_META and tells.elastic:
        return "Elasticsearch hit metadata"
    leaf = _field_leaf(name)
    if (leaf in _SPLUNK_BOOKKEEPING or leaf.startswith("__mv_")) and tells.splunk:
        return "Splunk's export bookkeeping"
    if leaf in _SENTINEL_BOOKKEEPING and tells.sentinel:
        return "Log Analytics workspace bookkeeping"
    if tells.ual_export and _norm(name) in _UAL_EXPORT_BOOKKEEPING:
        return "Search-UnifiedAuditLog export's PowerShell bookkeeping"
    return ""


def _named_codes(key: str, leaf: str, s: pd.Series) -> bool:
    """Whether numeric column ``s`` under normalised name ``key`` (last part ``leaf``) holds
    codes by its name (:data:`_CODE_NAMES`): whole numbers, not near-unique.

    Examples
    --------
    >>> _named_codes("eventid", "eventid", pd.Series([4624, 4625, 4624]))
    True
    >>> _named_codes("eventid", "eventid", pd.Series(range(1000)))
    False
    >>> _named_codes("bytes", "bytes", pd.Series([1]))
    False
    >>> _named_codes("scwin32status", "scwin32status", pd.Series([0, 64, 0]))
    True
    >>> _named_codes("unitid", "unitid", pd.Series([1, 3, 17, 1]))  # a Modbus unit id
    True
    """
    if key not in _CODE_NAMES and leaf not in _CODE_NAMES:
        return False
    v = _whole_numbers(s)
    return v is not None and not near_unique(len(np.unique(v)), len(v))


#: a router's codes as its flow exports name them (NetFlow v9's INPUT_SNMP/OUTPUT_SNMP, Logstash's
#: netflow.input_snmp, IPFIX's ingressInterface/egressInterface and vlanId, Filebeat's
#: netflow.ingress_interface, NetFlow's SRC_VLAN/DST_VLAN and SRC_TOS/DST_TOS, IPFIX's
#: ipClassOfService, pmacct's tos): an interface's SNMP index (a flow in by interface 5 is news,
#: no neighbour of 4 and 6), a VLAN id, a ToS byte (DSCP 46 expedited forwarding, no magnitude)
_FLOW_CODE_NAMES = frozenset({"inputsnmp", "outputsnmp", "ingressinterface", "egressinterface",
                              "vlanid", "srcvlan", "dstvlan", "tos", "srctos", "dsttos",
                              "ipclassofservice", "reverseipclassofservice"})


#: network access codes: RADIUS's NAS-Port (the switch's or controller's port the client came in
#: on, 50101 for Gi1/0/1 on a Cisco switch: no TCP or UDP port, no neighbour of 50102),
#: Acct-Terminate-Cause and Acct-Authentic written as numbers (RFC 2866: 1 User-Request, 4
#: Idle-Timeout ...), a Wi-Fi radio's channel (UniFi's events, hostapd's: 36 a 5 GHz channel,
#: no neighbour of 11) and the IEEE 802.11 reason code of a client's deauthentication or
#: disassociation (Meraki's event log's ``eventData.reason``, wpa_supplicant's and hostapd's
#: ``reason=``: 7 a frame from a client not associated, as a deauth flood sends, 8 a client
#: leaving; no amount, and summed per client they were one)
_NAC_CODE_NAMES = frozenset({"nasport", "acctterminatecause", "acctauthentic", "channel", "reason"})
#: the last words of names of such codes, as a controller names its radio's channel and a
#: disconnection's reason with a prefix (UniFi Network's CEF syslog: ``UNIFIwifiChannel``,
#: ``wifi_channel``, ``radio_channel``, ``disconnectReason``)
_NAC_CODE_WORDS = frozenset({"channel", "reason"})
#: the words of a measure taken over such codes (``messages_per_channel``, ``calls_by_reason``,
#: ``total_channel``): an amount, no code
_MEASURE_WORDS = frozenset({"per", "by", "count", "num", "total", "sum", "avg", "mean", "max", "min"})


def _nac_code_word(name: str) -> bool:
    """Whether column ``name``'s last word names a network access code (:data:`_NAC_CODE_WORDS`:
    ``UNIFIwifiChannel``, ``disconnectReason``) and no earlier word a measure over them
    (:data:`_MEASURE_WORDS`).

    Examples
    --------
    >>> _nac_code_word("UNIFIwifiChannel"), _nac_code_word("eventData.reason")
    (True, True)
    >>> _nac_code_word("messages_per_channel"), _nac_code_word("calls_by_reason"), _nac_code_word("retries")
    (False, False, False)
    """
    words = [w.lower() for w in _NAME_WORDS.findall(name)]
    return bool(words) and words[-1] in _NAC_CODE_WORDS and _MEASURE_WORDS.isdisjoint(words[:-1])


#: a Unix account's user and group ids, as auditd and osquery name them (``uid``, ``euid``,
#: ``auid`` ...): 0 is root, 1000 a user, 4294967295 (-1) an unset audit id, no magnitudes; a
#: Zeek connection's ``uid`` (``CHhAvVGS1DHFjwGM9``) is no number, an identifier still
#: (a file owner's too: osquery's process_events ``owner_uid``/``owner_gid``, auditd's ``ouid``/``ogid``,
#: a stat's ``st_uid``/``st_gid`` as macOS's eslogger writes an executable's; and the real ids of
#: an audit token, ``ruid``/``rgid``, as eslogger and OpenBSM's praudit write them beside ``euid``)
_ACCOUNT_ID_NAMES = {"uid", "euid", "suid", "fsuid", "auid", "gid", "egid", "sgid", "fsgid",
                     "owneruid", "ownergid", "ouid", "ogid", "stuid", "stgid", "ruid", "rgid"}


def _account_ids(key: str, leaf: str, s: pd.Series) -> bool:
    """Whether column ``s`` under normalised name ``key`` (last part ``leaf``) holds Unix user or
    group ids (:data:`_ACCOUNT_ID_NAMES`): whole numbers, as numbers or text (placeholders such
    as ``-`` aside), not near-unique.

    Examples
    --------
    >>> _account_ids("uid", "uid", pd.Series(["0", "1000", "1000"]))
    True
    >>> _account_ids("uid", "uid", pd.Series(["CHhAvVGS1DHFjwGM9", "C1"]))
    False
    >>> _account_ids("euid", "euid", pd.Series(range(1000)))
    False
    >>> _account_ids("processaudittokenruid", "ruid", pd.Series([0, 501, 501]))
    True
    """
    if key not in _ACCOUNT_ID_NAMES and leaf not in _ACCOUNT_ID_NAMES:
        return False
    if not pd.api.types.is_numeric_dtype(s):
        text = s.dropna().iloc[:2000].astype(str).str.strip()
        text = text[~text.isin(PLACEHOLDERS) & (text != "")]
        s = pd.to_numeric(text, errors="coerce")
        if s.isna().any():
            return False
    v = _whole_numbers(s)
    return v is not None and not near_unique(len(np.unique(v)), len(v))


def _whole_numbers(s: pd.Series) -> np.ndarray | None:
    """The finite values of numeric column ``s`` where there are some and all are whole
    numbers, else ``None`` (a boolean or complex column too)."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_complex_dtype(s):
        return None
    v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    v = v[np.isfinite(v)]
    return v if len(v) and bool((v == np.floor(v)).all()) else None


def _rule_generator(leaf: str, tells: TableTells) -> bool:
    """Whether a ``gid`` column (last part ``leaf``) is a Snort or Suricata rule's generator id:
    beside the rule's signature id (``signature_id``, Suricata's EVE ``alert.signature_id``; or
    ``sid`` with ``rev``, a Snort alert table's ``gid,sid,rev``), no Unix group; ``tells`` read
    from its table's column names.

    Examples
    --------
    >>> _rule_generator("gid", table_tells(["alert.gid", "alert.signature_id"]))
    True
    >>> _rule_generator("gid", table_tells(["gid", "sid", "rev"]))
    True
    >>> _rule_generator("gid", table_tells(["pid", "sid", "uid", "gid"]))
    False
    >>> _rule_generator("uid", table_tells(["sid", "rev"]))
    False
    """
    return leaf == "gid" and tells.rule_signature


def _coded(name: str, key: str, leaf: str, values: pd.Series,
           tells: TableTells = _NO_TABLE) -> str:
    """Why the numbers ``values`` (a numeric column, or a text one's values read as numbers) of
    column ``name`` (normalised ``key``, last part ``leaf``) are codes, not magnitudes: a protocol
    number, TCP flag bits, an HTTP status or another code by its name; ``""`` when they are not.
    ``tells``, read from the names of its table, tell a rule's generator id from a Unix group id.
    One test for a column of numbers and for the same numbers as text (JSON lines' ``"6"``).

    Examples
    --------
    >>> _coded("PROTOCOL", "protocol", "protocol", pd.Series([6.0, 17.0]))
    'protocol number'
    >>> _coded("TCP_FLAGS", "tcpflags", "tcpflags", pd.Series([2.0, 18.0]))
    'TCP flag bits'
    >>> _coded("process.codesigning_flags", "processcodesigningflags", "codesigningflags",
    ...        pd.Series([570522385.0, 570522387.0]))
    "bit flags (a file's mode or flags, a code signature's flags)"
    >>> _coded("bytes", "bytes", "bytes", pd.Series([6.0])), _coded("proto", "proto", "proto", pd.Series([]))
    ('', '')
    >>> _coded("Badge ID", "badgeid", "badgeid", pd.Series([456.0, 123.0]))
    "a badge or card number (a cardholder's credential, an identity: no magnitude)"
    >>> _coded("OS version", "osversion", "osversion", pd.Series([17.4, 16.7]))
    'version (a release, no magnitude: 14.10 comes after 14.9, 14.4.1 is no number)'
    >>> _coded("event.computer.jssID", "eventcomputerjssid", "jssid", pd.Series([42.0, 43.0]))
    "Jamf Pro's inventory id of a computer or mobile device (jssID: no magnitude)"
    >>> _coded("callingPartyNumber", "callingpartynumber", "callingpartynumber", pd.Series([4420.0]))
    'a phone number or extension (a caller or callee, an identity: no magnitude)'
    >>> sm20 = table_tells(["Date", "Time", "Client", "User", "Terminal", "Transaction Code"])
    >>> _coded("Client", "client", "client", pd.Series([100.0, 0.0]), sm20)
    "SAP client (000 SAP's own, 100 production's: no magnitude)"
    """
    if pd.api.types.is_complex_dtype(values) or not values.notna().any():
        return ""
    if key in _PROTOCOL_NAMES or leaf in _PROTOCOL_NAMES or _last_word(name) in ("proto", "protocol"):
        return "protocol number"
    if key in _TCP_FLAG_NAMES or leaf in _TCP_FLAG_NAMES:
        return "TCP flag bits"
    if key in _BIT_FIELD_NAMES or leaf in _BIT_FIELD_NAMES:
        return "bit flags (a file's mode or flags, a code signature's flags)"
    if _http_status(key, leaf, values):
        return "HTTP status code"
    if _last_word(name) == "version":
        return VERSION_CODE
    if ((key == _JAMF_ID or leaf == _JAMF_ID) and (v := _whole_numbers(values)) is not None
            and not near_unique(len(np.unique(v)), len(v))):  # (a row's own: an identifier still)
        return "Jamf Pro's inventory id of a computer or mobile device (jssID: no magnitude)"
    if ((key in _PHONE_NAMES or leaf in _PHONE_NAMES
         or (key in _ASTERISK_CDR_PHONES and _asterisk_cdr(tells.names))
         or (key == _ASTERISK_SECURITY_ACCOUNT
             and _leaves_told(tells.names, _ASTERISK_SECURITY_TELLS) >= 3))
            and _whole_numbers(values) is not None):
        return PHONE_NUMBERS
    if _code_numbers(key, values):
        return "code (whole numbers under a name ending in code or type)"
    if _named_codes(key, leaf, values):
        return ("code (whole numbers under a code's name: an event or rule id, a scanner's "
                "plugin id or QID, address family, status, class, Modbus unit or register)")
    if _as_numbers(name, key, leaf, values):
        return "autonomous system number (a network's name, no magnitude)"
    if (key in _NAC_CODE_NAMES or leaf in _NAC_CODE_NAMES or _nac_code_word(name)) \
            and (v := _whole_numbers(values)) is not None and not near_unique(len(np.unique(v)), len(v)):
        return ("a network access code (RADIUS's NAS-Port or termination cause, a Wi-Fi channel "
                "or 802.11 reason code)")
    if (key in _FLOW_CODE_NAMES or leaf in _FLOW_CODE_NAMES) and _whole_numbers(values) is not None:
        return "a router's interface index, VLAN id or ToS byte (a flow export's code, no magnitude)"
    if key in _FLOW_TOOL_CODES.get(tells.flow_tool, {}) and _whole_numbers(values) is not None:
        return f"{_FLOW_TOOL_CODES[tells.flow_tool][key]} ({tells.flow_tool}'s {key})"
    if (key in _CREDENTIAL_NAMES or leaf in _CREDENTIAL_NAMES) and _whole_numbers(values) is not None:
        return CREDENTIAL_NUMBERS
    if leaf in _ACTOR_OBJECT_IDS and _actor_object(tells.names) and _whole_numbers(values) is not None:
        return "an actor's or object's id (who did what to which door or lock: Kisi's events), no magnitude"
    if ((key in _SAP_CLIENT_NAMES or leaf in _SAP_CLIENT_NAMES
         or (key == "client" and _leaves_told(tells.names, _SAP_TELLS) >= 2))
            and _whole_numbers(values) is not None):
        return SAP_CLIENT
    if leaf in _SAP_CHANGED_OBJECT and _sap_change_documents(tells.names) \
            and _whole_numbers(values) is not None:
        return "SAP changed object's key (a vendor's, order's or material's number: no magnitude)"
    if _account_ids(key, leaf, values):
        if _rule_generator(leaf, tells):
            return "rule generator id (gid beside the rule's signature id: Snort's or Suricata's)"
        return "user or group id (whole numbers under uid, gid, euid ...: 0 is root)"
    return ""


#: an access-control system's credential, by its number: a badge's or a card's (Lenel OnGuard's
#: and Genetec's reports' ``Badge ID``, ``Card Number``, ``Credential``; HID's and Brivo's
#: ``card_number``; the card's ``Facility Code``), the person holding it, not an amount (badge
#: 000456 is no neighbour of 000457, and a new badge far past the known ones no outlier by that)
_CREDENTIAL_NAMES = frozenset({"badge", "badgeid", "badgenumber", "badgeno", "badgenum", "card",
                               "cardid", "cardnumber", "cardno", "cardnum", "credential",
                               "credentialid", "credentialnumber", "cardholderid", "facilitycode"})


#: the fields of an event that names who acted and on what by type and id (Kisi's access events:
#: ``actor_type`` ``User``, ``actor_id`` 789, ``object_type`` ``Lock``, ``object_id`` 42): all four
#: tell it, and its ids (and the place's) are people, doors and sites by number, no amounts (user
#: 800 no neighbour of 789, the server room's lock 57 none of 42)
_ACTOR_OBJECT_TELLS = frozenset({"actortype", "actorid", "objecttype", "objectid"})
_ACTOR_OBJECT_IDS = frozenset({"actorid", "objectid", "placeid"})


#: an SAP system's client (``Mandant``), the company or system part a logon or change went to,
#: by its number (``000`` SAP's own, ``001``, ``100`` production's): no amount. Its technical
#: names (``MANDT``, ``MANDANT``: an SE16 export's, the change documents' CDHDR and CDPOS) are
#: SAP's own; ``Client`` is SAP's in a table with two of the Security Audit Log's (SM20,
#: RSAU_READ_LOG) or the change documents' columns beside it (:data:`_SAP_TELLS`)
_SAP_CLIENT_NAMES = frozenset({"mandt", "mandant", "sapclient"})
_SAP_TELLS = frozenset({"transactioncode", "tcode", "terminal", "terminalname",
                        "program", "programname", "objectclas", "objectid", "changenr"})
SAP_CLIENT = "SAP client (000 SAP's own, 100 production's: no magnitude)"
#: SAP's change documents (the CDHDR and CDPOS tables as SE16 or a SIEM's connector export them,
#: told by ``OBJECTCLAS`` beside ``OBJECTID``): the document's number, ``CHANGENR`` (and a
#: planned change's ``PLANCHNGNR``, ``ACT_CHNGNO``), numbered as changes are made, each later one
#: past training; the changed object's key, ``OBJECTID`` and ``TABKEY`` (a vendor's
#: ``0000100038``, a purchase order's ``4500001234``), a name by its number
_SAP_CHANGE_TELLS = frozenset({"objectclas", "objectid"})
_SAP_CHANGE_NUMBERS = frozenset({"changenr", "planchngnr", "actchngno"})
_SAP_CHANGED_OBJECT = frozenset({"objectid", "tabkey"})


def _sap_change_documents(columns: Iterable[object]) -> bool:
    """Whether ``columns`` are SAP's change documents' (:data:`_SAP_CHANGE_TELLS`).

    Examples
    --------
    >>> _sap_change_documents(["MANDANT", "OBJECTCLAS", "OBJECTID", "CHANGENR"])
    True
    >>> _sap_change_documents(["OBJECTID"])
    False
    """
    return _leaves_told(columns, _SAP_CHANGE_TELLS) == len(_SAP_CHANGE_TELLS)


def _actor_object(columns: Iterable[object]) -> bool:
    """Whether ``columns`` name an event's actor and object by type and id
    (:data:`_ACTOR_OBJECT_TELLS`, as fields' last parts).

    Examples
    --------
    >>> _actor_object(["actor_type", "actor_id", "object_type", "object_id"]), _actor_object(["actor_id"])
    (True, False)
    """
    return _leaves_told(columns, _ACTOR_OBJECT_TELLS) == len(_ACTOR_OBJECT_TELLS)


def _port_values(s: pd.Series) -> bool:
    """Whether the values of ``s`` (a sample) present are port numbers (0-65535, whole; as
    numbers or text, hex too: :func:`port_numbers`), placeholders such as ``-`` aside: a
    switch's port names (``Gi1/0/24``) under a name ending in ``port`` are no port numbers.

    Examples
    --------
    >>> _port_values(pd.Series([443, 80, None])), _port_values(pd.Series(["443", "-", "0x01bb"]))
    (True, True)
    >>> _port_values(pd.Series(["Gi1/0/24", "ge-0/0/1"])), _port_values(pd.Series([None, "-"]))
    (False, False)
    """
    if pd.api.types.is_bool_dtype(s):
        return False
    sample = s.dropna().iloc[:2000]
    if not pd.api.types.is_numeric_dtype(sample):
        text = sample.astype(str).str.strip()
        sample = sample[~text.isin(PLACEHOLDERS).to_numpy(dtype=bool) & (text != "").to_numpy(dtype=bool)]
    return bool(len(sample)) and bool(np.isfinite(port_numbers(sample)).mean() >= 0.99)


def _port_word(name: str) -> bool:
    """Whether the last word of column ``name`` is ``port`` (osquery's ``local_port`` and
    ``remote_port``, a Windows logon's ``IpPort``, ``L4_SRC_PORT``, ``Destination Port``):
    a port's name, as the listed ones (``sport``, ``dpt``, ``id.orig_p``) are, where its
    values are port numbers (:func:`_port_values`).

    Examples
    --------
    >>> [_port_word(n) for n in ("local_port", "remotePort", "IpPort", "Destination Port")]
    [True, True, True, True]
    >>> [_port_word(n) for n in ("export", "report", "is_sm_ips_ports", "port_count")]
    [False, False, False, False]
    """
    return _last_word(name) == "port"


def _http_status(key: str, leaf: str, values: pd.Series) -> bool:
    """Whether a column named ``key`` (last part ``leaf``) of numbers ``values`` holds HTTP
    status codes: a status name, or one ending in ``status`` (Cloudflare's ``EdgeResponseStatus``
    and ``OriginResponseStatus``, Traefik's ``DownstreamStatus``, nginx's ``upstream_status``),
    and whole numbers 100-599 only, ``0`` aside (no response: a flow export's
    ``http_status_code`` of a flow with no HTTP, as TON_IoT's and NetFlow's write it, Cloudflare's
    ``OriginResponseStatus`` of a request served from its cache).

    Examples
    --------
    >>> _http_status("httpstatuscode", "httpstatuscode", pd.Series([0, 200, 404]))
    True
    >>> _http_status("status", "status", pd.Series([0, 0])), _http_status("status", "status", pd.Series([1]))
    (False, False)
    >>> _http_status("edgeresponsestatus", "edgeresponsestatus", pd.Series([200, 404]))  # Cloudflare's
    True
    >>> _http_status("ifoperstatus", "ifoperstatus", pd.Series([1, 2]))  # SNMP's: no HTTP status
    False
    """
    if key not in _HTTP_STATUS_NAMES and leaf not in _HTTP_STATUS_NAMES and not leaf.endswith("status"):
        return False
    v = pd.to_numeric(values, errors="coerce").dropna()
    v = v.to_numpy(dtype=np.float64) if len(v) else np.empty(0)
    code = (v == np.floor(v)) & (v >= 100) & (v <= 599)
    return bool(code.any()) and bool(np.all(code | (v == 0)))
_IPV4 = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
#: an ISO 8601 date, or date and time (``str`` of a ``datetime.date`` or ``datetime``, with its
#: offset), as a whole value
_ISO_TIME = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
             r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?")
#: a date of day and month as numbers and a four-digit year, as a spreadsheet or a European
#: locale writes it (``01.03.2024``, ``03/01/2024``, ``1-3-2024``), perhaps with a time of day
#: (``01.03.2024 08:00:00``, ``3/1/2024 8:00 AM``): a version (``1.2.3``) has no such year
_DAY_MONTH_TIME = (r"[0-9]{1,2}([/.-])[0-9]{1,2}\1[0-9]{4}"
                   r"(?:,?[T ]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?: ?[AaPp][Mm])?)?")
#: a time of day on a clock's face (``08:15:02``, ``23:59:59.5``): under a time's name, no duration
_DAY_CLOCK = r"\s*(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?\s*"
#: a day alone, ISO 8601's ``2021-08-06``
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_HEX = re.compile(r"0x[0-9a-f]+")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def normal_leaf(name: object) -> str:
    """The last part of field name ``name``, lowered, its letters and digits only, as the table
    tells read a product's fields however deep a shipper puts them.

    Examples
    --------
    >>> normal_leaf("details.author_name"), normal_leaf("Author Name"), normal_leaf("a.RequestCount")
    ('authorname', 'authorname', 'requestcount')
    """
    return _norm(str(name).rsplit(".", 1)[-1])


def _leaves_told(columns: Iterable[object], tells: frozenset[str]) -> int:
    """How many of a product's ``tells`` (normalised last parts) the table's ``columns`` hold.

    Examples
    --------
    >>> _leaves_told(["x.DownstreamStatus", "RouterName", "user"], _TRAEFIK_TELLS)
    2
    """
    return len({normal_leaf(c) for c in columns} & tells)


_WHOLE_FLOAT = re.compile(r"^(-?\d+)\.0+$")
_FEW = 256


#: the spellings of a boolean that pandas and Arrow read as one (``true`` in a CSV is ``True``)
_BOOLS = {"true": "True", "false": "False"}


def _whole(text: str, bools: bool = False) -> str:
    """:func:`canonical_text` of one value."""
    text = _WHOLE_FLOAT.sub(r"\1", text)
    if bools and len(text) in (4, 5) and text.lower() in _BOOLS:
        return _BOOLS[text.lower()]
    if bools and not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return "0" if text == "-0" else text


def canonical_text(values: pd.Series, *, bools: bool = False) -> pd.Series:
    """Whole numbers written as floats (``"80.0"``) as integers (``"80"``): a column of integer
    codes reads as floats as soon as one of its cells is empty, and its values must not change
    with that. Negative zero is zero (``-0.0 == 0.0``: pandas counts them as one value, written
    as whichever came first). With ``bools`` (the values of a one-hot category), a boolean is
    ``True`` or ``False`` however its text is written (``true``, ``FALSE``): a CSV column of
    ``true``/``false`` reads as booleans, and the same column with one other word in it (or a
    JSON string ``"true"``) as text, which must not make each of its values one never seen;
    and text is in Unicode's composed form (NFC: ``é`` written as ``e`` and a combining accent,
    as macOS tools and some exporters write it, is the one code point ``é``), so that one name
    in two spellings that read alike is one category, not one never seen.
    Without it the text is kept as written: hashed values hash as they always did (a saved
    model's features do not change), entity names and the cells a rule's glob matches read as
    written.

    Examples
    --------
    >>> canonical_text(pd.Series(["80.0", "-3.00", "0.5", "tcp", "1e+20", "-0.0", "true"])).tolist()
    ['80', '-3', '0.5', 'tcp', '1e+20', '0', 'true']
    >>> canonical_text(pd.Series(["true", "FALSE", "trUE!", "Jos\\u0065\\u0301"]), bools=True).tolist()
    ['True', 'False', 'trUE!', 'José']
    """
    text = values.str.replace(_WHOLE_FLOAT.pattern, r"\1", regex=True).replace("-0", "0")
    if not bools:
        return text
    text = text.str.normalize("NFC")
    short = text.str.len().isin((4, 5)).to_numpy(dtype=bool, na_value=False)  # true, false
    if short.any():
        lower = text[short].str.lower()
        for spelled, value in _BOOLS.items():
            at = np.flatnonzero(short)[(lower == spelled).to_numpy(dtype=bool, na_value=False)]
            if len(at):
                text.iloc[at] = value
    return text


def _bool_or_flag(uniques: np.ndarray) -> list[int]:
    """The positions among the distinct values of an object column of a boolean or a number 0
    or 1 (which pandas takes for the same value); text only is the quick answer."""
    if pd.api.types.infer_dtype(uniques, skipna=True) in ("string", "empty"):
        return []
    # a hashed look-up, equal as Python's == is (True, 1, 1.0, np.int8(1)): a loop in Python
    # over a million distinct values took 0.8 s
    return np.flatnonzero(pd.Series(uniques, dtype=object).isin([0, 1]).to_numpy()).tolist()


def factorize_strings(s: pd.Series, *, bools: bool = False,
                      null_text: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques): ``uniques[codes]`` are the values as stripped strings (whole numbers
    without ``.0``, with ``bools`` booleans as ``True``/``False``: see :func:`canonical_text`), missing and
    empty → ``"<missing>"``. Work per distinct value, so a chunk of a million rows stays cheap.
    ``null_text``: a missing spelling (:data:`NULL_TEXT`: ``N/A``, ``null``, ``?`` ...) is
    ``"<missing>"`` too, as the table reader reads it in a CSV; from JSON lines, the service or a
    stream it comes as text (a value counted, grouped or matched must not tell the two apart).

    Examples
    --------
    >>> codes, uniques = factorize_strings(pd.Series([80.0, None, 443.0, 80.0]))
    >>> uniques[codes].tolist()
    ['80', '<missing>', '443', '80']
    >>> codes, uniques = factorize_strings(pd.Series(["a", "N/A", None, "", "a"]), null_text=True)
    >>> uniques[codes].tolist(), len(uniques)
    (['a', '<missing>', '<missing>', '<missing>', 'a'], 2)
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    flag_values = _bool_or_flag(uniques) if s.dtype == object else []
    if flag_values:
        # True == 1 and False == 0 to pandas: a cell True and a cell 1 (JSON's true and 1) were
        # one value, written as whichever came first, so that 1 read as 'True' (or True as
        # '1') in one batch and as itself in another; a boolean is keyed by its text instead.
        # Only the cells of those values are looked at one by one (a column of numbers and text
        # holding a 0 or a 1 paid a pass over every cell: 1M cells 0.16 s -> 0.36 s)
        cells = s.to_numpy(dtype=object)
        at = np.flatnonzero(np.isin(codes, flag_values))
        flags = np.fromiter((type(v) is bool or type(v) is np.bool_ for v in cells[at]), bool, len(at))
        if flags.any() and not flags.all():  # both kinds: else each value is its own already
            cells = cells.copy()
            cells[at[flags]] = np.where(cells[at[flags]].astype(bool), "True", "False")
            codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object)).astype("string").str.strip()
    if len(text) > _FEW:
        text = canonical_text(text, bools=bools)
    u = text.fillna(MISSING).replace("", MISSING).to_numpy(dtype=object)
    if len(u) <= _FEW:  # a chunk's distinct values are usually few: a Python loop beats pandas
        u = np.array([_whole(v, bools) for v in u], dtype=object)
    if null_text:
        u = np.where(np.isin(u, np.array(NULL_TEXT, dtype=object)), MISSING, u).astype(object)
    canon_codes, canon = pd.factorize(np.append(u, MISSING).astype(object))
    codes = np.where(codes >= 0, canon_codes[np.maximum(codes, 0)], canon_codes[-1])
    return codes.astype(np.int64), np.asarray(canon, dtype=object)


def string_values(s: pd.Series, *, bools: bool = False) -> np.ndarray:
    """Values as an object array of stripped strings; missing → ``"<missing>"`` (``bools``: see
    :func:`factorize_strings`)."""
    codes, uniques = factorize_strings(s, bools=bools)
    return uniques[codes]


def stable_hash(values: np.ndarray, buckets: int) -> np.ndarray:
    """Bucket index in ``[0, buckets)`` of each string (same on every machine and run)."""
    h = pd.util.hash_array(np.asarray(values, dtype=object), categorize=True)
    return (h % np.uint64(buckets)).astype(np.int64)


def _code_role(coded: str, s: pd.Series, max_categories: int) -> tuple[str, str]:
    """The role of column ``s`` of codes (``coded`` says why): a category, or hashed where it
    holds more than ``max_categories`` distinct values, as text of that many values is (a
    ``postal_code`` of 40,000 codes was 40,000 one-hot features).

    Examples
    --------
    >>> _code_role("protocol number", pd.Series([6, 17, 6]), 50)
    ('categorical', 'protocol number')
    >>> _code_role("code", pd.Series(range(60)), 50)
    ('hash', 'code: 60 distinct values > max_categories=50')
    """
    n_unique = int(s.nunique())
    if n_unique > max_categories:
        return "hash", f"{coded}: {n_unique} distinct values > max_categories={max_categories}"
    return "categorical", coded


#: the mark QRadar's CSV export puts after the name of a custom event property
#: (``Destination Port (custom)``, ``Bytes (custom)``): no part of what the field is
_CUSTOM_MARK = re.compile(r"\s*\(custom\)\s*$", re.IGNORECASE)


def field_name(name: str) -> str:
    """Column ``name`` as its role reads it: without QRadar's `` (custom)`` mark of a custom
    property (:data:`_CUSTOM_MARK`), which made its last word ``custom``.

    Examples
    --------
    >>> field_name("Destination Port (custom)"), field_name("Bytes(Custom)"), field_name("(custom)")
    ('Destination Port', 'Bytes', '(custom)')
    """
    bare = _CUSTOM_MARK.sub("", name)
    return bare if bare.strip() else name


def infer_role(name: str, s: pd.Series, *, max_categories: int,
               columns: Iterable[object] | TableTells = ()) -> tuple[str, str]:
    """(role, reason) for a column from its name and a sample of its values; a nested JSON
    field's name is also read by its last part (``server.port``, ``host.ip``, ``agent.id``).
    ``columns``, the names of the column's table, tell a Windows event export's ``Id`` (the event
    id, PowerShell's ``Get-WinEvent | Export-Csv``: beside ``ProviderName``, ``TimeCreated`` ...),
    a code as ``EventID`` is, from an identifier, and the other exports whose own columns are
    codes or bookkeeping (:class:`TableTells`); a caller that reads every column of a table
    passes them read once, ``columns=table_tells(df.columns)``.

    Examples
    --------
    >>> infer_role("server.port", pd.Series([443, 80]), max_categories=100)
    ('port', 'port name')
    >>> infer_role("dest_port", pd.Series([443, 80]), max_categories=100)
    ('port', 'port name')
    >>> infer_role("PROTOCOL", pd.Series([6, 17]), max_categories=100)
    ('categorical', 'protocol number')
    >>> infer_role("status", pd.Series(["200", "404"]), max_categories=100)
    ('categorical', 'HTTP status code')
    >>> infer_role("day", pd.Series(["2024-01-05", "2024-01-06"]), max_categories=100)
    ('drop', 'date/time values')
    >>> infer_role("Datum", pd.Series(["01.03.2024", "02.03.2024"]), max_categories=100)
    ('drop', 'date/time values')
    >>> infer_role("OperationVersion", pd.Series(["2021-08-06", "2019-02-02"]), max_categories=100)[0]
    'categorical'
    >>> infer_role("local_orig", pd.Series([None, None], dtype="boolean"), max_categories=100)
    ('numeric', 'no values (all missing)')
    >>> ids, names = pd.Series([4624, 4625, 4624]), ["Id", "TimeCreated", "ProviderName"]
    >>> infer_role("Id", ids, max_categories=9)[0], infer_role("Id", ids, max_categories=9, columns=names)[0]
    ('drop', 'categorical')
    >>> infer_role("Id", ids, max_categories=9, columns=table_tells(names))[0]
    'categorical'
    """
    tells = table_tells(columns)
    name = field_name(name)  # (QRadar's 'Destination Port (custom)': a port, as its name says)
    key = _norm(name)
    leaf = _norm(name.rsplit(".", 1)[-1]) if "." in name else key
    # a nested field is told by its object's fields too (Wazuh's data.win.system.task beside
    # data.win.system.eventID; Splunk's JSON export's result.counter beside result.unixTime)
    inner = tells.objects.get(name.rsplit(".", 1)[0]) if "." in name else None
    if _told(_winevent_id, key, tells, leaf, inner) and pd.api.types.is_numeric_dtype(s):
        if _named_codes("eventid", "eventid", s):  # (near-unique numbers: an identifier still)
            return _code_role("Windows event id (Id of an event export)", s, max_categories)
    winevent = _told(_winevent_code, key, tells, leaf, inner)
    if (winevent and pd.api.types.is_numeric_dtype(s)
            and _named_codes("eventid", "eventid", s)):  # (whole numbers, not near-unique)
        return _code_role(_winevent_reason(winevent), s, max_categories)
    if tells.dhcp_audit and (key in _DHCP_AUDIT_CODES or key in _DHCP_AUDIT_DROPS):
        if key in _DHCP_AUDIT_DROPS:
            return "drop", _DHCP_AUDIT_DROPS[key]
        numbers = pd.to_numeric(s, errors="coerce") if not pd.api.types.is_numeric_dtype(s) else s
        if (v := _whole_numbers(numbers)) is not None and numbers.notna().sum() == s.notna().sum() \
                and not near_unique(len(np.unique(v)), len(v)):  # (a row's id: an identifier still)
            return _code_role(_DHCP_AUDIT_CODES[key], numbers, max_categories)
    if ((key in _ID_NAMES or leaf in _ID_NAMES) and not _account_ids(key, leaf, s)
            # (rule.id, plugin.id: their leaf 'id', the rule's or the scanner's check's code)
            and not ((key in _RULE_ID_NAMES or key in _SCANNER_CHECK_NAMES)
                     and not near_unique(int(s.nunique()), int(s.notna().sum())))
            and not ((key in _CI_COUNTERS or leaf in _CI_COUNTERS)
                     and not (tells.github_actions or tells.jenkins)
                     and not near_unique(int(s.nunique()), int(s.notna().sum())))
            and not ((key in _JOB_COUNTERS or leaf in _JOB_COUNTERS)
                     and not near_unique(int(s.nunique()), int(s.notna().sum())))):
        return "drop", ID_NAME
    snort = _told(_snort_field, key, tells, leaf, inner)
    if snort:
        if snort in _SNORT3_CLOCKS:
            return "drop", _SNORT3_CLOCKS[snort]
        numbers = pd.to_numeric(s, errors="coerce") if not pd.api.types.is_numeric_dtype(s) else s
        if _whole_numbers(numbers) is not None and numbers.notna().sum() == s.notna().sum():
            return _code_role("Snort rule code (generator, signature id, revision or priority)",
                              numbers, max_categories)
    if leaf == _FIRED_TIMES:
        return "drop", "Wazuh's rule counter (the times the rule fired since the manager started)"
    if leaf == "number" and tells.jenkins:
        return "drop", "Jenkins build number (rises with every build)"
    if _told(_osquery_counter, key, tells, leaf, inner):
        return "drop", "osquery's query-run counter (rises with every run)"
    counter = (_db_log_counter(key, tells) or (_db_log_counter(leaf, inner) if inner is not None else "")
               or _winevent_export_id(key, tells.names))
    if counter:
        return "drop", counter
    if (key in _SONICWALL_DROPS or key in _SONICWALL_CODES) and _sonicwall(tells.names):
        if key in _SONICWALL_DROPS:
            return "drop", _SONICWALL_DROPS[key]
        numbers = pd.to_numeric(s, errors="coerce") if not pd.api.types.is_numeric_dtype(s) else s
        if _whole_numbers(numbers) is not None and numbers.notna().sum() == s.notna().sum():
            return _code_role(_SONICWALL_CODES[key], numbers, max_categories)
    if leaf == _F5_ASM_ID and _f5_asm(tells.names):
        return "drop", "F5 ASM's support id (a random number per request)"
    if leaf == _MODSECURITY_ID and _modsecurity(tells.names):
        return "drop", "ModSecurity's transaction id (the time it began, in digits)"
    if leaf in _SAP_CHANGE_NUMBERS and _sap_change_documents(tells.names):
        return "drop", "SAP change document number (CHANGENR: rises with every change)"
    if leaf in _ASTERISK_CDR_IDS and _asterisk_cdr(tells.names):
        return "drop", "Asterisk's call id (the time the channel was created and a counter, in digits)"
    if leaf == _FREESWITCH_CDR_ID and _leaves_told(tells.names, _FREESWITCH_CDR_TELLS) >= 3:
        return "drop", "FreeSWITCH's session counter (rises with every call since the switch started)"
    if leaf == _PRINT_JOB and _print_service(tells.names) and _whole_numbers(
            pd.to_numeric(s, errors="coerce") if not pd.api.types.is_numeric_dtype(s) else s) is not None:
        return "drop", "Windows PrintService's print job id (event 307's Param1: numbered as jobs come)"
    if leaf == _TRAEFIK_COUNTER and _traefik(tells.names):
        return "drop", "Traefik's request counter (rises with every request since it started)"
    if leaf in _VCENTER_COUNTERS and _vcenter_event(tells.names):
        return "drop", "vCenter's event counter (Key, ChainId: rise with every event it logs)"
    bookkeeping = _export_bookkeeping(name, tells)
    if bookkeeping:
        return "drop", bookkeeping
    github = (_github_id(name, s, tells, max_categories)
              if tells.github or tells.gitlab or tells.github_actions else None)
    if github is not None:
        return github
    if pd.api.types.is_datetime64_any_dtype(s) or isinstance(s.dtype, pd.DatetimeTZDtype):
        return "drop", "timestamp values"
    if key in _IP_NAMES or leaf in _IP_NAMES:
        return "ip", "IP address name"
    if (key in _PORT_NAMES or leaf in _PORT_NAMES or (_port_word(name) and _port_values(s))) and \
            key not in _NAC_CODE_NAMES:  # (RADIUS's NAS-Port: a switch's port, a code below)
        return "port", "port name"
    if key in _FLOW_TOOL_PORTS.get(tells.flow_tool, ()) and _port_values(s):
        return "port", f"port ({tells.flow_tool}'s {key})"
    if pd.api.types.is_bool_dtype(s):
        # a nullable boolean with no value (Parquet's or Arrow's all-null field) has none, as the
        # same empty column read from a CSV (float NaN) or as text: read as a category, its only
        # value was <missing>, and every True or False scored later an <unseen> one
        return ("numeric", "no values (all missing)") if s.isna().all() else ("categorical", "boolean")
    coded = _coded(name, key, leaf, s, tells) if pd.api.types.is_numeric_dtype(s) else ""
    if coded:
        return _code_role(coded, s, max_categories)
    if pd.api.types.is_numeric_dtype(s):
        if _INDEX_NAME.fullmatch(name.strip()) and _row_numbers(s):
            return "drop", "row numbers (a table's index saved as a column)"
        clock = _clock_numbers(name, s)
        return ("drop", clock) if clock else ("numeric", "numeric values")
    present = s.dropna()
    present = present[present.astype("string").str.strip() != ""]
    if len(present) == 0:
        return "numeric", "no values (all missing)"
    sample = present.iloc[:2000].astype(str).str.strip()
    placeholder = sample.isin(PLACEHOLDERS)
    real = sample[~placeholder]  # '-' is unset (Windows logons write it for a local address)
    if (len(real) and "version" in (w.lower() for w in _NAME_WORDS.findall(name))
            and real.str.fullmatch(_ISO_DATE).all()):
        # an API version named by its date (Azure Storage's OperationVersion, its analytics log's
        # request-version-header: 2021-08-06): a release a client speaks, no time
        return _code_role(VERSION_CODE, s, max_categories)
    if len(real) and (real.str.fullmatch(_ISO_TIME).all()
                      or (not is_time_name(name) and real.str.fullmatch(_DAY_MONTH_TIME).all())):
        # dates as the CSV, Parquet and Arrow readers give them (datetime.date objects), or ISO
        # text, or day and month as numbers under any name (SAP's export in a German locale:
        # 'Datum' 01.03.2024; under a time's name, 'times' below): as categories, every later
        # day would be a value never seen
        return "drop", "date/time values" + _unset_said(sample[placeholder])
    if len(real) and real.map(lambda v: bool(_IPV4.match(v)) or (":" in v and is_ip(without_port(v)))
                              ).mean() > 0.95:  # (an address with its port too: Azure's 10.0.1.5:52153)
        return "ip", "IP address values" + _unset_said(sample[placeholder])
    states = sample.isin(DIGITAL_STATES)  # a historian's 'Bad Input' among a tag's numbers
    plain = pd.to_numeric(sample.mask(placeholder | states), errors="coerce")
    conv = with_sizes(plain, sample.mask(placeholder | states))  # ('48.2 MB', a print log's size)
    if conv is not plain and is_time_name(name):
        # a clock's face under a time's name (a LogonTime, SAP's UTIME: '08:15:02') is a time of
        # day, text as it was before such text read as seconds, unless one of them is no time of
        # day (a CPUTime of '1-02:03:04', '30:00:00' or '00:01.234': a job's run time)
        text = sample.astype("string")
        faces = (plain.isna() & text.str.match(DURATION).fillna(False)).to_numpy(dtype=bool)
        if faces.any() and text[faces].str.fullmatch(_DAY_CLOCK).all():
            conv = conv.mask(faces)
    if conv is not plain and not _values_vary(sample.mask(placeholder | states)):
        # one value throughout is no size read (as a number a constant) but a name: a domain
        # controller's NetBIOS domain '3B', whose next log's 'NT AUTHORITY' was no number
        conv = plain
    if states.sum() > conv.notna().sum():  # more such words than numbers: a column of words
        states = pd.Series(False, index=sample.index)  # ('Shutdown', 'Configure' commands), text
    if conv.notna().any() and (conv.notna() | placeholder | states).mean() >= 0.99:
        coded = _coded(name, key, leaf, conv, tells)  # (nginx's JSON log_format writes "$status" quoted)
        if not coded and winevent and _named_codes("eventid", "eventid", conv):
            coded = _winevent_reason(winevent)  # (a JSON export's "Level": "4", "Task": "12544")
        if coded:  # the same codes as a CSV's numbers: the same role
            numbers = pd.to_numeric(present, errors="coerce")  # ('6' and '6.0' one code, '-' none)
            return _code_role(coded + _unset_said(sample[placeholder]), numbers, max_categories)
        clock = _clock_numbers(name, conv)
        if not clock and _zero_padded(real):  # ('000456': a badge's or an employee's number)
            numbers = pd.to_numeric(present, errors="coerce")
            return _code_role(ZERO_PADDED + _unset_said(sample[placeholder]), numbers, max_categories)
        sizes = int(conv.notna().sum() - plain.notna().sum())
        if not clock and sizes:
            example = sample[conv.notna() & plain.isna()].iloc[0]
            read = (f"durations such as {example!r} read as seconds" if is_duration(example)
                    else f"sizes such as {example!r} read as bytes")  # (sacct's Elapsed: 1-02:03:04)
            return "numeric", (TEXT_NUMBERS + f" ({read})"
                               + _unset_said(sample[placeholder | states]))
        return ("drop", clock) if clock else ("numeric", TEXT_NUMBERS
                                              + _unset_said(sample[placeholder | states]))
    if is_time_name(name) and _dated_text(name, real):
        return "drop", "times"  # '01/05/2024 10:05': hashed, or each later one unseen
    # 'N/A', 'null', '?' ... (JSON lines, Parquet text): missing cells to the CSV reader, so no
    # values here either (a column of ids half 'N/A' was near-unique as a CSV, hashed as JSON)
    present = present[~present.astype("string").str.strip().isin(NULL_TEXT).to_numpy(dtype=bool)]
    if len(present) == 0:  # every cell 'N/A' (or missing): as a CSV reads it
        return "numeric", "no values (all missing)"
    n_unique = int(present.nunique())
    if near_unique(n_unique, len(present)):
        return "drop", f"near-unique text ({n_unique} distinct of {len(present)})"
    if n_unique > max_categories:
        return "hash", f"{n_unique} distinct values > max_categories={max_categories}"
    return "categorical", "text values"


#: the columns ``score`` and ``explain`` write beside the ``--keep`` ones (a table model's)
SCORE_OUTPUT = ("row", "score", "flag", "calibrated", "severity", "suppressed", "top_column", "why",
                "method")
_SEVERITIES = {"low", "medium", "high", "critical"}


def score_output_columns(df: pd.DataFrame) -> list[str]:
    """The columns of ``df`` that ``score`` or ``explain`` wrote, when ``df`` is such an output
    (its ``--keep`` columns beside them) fed back as data: it has ``score`` (numbers) and
    ``severity`` (``low`` ... ``critical``), and ``flag`` (0/1) or ``calibrated`` (0 to 1), one
    of which may be the label (``--label-col flag``); else none. A model's verdict on each row is
    no feature of the row (and ``row`` grows with every longer file).

    Examples
    --------
    >>> out = pd.DataFrame({"row": [0, 1], "score": [0.2, 3.1], "flag": [0, 1],
    ...                     "calibrated": [0.4, 1.0], "severity": ["low", "critical"], "bytes": [5, 9]})
    >>> score_output_columns(out)
    ['row', 'score', 'flag', 'calibrated', 'severity']
    >>> score_output_columns(out.drop(columns="flag"))  # flag taken as the label
    ['row', 'score', 'calibrated', 'severity']
    >>> score_output_columns(out.assign(severity=["3", "5"]))  # someone's own severity: data
    []
    """
    if not {"score", "severity"} <= set(df.columns) or not pd.api.types.is_numeric_dtype(df["score"]):
        return []
    if not df["severity"].dropna().astype(str).str.strip().isin(_SEVERITIES).all():
        return []
    flag = bool(pd.to_numeric(df["flag"], errors="coerce").isin((0, 1)).all()) if "flag" in df else None
    calibrated = bool(pd.to_numeric(df["calibrated"], errors="coerce").between(0, 1).all()) \
        if "calibrated" in df else None
    if flag is False or calibrated is False or (flag is None and calibrated is None):
        return []  # a flag or a probability of its own: the table's data
    return [c for c in df.columns if c in SCORE_OUTPUT]


def dropped_score_output(df: pd.DataFrame, given: Container[object], *, warn: bool = True) -> list[str]:
    """:func:`score_output_columns` of ``df`` but those ``given`` a role (or skipped) by the
    caller, with one warning that names them (unless ``warn`` is False: a probe before the fit
    that says it): the columns a preprocessor leaves out.

    Examples
    --------
    >>> out = pd.DataFrame({"score": [0.2, 3.1], "flag": [0, 1], "severity": ["low", "high"]})
    >>> dropped_score_output(out, {"flag"})
    ['score', 'severity']
    """
    verdicts = [c for c in score_output_columns(df) if c not in given]
    if verdicts and warn:
        logger.warning("leaving out %s: hourglass score output (a model's verdict on each row, not "
                       "data); --role %s=numeric to learn from it", ", ".join(verdicts),
                       "score" if "score" in verdicts else verdicts[0])
    return verdicts


#: the units written after a time's name: ``ms`` ... and Java's and BigQuery's ``millis``,
#: ``micros`` and ``nanos`` (Cloud Storage's usage logs' ``time_micros``, ``timestampMillis``),
#: and ``usec``, ``msec``, ``nsec`` (Google Workspace's BigQuery export's ``time_usec``), and
#: their plurals, ``usecs`` ... (Nutanix Prism's audits and alerts: ``creationTimestampUsecs``,
#: ``created_time_stamp_in_usecs``)
_UNITS = (r"ms|us|ns|sec|s|milliseconds|microseconds|nanoseconds|seconds|millis|micros|nanos"
          r"|usec|msec|nsec|usecs|msecs|nsecs|secs")
#: names of times and dates (``flow_start_time``, ``login_date``, ``end_time_ms``: ``_`` left out;
#: a stamp: Ignition's tag history ``t_stamp``, epoch milliseconds, as its CSV exports write it),
#: a unit after ``in`` too (Nutanix's ``time_stamp_in_usecs``); an epoch after another word
#: (FreeSWITCH's CDR variables ``start_epoch``, ``answer_uepoch``, ``end_uepoch``: epoch seconds and
#: microseconds; a bare ``epoch``, osquery's configuration epoch, is none)
_TIME_NAME = re.compile(rf"(time|date|timestamp|stamp|[a-z0-9]epoch)((?:in)?(?:{_UNITS}))?$")
#: the words of a name (``FLOW_START_MILLISECONDS``, ``flowStartSeconds``, ``flow end ms``)
_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_TIME_UNITS = frozenset(_UNITS.split("|"))
#: an uptime (``uptime_ms``, SNMP's ``sysUpTime``): time since a boot, a counter, never a clock
#: reading, though one of 28 hours to 47 days in ms reads as epoch seconds of 1973-2099
_UPTIME_NAME = re.compile(rf"uptime({_UNITS}|ticks)?$")
#: a time named by its first word (Azure Monitor's and Sentinel's ``TimeGenerated``, a Windows
#: event's ``TimeCreated`` in PowerShell's ``Get-WinEvent | Export-Csv``; nginx's ``$time_local``,
#: ``10/Oct/2000:13:55:36 -0700``, and ``$time_iso8601`` in a JSON access log; Slack's audit
#: logs' ``date_create``, epoch seconds, and ``date_created``/``date_updated`` as its other APIs
#: write them), or nginx's ``$msec``, the request's epoch time in seconds with milliseconds
_TIME_FIRST = re.compile(r"time(generated|created|received|written|logged|local|iso8601)$"
                         r"|date(create|created|updated|modified)$|msec$")
#: the zone a portal's export writes after a time's name (Log Analytics' and Defender's
#: ``TimeGenerated [UTC]``, ``Timestamp [UTC]``; ``Timestamp (UTC)``)
_ZONE_SUFFIX = re.compile(r"\s*[\[(](?:utc|gmt|z|local)[\])]\s*$", re.IGNORECASE)


#: what a vulnerability scanner or an asset inventory says happened first or last to a finding
#: or an asset (Qualys' ``First Detected``, ``Last Detected``, ``Date Last Fixed``, ``Last
#: Scan``; Tenable's and Defender's ``first_found``, ``last_seen``, ``lastSeen``): times by the
#: two last words of their names (``Times Detected``, a count, is none)
_SEEN_WORDS = frozenset({"detected", "seen", "found", "fixed", "scan", "scanned", "observed"})
#: the last parts of ECS's time fields that name no time by their words: ``event.created`` (when
#: the agent read the event), ``event.ingested``, ``file.created``, ``file.accessed`` (a
#: dotted name's only: a bare ``created`` may be a flag or a count)
_ECS_TIME_LEAVES = frozenset({"created", "ingested", "accessed"})


def is_time_name(name: str) -> bool:
    """Whether column ``name`` is a time's name: one ending in ``time``, ``date``, ``stamp`` or
    ``timestamp`` (``flow_start_time``, ``login_date``, ``end_time_ms``, Cloud Storage's
    ``time_micros``, Google Workspace's BigQuery export's ``time_usec``; a zone written after it,
    ``Timestamp [UTC]``, aside), Azure's ``TimeGenerated`` and ``TimeCreated`` (as a flattened
    field's last part too: ``properties.TimeGenerated``), or whose last word, a
    unit aside, is ``start`` or ``end`` (a flow's: AWS VPC flow logs' ``start``/``end``, NetFlow
    v9's ``FLOW_START_MILLISECONDS``, IPFIX's ``flowStartSeconds``), ``ts`` (``start_ts``,
    ``event_ts``, as Zeek's ``ts``) or, after another word, ``at`` (``created_at``,
    ``updatedAt``), nginx's ``time_local``, ``time_iso8601`` and ``msec`` (an epoch time), an
    epoch after another word (FreeSWITCH's ``start_epoch``, ``end_uepoch``),
    ``date`` before what happened (Slack's audit logs' ``date_create``; ``date_updated``), a
    dotted (ECS) name's last part ``created``, ``ingested`` or ``accessed`` (``event.created``,
    ``event.ingested``, ``file.accessed``), or whose last words say when a scanner or an
    inventory found something first or last (``First Detected``, ``Date Last Fixed``,
    ``last_seen``: :data:`_SEEN_WORDS`). A
    word merely ending so (``backend``, ``weekend``, ``bytes_send``, ``restarts``, ``hosts``,
    ``format``) names no time, nor does an acronym's plural
    (``inPKTs``, ``numGETs``: the ``s`` of ``PKTs`` is no word ``Ts``), nor an uptime
    (``uptime_ms``, ``sysUpTime``: a counter since a boot, which stays a feature).

    Examples
    --------
    >>> [is_time_name(n) for n in ("login_date", "end", "FLOW_END_MILLISECONDS", "flowStartSeconds")]
    [True, True, True, True]
    >>> [is_time_name(n) for n in ("start_ts", "event_ts_ms", "created_at", "updatedAt")]
    [True, True, True, True]
    >>> [is_time_name(n) for n in ("backend", "frontend", "weekend", "restarts", "bytes_send", "at")]
    [False, False, False, False, False, False]
    >>> [is_time_name(n) for n in ("inPKTs", "numGETs", "eventTs", "EVENT_TS")]
    [False, False, True, True]
    >>> [is_time_name(n) for n in ("uptime", "uptime_ms", "sysUpTime", "boot_time")]
    [False, False, False, True]
    >>> [is_time_name(n) for n in ("time_micros", "startMillis", "time_taken_micros", "uptime_nanos")]
    [True, True, False, False]
    >>> [is_time_name(n) for n in ("date_create", "date_updated", "time_usec", "uptime_usec", "date_range")]
    [True, True, True, False, False]
    >>> [is_time_name(n) for n in ("creationTimestampUsecs", "created_time_stamp_in_usecs", "uptime_secs")]
    [True, True, False]
    >>> [is_time_name(n) for n in ("TimeGenerated", "TimeCreated", "Timestamp [UTC]", "TimeGenerated [UTC]")]
    [True, True, True, True]
    >>> [is_time_name(n) for n in ("properties.TimeGenerated", "Event.TimeCreated", "LifetimeCreated")]
    [True, True, False]
    >>> [is_time_name(n) for n in ("time_local", "time_iso8601", "msec", "nginx.msec", "latency_msec")]
    [True, True, True, True, False]
    >>> [is_time_name(n) for n in ("event.created", "event.ingested", "file.accessed", "created")]
    [True, True, True, False]
    >>> [is_time_name(n) for n in ("t_stamp", "tstamp", "datestamp")]  # Ignition's tag history's
    [True, True, True]
    >>> [is_time_name(n) for n in ("start_epoch", "variables.answer_uepoch", "epoch_ms", "epoch", "a.epoch")]
    [True, True, False, False, False]
    >>> [is_time_name(n) for n in ("First Detected", "Date Last Fixed", "LAST SCAN", "lastSeen")]
    [True, True, True, True]
    >>> [is_time_name(n) for n in ("Times Detected", "threats_detected", "seen", "last")]
    [False, False, False, False]
    """
    name = _ZONE_SUFFIX.sub("", name)
    lowered = name.lower().replace("_", "")
    if _UPTIME_NAME.search(lowered) is not None:
        return False
    # (TimeGenerated as a flattened JSON field's last part too: properties.TimeGenerated)
    if _TIME_NAME.search(lowered) is not None or _TIME_FIRST.fullmatch(lowered.rsplit(".", 1)[-1]):
        return True
    if "." in lowered and lowered.rsplit(".", 1)[-1] in _ECS_TIME_LEAVES:
        return True  # (ECS's event.created, event.ingested, file.created, file.accessed)
    found = list(_NAME_WORDS.finditer(name))
    words = [m.group().lower() for m in found]
    if words and words[-1] in _TIME_UNITS:
        words.pop()
    if len(words) > 1 and words[-2] in ("first", "last") and words[-1] in _SEEN_WORDS:
        return True  # (a scanner's or inventory's First Detected, Last Seen, Date Last Fixed)
    if words and words[-1] == "ts":
        at = found[len(words) - 1].start()
        # 'PKTs', 'GETs': an acronym's plural, which the words' pattern cuts as 'PK' and 'Ts'
        return not (name[at] == "T" and name[at + 1] == "s" and at > 0 and name[at - 1].isupper())
    return bool(words) and (words[-1] in ("start", "end") or (words[-1] == "at" and len(words) > 1))


#: epoch times in seconds from 1973-03 to 2099 (``1e8`` to ``4.1e9``); in ms, us and ns the same
#: times times 1e3, 1e6 and 1e9 (the four ranges do not overlap)
_EPOCH_SECONDS = (1e8, 4.1e9)
#: the most a column of clock readings spans, as a part of its largest value: 5% of an epoch
#: time of 2024 is 2.7 years; a counter (``cpu_time_ns``, ``uptime``) spans far more of its own
_CLOCK_SPAN = 0.05


def _clock_numbers(name: str, s: pd.Series) -> str:
    """``"times"`` when the numbers ``s`` of column ``name`` are times, not a feature, else ``""``: under a
    time's name, dates written as numbers (``20240105``), or epoch times: every value within the
    epoch range (1973 to 2099) of its unit (seconds, ms, us or ns; ``0`` and ``-1`` unset),
    together spanning a small part of their magnitude, as clock readings of days or months do.
    As a feature such times would grow
    past training with every day scored: every later row an anomaly. Durations and counters
    under such names (``response_time``, a cumulative ``cpu_time_ns``, ``uptime`` in ms) are
    smaller numbers or spread over orders of magnitude: they stay features.

    Examples
    --------
    >>> _clock_numbers("flow_start_time", pd.Series([1.7e9, 1.7e9 + 5]))
    'times'
    >>> _clock_numbers("login_date", pd.Series([20240105])), _clock_numbers("response_time", pd.Series([0.2]))
    ('times', '')
    >>> _clock_numbers("cpu_time_ns", pd.Series([3e8, 2e10, 7e11]))
    ''
    """
    if not is_time_name(name) or pd.api.types.is_complex_dtype(s):
        return ""  # (complex numbers are refused where the column is read)
    return "times" if clock_values(s.to_numpy(dtype=np.float64, na_value=np.nan)) else ""


def clock_values(values: np.ndarray) -> bool:
    """Whether the numbers ``values`` (float64; missing ones, ``0`` and negative ones such as
    ``-1``, a time never set, left out) are dates written as numbers (``20240105``,
    ``20231114221320``: :func:`_number_dates`) or epoch
    times: every value within the epoch range (1973 to 2099) of its unit (seconds, ms, us or ns,
    by its size, as the time columns read them: one feed's milliseconds after another's seconds
    are still one clock), together spanning under 5% of their magnitude. The value test of
    :func:`_clock_numbers`, shared with the entity features.

    Examples
    --------
    >>> clock_values(np.array([1.7e12, 1.7e12 + 9e5, 0.0])), clock_values(np.array([20240105.0]))
    (True, True)
    >>> clock_values(np.array([1.7e9, -1.0])), clock_values(np.array([1.7e9, 1.7e12 + 6e4]))
    (True, True)
    >>> clock_values(np.array([3e8, 2e10, 7e11])), clock_values(np.array([1e8, 5e8]))
    (False, False)
    """
    v = values[np.isfinite(values) & (values > 0)]  # (0 or -1: a time never set)
    if not len(v):
        return False
    if _number_dates(v):
        return True  # dates written as numbers
    # each value in the unit its size gives (below 1e11 seconds, then ms, us, ns: each unit's
    # epoch range lies within its size's), as seconds
    seconds = v / np.select([v < 1e11, v < 1e14, v < 1e17], [1.0, 1e3, 1e6], 1e9)
    low, high = float(seconds.min()), float(seconds.max())
    if _EPOCH_SECONDS[0] <= low and high <= _EPOCH_SECONDS[1]:
        return high - low <= _CLOCK_SPAN * high  # epoch times
    return False


def _number_dates(v: np.ndarray) -> bool:
    """Whether every number of ``v`` is a date written as a whole number of 8, 12 or 14 digits,
    ``YYYYMMDD[HHMM[SS]]`` of 1900 to 2100, as the time columns read them (``20240105``,
    ``20231114221320``).

    Examples
    --------
    >>> _number_dates(np.array([20240105.0, 202401051330.0, 20231114221320.0]))
    True
    >>> _number_dates(np.array([20240105.0, 20231114221390.0])), _number_dates(np.array([1.7e9]))
    (False, False)
    """
    with np.errstate(invalid="ignore"):
        clock = np.select([(v >= 1e7) & (v < 1e8), (v >= 1e11) & (v < 1e12), (v >= 1e13) & (v < 1e14)],
                          [0, 4, 6], -1)  # the digits after the date's 8
        if not ((clock >= 0) & (v == np.round(v))).all():
            return False
        date, rest = np.divmod(v, 10.0 ** clock)
        month, day = (date // 100) % 100, date % 100
        hour = np.where(clock > 0, rest // 10.0 ** np.maximum(clock - 2, 0), 0)
        minute = np.where(clock > 0, (rest // 10.0 ** np.maximum(clock - 4, 0)) % 100, 0)
        second = np.where(clock == 6, rest % 100, 0)
        return bool(((date >= 19000101) & (date <= 21001231) & (month >= 1) & (month <= 12) & (day >= 1)
                     & (day <= 31) & (hour < 24) & (minute < 60) & (second <= 60)).all())


#: a date within a text: a year (``2024``, not a part of a longer number) or a month's name
_DATED = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])|(?<![a-z])(?:jan|feb|mar|apr|may|jun|jul|aug|sep"
                    r"|oct|nov|dec)[a-z]*(?![a-z])", re.IGNORECASE)
#: the layout of a date or a time (``05/01/2024``, ``10:05``, ``05/Jan/2024``)
_TIME_LAYOUT = re.compile(r"[0-9]{1,4}[-/.:][0-9]{1,2}[-/.:][0-9]{1,4}|[0-9]{1,2}:[0-9]{2}"
                          r"|[0-9]{1,2}/[A-Za-z]{3}/[0-9]{4}")


def _dated_text(name: str, real: pd.Series) -> bool:
    """Whether the text ``real`` (stripped, no placeholder) of column ``name`` holds dates: times
    of days (``01/05/2024 10:05``, ``05 Jan 2024``), as a category each later day never seen.
    Each value must name a date (a year or a month) and read as a time (or most of them have a
    date's layout the time reader does not take): a version
    (``1.2.3``, ``10.0.19045``), a duration (``3s``, ``0:01:02``) or a range (``1-2``) under a
    time's name stays text.

    Examples
    --------
    >>> _dated_text("login_time", pd.Series(["01/05/2024 10:05", "05 Jan 2024"]))
    True
    >>> _dated_text("cpu_time", pd.Series(["3s", "8s"])), _dated_text("patch_date", pd.Series(["1.2.3"]))
    (False, False)
    """
    from hourglass._times import unreadable_times

    sample = real.iloc[:200].reset_index(drop=True)
    if not len(sample):
        return False
    dated = sample.str.contains(_DATED).to_numpy(dtype=bool)
    if not dated.all() and float(dated.mean()) < 0.5:
        return False
    read = dated & ~unreadable_times(sample, name)
    laid_out = dated & sample.str.contains(_TIME_LAYOUT).to_numpy(dtype=bool)
    return float(read.mean()) >= 0.95 or float(laid_out.mean()) >= 0.5


#: the reason a badge's or card's number is a code (:data:`_CREDENTIAL_NAMES`)
CREDENTIAL_NUMBERS = "a badge or card number (a cardholder's credential, an identity: no magnitude)"


def unpadded_reason(why: str) -> bool:
    """Whether a column of codes for ``why`` (its role's reason) reads its digits without their
    leading zeros: a badge's number, which a CSV reader reads as the number ``456`` and JSON
    lines, a stream or the service send as the text ``"000456"`` (:func:`unpadded`).

    Examples
    --------
    >>> unpadded_reason(CREDENTIAL_NUMBERS), unpadded_reason(ZERO_PADDED), unpadded_reason("text values")
    (True, True, False)
    >>> unpadded_reason(PHONE_NUMBERS)
    True
    """
    return why.startswith((CREDENTIAL_NUMBERS, ZERO_PADDED, PHONE_NUMBERS))


def unpadded(values: np.ndarray, plus: bool = False) -> np.ndarray:
    """The strings ``values`` with the leading zeros of text of digits alone left out
    (``"000456"`` is ``"456"``, as a CSV reader reads it; ``"000"`` is ``"0"``); other text as
    it is. ``plus``: a leading ``+`` before the digits is left out too (a phone number's
    ``"+442079460000"`` is the ``442079460000`` a CSV reader reads).

    Examples
    --------
    >>> unpadded(np.array(["000456", "456", "0", "000", "A0012", "<missing>"], dtype=object)).tolist()
    ['456', '456', '0', '0', 'A0012', '<missing>']
    >>> unpadded(np.array(["+4420", "004420", "+", "+x1"], dtype=object), plus=True).tolist()
    ['4420', '4420', '+', '+x1']
    """
    if plus:
        values = np.array([v[1:] if isinstance(v, str) and v[:1] == "+" and v[1:].isdigit() and v.isascii()
                           else v for v in values], dtype=object)
    return np.array([v.lstrip("0") or "0" if isinstance(v, str) and v.isdigit() and v.isascii() else v
                     for v in values], dtype=object)


def version_text(values: np.ndarray) -> np.ndarray:
    """The strings ``values`` with a release written as a decimal number (``"23.10"``, Ubuntu's,
    as JSON lines, a stream or the service send it) read as the number a CSV reader reads
    (``"23.1"``; ``"14.0"`` is ``"14"``), so that a column of versions (:data:`VERSION_CODE`)
    reads alike from a CSV and from JSON; other text (``"14.4.1"``) as it is.

    Examples
    --------
    >>> version_text(np.array(["23.10", "23.1", "14.0", "14.4.1", "017", "<missing>"], dtype=object)).tolist()
    ['23.1', '23.1', '14', '14.4.1', '17', '<missing>']
    """
    out = values.astype(object, copy=True)
    for i, v in enumerate(values.tolist()):
        if isinstance(v, str) and _DECIMAL.fullmatch(v):
            number = float(v)
            out[i] = str(int(number)) if number.is_integer() else repr(number)
    return out


#: a number as a CSV reader reads it to a float: digits, a point and digits (of 15 at most)
_DECIMAL = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,15})?")


#: the reason text of digits written to one width with leading zeros is a code, not an amount
ZERO_PADDED = "zero-padded digits (an id written to a fixed width, '000456': no magnitude)"
#: digits alone, three or more, the first a zero
_PADDED = r"0[0-9]{2,}"


def _zero_padded(values: pd.Series) -> bool:
    """Whether text ``values`` (a sample, placeholders left out) are digits written to one width
    of three or more, some with a leading zero (``000456``, ``001789``, ``120034``): an id an
    access-control system or an HR export writes so (a badge's, a card's, an employee's), whose
    zeros an amount would not have.

    Examples
    --------
    >>> _zero_padded(pd.Series(["000456", "001789", "120034"])), _zero_padded(pd.Series(["456", "1789"]))
    (True, False)
    >>> _zero_padded(pd.Series(["0", "12", "007"])), _zero_padded(pd.Series(["0.50", "01.5"]))
    (False, False)
    """
    text = values.astype(str)
    widths = text.str.len()
    if not len(text) or widths.min() != widths.max() or widths.iloc[0] < 3:
        return False
    return bool(text.str.fullmatch(r"[0-9]+").all() and text.str.fullmatch(_PADDED).any())


def _unset_said(unset: pd.Series) -> str:
    """The note on the placeholders of a column read as numbers or addresses, for its reason.

    Examples
    --------
    >>> _unset_said(pd.Series(["-", "N/A", "-"])), _unset_said(pd.Series([], dtype=object))
    (" ('-', 'N/A' missing)", '')
    """
    seen = list(dict.fromkeys(unset.tolist()))
    return f" ({', '.join(map(repr, seen[:3]))} missing)" if seen else ""


#: pandas' name for a CSV's empty header cell (``df.to_csv()`` writes the index under one),
#: ``reset_index()``'s names for an unnamed index, and Wireshark's packet number (``No.``, the
#: first column of its File > Export Packet Dissections > As CSV)
_INDEX_NAME = re.compile(r"Unnamed: \d+|index|level_0|No\.", re.IGNORECASE)


def _row_numbers(s: pd.Series) -> bool:
    """Whether numeric column ``s`` holds whole numbers, none missing, strictly increasing: the
    row numbers of a saved index (rows left out, by a label filter, leave gaps). As a feature
    they would grow past training with every longer file scored: every late row an anomaly.

    Examples
    --------
    >>> _row_numbers(pd.Series([0, 1, 2, 5])), _row_numbers(pd.Series([3.0, 1.0, 7.0]))
    (True, False)
    """
    v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    return bool(len(v) > 1 and np.isfinite(v).all() and (v == np.floor(v)).all() and (np.diff(v) > 0).all())


#: the last word of a column name that names an identifier (``event_id``, ``EventRecordID``,
#: ``sequence_number``, and a process id as endpoint agents name it: osquery's ``pid`` and
#: ``parent`` (the parent's pid, as auditd's ``ppid``), ECS's ``process.pid``), read by
#: :func:`numeric_identifier`
_ID_WORDS = {"id", "uid", "guid", "uuid", "number", "seq", "pid", "ppid", "parent"}


def near_unique(n_unique: int, n: int) -> bool:
    """Whether ``n_unique`` distinct values of ``n`` present make a column near-unique (an
    identifier, text or numbers): more than 50 distinct, and more than half of those present.

    Examples
    --------
    >>> near_unique(60, 100), near_unique(60, 200), near_unique(40, 40)
    (True, False, False)
    """
    return n_unique > 50 and n_unique > 0.5 * n


def identifier_name(name: str) -> bool:
    """Whether column ``name`` names an identifier: its last word is ``id``, ``number``, ``seq``,
    ``pid`` ... (``device_id``, ``EventRecordID``, ``sequence_number``, ``process.pid``), whatever
    its values.

    Examples
    --------
    >>> identifier_name("device_id"), identifier_name("EventRecordID"), identifier_name("valid")
    (True, True, False)
    >>> identifier_name("process.pid"), identifier_name("columns.ppid"), identifier_name("rapid")
    (True, True, False)
    """
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", name)
    return bool(words) and words[-1].lower() in _ID_WORDS


def numeric_identifier(name: str, s: pd.Series | np.ndarray) -> str:
    """A note when numeric column ``name`` reads as an identifier, else ``""``: its name's last
    word is ``id``, ``number``, ``seq`` ... (``event_id``, ``EventRecordID``) and its values
    are whole numbers, near-unique as near-unique text is (more than 50 distinct, and more than
    half of those present). Learnt as a number, later ids lie past the training scale and
    score as anomalies, or say nothing of a row; the column keeps its role (a warning says so).

    Examples
    --------
    >>> numeric_identifier("event_id", pd.Series(range(100, 200)))
    '100 distinct whole numbers of 100'
    >>> numeric_identifier("valid", pd.Series(range(100)))
    ''
    >>> numeric_identifier("user_id", pd.Series([1, 2] * 50))
    ''
    """
    if not identifier_name(name):
        return ""
    v = np.asarray(s, dtype=np.float64)  # (as the fit reads it: '-' and durations done)
    v = v[np.isfinite(v)]
    if not len(v) or (v != np.floor(v)).any():
        return ""
    n_unique = len(np.unique(v))
    if near_unique(n_unique, len(v)):
        return f"{n_unique:,} distinct whole numbers of {len(v):,}"
    return ""


# the no-break space is the character itself, not the escape '\u00a0': pandas hands the pattern to
# pyarrow's RE2 for Arrow-backed strings, and some RE2 builds refuse '\u' escapes
_SEPARATED = r"[+-]?(?:\d{1,3}(?:[,' " "\u00a0" r"]\d{3})+(?:[.,]\d+)?|\d+,\d+)"


def separated_number(s: pd.Series) -> str | None:
    """A value of text column ``s`` that shows its numbers carry thousands separators or a
    decimal comma (``'96,000'``, ``'0,5'``), when (nearly) all its values are such numbers.

    Examples
    --------
    >>> separated_number(pd.Series(["96,000", "1,250,000", "12"]))
    '96,000'
    >>> separated_number(pd.Series(["tcp", "udp"])) is None
    True
    """
    return _marked_number(s, lambda text: text.str.fullmatch(_SEPARATED))


def _marked_number(s: pd.Series, marked: Callable[[pd.Series], pd.Series]) -> str | None:
    """The first value of text column ``s`` (its first 2,000 present values) that ``marked``
    finds, when some are and (nearly) all others are plain numbers, else ``None``: what
    :func:`separated_number` and :func:`unit_number` look for."""
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return None
    try:
        sample = s.dropna().iloc[:2000].astype(str).str.strip()
    except UnicodeDecodeError:  # bytes that are no UTF-8 (a time series' raw cells): no numbers
        return None
    sample = sample[sample != ""]
    mark = marked(sample)
    plain = sample.str.fullmatch(r"[+-]?\d+(?:\.\d+)?")
    if not len(sample) or not mark.any() or (mark | plain).mean() < 0.95:
        return None
    return str(sample[mark].iloc[0])


#: a number followed by a unit (``21.5 °C``, ``230V``, ``15ms``, ``12 km/h``, ``512Mi``, ``80%``):
#: a word of at most 8 letters (``°`` and ``µ`` among them), or ``%``, after the number
_WITH_UNIT = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s?(?:%|[°µΩA-Za-z]{1,8}(?:/[A-Za-z]{1,3})?)"


def unit_number(s: pd.Series) -> str | None:
    """A value of text column ``s`` that shows its numbers carry a unit (``'21.5 °C'``,
    ``'230V'``), when (nearly) all its values are numbers, some with a unit, the others bare; a
    hexadecimal ``0x1f`` is no such number.

    Examples
    --------
    >>> unit_number(pd.Series(["21.5 °C", "22 °C", "21.75 °C"]))
    '21.5 °C'
    >>> unit_number(pd.Series(["230V", "231"])), unit_number(pd.Series(["tcp", "80/tcp"])) is None
    ('230V', True)
    """
    return _marked_number(s, lambda text: text.str.fullmatch(_WITH_UNIT) & ~text.str.match(r"[+-]?0[xX]"))


def foreign_digit_number(s: pd.Series) -> str | None:
    """A value of text column ``s`` that shows its numbers are written in decimal digits other
    than ``0``-``9`` (full-width ``１５０`` as Japanese and Chinese input methods type them,
    Arabic-Indic ``١٥٠``, Devanagari ...), when (nearly) all its values are numbers, some so
    written: text to the readers, and dropped or counted as categories unsaid.

    Examples
    --------
    >>> foreign_digit_number(pd.Series(["\\uff11\\uff15\\uff10", "12", "\\u0661\\u0665"]))
    '１５０'
    >>> foreign_digit_number(pd.Series(["150", "tcp"])) is None
    True
    """
    def marked(text: pd.Series) -> pd.Series:
        def foreign(t: str) -> bool:
            if t.isascii():
                return False
            ascii_digits = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in t)
            return ascii_digits.isascii() and _PLAIN_NUMBER.fullmatch(ascii_digits) is not None
        return text.map(foreign).astype(bool)
    return _marked_number(s, marked)


_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def separated_hint(value: object) -> str:
    """What a refusal of ``value`` where numbers go adds when it is a number written with a
    decimal comma or thousands separators (``'; '`` + :data:`SEPARATED_NUMBERS`), else ``""``:
    no bad cell, but a regional export's every number (the tabular and time-series features).

    Examples
    --------
    >>> separated_hint("0,5")[:43], separated_hint("oops")
    ('; a number written with a decimal comma or ', '')
    """
    return f"; {SEPARATED_NUMBERS}" if separated_number(pd.Series([str(value)])) is not None else ""


#: a SQL column type as a table export's line of types names it (Cisco CUCM's CDR and CMR flat
#: files write one under their header: ``INTEGER``, ``VARCHAR(50)``, ``UNIQUEIDENTIFIER``)
_SQL_TYPE = re.compile(r"(?:INTEGER|SMALLINT|BIGINT|TINYINT|UNIQUEIDENTIFIER|BIT|DATETIME|"
                       r"(?:N?VARCHAR|N?CHAR|DECIMAL|NUMERIC)\(\d+(?:,\s*\d+)?\))")


def type_line_hint(value: object) -> str:
    """What a refusal of ``value`` where numbers go says when it is a SQL column type (``'; '``
    and why), else ``""``: no bad cell, but a line of the columns' types under the header, as
    Cisco CUCM's CDR files have, read as a row (fixing the cell, or reading every such column
    as categories, would keep a row that is no call).

    Examples
    --------
    >>> type_line_hint("INTEGER")[:44], type_line_hint("VARCHAR(50)") != "", type_line_hint("oops")
    ('; that row names a data type, as the line of', True, '')
    """
    if not (isinstance(value, str) and _SQL_TYPE.fullmatch(value.strip())):
        return ""
    return ("; that row names a data type, as the line of the columns' types under the header of a "
            "Cisco CUCM CDR or CMR file does: no record; delete that line (sed -i 2d FILE)")


def _values_vary(s: pd.Series) -> bool:
    """Whether the column ``s`` holds more than one value (its first 2,000 present ones, as
    :func:`_marked_number` looks at them)."""
    try:
        sample = s.dropna().iloc[:2000].astype(str).str.strip()
    except UnicodeDecodeError:
        return False
    sample = sample[sample != ""]
    return bool(len(sample)) and not (sample == sample.iloc[0]).all()


def separated_warning(name: object, s: pd.Series, role: str, why: str) -> str | None:
    """The warning for column ``name`` (values ``s``) given ``role`` (for ``why``) where it holds
    numbers written with separators or decimal commas (:func:`separated_number`), or with a unit
    (:func:`unit_number`: a device's ``21.5 °C``), and is not read as numbers: a spreadsheet's
    regional export, or a sensor's readings, whose numbers would else be lost unsaid.
    ``None`` where there is nothing to say. The tabular and entity features say it alike.

    Examples
    --------
    >>> separated_warning("bytes", pd.Series(["1,5", "2,25"]), "drop", "near-unique text")[:59]
    "column 'bytes' holds numbers with separators (e.g. '1,5'), "
    >>> separated_warning("bytes", pd.Series(["1,5", "2,25"]), "numeric", "given") is None
    True
    >>> separated_warning("AuditData", pd.Series(['{"Operation":"Send"}']), "drop", "near-unique text")[-65:]
    'ForEach-Object AuditData | Set-Content -Encoding utf8 FILE.jsonl)'
    >>> separated_warning("JobID", pd.Series(["1234.batch", "1234.0"]), "drop", ID_NAME) is None
    True
    """
    if role == "numeric" or why == ID_NAME:  # (an id or a time by its name: left out as numbers too)
        return None
    example = separated_number(s)
    if example is not None:
        return (f"column {str(name)!r} holds numbers with separators (e.g. {example!r}), read as "
                f"text (role {role}: {why}); remove the separators to use them as numbers")
    example = foreign_digit_number(s)
    if example is not None:  # full-width or Arabic-Indic digits: text to every reader
        return (f"column {str(name)!r} holds numbers written in digits other than 0-9 (e.g. "
                f"{example!r}), read as text (role {role}: {why}); write their digits as 0-9 to use "
                "them as numbers")
    # (one value throughout is no reading: as a number a constant, dropped, and as likely a
    # name: a domain controller's NetBIOS domain '3B', a vendor '3COM')
    example = unit_number(s) if _values_vary(s) else None
    if example is not None:  # a reading written with its unit: each value a category of its own
        return (f"column {str(name)!r} holds numbers with a unit (e.g. {example!r}), read as text "
                f"(role {role}: {why}); write the numbers alone, in one unit, to use them as numbers")
    example = multivalue_number(s)
    if example is not None:  # Splunk's multivalue field: its cells of several numbers are text
        return (f"column {str(name)!r} holds numbers, some cells several parted by line breaks "
                f"(e.g. {example!r}), as Splunk exports a multivalue field: such a cell is no "
                f"number (role {role}: {why}); export one value a cell (SPL: | mvexpand {name}, or | eval "
                f"{name}=mvindex({name}, 0)) to use them as numbers")
    example = json_multivalue_number(s)
    if example is not None:  # the same in Splunk's JSON export: a JSON array where several
        field = str(name).removeprefix("result.")  # (the field's name in SPL: no 'result.')
        return (f"column {str(name)!r} holds numbers, some cells several in a JSON array (e.g. "
                f"{example!r}), as Splunk's JSON export writes a multivalue field: such a cell is "
                f"no number (role {role}: {why}); export one value a cell (SPL: | mvexpand {field}, "
                f"or | eval {field}=mvindex({field}, 0)) to use them as numbers")
    example = json_object_text(s)
    if example is not None and _norm(str(name)) == "auditdata":  # Microsoft 365's unified audit log
        # (the Purview portal's export, Search-UnifiedAuditLog | Export-Csv): each row's record
        # is its AuditData, whose fields (Operation, ClientIP, Workload ...) are JSON lines' own
        return (f"column {str(name)!r} holds JSON objects as text (e.g. {example!r}), each row's "
                f"Microsoft 365 unified audit log record as the Purview portal's export and "
                f"Search-UnifiedAuditLog write it: read as one text value (role {role}: {why}), not "
                f"as its fields (ClientIP, Workload, ResultStatus ...); write the records one a line "
                f"and read those, JSON lines (PowerShell: Import-Csv FILE.csv | ForEach-Object "
                f"{name} | Set-Content -Encoding utf8 FILE.jsonl)")
    if example is not None:  # a SIEM's dynamic column in a CSV export: one value, never its fields
        return (f"column {str(name)!r} holds JSON objects as text (e.g. {example!r}), as a Log "
                f"Analytics (Sentinel) export writes a dynamic column: read as one text value "
                f"(role {role}: {why}), not as its fields; export the fields you need as columns "
                f"(KQL: | evaluate bag_unpack({name}))")
    example = json_array_text(s)
    if example is not None and _name_value_pairs(s):  # AWS WAF's httpRequest.headers: each a pair
        path = "".join(f".{p}" if p.isidentifier() else f"[{json.dumps(p)}]" for p in str(name).split("."))
        return (f"column {str(name)!r} holds JSON arrays of name/value pairs as text (e.g. "
                f"{example!r}), as AWS WAF writes a request's headers: read as one text value (role "
                f"{role}: {why}), not as each name's value; make each name a field of its own, then "
                f"a column ({name}.user-agent): jq -c '{path} |= (map({{(.name | ascii_downcase): "
                f".value}}) | add // {{}})' FILE > OUT.jsonl")
    scanner = _SCANNER_ARRAYS.get(str(name)) if example is not None else None
    if scanner is not None and f'"{scanner[1]}"' in str(s.dropna().iloc[0]):  # Trivy's, Grype's
        return (f"column {str(name)!r} holds JSON arrays of objects as text (e.g. {example!r}), as "
                f"{scanner[0]} writes its findings in one report: read as one text value (role "
                f"{role}: {why}), not as one row each; write each finding as a line of its own and "
                f"read those, JSON lines: {scanner[2]} FILE > OUT.jsonl")
    if example is not None:  # the same of an array of objects (SigninLogs' AuthenticationDetails)
        return (f"column {str(name)!r} holds JSON arrays of objects as text (e.g. {example!r}): "
                f"read as one text value (role {role}: {why}), not as its objects' fields; give the "
                f"fields you need as columns of their own (a Log Analytics (Sentinel) export's "
                f"dynamic column: KQL | extend FIELD = tostring({name}[0].FIELD))")
    return None


#: a scanner's report whose findings are an array (Trivy's ``Results[].Vulnerabilities[]`` of
#: each target, Grype's ``matches[]``): its name, a field of the array's objects that tells it,
#: and the jq filter that writes one finding a line (a Trivy finding with its target's fields)
_SCANNER_ARRAYS = {
    "Results": ("Trivy", "Target", "jq -c '.Results[] | {Target, Class, Type} + "
                                   "(.Vulnerabilities[]? // empty)'"),
    "matches": ("Grype", "vulnerability", "jq -c '.matches[]'"),
}


def multivalue_number(s: pd.Series, sample: int = 2000) -> str | None:
    """The first cell of text column ``s`` that holds several numbers parted by line breaks
    (``'1200\\n3400'``: a Splunk multivalue field in a CSV export) where every other cell of the
    first ``sample`` present holds one number, else ``None``.

    Examples
    --------
    >>> multivalue_number(pd.Series(["12", "1200\\n3400", None, "7"]))
    '1200\\n3400'
    >>> multivalue_number(pd.Series(["12", "a\\nb"])), multivalue_number(pd.Series(["1", "2"]))
    (None, None)
    """
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return None
    text = s.dropna().iloc[:sample].astype(str).str.strip()
    several = text.str.contains("\n", regex=False)
    if not several.any():
        return None
    parts = text.str.split("\n").explode().str.strip()
    if pd.to_numeric(parts, errors="coerce").isna().any():
        return None
    return str(text[several].iloc[0])


def json_multivalue_number(s: pd.Series, sample: int = 2000) -> str | None:
    """The first cell of text column ``s`` that holds a JSON array of numbers (``'["1200",
    "3400"]'``: a Splunk multivalue field in its JSON export, whose single values are plain)
    where the other cells of the first ``sample`` present hold one number each, one cell at
    least (a column of arrays alone, as Zeek's vectors are, is no such field), else ``None``.

    Examples
    --------
    >>> json_multivalue_number(pd.Series(["12", '["1200", "3400"]', None, "7"]))
    '["1200", "3400"]'
    >>> json_multivalue_number(pd.Series(['[1, 2]', '[3]']))  # (arrays alone)
    >>> json_multivalue_number(pd.Series(["1", '["a"]']))
    """
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return None
    text = s.dropna().iloc[:sample].astype(str).str.strip()
    arrays = (text.str.startswith("[") & text.str.endswith("]")).to_numpy(dtype=bool)
    if not arrays.any() or arrays.all():
        return None
    if pd.to_numeric(text[~arrays], errors="coerce").isna().any():
        return None
    for cell in text[arrays]:
        try:
            values = json.loads(cell)
        except (ValueError, RecursionError):
            return None
        if not (isinstance(values, list) and values and all(
                isinstance(v, (int, float, str)) and not isinstance(v, bool) for v in values)):
            return None
        if pd.to_numeric(pd.Series([str(v) for v in values]), errors="coerce").isna().any():
            return None
    return str(text[arrays].iloc[0])


def _bracketed_texts(s: pd.Series, sample: int, opening: str, closing: str) -> pd.Series | None:
    """The first ``sample`` present values of text column ``s``, stripped, when each opens with
    ``opening`` and closes with ``closing`` (a JSON object's or array's text), else ``None``."""
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return None
    present = s.dropna().iloc[:sample]
    if not len(present):
        return None
    text = present.astype(str).str.strip()
    if not (text.str.startswith(opening) & text.str.endswith(closing)).all():
        return None
    return text


def json_array_text(s: pd.Series, sample: int = 200) -> str | None:
    """The first value (cut to 40 characters) of column ``s`` when its text values are JSON
    arrays of objects, every one of the first ``sample`` present, one object at least
    (``[{"authenticationMethod": "Password", ...}]``: a Log Analytics dynamic column of arrays in
    a CSV export, SigninLogs' ``AuthenticationDetails``), else ``None``.

    Examples
    --------
    >>> json_array_text(pd.Series(['[{"method": "Password"}]', "[]", None]))
    '[{"method": "Password"}]'
    >>> [json_array_text(pd.Series([v])) for v in ("[]", '["a", "b"]', "[1]")]
    [None, None, None]
    """
    text = _bracketed_texts(s, sample, "[", "]")
    if text is None:
        return None
    first = None
    for value in text:
        try:
            items = json.loads(value)
        except (ValueError, RecursionError):
            return None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            return None
        first = first if first is not None or not items else value
    if first is None:  # empty arrays alone: nothing to say of their fields
        return None
    return first if len(first) <= 40 else first[:39] + "…"


def _name_value_pairs(s: pd.Series, sample: int = 200) -> bool:
    """Whether the JSON arrays of objects in text column ``s`` (:func:`json_array_text`) hold
    name/value pairs, every object of the first ``sample`` present ``{"name": ..., "value": ...}``
    (any case): a request's headers as AWS WAF logs them.

    Examples
    --------
    >>> _name_value_pairs(pd.Series(['[{"name": "Host", "value": "a"}, {"name": "Accept", "value": "*"}]']))
    True
    >>> _name_value_pairs(pd.Series(['[{"name": "Host", "value": "a", "ruleId": "r1"}]', "[]"]))
    False
    """
    seen = False
    for value in s.dropna().iloc[:sample]:
        try:
            items = json.loads(str(value))
        except (ValueError, RecursionError):
            return False
        for item in items if isinstance(items, list) else [None]:
            if not isinstance(item, dict) or {str(k).lower() for k in item} != {"name", "value"}:
                return False
            seen = True
    return seen


def json_object_text(s: pd.Series, sample: int = 200) -> str | None:
    """The first value (cut to 40 characters) of column ``s`` when its text values are JSON
    objects, every one of the first ``sample`` present (``{"city": "Berlin", ...}``: a Log
    Analytics dynamic column in a CSV export), else ``None``.

    Examples
    --------
    >>> json_object_text(pd.Series(['{"city": "Berlin"}', None, '{"city": "Ulm", "n": 2}']))
    '{"city": "Berlin"}'
    >>> json_object_text(pd.Series(['{"a": 1}', "{oops}"])) is None
    True
    """
    text = _bracketed_texts(s, sample, "{", "}")
    if text is None:
        return None
    for value in text:
        try:
            if not isinstance(json.loads(value), dict):
                return None
        except (ValueError, RecursionError):
            return None
    first = str(text.iloc[0])
    return first if len(first) <= 40 else first[:39] + "…"


#: an address written with its port: IPv4's ``10.0.1.5:52153`` (Azure Storage's and Log
#: Analytics' ``CallerIpAddress``, a load balancer's client), IPv6's in brackets, ``[2001:db8::1]:443``
_ADDRESS_PORT = re.compile(r"([0-9]{1,3}(?:\.[0-9]{1,3}){3}):[0-9]{1,5}|\[([0-9A-Fa-f:.]+)\]:[0-9]{1,5}")
#: the form in which a state fitted now reads its IP columns: an IPv4-mapped IPv6 address as its
#: IPv4 address, and an address written with its port as that address (``ip_parts``'s ``mapped``
#: and ``ported``); a state saved before holds ``v4-mapped`` or none
IP_FORM = "v4-mapped,port"


def without_port(text: str) -> str:
    """``text`` less the port written after an address (:data:`_ADDRESS_PORT`), else as it is.

    Examples
    --------
    >>> without_port("10.0.1.5:52153"), without_port("[2001:db8::1]:443"), without_port("2001:db8::1")
    ('10.0.1.5', '2001:db8::1', '2001:db8::1')
    """
    m = _ADDRESS_PORT.fullmatch(text) if ":" in text else None
    return text if m is None else m.group(1) or m.group(2)


def is_ip(v: str) -> bool:
    """Whether ``v`` is an IP address written alone (no port, no name, no space around it).

    Examples
    --------
    >>> is_ip("10.0.3.11"), is_ip("2001:db8::1"), is_ip("srv1.corp.local"), is_ip("10.0.3.11:80")
    (True, True, False, False)
    """
    try:
        ipaddress.ip_address(v)
    except ValueError:
        return False
    return True


#: Dotted IPv4 text in ASCII digits, one to three an octet (leading zeros allowed: unpadded_ipv4)
_DOTTED_V4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")


def ipv4_private(a: Any, b: Any) -> Any:
    """Whether IPv4 addresses with first octets ``a`` and second ``b`` are private, loopback,
    link-local or carrier-grade NAT; for Python integers or integer arrays alike.

    Examples
    --------
    >>> bool(ipv4_private(192, 168)), bool(ipv4_private(8, 8))
    (True, False)
    """
    return ((a == 10) | ((a == 172) & (b >= 16) & (b <= 31)) | ((a == 192) & (b == 168))
            | (a == 127) | ((a == 169) & (b == 254)) | ((a == 100) & (b >= 64) & (b < 128)))


#: IPv6 networks not globally reachable (IANA's special-purpose registry, as CPython 3.13's
#: ``ipaddress`` lists them), and the exceptions inside them. Fixed here: ``is_private`` of
#: ``ipaddress`` differs between Python builds (3.11.7 and a distribution's patched 3.11.2 disagree
#: on ``2002::/16``, ``2001:20::/28``, ``64:ff9b:1::/48``...), and a model's ``<ip>:private``
#: feature must not change with the Python that scores it.
_V6_PRIVATE = tuple(ipaddress.IPv6Network(n) for n in (
    "::1/128", "::/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "2002::/16",
    "fc00::/7", "fe80::/10"))
_V6_PUBLIC = tuple(ipaddress.IPv6Network(n) for n in (
    "2001:1::1/128", "2001:1::2/128", "2001:3::/32", "2001:4:112::/48", "2001:20::/28", "2001:30::/28"))


def ipv6_private(ip: ipaddress.IPv6Address) -> bool:
    """Whether IPv6 address ``ip`` is not globally reachable (loopback, link-local, unique local,
    documentation ...: :data:`_V6_PRIVATE`, the same on every Python); an IPv4-mapped one
    (``::ffff:10.0.0.1``) is private as its IPv4 address is (:func:`ipv4_private`).

    Examples
    --------
    >>> [ipv6_private(ipaddress.IPv6Address(a)) for a in ("fd00::1", "2002::1", "2001:20::1", "2600::1")]
    [True, True, False, False]
    >>> [ipv6_private(ipaddress.IPv6Address(a)) for a in ("::ffff:10.0.0.1", "::ffff:8.8.8.8")]
    [True, False]
    """
    v4 = ip.ipv4_mapped
    if v4 is not None:
        a, b = v4.packed[:2]
        return bool(ipv4_private(a, b))
    return any(ip in net for net in _V6_PRIVATE) and not any(ip in net for net in _V6_PUBLIC)


def unpadded_ipv4(text: str) -> str:
    """Dotted IPv4 text (an address, or a network with ``/prefix``) without its octets' leading
    zeros: the octets are decimal, leading zeros included, as :func:`ip_parts` reads them
    (``010.001.002.003`` is 10.1.2.3, as a log that pads its octets means), where ``ipaddress``
    refuses them. Other text is returned as it is.

    Examples
    --------
    >>> unpadded_ipv4("010.001.002.003"), unpadded_ipv4("010.0.0.0/8"), unpadded_ipv4("fe80::1")
    ('10.1.2.3', '10.0.0.0/8', 'fe80::1')
    >>> unpadded_ipv4("300.0.0.0/8")   # (still no address: ipaddress refuses it)
    '300.0.0.0/8'
    """
    address, slash, prefix = text.partition("/")
    if not _DOTTED_V4.fullmatch(address):
        return text
    return ".".join(str(int(octet)) for octet in address.split(".")) + slash + prefix


def ipv4_bucket(a: Any, b: Any, c: Any, buckets: int) -> Any:
    """The hash bucket of an IPv4 /24 subnet (octets ``a.b.c``), for Python integers or int64
    arrays alike (the product stays below 2**58: no overflow).

    Examples
    --------
    >>> int(ipv4_bucket(10, 0, 0, 16)) == int(ipv4_bucket(np.array([10]), 0, 0, 16)[0])
    True
    """
    return (a * 65536 + b * 256 + c) * 2654435761 % 2**32 % buckets


def ip_parts(s: pd.Series, buckets: int, *, mapped: bool = False, ported: bool = False
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(is_private, is_ipv6, subnet bucket, is_missing) per value; subnet = /24 (v4) or /48 (v6).

    Unparseable values count as missing. With ``mapped``, an IPv4-mapped IPv6 address
    (``::ffff:10.0.0.5``, as Windows' Kerberos events 4768/4771 write a client's IPv4 address) is
    its IPv4 address: no IPv6, its /24's bucket; without it (a model saved before), IPv6 in the
    one /48 every such address shares (``::/48``). With ``ported``, an address written with its
    port (:func:`without_port`: Azure Storage's ``CallerIpAddress``, ``10.0.1.5:52153``) is that
    address; without it (a model saved before), missing.

    Examples
    --------
    >>> s = pd.Series(["10.0.0.5", "::ffff:10.0.0.5", "::ffff:185.220.101.7"])
    >>> [p.tolist() for p in ip_parts(s, 16, mapped=True)][1:3]
    [[False, False, False], [0, 0, 5]]
    >>> [p.tolist() for p in ip_parts(s, 16)][1:3]
    [[False, True, True], [0, 1, 1]]
    >>> with_ports = pd.Series(["10.0.0.5:443", "[2001:db8::1]:443"])
    >>> [p.tolist() for p in ip_parts(with_ports, 16, ported=True)][::3], ip_parts(with_ports, 16)[3].tolist()
    ([[True, True], [False, False]], [True, True])
    """
    codes, u = factorize_strings(s)
    if ported:
        u = np.asarray([without_port(str(text)) for text in u], dtype=object)
    n = len(u)
    private = np.zeros(n, dtype=bool)
    v6 = np.zeros(n, dtype=bool)
    bucket = np.zeros(n, dtype=np.int64)
    missing = np.ones(n, dtype=bool)
    if n:
        arr = pa.array(u, type=pa.string())
        v4 = np.asarray(pc.match_substring_regex(arr, r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
                        .fill_null(False), dtype=bool)
        if v4.any():
            parts = pc.split_pattern(arr.filter(pa.array(v4)), ".")
            octets = np.asarray(pc.cast(pc.list_flatten(parts), pa.int64())).reshape(-1, 4)
            a, b, c = octets[:, 0], octets[:, 1], octets[:, 2]
            ok = (octets <= 255).all(axis=1)
            idx = np.flatnonzero(v4)
            private[idx] = ipv4_private(a, b) & ok
            bucket[idx] = ipv4_bucket(a, b, c, buckets)
            missing[idx] = ~ok
        for i in np.flatnonzero(~v4):
            text = u[i]
            if text == MISSING or ":" not in text:
                continue
            try:
                ip = ipaddress.ip_address(text)
            except ValueError:
                continue
            missing[i] = False
            v4_of = ip.ipv4_mapped if mapped and isinstance(ip, ipaddress.IPv6Address) else None
            if v4_of is not None:  # ::ffff:a.b.c.d: an IPv4 client, as a.b.c.d is read
                o1, o2, o3 = v4_of.packed[:3]
                private[i] = bool(ipv4_private(o1, o2))
                bucket[i] = int(ipv4_bucket(o1, o2, o3, buckets))
                continue
            v6[i] = ip.version == 6
            # (text with a ':' that reads as an address is IPv6)
            private[i] = isinstance(ip, ipaddress.IPv6Address) and ipv6_private(ip)
            net = ipaddress.ip_network(f"{ip}/48", strict=False) if ip.version == 6 else ip
            bucket[i] = int(stable_hash(np.array([str(net)], dtype=object), buckets)[0])
    return private[codes], v6[codes], bucket[codes], missing[codes]


def port_numbers(s: pd.Series) -> np.ndarray:
    """Port numbers as float64 (NaN where missing or not a port); hex such as ``0x000b`` is read.
    A number with a fraction (``80.7``) is no port, as ECS output reads it (it was floored to 80).

    Examples
    --------
    >>> port_numbers(pd.Series([80.0, 80.7, 65536, -1])).tolist()
    [80.0, nan, nan, nan]
    >>> port_numbers(pd.Series(["443", "80.7", "0x01bb", "https"])).tolist()
    [443.0, nan, 443.0, nan]
    """
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        codes, uniques = factorize_strings(s)
        u = pd.Series(uniques)
        num = pd.to_numeric(u, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan).copy()
        for i in np.flatnonzero(np.isnan(num)):
            text = str(u.iloc[i]).lower()
            # hex digits only (int() also takes '_' and would give a float overflow past 1e308)
            if _HEX.fullmatch(text):
                num[i] = float(min(int(text, 16), 65536))  # past 65535: no port, NaN below
        v = num[codes]
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(v) & (v >= 0) & (v <= 65535) & (v == np.floor(v)), v, np.nan)
