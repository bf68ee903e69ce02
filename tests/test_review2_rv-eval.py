"""Review of evaluation, benchmarks and the distributed adapters: regression tests of the defects
found, each number checked against an independent computation."""

from __future__ import annotations

import numpy as np


def test_log_scale_histogram_keeps_the_smallest_and_largest_score() -> None:
    # 10 ** log10(x) is often a rounding off x: the extreme scores (typically the top anomaly)
    # fell outside the bins and out of their class's histogram in about 3 reports out of 10
    from hourglass.evaluate.plots import _hist_edges

    rng = np.random.default_rng(0)
    for _ in range(300):
        lo = rng.uniform(-8, 3)
        s = 10 ** rng.uniform(lo, lo + 5, 40)
        edges, log = _hist_edges(s)
        assert log
        assert np.histogram(s, bins=edges)[0].sum() == s.size
        assert np.all(np.diff(edges) > 0)
    lin, log = _hist_edges(np.array([-1.0, 0.5, 2.0]))
    assert not log and np.histogram([-1.0, 0.5, 2.0], bins=lin)[0].sum() == 3
