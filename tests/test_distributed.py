"""Spark batch scoring without Spark: the mapInPandas function over plain lists of DataFrames."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import hourglass.pipeline
from hourglass.cli.app import app
from hourglass.distributed import output_schema, score_partitions
from hourglass.errors import InputError
from tests.test_stream import _flows

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("spark")
    _flows(300, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "8,4",
                              "--epochs", "2", "--label-col", "label", "--normal", "benign", "-q"])
    assert res.exit_code == 0, res.output
    test = _flows(60, 1, attacks=12)
    test.insert(0, "flow_id", np.arange(1000, 1060))
    test.to_csv(d / "test.csv", index=False)
    return {"dir": d, "model": d / "model", "csv": d / "test.csv"}


def _batches(files: dict[str, Path]) -> list[pd.DataFrame]:
    df = pd.read_csv(files["csv"])  # cut anywhere, as Spark does; an empty batch too
    return [df.iloc[:17], df.iloc[17:17], df.iloc[17:50], df.iloc[50:]]


def test_partitions_score_as_hourglass_score_does(files: dict[str, Path]) -> None:
    out = files["dir"] / "scored.csv"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(out),
                              "--keep", "flow_id", "--keep", "label", "-q"])
    assert res.exit_code == 0, res.output
    want = pd.read_csv(out).drop(columns="row")
    fn = score_partitions(files["model"], keep=["flow_id", "label"])
    parts = list(fn(iter(_batches(files))))
    assert [len(p) for p in parts] == [17, 0, 33, 10]
    got = pd.concat(parts, ignore_index=True)
    assert list(got.columns) == list(want.columns)
    np.testing.assert_allclose(got["score"], want["score"], rtol=1e-5)
    # (calibration maps a score difference of float32's last bits, which follow the batch a
    # row is scored in, to up to ~1e-6 relative and beyond: 1.06e-6 was seen)
    np.testing.assert_allclose(got["calibrated"], want["calibrated"], rtol=1e-5)
    for c in ("flag", "severity", "flow_id", "label"):
        assert got[c].tolist() == want[c].tolist(), c
    assert 10 <= got["flag"].sum() < 60
    # the DDL schema names the columns in the order the batches have them
    schema = output_schema(files["model"], keep={"flow_id": "bigint", "label": "string"})
    assert re.findall(r"`(\w+)` (\w+)", schema) == [
        ("score", "double"), ("flag", "int"), ("calibrated", "double"), ("severity", "string"),
        ("flow_id", "bigint"), ("label", "string")]
    for part in parts[:2]:  # the empty batch too: Arrow converts each to the schema's types
        assert [str(t) for t in part.dtypes[:3]] == ["float64", "int32", "float64"]
        assert list(part.columns) == list(want.columns)


def test_the_model_loads_once_per_task_and_the_function_pickles(files: dict[str, Path],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fn = pickle.loads(pickle.dumps(score_partitions(files["model"], anomalies_only=True, explain=2,
                                                    threads=1)))
    calls = []
    real = hourglass.pipeline.load
    monkeypatch.setattr(hourglass.pipeline, "load", lambda p: calls.append(p) or real(p))
    for _ in range(2):  # two tasks, four batches each
        got = pd.concat(list(fn(iter(_batches(files)))), ignore_index=True)
    assert len(calls) == 2
    assert len(got) >= 10 and (got["flag"] == 1).all()
    assert got["why"].map(lambda w: w.count("%")).eq(2).all()
    assert set(got["top_column"]) <= {"proto", "bytes", "duration", "rate"}


def test_unusable_models_and_options_are_refused(files: dict[str, Path], tmp_path: Path) -> None:
    from hourglass import Pipeline
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    series = tmp_path / "series"
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor()).fit(pd.DataFrame({"cpu": np.sin(np.arange(80) / 4)})
                                                    ).save(series)
    with pytest.raises(InputError, match=r"takes table models.*time-series model scores each step from "
                                         r"the windows"):
        score_partitions(series)
    with pytest.raises(InputError, match="takes table models"):
        output_schema(series)
    unchecked = score_partitions(series, check=False)  # refused on the executor too
    with pytest.raises(InputError, match="takes table models"):
        next(unchecked(iter([pd.DataFrame({"cpu": [0.0] * 20})])))
    with pytest.raises(ValueError, match="'score' is one of the output's own columns"):
        score_partitions(files["model"], keep=["score"])
    with pytest.raises(ValueError, match="explain"):
        score_partitions(files["model"], explain=-1)
    fn = score_partitions(files["model"], keep=["nope"])
    with pytest.raises(InputError, match="keep: no column 'nope'"):
        next(fn(iter(_batches(files))))
    fn = score_partitions(files["model"])
    with pytest.raises(InputError, match="rate"):  # the pipeline names the missing model column
        next(fn(iter([pd.read_csv(files["csv"]).drop(columns="rate")])))
