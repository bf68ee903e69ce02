"""The CLI on real-world-shaped flow files: format sniffing, inspect, streamed scoring, bad rows,
reservoir-sampled training, and clear errors for files that are not what --format says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import load
from hourglass.cli import app

runner = CliRunner()
FAST = ["--epochs", "3", "--hidden", "8,4", "--batch-size", "64", "-q"]


def _cic(n: int = 400, seed: int = 0) -> str:
    """A CICFlowMeter-style CSV: spaced names, a duplicated column, Infinity/NaN, IPs, ports."""
    rng = np.random.default_rng(seed)
    dur = rng.integers(0, 10_000, n)
    byts = rng.lognormal(6, 1, n).round()
    rate = np.where(dur == 0, np.inf, byts / np.maximum(dur, 1))
    label = np.where(np.arange(n) < n // 10, "DDoS", "BENIGN")
    byts[label == "DDoS"] *= 1000
    rows = [" Flow ID, Src IP, Dst Port, Timestamp, Flow Duration, Fwd Header Length, Flow Bytes/s,"
            " Fwd Header Length, Label"]
    for i in range(n):
        rate_s = "Infinity" if np.isinf(rate[i]) else ("NaN" if i % 37 == 0 else f"{rate[i]:.3f}")
        rows.append(f"f{i},10.0.{i % 4}.{i % 250},{rng.choice([80, 443, 53])},2017-07-07 10:{i % 60:02d},"
                    f"{dur[i]},{int(byts[i])},{rate_s},{int(byts[i])},{label[i]}")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def cic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cic")
    (d / "train.csv").write_text(_cic())
    (d / "test.csv").write_text(_cic(seed=1))
    model = d / "model"
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "train": d / "train.csv", "test": d / "test.csv", "model": model}


def test_format_is_sniffed_and_its_defaults_used(cic: dict[str, Path]) -> None:
    info = json.loads((cic["model"] / "config.json").read_text())["info"]
    assert info["format"] == "cicflowmeter" and info["label_col"] == "Label"
    assert info["n_train_rows"] == 360  # the BENIGN rows
    roles = load(cic["model"]).features_.roles_
    # the format's own time field is the model's time column (alert times), never a feature
    assert info["time_col"] == "Timestamp" and "Timestamp" not in roles
    assert roles["Flow ID"] == "drop"
    assert roles["Src IP"] == "ip" and roles["Dst Port"] == "port"
    assert roles["Fwd Header Length.1"] == "numeric"


def test_inspect_prints_schema_and_writes_json(cic: dict[str, Path]) -> None:
    js = cic["dir"] / "schema.json"
    res = runner.invoke(app, ["inspect", str(cic["train"]), "--json", str(js)])
    assert res.exit_code == 0, res.output
    assert "cicflowmeter" in res.stdout and "BENIGN" in res.stdout and "port" in res.stdout
    schema = json.loads(js.read_text())
    by_col = {c["column"]: c for c in schema["columns"]}
    assert by_col["Flow Bytes/s"]["note"].endswith("missing indicator")
    assert by_col["Fwd Header Length.1"]["note"].startswith("dropped: near-duplicate")
    res = runner.invoke(app, ["formats"])
    assert res.exit_code == 0 and "zeek-conn" in res.stdout and "unsw-nb15" in res.stdout


def test_streamed_score_matches_in_memory_and_evaluates(cic: dict[str, Path]) -> None:
    out = cic["dir"] / "scores.parquet"
    res = runner.invoke(app, ["score", str(cic["model"]), str(cic["test"]), "-o", str(out),
                              "--chunk-mb", "0.004", "--keep", "Flow ID", "-q"])
    assert res.exit_code == 0, res.output
    got = pd.read_parquet(out)
    assert got["row"].tolist() == list(range(400)) and got["Flow ID"].iloc[-1] == "f399"
    pipe = load(cic["model"])
    from hourglass.ingest import get_format

    df = get_format("cicflowmeter").read(cic["test"]).drop(columns=["Label"])
    np.testing.assert_allclose(got["score"], pipe.score(df), rtol=1e-5)
    js = cic["dir"] / "m.json"
    res = runner.invoke(app, ["evaluate", str(cic["model"]), str(cic["test"]), "--json", str(js), "-q"])
    assert res.exit_code == 0, res.output
    assert json.loads(js.read_text())["roc_auc"] > 0.9


def test_bad_rows_error_or_skip(cic: dict[str, Path], tmp_path: Path) -> None:
    lines = _cic(50, seed=2).splitlines()
    lines.insert(10, "f-bad,10.0.0.1,80")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    out = tmp_path / "o.csv"
    res = runner.invoke(app, ["score", str(cic["model"]), str(bad), "-o", str(out)])
    assert res.exit_code == 2 and "line 11" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists() and not list(tmp_path.glob(".o.csv*"))
    res = runner.invoke(app, ["score", str(cic["model"]), str(bad), "-o", str(out),
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "skipped 1 malformed row" in res.stderr and len(pd.read_csv(out)) == 50


def test_wrong_format_and_missing_columns_are_clear(cic: dict[str, Path], tmp_path: Path) -> None:
    for fmt, match in (("zeek-conn", "not a Zeek log"), ("nsl-kdd", "expected 43 fields"),
                       ("unsw-nb15", "expected 49 fields")):
        res = runner.invoke(app, ["inspect", str(cic["train"]), "--format", fmt])
        assert res.exit_code == 2 and match in res.stderr, (fmt, res.stderr)
    res = runner.invoke(app, ["inspect", str(cic["train"]), "--format", "nope"])
    assert res.exit_code == 2 and "unknown format" in res.stderr
    df = pd.read_csv(cic["test"], skipinitialspace=True).drop(columns=["Flow Duration"])
    df["extra"] = 1
    partial = tmp_path / "partial.csv"
    df.to_csv(partial, index=False)
    res = runner.invoke(app, ["score", str(cic["model"]), str(partial), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "missing: Flow Duration" in res.stderr
    extra = tmp_path / "extra.csv"
    pd.read_csv(cic["test"], skipinitialspace=True).assign(extra=1).to_csv(extra, index=False)
    res = runner.invoke(app, ["score", str(cic["model"]), str(extra), "-o", str(tmp_path / "e.csv")])
    assert res.exit_code == 0, res.output
    assert sum("ignoring 1 column" in ln for ln in res.stderr.splitlines()) == 1


def test_train_above_memory_budget_uses_a_reservoir_sample(cic: dict[str, Path], tmp_path: Path) -> None:
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(cic["train"]), "-o", str(model), "--memory-budget",
                              "0.01", "--sample-rows", "250", "--role", "Dst Port=categorical",
                              "--scaler", "robust", *FAST])
    assert res.exit_code == 0, res.output
    assert "uniform sample of 250 of 400 rows" in res.stderr
    info = json.loads((model / "config.json").read_text())["info"]
    assert info["sampled"] == {"rows": 250, "of": 400, "seed": 0}
    assert load(model).features_.roles_["Dst Port"] == "categorical"
