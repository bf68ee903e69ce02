"""Review 27, inv10: federated training against a pooled fit of the same rows (the merged
preprocessing, FedAvg over sites in another order, identical sites)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import run_federated
from hourglass.features import TabularPreprocessor
from tests._federated import federated_preprocessor


def _users(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    user = np.array([f"u{i}" for i in rng.integers(0, 80, n)], dtype=object)
    user[::20] = "N/A"  # text, as a frame or JSON lines holds it (a CSV reader reads it as missing)
    return pd.DataFrame({"bytes": rng.exponential(100, n), "user": user})


def test_a_hashed_columns_missing_spelling_held_as_text_is_hashed_as_the_pooled_fit_hashes_it() -> None:
    # what was wrong: the merged preprocessing left hash_nulls_ empty ("no site tells of its
    # text"), so a hashed column's 'N/A' held as text at the sites was hashed as missing, where
    # the pooled fit of the same rows hashes it as text: other features for the same rows
    df = _users(600, 0)
    params = TabularPreprocessor().get_params()
    pooled = TabularPreprocessor(**params).fit(df)
    for sites in ([df.iloc[:200], df.iloc[200:]], [df.iloc[:10].assign(user="N/A"), df.iloc[10:]]):
        fed = federated_preprocessor(params, sites)
        assert fed.roles_["user"] == pooled.roles_["user"] == "hash"
        # (a missing cell to both now, as the CSV reader reads it: held by neither)
        assert fed.hash_nulls_ == pooled.hash_nulls_ == {"user": []}
        rows = pd.DataFrame({"bytes": [10.0, 10.0, 10.0], "user": ["N/A", None, "u3"]})
        np.testing.assert_array_equal(fed.transform(rows), pooled.transform(rows))
        np.testing.assert_array_equal(fed.transform(df), pooled.transform(df))
    # a site whose column is one-hot there (few values) still tells its 'N/A' to a hashed merge
    few = pd.DataFrame({"bytes": [1.0, 2.0, 3.0, 4.0], "user": ["N/A", "a", "b", "a"]})
    many = df.iloc[:300].assign(user=[f"v{i % 100}" for i in range(300)])
    fed = federated_preprocessor(params, [few, many])
    assert fed.roles_["user"] == "hash" and fed.hash_nulls_ == {"user": []}
    pooled = TabularPreprocessor(**params).fit(pd.concat([few, many], ignore_index=True))
    np.testing.assert_array_equal(fed.transform(few), pooled.transform(few))


def test_three_sites_holding_the_same_rows_give_the_model_one_of_them_gives() -> None:
    # no defect: pins that FedAvg over three sites holding the same rows gives the model one of
    # them gives, bit for bit (a row-weighted mean of equal weights), its threshold fitted on the
    # three copies of that site's held-out scores, as a pooled fit of the copies would be
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.exponential(size=300),
                       "proto": rng.choice(["tcp", "udp", "icmp"], 300)})
    det = AutoEncoder(hidden=(8, 2), epochs=1, verbose=0, device="cpu", random_state=0)
    one = run_federated([df], det, rounds=2, local_epochs=1)
    three = run_federated([df] * 3, det, rounds=2, local_epochs=1)
    test = df.iloc[::7]
    np.testing.assert_array_equal(one.score(test), three.score(test))
    np.testing.assert_array_equal(three.detector_.val_scores_, np.tile(one.detector_.val_scores_, 3))
    assert three.info["federated"]["rows"] == [300] * 3


def test_one_site_for_one_round_trains_as_a_local_fit_input_scaling_included() -> None:
    # no defect: pins that one site, one round of E local epochs, is a local fit of E epochs
    # on the same rows (same preprocessing, held-out rows, initial weights, batches, threshold
    # rule); the input standardisation too, since the local fit takes its moments in float64 as
    # the server merges them (it took them in float32, a last-digit difference that training
    # carried into the scores: this test then set the local fit's scaling on the server)
    from hourglass.distributed.federated import FederatedServer, Site
    from hourglass.pipeline import Pipeline

    rng = np.random.default_rng(2)
    df = pd.DataFrame({"a": rng.normal(size=400), "b": rng.exponential(size=400),
                       "proto": rng.choice(["tcp", "udp", "icmp"], 400)})

    def det() -> AutoEncoder:
        return AutoEncoder(hidden=(8, 2), epochs=2, verbose=0, device="cpu", random_state=0)

    local = Pipeline(detector=det(), features=TabularPreprocessor()).fit(df)
    server, site = FederatedServer(det(), rounds=1, local_epochs=2), Site(df, det())
    for r in range(1, server.n_rounds + 1):
        parameters, config = server.configure(r)
        server.aggregate(r, [site.fit(parameters, config)])
        if r == 3:  # the inputs round set the input scaling: the local fit's
            np.testing.assert_array_equal(server.weights_[0], local.detector_.input_offset_)
            np.testing.assert_array_equal(server.weights_[1], local.detector_.input_scale_)
    fed = server.pipeline()
    a, b = fed.features_.to_dict(), local.features_.to_dict()
    # the median imputed: from the site's sketch, in float64 to the last digit or so
    assert a.pop("impute") == pytest.approx(b.pop("impute"), rel=1e-12, abs=1e-15) and a == b
    np.testing.assert_array_equal(fed.score(df), local.score(df))
    assert fed.detector_.threshold_.value_ == local.detector_.threshold_.value_
