"""Review round 55 (left55b): items this round's reviewers noticed and left alone, decided on
evidence."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd


def test_json_outputs_write_text_as_utf8_not_u_escapes(tmp_path: Path) -> None:
    # What was wrong: the JSON lines of 'score', 'explain' (-o x.jsonl) and 'stream' escaped
    # every non-ASCII character ('1.84\u00d7 normal', 'Jos\u00e9') where the service sends raw
    # UTF-8 and the README's stream example shows a literal '×': 'grep José alerts.jsonl' found
    # nothing. Both shared writers now write text as it is; a lone surrogate, which has no
    # UTF-8, is still escaped (the line stays valid UTF-8 JSON).
    from hourglass.ingest import write_table
    from hourglass.serve.sinks import JsonLinesSink, json_line

    alert = {"row": 1, "why": "disk=80 (1.84× normal)", "user": "José", "odd": "a\ud800b"}
    buf = io.BytesIO()
    JsonLinesSink(buf).write([alert])
    data = buf.getvalue()
    assert "1.84× normal".encode() in data and "José".encode() in data, data
    assert b"\\ud800" in data and json.loads(data) == alert
    assert json_line({"ué": float("nan")}) == '{"ué":null}'
    for df in (pd.DataFrame({"user": ["José"], "score": [1.5]}), pd.DataFrame({"user": ["José"]}),
               pd.DataFrame({"é": [1.5], "why": ["3× normal"]})):
        out = tmp_path / "alerts.jsonl"
        write_table(df, out)
        raw = out.read_bytes()
        assert b"\\u" not in raw and raw.decode("utf-8").isascii() is False, raw
        assert [json.loads(x) for x in raw.splitlines()] == df.to_dict("records")

