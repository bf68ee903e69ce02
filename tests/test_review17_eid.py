"""Entity models read a CSV's entity ids as written: '1', '01' and '1.0' were one entity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app

runner = CliRunner()
IDS = ["1", "01", "7.0", "7", " 9", "9", "12"]
NAMES = ["web-1", "db-01", " db-01", "mail"]


def _csv(path: Path, ids: list[str], seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    rows = []
    for b in range(3):
        for e in ids:
            for k in range(4):
                rows.append(f"{e},2026-01-01 {10 + b:02d}:{k:02d}:00,{int(rng.integers(1, 100))}")
    path.write_text("host,ts,bytes\n" + "\n".join(rows) + "\n")
    return path


def _train(data: Path, out: Path) -> None:
    res = runner.invoke(app, ["train", str(data), "--entity-col", "host", "--timestamp-col", "ts",
                              "--bucket", "1h", "-o", str(out), "--epochs", "1", "--hidden", "4,2",
                              "-q"])
    assert res.exit_code == 0, res.output


def _scored(model: Path, data: Path, out: Path) -> list[dict]:
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_csv_entity_ids_are_read_as_written(tmp_path: Path) -> None:
    data = _csv(tmp_path / "d.csv", IDS)
    _train(data, tmp_path / "m")
    rows = _scored(tmp_path / "m", data, tmp_path / "s.jsonl")
    # '01' stays '01'; '7.0' is '7' and ' 9' is '9' (as JSON lines and Parquet name them)
    assert sorted({r["entity"] for r in rows}) == sorted({"1", "01", "7", "9", "12"})
    assert len(rows) == 5 * 3
    # the same rows as JSON lines name the same buckets
    df = pd.read_csv(data, dtype=str, keep_default_na=False)
    df["host"] = df["host"].str.strip().replace({"7.0": "7"})
    df.to_json(tmp_path / "d.jsonl", orient="records", lines=True)
    js = _scored(tmp_path / "m", tmp_path / "d.jsonl", tmp_path / "j.jsonl")
    assert [(r["entity"], r["bucket_start"]) for r in js] == [(r["entity"], r["bucket_start"]) for r in rows]
    assert [r["score"] for r in js] == [r["score"] for r in rows]
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "--input", str(tmp_path / "d.jsonl"), "--all",
                              "-q"])
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert sorted((r["entity"], r["bucket_start"]) for r in streamed) == \
        sorted((r["entity"], r["bucket_start"]) for r in rows)


def _entities(model: Path) -> int:
    return int(json.loads((model / "config.json").read_text())["info"]["entity"]["entities"])


def test_every_entity_command_reads_the_ids_as_written(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    data = _csv(tmp_path / "d.csv", IDS)
    _train(data, tmp_path / "m")
    assert _entities(tmp_path / "m") == 5
    whole = _scored(tmp_path / "m", data, tmp_path / "s.jsonl")
    import hourglass.cli.entity as entity_cli

    monkeypatch.setattr(entity_cli, "SCORE_CHUNK_BYTES", 256)
    chunked = _scored(tmp_path / "m", data, tmp_path / "c.jsonl")  # read in chunks
    assert [(r["entity"], r["bucket_start"], r["score"]) for r in chunked] == \
        [(r["entity"], r["bucket_start"], r["score"]) for r in whole]
    why = tmp_path / "why.jsonl"
    res = runner.invoke(app, ["explain", str(tmp_path / "m"), str(data), "-o", str(why), "--all",
                              "--limit", "0"])
    assert res.exit_code == 0, res.output
    assert {json.loads(line)["entity"] for line in why.read_text().splitlines()} == \
        {"1", "01", "7", "9", "12"}
    labelled = tmp_path / "l.csv"
    lines = data.read_text().splitlines()
    labelled.write_text("\n".join([lines[0] + ",label", *(f"{x},normal" for x in lines[1:])]) + "\n")
    metrics = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", str(tmp_path / "m"), str(labelled), "--label-col", "label",
                              "--normal", "normal", "--json", str(metrics)])
    assert res.exit_code == 0, res.output
    assert json.loads(metrics.read_text())["buckets"] == 15
    res = runner.invoke(app, ["inspect", str(data), "--entity-col", "host", "--timestamp-col", "ts",
                              "--bucket", "1h"])
    assert res.exit_code == 0 and "15 (host, 1h bucket) rows of 5 entities" in res.output, res.output
    res = runner.invoke(app, ["train", str(data), "--warm-start", str(tmp_path / "m"), "-o",
                              str(tmp_path / "m2"), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert _entities(tmp_path / "m2") == 5


def test_names_are_read_as_before(tmp_path: Path) -> None:
    data = _csv(tmp_path / "n.csv", NAMES)
    _train(data, tmp_path / "m")
    rows = _scored(tmp_path / "m", data, tmp_path / "s.jsonl")
    assert sorted({r["entity"] for r in rows}) == ["db-01", "mail", "web-1"]
