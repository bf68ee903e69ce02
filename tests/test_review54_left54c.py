"""Review round 54 (left54c): regression tests."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def test_timeseries_benchmark_docstring_says_how_a_forecaster_maps_scores() -> None:
    # What was wrong: benchmarks/timeseries.py's docstring said "every window score is mapped back
    # to steps the same way (mean over the windows covering a step)", though lstm-forecaster's
    # first `window` steps of a scored series take a copy of the first forecast's score (no
    # forecast is about them) and pyod-lstmad maps its scores back its own way.
    from hourglass.detectors import LSTMForecaster

    X = np.random.default_rng(0).normal(size=(60, 2)).astype("float32")
    det = LSTMForecaster(window=8, epochs=1, verbose=0, random_state=0).fit(X)
    s = det.score(X)
    assert (s[:8] == s[8]).all()  # the behaviour the docstring now states
    doc = ast.get_docstring(ast.parse((ROOT / "benchmarks" / "timeseries.py").read_text()))
    assert doc is not None
    assert "mapped back to steps the same way" not in doc
    assert "take a copy of the first forecast's score" in " ".join(doc.split())


def test_small_sample_warning_of_a_forecaster_says_the_held_out_steps(caplog) -> None:
    # What was wrong: the warning of a percentile fitted on few held-out scores advised "195 or
    # more scores" though a forecaster's held-out tail gives `window` fewer scores than steps
    # (and a window model's causal scores `window - 1` fewer): holding out 195 steps still
    # warned. It now says the steps too: "from 211 or more held-out steps here (the first 16 of
    # the 40 held out give no score)".
    import logging

    from hourglass.detectors import LSTMForecaster

    X = np.random.default_rng(0).normal(size=(400, 2)).astype("float32")
    with caplog.at_level(logging.WARNING, logger="hourglass.thresholds.base"):
        det = LSTMForecaster(window=16, epochs=1, validation_fraction=0.1, verbose=0,
                             random_state=0).fit(X)
    assert (len(det.val_index_), det.val_scores_.size) == (40, 24)
    said = [r.getMessage() for r in caplog.records if "bring it within 1.5x" in r.getMessage()]
    assert len(said) == 2  # the threshold's and the stream threshold's
    for text in said:
        assert "195 or more scores bring it within 1.5x, from 211 or more held-out steps here " \
               "(the first 16 of the 40 held out give no score)" in text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hourglass.thresholds.base"):
        det.set_threshold(det.threshold_)  # a refit on the same held-out scores says it too
    assert any("211 or more held-out steps" in r.getMessage() for r in caplog.records)


def test_set_threshold_refusal_of_a_forecaster_says_the_held_out_steps() -> None:
    # What was wrong: a rule's refusal of too few held-out scores was told in held-out steps by
    # fit and by the CLI's `threshold`, but not by set_threshold (and so Pipeline.with_threshold):
    # "DSPOT: 24 scores are too few ...; need at least 150 ... a larger held-out share", though
    # 150 held-out steps give a forecaster 134 scores. It now says the steps, as fit does.
    import pytest

    from hourglass.detectors import LSTMForecaster
    from hourglass.errors import InputError
    from hourglass.thresholds import DSPOT

    X = np.random.default_rng(0).normal(size=(400, 2)).astype("float32")
    det = LSTMForecaster(window=16, epochs=1, validation_fraction=0.1, verbose=0,
                         random_state=0).fit(X)
    with pytest.raises(InputError) as err:
        det.set_threshold(DSPOT())
    text = str(err.value)
    assert text.count("(the held-out tail's 40 steps give 24 scores: its first 16 steps have no "
                      "forecast of their own, so hold out 16 steps more than the scores needed)") == 1
    assert getattr(err.value, "too_few_scores", "").endswith("than the scores needed)")
