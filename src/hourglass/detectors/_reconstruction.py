"""What every autoencoder-type detector shares: per-feature reconstruction error."""

from __future__ import annotations

from typing import Any

import numpy as np

from hourglass.detectors.base import overflow_as_inf
from hourglass.nn import predict_batches

__all__ = ["FEATURE_ERROR_VALUES", "ReconstructionMixin", "feature_error_rows"]

FEATURE_ERROR_VALUES = 1 << 22
"""Most values (rows × features) one pass of per-feature errors holds: a pass makes several
temporaries of that size, and 16,384 rows of 2,048 features (128 MB each) ran 4x slower than
2,048 rows at a time on CPU (out of cache)."""


def feature_error_rows(width: int, most: int = 16384) -> int:
    """Rows per pass of per-feature errors over ``width`` features: ``most``, fewer for wide
    rows so that a pass holds at most :data:`FEATURE_ERROR_VALUES` values (at least one row).

    Examples
    --------
    >>> feature_error_rows(78), feature_error_rows(2048), feature_error_rows(10**8)
    (16384, 2048, 1)
    """
    return max(1, min(most, FEATURE_ERROR_VALUES // max(int(width), 1)))


class ReconstructionMixin:
    """``score_features`` for a :class:`~hourglass.detectors.DeepDetector` whose module has
    ``feature_errors(batch)`` (squared reconstruction error per feature)."""

    module_: Any
    device_: Any

    def score_features(self, X: object) -> np.ndarray:
        """Squared reconstruction error per feature (rows × features), the basis of explanations.
        An error that overflows float32 is ``inf`` (as :meth:`score` reads it), never NaN.

        For the plain, sparse and denoising autoencoders each row averages to ``score``.

        Examples
        --------
        >>> import numpy as np
        >>> from hourglass.detectors import AutoEncoder
        >>> X = np.random.default_rng(0).normal(size=(300, 4)).astype("float32")
        >>> ae = AutoEncoder(hidden=(8, 2), epochs=3, verbose=0).fit(X)
        >>> ae.score_features(X[:2]).shape
        (2, 4)
        """
        self._check_fitted()  # type: ignore[attr-defined]
        Xa = self._validate(X, reset=False)  # type: ignore[attr-defined]
        model_input = getattr(self, "_model_input", None)
        if model_input is not None:
            Xa = model_input(Xa)
        self.module_.eval()
        # NaN (float32 overflow, inf - inf, on values far beyond training) is +inf, as in score
        return overflow_as_inf(predict_batches(self.module_.feature_errors, [Xa], device=self.device_,
                                               batch_size=feature_error_rows(Xa.shape[1])))
