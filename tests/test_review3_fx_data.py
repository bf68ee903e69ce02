"""Review 3 (data reading): a folder of mixed formats, a model folder given as DATA, JSON lines
nested too deep, repeated header rows without quoting, SQLite output names and strict JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hourglass.cli.app import main
from tests.test_folder_data import _usage_error


def test_a_folder_of_csv_and_json_lines_is_warned_about(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    # read silently as CSV (the JSON lines became values such as '{"a":1'); now a warning names a
    # file of each (not a refusal: a log's line may be JSON, a CSV part's first cell braced)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "1.csv").write_text("a,b\n1,2\n3,4\n")
    (mixed / "2.jsonl").write_text('{"a": 1, "b": 2}\n{"a": 3, "b": 4}\n')
    monkeypatch.setattr("sys.argv", ["hourglass", "inspect", str(mixed)])
    with pytest.raises(SystemExit):
        main()
    err = capsys.readouterr().err
    assert "holds files of different layouts: 2.jsonl is JSON lines, 1.csv is text lines" in err, err


@pytest.mark.parametrize("second", ["{3333-cccc},30,22\n", "{not json\n", '[{"a": 1}]\n'])
def test_a_folder_whose_file_starts_with_a_brace_but_no_json_object_reads_quietly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        second: str) -> None:
    # a CSV part whose first cell is a braced GUID (split -l: a header in the first file only)
    # was refused as 'JSON lines'
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "a.csv").write_text("guid,bytes,port\n{1111-aaaa},10,22\n{2222-bbbb},20,22\n")
    (parts / "b.csv").write_text(second)
    monkeypatch.setattr("sys.argv", ["hourglass", "inspect", str(parts), "--on-bad-rows", "skip"])
    with pytest.raises(SystemExit):
        main()
    assert "different layouts" not in capsys.readouterr().err


def test_a_model_folder_given_as_data_is_named_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"format": "hourglass-artefact", "format_version": 1}))
    (model / "weights.safetensors").write_bytes(b"\0" * 16)
    out = tmp_path / "x"
    for args in (["train", str(model), "-o", str(out)], ["inspect", str(model)],
                 ["score", str(model), str(model), "-o", str(tmp_path / "s.csv")]):
        _usage_error(args, f"{model}: a saved hourglass model folder, not data", monkeypatch, capsys)
    assert not out.exists() and not (tmp_path / "s.csv").exists()
    # another program's config.json does not make a folder a model: read as data
    (model / "weights.safetensors").unlink()
    (model / "config.json").write_text('{"app": 1}\n')
    (model / "rows.jsonl").write_text('{"app": 2}\n')
    monkeypatch.setattr("sys.argv", ["hourglass", "inspect", str(model)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 0, capsys.readouterr()


def _deep_jsonl(path: Path) -> Path:
    row = '{"x": 0.5, "proto": "tcp"}\n'
    path.write_text(row + '{"x": ' + "[" * 5000 + "]" * 5000 + ', "proto": "tcp"}\n' + row)
    return path


def test_a_json_line_nested_too_deep_is_a_bad_line(tmp_path: Path) -> None:
    from hourglass.errors import InputError
    from hourglass.ingest.tables import ReadStats, iter_table

    path = _deep_jsonl(tmp_path / "deep.jsonl")
    with pytest.raises(InputError, match=r"deep.jsonl: line 2: JSON nested deeper .* on_bad_rows='skip'"):
        list(iter_table(path, fmt="jsonl"))
    stats = ReadStats()
    rows = sum(len(df) for df in iter_table(path, fmt="jsonl", on_bad_rows="skip", stats=stats))
    assert rows == 2 and stats.bad_lines == [2]


@pytest.mark.parametrize("quote", [True, False])
def test_repeated_header_rows_without_quoting_keep_numbers_numeric(tmp_path: Path, quote: bool) -> None:
    from hourglass.ingest.tables import ReadStats, iter_table

    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n1,2.5,x\n3,,y\na,b,c\n5,6.5,z\n")
    stats = ReadStats()
    (df,) = iter_table(path, fmt="csv", quote=quote, header_rows=True, stats=stats)
    assert df["a"].tolist() == [1.0, 3.0, 5.0] and df["b"].tolist()[::2] == [2.5, 6.5]
    assert df["b"].isna().tolist() == [False, True, False] and df["c"].tolist() == ["x", "y", "z"]
    assert stats.bad_lines == [4]


def test_a_sqlite_error_of_write_table_names_the_output(tmp_path: Path) -> None:
    import pandas as pd

    from hourglass.errors import InputError
    from hourglass.ingest.readers import write_table

    out = tmp_path / "alerts.sqlite"
    with pytest.raises(InputError) as err:
        write_table(pd.DataFrame({"score": [1.0], "Score": [2.0]}), out)
    assert str(err.value).startswith(f"{out}: columns 'score' and 'Score'") and ".tmp" not in str(err.value)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_dict_with_nan_is_written_to_sqlite_as_strict_json(tmp_path: Path) -> None:
    import sqlite3

    import numpy as np
    import pandas as pd

    from hourglass.ingest.sqlite import SQLiteWriter

    path = tmp_path / "a.sqlite"
    writer = SQLiteWriter(path)
    writer.write(pd.DataFrame({"fields": [{"bytes": float("nan"), "n": np.int64(3),
                                           "r": [float("-inf"), np.float32(0.5), pd.NA]}]}))
    writer.close()
    (text,) = sqlite3.connect(path).execute("SELECT fields FROM alerts").fetchone()

    def refuse(word: str) -> None:
        raise ValueError(word)

    assert json.loads(text, parse_constant=refuse) == {"bytes": None, "n": 3, "r": [None, 0.5, None]}


def test_a_folder_whose_config_json_is_nested_too_deep_is_read_as_data(tmp_path: Path) -> None:
    # is_artefact let json's RecursionError out: a traceback instead of the reader's own error
    from hourglass.pipeline.artefact import is_artefact

    (tmp_path / "config.json").write_text("[" * 5000 + "]" * 5000)
    assert not is_artefact(tmp_path)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_as_data_is_read_once_then_as_a_file(tmp_path: Path) -> None:
    # a FIFO (or <(zcat log.gz), /dev/stdin) was read more than once: a log model's training
    # found it empty at the second read ('the log is empty') or waited for a writer forever
    import os
    import threading

    from typer.testing import CliRunner

    from hourglass.cli import app
    from tests.test_logs import hdfs_log

    fifo = tmp_path / "hdfs.log"
    os.mkfifo(fifo)
    text = "\n".join(hdfs_log(6)) + "\n"
    writer = threading.Thread(target=lambda: fifo.write_text(text), daemon=True)
    writer.start()
    res = CliRunner().invoke(app, ["train", str(fifo), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                                   "--model", "deeplog", "--epochs", "1", "-q", "-o", str(tmp_path / "M")])
    writer.join(10)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "M" / "config.json").is_file()
