"""Review 22 (rd22): ASD/SMD files with a header line, a gzip-compressed SKAB file not named .gz,
64-bit ids beside a whole float in JSON lines, quoted CRs of CR-ended CSV files in a folder."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest.readers import read_table
from hourglass.ingest.timeseries import read_skab, read_smd


def _asd(tmp_path: Path, name: str, text: str, labels: str | None = None) -> Path:
    for part in ("train", "test", "test_label"):
        (tmp_path / part).mkdir(exist_ok=True)
    if labels is not None:
        (tmp_path / "test_label" / name).write_text(labels)
    path = tmp_path / ("test" if labels is not None else "train") / name
    path.write_text(text)
    return path


def test_asd_file_with_a_header_line_of_names_is_read_without_it(tmp_path: Path) -> None:
    # a first line of column names ('cpu,mem') refused the whole file: 'expected comma-separated
    # numbers (ASD/SMD format)', saying nothing of the header nor what to do
    plain = read_smd(_asd(tmp_path, "a.txt", "0.1,0.2\n0.3,0.4\n"))
    named = read_smd(_asd(tmp_path, "b.txt", "cpu,mem\n0.1,0.2\n0.3,0.4\n"))
    assert named.equals(plain) and named.columns.tolist() == ["m1", "m2"]
    # labelled: the labels count the data rows, the header no row
    test = read_smd(_asd(tmp_path, "c.txt", "cpu,mem\n0.1,0.2\n0.3,0.4\n", labels="0\n1\n"))
    assert test["label"].tolist() == [0, 1] and test["m1"].tolist() == [0.1, 0.3]


def test_asd_file_whose_first_line_mixes_names_and_numbers_is_named(tmp_path: Path) -> None:
    # refused as 'expected comma-separated numbers' without naming the line or what to do
    with pytest.raises(InputError, match=r"line 1 mixes numbers and text \('cpu,0.5'\).*remove it"):
        read_smd(_asd(tmp_path, "a.txt", "cpu,0.5\n0.1,0.2\n"))
    with pytest.raises(InputError, match="expected comma-separated numbers"):  # text further on
        read_smd(_asd(tmp_path, "b.txt", "0.1,0.2\n0.1,x\n"))


@pytest.mark.parametrize("name", ["1.csv", "skab"])
def test_skab_gzip_file_not_named_gz_is_said_to_be_gzip(tmp_path: Path, name: str) -> None:
    # said 'not a SKAB file ('utf-8' codec can't decode byte 0x8b in position 1 ...)'
    path = tmp_path / name
    path.write_bytes(gzip.compress(b"datetime;A;anomaly;changepoint\n2020-01-01 00:00:00;1;0;0\n"))
    with pytest.raises(InputError, match=rf"gzip-compressed data in a file not named \.gz; "
                                         rf"name it {name}\.gz"):
        read_skab(path)


def test_asd_gzip_file_not_named_gz_is_said_to_be_gzip(tmp_path: Path) -> None:
    # said 'expected comma-separated numbers (ASD/SMD format)'
    path = tmp_path / "e.txt"
    path.write_bytes(gzip.compress(b"0.1,0.2\n0.3,0.4\n"))
    with pytest.raises(InputError, match=r"gzip-compressed data in a file not named \.gz"):
        read_smd(path)


@pytest.mark.parametrize("other", ["7.0", "null"])
def test_json_lines_64_bit_ids_beside_a_whole_float_stay_exact(tmp_path: Path, other: str) -> None:
    # ids past 2**53 in some records and 7.0 in another became float64: 9007199254740993 read
    # as 9007199254740992.0 (only a missing value kept them exact, as nullable Int64); and
    # 2**53 + 1 beside a null was rounded too (it rounds to 2**53, which the check let pass)
    path = tmp_path / "ids.jsonl"
    path.write_text(f'{{"id": 9007199254740993}}\n{{"id": 9007199254740995}}\n{{"id": {other}}}\n')
    col = read_table(path)["id"]
    assert col.tolist()[:2] == [9007199254740993, 9007199254740995]
    assert str(col.dtype) == ("int64" if other == "7.0" else "Int64")
    assert col.tolist()[2] == 7 if other == "7.0" else pd.isna(col.tolist()[2])
    path.write_text(f'{{"id": 9007199254740993}}\n{{"id": {other}}}\n')  # 2**53 + 1 alone
    assert read_table(path)["id"].tolist()[0] == 9007199254740993
    # a fraction is no id: floats as before
    path.write_text('{"id": 9007199254740993}\n{"id": 7.5}\n')
    assert read_table(path)["id"].dtype == np.float64


def test_json_lines_64_bit_ids_in_one_chunk_and_a_whole_float_in_the_next_stay_exact(
        tmp_path: Path) -> None:
    # a chunk of ids (int64) joined to a later chunk with 7.0 (float64) made them float64
    path = tmp_path / "ids.jsonl"
    path.write_text("".join(f'{{"id": {2**53 + 1 + 2 * i}}}\n' for i in range(50_000))
                    + '{"id": 7.0}\n')
    col = read_table(path)["id"]
    assert col.dtype == np.int64 and col.iloc[0] == 2**53 + 1 and col.iloc[-1] == 7


@pytest.mark.parametrize("eol", ["\r\n", "\r"])
def test_folder_of_csv_files_with_a_cr_in_a_quoted_field_reads_as_the_files_alone(
        tmp_path: Path, eol: str) -> None:
    # in a folder's copy a CR-ended file's lines were made LF-ended CR by CR, the CR within a
    # quoted field too: 'a\rb' read alone was 'a\nb' read through the folder
    from hourglass.cli._spool import folder_as_file, remove_spooled

    (tmp_path / "a.csv").write_bytes(f'id,msg{eol}1,"a\rb"{eol}2,plain{eol}'.encode())
    (tmp_path / "b.csv").write_bytes(f'id,msg{eol}3,"c\rd ""q\r"" e"{eol}4,x{eol}'.encode())
    alone = [v for f in ("a.csv", "b.csv") for v in read_table(tmp_path / f)["msg"].tolist()]
    try:
        folder = read_table(folder_as_file(tmp_path))
    finally:
        remove_spooled()
    assert alone == ["a\rb", "plain", "c\rd \"q\r\" e", "x"]
    assert folder["msg"].tolist() == alone and folder["id"].tolist() == [1, 2, 3, 4]


def test_folder_of_cr_ended_logs_with_a_stray_quote_keeps_their_lines(tmp_path: Path) -> None:
    # the quoted-CR rule of CSV files also merged a CR-ended log's lines after an odd '"' in one
    # (a message quoting part of a name): read alone, the log reader splits each at its CR
    from hourglass.cli._spool import folder_as_file, remove_spooled

    d = tmp_path / "logs"
    d.mkdir()
    (d / "a.log").write_bytes(b'user "bob logged in\rsecond line\rthird line\r')
    (d / "b.log").write_bytes(b"fourth line\rfifth line\r")
    try:
        path = folder_as_file(d)
        assert path.read_bytes().split(b"\n") == [b'user "bob logged in', b"second line",
                                                   b"third line", b"fourth line", b"fifth line", b""]
    finally:
        remove_spooled()
