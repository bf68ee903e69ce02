"""The same rows through ``score``, ``stream`` and the service (``POST /score``): one outcome and
one wording for a table model's ECS alert times, a bad value in a model column and an entity
stream's time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner, timed_model
from tests._serve import AUTH, client_of, small_entity_model

ISO = "2024-01-01T00:00:00Z"
SKIP = "(use --on-bad-rows skip to skip such rows)"


@pytest.fixture(scope="module")
def timed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return timed_model(tmp_path_factory.mktemp("left40"))


def _line(a: float, ts: Any = None, *, absent: bool = False, raw: str | None = None, **more: Any) -> str:
    """A JSON line of the timed model's columns; ``raw``: the ``ts`` value as JSON text."""
    row = {"a": a, "b": a, "src": "x", **more}
    text = json.dumps(row)[:-1]
    if absent:
        return text + "}"
    return text + f', "ts": {raw if raw is not None else json.dumps(ts)}}}'


def _write(folder: Path, lines: list[str], name: str = "rows.jsonl") -> Path:
    data = folder / name
    data.write_text("".join(ln + "\n" for ln in lines))
    return data


def _error(args: list[str]) -> str:
    """``hourglass ARGS``: exit code 2 and its one ``error:`` line."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, res.stderr
    return errors[0]


def _times_of(docs: list[dict[str, Any]]) -> list[str]:
    """Each ECS alert's event time, or ``scoring`` where it carries the scoring time."""
    return [d["@timestamp"] if d["hourglass"]["timestamp_from"] == "data" else "scoring" for d in docs]


def _three_ways(folder: Path, lines: list[str], *extra: str) -> tuple[list[str], list[str], list[str]]:
    """The ECS alert times ``score``, ``stream`` and the service give ``lines``."""
    data, out = _write(folder, lines), folder / "alerts.jsonl"
    out.unlink(missing_ok=True)
    res = runner.invoke(app, ["score", str(folder / "m"), str(data), "--alert-format", "ecs", "-o", str(out),
                              *extra])
    assert res.exit_code == 0, res.output
    scored = _times_of([json.loads(ln) for ln in out.read_text().splitlines()])
    res = runner.invoke(app, ["stream", str(folder / "m"), "--input", str(data), "--alert-format", "ecs",
                              *extra])
    assert res.exit_code == 0, res.output
    streamed = _times_of([json.loads(ln) for ln in res.stdout.splitlines() if ln.startswith("{")])
    with client_of(folder / "m") as client:
        r = client.post("/score", content='{"rows": [' + ",".join(lines) + '], "alert_format": "ecs"}',
                        headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    return scored, streamed, _times_of(r.json()["alerts"])


@pytest.mark.parametrize("bad", [_line(0.3, ISO).replace('"a": 0.3', '"a": {"x": 1}'),
                                 _line(0.3, ISO).replace('"a": 0.3', '"a": "abc"')],
                         ids=["nested", "text"])
def test_a_bad_value_in_a_model_column_says_that_skipping_helps_in_score_and_stream(
        timed: Path, bad: str) -> None:
    # what was wrong: 'score M rows.jsonl' and 'stream M --input rows.jsonl' refused a model
    # column sent as a JSON object ("line 2: missing column 'a': the row has 'a' as a nested
    # object ...") or as text ("column 'a': expected numbers, found 'abc' (line 2)") without
    # the "(use --on-bad-rows skip to skip such rows)" the other one-row errors carry, though
    # --on-bad-rows skip leaves that row out and scores the others
    data = _write(timed, [_line(0.3, ISO), bad, _line(0.4, "2024-01-01T00:00:09Z")])
    out = timed / "scores.jsonl"
    said = _error(["score", str(timed / "m"), str(data), "-o", str(out)])
    assert said.endswith(SKIP) and "line 2" in said, said
    assert _error(["stream", str(timed / "m"), "--input", str(data), "--all"]) == said
    res = runner.invoke(app, ["score", str(timed / "m"), str(data), "-o", str(out), "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert [json.loads(ln)["row"] for ln in out.read_text().splitlines()] == [0, 2]  # line 2 left out
    res = runner.invoke(app, ["stream", str(timed / "m"), "--input", str(data), "--all",
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert [json.loads(ln)["row"] for ln in res.stdout.splitlines()] == [0, 2]


def test_the_service_refuses_a_bad_value_without_the_cli_advice(timed: Path) -> None:
    # pin (held, untested beside the advice above): the service, which has no --on-bad-rows,
    # says the same refusal without it
    lines = [_line(0.3, ISO), _line(0.3, ISO).replace('"a": 0.3', '"a": "abc"')]
    with client_of(timed / "m") as client:
        r = client.post("/score", content='{"rows": [' + ",".join(lines) + "]}",
                        headers={**AUTH, "Content-Type": "application/json"})
    assert (r.status_code, r.json()["detail"]) == (422, "column 'a': expected numbers, found 'abc' (row 2)")


@pytest.mark.parametrize("raw", ["null", '""', '"   "', "NaN", None],
                         ids=["null", "empty", "blank", "nan", "absent"])
def test_a_flagged_row_without_a_time_gets_the_scoring_time_in_stream_and_the_service(
        timed: Path, raw: str | None) -> None:
    # what was wrong: stream and the service stamped a flagged row whose time was null or absent
    # with the scoring time, but stopped at one whose time was "" or blank ("column 'ts': line 2
    # is not a timestamp ('')") or NaN, which a JSON line reads as missing as it reads null;
    # score refused all of them ("line 2 has no time (missing); every row needs one") without
    # saying what to do. Now stream and the service give each the scoring time, and score says
    # that --on-bad-rows skip does, which it then does
    lines = [_line(0.5, ISO), _line(50, absent=True) if raw is None else _line(50, raw=raw)]
    data = _write(timed, lines)
    said = _error(["score", str(timed / "m"), str(data), "--alert-format", "ecs", "-o",
                   str(timed / "a.jsonl")])
    assert f"{data}: column 'ts': line 2 has no time (" in said, said
    assert said.endswith("; with --on-bad-rows skip their alerts carry the scoring time"), said
    assert not (timed / "a.jsonl").exists()
    assert _three_ways(timed, lines, "--on-bad-rows", "skip") == (["scoring"],) * 3
    res = runner.invoke(app, ["stream", str(timed / "m"), "--input", str(data), "--alert-format", "ecs"])
    assert res.exit_code == 0, res.output  # (without --on-bad-rows skip too)
    assert _times_of([json.loads(ln) for ln in res.stdout.splitlines()]) == ["scoring"]
    if raw is None:  # no row has the field: score too stamps the scoring time, unasked
        assert _three_ways(timed, lines[1:]) == (["scoring"],) * 3


def test_a_time_that_is_no_time_still_stops_stream_and_the_service(timed: Path) -> None:
    # pin (held): text no form reads is still a bad row to all three, in one wording
    lines = [_line(0.5, ISO), _line(50, "soon")]
    data = _write(timed, lines)
    want = f"error: {data}: column 'ts': line 2 is not a timestamp ('soon')"
    assert _error(["score", str(timed / "m"), str(data), "--alert-format", "ecs", "-o",
                   str(timed / "a.jsonl")]) == want
    assert _error(["stream", str(timed / "m"), "--input", str(data), "--alert-format", "ecs"]) == want


@pytest.mark.parametrize(("raw", "when"), [
    ("-5", "1969-12-31T23:59:55.000Z"), ("0", "1970-01-01T00:00:00.000Z"),
    ("1700000000", "2023-11-14T22:13:20.000Z"), ("1700000000000", "2023-11-14T22:13:20.000Z"),
    ("1700000000000000", "2023-11-14T22:13:20.000Z"), ("1700000000000000000", "2023-11-14T22:13:20.000Z"),
    ("1000000000000.0", "2001-09-09T01:46:40.000Z"), ('"1700000000"', "2023-11-14T22:13:20.000Z"),
    ('"2024-01-01T02:00:07+02:00"', "2024-01-01T00:00:07.000Z"),
    ('"2024-01-01T00:00:07"', "2024-01-01T00:00:07.000Z"),
    ('"2024-01-01"', "2024-01-01T00:00:00.000Z"), ("20240101", "2024-01-01T00:00:00.000Z"),
], ids=["neg", "zero", "s", "ms", "us", "ns", "1e12", "text-s", "offset", "naive", "date", "compact"])
def test_a_column_of_one_kind_of_time_gives_one_event_time_three_ways(timed: Path, raw: str,
                                                                       when: str) -> None:
    # pin (these held, untested as one table): a time column holding one kind of time (epoch s,
    # ms, us or ns by size, negative and zero too, ISO-8601 with and without an offset, a date,
    # a compact date) gives a flagged row the same @timestamp in score, stream and the service
    assert _three_ways(timed, [_line(50, raw=raw), _line(0.5, raw=raw)]) == ([when],) * 3


@pytest.mark.parametrize("raw", ["true", '"soon"', "1e300", "Infinity", "[1]"])
def test_a_column_of_no_time_is_refused_three_ways(timed: Path, raw: str) -> None:
    # pin (held): a column of values no form reads stops score and stream at line 1, and the
    # service answers 422 naming row 1
    lines = [_line(50, raw=raw), _line(0.5, raw=raw)]
    data = _write(timed, lines)
    for args in (["score", str(timed / "m"), str(data), "--alert-format", "ecs", "-o",
                  str(timed / "a.jsonl")],
                 ["stream", str(timed / "m"), "--input", str(data), "--alert-format", "ecs"]):
        assert f"{data}: column 'ts': line 1 is not a timestamp (" in _error(args)
    with client_of(timed / "m") as client:
        r = client.post("/score", content='{"rows": [' + ",".join(lines) + '], "alert_format": "ecs"}',
                        headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("column 'ts': row 1 is not a timestamp ("), r.text


def test_a_number_among_iso_times_is_a_bad_row_not_a_time_without_an_offset() -> None:
    # what was wrong: score read a time column of ISO-8601 text with '-5' in it (a JSON line's
    # number or text) as "row 4 ('-5') has no UTC offset but row 1 ('2024-01-01T00:00:00Z') has
    # one; give every time an offset, or none" (pandas reads '-5' alone as the year -5); it is a
    # bad row, said as a 0 there is
    from hourglass._times import parse_timestamps
    from hourglass.errors import InputError

    for value, shown in ((-5, "-5"), ("-5", "'-5'"), (0, "0")):
        with pytest.raises(InputError) as info:
            parse_timestamps(pd.Series([ISO, ISO, ISO, value], dtype=object), "ts")
        # (the column's kind said since, as text among epoch numbers says it)
        assert str(info.value) == (f"column 'ts': row 4 is not a timestamp ({shown}; the column holds "
                                   "date/time text)")


@pytest.fixture(scope="module")
def entity(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    return small_entity_model(tmp_path_factory.mktemp("left40_entity"))


def test_an_entity_stream_says_a_time_that_is_no_time_as_score_and_a_table_stream_do(
        entity: tuple[Path, list[dict[str, Any]]], tmp_path: Path) -> None:
    # what was wrong: 'stream M --input rows.jsonl' of an entity model said "line 4: field 'ts'
    # is not a timestamp ('soon')", where score and a table model's stream say "column 'ts':
    # line 4 is not a timestamp ('soon')" (the shared helper's wording)
    model, rows = entity
    rows = [dict(r) for r in rows[:6]]
    rows[3]["ts"] = "soon"
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    said = _error(["stream", str(model), "--input", str(data)])
    assert said == f"error: {data}: column 'ts': line 4 is not a timestamp ('soon')"
    # and 'score M rows.jsonl' of that model said it without the file's name, which a table
    # model's score and this stream put in front
    scored = _error(["score", str(model), str(data), "-o", str(tmp_path / "s.jsonl")])
    assert scored.startswith(f"error: {data}: column 'ts': line 4 is not a timestamp ('soon'"), scored
    rows[3]["ts"] = "oops"  # --on-bad-rows skip: the line skipped and counted, as before
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(app, ["stream", str(model), "--input", str(data), "--on-bad-rows", "skip"])
    assert res.exit_code == 0 and "(lines 4)" in res.stderr, res.output


@pytest.mark.parametrize(("text", "said"), [("-1,2", "got (-1, 2)"), ("4,0", "got (4, 0)")])
def test_hidden_widths_typed_as_text_are_read_as_the_option_reads_them(timed: Path, tmp_path: Path, text: str,
                                                                       said: str) -> None:
    # what was wrong: 'train --param hidden=-1,2' said "hidden must be a list of whole numbers
    # such as [128, 64, 32, 16], got '-1,2'" where '--param hidden=[-1,2]' and '--hidden -1,2'
    # say "... must be a non-empty tuple of positive widths, got (-1, 2)" (and 'hidden=4,2' was
    # refused where '--hidden 4,2' trains); the text is now read as --hidden reads it
    base = ["train", str(timed / "train.csv"), "--epochs", "1", "-o", str(timed / "never"), "-q"]
    want = f"hidden must be a non-empty tuple of positive widths, {said}"
    for given in (["--param", f"hidden={text}"], ["--param", f"hidden=[{text}]"], ["--hidden", text]):
        assert _error([*base, *given]).endswith(want)
    assert not (timed / "never").exists()
    res = runner.invoke(app, [*base[:4], "-o", str(tmp_path / "m"), "-q", "--param", "hidden=4,2"])
    assert res.exit_code == 0, res.output
    saved = json.loads((tmp_path / "m" / "config.json").read_text())["detector"]["params"]
    assert saved["hidden"] == {"__tuple__": [4, 2]}  # (as --hidden 4,2 saves it)
