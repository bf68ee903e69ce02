"""Log and Windows-event workflows as a first-time user runs them: each case was a silently wrong
result, a traceback or a misleading message before."""

from __future__ import annotations

import errno
import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.explain.events import MAX_PARAMETERS, MAX_TEXT
from hourglass.features import EventSessions
from hourglass.ingest.logs import LogParser
from hourglass.serve import sinks
from tests.test_cli import _fails_cleanly
from tests.test_evtx import SAMPLES
from tests.test_logs import hdfs_log


def _windows_messages() -> list[str]:
    """Windows event ``Message`` texts as exports carry them: several lines, tabs, CRLF."""
    out = []
    for i in range(12):
        out.append(f"An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-5-18"
                   f"\r\n\tLogon ID:\t\t0x{i + 999:x}\r\n\r\nLogon Type:\t\t{3 + i % 2}")
        out.append(f"Process accessed:\r\nRuleName: -\r\nSourceProcessId: {100 + i}\r\n"
                   f"TargetImage: C:\\Windows\\system32\\lsass.exe")
        out.append(f"Image loaded:\r\nImage: C:\\Windows\\System32\\ntdll.dll\r\nProcessId: {200 + i}")
    return out


def test_multi_line_messages_of_an_event_table_are_mined_not_dropped() -> None:
    msgs = _windows_messages()
    parser = LogParser("raw").fit(msgs)
    assert parser.stats_.parsed == len(msgs) and parser.stats_.unmatched == 0
    assert len(parser.templates()) == 3
    template = next(t for t in parser.templates().values() if t.startswith("Image loaded:"))
    assert LogParser.parameters(template, msgs[2]) == ["200"]
    df = pd.DataFrame({"host": ["ws1", "ws2"] * 18, "msg": msgs})
    pre = EventSessions(session_column="host", message_column="msg").fit(df)
    s = pre.sessions(df)
    assert s.stats["parsed"] == len(msgs) and sum(len(x) for x in s.sequences) == len(msgs)
    assert len(pre.templates()) == 3


# -- the CLI ------------------------------------------------------------------------------------
runner = CliRunner()


def _ok(args: list[object]) -> str:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.stderr


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("audit_logs")
    (d / "hdfs.log").write_text("\n".join(hdfs_log(30)) + "\n")
    _ok(["train", d / "hdfs.log", "--format", "hdfs", "--session-regex", r"blk_-?\d+", "--model",
         "deeplog", "--epochs", "1", "--param", "top_g=2", "-o", d / "m", "-q"])
    return {"dir": d, "log": d / "hdfs.log", "model": d / "m"}


def test_a_long_line_naming_many_sessions_gives_bounded_alerts(kit: dict[str, Path],
                                                               tmp_path: Path) -> None:
    # one line naming 3,000 blocks was quoted whole in each of their 3,000 alerts (a 4 MB line
    # filled a disk): the alert keeps the start of the text, template and parameters
    blocks = " ".join(f"blk_{10**12 + i}" for i in range(3000))
    log = tmp_path / "long.log"
    text = kit["log"].read_text()
    n = text.count("\n") + 1  # the long line's number
    log.write_text(text + f"081109 203615 148 INFO dfs.DataNode: drop {blocks}\n")
    for cmd in (["score", kit["model"], log, "-o", tmp_path / "a.jsonl"],
                ["stream", kit["model"], "-i", log, "-o", tmp_path / "s.jsonl"]):
        _ok([*cmd, "-q"] if cmd[0] == "score" else cmd)
    alerts = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    long = [a["unexpected"] for a in alerts if a["first_line"] == n]
    assert len(long) == 3000
    for u in long:
        assert len(u["text"]) < MAX_TEXT + 40 and u["text"].endswith("more characters]")
        assert len(u.get("parameters", [])) <= MAX_PARAMETERS
    streamed = [json.loads(x) for x in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert sum(a["line"] == n for a in streamed) == 3000
    assert max(len(a.get("text", "")) for a in streamed) < MAX_TEXT + 40
    assert max(len(json.dumps(a)) for a in alerts + streamed) < 4 * MAX_TEXT


def test_a_full_disk_is_one_line_and_leaves_no_partial_output(kit: dict[str, Path], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: object, alerts: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sinks._TextLines, "write", full)
    out = tmp_path / "a.jsonl"
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["log"]), "-o", str(out)])
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert res.exit_code == 1 and "Traceback" not in res.stderr
    assert lines[-1] == "error: no space left on device: free some space or write the output elsewhere"
    assert not out.exists() and not list(tmp_path.glob(".a.jsonl*"))


def test_stream_reads_a_gzip_input_and_names_input_and_output_problems(kit: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    text = kit["log"].read_bytes()
    gz = tmp_path / "log.gz"
    gz.write_bytes(gzip.compress(text, mtime=0))
    plain = runner.invoke(app, ["stream", str(kit["model"]), "-i", str(kit["log"])])
    packed = runner.invoke(app, ["stream", str(kit["model"]), "-i", str(gz)])  # read as bytes before
    assert packed.exit_code == 0 and packed.stdout == plain.stdout and plain.stdout
    n = text.count(b"\n")
    assert f"streamed {n} lines" in packed.stderr and "warning" not in packed.stderr
    # a gzip cut short (a copy interrupted): the lines before the cut are scored, then one line
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(text, mtime=0)[:-40])
    res = runner.invoke(app, ["stream", str(kit["model"]), "-i", str(cut)])
    assert res.exit_code == 2 and "Traceback" not in res.stderr and res.stdout
    assert res.stderr.startswith(f"error: --input {cut}: cannot read the gzip stream")
    m = str(kit["model"])
    none = tmp_path / "none.log"
    _fails_cleanly(["stream", m, "-i", str(none)], f"--input {none}: no such file")
    _fails_cleanly(["stream", m, "-i", str(kit["log"]), "-o", str(tmp_path / "no" / "a.jsonl")],
                   f"output folder {tmp_path / 'no'} does not exist")
    before = kit["log"].read_bytes()
    _fails_cleanly(["stream", m, "-i", str(kit["log"]), "-o", str(kit["log"])], "is the input file")
    assert kit["log"].read_bytes() == before


def test_stream_warns_when_no_line_fits_the_model(kit: dict[str, Path], tmp_path: Path) -> None:
    other = tmp_path / "bgl.log"
    other.write_text("- 1117838570 2005.06.03 R02-M1-N0 2005-06-03-15.42.50.675872 R02-M1-N0 RAS "
                     "KERNEL INFO instruction cache parity error corrected\n" * 5)
    res = runner.invoke(app, ["stream", str(kit["model"]), "-i", str(other)])
    assert res.exit_code == 0 and res.stdout == ""
    assert res.stderr.splitlines()[-1] == ("warning: no line matched the model's 'hdfs' header "
                                           "format; is this the kind of log the model was trained on?")


def test_too_few_sessions_to_hold_out_says_sessions(caplog: pytest.LogCaptureFixture) -> None:
    from hourglass.detectors.deeplog import DeepLog

    with caplog.at_level("WARNING", logger="hourglass"):
        DeepLog(window=2, top_g=1, hidden=4, epochs=1, verbose=0).fit([np.array([1, 2, 3])] * 3)
    assert "DeepLog: no held-out sessions (only 3 sessions), so the threshold" in caplog.text


def test_windows_identifiers_are_dropped_and_codes_and_ports_read_as_such(tmp_path: Path) -> None:
    # a new logon or process has new ids: one-hot, every scored event carried an unseen value
    rows = [{"@timestamp": f"2020-10-18T19:50:{i % 60:02d}.000Z", "EventID": [4624, 5156][i % 2],
             "Channel": "Security", "Hostname": "WS1", "TargetLogonId": f"0x{1000 + i:x}",
             "LogonGuid": f"{{{i:08d}-0000-0000-0000-000000000000}}", "LogonType": [3, 10][i % 2],
             "ProcessGuid": f"{{{i:08d}-1111-0000-0000-000000000000}}", "Protocol": [6, 17][i % 2],
             "DestPort": str([443, 3389][i % 2]), "Application": "svchost.exe"} for i in range(40)]
    path = tmp_path / "win.json.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(json.dumps(r) for r in rows) + "\n")
    model = tmp_path / "m"
    _ok(["train", path, "-o", model, "--epochs", "1", "-q"])
    from hourglass import load
    from hourglass.cli.entity import entity_roles
    from hourglass.ingest.formats import sniff_format

    roles = load(model).features_.roles_
    assert {c: roles[c] for c in ("TargetLogonId", "LogonGuid", "ProcessGuid")} == dict.fromkeys(
        ("TargetLogonId", "LogonGuid", "ProcessGuid"), "drop")
    assert roles["LogonType"] == roles["Protocol"] == "categorical" and roles["DestPort"] == "port"
    # an entity model still counts distinct logons and processes per bucket: not given to it
    given = entity_roles(sniff_format(path), {}, pd.DataFrame(rows), ("Hostname", "@timestamp")) or {}
    assert not {"TargetLogonId", "LogonGuid", "ProcessGuid", "LogonType", "DestPort"} & set(given)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared EVTX samples not present")
def test_an_evtx_copy_cut_short_is_named_as_such(tmp_path: Path) -> None:
    cut = tmp_path / "Security.evtx"  # said 'no data rows'
    cut.write_bytes((SAMPLES / "command_and_control" / "DE_RDP_Tunnel_5156.evtx").read_bytes()[:30_000])
    _fails_cleanly(["train", str(cut), "-o", str(tmp_path / "m")],
                   "no event record could be read, and its 30,000 bytes are not a 4 KiB header and "
                   "whole 64 KiB chunks: a copy cut short?")


def test_on_bad_rows_on_a_log_points_to_strict(kit: dict[str, Path], tmp_path: Path) -> None:
    # 'stream' takes --on-bad-rows for logs, 'train'/'score' --strict: the one line says so
    _fails_cleanly(["score", str(kit["model"]), str(kit["log"]), "-o", str(tmp_path / "a.jsonl"),
                    "--on-bad-rows", "skip"], "counted and skipped; --strict stops at the first",
                   tmp_path / "a.jsonl")


def test_syslog_with_rfc3339_time_stamps() -> None:
    # rsyslog's default file format on current distributions: 'matched no header format' before
    lines = ["2024-05-01T12:00:00.000123+02:00 web01 sshd[1000]: Accepted publickey for alice",
             "2024-05-01T10:00:30Z web01 sshd[1000]: session closed for user alice",
             "May  1 10:01:00 web01 CRON[77]: (root) CMD (run-parts /etc/cron.hourly)"]
    ev = LogParser("syslog").fit(lines).events_
    assert ev["content"].tolist() == ["Accepted publickey for alice", "session closed for user alice",
                                      "(root) CMD (run-parts /etc/cron.hourly)"]
    assert ev["pid"].tolist() == ["1000", "1000", "77"] and ev["host"].tolist() == ["web01"] * 3
    t0 = pd.Timestamp("2024-05-01T10:00:00.000123Z").timestamp()
    assert ev["time"].iloc[0] == pytest.approx(t0) and ev["time"].iloc[1] == pytest.approx(t0 + 30, abs=1e-3)
    assert np.isfinite(ev["time"].iloc[2])  # a BSD time stamp (no year: one is assigned)


def test_an_unseen_key_name_of_an_event_table_is_quoted(tmp_path: Path) -> None:
    # the alert said '<template never seen in training>' without saying which name it was
    rows = [f"u{u},{e},{u * 10 + k}" for u in range(30)
            for k, e in enumerate(("login", "open", "read", "close", "logout"))]
    (tmp_path / "ev.csv").write_text("user,event,ts\n" + "\n".join(rows) + "\n")
    (tmp_path / "new.csv").write_text("user,event,ts\nbad,login,1\nbad,sudo,2\nbad,logout,3\n")
    _ok(["train", tmp_path / "ev.csv", "--session-col", "user", "--key-col", "event", "--timestamp-col",
         "ts", "--model", "deeplog", "--param", "top_g=2", "--epochs", "30", "-o", tmp_path / "m", "-q"])
    said = _ok(["score", tmp_path / "m", tmp_path / "new.csv", "-o", tmp_path / "a.jsonl", "-q"])
    assert "3 rows, 1 had a key unseen in training; scored 1 session" in said  # not 'template'
    alert = json.loads((tmp_path / "a.jsonl").read_text().splitlines()[0])
    assert alert["session"] == "bad" and alert["unexpected"]["line"] == 2
    assert alert["unexpected"]["template"] == "<template never seen in training>"
    assert alert["unexpected"]["text"] == "sudo"


def test_a_key_file_summary_speaks_of_key_sequences(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("\n".join(["1 2 3 4"] * 30) + "\n")
    _ok(["train", keys, "--format", "keys", "--model", "deeplog", "--epochs", "1", "-o", tmp_path / "m",
         "-q"])
    (tmp_path / "new").write_text("1 2 3 4\n1 x 3\n")
    said = _ok(["score", tmp_path / "m", tmp_path / "new", "-o", tmp_path / "s.csv", "-q"])
    assert "2 lines, 1 was not a key sequence; scored 1 session" in said  # said 'matched no header'


def test_the_drift_peak_counts_no_more_rows_than_were_scored() -> None:
    from hourglass.thresholds.monitor import AlertRateMonitor

    mon = AlertRateMonitor(expected=0.02, window=1000, unit="sessions")
    mon.update([1] * 173 + [0] * 127)  # said 'peak 57.7% over 1,000 sessions' of 300
    assert "peak 69.2% over 250 sessions" in mon.summary()  # 173 flags in the first 250


def test_plain_text_named_gz_and_a_utf16_stream(kit: dict[str, Path], tmp_path: Path) -> None:
    fake = tmp_path / "app.log.gz"  # said 'cannot read (Not a gzipped file (b'08'))'
    fake.write_bytes(kit["log"].read_bytes())
    _fails_cleanly(["score", str(kit["model"]), str(fake), "-o", str(tmp_path / "a.jsonl")],
                   "not gzip-compressed, though its name ends in .gz", tmp_path / "a.jsonl")
    # a UTF-16 log (as Windows tools write one) streams as 'score' reads it: no line lost to its
    # byte-order mark, no line counted as badly encoded
    u16 = tmp_path / "u16.log"
    u16.write_bytes(kit["log"].read_text().encode("utf-16"))
    plain = runner.invoke(app, ["stream", str(kit["model"]), "-i", str(kit["log"])])
    wide = runner.invoke(app, ["stream", str(kit["model"]), "-i", str(u16)])
    assert wide.exit_code == 0 and wide.stdout == plain.stdout
    assert "bad encoding" not in wide.stderr and "matched no header" not in wide.stderr
