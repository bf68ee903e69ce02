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
from typer.testing import CliRunner

from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest.formats import get_format

runner = CliRunner()
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
