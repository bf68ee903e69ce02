"""Regression tests for raw-log parsing, log sessions and the log detectors' inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.features.sessions import EventSessions
from hourglass.ingest.logs import LogParser

_STAMPED = r"^(?P<timestamp>\S+) (?P<content>.*)$"


def test_epoch_milliseconds_in_a_timestamp_group_are_times() -> None:
    """A header regex's ``timestamp`` group in epoch milliseconds read as no time at all (NaN:
    taken for seconds past 2262), so ``window`` found no event; each number is now read in the
    unit its size gives, as every time column is."""
    ms = 1_700_000_000_000
    lines = [f"{ms + 1000 * i} open file {i}" for i in range(4)] + ["1700000003 close file 9"]
    ev = LogParser(_STAMPED).fit(lines).events_
    np.testing.assert_allclose(ev["time"].to_numpy(), [1.7e9, 1.7e9 + 1, 1.7e9 + 2, 1.7e9 + 3, 1.7e9 + 3])
    us = LogParser(_STAMPED).fit([f"{ms * 1000 + 5_000_000} a 1", "12.5 b 2"]).events_
    assert us["time"].tolist() == [1.7e9 + 5, 12.5]  # seconds since boot stay seconds
    sessions = EventSessions(format=_STAMPED, window=2).fit(lines).sessions(lines)
    assert [len(s) for s in sessions.sequences] == [2, 3]


def test_day_first_dates_read_alike_in_every_chunk_of_a_read() -> None:
    """Each chunk of a log guessed its own day/month order: after a chunk whose 31/01/2024 said
    day first, a chunk of lines all dated 01/02/2024 was read month first (2 January), so one
    line's time depended on where a chunk began; the order a chunk told is kept for the read."""
    lines = ([f"31/01/2024 23:59:{s:02d} open file {s}" for s in range(50, 60)]
             + [f"01/02/2024 00:00:{s:02d} open file {s}" for s in range(10)])
    parser = LogParser(r"^(?P<timestamp>\S+ \S+) (?P<content>.*)$")
    whole = pd.concat(list(parser.fit_chunks(lines, chunk_size=100)))["time"].to_numpy()
    parts = pd.concat(list(parser.parse_chunks(lines, chunk_size=10)))["time"].to_numpy()
    np.testing.assert_array_equal(parts, whole)
    assert parts[10] - parts[9] == 1.0  # 23:59:59 on 31 January, then midnight on 1 February


def test_numeric_key_names_in_a_column_with_an_empty_cell(tmp_path: Path) -> None:
    """A key column named by text (``4624``, ``login``) scored from a file whose column held only
    numbers and one empty cell (read as floats) spelt every key ``4624.0``: all unknown."""
    train = tmp_path / "train.csv"
    train.write_text("user,ev\na,4624\nb,login\na,4625\nb,4624\n")
    score = tmp_path / "score.csv"
    score.write_text("user,ev\na,4624\nb,\na,4625\nb,4624\n")
    pre = EventSessions(session_column="user", key_column="ev").fit(str(train))
    assert pre.key_names_ == ["4624", "4625", "login"]
    sessions = pre.sessions(str(score))
    assert [s.tolist() for s in sessions.sequences] == [[1, 2], [1]]
    assert sessions.stats["unknown_template"] == 0 and sessions.stats["events_without_key"] == 1
    frame = pd.DataFrame({"user": ["a", "b"], "ev": [4625.0, np.nan]})  # the same in a DataFrame
    assert [s.tolist() for s in pre.sessions(frame).sequences] == [[2]]
    pre.key_names_ = ["4624.0", "4625.0", "login"]  # a model saved with floats' names scores as it did
    assert [s.tolist() for s in pre.sessions(frame).sequences] == [[2]]


def test_parameters_of_a_template_with_a_mask_named_with_underscore_or_digit() -> None:
    """A mask named ``USER_ID`` (or ``V2``) left ``<USER_ID>`` in the template as literal text, so
    the template never lined up with its line and an alert quoted no parameter at all."""
    from hourglass.explain.events import _quote

    parser = LogParser("raw", masks=(("USER_ID", r"uid=\d+"), ("NUM", r"\d+")))
    lines = [f"login uid={i} from host {i + 3} ok" for i in range(3)]
    template = parser.fit(lines).templates()[1]
    assert template == "login <USER_ID> from host <NUM> ok"
    assert _quote(template, "login uid=42 from host 9 ok")["parameters"] == ["uid=42", "9"]
    # a lower-case word in angle brackets (Java's <init>) is still text, not a parameter
    assert LogParser.parameters("at Foo.<init>(<NUM>)", "at Foo.<init>(10)") == ["10"]


def test_event_table_whose_first_line_nests_deep_is_one_error_line(tmp_path: Path) -> None:
    """The look for the format's event-time field in the first record let json's RecursionError
    out of ``train`` as a traceback; such a record has no time field (the reader's own error line
    then says what is wrong with it)."""
    from hourglass.cli.logs import _format_time_col

    data = tmp_path / "events.jsonl"
    data.write_text("[" * 100_000 + "]" * 100_000 + "\n" + '{"user": "a", "@timestamp": "x"}\n')
    assert _format_time_col(data, "winlogbeat") is None
    data.write_text('{"user": "a", "@timestamp": "2024-01-01T00:00:00Z"}\n')
    assert _format_time_col(data, "winlogbeat") == "@timestamp"

def test_session_labels_named_in_capitals_read_as_tsv(tmp_path: Path) -> None:
    """``--labels LABELS.TSV`` was read as comma-separated: one column 'BlockId\\tLabel', and the
    error said the file had no BlockId column."""
    from hourglass.cli.logs import read_session_labels

    path = tmp_path / "LABELS.TSV"
    path.write_text("BlockId\tLabel\nblk_1\tNormal\nblk_2\tAnomaly\n")
    got = read_session_labels(path, id_col="BlockId", label_col="Label")
    assert got.to_dict() == {"blk_1": "Normal", "blk_2": "Anomaly"}
