"""Regression tests: log sessions, their detectors and the adversarial detectors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions


def test_true_false_time_column_is_no_readable_time() -> None:
    # pandas read True/False as tz-naive NaT, and subtracting the UTC epoch raised a TypeError
    df = pd.DataFrame({"user": ["a", "b"] * 4, "event": ["x", "y"] * 4,
                       "ts": [True, False] * 4})
    for opts in ({"window": 10.0}, {"session_column": "user"}):
        with pytest.raises(InputError, match=r"'ts' .*no readable time"):
            EventSessions(key_column="event", time_column="ts", **opts).fit_transform(df)


@pytest.mark.parametrize("column", ["user", "event", "ts"])
def test_table_column_named_twice_is_named(column: str) -> None:
    # df[column] is then a frame of both, which failed deep inside with AttributeError/ValueError
    df = pd.DataFrame({"user": ["a", "b", "a"], "event": ["x", "y", "z"], "ts": [1, 2, 3]})
    df = pd.concat([df, df[[column]]], axis=1)
    with pytest.raises(InputError, match=f"'{column}' appears 2 times"):
        EventSessions(session_column="user", key_column="event", time_column="ts").fit_transform(df)


def test_event_ensemble_fits_with_labels() -> None:
    # the members that learn from normal sessions only got X[y == 0]: a boolean mask on the
    # list of sessions, a TypeError
    from hourglass.detectors import EventEnsemble

    sessions = [np.array([1, 2, 2, 3])] * 20 + [np.array([1, 2, 3, 3])] * 20 + [np.array([7, 7])] * 4
    y = np.array([0] * 40 + [1] * 4)
    ens = EventEnsemble(detectors=(("event-count-autoencoder", {"hidden": (4,)}),
                                   ("deeplog", {"hidden": 8, "layers": 1, "window": 2})),
                        epochs=1, verbose=0).fit(sessions, y)
    assert ens.members_[1].vocab_.tolist() == [1, 2, 3]  # the anomalous sessions left out
    assert ens.score(sessions[:1]).shape == (1,)


def test_float_session_ids_name_one_session_in_every_chunk() -> None:
    # a fractional id in one chunk made every id of that chunk "7.0", while the next chunk
    # (whole ids only) called the same session "7": one session split in two
    from hourglass.features.sessions.grouping import SessionGrouper

    g = SessionGrouper(session_column="s")
    g.add(pd.DataFrame({"key": [1, 2], "line": [1, 2], "s": [7.0, 7.5]}, index=[5, 6]))
    g.add(pd.DataFrame({"key": [3, 4], "line": [3, 4], "s": [7.0, np.nan]}))
    ids, seqs, _, counts = g.finish()
    assert ids == ["7", "7.5"]
    assert [s.tolist() for s in seqs] == [[1, 3], [2]]
    assert counts["events_without_session"] == 1


@pytest.mark.parametrize(("window", "step"), [("x", None), (60.0, "1m"), ([60], None)])
def test_window_that_is_no_number_is_named(window: Any, step: Any) -> None:
    # float('x') raised "could not convert string to float: 'x'", naming no parameter
    with pytest.raises(InputError, match=r"window/step: need numbers of seconds, got window="):
        EventSessions(format="raw", window=window, step=step).fit_transform(["a 1", "b 2"])


def test_next_event_scores_refuses_keys_that_are_no_int64() -> None:
    # np.asarray(.., dtype=int64) cut 1.5 to key 1 silently and raised OverflowError for 2**64
    from hourglass.detectors import DeepLog

    dl = DeepLog(window=2, top_g=1, hidden=8, layers=1, epochs=1, verbose=0).fit([np.array([1, 2, 3])] * 10)
    for observed in ([1.5], [2**64]):
        with pytest.raises(InputError, match="observed must hold integer keys"):
            dl.next_event_scores(np.array([[1, 2]]), observed)
    with pytest.raises(InputError, match="history must hold integer keys"):
        dl.next_event_scores([[1.0, float("nan")]], [3])
    whole = dl.next_event_scores([[1.0, 2.0]], [3.0])["score"]
    assert np.array_equal(whole, dl.next_event_scores(np.array([[1, 2]]), np.array([3]))["score"])
