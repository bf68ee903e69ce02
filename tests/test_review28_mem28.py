"""Memory that should not grow with the input: helpers of the streamed paths hold a block, not all."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hourglass.features.sessions import keys


def test_unseen_keys_joins_a_block_of_sessions_not_the_whole_log(monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: unseen_keys (run by `hourglass score` of a key file) joined every event of
    # the log into one array, and isin copied it again: a 40 MB key file (15 M events) held 300 MB
    # more at its peak, on top of the sessions themselves. It now counts a block at a time.
    rng = np.random.default_rng(0)
    sequences = [rng.integers(0, 12, int(n)) for n in rng.integers(1, 9, 200)]
    vocab = np.arange(10)
    expected = int((~np.isin(np.concatenate(sequences), vocab)).sum())
    joined: list[int] = []
    concatenate = np.concatenate

    def spy(arrays: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        arrays = list(arrays)
        joined.append(sum(len(a) for a in arrays))
        return concatenate(arrays, *args, **kwargs)

    monkeypatch.setattr(keys, "UNSEEN_BLOCK_EVENTS", 16, raising=False)
    monkeypatch.setattr(np, "concatenate", spy)
    assert keys.unseen_keys(sequences, vocab) == expected  # the same count
    assert joined and max(joined) < 16 + 8  # a block (and the session that filled it), never all
    assert sum(joined) == sum(len(s) for s in sequences)  # every event looked at once
    assert keys.unseen_keys([], vocab) == 0
