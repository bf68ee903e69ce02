"""Regression tests: federated training, mergeable statistics, the Spark adapter and
``hourglass threshold``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.detectors import AutoEncoder, DeepLog
from hourglass.distributed.federated import run_federated
from hourglass.distributed.spark import output_schema, score_partitions
from hourglass.errors import InputError
from hourglass.features import TabularPreprocessor
from hourglass.features.sessions import EventSessions
from hourglass.pipeline import Pipeline
from hourglass.thresholds import Fixed
from tests._cli import runner


def test_threshold_names_the_top_g_rank_only_when_it_is_the_current_rule(tmp_path: Path) -> None:
    # a DeepLog model re-thresholded with fixed:2.5 was described as still using its top-g rank
    pipe = Pipeline(detector=DeepLog(window=2, top_g=1, epochs=1, verbose=0, random_state=0),
                    features=EventSessions(format="keys")).fit(["1 2 3", "1 2 4", "2 3 1"] * 10)
    pipe.save(tmp_path / "D")
    pipe.with_threshold(Fixed(2.5)).save(tmp_path / "D2")
    res = runner.invoke(app, ["threshold", str(tmp_path / "D2"), "-q"])
    assert res.exit_code == 0, res.output
    assert "fixed at 2.5" in res.stdout and "top-g rank" not in res.stdout
    res = runner.invoke(app, ["threshold", str(tmp_path / "D"), "-q"])
    assert res.exit_code == 0, res.output
    assert "top-g rank (g = 1" in res.stdout


def test_spark_refuses_a_kept_column_named_twice(tmp_path: Path) -> None:
    # the batches had 'id' once while the schema listed it twice: Spark's mismatch, on the executors
    with pytest.raises(ValueError, match="'id' is given twice"):
        output_schema(keep=[("id", "bigint"), ("id", "bigint")])
    with pytest.raises(ValueError, match="'id' is given twice"):
        score_partitions(tmp_path / "no-model", keep=["id", "id"])
    assert output_schema(keep=[("id", "bigint"), ("ip", "string")]).endswith("`id` bigint, `ip` string")


@pytest.mark.parametrize("scaler", ["minmax", "standard"])
def test_federated_values_too_large_to_scale_are_named_as_the_pooled_fit_names_them(scaler: str) -> None:
    # was 'preprocessing state is malformed (offset/scale: 2 finite values expected ...)', no column
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"big": np.r_[-1e308, 1e308, rng.normal(size=58)], "b": rng.normal(size=60)})
    message = re.escape("column 'big': values from -1e+308 to 1e+308 are too large to scale")
    with pytest.raises(InputError, match=message):
        TabularPreprocessor(scaler=scaler).fit(df)
    with pytest.raises(InputError, match=message):
        run_federated([df.iloc[:30], df.iloc[30:]], AutoEncoder(hidden=(2,), epochs=1, verbose=0),
                      TabularPreprocessor(scaler=scaler), rounds=1)


def test_federated_max_features_ranks_a_column_past_1e154_as_the_pooled_fit_does() -> None:
    # its co-moments overflowed: NaN variance, and the column of highest scaled variance was dropped
    from hourglass.features.statistics import (
        merge_scales,
        merge_schema,
        scaled_preprocessor,
        schema_preprocessor,
        shared_schema,
        site_scales,
        site_schema,
    )

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"big": rng.normal(size=100) * 1e200, "b": rng.exponential(size=100) ** 3})
    params = TabularPreprocessor(max_features=1, log1p="none").get_params()
    parts = [df.iloc[:50], df.iloc[50:]]
    pre = schema_preprocessor(params, shared_schema(merge_schema([site_schema(params, p) for p in parts])))
    fed = scaled_preprocessor(pre, merge_scales([site_scales(pre, p) for p in parts]))
    pooled = TabularPreprocessor(**params).fit(df)
    assert fed.numeric_ == pooled.numeric_ == ["big"]
    assert fed.duplicates_ == pooled.duplicates_ == {"b": "<low variance>"}
