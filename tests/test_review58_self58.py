"""Review round 58 (self58): regression tests for defects in this round's own changes."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError


@pytest.mark.parametrize("kw", [{"sliding_window": -10**5000}, {"n_thresholds": -10**5000},
                                {"sliding_window": -10**400}, {"n_thresholds": -10**400}])
def test_vus_volumes_refuses_huge_negative_integers_in_one_line(kw: dict[str, int]) -> None:
    # What was wrong: b08c9222 made vus_volumes quote an integer past float's range as "an integer
    # past float's range" only in its 'at most' refusal; the 'whole number >= 0' (and n_thresholds'
    # '>= 1') refusals still quoted repr(value): -10**400 gave a message of 400 digits, and
    # -10**5000 a ValueError traceback (Python's 4300-digit limit on int -> str), no InputError.
    from hourglass.evaluate.vus import vus_volumes

    y, s = np.array([0, 0, 1, 1, 0, 0, 0, 0]), np.arange(8.0)
    with pytest.raises(InputError) as exc:
        vus_volumes(y, s, **kw)
    assert "an integer past float's range" in str(exc.value)
    assert len(str(exc.value)) < 200
