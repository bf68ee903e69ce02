"""Log and Windows-event workflows as a first-time user runs them: each case was a silently wrong
result, a traceback or a misleading message before."""

from __future__ import annotations

import pandas as pd

from hourglass.features import EventSessions
from hourglass.ingest.logs import LogParser


def _windows_messages() -> list[str]:
    """Windows event ``Message`` texts as exports carry them: several lines, tabs, CRLF."""
    out = []
    for i in range(12):
        out.append(f"An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-5-18"
                   f"\r\n\tLogon ID:\t\t0x{i + 999:x}\r\n\r\nLogon Type:\t\t{3 + i % 2}")
        out.append(f"Process accessed:\r\nRuleName: -\r\nSourceProcessId: {100 + i}\r\n"
                   f"TargetImage: C:\\Windows\\system32\\lsass.exe")
        out.append(f"Image loaded:\r\nImage: C:\\Windows\\System32\\ntdll.dll\r\nProcessId: {200 + i}")
    return out


def test_multi_line_messages_of_an_event_table_are_mined_not_dropped() -> None:
    msgs = _windows_messages()
    parser = LogParser("raw").fit(msgs)
    assert parser.stats_.parsed == len(msgs) and parser.stats_.unmatched == 0
    assert len(parser.templates()) == 3
    template = next(t for t in parser.templates().values() if t.startswith("Image loaded:"))
    assert LogParser.parameters(template, msgs[2]) == ["200"]
    df = pd.DataFrame({"host": ["ws1", "ws2"] * 18, "msg": msgs})
    pre = EventSessions(session_column="host", message_column="msg").fit(df)
    s = pre.sessions(df)
    assert s.stats["parsed"] == len(msgs) and sum(len(x) for x in s.sequences) == len(msgs)
    assert len(pre.templates()) == 3
