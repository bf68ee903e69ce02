"""AWS CloudTrail: S3 files (``{"Records": [...]}``, gzip) and one-event-a-line exports, read
alike; ``eventTime`` the event time; per-call ids and the API-specific objects no features (and
no 'map keyed by values' warning for them); a model flags unusual IAM calls, and ``stream`` of
the same events as JSON lines gives the same scores."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from hourglass.cli import app
from hourglass.ingest.formats import get_format, sniff_format
from tests._cli import one_line_error, runner

FAST = ["--epochs", "20", "--hidden", "16,8", "--batch-size", "64", "--seed", "0", "-q"]


def _event(rng: np.random.Generator, i: int, attack: bool) -> dict[str, Any]:
    t = f"2026-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z"
    if attack:  # an IAM user from abroad creating users and keys, with a script's user agent
        name, source, ip, agent, who = str(rng.choice(["CreateUser", "CreateAccessKey", "StopLogging"])), \
            "iam.amazonaws.com", f"198.51.100.{rng.integers(1, 9)}", "python-requests/2.31", "backup-svc"
    else:
        name, source = [("GetObject", "s3.amazonaws.com"), ("DescribeInstances", "ec2.amazonaws.com"),
                        ("AssumeRole", "sts.amazonaws.com")][int(rng.integers(3))]
        ip, agent = f"10.0.{rng.integers(0, 3)}.{rng.integers(2, 250)}", "aws-sdk-java/1.12.500"
        who = str(rng.choice(["app-role", "ci-role"]))
    params = ({"userName": f"u{rng.integers(10**6)}"} if attack else
              {"bucketName": f"b{rng.integers(50)}", f"key{rng.integers(200)}": f"k/{rng.integers(10**9)}"})
    return {"eventVersion": "1.08",
            "userIdentity": {"type": "IAMUser" if attack else "AssumedRole",
                             "principalId": f"AROA123:{who}-{rng.integers(10**6)}",
                             "arn": f"arn:aws:sts::111122223333:assumed-role/{who}/s",
                             "accountId": "111122223333",
                             "accessKeyId": f"ASIA{rng.integers(10**12)}"},
            "eventTime": t, "eventSource": source, "eventName": name,
            "awsRegion": "ap-southeast-2" if attack else "us-east-1", "sourceIPAddress": ip,
            "userAgent": agent,
            "requestParameters": params, "responseElements": None, "requestID": f"{rng.integers(10**15):x}",
            "eventID": f"{rng.integers(10**15):x}", "readOnly": not attack, "eventType": "AwsApiCall",
            "recipientAccountId": "111122223333"}


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("cloudtrail")
    rng = np.random.default_rng(0)
    train = [_event(rng, i * 7, False) for i in range(1500)]
    labels = (np.arange(400) % 10 == 0).astype(int)
    test = [_event(rng, 20000 + i * 7, bool(a)) for i, a in enumerate(labels)]
    with gzip.open(d / "111122223333_CloudTrail_us-east-1_20260101T0000Z_abc.json.gz", "wt") as fh:
        json.dump({"Records": train}, fh)
    (d / "test.jsonl").write_text("".join(json.dumps(e) + "\n" for e in test))  # jq -c '.Records[]'
    with gzip.open(d / "test.json.gz", "wt") as fh:
        json.dump({"Records": test}, fh)
    return {"dir": d, "train": d / "111122223333_CloudTrail_us-east-1_20260101T0000Z_abc.json.gz",
            "labels": labels, "test": test}


def test_s3_files_and_event_lines_read_alike(kit: dict[str, Any]) -> None:
    for name in ("test.jsonl", "test.json.gz"):
        assert sniff_format(kit["dir"] / name).name == "cloudtrail", name
    a = get_format("cloudtrail").read(kit["dir"] / "test.json.gz")
    b = get_format("cloudtrail").read(kit["dir"] / "test.jsonl")
    assert len(a) == len(b) == 400
    assert set(a.columns) == set(b.columns) and "userIdentity.type" in a.columns
    pd.testing.assert_series_equal(a["eventName"], b["eventName"])


def test_ids_and_api_objects_are_no_features(kit: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        res = runner.invoke(app, ["inspect", str(kit["train"]), "--rows", "2000"])
    assert res.exit_code == 0, res.output
    assert "map keyed by values" not in res.output + caplog.text  # 200 requestParameters.key* columns
    table = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│")}
    for col in ("eventID", "requestID", "userIdentity.accessKeyId", "userIdentity.principalId"):
        assert "dropped" in table[col], col
    assert "hashed" in table["requestParameters.bucketName"]  # (an S3 call's bucket)
    assert "categorical" in table["eventName"] and "ip" in table["sourceIPAddress"]
    assert "timestamp column 'eventTime'" in res.stdout


def test_unusual_iam_calls_are_flagged_and_streamed_alike(kit: dict[str, Any]) -> None:
    model, out = kit["dir"] / "model", kit["dir"] / "scores.csv"
    res = runner.invoke(app, ["train", str(kit["train"]), *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(kit["dir"] / "test.json.gz"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(out)["score"].to_numpy()
    assert roc_auc_score(kit["labels"], scores) > 0.95
    res = runner.invoke(app, ["stream", str(model), "--all"], input=(kit["dir"] / "test.jsonl").read_text())
    assert res.exit_code == 0, res.output
    np.testing.assert_allclose([json.loads(x)["score"] for x in res.stdout.splitlines()], scores, rtol=1e-4)
    res = runner.invoke(app, ["stream", str(model), "--alert-format", "ecs"],
                        input=(kit["dir"] / "test.jsonl").read_text())
    doc = json.loads(res.stdout.splitlines()[0])
    event = kit["test"][doc["hourglass"]["row"]]
    assert doc["@timestamp"] == event["eventTime"].replace("Z", ".000Z")
    assert doc["source"]["ip"] == event["sourceIPAddress"]


def test_not_cloudtrail(tmp_path: Path) -> None:
    data = tmp_path / "ct.json"
    data.write_text('{"Records": {"eventName": "x"}}')  # no list: refused as such
    one_line_error(["train", str(data), "--format", "cloudtrail", "-o", str(tmp_path / "m")],
                   "line 1: 'Records' is no list (an object)", tmp_path / "m")
    data.write_text('{"Records": [{"eventName": "x"}, 7]}')
    one_line_error(["train", str(data), "--format", "cloudtrail", "-o", str(tmp_path / "m")],
                   "Records[1] is no JSON object", tmp_path / "m")
    data.write_text('{"Records": [{"a": 1}, {"a": 2}]}')
    one_line_error(["train", str(data), "--format", "cloudtrail", "-o", str(tmp_path / "m")],
                   "no 'eventTime' field; is this a CloudTrail log?", tmp_path / "m")
    data.write_text('{"Records": [')
    one_line_error(["train", str(data), "--format", "cloudtrail", "-o", str(tmp_path / "m")],
                   "not a CloudTrail file: not valid JSON", tmp_path / "m")
