"""The same log lines in two forms give the same sessions, keys and scores.

Compared: a log as one file and as CRLF, CR-only, BOM, gzip (one member, two, a member boundary
inside a line), UTF-16, NUL-padded and piped forms; as an event table (CSV, JSON lines with
``\\u00e9`` escapes or raw UTF-8) with ``--message-col``; journald's JSON export against syslog
lines of the same events; ``score`` against ``stream`` and the service; and a log rotated into
several files given as a folder or a pattern. The rotated log did not agree: its files were read
in name order, newest first. These tests pin that defect, fixed, and some of the equalities.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from hourglass.cli._spool import folder_as_file, pattern_as_file, remove_spooled, rotation_sorted
from hourglass.cli.app import app
from hourglass.features.sessions import EventSessions
from hourglass.ingest.logs import LogParser
from tests._cli import one_line_error

runner = CliRunner()

_STEPS = (
    "INFO dfs.DataNode$DataXceiver: Receiving block {b} src: /10.0.0.{i}:50010 dest: /10.0.1.{i}:50010",
    "INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/part-{i}. {b}",
    "INFO dfs.DataNode$PacketResponder: PacketResponder {i} for block {b} terminating",
    "INFO dfs.DataNode$PacketResponder: Received block {b} of size 67108864 from /10.0.0.{i}",
)


def _interleaved(blocks: int) -> list[str]:
    """HDFS lines, step by step across all blocks: every session spans any cut of the log."""
    return [f"081109 2036{k:02d} {100 + j} " + step.format(b=f"blk_{1000 + j}", i=j % 200)
            for k, step in enumerate(_STEPS) for j in range(blocks)]


def _rotated(folder: Path, lines: list[str]) -> None:
    """``lines`` as logrotate leaves them: app.log.2.gz the oldest, app.log.1, app.log the newest."""
    folder.mkdir()
    third = len(lines) // 3
    (folder / "app.log.2.gz").write_bytes(gzip.compress(("\n".join(lines[:third]) + "\n").encode()))
    (folder / "app.log.1").write_text("\n".join(lines[third:2 * third]) + "\n")
    (folder / "app.log").write_text("\n".join(lines[2 * third:]) + "\n")


def test_a_folder_of_a_rotated_log_is_read_oldest_first(tmp_path: Path) -> None:
    # what was wrong: a folder holding app.log, app.log.1 and app.log.2.gz (logrotate's names:
    # the higher the number, the older) was read in name order, app.log (the newest lines) first
    # and app.log.2.gz last, so every session spanning a rotation had its events out of order;
    # now a rotated log's copies go oldest first, then the log itself
    lines = _interleaved(6)
    _rotated(tmp_path / "logs", lines)
    try:
        assert folder_as_file(tmp_path / "logs").read_text().splitlines() == lines
        assert pattern_as_file(str(tmp_path / "logs" / "app.log*")).read_text().splitlines() == lines
    finally:
        remove_spooled()


def test_rotated_copies_order_by_number_not_text_and_dated_ones_before_the_log() -> None:
    # what was wrong: name order put app.log.10.gz before app.log.2.gz, and app.log before its
    # dated copies (app.log-20240501.gz, logrotate's dateext); a year or a plain name is no copy
    names = ["app.log", "app.log.1", "app.log.10.gz", "app.log.2.gz", "b.log-20240502",
             "b.log", "b.log-20240501.gz", "report.2023", "report.2024"]
    assert [p.name for p in rotation_sorted(Path(n) for n in names)] == [
        "app.log.10.gz", "app.log.2.gz", "app.log.1", "app.log", "b.log-20240501.gz",
        "b.log-20240502", "b.log", "report.2023", "report.2024"]
    # each folder of a pattern keeps its own files together
    paths = [Path("x/app.log"), Path("x/app.log.1"), Path("y/app.log.1")]
    assert rotation_sorted(reversed(paths)) == [Path("x/app.log.1"), Path("x/app.log"), Path("y/app.log.1")]


def test_a_rotated_log_scores_as_the_log_in_one_file(tmp_path: Path) -> None:
    # what was wrong: 'hourglass score MODEL logs/' of a log rotated into app.log.2.gz, app.log.1
    # and app.log gave DeepLog scores unlike those of the same lines in one file (the sessions'
    # events out of order across the rotations); now every session scores the same, at the same
    # first line
    lines = _interleaved(40)
    whole, folder = tmp_path / "app-whole.log", tmp_path / "logs"
    whole.write_text("\n".join(lines) + "\n")
    _rotated(folder, lines)
    res = runner.invoke(app, ["--threads", "1", "train", str(whole), "--format", "hdfs", "--session-regex",
                              r"blk_-?\d+", "--model", "deeplog", "--epochs", "2", "--seed", "0",
                              "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    out = {}
    for name, data in (("whole", whole), ("folder", folder)):
        res = runner.invoke(app, ["--threads", "1", "score", str(tmp_path / "m"), str(data),
                                  "-o", str(tmp_path / f"{name}.csv")])
        assert res.exit_code == 0, res.output
        out[name] = pd.read_csv(tmp_path / f"{name}.csv").set_index("session").sort_index()
    assert len(out["whole"]) == 40
    assert out["folder"]["score"].tolist() == out["whole"]["score"].tolist()


def test_a_log_and_its_messages_as_an_event_table_give_the_same_sessions(tmp_path: Path) -> None:
    # pin (held, untested): the messages of an HDFS log written as a CSV and as JSON lines (é as
    # the escape \u00e9 and as UTF-8), read with --message-col and --session-col, give each session
    # the templates the log's header format and --session-regex give it
    lines = _interleaved(8)
    lines.insert(3, "081109 203615 148 INFO dfs.DataNode: caf\u00e9 \"quoted\" blk_1002 done")
    log = tmp_path / "a.log"
    log.write_text("\n".join(lines) + "\n")
    rows = [{"msg": ln.split(": ", 1)[1], "blk": re.search(r"blk_\d+", ln).group()} for ln in lines]
    pd.DataFrame(rows).to_csv(tmp_path / "a.csv", index=False)
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "u.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                      encoding="utf-8")

    ref = _named(EventSessions(format="hdfs", session_regex=r"blk_-?\d+").fit(str(log)), log)
    assert len(ref) == 8
    for name in ("a.csv", "a.jsonl", "u.jsonl"):
        table = EventSessions(session_column="blk", message_column="msg").fit(str(tmp_path / name))
        assert _named(table, tmp_path / name) == ref, name


_SSH = ("Accepted password for u{u} from 10.0.0.{u} port {p} ssh2",
        "pam_unix(sshd:session): session opened for user u{u} by (uid=0)",
        "Received disconnect from 10.0.0.{u} port {p}:11: disconnected by user",
        "pam_unix(sshd:session): session closed for user u{u}")


def _ssh_events(n: int) -> list[tuple[dt.datetime, int, str]]:
    """(time, pid, message) of ``n`` interleaved ssh logins, in time order."""
    t0 = dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
    events = [(t0 + dt.timedelta(seconds=3 * j + 2 * k), 1000 + j, m.format(u=j % 9, p=40000 + j))
              for j in range(n) for k, m in enumerate(_SSH)]
    return sorted(events)


def _named(features: EventSessions, path: Path) -> dict[str, list[str]]:
    found, text = features.sessions(str(path)), features.templates()
    return {i: [text[int(k)] for k in seq] for i, seq in zip(found.ids, found.sequences, strict=True)}


def _journald(path: Path, events: list[tuple[dt.datetime, int, str]]) -> dict[str, list[str]]:
    records = [{"MESSAGE": m, "__REALTIME_TIMESTAMP": str(int(t.timestamp() * 1e6)), "_HOSTNAME": "web1",
                "SYSLOG_IDENTIFIER": "sshd", "_PID": str(p)} for t, p, m in events]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return _named(EventSessions(format="journald", session_column="pid").fit(str(path)), path)


def test_syslog_lines_with_their_rfc3164_priority_read_as_without(tmp_path: Path) -> None:
    # what was wrong: '<38>May  1 12:00:00 web1 sshd[1000]: ...', a BSD syslog line with the
    # priority RFC 3164 sends it with (a relay or a capture keeps it), matched no 'syslog' header:
    # 'train logs.txt --format syslog' stopped with "no log line matched the header format
    # 'syslog'" where the same lines without '<38>' trained; now they give the same events
    events = _ssh_events(12)
    bsd = [f"{t:%b} {t.day:2d} {t:%H:%M:%S} web1 sshd[{p}]: {m}" for t, p, m in events]
    (tmp_path / "bsd.log").write_text("\n".join(bsd) + "\n")
    (tmp_path / "pri.log").write_text("".join(f"<38>{line}\n" for line in bsd))
    parsed = {}
    for name in ("bsd", "pri"):
        lines = (tmp_path / f"{name}.log").read_text().splitlines()
        parser = LogParser("syslog").fit(lines)
        assert parser.stats_.unmatched == 0
        parsed[name] = parser.events_[["time", "key", "content", "host", "component", "pid"]]
    pd.testing.assert_frame_equal(parsed["pri"], parsed["bsd"])
    journal = _journald(tmp_path / "j.json", events)
    fe = EventSessions(format="syslog", session_column="pid").fit(str(tmp_path / "pri.log"))
    assert _named(fe, tmp_path / "pri.log") == journal and len(journal) == 12


def test_an_rfc5424_line_is_said_to_be_one_and_the_readme_regex_reads_it(tmp_path: Path) -> None:
    # what was wrong: RFC 5424 lines given as --format syslog stopped with "line 1: does not match
    # the 'syslog' header format" and no word of why (the layout is not syslog's: no colon after
    # the program, a version, a message id); the message now names the layout and the README's
    # header regex, which reads the same sessions and times as the journal export of the events
    events = _ssh_events(10)
    path = tmp_path / "r5424.log"
    path.write_text("".join(f"<38>1 {t.isoformat()} web1 sshd {p} - - {m}\n" for t, p, m in events))
    one_line_error(["train", str(path), "--format", "syslog", "--session-col", "pid", "--model", "deeplog",
                    "-o", str(tmp_path / "m")], "(an RFC 5424 line", tmp_path / "m")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    found = re.search(r"`'(\^<\\d\{1,3\}>1 .*?)'`", readme, flags=re.S)
    assert found is not None
    regex = found.group(1).replace("\n", " ")  # (a code span's line break is a space)
    features = EventSessions(format=regex, session_column="pid").fit(str(path))
    assert _named(features, path) == _journald(tmp_path / "j.json", events)
    times = LogParser(regex).fit(path.read_text().splitlines()).events_["time"].to_numpy()
    assert times.tolist() == [t.timestamp() for t, _, _ in events]


def test_the_service_reads_a_line_ending_in_a_cr_as_score_reads_a_crlf_log(tmp_path: Path) -> None:
    # what was wrong: POST /score {"lines": [...]} of a CRLF log split at its line feeds ('jq -R'
    # of a Windows log: each item ending in '\r') kept the CR, which 'hourglass score' and
    # 'stream' drop from a line's end: a header field ending the line, here the session id, was
    # '0\r' where the same lines read from the file gave '0' (and the alert's text ended in the
    # CR); the service now drops it too, and answers as for the lines without it
    from hourglass import Pipeline
    from hourglass.detectors import EventCountAutoEncoder
    from hourglass.serve.log_scoring import LogScorer

    ops = ["open file", "read file", "close file"]
    lines = [f"{ops[i % 3]} {i} | {i // 3}" for i in range(90)]
    features = EventSessions(format=r"^(?P<content>.*) \| (?P<sid>.*)$", session_column="sid")
    pipe = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0),
                    features=features).fit(lines)
    scorer = LogScorer.from_pipeline(pipe)
    plain = scorer.score(lines[:9], explain=True)
    crlf = scorer.score([line + "\r" for line in lines[:9]], explain=True)
    assert [s["session"] for s in crlf["sessions"]] == ["0", "1", "2"]
    assert crlf == plain
    path = tmp_path / "crlf.log"
    path.write_bytes("".join(line + "\r\n" for line in lines[:9]).encode())
    assert pipe.features_.sessions(str(path)).ids == [s["session"] for s in crlf["sessions"]]
