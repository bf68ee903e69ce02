"""README examples that did not work as written (review of the user documentation): each test runs
the README's own text on small generated data."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _readme_command(start: str) -> list[str]:
    """The README command line beginning with ``start`` (continuation lines joined, comment cut)."""
    text = README.replace("\\\n", " ")
    line = next(ln for ln in text.splitlines() if ln.startswith(start))
    return shlex.split(line.split("#", 1)[0])[1:]  # without 'hourglass'


def _flows(n: int, seed: int, scan: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "ts": 1_704_067_200 + np.arange(n) * 3.0,
        "src_ip": [f"10.0.0.{i}" for i in rng.integers(1, 5, n)],
        "dst_port": rng.choice([80, 443, 53], n),
        "bytes": rng.lognormal(6, 1, n).round(),
        "label": "normal",
    })
    if scan:  # a port scan of one host, labelled
        df.loc[df.index[-40:], ["src_ip", "label"]] = ["10.0.0.9", "scan"]
        df.loc[df.index[-40:], "dst_port"] = np.arange(1000, 1040)
    return df


def test_the_entity_example_trains_the_label_it_evaluates(tmp_path: Path) -> None:
    # README, entity features: 'hourglass train flows.csv --entity-col src_ip ...' then 'hourglass
    # evaluate m/ test.csv --label-col label ...'; on the README's flows.csv (it has a label
    # column) the train line made 'label' an aggregated feature and evaluate refused the model
    _flows(1200, 0, scan=False).to_csv(tmp_path / "flows.csv", index=False)
    _flows(600, 1, scan=True).to_csv(tmp_path / "test.csv", index=False)
    paths = {"flows.csv": tmp_path / "flows.csv", "test.csv": tmp_path / "test.csv",
             "m/": tmp_path / "m", "m.json": tmp_path / "m.json"}
    train = [str(paths.get(a, a)) for a in
             _readme_command("hourglass train flows.csv --label-col label --normal normal --entity-col")]
    res = runner.invoke(app, [*train, "--epochs", "2", "-q"])
    assert res.exit_code == 0, res.output
    assert "looks like a label" not in res.stderr, res.stderr
    evaluate = [str(paths.get(a, a)) for a in _readme_command("hourglass evaluate m/ test.csv --label-col")]
    res = runner.invoke(app, [*evaluate, "-q"])
    assert res.exit_code == 0, res.output
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["per_class"]["scan"]["n"] >= 1


def test_the_entity_col_help_names_a_format_s_own_time() -> None:
    # 'train --help' said --entity-col 'needs --timestamp-col'; a format with its own event time
    # (auditd, cef ...) cuts the buckets without it, as the README says
    res = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "400"})
    assert res.exit_code == 0
    help_text = " ".join(res.output.split())
    assert "needs --timestamp-col, unless the data's format names its own event time" in help_text


def test_the_readme_says_numbers_are_read_in_the_unit_their_size_gives() -> None:
    # README, Errors said 'Numeric timestamps are epoch seconds everywhere', against its own
    # 'Use it' section and the code (epoch milliseconds are read as milliseconds)
    from hourglass._times import parse_timestamps

    assert "epoch\nseconds everywhere" not in README and "epoch seconds everywhere" not in README
    s = parse_timestamps(pd.Series([1_704_067_200, 1_704_067_260]), "ts")
    ms = parse_timestamps(pd.Series([1_704_067_200_000, 1_704_067_260_000]), "ts")
    assert list(s) == list(ms)


def test_the_ecs_log_curl_body_scores_a_session(tmp_path: Path) -> None:
    # README, Alerts into a SIEM: the curl for a log model sent '...PacketResponder: ...', a line
    # without a block id, and the service answered 422 'no sessions found'
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    lines = []
    for b in range(60):
        blk = f"blk_{1000 + b}"
        lines += [f"081109 2036{b % 60:02d} 148 INFO dfs.DataNode$DataXceiver: Receiving block {blk} src: "
                  f"/10.0.0.1:5410 dest: /10.0.0.1:50010",
                  f"081109 2036{b % 60:02d} 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for "
                  f"block {blk} terminating"]
    (tmp_path / "hdfs.log").write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["train", str(tmp_path / "hdfs.log"), "--format", "hdfs", "--session-regex",
                              r"blk_-?\d+", "--model", "deeplog", "--epochs", "2", "-o",
                              str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    section = README.split("### Alerts into a SIEM", 1)[1].split("### Alerts in a SQLite file", 1)[0]
    body = re.search(r"-d '(\{\"lines\".*?\})' ", section)
    assert body is not None
    key = "k" * 32
    with TestClient(create_app(tmp_path / "m", api_key=key)) as client:
        r = client.post("/score", content=body.group(1),
                        headers={"X-API-Key": key, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["sessions"] == 1
