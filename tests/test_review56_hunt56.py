"""Review round 56 (hunt56): a threat hunter on real Windows and network data."""

from __future__ import annotations

from hourglass.serve.ecs import AlertRule, to_ecs


def test_a_forwarded_windows_event_names_its_own_computer_as_the_host() -> None:
    # What was wrong: OTRF/Mordor's NXLog exports (windows-json) name the event's computer
    # ('Hostname') and the Windows Event Collector that forwarded it ('host'); both went to
    # host.name, the later column winning, so every ECS alert of
    # empire_uac_shellapi_fodhelper named wec.internal.cloudapp.net as the host
    fields = {"Hostname": "WORKSTATION6.theshire.local", "EventID": 5156,
              "host": "wec.internal.cloudapp.net", "SourceAddress": "172.18.39.6"}
    for fmt in ("windows-json", "evtx"):
        doc = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab", data_format=fmt),
                     fields=fields)
        assert doc["host"] == {"name": "WORKSTATION6.theshire.local"}
        assert doc["observer"] == {"hostname": "wec.internal.cloudapp.net"}
        assert doc["related"]["hosts"] == ["WORKSTATION6.theshire.local", "wec.internal.cloudapp.net"]
    # a forwarder's name alone is still the only host there is; other formats are unchanged
    alone = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab", data_format="windows-json"),
                   fields={"host": "ws1", "Hostname": None})
    assert alone["host"] == {"name": "ws1"} and "observer" not in alone
    other = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab", data_format="csv"),
                   fields={"hostname": "a", "host": "b"})
    assert other["host"] == {"name": "b"} and "observer" not in other
