"""One answer for one thing: counts said in the singular, one wording of the values that are
not finite, one rule for a held-out share's row count, LEEF's escapes read as CEF's, a Windows
event's time read from its flat export as from the ``.evtx`` reading."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hourglass.errors import InputError


def test_nan_or_inf_counted_in_one_wording() -> None:
    # what was wrong: the features' check said "2 non-finite value(s) (NaN or inf); first at
    # row 1" where the scores' check says "2 NaN or infinite score(s); first at row 1" (and
    # the VUS series check ", first at step"): one count, two wordings
    from hourglass.evaluate.metrics import check_scores
    from hourglass.evaluate.vus import tsb_sliding_window
    from hourglass.features.validation import check_array

    X = np.array([[0.0, 1.0], [np.nan, 2.0], [np.inf, 3.0]])
    with pytest.raises(InputError) as features:
        check_array(X, what="X")
    with pytest.raises(InputError) as scores:
        check_scores([0.0, np.nan, np.inf])
    with pytest.raises(InputError) as series:
        tsb_sliding_window(np.array([0.0, np.nan, np.inf] + [1.0] * 20))
    said = [str(e.value) for e in (features, scores, series)]
    assert re.search(r"^X: 2 NaN or infinite value\(s\); first at row 1, column 0$", said[0]), said
    assert re.search(r"^scores: 2 NaN or infinite score\(s\); first at row 1$", said[1]), said
    assert re.search(r"2 NaN or infinite value\(s\) .*; first at step 1$", said[2]), said
    assert not any("non-finite" in s for s in said), said
