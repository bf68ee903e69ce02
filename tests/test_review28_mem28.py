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


def test_label_strings_share_one_string_per_label() -> None:
    # What was wrong: label_strings gave every row a str of its own (about 60 bytes), and evaluate
    # keeps the labels of every chunk of the file: 800,000 NSL-KDD rows held ~50 MB of copies of
    # 23 label names. Each distinct label is now one object, shared by its rows; same values.
    import pandas as pd

    from hourglass.ingest.formats import label_strings

    text = label_strings(pd.Series([" normal", "neptune", "normal ", None, "neptune"] * 20))
    assert text.dtype == object and text.tolist()[:5] == ["normal", "neptune", "normal", "", "neptune"]
    assert len({id(v) for v in text}) == 3
    numbers = label_strings(pd.Series([0.0, 1.0, None, 2.5] * 20))
    assert numbers.tolist()[:4] == ["0", "1", "", "2.5"] and len({id(v) for v in numbers}) == 4


def test_per_class_detection_reads_text_labels_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: per_class_detection (evaluate's per-class and per-category rates) turned the
    # labels into a fixed-width copy (astype(str): 4 bytes a character of the longest label, a
    # row) that class_codes then made a new str of, row by row: 143 bytes a row at the peak, twice
    # with categories. Text labels now go to class_codes as they are; other labels as text still.
    from hourglass.evaluate import metrics

    seen: list[np.dtype[Any]] = []
    class_codes = metrics.class_codes

    def spy(names: np.ndarray, *args: Any) -> tuple[np.ndarray, np.ndarray]:
        seen.append(names.dtype)
        return class_codes(names, *args)

    monkeypatch.setattr(metrics, "class_codes", spy)
    labels = np.array(["normal", "smurf", "neptune", "smurf"], dtype=object)
    out = metrics.per_class_detection(labels, [0, 1, 0, 1], {"smurf": "DoS", "neptune": "DoS"})
    assert seen == [np.dtype(object)]
    assert out == {"DoS": {"n": 3, "detected": 2, "rate": 2 / 3},
                   "normal": {"n": 1, "detected": 0, "rate": 0.0}}
    # numbers and mixed labels are read as their text, as before: 1 and "1" one class
    mixed = metrics.per_class_detection(np.array([1, "1", None], dtype=object), [1, 0, 1])
    assert mixed == {"1": {"n": 2, "detected": 1, "rate": 0.5}, "None": {"n": 1, "detected": 1, "rate": 1.0}}
