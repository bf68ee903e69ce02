"""Review round 65 (mdm65): MDM and device-inventory telemetry (Intune, Jamf, osquery, Defender)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _managed_device(i: int) -> dict[str, object]:
    """An Intune managedDevice as Microsoft Graph lists it (deviceManagement/managedDevices)."""
    return {"id": f"{i:08x}-6f2c-4e2a-9d55-0c2a1f7e3b10", "deviceName": f"DESKTOP-{4000 + i}",
            "operatingSystem": "Windows", "osVersion": "10.0.22631.3155",
            "complianceState": "compliant", "isEncrypted": True, "jailBroken": "Unknown",
            "lastSyncDateTime": f"2024-03-01T08:{i % 60:02d}:00Z", "serialNumber": f"0PF{i:07d}",
            "totalStorageSpaceInBytes": 511101108224, "freeStorageSpaceInBytes": 2 * 10**11 + i}


def test_a_graph_api_page_is_refused_with_its_recipe(tmp_path: Path) -> None:
    # What was wrong: Intune's managed devices as Microsoft Graph pages them ({"@odata.context": ...,
    # "@odata.nextLink": ..., "value": [...]}), a page a line, trained a model on the pages'
    # envelopes (4 rows of @odata.context, @odata.nextLink and 'value' as one text category);
    # pretty-printed, the refusal's advice 'jq -c .' wrote that one row again.
    from hourglass.errors import InputError
    from hourglass.ingest import read_table
    from hourglass.ingest.tables import document_refusal
    from hourglass.serve.app import _search_document

    devices = [_managed_device(i) for i in range(40)]
    graph = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#deviceManagement/managedDevices",
             "@odata.count": 80, "@odata.nextLink": "https://graph.microsoft.com/v1.0/deviceManagement/"
             "managedDevices?$skiptoken=LastDeviceName%27DESKTOP-4039%27", "value": devices}
    arm = {"value": devices, "nextLink": "https://management.azure.com/subscriptions/x?$skiptoken=y"}
    said_page = ("a Microsoft Graph or Azure REST API page (its objects under value), not one event "
                 "a line; write its events one a line (jq -c '.value[]')")
    for name, page in (("graph", graph), ("arm", arm)):
        compact, pretty = tmp_path / f"{name}.json", tmp_path / f"{name}_pretty.json"
        compact.write_text(json.dumps(page) + "\n" + json.dumps({**page, "value": devices[:3]}) + "\n")
        pretty.write_text(json.dumps(page, indent=2) + "\n")
        for path in (compact, pretty):
            for skip in ("error", "skip"):
                with pytest.raises(InputError) as err:
                    read_table(path, on_bad_rows=skip)
                assert str(err.value) == f"{path}: line 1: {said_page}"
    assert document_refusal(graph) == said_page  # (stream's check of each line)
    assert _search_document([graph]) == ("row 1: a Microsoft Graph or Azure REST API page (its objects "
                                         "under value), not one event; send its value as the rows "
                                         "(jq '{rows: .value}')")
    # what the recipe writes reads as the devices; one device as Graph gets it by its id is a row,
    # and so is a metric's row with a value
    lines = tmp_path / "devices.jsonl"
    lines.write_text("".join(json.dumps(d) + "\n" for d in devices))
    assert len(read_table(lines)) == 40
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"@odata.context": graph["@odata.context"] + "/$entity", **devices[0]}) + "\n"
                   + json.dumps({"@odata.context": "x", "value": 3.5, "host": "a"}) + "\n")
    assert len(read_table(one)) == 2
