"""Vulnerability scanner and inventory exports (Nessus, Qualys, Tenable.io): roles and reading."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.features.roles import infer_role
from hourglass.ingest.tables import iter_table

runner = CliRunner()

# a scan's checks: Nessus' scan information, traceroute, SYN scanner, service detection,
# two SSL certificate findings and Terrapin
_PLUGINS = [19506, 10287, 11219, 22964, 51192, 57582, 187315]


def test_a_scanners_plugin_id_and_qid_are_codes_not_amounts() -> None:
    # What was wrong: a Nessus CSV export's 'Plugin ID' and a Qualys report's 'QID' were min-max
    # scaled as amounts ('numeric values'), a new check between two known ones unremarkable, and a
    # Tenable.io export's 'plugin.id' was dropped as an identifier; they are codes, as a rule id is.
    ids = pd.Series(_PLUGINS * 20)
    for name in ("Plugin ID", "QID", "plugin_id", "plugin.id"):
        role, why = infer_role(name, ids, max_categories=50)
        assert role == "categorical", (name, role, why)
        assert "plugin id or QID" in why
    assert infer_role("plugin.id", pd.Series(range(500)), max_categories=50)[0] == "drop"


def test_a_qualys_reports_first_and_last_detected_times_are_times() -> None:
    # What was wrong: a Qualys report's 'First Detected' and 'Last Detected' ('12/07/2026
    # 10:00:00') were one-hot or hashed as text, each later scan's day a value never seen; only a
    # name ending in time or date made such text a time. 'Times Detected', a count, stays a number.
    first = pd.Series([f"11/{d:02d}/2026 09:{m:02d}:00" for d in range(1, 6) for m in range(20)] * 3)
    last = pd.Series([f"12/{d:02d}/2026 10:00:00" for d in range(1, 6) for _ in range(50)])
    for name, times in (("First Detected", first), ("Last Detected", last),
                        ("Date Last Fixed", last), ("LAST SCAN", last)):
        assert infer_role(name, times, max_categories=50) == ("drop", "times"), name
    assert infer_role("Times Detected", pd.Series([74, 50, 44] * 10), max_categories=50)[0] == "numeric"


def _qualys_report(path: Path, n: int = 30) -> Path:
    # a Qualys VM scan report as its CSV template writes it: the report's own lines, then findings
    head = ('"Scan Report - Weekly Internal","",""\r\n"12/07/2026 at 10:30:12 (GMT+0000)"\r\n'
            '"ACME Corp","123 Main St","Springfield","US"\r\n"jsmith","John Smith","Manager"\r\n\r\n'
            '"IP","DNS","NetBIOS","QID","Title","Type","Severity","Port","Protocol","CVE ID",'
            '"Threat","Results","First Detected","Last Detected"\r\n')
    rows = [f'"10.0.2.{10 + i}","srv{i}.corp.local","SRV{i}","38173","SSL Certificate - Signature '
            f'Verification Failed","Vuln","2","443","tcp","","The certificate\nis not trusted.",'
            f'"Result {i}","11/01/2026 09:{i:02d}:00","12/07/2026 10:00:00"\r\n' for i in range(n)]
    path.write_bytes((head + "".join(rows)).encode())
    return path


def test_a_qualys_report_is_read_past_its_report_lines(tmp_path: Path) -> None:
    # What was wrong: a Qualys VM report's CSV, whose title, date, company and user lines come
    # before the findings' header, was refused: its title taken for the header, 'line 2: expected
    # 3 fields, found 1' (with --on-bad-rows skip every finding lost), and a folder of weekly
    # reports read each later report's lines as rows.
    report = _qualys_report(tmp_path / "Scan_Report_Weekly.csv")
    df = pd.concat(list(iter_table(report, fmt="csv")))
    assert len(df) == 30 and list(df.columns[:4]) == ["IP", "DNS", "NetBIOS", "QID"]
    assert df["Threat"].iloc[0] == "The certificate\nis not trusted."
    res = runner.invoke(app, ["inspect", str(report)])
    assert res.exit_code == 0, res.output
    assert "30 rows inspected, 14 columns" in res.output
    folder = tmp_path / "weekly"  # scan after scan: a folder of reports, each with its own lines
    folder.mkdir()
    _qualys_report(folder / "Scan_Report_W48.csv")
    _qualys_report(folder / "Scan_Report_W49.csv", n=10)
    res = runner.invoke(app, ["inspect", str(folder)])
    assert res.exit_code == 0, res.output
    assert "40 rows inspected, 14 columns" in res.output


def test_a_trivy_or_grype_report_as_one_row_says_how_to_read_its_findings() -> None:
    # What was wrong: a Trivy report written as one JSON line (the pretty-printed refusal's advice,
    # jq -c .) warned that 'Results' was read as one text value with a Sentinel recipe (KQL |
    # extend FIELD = tostring(Results[0].FIELD)), no use to a scanner's report; it gives jq's.
    from hourglass.features.roles import separated_warning

    trivy = pd.Series(['[{"Target": "alpine:3.19", "Class": "os-pkgs", "Type": "alpine", '
                       '"Vulnerabilities": [{"VulnerabilityID": "CVE-2024-6387"}]}]'])
    said = separated_warning("Results", trivy, "categorical", "text values")
    assert said is not None and "Trivy" in said and "KQL" not in said
    assert "jq -c '.Results[] | {Target, Class, Type} + (.Vulnerabilities[]? // empty)'" in said
    grype = pd.Series(['[{"artifact": {"name": "openssl"}, "vulnerability": {"id": "CVE-1"}}]'])
    said = separated_warning("matches", grype, "categorical", "text values")
    assert said is not None and "Grype" in said and "jq -c '.matches[]'" in said
    said = separated_warning("Results", pd.Series(['[{"a": 1}]']), "categorical", "text values")
    assert said is not None and "KQL" in said  # (another table's Results: as before)


def test_a_scanners_cve_goes_to_ecs_vulnerability_id() -> None:
    # What was wrong: a Nessus or Qualys finding's CVE, kept with --keep CVE, stayed under
    # hourglass.fields in an ECS alert, never in ECS's vulnerability.id, where a SIEM looks for it;
    # Qualys' list of CVEs in one cell is a list of ids there.
    from hourglass.serve.ecs import AlertRule, to_ecs

    doc = to_ecs({"row": 41, "score": 2.0}, AlertRule("ae", "id"),
                 fields={"CVE": "CVE-2024-6387", "Host": "srv66.corp.local"})
    assert doc["vulnerability"] == {"id": "CVE-2024-6387"} and "fields" not in doc["hourglass"]
    assert doc["host"] == {"name": "srv66.corp.local"}
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("ae", "id"),
                 fields={"CVE ID": "CVE-2021-31192, CVE-2021-31188", "Title": "May 2021 update"})
    assert doc["vulnerability"] == {"id": ["CVE-2021-31192", "CVE-2021-31188"]}
    assert doc["hourglass"]["fields"] == {"Title": "May 2021 update"}
