"""``--suppress FILE`` with entity-bucket models: a rule matches the entity column (exact, CIDR,
glob) and ``between`` a bucket's start; score, stream and serve silence the flagged buckets alike."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.ingest.synthetic import port_scan_flows
from hourglass.serve import create_app
from hourglass.serve.suppress import Suppressions, load_suppressions
from tests._cli import one_line_error, runner

KEY = "suppress-entity-key-0123456789"
AUTH = {"X-API-Key": KEY}
FAST = ["--epochs", "20", "--hidden", "16,8", "-q"]
FIVE = pd.Timedelta("5min")

# (name, the entities it matches, its window or None): the rules of RULES, in file order
RULE_SPECS: list[tuple[str, Any, Any]] = [
    ("scanner", lambda e: e == "10.0.0.3", None),                     # exact
    ("lab pair", lambda e: e in ("10.0.0.4", "10.0.0.5"), None),       # CIDR 10.0.0.4/31
    ("one glob", lambda e: e.startswith("10.0.0.1"), "window"),        # glob, with between
]


def _toml_time(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _jsonl(df: pd.DataFrame, path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in df.to_dict("records")))  # floats round-trip
    return path


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("suppress_entity")
    train, _ = port_scan_flows(hosts=5, days=1.5, scan_flows=0, seed=1)
    train.to_csv(d / "train.csv", index=False)
    test, scan = port_scan_flows(hosts=5, days=0.7, scan_flows=60, scan_day=0, seed=2)
    test = test.sort_values("ts", kind="stable").reset_index(drop=True)
    test.to_csv(d / "test.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--entity-col", "src_ip", "--timestamp-col",
                              "ts", "--bucket", "5min", "-o", str(d / "M"), *FAST])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(d / "M"), str(d / "test.csv"), "-o", str(d / "plain.csv"), "-q"])
    assert res.exit_code == 0, res.output
    plain = pd.read_csv(d / "plain.csv", keep_default_na=False)
    scan_start = pd.Timestamp(scan["start"], unit="s")
    hit = plain[(plain["entity"] == "10.0.0.3") & (plain["bucket_start"] == scan_start.isoformat())]
    assert len(hit) == 1 and int(hit["flag"].iloc[0]) == 1  # the scan's bucket is an alert
    # the glob's window: the first 3 hours; it silences 10.0.0.1's alerts that start in them
    window = (pd.Timestamp("2024-01-01T00:00:00"), pd.Timestamp("2024-01-01T03:00:00"))
    rules = (f'[[rule]]\nname = "scanner"\nmatch = {{ src_ip = "10.0.0.3" }}\n\n'
             f'[[rule]]\nname = "lab pair"\nmatch = {{ src_ip = "10.0.0.4/31" }}\n\n'
             f'[[rule]]\nname = "one glob"\nmatch = {{ src_ip = "10.0.0.1*" }}\n'
             f"between = [{_toml_time(window[0])}, {_toml_time(window[1])}]\n")
    (d / "rules.toml").write_text(rules, encoding="utf-8")
    return {"dir": d, "model": d / "M", "csv": d / "test.csv", "jsonl": _jsonl(test, d / "test.jsonl"),
            "rules": d / "rules.toml", "plain": plain, "scan_start": scan_start, "window": window,
            "rows": test.to_dict("records")}


def _expected(files: dict[str, Any]) -> list[str]:
    """Per bucket of the plain scores: the rule that silences it ('' none; unflagged ones none)."""
    names = []
    for e, start, flag in zip(files["plain"]["entity"], files["plain"]["bucket_start"],
                              files["plain"]["flag"], strict=True):
        name = ""
        for rule, matches, window in RULE_SPECS:
            lo, hi = files["window"] if window else (None, None)
            if flag and matches(e) and (lo is None or lo <= pd.Timestamp(start) < hi):
                name = rule
                break
        names.append(name)
    return names


def _counts(names: list[str]) -> dict[str, int]:
    return {rule: names.count(rule) for rule, _, _ in RULE_SPECS}


def _count_text(names: list[str]) -> str:
    counts = _counts(names)
    return f"{sum(counts.values())} suppressed (" + ", ".join(f"{r}: {n}" for r, n in counts.items()) + ")"


# ---- the rules over (entity, bucket) rows ------------------------------------------------------

def _keys(entities: list[str], starts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"entity": entities, "bucket_start": pd.to_datetime(starts, format="ISO8601")})


def test_between_silences_a_bucket_that_starts_in_the_window_not_one_that_overlaps_it() -> None:
    window = "between = [2026-12-06T02:00:00Z, 2026-12-06T02:10:00Z]"
    rules = Suppressions.parse(f'[[rule]]\nname = "w"\n{window}\n', "r.toml")
    rules = rules.for_buckets("src_ip", "the model")
    starts = ["2026-12-06 01:55", "2026-12-06 01:58", "2026-12-06 02:00", "2026-12-06 02:05",
              "2026-12-06 02:09:59.999", "2026-12-06 02:10"]
    flags, names = rules.apply_buckets(_keys(["h"] * 6, starts), np.ones(6, dtype=int))
    # 01:55-02:00 ends at the start; 01:58 overlaps the window but starts before it; 02:10 is the end
    assert names.tolist() == ["", "", "w", "w", "w", ""]
    assert flags.tolist() == [1, 1, 0, 0, 0, 1]
    aware = _keys(["h", "h"], ["2026-12-06T03:00:00+01:00", "2026-12-06T03:10:00+01:00"])  # 02:00, 02:10 UTC
    assert rules.apply_buckets(aware, [1, 1])[1].tolist() == ["w", ""]
    text = pd.DataFrame({"entity": ["h", "h"],
                         "bucket_start": ["2026-12-06T02:00:00Z", "2026-12-06T02:10:00Z"]})
    assert rules.apply_buckets(text, [1, 1])[1].tolist() == ["w", ""]  # as the output writes them


def test_the_entity_column_is_matched_exact_cidr_and_glob_and_only_flagged_buckets() -> None:
    rules = Suppressions.parse('[[rule]]\nname = "one"\nmatch = { "source.ip" = "10.0.0.5" }\n'
                               '[[rule]]\nname = "net"\nmatch = { source = { ip = "10.20.0.0/16" } }\n'
                               '[[rule]]\nname = "svc"\nmatch = { "source.ip" = "svc_*" }\n',
                               "r.toml").for_buckets("source.ip", "the model")
    keys = _keys(["10.0.0.5", "10.20.9.9", "svc_backup", "10.0.0.6", "<missing>", "10.0.0.5"],
                 ["2026-12-06"] * 6)
    flags, names = rules.apply_buckets(keys, [1, 1, 1, 1, 1, 0])
    assert names.tolist() == ["one", "net", "svc", "", "", ""]  # the last one was no alert
    assert flags.tolist() == [0, 0, 0, 1, 1, 0]


def test_a_rule_on_another_column_is_refused_naming_the_entity_column() -> None:
    rules = Suppressions.parse('[[rule]]\nname = "ok"\nmatch = { src_ip = "10.0.0.5" }\n'
                               '[[rule]]\nname = "ftp"\nmatch = { src_ip = "10.0.0.5", dst_port = 21 }\n',
                               "r.toml")
    with pytest.raises(InputError, match=r"rule 'ftp' matches column 'dst_port', but the model .* "
                                         r"only its entity column 'src_ip' can be matched"):
        rules.for_buckets("src_ip", "the model (vae)")
    with pytest.raises(ValueError, match="for_buckets"):
        rules.apply_buckets(_keys(["a"], ["2026-12-06"]), [1])


# ---- score -----------------------------------------------------------------------------------

def test_score_writes_suppressed_zeroes_the_flag_and_counts_per_rule(files: dict[str, Any]) -> None:
    out = files["dir"] / "out.csv"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(out),
                              "--suppress", str(files["rules"])])
    assert res.exit_code == 0, res.output
    got, plain = pd.read_csv(out, keep_default_na=False), files["plain"]
    assert list(got.columns) == [*plain.columns, "suppressed"]
    np.testing.assert_allclose(got["score"], plain["score"])  # scores are kept
    want = _expected(files)
    assert got["suppressed"].tolist() == want
    assert got["flag"].tolist() == [0 if w else f for w, f in zip(want, plain["flag"], strict=True)]
    assert _counts(want)["scanner"] == 1 and int(got["flag"].sum()) < int(plain["flag"].sum())
    assert (f"{int(got['flag'].sum())} flagged, {_count_text(want)}" in res.stderr.replace("\n", " "))


def test_score_outputs_anomalies_only_and_ecs_leave_silenced_buckets_out(files: dict[str, Any]) -> None:
    want = _expected(files)
    flagged = files["plain"]["flag"].to_numpy() == 1
    left = {(e, s) for e, s, f, w in zip(files["plain"]["entity"], files["plain"]["bucket_start"],
                                         flagged, want, strict=True) if f and not w}
    d = files["dir"]
    for name in ("anom.jsonl", "anom.parquet", "anom.sqlite"):
        res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(d / name),
                                  "--suppress", str(files["rules"]), "--anomalies-only", "-q"])
        assert res.exit_code == 0, res.output
        if name.endswith(".jsonl"):
            got = pd.DataFrame(_lines((d / name).read_text()))
        elif name.endswith(".parquet"):
            got = pd.read_parquet(d / name)  # bucket times as times: as the other outputs' text
            got["bucket_start"] = got["bucket_start"].dt.strftime("%Y-%m-%dT%H:%M:%S")
        else:
            with sqlite3.connect(d / name) as conn:
                got = pd.read_sql("SELECT * FROM alerts", conn)
        assert set(zip(got["entity"], got["bucket_start"], strict=True)) == left, name
        assert (got["flag"] == 1).all() and (got["suppressed"] == "").all(), name
    ecs = d / "ecs.jsonl"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(ecs),
                              "--suppress", str(files["rules"]), "--alert-format", "ecs"])
    assert res.exit_code == 0, res.output
    docs = _lines(ecs.read_text())
    assert len(docs) == len(left) and "suppressed" not in json.dumps(docs)
    assert "10.0.0.3" not in json.dumps(docs)  # the scanner's bucket is silenced
    assert _count_text(want) in res.stderr.replace("\n", " ")


def test_between_at_the_bucket_edges_end_to_end(files: dict[str, Any]) -> None:
    s = files["scan_start"]
    edges = files["dir"] / "edges.toml"
    edges.write_text(  # the first two would win if they matched: the scan bucket starts at s
        f'[[rule]]\nname = "ends at its start"\nbetween = [{_toml_time(s - FIVE)}, {_toml_time(s)}]\n'
        f'match = {{ src_ip = "10.0.0.3" }}\n'
        f'[[rule]]\nname = "inside it"\nbetween = [{_toml_time(s + pd.Timedelta("1min"))}, '
        f'{_toml_time(s + pd.Timedelta("4min"))}]\nmatch = {{ src_ip = "10.0.0.3" }}\n'
        f'[[rule]]\nname = "from its start"\nbetween = [{_toml_time(s)}, '
        f'{_toml_time(s + pd.Timedelta("1s"))}]\n', encoding="utf-8")
    out = files["dir"] / "edges.csv"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(out),
                              "--suppress", str(edges)])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out, keep_default_na=False)
    named = got[got["suppressed"] != ""]
    assert named[["entity", "bucket_start", "suppressed"]].values.tolist() == [
        ["10.0.0.3", s.isoformat(), "from its start"]]
    assert "1 suppressed (ends at its start: 0, inside it: 0, from its start: 1)" in res.stderr


# ---- stream ----------------------------------------------------------------------------------

def test_stream_writes_no_alert_for_a_silenced_bucket_and_all_names_its_rule(files: dict[str, Any]) -> None:
    want = dict(zip(zip(files["plain"]["entity"], files["plain"]["bucket_start"], strict=True),
                    _expected(files), strict=True))
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]),
                              "--suppress", str(files["rules"]), "--batch", "53"])
    assert res.exit_code == 0, res.output
    alerts = _lines(res.stdout)
    assert alerts and all(not want[(a["entity"], a["bucket_start"])] for a in alerts)
    assert all("suppressed" not in a and a["flag"] == 1 for a in alerts)  # alerts as without rules
    silenced = list(want.values())
    assert f"{len(alerts):,} flagged, {_count_text(silenced)}" in res.stderr.replace("\n", " ")
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]),
                              "--suppress", str(files["rules"]), "--all"])
    assert res.exit_code == 0, res.output
    rows = _lines(res.stdout)
    assert len(rows) == len(want) and all("suppressed" in r for r in rows)
    for r in rows:
        name = want[(r["entity"], r["bucket_start"])]
        assert r["suppressed"] == name and (r["flag"] == 0 if name else True)
    scan = next(r for r in rows if r["entity"] == "10.0.0.3" and
                r["bucket_start"] == files["scan_start"].isoformat())
    assert (scan["flag"], scan["suppressed"], scan["score"] > 1) == (0, "scanner", True)
    db = files["dir"] / "stream.sqlite"
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]), "-o", str(db),
                              "--suppress", str(files["rules"]), "--all", "-q"])
    assert res.exit_code == 0, res.output
    with sqlite3.connect(db) as conn:
        got = pd.read_sql("SELECT entity, bucket_start, flag, suppressed FROM alerts", conn)
    assert got.values.tolist() == [[r["entity"], r["bucket_start"], r["flag"], r["suppressed"]] for r in rows]


def test_stream_drift_check_counts_the_alerts_left(files: dict[str, Any]) -> None:
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(files["jsonl"]),
                              "--suppress", str(files["rules"]), "--drift-window", "100000"])
    assert res.exit_code == 0, res.output
    left = sum(1 for f, w in zip(files["plain"]["flag"], _expected(files), strict=True) if f and not w)
    rate = 100.0 * left / len(files["plain"])
    assert f"alert rate {rate:.1f}% over {len(files['plain']):,} buckets" in res.stderr.replace("\n", " ")


# ---- serve -----------------------------------------------------------------------------------

def test_serve_answers_flag_0_and_the_rule_per_bucket_and_counts_it(files: dict[str, Any]) -> None:
    s = files["scan_start"]
    rows = [r for r in files["rows"] if s - FIVE <= pd.Timestamp(r["ts"], unit="s") < s + 2 * FIVE]
    with TestClient(create_app(files["model"], api_key=KEY, max_rows=20_000,
                               suppress=load_suppressions(files["rules"]))) as c:
        body = c.post("/score", json={"rows": rows, "explain": 2}, headers=AUTH).json()
        buckets = {(b["entity"], b["bucket_start"]): b for b in body["buckets"]}
        scan = buckets[("10.0.0.3", s.isoformat())]
        assert (scan["flag"], scan["suppressed"], scan["score"] > 1) == (0, "scanner", True)
        assert scan.get("why") is None  # silenced before explaining: no alert to explain
        assert all(b["suppressed"] in ("", "scanner", "lab pair", "one glob") for b in body["buckets"])
        n = sum(1 for b in body["buckets"] if b["suppressed"])
        ecs = c.post("/score", json={"rows": rows, "alert_format": "ecs"}, headers=AUTH).json()
        assert ecs["suppressed"]["scanner"] == 1 and ecs["count"] == sum(b["flag"] for b in body["buckets"])
        assert "10.0.0.3" not in json.dumps(ecs["alerts"])
        text = c.get("/metrics", headers=AUTH).text
        health = c.get("/health").json()
    assert health["suppression_rules"] == ["scanner", "lab pair", "one glob"]
    assert 'hourglass_suppressed_total{rule="scanner"} 2' in text  # once per request
    total = sum(int(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                if line.startswith("hourglass_suppressed_total{"))
    assert total == 2 * n


def test_serve_without_rules_answers_entity_buckets_as_before(files: dict[str, Any]) -> None:
    with TestClient(create_app(files["model"], api_key=KEY)) as c:
        body = c.post("/score", json={"rows": files["rows"][:20]}, headers=AUTH).json()
        text = c.get("/metrics", headers=AUTH).text
    assert body["buckets"] and all("suppressed" not in b for b in body["buckets"])
    assert "hourglass_suppressed_total" not in text  # no rules: no (empty) family


# ---- errors: exit 2, one line, no output -----------------------------------------------------

def test_a_rule_on_another_column_is_one_line_in_score_stream_and_serve(
        files: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    path = files["dir"] / "port.toml"
    path.write_text('[[rule]]\nname = "ok"\nmatch = { src_ip = "10.0.0.3" }\n'
                    '[[rule]]\nname = "ssh"\nmatch = { dst_port = 22 }\n', encoding="utf-8")
    match = (f"--suppress {path}: rule 'ssh' matches column 'dst_port', but the model (autoencoder) is an "
             "entity-bucket model: its alerts are (entity, bucket) rows, and only its entity column "
             "'src_ip' can be matched")
    out = files["dir"] / "never.csv"
    one_line_error(["score", str(files["model"]), str(files["csv"]), "-o", str(out), "--suppress",
                    str(path)], match, out)
    out = files["dir"] / "never.jsonl"
    one_line_error(["stream", str(files["model"]), "--input", str(files["jsonl"]), "-o", str(out),
                    "--suppress", str(path)], match, out)
    monkeypatch.setenv("HOURGLASS_API_KEY", KEY)
    one_line_error(["serve", str(files["model"]), "--port", "0", "--suppress", str(path)], match)
    with pytest.raises(InputError, match="only its entity column 'src_ip' can be matched"):
        create_app(files["model"], api_key=KEY, suppress=load_suppressions(path))
