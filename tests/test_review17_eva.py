"""Entity evaluate on an attack capture; booleans in series channels and time columns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
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


def _metrics(n: int) -> pd.DataFrame:
    t = np.arange(n)
    return pd.DataFrame({
        "ts": (pd.Timestamp("2024-05-01") + pd.to_timedelta(t * 10, unit="s")).strftime("%Y-%m-%dT%H:%M:%S"),
        "cpu": 50 + 20 * np.sin(t / 6), "mem": 1000 + 100 * np.cos(t / 9)})


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hourglass import Pipeline
    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    out = tmp_path_factory.mktemp("series") / "model"
    Pipeline(TCNAutoEncoder(window=8, channels=(4,), epochs=1, verbose=0, random_state=0),
             features=TimeSeriesPreprocessor("ts")).fit(_metrics(200)).save(out)
    return out


def _rows_with_a_flag(n: int, at: int, value: Any) -> list[dict[str, Any]]:
    rows = _metrics(n).to_dict("records")
    rows = [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in rows]
    rows[at]["cpu"] = value
    return rows


@pytest.mark.parametrize("command", ["score", "stream"])
def test_a_boolean_series_channel_is_refused_in_the_cli(series: Path, tmp_path: Path,
                                                        command: str) -> None:
    data = tmp_path / "m.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in _rows_with_a_flag(30, 4, True)))
    args = [command, str(series), str(data), "-o", str(tmp_path / "s.csv")] if command == "score" \
        else [command, str(series), "--input", str(data)]
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.stderr
    assert ("m.jsonl: column 'cpu': expected numbers, found True (line 5)" if command == "score" else
            "m.jsonl: line 5: channel 'cpu': expected a number, got True") in res.stderr.splitlines()[0]


def test_a_boolean_series_channel_is_refused_by_the_service(series: Path) -> None:
    from tests._serve import AUTH, client_of

    with client_of(series) as client:
        res = client.post("/score", json={"rows": _rows_with_a_flag(30, 4, False)}, headers=AUTH)
        assert 400 <= res.status_code < 500, res.text
        assert "column 'cpu': expected numbers, found False (row 5)" in res.text
        assert client.post("/score", json={"rows": _rows_with_a_flag(30, 4, 1.0)},
                           headers=AUTH).status_code == 200


def test_a_boolean_timestamp_is_quoted_as_written(series: Path, entity: dict[str, Path],
                                                  tmp_path: Path) -> None:
    from hourglass._times import read_timestamps
    from hourglass.errors import InputError

    with pytest.raises(InputError, match=r"^column 't': row 1 is not a timestamp \(true\)"):
        read_timestamps(pd.Series([True, False]), "t")
    with pytest.raises(InputError, match=r"row 2 is not a timestamp \(false; the column holds epoch"):
        read_timestamps(pd.Series([1714521600, False, 1714521700, 1714521800], dtype=object), "t")
    rows = _rows_with_a_flag(30, 0, 1.0)
    rows[0]["ts"] = True
    data = tmp_path / "m.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(app, ["score", str(series), str(data), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 2 and "m.jsonl: column 'ts': line 1 is not a timestamp (true)" in res.stderr, \
        res.output
    assert "np.True_" not in res.stderr
    flows = pd.read_csv(entity["attacks"]).head(5)
    flows["ts"] = True
    flows.to_csv(tmp_path / "f.csv", index=False)
    res = runner.invoke(app, ["score", str(entity["model"]), str(tmp_path / "f.csv"),
                              "-o", str(tmp_path / "e.csv")])
    assert res.exit_code == 2 and "is not a timestamp (true)" in res.stderr, res.output
