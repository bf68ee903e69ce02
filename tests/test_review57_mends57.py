"""Regression tests of the mends made while merging review round 57."""

from __future__ import annotations

import numpy as np

from hourglass.detectors.registry import get


def test_a_window_scores_the_same_alone_and_in_a_batch_at_the_smaller_row_block() -> None:
    # What was wrong: nn.predict_batches padded every batch to a multiple of 64 rows so that a
    # row's score did not follow its batch; one window of a wide window model (conv2d-ae, 100
    # channels, window 64) then cost 56 ms against 3 ms unpadded, where 16 rows give the same
    # identity (a tcn-ae window, below, differs alone and in a batch at 8 rows, not at 16).
    rng = np.random.default_rng(0)
    series = rng.normal(size=(300, 8)).astype(np.float32)
    det = get("tcn-ae")(window=32, epochs=1, random_state=0).fit(series)
    full = det.window_scores(series)
    for start in range(0, 260, 37):
        for extra in (0, 2, 9):
            alone = det.window_scores(series[start:start + 32 + extra])
            assert alone[0] == full[start]
