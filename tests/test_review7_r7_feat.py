"""Review 7, table feature engineering: roles, IP parts, statistics, small batches, injection."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features import TabularPreprocessor
from hourglass.features.roles import infer_role
from hourglass.features.statistics import (
    _merge_moments,
    _moments,
    merge_scales,
    merge_schema,
    scaled_preprocessor,
    schema_preprocessor,
    site_scales,
    site_schema,
)
from hourglass.features.validation import check_array
from tests._federated import federated_preprocessor


def test_a_site_with_only_dashes_in_a_numeric_column_has_no_say_in_its_role() -> None:
    # the site reads the column as the text '-' (a column of nothing else is no number there),
    # and the server refused the federation: 'the sites read it differently'; a pooled fit of the
    # same rows reads it as numbers with '-' missing, as the site with blanks only already did
    params = TabularPreprocessor().get_params()
    rng = np.random.default_rng(0)
    a = pd.DataFrame({"duration": [f"{v:.2f}" for v in rng.exponential(2.0, 60)] + ["-"] * 4,
                      "proto": ["tcp", "udp"] * 32})
    b = pd.DataFrame({"duration": ["-", "(empty)", " - "] * 6, "proto": ["udp", "tcp", "tcp"] * 6})
    assert infer_role("duration", b["duration"], max_categories=50)[0] == "categorical"
    fed = federated_preprocessor(params, [a, b])
    pooled = TabularPreprocessor(**params).fit(pd.concat([a, b], ignore_index=True))
    assert fed.roles_["duration"] == pooled.roles_["duration"] == "numeric"
    assert fed.feature_names_ == pooled.feature_names_ and "duration:missing" in fed.feature_names_
    both = pd.concat([a, b], ignore_index=True)
    np.testing.assert_allclose(fed.transform(both), pooled.transform(both), atol=1e-6)
    # beside text at another site, a site of '-' only is text too (as a pooled fit reads it)
    c = pd.DataFrame({"duration": ["fast", "slow"] * 10, "proto": ["tcp"] * 20})
    assert federated_preprocessor(params, [c, b]).categories_["duration"] == ["(empty)", "-", "fast", "slow"]


def test_a_column_of_addresses_with_dashes_is_read_as_addresses() -> None:
    # Windows 4624/4625 IpAddress: '-' for a local logon (14% of the rows of the EVTX samples);
    # the vote counted '-' against the addresses and the column was one-hot text
    s = pd.Series(["172.16.66.1"] * 10 + ["-"] * 4 + ["::ffff:172.16.66.1", "10.0.2.17"])
    assert infer_role("IpAddress", s, max_categories=50) == ("ip", "IP address values ('-' missing)")
    pre = TabularPreprocessor().fit(pd.DataFrame({"IpAddress": s, "n": np.arange(16.0)}))
    assert pre.roles_["IpAddress"] == "ip" and "IpAddress:missing" in pre.feature_names_
    assert infer_role("x", pd.Series(["-"] * 10 + ["1.2.3.4", "b"]), max_categories=50)[0] == "categorical"


def test_merged_moments_of_huge_values_keep_the_pooled_log1p_decision() -> None:
    # the third central sum of values past 1e103 overflowed to nan: the merged skew read 0 and
    # the federated preprocessor skipped the log1p the pooled fit takes (the docs say exact)
    rng = np.random.default_rng(0)
    x = rng.lognormal(0, 3, 300)
    x[:3] = [1e110, 3e109, 1e108]
    df = pd.DataFrame({"x": x, "y": rng.normal(size=300)})
    params = TabularPreprocessor().get_params()
    sites = [df.iloc[:100], df.iloc[100:]]
    pre = schema_preprocessor(params, json.loads(json.dumps(merge_schema([site_schema(params, s)
                                                                          for s in sites]))))
    fed = scaled_preprocessor(pre, merge_scales([site_scales(pre, s) for s in sites]))
    pooled = TabularPreprocessor(**params).fit(df)
    assert fed.log1p_ == pooled.log1p_ == ["x"]
    np.testing.assert_allclose(fed.transform(df), pooled.transform(df), atol=1e-5)
    # moments sent without a scale (older sites) still merge, as of exponent 0
    a, b = _moments(np.array([1.0, 2.0])), _moments(np.array([1e200, 3e200]))
    a.pop("exp")
    both = _moments(np.array([1.0, 2.0, 1e200, 3e200]))
    merged = _merge_moments(a, b)
    assert merged["exp"] == both["exp"]
    np.testing.assert_allclose([merged[k] for k in ("mean", "m2", "m3")],
                               [both[k] for k in ("mean", "m2", "m3")], rtol=1e-12)


def test_the_1d_hint_works_on_what_was_given() -> None:
    # a Series or a list has no .reshape: following 'use X.reshape(-1, 1)' was an AttributeError
    s = pd.Series([1.0, 2.0])
    with pytest.raises(InputError, match=r"use X\.to_frame\(\) for a single feature$"):
        check_array(s)
    with pytest.raises(InputError, match=r"use X\.to_frame\(\)\.T for a single row$"):
        check_array(s, n_features=2)
    with pytest.raises(InputError, match=r"use np\.asarray\(X\)\.reshape\(1, -1\) for a single row$"):
        check_array([1.0, 2.0, 3.0], n_features=3)
    assert check_array(s.to_frame().T, n_features=2).shape == (1, 2)
    with pytest.raises(InputError, match=r"use X\.reshape\(-1, 1\) for a single feature$"):
        check_array(np.arange(3.0))
