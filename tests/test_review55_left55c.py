"""Review round 55 (left55c): the small items the round's reviewers noticed and left alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError


def _table_pipe():
    from hourglass.detectors import AutoEncoder
    from hourglass.pipeline import Pipeline

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    return Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df), df


def test_bucket_reasons_refusal_names_bucket_reasons() -> None:
    # What was wrong: bucket_reasons on a table model refused it as 'explain_buckets: the model
    # is not an entity-bucket model', naming a function the user never called.
    from hourglass.explain.entity import bucket_reasons

    pipe, df = _table_pipe()
    with pytest.raises(InputError, match=r"^bucket_reasons: the model is not an entity-bucket model"):
        bucket_reasons(pipe, df, np.zeros((len(df), 2), dtype=np.float32))
