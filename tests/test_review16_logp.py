"""Raw logs end to end: times in header formats, session labels from log lines, alerts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions
from hourglass.ingest.logs import LogParser
from tests._cli import one_line_error, runner

pytest.importorskip("drain3")

ZK = ["2015-07-29 17:41:44,747 - INFO - Notification time out: 3200",
      "2015-07-29 17:42:44,747 - INFO - Received connection request /10.10.34.11:45307",
      "2015-07-29 17:51:44,747 - INFO - Notification time out: 6400"]


@pytest.mark.parametrize("fmt, said", [
    ("raw", "the 'raw' format has no time stamp"),
    (r"^(?P<time>\S+ \S+) - (?P<level>\w+) - (?P<content>.*)$", "has no (?P<timestamp>...) group"),
])
def test_windows_of_a_format_without_times_are_refused_up_front(fmt: str, said: str,
                                                                 tmp_path: Path) -> None:
    # the log was read twice (templates learnt, every line keyed) to stop at 'no event has a
    # readable time stamp in this input', naming neither the format nor the group it lacks
    with pytest.raises(InputError, match=rf"^window: .*{re.escape(said)}.*no time to cut windows") as info:
        EventSessions(format=fmt, window=600).fit(ZK)
    assert info.value.param[0] == "window"  # (and the options the message suggests)
    log = tmp_path / "zk.log"
    log.write_text("\n".join(ZK) + "\n")
    one_line_error(["train", str(log), "--format", fmt, "--model", "deeplog", "--window", "600",
                    "-o", str(tmp_path / "m")], said, out=tmp_path / "m")
    named = r"^(?P<timestamp>\S+ \S+) - (?P<level>\w+) - (?P<content>.*)$"  # the group it needs
    pre = EventSessions(format=named, window=600)
    assert [len(s) for s in pre.fit_transform(ZK)] == [2, 1]


def test_a_blank_label_field_marks_a_line_normal(tmp_path: Path) -> None:
    # a log that marks only its anomalous lines (an empty first field elsewhere): every session
    # was an anomaly of the class '' in evaluate --label-field, its metrics computed on that
    fmt = r"^(?P<label>[^,]*),(?P<timestamp>\d+),(?P<content>(?P<user>u\d) .*)$"
    lines = [f"{'ATTACK' if i == 5 else ''},{1700000000 + i},u{i % 3} login {i}" for i in range(12)]
    pre = EventSessions(format=fmt, session_column="user").fit(lines)
    assert pre.line_labels(lines, "label", ["-"]) == {6: "ATTACK"}
    assert pre.line_labels([" ,1700000000,u1 login 1"], "label", ["-"]) == {}


def test_a_bsd_stamp_in_a_timestamp_group_is_dated_as_syslog_dates_it() -> None:
    # 'Jun 14 15:16:01' in a header regex's timestamp group read as 1 AD, i.e. no time at all:
    # --window stopped at 'no event has a readable time stamp', though --format syslog reads it
    rows = [("Dec 31 23:59:58", "open 1"), ("Dec 31 23:59:59", "close 1"),
            ("Jan  1 00:00:02", "open 2"), ("Jan  1 00:01:03", "close 2")]
    mine = LogParser(r"^(?P<timestamp>\w{3} +\d+ [\d:.]+) relay \| (?P<content>.*)$")
    got = mine.fit([f"{t} relay | {c}" for t, c in rows]).events_["time"].to_numpy()
    want = LogParser("syslog").fit([f"{t} h app: {c}" for t, c in rows]).events_["time"].to_numpy()
    assert want[0] == want[1] - 1 == want[2] - 4 and got.tolist() == want.tolist()  # a year on
    assert mine.parse(["Dec 31 23:59:58.25 relay | open 9"])["time"].tolist() == [want[0] + 0.25]
    fmt = r"^(?P<timestamp>\w{3} +\d+ [\d:.]+) relay \| (?P<content>.*)$"
    windows = EventSessions(format=fmt, window=60).fit_transform([f"{t} relay | {c}" for t, c in rows])
    assert [len(w) for w in windows] == [2, 1, 1]  # minutes 23:59, 00:00 and 00:01


def test_a_log_of_blank_lines_is_said_to_be_blank_when_scored(tmp_path: Path) -> None:
    # 'no sessions found (2 lines)': the count of blank lines, kept, was never said
    log = tmp_path / "train.log"
    log.write_text("".join(f"081109 2036{i % 60:02d} 148 INFO dfs.DataNode: {'open' if i % 2 else 'close'} "
                           f"blk_{i // 2} size {i}\n" for i in range(40)))
    res = runner.invoke(app, ["train", str(log), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                              "--model", "deeplog", "--epochs", "1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    blank = tmp_path / "blank.log"
    blank.write_text("\n  \n")
    one_line_error(["score", str(tmp_path / "m"), str(blank), "-o", str(tmp_path / "a.jsonl")],
                   "no sessions found (2 lines, 2 were blank)", out=tmp_path / "a.jsonl")


def test_a_late_december_line_after_the_new_year_stays_in_the_old_year() -> None:
    # several relays' lines a second out of order at midnight on new year's eve: the December
    # line after a January one was dated December of the new year, and every line after it a
    # year ahead (in the future)
    lines = ["Dec 31 23:59:58 h1 app: open 1", "Jan  1 00:00:01 h2 app: close 2",
             "Dec 31 23:59:59 h3 app: open 3", "Jan  1 00:00:03 h2 app: close 4"]
    t = LogParser("syslog").fit(lines).events_["time"].to_numpy()
    assert (t - t[0]).tolist() == [0.0, 3.0, 1.0, 5.0]
    parser = LogParser("syslog").fit(lines)  # carried across chunks: a line a chunk, alike
    chunked = [x for c in parser.parse_chunks(lines, chunk_size=1) for x in c["time"].tolist()]
    assert chunked == t.tolist()
