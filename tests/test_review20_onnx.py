"""ONNX export: the rows --check-data checks, the graph's metadata and use outside Python."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli import app

runner = CliRunner()


def _checked_rows(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> np.ndarray:
    """The feature matrix ``hourglass export ARGS`` checked parity on."""
    import hourglass.pipeline.export as export

    seen: dict[str, Any] = {}
    real = export.export_loaded  # (--check-data: the model the rows were read by is exported)

    def spy(pipe: Any, content_hash: Any, path: Any, **kw: Any) -> Any:
        seen["X"] = kw["sample"]
        return real(pipe, content_hash, path, **kw)

    monkeypatch.setattr(export, "export_loaded", spy)
    res = runner.invoke(app, ["export", *args])
    assert res.exit_code == 0, res.output
    return np.asarray(seen["X"])


def test_check_data_reads_a_text_category_as_written_as_score_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a CSV whose 'ver' values all look like numbers: '1.10' was read as 1.1 and '007' as 7,
    # values never seen in training, so every checked row was scored as <unseen> (43 of 100
    # flagged where score flags 4)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=300), "y": rng.normal(size=300),
                       "ver": rng.choice(["1.10", "1.20", "007", "beta"], 300)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
    pipe.save(tmp_path / "m")
    rows = df[df.ver != "beta"].head(60)
    rows.to_csv(tmp_path / "check.csv", index=False)
    X = _checked_rows(monkeypatch, [str(tmp_path / "m"), "--onnx", str(tmp_path / "m.onnx"),
                                    "--check-data", str(tmp_path / "check.csv")])
    np.testing.assert_array_equal(X, pipe.transform(rows.reset_index(drop=True)))


def _entity_model(folder: Path) -> tuple[Pipeline, pd.DataFrame]:
    """An entity-bucket autoencoder saved to ``folder / "m"`` and its table, whose user ids
    '01' and '1' are two entities."""
    from hourglass.features.entity import EntityWindows

    rng = np.random.default_rng(0)
    n = 600
    ts = pd.Timestamp("2026-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 86400, n)), unit="s")
    df = pd.DataFrame({"ts": ts.strftime("%Y-%m-%dT%H:%M:%S"),
                       "user": rng.choice(["01", "1", "02", "2"], n), "bytes": rng.exponential(100, n)})
    feats = EntityWindows("user", "ts", bucket="2h")
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0), features=feats).fit(df)
    pipe.save(folder / "m")
    return pipe, df


def test_check_data_keeps_entity_ids_as_written_as_score_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ids '01' and '1' are two entities for score; read typed from the CSV they were one, and
    # the parity check grouped the rows into half as many (entity, bucket) rows
    pipe, df = _entity_model(tmp_path)
    df.to_csv(tmp_path / "check.csv", index=False)
    X = _checked_rows(monkeypatch, [str(tmp_path / "m"), "--onnx", str(tmp_path / "m.onnx"),
                                    "--check-data", str(tmp_path / "check.csv"), "--check-rows", "600"])
    assert X.shape == pipe.transform(df).shape


def test_check_data_skips_an_entity_row_without_a_time_as_score_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # score --on-bad-rows skip leaves the row out; export --on-bad-rows skip stopped on it
    pipe, df = _entity_model(tmp_path)
    df.loc[5, "ts"] = "not a time"
    df.to_csv(tmp_path / "check.csv", index=False)
    args = [str(tmp_path / "m"), "--onnx", str(tmp_path / "m.onnx"), "--check-data",
            str(tmp_path / "check.csv"), "--check-rows", "600", "--on-bad-rows", "skip"]
    X = _checked_rows(monkeypatch, args)
    np.testing.assert_array_equal(X, pipe.transform(df.drop(index=5)))
    res = runner.invoke(app, ["export", *args])
    assert res.exit_code == 0 and "1 row(s) skipped: --on-bad-rows skip" in " ".join(res.stderr.split())


def test_check_data_reads_a_column_the_model_does_not_read_as_score_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 'note' is numbers in the file's first block (1 MiB) and text further on: score reads it
    # (the model does not), export stopped ("malformed value 'see ticket'") on a row past those
    # it checks
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=300), "y": rng.normal(size=300)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
    pipe.save(tmp_path / "m")
    rows = pd.DataFrame({"x": rng.normal(size=40_000), "y": rng.normal(size=40_000),
                         "note": np.arange(40_000).astype(object)})
    rows.loc[39_000, "note"] = "see ticket"
    rows.to_csv(tmp_path / "check.csv", index=False)
    args = [str(tmp_path / "m"), "--onnx", str(tmp_path / "m.onnx"), "--check-data",
            str(tmp_path / "check.csv"), "--check-rows", "100"]
    X = _checked_rows(monkeypatch, args)
    np.testing.assert_array_equal(X, pipe.transform(rows[["x", "y"]].head(100)))
