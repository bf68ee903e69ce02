"""Regression tests for defects fixed in the main line of work (suppressions, ECS output)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.serve.suppress import Suppressions

_RULES = """
[[rule]]
name = "slow"
match = { rate = [0.1, 3] }
"""


@pytest.mark.parametrize("dtype", [np.float32, "Float32", np.float64, np.float16])
def test_suppression_matches_single_precision_values_as_written(dtype: object) -> None:
    # a float32 Parquet column holds 0.1 as 0.100000001...; the rule's 0.1 is that value
    rules = Suppressions.parse(_RULES, "rules.toml")
    df = pd.DataFrame({"rate": pd.array([0.1, 3.0, 0.2, None], dtype=dtype)})
    assert rules.names(df).tolist() == ["slow", "slow", "", ""]
    flags, names = rules.apply(df, np.array([1, 1, 1, 1]))
    assert names.tolist() == ["slow", "slow", "", ""]
    assert flags.tolist() == [0, 0, 1, 1]


def test_ecs_alerts_write_whole_floats_of_kept_and_named_columns_as_integers() -> None:
    # a CSV's integer column with an empty cell reads as floats: the JSON lines write 81, so
    # must the ECS documents (hourglass.fields) and a text ECS field (user.id "1000", not "1000.0")
    from hourglass.serve.ecs import AlertRule, frame_alerts

    result = pd.DataFrame({"row": [0, 1], "score": [0.1, 5.0], "flag": [0, 1],
                           "calibrated": [0.2, 0.99], "severity": ["low", "high"]})
    kept = pd.DataFrame({"bytes": [np.nan, 81.0], "rate": [0.5, 2.5]})
    named = pd.DataFrame({"uid": [np.nan, 1000.0]})
    rule = AlertRule("autoencoder", "ab", data_format="auditd")
    (doc,) = frame_alerts(result, rule, fields=kept, named=named)
    fields = doc["hourglass"]["fields"]
    assert fields == {"bytes": 81, "rate": 2.5}
    assert type(fields["bytes"]) is int
    assert doc["user"] == {"id": "1000"}
