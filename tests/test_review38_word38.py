"""The same problem worded the same way on every path: ``score`` and ``stream``, a typed option and
its ``--param``, a grouped and an ungrouped alert, one shape of a JSON array and another."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest.tables import NOT_UTF8_HOW
from tests._cli import ab_model, one_line_error, runner, timed_model


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("word38")
    ab_model(d)
    return d


def _stream_error(args: list[str], text: str = "") -> str:
    """``hourglass stream ARGS`` fed ``text``: exit code 2 and its one stderr error line."""
    res = runner.invoke(app, ["stream", *args], input=text)
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, res.stderr
    return errors[0]


def test_score_and_stream_call_a_bad_json_line_not_valid_json(folder: Path) -> None:
    # what was wrong: for the same bad line 'hourglass score M in.jsonl' said 'line 2: malformed
    # JSON (...)' where 'hourglass stream M' (and serve, and the CloudTrail and JSON document
    # readers) said 'line 2: not valid JSON (...)'; score says it as they do now
    data, out = folder / "bad.jsonl", folder / "bad_out.csv"
    data.write_text('{"a": 0.1, "b": 0.2}\n{"a": 0.3, "b":\n')
    one_line_error(["score", str(folder / "m"), str(data), "-o", str(out)],
                   f"{data}: line 2: not valid JSON (Expecting value at column 16)", out)
    said = _stream_error([str(folder / "m")], data.read_text())
    assert said == ("error: <stdin>: line 2: not valid JSON (Expecting value at column 16) (use "
                    "--on-bad-rows skip to skip such rows)"), said


def test_a_nested_object_for_a_model_column_is_one_message_on_every_path(folder: Path) -> None:
    # what was wrong: a row sending the model's column 'b' as an object was "missing field 'b':
    # ...; send 'b' as a plain value (null for a missing one)" in score, "missing column 'b':
    # ...; send 'b' as a plain value" (without how to leave it out) in stream and the service
    from hourglass.errors import InputError
    from hourglass.serve.scoring import records_frame

    said = ("missing column 'b': the row has 'b' as a nested object, read as its fields (b.x); "
            "send 'b' as a plain value (null for a missing one)")
    data, out = folder / "nested.jsonl", folder / "nested_out.csv"
    data.write_text('{"a": 0.1, "b": 0.2}\n{"a": 0.3, "b": {"x": 1}}\n')
    one_line_error(["score", str(folder / "m"), str(data), "-o", str(out)], f"{data}: line 2: {said}", out)
    skip = " (use --on-bad-rows skip to skip such rows)"  # (the CLI's advice: not the service's)
    assert _stream_error([str(folder / "m")], data.read_text()) == f"error: <stdin>: line 2: {said}{skip}"
    with pytest.raises(InputError) as exc:
        records_frame([{"a": 1, "b": 2}, {"a": 1, "b.x": 1}], ["a", "b"])
    assert str(exc.value) == f"row 2: {said}"


@pytest.fixture(scope="module")
def timed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = timed_model(tmp_path_factory.mktemp("word38t"))
    rows = pd.DataFrame({"a": [50.0] * 4, "b": [50.0] * 4, "src": ["x"] * 4,
                         "ts": ["2024-02-01 00:00:00", "soon", "2024-02-01 00:00:14", "2024-02-01 00:00:21"]})
    rows.to_csv(d / "rows.csv", index=False)
    return d


def test_an_ungrouped_ecs_alert_time_error_names_the_file_as_a_grouped_one_does(timed: Path) -> None:
    # what was wrong: 'score M rows.csv --alert-format ecs' said "column 'ts': line 3 is not a
    # timestamp ('soon')", without the 'rows.csv: ' that the same run with --group-by gives
    # (and so did its --on-bad-rows skip warning)
    data, out = timed / "rows.csv", timed / "alerts.jsonl"
    said = f"{data}: column 'ts': line 3 is not a timestamp ('soon')"
    one_line_error(["score", str(timed / "m"), str(data), "--alert-format", "ecs", "-o", str(out)], said, out)
    one_line_error(["score", str(timed / "m"), str(data), "--alert-format", "ecs", "-o", str(out),
                    "--group-by", "src", "--group-window", "100", "--keep", "ts"], said, out)
    res = runner.invoke(app, ["score", str(timed / "m"), str(data), "--alert-format", "ecs",
                              "-o", str(out), "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert f"{data}: column 'ts': 1 row(s) without a readable time (first: line 3, 'soon')" in res.stderr


def _console_error(args: list[str], capsys: pytest.CaptureFixture[str],
                   monkeypatch: pytest.MonkeyPatch) -> str:
    """What the console script says for ``hourglass ARGS`` (a usage error: one line there, where
    typer's test runner draws a box), once it exits with code 2 in one line."""
    from hourglass.cli import main

    monkeypatch.setattr(sys, "argv", ["hourglass", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as ended:
        main()
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert ended.value.code == 2 and len(lines) == 1 and "Traceback" not in lines[0], lines
    return lines[0]


@pytest.mark.parametrize("value", ["inf", "nan", "2.5"])
def test_a_count_that_is_no_whole_number_is_said_alike_as_an_option_and_a_param(
        folder: Path, value: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: '--epochs inf' said "'inf' is not a whole number" where '--param
    # epochs=inf' said 'epochs must be a finite number, got inf' (and 2.5 'must be an integer')
    from hourglass.detectors import AutoEncoder

    out = folder / "never"
    base = ["train", str(folder / "train.csv"), "-o", str(out), "-q"]
    said = _console_error([*base, "--epochs", value], capsys, monkeypatch)
    assert said.startswith(f"error: Invalid value for '--epochs': '{value}' is not a whole number"), said
    assert not out.exists()
    one_line_error([*base, "--param", f"epochs={value}"], f"epochs must be a whole number, got {value}", out)
    with pytest.raises(ValueError, match=f"^epochs must be a whole number, got {value}$"):
        AutoEncoder(epochs=float(value), verbose=0).fit(np.zeros((20, 2), dtype="float32"))


def test_an_array_written_an_object_a_line_gets_the_jq_advice(folder: Path) -> None:
    # what was wrong: a file opening '[{...},' (an array of one object a line, as some exporters
    # write it) was 'line 1: malformed JSON (Expecting value at column 22)' with no advice, where
    # '[' or '[{' alone on the first line is told to go through jq -c '.[]'
    data, out = folder / "array.json.jsonl", folder / "array_out.csv"
    data.write_text('[{"a": 0.1, "b": 0.2},\n{"a": 0.3, "b": 0.4},\n{"a": 0.5, "b": 0.6}]\n')
    one_line_error(["score", str(folder / "m"), str(data), "-o", str(out)],
                   f"{data}: line 1: pretty-printed JSON (a document spread over lines), not JSON "
                   "lines; write one JSON object per line (jq -c '.[]')", out)
    one_line_error(["score", str(folder / "m"), str(data), "-o", str(out), "--on-bad-rows", "skip"],
                   "(jq -c '.[]')", out)  # (its lines are no bad rows to skip)
    said = _stream_error([str(folder / "m")], data.read_text())
    assert said.endswith("; write one JSON object per line (jq -c '.[]')"), said


def test_a_winlogbeat_export_with_timestamp_not_at_timestamp_is_told_the_column(tmp_path: Path) -> None:
    # what was wrong: a Winlogbeat export whose time is 'timestamp' (no '@timestamp') was told
    # "the data format's event time '@timestamp' is not in the data; give --timestamp-col COLUMN"
    # without the column it has, by train and by inspect alike
    docs = [{"timestamp": f"2024-03-04T08:{i // 60:02d}:{i % 60:02d}.000Z",
             "winlog": {"channel": "Security", "event_id": "4624", "computer_name": f"ws{i % 3}",
                        "event_data": {"TargetUserName": f"u{i % 4}", "LogonType": "3"}}}
            for i in range(60)]
    data, out = tmp_path / "wlb.jsonl", tmp_path / "m"
    data.write_text("".join(json.dumps(d) + "\n" for d in docs))
    said = (f"{data}: the data format's event time '@timestamp' is not in the data; give "
            "--timestamp-col COLUMN (the data has 'timestamp')")
    one_line_error(["train", str(data), "--entity-col", "winlog.computer_name", "-o", str(out), "-q"],
                   said, out)
    one_line_error(["inspect", str(data), "--entity-col", "winlog.computer_name"], said)


@pytest.mark.parametrize(("text", "fmt"), [
    ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start "
     "end action log-status\n", "aws-vpc-flow"),
    ("2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 "
     "1418530070 ACCEPT OK\n", "aws-vpc-flow"),
    ("#separator \\x09\n#fields\tts\tuid\tid.orig_h\n1.0\tCabc\t10.0.0.1\n", "zeek-conn")])
def test_stream_fed_vpc_or_zeek_lines_is_told_the_format_score_reads_them_with(
        folder: Path, text: str, fmt: str) -> None:
    # what was wrong: 'hourglass stream M' fed a VPC flow log or a Zeek TSV log said 'line 1:
    # not valid JSON (...)' alone, where a CSV header is told to go to 'hourglass score'
    said = _stream_error([str(folder / "m")], text)
    assert said.startswith("error: <stdin>: line 1: not valid JSON ("), said
    assert said.endswith(f"stream reads JSON lines; score it with 'hourglass score --format {fmt}', or "
                         "send its rows as JSON lines (one object a line)"), said


@pytest.mark.parametrize("line", ["0.1,0.2\r0.3,0.4", '"0.1",0.2\r0.3,0.4', '0.1,0.2\r"0.3",0.4'])
def test_a_lone_cr_on_a_line_with_a_quote_leaves_the_lines_after_it_named(folder: Path, line: str) -> None:
    # what was wrong: a CR alone on a CSV line that also held a '"' did not end a line when a row
    # was looked for by its line: the bad value after it was "(row 3)", not "(line 4)" as without
    # the quote, and a short row after it "row '7': expected 2 fields", not "line 5: ..."
    data, out = folder / "cr.csv", folder / "cr_out.csv"
    data.write_bytes(f"a,b\n{line}\n0.5,x\n".encode())
    one_line_error(["score", str(folder / "m"), str(data), "-o", str(out)],
                   f"{data}: column 'b': expected numbers, found 'x' (line 4)", out)
    data.write_bytes(f"a,b\n{line}\n0.5,0.6\r7\n".encode())
    one_line_error(["score", str(folder / "m"), str(data), "-o", str(out)],
                   f"{data}: line 5: expected 2 fields, found 1", out)
    data.write_bytes(b'a,b,c\n0.1,0.2,"p\rq"\n0.3,0.4,z\n0.5,x,z\n')  # (a CR inside a field: a line
    one_line_error(["score", str(folder / "m"), str(data), "-o", str(out)],  # as an LF there is)
                   f"{data}: column 'b': expected numbers, found 'x' (line 5)", out)


@pytest.mark.parametrize(("line", "said"), [
    # (bytes that are no UTF-8: how to convert a Windows code page's file first, review 59)
    (b'{"a": 0.1, "b": "\xff"}', f"line 2: undecodable bytes (not UTF-8) ({NOT_UTF8_HOW}; or use "
                                 "--on-bad-rows skip to skip such rows)"),
    (b"[" * 500 + b"]" * 500, "line 2: JSON nested deeper than 400 levels (use --on-bad-rows skip "
                               "to skip such rows)")])
def test_score_and_stream_word_a_line_of_bad_bytes_or_deep_json_alike(folder: Path, line: bytes,
                                                                      said: str) -> None:
    # what was wrong: for the same line 'hourglass score M in.jsonl' said 'line 2: undecodable
    # bytes (not UTF-8)' and 'line 2: JSON nested deeper than 400 levels', where 'hourglass
    # stream M' said "not valid JSON ('utf-8' codec can't decode byte 0xff in position 17: ...)"
    # and 'not read: JSON nested deeper than 400 levels'
    data, out = folder / "bytes.jsonl", folder / "bytes_out.csv"
    data.write_bytes(b'{"a": 0.1, "b": 0.2}\n' + line + b"\n")
    one_line_error(["score", str(folder / "m"), str(data), "-o", str(out)], f"{data}: {said}", out)
    assert _stream_error([str(folder / "m"), "--input", str(data)]) == f"error: {data}: {said}"


def test_a_lone_surrogate_where_numbers_go_is_text_there_for_score_as_for_stream(folder: Path) -> None:
    # what was wrong: a JSON line sending '\ud800' in the numeric column 'b' was, for 'hourglass
    # score M', "column 'b': a cell holds text that is no UTF-8 (a lone surrogate ...); escape it
    # first" (escaped, it is still text where numbers go), where 'hourglass stream M' and the
    # service said "column 'b': expected numbers, found '\\ud800' (line 2)"
    data, out = folder / "surrogate.jsonl", folder / "surrogate_out.csv"
    data.write_text('{"a": 0.1, "b": 0.2}\n{"a": 0.1, "b": "\\ud800"}\n')
    said = f"{data}: column 'b': expected numbers, found '\\\\ud800' (line 2)"
    one_line_error(["score", str(folder / "m"), str(data), "-o", str(out)], said, out)
    skip = " (use --on-bad-rows skip to skip such rows)"
    assert _stream_error([str(folder / "m"), "--input", str(data)]) == f"error: {said}{skip}"
