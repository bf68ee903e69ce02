"""Shared round trip of the event-line formats' tests (CEF, LEEF, key=value)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from hourglass.cli import app
from tests._cli import runner

FAST = ["--epochs", "20", "--hidden", "16,8", "--batch-size", "64", "--seed", "0", "-q"]


def train_score_stream(train: Path, test: Path, labels: np.ndarray, out: Path) -> dict[str, Any]:
    """Train on ``train``, score ``test`` (ROC-AUC > 0.95 against ``labels``), stream ``test``'s
    lines (the same scores, line for line) and return the first ECS alert streamed."""
    model = out / "model"
    res = runner.invoke(app, ["train", str(train), *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(test), "-o", str(out / "scores.csv")])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(out / "scores.csv")["score"].to_numpy()
    assert roc_auc_score(labels, scores) > 0.95
    res = runner.invoke(app, ["stream", str(model), "--all"], input=test.read_text())
    assert res.exit_code == 0, res.output
    np.testing.assert_allclose([json.loads(x)["score"] for x in res.stdout.splitlines()], scores, rtol=1e-4)
    res = runner.invoke(app, ["stream", str(model), "--alert-format", "ecs"], input=test.read_text())
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = json.loads(res.stdout.splitlines()[0])
    return doc


def cloudtrail_record(i: int) -> dict[str, Any]:
    """The ``i``-th of a run of small CloudTrail records (S3 calls of one IAM user)."""
    return {"eventVersion": "1.08", "eventTime": f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "eventSource": "s3.amazonaws.com", "eventName": ("GetObject", "PutObject", "ListBuckets")[i % 3],
            "awsRegion": "us-east-1", "sourceIPAddress": f"10.0.0.{i % 5}", "userAgent": "aws-cli",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/a", "accountId": "1"},
            "eventID": f"e{i}", "readOnly": i % 2 == 0, "eventType": "AwsApiCall",
            "recipientAccountId": "1"}


def cloudtrail_model(d: Path) -> Path:
    """A table model trained (2 epochs, seed 0) on 200 :func:`cloudtrail_record` lines in ``d``."""
    train = d / "train.jsonl"
    train.write_text("".join(json.dumps(cloudtrail_record(i)) + "\n" for i in range(200)))
    res = runner.invoke(app, ["train", str(train), "-o", str(d / "model"), "--epochs", "2", "--seed", "0"])
    assert res.exit_code == 0, res.output
    return d / "model"
