"""Review round 58 (self58): regression tests for defects in this round's own changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hourglass.errors import InputError


@pytest.mark.parametrize("kw", [{"sliding_window": -10**5000}, {"n_thresholds": -10**5000},
                                {"sliding_window": -10**400}, {"n_thresholds": -10**400}])
def test_vus_volumes_refuses_huge_negative_integers_in_one_line(kw: dict[str, int]) -> None:
    # What was wrong: b08c9222 made vus_volumes quote an integer past float's range as "an integer
    # past float's range" only in its 'at most' refusal; the 'whole number >= 0' (and n_thresholds'
    # '>= 1') refusals still quoted repr(value): -10**400 gave a message of 400 digits, and
    # -10**5000 a ValueError traceback (Python's 4300-digit limit on int -> str), no InputError.
    from hourglass.evaluate.vus import vus_volumes

    y, s = np.array([0, 0, 1, 1, 0, 0, 0, 0]), np.arange(8.0)
    with pytest.raises(InputError) as exc:
        vus_volumes(y, s, **kw)
    assert "an integer past float's range" in str(exc.value)
    assert len(str(exc.value)) < 200


@pytest.mark.parametrize("lines", [
    # no separator on any line: one column, the first line its name
    ["Mar  3 07:01:0{i} web1 sshd[4{i}]: Accepted password for u{i} from 10.0.0.{i} port 22 ssh2"],
    # cron lines only: one ';' on every line, so no row's field count differs
    ["Mar  3 07:01:0{i} web1 CRON[4{i}]: (root) CMD (   cd / ; run-parts --report /etc/cron.hourly)"],
])
def test_log_without_format_is_refused_whatever_its_separators(tmp_path: Path, lines: list[str]) -> None:
    # What was wrong: 4d0a0ace made 'train auth.log' (--format forgotten) say that the first line
    # is a log line only where a later line's field count differed from the first's; a syslog
    # file whose lines hold no separator, or the same count of ';' (cron's), was read as a
    # table whose header is its first log line, and a table model was trained and saved on it
    # ('trained autoencoder on 5 rows ... of csv (6 features)'), exit 0, without a word of a log.
    from typer.testing import CliRunner

    from hourglass.cli import app

    log = tmp_path / "auth.log"
    log.write_text("".join(lines[0].format(i=i) + "\n" for i in range(1, 8)), encoding="utf-8")
    res = CliRunner().invoke(app, ["train", str(log), "-o", str(tmp_path / "m")])
    assert res.exit_code == 2, res.output
    assert ("the first line is a log line ('syslog' header), no table's header" in res.output
            or "the data reads as one text column (first line 'Mar  3 07:01:01" in res.output)
    assert "a log needs a log model (train --format hdfs" in res.output
    assert not (tmp_path / "m").exists()


@pytest.mark.usefixtures("script_state_kept")
@pytest.mark.parametrize("args, line", [
    (["--param", "epochs"], "--param: expected NAME=VALUE, got 'epochs'"),
    (["--versus", "lr=abc"], "--versus: lr must be a number"),
])
def test_fit_time_refuses_a_bad_param_before_any_work(
        args: list[str], line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: ef1cb70b made timeseries_explain.py refuse a --param without '=VALUE' (or a
    # value of the wrong kind) before any work, but its sibling fit_time.py still took
    # `--param epochs` as epochs='' (and lr=abc as the text 'abc'), read NSL-KDD's 67,343 rows
    # and only then stopped at the first fit ('epochs must be a whole number, got '''). Now both
    # are refused in one line, exit 2, before the data folder is looked at (tmp_path has none).
    import sys

    bench = str(Path(__file__).resolve().parent.parent / "benchmarks")
    monkeypatch.syspath_prepend(bench)
    import fit_time
    from _common import run_script

    monkeypatch.setattr(sys, "argv", ["fit_time.py", "--data", str(tmp_path), *args])
    with pytest.raises(SystemExit) as stop:
        run_script(fit_time.main)
    assert stop.value.code == 2
    assert line in capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.usefixtures("script_state_kept")
def test_loghub_result_states_the_parsing_rules_it_ran_with(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: cd4c6904 made rules 4 (IPv6 masks) a new LogParser's default, but
    # benchmarks/loghub.py's result text still said "`LogParser` defaults: Drain similarity 0.7,
    # depth 5, rules 3" (a fixed string), so loghub.md written by a run now named rules it did
    # not run with. It now states the rules of the parsers it ran.
    import sys

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import loghub
    from hourglass.ingest.logs import LogParser

    for name in ("log.gz", "log_structured.csv.gz"):
        (tmp_path / "loghub_2k" / "Apache").mkdir(parents=True, exist_ok=True)
        (tmp_path / "loghub_2k" / "Apache" / f"Apache_2k.{name}").write_bytes(b"")
    written: dict[str, str] = {}
    monkeypatch.setattr(loghub, "run_set", lambda root, s, parser, repeat=3: {"ga": 1.0})
    monkeypatch.setattr(loghub, "table", lambda results, before: "TABLE")
    monkeypatch.setattr(loghub, "write_result", lambda name, body: written.setdefault(name, body))
    monkeypatch.setattr(sys, "argv", ["loghub.py", "--data", str(tmp_path), "--sets", "Apache",
                                      "--no-before"])
    loghub.main()
    rules = LogParser().rules
    assert f"depth 5, rules {rules};" in written["loghub"].replace("\n", " ")


@pytest.mark.parametrize("value", [["alice", "bob"], {"name": "alice"}])
def test_ecs_user_of_a_list_or_object_is_no_name(value: object) -> None:
    # What was wrong: 9163cbc4 sent a web server's remote_user (and remote_addr) to ECS; a JSON
    # row whose remote_user (or user, host ...) held an array or object was written as the text
    # of the Python value, user.name "['alice', 'bob']" and the same in related.user, a name no
    # SIEM pivot matches (remote_addr's list was already left out: no IP). A container is now
    # no value of a text field either: it stays under hourglass.fields, as an invalid IP does.
    from hourglass.serve.ecs import AlertRule, to_ecs

    doc = to_ecs({"row": 1, "score": 2.0, "severity": "high", "calibrated": 0.9},
                 AlertRule("autoencoder", "abc"),
                 fields={"remote_addr": ["192.0.2.1"], "remote_user": value, "host": value})
    assert "user" not in doc and "host" not in doc and "source" not in doc
    assert "related" not in doc or not doc["related"].get("user")
    assert doc["hourglass"]["fields"]["remote_user"] == value


def test_ipv6_mask_costs_nothing_on_a_message_that_cannot_hold_an_address() -> None:
    # What was wrong: cd4c6904's IPv6 mask (parser rules 4) ran its regex on every message with
    # a colon and a digit, trying it at every token: 100k HDFS lines parsed in 1.36 s where rules
    # 3 took 1.09 s, for a mask that cannot match there (an address has a '::' or six colons at
    # least). A message with neither now skips it; the masks are the same.
    import time

    from hourglass.ingest.logs import LogParser

    line = "Receiving block: " + " ".join(f"a{i}b" for i in range(300))
    p3, p4 = LogParser("raw", rules=3), LogParser("raw", rules=4)

    def cpu(p: LogParser) -> float:
        t = time.thread_time()
        for _ in range(300):
            p.mask(line)
        return time.thread_time() - t

    assert min(cpu(p4) / max(cpu(p3), 1e-9) for _ in range(3)) < 1.35  # (1.7 before)
    for text, masked in [("from 2001:db8:0:1:2:3:4:5 port 22", "from <IP> port <NUM>"),
                         ("from ::ffff:192.0.2.5 port 22", "from <IP> port <NUM>"),
                         ("from 1:2:3:4:5:6:192.0.2.5 x", "from <IP> x"),
                         ("from fe80::1%eth0 x", "from <IP> x"),
                         ("at 12:34:56 port 8", "at <NUM>:<NUM>:<NUM> port <NUM>")]:
        assert p4.mask(text) == masked, text


@pytest.mark.parametrize("message", [
    "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls",  # a sudo line's ';'
    "Accepted password for alice from 192.0.2.7 port 22 ssh2",  # no separator at all
])
def test_rfc5424_log_without_format_is_told_as_a_log(tmp_path: Path, message: str) -> None:
    # What was wrong: logs.log_header_of (4d0a0ace) knew the hdfs, bgl and BSD/RFC 3339 syslog
    # headers only; an RFC 5424 log (rsyslog's RFC5424 template: '<86>1 2026-03-03T07:01:02Z web1
    # sudo - - - ...') given to train without --format still said 'expected 4 fields, found 1 (the
    # first data line: ... use --on-bad-rows skip ...)', or, its lines holding no separator, was
    # read as a one-column table and refused only as '1 training row'. It is now told as a log.
    from typer.testing import CliRunner

    from hourglass.cli import app

    log = tmp_path / "auth.log"
    log.write_text(f"<86>1 2026-03-03T07:01:02Z web1 sudo - - - {message}\n"
                   "<86>1 2026-03-03T07:01:03Z web1 sshd 42 - - Accepted publickey for bob\n"
                   "<86>1 2026-03-03T07:01:04Z web1 sshd 43 - - Accepted publickey for eve\n",
                   encoding="utf-8")
    res = CliRunner().invoke(app, ["train", str(log), "-o", str(tmp_path / "m")])
    assert res.exit_code == 2, res.output
    assert ("the first line is a log line ('rfc5424' header), no table's header" in res.output
            or "the data reads as one text column (first line '<86>1 " in res.output)
    assert "a log needs a log model (train --format hdfs" in res.output
    assert "--on-bad-rows skip" not in res.output and not (tmp_path / "m").exists()


def test_one_column_log_message_names_no_model_where_there_is_none(tmp_path: Path) -> None:
    # What was wrong: with the table reader telling a one-column log at its header (this round),
    # inspect and train said read_as_log's 'a log? this model scores table columns', of a model
    # that does not exist (inspect has none; train had not made one).
    from typer.testing import CliRunner

    from hourglass.cli import app

    log = tmp_path / "auth.log"
    log.write_text("".join(f"Mar  3 07:01:0{i} web1 sshd[4{i}]: Accepted password for u{i}\n"
                           for i in range(1, 6)), encoding="utf-8")
    res = CliRunner().invoke(app, ["inspect", str(log)])
    assert res.exit_code == 2, res.output
    assert "this model" not in res.output
    assert "a table, series or entity model reads table columns; a log needs a log model" in res.output
