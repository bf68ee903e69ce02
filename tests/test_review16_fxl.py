"""Syslog years across a sparse new year, and the sessions' --window refusals."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions
from tests._cli import one_line_error

ZK = ["2015-07-29 17:41:44,747 - INFO - Notification time out: 3200",
      "2015-07-29 17:42:44,747 - INFO - Received connection request /10.10.34.11:45307"]


@pytest.mark.parametrize("fmt", ["syslog", r"^(?P<timestamp>\w{3} +\d+ [\d:]+) (?P<content>.*)$"])
def test_a_december_line_months_after_a_january_one_stays_in_its_year(
        monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    from hourglass.ingest import logs

    monkeypatch.setattr(logs, "_utc_today", lambda: datetime.date(2026, 12, 3))
    lines = ["Jan  5 10:00:00 h sshd[1]: Failed password for root",
             "Dec  2 10:00:00 h sshd[2]: Failed password for root",
             "Dec  2 10:00:05 h sshd[2]: Failed password for admin"]
    t = pd.to_datetime(logs.LogParser(fmt).fit(lines).events_["time"], unit="s")
    assert [str(x) for x in t] == ["2026-01-05 10:00:00", "2026-12-02 10:00:00", "2026-12-02 10:00:05"]
    # a late line at the turn of the year (a day before the January line) is still last year's,
    # whole or one line a chunk
    late = ["Jan  1 00:00:01 h a: x", "Dec 31 23:59:59 h a: y", "Jan  1 00:00:03 h a: z",
            "Jan  2 00:00:00 h a: x", "Dec 28 00:00:00 h a: y"]
    want = ["2026-01-01 00:00:01", "2025-12-31 23:59:59", "2026-01-01 00:00:03",
            "2026-01-02 00:00:00", "2025-12-28 00:00:00"]
    p = logs.LogParser(fmt).fit(late)
    assert [str(x) for x in pd.to_datetime(p.events_["time"], unit="s")] == want
    for size in (1, 2):
        got = pd.concat(list(p.parse_chunks(late, chunk_size=size)))["time"]
        assert [str(x) for x in pd.to_datetime(got, unit="s")] == want
    # a forward span of months across chunks stays in its year too
    got = pd.concat(list(logs.LogParser(fmt).fit(lines).parse_chunks(lines, chunk_size=1)))["time"]
    assert pd.to_datetime(got, unit="s").dt.year.tolist() == [2026, 2026, 2026]


@pytest.mark.parametrize("method", ["fit", "fit_transform"])
@pytest.mark.parametrize(("kw", "want"), [({"window": -1}, "got window=-1"),
                                          ({"window": 600, "step": -5}, "got window=600, step=-5")])
def test_a_bad_window_value_is_named_before_a_format_without_times_is_refused(
        method: str, kw: dict[str, float], want: str) -> None:
    with pytest.raises(InputError, match=want):
        getattr(EventSessions(format="raw", **kw), method)(ZK)
    # a good value on a format without times: the refusal
    with pytest.raises(InputError, match="the 'raw' format has no time stamp"):
        getattr(EventSessions(format="raw", window=600), method)(ZK)


SYSLOG = ["Jun 14 15:16:01 combo sshd[19939]: authentication failure; rhost=1.2.3.4",
          "Jun 14 15:16:02 combo sshd[19937]: check pass; user unknown"]


def _cli_words(make: Callable[[], object]) -> str:
    """The message the CLI prints for the InputError ``make`` raises."""
    from hourglass.cli._options import option_message

    with pytest.raises(InputError) as err:
        make()
    return option_message(str(err.value), err.value.param)


def test_the_grouping_refusals_name_every_option_they_suggest(tmp_path: Path) -> None:
    from hourglass.features.sessions.live import _session_rule

    msg = _cli_words(lambda: EventSessions(format="raw", window=600).fit(ZK))
    assert msg.startswith("--window: the 'raw' format")
    assert "group by --session-regex or --session-col," in msg
    msg = _cli_words(lambda: EventSessions(format="syslog", session_column="time").fit(SYSLOG))
    assert msg.startswith("--session-col: 'time'") and "(group by time with --window)" in msg
    msg = _cli_words(lambda: EventSessions(format="syslog", session_column="content").fit(SYSLOG))
    assert "(use --session-regex for an id in it)" in msg
    msg = _cli_words(lambda: EventSessions(format="syslog", session_column="key").fit(SYSLOG))
    assert msg.startswith("--session-col: no field 'key'")
    msg = _cli_words(lambda: EventSessions(key_column="k", session_column="s", session_regex="x").fit(
        pd.DataFrame({"k": [1], "s": ["a"]})))
    assert msg.startswith("--session-regex: an event table groups by --session-col (or --window "
                          "with --timestamp-col)"), msg
    windowed = EventSessions(format="syslog", window=60).fit(SYSLOG)
    msg = _cli_words(lambda: _session_rule(windowed))
    assert "(--session-regex or --session-col)" in msg
    # the CLI itself
    log = tmp_path / "zk.log"
    log.write_text("\n".join(ZK) + "\n")
    one_line_error(["train", str(log), "--format", "raw", "--model", "deeplog", "--window", "600",
                    "-o", str(tmp_path / "m")], "group by --session-regex or --session-col,",
                   out=tmp_path / "m")


def test_readme_says_which_label_source_leaves_blank_labels_out() -> None:
    text = " ".join((Path(__file__).parents[1] / "README.md").read_text().split())
    start = text.index("`evaluate` takes session labels from `--labels FILE`")
    labels_file, rest = text[start:].split("`--all-sessions", 1)
    label_field = rest.split("`--label-field FIELD`", 1)[1].split("Benchmarks:", 1)[0]
    # a blank label in the labels file: no label, left out; a blank field of a line: normal
    assert "blank" in labels_file and "left out of the metrics" in labels_file
    assert "every session is labelled" in label_field
    assert "blank is normal too, not left out" in label_field
