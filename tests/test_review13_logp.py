"""Raw logs, their templates and sessions: edge cases of valid input and option interactions."""

from __future__ import annotations

import bz2
import json
import lzma
import re
import zipfile
from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions
from hourglass.features.sessions.live import line_events
from hourglass.ingest.logs import LogParser, read_lines

pytest.importorskip("drain3")

HDFS = ["081109 203615 148 INFO dfs.DataNode: open blk_1 size 1",
        "081109 203616 149 INFO dfs.DataNode: close blk_1 size 2",
        "081109 203617 148 INFO dfs.DataNode: open blk_2 size 3"]


@pytest.mark.parametrize("column", ["line", "key", "content", "time"])
def test_a_session_column_that_is_no_header_field_is_refused(column: str) -> None:
    # 'line' and 'key' grouped each line or template into a session of its own, 'content' each
    # message (and failed in a live log with KeyError), 'time' the event time in batch but the
    # header's text in a live log: each is refused, naming the header's fields
    said = {"time": "'time' cannot group sessions: it is each line's event time.*header's other fields",
            "content": "'content' cannot group sessions: it is each line's message.*header's other "
                       "fields"}.get(column, f"no field '{column}' in the 'hdfs' header.*its fields")
    with pytest.raises(InputError, match=rf"^session_column: {said} are date, pid, level, "
                                         r"component$") as info:
        EventSessions(format="hdfs", session_column=column).fit_transform(HDFS)
    assert info.value.param[0] == "session_column"  # (and the options the message suggests)
    pre = EventSessions(format="hdfs", session_column="pid").fit(HDFS)  # a header field: as before
    assert pre.sessions(HDFS).ids == ["148", "149"]
    assert line_events(pre, HDFS, 1, {})["session"] == ["148", "149", "148"]


@pytest.mark.parametrize("bad", [None, float("nan"), b"open blk_1", 5])
def test_a_line_that_is_no_text_is_an_input_error_naming_it(bad: object) -> None:
    # a None, a NaN of a Series of lines or bytes raised TypeError ('argument of type
    # 'NoneType' is not iterable'), naming no line
    with pytest.raises(InputError, match=rf"^line 2: expected a line of text, got {type(bad).__name__}"):
        LogParser("raw").fit(["open blk_1", bad])  # type: ignore[list-item]
    fitted = LogParser("raw").fit(["open blk_1"])
    with pytest.raises(InputError, match=r"^line 3: expected a line of text"):
        fitted.parse(["open blk_2", "x", bad])  # type: ignore[list-item]
    keys = EventSessions(format="keys").fit(None)
    with pytest.raises(InputError, match=r"^input: line 2: expected a line of text"):
        keys.sessions(["1 2", bad])


def test_numeric_dates_are_read_in_the_order_the_training_log_told() -> None:
    # a training log of 20/01 .. 31/01 puts the day first; a day of 05/02/2024 lines tells no
    # order and was read 2 May (month first), by the parser and by one loaded from its state
    rx = r"^(?P<timestamp>\S+ \S+) (?P<content>.*)$"
    parser = LogParser(rx).fit([f"{d:02d}/01/2024 10:00:00 open blk_{d}" for d in range(20, 32)])
    assert parser.dayfirst_ is True
    may = ["05/02/2024 10:00:00 open blk_1", "05/02/2024 11:00:00 open blk_1"]
    feb_5 = 1707127200.0  # 2024-02-05 10:00:00 UTC
    for p in (parser, LogParser.from_dict(json.loads(json.dumps(parser.to_dict())))):
        assert p.parse(may)["time"].tolist() == [feb_5, feb_5 + 3600]
    # a log that tells no order keeps none (and its state no key): read as before
    plain = LogParser(rx).fit(["2024-01-20 10:00:00 open blk_1"])
    assert plain.dayfirst_ is None and "dayfirst" not in plain.to_dict()


@pytest.mark.parametrize(("suffix", "kind"), [(".bz2", "bzip2"), (".xz", "xz"), (".zip", "zip")])
def test_a_log_compressed_otherwise_than_gzip_is_named_so(tmp_path: Path, suffix: str, kind: str) -> None:
    # its bytes were read as lines: a header format matched none ('no log line matched', quoting
    # binary), the raw format learnt templates of the compressed bytes
    text = b"".join(b"open blk_%d size %d\n" % (i, i) for i in range(50))
    path = tmp_path / f"app.log{suffix}"
    if kind == "bzip2":
        path.write_bytes(bz2.compress(text))
    elif kind == "xz":
        path.write_bytes(lzma.compress(text))
    else:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("app.log", text)
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}: {kind}-compressed, and only gzip "
                                         r"is read directly; decompress it first and pipe the text in "
                                         r"as DATA - \(e\.g\. [a-z -]+ FILE \| hourglass \.\.\. -\)$"):
        EventSessions(format="raw", session_regex=r"blk_\d+").fit(str(path))
    plain = tmp_path / "bzh.log"  # text that starts as bzip2 does is text
    plain.write_bytes(b"BZh9 open blk_1\nBZh9 open blk_2\n")
    assert list(read_lines(plain)) == ["BZh9 open blk_1", "BZh9 open blk_2"]


def test_a_log_of_blank_lines_is_said_to_be_empty() -> None:
    # it was 'no log line matched the header format 'hdfs'', as if the lines had another layout
    with pytest.raises(InputError, match=r"^the log is empty: its 3 line\(s\) are all blank"):
        LogParser("hdfs").fit(["", "  ", "\t"])
    with pytest.raises(InputError, match=r"^no log line matched the header format 'hdfs'"):
        LogParser("hdfs").fit(["", "not hdfs"])


def test_the_no_session_hint_names_only_fields_a_session_column_takes() -> None:
    # the hint after a session_regex that found nothing offered 'time', which session_column
    # refuses
    with pytest.raises(InputError, match=r"use session_column: date, pid, level, component\)$"):
        EventSessions(format="hdfs", session_regex=r"nomatch_(\d+)").fit_transform(HDFS)
