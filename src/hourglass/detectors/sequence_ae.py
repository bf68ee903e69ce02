"""Autoencoders over log sessions: a recurrent one over key embeddings, and one over key counts.

* :class:`SequenceAutoEncoder` encodes a session (LSTM/GRU, optionally bidirectional, from
  :mod:`hourglass.nn.recurrent`) into a small code and decodes the key at every position; the
  score of an event is the negative log-likelihood of its key, a session scores the maximum (or
  mean) over its events. Each session ends with an end-of-session key, so a session cut short is
  unusual too. Sessions longer than ``max_length`` are cut into chunks.
* :class:`EventCountAutoEncoder` is the quantitative view (Lou et al.'s invariants, loglizer's
  event-count vectors): the hourglass autoencoder on ``log1p`` of each key's count per session.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Collection, Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from hourglass.detectors.autoencoder import AutoEncoder
from hourglass.detectors.base import DeepDetector, check_at_least_one, check_dropout
from hourglass.detectors.events import EventsInput, Packed, check_top, dedup_rows, with_end
from hourglass.errors import InputError
from hourglass.features.sessions import count_vectors
from hourglass.nn import RNNDecoder, RNNEncoder, TrainConfig, predict_batches
from hourglass.thresholds import Threshold

__all__ = ["EventCountAutoEncoder", "SequenceAutoEncoder"]

Batch = tuple[torch.Tensor, ...]

#: Most decoder logits (chunks x positions x keys) a pass of :class:`SequenceAutoEncoder` holds
#: when it scores, explains or takes a validation loss (4M floats; cross-entropy and softmax
#: hold a copy or two more): a batch of 4,096 chunks of 100 positions over 1,000 keys held GBs.
_LOGITS = 1 << 22


def _unique_chunks(M: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`~hourglass.detectors.events.dedup_rows` of the chunk matrix ``M``, the same
    (unique rows in the same order, inverse index, counts), in time linear in its size.

    Chunks too wide for one int64 code went to ``np.unique(M, axis=0)``, which sorts the rows
    as raw bytes: 87 s for 300,000 sessions of 3 events padded to 128 positions. Here each row
    is hashed to one integer (wrapping uint64 arithmetic), the hashes are made unique, every row
    is checked against its group's first row (a collision falls back to ``dedup_rows``), and
    only the few unique rows are sorted (lexicographically, as ``np.unique(M, axis=0)`` does).
    Narrow chunks take ``dedup_rows``'s own (fast) path.

    Examples
    --------
    >>> M = np.array([[3, 1], [0, 2], [3, 1]])
    >>> [a.tolist() for a in _unique_chunks(M, 2**40)]  # too wide for one int64 code
    [[[0, 2], [3, 1]], [1, 0, 1], [1, 2]]
    """
    n, d = M.shape
    if n == 0 or d * np.log2(max(base, 2)) < 62:
        return dedup_rows(M, base)
    weights = np.random.default_rng(0).integers(1, 2**63, size=d, dtype=np.uint64) | np.uint64(1)
    step = max(1, (1 << 22) // d)  # rows per block: temporaries of at most 32 MB
    h = np.empty(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for lo in range(0, n, step):
            block = M[lo:lo + step].astype(np.uint64) * weights
            h[lo:lo + step] = block.sum(axis=1, dtype=np.uint64)
    _, first, inv, counts = np.unique(h, return_index=True, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    for lo in range(0, n, step):
        if not np.array_equal(M[lo:lo + step], M[first[inv[lo:lo + step]]]):
            return dedup_rows(M, base)  # two chunks share a hash
    uniq = M[first]
    order = np.lexsort(uniq.T[::-1])  # by the first column, then the next ...
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return uniq[order], rank[inv], counts[order]


class _SeqAENet(nn.Module):
    def __init__(self, n_keys: int, embed: int, hidden: int, code: int, cell: str, layers: int,
                 bidirectional: bool, dropout: float) -> None:
        super().__init__()
        self.pad = n_keys + 2  # n_keys: unknown, n_keys + 1: end of session
        self.embed = nn.Embedding(n_keys + 3, embed)
        self.encoder = RNNEncoder(embed, hidden, cell=cell, num_layers=layers,
                                  bidirectional=bidirectional, dropout=dropout)
        self.code = nn.Linear(self.encoder.out_size, code)
        self.decoder = RNNDecoder(code, hidden, n_keys + 2, cell=cell, num_layers=layers,
                                  dropout=dropout)

    def logits(self, keys: torch.Tensor) -> torch.Tensor:
        _, summary = self.encoder(self.embed(keys))
        return self.decoder(torch.tanh(self.code(summary)), keys.shape[1])

    def nll(self, keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-position negative log-likelihood (0 on padding) and the padding mask."""
        mask = keys != self.pad
        target = torch.where(mask, keys, torch.zeros_like(keys))
        logits = self.logits(keys)
        nll = F.cross_entropy(logits.transpose(1, 2), target, reduction="none")
        return nll * mask, mask

    def loss(self, batch: Batch) -> torch.Tensor:
        keys, weight = batch
        nll, mask = self.nll(keys)
        per_row = nll.sum(dim=1) / mask.sum(dim=1).clamp(min=1)
        return (per_row * weight).sum() / weight.sum()

    def score(self, batch: Batch) -> torch.Tensor:
        nll, _ = self.nll(batch[0])
        return torch.stack([nll.sum(dim=1), nll.max(dim=1).values], dim=1)


class SequenceAutoEncoder(EventsInput, DeepDetector):
    """Recurrent sequence autoencoder over key embeddings; scores each key's surprise.

    Parameters
    ----------
    cell
        ``"lstm"`` or ``"gru"``.
    bidirectional
        Bidirectional encoder.
    embed, hidden, code, layers, dropout
        Key embedding size, RNN width and depth, code (bottleneck) size, dropout between layers.
    max_length
        Longest chunk the model sees; longer sessions are cut into chunks of at most the
        longest training chunk (so memory stays bounded for any session length).
    reduce
        Session score: ``"max"`` (the most surprising event) or ``"mean"`` over its events.
    epochs, batch_size, lr, weight_decay, patience, validation_fraction
        Training (identical chunks are trained once, weighted by their count).
    threshold, device, verbose, random_state
        As for every detector.

    Examples
    --------
    >>> import numpy as np
    >>> normal = [np.array([1, 2, 3, 4, 5])] * 40 + [np.array([1, 2, 6, 4, 5])] * 40
    >>> ae = SequenceAutoEncoder(hidden=16, code=4, epochs=40, lr=0.02, verbose=0).fit(normal)
    >>> s = ae.score([np.array([1, 2, 3, 4, 5]), np.array([5, 4, 3, 2, 1])])
    >>> bool(s[1] > s[0])
    True
    """

    _tags: ClassVar[dict[str, Any]] = {"input": "events", "supports_explain": True, "warm_start": True}

    module_: _SeqAENet

    def __init__(
        self,
        cell: str = "lstm",
        bidirectional: bool = False,
        embed: int = 16,
        hidden: int = 64,
        code: int = 16,
        layers: int = 1,
        dropout: float = 0.0,
        max_length: int = 128,
        reduce: str = "max",
        epochs: int = 60,
        batch_size: int = 256,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int | None = 5,
        validation_fraction: float = 0.1,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.cell = cell
        self.bidirectional = bidirectional
        self.embed = embed
        self.hidden = hidden
        self.code = code
        self.layers = layers
        self.dropout = dropout
        self.max_length = max_length
        self.reduce = reduce
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
        if self.cell not in ("lstm", "gru"):
            raise InputError(f"cell must be 'lstm' or 'gru', got {self.cell!r}", param="cell")
        if self.reduce not in ("max", "mean"):
            raise InputError(f"reduce must be 'max' or 'mean', got {self.reduce!r}", param="reduce")
        check_at_least_one(self, "embed", "hidden", "code", "layers", "max_length")
        check_dropout(self)

    def _build_module(self, n_features: int) -> nn.Module:
        return _SeqAENet(n_features, int(self.embed), int(self.hidden), int(self.code), self.cell,
                         int(self.layers), bool(self.bidirectional), float(self.dropout))

    def _chunk_batch(self, length: int, most: int = 4096) -> int:
        """Chunks per network pass that keep the decoder's logits within :data:`_LOGITS`."""
        return int(min(most, max(1, _LOGITS // (int(length) * (int(self.n_features_in_) + 2)))))

    def _train_config(self, n_rows: int | None = None) -> TrainConfig:
        config = super()._train_config(n_rows)
        return dataclasses.replace(config, eval_batch_size=self._chunk_batch(
            getattr(self, "length_", self.max_length), most=max(config.batch_size, 4096)))

    # -- chunks -----------------------------------------------------------------------------
    def _chunks(self, X: Packed, length: int) -> tuple[np.ndarray, np.ndarray]:
        """Left-padded chunk matrix (chunks × ``length``) and the session of each chunk; each
        session ends with the end-of-session key ``V + 1`` so that a session cut short is
        unusual too."""
        X = with_end(X, self.n_features_in_ + 1)
        pos = X.position_of_event()
        sess = X.session_of_event()
        n_chunks = (X.lengths + length - 1) // length
        chunk_first = np.cumsum(n_chunks) - n_chunks
        chunk = chunk_first[sess] + pos // length
        chunk_len = np.bincount(chunk, minlength=int(n_chunks.sum()))
        col = pos % length + (length - chunk_len[chunk])
        M = np.full((int(n_chunks.sum()), length), self.n_features_in_ + 2, dtype=np.int64)
        M[chunk, col] = X.flat
        return M, np.repeat(np.arange(len(X)), n_chunks)

    def _train_tensors(self, X: Packed, y: np.ndarray | None) -> tuple[torch.Tensor, ...]:
        M, _ = self._chunks(X, self.length_)
        rows, _, counts = _unique_chunks(M, self.n_features_in_ + 3)
        return torch.from_numpy(np.ascontiguousarray(rows)), torch.from_numpy(counts.astype(np.float32))

    # max_length only bounds the chunk length fit chose (length_): any value no shorter scores
    # and saves the same
    _free_after_fit: ClassVar[frozenset[str]] = DeepDetector._free_after_fit | {"max_length"}

    def _check_built_with(self, skip: Collection[str] = ()) -> None:
        super()._check_built_with(skip)
        length = self.__dict__.get("length_")
        most = self.max_length
        # compared by value, as fit reads it (int(max_length)): 64.0 and np.int64(64) are 64
        if (length is not None and isinstance(most, numbers.Real) and not isinstance(most, bool | np.bool_)
                and math.isfinite(most) and not float(most).is_integer()):
            raise InputError(f"{type(self).__name__}: max_length must be an integer, got {most!r}")
        if length is not None and "built_with_" in self.__dict__ and not (
                isinstance(most, numbers.Real) and not isinstance(most, bool | np.bool_)
                and math.isfinite(most) and int(most) >= length):
            raise InputError(f"{type(self).__name__}: max_length is {most!r}, below the chunk length "
                             f"{length} the model was fitted with (an artefact saved so would not "
                             f"load); fit again, or set max_length to at least {length}")

    def _fit(self, X: Packed, X_val: Packed | None, y: np.ndarray | None) -> None:
        self.length_ = int(min(int(self.max_length), int(X.lengths.max()) + 1))
        super()._fit(X, X_val, y)

    def _score(self, X: Packed) -> np.ndarray:
        self._check_built_with()
        self.module_.eval()
        M, sess = self._chunks(X, self.length_)
        rows, inv, _ = _unique_chunks(M, self.n_features_in_ + 3)
        s = predict_batches(self.module_.score, [rows], device=self.device_,
                            batch_size=self._chunk_batch(M.shape[1]))[inv]
        if self.reduce == "max":
            out = np.full(len(X), -np.inf)
            np.maximum.at(out, sess, s[:, 1])
            return out
        return np.bincount(sess, weights=s[:, 0], minlength=len(X)) / (X.lengths + 1)

    # -- explanation --------------------------------------------------------------------------
    def explain(self, X: object, top: int = 9) -> list[dict[str, Any]]:
        """Per session: the first event whose surprise is above the threshold (else the most
        surprising one), its key and negative log-likelihood, and the ``top`` keys the decoder
        expected there.

        Examples
        --------
        >>> import numpy as np
        >>> normal = [np.array([1, 2, 3, 4, 5])] * 80
        >>> ae = SequenceAutoEncoder(hidden=16, code=4, epochs=40, lr=0.02, verbose=0).fit(normal)
        >>> ae.explain([np.array([1, 2, 3, 9, 5])], top=1)[0]["expected"]
        [4]
        """
        self._check_fitted()
        self._check_built_with()
        top = check_top(top)
        Xp = self._validate(X, reset=False)
        M, sess = self._chunks(Xp, self.length_)
        end = self.n_features_in_ + 1
        thr = float(self.threshold_.value_)
        self.module_.eval()
        # the decoder's logits are chunks x length x keys: computed a bounded batch of chunks at
        # a time, keeping only each position's surprise, then again for one chunk per session
        batch = self._chunk_batch(M.shape[1])
        nll_np = predict_batches(lambda b: self.module_.nll(b[0])[0], [M], device=self.device_,
                                 batch_size=batch)
        mask_np = M != self.module_.pad
        nll_np = np.where(mask_np, nll_np, -np.inf)
        picks: list[tuple[int, int, int]] = []  # (chunk row, column, position in the session)
        # a session's chunks are consecutive rows of M (a search of all rows per session made
        # explaining n sessions take time in n²: 40,000 sessions 2 s, 400,000 minutes)
        first = np.searchsorted(sess, np.arange(len(Xp) + 1))
        for i in range(len(Xp)):
            rows = np.arange(first[i], first[i + 1])
            flat = nll_np[rows].ravel()
            above = (np.flatnonzero(flat.astype(np.float64) > thr)  # float64: as threshold_predict
                     if self.reduce == "max" else np.zeros(0, np.int64))
            j = int(above[0]) if len(above) else int(np.argmax(flat))
            picks.append((int(rows[j // M.shape[1]]), j % M.shape[1],
                          int(mask_np[rows].ravel()[:j].sum())))
        # the "unknown" class (a key never seen in training) is no key the decoder was taught to
        # expect: never listed
        unknown = int(self.n_features_in_)
        k = min(int(top), unknown + 1)
        p_top = np.zeros((len(picks), k), dtype=np.float32)
        k_top = np.zeros((len(picks), k), dtype=np.int64)
        with torch.inference_mode():
            for lo in range(0, len(picks), batch):
                part = picks[lo:lo + batch]
                keys = torch.from_numpy(M[[r for r, _, _ in part]]).to(self.device_)
                cols = torch.tensor([c for _, c, _ in part], device=self.device_)
                logits = self.module_.logits(keys)[torch.arange(len(part), device=self.device_), cols]
                prob = torch.softmax(logits, dim=1)
                p, kk = prob.index_fill(1, torch.tensor([unknown], device=prob.device), -1.0).topk(k, dim=1)
                p_top[lo:lo + len(part)], k_top[lo:lo + len(part)] = p.cpu().numpy(), kk.cpu().numpy()
        out: list[dict[str, Any]] = []
        for i, (r, c, position) in enumerate(picks):
            keys_out = ["<end>" if int(key) == end else raw
                        for key, raw in zip(k_top[i], self._raw_keys(k_top[i]), strict=True)]
            out.append({"position": position,
                        "key": "<end>" if int(M[r, c]) == end else self._raw_keys([M[r, c]])[0],
                        "score": float(nll_np[r, c]), "expected": keys_out,
                        "expected_p": [round(float(v), 4) for v in p_top[i]]})
        return out

    # -- state --------------------------------------------------------------------------------
    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, arrays = super()._get_state()
        return {**meta, "length": self.length_}, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        length = meta.get("length", self.max_length)
        # the chunk length fit chose: a whole number in [1, max_length]; 0 cut every session
        # into no chunk at all (scores -inf), a huge one allocated a chunk matrix that wide
        whole = ((isinstance(length, numbers.Integral) and not isinstance(length, bool))
                 or (isinstance(length, float) and length.is_integer()))
        if not whole or not 1 <= length <= int(self.max_length):
            raise InputError(f"detector state has chunk length {length!r}; expected a whole "
                             f"number from 1 to max_length ({self.max_length})")
        self.length_ = int(length)
        super()._set_state(meta, arrays)


class EventCountAutoEncoder(EventsInput, AutoEncoder):
    """Autoencoder on per-session event counts (``log1p``), the quantitative view of a session.

    A count of a key never seen in training goes to an extra "unknown" column, which is always
    zero in training. Labelled anomalous sessions in ``fit(X, y)`` train it semi-supervised as
    the :class:`~hourglass.detectors.AutoEncoder` (``label_margin`` 10, ``label_weight`` 1).

    Parameters
    ----------
    hidden, activation, dropout, batch_norm, epochs, batch_size, lr, weight_decay, patience, \
validation_fraction, threshold, device, verbose, random_state
        As for :class:`~hourglass.detectors.AutoEncoder`, with defaults for session counts:
        ``hidden=(64, 32, 8)``, ``batch_norm=False``, ``epochs=100``, ``batch_size=256``,
        ``patience=10``. The counts (``log1p``) go to the network as they are: there is no
        ``standardize`` and no ``score_norm`` here.

    Examples
    --------
    >>> import numpy as np
    >>> normal = [np.array([1, 2, 2, 3])] * 60 + [np.array([1, 2, 3, 3])] * 60
    >>> ae = EventCountAutoEncoder(hidden=(8, 2), epochs=60, lr=0.01, verbose=0).fit(normal)
    >>> s = ae.score([np.array([1, 2, 2, 3]), np.array([1, 1, 1, 1, 1, 3])])
    >>> bool(s[1] > s[0])
    True
    """

    # not "onnx_export": its input is sessions, counted and log1p'd in ``_validate`` (Python)
    _tags: ClassVar[dict[str, Any]] = {"input": "events", "supports_explain": True,
                                       "onnx_export": False, "gradients": False, "warm_start": True}
    # log1p key counts go to the network as they are (no ``standardize`` parameter here)
    _params_before_added: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        hidden: Sequence[int] = (64, 32, 8),
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        epochs: int = 100,
        batch_size: int | str = 256,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int | None = 10,
        validation_fraction: float = 0.1,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        super().__init__(hidden=hidden, activation=activation, dropout=dropout,
                         batch_norm=batch_norm, epochs=epochs, batch_size=batch_size, lr=lr,
                         weight_decay=weight_decay, patience=patience, standardize=False,
                         validation_fraction=validation_fraction, threshold=threshold,
                         device=device, verbose=verbose, random_state=random_state)

    def _validate(self, X: object, *, reset: bool) -> Any:
        packed = super()._validate(X, reset=reset)
        return np.log1p(count_vectors(np.split(packed.flat, packed.starts[1:]), self.n_features_in_))

    def _n_samples(self, X: Any) -> int:
        return int(X.shape[0])

    def _take(self, X: Any, idx: np.ndarray) -> Any:
        return X[idx]

    def _build_module(self, n_features: int) -> nn.Module:
        return super()._build_module(n_features + 1)  # + the "unknown key" column

    def _row_width(self) -> int:
        return int(self.n_features_in_) + 1  # count_vectors' "unknown key" column

    def explain(self, X: object, top: int = 9) -> list[dict[str, Any]]:
        """Per session: the key of the session counted most above its reconstruction (its first
        position), and the ``top`` keys whose reconstructed count most exceeds the observed one.

        Examples
        --------
        >>> import numpy as np
        >>> normal = [np.array([1, 2, 2, 3])] * 100
        >>> ae = EventCountAutoEncoder(hidden=(8, 2), epochs=80, lr=0.01, verbose=0).fit(normal)
        >>> ae.explain([np.array([1, 2, 2, 7])], top=1)[0]["key"] is None  # 7 was never seen
        True
        """
        self._check_fitted()
        top = check_top(top)
        packed = EventsInput._validate(self, X, reset=False)
        C = np.log1p(count_vectors(np.split(packed.flat, packed.starts[1:]), self.n_features_in_))
        with torch.inference_mode():
            R = self.module_(torch.from_numpy(C).to(self.device_)).cpu().numpy()
        out = []
        for i in range(len(packed)):
            excess = C[i] - R[i]
            # among the keys the session holds: a key it lacks, reconstructed below 0, has an
            # excess above 0 too, and naming it put another event's line under its name
            k = int(np.argmax(np.where(C[i] > 0, excess, -np.inf)))
            seq = packed.session(i)
            where = np.flatnonzero(seq == k)
            # the keys counted below their reconstruction, most first; not the "unknown" column
            # (zero in every training session: no key the model can expect)
            order = np.argsort(excess, kind="stable")
            missing = order[(excess[order] < 0) & (order < self.n_features_in_)][: int(top)]
            out.append({"position": int(where[0]) if len(where) else 0,
                        "key": self._raw_keys([k])[0], "score": float(excess[k]),
                        "expected": self._raw_keys(missing),
                        "expected_p": []})
        return out
