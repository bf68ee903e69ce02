"""The same JSON-lines input read by ``score``, ``stream`` and the service: the same scores where
all three read it, and one wording where they refuse it (or a message that says why they differ)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from hourglass.ingest.tables import NOT_UTF8_HOW
from tests._cli import KV_LINE, ab_model, key_value_model, one_line_error, runner, timed_model
from tests._serve import AUTH, client_of

WHY_NULL = ("send null for a missing value: a row is read alone, so a key left out may be a column the "
            "data lacks")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("left39")
    ab_model(d)
    return d


def _score(folder: Path, data: Path, *extra: str) -> list[float]:
    out = folder / "scored.jsonl"
    res = runner.invoke(app, ["score", str(folder / "m"), str(data), "-o", str(out), *extra])
    assert res.exit_code == 0, res.output
    return [json.loads(line)["score"] for line in out.read_text().splitlines()]


def _stream(folder: Path, data: Path) -> list[float]:
    res = runner.invoke(app, ["stream", str(folder / "m"), "--input", str(data), "--all"])
    assert res.exit_code == 0, res.output
    return [json.loads(line)["score"] for line in res.stdout.splitlines()]


def _error(args: list[str], text: str = "") -> str:
    """``hourglass ARGS`` (fed ``text``): exit code 2 and its one stderr error line."""
    res = runner.invoke(app, args, input=text)
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, res.stderr
    return errors[0]


# pin (these held, untested as one table): each input scored alike by score, stream and the
# service, or refused by all three
@pytest.mark.parametrize("raw", [
    b'{"a": 0.3, "b": "0.4"}\n',                      # a quoted number
    b'{"a": 0.3, "b": ""}\n',                         # an empty string: a missing value
    b'{"a": 0.3, "b": "N/A"}\n',                      # a missing spelling
    b'{"a": 0.3, "b": null}\n',
    b'{"a": 0.3, "b": 0.4, "z": "q"}\n',              # an extra key: ignored
    b'{"a": 0.3, "b": NaN}\n',                        # JSON's NaN literal: a missing value
    b'{"a": 0.3, "b": Infinity}\n',
    b'{"a": 0.3, "b": 0.4, "b": 900}\n',              # a key twice: its last value
    b'{"a": 0.3, "b": 0.4, "b.x": 1}\n',              # a dotted key beside the column
], ids=["quoted", "empty", "na", "null", "extra", "nan", "inf", "dup", "dotted"])
@pytest.mark.parametrize("ends", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_score_stream_and_the_service_score_the_same_json_alike(folder: Path, raw: bytes,
                                                                ends: str) -> None:
    text = (b'{"a": 0.1, "b": 0.2}\n' + raw).decode().replace("\n", ends)
    data = folder / "same.jsonl"
    data.write_bytes(b"\xef\xbb\xbf" + text.encode())  # (a byte-order mark first: read past)
    scored = _score(folder, data)
    assert len(scored) == 2
    np.testing.assert_allclose(_stream(folder, data), scored, rtol=1e-6)
    body = '{"rows": [' + ",".join(text.split(ends)[:2]) + "]}"  # the lines as they are sent
    with client_of(folder / "m") as client:
        r = client.post("/score", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    np.testing.assert_allclose(r.json()["scores"], scored, rtol=1e-6)


@pytest.mark.parametrize("raw", [b'{"a": 0.3, "b": true}\n', b'{"a": 0.3, "b": "abc"}\n',
                                 b'{"a": 0.3, "b": [1]}\n'], ids=["bool", "text", "array"])
def test_a_value_no_number_is_refused_alike_by_score_stream_and_the_service(folder: Path, raw: bytes) -> None:
    # pin: the same words on the three paths (the service names the row of the request)
    data = folder / "bad_value.jsonl"
    data.write_bytes(b'{"a": 0.1, "b": 0.2}\n' + raw)
    said = _error(["score", str(folder / "m"), str(data), "-o", str(folder / "never.csv")])
    skip = " (use --on-bad-rows skip to skip such rows)"  # (the CLI's advice; the service has no option)
    assert said.endswith("(line 2)" + skip) and "column 'b': expected numbers, found " in said, said
    assert _error(["stream", str(folder / "m"), "--input", str(data)]) == said
    said = said.removesuffix(skip)
    with client_of(folder / "m") as client:
        r = client.post("/score", json={"rows": [json.loads(ln) for ln in data.read_text().splitlines()]},
                        headers=AUTH)
    row_said = said.split(": ", 2)[2].replace("(line 2)", "(row 2)")
    assert r.status_code == 422 and r.json()["detail"] == row_said


def test_a_row_that_leaves_a_column_out_is_told_why_stream_and_the_service_refuse_it(folder: Path) -> None:
    # what was wrong: a JSON line without the model's column 'b' (the key absent, not null) is a
    # missing value to 'hourglass score M in.jsonl' (the file shows the column exists), where
    # 'hourglass stream M' and the service said "missing column 'b' (each row needs a, b)" and
    # no more: neither why a row alone may not leave it out nor how to send a missing value
    data = folder / "absent.jsonl"
    data.write_text('{"a": 0.1, "b": 0.2}\n{"a": 0.3}\n')
    nulled = folder / "nulled.jsonl"
    nulled.write_text('{"a": 0.1, "b": 0.2}\n{"a": 0.3, "b": null}\n')
    assert _score(folder, data) == _score(folder, nulled)  # (deliberate: README, Streaming)
    said = f"missing column 'b' (each row needs a, b; {WHY_NULL})"
    assert _error(["stream", str(folder / "m"), "--input", str(data)]) == f"error: {data}: line 2: {said}"
    assert _stream(folder, nulled) == pytest.approx(_score(folder, nulled))  # as the advice says
    with client_of(folder / "m") as client:
        r = client.post("/score", json={"rows": [{"a": 0.1, "b": 0.2}, {"a": 0.3}]}, headers=AUTH)
    assert (r.status_code, r.json()["detail"]) == (422, f"row 2: {said}")


_SKIP = " (use --on-bad-rows skip to skip such rows)"


@pytest.mark.parametrize(("line", "said"), [
    (b'{"a": 0.3, "b":', f"line 2: not valid JSON (Expecting value at column 16){_SKIP}"),
    (b"[1, 2]", f"line 2: expected a JSON object, got an array{_SKIP}"),
    (b"null", f"line 2: expected a JSON object, got null{_SKIP}"),
    # (how to convert a Windows code page's file first, then the advice: review 59)
    (b'{"a": "\xff"}', f"line 2: undecodable bytes (not UTF-8) ({NOT_UTF8_HOW}; or {_SKIP[2:]}"),
    (b"[" * 500 + b"]" * 500, f"line 2: JSON nested deeper than 400 levels{_SKIP}")],
    ids=["json", "array", "null", "bytes", "deep"])
def test_stream_advises_skip_mode_for_a_bad_line_as_score_does(folder: Path, line: bytes, said: str) -> None:
    # what was wrong: 'hourglass score M in.jsonl' said "line 2: not valid JSON (...) (use
    # --on-bad-rows skip to skip such rows)" where 'hourglass stream M --input in.jsonl', which
    # skips such a line with --on-bad-rows skip too, said it without the advice
    data = folder / "bad_line.jsonl"
    data.write_bytes(b'{"a": 0.1, "b": 0.2}\n' + line + b"\n")
    want = f"error: {data}: {said}"
    assert _error(["score", str(folder / "m"), str(data), "-o", str(folder / "never.csv")]) == want
    assert _error(["stream", str(folder / "m"), "--input", str(data)]) == want
    res = runner.invoke(app, ["stream", str(folder / "m"), "--input", str(data), "--all",
                              "--on-bad-rows", "skip"])  # (as the advice says)
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 1, res.output


@pytest.mark.parametrize(("text", "jq"), [("[\n", "jq -c '.[]'"), ("[{\n", "jq -c '.[]'"),
                                         ("{\n", "jq -c .")])
def test_a_pretty_printed_document_is_one_message_for_score_and_stream(folder: Path, text: str,
                                                                       jq: str) -> None:
    # what was wrong: for a pretty-printed document ('[', '[{' or '{' alone on line 1) score said
    # "line 1: pretty-printed JSON (a document spread over lines), not JSON lines; write one JSON
    # object per line (jq -c '.[]')", stream "line 1: not valid JSON (Expecting value at column
    # 2); stream reads one JSON document a line: pipe a JSON array through jq -c '.[]'"
    data = folder / "pretty.json"
    data.write_text(text + '"a": 0.1, "b": 0.2\n}' + ("]" if text.startswith("[") else "") + "\n")
    want = (f"error: {data}: line 1: pretty-printed JSON (a document spread over lines), not JSON "
            f"lines; write one JSON object per line ({jq})")  # (no skip advice: it would not help)
    for mode in ("error", "skip"):
        assert _error(["score", str(folder / "m"), str(data), "-o", str(folder / "never.csv"),
                       "--on-bad-rows", mode]) == want
        assert _error(["stream", str(folder / "m"), "--input", str(data), "--on-bad-rows", mode]) == want


def test_a_csv_header_on_line_1_gets_no_skip_advice(folder: Path) -> None:
    # pin: the advice goes where skipping helps, not to input of another kind (skipping every line)
    said = _error(["stream", str(folder / "m")], "a,b\n0.1,0.2\n")
    assert "score it with 'hourglass score'" in said and "--on-bad-rows" not in said, said


def test_stream_of_a_line_format_advises_skip_mode_as_score_does(tmp_path: Path) -> None:
    # what was wrong: 'hourglass score M fw.log' said "line 1: not a key=value record (expected
    # ...; use --on-bad-rows skip to skip such lines)", 'hourglass stream M' "line 1: not a
    # key=value record (expected ...)" without the advice
    model = key_value_model(tmp_path)
    data = tmp_path / "x.log"
    data.write_text("srcip=10.0\n" + "".join(KV_LINE.format(i, 1000 + i) + "\n" for i in range(5)))
    said = _error(["score", str(model), str(data), "-o", str(tmp_path / "o.csv")])
    assert said.endswith("; use --on-bad-rows skip to skip such lines)"), said
    assert _error(["stream", str(model), "--input", str(data)]) == said


@pytest.fixture(scope="module")
def timed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = timed_model(tmp_path_factory.mktemp("left39t"))
    rows = [{"a": 50.0, "b": 50.0, "src": "x", "ts": t} for t in ("2024-02-01 00:00:00", "soon", True)]
    (d / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return d


@pytest.mark.parametrize("grouped", [[], ["--group-by", "src", "--group-window", "100", "--keep", "ts"]],
                         ids=["rows", "grouped"])
def test_an_ecs_alert_time_that_is_no_time_is_one_message(timed: Path, grouped: list[str]) -> None:
    # what was wrong: for the same flagged row 'hourglass score M rows.jsonl --alert-format ecs'
    # said "column 'ts': line 2 is not a timestamp ('soon')", 'hourglass stream M ...' "line 2:
    # field 'ts': cannot read 'soon' as a time (epoch seconds or an ISO-8601 date-time
    # expected)", the service "row 2: field 'ts': cannot read ..."
    from hourglass.serve.ecs import AlertRule, to_ecs

    data = timed / "rows.jsonl"
    want = f"error: {data}: column 'ts': line 2 is not a timestamp ('soon')"
    one_line_error(["score", str(timed / "m"), str(data), "--alert-format", "ecs", "-o",
                    str(timed / "a.jsonl"), *grouped], want[len("error: "):], timed / "a.jsonl")
    assert _error(["stream", str(timed / "m"), "--input", str(data), "--alert-format", "ecs",
                   *grouped]) == want
    rows = [json.loads(ln) for ln in data.read_text().splitlines()]
    with client_of(timed / "m") as client:
        r = client.post("/score", json={"rows": rows[:2], "alert_format": "ecs"}, headers=AUTH)
    assert (r.status_code, r.json()["detail"]) == (422, "column 'ts': row 2 is not a timestamp ('soon')")
    with pytest.raises(Exception, match=r"^column 'ts': true is not a timestamp$"):
        to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", time_field="ts"), fields={"ts": True})


def test_stream_skip_warning_of_an_ecs_time_words_it_as_score(timed: Path) -> None:
    # what was wrong: with --on-bad-rows skip stream warned "line 2: field 'ts': cannot read
    # 'soon' as a time (...)"; it says it as its error and score do now
    data = timed / "rows.jsonl"
    res = runner.invoke(app, ["stream", str(timed / "m"), "--input", str(data), "--alert-format", "ecs",
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert (f"{data}: column 'ts': line 2 is not a timestamp ('soon'); its alert carries the scoring "
            "time") in " ".join(res.stderr.split()), res.stderr


@pytest.mark.parametrize("value", ["4,2.5", "4,x", "4,inf"])
def test_hidden_widths_that_are_no_whole_numbers_are_said_alike_as_option_and_param(
        folder: Path, value: str) -> None:
    # what was wrong: '--hidden 4,2.5' said "--hidden: expected comma-separated integers, got
    # '4,2.5'", '--param hidden=[4,2.5]' "hidden must be a whole number, got 2.5" (of a list)
    # and '--param hidden=4,2.5' "hidden must be a list of numbers such as [128, 64, 32, 16]"
    base = ["train", str(folder / "train.csv"), "--epochs", "1", "-o", str(folder / "never"), "-q"]
    one_line_error([*base, "--hidden", value],
                   f"--hidden must be a list of whole numbers such as 64,32, got '{value}'", folder / "never")
    one_line_error([*base, "--param", f"hidden={value}"],
                   f"hidden must be a list of whole numbers such as [128, 64, 32, 16], got '{value}'",
                   folder / "never")
    if value == "4,2.5":
        one_line_error([*base, "--param", "hidden=[4,2.5]"],
                       "hidden must be a list of whole numbers such as [128, 64, 32, 16], got [4, 2.5]",
                       folder / "never")


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_a_pretty_printed_array_after_a_blank_line_is_refused_by_stream_as_by_score(folder: Path,
                                                                                    mode: str) -> None:
    # what was wrong: only line 1 told stream a pretty-printed document, where score looks at
    # the first line that is not blank: after a blank line '[' was "line 2: not valid JSON
    # (...)", and with --on-bad-rows skip stream skipped the lines that do not parse alone and
    # streamed the array's last object as the input's one row
    data = folder / "blank_pretty.json"
    data.write_text('\n[\n{"a": 0.1, "b": 0.2},\n{"a": 0.3, "b": 0.4}\n]\n')
    want = (f"error: {data}: line 2: pretty-printed JSON (a document spread over lines), not JSON lines; "
            "write one JSON object per line (jq -c '.[]')")
    assert _error(["score", str(folder / "m"), str(data), "-o", str(folder / "never.csv"),
                   "--on-bad-rows", mode]) == want
    assert _error(["stream", str(folder / "m"), "--input", str(data), "--all", "--on-bad-rows", mode]) == want
