"""Feature preprocessing: the same values read alike whatever their dtype."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hourglass.features import TabularPreprocessor


def _flags(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"bytes": rng.lognormal(5, 1, n), "syn": rng.choice([True, False], n)})


@pytest.mark.parametrize("spell", [str.lower, str.upper, str])
def test_a_boolean_column_scored_as_its_text_is_no_unseen_value(spell: object) -> None:
    # a CSV column of true/false reads as booleans ('True'); the same column with one other word in
    # it (or JSON strings "true") reads as text 'true': every row was <unseen>, its score raised
    train = _flags()
    pre = TabularPreprocessor().fit(train)
    as_text = train.assign(syn=train["syn"].map(lambda b: spell(str(b))).astype(object))  # type: ignore[operator]
    want = pre.transform(train)
    for rows in (as_text, as_text.iloc[:3], pd.concat([as_text] * 40, ignore_index=True)):
        got = pre.transform(rows)
        assert np.array_equal(got, want[np.arange(len(rows)) % len(train)])
    # trained on the text, scored as booleans; saved and loaded
    pre = TabularPreprocessor().fit(train.assign(syn=train["syn"].map({True: "true", False: "false"})))
    loaded = TabularPreprocessor.from_dict(json.loads(json.dumps(pre.to_dict(), sort_keys=True)))
    assert "syn=<unseen>" in pre.feature_names_
    unseen = pre.feature_names_.index("syn=<unseen>")
    for p in (pre, loaded):
        X = p.transform(train)
        assert not X[:, unseen].any()
        assert p.transform(train.assign(syn="maybe"))[:, unseen].all()  # a new word still is unseen
