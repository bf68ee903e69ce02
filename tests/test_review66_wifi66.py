"""Wireless security telemetry (Cisco Meraki, Cisco WLC, Aruba, UniFi, hostapd, Kismet): edge
cases of valid input as Wi-Fi controllers and tools write it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hourglass.cli import app

runner = CliRunner()


def _meraki_event(i: int) -> dict[str, object]:
    return {"occurredAt": f"2024-03-01T08:00:{i:02d}.000000Z", "networkId": "N_24329156",
            "type": "association", "description": "802.11 association", "clientId": "k74272e",
            "clientDescription": "laptop-7", "clientMac": "aa:bb:cc:dd:ee:0f",
            "deviceSerial": "Q2XX-AAAA-0001", "ssidNumber": 0,
            "eventData": {"radio": "1", "vap": "0", "rssi": "45", "aid": "1184"}}


def test_a_meraki_event_log_page_is_refused_with_its_recipe(tmp_path: Path) -> None:
    # What was wrong: a Meraki Dashboard API event log page saved whole ({"message", "pageStartAt",
    # "pageEndAt", "events": [...]}) was told 'jq -c .' pretty-printed, which wrote the page as one
    # row of its envelope, the network's events one text value ('1 row inspected, 4 columns').
    page = {"message": None, "pageStartAt": "2024-03-01T08:00:00.000000Z",
            "pageEndAt": "2024-03-01T08:00:02.000000Z", "events": [_meraki_event(i) for i in range(3)]}
    for indent in (None, 2):
        p = tmp_path / "events.json"
        p.write_text(json.dumps(page, indent=indent))
        result = runner.invoke(app, ["inspect", str(p)])
        assert result.exit_code == 2, result.output
        assert "Meraki" in result.output and "jq -c '.events[]'" in result.output, result.output
    rows = tmp_path / "rows.jsonl"  # an event with an 'events' list among its fields: a row
    rows.write_text("\n".join(json.dumps({"events": [i], "message": "m", "user": "a"}) for i in range(3)))
    assert runner.invoke(app, ["inspect", str(rows)]).exit_code == 0


def test_an_80211_reason_code_is_a_code_not_an_amount() -> None:
    # What was wrong: the 802.11 reason code of a disassociation (Meraki's eventData.reason '8',
    # wpa_supplicant's reason=3) was min-max scaled as an amount, and an entity model summed it
    # per client (reason:sum): 7, a deauth flood's, lay between 3 and 8; it is a code.
    import pandas as pd

    from hourglass.features.entity import EntityWindows
    from hourglass.features.roles import infer_role

    codes = pd.Series([("8", "3", "1", "8")[i % 4] for i in range(200)])
    for name, values in (("eventData.reason", codes), ("reason", codes.astype(int))):
        role, why = infer_role(name, values, max_categories=50)
        assert (role, "reason code" in why) == ("categorical", True), (name, role, why)
    # a reason written in words stays text; numbers under another name stay numbers
    words = pd.Series(["leaving", "inactivity"] * 20)
    assert infer_role("reason", words, max_categories=50)[0] == "categorical"
    assert infer_role("retries", codes.astype(int), max_categories=50)[0] == "numeric"
    df = pd.DataFrame({"clientMac": ["aa:bb:cc:dd:ee:0f", "aa:bb:cc:dd:ee:10"] * 100,
                       "occurredAt": pd.date_range("2024-03-01 08:00", periods=200, freq="7s", tz="UTC"),
                       "eventData.reason": codes, "eventData.rssi": [str(30 + i % 20) for i in range(200)]})
    ew = EntityWindows(entity_col="clientMac", timestamp_col="occurredAt", bucket="5min").fit(df)
    names = list(ew.aggregate(df).columns)
    assert "eventData.reason:distinct" in names and "eventData.reason:sum" not in names, names


def test_a_kismet_alerts_macs_are_its_ecs_source_and_destination() -> None:
    # What was wrong: a Kismet alert (DEAUTHFLOOD, APSPOOF: its fields kismet.alert.source_mac,
    # kismet.alert.dest_mac) gave ECS alerts with no source.mac and no destination.mac, the
    # flooding or spoofing transmitter nowhere unless kept; they map as source_mac and dest_mac do.
    from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs

    fields = {"kismet.alert.header": "DEAUTHFLOOD", "kismet.alert.source_mac": "82:B7:0E:EE:7F:1A",
              "kismet.alert.dest_mac": "25:E3:98:2B:E0:DD", "kismet.alert.channel": "6"}
    assert set(ecs_named(fields)) == {"kismet.alert.source_mac", "kismet.alert.dest_mac"}
    doc = to_ecs({"row": 3, "score": 2.0}, AlertRule("ae", "id"), fields=fields)
    assert doc["source"] == {"mac": "82-B7-0E-EE-7F-1A"}
    assert doc["destination"] == {"mac": "25-E3-98-2B-E0-DD"}
    # the envelopes before still reach their fields
    assert to_ecs({"row": 0, "score": 1.0}, AlertRule("ae", "id"),
                  fields={"result.src": "10.0.0.5"})["source"]["ip"] == "10.0.0.5"


def test_a_json_array_of_events_on_one_line_is_not_told_to_skip(tmp_path: Path) -> None:
    # What was wrong: Kismet's alerts saved whole from its REST API (alerts/all_alerts.json, one
    # line '[{...}, ...]') was told '(use --on-bad-rows skip to skip such rows)', which left every
    # alert out ('no data rows', 'streamed 0 rows'); the recipe alone is said (jq -c '.[]').
    alerts = [{"kismet.alert.header": "DEAUTHFLOOD", "kismet.alert.timestamp": 1709366400.0 + i,
               "kismet.alert.source_mac": "82:B7:0E:EE:7F:1A", "kismet.alert.channel": "6"}
              for i in range(3)]
    p = tmp_path / "all_alerts.json"
    p.write_text(json.dumps(alerts))
    result = runner.invoke(app, ["inspect", str(p)])
    assert result.exit_code == 2, result.output
    assert "got an array of objects" in result.output and "jq -c '.[]'" in result.output, result.output
    assert "on-bad-rows" not in result.output, result.output
    from tests._artefacts import small_saved_model, small_table

    model = small_saved_model(small_table(), tmp_path)
    result = runner.invoke(app, ["stream", str(model)], input=json.dumps(alerts) + "\n")
    assert result.exit_code == 2 and "jq -c '.[]'" in result.output, result.output
    assert "on-bad-rows" not in result.output, result.output
    # a line that is no object of another kind still says how to skip it
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"n": 1, "m": 2}\nnull\n')
    result = runner.invoke(app, ["inspect", str(rows)])
    assert result.exit_code == 2 and "on-bad-rows skip" in result.output, result.output


def test_an_aruba_syslog_lines_year_after_the_time_is_read() -> None:
    # What was wrong: an Aruba controller's syslog line, the year after the time ('Mar  1
    # 08:00:00 2024 10.1.1.10 stm[3456]: ...'), read '2024' as its host, '10.1.1.10 stm' as its
    # program (a component per controller) and was dated in a guessed year (2026); it reads as
    # host 10.1.1.10, program stm, 2024-03-01 08:00:00 UTC. Parsers saved before read as they did.
    from hourglass.ingest.logs import RULES, LogParser

    lines = ["Mar  1 08:00:00 2024 10.1.1.10 stm[3456]: <501080> <NOTI> |AP ap-lobby@10.1.2.3 stm|  "
             "Deauth to sta: 3c:52:82:11:22:33: Ageout AP 10.1.2.3 Reason 7",
             "Mar  1 08:00:02 2024 10.1.1.10 authmgr[3550]: <522275> <NOTI> <10.1.1.10>  User "
             "Authentication failed. username=bob MAC=3c:52:82:44:55:66 auth method=802.1x",
             "Mar  1 08:00:03 gw hostapd: wlan0: STA 3c:52:82:11:22:33 IEEE 802.11: authenticated"]
    df = LogParser("syslog").fit(lines).parse(lines)
    assert df["host"].tolist() == ["10.1.1.10", "10.1.1.10", "gw"]
    assert df["component"].tolist()[:2] == ["stm", "authmgr"]
    assert df["time"].tolist()[:2] == [1709280000.0, 1709280002.0]
    assert RULES == 11
    old = LogParser("syslog", rules=10).fit(lines).parse(lines)
    assert old["host"].tolist() == ["2024", "2024", "gw"]
    assert old["component"].tolist()[0] == "10.1.1.10 stm"


def test_a_radius_user_name_is_the_alerts_user() -> None:
    # What was wrong: RADIUS's User-Name (a FreeRADIUS detail record read as kv: the 802.1X
    # identity a Wi-Fi client failing authentication again and again logged in as) gave ECS
    # alerts with no user.name and no related.user; it maps to user.name, kept or the entity.
    from hourglass.serve.ecs import AlertRule, to_ecs

    fields = {"User-Name": "alice", "Calling-Station-Id": "3C-52-82-11-22-33", "NAS-Port": "50101"}
    doc = to_ecs({"row": 3, "score": 2.0}, AlertRule("ae", "id"), fields=fields)
    assert doc["user"] == {"name": "alice"} and doc["related"]["user"] == ["alice"]
    assert doc["source"] == {"mac": "3C-52-82-11-22-33"}
    entity = to_ecs({"entity": "alice", "bucket_start": "2024-03-01T08:00:00+00:00",
                     "bucket_end": "2024-03-01T08:05:00+00:00", "rows": 300, "score": 6.7},
                    AlertRule("ae", "id", input="entity", entity_field="User-Name"))
    assert entity["user"] == {"name": "alice"}


def test_a_unifi_wifi_channel_is_a_code_not_an_amount() -> None:
    # What was wrong: UniFi Network's CEF syslog names the radio's channel UNIFIwifiChannel, and
    # it was min-max scaled as an amount (channel 36 the neighbour of 44, 11 of 6), where a column
    # named channel was a code; a name whose last word is channel (or reason) is read so too.
    import pandas as pd

    from hourglass.features.roles import infer_role

    channels = pd.Series([(1, 6, 11, 36, 44)[i % 5] for i in range(200)])
    for name in ("UNIFIwifiChannel", "wifi_channel", "disconnectReason"):
        role, why = infer_role(name, channels, max_categories=50)
        assert (role, "Wi-Fi channel" in why) == ("categorical", True), (name, role, why)
    # its width (20, 40, 80 MHz) and its signal stay numbers
    assert infer_role("UNIFIwifiChannelWidth", channels * 4, max_categories=50)[0] == "numeric"
    assert infer_role("UNIFIwifiRssi", -channels, max_categories=50)[0] == "numeric"


def test_a_cef_events_macs_are_its_ecs_source_and_destination() -> None:
    # What was wrong: a CEF model's alerts left CEF's smac and dmac (and UniFi Network's CEF
    # syslog's Wi-Fi client, UNIFIclientMac, UNIFIclientIp) out of ECS, the station only under
    # hourglass.fields when kept; they map to source.mac, destination.mac and source.ip.
    from hourglass.serve.ecs import AlertRule, to_ecs

    rule = AlertRule("ae", "id", data_format="cef")
    doc = to_ecs({"row": 3, "score": 2.0}, rule,
                 fields={"smac": "aa:bb:cc:dd:ee:0f", "dmac": "AABB.CCDD.EE10", "src": "10.0.1.5"})
    assert doc["source"] == {"mac": "AA-BB-CC-DD-EE-0F", "ip": "10.0.1.5"}, doc
    assert doc["destination"] == {"mac": "AA-BB-CC-DD-EE-10"}, doc
    unifi = to_ecs({"row": 0, "score": 2.0}, rule,
                   fields={"UNIFIclientMac": "3c:52:82:11:22:33", "UNIFIclientIp": "10.0.1.20",
                           "UNIFIwifiName": "Corp"})
    assert unifi["source"] == {"mac": "3C-52-82-11-22-33", "ip": "10.0.1.20"}, unifi
    # another format's 'smac' is left as it was (no such name there)
    assert "source" not in to_ecs({"row": 0, "score": 2.0}, AlertRule("ae", "id"), fields={"smac": "x"})
