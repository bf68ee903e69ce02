"""Review 23 (csv23): a CSV read the same whatever its block size (a later hex number beside 64-bit
ids); 64-bit ids beside a whole number written with an exponent stay exact, as in JSON lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest.tables import iter_table

BIG = 9007199254740993  # 2**53 + 1: float64 reads it as 2**53
SMALL_BLOCK = 4096  # a block of a few hundred rows: the file below is read in several


def _read(path: Path, chunk_bytes: int = 16 << 20, on_bad_rows: str = "error") -> pd.DataFrame:
    return pd.concat(list(iter_table(path, fmt="csv", chunk_bytes=chunk_bytes, on_bad_rows=on_bad_rows)),
                     ignore_index=True)


def _ids_then_hex(tmp_path: Path) -> Path:
    path = tmp_path / "ids.csv"
    rows = [f"{BIG},x"] + [f"{i},x" for i in range(2000)] + ["0x10,y", "5,z"]
    path.write_text("id,b\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("on_bad_rows", ["error", "skip"])
def test_csv_hex_in_a_later_block_of_64_bit_ids_is_text_as_in_the_first(tmp_path: Path,
                                                                        on_bad_rows: str) -> None:
    # a 0x10 in a later block of a column of 64-bit ids was read as 16 (pyarrow's int64 parses
    # hex), while in the first block it makes the column text: the same file read otherwise
    path = _ids_then_hex(tmp_path)
    whole = _read(path, on_bad_rows=on_bad_rows)  # one block
    blocks = _read(path, SMALL_BLOCK, on_bad_rows=on_bad_rows)
    assert whole["id"].iloc[-2:].tolist() == ["0x10", "5"]
    assert blocks["id"].iloc[-2:].tolist() == ["0x10", "5"]
    assert blocks["id"].astype(str).tolist() == whole["id"].astype(str).tolist()


def test_csv_word_in_a_later_block_of_64_bit_ids_still_malformed_beside_hex(tmp_path: Path) -> None:
    # once a later word made the ids be read as text, the 0x10 before it was named the malformed
    # value (a word, where it was 16 otherwise); now the hex turns the ids to text, and the word
    # after it is the malformed value, named by its line
    path = tmp_path / "ids.csv"
    rows = [f"{BIG},x"] + [f"{i},x" for i in range(2000)] + ["0x10,y", "abc,z"]
    path.write_text("id,b\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"line 2004: column 'id': malformed value 'abc'"):
        _read(path, SMALL_BLOCK)


def test_csv_64_bit_ids_in_later_blocks_stay_exact_int64(tmp_path: Path) -> None:
    # (pinned beside the fix: the ids are now read as text and converted) exact int64 in every block
    path = tmp_path / "ids.csv"
    ids = [BIG + i for i in range(2000)]
    path.write_text("id,b\n" + "".join(f"{v},x\n" for v in ids))
    df = _read(path, SMALL_BLOCK)
    assert df["id"].dtype == np.int64 and df["id"].tolist() == ids


@pytest.mark.parametrize("chunk_bytes", [16 << 20, SMALL_BLOCK])
def test_csv_64_bit_ids_beside_an_exponent_stay_exact_as_in_json_lines(tmp_path: Path,
                                                                      chunk_bytes: int) -> None:
    # 9007199254740993 beside 1e3 in the first block made the column float64 (the id read as
    # 9007199254740992), where JSON lines keep it exact (a whole float within 2**53 is an int);
    # in a later block 1e3 turned the ids to text
    path = tmp_path / "ids.csv"
    rows = [f"{BIG},1", "1e3,2"] + [f"{BIG + i},x" for i in range(400)] + ["-1.5E+3,y"]
    path.write_text("id,b\n" + "\n".join(rows) + "\n")
    df = _read(path, chunk_bytes)
    assert df["id"].dtype == np.int64
    assert df["id"].tolist() == [BIG, 1000] + [BIG + i for i in range(400)] + [-1500]
    jsonl = tmp_path / "ids.jsonl"
    jsonl.write_text(f'{{"id": {BIG}}}\n{{"id": 1e3}}\n')
    assert pd.concat(list(iter_table(jsonl, fmt="jsonl")))["id"].tolist() == [BIG, 1000]


def test_csv_64_bit_ids_beside_a_fraction_with_an_exponent_stay_float(tmp_path: Path) -> None:
    # (pinned beside the fix) 1.25e1 is no whole number, as 7.5 is not: the column stays float64
    path = tmp_path / "ids.csv"
    path.write_text(f"id,b\n{BIG},1\n1.25e1,2\n")
    assert _read(path)["id"].dtype == np.float64


@pytest.mark.parametrize("suffix", [".txt", ""])
def test_folder_of_cr_ended_csv_files_not_named_csv_keeps_a_quoted_cr(tmp_path: Path, suffix: str) -> None:
    # a folder's CR-ended CSV files named .txt (or with no extension), which the format sniffer
    # reads as CSV, had the CR inside a quoted field copied as a line feed ('one\ntwo'), where the
    # file read alone keeps it ('one\rtwo'): the quoted-CR rule went by the name .csv/.tsv alone
    from hourglass.cli._spool import folder_as_file, remove_spooled
    from hourglass.ingest.readers import read_table

    folder = tmp_path / "exports"
    folder.mkdir()
    first, second = folder / f"a{suffix}", folder / f"b{suffix}"
    first.write_bytes(b'id,msg\r1,"line one\rline two"\r2,plain\r')
    second.write_bytes(b'id,msg\r3,"x\ry"\r4,z\r')
    alone = read_table(first)["msg"].tolist() + read_table(second)["msg"].tolist()
    assert alone == ["line one\rline two", "plain", "x\ry", "z"]
    try:
        assert read_table(folder_as_file(folder))["msg"].tolist() == alone
    finally:
        remove_spooled()


@pytest.mark.parametrize(("name", "text"), [
    ("a.log", b'host=a msg="open\rhost=b msg=x\r'),
    ("app.txt", b'10:00:00,123 INFO user "bob in\r10:00:01,456 INFO alice out\r10:00:02,789 INFO x\r'),
])
def test_folder_of_cr_ended_logs_keeps_a_stray_quote_as_text(tmp_path: Path, name: str, text: bytes) -> None:
    # (pinned beside the fix) a log's lines are text lines: a stray quote (inside a field, not
    # opening one, as the CSV reader quotes) joins none, a .txt the sniffer reads as CSV included
    from hourglass.cli._spool import folder_as_file, remove_spooled

    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / name).write_bytes(text)
    try:
        assert folder_as_file(folder).read_bytes() == text.replace(b"\r", b"\n")
    finally:
        remove_spooled()


def _mixed_labels(tmp_path: Path) -> tuple[Path, Path]:
    # the same rows as CSV and as JSON lines: labels 0 (normal), 1 and true (attacks)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 2)).round(4)
    labels = ["0"] * 100 + ["1"] * 12 + ["true"] * 8
    csv = tmp_path / "mix.csv"
    csv.write_text("a,b,label\n" + "".join(f"{a},{b},{lab}\n" for (a, b), lab in zip(x, labels, strict=True)))
    jsonl = tmp_path / "mix.jsonl"
    value = {"0": "0", "1": "1", "true": "true"}
    jsonl.write_text("".join(f'{{"a": {a}, "b": {b}, "label": {value[lab]}}}\n'
                             for (a, b), lab in zip(x, labels, strict=True)))
    return csv, jsonl


def test_csv_column_of_0_1_beside_true_is_read_as_written(tmp_path: Path) -> None:
    # pyarrow read a column of 0, 1 and true as booleans (0 as False): the CSV's labels became
    # False/True where the same rows as JSON lines keep 0 and 1; a column is booleans only where
    # every value says true or false (as the README's suppression rules already said)
    path = tmp_path / "t.csv"
    path.write_text("a,label\n1,0\n2,1\n3,true\n")
    assert _read(path)["label"].tolist() == ["0", "1", "true"]
    path.write_text("a,label\n1,0\n2,1\n")  # (pinned) 0/1 alone: numbers
    assert _read(path)["label"].tolist() == [0, 1]
    path.write_text("a,label\n1,true\n2,False\n3,TRUE\n")  # (pinned) true/false alone: booleans
    assert _read(path)["label"].tolist() == [True, False, True]


def test_csv_boolean_column_with_a_later_0_is_a_malformed_value(tmp_path: Path) -> None:
    # a later block's 0 in a column of booleans was read as False (pyarrow's boolean spellings),
    # where in the first block it makes the column text: now a malformed value named by its line,
    # as any later value that does not fit the first block's type (skipped in skip mode)
    path = tmp_path / "t.csv"
    path.write_text("a,label\n" + "".join(f"{i},{'true' if i % 2 else 'false'}\n" for i in range(2000))
                    + "5,0\n")
    with pytest.raises(InputError, match=r"line 2002: column 'label': malformed value '0'"):
        _read(path, SMALL_BLOCK)
    skipped = _read(path, SMALL_BLOCK, on_bad_rows="skip")
    assert len(skipped) == 2000 and skipped["label"].dtype == bool


def test_train_on_labels_0_1_true_splits_csv_and_json_lines_alike(tmp_path: Path) -> None:
    # 'train --label-col label --normal 0' on a CSV of labels 0, 1, true was refused ('no rows
    # with label in [0]; values seen: False, True'), while the same rows as JSON lines trained on
    # the 0 rows; now both train on the 100 rows labelled 0, and --normal false is refused alike
    from hourglass.cli.app import app
    from tests._cli import runner

    csv, jsonl = _mixed_labels(tmp_path)
    for data in (csv, jsonl):
        res = runner.invoke(app, ["train", str(data), "--label-col", "label", "--normal", "0",
                                  "--epochs", "1", "-o", str(tmp_path / f"m-{data.suffix[1:]}")])
        assert res.exit_code == 0, res.output
        assert "training on 100 normal rows of 120" in res.output
    said = []
    for data in (csv, jsonl):
        res = runner.invoke(app, ["train", str(data), "--label-col", "label", "--normal", "false",
                                  "--epochs", "1", "-o", str(tmp_path / "no")])
        assert res.exit_code == 2
        said.append(res.output)
    assert all("no rows with label in ['false']" in s and "did you mean '0'?" in s for s in said)


def test_series_labels_0_1_beside_true_read_as_in_json_lines() -> None:
    # a series' CSV label column of 0, 1 and true is now text: 'true' is 1 and 'false' 0, as
    # JSON lines' booleans beside 0 and 1 are (and as pyarrow's booleans were)
    from hourglass.cli.timeseries import not_normal_steps
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=4, freq="1min").astype(str),
                       "v": [1.0, 2.0, 3.0, 4.0]})
    pre = TimeSeriesPreprocessor("ts", freq="1min").fit(df)
    text = pd.Series(["0", "1", "true", "false"], dtype=object)
    json_values = pd.Series([0, 1, True, False], dtype=object)
    assert pre.align_labels(df, text).tolist() == pre.align_labels(df, json_values).tolist() == [0, 1, 1, 0]
    assert not_normal_steps(text).tolist() == not_normal_steps(json_values).tolist() \
        == [False, True, True, False]
