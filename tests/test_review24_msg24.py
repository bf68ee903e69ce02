"""Messages about odd column names and files, the same from every command: regression tests."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest import read_table
from tests._cli import one_line_error, runner


def _last_error(args: list[str], match: str, out: Path | None = None) -> None:
    """``hourglass ARGS`` exits with code 2, no traceback, its last stderr line the error
    (train logs what it dropped before it), holding ``match``; no ``out`` left behind."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    assert match in res.stderr.strip().splitlines()[-1], res.stderr
    assert out is None or not out.exists()


def test_an_empty_column_name_is_shown_quoted_in_column_lists(caplog: pytest.LogCaptureFixture) -> None:
    # a column named "" (a JSON key "") read as a blank: "dropping 1 column(s) constant in
    # training: " and "the data has x, " named nothing
    df = pd.DataFrame({"": [1.0] * 5, "a": np.arange(5.0), "b": [2.0, 3.0, 5.0, 1.0, 9.0]})
    with caplog.at_level(logging.INFO, logger="hourglass"):
        pre = TabularPreprocessor().fit(df)
    assert "constant in training: ''" in caplog.text
    with pytest.raises(InputError, match=r"missing: a, b; the data has x, ''$"):
        pre.transform(pd.DataFrame({"x": [1.0], "": [2.0]}))


@pytest.mark.parametrize("command", ["train", "inspect"])
def test_train_and_inspect_name_the_file_of_a_features_error(tmp_path: Path, command: str) -> None:
    # 'column 'proto': a cell holds bytes that are no UTF-8 text' and 'no usable feature column'
    # came from train and inspect without the file, where score names it
    constant = tmp_path / "constant.csv"
    constant.write_text("a,b\n1,2\n1,2\n")
    binary = tmp_path / "bytes.parquet"
    pd.DataFrame({"proto": [b"\xff\xfe", b"ab", b"cd"], "x": [1.0, 2.0, 3.0]}).to_parquet(binary)
    out = tmp_path / "model"
    extra = ["--model", "autoencoder", "--epochs", "1", "-o", str(out)] if command == "train" else []
    _last_error([command, str(constant), *extra], f"error: {constant}: no usable feature column", out)
    _last_error([command, str(binary), *extra], f"error: {binary}: column 'proto': a cell holds bytes", out)


def test_every_leading_byte_order_mark_is_stripped_from_a_csv_header(tmp_path: Path) -> None:
    # a CSV saved with two byte-order marks kept the second in its first column's name: train
    # learnt '\ufeffa', then score of the same table without them said 'a' was missing
    twice = tmp_path / "bom.csv"
    twice.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfa,b\n1,2\n2,5\n3,1\n4,7\n")
    assert list(read_table(twice).columns) == ["a", "b"]
    plain = tmp_path / "ab.csv"
    plain.write_text("a,b\n1,2\n")
    model = tmp_path / "model"
    res = runner.invoke(app, ["train", str(twice), "--model", "autoencoder", "--epochs", "1",
                              "-o", str(model)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(plain), "-o", str(tmp_path / "a.jsonl")])
    assert res.exit_code == 0, res.output


def test_lines_of_only_delimiters_are_rows_of_missing_values_not_malformed(tmp_path: Path) -> None:
    # under a header of only delimiters (',,,'), each ',,,' line was taken for the header again:
    # train said 'no data rows', score, evaluate and inspect 'no data rows (2 malformed row(s)
    # skipped)' without --on-bad-rows skip; such a line is a row of missing values (as it is
    # under any other header), and every command says so alike
    from hourglass.ingest.tables import ReadStats

    path = tmp_path / "commas.csv"
    path.write_text(",,,\n,,,\n,,,\n")
    stats = ReadStats()
    df = read_table(path, stats=stats)
    assert len(df) == 2 and stats.bad_rows == 0 and df.isna().all().all()
    out = tmp_path / "model"
    said = f"error: {path}: no usable feature column: every column is constant, dropped or an " \
           "identifier (2 training row(s), in which every value is missing)"
    _last_error(["train", str(path), "--model", "autoencoder", "--epochs", "1", "-o", str(out)], said, out)
    _last_error(["inspect", str(path)], said)


@pytest.mark.parametrize("name", ["Security.evtx", "Security.evtx.gz"])
@pytest.mark.parametrize("how", [[], ["--format", "evtx"]])
def test_a_gzipped_evtx_gets_one_hint_to_decompress_it(tmp_path: Path, name: str, how: list[str]) -> None:
    # gzip data named .evtx was told 'name it Security.evtx.gz', which was then refused
    # ('decompress it first'), and with --format evtx 'not a readable Windows .evtx event log'
    import gzip

    path = tmp_path / name
    path.write_bytes(gzip.compress(b"ElfFile\x00" + bytes(4088)))
    hint = "gunzip -k Security.evtx.gz, then read Security.evtx" if name.endswith(".gz") \
        else "gunzip -c Security.evtx > plain.evtx, then read plain.evtx"
    said = f"error: {path}: a gzip-compressed Windows .evtx event log; decompress it first ({hint})"
    out = tmp_path / "model"
    one_line_error(["train", str(path), *how, "--model", "autoencoder", "--epochs", "1", "-o", str(out)],
                   said, out)
    one_line_error(["inspect", str(path), *how], said)


@pytest.mark.parametrize("command", ["train", "inspect", "score", "explain"])
def test_binary_json_read_as_windows_json_is_told_binary_by_every_command(tmp_path: Path,
                                                                          command: str) -> None:
    # a NUL-filled .json given with --format windows-json was 'line 1: malformed JSON' (train,
    # inspect and, through that reader, score and explain) where the sniffing path said
    # 'binary data (NUL bytes)': the JSON lines reader now tests for binary data as tables do
    path = tmp_path / "events.json"
    path.write_bytes(bytes(3000))
    if command in ("score", "explain"):
        model = tmp_path / "model"
        good = tmp_path / "w.json"
        good.write_text("".join(f'{{"EventID": {4624 + i % 2}, "Channel": "Security", '
                                f'"Computer": "h{i % 3}", "n": {i}}}\n' for i in range(12)))
        res = runner.invoke(app, ["train", str(good), "--format", "windows-json", "--model", "autoencoder",
                                  "--epochs", "1", "-o", str(model)])
        assert res.exit_code == 0, res.output
        args = [command, str(model), str(path), "--format", "windows-json",
                *(["-o", str(tmp_path / "alerts.jsonl")] if command == "score" else [])]
    elif command == "train":
        args = [command, str(path), "--format", "windows-json", "--model", "autoencoder", "--epochs", "1",
                "-o", str(tmp_path / "m")]
    else:
        args = [command, str(path), "--format", "windows-json"]
    one_line_error(args, f"error: {path}: binary data (NUL bytes), not a CSV/TSV/JSONL table")
