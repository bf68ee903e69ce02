"""PowerShell telemetry (script block and module logging, the classic Windows PowerShell log,
transcripts) read by the table, entity and log models: regression tests of the defects fixed."""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest.formats import get_format, sniff_format
from tests._cli import one_line_error

_OPERATIONAL = "Microsoft-Windows-PowerShell/Operational"


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _script_blocks(n_sessions: int, seed: int = 0) -> list[dict[str, Any]]:
    """4104/4105/4106 events as OTRF/Mordor's NXLog export writes them: each script block's id in
    its three events, each session's runspace id in its 4105/4106."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for s in range(n_sessions):
        host, runspace = f"WS{s % 3}.corp.local", _guid(rng)
        for k in range(4):
            block, when = _guid(rng), f"2024-03-04T08:{s % 60:02d}:{k:02d}.000Z"
            common = {"SourceName": "Microsoft-Windows-PowerShell", "Channel": _OPERATIONAL,
                      "Hostname": host, "@timestamp": when, "Level": "5", "ScriptBlockId": block}
            rows.append({**common, "EventID": 4104, "Task": "2", "MessageNumber": "1",
                         "MessageTotal": "1", "ScriptBlockText": ["prompt", "Get-Process"][k % 2]})
            rows.append({**common, "EventID": 4105, "Task": "102", "RunspaceId": runspace})
            rows.append({**common, "EventID": 4106, "Task": "103", "RunspaceId": runspace})
    return rows


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_powershell_script_block_and_runspace_guids_are_no_categories() -> None:
    # What was wrong: a script block's and a runspace's GUIDs (4104/4105/4106's ScriptBlockId,
    # RunspaceId), repeated in a block's three events, were one-hot as 'text values' (50 and 12
    # categories of 150 rows): every new script block or session an unseen category.
    df = pd.DataFrame(_script_blocks(12))
    pre = TabularPreprocessor(roles=get_format("windows-json").roles).fit(df)
    assert pre.roles_["ScriptBlockId"] == pre.roles_["RunspaceId"] == "drop"
    assert not [f for f in pre.feature_names_ if "Id=" in f or f.startswith(("ScriptBlockId", "RunspaceId"))]
    from hourglass.ingest.winlogbeat import WINLOGBEAT_ROLES

    for col in ("winlog.event_data.ScriptBlockId", "winlog.event_data.RunspaceId",
                "powershell.file.script_block_id", "powershell.runspace_id"):
        assert WINLOGBEAT_ROLES[col] == "drop", col


def test_winlogbeat_powershell_counters_are_no_magnitudes() -> None:
    # What was wrong: Winlogbeat's PowerShell module writes the classic log's SequenceNumber as
    # event.sequence and a runspace's pipeline number as powershell.pipeline_id, both counters; they
    # were min-max scaled, so a console open all day (sequence 4000, pipeline 300) scored 860 vs
    # a threshold of 0.012 in every one of its normal events.
    from hourglass.ingest.winlogbeat import WINLOGBEAT_ROLES

    rng = random.Random(0)
    rows = [{"winlog.event_id": "800", "winlog.channel": "Windows PowerShell",
             "event.sequence": 10 + i, "powershell.pipeline_id": str(1 + i % 9),
             "powershell.command.value": rng.choice(["Get-Process", "Out-Default"]),
             "process.command_line": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"}
            for i in range(60)]
    pre = TabularPreprocessor(roles=WINLOGBEAT_ROLES).fit(pd.DataFrame(rows))
    assert pre.roles_["event.sequence"] == pre.roles_["powershell.pipeline_id"] == "drop"
    later = pd.DataFrame([{**rows[0], "event.sequence": 4000, "powershell.pipeline_id": "300"}])
    np.testing.assert_array_equal(pre.transform(later), pre.transform(pd.DataFrame(rows[:1])))


def _classic_400(app: str, i: int) -> dict[str, Any]:
    """A 'Windows PowerShell' log's 400 record as the evtx parser gives it (evtx_dump -o jsonl)."""
    host = "ConsoleHost" if "powershell" in app.lower() else "ServerRemoteHost"
    details = "\r\n".join((
        "\tNewEngineState=Available", "\tPreviousEngineState=None", "", f"\tSequenceNumber={9 + i}", "",
        f"\tHostName={host}", "\tHostVersion=5.1.19041.1", f"\tHostId={uuid.UUID(int=i)}",
        f"\tHostApplication={app}", "\tEngineVersion=5.1.19041.1", f"\tRunspaceId={uuid.UUID(int=i + 7)}",
        "\tPipelineId=", "\tCommandName=", "\tCommandType=", "\tScriptName=", "\tCommandPath=",
        "\tCommandLine="))
    return {"Event": {"System": {
        "Provider": {"#attributes": {"Name": "PowerShell"}},
        "EventID": {"#attributes": {"Qualifiers": 0}, "#text": 400}, "Level": 4, "Task": 4,
        "TimeCreated": {"#attributes": {"SystemTime": f"2024-03-04T08:{i % 60:02d}:00.000000Z"}},
        "EventRecordID": 1000 + i, "Channel": "Windows PowerShell", "Computer": "WS01.corp.local"},
        "EventData": {"Data": {"#text": ["Available", "None", details]}}}}


def test_powershell_host_application_is_read_from_the_event_text() -> None:
    # What was wrong: the classic log's 400/800 and module logging's 4103 write the host
    # application (powershell.exe -enc ..., or winword.exe for a macro's PowerShell) only inside a
    # text of 'Key=Value' lines, near-unique for its sequence number and GUIDs and so dropped: a
    # planted '-enc' and a WINWORD.EXE host scored 0.0012 and 0.0023, below the threshold.
    from hourglass.ingest.evtx import flatten_event

    ps = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
    rows = [flatten_event(_classic_400([ps, "C:\\Windows\\system32\\wsmprovhost.exe -Embedding"][i % 2], i))
            for i in range(60)]
    assert {r["HostApplication"] for r in rows} == {ps, "C:\\Windows\\system32\\wsmprovhost.exe -Embedding"}
    assert rows[0]["PSHostName"] == "ConsoleHost" and "ScriptName" not in rows[0]
    assert "HostName" not in rows[0]  # (the computer's name elsewhere: an alert's host.name)
    assert not {"SequenceNumber", "HostId", "RunspaceId"} & set(rows[0])
    pre = TabularPreprocessor(roles=get_format("evtx").roles).fit(pd.DataFrame(rows))
    assert pre.roles_["HostApplication"] == "categorical"
    word = flatten_event(_classic_400('"C:\\Program Files\\Microsoft Office\\Office16\\WINWORD.EXE" /n', 61))
    assert np.abs(pre.transform(pd.DataFrame([word])) - pre.transform(pd.DataFrame(rows[:1]))).sum() > 0
    # module logging's context (4103's ContextInfo), as the parser gives it
    temp = "C:\\Users\\bob\\AppData\\Local\\Temp\\a.ps1"
    ctx = ("        Severity = Informational\r\n        Host Name = ConsoleHost\r\n"
           f"        Host Application = powershell.exe -ep bypass -f {temp}\r\n"
           f"        Script Name = {temp}\r\n        Sequence Number = 1234\r\n")
    provider = {"#attributes": {"Name": "Microsoft-Windows-PowerShell"}}
    row = flatten_event({"Event": {"System": {"Provider": provider, "EventID": 4103, "Channel": _OPERATIONAL},
                                   "EventData": {"ContextInfo": ctx, "UserData": None, "Payload": "x"}}})
    assert row["HostApplication"].startswith("powershell.exe -ep bypass")
    assert row["ScriptName"] == "C:\\Users\\bob\\AppData\\Local\\Temp\\a.ps1"
    # an alert names the computer as host.name, the host application as the process's command line
    from hourglass.serve.ecs import ecs_target

    assert ecs_target("PSHostName", "evtx") is None and ecs_target("Computer", "evtx") == "host.name"
    assert ecs_target("HostApplication", "evtx") == "process.command_line"


def _transcript(n: int, *, version: str = "Windows PowerShell") -> str:
    """A transcript as Start-Transcript and the transcription policy write it (CR LF lines)."""
    lines = ["**********************", f"{version} transcript start", f"Start time: 2024030408{n:02d}00",
             "Username: CORP\\alice", "RunAs User: CORP\\alice", "Configuration Name: ",
             "Machine: WS01 (Microsoft Windows NT 10.0.19045.0)",
             "Host Application: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
             f"Process ID: {4000 + n}", "PSVersion: 5.1.19041.3031", "**********************",
             "PS C:\\Users\\alice> Get-Process", "", "Handles  NPM(K)    PM(K)", "",
             "**********************", "Windows PowerShell transcript end", "End time: 20240304091500",
             "**********************"]
    return "\r\n".join(lines) + "\r\n"


def test_a_powershell_transcript_is_refused_not_trained_on_as_a_csv(tmp_path: Path) -> None:
    # What was wrong: a PowerShell transcript (PowerShell_transcript.WS01....txt) was read as a
    # CSV of one column named '**********************', its header, commands and output lines
    # 30 one-hot features, and a table model was trained and saved on them without a word.
    one = tmp_path / "PowerShell_transcript.WS01.AbCdEfGh.20240304080000.txt"
    one.write_text(_transcript(0), encoding="utf-8-sig")
    one_line_error(["train", str(one), "-o", str(tmp_path / "m")], "a PowerShell transcript", tmp_path / "m")
    seven = tmp_path / "PowerShell_transcript.WS01.00000001.20240304080000.txt"
    seven.write_text(_transcript(1, version="PowerShell"))  # PowerShell 7's words
    with pytest.raises(InputError, match="a PowerShell transcript"):
        sniff_format(seven)


def test_a_keywords_column_written_one_way_is_not_said_to_be_written_two(
        caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: every PowerShell export's Keywords is '0x0' (Operational) or
    # '0x80000000000000' (classic) throughout; training said it held 'values written more than one
    # way' and each score 'values written another way than in training', both files written alike.
    import logging

    from hourglass import AutoEncoder, Pipeline
    from hourglass.cli._schema import in_one_form

    spec = get_format("windows-json")
    rows = pd.DataFrame({"EventID": [4104, 4105] * 20, "Keywords": ["0x0"] * 40, "Level": ["5"] * 40})
    with caplog.at_level(logging.INFO, logger="hourglass"):
        read = in_one_form(rows, "ps.jsonl", None, spec)
        pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(read)
        pipe.info.update(dataset="windows-json", windows_forms="one")
        pipe.score(rows)
    assert "way" not in caplog.text
    mixed = rows.assign(Keywords=["0x0", 0] * 20)  # NXLog's 0 beside 0x0: two ways, said
    with caplog.at_level(logging.INFO, logger="hourglass"):
        in_one_form(mixed, "ps.jsonl", None, spec)
        pipe.score(mixed)
    assert caplog.text.count("Keywords: values written more than one way") == 2


def test_get_winevent_export_record_and_process_ids_are_no_magnitudes() -> None:
    # What was wrong: PowerShell's own export of its log (Get-WinEvent | Export-Csv) read its
    # RecordId, ProcessId and ThreadId as magnitudes (min-max scaled, a warning only), so the next
    # day's normal 4104 events, their record numbers past training, were 335 of 400 flagged.
    rng = random.Random(0)
    rows = [{"Id": 4104, "Level": 5, "Task": 2, "RecordId": 9000 + i,
             "ProviderName": "Microsoft-Windows-PowerShell", "LogName": _OPERATIONAL,
             "ProcessId": 4000 + i // 20, "ThreadId": 4007 + i // 20,
             "MachineName": "WS01.corp.local", "TimeCreated": f"3/4/2024 8:{i % 60:02d}:00 AM",
             "ActivityId": "{" + _guid(rng).upper() + "}", "TaskDisplayName": "Execute a Remote Command"}
            for i in range(120)]
    pre = TabularPreprocessor().fit(pd.DataFrame(rows))
    for col in ("RecordId", "ProcessId", "ThreadId", "ActivityId"):
        assert pre.roles_[col] == "drop", col
    later = pd.DataFrame([{**rows[0], "RecordId": 9520, "ProcessId": 7000, "ThreadId": 7007}])
    np.testing.assert_array_equal(pre.transform(later), pre.transform(pd.DataFrame(rows[:1])))
    # a record number in a table of another kind is read as before
    other = TabularPreprocessor().fit(pd.DataFrame({"RecordId": range(60), "bytes": range(0, 600, 10)}))
    assert other.roles_["RecordId"] == "numeric"


def test_splunk_wineventlog_record_number_is_no_magnitude() -> None:
    # What was wrong: a Splunk export of PowerShell events (sourcetype WinEventLog: EventCode,
    # LogName, ComputerName, RecordNumber ...) read RecordNumber as a magnitude, so the next day's
    # normal events, their record numbers past training, were 288 of 300 flagged.
    rows = [{"_time": f"2024-03-04T08:{i % 60:02d}:00.000+0000", "sourcetype": "WinEventLog",
             "EventCode": 4104, "LogName": _OPERATIONAL, "ComputerName": "WS01.corp.local",
             "RecordNumber": 5000 + i, "ScriptBlockText": ["prompt", "Get-Process"][i % 2]}
            for i in range(120)]
    pre = TabularPreprocessor().fit(pd.DataFrame(rows))
    assert pre.roles_["RecordNumber"] == "drop"
    later = pd.DataFrame([{**rows[0], "RecordNumber": 5300}])
    np.testing.assert_array_equal(pre.transform(later), pre.transform(pd.DataFrame(rows[:1])))
