"""Review of the entity-bucket features, their scoring, streaming and explanations: each test
reproduces a defect that was found and fixed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.features.entity import EntityWindows
from hourglass.serve.entity_scoring import bucket_rows


def _flows(n: int = 400, seed: int = 0, span: float = 36_000.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"host": rng.choice(list("abcd"), n),
                         "ts": 1.7e9 + np.sort(rng.random(n)) * span,
                         "bytes": rng.integers(10, 5000, n)})


def test_sub_second_buckets_are_written_with_their_fraction() -> None:
    # was: '500ms' buckets written to the second: a bucket ended where it started and two
    # buckets of one entity had the same start
    df = _flows(600, span=30.0)
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    features=EntityWindows("host", "ts", bucket="500ms")).fit(df)
    out = bucket_rows(pipe, *pipe.features_.transform_with_keys(df))
    assert not out.duplicated(["entity", "bucket_start"]).any()
    length = pd.to_datetime(out["bucket_end"]) - pd.to_datetime(out["bucket_start"])
    assert (length == pd.Timedelta("500ms")).all()
    whole = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                     features=EntityWindows("host", "ts", bucket="5min")).fit(_flows())
    starts = bucket_rows(whole, *whole.features_.transform_with_keys(_flows()))["bucket_start"]
    assert starts.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00").all()  # whole seconds: as before
