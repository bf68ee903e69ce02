"""macOS fleet telemetry (unified log exports, Endpoint Security, OpenBSM) through every path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from hourglass.cli.stream import _parse
from hourglass.ingest.tables import iter_table


def _unified_event(i: int) -> dict[str, Any]:
    """One event as macOS's ``log show --style ndjson`` writes it."""
    return {"traceID": 9947395432517636 + i, "eventMessage": f"Accepted publickey for alice port {50000 + i}",
            "eventType": "logEvent", "source": None, "formatString": "%{public}s",
            "activityIdentifier": 0, "subsystem": "", "category": "", "threadID": 1234567 + i,
            "bootUUID": "46B9E1A0-A0EC-4A77-B066-3EC6B960DC13", "processImagePath": "/usr/sbin/sshd",
            "senderImagePath": "/usr/sbin/sshd",
            "timestamp": f"2024-05-01 08:00:{i % 60:02d}.123456-0700", "machTimestamp": 3_000_000_000 + i,
            "messageType": "Default", "processID": 812 + i, "senderProgramCounter": 11931,
            "parentActivityIdentifier": 0, "timezoneName": "", "userID": 501}


def test_log_show_ndjson_closing_count_is_no_row(tmp_path: Path) -> None:
    # What was wrong: the object `log show --style ndjson` writes after its events,
    # {"count":N,"finished":1}, was read as an event: every unified log column missing, two
    # columns `count` and `finished` of its own, and it was the export's top alert (13.4 against
    # 0.45 for the planted `curl | sh`), in score and stream alike.
    path = tmp_path / "unified.ndjson"
    lines = [json.dumps(_unified_event(i), separators=(",", ":")) for i in range(5)]
    path.write_text("\n".join(lines) + '\n{"count":5,"finished":1}\n')
    df = pd.concat(list(iter_table(path, fmt="jsonl")))
    assert len(df) == 5 and "count" not in df and "finished" not in df
    # stream, the closing count in a batch of its own (--batch 1)
    previous: list[Any] = [None]
    rows: list[dict[str, Any]] = []
    for number, raw in enumerate([*lines, '{"count":5,"finished":1}'], 1):
        got, _, problem = _parse([(number, raw.encode())], "<stdin>", "error", [], previous=previous)
        assert problem is None
        rows += got
    assert len(rows) == 5 and all("eventMessage" in r for r in rows)
    # a table of such counts keeps its rows
    counts = tmp_path / "counts.jsonl"
    counts.write_text('{"count":5,"finished":1}\n{"count":7,"finished":1}\n')
    assert len(pd.concat(list(iter_table(counts, fmt="jsonl")))) == 2


def test_endpoint_security_real_user_and_group_ids_are_codes() -> None:
    # What was wrong: of an Endpoint Security event as eslogger writes it, the audit token's
    # euid, egid and auid were user ids (categories) but its real ids, ruid and rgid, and an
    # executable's owner, stat.st_uid and st_gid, were amounts: root (0) the "smallest" user,
    # min-max scaled next to 501, a process run as root 0.0 from the user's 1.0 on one feature.
    from hourglass.features.tabular import TabularPreprocessor

    n = 120
    uid = [501] * (n - 10) + [0] * 10
    df = pd.DataFrame({"process.audit_token.ruid": uid, "process.audit_token.euid": uid,
                       "process.audit_token.rgid": [20] * (n - 10) + [0] * 10,
                       "process.executable.stat.st_uid": [0] * (n - 5) + [501] * 5,
                       "process.executable.stat.st_gid": [0] * (n - 5) + [20] * 5,
                       "process.executable.path": ["/bin/zsh", "/usr/bin/git"] * (n // 2)})
    pre = TabularPreprocessor().fit(df)
    for c in ("process.audit_token.ruid", "process.audit_token.rgid",
              "process.executable.stat.st_uid", "process.executable.stat.st_gid"):
        assert pre.roles_[c] == "categorical", (c, pre.roles_[c], pre.reasons_[c])
    assert pre.roles_["process.audit_token.ruid"] == pre.roles_["process.audit_token.euid"]


def test_mach_clock_boot_id_and_es_sequence_are_no_features() -> None:
    # What was wrong: the unified log's machTimestamp and eslogger's mach_time (the Mach clock,
    # ticks since boot), Endpoint Security's global_seq_num (rising with every event) were
    # scaled amounts and bootUUID a category: every later export lay past the training range or
    # held a boot never seen. Trained on 2,500 events of a `log show --style ndjson` export, an
    # autoencoder flagged 77 of the next 503 events (500 normal); 16 with them left out.
    from hourglass.features.tabular import TabularPreprocessor

    df = pd.DataFrame([_unified_event(i) for i in range(120)])
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["machTimestamp"] == "drop" and pre.roles_["bootUUID"] == "drop"
    es = pd.DataFrame({"mach_time": [10**12 + i * 10**9 for i in range(120)],
                       "global_seq_num": range(120), "event_type": [9, 11] * 60})
    pre = TabularPreprocessor().fit(es)
    assert pre.roles_["mach_time"] == "drop" and pre.roles_["global_seq_num"] == "drop"
    # the same rows from a later boot give the same features
    later = df.assign(machTimestamp=df["machTimestamp"] + 10**12, bootUUID="0D5B8A6E-boot-2")
    pre = TabularPreprocessor().fit(df)
    assert (pre.transform(later) == pre.transform(df)).all()


_LOG_SHOW_SYSLOG = [
    'Filtering the log data using "process == \\"sshd\\""',
    "Timestamp                       (process)[PID]    ",
    "2024-05-01 08:00:01.336000-0700  localhost sshd[812]: (libsystem_info.dylib) Accepted publickey "
    "for alice",
    "2024-05-01 08:00:02.100000-0700  localhost sshd[812]: (libsystem_info.dylib) Accepted publickey "
    "for bob",
    "-" * 116,
    "Log      - Default:          2, Info:                0, Debug:             0, Error:          0, "
    "Fault:          0",
    "Activity - Create:             0, Transition:          0, Actions:           0",
]


def test_log_show_syslog_style_is_read_by_the_syslog_format() -> None:
    # What was wrong: macOS's `log show --style syslog` (its time stamp's date and time parted
    # by a space, the offset without a colon, two spaces before the host) and install.log's
    # lines matched no line of --format syslog: an export of 2,500 events was refused whole
    # ("0 parsed"), and the error named the export's filter line, not why.
    from hourglass.ingest.logs import LogParser

    lines = [*_LOG_SHOW_SYSLOG, "2024-05-01 08:00:03-07 mbp installd[512]: PackageKit: Installed \"Zoom\""]
    p = LogParser("syslog").fit(lines)
    df = p.parse(lines)
    assert p.stats_.parsed == 3 and p.stats_.unmatched == 5
    assert df["time"].tolist() == [1714575601.336, 1714575602.1, 1714575603.0]
    assert df["host"].tolist() == ["localhost", "localhost", "mbp"]
    assert df["pid"].tolist() == ["812", "812", "512"]
    assert "log show writes around its events" in (p.stats_.first_unmatched_reason or "")
    # a parser saved before reads as it did
    old = LogParser("syslog", rules=9).fit(["Jun 14 15:16:01 web1 sshd[1]: hi"])
    old.parse(lines)
    assert old.stats_.parsed == 0
    # the default style is no format's: the error names its first event line and why
    default = ["Timestamp                       Thread     Type        Activity             PID    TTL  ",
               "2024-05-01 08:00:01.336000-0700 0xb1ff0    Default     0x0                  812    0    "
               "sshd: (libsystem_info.dylib) Accepted publickey for alice"]
    p = LogParser("syslog")
    try:
        p.fit(default)
    except ValueError as exc:
        assert "line 2" in str(exc) and "--style syslog" in str(exc), str(exc)
    else:
        raise AssertionError("no error")


def test_openbsm_audit_trail_is_refused_with_its_recipe(tmp_path: Path) -> None:
    # What was wrong: an OpenBSM audit trail as `praudit -x` writes it was read as a CSV of one
    # column named "<?xml version='1.0' ?>", its XML lines the categories a model trained on
    # (exit 0); as `praudit -l` writes it, its first record's tokens were the column names and
    # the next record "expected 34 fields, found 35". Both are refused, naming the trail and the
    # header regex that reads `praudit -l`'s records as a log, which parses them.
    from typer.testing import CliRunner

    from hourglass.cli import app
    from hourglass.ingest.formats import BSM_LOG_FORMAT
    from hourglass.ingest.logs import LogParser

    xml = tmp_path / "audit.xml"
    xml.write_text("<?xml version='1.0' ?>\n<audit>\n<record version=\"11\" event=\"execve(2)\" "
                   "modifier=\"0\" time=\"Wed May  1 08:00:00 2024\" msec=\" + 123 msec\" >\n"
                   "<path>/bin/zsh</path>\n<return errval=\"success\" retval=\"0\" />\n</record>\n</audit>\n")
    lines = ["header,133,11,execve(2),0,Wed May  1 08:00:00 2024, + 123 msec,exec arg,/bin/zsh,-l,"
             "path,/bin/zsh,subject,alice,alice,staff,alice,staff,1234,100017,50331650,0.0.0.0,"
             "return,success,0,trailer,133",
             "header,121,11,open(2) - read,creat,0,Wed May  1 08:00:01 2024, + 5 msec,argument,2,0x0,"
             "flags,path,/Users/alice/.zshrc,subject,alice,alice,staff,alice,staff,1234,100017,"
             "50331650,0.0.0.0,return,success,3,trailer,121"]
    text = tmp_path / "audit.txt"
    text.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    for path, kind in ((xml, "praudit -x XML"), (text, "praudit -l lines")):
        res = runner.invoke(app, ["inspect", str(path)])
        assert res.exit_code == 2 and f"an OpenBSM audit trail ({kind})" in res.stderr, res.output
        assert "Traceback" not in res.output and BSM_LOG_FORMAT in " ".join(res.stderr.split("\n"))
    p = LogParser(BSM_LOG_FORMAT).fit(lines)
    df = p.parse(lines)
    assert df["event"].tolist() == ["execve(2)", "open(2) - read,creat"]
    assert df["time"].tolist() == [1714550400.0, 1714550401.0]


def test_code_signing_flags_and_file_modes_are_codes() -> None:
    # What was wrong: of an Endpoint Security event as eslogger writes it, codesigning_flags and
    # an executable's stat.st_mode and st_flags (sets of bits) were min-max scaled amounts: a
    # binary signed ad hoc (CS_ADHOC, 0x2) lay 2 from a platform binary's 570,522,385, 3.5e-9 of
    # the scale, the same feature; they are codes, each set of bits a category of its own.
    from hourglass.features.tabular import TabularPreprocessor

    n = 120
    df = pd.DataFrame({"process.codesigning_flags": [570522385] * (n - 20) + [570494977] * 20,
                       "process.executable.stat.st_mode": [33261] * (n - 5) + [33188] * 5,
                       "process.executable.stat.st_flags": [524320] * (n - 5) + [0] * 5,
                       "process.executable.path": ["/bin/zsh", "/usr/bin/git"] * (n // 2)})
    pre = TabularPreprocessor().fit(df)
    for c in ("process.codesigning_flags", "process.executable.stat.st_mode",
              "process.executable.stat.st_flags"):
        assert pre.roles_[c] == "categorical", (c, pre.roles_[c], pre.reasons_[c])
    adhoc = df.head(1).assign(**{"process.codesigning_flags": 570522385 | 0x2})
    assert (pre.transform(adhoc) != pre.transform(df.head(1))).any()


def test_unified_log_process_image_path_is_ecs_process_executable() -> None:
    # What was wrong: an ECS alert of a model of `log show --style ndjson` events kept (--keep)
    # their processImagePath, the process that logged, only under hourglass.fields: a SIEM rule
    # or dashboard on process.executable (/usr/bin/osascript) never saw it.
    from hourglass.serve.ecs import ecs_target

    assert ecs_target("processImagePath") == "process.executable"
    assert ecs_target("processID") is None  # (as a Windows event's ProcessId, matched alike)


def test_macos_system_log_repeat_is_the_message_before_it() -> None:
    # What was wrong: macOS's /var/log/system.log writes a message sent again as
    # 'Sep 14 17:21:36 --- last message repeated 3 times ---' (the time, no host, no tag): a line
    # that matched no header, so the 3 events it stood for were lost (3 of 6 events read) and it
    # was counted as a line of another format; it is now the message before it, that many times.
    from hourglass.ingest.logs import LogParser

    lines = ["Sep 14 17:21:34 xcv58 sharingd[397]: Starting Handoff advertising",
             "Sep 14 17:21:36 xcv58 nsurlstoraged[371]: Error: stepSQLStatement - error=5",
             "Sep 14 17:21:36 --- last message repeated 3 times ---",
             "Sep 14 17:21:37 xcv58 syslogd[46]: ASL Sender Statistics",
             "Sep 14 17:21:39 --- last message repeated 1 time ---                         "]
    p = LogParser("syslog").fit(lines)
    df = p.parse(lines)
    assert p.stats_.unmatched == 0 and len(df) == 7
    assert df["line"].tolist() == [1, 2, 3, 3, 3, 4, 5]
    assert df["component"].tolist()[2:5] == ["nsurlstoraged"] * 3 and df["host"].iloc[4] == "xcv58"
    assert df["content"].iloc[6] == "ASL Sender Statistics"
    # a parser saved before reads as it did
    old = LogParser("syslog", rules=9).fit(lines)
    old.parse(lines)
    assert old.stats_.unmatched == 2


def test_log_stream_banner_before_ndjson_events_is_no_row(tmp_path: Path) -> None:
    # What was wrong: `log stream --style ndjson --predicate ...` (and log show given a
    # predicate) writes its banner, 'Filtering the log data using "..."', as a line of text
    # before its JSON events: `log stream ... | hourglass stream MODEL` stopped at line 1 ("not
    # valid JSON"), and so did score of a file saved from it; the banner is no row.
    banner = 'Filtering the log data using "subsystem == \\"com.apple.TCC\\""'
    lines = [json.dumps(_unified_event(i), separators=(",", ":")) for i in range(3)]
    path = tmp_path / "stream.ndjson"
    path.write_text("\n".join([banner, *lines]) + "\n")
    assert len(pd.concat(list(iter_table(path, fmt="jsonl")))) == 3
    batch = [(n, raw.encode()) for n, raw in enumerate([banner, *lines], 1)]
    rows, numbers, problem = _parse(batch, "<stdin>", "error", [])
    assert problem is None and len(rows) == 3 and numbers == [2, 3, 4]
    # any other text line is still a bad line
    batch[0] = (1, b"Filtering the data")
    assert _parse(batch, "<stdin>", "error", [])[2] is not None


def test_unified_log_activity_ids_are_no_features() -> None:
    # What was wrong: the unified log's activityIdentifier and parentActivityIdentifier (ids
    # numbered as activities begin, rising through a boot) were scaled amounts with no warning
    # (their name's last word no identifier's): a later export's activities lay past the
    # training range, every event with one an outlier on that feature.
    from hourglass.features.tabular import TabularPreprocessor

    df = pd.DataFrame([_unified_event(i) for i in range(120)])
    df["activityIdentifier"] = [0 if i % 3 else 90_000 + 17 * i for i in range(120)]
    df["parentActivityIdentifier"] = [0 if i % 4 else 89_000 + 5 * i for i in range(120)]
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["activityIdentifier"] == "drop"
    assert pre.roles_["parentActivityIdentifier"] == "drop"
