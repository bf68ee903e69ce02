"""Review 27, inv11: the same security events in different formats and routes read alike.

Compared end to end (reader frames, and a one-epoch model's scores on each route): Zeek TSV and
JSON, CEF/LEEF/key=value of the same fields, Suricata EVE nested and dotted, CloudTrail's
``{"Records": [...]}`` files and one record a line (gzip'd too), Okta lines and API pages, Entra
Graph pages, lines and diagnostic records, auditd RAW and ``ausearch`` output, each by ``--format``
and sniffed, gzip'd, from standard input and split into a folder of two files. Every route scored
the same, but a folder (or pattern) of a line format's files, where a first line shared no word
with the line after it and a later file started with such a line: it was taken as a table's header
line, and the later file was refused as 'another header line' (or, the very same line, dropped as
a header repeated). These tests pin that defect, fixed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from hourglass.cli.app import app

runner = CliRunner()


def _cef(i: int) -> str:
    return (f"CEF:0|Acme|FW|1.0|{100 + i % 7}|rule{i % 7}|{i % 10}|rt={1700000000000 + i * 1000} "
            f"src=10.0.0.{i % 30} dst=10.0.1.{i % 5} spt={2000 + i} dpt={80 + i % 3} act=allow\n")


def _scores(model: Path, data: Path, out: Path) -> pd.DataFrame:
    res = runner.invoke(app, ["--threads", "1", "score", str(model), str(data), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return pd.read_csv(out)


def test_a_folder_of_cef_files_is_read_as_its_lines_joined(tmp_path: Path) -> None:
    # what was wrong: a CEF log rotated into two files (no syslog header, each line's signature
    # different) given as a folder: its first line was taken for a table's header line (it shares
    # no '|' field but the device's with the next line), so a.log's was 'another header line' in
    # b.log ('give files of one header line', exit 2), and b.log starting with the very line a.log
    # started with lost that line as a header repeated
    lines = [_cef(i) for i in range(120)]
    lines[60] = lines[0]  # b.log starts with a.log's first event again (a repeated event)
    joined, folder = tmp_path / "all.log", tmp_path / "fw"
    folder.mkdir()
    joined.write_text("".join(lines))
    (folder / "a.log").write_text("".join(lines[:60]))
    (folder / "b.log").write_text("".join(lines[60:]))
    res = runner.invoke(app, ["--threads", "1", "train", str(joined), "-o", str(tmp_path / "m"),
                              "--epochs", "1", "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    whole = _scores(tmp_path / "m", joined, tmp_path / "whole.csv")
    split = _scores(tmp_path / "m", folder, tmp_path / "split.csv")
    assert len(split) == len(whole) == 120
    assert split["score"].tolist() == whole["score"].tolist()
    assert split["row"].tolist() == whole["row"].tolist()


def test_a_folder_of_rotated_audit_logs_is_read_as_one_log(tmp_path: Path) -> None:
    # what was wrong: audit.log.1 starting with a USER_AUTH record followed by a SYSCALL (no word
    # shared), and audit.log starting with another USER_AUTH: given as a folder, the second file
    # was refused as 'another header line than' the first (exit 2); the files read one after the
    # other give the events of the joined log
    auth = ("type=USER_AUTH msg=audit({t}:{s}): pid=2301 uid=0 auid=4294967295 ses=4294967295 "
            "msg='op=PAM:authentication grantors=pam_unix acct=\"u{u}\" exe=\"/usr/sbin/sshd\" "
            "hostname=10.0.0.9 addr=10.0.0.9 terminal=ssh res=success'\n")
    call = ("type=SYSCALL msg=audit({t}:{s}): arch=c000003e syscall=59 success=yes exit=0 items=0 "
            "ppid=2410 pid=2455 auid=1000 uid={u} gid=1000 tty=pts1 ses=7 comm=\"cat\" "
            "exe=\"/usr/bin/cat\" key=\"exec\"\ntype=EOE msg=audit({t}:{s}):\n")
    events = [(auth if i % 2 == 0 else call).format(t=f"{1700000000 + i * 5}.{i:03d}", s=1000 + i,
                                                    u=1000 + i % 3) for i in range(80)]
    joined, folder = tmp_path / "audit.log", tmp_path / "audit"
    folder.mkdir()
    joined.write_text("".join(events))
    # (auditd numbers its rotated files as logrotate does: audit.log.2 is the older)
    (folder / "audit.log.2").write_text("".join(events[:40]))
    (folder / "audit.log.1").write_text("".join(events[40:]))
    res = runner.invoke(app, ["--threads", "1", "train", str(joined), "-o", str(tmp_path / "m"),
                              "--epochs", "1", "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    whole = _scores(tmp_path / "m", joined, tmp_path / "whole.csv")
    split = _scores(tmp_path / "m", folder, tmp_path / "split.csv")
    assert len(split) == len(whole) == 80
    assert split["score"].tolist() == whole["score"].tolist()
