"""Ensemble of log-session detectors: the quantitative (count) and the sequential (order) views.

An event-count autoencoder sees *which* events a session holds and how often; DeepLog or a
sequence autoencoder sees their *order*. A session whose counts are normal but whose order is not
is invisible to the first, and a rare-but-normal ordering costs the second false alarms. The
:class:`EventEnsemble` fits both on the same sessions, calibrates each on its own held-out normal
scores and combines them (by default the most alarmed member, ``combine="max"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from hourglass._logs import quiet_warnings
from hourglass.detectors.ensemble import Ensemble, _label
from hourglass.detectors.events import EventsInput, check_top
from hourglass.thresholds import Threshold

__all__ = ["EventEnsemble"]


class EventEnsemble(Ensemble):
    """Log sessions scored by several event detectors, each calibrated on its held-out normal
    sessions, combined (default: count autoencoder + DeepLog, rank calibration, max).

    Works as :class:`~hourglass.detectors.Ensemble` (same ``calibration`` and ``combine``
    rules, same held-out split for the ensemble's own threshold) on ``input="events"``
    detectors. Members given by registry name or ``(name, params)`` get the ensemble's
    ``epochs`` (when set), ``device``, ``verbose`` and ``random_state`` unless their params set
    them; instances keep theirs. :meth:`explain` reports, per session, the explanation of the member whose
    calibrated score is highest (its registry name under ``"member"``; its class name for a
    class not registered).

    Parameters
    ----------
    detectors
        Members: ``events`` detectors, registry names or ``(name, params)`` pairs.
    calibration, combine, validation_fraction, threshold
        As for :class:`~hourglass.detectors.Ensemble`; the defaults here are ``"rank"``
        (each member's empirical CDF on its held-out normal sessions, with the distance above
        their maximum in held-out standard deviations) and ``"max"``.
    epochs
        Training epochs of every member built from a name (``None``: each member's own default).
    device, verbose, random_state
        Passed to members built from names; ``random_state`` also seeds the ensemble's split.

    Examples
    --------
    >>> import numpy as np
    >>> normal = [np.array([1, 2, 3, 4, 5, 6])] * 40 + [np.array([1, 2, 4, 3, 5, 6])] * 40
    >>> ens = EventEnsemble(detectors=(
    ...     ("event-count-autoencoder", {"hidden": (8, 2), "epochs": 30, "lr": 0.01}),
    ...     ("deeplog", {"window": 3, "top_g": 1, "hidden": 16, "layers": 1, "epochs": 40,
    ...                  "lr": 0.03})), verbose=0).fit(normal)
    >>> s = ens.score([np.array([1, 2, 3, 4, 5, 6]), np.array([1, 2, 5, 4, 3, 6])])
    >>> bool(s[1] > s[0])  # same counts, unseen order: only DeepLog sees it
    True
    """

    _tags: ClassVar[dict[str, Any]] = {"input": "events", "supports_labels": True,
                                       "supports_explain": True, "gradients": False}
    _member_input: ClassVar[str] = "events"

    def __init__(
        self,
        detectors: Sequence[Any] = ("event-count-autoencoder", "deeplog"),
        calibration: str = "rank",
        combine: str = "max",
        validation_fraction: float = 0.1,
        threshold: Threshold | None = None,
        epochs: int | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        super().__init__(detectors=detectors, calibration=calibration, combine=combine,
                         validation_fraction=validation_fraction, threshold=threshold,
                         epochs=epochs, device=device, verbose=verbose, random_state=random_state)

    # -- input: sessions stay key sequences; every member maps them to its own vocabulary -------
    def _validate(self, X: object, *, reset: bool) -> Any:
        packed = EventsInput._pack_raw(X)
        return np.split(packed.flat, packed.starts[1:])

    def _n_samples(self, X: Any) -> int:
        return len(X)

    def _take(self, X: Any, idx: np.ndarray) -> Any:
        return [X[i] for i in np.asarray(idx, dtype=np.int64)]

    def _fit(self, X: Any, X_val: Any, y: np.ndarray | None) -> None:
        # members' own thresholds are not used here (their scores are calibrated), so DeepLog's
        # warning about top_g versus the vocabulary does not apply
        with quiet_warnings(UserWarning, "DeepLog: top_g"):
            super()._fit(X, X_val, y)
        self._set_vocab()

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        with quiet_warnings(UserWarning, "DeepLog: top_g"):
            super()._set_state(meta, arrays)
        self._set_vocab()

    def _set_vocab(self) -> None:
        self.vocab_ = np.unique(np.concatenate([m.vocab_ for m in self.members_]))
        self.n_features_in_ = len(self.vocab_)

    def explain(self, X: object, top: int | None = None) -> list[dict[str, Any]]:
        """Per session: the explanation of the member with the highest calibrated score (see
        that detector's ``explain``), plus ``"member"``, its registry name (its class name for
        a class not registered). ``top``: how many expected keys to list; ``None``, each
        member's own number: DeepLog's ``top_g`` (the keys it accepts), 5 for a member without
        one (as :func:`~hourglass.explain.session_alerts` lists for it alone).

        Examples
        --------
        >>> import numpy as np
        >>> ens = EventEnsemble(detectors=(("event-count-autoencoder", {"hidden": (4,),
        ...                                 "epochs": 2}),), verbose=0).fit([np.array([1, 2])] * 20)
        >>> ens.explain([np.array([1, 2, 2])])[0]["member"]
        'event-count-autoencoder'
        """
        self._check_fitted()
        top = None if top is None else check_top(top)
        sessions = self._validate(X, reset=False)
        best = np.argmax(self._calibrated(sessions), axis=0)
        out: list[dict[str, Any]] = [{} for _ in sessions]
        for j, m in enumerate(self.members_):
            idx = np.flatnonzero(best == j)
            if len(idx) == 0:
                continue
            if not hasattr(m, "explain"):
                for i in idx:
                    out[i] = {"position": 0, "key": None, "score": float("nan"), "expected": [],
                              "expected_p": [], "member": _label(m)}
                continue
            own = top if top is not None else int(getattr(m, "top_g", 5))
            for i, e in zip(idx, m.explain(self._take(sessions, idx), top=own), strict=True):
                out[i] = {**e, "member": _label(m)}
        return out
