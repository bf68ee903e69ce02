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


def _intune_export(versions: list[str]) -> str:
    """The Intune admin centre's device export (Devices > All devices > Export) as CSV: every
    field quoted, a byte-order mark, one device a line."""
    head = '\ufeff"Device name","OS","OS version","Compliance","Encrypted","Total storage","Free storage"\n'
    return head + "".join(f'"MBP-{i:04d}","macOS","{v}","Compliant","True","488386","{200000 + i}"\n'
                          for i, v in enumerate(versions))


def test_an_os_version_is_a_category_not_a_magnitude(tmp_path: Path) -> None:
    # What was wrong: a Mac fleet's 'OS version' (14.3, 14.4, 13.6: two parts each) was read as
    # numbers and min-max scaled; the next export, with devices on 14.4.1, was refused ("column
    # 'OS version': expected numbers, found '14.4.1'"), or those devices skipped. An Android
    # fleet's osVersion ("14", "13" as JSON text) was a magnitude likewise.
    import numpy as np
    import pandas as pd

    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.ingest import read_table

    train, later = tmp_path / "devices.csv", tmp_path / "devices_later.csv"
    train.write_text(_intune_export(["14.3", "14.4", "13.6"] * 40), encoding="utf-8")
    later.write_text(_intune_export(["14.4.1", "14.3", "13.6"]), encoding="utf-8")
    pre = TabularPreprocessor().fit(read_table(train))
    assert pre.roles_["OS version"] == "categorical", pre.reasons_["OS version"]
    assert pre.roles_["Free storage"] == "numeric"  # (an amount stays one)
    names = pre.feature_names_
    X = pre.transform(read_table(later))
    assert X[0, names.index("OS version=<unseen>")] == 1 and X[1, names.index("OS version=14.3")] == 1
    android = pd.DataFrame({"osVersion": ["14", "13", "14", "12"] * 30, "model": "Pixel 7"})
    jpre = TabularPreprocessor().fit(android)
    assert jpre.roles_["osVersion"] == "categorical"
    assert np.array_equal(jpre.transform(android.assign(osVersion=[14, 13, 14, 12] * 30)),
                          jpre.transform(android))


def test_a_phones_imei_meid_and_iccid_are_no_magnitudes(tmp_path: Path) -> None:
    # What was wrong: Intune's IMEI (export 'IMEI', Graph's "imei": 15 digits, some with a leading
    # zero) was min-max scaled as a number: explain named 'imei=21330536901230' (the device's
    # 021330536901230) among the top reasons of every flagged phone, and a new phone's IMEI lay
    # anywhere in the training range. IMEI, MEID, ICCID and IMSI are dropped as identifiers.
    import numpy as np
    import pandas as pd

    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.ingest import read_table

    rng = np.random.default_rng(0)
    imeis = [f"0{rng.integers(10**13, 10**14)}" if i % 2 else f"35{rng.integers(10**12, 10**13)}"
             for i in range(200)]
    export = tmp_path / "devices.csv"
    export.write_text('"Device name","OS","IMEI","MEID","ICCID","Compliance"\n' + "".join(
        f'"phone-{i}","iOS","{imei}","","{8901260000000000000 + i}","Compliant"\n'
        for i, imei in enumerate(imeis)), encoding="utf-8")
    pre = TabularPreprocessor().fit(read_table(export))
    assert [pre.roles_[c] for c in ("IMEI", "MEID", "ICCID")] == ["drop"] * 3, pre.reasons_
    graph = pd.DataFrame({"deviceName": [f"phone-{i}" for i in range(200)], "imei": imeis,
                          "network.imsi": [f"31041{i % 7:010d}" for i in range(200)],
                          "operatingSystem": "iOS"})
    gpre = TabularPreprocessor().fit(graph)
    assert gpre.roles_["imei"] == gpre.roles_["network.imsi"] == "drop", gpre.reasons_


def test_an_osquery_snapshot_or_batch_line_is_refused_with_its_recipe(tmp_path: Path) -> None:
    # What was wrong: osquery's snapshot log (osqueryd.snapshots.log: {"snapshot": [...rows...],
    # "action": "snapshot", ...}) and its batch lines ({"diffResults": {"added": [...], "removed":
    # [...]}, ...}) were read a line a row, the host's whole result set one text category (every
    # changed one unseen), none of its rows' fields a column; a hint spoke of Sentinel's KQL.
    import shutil
    import subprocess

    from hourglass.errors import InputError
    from hourglass.ingest import read_table
    from hourglass.ingest.tables import document_refusal

    envelope = {"name": "pack_mdm_disk_encryption", "hostIdentifier": "MBP-0001.corp.contoso.com",
                "calendarTime": "Fri Mar  1 08:00:00 2024 UTC", "unixTime": 1709280000, "epoch": 0,
                "counter": 3, "numerics": False, "decorations": {"host_uuid": "564D0001"}}
    rows = [{"name": "/dev/disk3s1", "encrypted": "1", "type": "APFS Encryption"},
            {"name": "/dev/disk3s5", "encrypted": "0", "type": ""}]
    snapshot = {"snapshot": rows, "action": "snapshot", **envelope}
    batch = {"diffResults": {"added": rows[:1], "removed": rows[1:]}, **envelope}
    for line, start in ((snapshot, "an osquery snapshot (its rows under snapshot"),
                        (batch, "an osquery batch of differential results")):
        path = tmp_path / "osqueryd.log"
        path.write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
        for skip in ("error", "skip"):
            with pytest.raises(InputError) as err:
                read_table(path, on_bad_rows=skip)
            assert str(err.value).startswith(f"{path}: line 1: {start}"), str(err.value)
        said = document_refusal(line)  # (stream's check of each line)
        assert said is not None and said.startswith(start)
        jq = shutil.which("jq")
        if jq is not None:  # the recipe writes the differential lines' shape
            recipe = said[said.index("(jq -c '") + 8:-2]
            out = subprocess.run([jq, "-c", recipe], input=json.dumps(line), capture_output=True,
                                 text=True, check=True).stdout
            lines = tmp_path / "rows.jsonl"
            lines.write_text(out)
            df = read_table(lines)
            assert len(df) == 2 and list(df["columns.encrypted"]) == ["1", "0"], df
    # a differential line, and an event with a field named snapshot, are rows
    diff = tmp_path / "results.jsonl"
    diff.write_text(json.dumps({**envelope, "columns": rows[0], "action": "added"}) + "\n"
                    + json.dumps({"snapshot": "vm-snap-1", "action": "snapshot", "user": "a"}) + "\n")
    assert len(read_table(diff)) == 2


def test_a_managed_devices_name_and_user_go_to_ecs() -> None:
    # What was wrong: an ECS alert of a model of Intune's managed devices named the device's user
    # (userPrincipalName) but no host: deviceName (the export's 'Device name', Defender's
    # DeviceName), osquery's hostIdentifier and a Jamf Pro webhook's event.computer.deviceName
    # went to no ECS field, nor did the admin of an Intune audit event (actor.userPrincipalName,
    # the entity of a per-admin model: its alert for a night's wipe burst named no user.name).
    from hourglass.serve.ecs import ecs_named, ecs_target

    names = {"deviceName": "host.name", "Device name": "host.name", "DeviceName": "host.name",
             "hostIdentifier": "host.name", "event.computer.deviceName": "host.name",
             "actor.userPrincipalName": "user.name", "Primary user UPN": "user.name",
             "event.computer.username": "user.name"}
    assert {k: ecs_target(k) for k in names} == names
    device = {"deviceName": "DESKTOP-4001", "userPrincipalName": "ann@contoso.com",
              "osVersion": "10.0.22631.3155", "complianceState": "noncompliant"}
    assert ecs_named(device) == {"deviceName": "DESKTOP-4001", "userPrincipalName": "ann@contoso.com"}


def test_a_jamf_webhooks_jss_id_is_no_magnitude(tmp_path: Path) -> None:
    # What was wrong: a Jamf Pro webhook's event.computer.jssID (the computer's number in Jamf's
    # inventory: 60 computers, ids 1 to 60) was min-max scaled as a magnitude beside the same
    # computer's serial number and UDID (hashed), so a newly enrolled Mac (jssID 61) lay past the
    # training range and computer 42 was 'near' 43. It is a code (categories, hashed past 50).
    import numpy as np

    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.ingest import read_table

    def checkin(i: int, jss: int) -> dict[str, object]:
        return {"webhook": {"id": 3, "name": "Computer Check-In", "webhookEvent": "ComputerCheckIn",
                            "eventTimestamp": 1709280000000 + 60000 * i},
                "event": {"computer": {"deviceName": f"MBP-{jss:04d}", "jssID": jss,
                                       "model": "MacBookPro18,3", "osBuild": "23D60", "osVersion": "14.3.1",
                                       "serialNumber": f"C02X{jss:08d}", "username": f"user{jss}"},
                          "trigger": "CLIENT_CHECKIN", "username": f"user{jss}"}}

    path = tmp_path / "jamf.jsonl"
    path.write_text("".join(json.dumps(checkin(i, 1 + i % 60)) + "\n" for i in range(600)))
    train = read_table(path)
    pre = TabularPreprocessor().fit(train)
    assert pre.roles_["event.computer.jssID"] == "hash", pre.reasons_["event.computer.jssID"]
    assert pre.reasons_["event.computer.jssID"].startswith("Jamf Pro's inventory id")
    # a new computer's id is one hashed value, not a magnitude past the training range
    new = train.head(1).assign(**{"event.computer.jssID": 6100})
    assert np.abs(pre.transform(new)).max() <= 1.0
    # a row's own id (each a new number) is no code
    rows = train.assign(**{"event.computer.jssID": np.arange(600)})
    assert TabularPreprocessor().fit(rows).roles_["event.computer.jssID"] == "numeric"
