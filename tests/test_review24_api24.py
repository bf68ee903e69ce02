"""The Python API as a notebook user calls it (review 24, api24)."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.ensemble import IsolationForest

from hourglass import AutoEncoder, Pipeline
from hourglass.features import TabularPreprocessor


@pytest.mark.parametrize(
    ("detector", "features", "match"),
    [
        ("autoencoder", None, r"hourglass detector \(hourglass\.detectors\.get\('autoencoder'\)\(\)"),
        (AutoEncoder, None, r"must be a hourglass detector \(an instance, e\.g\. AutoEncoder\(\.\.\.\)\)"),
        (IsolationForest(), None, r"detector must be a hourglass detector .*got IsolationForest\(\)"),
        (AutoEncoder(epochs=1), "tabular", r"features must be a hourglass preprocessing .*got 'tabular'"),
        (AutoEncoder(epochs=1), TabularPreprocessor, r"features must be .*an instance, e\.g\. TabularPrep"),
    ],
)
def test_pipeline_refuses_a_name_class_or_foreign_estimator_clearly(
    detector: object, features: object, match: str
) -> None:
    # What was wrong: Pipeline("autoencoder").fit(df) raised AttributeError: 'str' object has no
    # attribute 'get_tags'; Pipeline(AutoEncoder) (the class) a TypeError from get_params; an
    # IsolationForest an AttributeError, and features="tabular" one on 'get_params'.
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0] * 5, "b": [0.0, 1.0, 0.5] * 5})
    pipe = Pipeline(detector, features=features)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=match):
        pipe.fit(df)
    assert not hasattr(pipe, "detector_") and not hasattr(pipe, "features_")
