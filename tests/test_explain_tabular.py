"""Explanations for table rows: column shares of the reconstruction error, library and CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.detectors import AutoEncoder, DeepSVDD
from hourglass.errors import InputError
from hourglass.explain import column_errors, explain_rows, explainable
from hourglass.features import TabularPreprocessor
from tests.test_cli import _fails_cleanly

runner = CliRunner()


def _factor_frame(n: int, seed: int = 3) -> pd.DataFrame:
    """16 numeric columns driven by 3 factors, plus a protocol column tied to the first factor."""
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 3))
    X = f @ np.random.default_rng(99).normal(size=(3, 16)) + 0.05 * rng.normal(size=(n, 16))
    df = pd.DataFrame(X, columns=[f"c{i}" for i in range(16)])
    df["proto"] = np.where(f[:, 0] > 0, "tcp", "udp")
    return df


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline(detector=AutoEncoder(hidden=(32, 8, 3), epochs=60, verbose=0)).fit(
        _factor_frame(800))


def test_feature_columns_follow_feature_names_for_every_role() -> None:
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame({"bytes": rng.lognormal(5, 1, n), "gap": np.where(rng.random(n) < 0.1, np.nan,
                                                                         rng.random(n)),
                       "proto": rng.choice(["tcp", "udp", "icmp"], n),
                       "user": [f"u{i}" for i in rng.integers(0, 200, n)],
                       "src_ip": [f"10.0.{i % 7}.{i % 250}" for i in range(n)],
                       "dst_port": rng.choice([22, 80, 443, 50000], n)})
    pre = TabularPreprocessor(roles={"src_ip": "ip", "dst_port": "port", "user": "hash"}).fit(df)
    cols = pre.feature_columns()
    assert len(cols) == len(pre.feature_names_)
    for col, name in zip(cols, pre.feature_names_, strict=True):
        assert name == col or name.startswith((f"{col}=", f"{col}:", f"{col}#", f"{col}/")), (col, name)
    assert {"bytes", "gap", "proto", "user", "src_ip", "dst_port"} <= set(cols)


def test_the_changed_column_is_named_first(pipe: Pipeline) -> None:
    rows = _factor_frame(200, seed=4)
    rng = np.random.default_rng(5)
    # a column the preprocessing dropped (here one near-duplicate) is never named: change the others
    kept = [j for j in range(16) if f"c{j}" in pipe.features_.feature_columns()]
    assert len(kept) >= 14
    changed = rng.choice(kept, len(rows))
    sd = _factor_frame(800).iloc[:, :16].std().to_numpy()
    values = rows.iloc[:, :16].to_numpy().copy()
    values[np.arange(len(rows)), changed] += 3 * sd[changed]
    rows.iloc[:, :16] = values
    got = explain_rows(pipe, rows)["top_column"].to_numpy()
    hit = float(np.mean(got == np.array([f"c{j}" for j in changed])))
    assert hit >= 0.9, f"changed column named first in {hit:.0%} of rows"


def test_one_hot_features_count_for_their_column(pipe: Pipeline) -> None:
    rows = _factor_frame(50, seed=6)
    rows["proto"] = "gre"  # never seen in training: the unseen indicator fires
    errors, columns = column_errors(pipe, rows)
    assert columns.count("proto") == 1 and errors.shape == (50, len(columns))
    assert len(pipe.features_.feature_names_) == len(columns) + 2  # proto: tcp, udp, <unseen>
    total = pipe.detector_.score_features(pipe.transform(rows)).sum(axis=1)
    np.testing.assert_allclose(errors.sum(axis=1), total, rtol=1e-6)  # nothing lost or doubled
    why = explain_rows(pipe, rows, top=2)
    assert (why["top_column"] == "proto").mean() >= 0.9
    assert why["why"].iloc[0].startswith("proto=gre (")
    assert len(why["why"].iloc[0].split("; ")) == 2


def test_explain_rows_checks_its_arguments(pipe: Pipeline) -> None:
    with pytest.raises(ValueError, match="top must be"):
        explain_rows(pipe, _factor_frame(3), top=0)
    df = _factor_frame(300).iloc[:, :4]
    svdd = Pipeline(detector=DeepSVDD(epochs=1, verbose=0)).fit(df)
    assert "DeepSVDD has no per-feature reconstruction error" in str(explainable(svdd, "reconstruction"))
    with pytest.raises(InputError, match="autoencoder-type"):
        explain_rows(svdd, df.head(2), method="reconstruction")


# -- CLI ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("explain")
    train = _factor_frame(600)
    train["label"] = "benign"
    test = _factor_frame(100, seed=8)
    test["label"] = "benign"
    test.loc[:9, "c5"] += 20.0  # ten rows far off in one column
    test.loc[:9, "label"] = "attack"
    train.to_csv(d / "train.csv", index=False)
    test.to_csv(d / "test.csv", index=False)
    for name, model in (("ae", "autoencoder"), ("svdd", "deep-svdd")):
        res = runner.invoke(app, ["train", str(d / "train.csv"), "--label-col", "label", "--normal",
                                  "benign", "--model", model, "--epochs", "40", "-o", str(d / name),
                                  "-q"])
        assert res.exit_code == 0, res.output
    return {"dir": d, "test": d / "test.csv", "ae": d / "ae", "svdd": d / "svdd"}


def test_explain_prints_the_flagged_rows_and_writes_them(kit: dict[str, Path]) -> None:
    out = kit["dir"] / "why.csv"
    res = runner.invoke(app, ["explain", str(kit["ae"]), str(kit["test"]), "--top", "2", "--limit",
                              "5", "--keep", "label", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "highest-scoring flagged rows of 100" in res.stdout
    assert "main reason among" in res.stdout and "c5" in res.stdout
    assert "explained 100 rows" in res.stderr
    got = pd.read_csv(out)
    assert list(got.columns) == ["row", "score", "flag", "severity", "top_column", "why", "method",
                                 "label"]
    assert (got["method"] == "reconstruction-error").all()
    assert "method: reconstruction-error" in res.stdout
    assert (got["flag"] == 1).all() and set(range(10)) <= set(got["row"])
    top10 = got[got["row"] < 10]
    assert (top10["top_column"] == "c5").all() and (top10["label"] == "attack").all()
    assert top10["why"].str.count("; ").eq(1).all()


def test_explain_all_rows(kit: dict[str, Path]) -> None:
    out = kit["dir"] / "all.jsonl"
    res = runner.invoke(app, ["explain", str(kit["ae"]), str(kit["test"]), "--all", "--limit", "0",
                              "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_json(out, lines=True)) == 100
    assert "highest-scoring" not in res.stdout


def test_explain_refuses_models_it_cannot_explain(kit: dict[str, Path]) -> None:
    out = kit["dir"] / "never.csv"
    _fails_cleanly(["explain", str(kit["svdd"]), str(kit["test"]), "--method", "reconstruction",
                    "-o", str(out)], "has no per-feature reconstruction error", out)
    _fails_cleanly(["explain", str(kit["ae"]), str(kit["test"]), "--keep", "why", "-o", str(out)],
                   "--keep why", out)
    _fails_cleanly(["explain", str(kit["ae"]), str(kit["test"]), "--keep", "nope", "-o", str(out)],
                   "--keep: no column 'nope'", out)
