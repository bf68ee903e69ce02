"""A model records the torch threads it trained on: the thread count changes a model as a seed
does (sums split over threads round differently), and the CLI's idle-core rule picks it by load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from hourglass import AutoEncoder, Pipeline
from hourglass.pipeline.artefact import load, save


def test_fit_records_the_torch_threads_and_the_card_names_them(tmp_path) -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(300, 4)), columns=list("abcd"))
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        pipe = Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
    finally:
        torch.set_num_threads(before)
    assert pipe.info["torch_threads"] == 1
    save(pipe, tmp_path / "m")
    card = load(tmp_path / "m").model_card()
    # (it said "on 1 torch threads")
    assert "on 1 torch thread (" in card["training time"]
