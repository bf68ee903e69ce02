"""Regression tests of defects found using the CLI as a user would: --keep lists, API pages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline
from hourglass.cli import app
from tests._cli import runner


def _flows(n: int, host: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"src_ip": [f"10.0.0.{i % 20}" for i in range(n)],
                         "bytes": rng.integers(100, 5000, n),
                         "host": [host or f"h{i % 3}" for i in range(n)]})


@pytest.fixture(scope="module")
def flows_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("left66a") / "m"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(_flows(200)).save(path)
    return path


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
@pytest.mark.parametrize("command", ["score", "explain"])
def test_keep_list_is_refused_before_scoring(tmp_path: Path, flows_model: Path, suffix: str,
                                             command: str) -> None:
    # What was wrong: '--keep src_ip,host' (a list where the CLI takes the option once a column) was
    # refused only once rows were scored: the scoring's warnings (a column's values unseen in
    # training) came first, and for JSON lines only after the whole file was scored.
    data = tmp_path / f"x.{suffix}"
    df = _flows(50, host="newhost")
    df.to_csv(data, index=False) if suffix == "csv" else df.to_json(data, orient="records", lines=True)
    out = tmp_path / "out.csv"
    res = runner.invoke(app, [command, str(flows_model), str(data), "-o", str(out), "--keep", "src_ip,host"])
    assert res.exit_code == 2, res.output
    assert res.output.strip().splitlines() == [
        f"error: --keep: no column 'src_ip,host' in {data}; give --keep once a column: "
        "--keep src_ip --keep host"], res.output
    assert not out.exists()


@pytest.mark.parametrize("indent", [None, 2])
def test_a_slurm_json_document_is_refused_with_its_recipe(tmp_path: Path, indent: int | None) -> None:
    # What was wrong: a Slurm 'sacct --json' document ({"meta", "errors", "warnings", "jobs"}) was
    # read as one row of its envelope (on one line) or told 'jq -c .' (pretty-printed), which gives
    # that one row again; it is refused with jq -c '.jobs[]', as the other API pages are.
    jobs = [{"job_id": 1000 + i, "user": "alice", "partition": "gpu", "nodes": "node01"} for i in range(5)]
    doc = {"jobs": jobs, "meta": {"command": ["sacct", "--json"]}, "errors": [], "warnings": []}
    data = tmp_path / "sacct.json"
    data.write_text(json.dumps(doc, indent=indent) + "\n")
    res = runner.invoke(app, ["inspect", str(data)])
    assert res.exit_code == 2, res.output
    assert "Slurm sacct --json or squeue --json document" in res.output
    assert "jq -c '.jobs[]'" in res.output and "jq -c .)" not in res.output
