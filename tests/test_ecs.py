"""ECS alert documents (``hourglass.serve.ecs``) and ``--alert-format ecs`` on score and stream."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from hourglass.detectors.deeplog import DeepLog
from hourglass.errors import InputError
from hourglass.explain import session_alerts
from hourglass.features.sessions import EventSessions
from hourglass.pipeline import Pipeline
from hourglass.serve.ecs import SEVERITY_NUMBERS, AlertRule, _keys_as_text, to_ecs, with_verdict
from hourglass.serve.log_stream import LogStreamScorer
from tests.test_stream_logs import REGEX, live_log

runner = CliRunner()
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
RULE = AlertRule("autoencoder", "f" * 64, threshold=1.5, time_field="ts")


def check_document(doc: dict, dataset: str = "hourglass.table") -> None:
    """The fields and types every hourglass ECS alert has."""
    json.loads(json.dumps(doc))  # plain JSON
    assert ISO_UTC.match(doc["@timestamp"]) and ISO_UTC.match(doc["event"]["created"])
    assert doc["ecs"]["version"].startswith("8.")
    ev = doc["event"]
    assert ev["kind"] == "alert" and ev["module"] == "hourglass" and ev["dataset"] == dataset
    assert "intrusion_detection" in ev["category"] and ev["type"] == ["info"]
    assert ev["severity"] in SEVERITY_NUMBERS.values()
    assert isinstance(ev["risk_score"], float) and 0.0 <= ev["risk_score"] <= 100.0
    assert isinstance(doc["rule"]["name"], str) and isinstance(doc["rule"]["id"], str)
    assert isinstance(doc["message"], str) and "\n" not in doc["message"]
    assert isinstance(doc["hourglass"]["score"], float)
    assert doc["hourglass"]["timestamp_from"] in ("data", "scoring")


def test_table_alert_fields_types_and_timestamp_from_the_data() -> None:
    now = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    doc = to_ecs({"row": 3, "score": np.float64(2.5), "severity": "critical", "calibrated": 1.0,
                  "top_column": "bytes", "why": "bytes=1e7 (90%)"}, RULE,
                 fields={"ts": "2024-03-01T10:00:00+02:00"}, now=now)
    check_document(doc)
    assert doc["@timestamp"] == "2024-03-01T08:00:00.000Z"  # the offset converted to UTC
    assert doc["event"]["created"] == "2026-05-01T12:00:00.000Z"
    assert doc["hourglass"]["timestamp_from"] == "data" and "fields" not in doc["hourglass"]
    assert doc["event"]["severity"] == 99 and doc["event"]["risk_score"] == 100.0
    assert doc["rule"] == {"name": "autoencoder", "id": "f" * 64, "ruleset": "hourglass"}
    assert doc["hourglass"]["threshold"] == 1.5 and doc["hourglass"]["why"] == "bytes=1e7 (90%)"
    assert "row 3" in doc["message"] and "bytes=1e7 (90%)" in doc["message"]
    # without a time in the data: the scoring time, and said so
    doc = to_ecs({"row": 0, "score": 1.0, "severity": "low", "calibrated": 0.5}, RULE, now=now)
    assert doc["@timestamp"] == "2026-05-01T12:00:00.000Z"
    assert doc["hourglass"]["timestamp_from"] == "scoring"
    assert [to_ecs({"score": 1.0, "severity": s, "calibrated": 0.5}, RULE)["event"]["severity"]
            for s in ("low", "medium", "high", "critical")] == [21, 47, 73, 99]
    with pytest.raises(InputError, match="'ts'"):
        to_ecs({"score": 1.0}, RULE, fields={"ts": "yesterday-ish"})


def test_kept_columns_map_to_ecs_fields_and_the_rest_stays_under_hourglass() -> None:
    doc = to_ecs({"row": 0, "score": 3.0, "severity": "high", "calibrated": 0.99}, RULE, fields={
        "Src IP": "192.168.1.10", "dst_ip": "2001:db8::1", "sport": 51000.0, "Dst Port": "443",
        "Protocol": 6, "service": "HTTP", "hostname": "web-01", "username": "alice",
        "id.resp_h": "not-an-ip", "dst_port_2": 1, "site": np.int64(4)})
    check_document(doc)
    assert doc["source"] == {"ip": "192.168.1.10", "port": 51000}
    assert doc["destination"] == {"ip": "2001:db8::1", "port": 443}
    assert doc["network"] == {"iana_number": "6", "protocol": "http"}
    assert doc["host"] == {"name": "web-01"} and doc["user"] == {"name": "alice"}
    assert doc["related"] == {"ip": ["192.168.1.10", "2001:db8::1"], "hosts": ["web-01"],
                              "user": ["alice"]}
    # an invalid address would make an index reject the document: it stays as given
    assert doc["hourglass"]["fields"] == {"id.resp_h": "not-an-ip", "dst_port_2": 1, "site": 4}
    assert doc["event"]["category"] == ["intrusion_detection", "network"]
    plain = to_ecs({"row": 0, "score": 3.0}, AlertRule("vae", "ab"), fields={"site": "x"})
    assert plain["event"]["category"] == ["intrusion_detection"] and "source" not in plain
    zeek = to_ecs({"row": 0, "score": 3.0}, AlertRule("vae", "ab", data_format="zeek-conn"))
    assert zeek["event"]["category"] == ["intrusion_detection", "network"]


def test_windows_event_fields_map_as_winlogbeat_maps_them() -> None:
    doc = to_ecs({"row": 0, "score": 3.0, "severity": "high", "calibrated": 0.99}, RULE, fields={
        "IpAddress": "10.1.2.3", "IpPort": "50123", "SubjectUserName": "WS01$",
        "TargetUserName": "alice", "Computer": "dc01.corp.local", "WorkstationName": "WS01"})
    check_document(doc)
    assert doc["source"] == {"ip": "10.1.2.3", "port": 50123}
    assert doc["user"] == {"name": "WS01$", "target": {"name": "alice"}}
    assert doc["related"]["user"] == ["WS01$", "alice"] and doc["related"]["hosts"] == ["dc01.corp.local"]
    assert doc["hourglass"]["fields"] == {"WorkstationName": "WS01"}
    local = to_ecs({"row": 0, "score": 3.0}, RULE, fields={"IpAddress": "-", "SourceIp": "fe80::1"})
    assert local["source"] == {"ip": "fe80::1"}  # '-' (a local logon) is no address: kept as given
    assert local["hourglass"]["fields"] == {"IpAddress": "-"}


def test_entity_bucket_alerts_map_the_entity_by_its_column() -> None:
    now = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    alert = {"entity": "web-01", "bucket_start": "2024-03-01T10:00:00Z", "bucket_end": "2024-03-01T10:01:00Z",
             "rows": 1, "score": 2.0, "flag": 1, "calibrated": 0.97, "severity": "high",
             "top_feature": "EventID:distinct", "why": "distinct EventID=9 (61%)"}

    def doc(column: str | None, entity: str = "web-01") -> dict:  # type: ignore[type-arg]
        rule = AlertRule("autoencoder", "ab", "entity", threshold=1.0, entity_field=column)
        return to_ecs({**alert, "entity": entity}, rule, now=now)

    d = doc("Hostname")
    check_document(d, "hourglass.entity")
    assert d["@timestamp"] == d["event"]["start"] == "2024-03-01T10:00:00.000Z"
    assert d["event"]["end"] == "2024-03-01T10:01:00.000Z" and d["event"]["duration"] == 60 * 10**9
    assert d["event"]["created"] == "2026-05-01T12:00:00.000Z" and d["hourglass"]["timestamp_from"] == "data"
    assert d["host"] == {"name": "web-01"} and d["related"] == {"hosts": ["web-01"]}
    assert d["event"]["category"] == ["intrusion_detection"] and d["event"]["severity"] == 73
    assert d["message"] == ("hourglass autoencoder: anomalous Hostname web-01 in bucket 2024-03-01T10:00:00Z "
                            "to 2024-03-01T10:01:00Z (score 2 > threshold 1, high, 1 row): "
                            "distinct EventID=9 (61%)")
    assert d["hourglass"]["entity"] == "web-01" and d["hourglass"]["rows"] == 1
    assert doc("user", "alice")["user"] == {"name": "alice"}
    d = doc("dst_ip", "10.1.2.3")
    assert d["destination"] == {"ip": "10.1.2.3"} and "network" in d["event"]["category"]
    d = doc("client", "10.1.2.3")  # a column of no known name: only related.ip, as an address
    assert d["related"] == {"ip": ["10.1.2.3"]} and "source" not in d and "destination" not in d
    d = doc("client")  # neither a known column nor an address: under hourglass only
    assert "related" not in d and "host" not in d and d["hourglass"]["entity"] == "web-01"
    d = doc("src_ip", "gateway")  # not a valid address for source.ip: not mapped
    assert "source" not in d and "related" not in d
    d = doc(None, "10.1.2.3")
    assert "anomalous entity 10.1.2.3" in d["message"] and d["related"] == {"ip": ["10.1.2.3"]}


@pytest.fixture(scope="module")
def log_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pipeline, Path]:
    train = live_log(120, seed=10, broken_ones=False)[0]
    dl = DeepLog(window=3, top_g=1, hidden=16, layers=1, epochs=30, lr=0.02, verbose=0)
    pipe = Pipeline(detector=dl, features=EventSessions(format="hdfs", session_regex=REGEX)).fit(train)
    path = tmp_path_factory.mktemp("ecs") / "deeplog"
    pipe.save(path)
    return pipe, path


def test_log_alerts_session_and_streamed_event(log_model: tuple[Pipeline, Path]) -> None:
    pipe, path = log_model
    rule = AlertRule.from_model(path, pipe)
    assert (rule.input, rule.dataset) == ("log", "hourglass.log")
    assert rule.id == json.loads((path / "config.json").read_text())["content_hash"]
    lines, broken = live_log(20, seed=7)
    scorer = LogStreamScorer(pipe)
    events = scorer.feed(list(enumerate(lines, 1))) + scorer.finish()
    assert events, "the broken blocks raise alerts"
    for a in events:
        doc = to_ecs(with_verdict(a, pipe.detector_), rule)
        check_document(doc, "hourglass.log")
        assert doc["hourglass"]["session"] == a["session"] and doc["hourglass"]["timestamp_from"] == "scoring"
        assert f"session {a['session']}" in doc["message"] and "unexpected event" in doc["message"]
    assert {a["session"] for a in events} <= broken
    sessions = pipe.features_.sessions(lines)
    scores = pipe.detector_.score(sessions.sequences)
    alerts = session_alerts(pipe.detector_, sessions, scores, pipe.detector_.threshold_predict(scores),
                            pipe.features_.templates())
    doc = to_ecs(with_verdict(alerts[0], pipe.detector_), rule)
    check_document(doc, "hourglass.log")
    assert doc["hourglass"]["unexpected"]["template"] in doc["message"]
    assert "anomalous log session" in doc["message"]


def _flows(n: int, seed: int, attacks: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "ts": 1_700_000_000 + np.arange(n) * 60, "src_ip": [f"10.0.0.{i % 250}" for i in range(n)],
        "proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(6, 1, n).round(),
        "rate": rng.uniform(0, 1, n), "site": "lab", "label": "benign"})
    idx = np.arange(0, n, 5)[:attacks]
    df.loc[idx, ["bytes", "rate", "label"]] = [1e7, 40.0, "attack"]
    return df


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("ecs_table")
    _flows(300, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "8,4",
                              "--epochs", "2", "--label-col", "label", "--normal", "benign",
                              "--timestamp-col", "ts", "--drop", "src_ip", "--drop", "site", "-q"])
    assert res.exit_code == 0, res.output
    test = _flows(60, 1, attacks=12)
    test.to_csv(d / "test.csv", index=False)
    test.to_json(d / "test.jsonl", orient="records", lines=True)
    return {"dir": d, "model": d / "model", "csv": d / "test.csv", "jsonl": d / "test.jsonl"}


def _docs(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_stream_table_ecs_end_to_end(table_model: dict[str, Path]) -> None:
    m = table_model
    args = ["stream", str(m["model"]), "--input", str(m["jsonl"]), "--keep", "src_ip", "--keep", "site"]
    plain = runner.invoke(app, args)
    res = runner.invoke(app, [*args, "--alert-format", "ecs", "--explain", "2", "--batch", "7"])
    assert plain.exit_code == 0 and res.exit_code == 0, res.output
    docs, alerts = _docs(res.stdout), _docs(plain.stdout)
    assert len(docs) == len(alerts) >= 10  # the same alerts, rendered
    content_hash = json.loads((m["model"] / "config.json").read_text())["content_hash"]
    test = pd.read_json(m["jsonl"], lines=True)
    for doc, alert in zip(docs, alerts, strict=True):
        check_document(doc)
        row = int(doc["hourglass"]["row"])
        # batches of 7 and of the default size: the matrix kernels may round differently
        assert row == alert["row"] and doc["hourglass"]["score"] == pytest.approx(alert["score"],
                                                                                 rel=1e-5)
        assert doc["rule"]["id"] == content_hash and doc["rule"]["name"] == "autoencoder"
        assert doc["source"]["ip"] == test.loc[row, "src_ip"] == alert["src_ip"]
        assert doc["hourglass"]["fields"] == {"site": "lab"}
        stamp = dt.datetime.fromtimestamp(int(test.loc[row, "ts"]), dt.UTC)
        assert doc["@timestamp"] == stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        assert doc["hourglass"]["top_column"] in doc["message"]
    res = runner.invoke(app, [*args, "--alert-format", "ecs", "--all"])
    assert res.exit_code == 2 and "--alert-format ecs writes alerts only" in res.output
    res = runner.invoke(app, [*args, "--alert-format", "splunk"])
    assert res.exit_code == 2 and "expected hourglass or ecs" in res.output


def test_score_jsonl_ecs_and_refusal_for_other_outputs(table_model: dict[str, Path]) -> None:
    m = table_model
    base = ["score", str(m["model"]), str(m["csv"]), "--keep", "src_ip", "-q"]
    assert runner.invoke(app, [*base, "-o", str(m["dir"] / "all.csv")]).exit_code == 0
    flagged = pd.read_csv(m["dir"] / "all.csv").query("flag == 1")
    out = m["dir"] / "alerts.jsonl"
    res = runner.invoke(app, [*base, "-o", str(out), "--alert-format", "ecs"])
    assert res.exit_code == 0, res.output
    docs = _docs(out.read_text())
    assert [d["hourglass"]["row"] for d in docs] == flagged["row"].tolist()  # flagged rows only
    for d, (_, r) in zip(docs, flagged.iterrows(), strict=True):
        check_document(d)
        assert d["source"]["ip"] == r["src_ip"] and d["hourglass"]["timestamp_from"] == "data"
        assert d["event"]["risk_score"] == round(r["calibrated"] * 100, 2)
    csv = m["dir"] / "alerts.csv"
    res = runner.invoke(app, [*base, "-o", str(csv), "--alert-format", "ecs"])
    assert res.exit_code == 2 and not csv.exists()
    assert len(res.output.strip().splitlines()) == 1 and ".jsonl" in res.output


def test_score_log_model_ecs(log_model: tuple[Pipeline, Path], tmp_path: Path) -> None:
    _, path = log_model
    lines, broken = live_log(20, seed=7)
    log = tmp_path / "live.log"
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "alerts.jsonl.gz"
    res = runner.invoke(app, ["score", str(path), str(log), "-o", str(out), "--alert-format", "ecs"])
    assert res.exit_code == 0, res.output
    import gzip

    docs = _docs(gzip.open(out, "rt").read())
    assert docs and {d["hourglass"]["session"] for d in docs} <= broken
    for d in docs:
        check_document(d, "hourglass.log")


def test_score_time_series_ecs(tmp_path: Path) -> None:
    t = np.arange(200)
    stamps = pd.Timestamp("2020-03-09 10:00:00") + pd.to_timedelta(t, unit="min")
    df = pd.DataFrame({"ts": stamps.strftime("%Y-%m-%d %H:%M:%S"), "a": np.sin(t / 5), "b": np.cos(t / 5)})
    df.to_csv(tmp_path / "train.csv", index=False)
    df.loc[150:155, "a"] = 8.0  # a burst never seen in training
    df.to_csv(tmp_path / "test.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--timestamp-col", "ts", "--model",
                              "lstm-ae", "--epochs", "2", "--window", "8", "-o", str(tmp_path / "M"), "-q"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "steps.jsonl"
    res = runner.invoke(app, ["score", str(tmp_path / "M"), str(tmp_path / "test.csv"), "-o", str(out),
                              "--alert-format", "ecs", "-q"])
    assert res.exit_code == 0, res.output
    docs = _docs(out.read_text())
    assert docs and any("2020-03-09T12:30:00.000Z" == d["@timestamp"] for d in docs)  # step 150
    for d in docs:
        check_document(d, "hourglass.timeseries")
        assert d["hourglass"]["timestamp_from"] == "data" and "time step" in d["message"]


def test_stream_log_model_ecs(log_model: tuple[Pipeline, Path], tmp_path: Path) -> None:
    _, path = log_model
    lines, broken = live_log(20, seed=7)
    log = tmp_path / "live.log"
    log.write_text("\n".join(lines) + "\n")
    args = ["stream", str(path), "--input", str(log), "--batch", "16"]
    plain, res = runner.invoke(app, args), runner.invoke(app, [*args, "--alert-format", "ecs"])
    assert plain.exit_code == 0 and res.exit_code == 0, res.output
    docs, alerts = _docs(res.stdout), _docs(plain.stdout)
    assert docs and len(docs) == len(alerts)
    for d, a in zip(docs, alerts, strict=True):
        check_document(d, "hourglass.log")
        # the original alert, its event keys as text (one type a field in an index: '<end>' too)
        assert {k: d["hourglass"][k] for k in a} == _keys_as_text(a)
        assert d["hourglass"]["session"] in broken and a["template"] in d["message"]


def _conn_rows(n: int) -> list[dict]:
    return [{"ts": 1714557600 + 60 * i, "uid": f"C{i}", "id.orig_h": f"10.0.0.{i % 9}",
             "id.orig_p": 40000 + i, "id.resp_h": "192.168.1.1", "id.resp_p": [53, 443][i % 2],
             "proto": ["udp", "tcp"][i % 2], "conn_state": "SF", "orig_pkts": 1 + i % 5,
             "duration": 0.01 * (i % 7)} for i in range(n)]


def test_a_zeek_models_alerts_carry_each_flows_own_time(tmp_path: Path) -> None:
    # the format's 'ts' is the event time without --timestamp-col (was: the scoring time)
    rows = _conn_rows(120)
    (tmp_path / "conn.log").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    rows[5].update(orig_pkts=5000, proto="icmp")
    (tmp_path / "new.log").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "conn.log"), "-o", str(model), "--hidden",
                              "8,4", "--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert "event time from column 'ts' (the zeek-conn format's own)" in res.stderr
    assert json.loads((model / "config.json").read_text())["info"]["time_col"] == "ts"
    out = tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "new.log"), "-o", str(out),
                              "--alert-format", "ecs"])
    assert res.exit_code == 0, res.output
    docs = {d["hourglass"]["row"]: d for d in _docs(out.read_text())}
    assert docs[5]["@timestamp"] == "2024-05-01T10:05:00.000Z"
    assert docs[5]["hourglass"]["timestamp_from"] == "data"
    # a per-day alert budget takes its event rate from the same field (one flow a minute)
    res = runner.invoke(app, ["train", str(tmp_path / "conn.log"), "-o", str(tmp_path / "b"),
                              "--hidden", "8,4", "--epochs", "1", "--threshold", "budget:5/day"])
    assert res.exit_code == 0, res.output
    assert "1,452 events/day" in res.stderr  # 120 flows over 119 minutes


def test_a_format_time_column_that_does_not_read_is_left_out_with_a_warning(tmp_path: Path) -> None:
    rows = _conn_rows(60)
    for r in rows:
        r["ts"] = 1714557600  # every flow at one instant: no event rate, no span
    (tmp_path / "conn.log").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "conn.log"), "-o", str(model), "--hidden",
                              "8,4", "--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert "not using 'ts' as the event time" in res.stderr and "all timestamps are equal" in res.stderr
    assert json.loads((model / "config.json").read_text())["info"]["time_col"] is None


def test_a_sampled_training_files_event_rate_counts_the_whole_file(tmp_path: Path) -> None:
    # 3,000 flows a minute apart sampled to 500 rows: the rate is the file's (about 1,440 a day),
    # not the sample's (240 a day, which made a per-day budget six times too loose)
    rows = _conn_rows(3000)
    (tmp_path / "big.log").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "big.log"), "-o", str(model), "--hidden",
                              "8,4", "--epochs", "1", "--memory-budget", "0.1", "--sample-rows",
                              "500", "--threshold", "budget:5/day", "-q"])
    assert res.exit_code == 0, res.output
    info = json.loads((model / "config.json").read_text())["info"]
    assert info["sampled"]["of"] == 3000 and 1400 < info["events_per_day"] < 1480


def test_a_formats_own_field_names_go_to_their_ecs_places() -> None:
    # Linux audit: 'node' logged the event, a login's 'hostname' is its remote client (once sent
    # to host.name, naming the attacker's machine as the host); 'uid' a number, 'UID' a name
    from hourglass.serve.ecs import AlertRule, to_ecs

    fields = {"node": "web1", "hostname": "evil.example", "addr": "203.0.113.9", "acct": "root",
              "exe": "/usr/sbin/sshd", "uid": "0", "UID": "root", "res": "failed"}
    audit = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab", data_format="auditd"),
                   fields=fields)
    assert audit["host"] == {"name": "web1"} and audit["source"] == {"domain": "evil.example",
                                                                       "ip": "203.0.113.9"}
    assert audit["user"] == {"name": "root"}  # the account: 'uid' and 'UID' are the process's
    assert audit["process"] == {"executable": "/usr/sbin/sshd", "user": {"id": "0", "name": "root"}}
    assert audit["related"] == {"hosts": ["web1", "evil.example"], "ip": ["203.0.113.9"], "user": ["root"]}
    assert audit["hourglass"]["fields"] == {"res": "failed"}
    other = to_ecs({"row": 0, "score": 3.0}, AlertRule("autoencoder", "ab"), fields=fields)
    assert other["host"] == {"name": "evil.example"}  # elsewhere 'hostname' is the host


def test_an_audit_alert_names_the_account_and_leaves_audits_no_value_out() -> None:
    # an ENRICHED USER_AUTH as auditd writes it: sshd (uid 0, UID root) failing alice from an
    # address without a name (hostname=?), no login session yet (auid and ses unset)
    from hourglass.ingest.auditd import auditd_events
    from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs

    line = ("type=USER_AUTH msg=audit(1700000000.5:9): pid=811 uid=0 auid=4294967295 ses=4294967295 "
            "msg='op=PAM:authentication grantors=? acct=\"alice\" exe=\"/usr/sbin/sshd\" hostname=? "
            "addr=10.0.0.9 terminal=ssh res=failed'\x1dUID=\"root\" AUID=\"unset\"")
    row = auditd_events([line])[0]
    rule = AlertRule("autoencoder", "ab", data_format="auditd")
    doc = to_ecs({"row": 0, "score": 3.0}, rule, fields=ecs_named(row, "auditd"))
    assert doc["user"] == {"name": "alice"}
    assert doc["process"] == {"executable": "/usr/sbin/sshd", "user": {"id": "0", "name": "root"}}
    assert doc["source"] == {"ip": "10.0.0.9"}  # no domain '?'
    assert doc["related"] == {"user": ["alice", "root"], "ip": ["10.0.0.9"]}  # no hosts ['?']
    # a syscall (no account named): its user is the process's, the login's user the audit user
    syscall = {"uid": "1000", "UID": "bob", "auid": "1000", "AUID": "bob", "tty": "(none)",
               "exe": "/usr/bin/curl", "hostname": "(none)", "acct": "?"}
    doc = to_ecs({"row": 0, "score": 3.0}, rule, fields=ecs_named(syscall, "auditd"))
    assert doc["user"] == {"id": "1000", "name": "bob", "audit": {"id": "1000", "name": "bob"}}
    assert "source" not in doc and doc["related"] == {"user": ["bob"]}
    unset = to_ecs({"row": 0, "score": 3.0}, rule,
                   fields=ecs_named({"uid": 0, "auid": 4294967295.0, "AUID": "unset"}, "auditd"))
    assert unset["user"] == {"id": "0"}
