"""Review round 53 (left53c): items noticed and left alone earlier this round, second pass."""
from __future__ import annotations

import pytest


def test_models_app_names_the_entry_given_a_pipeline() -> None:
    # What was wrong: create_models_app({"a": pipe}) (a fitted Pipeline, not its directory)
    # raised "path: expected a model directory ...", naming an argument the caller never gave;
    # create_app names its own argument (model_dir), so the mapping's entry is named here.
    from hourglass import AutoEncoder, Pipeline
    from hourglass.serve.multi import create_models_app

    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0))
    with pytest.raises(TypeError) as info:
        create_models_app({"a": pipe}, api_key="k" * 32)
    text = str(info.value)
    assert text.startswith("models['a']: expected a model directory"), text
    assert "pipe.save(" in text
