"""Regression tests: defects found in the round's own changes (sizes read as bytes, API pages)."""

from __future__ import annotations


def test_a_netbios_domain_3b_is_no_size_in_bytes() -> None:
    # What was wrong: a domain controller's Security log whose NetBIOS domain is '3B' throughout
    # (EVTX-ATTACK-SAMPLES' Kerberos spray) had SubjectDomainName read as a size, 3 bytes ('numbers
    # stored as text (sizes such as '3B' read as bytes)'), so a later event of 'NT AUTHORITY' was
    # no number; one value throughout is no size, a category as before sizes were read.
    import pandas as pd

    from hourglass.features import TabularPreprocessor
    from hourglass.features.roles import infer_role

    train = pd.DataFrame({"SubjectDomainName": ["3B", "-", "3B", "3B"] * 10,
                          "Status": ["0x0", "0x18", "0x0", "0x0"] * 10})
    assert infer_role("SubjectDomainName", train["SubjectDomainName"], max_categories=50) == (
        "categorical", "text values")
    prep = TabularPreprocessor().fit(train)
    assert prep.roles_["SubjectDomainName"] == "categorical"
    later = pd.DataFrame({"SubjectDomainName": ["NT AUTHORITY", "3B"], "Status": ["0x0", "0x0"]})
    assert prep.transform(later).shape[0] == 2
    # sizes that vary are still read as bytes (a print log's)
    sizes = pd.Series(["330 kb", "48.2 MB", "12 kb", "1 MB"] * 10)
    role, why = infer_role("Size", sizes, max_categories=50)
    assert role == "numeric" and "read as bytes" in why


def test_a_version_sent_as_text_is_the_release_a_csv_read() -> None:
    # What was wrong: a number under a version's name became a category, and a CSV reader reads
    # Ubuntu's 23.10 as the number 23.1 (category '23.1') where JSON lines, a stream or the service
    # send the text '23.10': every such host scored was an unseen release (as a number, before,
    # it read alike); a release written as a decimal now reads as the CSV's number, and a model
    # saved before reads it as written.
    import io

    import pandas as pd

    from hourglass.features import TabularPreprocessor

    csv = "host,os_version,agent\n" + "".join(
        f"h{i},{'23.10' if i % 2 else '22.04'},{'1.2' if i % 3 else '1.3'}\n" for i in range(40))
    train = pd.read_csv(io.StringIO(csv)).drop(columns=["host"])
    prep = TabularPreprocessor().fit(train)
    assert prep.roles_["os_version"] == "categorical"
    sent = pd.DataFrame({"os_version": ["23.10", "22.04"], "agent": ["1.2", "1.2"]})
    read = pd.DataFrame({"os_version": [23.1, 22.04], "agent": [1.2, 1.2]})
    assert (prep.transform(sent) == prep.transform(read)).all()
    state = prep.to_dict()
    assert state["version_text"] == ["os_version"]
    del state["version_text"]  # as a model saved before wrote it: '23.10' an unseen release
    old = TabularPreprocessor.from_dict(state)
    assert not (old.transform(sent) == old.transform(read)).all()


def test_an_ntfs_events_device_name_is_no_host_in_ecs() -> None:
    # What was wrong: a device's name as Intune names it went to host.name, and with it a Windows
    # Ntfs event's DeviceName, '\Device\HarddiskVolume4' (System log event 98): the ECS alert of an
    # evtx model named that volume its host.name, in place of the event's Computer (DC01); a
    # Windows object's path is no host, kept under hourglass.fields as before.
    from hourglass.serve.ecs import AlertRule, to_ecs

    rule = AlertRule(id="m1", name="system log", data_format="evtx")
    alert = {"row": 3, "score": 0.9, "severity": "high", "calibrated": 0.95, "top_column": "EventID",
             "why": "EventID=98"}
    fields = {"Computer": "DC01.corp.example", "EventID": 98, "DriveName": "C:",
              "DeviceName": "\\Device\\HarddiskVolume4"}
    doc = to_ecs(alert, rule, fields=fields)
    assert doc["host"] == {"name": "DC01.corp.example"}
    assert doc["related"]["hosts"] == ["DC01.corp.example"]
    assert doc["hourglass"]["fields"]["DeviceName"] == "\\Device\\HarddiskVolume4"
    intune = to_ecs(alert, rule, fields={"deviceName": "MAC-0042", "EventID": 98})
    assert intune["host"] == {"name": "MAC-0042"}  # (a device's own name still is)
