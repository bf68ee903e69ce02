"""Review round 64 (proxy64): forward-proxy and secure-web-gateway logs through every path."""

from __future__ import annotations

import json

import pytest

from tests._cli import one_line_error

#: Cisco Umbrella's S3 export: no header line, every field quoted, its time first
_UMBRELLA = {
    "dns": ('"2024-12-07 10:00:{s:02d}","alice","alice,HQ-Network","10.0.0.{i}","198.51.100.7",'
            '"Allowed","1 (A)","NOERROR","www.example.com.","Business Services","AD Users",'
            '"AD Users,Networks",""\n'),
    "proxy": ('"2024-12-07 10:00:{s:02d}","alice (alice@corp.example.com)","10.0.0.{i}","198.51.100.7",'
              '"93.184.216.34","text/html","ALLOWED","https://www.example.com/a?b={i}","",'
              '"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",'
              '"200","562","1489","1500","","Business Services","","","","","","AD Users","",'
              '"AD Users","Roaming Computers","GET"\n'),
}


@pytest.mark.parametrize("kind", sorted(_UMBRELLA))
@pytest.mark.parametrize("command", ["train", "inspect"])
def test_umbrella_log_without_a_header_line_is_refused(kind: str, command: str, tmp_path) -> None:
    # What was wrong: Cisco Umbrella's DNS or proxy log as its S3 export writes it (no header line)
    # trained on its first record as the columns' names (a column '10.0.0.5'), with only a warning
    # naming PostgreSQL's csvlog; the model then refused every other file of the same log.
    path = tmp_path / f"{kind}.csv"
    path.write_text("".join(_UMBRELLA[kind].format(s=i % 60, i=i % 20 + 5) for i in range(60)))
    out = tmp_path / "m"
    args = [command, str(path)] + (["-o", str(out)] if command == "train" else [])
    fields = 13 if kind == "dns" else 26
    one_line_error(args, "a CSV with no header line (every field quoted, its time first: Cisco "
                         "Umbrella's DNS, proxy or firewall log as its S3 export writes it", out)
    one_line_error(args, "export it with its header (turn on 'Include Optional Log Headers' in "
                         f"Umbrella's log management), or write a line naming its {fields} fields", out)




#: a Zscaler NSS feed's CSV output format (its Splunk-style fields, every one quoted, no header)
_NSS = ('"Sat Dec 07 10:{m:02d}:00 2024","alice@corp.example.com","HTTPS","www.example.com/a?b={i}",'
        '"Allowed","General Browsing","General Browsing","660","31449","Business Use",'
        '"Business and Economy","Professional Services","None","None","0","None","None","HQ",'
        '"Engineering","10.0.0.{i}","93.184.216.34","GET","200","Mozilla/5.0","None","None","None",'
        '"text/html","None","alice","LAPTOP-1"\n')


@pytest.mark.parametrize("command", ["train", "inspect"])
def test_zscaler_nss_feed_csv_without_a_header_line_is_refused(command: str, tmp_path) -> None:
    # What was wrong: a Zscaler NSS feed's CSV (every field quoted, its time 'Sat Dec 07 10:00:00
    # 2024', no header line) trained on its first record as the columns' names (columns
    # '10.0.0.5', 'alice@corp.example.com'), with only a warning naming PostgreSQL's csvlog.
    path = tmp_path / "nss_web.csv"
    path.write_text("".join(_NSS.format(m=i % 60, i=i % 20 + 5) for i in range(60)))
    out = tmp_path / "m"
    args = [command, str(path)] + (["-o", str(out)] if command == "train" else [])
    one_line_error(args, "or a Zscaler NSS feed's CSV); its first record would be read as the columns' "
                         "names", out)
    one_line_error(args, "write a line naming its 31 fields before its lines (an NSS feed's: its output "
                         "format's field names, time,login,...)", out)


@pytest.mark.parametrize("command", ["train", "inspect"])
def test_netskope_api_page_is_refused_naming_its_events(command: str, tmp_path) -> None:
    # What was wrong: a page of Netskope's REST API v2 events (curl .../dataexport/events/page:
    # {"ok": 1, "result": [...events...], "wait_time": 0}) was read as one row, its events one
    # text value: inspect showed 1 row of 3 columns (a Sentinel KQL hint), train failed late with
    # 'AutoEncoder: 1 training row'. It is refused naming the jq command that writes its events.
    events = [{"timestamp": 1733565600 + i, "type": "nspolicy", "user": f"u{i % 5}@corp.example.com",
               "srcip": f"10.0.0.{i % 5 + 5}", "site": "example.com", "client_bytes": 300 + i}
              for i in range(40)]
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"ok": 1, "result": events, "wait_time": 0}) + "\n")
    out = tmp_path / "m"
    args = [command, str(path)] + (["-o", str(out)] if command == "train" else [])
    one_line_error(args, "line 1: a Netskope REST API v2 page (its events under result), not one event "
                         "a line; write its events one a line (jq -c '.result[]')", out)
