"""The pipeline a user trains, saves, loads and scores with."""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np
import pandas as pd

from hourglass.detectors.autoencoder import AutoEncoder
from hourglass.detectors.base import BaseDetector
from hourglass.errors import InputError, NotFittedError
from hourglass.features.tabular import TabularPreprocessor
from hourglass.thresholds import Threshold

__all__ = ["Pipeline"]

logger = logging.getLogger(__name__)


class Pipeline:
    """Preprocessing, detector and threshold as one object, saved as one artefact.

    Parameters
    ----------
    detector
        Any registered detector (default: the hourglass :class:`AutoEncoder`).
    features
        Preprocessing (default: :class:`TabularPreprocessor` with its defaults).
    threshold
        Threshold rule; overrides the detector's own. Fitted on scores of the held-out slice of
        the training rows, never on the rows the model was trained on.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline, AutoEncoder, thresholds
    >>> rng = np.random.default_rng(0)
    >>> train = pd.DataFrame({"bytes": rng.exponential(100, 400), "proto": ["tcp"] * 400})
    >>> pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=100, verbose=0),
    ...                 threshold=thresholds.Percentile(99)).fit(train)
    >>> pipe.predict(pd.DataFrame({"bytes": [100.0], "proto": ["icmp"]})).tolist()
    [1]
    """

    def __init__(
        self,
        detector: BaseDetector | None = None,
        features: Any | None = None,
        threshold: Threshold | None = None,
    ) -> None:
        self.detector = detector
        self.features = features
        self.threshold = threshold
        self.info: dict[str, Any] = {}

    def fit(self, df: pd.DataFrame, y: object | None = None) -> Pipeline:
        """Fit the preprocessing and the detector on (normal) training rows ``df``."""
        detector = self.detector if self.detector is not None else AutoEncoder()
        kind = detector.get_tags()["input"]
        if self.features is None and kind != "tabular":
            raise InputError(f"{type(detector).__name__} takes {kind} input: pass the matching "
                             "preprocessing as Pipeline(features=...)")
        template = self.features if self.features is not None else TabularPreprocessor()
        if getattr(template, "output", "tabular") != kind:
            raise InputError(f"{type(template).__name__} produces {template.output} input but "
                             f"{type(detector).__name__} takes {kind} input")
        self.features_ = type(template)(**template.get_params())
        X = self.features_.fit_transform(df)
        self.detector_ = detector.clone()
        if self.threshold is not None:
            self.detector_.set_params(threshold=self.threshold)
        self.detector_.fit(X, y)
        self.info.setdefault("n_train_rows", len(df) if isinstance(df, pd.DataFrame) else len(X))
        self.info.setdefault("n_features", len(self.features_.feature_names_))
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "detector_"):
            raise NotFittedError("Pipeline is not fitted; call fit(df) first")

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """The feature matrix the detector sees for ``df``."""
        self._check_fitted()
        X = self.features_.transform(df)
        extra = self.features_.extra_columns(df)
        if extra and tuple(extra) != getattr(self, "_warned_extra", None):
            self._warned_extra = tuple(extra)  # once per set of columns, not once per chunk
            logger.warning("ignoring %d column(s) the model was not trained on: %s", len(extra),
                           ", ".join(extra[:5]) + (" ..." if len(extra) > 5 else ""))
        return X

    def score(self, df: pd.DataFrame) -> np.ndarray:
        """Anomaly score per row (higher = more anomalous)."""
        X = self.transform(df)
        return self.detector_.score(X)

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        """0 (normal) / 1 (anomaly) per row."""
        scores = self.score(df)
        return self.detector_.threshold_predict(scores)

    @property
    def threshold_(self) -> Threshold:
        """The fitted threshold object."""
        self._check_fitted()
        return self.detector_.threshold_

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the artefact directory (``config.json`` + ``weights.safetensors``)."""
        from hourglass.pipeline.artefact import save

        save(self, path)
