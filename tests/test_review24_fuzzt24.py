"""Review 24 (fuzzt24): malformed table inputs given to the CLI each get a line that names what is
wrong: gzip data compressed twice (a file, standard input, a folder; ``stream``), binary bytes on
``stream``'s input, a CSV header line longer than the reader's block."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner, small_labelled_model

ROWS = b"bytes,proto\n1,tcp\n2,udp\n3,tcp\n"


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("fuzz24"))


def _twice(tmp_path: Path) -> Path:
    path = tmp_path / "flows.csv.gz"
    path.write_bytes(gzip.compress(gzip.compress(ROWS)))
    return path


def test_gzip_compressed_twice_is_named_so_not_a_file_to_rename_dot_gz(tmp_path: Path) -> None:
    # a .gz holding another gzip file was 'gzip-compressed data in a file not named .gz; name it
    # flows.csv.gz.gz': the file is named .gz, and renaming it changes nothing
    path = _twice(tmp_path)
    one_line_error(["inspect", str(path)], "flows.csv.gz: gzip-compressed twice")
    res = runner.invoke(app, ["inspect", str(path)])
    assert "name it" not in res.stderr
    one_line_error(["train", str(path), "--epochs", "1", "-o", str(tmp_path / "m")], "gzip-compressed twice",
                   tmp_path / "m")


def test_gzip_compressed_twice_on_standard_input_is_named_so(tmp_path: Path) -> None:
    # '-' fed a doubly compressed file said 'name it stdin.gz.gz': a name the user never gave
    res = runner.invoke(app, ["inspect", "-"], input=_twice(tmp_path).read_bytes())
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "standard input: gzip-compressed twice" in lines[0], res.stderr
    assert "stdin.gz" not in res.stderr


def test_gzip_compressed_twice_in_a_folder_names_its_file(tmp_path: Path) -> None:
    # a folder holding a doubly compressed file said 'gzip-compressed data in a file not named
    # .gz; name it data.gz' (the name of the folder's temporary copy); now it names the file
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "a.csv.gz").write_bytes(gzip.compress(ROWS))
    os.replace(_twice(tmp_path), folder / "b.csv.gz")
    res = runner.invoke(app, ["inspect", str(folder)])  # (a usage error: one line from main())
    assert res.exit_code == 2, res.output
    text = " ".join(res.stderr.replace("│", " ").split())
    assert "b.csv.gz is gzip-compressed twice" in text, res.stderr
    assert "data.gz" not in text


def test_stream_of_gzip_compressed_twice_names_it(labelled: dict[str, Any], tmp_path: Path) -> None:
    # stream decompresses a gzip input once; one compressed twice was "not valid JSON ('utf-8'
    # codec can't decode byte 0x8b ...)" with nothing saying why
    path = tmp_path / "rows.jsonl.gz"
    path.write_bytes(gzip.compress(gzip.compress(b'{"bytes": 1, "pkts": 2, "proto": "tcp"}\n')))
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(path)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.stderr
    assert "line 1: not valid JSON" in res.stderr and "gzip-compressed twice" in res.stderr, res.stderr


def test_stream_of_binary_bytes_is_no_tsv_header(labelled: dict[str, Any], tmp_path: Path) -> None:
    # random bytes holding a tab on stream's input were 'the line looks like the header of a TSV
    # file'; they are binary data, as score calls such a file
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes([0xF4, 0x01, 0x02, 0x03, 0x09, 0x05, 0x06, 0x2C, 0x07]) * 20 + b"\n")
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-i", str(path)])
    assert res.exit_code == 2, res.output
    assert "the input is binary data, not JSON lines" in res.stderr, res.stderr
    assert "header of a TSV" not in res.stderr


def test_csv_header_longer_than_the_block_is_named_by_its_line(tmp_path: Path) -> None:
    # a header line over 1 MiB (200,000 names) was 'malformed value (Could not skip initial 1
    # rows from CSV file, either file is too short or header is larger than block size)';
    # it is now said as a long data row is
    path = tmp_path / "wide.csv"
    n = 200_000
    path.write_text(",".join(f"c{i}" for i in range(n)) + "\n" + ",".join("1" * n) + "\n")
    one_line_error(["inspect", str(path)], "wide.csv: line 1 is longer than 1,048,576 bytes")
    one_line_error(["train", str(path), "--epochs", "1", "-o", str(tmp_path / "m")],
                   "line 1 is longer than 1,048,576 bytes", tmp_path / "m")


def test_csv_header_not_utf8_is_refused_as_a_row_is(tmp_path: Path) -> None:
    # a header with bytes that are no UTF-8 was read with U+FFFD in their place: train made a
    # model of column 'dur\ufffdation' without a word (score of a clean file then missed
    # 'dur\ufffdation'), while a data row with such bytes stops the read naming its line
    path = tmp_path / "flows.csv"
    path.write_bytes(b"dur\xffation,proto\n" + b"1,tcp\n2,udp\n" * 20)
    model = tmp_path / "m"
    for args in (["inspect", str(path)], ["train", str(path), "--epochs", "1", "-o", str(model)],
                 ["train", str(path), "--epochs", "1", "-o", str(model), "--on-bad-rows", "skip"]):
        one_line_error(args, "flows.csv: line 1: undecodable bytes (not UTF-8) in the header", model)


def test_json_integer_of_5000_digits_gives_no_python_advice(tmp_path: Path) -> None:
    # a JSON line holding an integer of 5,000 digits was 'malformed JSON (Exceeds the limit (4300
    # digits) ...; use sys.set_int_max_str_digits() to increase the limit)' from train, score,
    # evaluate and inspect: Python's advice, which stream already left out
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1, "b": "x"}\n{"a": ' + "9" * 5000 + ', "b": "y"}\n')
    for args in (["inspect", str(path)], ["train", str(path), "--epochs", "1", "-o", str(tmp_path / "m")]):
        one_line_error(args, "rows.jsonl: line 2: not valid JSON (Exceeds the limit (4300 digits)",
                       tmp_path / "m")
        assert "sys.set_int_max_str_digits" not in runner.invoke(app, args).stderr


def test_a_stray_nul_byte_in_a_csv_field_is_read_where_it_stands(tmp_path: Path) -> None:
    # one NUL byte in a text field of line 3 refused the whole file, 'binary data (NUL bytes),
    # not a CSV/TSV/JSONL table', while the same byte past the first 8 KiB was read as text (and
    # stream named a JSON line's NUL by its line); a file of NULs or UTF-16 is still binary
    rows = b"bytes,proto\n" + b"1,tcp\n2,u\x00dp\n" + b"3,tcp\n" * 20
    early, late = tmp_path / "early.csv", tmp_path / "late.csv"
    early.write_bytes(rows)
    late.write_bytes(b"bytes,proto\n" + b"1,tcp\n" * 3000 + b"2,u\x00dp\n")
    for path in (early, late):
        res = runner.invoke(app, ["inspect", str(path)])
        assert res.exit_code == 0, res.output
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_bytes(b'{"a": 1, "b": "x"}\n{"a": 1}\x00\n' + b'{"a": 2, "b": "y"}\n' * 5)
    one_line_error(["inspect", str(jsonl)], "rows.jsonl: line 2: not valid JSON")
    utf16 = tmp_path / "wide.csv"
    utf16.write_bytes(rows.replace(b"\x00", b"").decode().encode("utf-16-le"))
    one_line_error(["inspect", str(utf16)], "binary data (NUL bytes)")
