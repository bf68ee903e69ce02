"""The ``journald`` log format: systemd's journal as ``journalctl -o json`` writes it, read into
the fields a syslog header gives, and through train, score, stream and the service."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.ingest.logs import LogParser, file_lines
from tests._cli import one_line_error

runner = CliRunner()
T0 = 1_700_000_000_000_000  # µs since the epoch: 2023-11-14T22:13:20Z
BOOT = "5e3b2c0d7f8a4b9c8d7e6f5a4b3c2d1e"


def record(message: Any, *, us: int = T0, ident: str | None = "sshd", pid: int | str = 812,
           unit: str | None = "ssh.service", host: str = "web1", **more: Any) -> str:
    """One line of ``journalctl -o json`` (with the trusted fields journald adds)."""
    rec: dict[str, Any] = {"__CURSOR": f"s={BOOT};i={us % 997:x}", "__REALTIME_TIMESTAMP": str(us),
                           "__MONOTONIC_TIMESTAMP": str(us - T0 + 5_000_000), "_BOOT_ID": BOOT,
                           "PRIORITY": "6", "_TRANSPORT": "syslog", "_HOSTNAME": host,
                           "_COMM": (ident or "x").lower(), "_PID": str(pid), "_UID": "0",
                           "MESSAGE": message}
    if ident is not None:
        rec["SYSLOG_IDENTIFIER"] = ident
    if unit is not None:
        rec["_SYSTEMD_UNIT"] = unit
    rec.update(more)
    return json.dumps(rec)


def host_log(n_conn: int, *, seed: int, attacks: int = 0) -> tuple[list[str], set[str]]:
    """A host's journal: ssh logins and cron jobs (a process each), systemd starting units
    (pid 1); ``attacks`` of the ssh processes are password guessing, which a normal day never
    has. Returns the lines and the attacking processes' pids."""
    rng = random.Random(seed)
    events: list[tuple[int, str, str, int, str]] = []  # time, message, ident, pid, unit
    attackers = set(rng.sample(range(n_conn), attacks))
    for c in range(n_conn):
        t = T0 + c * 7_000_000 + rng.randint(0, 3_000_000)
        pid = 2000 + c
        ip, port = f"10.0.{rng.randint(0, 9)}.{rng.randint(2, 254)}", rng.randint(1024, 65535)
        if c in attackers:
            user = rng.choice(["oracle", "admin", "test", "ubnt"])
            msgs = [f"Connection from {ip} port {port} on 10.0.0.1 port 22"]
            msgs += [f"Failed password for invalid user {user} from {ip} port {port} ssh2"] * 6
            msgs += [f"error: maximum authentication attempts exceeded for invalid user {user} from "
                     f"{ip} port {port} ssh2 [preauth]",
                     f"Disconnecting invalid user {user} {ip} port {port}: Too many authentication "
                     "failures [preauth]"]
            ident, unit = "sshd", "ssh.service"
        elif rng.random() < 0.5:
            user = rng.choice(["deploy", "alice", "bob"])
            msgs = [f"Connection from {ip} port {port} on 10.0.0.1 port 22"]
            if rng.random() < 0.2:  # a mistyped password now and then
                msgs.append(f"Failed password for {user} from {ip} port {port} ssh2")
            msgs += [f"Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 "
                     f"SHA256:{rng.getrandbits(64):016x}",
                     f"pam_unix(sshd:session): session opened for user {user}(uid=1000) by (uid=0)",
                     f"Received disconnect from {ip} port {port}:11: disconnected by user",
                     f"pam_unix(sshd:session): session closed for user {user}"]
            ident, unit = "sshd", "ssh.service"
        else:
            job = rng.choice(["run-parts /etc/cron.hourly", "/usr/local/bin/backup.sh",
                              "test -x /usr/sbin/anacron || run-parts /etc/cron.daily"])
            msgs = ["pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
                    f"(root) CMD ({job})",
                    "pam_unix(cron:session): session closed for user root"]
            ident, unit = "CRON", "cron.service"
        for i, m in enumerate(msgs):
            events.append((t + i * 200_000, m, ident, pid, unit))
        if c % 5 == 0:
            u = rng.choice(["logrotate", "apt-daily", "man-db", "fstrim"])
            for i, m in enumerate([f"Starting {u}.service - Daily {u}...",
                                   f"{u}.service: Deactivated successfully.",
                                   f"Finished {u}.service - Daily {u}."]):
                events.append((t + i * 100_000 + 50_000, m, "systemd", 1, "init.scope"))
    events.sort()
    lines = [record(m, us=t, ident=ident, pid=pid, unit=unit) for t, m, ident, pid, unit in events]
    return lines, {str(2000 + c) for c in attackers}


# -- the record ----------------------------------------------------------------------------------
def test_a_record_gives_the_syslog_fields_and_exact_time() -> None:
    lines = [
        record("Failed password for invalid user admin from 10.0.0.7 port 50122 ssh2",
               us=T0 + 123_457),
        record("(root) CMD (run-parts /etc/cron.hourly)", ident="CRON", pid=977, unit="cron.service",
               us=T0 + 60_000_001),
        record("Started cron.service - Regular background program processing daemon.",
               ident="systemd", pid=1, unit="init.scope", us=T0 + 61_000_000, PRIORITY="5"),
        record("kernel: eth0 link up", ident=None, unit=None, _COMM="kworker/0:1", pid=42,
               us=T0 + 62_000_000),
    ]
    ev = LogParser("journald").fit(lines).events_
    assert ev["content"].tolist()[0] == "Failed password for invalid user admin from 10.0.0.7 port 50122 ssh2"
    assert ev["template"].tolist()[0] == "Failed password for invalid user admin from <IP> port <NUM> ssh2"
    assert ev["host"].tolist() == ["web1"] * 4
    assert ev["component"].tolist() == ["sshd", "CRON", "systemd", "kworker/0:1"]  # _COMM when no identifier
    assert ev["pid"].tolist() == ["812", "977", "1", "42"]
    assert ev["unit"].tolist() == ["ssh.service", "cron.service", "init.scope", ""]
    assert ev["priority"].tolist() == ["6", "6", "5", "6"] and set(ev["boot"]) == {BOOT}
    # the time: exact decimal seconds in the field, the nearest double in 'time', UTC
    assert ev["timestamp"].tolist()[:2] == ["1700000000.123457", "1700000060.000001"]
    assert ev["time"].tolist() == [1700000000.123457, 1700000060.000001, 1700000061.0, 1700000062.0]
    us = [round(t * 1e6) for t in ev["time"]]  # seconds as a double: the microsecond rounds back
    assert us[:2] == [T0 + 123_457, T0 + 60_000_001]
    assert pd.Timestamp(us[0], unit="us", tz="UTC").isoformat() == "2023-11-14T22:13:20.123457+00:00"


def test_byte_array_null_and_repeated_fields() -> None:
    bad_utf8 = list(b"login from \xff\xfeuser root")
    lines = [
        record(bad_utf8),                                           # not UTF-8: replaced, counted
        record(list("colour \x1b[31mété\x1b[0m".encode())),     # UTF-8 with control bytes
        record("a null pid", pid=0, _PID=None, _HOSTNAME=None),     # null fields: empty
        record("repeated", SYSLOG_IDENTIFIER=["sshd", "sshd-session"], _PID=["7", "8"]),
        record(["first part", list(b"second \xffpart")]),           # a repeated MESSAGE: all of it
        "\x1e" + record("from json-seq"),                           # journalctl -o json-seq
        record("numbers as numbers", _PID=99, PRIORITY=3),          # not journalctl's, but JSON
    ]
    p = LogParser("journald").fit(lines)
    ev = p.events_
    assert ev["content"].tolist() == ["login from \ufffd\ufffduser root", "colour \x1b[31mété\x1b[0m",
                                      "a null pid", "repeated", "first part\nsecond \ufffdpart",
                                      "from json-seq", "numbers as numbers"]
    assert ev["pid"].tolist() == ["812", "812", "", "7", "812", "812", "99"]
    assert ev["host"].tolist()[2] == "" and ev["component"].tolist()[3] == "sshd"
    assert ev["priority"].tolist()[-1] == "3"
    assert (p.stats_.parsed, p.stats_.unmatched, p.stats_.bad_encoding) == (7, 0, 2)


def test_bad_encoding_is_counted_when_read_from_a_file(tmp_path: Path) -> None:
    f = tmp_path / "j.json"
    f.write_text("\n".join([record(list(b"bad \xff"), pid=1), record("good", pid=2)]) + "\n")
    p = LogParser("journald")
    events = pd.concat(list(p.fit_chunks(file_lines(f))))
    assert events["content"].tolist() == ["bad \ufffd", "good"] and p.stats_.bad_encoding == 1


def test_lines_that_are_no_record_are_counted_and_named(caplog: pytest.LogCaptureFixture) -> None:
    lines = [record("ok one"), "Jun 14 15:16:01 combo sshd[1]: a syslog line", "[1, 2]",
             json.dumps({"_PID": "3", "__REALTIME_TIMESTAMP": str(T0)}),
             json.dumps({"MESSAGE": None, "_PID": "3"}), '{"MESSAGE": "cut sh', "", record("ok two"),
             '{"MESSAGE": {"a": 1}}', '{"MESSAGE": ' + "[" * 100_000, record([])]
    with caplog.at_level("WARNING"):
        p = LogParser("journald").fit(lines)
    s = p.stats_
    assert (s.lines, s.parsed, s.unmatched, s.blank, s.first_unmatched) == (11, 3, 7, 1, 2)
    assert p.events_["content"].tolist() == ["ok one", "ok two", ""]  # MESSAGE [] : no bytes
    assert ("7 of 11 lines were no journal record with a MESSAGE (first: line 2: not a JSON object"
            in caplog.text)
    why = [p.unmatched_text(i, line) for i, line in enumerate(lines[1:6], 2)]
    assert why[0].startswith("line 2: not a JSON object; expected a journal record a line, a JSON "
                             "object with a MESSAGE field as journalctl -o json writes: 'Jun 14")
    assert why[2].startswith("line 4: a journal record without a MESSAGE field; expected")
    assert why[3].startswith("line 5: a journal record whose MESSAGE is null (journalctl writes null "
                             "for a value over 4096 bytes; export with journalctl --all)")
    assert why[4].startswith("line 6: not a JSON object")
    assert p.unmatched_text(9, lines[8]).startswith("line 9: a journal record whose MESSAGE is a JSON "
                                                    "dict, not text or bytes")
    assert p.unmatched_text(10, lines[9]).startswith("line 10: not a JSON object")  # too deep
    with pytest.raises(InputError, match=r"^line 2: not a JSON object; expected a journal record"):
        LogParser("journald", strict=True).fit(lines)
    with pytest.raises(InputError, match=r"no log line matched the header format 'journald' .*; the "
                                         r"first, line 1: not a JSON object"):
        LogParser("journald").fit(["KEY=value", "MESSAGE=hello"])  # journalctl -o export


def test_same_templates_and_fields_as_the_syslog_lines() -> None:
    lines, _ = host_log(30, seed=1, attacks=3)
    recs = [json.loads(x) for x in lines]
    syslog = [pd.Timestamp(int(r["__REALTIME_TIMESTAMP"]), unit="us", tz="UTC").isoformat() + " "
              f"{r['_HOSTNAME']} {r['SYSLOG_IDENTIFIER']}[{r['_PID']}]: {r['MESSAGE']}" for r in recs]
    j = LogParser("journald").fit(lines)
    s = LogParser("syslog").fit(syslog)
    assert j.templates() == s.templates()
    for col in ("key", "content", "host", "component", "pid"):
        assert j.events_[col].tolist() == s.events_[col].tolist(), col
    np.testing.assert_allclose(j.events_["time"], s.events_["time"], rtol=0, atol=1e-6)


def test_sessions_by_unit_host_or_time_window() -> None:
    from hourglass.features import EventSessions

    lines, _ = host_log(20, seed=2)
    by_unit = EventSessions(format="journald", session_column="unit").fit(lines).sessions(lines)
    assert sorted(by_unit.ids) == ["cron.service", "init.scope", "ssh.service"]
    assert sum(map(len, by_unit.sequences)) == len(lines)
    by_host = EventSessions(format="journald", session_column="host").fit(lines).sessions(lines)
    assert by_host.ids == ["web1"]
    # 20 processes 7 s apart from 22:13:20: windows of 60 s from the first record's time
    by_time = EventSessions(format="journald", window=60).fit(lines).sessions(lines)
    assert len(by_time) == 3 and by_time.ids[0].startswith("2023-11-14T22:13:")


# -- the CLI and the service -----------------------------------------------------------------------
def _invoke(args: list[Any], stdin: str | None = None) -> Any:
    return runner.invoke(app, [str(a) for a in args], input=stdin)


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A DeepLog model trained by the CLI on a normal journal, sessions by process (pid)."""
    d = tmp_path_factory.mktemp("journald")
    train, _ = host_log(300, seed=0)
    (d / "train.json").write_text("\n".join(train) + "\n")
    r = _invoke(["train", d / "train.json", "--format", "journald", "--session-col", "pid",
                 "--model", "deeplog", "--epochs", "20", "--lr", "0.02", "--hidden", "16",
                 "--param", "window=2", "--param", "top_g=3", "--param", "layers=1",
                 "-o", d / "m", "-q"])
    assert r.exit_code == 0, r.output
    test, attackers = host_log(80, seed=5, attacks=10)
    (d / "test.json").write_text("\n".join(test) + "\n")
    return {"dir": d, "model": d / "m", "test": d / "test.json", "lines": test, "attackers": attackers}


def test_a_model_of_normal_journal_flags_password_guessing(kit: dict[str, Any]) -> None:
    out = kit["dir"] / "scores.csv"
    r = _invoke(["score", kit["model"], kit["test"], "-o", out])
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out, dtype={"session": str})
    bad = df["session"].isin(kit["attackers"]).to_numpy()
    assert bad.sum() == 10 and (~bad).sum() > 60
    recall, fpr = df["flag"][bad].mean(), df["flag"][~bad].mean()
    assert recall >= 0.9 and fpr <= 0.1, (recall, fpr)
    # ranking: every attack above (nearly) every normal process, far from chance (0.5)
    ranks = pd.Series(df["score"]).rank().to_numpy()
    auc = (ranks[bad].sum() - bad.sum() * (bad.sum() + 1) / 2) / (bad.sum() * (~bad).sum())
    assert auc >= 0.95, auc


def test_alerts_quote_the_journal_message(kit: dict[str, Any]) -> None:
    out = kit["dir"] / "alerts.jsonl"
    r = _invoke(["score", kit["model"], kit["test"], "-o", out])
    assert r.exit_code == 0, r.output
    alerts = [json.loads(x) for x in out.read_text().splitlines()]
    first = next(a for a in alerts if a["session"] in kit["attackers"])
    line = kit["lines"][first["unexpected"]["line"] - 1]
    assert first["unexpected"]["text"] == json.loads(line)["MESSAGE"]


def test_stream_reads_journal_lines_on_stdin(kit: dict[str, Any]) -> None:
    text = "\n".join(kit["lines"]) + "\n"
    r = _invoke(["stream", kit["model"], "--batch", "64"], stdin=text)
    assert r.exit_code == 0, r.output
    alerts = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert {a["session"] for a in alerts} >= kit["attackers"]
    assert f"{len(kit['lines']):,} parsed" in r.stderr
    broken = text.replace(kit["lines"][4], "Jun 14 15:16:01 web1 sshd[3]: hello", 1)
    r = _invoke(["stream", kit["model"], "--on-bad-rows", "error"], stdin=broken)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "<stdin>: line 5: not a JSON object; expected a journal record a line" in r.stderr


def test_input_errors_are_one_line(kit: dict[str, Any], tmp_path: Path) -> None:
    short = tmp_path / "short.log"  # journalctl's default output, not -o json
    short.write_text("Nov 14 22:13:20 web1 sshd[812]: Connection from 10.0.0.7 port 50122\n" * 3)
    one_line_error(["train", str(short), "--format", "journald", "--session-col", "pid", "--model",
                    "deeplog", "-o", str(tmp_path / "m")],
                   "no log line matched the header format 'journald'", tmp_path / "m")
    one_line_error(["score", str(kit["model"]), str(short), "-o", str(tmp_path / "a.jsonl")],
                   "the first line skipped, line 1: not a JSON object; expected a journal record",
                   tmp_path / "a.jsonl")
    mixed = tmp_path / "mixed.json"
    lines = list(kit["lines"][:50])
    lines[19] = json.dumps({"_PID": "5", "_HOSTNAME": "web1"})
    mixed.write_text("\n".join(lines) + "\n")
    one_line_error(["score", str(kit["model"]), str(mixed), "-o", str(tmp_path / "b.jsonl"), "--strict"],
                   "line 20: a journal record without a MESSAGE field", tmp_path / "b.jsonl")
    r = _invoke(["score", kit["model"], mixed, "-o", tmp_path / "c.jsonl"])  # without --strict: counted
    assert r.exit_code == 0 and "50 lines, 1 matched no header format" in r.stderr, r.output


def test_the_service_scores_journal_lines_as_score_does(kit: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    out = kit["dir"] / "svc.csv"
    assert _invoke(["score", kit["model"], kit["test"], "-o", out]).exit_code == 0
    want = pd.read_csv(out, dtype={"session": str})
    key = "test-key-0123456789abcdef"
    with TestClient(create_app(kit["model"], api_key=key)) as client:
        assert client.get("/health", headers={"X-API-Key": key}).json()["format"] == "journald"
        r = client.post("/score", json={"lines": kit["lines"]}, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    got = r.json()["sessions"]
    assert [s["session"] for s in got] == want["session"].tolist()
    np.testing.assert_allclose([s["score"] for s in got], want["score"], rtol=1e-6)
    assert [s["flag"] for s in got] == want["flag"].tolist()


def test_the_service_names_the_first_line_that_is_no_journal_record(kit: dict[str, Any]) -> None:
    """A request of lines none of which is a record: the 422 names the first, what it is and
    what was expected, as 'score' does."""
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    key = "test-key-0123456789abcdef"
    short = "Nov 14 22:13:20 web1 sshd[812]: Connection from 10.0.0.7 port 50122"
    with TestClient(create_app(kit["model"], api_key=key)) as client:
        got = {name: client.post("/score", json={"lines": lines}, headers={"X-API-Key": key})
               for name, lines in (("short", ["", short]), ("no message", ['{"_PID": "5"}']),
                                   ("good", kit["lines"][:5]))}
    r = got["short"]
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "lines: no sessions found in 2 lines (1 matched no header format, 1 blank); the model reads "
        "'journald' input; the first line skipped, line 2: not a JSON object; expected a journal record "
        f"a line, a JSON object with a MESSAGE field as journalctl -o json writes: {short!r}")
    r = got["no message"]
    assert r.status_code == 422 and r.json()["detail"].endswith(
        "the first line skipped, line 1: a journal record without a MESSAGE field; expected a journal "
        "record a line, a JSON object with a MESSAGE field as journalctl -o json writes: '{\"_PID\": \"5\"}'")
    assert got["good"].status_code == 200, got["good"].text
