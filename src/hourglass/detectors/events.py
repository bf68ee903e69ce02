"""Input handling shared by the detectors of log sessions (``input="events"``).

A session is a sequence of non-negative integer keys (template ids). Detectors see them packed
(one flat array + lengths) so that windows, chunks and counts are built with array operations,
not a Python loop per session. Keys are mapped to a dense vocabulary learnt at fit; a key never
seen in training maps to one shared "unknown" index ``V`` (the number of known keys).
"""

from __future__ import annotations

import numbers
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from hourglass._arrays import from_torch
from hourglass.detectors.base import state_vector
from hourglass.errors import InputError
from hourglass.features.validation import check_labels

__all__ = ["EventsInput", "Packed", "check_top", "dedup_rows", "with_end"]


def _shown(key: object) -> str:
    """``key`` as a message shows it: a NumPy scalar as the Python value it holds (``1.5``,
    ``'a'``, ``True``), not NumPy 2's repr (``np.float64(1.5)``, ``np.str_('a')``).

    Examples
    --------
    >>> _shown(np.float64(1.5)), _shown(np.str_("a")), _shown(None)
    ('1.5', "'a'", 'None')
    """
    return repr(key.item() if isinstance(key, np.generic) else key)

@dataclass
class Packed:
    """Sessions as one flat key array and per-session lengths (all lengths > 0)."""

    flat: np.ndarray
    lengths: np.ndarray

    def __post_init__(self) -> None:
        self.starts = np.cumsum(self.lengths) - self.lengths

    def __len__(self) -> int:
        return len(self.lengths)

    def session_of_event(self) -> np.ndarray:
        """Session index of every event in ``flat``."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    def position_of_event(self) -> np.ndarray:
        """Position of every event inside its session."""
        return np.arange(len(self.flat)) - np.repeat(self.starts, self.lengths)

    def take(self, idx: np.ndarray) -> Packed:
        """The sessions at ``idx`` (vectorised gather)."""
        idx = np.asarray(idx, dtype=np.int64)
        lens = self.lengths[idx]
        offs = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens)
        return Packed(self.flat[np.repeat(self.starts[idx], lens) + offs], lens)

    def session(self, i: int) -> np.ndarray:
        return self.flat[self.starts[i]:self.starts[i] + self.lengths[i]]


def with_end(X: Packed, end: int) -> Packed:
    """``X`` with the key ``end`` appended to every session.

    Examples
    --------
    >>> import numpy as np
    >>> with_end(Packed(np.array([1, 2, 3]), np.array([2, 1])), 9).flat.tolist()
    [1, 2, 9, 3, 9]
    """
    lengths = X.lengths + 1
    flat = np.full(int(lengths.sum()), end, dtype=np.int64)
    keep = np.ones(len(flat), dtype=bool)
    keep[np.cumsum(lengths) - 1] = False
    flat[keep] = X.flat
    return Packed(flat, lengths)


def dedup_rows(M: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique rows of the non-negative int matrix ``M`` (values < ``base``): (unique rows,
    inverse index, counts). Rows are hashed to one int64 when they fit, else sorted as rows."""
    n, d = M.shape
    if n == 0:
        return M, np.zeros(0, np.int64), np.zeros(0, np.int64)
    if d * np.log2(max(base, 2)) < 62:
        powers = base ** np.arange(d, dtype=np.int64)
        codes = M.astype(np.int64) @ powers
        _, first, inv, counts = np.unique(codes, return_index=True, return_inverse=True,
                                          return_counts=True)
        return M[first], inv.ravel(), counts
    uniq, inv, counts = np.unique(M, axis=0, return_inverse=True, return_counts=True)
    return uniq, inv.ravel(), counts


def check_top(top: object) -> int:
    """``explain``'s ``top`` (how many expected keys to list) as an int ``>= 0``; anything else
    (``-1`` listed all keys but the last, or failed in torch's ``topk``) is refused by name.

    Examples
    --------
    >>> check_top(3)
    3
    >>> check_top(-1)
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: top must be an integer >= 0 (how many expected keys to list), got -1
    """
    if isinstance(top, bool) or not isinstance(top, numbers.Integral) or int(top) < 0:
        raise InputError(f"top must be an integer >= 0 (how many expected keys to list), got {top!r}",
                         param="top")
    return int(top)


class EventsInput:
    """Mixin: validate event sequences and map keys to the fitted vocabulary.

    Sets ``vocab_`` (sorted raw keys seen in training) and ``n_features_in_`` (their number,
    ``V``). Known keys become ``0..V-1``; unknown keys become ``V``.
    """

    _tags: ClassVar[dict[str, Any]] = {"input": "events"}

    @staticmethod
    def _pack_raw(X: object) -> Packed:
        X = from_torch(X, "events input")
        if isinstance(X, np.ndarray) and X.dtype != object:
            # a 2-D array is sessions of one length, one a row: "wrap a single session" misled
            hint = ("give one session per row as list(X)" if X.ndim == 2
                    else "wrap a single session as [keys]")
            raise InputError("events input: expected a list of key sequences (one per session), "
                             f"got a {X.ndim}-D array; {hint}")
        if not isinstance(X, Sequence | np.ndarray) or isinstance(X, str | bytes):
            hint = {"DataFrame": "; an event table goes through Pipeline(detector, features="
                                 "EventSessions(session_column=..., key_column=...))",
                    # a column of key lists (df.groupby(...)["key"].apply(list)): its values
                    "Series": "; a Series of key lists is given as X.tolist()",
                    # an Arrow list column (a Parquet column of key lists)
                    **dict.fromkeys(("ListArray", "LargeListArray", "ChunkedArray"),
                                    "; an Arrow list column is given as X.to_pylist()"),
                    }.get(type(X).__name__, "")
            raise InputError(f"events input: expected a list of integer key sequences, got "
                             f"{type(X).__name__}{hint}")
        if len(X) == 0:
            raise InputError("events input: no sessions (empty data)")
        arrays = []
        for i, s in enumerate(X):
            s = from_torch(s, f"session {i}")
            if isinstance(s, np.ma.MaskedArray) and np.ma.getmaskarray(s).any():
                # NumPy reads a masked array as its data: a masked key was read as the value
                # under the mask, without a word
                raise InputError(f"session {i}: masked keys are not supported; drop them first "
                                 "(s.compressed())")
            if isinstance(s, list | tuple):
                # a flag among integer keys: NumPy reads [1, True] as the keys [1, 1] (all flags,
                # [True, False], are a bool array, refused below): refused alike
                flag = next((v for v in s if isinstance(v, bool | np.bool_)), None)
                if flag is not None:
                    raise InputError(f"session {i}: keys must be integers, found {_shown(flag)}")
            a = np.asarray(s)
            if a.ndim == 0:  # "got shape ()" said nothing of what it was: None, text, one key
                one_key = isinstance(s, numbers.Integral) and not isinstance(s, bool)
                hint = ("; a single session is a list of its keys inside the list of sessions "
                        "([[1, 2, 3]])" if one_key else "")
                raise InputError(f"session {i}: expected a sequence of integer keys, got "
                                 f"{type(s).__name__} {reprlib.repr(s)}{hint}")
            if a.ndim != 1:
                raise InputError(f"session {i}: expected a 1-D sequence of integer keys, "
                                 f"got shape {a.shape}")
            if a.size == 0:
                raise InputError(f"session {i} is empty; drop empty sessions first "
                                 "(EventSessions skips and counts them)")
            if a.dtype.kind == "u" and a.max() >= 2**63:  # astype(int64) would wrap it negative
                EventsInput._too_large(a[a >= 2**63][0], i)
            if a.dtype.kind not in "iu":
                if a.dtype.kind == "f" and np.isfinite(a).all() and (a == np.round(a)).all():
                    # checked before the cast, which would overflow; in at least float64, as
                    # 2**63 is no float16 (casting it there warned "overflow encountered in
                    # cast"), and a long double kept (float64 rounds 2**63 - 1 up to 2**63)
                    big = np.abs(a.astype(np.result_type(a.dtype, np.float64), copy=False)) >= 2.0**63
                    if big.any():
                        EventsInput._too_large(a[big][0], i)
                    a = a.astype(np.int64)
                else:
                    a = EventsInput._object_keys(a, i)
            arrays.append(a.astype(np.int64, copy=False))
        lengths = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
        flat = np.concatenate(arrays)
        if (flat < 0).any():
            pos = int(np.flatnonzero(flat < 0)[0])
            sess = int(np.searchsorted(np.cumsum(lengths), pos, side="right"))
            raise InputError(f"session {sess}: keys must be >= 0, found {int(flat[pos])}")
        return Packed(flat, lengths)

    @staticmethod
    def _object_keys(a: np.ndarray, i: int) -> np.ndarray:
        """Session ``i`` that is no integer or float array: int64 keys when every item is a
        Python/NumPy integer in the int64 range (a mix with ``None`` or a key above ``2**63``
        makes an object array), else an error naming the first item that is not."""
        if a.dtype.kind == "f":
            bad = a[~np.isfinite(a) | (a != np.round(a))][0]
            raise InputError(f"session {i}: keys must be integers, found {_shown(bad)}")
        if a.dtype.kind == "O":
            for v in a.tolist():
                if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                    raise InputError(f"session {i}: keys must be integers, found {_shown(v)}")
                if not -2**63 <= int(v) < 2**63:
                    EventsInput._too_large(v, i)
            return a.astype(np.int64)
        raise InputError(f"session {i}: keys must be integers, found {_shown(a[0])}")

    @staticmethod
    def _too_large(key: object, i: int) -> None:
        """Raise: session ``i`` holds ``key``, an integer (or whole float) beyond int64. A float
        is shown as one (1e+300, not its 301 digits); an integer's digits up to 128 bits
        (Python refuses to print one of over 4,300 digits: a ValueError of its own)."""
        if isinstance(key, numbers.Integral) or abs(key) < 2.0**128:  # type: ignore[arg-type]
            k = int(key)  # type: ignore[call-overload]
            shown = str(k) if k.bit_length() <= 128 else f"of {k.bit_length()} bits"
        else:
            shown = np.format_float_scientific(key, precision=6, trim="-")  # type: ignore[arg-type]
        raise InputError(f"session {i}: key {shown} does not fit a 64-bit integer; map the keys "
                         "to smaller ids")

    def _map_keys(self, flat: np.ndarray) -> np.ndarray:
        vocab = self.vocab_
        pos = np.searchsorted(vocab, flat)
        pos_c = np.minimum(pos, len(vocab) - 1)
        known = vocab[pos_c] == flat
        return np.where(known, pos_c, len(vocab)).astype(np.int64)

    def _validate(self, X: object, *, reset: bool) -> Any:
        packed = self._pack_raw(X)
        if reset:
            self.vocab_ = np.unique(packed.flat)
            self.n_features_in_ = len(self.vocab_)
        return Packed(self._map_keys(packed.flat), packed.lengths)

    def warm_start(self, X: object, y: object | None = None, **params: Any) -> Any:
        """Continue training from the weights on the sessions ``X`` with the vocabulary frozen.

        A key never seen in the first training is this model's "unknown" key, as at scoring
        time. Sessions holding one are left out of the training (learning them would teach the
        network that never-seen events are normal) and counted in the new detector's
        ``warm_unknown_``: many of them say the vocabulary is stale (train a new model instead).

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import DeepLog
        >>> old = [np.array([1, 2, 3, 4])] * 40
        >>> det = DeepLog(window=2, top_g=1, hidden=8, epochs=5, verbose=0).fit(old)
        >>> new = det.warm_start([np.array([1, 2, 3, 4])] * 30 + [np.array([1, 9, 3, 4])] * 2, epochs=2)
        >>> new.warm_unknown_["sessions_with_unknown"], new.warm_unknown_["trained_sessions"]
        (2, 30)
        """
        self._check_fitted()  # type: ignore[attr-defined]
        if not self.get_tags()["warm_start"]:  # type: ignore[attr-defined]
            return super().warm_start(X, y, **params)  # type: ignore[misc]  # the refusal
        packed = self._pack_raw(X)
        dense = self._map_keys(packed.flat)
        unknown = dense == len(self.vocab_)
        per_session = np.bincount(packed.session_of_event()[unknown], minlength=len(packed))
        keep = np.flatnonzero(per_session == 0)
        stats = {"sessions": len(packed), "events": int(len(packed.flat)),
                 "unknown_events": int(unknown.sum()),
                 "sessions_with_unknown": int((per_session > 0).sum()),
                 "trained_sessions": int(len(keep))}
        if not len(keep):
            raise InputError(f"{type(self).__name__}: every one of the {len(packed)} new sessions "
                             "holds a key the model never saw; its vocabulary is stale: train a "
                             "new model")
        sub = packed.take(keep)
        sessions = np.split(sub.flat, sub.starts[1:])
        labels = None
        if y is not None:
            labels = np.asarray(y).ravel()
            if len(labels) != len(packed):
                raise InputError(f"y: {len(labels)} labels for {len(packed)} sessions")
            # read before the sessions holding an unknown key are left out: a bad label is named
            # by its session among those given, not among those kept
            labels = check_labels(labels, len(labels))[keep]
        new = super().warm_start(sessions, labels, **params)  # type: ignore[misc]
        new.warm_unknown_ = stats
        # the labelled anomalies among the sessions trained on (those with an unknown key are not)
        new.warm_labelled_anomalies_ = None if labels is None else int(
            np.count_nonzero(check_labels(labels, len(labels)) == 1))
        return new

    def _n_samples(self, X: Any) -> int:
        return len(X)

    def _take(self, X: Any, idx: np.ndarray) -> Any:
        return X.take(idx)

    def _raw_keys(self, dense: npt.ArrayLike) -> list[int | None]:
        """Dense indices back to raw keys (``None`` for the unknown index)."""
        V = len(self.vocab_)
        return [int(self.vocab_[k]) if 0 <= k < V else None for k in np.asarray(dense).tolist()]

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, arrays = super()._get_state()  # type: ignore[misc]
        return meta, {**arrays, "vocab": self.vocab_.astype(np.int64)}

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        try:
            self.vocab_ = state_vector(arrays, "vocab", np.int64)
        except KeyError:
            raise InputError("detector state is missing the key vocabulary") from None
        if len(self.vocab_) != self.n_features_in_:
            raise InputError("detector state: vocabulary size does not match n_features_in")
        if (np.diff(self.vocab_) <= 0).any():  # fit's np.unique: a key repeated or out of order
            # read each later key as another one's index (other scores)
            raise InputError("detector state: the key vocabulary is not sorted with each key once; "
                             "the artefact was modified")
        super()._set_state(meta, arrays)  # type: ignore[misc]
