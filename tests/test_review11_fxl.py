"""Regression tests: a folder's repeated header lines, log time stamps, event-table keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli._spool import folder_as_file, remove_spooled


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize("header, rows", [
    ("src,dst,bytes,", ("10.0.0.1,10.0.0.2,5,", "10.0.0.3,10.0.0.4,7,")),  # a trailing separator
    (",src,bytes", ("0,10.0.0.1,", "1,10.0.0.3,7")),  # pandas' index column, an empty cell
    ("src,dst", ("src,x", "1,2")),  # a value equal to a column's name
])
def test_folder_writes_a_tables_header_once_when_a_data_line_shares_a_field_with_it(
        tmp_path: Path, header: str, rows: tuple[str, str]) -> None:
    folder = _folder(tmp_path, {"a.csv": f"{header}\n{rows[0]}\n", "b.csv": f"{header}\n{rows[1]}\n"})
    try:
        assert folder_as_file(folder).read_text().splitlines() == [header, *rows]
    finally:
        remove_spooled()


@pytest.mark.parametrize("files, lines", [
    ({"01.log": "sshd: session opened for user root\n",  # a quiet hour: one line
      "02.log": "sshd: session opened for user root\nkernel: CPU0 temperature above threshold\n",
      "03.log": "sshd: session closed for user root\nkernel: CPU0 clock throttled\n"},
     ["sshd: session opened for user root", "sshd: session opened for user root",
      "kernel: CPU0 temperature above threshold", "sshd: session closed for user root",
      "kernel: CPU0 clock throttled"]),
    ({"01": "1 2 3 4\n", "02": "1 2 3 4\n5 6 7 8\n", "03": "2 1 3 4\n9 9\n"},  # key files
     ["1 2 3 4", "1 2 3 4", "5 6 7 8", "2 1 3 4", "9 9"]),
])
def test_folder_after_a_lone_line_file_does_not_refuse_a_later_log_line_as_a_header(
        tmp_path: Path, files: dict[str, str], lines: list[str]) -> None:
    try:  # a line of words again is data (a log's event, a key file's session), never a header,
        # and turns on no header check of the files after it
        assert folder_as_file(_folder(tmp_path, files)).read_text().splitlines() == lines
    finally:
        remove_spooled()


@pytest.mark.parametrize("files, lines", [
    ({"part-00": "0,tcp,http,SF,1\n0,tcp,http,SF,1\n0,udp,dns,SF,2\n",  # headerless rows
      "part-01": "0,tcp,http,SF,1\n0,udp,dns,SF,3\n"},
     ["0,tcp,http,SF,1", "0,tcp,http,SF,1", "0,udp,dns,SF,2", "0,tcp,http,SF,1", "0,udp,dns,SF,3"]),
])
def test_folder_keeps_a_repeated_first_line_of_delimited_data(
        tmp_path: Path, files: dict[str, str], lines: list[str]) -> None:
    try:  # the first file's next line shares most of its fields: data, not a header (a line of
        # two or three fields sharing one with the next is taken for a header: src,dst over src,x)
        assert folder_as_file(_folder(tmp_path, files)).read_text().splitlines() == lines
    finally:
        remove_spooled()


def test_folder_checks_a_header_whose_data_shares_a_value_with_it(tmp_path: Path) -> None:
    import typer

    files = {"a.csv": "src,dst\nsrc,x\n", "b.csv": '"src","dst"\n1,2\n'}  # quoted otherwise
    try:
        assert folder_as_file(_folder(tmp_path, files)).read_text().splitlines() == [
            "src,dst", "src,x", "1,2"]
    finally:
        remove_spooled()
    (tmp_path / "b").mkdir()
    files = {"a.csv": "src,dst,bytes\nsrc,x,1\n", "b.csv": "dst,src,bytes\n1,2,3\n"}
    with pytest.raises(typer.BadParameter, match="another header line"):
        folder_as_file(_folder(tmp_path / "b", files))
    remove_spooled()


def test_log_iso_dates_after_a_chunk_of_day_first_dates_are_read_as_iso() -> None:
    from hourglass.ingest.logs import LogParser

    lines = ([f"31/01/2024 23:59:5{i} user login ok" for i in range(10)]
             + [f"2024-02-01 10:00:0{i} user login ok" for i in range(10)]
             + [f"01/02/2024 11:00:0{i} user login ok" for i in range(10)])  # still day first
    parser = LogParser(r"^(?P<timestamp>\S+ \S+) (?P<content>.*)$")
    secs = pd.concat(list(parser.fit_chunks(lines, chunk_size=10)))["time"]
    times = pd.to_datetime(secs, unit="s")  # seconds since the epoch
    assert [str(times.iloc[i]) for i in (9, 10, 20)] == [
        "2024-01-31 23:59:59", "2024-02-01 10:00:00", "2024-02-01 11:00:00"]


def test_float_keys_are_found_by_their_integer_or_their_saved_float_spelling() -> None:
    from hourglass.features.sessions import EventSessions

    train = pd.DataFrame({"user": ["a", "b", "a"], "ev": ["4624", "login", "4625"]})
    pre = EventSessions(session_column="user", key_column="ev").fit(train)
    pre.key_names_ = ["4624", "4625.0", "login", "1.5"]  # '4625.0': a name saved as floats spelt it
    frame = pd.DataFrame({"user": ["a"] * 5, "ev": [4624.0, 4625.0, 9999.0, 1.5, np.nan]})
    sessions = pre.sessions(frame)
    assert [s.tolist() for s in sessions.sequences] == [[1, 2, 0, 4]]
    assert sessions.stats["unknown_template"] == 1


def test_alert_text_of_a_float_key_column_names_keys_as_the_model_does(tmp_path: Path) -> None:
    from hourglass.features.sessions import EventSessions

    train = tmp_path / "train.csv"
    train.write_text("user,ev\na,4624\nb,login\na,4625\nb,4624\n")
    score = tmp_path / "score.csv"  # numbers and an empty cell: read as floats
    score.write_text("user,ev\na,4624\nb,\na,9999\nb,4624.5\n")
    pre = EventSessions(session_column="user", key_column="ev").fit(str(train))
    want = {1: "4624", 3: "9999", 4: "4624.5"}
    assert pre.sessions(str(score)).text_of({1, 3, 4}) == want
    assert pre.sessions(pd.read_csv(score)).text_of({1, 3, 4}) == want


def test_mixed_epoch_units_in_a_logs_timestamp_group_named_by_log_line(
        caplog: pytest.LogCaptureFixture) -> None:
    from hourglass.ingest.logs import LogParser

    lines = ["junk"] * 4 + ["1700000000 open a", "junk", "1700000001000 open b", "1700000002 open c"]
    for _ in range(2):  # each parser says it (not once a process for every 'timestamp' column)
        with caplog.at_level("WARNING"):
            caplog.clear()
            LogParser(r"^(?P<timestamp>\d+) (?P<content>.*)$").fit(lines)
        said = [r.getMessage() for r in caplog.records if "epoch units" in r.getMessage()]
        assert len(said) == 1 and "(line 5 in seconds, line 7 in milliseconds)" in said[0]
        assert "timestamp group" in said[0]


def test_docs_of_a_header_regexs_timestamp_group_name_every_epoch_unit() -> None:
    from hourglass.cli._options import LOG_FORMAT_HELP

    assert "ms, us or ns" in LOG_FORMAT_HELP["(?P<content>...)"]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    said = readme.split("and optionally `(?P<timestamp>...)`:", 1)[1][:200]
    assert "milliseconds, microseconds or nanoseconds" in " ".join(said.split())


def test_log_numeric_dates_after_a_hundred_iso_ones_keep_the_order_told() -> None:
    from hourglass.ingest.logs import LogParser

    lines = ([f"31/01/2024 23:59:{i % 60:02d} user login ok" for i in range(101)]
             + [f"2024-01-02 10:00:{i % 60:02d} user login ok" for i in range(100)]
             + ["01/02/2024 11:00:00 user login ok"])  # day first, as the first chunk told
    parser = LogParser(r"^(?P<timestamp>\S+ \S+) (?P<content>.*)$")
    secs = pd.concat(list(parser.fit_chunks(lines, chunk_size=101)))["time"]
    times = pd.to_datetime(secs, unit="s")
    assert [str(times.iloc[i]) for i in (100, 101, 201)] == [
        "2024-01-31 23:59:40", "2024-01-02 10:00:00", "2024-02-01 11:00:00"]
