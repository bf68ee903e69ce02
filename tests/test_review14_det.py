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
