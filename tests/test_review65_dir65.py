"""Directory-service telemetry (Active Directory Security events, Kerberos, LDAP): edge cases
of valid input as a domain controller's logs write it."""

from __future__ import annotations

from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs


def test_an_ipv4_mapped_kerberos_client_is_its_ipv4_address_in_ecs() -> None:
    # What was wrong: a Kerberos event's client ::ffff:10.0.9.99 (4768/4769/4771) went to the ECS
    # alert's source.ip and related.ip as '::ffff:a00:963', an address no analyst or search for
    # 10.0.9.99 finds; it is now 10.0.9.99, as the features read it and Winlogbeat writes it.
    fields = {"winlog.event_data.IpAddress": "::ffff:10.0.9.99", "winlog.event_data.IpPort": "59789"}
    doc = to_ecs({"row": 3, "score": 2.0}, AlertRule("ae", "id"), fields=fields)
    assert doc["source"] == {"ip": "10.0.9.99", "port": 59789}
    assert doc["related"]["ip"] == ["10.0.9.99"]
    assert ecs_named({"IpAddress": "::FFFF:10.0.0.5"}) == {"IpAddress": "::FFFF:10.0.0.5"}
    entity = to_ecs({"entity": "::ffff:10.0.9.99", "bucket_start": "2026-12-01T09:30:00+00:00",
                     "bucket_end": "2026-12-01T09:35:00+00:00", "rows": 53, "score": 6.7},
                    AlertRule("ae", "id", input="entity", entity_field="IpAddress"))
    assert entity["source"]["ip"] == "10.0.9.99"
    assert entity["hourglass"]["entity"] == "::ffff:10.0.9.99"
    # an IPv6 client stays as written
    assert to_ecs({"row": 0, "score": 1.0}, AlertRule("ae", "id"),
                  fields={"IpAddress": "2001:db8::5"})["source"]["ip"] == "2001:db8::5"


def test_windows_powershell_convertto_json_times_read_as_times(tmp_path) -> None:
    # What was wrong: Get-WinEvent | ConvertTo-Json on Windows PowerShell 5.1 (a domain
    # controller's own shell) writes TimeCreated as "\/Date(1796112001317)\/", and
    # --timestamp-col TimeCreated stopped with 'line 1 is not a timestamp'; it reads as its time.
    import json

    import pandas as pd
    import pytest

    from hourglass._times import parse_timestamps
    from hourglass.errors import InputError
    from hourglass.ingest import read_table

    path = tmp_path / "security.jsonl"
    path.write_text('{"Id": 4769, "TimeCreated": "\\/Date(1796112001317)\\/"}\n'
                    '{"Id": 4769, "TimeCreated": "\\/Date(1796112061000+0100)\\/"}\n')
    assert json.loads(path.read_text().splitlines()[0])["TimeCreated"] == "/Date(1796112001317)/"
    ts = parse_timestamps(read_table(path)["TimeCreated"], "TimeCreated")
    assert ts.tolist() == [pd.Timestamp("2026-12-01 08:00:01.317"), pd.Timestamp("2026-12-01 08:01:01")]
    with pytest.raises(InputError, match=r"row 2 is not a timestamp \('2026-12-01'; the column "
                                         r"holds \.NET dates"):
        parse_timestamps(pd.Series(["/Date(1796112001317)/", "2026-12-01"]), "TimeCreated")


def test_a_netbios_domain_of_digits_and_letters_is_no_number_with_a_unit() -> None:
    # What was wrong: a domain controller's Security log whose NetBIOS domain is '3B' (the
    # EVTX-ATTACK-SAMPLES password spray's) made train and inspect warn that SubjectDomainName
    # 'holds numbers with a unit (e.g. '3B')' and to write the numbers alone; one value
    # throughout is no reading (as a number a constant), so nothing is said of it.
    import pandas as pd

    from hourglass.features.roles import separated_warning

    domain = pd.Series(["3B", None, "3B", "3B"])
    assert separated_warning("SubjectDomainName", domain, "categorical", "text values") is None
    assert separated_warning("Vendor", pd.Series(["3COM"] * 5), "categorical", "text values") is None
    said = separated_warning("volts", pd.Series(["230V", "231", "229V"]), "categorical", "text values")
    assert said is not None and "numbers with a unit (e.g. '230V')" in said  # readings still said


def test_an_entity_model_keyed_on_ipaddress_names_a_kerberos_client_once() -> None:
    # What was wrong: --entity-col IpAddress split each client in two, '::ffff:10.0.1.41' of its
    # Kerberos events (4768/4769/4771) and '10.0.1.41' of its logons (4624/4625): 67 entities for
    # 33 hosts, each with half its history; a new fit names the IPv4-mapped one as its IPv4
    # address, and a model saved before still compares them as written.
    import pandas as pd

    from hourglass.features.entity import EntityWindows

    df = pd.DataFrame({"IpAddress": ["::ffff:10.0.1.41", "10.0.1.41", "::ffff:10.0.1.41", "10.0.1.7", None],
                       "ts": [0, 10, 20, 30, 40], "EventID": [4769, 4624, 4769, 4624, 4624]})
    ew = EntityWindows("IpAddress", "ts", bucket="5min").fit(df)
    agg = ew.aggregate(df)
    assert sorted(zip(agg["entity"], agg["rows"], strict=True)) == [
        ("10.0.1.41", 3), ("10.0.1.7", 1), ("<missing>", 1)]
    again = EntityWindows.from_dict(ew.to_dict())
    assert again.aggregate(df)["entity"].tolist() == agg["entity"].tolist()
    state = ew.to_dict()
    del state["entity_ip_form"]  # as a model saved before wrote it
    old = EntityWindows.from_dict(state).aggregate(df)
    assert sorted(old["entity"]) == ["10.0.1.41", "10.0.1.7", "::ffff:10.0.1.41", "<missing>"]


def test_an_explanation_quotes_a_windows_sid_whole_with_its_rid() -> None:
    # What was wrong: explain, stream --explain and the ECS alert's message cut a value after 40
    # characters, so every account SID of a domain read 'S-1-5-21-3623811015-3361044348-30300820…',
    # its RID (-1115: which account) cut off; a SID is now quoted whole, other long values still cut.
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder
    from hourglass.explain import explain_rows
    from hourglass.features import TabularPreprocessor

    dom = "S-1-5-21-3623811015-3361044348-30300820"
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"TargetUserSid": [f"{dom}-{1100 + i % 5}" for i in range(200)],
                          "Status": rng.choice(["0x0", "0x18"], 200, p=[0.95, 0.05])})
    pipe = Pipeline(AutoEncoder(hidden=(4,), epochs=2, verbose=0),
                    features=TabularPreprocessor()).fit(train)
    row = pd.DataFrame({"TargetUserSid": [f"{dom}-500"], "Status": ["0x18"]})
    why = explain_rows(pipe, row, top=2, method="reconstruction")["why"].iloc[0]
    assert f"TargetUserSid={dom}-500 (" in why


def test_a_sharphound_collection_file_is_refused_with_its_recipe(tmp_path) -> None:
    # What was wrong: SharpHound's 20261201_users.json ({"data": [...], "meta": {"type": "users"}},
    # one line) read as one row, and train stopped with 'AutoEncoder: 1 training row; fitting needs
    # at least 2'; it is refused naming what it is and jq -c '.data[]', as other documents are.
    import json

    import pytest

    from hourglass.errors import InputError
    from hourglass.ingest import read_table

    users = [{"Properties": {"samaccountname": f"user{i}", "hasspn": i == 3, "dontreqpreauth": False},
              "ObjectIdentifier": f"S-1-5-21-3623811015-3361044348-30300820-{1100 + i}", "Aces": []}
             for i in range(5)]
    doc = {"data": users, "meta": {"methods": 46067, "type": "users", "count": 5, "version": 5}}
    for name, text in (("20261201_users.json", json.dumps(doc)), ("pretty.json", json.dumps(doc, indent=2))):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(InputError, match=r"line 1: a BloodHound collection file .*"
                                             r"jq -c '\.data\[\]' FILE > \w+\.jsonl\)"):
            read_table(path)
    lines = tmp_path / "users.jsonl"
    lines.write_text("".join(json.dumps(u) + "\n" for u in users))
    assert len(read_table(lines)) == 5


def test_a_get_winevent_exports_version_is_a_code_as_the_evtx_reader_reads_it() -> None:
    # What was wrong: Get-WinEvent | Export-Csv (or ConvertTo-Json) of a DC's Security log gives
    # each event's Version (4624 version 2, 4768 and 4769 version 0) beside its Id, and it was
    # learnt as a magnitude ('numeric values'), where the .evtx reader of the same log reads it as
    # a category; beside an EventID or such an Id it is a Windows event code now.
    import pandas as pd

    from hourglass.features.roles import infer_role

    names = ["Id", "Version", "Level", "Task", "ProviderName", "TimeCreated", "MachineName"]
    version = pd.Series([2, 0, 0, 2, 1] * 20)
    role, why = infer_role("Version", version, max_categories=50, columns=names)
    assert (role, why) == ("categorical", "Windows event version (of the schema of the EventID beside it)")
    assert infer_role("Version", version.astype(str), max_categories=50, columns=names)[0] == "categorical"
    # a version beside no event id (a software inventory's) is a release, no Windows event's
    role, why = infer_role("Version", version, max_categories=50, columns=["Name", "Version"])
    assert role == "categorical" and why.startswith("version (a release")


def test_an_ecs_alert_names_the_domain_of_a_windows_account() -> None:
    # What was wrong: an ECS alert of a Windows logon named user.target.name 'Administrator' and
    # left its TargetDomainName (PARTNER, a trusted domain) under hourglass.fields, so a SIEM rule
    # or analyst saw a bare account name; SubjectDomainName and TargetDomainName now go to
    # user.domain and user.target.domain (Winlogbeat's names too), never to related.hosts.
    fields = {"EventID": 4624, "SubjectUserName": "-", "SubjectDomainName": "-",
              "TargetUserName": "Administrator", "TargetDomainName": "PARTNER", "IpAddress": "10.0.0.5"}
    doc = to_ecs({"row": 1, "score": 2.0}, AlertRule("ae", "id", data_format="windows-json"), fields=fields)
    assert doc["user"] == {"target": {"name": "Administrator", "domain": "PARTNER"}}
    assert "PARTNER" not in doc["related"].get("hosts", [])
    assert "TargetDomainName" not in doc["hourglass"].get("fields", {})
    beat = {"winlog.event_data.SubjectUserName": "mallory", "winlog.event_data.SubjectDomainName": "CORP"}
    doc = to_ecs({"row": 2, "score": 2.0}, AlertRule("ae", "id", data_format="winlogbeat"), fields=beat)
    assert doc["user"] == {"name": "mallory", "domain": "CORP"}
    assert ecs_named(beat, "winlogbeat") == beat
