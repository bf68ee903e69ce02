"""Explanations: the reasons named, the methods offered and the documents that describe them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.errors import InputError
from hourglass.explain import explanation_method


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(200, 3)), columns=list("abc"))


def test_reconstruction_refusal_offers_gradients_only_where_they_work(table: pd.DataFrame) -> None:
    from hourglass.detectors import DeepSVDD, LatentIForest

    forest = Pipeline(detector=LatentIForest(hidden=(4, 2), epochs=1, n_estimators=5, verbose=0)).fit(table)
    with pytest.raises(InputError) as exc:
        explanation_method(forest, "reconstruction")
    said = str(exc.value)
    assert "use the gradients method" not in said and "isolation forest" in said, said
    svdd = Pipeline(detector=DeepSVDD(hidden=(4, 2), epochs=1, verbose=0)).fit(table)
    with pytest.raises(InputError, match="or use the gradients method"):
        explanation_method(svdd, "reconstruction")
    assert explanation_method(svdd, "gradients") == "gradients"


def test_readme_says_stream_explains_gradient_models_too() -> None:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = text.index("- Output: per flagged row `row`")
    said = text[start:start + 600]
    assert "autoencoder-type models; refused with one line for others" not in said
    assert "integrated gradients" in said
