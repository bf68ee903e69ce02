"""Entity-bucket models on Windows events, as a threat hunter runs them: the format's column
roles, event fields absent from a file, rows without an entity or a time, too few buckets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.entity import EntityWindows
from tests._cli import one_line_error, runner

FAST = ["--epochs", "5", "--hidden", "8,4"]


def _events(n_minutes: int, seed: int, *, sysmon: bool = True) -> list[dict]:
    """Flat Windows events (OTRF-like JSON) of 4 hosts, one every 2-4 s: logons (4624, with a
    LogonType code) and, with ``sysmon``, process creations (Sysmon 1, with an Image)."""
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2024-03-01T10:00:00Z")
    rows, t, record = [], 0.0, 1000
    while t < n_minutes * 60:
        host = f"WS{int(rng.integers(4))}.corp.local"
        when = (t0 + pd.Timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        record += 1
        if sysmon and rng.random() < 0.5:
            rows.append({"@timestamp": when, "Hostname": host, "EventID": 1, "RecordNumber": record,
                         "Channel": "Microsoft-Windows-Sysmon/Operational", "Task": 1,
                         "ProcessId": str(int(rng.integers(100, 9000))),
                         "Image": str(rng.choice(["C:\\Windows\\System32\\svchost.exe",
                                                  "C:\\Windows\\explorer.exe"]))})
        else:
            rows.append({"@timestamp": when, "Hostname": host, "EventID": 4624, "RecordNumber": record,
                         "Channel": "Security", "Task": 12544, "LogonType": int(rng.choice([2, 3, 5])),
                         "TargetUserName": str(rng.choice(["alice", "bob", "SYSTEM"]))})
        t += float(rng.uniform(2, 4))
    return rows


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("entity_windows")
    train = _write(d / "train.jsonl", _events(240, seed=1))
    model = d / "M"
    res = runner.invoke(app, ["train", str(train), "--entity-col", "Hostname", "--timestamp-col",
                              "@timestamp", "--bucket", "1min", "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "train": train, "model": model}


def test_windows_fields_get_the_formats_roles(files: dict[str, Path]) -> None:
    config = json.loads((files["model"] / "config.json").read_text())
    feats = config["features"]
    # record numbers and process ids identify, they do not measure; event ids, tasks and logon
    # types are codes: distinct counts, not sums
    assert "RecordNumber" not in feats["numeric"] + feats["categorical"]
    assert "ProcessId" not in feats["numeric"] + feats["categorical"]
    assert {"EventID", "Task", "LogonType", "Image", "TargetUserName"} <= set(feats["categorical"])
    assert feats["numeric"] == []
    assert config["info"]["dataset"] == "windows-json"


def test_a_file_without_some_event_types_is_scored(files: dict[str, Path]) -> None:
    """A file with only logons has no Image field at all: missing values, as for row models."""
    logons = _write(files["dir"] / "logons.jsonl", _events(20, seed=2, sysmon=False))
    assert "Image" not in pd.read_json(logons, lines=True).columns
    for command in ("score", "explain"):
        out = files["dir"] / f"{command}.jsonl"
        res = runner.invoke(app, [command, str(files["model"]), str(logons), "-o", str(out)])
        assert res.exit_code == 0, res.output
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(rows) > 0 and {r["entity"] for r in rows} <= {f"WS{i}.corp.local" for i in range(4)}
    res = runner.invoke(app, ["train", str(logons), "--warm-start", str(files["model"]), "-o",
                              str(files["dir"] / "M2"), "--epochs", "2"])
    assert res.exit_code == 0, res.output
    assert "rows to train on" in res.stderr and "use more data (--replay-data adds old buckets)" in res.stderr


def test_a_plain_json_lines_model_still_needs_its_columns(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "Channel"} for r in _events(200, seed=3)]
    train = _write(tmp_path / "t.jsonl", rows)  # no Channel: not sniffed as Windows events
    model = tmp_path / "M"
    # (Task beside EventID is a code, counted; as a number, summed, it is a column the model needs)
    res = runner.invoke(app, ["train", str(train), "--entity-col", "Hostname", "--timestamp-col",
                              "@timestamp", "--bucket", "1min", "--role", "Task=numeric", "-o", str(model),
                              *FAST])
    assert res.exit_code == 0, res.output
    # ProcessId and Image, missing in the logons of training (optional_fields), are missing in
    # every row of a file of logons alone, as stream takes it; Task, in every training row, is needed
    logons = _write(tmp_path / "l.jsonl", [{k: v for k, v in r.items() if k != "Channel"}
                                           for r in _events(20, seed=2, sysmon=False)])
    res = runner.invoke(app, ["score", str(model), str(logons), "-o", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 0, res.output
    no_task = _write(tmp_path / "n.jsonl", [{k: v for k, v in r.items() if k not in ("Channel", "Task")}
                                            for r in _events(20, seed=2, sysmon=False)])
    one_line_error(["score", str(model), str(no_task), "-o", str(tmp_path / "p.jsonl")],
                   "column(s) the model needs are missing: Task", tmp_path / "p.jsonl")


def test_role_sets_an_inferred_columns_role(tmp_path: Path, files: dict[str, Path]) -> None:
    model = tmp_path / "M"
    res = runner.invoke(app, ["train", str(files["train"]), "--entity-col", "Hostname",
                              "--timestamp-col", "@timestamp", "--bucket", "1min", "--role",
                              "LogonType=numeric", "--role", "Image=drop", "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    feats = json.loads((model / "config.json").read_text())["features"]
    assert feats["numeric"] == ["LogonType"] and "Image" not in feats["categorical"]
    for role, match in (("LogonType=hash", "an entity model's roles are numeric, categorical, drop"),
                        ("Logontype=drop", "no column 'Logontype' in the data"),
                        ("Hostname=drop", "'Hostname' is the entity or timestamp column")):
        one_line_error(["train", str(files["train"]), "--entity-col", "Hostname", "--timestamp-col",
                        "@timestamp", "--role", role, "-o", str(tmp_path / "N"), *FAST],
                       f"--role {role}: {match}", tmp_path / "N")
    one_line_error(["train", str(files["train"]), "--entity-col", "Hostname", "--timestamp-col",
                    "@timestamp", "--role", "Image=drop", "--distinct", "EventID", "-o",
                    str(tmp_path / "N"), *FAST], "--role: sets the roles of inferred columns", tmp_path / "N")


def test_entity_windows_roles_override_inference() -> None:
    df = pd.DataFrame({"host": ["a", "b"] * 20, "ts": np.arange(40) * 10.0,
                       "LogonType": [2, 3] * 20, "bytes": np.arange(40.0), "Status": [0, 1] * 20,
                       "QueryStatus": [0, 9] * 20, "tcp_flags": [2, 18] * 20, "n": np.arange(40.0)})
    ew = EntityWindows("host", "ts", roles={"bytes": "categorical", "Status": "drop"}).fit(df)
    assert ew.numeric_ == ["n"]  # *Type, *Status, *Flags: codes
    assert ew.categorical_ == ["LogonType", "bytes", "QueryStatus", "tcp_flags"]
    assert EntityWindows("host", "ts", roles={"LogonType": "numeric"}).fit(df).numeric_[0] == "LogonType"
    with pytest.raises(InputError, match="roles: column 'bytes': expected one of numeric, categorical"):
        EntityWindows("host", "ts", roles={"bytes": "ip"}).fit(df)


def test_rows_without_a_time_or_an_entity(tmp_path: Path, files: dict[str, Path]) -> None:
    rows = _events(30, seed=4)
    rows[6]["@timestamp"] = None
    bad = _write(tmp_path / "nots.jsonl", rows)
    one_line_error(["score", str(files["model"]), str(bad), "-o", str(tmp_path / "o.jsonl")],
                   "column '@timestamp': line 7 has no time (missing); every row needs one",
                   tmp_path / "o.jsonl")
    no_col = _write(tmp_path / "nocol.jsonl", [{k: v for k, v in r.items() if k != "@timestamp"}
                                               for r in _events(5, seed=4)])
    one_line_error(["score", str(files["model"]), str(no_col), "-o", str(tmp_path / "o.jsonl")],
                   "no column '@timestamp' in the data: the model's timestamp column", tmp_path / "o.jsonl")
    rows = _events(30, seed=4)
    for r in rows[::4]:
        del r["Hostname"]
    some = _write(tmp_path / "noent.jsonl", rows)
    out = tmp_path / "s.jsonl"
    res = runner.invoke(app, ["score", str(files["model"]), str(some), "-o", str(out)])
    assert res.exit_code == 0, res.output
    n = len(rows[::4])
    assert f"{n} of {len(rows)} rows" in res.stderr and "no 'Hostname' value" in res.stderr
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    assert sum(r["rows"] for r in scored if r["entity"] == "<missing>") == n


def test_too_few_buckets_is_a_warning(tmp_path: Path, files: dict[str, Path]) -> None:
    res = runner.invoke(app, ["train", str(files["train"]), "--entity-col", "Hostname",
                              "--timestamp-col", "@timestamp", "--bucket", "1h", "-o",
                              str(tmp_path / "M"), *FAST])
    assert res.exit_code == 0, res.output
    # the rows' time span, not the buckets'
    assert "only 16 (entity, 1h bucket) rows to train on (4 entities over 3 h 59 min)" in res.stderr
    assert "use a shorter --bucket" in res.stderr
    assert "rows to train on" not in runner.invoke(app, [
        "train", str(files["train"]), "--entity-col", "Hostname", "--timestamp-col", "@timestamp",
        "--bucket", "1min", "-o", str(tmp_path / "N"), *FAST]).stderr


def test_a_time_of_day_without_a_date_is_refused(tmp_path: Path) -> None:
    """A log's structured CSV (loghub: Date, Day, Time columns): pandas would date '06:55:46'
    today, so buckets would carry the day the command ran and other days' rows would merge."""
    data = tmp_path / "ssh.csv"
    pd.DataFrame({"Day": [10] * 4, "Time": ["06:55:46", "06:55:47", "23:59:59", "00:00:01"],
                  "Pid": [1, 1, 2, 2], "EventId": ["E1", "E2", "E1", "E3"]}).to_csv(data, index=False)
    one_line_error(["train", str(data), "--entity-col", "Pid", "--timestamp-col", "Time", "-o",
                    str(tmp_path / "M"), *FAST],
                   "column 'Time': line 2 ('06:55:46') is a time of day without a date", tmp_path / "M")


def test_rows_without_an_entity_stream_and_serve_as_score_groups_them(
        tmp_path: Path, files: dict[str, Path]) -> None:
    """A per-user model over Windows events: many events name no user. score, stream and serve
    all group them as the entity '<missing>' (stream used to stop at the first such line)."""
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    rows = _events(30, seed=5)
    for r in rows[1::3]:
        r.pop("Hostname")
    data = _write(tmp_path / "some.jsonl", rows)
    out = tmp_path / "s.jsonl"
    assert runner.invoke(app, ["score", str(files["model"]), str(data), "-o", str(out)]).exit_code == 0
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    res = runner.invoke(app, ["stream", str(files["model"]), "--all"], input=data.read_text())
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines()]
    key = lambda r: (r["entity"], r["bucket_start"], r["rows"])  # noqa: E731
    assert sorted(map(key, streamed)) == sorted(map(key, scored))
    assert any(r["entity"] == "<missing>" for r in streamed)
    assert f"{len(rows[1::3])} row(s) without a 'Hostname' value scored as the entity '<missing>'" \
        in res.stderr
    client = TestClient(create_app(files["model"], api_key="k" * 32))
    answer = client.post("/score", json={"rows": rows}, headers={"X-API-Key": "k" * 32})
    assert answer.status_code == 200, answer.text
    assert sorted(map(key, answer.json()["buckets"])) == sorted(map(key, scored))


def test_inspect_previews_what_an_entity_model_aggregates(tmp_path: Path, files: dict[str, Path]) -> None:
    report = tmp_path / "i.json"
    res = runner.invoke(app, ["inspect", str(files["train"]), "--entity-col", "Hostname",
                              "--timestamp-col", "@timestamp", "--bucket", "1min", "--json", str(report)])
    assert res.exit_code == 0, res.output
    assert "(Hostname, 1min bucket) rows of 4 entities" in res.stdout
    got = json.loads(report.read_text())
    roles = {c["column"]: (c["role"], c["why"]) for c in got["columns"]}
    assert roles["RecordNumber"][0] == "-" and roles["EventID"] == ("categorical", "the format's role")
    assert roles["LogonType"][0] == "categorical" and roles["Hostname"][0] == "entity"
    model = json.loads((files["model"] / "config.json").read_text())["features"]
    assert got["n_features"] == len(model["feature_names"])  # what train built
    assert 900 < got["buckets"] <= 4 * 240  # 4 hosts, 240 minutes, an event every 2-4 s
    # without --timestamp-col: the format's own event time ('timestamp', the .evtx name) is not
    # in the data, its @timestamp is, and the buckets are cut on it, as a table model takes it
    res = runner.invoke(app, ["inspect", str(files["train"]), "--entity-col", "Hostname",
                              "--bucket", "1min"])
    assert res.exit_code == 0, res.output
    assert "(Hostname, 1min bucket) rows of 4 entities" in res.stdout
    one_line_error(["inspect", str(files["train"]), "--distinct", "EventID"],
                   "--aggregate/--distinct: only with --entity-col")
