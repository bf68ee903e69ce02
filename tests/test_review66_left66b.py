"""Small defects of valid input noticed and left earlier: an entity model's summary of the
columns it uses, ..."""

from __future__ import annotations

import logging

import pandas as pd


def test_an_entity_models_summary_names_only_the_columns_it_uses(caplog) -> None:
    # What was wrong: Netskope's policy and dlp_profile, empty in every training row, were named
    # in "sum/mean/max of 3 column(s) (policy, dlp_profile, file_size)" and then dropped as
    # constant; the summary now names the columns with an aggregate used, the others apart.
    from hourglass.features.entity import EntityWindows

    n = 48
    df = pd.DataFrame({"user": [f"u{i % 3}@corp.com" for i in range(n)],
                       "timestamp": [1709280000 + 600 * i for i in range(n)],
                       "policy": [""] * n, "dlp_profile": [""] * n, "alert_type": [""] * n,
                       "file_size": [1000 + 37 * (i % 7) * (i % 5) for i in range(n)],
                       "app": [["Box", "Slack", "Drive"][i % 5 % 3] for i in range(n)]})
    with caplog.at_level(logging.INFO, logger="hourglass"):
        EntityWindows("user", "timestamp", bucket="1h").fit(df)
    said = [r.getMessage() for r in caplog.records if "entity features: per" in r.getMessage()]
    assert len(said) == 1
    assert "sum/mean/max of 1 column(s) (file_size); distinct values of 1 (app)" in said[0]
    assert "not used, constant in training: 3 (policy, dlp_profile, alert_type)" in said[0]
