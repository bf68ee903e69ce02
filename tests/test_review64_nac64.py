"""Network access telemetry (DHCP, RADIUS/NAC, wireless) as a network-access engineer reads it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.ingest.tables import iter_table

runner = CliRunner()

#: the head of a Windows DHCP Server audit log (DhcpSrvLog-Mon.log) as the server writes it
_DHCP_PREAMBLE = (
    "\t\tMicrosoft DHCP Service Activity Log\r\n\r\n\r\nEvent ID  Meaning\r\n"
    "00\tThe log was started.\r\n01\tThe log was stopped.\r\n"
    "10\tA new IP address was leased to a client.\r\n11\tA lease was renewed by a client.\r\n"
    "14\tA lease request could not be satisfied because the scope's address pool was exhausted.\r\n"
    "50+\tCodes above 50 are used for Rogue Server Detection information.\r\n\r\n"
    "QResult: 0: NoQuarantine, 1:Quarantine, 2:Drop Packet, 3:Probation,6:No Quarantine Information "
    "ProbationTime:Year-Month-Day Hour:Minute:Second:MilliSecond.\r\n\r\n"
    "ID,Date,Time,Description,IP Address,Host Name,MAC Address,User Name, TransactionID, QResult,"
    "Probationtime, CorrelationID,Dhcid,VendorClass(Hex),VendorClass(ASCII),UserClass(Hex),"
    "UserClass(ASCII),RelayAgentInformation,DnsRegError.\r\n")


def _dhcp_log(path: Path, day: str, n: int = 40) -> Path:
    rows = [f"11,{day},08:{i // 60:02d}:{i % 60:02d},Renew,10.1.20.{i % 30 + 10},LAPTOP-{i % 30:03d}"
            f".corp.example.com,F0DEF1A2B3{i % 30:02X},,{1000 + i},0,,,,0x4D53465420352E30,MSFT 5.0,,,,0"
            for i in range(n)]
    path.write_bytes((_DHCP_PREAMBLE + "\r\n".join(rows) + "\r\n").encode())
    return path


def test_a_dhcp_server_audit_log_is_read_past_its_preamble(tmp_path: Path) -> None:
    # What was wrong: the Windows DHCP Server's audit log was unreadable: its title line was taken
    # for a tab-separated header, 'line 4: expected 3 fields, found 1' (with --on-bad-rows skip 'no
    # data rows'), and a folder of them read each later file's preamble as rows.
    log = _dhcp_log(tmp_path / "DhcpSrvLog-Mon.log", "12/07/26")
    df = pd.concat(list(iter_table(log, fmt="csv")))
    assert len(df) == 40 and list(df.columns[:7]) == ["ID", "Date", "Time", "Description", "IP Address",
                                                       "Host Name", "MAC Address"]
    assert df["MAC Address"].iloc[0] == "F0DEF1A2B300"
    folder = tmp_path / "dhcp"
    folder.mkdir()
    _dhcp_log(folder / "DhcpSrvLog-Mon.log", "12/07/26")
    _dhcp_log(folder / "DhcpSrvLog-Tue.log", "12/08/26", n=10)
    res = runner.invoke(app, ["inspect", str(folder)])
    assert res.exit_code == 0, res.output
    assert "50 rows inspected, 19 columns" in res.output


def _detail_block(i: int) -> str:
    return (f"Mon Dec  7 07:{i // 60:02d}:{i % 60:02d} 2026\n\tAcct-Session-Id = \"{i:08X}\"\n"
            "\tAcct-Status-Type = Interim-Update\n\tUser-Name = \"alice\"\n\tNAS-Port = 50101\n"
            f"\tCalling-Station-Id = \"3C-52-82-11-22-33\"\n\tAcct-Session-Time = {60 * i}\n"
            f"\tAcct-Input-Octets = {1000 * i}\n\tTimestamp = {1796626800 + i}\n\n")


def test_freeradius_detail_file_and_radius_log_are_refused_with_their_recipe(tmp_path: Path) -> None:
    # What was wrong: a FreeRADIUS detail file was read as a CSV of one column named by its first
    # block's date, 'Mon Dec  7 07:00:00 2026', its attribute lines hashed values (31,614 "rows" of
    # 1,500 blocks), and radius.log as one column of categories: models trained on nothing real.
    detail = tmp_path / "detail-20261207"
    detail.write_text("".join(_detail_block(i) for i in range(30)))
    res = runner.invoke(app, ["inspect", str(detail)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "FreeRADIUS detail file" in res.stderr and "--timestamp-col Timestamp" in res.stderr
    assert "awk -v RS= '{gsub(/\\n\\t/, \" \"); gsub(/ = /, \"=\"); print}'" in res.stderr
    log = tmp_path / "radius.log"
    log.write_text("Mon Dec  7 07:00:01 2026 : Info: Ready to process requests\n"
                   "Mon Dec  7 07:01:12 2026 : Auth: (0) Login OK: [alice] (from client sw2 port 50101 "
                   "cli 3C-52-82-11-22-33)\n" * 3)
    res = runner.invoke(app, ["train", str(log), "-o", str(tmp_path / "m")])
    assert res.exit_code == 2 and "FreeRADIUS's radius.log is a log" in res.stderr
    assert "(?P<timestamp>[A-Z][a-z]{2} [A-Z][a-z]{2}" in res.stderr and not (tmp_path / "m").exists()


def test_a_dhcp_audit_logs_event_id_is_a_code_and_its_transaction_id_no_amount(tmp_path: Path) -> None:
    # What was wrong: in a DHCP Server audit log, 'ID' (the event id: 10 a new lease, 14 a scope's
    # pool exhausted) was dropped as an identifier, its random 'TransactionID' min-max scaled as an
    # amount, and its 'QResult' codes too; the event id is now a code, the transaction id dropped.
    from hourglass.features.roles import infer_role, table_tells

    df = pd.concat(list(iter_table(_dhcp_log(tmp_path / "DhcpSrvLog-Mon.log", "12/07/26", n=120),
                                   fmt="csv")))
    df.loc[:5, "ID"] = [10, 12, 14, 30, 32, 24]
    tells = table_tells(df.columns)
    roles = {c: infer_role(c, df[c], max_categories=50, columns=tells) for c in df.columns}
    assert roles["ID"] == ("categorical", "Windows DHCP Server audit log's event id")
    assert roles["TransactionID"][0] == "drop" and roles["QResult"][0] == "categorical"
    # an 'ID' and a 'TransactionID' of another table are read as before
    other = df[["ID", "TransactionID", "Description"]]
    assert infer_role("ID", other["ID"], max_categories=50, columns=other.columns)[0] == "drop"
    assert infer_role("TransactionID", other["TransactionID"], max_categories=50,
                      columns=other.columns)[0] == "numeric"


def test_macs_go_to_source_mac_in_ecs_form_and_a_dhcp_records_client_to_source() -> None:
    # What was wrong: an ECS alert put no MAC anywhere but hourglass.fields (src_mac, 'MAC
    # Address', client_mac), in whatever form the device wrote it, and a DHCP audit log's client
    # name and event id ('Host Name', 'ID') went nowhere; a MAC is now source.mac (destination.mac)
    # as ECS writes it, 00-1A-2B-3C-4D-5E, from any of the forms, and the DHCP record is mapped
    # as Elastic's Microsoft DHCP integration maps it.
    from hourglass.serve.ecs import AlertRule, to_ecs

    rule = AlertRule("autoencoder", "ab12")
    alert = {"row": 0, "score": 2.0, "severity": "high", "calibrated": 0.99}
    for mac in ("00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e", "001A2B3C4D5E"):
        doc = to_ecs(alert, rule, fields={"src_mac": mac, "dst_mac": "ff:ff:ff:ff:ff:ff"})
        assert doc["source"]["mac"] == "00-1A-2B-3C-4D-5E", doc
        assert doc["destination"]["mac"] == "FF-FF-FF-FF-FF-FF"
    doc = to_ecs(alert, rule, fields={"client_mac": "not a mac"})
    assert "source" not in doc and doc["hourglass"]["fields"] == {"client_mac": "not a mac"}
    row = {"ID": 10.0, "Date": "12/08/26", "Time": "02:13:44", "Description": "Assign",
           "IP Address": "10.1.20.250", "Host Name": "kali", "MAC Address": "DEADBEEF0001",
           "User Name": "alice"}
    doc = to_ecs(alert, rule, fields=row)
    assert doc["source"] == {"ip": "10.1.20.250", "domain": "kali", "mac": "DE-AD-BE-EF-00-01"}
    assert doc["event"]["code"] == "10" and doc["user"]["name"] == "alice"
    # another table's 'ID' and 'Host Name' are read as before
    doc = to_ecs(alert, rule, fields={"ID": 7, "Host Name": "ws1"})
    assert "code" not in doc["event"] and "source" not in doc


def test_radius_nas_port_and_a_wifi_channel_are_codes_not_ports_or_amounts() -> None:
    # What was wrong: RADIUS's NAS-Port (a switch's port index, 50101 for Gi1/0/1) was read as a
    # TCP/UDP port (its 'registered' range bucket), a numeric Acct-Terminate-Cause and a Wi-Fi
    # channel (UniFi's, hostapd's: 36 a 5 GHz channel) min-max scaled as amounts; all are codes.
    from hourglass.features.roles import infer_role

    n = 300
    df = pd.DataFrame({"NAS-Port": [50101 + i % 24 for i in range(n)],
                       "Acct-Terminate-Cause": [(1, 4, 1, 5)[i % 4] for i in range(n)],
                       "channel": [(1, 6, 11, 36, 44)[i % 5] for i in range(n)],
                       "Acct-Input-Octets": [1000 * i for i in range(n)],
                       "dst_port": [(443, 80)[i % 2] for i in range(n)]})
    roles = {c: infer_role(c, df[c], max_categories=50, columns=df.columns)[0] for c in df.columns}
    assert roles == {"NAS-Port": "categorical", "Acct-Terminate-Cause": "categorical",
                     "channel": "categorical", "Acct-Input-Octets": "numeric", "dst_port": "port"}
    # as text (a key=value line's, a JSON export's "50101") too
    assert infer_role("NAS-Port", df["NAS-Port"].astype(str), max_categories=50)[0] == "categorical"


def test_a_radius_or_nac_clients_mac_is_source_mac() -> None:
    # What was wrong: the 802.1X client's MAC as RADIUS names it (Calling-Station-Id), ClearPass's
    # 'Host MAC Address' and ISE's EndPointMACAddress went to no ECS field; they are source.mac
    # now, a VPN's Calling-Station-Id holding an address (no MAC) left under hourglass.fields.
    from hourglass.serve.ecs import AlertRule, to_ecs

    rule = AlertRule("autoencoder", "ab12")
    alert = {"row": 0, "score": 2.0, "severity": "high", "calibrated": 0.99}
    for name, mac in (("Calling-Station-Id", "3C-52-82-11-22-33"), ("Host MAC Address", "3c5282112233"),
                      ("EndPointMACAddress", "3C:52:82:11:22:33")):
        assert to_ecs(alert, rule, fields={name: mac})["source"] == {"mac": "3C-52-82-11-22-33"}
    doc = to_ecs(alert, rule, fields={"Calling-Station-Id": "198.51.100.7"})
    assert "source" not in doc and doc["hourglass"]["fields"] == {"Calling-Station-Id": "198.51.100.7"}


def test_a_hostapd_log_given_to_a_table_model_is_refused_as_a_log(tmp_path: Path) -> None:
    # What was wrong: hostapd's (or wpa_supplicant's) log, whose lines have no header a log
    # format knows, was read as a table of one text column named by its first line, and
    # 'train' fitted a model on it ('trained autoencoder on 3 rows ... (4 features)'); it is now
    # refused as a log, as a syslog line read as a table is, and nothing is written.
    log = tmp_path / "hostapd.log"
    log.write_text("wlan0: STA 3c:52:82:11:22:33 IEEE 802.11: authenticated\n"
                   "wlan0: STA 3c:52:82:11:22:33 IEEE 802.11: associated (aid 1)\n"
                   "wlan0: AP-STA-CONNECTED 3c:52:82:11:22:33\n"
                   "wlan0: STA 3c:52:82:11:22:33 WPA: pairwise key handshake completed (RSN)\n")
    out = tmp_path / "m"
    res = runner.invoke(app, ["train", str(log), "-o", str(out)])
    assert res.exit_code == 2 and "Traceback" not in res.output and not out.exists()
    assert "the data reads as one text column (first line 'wlan0: STA" in res.stderr
    assert "a log needs a log model" in res.stderr
    # a one-column table of numbers under a long name is still a table
    series = tmp_path / "cpu.csv"
    series.write_text("CPU usage in percent\n" + "".join(f"{10 + i % 7}\n" for i in range(60)))
    res = runner.invoke(app, ["train", str(series), "--epochs", "1", "-o", str(tmp_path / "c"), "-q"])
    assert res.exit_code == 0, res.output
