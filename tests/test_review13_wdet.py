"""Regression tests: windowed time-series detectors and the log-session autoencoder."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.detectors import SequenceAutoEncoder
from hourglass.errors import InputError


@pytest.fixture(scope="module")
def seq_ae() -> SequenceAutoEncoder:
    normal = [np.array([1, 2, 3, 4, 5])] * 20
    return SequenceAutoEncoder(hidden=4, code=2, embed=4, epochs=1, verbose=0).fit(normal)


@pytest.mark.parametrize("length", [0, -3, 10**7, 3.5, "x", True])
def test_sequence_ae_refuses_a_saved_chunk_length_fit_cannot_give(seq_ae, length) -> None:
    meta, arrays = seq_ae.get_state()
    meta["length"] = length
    with pytest.raises(InputError, match="chunk length"):
        SequenceAutoEncoder(hidden=4, code=2, embed=4).set_state(meta, arrays)


def test_sequence_ae_saved_chunk_length_round_trips(seq_ae) -> None:
    meta, arrays = seq_ae.get_state()
    back = SequenceAutoEncoder(hidden=4, code=2, embed=4).set_state(meta, arrays)
    X = [np.array([1, 2, 3, 4, 5]), np.array([5, 4])]
    assert back.length_ == seq_ae.length_ == 6
    np.testing.assert_array_equal(back.score(X), seq_ae.score(X))
