"""Bad records of the line formats (CEF, LEEF, key=value) named at the same line by every
reading path: ``score``, ``score --chunk-mb``, ``explain`` and ``stream``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest.cef import CEF
from hourglass.ingest.kv import KV
from hourglass.ingest.tables import ReadStats
from tests._cli import KV_LINE, cef_line, key_value_model, runner, trained_cef_model


@pytest.fixture(scope="module")
def cef_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_cef_model(tmp_path_factory.mktemp("cef"))


def _with_word(tmp_path: Path, at: int, blank_before: bool = False) -> tuple[Path, int]:
    """A CEF log of 30 records whose record ``at`` (from 0) has the word 'oops' in its byte
    count ``in`` (a blank line before it with ``blank_before``), and that record's line."""
    lines = [cef_line(i, "oops" if i == at else None) for i in range(30)]
    if blank_before:
        lines.insert(at, "")
    path = tmp_path / "x.log"
    path.write_text("\n".join(lines) + "\n")
    return path, at + 1 + blank_before


@pytest.mark.parametrize(("at", "blank"), [(0, False), (6, True), (29, False)])
def test_score_skip_lists_the_line_of_a_refused_value_as_stream_does(
        cef_model: Path, tmp_path: Path, at: int, blank: bool) -> None:
    # what was wrong: score/explain --on-bad-rows skip of a CEF, LEEF or key=value log whose
    # record holds a word in a numeric field said "skipped 1 malformed row(s) in x.log" without
    # its line, where stream of the same lines said "(lines 7)" and a JSON-lines or CSV file's
    # summary lists it: the line formats' reader told no row's line (stats.lines_of)
    path, line = _with_word(tmp_path, at, blank)
    for args in (["score", str(cef_model), str(path), "-o", str(tmp_path / "o.csv")],
                 ["score", str(cef_model), str(path), "-o", str(tmp_path / "o.csv"),
                  "--chunk-mb", "0.0005"],
                 ["explain", str(cef_model), str(path)]):
        res = runner.invoke(app, [*args, "--on-bad-rows", "skip"])
        assert res.exit_code == 0, res.output
        assert f"skipped 1 malformed row(s) in {path} (lines {line})" in res.stderr, res.stderr
    res = runner.invoke(app, ["stream", str(cef_model), "--batch", "1", "--on-bad-rows", "skip"],
                        input=path.read_text())
    assert res.exit_code == 0, res.output
    assert f"skipped 1 malformed line(s) (lines {line})" in res.stderr, res.stderr


def test_line_of_rows_past_blank_and_malformed_lines(tmp_path: Path) -> None:
    # what was wrong: ReadStats.line_of of a key=value read was None for every row; it is now
    # each row's own line, past blank lines and a malformed line skipped, across chunks
    kv = "srcip=10.0.0.{0} dstip=10.0.1.1 sentbyte={0} action=accept"
    lines = [kv.format(i) for i in range(6)]
    lines[2:2] = ["", "not a record"]  # lines 3 and 4
    path = tmp_path / "fw.log"
    path.write_text("\n".join(lines) + "\n")
    stats = ReadStats()
    chunks = list(KV.iter_chunks(path, on_bad_rows="skip", chunk_bytes=100, stats=stats))
    assert len(chunks) > 1 and sum(map(len, chunks)) == 6
    assert [stats.line_of(i) for i in range(6)] == [1, 2, 5, 6, 7, 8]


def test_chunk_turning_to_text_names_the_line_of_the_first_word(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: a CEF field of numbers in the first chunks and a word further on was
    # said to hold "text from line 23 on", the first line of the chunk that held the word
    # (on line 30); it now names the word's own line
    path, line = _with_word(tmp_path, 29)
    with caplog.at_level(logging.INFO, logger="hourglass"):
        chunks = list(CEF.iter_chunks(path, chunk_bytes=500))
    assert len(chunks) > 2
    said = [r.getMessage() for r in caplog.records if "holds text" in r.getMessage()]
    assert said == [f"{path}: column 'in' holds text from line {line} on (its earlier values, "
                    "numbers, are read as text too)"]


@pytest.mark.parametrize("first", ["CEF:0|Acme|FW", "CEF:0|Acme|FW|1.0|100|conn"])
def test_a_cut_short_first_record_is_named_at_line_1_as_stream_names_it(
        cef_model: Path, tmp_path: Path, first: str) -> None:
    # what was wrong: a CEF log whose first record was cut short ('CEF:0|Acme|FW', as a
    # rotated or copied log may start) was sniffed as a pipe-separated table with that line
    # as its header: score said "line 2: expected 3 fields, found 8" and with --on-bad-rows
    # skip "no data rows (29 malformed row(s) skipped)", where stream of the same lines said
    # "line 1: not a CEF record" and skipped that line alone
    path = tmp_path / "x.log"
    path.write_text("\n".join([first, *(cef_line(i) for i in range(1, 30))]) + "\n")
    out = tmp_path / "o.csv"
    res = runner.invoke(app, ["score", str(cef_model), str(path), "-o", str(out)])
    assert res.exit_code == 2 and not out.exists()
    assert res.stderr.strip() == (f"error: {path}: line 1: not a CEF record (expected 'CEF:0|vendor|"
                                  "product|version|id|name|severity|key=value ...'; use --on-bad-rows "
                                  "skip to skip such lines)"), res.stderr
    res = runner.invoke(app, ["score", str(cef_model), str(path), "-o", str(out), "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert f"skipped 1 malformed row(s) in {path} (lines 1)" in res.stderr
    assert pd.read_csv(out)["row"].tolist() == list(range(1, 30))
    res = runner.invoke(app, ["stream", str(cef_model), "--on-bad-rows", "skip", "--all"],
                        input=path.read_text())
    assert res.exit_code == 0 and "(lines 1)" in res.stderr, res.output
    assert [json.loads(ln)["row"] for ln in res.stdout.splitlines()] == list(range(1, 30))


def test_a_cut_short_first_key_value_record_is_named_at_line_1(tmp_path: Path) -> None:
    # what was wrong: a key=value log whose first record was cut short ('srcip=10.0', one pair)
    # was not sniffed as key=value (the first line had to hold 3 pairs): score read it as a
    # one-column table and said "column(s) the model needs are missing", stream named line 1
    model = key_value_model(tmp_path)
    path = tmp_path / "x.log"
    path.write_text("srcip=10.0\n" + "".join(KV_LINE.format(i, 1000 + i) + "\n" for i in range(20)))
    want = f"error: {path}: line 1: not a key=value record (expected"
    res = runner.invoke(app, ["score", str(model), str(path), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and res.stderr.startswith(want), res.stderr
    res = runner.invoke(app, ["stream", str(model)], input=path.read_text())
    assert res.exit_code == 2 and "<stdin>: line 1: not a key=value record" in res.stderr, res.stderr
    res = runner.invoke(app, ["score", str(model), str(path), "-o", str(tmp_path / "o.csv"),
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0 and f"skipped 1 malformed row(s) in {path} (lines 1)" in res.stderr, res.output


_ZEEK_HEAD = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
              "#path\tconn", "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
              "orig_bytes\tresp_bytes", "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tcount"]


def _zeek_row(i: int, orig: object = None) -> str:
    return "\t".join([f"{1700000000 + i}.5", f"C{i}", f"10.0.0.{i % 50}", str(1000 + i), "10.0.1.1",
                      "443", "tcp", str(100 + i * 7 % 900 if orig is None else orig), str(200 + i % 90)])


def test_zeek_word_in_a_count_of_the_first_block_is_skipped_and_named(tmp_path: Path) -> None:
    # what was wrong: a Zeek TSV log whose count field held a word ('oops') in the file's first
    # block stopped score and explain with pyarrow's "line 8: column 'orig_bytes': malformed
    # value (CSV conversion error to double: invalid value 'oops')" even with --on-bad-rows
    # skip (a word further on, past the first block, was skipped); the first block's typed
    # columns are now probed as text, so the row is skipped and its line listed, and the error
    # mode's message says how to skip it
    train = tmp_path / "train.log"
    train.write_text("\n".join([*_ZEEK_HEAD, *(_zeek_row(i) for i in range(300))]) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "--epochs", "1", "--hidden", "4,2", "-o", str(model),
                              "-q"])
    assert res.exit_code == 0, res.output
    path = tmp_path / "conn.log"
    path.write_text("\n".join([*_ZEEK_HEAD, *(_zeek_row(i, "oops" if i == 3 else None)
                                              for i in range(20))]) + "\n")  # line 11
    out = tmp_path / "o.csv"
    res = runner.invoke(app, ["score", str(model), str(path), "-o", str(out), "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert f"skipped 1 malformed row(s) in {path} (lines 11)" in res.stderr, res.stderr
    assert pd.read_csv(out)["row"].tolist() == [0, 1, 2, *range(4, 20)]
    res = runner.invoke(app, ["explain", str(model), str(path), "--on-bad-rows", "skip"])
    assert res.exit_code == 0 and "(lines 11)" in res.stderr, res.output
    out = tmp_path / "o2.csv"
    res = runner.invoke(app, ["score", str(model), str(path), "-o", str(out)])
    assert res.exit_code == 2 and not out.exists()
    err = res.stderr.strip()
    assert "\n" not in err and f"{path}: line 11: column 'orig_bytes': malformed value" in err, err
    assert err.endswith("use --on-bad-rows skip to skip such rows)"), err
