"""Review 22 (main): JSON nesting refused at one depth on every Python version, and tests that
poke a fitted module's internals pinned to the CPU so that they hold on a CUDA machine."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_check_json_depth_counts_brackets_outside_strings_only() -> None:
    from hourglass._limits import MAX_JSON_DEPTH, check_json_depth, loads_json

    check_json_depth('{"a": "' + "[" * 1000 + '"}')  # brackets in a string are text
    check_json_depth(b'{"a": "\\"' + b"{" * 1000 + b'"}')  # (after an escaped quote too)
    check_json_depth("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    for deep in ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
                 b"{" + b'"a": {' * MAX_JSON_DEPTH + b"}" * (MAX_JSON_DEPTH + 1)):
        with pytest.raises(RecursionError, match=f"deeper than {MAX_JSON_DEPTH} levels"):
            loads_json(deep)
    assert loads_json(b'[[1], {"b": "]]]"}]') == [[1], {"b": "]]]"}]


def _deep_line(levels: int) -> str:
    return '{"x": ' + "[" * levels + "]" * levels + ', "proto": "tcp"}\n'


def test_a_json_line_past_the_depth_limit_is_a_bad_line_on_every_python(tmp_path: Path) -> None:
    # Python 3.11's parser refused ~1,000 levels (a bad line); 3.12's parses deeper, and the
    # flattening of nested fields then stopped with a RecursionError traceback. 450 levels parse on
    # 3.11 too: they are refused by the same limit, as 5,000 are on 3.12.
    from hourglass.errors import InputError
    from hourglass.ingest.tables import ReadStats, iter_table

    row = '{"x": 0.5, "proto": "tcp"}\n'
    path = tmp_path / "deep.jsonl"
    path.write_text(row + _deep_line(450) + row)
    with pytest.raises(InputError, match=r"deep.jsonl: line 2: JSON nested deeper than 400 levels"):
        list(iter_table(path, fmt="jsonl"))
    stats = ReadStats()
    assert sum(len(df) for df in iter_table(path, fmt="jsonl", on_bad_rows="skip", stats=stats)) == 2
    assert stats.bad_lines == [2]


def test_a_page_of_events_past_the_depth_limit_is_refused_as_one(tmp_path: Path) -> None:
    from hourglass.errors import InputError
    from hourglass.ingest.formats import get_format

    (tmp_path / "deep.json").write_text("[" * 450 + "]" * 450)
    with pytest.raises(InputError, match=r"deep.json: line 1: JSON nested deeper than 400 levels$"):
        get_format("okta").read(tmp_path / "deep.json")


def test_a_model_config_past_the_depth_limit_is_corrupt(tmp_path: Path) -> None:
    import json

    from hourglass.errors import ArtefactError
    from hourglass.pipeline.artefact import is_artefact, load

    (tmp_path / "config.json").write_text('{"format": "x", "a": ' + "[" * 450 + "]" * 450 + "}")
    (tmp_path / "weights.safetensors").write_bytes(b"")
    assert not is_artefact(tmp_path)
    with pytest.raises(ArtefactError, match="nested too deep"):
        load(tmp_path)
    json.loads((tmp_path / "config.json").read_text())  # (Python's own parser takes it)


def test_no_json_with_many_brackets_is_said_as_the_parser_says() -> None:
    # the depth was checked before the parse: a cut line of 500 '[' and an unterminated string was
    # 'nested deeper than 400 levels', and a --param text of 500 '[' that is no JSON was refused
    # rather than taken as text
    import json

    from hourglass._limits import loads_json
    from hourglass.cli._common import parse_value

    with pytest.raises(json.JSONDecodeError, match="Unterminated string"):
        loads_json('{"a": "' + "[" * 500)
    assert parse_value("x" + "[" * 500) == "x" + "[" * 500
