"""The same model and the same data give the same scores, flags and severities on every path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass.cli import app
from hourglass.serve.app import create_app
from tests._cli import runner

KEY = "0123456789abcdef"


@pytest.fixture(scope="module")
def deeplog_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A DeepLog model trained on key-sequence sessions, and sessions to score (some odd ones)."""
    folder = tmp_path_factory.mktemp("jrn_logs")
    rng = np.random.default_rng(0)
    normal = [[1, 2, 3, 4, 5] * int(rng.integers(1, 3)) + [6] for _ in range(120)]
    train = folder / "train.txt"
    train.write_text("".join(" ".join(map(str, s)) + "\n" for s in normal))
    odd = [[1, 3, 2, 5, 4, 6], [6, 5, 4, 3, 2, 1], [1, 2, 3, 4, 5, 6], [1, 2, 9, 4, 5, 6]]
    test = folder / "test.txt"
    test.write_text("".join(" ".join(map(str, s)) + "\n" for s in normal[:6] + odd))
    model = folder / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--model", "deeplog",
                              "--format", "keys", "--epochs", "3", "-q"])
    assert res.exit_code == 0, res.output
    return {"model": model, "test": test, "folder": folder}


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_log_score_table_has_the_services_calibrated_and_severity(deeplog_model: dict[str, Path],
                                                                  ext: str) -> None:
    """A log model's score table holds each session's calibrated probability and severity, the
    values /score answers for the same sessions (the table had score and flag only)."""
    out = deeplog_model["folder"] / f"sessions.{ext}"
    res = runner.invoke(app, ["score", str(deeplog_model["model"]), str(deeplog_model["test"]),
                              "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out) if ext == "csv" else pd.read_parquet(out)
    assert list(table.columns) == ["session", "score", "flag", "calibrated", "severity", "n_events",
                                   "first_line"]
    sessions = [[int(k) for k in line.split()]
                for line in deeplog_model["test"].read_text().splitlines()]
    client = TestClient(create_app(deeplog_model["model"], api_key=KEY))
    answer = client.post("/score", json={"sessions": sessions}, headers={"X-API-Key": KEY})
    assert answer.status_code == 200, answer.text
    served = pd.DataFrame(answer.json()["sessions"])
    assert table["session"].astype(str).tolist() == served["session"].astype(str).tolist()
    np.testing.assert_allclose(table["score"], served["score"], rtol=1e-6)
    assert table["flag"].tolist() == served["flag"].tolist()
    np.testing.assert_allclose(table["calibrated"], served["calibrated"], rtol=1e-6)
    assert table["severity"].astype(str).tolist() == served["severity"].tolist()
    assert table["flag"].sum() >= 1


def test_log_alerts_carry_the_sessions_calibrated_and_severity(deeplog_model: dict[str, Path]) -> None:
    """A log model's JSON alerts ('score -o alerts.jsonl', and the SQLite table's documents)
    carry each flagged session's calibrated probability and severity, as the session table and
    /score give them (they had the raw score only)."""
    folder, model, test = deeplog_model["folder"], deeplog_model["model"], deeplog_model["test"]
    table_out, alerts_out = folder / "all.csv", folder / "alerts.jsonl"
    for out in (table_out, alerts_out):
        res = runner.invoke(app, ["score", str(model), str(test), "-o", str(out), "-q"])
        assert res.exit_code == 0, res.output
    table = pd.read_csv(table_out, dtype={"session": str})
    flagged = table[table["flag"] == 1].set_index("session")
    alerts = [json.loads(line) for line in alerts_out.read_text().splitlines()]
    assert [a["session"] for a in alerts] == flagged.index.tolist() and alerts
    for a in alerts:
        assert a["severity"] == flagged.loc[a["session"], "severity"]
        assert a["calibrated"] == pytest.approx(flagged.loc[a["session"], "calibrated"], rel=1e-9)
