"""Review round 61 (idp61): identity providers' sign-in logs (Entra, Duo, Google Workspace, Windows)."""

from __future__ import annotations

import json
from pathlib import Path

from hourglass.ingest.formats import sniff_format

DUO_AUTH = {"access_device": {"browser": "Chrome", "browser_version": "120.0", "ip": "203.0.113.5",
                              "location": {"city": "Toronto", "country": "Canada", "state": "Ontario"},
                              "os": "Windows"},
            "application": {"key": "DIY231J8BR23QK4UKBY8", "name": "Microsoft Azure Active Directory"},
            "auth_device": {"ip": "192.168.225.254", "name": "My iPhone X (734-555-2342)"},
            "email": "ann.lee@example.com", "event_type": "authentication", "factor": "duo_push",
            "isotimestamp": "2026-03-02T08:01:00.000000+00:00", "reason": "user_approved",
            "result": "success", "timestamp": 1772438460, "txid": "340a23e3-23f3-4e5c-b3ab-1ac8d6f3e85f",
            "user": {"groups": ["Duo Users"], "key": "DU3KC77WJ06Y5HIV7XKQ", "name": "ann.lee"}}


def test_duo_authentication_log_is_not_sniffed_as_suricata(tmp_path: Path) -> None:
    # What was wrong: a Duo Admin API authentication log (JSON lines with 'event_type':
    # 'authentication' and 'timestamp' in epoch seconds) was sniffed as Suricata EVE:
    # `inspect` said "format suricata-eve" and its ECS alerts were filed under
    # event.category ["intrusion_detection", "network"], a network IDS's, for sign-ins.
    # Suricata writes its timestamp as ISO 8601 text; a number there is no EVE event.
    p = tmp_path / "duo.jsonl"
    p.write_text("".join(json.dumps({**DUO_AUTH, "timestamp": DUO_AUTH["timestamp"] + i}) + "\n"
                         for i in range(3)))
    assert sniff_format(p).name == "jsonl"
    eve = tmp_path / "eve.json"  # Suricata's own events stay EVE
    eve.write_text(json.dumps({"timestamp": "2026-03-02T08:01:00.000000+0000", "event_type": "flow",
                               "src_ip": "10.0.0.1", "dest_ip": "10.0.0.2", "proto": "TCP"}) + "\n")
    assert sniff_format(eve).name == "suricata-eve"
