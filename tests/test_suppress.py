"""Alert suppression rules (``--suppress FILE``): matching, and what score, stream and serve do."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hourglass.cli.app import app
from hourglass.errors import InputError
from hourglass.serve import create_app
from hourglass.serve.suppress import Suppressions, load_suppressions
from tests._cli import one_line_error

runner = CliRunner()
KEY = "suppress-key-0123456789abcdef"
START = pd.Timestamp("2026-12-06T01:00:00Z")

RULES = """
[[rule]]
name = "nightly backup"
match = { src_ip = "10.0.0.5", service = ["ftp_data", "ftp"] }   # all keys; a list: any of
comment = "CHG-1234"

[[rule]]
name = "scanner subnet"
match = { src_ip = "10.20.0.0/16" }
until = 2999-01-31

[[rule]]
name = "v6 lab"
match = { src_ip = "2001:db8::/32" }

[[rule]]
name = "ftp port"
match = { dst_port = 21 }

[[rule]]
name = "ssh glob"
match = { service = "ss?d*" }

[[rule]]
name = "patch window"
between = [2026-12-06T01:30:00Z, 2026-12-06T01:40:00Z]
"""

# the attack rows (every 5th) and the rule each one is silenced by ('' none)
ATTACKS = {0: ("10.0.0.5", "ftp", 443, "nightly backup"),
           5: ("10.0.0.5", "http", 443, ""),           # the backup host, another service
           10: ("10.20.3.4", "ssh", 443, "scanner subnet"),
           15: ("2001:db8::9", "http", 443, "v6 lab"),
           20: ("not-an-ip", "http", 443, ""),         # no address: no network matches it
           25: ("192.168.1.9", "http", 21, "ftp port"),
           30: ("192.168.1.9", "http", 443, "patch window"),
           35: ("192.168.1.9", "http", 443, "patch window"),
           40: ("192.168.1.9", "SSHD", 443, ""),       # globs are case-sensitive
           45: ("192.168.1.9", "sshd-probe", 443, "ssh glob")}


def _flows(n: int, seed: int, attacks: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "src_ip": rng.choice(["192.168.1.9", "192.168.1.10"], n),
        "service": rng.choice(["http", "dns"], n),
        "dst_port": rng.choice([443, 80], n),
        "bytes": rng.lognormal(6, 0.3, n).round(),
        "rate": rng.uniform(0, 1, n),
        "ts": (START + pd.to_timedelta(np.arange(n), unit="min")).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    if attacks:
        for i, (ip, service, port, _) in ATTACKS.items():
            df.loc[i, ["src_ip", "service", "dst_port", "bytes", "rate"]] = [ip, service, port, 1e7, 40.0]
    return df


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("suppress")
    train = _flows(300, 0)
    train.to_csv(d / "train.csv", index=False)
    for name, extra in (("model", ["--timestamp-col", "ts"]), ("untimed", [])):
        data = d / "train.csv"
        if not extra:
            data = d / "train_untimed.csv"
            train.drop(columns=["ts"]).to_csv(data, index=False)
        res = runner.invoke(app, ["train", str(data), "-o", str(d / name), "--hidden", "8,4",
                                  "--epochs", "2", "--role", "src_ip=drop", "-q", *extra])
        assert res.exit_code == 0, res.output
    test = _flows(50, 1, attacks=True)
    test.to_csv(d / "test.csv", index=False)
    test.to_json(d / "test.jsonl", orient="records", lines=True)
    (d / "rules.toml").write_text(RULES, encoding="utf-8")
    return {"dir": d, "model": d / "model", "untimed": d / "untimed", "csv": d / "test.csv",
            "jsonl": d / "test.jsonl", "rules": d / "rules.toml"}


def _rules(text: str, **kw: object) -> Suppressions:
    return Suppressions.parse(text, "rules.toml", **kw)  # type: ignore[arg-type]


# ---- matching ---------------------------------------------------------------------------------

def test_exact_values_all_keys_and_lists() -> None:
    rules = _rules('[[rule]]\nname = "b"\nmatch = { ip = "10.0.0.5", svc = ["ftp", "ftp_data"] }\n')
    df = pd.DataFrame({"ip": ["10.0.0.5", "10.0.0.5", "10.0.0.5", "10.0.0.6", None],
                       "svc": ["ftp", "ftp_data", "http", "ftp", "ftp"]})
    assert rules.names(df).tolist() == ["b", "b", "", "", ""]


def test_numbers_match_as_the_user_means_them() -> None:
    rules = _rules('[[rule]]\nname = "p"\nmatch = { port = 21 }\n'
                   '[[rule]]\nname = "f"\nmatch = { ratio = "0.5" }\n')
    df = pd.DataFrame({"port": [21.0, 22.0, np.nan, 21.0], "ratio": [0.1, 0.5, 0.5, 0.7]})
    assert rules.names(df).tolist() == ["p", "f", "f", "p"]
    as_text = pd.DataFrame({"port": ["21", " 21 ", "210", "21.0"]})
    assert rules.names(as_text).tolist() == ["p", "p", "", "p"]
    as_ints = pd.DataFrame({"port": np.array([21, 3], dtype=np.int64)})
    assert rules.names(as_ints).tolist() == ["p", ""]


def test_glob_is_case_sensitive_and_first_rule_wins() -> None:
    rules = _rules('[[rule]]\nname = "first"\nmatch = { host = "db-*" }\n'
                   '[[rule]]\nname = "second"\nmatch = { host = "db-?1" }\n'
                   '[[rule]]\nname = "third"\nmatch = { host = "web?" }\n')
    df = pd.DataFrame({"host": ["db-01", "DB-01", "web1", "web12", "xdb-01"]})
    assert rules.names(df).tolist() == ["first", "", "third", "", ""]


def test_cidr_v4_v6_and_cells_that_are_no_address() -> None:
    rules = _rules('[[rule]]\nname = "v4"\nmatch = { ip = "10.20.0.0/16" }\n'
                   '[[rule]]\nname = "v6"\nmatch = { ip = ["2001:db8::/32", "fe80::1"] }\n'
                   '[[rule]]\nname = "one"\nmatch = { ip = "192.168.1.9" }\n')
    df = pd.DataFrame({"ip": ["10.20.255.1", "10.21.0.1", "2001:0db8:0:0::7", "2001:db9::1",
                              "FE80:0::1", "192.168.1.9", "host-10.20.0.1", "", None, "10.20.1"]})
    assert rules.names(df).tolist() == ["v4", "", "v6", "", "v6", "one", "", "", "", ""]


def test_missing_column_matches_nothing() -> None:
    rules = _rules('[[rule]]\nname = "b"\nmatch = { ip = "10.0.0.5" }\n')
    assert rules.names(pd.DataFrame({"other": ["10.0.0.5"]})).tolist() == [""]


def test_dotted_key_names_a_flattened_json_field() -> None:
    rules = _rules('[[rule]]\nname = "n"\nmatch = { source.ip = "10.0.0.5", "user.name" = "svc" }\n')
    assert rules.columns == ["source.ip", "user.name"]


def test_between_reads_the_rows_time_in_utc() -> None:
    rules = _rules('[[rule]]\nname = "w"\nbetween = [2026-12-06T02:00:00Z, 2026-12-06T04:00:00Z]\n'
                   '[[rule]]\nname = "day"\nbetween = [2026-12-07, 2026-12-07]\n'
                   ).for_times("ts", None, "the model")
    df = pd.DataFrame({"ts": ["2026-12-06T01:59:59Z", "2026-12-06T02:00:00Z", "2026-12-06T04:30:00+01:00",
                              "2026-12-06T04:00:00Z", "2026-12-07T23:59:00Z", "soon"]})
    # 04:30+01:00 is 03:30 UTC: inside; the end is left out; a date as the end takes its whole day
    assert rules.names(df).tolist() == ["", "w", "w", "", "day", ""]
    naive = pd.DataFrame({"ts": ["2026-12-06 03:00:00", "2026-12-06 05:00:00"]})  # no offset: UTC
    assert rules.names(naive).tolist() == ["w", ""]
    epoch = pd.DataFrame({"ts": [int(pd.Timestamp("2026-12-06T03:00:00Z").timestamp())]})
    assert rules.names(epoch).tolist() == ["w"]


def test_between_and_match_together() -> None:
    rules = _rules('[[rule]]\nname = "w"\nmatch = { host = "db1" }\n'
                   'between = [2026-12-06T02:00:00Z, 2026-12-06T04:00:00Z]\n').for_times("ts", None, "m")
    df = pd.DataFrame({"host": ["db1", "db1", "db2"],
                       "ts": ["2026-12-06T03:00:00Z", "2026-12-06T05:00:00Z", "2026-12-06T03:00:00Z"]})
    assert rules.names(df).tolist() == ["w", "", ""]


def test_only_flagged_rows_are_silenced() -> None:
    rules = _rules('[[rule]]\nname = "b"\nmatch = { ip = "10.0.0.5" }\n')
    df = pd.DataFrame({"ip": ["10.0.0.5", "10.0.0.5", "1.1.1.1"]})
    flags, names = rules.apply(df, np.array([1, 0, 1]))
    assert flags.tolist() == [0, 0, 1] and names.tolist() == ["b", "", ""]


def test_expired_rules_are_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    text = ('[[rule]]\nname = "old scanner"\nmatch = { ip = "1.2.3.4" }\nuntil = 2026-01-31\n'
            '[[rule]]\nname = "kept"\nmatch = { ip = "1.2.3.5" }\nuntil = 2026-02-01T00:00:00Z\n')
    now = pd.Timestamp("2026-01-31T23:00:00Z").timestamp()  # the 'until' day is still in force
    with caplog.at_level(logging.WARNING):
        assert _rules(text, now=now).names_in_force == ["old scanner", "kept"]
    assert not caplog.records
    with caplog.at_level(logging.WARNING):
        rules = _rules(text, now=pd.Timestamp("2026-02-01T00:00:01Z").timestamp())
    assert rules.names_in_force == []
    assert "'old scanner', 'kept'" in caplog.text and "expired" in caplog.text


def test_a_rule_that_expires_while_in_use_stops_applying(caplog: pytest.LogCaptureFixture) -> None:
    # a service or stream running for weeks: the rule's 'until' passes mid-run, not only at start
    import dataclasses

    text = '[[rule]]\nname = "scanner"\nmatch = { ip = "1.2.3.4" }\nuntil = 2026-01-31\n'
    rules = _rules(text, now=pd.Timestamp("2026-01-31T23:00:00Z").timestamp())
    df = pd.DataFrame({"ip": ["1.2.3.4", "1.2.3.4"]})
    assert rules.apply(df, np.array([1, 1]))[0].tolist() == [0, 0]
    later = dataclasses.replace(rules, now=pd.Timestamp("2026-02-01T00:00:01Z").value)
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            flags, names = later.apply(df, np.array([1, 1]))
            assert flags.tolist() == [1, 1] and names.tolist() == ["", ""]
    assert later.names_in_force == []
    said = [r for r in caplog.records if "'scanner' expired" in r.getMessage()]
    assert len(said) == 1, caplog.text  # said once, not per batch


@pytest.mark.parametrize(("text", "match"), [
    ('[[rule]]\nname = "a"\nmatch = { ip = \n', "not valid TOML: Invalid value (at line 3"),
    ('[[rule]]\nmatch = { ip = "1.2.3.4" }\n', "rule 1: no name"),
    ('[[rule]]\nname = "a"\n', "rule 'a': neither 'match' nor 'between'"),
    ('[[rule]]\nname = "a"\nmtach = { ip = "1.2.3.4" }\n', "unknown key 'mtach' (a rule takes name, match"),
    ('[[rule]]\nname = "a"\nmatch = { ip = "10.0.0.0/33" }\n', "'10.0.0.0/33' is not a valid IP"),
    ('[[rule]]\nname = "a"\nmatch = { ip = "10.0.0.1/16" }\n', "has host bits set"),
    ('[[rule]]\nname = "a"\nmatch = { ip = "2001:db8::1/64" }\n', "has host bits set"),
    ('[[rule]]\nname = "a"\nmatch = { ip = "2001:db8::/129" }\n', "'2001:db8::/129' is not a valid IP"),
    ('[[rule]]\nname = "a"\nmatch = { ip = [] }\n', "an empty list matches nothing"),
    ('[[rule]]\nname = "a"\nmatch = { ip = "1.2.3.4" }\nuntil = "tomorrow"\n', "expected a TOML date"),
    ('[[rule]]\nname = "a"\nbetween = [2026-12-06T02:00:00Z]\n', "'between' must be [start, end]"),
    ('[[rule]]\nname = "a"\nbetween = [2026-12-06, 2026-12-05]\n', "'between' ends (2026-12-05) before"),
    ('[[rule]]\nname = "a"\nmatch = { ip = "1.2.3.4" }\n[[rule]]\nname = "a"\nmatch = { ip = "5.6.7.8" }\n',
     "two rules are named 'a'"),
    ('[rules]\nname = "a"\n', "unknown key 'rules'"),
    ('# nothing yet\n', "no rules"),
    ('[[rule]]\nname = "a"\nmatch = { src_ip = {} }\n', "column 'src_ip': an empty table matches every row"),
    ('[[rule]]\nname = "a"\n[rule.match.source]\n', "column 'source': an empty table matches every row"),
    ('[[rule]]\nname = "a"\nmatch = { source = { ip = {} } }\n', "column 'source.ip': an empty table"),
    ('[[rule]]\nname = "a"\nmatch = {}\n', "'match' must be a table of column = value(s)"),
])
def test_bad_rules_are_one_clear_error(text: str, match: str) -> None:
    with pytest.raises(InputError, match=None) as info:
        _rules(text)
    assert str(info.value).startswith("rules.toml: ") and match in str(info.value), str(info.value)


# ---- score ------------------------------------------------------------------------------------

def _score(files: dict[str, Path], out: Path, *args: str) -> pd.DataFrame:
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(out), *args])
    assert res.exit_code == 0, res.output
    return pd.read_csv(out, keep_default_na=False)


def test_score_writes_suppressed_and_zeroes_the_flag(files: dict[str, Path]) -> None:
    plain = _score(files, files["dir"] / "plain.csv")
    assert "suppressed" not in plain.columns  # no rules: the output is unchanged
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o",
                              str(files["dir"] / "out.csv"), "--suppress", str(files["rules"])])
    assert res.exit_code == 0, res.output
    out = pd.read_csv(files["dir"] / "out.csv", keep_default_na=False)
    assert list(out.columns) == ["row", "score", "flag", "calibrated", "severity", "suppressed"]
    np.testing.assert_allclose(out["score"], plain["score"])  # scores are kept
    for i, (*_, rule) in ATTACKS.items():
        assert out.loc[i, "suppressed"] == rule, i
        assert out.loc[i, "flag"] == (0 if rule else 1), i
    named = out["suppressed"] != ""
    assert (out.loc[named, "flag"] == 0).all() and (plain.loc[named, "flag"] == 1).all()
    assert (out.loc[~named, "flag"] == plain.loc[~named, "flag"]).all()
    n = int(named.sum())
    assert f"{int(out['flag'].sum())} flagged, {n} suppressed (nightly backup: 1, scanner subnet: 1" \
        in res.stderr.replace("\n", " ")


def test_score_anomalies_only_leaves_suppressed_rows_out(files: dict[str, Path]) -> None:
    out = _score(files, files["dir"] / "anom.csv", "--suppress", str(files["rules"]), "--anomalies-only")
    assert (out["flag"] == 1).all() and (out["suppressed"] == "").all()
    assert {0, 10, 15}.isdisjoint(out["row"]) and {5, 20, 40} <= set(out["row"])


def test_score_ecs_and_grouped_alerts_leave_suppressed_rows_out(files: dict[str, Path]) -> None:
    ecs = files["dir"] / "ecs.jsonl"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["jsonl"]), "-o", str(ecs),
                              "--suppress", str(files["rules"]), "--alert-format", "ecs"])
    assert res.exit_code == 0, res.output
    rows = {json.loads(line)["hourglass"]["row"] for line in ecs.read_text().splitlines()}
    assert {0, 10, 15, 25, 30, 35, 45}.isdisjoint(rows) and {5, 20, 40} <= rows
    grouped = files["dir"] / "grouped.jsonl"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(grouped),
                              "--suppress", str(files["rules"]), "--group-by", "src_ip"])
    assert res.exit_code == 0, res.output
    groups = [json.loads(line) for line in grouped.read_text().splitlines()]
    assert "10.20.3.4" not in {g["src_ip"] for g in groups} and "not-an-ip" in {g["src_ip"] for g in groups}
    assert "suppressed (nightly backup: 1" in res.stderr


# ---- stream -----------------------------------------------------------------------------------

def test_stream_writes_no_alert_for_a_suppressed_row_and_counts_them(files: dict[str, Path]) -> None:
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]),
                              "--suppress", str(files["rules"]), "--batch", "7"])
    assert res.exit_code == 0, res.output
    rows = {json.loads(line)["row"] for line in res.stdout.splitlines() if line.strip()}
    assert {0, 10, 15, 25, 30, 35, 45}.isdisjoint(rows) and {5, 20, 40} <= rows
    assert ("suppressed (nightly backup: 1, scanner subnet: 1, v6 lab: 1, ftp port: 1, ssh glob: 1, "
            "patch window: 2)") in res.stderr.replace("\n", " ")
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]),
                              "--suppress", str(files["rules"]), "--all"])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    assert alerts[0]["flag"] == 0 and alerts[0]["suppressed"] == "nightly backup"
    assert alerts[5]["flag"] == 1 and alerts[5]["suppressed"] == ""


def test_stream_all_into_sqlite_keeps_the_rule_of_each_row(files: dict[str, Path]) -> None:
    import sqlite3

    db = files["dir"] / "all.sqlite"
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]), "-o", str(db),
                              "--suppress", str(files["rules"]), "--all", "-q"])
    assert res.exit_code == 0, res.output
    with sqlite3.connect(db) as conn:
        got = conn.execute("SELECT row, flag, suppressed FROM alerts ORDER BY row").fetchall()
    assert got[0] == (0, 0, "nightly backup") and got[5] == (5, 1, "")


def test_stream_grouped_suppressed_rows_feed_no_group(files: dict[str, Path]) -> None:
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]),
                              "--suppress", str(files["rules"]), "--group-by", "src_ip"])
    assert res.exit_code == 0, res.output
    groups = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    assert "10.20.3.4" not in {g["src_ip"] for g in groups} and "not-an-ip" in {g["src_ip"] for g in groups}
    assert "patch window: 2" in res.stderr.replace("\n", " ")


# ---- serve ------------------------------------------------------------------------------------

def test_serve_answers_flag_0_and_the_rule_and_counts_it_in_metrics(files: dict[str, Path]) -> None:
    rows = json.loads(pd.read_csv(files["csv"]).iloc[:16].to_json(orient="records"))
    with TestClient(create_app(files["model"], api_key=KEY,
                               suppress=load_suppressions(files["rules"]))) as c:
        r = c.post("/score", json={"rows": rows}, headers={"X-API-Key": KEY})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["suppressed"][0] == "nightly backup" and body["flags"][0] == 0
        assert body["suppressed"][10] == "scanner subnet" and body["flags"][10] == 0
        assert body["suppressed"][5] == "" and body["flags"][5] == 1
        r = c.post("/score", json={"rows": rows[:1], "alert_format": "ecs"}, headers={"X-API-Key": KEY})
        assert r.status_code == 200, r.text
        assert r.json()["count"] == 0 and r.json()["suppressed"] == {"nightly backup": 1}
        text = c.get("/metrics", headers={"X-API-Key": KEY}).text
        health = c.get("/health").json()
    assert health["suppression_rules"] == ["nightly backup", "scanner subnet", "v6 lab", "ftp port",
                                          "ssh glob", "patch window"]
    assert 'hourglass_suppressed_total{rule="nightly backup"} 2' in text
    assert 'hourglass_suppressed_total{rule="patch window"} 0' in text  # in force, never fired


def test_serve_without_rules_answers_as_before(files: dict[str, Path]) -> None:
    rows = json.loads(pd.read_csv(files["csv"]).iloc[:2].to_json(orient="records"))
    with TestClient(create_app(files["model"], api_key=KEY)) as c:
        body = c.post("/score", json={"rows": rows}, headers={"X-API-Key": KEY}).json()
        assert "suppressed" not in body
        assert "hourglass_suppressed_total" not in c.get("/metrics", headers={"X-API-Key": KEY}).text
        assert "suppression_rules" not in c.get("/health").json()


# ---- errors: exit 2, one line, no output ------------------------------------------------------

BAD = {
    "bad.toml": ('[[rule]]\nname = "a"\nmatch = { src_ip = \n', "not valid TOML: Invalid value (at line 3"),
    "noname.toml": ('[[rule]]\nmatch = { src_ip = "1.2.3.4" }\n', "rule 1: no name"),
    "empty_rule.toml": ('[[rule]]\nname = "a"\ncomment = "x"\n', "neither 'match' nor 'between'"),
    "unknown.toml": ('[[rule]]\nname = "a"\nmatch = { src_ip = "1.2.3.4" }\nexpires = 2027-01-01\n',
                     "unknown key 'expires'"),
    "column.toml": ('[[rule]]\nname = "lab"\nmatch = { host = "db1" }\n',
                    "rule 'lab' matches column 'host', which"),
    "cidr.toml": ('[[rule]]\nname = "a"\nmatch = { src_ip = "10.0.0.0/40" }\n', "not a valid IP"),
    "date.toml": ('[[rule]]\nname = "a"\nmatch = { src_ip = "1.2.3.4" }\nuntil = 12:00:00\n',
                  "expected a TOML date"),
    "dup.toml": ('[[rule]]\nname = "a"\nmatch = { src_ip = "1.2.3.4" }\n'
                 '[[rule]]\nname = "a"\nmatch = { src_ip = "1.2.3.5" }\n', "two rules are named 'a'"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_score_refuses_a_bad_rules_file(files: dict[str, Path], name: str) -> None:
    text, match = BAD[name]
    path = files["dir"] / name
    path.write_text(text, encoding="utf-8")
    out = files["dir"] / f"never_{name}.csv"
    one_line_error(["score", str(files["model"]), str(files["csv"]), "-o", str(out),
                    "--suppress", str(path)], f"--suppress {path}: ", out)
    one_line_error(["score", str(files["model"]), str(files["csv"]), "-o", str(out),
                    "--suppress", str(path)], match, out)


def test_unknown_column_lists_the_columns_there_are(files: dict[str, Path]) -> None:
    path = files["dir"] / "column.toml"
    path.write_text(BAD["column.toml"][0], encoding="utf-8")
    out = files["dir"] / "never.csv"
    one_line_error(["score", str(files["model"]), str(files["csv"]), "-o", str(out), "--suppress",
                    str(path)], f"which {files['csv']} does not have (its columns: src_ip, service", out)
    # (stream and serve take a column the model's training data lacks, with a warning: the rows
    # sent may carry it, as score's file does; see test_review43_left43)


def test_missing_file_and_between_without_a_time_column(files: dict[str, Path]) -> None:
    out = files["dir"] / "never.csv"
    missing = files["dir"] / "nope.toml"
    one_line_error(["score", str(files["model"]), str(files["csv"]), "-o", str(out), "--suppress",
                    str(missing)], f"--suppress {missing}: no such file", out)
    window = files["dir"] / "window.toml"
    window.write_text('[[rule]]\nname = "w"\nbetween = [2026-12-06, 2026-12-07]\n', encoding="utf-8")
    one_line_error(["score", str(files["untimed"]), str(files["csv"]), "-o", str(out), "--suppress",
                    str(window)], "rule 'w' has 'between', but the model (autoencoder) has no time column",
                   out)


def test_serve_refuses_a_bad_rules_file_before_listening(files: dict[str, Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOURGLASS_API_KEY", KEY)
    path = files["dir"] / "serve_bad.toml"
    path.write_text(BAD["bad.toml"][0], encoding="utf-8")
    one_line_error(["serve", str(files["model"]), "--port", "0", "--suppress", str(path)],
                   f"--suppress {path}: not valid TOML")
    one_line_error(["serve", str(files["model"]), "--port", "0", "--suppress", str(files["dir"] / "no.toml")],
                   "no such file")


def test_models_that_read_no_table_rows_are_refused(tmp_path: Path, files: dict[str, Path]) -> None:
    from hourglass import Pipeline
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    series = pd.DataFrame({"cpu": np.sin(np.arange(80) / 4)})
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor()).fit(series).save(tmp_path / "ts")
    series.to_csv(tmp_path / "series.csv", index=False)
    out = tmp_path / "never.csv"
    one_line_error(["score", str(tmp_path / "ts"), str(tmp_path / "series.csv"), "-o", str(out),
                    "--suppress", str(files["rules"])], "--suppress: for table and entity-bucket "
                   "models; not supported for time-series models", out)
    with pytest.raises(InputError, match="suppression rules apply to table models"):
        create_app(tmp_path / "ts", api_key=KEY, suppress=load_suppressions(files["rules"]))


def test_a_time_that_reads_only_alone_is_read_alone_and_never_stops_a_run() -> None:
    rules = _rules('[[rule]]\nname = "w"\nbetween = [2026-12-06T02:00:00Z, 2026-12-06T04:00:00Z]\n'
                   ).for_times("ts", None, "the model")
    df = pd.DataFrame({"ts": ["2026-12-06T03:00:00Z", "2026-12-06 03:00:00", "soon", None,
                              "2026-12-06T05:00:00Z"]})  # with and without an offset, unreadable
    assert rules.names(df).tolist() == ["w", "w", "", "", ""]


def test_rule_names_are_printed_as_written_not_read_as_markup(files: dict[str, Path]) -> None:
    path = files["dir"] / "markup.toml"
    path.write_text('[[rule]]\nname = "ops [/x] backup"\nmatch = { src_ip = "10.0.0.5" }\n[[rule]]\n'
                    'name = "scan [bold]net"\nmatch = { src_ip = "10.20.0.0/16" }\n', encoding="utf-8")
    for args in (["score", str(files["model"]), str(files["csv"]), "-o", str(files["dir"] / "markup.csv")],
                 ["stream", str(files["model"]), "--input", str(files["jsonl"]), "-o",
                  str(files["dir"] / "markup.jsonl")]):
        res = runner.invoke(app, [*args, "--suppress", str(path)])
        assert res.exit_code == 0, res.output
        line = res.stderr.replace("\n", " ")
        assert "(ops [/x] backup: 2, scan [bold]net: 1)" in line, line


def test_serve_and_score_match_an_array_cell_as_its_json_text(files: dict[str, Path]) -> None:
    path = files["dir"] / "array.toml"
    path.write_text('[[rule]]\nname = "pair"\nmatch = { src_ip = \'["10.0.0.5", "10.0.0.6"]\' }\n'
                    '[[rule]]\nname = "backup"\nmatch = { src_ip = "10.0.0.5" }\n', encoding="utf-8")
    rows = json.loads(pd.read_csv(files["csv"]).iloc[:6].to_json(orient="records"))
    rows[0]["src_ip"], rows[5]["src_ip"] = ["10.0.0.5", "10.0.0.6"], ["10.0.0.5"]
    with TestClient(create_app(files["model"], api_key=KEY, suppress=load_suppressions(path))) as c:
        r = c.post("/score", json={"rows": rows}, headers={"X-API-Key": KEY})
    assert r.status_code == 200, r.text
    assert r.json()["suppressed"][0] == "pair" and r.json()["suppressed"][5] == ""
    data = files["dir"] / "array.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    res = runner.invoke(app, ["score", str(files["model"]), str(data), "-o", str(files["dir"] / "array.csv"),
                              "--suppress", str(path)])
    assert res.exit_code == 0, res.output
    out = pd.read_csv(files["dir"] / "array.csv", keep_default_na=False)
    assert out["suppressed"].tolist() == r.json()["suppressed"]  # serve and score agree


def test_text_with_a_colon_and_a_slash_is_no_network_unless_an_address_precedes_the_slash() -> None:
    rules = _rules('[[rule]]\nname = "updates"\nmatch = { url = "https://updates.example.com/" }\n'
                   '[[rule]]\nname = "tool"\nmatch = { url = ["C:/Windows/x", "a:b/c*"] }\n'
                   '[[rule]]\nname = "lab"\nmatch = { url = ["2001:db8::/32", "fe80::1"] }\n')
    df = pd.DataFrame({"url": ["https://updates.example.com/", "C:/Windows/x", "a:b/cd", "2001:db8::7",
                               "fe80::1", "https://updates.example.com/x"]})
    assert rules.names(df).tolist() == ["updates", "tool", "tool", "lab", "lab", ""]


def test_between_reads_each_time_alone_when_the_batch_mixes_forms(files: dict[str, Path]) -> None:
    rules = _rules('[[rule]]\nname = "w"\nbetween = [2026-12-06T02:00:00Z, 2026-12-06T04:00:00Z]\n'
                   ).for_times("ts", None, "the model")
    inside, z = int(pd.Timestamp("2026-12-06T03:00:00Z").timestamp()), "2026-12-06T03:00:00Z"
    for other in (-1, "-1", 1e30, inside, "soon", True):
        df = pd.DataFrame({"ts": pd.Series([other, z, None], dtype=object)})
        assert rules.names(df).tolist()[1:] == ["w", ""], other  # the same time reads the same
    df = pd.DataFrame({"ts": pd.Series([inside, z, 1e30, -1], dtype=object)})
    assert rules.names(df).tolist() == ["w", "w", "", ""]
    df = pd.DataFrame({"ts": pd.Series([1e30, z, z], dtype=object)})
    assert rules.names(df).tolist() == ["", "w", "w"]
    # score and the service: a time that does not read matches no 'between' rule, never stops a run
    test = pd.read_csv(files["csv"])
    test["ts"] = test["ts"].astype(object)
    test.loc[20, "ts"], test.loc[40, "ts"] = -1, "2026-12-06 01:35:00"  # past pandas' range; no offset
    data = files["dir"] / "mixed_times.csv"
    test.to_csv(data, index=False)
    res = runner.invoke(app, ["score", str(files["model"]), str(data), "-o", str(files["dir"] / "mixed.csv"),
                              "--suppress", str(files["rules"])])
    assert res.exit_code == 0, res.output
    out = pd.read_csv(files["dir"] / "mixed.csv", keep_default_na=False)
    assert out.loc[[20, 30, 35, 40], "suppressed"].tolist() == ["", "patch window", "patch window",
                                                                 "patch window"]
    rows = json.loads(test.iloc[20:41].to_json(orient="records"))
    with TestClient(create_app(files["model"], api_key=KEY,
                               suppress=load_suppressions(files["rules"]))) as c:
        r = c.post("/score", json={"rows": rows}, headers={"X-API-Key": KEY})
    assert r.status_code == 200, r.text
    assert [r.json()["suppressed"][i - 20] for i in (20, 30, 35, 40)] == out.loc[[20, 30, 35, 40],
                                                                                  "suppressed"].tolist()


def test_between_without_a_bound_time_column_is_refused_not_ignored() -> None:
    rules = _rules(RULES)
    df = pd.DataFrame({"src_ip": ["1.1.1.1"], "ts": ["2026-12-06T01:35:00Z"]})
    for call in (lambda: rules.apply(df, np.array([1])), lambda: rules.names(df)):
        with pytest.raises(InputError, match=r"rule 'patch window' has 'between', but no time column "
                                             r"is bound: call rules.for_times"):
            call()
    assert rules.for_times("ts", None, "the data").apply(df, np.array([1]))[1].tolist() == ["patch window"]
    untimed = _rules('[[rule]]\nname = "a"\nmatch = { src_ip = "1.1.1.1" }\n')
    assert untimed.apply(df, np.array([1]))[1].tolist() == ["a"]  # no 'between': no time column needed


def test_a_rules_file_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'[[rule]]\nname = "a"\nmatch = { ip = "1.2.3.4" }\n')
    assert [r.name for r in load_suppressions(path).rules] == ["a"]


def test_an_unreadable_rules_file_is_one_line_naming_the_option(files: dict[str, Path],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    open_ = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name != files["rules"].name:
            return open_(self, *args, **kwargs)
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)  # (as a chmod 000 file: root would read it)
    out = files["dir"] / "never_perm.csv"
    one_line_error(["score", str(files["model"]), str(files["csv"]), "-o", str(out), "--suppress",
                    str(files["rules"])], f"--suppress {files['rules']}: cannot be read (Permission denied)",
                   out)
