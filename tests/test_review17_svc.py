"""The scoring service: what /score answers for the same events as ``hourglass score``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hourglass.cli import app as cli
from hourglass.serve.app import create_app

KEY = "test-key-0123456789abcdef"


def _k8s_event(i: int) -> dict[str, object]:
    resource = i % 3 != 0  # every third a non-resource request (/healthz): no objectRef
    event: dict[str, object] = {
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": f"id-{i}",
        "stage": "ResponseComplete", "verb": ["get", "list", "watch"][i % 3],
        "requestURI": f"/api/v1/namespaces/ns{i % 2}/pods?limit=500" if resource else "/healthz",
        "user": {"username": f"user{i % 4}", "groups": ["system:authenticated"]},
        "sourceIPs": [f"10.0.0.{i % 5}"], "userAgent": "kubectl/v1.29",
        "responseStatus": {"code": 200 if i % 7 else 403},
        "annotations": {"authorization.k8s.io/decision": "allow" if i % 7 else "forbid"},
        "requestReceivedTimestamp": f"2026-01-05T08:{i % 60:02d}:00.000000Z"}
    if resource:
        event["objectRef"] = {"resource": "pods", "namespace": f"ns{i % 2}", "apiVersion": "v1"}
    return event


def test_k8s_audit_events_score_as_hourglass_score_scores_them(tmp_path: Path) -> None:
    # the format's own reading of an event (objectRef present or not, annotations) comes before
    # its nested objects are flattened, as the file reader does: flattened first, a resource
    # request was read as a non-resource one and the authorization decision was lost
    train, test, model = tmp_path / "train.jsonl", tmp_path / "test.jsonl", tmp_path / "model"
    train.write_text("".join(json.dumps(_k8s_event(i)) + "\n" for i in range(120)))
    events = [_k8s_event(i) for i in range(500, 512)]
    test.write_text("".join(json.dumps(e) + "\n" for e in events))
    runner = CliRunner()
    result = runner.invoke(cli, ["train", str(train), "--format", "k8s-audit", "-o", str(model),
                                 "--epochs", "1"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "scores.csv"
    result = runner.invoke(cli, ["score", str(model), str(test), "-o", str(out)])
    assert result.exit_code == 0, result.output
    expected = pd.read_csv(out)["score"].tolist()
    with TestClient(create_app(model, api_key=KEY)) as client:
        answer = client.post("/score", json={"rows": events}, headers={"X-API-Key": KEY})
    assert answer.status_code == 200, answer.text
    assert answer.json()["scores"] == expected
