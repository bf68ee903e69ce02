"""Checks from the twenty-seventh review that belong to no helper's file."""
from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.detectors.autoencoder import AutoEncoder
from hourglass.pipeline import Pipeline


def test_a_federated_model_card_counts_one_site_round_and_epoch_in_the_singular() -> None:
    # the card of a one-site federated model said '1 sites (...), FedAvg, 1 rounds x 1 local
    # epochs'
    df = pd.DataFrame({"x": np.random.default_rng(0).normal(size=200)})
    pipe = Pipeline(detector=AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(df)
    pipe.info["federated"] = {"sites": 1, "rows": [200], "site_names": ["a"], "rounds": 1,
                              "local_epochs": 1}
    assert pipe.model_card()["federated"].startswith(
        "1 site (200 rows), FedAvg, 1 round x 1 local epoch; ")
    pipe.info["federated"].update(sites=2, rows=[100, 100], rounds=3, local_epochs=2)
    assert pipe.model_card()["federated"].startswith(
        "2 sites (100 + 100 rows), FedAvg, 3 rounds x 2 local epochs; ")
