"""Review 58 (linux58): a Linux host and web analyst's own server logs (auth.log, access logs)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.ingest.logs import LogParser


def _sshd(i: int, ip: str) -> str:
    return (f"Mar  3 07:01:{i % 60:02d} web1 sshd[{100 + i}]: Failed password for root from {ip} "
            f"port {40000 + i} ssh2")


def test_ipv6_client_is_one_ip_not_a_template_of_its_own() -> None:
    # What was wrong: no mask knew IPv6 addresses; the numbers mask cut one at its colons
    # ('from <NUM>:db8::<NUM> port <NUM>'), so a model trained on a fleet's IPv4 clients keyed the
    # line of every IPv6 client (sshd's 'Failed password ... from 2001:db8::7') as an unknown
    # template, and explain's parameters held pieces of the address.
    pytest.importorskip("drain3")
    parser = LogParser("syslog").fit([_sshd(i, f"10.0.{i % 4}.{i}") for i in range(40)])
    assert list(parser.templates().values()) == ["Failed password for root from <IP> port <NUM> ssh2"]
    clients = ["2001:db8::7", "fe80::1%eth0", "::1", "::ffff:192.0.2.5",
               "2001:0db8:85a3:0000:0000:8a2e:0370:7334"]
    df = parser.parse([_sshd(i, ip) for i, ip in enumerate(clients)])
    assert df["key"].tolist() == [1] * len(clients)
    template = parser.templates()[1]
    assert [parser.parameters(template, c)[0] for c in df["content"]] == clients
    # times, MACs and words with '::' are no address
    assert parser.mask("at 07:01:02 mac 00:1a:2b:3c:4d:5e std::vector") == \
        "at <NUM>:<NUM>:<NUM> mac <MAC> std::vector"  # (a MAC: <MAC> from rules 6)
    # a parser saved with the rules before keeps its masks (it scores as it did)
    assert LogParser("raw", rules=3).mask("from 2001:db8::7 port 22") == "from <NUM>:db8::<NUM> port <NUM>"


def test_common_log_format_time_reads_in_a_table_column() -> None:
    # What was wrong: the time web servers write (nginx's $time_local, Apache's %t:
    # '03/Mar/2026:07:00:00 +0100') was read in a raw log's header only; as a table's
    # --timestamp-col (nginx's JSON access log) every row was 'not a timestamp', so a table,
    # entity or event model on parsed access logs could not be trained on its own time column.
    from hourglass._times import parse_timestamps

    ts = parse_timestamps(pd.Series(["03/Mar/2026:07:00:00 +0000", "03/Mar/2026:07:00:01 +0100"]),
                          "time_local")
    assert [str(t) for t in ts] == ["2026-03-03 07:00:00+00:00", "2026-03-03 06:00:01+00:00"]


def test_entity_model_trains_on_nginx_json_access_log(tmp_path: Path) -> None:
    # What was wrong: as above, through the CLI: 'column 'time_local': line 1 is not a timestamp'
    rows = [{"remote_addr": f"192.0.2.{i % 7}" if i % 2 else f"2001:db8::{i % 5:x}",
             "time_local": f"03/Mar/2026:07:{i // 60:02d}:{i % 60:02d} +0000", "status": 200 + (i % 3),
             "body_bytes_sent": 100 + i} for i in range(240)]
    data = tmp_path / "access.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    res = CliRunner().invoke(app, ["train", str(data), "--entity-col", "remote_addr", "--timestamp-col",
                                   "time_local", "--bucket", "1min", "--model", "autoencoder",
                                   "--param", "epochs=1", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "m" / "config.json").exists()


def _readme_rfc5424_regex() -> str:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = text.index("read it with the header regex\n`'") + len("read it with the header regex\n`'")
    # (the code span is broken over two lines where the regex has a space; re reads its \ufeff)
    return text[start:text.index("'`", start)].replace("\n", " ")


def test_readme_rfc5424_regex_gives_syslogs_sessions_for_nil_procid() -> None:
    # What was wrong: the README's header regex for RFC 5424 read a nil PROCID ('-', as the
    # kernel's lines have) as the pid '-', so '--session-col pid' put every pid-less line in one
    # session named '-' (a critical alert of 30 unrelated kernel lines), where 'syslog' counts
    # the same lines without '[pid]' as events without a session id, as the README promised.
    pytest.importorskip("drain3")
    from hourglass.features.sessions import EventSessions

    bsd, rfc = [], []
    for i in range(12):
        comp, pid, msg = ("kernel", None, f"[UFW BLOCK] SRC=203.0.113.{i} DPT=22") if i % 3 == 0 else \
            ("sshd", str(100 + i % 2), f"Failed password for root from 10.0.0.{i} port {40000 + i} ssh2")
        bsd.append(f"Jan  1 00:00:{i:02d} web1 {comp}{f'[{pid}]' if pid else ''}: {msg}")
        rfc.append(f"<4>1 2026-01-01T00:00:{i:02d}.000Z web1 {comp} {pid or '-'} - - {msg}")
    regex = _readme_rfc5424_regex()
    got = EventSessions(format=regex, session_column="pid").fit(rfc).sessions(rfc)
    want = EventSessions(format="syslog", session_column="pid").fit(bsd).sessions(bsd)
    assert got.ids == want.ids == ["101", "100"]
    assert [s.tolist() for s in got.lines] == [s.tolist() for s in want.lines]


def test_ecs_alert_of_an_access_log_row_names_its_client_and_user() -> None:
    # What was wrong: nginx's JSON access log names its client remote_addr and its user
    # remote_user; neither was a well-known name, so an ECS alert on such a row had no source.ip,
    # related.ip or user.name (a SIEM's pivot on the attacker's address found nothing), where a
    # flow's src_ip gets one.
    from hourglass.serve.ecs import AlertRule, to_ecs

    rule = AlertRule("autoencoder", "f" * 64, threshold=1.5, time_field="time_local")
    doc = to_ecs({"row": 3, "score": 2.5, "severity": "high", "calibrated": 0.99}, rule,
                 fields={"time_local": "03/Mar/2026:07:01:02 +0100", "remote_addr": "2001:db8::7",
                         "remote_user": "alice"})
    assert doc["source"] == {"ip": "2001:db8::7"} and doc["user"] == {"name": "alice"}
    assert doc["related"]["ip"] == ["2001:db8::7"]
    assert doc["@timestamp"] == "2026-03-03T06:01:02.000Z"
    # nginx's '-' for no user is no user
    doc = to_ecs({"row": 4, "score": 2.5, "severity": "high", "calibrated": 0.99}, rule,
                 fields={"remote_addr": "192.0.2.9", "remote_user": "-"})
    assert doc["source"] == {"ip": "192.0.2.9"} and "user" not in doc


def test_auth_log_without_format_says_it_is_a_log(tmp_path: Path) -> None:
    # What was wrong: an auth.log whose first line is a sudo line ('... ; PWD=... ; USER=root ;
    # COMMAND=...') was sniffed as a ';'-separated table, and 'train auth.log' (the --format
    # forgotten) said 'line 2: expected 4 fields, found 1 (the first data line: is the file in
    # this layout (--format, --dataset)? use --on-bad-rows skip ...)': no word of a log, where
    # the same log starting with an sshd line said 'a log file needs a log --format'.
    log = tmp_path / "auth.log"
    log.write_text("Mar  3 07:01:02 web1 sudo[42]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; "
                   "COMMAND=/usr/bin/systemctl restart nginx\n"
                   "Mar  3 07:01:02 web1 sudo[42]: pam_unix(sudo:session): session opened for user root\n"
                   "Mar  3 07:01:03 web1 sshd[77]: Accepted publickey for alice from 2001:db8::7 "
                   "port 50522 ssh2\n",
                   encoding="utf-8")
    res = CliRunner().invoke(app, ["train", str(log), "-o", str(tmp_path / "m")])
    assert res.exit_code == 2
    # (round 58, self58: told at the header line, whatever the separators, as score tells a log)
    assert "the first line is a log line ('syslog' header), no table's header: a log needs a log " \
        "model (train --format hdfs" in res.output
    assert "--on-bad-rows skip" not in res.output and not (tmp_path / "m").exists()


def test_http_status_of_an_access_log_is_a_category() -> None:
    # What was wrong: an nginx access log's status (JSON "404" or a CSV's 404) was a numeric
    # feature, log1p and min-max scaled, as if 404 were twice 200 and 500 next to 404, where an
    # entity model already counts it as a code by its name.
    from hourglass.features.roles import infer_role

    for values in (pd.Series(["200", "404", "304", "-"]), pd.Series([200, 404, 500]),
                   pd.Series([200.0, 301.0, None])):
        assert infer_role("status", values, max_categories=100)[0] == "categorical"
    assert infer_role("http.response.status_code", pd.Series([200, 502]), max_categories=100)[0] \
        == "categorical"
    # other numbers under such a name stay numbers (a 0/1 flag, a percentage)
    assert infer_role("status", pd.Series([0, 1, 1]), max_categories=100)[0] == "numeric"
    assert infer_role("status", pd.Series([12.5, 99.0]), max_categories=100)[0] == "numeric"
