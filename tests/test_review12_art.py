"""Pipeline, artefact, ONNX export and benchmark: edge cases of the export command and the
artefact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120),
                       "proto": ["tcp", "udp"] * 60})
    out = tmp_path_factory.mktemp("art") / "model"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).save(out)
    return out


def test_export_out_of_memory_names_check_rows_not_training_options(
        model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hourglass.pipeline.export as export_mod

    def no_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError("Unable to allocate 36.4 TiB")

    monkeypatch.setattr(export_mod, "_sample", no_memory)
    out = tmp_path / "m.onnx"
    res = runner.invoke(app, ["export", str(model_dir), "--onnx", str(out),
                              "--check-rows", "1000000000000"])
    assert res.exit_code == 1, res.output
    assert "--check-rows" in res.output and "1,000,000,000,000" in res.output
    assert "--batch-size" not in res.output and "--sample-rows" not in res.output
    assert "Traceback" not in res.output
    assert not out.exists()


def test_an_entity_pipeline_counts_its_training_buckets_as_its_warm_start_does() -> None:
    from hourglass.features import EntityWindows

    rng = np.random.default_rng(0)
    n = 240
    df = pd.DataFrame({"user": rng.choice(["a", "b", "c"], n),
                       "ts": pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
                       "bytes": rng.exponential(100, n)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    features=EntityWindows(entity_col="user", timestamp_col="ts", bucket="10min")).fit(df)
    buckets = len(pipe.transform(df))
    assert buckets < n
    assert pipe.info["n_train_rows"] == buckets  # not the 240 table rows
    card = pipe.warm_start(df, epochs=1).model_card()["warm start"]
    assert f"itself trained on {buckets} (entity, bucket) rows" in card


def test_benchmark_test_part_may_lack_a_column_the_preprocessing_drops() -> None:
    from hourglass.errors import InputError
    from hourglass.features import TabularPreprocessor
    from hourglass.pipeline.benchmark import Benchmark

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200), "y": "n"})
    df.loc[:19, ["a", "b"]] += 6
    df.loc[:19, "y"] = "bad"
    train, test = df.iloc[::2].assign(note="x"), df.iloc[1::2]
    bench = Benchmark(train, test, label_col="y", normal=["n"], models=(), seeds=(0,),
                      features=TabularPreprocessor(drop=["note"]))
    run = next(bench.runs())
    assert run["roc_auc"] > 0.9
    with pytest.raises(InputError, match="lacks column"):  # read by the model: still required
        Benchmark(train, test, label_col="y", normal=["n"], models=(), seeds=(0,))
    # dropped by the data only (near-unique text): a --max-train sample may read it, so the test
    # file is refused up front, not after training began
    train = train.assign(note=[f"u{i}" for i in range(len(train))])
    with pytest.raises(InputError, match="lacks column"):
        Benchmark(train, test, label_col="y", normal=["n"], models=(), seeds=(0,), max_train=40)


@pytest.mark.parametrize(("kwargs", "param"), [({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"),
                                               ({"check_rows": 2.5}, "check_rows"),
                                               ({"check_rows": True}, "check_rows")])
def test_export_onnx_names_a_bad_seed_or_check_rows(model_dir: Path, tmp_path: Path,
                                                    kwargs: dict[str, object], param: str) -> None:
    from hourglass.errors import InputError
    from hourglass.pipeline.export import export_onnx

    out = tmp_path / "m.onnx"
    with pytest.raises(InputError, match=f"^{param} must be an integer"):
        export_onnx(model_dir, out, **kwargs)  # type: ignore[arg-type]
    assert not out.exists()


def test_export_onnx_reads_seed_and_check_rows_only_to_generate_rows(model_dir: Path, tmp_path: Path,
                                                                     ) -> None:
    # with a sample they are not read (check_rows=0 or seed=-1 were refused); seed None draws
    from hourglass.pipeline import load
    from hourglass.pipeline.export import export_onnx

    cols = load(model_dir).features_.columns_
    sample = pd.DataFrame(np.random.default_rng(0).random((20, len(cols))), columns=cols)
    assert export_onnx(model_dir, tmp_path / "a.onnx", sample=sample, check_rows=0).rows_checked == 20
    assert export_onnx(model_dir, tmp_path / "b.onnx", sample=sample, seed=-1).rows_checked == 20
    assert export_onnx(model_dir, tmp_path / "c.onnx", seed=None, check_rows=50).rows_checked == 50  # type: ignore[arg-type]
