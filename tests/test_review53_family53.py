"""Review 53 (family53): every model family through the same checks (save/load, explain, export,
service, batch size, input mutation, refit, params)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass import Pipeline
from hourglass.detectors import registry
from hourglass.features.sessions.events import EventSessions

from .conftest import FAST_PARAMS, events_data


def _event_table(sessions: list[np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame([(f"s{i}", int(k)) for i, s in enumerate(sessions) for k in s],
                        columns=["sid", "key"])


def test_a_log_model_s_card_names_its_keys_not_zero_features() -> None:
    # What was wrong: the model card (the HTML report of 'hourglass evaluate', Pipeline.model_card)
    # of every log model said "0 input columns → 0 features (EventSessions)" for a model read
    # from an event table or a key file (and "0 input columns → 16 features" for a raw log): it
    # counted a table preprocessor's columns_ and feature_names_, which a log preprocessor leaves
    # empty, so a trained DeepLog of 9 distinct keys read as a model of nothing.
    sessions = events_data(n=60)["train"]
    pipe = Pipeline(registry.get("event-count-autoencoder")(
        **{**FAST_PARAMS["event-count-autoencoder"], "epochs": 2}),
        features=EventSessions(format="table", session_column="sid", key_column="key"),
    ).fit(_event_table(sessions))
    line = pipe.model_card()["features"]
    n_keys = len(np.unique(np.concatenate(sessions)))
    assert "0 features" not in line and "0 input columns" not in line, line
    assert f"{n_keys} distinct keys" in line and "sid" in line and "key" in line, line
