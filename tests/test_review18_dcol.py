"""A numeric column that training dropped (constant, near-duplicate) is not required to score."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import Pipeline, load
from hourglass.cli import app
from hourglass.detectors import AutoEncoder
from hourglass.errors import InputError
from hourglass.features.tabular import TabularPreprocessor

runner = CliRunner()


def _flows(n: int = 200, seed: int = 0) -> pd.DataFrame:
    r = np.random.default_rng(seed)
    a = r.normal(size=n)
    # b: a near-duplicate of a; k: constant; m: constant but for missing values (its indicator kept)
    m = np.where(np.arange(n) % 10 == 0, np.nan, 3.0)
    return pd.DataFrame({"a": a, "b": 2 * a + 1e-9 * r.normal(size=n), "c": r.normal(size=n),
                         "k": 5.0, "m": m, "p": r.choice(["tcp", "udp"], n)})


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dcol") / "m"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(_flows()).save(out)
    return out


def test_preprocessor_needs_only_the_columns_it_reads() -> None:
    pre = TabularPreprocessor().fit(_flows())
    assert pre.constant_ == ["k", "m"] and "b" in pre.duplicates_
    assert pre.columns_ == ["a", "c", "m", "p"]  # m feeds its missing indicator
    new = _flows(30, seed=1)
    assert np.array_equal(pre.transform(new.drop(columns=["b", "k"])), pre.transform(new))
    big = _flows(2000, seed=1)  # the general (not small-batch) road too
    assert np.array_equal(pre.transform(big.drop(columns=["b", "k"])), pre.transform(big))
    with pytest.raises(InputError, match="column\\(s\\) the model needs are missing: m"):
        pre.transform(new.drop(columns=["b", "k", "m"]))
    with pytest.raises(InputError, match="column\\(s\\) the model needs are missing: c"):
        pre.transform(big.drop(columns=["c"]))
    # the model card still tells what became of the dropped columns
    notes = {d["column"]: d["note"] for d in pre.describe()}
    assert notes["b"].startswith("dropped: near-duplicate of a")
    assert notes["k"].startswith("dropped: constant")


def test_state_saved_with_dropped_columns_loads_and_scores_as_before() -> None:
    pre = TabularPreprocessor().fit(_flows())
    d = pre.to_dict()
    assert d["columns"] == ["a", "c", "m", "p"]
    d["columns"] = ["a", "b", "c", "k", "m", "p"]  # as models were saved before
    old = TabularPreprocessor.from_dict(json.loads(json.dumps(d)))
    assert old.columns_ == ["a", "c", "m", "p"]
    new = _flows(30, seed=2)
    assert np.array_equal(old.transform(new), pre.transform(new))
    assert np.array_equal(old.transform(new.drop(columns=["b", "k"])), pre.transform(new))


def test_pipeline_score_without_dropped_columns(model: Path) -> None:
    pipe = load(model)
    new = _flows(40, seed=3)
    assert np.array_equal(pipe.score(new.drop(columns=["b", "k"])), pipe.score(new))
    with pytest.raises(InputError, match="the model needs are missing: a"):
        pipe.score(new.drop(columns=["a"]))
    cfg = json.loads((model / "config.json").read_text())
    assert cfg["schema"]["columns"] == ["a", "c", "m", "p"]


def test_cli_score_and_stream_without_dropped_columns(model: Path, tmp_path: Path) -> None:
    new = _flows(40, seed=4)
    full, part = tmp_path / "full.csv", tmp_path / "part.csv"
    new.to_csv(full, index=False)
    new.drop(columns=["b", "k"]).to_csv(part, index=False)
    lines = tmp_path / "part.jsonl"
    new.drop(columns=["b", "k"]).to_json(lines, orient="records", lines=True)
    outs = {}
    for name, src in (("full", full), ("part", part), ("lines", lines)):
        res = runner.invoke(app, ["score", str(model), str(src), "-o", str(tmp_path / f"{name}.out.csv")])
        assert res.exit_code == 0, res.output
        outs[name] = pd.read_csv(tmp_path / f"{name}.out.csv")["score"].to_numpy()
    assert np.allclose(outs["part"], outs["full"]) and np.allclose(outs["lines"], outs["full"])
    new.drop(columns=["a"]).to_csv(tmp_path / "noa.csv", index=False)
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "noa.csv"), "-o", str(tmp_path / "x.csv")])
    assert res.exit_code != 0 and "the model needs are missing: a" in res.output
    res = runner.invoke(app, ["stream", str(model), "-i", str(lines), "--all"])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert len(alerts) == 40 and "missing" not in res.output


def test_service_health_and_score_without_dropped_columns(model: Path) -> None:
    pytest.importorskip("fastapi")
    from tests._serve import AUTH, client_of

    new = _flows(10, seed=5)
    rows = json.loads(new.drop(columns=["b", "k"]).to_json(orient="records"))
    with client_of(model) as c:
        health = c.get("/health").json()
        assert [col["name"] for col in health["columns"]] == ["a", "c", "m", "p"]
        r = c.post("/score", json={"rows": rows}, headers=AUTH)
        assert r.status_code == 200, r.text
        full = json.loads(new.to_json(orient="records"))
        r2 = c.post("/score", json={"rows": full}, headers=AUTH)
        assert r2.status_code == 200 and r2.json() == r.json()
        r3 = c.post("/score", json={"rows": [{k: v for k, v in x.items() if k != "c"} for x in rows]},
                    headers=AUTH)
        assert r3.status_code == 422 and "'c'" in r3.text


def test_onnx_metadata_lists_the_columns_needed(model: Path) -> None:
    from hourglass.pipeline.export import _metadata

    meta = _metadata(load(model), "m", None)
    assert json.loads(meta["hourglass.columns"]) == ["a", "c", "m", "p"]
