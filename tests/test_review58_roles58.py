"""Review 58 (roles58): column roles across the real exports' full column lists."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.roles import infer_role


def test_http_status_code_with_zero_for_no_http_is_a_category() -> None:
    # What was wrong: TON_IoT's network set (and other flow exports) write http_status_code 0 for
    # a flow with no HTTP, beside 200, 404 ... of the HTTP ones; the HTTP status rule asked for
    # 100-599 only, so the one 0 made the column a numeric feature, min-max scaled as if 404
    # were twice 200, where the same column without its non-HTTP flows was a category.
    rng = np.random.default_rng(0)
    codes = pd.Series(rng.choice([0, 0, 0, 200, 301, 404, 500], 300))
    assert infer_role("http_status_code", codes, max_categories=100) == ("categorical", "HTTP status code")
    assert infer_role("http_status_code", codes.astype(str), max_categories=100)[0] == "categorical"
    # a 0/1 status (no code at all) stays a number
    assert infer_role("status", pd.Series([0, 1, 0]), max_categories=100)[0] == "numeric"
