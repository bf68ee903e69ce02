"""LatentIForest: an isolation forest on an autoencoder's code and reconstruction error.

Deep representation, classical decision. The forest is kept as plain arrays (one row per tree
node) and scored by this module, so the artefact stores it in safetensors — no pickle — and a
loaded model runs exactly the code, on exactly the numbers, that the live one ran.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.ensemble import IsolationForest
from torch import nn

from hourglass.detectors._reconstruction import ReconstructionMixin
from hourglass.detectors.autoencoder import _AEModule
from hourglass.detectors.base import DeepDetector, check_at_least_one, check_hidden
from hourglass.errors import InputError
from hourglass.nn import predict_batches
from hourglass.thresholds import Threshold

__all__ = ["ArrayForest", "LatentIForest"]


def average_path_length(n: np.ndarray) -> np.ndarray:
    """c(n): mean path length of an unsuccessful search in a binary search tree of ``n`` points.

    Examples
    --------
    >>> average_path_length(np.array([1, 2, 256])).round(3).tolist()
    [0.0, 1.0, 10.245]
    """
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


@dataclass
class ArrayForest:
    """An isolation forest as flat node arrays (all trees concatenated; ``roots`` index them).

    ``left``/``right`` are global child indices (-1 at a leaf), ``feature`` a column of the input
    (already mapped through the forest's per-tree feature subsets), ``n_samples`` the training
    rows that reached the node. :meth:`score` follows Liu, Ting & Zhou (2008) as scikit-learn
    does: ``2 ** (-mean path length / c(max_samples))``.

    Examples
    --------
    >>> from sklearn.ensemble import IsolationForest
    >>> X = np.random.default_rng(0).normal(size=(300, 3)).astype("float32")
    >>> sk = IsolationForest(n_estimators=10, random_state=0).fit(X)
    >>> forest = ArrayForest.from_sklearn(sk)
    >>> bool(np.allclose(forest.score(X), -sk.score_samples(X)))
    True
    """

    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    n_samples: np.ndarray
    roots: np.ndarray
    max_samples: int

    @classmethod
    def from_sklearn(cls, forest: IsolationForest) -> ArrayForest:
        left, right, feature, threshold, n_samples, roots = [], [], [], [], [], []
        offset = 0
        for est, cols in zip(forest.estimators_, forest.estimators_features_, strict=True):
            t = est.tree_
            leaf = t.children_left < 0
            roots.append(offset)
            left.append(np.where(leaf, -1, t.children_left + offset))
            right.append(np.where(leaf, -1, t.children_right + offset))
            feature.append(np.where(leaf, 0, np.asarray(cols)[np.maximum(t.feature, 0)]))
            threshold.append(t.threshold)
            n_samples.append(t.n_node_samples)
            offset += t.node_count
        return cls(np.concatenate(left).astype(np.int64), np.concatenate(right).astype(np.int64),
                   np.concatenate(feature).astype(np.int64),
                   np.concatenate(threshold).astype(np.float64),
                   np.concatenate(n_samples).astype(np.int64), np.asarray(roots, dtype=np.int64),
                   int(forest.max_samples_))

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"left": self.left, "right": self.right, "feature": self.feature,
                "threshold": self.threshold, "n_samples": self.n_samples, "roots": self.roots}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], max_samples: int) -> ArrayForest:
        try:
            forest = cls(**{k: np.asarray(arrays[k]) for k in
                            ("left", "right", "feature", "threshold", "n_samples", "roots")},
                         max_samples=int(max_samples))
        except KeyError as exc:
            raise InputError(f"saved forest is missing {exc}") from None
        for name in ("left", "right", "feature", "threshold", "n_samples", "roots"):
            want = np.float64 if name == "threshold" else np.int64  # as from_sklearn writes them
            if getattr(forest, name).dtype != want:  # a cut cast to other values splits other rows
                raise InputError(f"saved forest: {name} holds {getattr(forest, name).dtype}, expected "
                                 f"{np.dtype(want)}; the artefact was modified")
        n = forest.left.shape[0]
        for name in ("left", "right", "feature", "threshold", "n_samples"):
            if getattr(forest, name).shape != (n,):
                raise InputError(f"saved forest: {name} does not hold one value per node ({n})")
        for name in ("left", "right"):
            idx = getattr(forest, name)
            if idx.dtype.kind not in "iu" or idx.min(initial=0) < -1 or idx.max(initial=0) >= n:
                raise InputError(f"saved forest: {name} indices out of range")
        if forest.roots.ndim != 1 or forest.roots.dtype.kind not in "iu" or forest.roots.size == 0 \
                or forest.roots.min() < 0 or forest.roots.max() >= n:
            raise InputError("saved forest: root indices out of range")
        # scikit-learn numbers a node's children after it: a child at or before its parent
        # would make a cycle, and :meth:`score` would follow it for ever
        inner = forest.left >= 0
        node = np.arange(n)
        if ((forest.right >= 0) != inner).any() or (forest.left[inner] <= node[inner]).any() \
                or (forest.right[inner] <= node[inner]).any():
            raise InputError("saved forest: a node's children are not after it (not a tree)")
        if forest.max_samples < 2:
            raise InputError(f"saved forest: max_samples must be >= 2, got {forest.max_samples}")
        return forest

    def score(self, X: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """Anomaly score in (0, 1) per row; higher = isolated sooner = more anomalous."""
        X = np.asarray(X, dtype=np.float32)
        leaf_c = average_path_length(self.n_samples)
        out = np.empty(X.shape[0], dtype=np.float64)
        for lo in range(0, X.shape[0], chunk):
            xb = X[lo:lo + chunk]
            rows = np.arange(xb.shape[0])[:, None]
            node = np.broadcast_to(self.roots, (xb.shape[0], self.roots.size)).copy()
            depth = np.zeros(node.shape, dtype=np.float64)
            while True:
                inner = self.left[node] >= 0
                if not inner.any():
                    break
                go_left = xb[rows, self.feature[node]] <= self.threshold[node]
                nxt = np.where(go_left, self.left[node], self.right[node])
                node = np.where(inner, nxt, node)
                depth += inner
            depth += leaf_c[node]
            out[lo:lo + chunk] = depth.mean(axis=1)
        return 2.0 ** (-out / average_path_length(np.array([self.max_samples]))[0])


class LatentIForest(ReconstructionMixin, DeepDetector):
    """Isolation forest on an autoencoder's code plus its log reconstruction error.

    The autoencoder (same module as :class:`~hourglass.detectors.AutoEncoder`) is trained on the
    training rows by the one training loop; then an isolation forest (scikit-learn's, seeded) is
    fitted on those rows' codes and ``log`` mean squared reconstruction errors. The score is the
    forest's anomaly score in (0, 1). The forest is stored as node arrays and scored by
    :class:`ArrayForest`, so save/load gives identical scores without pickle.
    ``score_features`` gives the autoencoder's per-feature squared error (part of the evidence,
    not a decomposition of the score).

    Parameters
    ----------
    hidden
        Encoder widths; the last one is the code the forest sees.
    use_error
        Give the forest the reconstruction error as an extra column.
    n_estimators, max_samples
        Trees and rows per tree of the forest (``max_samples`` at least 2).
    activation, epochs, batch_size, lr, weight_decay, patience, validation_fraction, threshold, \
device, verbose, random_state
        As for :class:`~hourglass.detectors.AutoEncoder`, except that the default batch stays
        ``batch_size=1024``.

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import LatentIForest
    >>> X = np.random.default_rng(0).normal(size=(400, 6)).astype("float32")
    >>> det = LatentIForest(hidden=(16, 4), epochs=5, n_estimators=20, verbose=0).fit(X)
    >>> bool(det.score(X[:1] + 10)[0] > det.score(X[:1])[0])
    True
    """

    _tags: ClassVar[dict[str, Any]] = {"supports_explain": False, "supports_labels": False,
                                       "gradients": False}
    _no_gradients_reason: ClassVar[str] = "its score comes from an isolation forest (trees have no gradient)"

    def __init__(
        self,
        hidden: Sequence[int] = (64, 32, 8),
        use_error: bool = True,
        n_estimators: int = 100,
        max_samples: int = 256,
        activation: str = "relu",
        epochs: int = 40,
        batch_size: int | str = 1024,
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        patience: int | None = 5,
        validation_fraction: float = 0.1,
        threshold: Threshold | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.hidden = hidden
        self.use_error = use_error
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.activation = activation
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
        check_hidden(self)
        check_at_least_one(self, "n_estimators", "max_samples")
        if int(self.max_samples) < 2:  # c(1) = 0: every score would be 0 / 0
            raise InputError(f"max_samples must be >= 2 (a tree of one row isolates nothing), "
                             f"got {self.max_samples}", param="max_samples")

    def _build_module(self, n_features: int) -> nn.Module:
        return _AEModule(n_features, tuple(int(h) for h in self.hidden), self.activation, 0.0, False)

    def _latent_batch(self, batch: tuple[torch.Tensor, ...], module: _AEModule | None = None) -> torch.Tensor:
        module = self.module_ if module is None else module
        assert module is not None
        x = batch[0].to(next(module.parameters()).dtype)
        code = module.code(x)
        if not self.use_error:
            return code
        err = (module.decoder(code) - x).pow(2).mean(dim=1, keepdim=True)
        return torch.cat([code, torch.log(err + 1e-12)], dim=1)

    def _latent(self, X: np.ndarray) -> np.ndarray:
        """The forest's input: each row's code (and log error) as float32. Taken in float64 on
        the CPU and rounded once, so that a row's values do not follow the rows scored with it:
        in float32 the matrix kernels' last bits do (one row alone, or another batch), and a
        code that fell the other side of a tree's cut moved the score by ~1e-3 (a default
        ensemble's by as much, z-scored). A model saved before (``latent_dtype_`` float32)
        keeps the float32 network its forest was fitted on."""
        self.module_.eval()
        if getattr(self, "latent_dtype_", "float32") == "float32":
            return predict_batches(self._latent_batch, [X], device=self.device_)
        # the float64 copy is made once per network and weights (a copy a call tripled the time
        # of a one-row score); a weight changed in place moves its version, and the copy is new
        versions = tuple(int(t._version) for t in self.module_.state_dict(keep_vars=True).values())
        cached = getattr(self, "_module64", None)
        if cached is None or cached[0] is not self.module_ or cached[1] != versions:
            cached = self._module64 = (self.module_, versions,
                                       copy.deepcopy(self.module_).to(device="cpu", dtype=torch.float64))
        module64 = cached[2]
        return predict_batches(lambda b: self._latent_batch(b, module64), [X]).astype(np.float32)

    def _fit(self, X: np.ndarray, X_val: np.ndarray | None, y: np.ndarray | None) -> None:
        super()._fit(X, X_val, y)
        self.latent_dtype_ = "float64"
        forest = IsolationForest(n_estimators=int(self.n_estimators),
                                 max_samples=min(int(self.max_samples), X.shape[0]),
                                 random_state=self._sklearn_seed(), n_jobs=1).fit(self._latent(X))
        self.forest_ = ArrayForest.from_sklearn(forest)

    def _score(self, X: np.ndarray) -> np.ndarray:
        self._check_built_with()
        return self.forest_.score(self._latent(X))

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, arrays = super()._get_state()
        meta["forest_max_samples"] = self.forest_.max_samples
        meta["latent_dtype"] = getattr(self, "latent_dtype_", "float32")
        arrays.update({f"forest.{k}": v for k, v in self.forest_.to_arrays().items()})
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        super()._set_state(meta, arrays)
        forest = {k[len("forest."):]: v for k, v in arrays.items() if k.startswith("forest.")}
        if "forest_max_samples" not in meta:
            raise InputError("detector state is missing 'forest_max_samples'")
        self.forest_ = ArrayForest.from_arrays(forest, meta["forest_max_samples"])
        latent = meta.get("latent_dtype", "float32")  # saved before it: the float32 network's codes
        if latent not in ("float32", "float64"):
            raise InputError(f"saved latent_dtype must be 'float32' or 'float64', got {latent!r}; "
                             "the artefact was modified")
        self.latent_dtype_ = latent
        n_latent = int(tuple(self.hidden)[-1]) + bool(self.use_error)
        if self.forest_.feature.min(initial=0) < 0 or self.forest_.feature.max(initial=0) >= n_latent:
            raise InputError(f"saved forest: split features out of range for {n_latent} latent columns")
