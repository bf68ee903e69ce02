"""Ordinary JSON events whose fields are named as an API page's list (``data``, ``events``)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hourglass.cli import app

runner = CliRunner()


def test_an_event_with_a_data_or_events_list_is_no_api_page(tmp_path: Path) -> None:
    # What was wrong: JSON lines of ordinary events whose fields are named as a Mimecast, Brivo or
    # Verkada page's ({"type": "login", "data": [...]}, {"count": 3, "data": [...]}, {"events":
    # [...], "page_size": 3}) were refused whole as 'a Mimecast API response' (or a Brivo or
    # Verkada page), and a pretty-printed event {"type": ..., "data": {...}} was told
    # "jq -c '.data[]'", which writes its data's values, not the event.
    from hourglass.serve.app import _search_document

    rows = ([{"type": "login", "data": [{"user": f"u{i}"}]} for i in range(4)],
            [{"count": i, "data": [{"n": i}]} for i in range(4)],
            [{"events": [{"n": i}], "page_size": 3} for i in range(4)])
    for events in rows:
        p = tmp_path / "events.jsonl"
        p.write_text("".join(json.dumps(e) + "\n" for e in events))
        result = runner.invoke(app, ["inspect", str(p)])
        assert result.exit_code == 0, result.output
        assert "4 rows" in result.output, result.output
        assert _search_document(events) is None
    pretty = tmp_path / "event.json"
    pretty.write_text(json.dumps({"type": "login", "data": {"user": "alice"}}, indent=2))
    result = runner.invoke(app, ["inspect", str(pretty)])
    assert result.exit_code == 2 and "(jq -c .)" in result.output, result.output
    # a page still is one: Mimecast's API 1.0 envelope, and a get-siem-logs file by its events
    page = tmp_path / "page.json"
    for doc in ({"meta": {"status": 200}, "data": [{"id": 1}], "fail": []},
                {"type": "MTA", "data": [{"acc": "C0A0", "aCode": "x1", "Sender": "a@b.example"}]}):
        page.write_text(json.dumps(doc))
        result = runner.invoke(app, ["inspect", str(page)])
        assert result.exit_code == 2 and "(jq -c '.data[]')" in result.output, result.output


def test_a_compressed_file_is_named_not_a_csv_error(tmp_path: Path) -> None:
    # What was wrong: the look for an access or print report's title before its header parsed a
    # file's first lines as CSV, and a bzip2 file's bytes (a carriage return inside a line) raised
    # csv.Error out of the reader: a traceback where 'bzip2-compressed data, and only gzip is read
    # directly' was said before.
    import bz2

    import pytest

    from hourglass.errors import InputError
    from hourglass.ingest.readers import read_table
    from hourglass.ingest.tables import report_header_at

    assert report_header_at([b"BZh91AY&SY\x8f\rx\n", b"Time,User,Pages\n", b"1,2,3\n"]) == 0
    p = tmp_path / "flows.csv"
    p.write_bytes(bz2.compress(b"".join(b"%d,a\r\n" % i for i in range(500))) + b"\n\rx\ny\n")
    with pytest.raises(InputError):
        read_table(p)
