"""Windows events carry only their own fields: a model trained on them scores a file, a stream
or a request in which a field is absent, reading it as missing (as ``null`` is read)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.errors import InputError
from tests._cli import one_line_error

runner = CliRunner()
SYSMON = ("Image", "CommandLine", "ParentImage")


def _event(i: int, *, sysmon: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"@timestamp": f"2020-10-18T19:50:{i % 60:02d}.000Z", "Hostname": "WS1",
                           "RecordNumber": 1000 + i, "tags": ["mordor", f"t{i % 2}"]}
    if sysmon:
        row.update(EventID=[1, 10][i % 2], Channel="Microsoft-Windows-Sysmon/Operational",
                   Image=["C:\\Windows\\System32\\cmd.exe", "C:\\Windows\\explorer.exe"][i % 2],
                   CommandLine=f"cmd.exe /c echo {i % 4}", ParentImage="C:\\Windows\\explorer.exe")
    else:
        row.update(EventID=[4624, 4688][i % 2], Channel="Security", LogonType=2 + i % 3)
    return row


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt") as fh:
        fh.write("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("win")
    rows = [_event(i, sysmon=i % 3 == 0) for i in range(240)]
    data = _write(d / "train.json.gz", rows)
    res = runner.invoke(app, ["train", str(data), "-o", str(d / "m"), "--epochs", "2", "-q"])
    assert res.exit_code == 0, res.output
    return d / "m"


def test_a_file_without_some_event_types_scores_as_if_their_fields_were_null(
        model: Path, tmp_path: Path) -> None:
    security = [_event(i, sysmon=False) for i in range(30)]
    absent = _write(tmp_path / "security.jsonl", security)  # no Image, CommandLine... at all
    null = _write(tmp_path / "security_null.jsonl", [{**r, **dict.fromkeys(SYSMON)} for r in security])
    for name, data in (("absent", absent), ("null", null)):
        res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / f"{name}.csv"),
                                  "--format", "windows-json", "-q"])
        assert res.exit_code == 0, res.output
    a, b = pd.read_csv(tmp_path / "absent.csv"), pd.read_csv(tmp_path / "null.csv")
    assert len(a) == 30 and np.array_equal(a.score.to_numpy(), b.score.to_numpy())
    res = runner.invoke(app, ["explain", str(model), str(absent), "--format", "windows-json",
                              "--all", "-o", str(tmp_path / "why.csv"), "-q"])
    assert res.exit_code == 0, res.output
    assert "=?" not in " ".join(pd.read_csv(tmp_path / "why.csv")["why"])


def test_data_with_none_of_the_model_fields_is_still_refused(model: Path, tmp_path: Path) -> None:
    other = tmp_path / "flows.csv"
    other.write_text("bytes,proto\n10,tcp\n")
    one_line_error(["score", str(model), str(other), "-o", str(tmp_path / "s.csv")],
                   "column(s) the model needs are missing", tmp_path / "s.csv")


def test_stream_reads_sparse_nested_events_as_score_reads_the_file(model: Path, tmp_path: Path) -> None:
    rows = [_event(i, sysmon=i % 2 == 0) for i in range(40)]
    data = _write(tmp_path / "live.jsonl", rows)
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.csv"), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stream", str(model), "--input", str(data), "--all", "--keep", "LogonType",
                              "--keep", "tags", "-o", str(tmp_path / "a.jsonl"), "--batch", "40"])
    assert res.exit_code == 0, res.output
    alerts = pd.DataFrame([json.loads(ln) for ln in (tmp_path / "a.jsonl").read_text().splitlines()])
    assert np.array_equal(alerts.score.to_numpy(), pd.read_csv(tmp_path / "s.csv").score.to_numpy())
    assert alerts.LogonType.isna().sum() == 20 and alerts.tags[0] == ["mordor", "t0"]  # kept as sent
    foreign = _write(tmp_path / "x.jsonl", [{"foo": 1}])
    res = runner.invoke(app, ["stream", str(model), "--input", str(foreign)])
    assert res.exit_code == 2 and "line 1: none of the model's columns" in res.stderr.splitlines()[0]


def test_scorer_takes_rows_without_the_fields_of_other_event_types(model: Path) -> None:
    from hourglass.serve import TableScorer

    scorer = TableScorer(model)
    assert scorer.sparse_fields and "left out is a missing value" in scorer.describe()["request"]
    rows = [{"EventID": 4624, "Channel": "Security", "Hostname": "WS1", "LogonType": 2},
            {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Hostname": "WS1",
             "Image": "C:\\Windows\\System32\\cmd.exe"}]
    nulls = [{c: r.get(c) for c in scorer.columns} for r in rows]
    assert scorer.score(rows)["scores"] == scorer.score(nulls)["scores"]
    with pytest.raises(InputError, match="row 2: none of the model's columns"):
        scorer.score([rows[0], {"src_ip": "10.0.0.1"}])


def test_the_service_reads_nested_values_as_score_reads_the_file(model: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    rows = [_event(i, sysmon=i % 2 == 0) for i in range(20)]  # 'tags' is an array in every row
    data = _write(tmp_path / "live.jsonl", rows)
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.csv"), "-q"])
    assert res.exit_code == 0, res.output
    key = "k" * 32
    with TestClient(create_app(model, api_key=key)) as client:
        r = client.post("/score", json={"rows": rows}, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    np.testing.assert_allclose(r.json()["scores"], pd.read_csv(tmp_path / "s.csv").score.to_numpy(),
                               rtol=1e-5)
