"""Review round 56 (perf56): hot paths that earlier fixes slowed down, made cheap again with the
same results. Each test pins the behaviour (not a timing) and the cheaper road taken."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_jsonl_reader_notes_plain_beside_fields_from_the_frames_keys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: reading JSON lines gathered the union of every row's keys a second time
    # (a Python loop over every row, ~3% of reading a 50 MB file) to find keys sent as a plain
    # value beside dotted fields, though pandas had just gathered the same union as the records
    # frame's columns; read_table of JSON lines was ~10% slower than at ecc74e96 with it and the
    # depth check. Now the frame's columns are handed on; the rows noted stay the same, chunk by
    # chunk (row numbers across chunks). A key holding a lone surrogate is now noted escaped, as
    # its column is named (it was noted raw, a name no column has, so that row read as nested).
    from hourglass.ingest import ReadStats, read_table, tables

    given: list[Any] = []
    note = tables._note_plain_beside_fields

    def spy(rows: list[dict[str, Any]], handed: int, stats: ReadStats, keys: Any = None) -> None:
        given.append(keys)
        note(rows, handed, stats, keys)

    monkeypatch.setattr(tables, "_note_plain_beside_fields", spy)
    rows = [{"a": 1}, {"a": None, "a.x": 1}, {"a": {"x": 2}}, {"a": 3, "a.x": 4}]
    stats = ReadStats()
    df = read_table(_jsonl(tmp_path / "rows.jsonl", rows), stats=stats)
    assert stats.plain_beside_fields == {"a": [1, 3]}
    assert len(df) == 4
    assert given and all(sorted(k) == ["a", "a.x"] for k in given)  # the frame's keys, handed on

    stats = ReadStats()  # one row a chunk: row numbers count the rows handed before
    chunks = list(tables._iter_jsonl_lines(tmp_path / "rows.jsonl", on_bad_rows="error", stats=stats,
                                           chunk_bytes=1))
    assert len(chunks) == 4 and stats.plain_beside_fields == {"a": [1, 3]}

    # a key holding a lone surrogate: the rows are rebuilt with it escaped, as the column is named
    (tmp_path / "s.jsonl").write_text('{"k\\ud83d": 1}\n{"k\\ud83d": null, "k\\ud83d.x": 2}\n',
                                      encoding="utf-8")
    stats = ReadStats()
    df = read_table(tmp_path / "s.jsonl", stats=stats)
    assert list(stats.plain_beside_fields) == ["k\\ud83d"] and "k\\ud83d" in df.columns
    assert stats.plain_beside_fields["k\\ud83d"] == [1]

    # without keys the function still gathers them itself
    stats = ReadStats()
    note(rows, 10, stats)
    assert stats.plain_beside_fields == {"a": [11, 13]}


def test_loads_json_checks_depth_only_past_the_bracket_count(monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: loads_json, run on every line of a JSON-lines file, called check_json_depth
    # for each (a second call a line) even where the line holds too few brackets to nest deeper
    # than the limit. Now it counts them itself and calls the walk only past the limit: the same
    # answers (deep text refused with RecursionError, str and bytes alike), a call less a line.
    from hourglass import _limits

    calls: list[object] = []
    walk = _limits.check_json_depth

    def spy(text: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(text)
        walk(text, *args, **kwargs)

    monkeypatch.setattr(_limits, "check_json_depth", spy)
    assert _limits.loads_json('{"a": [1, {"b": "[[[["}]}') == {"a": [1, {"b": "[[[["}]}
    assert _limits.loads_json(b'{"a": [1, 2]}') == {"a": [1, 2]}
    assert calls == []  # shallow lines: no walk
    deep = "[" * (_limits.MAX_JSON_DEPTH + 1) + "]" * (_limits.MAX_JSON_DEPTH + 1)
    for text in (deep, deep.encode()):
        with pytest.raises(RecursionError, match=f"deeper than {_limits.MAX_JSON_DEPTH} levels"):
            _limits.loads_json(text)
    # many brackets, none deep (strings hold the rest): walked, and read
    wide = json.dumps({"v": [[1]] * (_limits.MAX_JSON_DEPTH + 5)})
    assert len(_limits.loads_json(wide)["v"]) == _limits.MAX_JSON_DEPTH + 5
    assert len(calls) == 3
