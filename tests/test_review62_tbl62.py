"""Review round 62 (tbl62): the table-role inference's tells, read once per table."""

from __future__ import annotations

import pandas as pd
import pytest

from hourglass.features.roles import infer_role
from hourglass.features.tabular import TabularPreprocessor


def _nested_windows(prefix: str, n: int = 120) -> pd.DataFrame:
    """Windows Security events as Wazuh's alerts (data.win.system.*) or Splunk's JSON export
    (result.*) flatten them: every value text."""
    return pd.DataFrame({
        f"{prefix}eventID": [("4624", "4625", "4768", "4634")[i % 4] for i in range(n)],
        f"{prefix}task": [("12544", "12544", "14339", "12545")[i % 4] for i in range(n)],
        f"{prefix}level": [("0", "0", "4")[i % 3] for i in range(n)],
        f"{prefix}computer": "dc01.corp.local",
        "rule.level": [(3, 5)[i % 2] for i in range(n)]})


def _nested_osquery(prefix: str, envelope: tuple[str, str], n: int = 120) -> pd.DataFrame:
    host, clock = envelope
    return pd.DataFrame({
        f"{prefix}name": "pack_incident-response_listening_ports",
        f"{prefix}{host}": [f"web{i % 3}" for i in range(n)],
        f"{prefix}{clock}": [1709280000 + 60 * i for i in range(n)],
        f"{prefix}epoch": 0, f"{prefix}counter": [i // 3 for i in range(n)],
        f"{prefix}columns.port": [("22", "443")[i % 2] for i in range(n)]})


@pytest.mark.parametrize("prefix", ["data.win.system.", "result."])
def test_nested_windows_event_codes_are_codes(prefix: str) -> None:
    # What was wrong: a Windows event's Task and Level were codes only beside a column named
    # EventID itself; Wazuh's alerts (data.win.system.task beside data.win.system.eventID) and
    # Splunk's JSON export (result.Task beside result.EventID) had them min-max scaled, Kerberos'
    # task 14339 read as far past a logon's 12544, where the same table's event id was a code.
    df = _nested_windows(prefix)
    pre = TabularPreprocessor().fit(df)
    for c in (f"{prefix}task", f"{prefix}level"):
        assert (pre.roles_[c], pre.reasons_[c]) == (
            "categorical", "Windows event code (Task, Opcode or Level beside an EventID)"), c
    assert pre.roles_["rule.level"] == "numeric"  # (Wazuh's own level: no sibling of the event id)


@pytest.mark.parametrize(("prefix", "envelope"), [
    ("data.osquery.", ("hostIdentifier", "unixTime")),    # Wazuh's osquery integration
    ("osquery.result.", ("host_identifier", "unix_time")),  # Filebeat's osquery module
    ("result.", ("hostIdentifier", "unixTime"))])          # Splunk's JSON export
def test_nested_osquery_run_counter_dropped(prefix: str, envelope: tuple[str, str]) -> None:
    # What was wrong: osquery's run counter was dropped only where the envelope's names were the
    # table's own; the same result log under Wazuh's data.osquery., Filebeat's osquery.result. or
    # Splunk's result. had its counter (0, 1, ... 39, rising with every run) min-max scaled, each
    # later run past training.
    df = _nested_osquery(prefix, envelope)
    cols = list(df.columns)
    for c in (f"{prefix}counter", f"{prefix}epoch"):
        assert infer_role(c, df[c], max_categories=50, columns=cols) == (
            "drop", "osquery's query-run counter (rises with every run)"), c


def test_nested_snort3_packet_counter_dropped() -> None:
    # What was wrong: a Snort 3 alert table's pkt_num was dropped and its sid a code only where
    # their names were the table's own; Splunk's JSON export of the same alerts (result.pkt_num
    # beside result.pkt_gen, result.src_ap, result.dst_ap) min-max scaled the packet counter.
    n = 60
    df = pd.DataFrame({"preview": False, "offset": range(n),
                       "result.pkt_num": [10_000 + 7 * i for i in range(n)], "result.pkt_gen": "raw",
                       "result.src_ap": "10.0.0.1:443", "result.dst_ap": "10.0.0.2:51000",
                       "result.sid": [(2019401, 2019402)[i % 2] for i in range(n)]})
    cols = list(df.columns)
    assert infer_role("result.pkt_num", df["result.pkt_num"], max_categories=50, columns=cols)[0] == "drop"
    why = infer_role("result.sid", df["result.sid"], max_categories=50, columns=cols)[1]
    assert why.startswith("Snort rule code"), why


@pytest.mark.parametrize(("codes", "rows"), [
    # NXLog's im_msvistalog JSON (the OTRF files read with --format jsonl): Opcode holds the name
    ({"OpcodeValue": (0, 0, 20, 1, 2), "SeverityValue": (2, 2, 4)}, {"Opcode": ("Info", "Start")}),
    # PowerShell's Get-EventLog | Export-Csv: CategoryNumber is the task, Category its name
    ({"CategoryNumber": (12544, 12545, 14339)}, {"Category": ("Logon", "Logoff")}),
    # Log Analytics' Event table (System and Application logs)
    ({"EventLevel": (4, 4, 2, 1), "EventCategory": (0, 0, 1, 100)}, {"Computer": ("srv1", "srv2")})])
def test_windows_event_codes_under_other_exporters_names(codes: dict[str, tuple[int, ...]],
                                                         rows: dict[str, tuple[str, ...]]) -> None:
    # What was wrong: beside an EventID only Task, Opcode, Level and Keywords were codes: NXLog's
    # OpcodeValue (0 Info, 20 a method, 1 Start, 2 Stop) and SeverityValue, Get-EventLog's
    # CategoryNumber (12544 Logon, 14339 Kerberos) and Log Analytics' EventLevel (1 Error, 4
    # Information) and EventCategory were min-max scaled, where the windows-json format reads
    # the same fields of the same file as codes.
    n = 120
    df = pd.DataFrame({"EventID": [(4624, 4625, 4768)[i % 3] for i in range(n)],
                       **{c: [v[i % len(v)] for i in range(n)] for c, v in {**codes, **rows}.items()}})
    cols = list(df.columns)
    for c in codes:
        assert infer_role(c, df[c], max_categories=50, columns=cols) == (
            "categorical", "Windows event code (Task, Opcode or Level beside an EventID)"), c
        assert infer_role(c, df[c], max_categories=50, columns=[c, "hours"])[0] == "numeric"  # alone


def test_qradar_custom_properties_tell_a_windows_event_table() -> None:
    # What was wrong: a column's own name is read without the ' (custom)' that QRadar's CSV export
    # puts after a custom property's, but the table's names that tell its kind kept it: a QRadar
    # export of Windows events with 'EventID (custom)' had its 'Task (custom)' (12544 Logon, 14339
    # Kerberos) min-max scaled, where the same table with plain names read it as a code.
    n = 120
    df = pd.DataFrame({"Event Name": [("Logon", "Kerberos")[i % 2] for i in range(n)],
                       "Log Source": "dc01 @ 10.0.0.5", "Magnitude": [(3, 5)[i % 2] for i in range(n)],
                       "EventID (custom)": [(4624, 4768)[i % 2] for i in range(n)],
                       "Task (custom)": [(12544, 14339)[i % 2] for i in range(n)]})
    pre = TabularPreprocessor().fit(df)
    assert (pre.roles_["Task (custom)"], pre.reasons_["Task (custom)"]) == (
        "categorical", "Windows event code (Task, Opcode or Level beside an EventID)")
