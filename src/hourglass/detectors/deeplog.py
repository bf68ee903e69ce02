"""DeepLog (Du et al., CCS 2017): an LSTM predicts the next log key from the previous ``window``.

An event is unexpected when its key is not among the ``top_g`` most likely next keys; a session
is anomalous when any event is. The continuous event score is ``rank - p`` (rank of the observed
key among the predictions, 1 = most likely, minus its probability): it lies in ``(rank - 1,
rank]``, so ``score > g`` exactly when the rank is above ``g``, and ROC-AUC is defined. A key
never seen in training cannot have been predicted: it scores ``max(V + 2, top_g) + 1``, above
every rank of the ``V + 2`` next-key classes and above ``g``, whatever the network's output for
the "unknown" class. The
session score is the maximum over its events; the default threshold is ``Fixed(top_g)``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Collection
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hourglass._memory import available_memory, memory_text
from hourglass.detectors.base import DeepDetector, check_at_least_one, check_dropout
from hourglass.detectors.events import EventsInput, Packed, check_top, dedup_rows, with_end
from hourglass.errors import HourglassWarning, InputError
from hourglass.features.sessions.keys import int_keys
from hourglass.nn import predict_batches
from hourglass.thresholds import Fixed, Threshold

__all__ = ["DeepLog"]

#: what a top_g that flags almost nothing should change, in a Python user's words; the CLI says it
#: with its own options (``cli._options.cli_advice``)
TOP_G_ADVICE = "lower top_g or pass a threshold"

Batch = tuple[torch.Tensor, ...]

#: Logits gathered at a time to rank the observed keys (16 MB of float32; with what is read from
#: them, a scoring block peaks at tens of MB, about 40 MB measured for 2,500 keys).
_RANK_ELEMENTS = 1 << 22

#: Bytes per (event, history step) that windowing a block holds at its peak: scoring, the history
#: indices, their clipped copy, the keys read and the padded windows (25 measured); training, also
#: the windows stacked with their next keys and the unique rows of those (48 measured)
_WINDOW_BYTES = {"score": 32, "train": 48}

#: Needs below this are not checked against the memory left: reading it (``/proc/meminfo`` and
#: the cgroup's files) took about a fifth of scoring one session (~0.2 ms of ~0.85 ms), and the
#: default window's full training block (131,072 events x 10 steps x 48 bytes) needs 63 MB
_CHECKED_FROM = 256 << 20


class _DeepLogNet(nn.Module):
    """Embedding → LSTM → linear over ``V + 2`` next keys: the known ones, "unknown" (``V``)
    and "end of session" (``V + 1``); ``V + 2`` is the padding of short histories."""

    def __init__(self, n_keys: int, embed: int, hidden: int, layers: int, dropout: float,
                 top_g: int = 9) -> None:
        super().__init__()
        self.unseen_score = float(max(n_keys + 2, top_g) + 1)  # above every rank and above g
        self.embed = nn.Embedding(n_keys + 3, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.out = nn.Linear(hidden, n_keys + 2)

    def logits(self, windows: torch.Tensor) -> torch.Tensor:
        h, _ = self.lstm(self.embed(windows))
        return self.out(h[:, -1])

    def loss(self, batch: Batch) -> torch.Tensor:
        windows, target, weight = batch
        ce = F.cross_entropy(self.logits(windows), target, reduction="none")
        return (ce * weight).sum() / weight.sum()

    def score(self, batch: Batch) -> torch.Tensor:
        """``rank - p`` of each window's next key (what :meth:`DeepLog.event_scores` gives)."""
        windows, target = batch[0], batch[1]
        logits = self.logits(windows)
        observed = logits.gather(1, target[:, None])
        rank = (logits > observed).sum(dim=1).float() + 1.0
        p = torch.softmax(logits, dim=1).gather(1, target[:, None])[:, 0]
        unseen = target == logits.shape[1] - 2  # a key never seen in training: above every rank
        return torch.where(unseen, torch.full_like(p, self.unseen_score), rank - p)


class DeepLog(EventsInput, DeepDetector):
    """DeepLog: LSTM next-key prediction over log-key windows; flags keys outside the top g.

    Parameters
    ----------
    window
        History length ``h`` (the paper's 10). Sessions are left-padded, so every event —
        the first one too — is predicted. A window whose history windows (see
        ``chunk_events``), or whose one window through the network, would take more memory
        than is left is refused with an :class:`~hourglass.errors.InputError` before either
        is built.
    top_g
        An event is unexpected when its key is not among the ``top_g`` likeliest (paper: 9).
        Used by the default threshold ``Fixed(top_g)``; pass ``threshold`` to fit a cut-off on
        held-out scores instead.
    end_token
        Also predict the end of each session, so a session that stops early (a truncated
        block) is unexpected too; its explanation names ``"<end>"`` as the unexpected event.
    embed, hidden, layers, dropout
        Key embedding size, LSTM width and depth (paper: 2 layers of 64), dropout between layers.
    chunk_events
        Events windowed per block, in training and scoring; bounds memory for any session
        length and log size (the windows of a block take ``chunk_events * window * 8`` bytes,
        about 10 MB at the defaults; ranking the observed keys reads the logits of a bounded
        number of events at a time: tens of MB, bounded whatever the number of keys).
    epochs, batch_size, lr, weight_decay, patience, validation_fraction
        Training (the one loop in :mod:`hourglass.nn`). Identical (window, next key) pairs are
        trained once with their count as weight, which is the same objective, much faster.
    threshold, device, verbose, random_state
        As for every detector.

    Examples
    --------
    >>> import numpy as np
    >>> normal = [np.array([1, 2, 3, 4, 5, 6])] * 50
    >>> dl = DeepLog(window=3, top_g=1, hidden=16, layers=1, epochs=60, lr=0.03, verbose=0).fit(normal)
    >>> dl.predict([np.array([1, 2, 3, 4, 5, 6]), np.array([1, 2, 4, 3, 5, 6]),
    ...             np.array([1, 2, 3])]).tolist()  # normal, wrong order, cut short
    [0, 1, 1]
    """

    _tags: ClassVar[dict[str, Any]] = {"input": "events", "supports_explain": True,
                                       "online_events": True, "warm_start": True}

    module_: _DeepLogNet

    # a memory bound: how many events are scored at a time, not their scores
    _free_after_fit: ClassVar[frozenset[str]] = DeepDetector._free_after_fit | {"chunk_events"}

    def __init__(
        self,
        window: int = 10,
        top_g: int = 9,
        end_token: bool = True,
        embed: int = 16,
        hidden: int = 64,
        layers: int = 2,
        dropout: float = 0.0,
        chunk_events: int = 131_072,
        epochs: int = 60,
        batch_size: int = 512,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int | None = 5,
        validation_fraction: float = 0.1,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.window = window
        self.top_g = top_g
        self.end_token = end_token
        self.embed = embed
        self.hidden = hidden
        self.layers = layers
        self.dropout = dropout
        self.chunk_events = chunk_events
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.threshold = threshold
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def _check_params(self) -> None:
        check_at_least_one(self, "window", "top_g", "embed", "hidden", "layers", "chunk_events")
        check_dropout(self)

    def _default_threshold(self) -> Threshold:
        return Fixed(int(self.top_g))

    def severity(self, scores: np.ndarray) -> np.ndarray:
        """``low`` / ``medium`` / ``high`` / ``critical`` per session score (rarity among the
        held-out normal scores, as for every detector), but ``low`` where the threshold does
        not flag the score; ``None`` for a NaN score.

        A detector's default cut (the 99th percentile of its held-out scores) is where
        ``medium`` starts, so an unflagged row is ``low``. DeepLog's default cut is its top-g
        rank, far above most normal scores: a session with a key ranked 3rd (a one-line HDFS
        block) is rarer than every held-out one, and read ``critical`` with flag 0.

        Examples
        --------
        >>> import numpy as np
        >>> normal = [np.array([1, 2, 3, 4, 5, 6])] * 50
        >>> dl = DeepLog(window=3, top_g=1, hidden=16, layers=1, epochs=60, lr=0.03, verbose=0).fit(normal)
        >>> s = np.array([0.9, 2.5, np.nan])  # rank 1 (p 0.1), rank 3: both above every held-out score
        >>> dl.threshold_predict(s).tolist(), dl.severity(s).tolist()
        ([0, 1, 0], ['low', 'critical', None])
        """
        out = super().severity(scores)
        s = np.asarray(scores, dtype=np.float64).ravel()
        out[~np.isnan(s) & (self.threshold_predict(s) == 0)] = "low"
        return out

    def _init_module(self, module: nn.Module, train: tuple[torch.Tensor, ...]) -> None:
        # said when training only: loading the artefact (set_state) builds the module again
        # the next events a session can hold: its keys, and its end with end_token (a session
        # cut short, or a known key ranked below the end, is flagged while top_g is below V + 1)
        n_features = int(self.n_features_in_)
        end = bool(self.end_token)
        if self.threshold is None and int(self.top_g) >= n_features + end:
            seen = f"{n_features} keys seen in training" + (" and the end of a session" if end else "")
            # ranks are over V + 2 classes ("unknown" and the end too): a known key (or the end)
            # ranked below them can still fall outside the top-g
            known = "a known key" + (" or the end of a session" if end else "")
            below = "'unknown'" + ("" if end else " or the end of a session")
            warnings.warn(f"DeepLog: top_g={self.top_g} is not below the {seen}, so a known key "
                          f"{'or the end ' if end else ''}is almost always among the top-g "
                          f"predictions: only keys never seen in training, or {known} the "
                          f"network ranks below {below}, can be flagged; {TOP_G_ADVICE}",
                          HourglassWarning, stacklevel=2)
        super()._init_module(module, train)
        self.trained_on_ = (int(self.window), bool(self.end_token))

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        # an artefact records the parameters, not trained_on_: saving (or copying for a warm
        # start) a network under another window or end_token would load it under the wrong one
        self._check_trained_on()
        return super()._get_state()

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        super()._set_state(meta, arrays)
        self.trained_on_ = (int(self.window), bool(self.end_token))

    def _check_built_with(self, skip: Collection[str] = ()) -> None:
        self._check_trained_on()  # said first, in its own words
        super()._check_built_with(skip)

    def _check_trained_on(self) -> None:
        """Refuse to score, save or warm start with another ``window`` or ``end_token`` than the
        network was trained with (``set_params`` after ``fit``): the LSTM reads windows of any
        length, so normal sessions were scored, and flagged, as the network never learnt them."""
        trained = getattr(self, "trained_on_", (int(self.window), bool(self.end_token)))
        for name, was, now in zip(("window", "end_token"), trained,
                                  (int(self.window), bool(self.end_token)), strict=True):
            if now != was:
                raise InputError(f"DeepLog: {name} is {now!r}, but the network was trained with "
                                 f"{was!r}; fit again, or set {name}={was!r}")

    def _build_module(self, n_features: int) -> nn.Module:
        return _DeepLogNet(n_features, int(self.embed), int(self.hidden), int(self.layers),
                           float(self.dropout), int(self.top_g))

    # -- windows ----------------------------------------------------------------------------
    def _check_window_fits(self, n_events: int, stage: str = "score") -> None:
        """Refuse, before anything is allocated, a ``window`` whose history windows for
        ``n_events`` events (a block, at most ``chunk_events``), or whose one window through the
        network, take more memory than is left: on Linux the allocation is granted and the kernel
        kills the process as its pages are written, or a bare ``MemoryError`` blamed nothing.
        Neither the data nor the batch size is what to change: the window is."""
        h = int(self.window)
        blocks = n_events * h * _WINDOW_BYTES[stage]
        # one window through the network holds at least the embedding and each layer's output
        # at every step (float32), whatever the batch size
        net = h * (int(self.embed) + int(self.layers) * int(self.hidden)) * 4
        if max(blocks, net) < _CHECKED_FROM:  # (the memory left is not read for every block)
            return
        have = available_memory()
        if have is None:
            return
        if blocks > have:
            # (a full block: training and scoring cut the events so; explain windows one event
            # of each session at once, which chunk_events does not bound)
            fewer = " or chunk_events" if n_events == int(self.chunk_events) else ""
            what = (f"the history windows of {n_events:,} events take {memory_text(blocks)} "
                    f"({_WINDOW_BYTES[stage]} bytes per event and step)")
        elif net > have:
            fewer = ""
            what = (f"one window through the network takes at least {memory_text(net)} (embed + "
                    "layers x hidden floats per step)")
        else:
            return
        # (no ``param``: the CLI's --window is a log model's time window, not this one)
        raise InputError(f"DeepLog: window {h:,} does not fit in memory: {what}; "
                         f"{memory_text(have)} is free; give a smaller window{fewer}")

    def _windows(self, X: Packed, events: np.ndarray, stage: str = "score"
                 ) -> tuple[np.ndarray, np.ndarray]:
        """(history windows, next keys) for the events at flat indices ``events``; history
        before a session's start is padding. A window too large for memory is refused first
        (``stage``: ``"train"`` holds more per window than ``"score"``)."""
        self._check_window_fits(len(events), stage)
        h = int(self.window)
        sess = np.searchsorted(X.starts, events, side="right") - 1
        pos = events - X.starts[sess]
        offsets = np.arange(-h, 0)
        idx = events[:, None] + offsets[None, :]
        valid = (pos[:, None] + offsets[None, :]) >= 0
        windows = np.where(valid, X.flat[np.maximum(idx, 0)], self.n_features_in_ + 2)
        return windows.astype(np.int64), X.flat[events]

    def _with_end(self, X: Packed) -> Packed:
        """``X`` with the end-of-session key ``V + 1`` after every session (if ``end_token``)."""
        return with_end(X, self.n_features_in_ + 1) if self.end_token else X

    def _train_tensors(self, X: Packed, y: np.ndarray | None) -> tuple[torch.Tensor, ...]:
        X = self._with_end(X)
        base, step = self.n_features_in_ + 3, int(self.chunk_events)
        parts, weights = [], []
        for lo in range(0, len(X.flat), step):  # unique (window, next key) pairs, block by block
            w, t = self._windows(X, np.arange(lo, min(lo + step, len(X.flat))), "train")
            uniq, _, counts = dedup_rows(np.column_stack([w, t]), base)
            parts.append(uniq)
            weights.append(counts)
        rows, inv, _ = dedup_rows(np.concatenate(parts), base)
        counts = np.bincount(inv, weights=np.concatenate(weights).astype(np.float64),
                             minlength=len(rows))
        return (torch.from_numpy(np.ascontiguousarray(rows[:, :-1])),
                torch.from_numpy(np.ascontiguousarray(rows[:, -1])),
                torch.from_numpy(counts.astype(np.float32)))

    # -- scoring ----------------------------------------------------------------------------
    def event_scores(self, X: object) -> list[np.ndarray]:
        """Score of every event (``rank - p`` of its key), one array per session; with
        ``end_token`` the last entry scores the end of the session.

        Examples
        --------
        >>> import numpy as np
        >>> dl = DeepLog(window=2, top_g=1, hidden=8, epochs=2, verbose=0).fit([np.array([1, 2, 3])] * 20)
        >>> [len(s) for s in dl.event_scores([np.array([1, 2]), np.array([3])])]
        [3, 2]
        """
        self._check_fitted()
        Xp = self._with_end(self._validate(X, reset=False))
        return np.split(self._event_scores(Xp), Xp.starts[1:])

    def _event_scores(self, X: Packed) -> np.ndarray:
        """``rank - p`` per event (``max(V + 2, top_g) + 1`` for an unseen key). Identical windows are run
        through the LSTM once; rank and probability of each observed key are read from those."""
        self._check_trained_on()
        self.module_.eval()
        out = np.empty(len(X.flat), dtype=np.float32)
        step = int(self.chunk_events)
        for lo in range(0, len(X.flat), step):
            hi = min(lo + step, len(X.flat))
            w, t = self._windows(X, np.arange(lo, hi))
            out[lo:hi] = self._window_scores(w, t)[0]
        return out

    def _window_scores(self, w: np.ndarray, t: np.ndarray, explain_above: float | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(``rank - p`` of each next key ``t`` after its dense window ``w``, the events scored
        above ``explain_above`` in order, the logits of every next-key class after each of those,
        less the row's largest); without ``explain_above`` the last two are empty. Identical
        windows run through the network once. Each event's rank reads a row of ``V + 2`` logits: the rows are
        gathered for at most ``_RANK_ELEMENTS // (V + 2)`` events at a time (all of a block's
        events at once held ``chunk_events * (V + 2)`` floats, 3 GB for 2,000 keys); only the
        logit rows of the events above ``explain_above`` are kept, the ones their rank was read from
        (a second run of the network for them doubled the streaming path's work)."""
        V = self.n_features_in_
        uniq, inv, _ = dedup_rows(w, V + 3)
        out = np.empty(len(t), dtype=np.float32)
        picked: list[np.ndarray] = []
        probs: list[np.ndarray] = []
        step = max(1, _RANK_ELEMENTS // (V + 2))
        one = len(t) <= step  # (the usual case: all of a block's events in one step, as slices)
        # else events in the order of their window, so each step needs one run of the unique windows
        order = None if one else np.argsort(inv, kind="stable")
        for lo in range(0, len(t), step):
            ev: slice | np.ndarray = slice(None) if order is None else order[lo:lo + step]
            rows = inv[ev]
            first = 0 if one else int(rows.min())
            last = len(uniq) if one else int(rows.max()) + 1
            logits = predict_batches(lambda b: self.module_.logits(b[0]),
                                     [np.ascontiguousarray(uniq[first:last])], device=self.device_,
                                     batch_size=8192)
            logits = logits - logits.max(axis=1, keepdims=True)
            denom = np.exp(logits).sum(axis=1)
            rows, te = rows - first if first else rows, t[ev]
            observed = logits[rows, te]
            rank = (logits[rows] > observed[:, None]).sum(axis=1) + 1
            p = np.exp(observed) / denom[rows]
            out[ev] = np.where(te == V, self.module_.unseen_score, rank - p)
            if explain_above is not None:
                # in float64, as threshold_predict compares: float32 scores against a Python float
                # compare in float32 (NumPy's weak scalars), the cut rounded, maybe up to a score
                hit = out[ev].astype(np.float64) > explain_above
                if hit.any():
                    picked.append(np.flatnonzero(hit) if order is None else order[lo:lo + step][hit])
                    probs.append(logits[rows[hit]])
        if not picked:
            return out, np.zeros(0, np.int64), np.zeros((0, V + 2), np.float32)
        if one:  # one step, its events in order: no copy to put them back in order
            return out, picked[0], probs[0]
        events = np.concatenate(picked)
        back = np.argsort(events, kind="stable")
        return out, events[back], np.concatenate(probs)[back]

    def next_event_scores(self, history: np.ndarray, observed: np.ndarray,
                          top: int | None = None, explain_above: float | None = None
                          ) -> dict[str, Any]:
        """Score single next events given their histories: the online form of :meth:`event_scores`.

        Parameters
        ----------
        history
            ``(n, window)`` raw keys before each event, oldest first; ``-1`` stands for "before
            the start of the session" (the padding a short session gets in batch scoring); other
            negative keys are refused, as in batch scoring.
        observed
            ``(n,)`` raw key of each event; ``-1`` is the end of the session (scored only with
            ``end_token``; a key never seen in training scores above every rank).
        top
            List the keys among the ``top`` likeliest next classes (default ``top_g``: the keys
            the top-g rule accepts there). The "unknown" class, and the end of a session without
            ``end_token``, keep their place in that count, as the rank counts them, but are no
            key to list: a key ranked below them is never listed as expected where it is
            flagged.
        explain_above
            List the expected keys only for events scoring above this (default: the fitted
            threshold); ``float("-inf")`` lists them for every event.

        Returns
        -------
        dict
            ``score`` (float32, as :meth:`event_scores`), ``rank`` (int, 1 = likeliest) and, per
            event, ``expected`` / ``expected_p`` (raw keys, ``"<end>"`` for the end of the
            session; ``None`` for events not explained). All events run through the network in
            one batch (identical windows once).

        Examples
        --------
        >>> import numpy as np
        >>> normal = [np.array([1, 2, 3, 4, 5, 6])] * 50
        >>> dl = DeepLog(window=3, top_g=1, hidden=16, layers=1, epochs=60, lr=0.03, verbose=0).fit(normal)
        >>> r = dl.next_event_scores(np.array([[-1, 1, 2], [1, 2, 3]]), np.array([4, 4]))
        >>> r["rank"].tolist()[1], r["expected"][0]  # 4 after 1 2 3 is expected; after 1 2 it is not
        (1, [3])
        """
        self._check_fitted()
        self._check_trained_on()
        h = int(self.window)
        hist = int_keys(history, "next_event_scores: history")
        if hist.size == 0:
            hist = hist.reshape(0, h)
        elif hist.ndim != 2 or hist.shape[1] != h:
            raise InputError(f"next_event_scores: history must be (n, window={h}) keys, one row per "
                             f"event, got shape {hist.shape}")
        top = None if top is None else check_top(top)
        if explain_above is not None and (isinstance(explain_above, bool)
                                          or not isinstance(explain_above, numbers.Real)
                                          or math.isnan(explain_above)):
            # float() said "could not convert string to float: 'a'" (a list: a TypeError), naming
            # no parameter; NaN, above which no score is, explained no event without a word
            raise InputError("next_event_scores: explain_above must be None or a number (a score; "
                             f"float('-inf') explains every event), got {explain_above!r}",
                             param="explain_above")
        obs = int_keys(observed, "next_event_scores: observed").reshape(-1)
        if len(hist) != len(obs):
            raise InputError(f"next_event_scores: {len(hist)} histories for {len(obs)} events")
        for name, keys, means in (("history", hist, "before the start of the session"),
                                  ("observed", obs, "the end of the session")):
            if (keys < -1).any():  # a key, as in batch scoring, is >= 0; only -1 stands for something
                raise InputError(f"next_event_scores: {name} keys must be >= 0 (or -1 for {means}), "
                                 f"found {int(keys[keys < -1][0])}")
        V = self.n_features_in_
        w = np.where(hist < 0, V + 2, self._map_keys(hist.ravel()).reshape(hist.shape))
        t = np.where(obs < 0, V + 1, self._map_keys(obs))
        if not self.end_token and (obs < 0).any():
            raise InputError("next_event_scores: this model does not predict the end of a session "
                             "(end_token=False)")
        if len(obs) == 0:
            return {"score": np.zeros(0, np.float32), "rank": np.zeros(0, np.int64),
                    "expected": [], "expected_p": []}
        self.module_.eval()
        cut = float(self.threshold_.value_) if explain_above is None else float(explain_above)
        scores, rows, lg = self._window_scores(w, t, cut)
        k = min(int(self.top_g if top is None else top), V + 2)
        expected: list[list[int | str | None] | None] = [None] * len(obs)
        expected_p: list[list[float] | None] = [None] * len(obs)
        if len(rows):
            e = np.exp(lg)
            p = e / e.sum(axis=1, keepdims=True)
            # ordered by the logits the rank counts, not by the probabilities: two keys whose
            # logits differ by less than float32 resolves in a probability (near 0) tie there, and
            # the observed key, ranked 2nd, was listed first, as if it were the expected one
            order = np.argsort(-lg, axis=1, kind="stable")[:, :k]
            for j, r in enumerate(rows.tolist()):
                keys = self._listed(order[j])
                expected[r] = self._keys_out(keys)
                expected_p[r] = [round(float(v), 4) for v in p[j, keys]]
        return {"score": scores, "rank": self._ranks(scores),
                "expected": expected, "expected_p": expected_p}

    def _ranks(self, scores: np.ndarray) -> np.ndarray:
        """The rank (1 = likeliest) of each event of score ``rank - p``: ``ceil(score)``, at least
        1. ``floor(score) + 1`` is one too many where ``p`` is below float32's resolution at
        ``rank`` (``8 - 1e-8`` is stored as ``8.0``), as an unexpected key's often is. A key never
        seen in training keeps ``floor(score) + 1``, above every rank."""
        s = np.asarray(scores, dtype=np.float64)
        unseen = s >= self.module_.unseen_score
        return np.where(unseen, np.floor(s) + 1, np.maximum(np.ceil(s), 1)).astype(np.int64)

    def _score(self, X: Packed) -> np.ndarray:
        X = self._with_end(X)
        return np.maximum.reduceat(self._event_scores(X), X.starts).astype(np.float64)

    # -- explanation --------------------------------------------------------------------------
    def explain(self, X: object, top: int | None = None) -> list[dict[str, Any]]:
        """Per session: the first event above the threshold (else the highest-scoring one),
        its key, score and rank, and the keys the model expected there: those among the ``top``
        likeliest next classes (default ``top_g``: the keys the top-g rule accepts; the
        "unknown" class, and the end without ``end_token``, count there but are not listed, see
        :meth:`next_event_scores`). Keys are the raw keys; ``None`` stands for "a key never seen
        in training" and ``"<end>"`` for the end of the session.

        Examples
        --------
        >>> import numpy as np
        >>> normal = [np.array([1, 2, 3, 4, 5, 6])] * 50
        >>> dl = DeepLog(window=3, top_g=1, hidden=16, layers=1, epochs=60, lr=0.03, verbose=0).fit(normal)
        >>> e = dl.explain([np.array([1, 2, 4, 3, 5, 6])])[0]
        >>> e["position"], e["key"], e["expected"]
        (2, 4, [3])
        """
        self._check_fitted()
        top = int(self.top_g) if top is None else check_top(top)
        Xp = self._with_end(self._validate(X, reset=False))
        scores = self._event_scores(Xp)
        thr = float(self.threshold_.value_)
        out = []
        pick = np.empty(len(Xp), dtype=np.int64)
        for i in range(len(Xp)):  # one index lookup per session; the model runs batched below
            s = scores[Xp.starts[i]:Xp.starts[i] + Xp.lengths[i]]
            above = np.flatnonzero(s.astype(np.float64) > thr)  # (as threshold_predict: float64)
            pick[i] = int(above[0]) if len(above) else int(np.argmax(s))
        idx = Xp.starts + pick
        # the picked windows run in batches, identical ones once (one batch of every session
        # at once held ~12 KB a session: 1.2 GB for 100,000 sessions)
        uniq, inv, _ = dedup_rows(self._windows(Xp, idx)[0], self.n_features_in_ + 3)
        k = min(top, self.n_features_in_ + 2)

        def top_keys(b: Batch) -> torch.Tensor:
            logits = self.module_.logits(b[0])
            # the top k by logit, as the rank counts them (not by probability: logits a hair
            # apart may round to one probability), equal ones by key as next_event_scores lists
            # them (a stable sort; topk's order of ties is unspecified)
            i = logits.sort(dim=1, descending=True, stable=True).indices[:, :k]
            p = torch.softmax(logits, dim=1).gather(1, i)
            return torch.cat([p, i.to(p.dtype)], dim=1)

        self.module_.eval()
        best = predict_batches(top_keys, [np.ascontiguousarray(uniq)], device=self.device_,
                               batch_size=8192)[inv]
        p_top, k_top = best[:, :k], best[:, k:].astype(np.int64)
        raw = self._keys_out(Xp.flat[idx])
        ranks = self._ranks(scores[idx])
        listed = ~np.isin(k_top, self._never_expected())  # as _listed, for every row at once
        for i in range(len(Xp)):
            sc = float(scores[idx[i]])
            out.append({"position": int(pick[i]), "key": raw[i], "score": sc,
                        "rank": int(ranks[i]),
                        "expected": self._keys_out(k_top[i][listed[i]]),
                        "expected_p": [round(float(v), 4) for v in p_top[i][listed[i]]]})
        return out

    def _never_expected(self) -> list[int]:
        """The next-key classes never a training target, so never listed as expected: the
        "unknown" key (a key never seen in training), and the end of a session without
        ``end_token``."""
        return [self.n_features_in_] + ([] if self.end_token else [self.n_features_in_ + 1])

    def _listed(self, classes: np.ndarray) -> np.ndarray:
        """``classes`` (the likeliest next classes, in rank order) without those that stand for
        no key the network learnt (:meth:`_never_expected`): the expected keys to list. They
        keep their place in the count of the top ones, as in the rank: listing the next key in
        their stead named a key ranked below the top g, flagged there, among those expected."""
        return classes[~np.isin(classes, self._never_expected())]

    def _keys_out(self, dense: np.ndarray) -> list[int | str | None]:
        end = self.n_features_in_ + 1
        raw = self._raw_keys(dense)
        return ["<end>" if int(d) == end else r for d, r in zip(np.asarray(dense).tolist(), raw,
                                                                  strict=True)]

    # -- state --------------------------------------------------------------------------------
