"""Regression tests: backup and NAS telemetry (NetApp ONTAP audits, Synology, QNAP, Veeam)."""
from __future__ import annotations

import json

from hourglass.ingest.evtx import dump_row


def _ontap_xmltodict(second: int) -> dict:
    # a NetApp ONTAP audit record (EVTX) as python-evtx's XML through xmltodict.parse writes it:
    # attributes as '@Name' keys, not the evtx parser's '#attributes'
    return {"Event": {"@xmlns": "http://schemas.microsoft.com/win/2004/08/events/event", "System": {
        "Provider": {"@Name": "NetApp-Security-Auditing",
                     "@Guid": "{3CB2A168-FE19-4A4E-BDAD-DCF422F13473}"},
        "EventID": "4660", "EventName": "Delete Object", "Version": "101.3", "Source": "CIFS",
        "Level": "0", "Opcode": "0", "Keywords": "0x8020000000000000", "Result": "Audit Success",
        "TimeCreated": {"@SystemTime": f"2024-03-01T02:10:{second:02d}.000000Z"},
        "Correlation": None, "Channel": "Security", "Computer": "svm_cifs/corp",
        "Security": None},
        "EventData": {"Data": [{"@Name": "SubjectIP", "@IPVersion": "4", "#text": "10.9.9.9"},
                               {"@Name": "SubjectUserName", "#text": "dave"},
                               {"@Name": "ObjectName", "#text": f"(vol_fin);/finance/l{second}.xlsx"}]}}}


def test_an_xmltodict_evtx_records_time_and_provider_are_read(tmp_path) -> None:
    # What was wrong: EVTX records converted to JSON by xmltodict (attributes as '@SystemTime',
    # '@Name': a NetApp ONTAP audit so converted) were read with no time and no provider, every
    # row 'lacks' its timestamp; '@' attributes are read as the parser's '#attributes' are.
    from hourglass.ingest.tables import iter_table

    row = dump_row(_ontap_xmltodict(5))
    assert row["timestamp"] == "2024-03-01T02:10:05.000000Z"
    assert row["Provider"] == "NetApp-Security-Auditing"
    path = tmp_path / "ontap.json"
    path.write_text("".join(json.dumps(_ontap_xmltodict(i)) + "\n" for i in range(20)))
    df = next(iter_table(path, fmt="evtx"))
    assert df["timestamp"].notna().all() and set(df["Provider"]) == {"NetApp-Security-Auditing"}


def test_a_size_in_petabytes_is_read_as_bytes() -> None:
    # What was wrong: a backup or NAS capacity written in petabytes ('1.2 PB', Veeam's or a NAS
    # volume's total) was no size: one such cell among '950.5 TB' and '12.5 GB' made the column
    # text values (a category per size); PB and PiB are read as bytes like TB.
    import pandas as pd

    from hourglass._numbers import with_sizes
    from hourglass.features.roles import infer_role

    sizes = pd.Series(["12.5 GB", "950.5 TB", "1.2 PB", "3 KB", "1 PiB"] * 4)
    assert infer_role("TotalSize", sizes, max_categories=50)[0] == "numeric"
    read = with_sizes(pd.to_numeric(sizes, errors="coerce"), sizes)
    assert read.iloc[2] == 1.2 * 1024.0 ** 5 and read.iloc[4] == 1024.0 ** 5


def test_stream_reads_a_size_in_bytes_as_score_does(tmp_path) -> None:
    # What was wrong: an entity model keyed on a NAS user, trained on Synology's file transfer log
    # ('File size' as '93.25 KB', read as bytes by train and score), stopped 'stream' at its first
    # row: "field 'File size' is not a number ('93.25 Bytes')"; the stream reads sizes as score does.
    from hourglass.cli import app
    from hourglass.cli.stream_entity import EntityStream
    from hourglass.pipeline import load
    from tests._cli import runner

    units = ["Bytes", "KB", "MB", "GB"]
    lines = ["User,Time,Event,File size"] + [
        f"u{i % 3},2024/03/01 08:{i % 60:02d}:00,{'Read' if i % 4 else 'Delete'},"
        f"{1 + i % 9}.25 {units[i % 4]}" for i in range(90)]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "t.csv"), "--entity-col", "User",
                              "--timestamp-col", "Time", "--bucket", "10min", "--epochs", "1",
                              "-q", "-o", str(model)])
    assert res.exit_code == 0, res.output
    rows = [{"User": "u1", "Time": f"2024/03/02 09:0{i}:00", "Event": "Delete",
             "File size": f"{i}.5 GB"} for i in range(3)]
    stream = EntityStream(load(model))
    _, bad = stream.feed(rows, [1, 2, 3])
    assert bad == []
    out = stream.close_all()
    assert out is not None and list(out["rows"]) == [3]


def test_a_qnap_users_entity_is_the_alerts_user() -> None:
    # What was wrong: an entity model keyed on QNAP QuLog's 'Users' column (its connection log's
    # account) gave ECS alerts with no user.name and no related.user ('anomalous Users dave' only
    # in the message), where Synology's 'User' gave user.name; 'Users' is the user's name now.
    from hourglass.serve.ecs import _entity_fields, ecs_target

    assert ecs_target("Users") == "user.name"
    doc: dict = {}
    _entity_fields(doc, "Users", "dave")
    assert doc["user"] == {"name": "dave"}
