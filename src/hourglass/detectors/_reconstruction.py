"""What every autoencoder-type detector shares: per-feature reconstruction error."""

from __future__ import annotations

from typing import Any

import numpy as np

from hourglass.detectors.base import overflow_as_inf
from hourglass.nn import predict_batches

__all__ = ["ReconstructionMixin"]


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
        return overflow_as_inf(predict_batches(self.module_.feature_errors, [Xa], device=self.device_))
