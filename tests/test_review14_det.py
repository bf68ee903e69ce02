"""Regression tests: DeepLog, the ensembles and the event-input helpers on edge cases."""

from __future__ import annotations

import numpy as np

from hourglass.detectors import DeepLog, EventEnsemble


class _OwnDeepLog(DeepLog):
    """A caller's subclass, not in the registry."""


def test_event_ensemble_explain_names_an_unregistered_member_by_its_class() -> None:
    member = _OwnDeepLog(window=2, top_g=1, hidden=8, layers=1, epochs=1, verbose=0)
    ens = EventEnsemble(detectors=(member,), verbose=0).fit([np.array([1, 2, 3])] * 12)
    # fit and score worked; explain raised "_OwnDeepLog is not a registered detector"
    e = ens.explain([np.array([1, 2])])
    assert e[0]["member"] == "_OwnDeepLog" and e[0]["key"] == 1


def test_deeplog_top_g_warning_counts_the_end_of_a_session() -> None:
    import warnings

    normal = [np.array([1, 2, 3])] * 20
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # 3 keys + the end: top_g=3 still flags a session cut short; it was warned of as
        # "only keys never seen in training can be flagged"
        DeepLog(window=2, top_g=3, hidden=8, layers=1, epochs=1, verbose=0).fit(normal)
        quiet = [str(w.message) for w in caught if "DeepLog: top_g" in str(w.message)]
        caught.clear()
        DeepLog(window=2, top_g=4, hidden=8, layers=1, epochs=1, verbose=0).fit(normal)
        said = [str(w.message) for w in caught if "DeepLog: top_g" in str(w.message)]
        caught.clear()
        DeepLog(window=2, top_g=3, end_token=False, hidden=8, layers=1, epochs=1, verbose=0).fit(normal)
        no_end = [str(w.message) for w in caught if "DeepLog: top_g" in str(w.message)]
    assert quiet == []
    assert len(said) == 1 and "not below the 3 keys seen in training and the end of a session" in said[0]
    assert len(no_end) == 1 and "not below the 3 keys seen in training," in no_end[0]
