"""Regression tests: the Spark scorer's kept columns, federated site models and entity explain/inspect."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.distributed.spark import score_partitions
from hourglass.errors import InputError


def _det(**kw: Any) -> AutoEncoder:
    return AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0, **kw)


@pytest.mark.parametrize("keep", ["typo", "typo.x", "a.x"])
def test_spark_refuses_a_kept_column_the_empty_batch_lacks(tmp_path: Path, keep: str) -> None:
    # an empty batch took any keep name (a typo too) as a field of a struct without rows and
    # gave a column of None; only a field of a struct column of the batch is such a field
    rng = np.random.default_rng(0)
    flat = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    Pipeline(_det()).fit(flat).save(tmp_path / "m")
    with pytest.raises(InputError, match=re.escape(f"keep: no column '{keep}'")):
        list(score_partitions(tmp_path / "m", keep=[keep])(iter([flat.iloc[0:0]])))
    nan = flat.assign(a=np.nan)  # a column of numbers, NaN in every row, is no null struct
    with pytest.raises(InputError, match=re.escape("keep: no column 'a.x'")):
        list(score_partitions(tmp_path / "m", keep=["a.x"])(iter([nan])))


def _events(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"host": rng.choice(["a", "b", "c"], n),
                         "ts": np.sort(rng.integers(1_700_000_000, 1_700_000_000 + 4 * 3600, n)),
                         "bytes": rng.integers(1, 1000, n).astype(float),
                         "proto": rng.choice(["tcp", "udp", "icmp"], n)})


def test_an_entity_model_with_a_statistic_named_twice_loads(tmp_path: Path) -> None:
    # stats=("sum", "sum") fits one bytes:sum aggregate; the load check expected two and refused
    # the saved model as malformed
    from hourglass import load
    from hourglass.features.entity import EntityWindows

    df = _events()
    ew = EntityWindows("host", "ts", bucket="10min", numeric=("bytes",), categorical=("proto",),
                       stats=("sum", "max", "sum"))
    pipe = Pipeline(_det(), features=ew).fit(df)
    pipe.save(tmp_path / "m")
    assert np.array_equal(load(tmp_path / "m").score(df), pipe.score(df))
