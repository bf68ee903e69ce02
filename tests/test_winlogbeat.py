"""Windows events exported by Winlogbeat / Elastic (nested ECS documents) read as Windows events:
the ``winlogbeat`` format is sniffed, gives the Windows roles to Winlogbeat's field names, and
the table, entity and log models train, score, explain and stream on it. The fixtures are
made-up Security and Sysmon events written as Winlogbeat 7.x/8.x documents."""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.ingest import sniff_format
from hourglass.ingest.evtx import EVTX_ROLES, ROW_ONLY_ROLES, SYSTEM_COLUMNS
from hourglass.ingest.tables import flat_record
from hourglass.ingest.winlogbeat import (
    WINLOGBEAT,
    WINLOGBEAT_ROLES,
    WINLOGBEAT_ROW_ONLY,
    looks_like_winlogbeat,
)
from tests._cli import one_line_error

runner = CliRunner()
SECURITY, SYSMON = "Microsoft-Windows-Security-Auditing", "Microsoft-Windows-Sysmon"
START = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
HOSTS = ("ws1", "ws2", "ws3", "ws4")


def _guid(rng: random.Random) -> str:
    a, b, c, d, e = (rng.getrandbits(n) for n in (32, 16, 16, 16, 48))
    return f"{{{a:08x}-{b:04x}-{c:04x}-{d:04x}-{e:012x}}}"


def _doc(rng: random.Random, t: datetime, host: str, event_id: int, data: dict[str, Any], *,
         sysmon: bool = False, v7: bool = False, task: str = "Logon", logon: dict[str, str] | None = None,
         **ecs: Any) -> dict[str, Any]:
    """One event as Winlogbeat writes it: the record under ``winlog``, ECS copies, the shipper's
    metadata and a rendered message; 7.x writes event_id and record_id as numbers."""
    ts = t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    record = rng.randrange(10_000, 10_000_000)
    return {
        "@timestamp": ts,
        "agent": {"type": "winlogbeat", "version": "7.17.0" if v7 else "8.11.0", "id": _guid(rng),
                  "ephemeral_id": _guid(rng), "name": host.upper()},
        "ecs": {"version": "1.12.0" if v7 else "8.0.0"},
        "host": {"name": host, "hostname": host, "id": _guid(rng), "architecture": "x86_64",
                 "ip": [f"10.0.1.{HOSTS.index(host) + 10}"],
                 "os": {"family": "windows", "kernel": "10.0.19041.1", "build": "19041.1"}},
        "log": {"level": "information"},
        "message": f"Event {event_id} at {ts}: " + "\n\t".join(f"{k}: {v}" for k, v in data.items()),
        "event": {"code": str(event_id), "kind": "event", "provider": SYSMON if sysmon else SECURITY,
                  "created": ts, "ingested": ts, "module": "sysmon" if sysmon else "security",
                  "outcome": "success"},
        "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational" if sysmon else "Security",
                   "event_id": event_id if v7 else str(event_id), "record_id": record if v7 else str(record),
                   "provider_name": SYSMON if sysmon else SECURITY,
                   "provider_guid": "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}" if sysmon else
                   "{54849625-5478-4994-a5ba-3e3b0328c30d}",
                   "computer_name": f"{host}.corp.local", "api": "wineventlog", "opcode": "Info",
                   "task": task, "keywords": ["Audit Success"], "version": 2,
                   "process": {"pid": rng.randrange(400, 9000), "thread": {"id": rng.randrange(100, 9000)}},
                   "event_data": data, **({"logon": logon} if logon else {})},
        **ecs,
    }


def _logon(rng: random.Random, t: datetime, host: str, *, user: str, logon_type: int, ip: str,
           v7: bool = False) -> dict[str, Any]:
    data = {"SubjectLogonId": "0x3e7", "TargetUserName": user, "TargetDomainName": "CORP",
            "TargetLogonId": hex(rng.getrandbits(24)), "LogonType": str(logon_type),
            "LogonGuid": _guid(rng), "IpAddress": ip, "IpPort": str(rng.randrange(49152, 65535)),
            "ProcessId": hex(rng.randrange(400, 4000)), "AuthenticationPackageName": "Kerberos"}
    kind = {3: "Network", 10: "RemoteInteractive"}[logon_type]
    return _doc(rng, t, host, 4624, data, v7=v7, logon={"id": data["TargetLogonId"], "type": kind},
                source={"ip": ip, "port": int(data["IpPort"])}, user={"name": user})


def _process(rng: random.Random, t: datetime, host: str, *, image: str, parent: str, user: str,
             level: str, v7: bool = False) -> dict[str, Any]:
    pid, ppid = rng.randrange(400, 9000), rng.randrange(400, 9000)
    data = {"RuleName": "-", "UtcTime": t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            "ProcessGuid": _guid(rng), "ProcessId": str(pid), "Image": image,
            "CommandLine": f'"{image}"', "User": user, "LogonId": hex(rng.getrandbits(20)),
            "IntegrityLevel": level, "ParentProcessGuid": _guid(rng), "ParentProcessId": str(ppid),
            "ParentImage": parent}
    return _doc(rng, t, host, 1, data, sysmon=True, v7=v7, task="Process Create (rule: ProcessCreate)",
                process={"pid": pid, "executable": image, "entity_id": data["ProcessGuid"],
                         "parent": {"pid": ppid, "executable": parent}})


NORMAL_IMAGES = ((r"C:\Windows\System32\svchost.exe", r"C:\Windows\System32\services.exe", "System"),
                 (r"C:\Windows\explorer.exe", r"C:\Windows\System32\userinit.exe", "Medium"),
                 (r"C:\Program Files\Google\Chrome\chrome.exe", r"C:\Windows\explorer.exe", "Medium"))


def _normal(rng: random.Random, t: datetime, *, v7: bool = False) -> dict[str, Any]:
    host = rng.choice(HOSTS)
    if rng.random() < 0.5:
        return _logon(rng, t, host, user=rng.choice(("alice", "bob")), logon_type=3,
                      ip=f"10.0.0.{rng.randrange(2, 6)}", v7=v7)
    image, parent, level = rng.choice(NORMAL_IMAGES)
    return _process(rng, t, host, image=image, parent=parent, user="CORP\\" + rng.choice(("alice", "bob")),
                    level=level, v7=v7)


def _unusual(rng: random.Random, t: datetime) -> dict[str, Any]:
    """What a normal day never shows: a rare event id (account created, log cleared, service
    installed), a tool run from Temp by Word, or a remote-desktop logon from outside."""
    host, kind = rng.choice(HOSTS), rng.randrange(3)
    if kind == 0:
        event_id = rng.choice((4720, 1102, 7045))
        return _doc(rng, t, host, event_id, {"SubjectUserName": "mallory", "SubjectLogonId": "0x5f3a1",
                                             "TargetUserName": "svc-backup"}, task="User Account Management")
    if kind == 1:
        return _process(rng, t, host, image=r"C:\Users\bob\AppData\Local\Temp\m64.exe",
                        parent=r"C:\Program Files\Microsoft Office\WINWORD.EXE", user="CORP\\bob",
                        level="High")
    return _logon(rng, t, host, user="administrator", logon_type=10, ip="203.0.113.7")


def _events(n: int, seed: int, *, v7: bool = False, unusual: int = 0,
            ) -> tuple[list[dict[str, Any]], np.ndarray]:
    rng = random.Random(seed)
    t, docs, y = START, [], []
    for _ in range(n):
        t += timedelta(seconds=rng.randrange(1, 20))
        docs.append(_normal(rng, t, v7=v7))
        y.append(0)
    for _ in range(unusual):
        pos = rng.randrange(len(docs))
        at = datetime.fromisoformat(docs[pos]["@timestamp"].replace("Z", "+00:00"))
        docs.insert(pos, _unusual(rng, at))
        y.insert(pos, 1)
    return docs, np.array(y)


def _write(path: Path, docs: list[dict[str, Any]]) -> Path:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt") as fh:
        fh.write("".join(json.dumps(d) + "\n" for d in docs))
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("wlb")
    data = _write(d / "winlogbeat-train.ndjson.gz", _events(700, seed=1)[0])
    res = runner.invoke(app, ["train", str(data), "-o", str(d / "m"), "--epochs", "30", "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    return d / "m", d


# -- sniffing --------------------------------------------------------------------------------------

def test_winlogbeat_documents_are_sniffed_before_plain_json_lines(tmp_path: Path) -> None:
    docs8, _ = _events(5, seed=2)
    docs7, _ = _events(5, seed=2, v7=True)
    dotted = [flat_record(d) for d in docs8]  # an export already flattened to dotted keys
    for name, docs in (("v8.ndjson.gz", docs8), ("v7.json", docs7), ("dotted.jsonl", dotted)):
        assert sniff_format(_write(tmp_path / name, docs)).name == "winlogbeat", name
    flat = _write(tmp_path / "otrf.json", [{"EventID": 4624, "Channel": "Security", "Hostname": "WS1"}])
    other = _write(tmp_path / "eve.json", [{"winlog": "a string", "src_ip": "10.0.0.1"}])
    assert sniff_format(flat).name == "windows-json" and sniff_format(other).name == "jsonl"
    # a first line longer than the sniffed head (a PowerShell script block) is read as text
    long_doc = {**docs8[0], "message": "x" * 70_000}
    long_doc = {"@timestamp": long_doc.pop("@timestamp"), "winlog": long_doc.pop("winlog"), **long_doc}
    assert sniff_format(_write(tmp_path / "long.json", [long_doc])).name == "winlogbeat"
    assert not looks_like_winlogbeat(b"a,b\n1,2\n") and not looks_like_winlogbeat(b"[1, 2]\n")


# -- roles -----------------------------------------------------------------------------------------

def test_the_windows_roles_are_given_to_winlogbeat_names() -> None:
    roles = WINLOGBEAT_ROLES
    for col in ("winlog.event_id", "event.code", "winlog.opcode", "winlog.version", "winlog.task",
                "winlog.keywords", "log.level", "winlog.logon.type", "winlog.event_data.LogonType",
                "winlog.event_data.Protocol"):
        assert roles[col] == "categorical", col
    for col in ("winlog.record_id", "winlog.process.pid", "winlog.process.thread.id", "process.pid",
                "process.parent.pid", "process.entity_id", "winlog.logon.id", "winlog.activity_id",
                "winlog.event_data.SubjectLogonId", "winlog.event_data.TargetLogonId",
                "winlog.event_data.ProcessGuid", "winlog.event_data.ProcessId",
                "winlog.event_data.ProcessID", "winlog.event_data.NewProcessId",
                "winlog.user_data.SubjectLogonId", "winlog.event_data.UtcTime", "message",
                "event.created", "event.ingested", "ecs.version", "winlog.provider_guid", "winlog.api"):
        assert roles[col] == "drop", col
    for col in ("winlog.event_data.IpPort", "winlog.event_data.SourcePort", "winlog.event_data.DestPort"):
        assert roles[col] == "port", col
    # every event-data name of the EVTX roles has its Winlogbeat spelling, with the same role (the
    # others: System columns under their winlog.* names, and other shippers' fields)
    system = {*SYSTEM_COLUMNS, "TimeCreated", "ActivityID", "RelatedActivityID"}
    shippers = {"RecordNumber", "ExecutionProcessID", "SeverityValue", "OpcodeValue", "EventTime",
                "EventReceivedTime", "port", "@timestamp"}
    for name, role in EVTX_ROLES.items():
        if name not in system | shippers:
            field = name.removeprefix("EventData.")
            assert roles[f"winlog.event_data.{field}"] == roles[f"winlog.user_data.{field}"] == role, name
    assert {f"winlog.event_data.{n.removeprefix('EventData.')}" for n in ROW_ONLY_ROLES
            if n not in system} <= WINLOGBEAT_ROW_ONLY
    assert {"winlog.activity_id", "winlog.logon.id", "process.pid"} <= WINLOGBEAT_ROW_ONLY
    # the shipper's objects are dropped by prefix, host.name and log.level kept
    own = WINLOGBEAT.roles_for(["agent.build.original", "host.os.codename", "host.name", "log.offset",
                                "log.level", "related.user", "user.name"])
    assert own == {"agent.build.original": "drop", "host.os.codename": "drop", "log.offset": "drop",
                   "log.level": "categorical", "related.user": "drop"}


def test_inspect_and_train_read_the_format_roles(trained: tuple[Path, Path]) -> None:
    model, d = trained
    data = d / "winlogbeat-train.ndjson.gz"
    res = runner.invoke(app, ["inspect", str(data), "--json", str(d / "schema.json")])
    assert res.exit_code == 0, res.output
    assert "format winlogbeat" in res.output
    schema = json.loads((d / "schema.json").read_text())
    assert schema["format"] == "winlogbeat"
    cols = schema["columns"]
    shown = {c["column"]: c["role"] for c in cols} if isinstance(cols, list) else \
        {k: v["role"] for k, v in cols.items()}
    from hourglass import load

    pipe = load(model)
    roles = pipe.features_.roles_
    for col in ("winlog.event_id", "winlog.event_data.LogonType", "winlog.logon.type"):
        assert roles[col] == shown[col] == "categorical", col
    for col in ("winlog.record_id", "winlog.process.pid", "process.pid", "agent.id", "agent.version",
                "host.os.kernel", "message", "winlog.event_data.TargetLogonId", "winlog.logon.id",
                # ECS copies of what the record holds: each fact once (as the .evtx reading has it)
                "event.code", "event.provider", "host.name", "source.port", "process.executable"):
        assert roles[col] == shown[col] == "drop", col
    assert roles["winlog.event_data.IpPort"] == "port"
    assert "@timestamp" not in roles  # the event time, not a feature
    assert pipe.info["dataset"] == "winlogbeat" and pipe.info["time_col"] == "@timestamp"
    assert pipe.sparse_fields


# -- detection, parity -----------------------------------------------------------------------------

def test_unusual_events_rank_above_normal_ones(trained: tuple[Path, Path], tmp_path: Path) -> None:
    model, _ = trained
    docs, y = _events(300, seed=5, unusual=30)
    data = _write(tmp_path / "day2.json", docs)
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.csv"), "-q"])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(tmp_path / "s.csv")["score"].to_numpy()
    assert len(scores) == len(y)
    assert roc_auc_score(y, scores) > 0.9
    res = runner.invoke(app, ["explain", str(model), str(data), "-o", str(tmp_path / "why.csv"), "-q"])
    assert res.exit_code == 0, res.output
    why = pd.read_csv(tmp_path / "why.csv")
    assert len(why) and not why["top_column"].isin(["message", "winlog.record_id", "agent.id"]).any()


def test_stream_scores_as_score_does_and_7x_reads_as_8x(trained: tuple[Path, Path], tmp_path: Path) -> None:
    model, _ = trained
    docs8, _ = _events(60, seed=9)
    docs7, _ = _events(60, seed=9, v7=True)  # event_id and record_id numbers, not text
    for d8, d7 in zip(docs8, docs7, strict=True):  # the same events: only the shipper's version differs
        assert d8["winlog"]["event_id"] == str(d7["winlog"]["event_id"])
    data8, data7 = _write(tmp_path / "v8.ndjson", docs8), _write(tmp_path / "v7.ndjson", docs7)
    for name, data in (("s8", data8), ("s7", data7)):
        res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / f"{name}.csv"), "-q"])
        assert res.exit_code == 0, res.output
    s8, s7 = (pd.read_csv(tmp_path / f"{n}.csv")["score"].to_numpy() for n in ("s8", "s7"))
    np.testing.assert_allclose(s7, s8, rtol=1e-5)
    res = runner.invoke(app, ["stream", str(model), "--input", str(data8), "--all", "--batch", "25",
                              "--keep", "winlog.computer_name", "-o", str(tmp_path / "a.jsonl")])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(ln) for ln in (tmp_path / "a.jsonl").read_text().splitlines()]
    np.testing.assert_allclose([a["score"] for a in alerts], s8, rtol=1e-5)
    assert alerts[0]["winlog.computer_name"].endswith(".corp.local")
    from hourglass.serve import TableScorer  # the service's /score: the documents as Elastic has them

    np.testing.assert_allclose(TableScorer(model).score(docs8[:10])["scores"], s8[:10], rtol=1e-5)


def test_ecs_alerts_put_winlogbeat_fields_where_ecs_has_them() -> None:
    from hourglass.serve.ecs import AlertRule, to_ecs

    alert = {"row": 3, "score": 2.0, "flag": 1, "severity": "high", "calibrated": 0.99}
    doc = to_ecs(alert, AlertRule(name="autoencoder", id="abc", input="table"), fields={
        "winlog.computer_name": "ws1.corp.local", "winlog.event_data.IpAddress": "10.0.0.9",
        "winlog.event_data.TargetUserName": "bob", "winlog.event_data.LogonType": "3"})
    assert doc["host"]["name"] == "ws1.corp.local" and doc["source"]["ip"] == "10.0.0.9"
    assert doc["user"]["target"]["name"] == "bob"
    assert doc["hourglass"]["fields"] == {"winlog.event_data.LogonType": "3"}


# -- log sessions and entities ---------------------------------------------------------------------

def test_event_sessions_by_computer_in_time_order(tmp_path: Path) -> None:
    docs, _ = _events(400, seed=11)
    data = _write(tmp_path / "train.ndjson", docs)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--model", "deeplog", "--key-col", "winlog.event_id",
                              "--session-col", "winlog.computer_name", "-o", str(model), "--epochs", "2",
                              "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    config = json.loads((model / "config.json").read_text())
    assert config["info"]["sessions"]["time_column"] == "@timestamp"  # the format's event time
    test, _ = _events(120, seed=12, v7=True)
    shuffled = test[:]
    random.Random(0).shuffle(shuffled)  # an Elasticsearch export comes back in no time order
    out = {}
    for name, rows in (("ordered", test), ("shuffled", shuffled)):
        res = runner.invoke(app, ["score", str(model), str(_write(tmp_path / f"{name}.log", rows)),
                                  "-o", str(tmp_path / f"{name}.csv"), "-q"])  # .log: read by content
        assert res.exit_code == 0, res.output
        sessions = pd.read_csv(tmp_path / f"{name}.csv")
        out[name] = dict(zip(sessions["session"], sessions["score"], strict=True))
    assert sorted(out["ordered"]) == [f"{h}.corp.local" for h in HOSTS]
    assert out["ordered"] == pytest.approx(out["shuffled"])


def test_an_entity_model_counts_logons_and_processes_per_host(tmp_path: Path) -> None:
    from hourglass.cli.entity import entity_roles

    df = pd.DataFrame([flat_record(d) for d in _events(40, seed=3)[0]])
    roles = entity_roles(WINLOGBEAT, {}, df, ("winlog.computer_name", "@timestamp")) or {}
    assert roles["winlog.record_id"] == "drop" and roles["agent.id"] == "drop"
    assert roles["winlog.event_id"] == "categorical"
    for col in ("winlog.event_data.TargetLogonId", "winlog.logon.id", "process.pid",
                "winlog.event_data.ProcessGuid", "winlog.event_data.LogonType"):
        assert col not in roles, col  # left to the entity model: distinct counts per bucket


# -- bad input -------------------------------------------------------------------------------------

def test_a_file_that_is_not_winlogbeat_is_one_line_and_exit_2(tmp_path: Path) -> None:
    csv = tmp_path / "events.csv"
    csv.write_text("EventID,Channel\n4624,Security\n")
    plain = _write(tmp_path / "eve.json", [{"src_ip": "10.0.0.1", "bytes": 10}] * 3)
    flat = _write(tmp_path / "otrf.json", [{"EventID": 4624, "Channel": "Security"}] * 3)
    hits = _write(tmp_path / "hits.json", [{"_index": "winlogbeat-8", "_id": "x",
                                            "_source": _events(1, seed=0)[0][0]}])
    for data, match in ((csv, "file starts 'EventID,Channel'"), (plain, "no winlog.event_id"),
                        (flat, "are --format windows-json"), (hits, "export their _source documents")):
        for cmd in ("inspect", "train"):
            out = tmp_path / f"m-{cmd}"
            args = [cmd, str(data), "--format", "winlogbeat"] + (["-o", str(out)] if cmd == "train" else [])
            one_line_error(args, f"{data}: not a Winlogbeat export", out)
            one_line_error(args, match)


def test_formats_lists_winlogbeat_with_its_time_field() -> None:
    from hourglass.ingest.formats import all_formats

    res = runner.invoke(app, ["formats"], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "winlogbeat " in res.output  # the table's wrapping depends on the console's width
    spec = all_formats()["winlogbeat"]
    assert spec.description.startswith("Windows events exported by Winlogbeat")
    assert spec.time_col == "@timestamp"


def test_many_event_data_fields_are_not_taken_for_a_map(tmp_path: Path) -> None:
    # an OTRF-sized recording has ~170 event-data fields over its event types: fields, not keys
    rng = random.Random(4)
    docs = [_doc(rng, START + timedelta(seconds=i), "ws1", 4000 + i,
                 {f"Field{i}_{k}": "x" for k in range(12)}) for i in range(12)]
    res = runner.invoke(app, ["inspect", str(_write(tmp_path / "wide.ndjson", docs))])
    assert res.exit_code == 0, res.output
    assert "format winlogbeat" in res.output and "nested object" not in res.stderr
