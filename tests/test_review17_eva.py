"""Entity evaluate on an attack capture; booleans in series channels and time columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hourglass.cli import app
from hourglass.ingest.synthetic import port_scan_flows
from tests._cli import runner

FAST = ["--epochs", "5", "--hidden", "8,4", "-q"]


@pytest.fixture(scope="module")
def entity(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("ent")
    train, _ = port_scan_flows(days=1, scan_flows=0, seed=1)
    train["label"] = "normal"
    train.to_csv(d / "train.csv", index=False)
    test, scan = port_scan_flows(days=1, scan_flows=60, seed=2)
    test["label"] = ["scan" if v else "normal" for v in scan["is_scan"]]
    test[test["label"] == "scan"].to_csv(d / "attacks.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--entity-col", "src_ip",
                              "--timestamp-col", "ts", "--bucket", "5min", "--label-col", "label",
                              "--normal", "normal", "-o", str(d / "M"), *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M", "attacks": d / "attacks.csv"}


def test_entity_evaluate_takes_an_attack_capture(entity: dict[str, Path]) -> None:
    out = entity["dir"] / "m.json"
    res = runner.invoke(app, ["evaluate", str(entity["model"]), str(entity["attacks"]),
                              "--label-col", "label", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "no row has label in ['normal'] (values seen: scan): every row counts as an anomaly" \
        in res.stderr
    m = json.loads(out.read_text())
    assert m["n"] == m["n_anomalies"] == m["anomalous_buckets"] >= 1 and m["roc_auc"] is None
    assert m["tp"] + m["fn"] == m["n"]
    res = runner.invoke(app, ["evaluate", str(entity["model"]), str(entity["attacks"]),
                              "--label-col", "label", "--report", str(entity["dir"] / "r.html")])
    assert res.exit_code == 2 and "needs both normal and anomalous buckets" in res.stderr
    assert not (entity["dir"] / "r.html").exists()
    res = runner.invoke(app, ["evaluate", str(entity["model"]), str(entity["attacks"]),
                              "--label-col", "label", "--normal", "Scan"])
    assert res.exit_code == 2 and "give --normal scan" in res.stderr
