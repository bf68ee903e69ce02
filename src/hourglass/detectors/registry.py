"""The one registry of detectors: name → class (STYLE.md item 7).

The CLI, the docs table, artefact loading and the common tests all read it. Adding a model is one
module and one line in ``_ENTRIES``. Classes are imported lazily, and artefacts can only name
classes listed here, so loading a model never imports arbitrary code.
"""

from __future__ import annotations

import importlib

from hourglass.detectors.base import BaseDetector
from hourglass.errors import InputError

__all__ = ["available", "describe", "get", "name_of"]

_ENTRIES: dict[str, str] = {
    "autoencoder": "hourglass.detectors.autoencoder:AutoEncoder",
    "sparse-autoencoder": "hourglass.detectors.autoencoders:SparseAutoEncoder",
    "denoising-autoencoder": "hourglass.detectors.autoencoders:DenoisingAutoEncoder",
    "vae": "hourglass.detectors.vae:VariationalAutoEncoder",
    "deep-svdd": "hourglass.detectors.deep_svdd:DeepSVDD",
    "ensemble": "hourglass.detectors.ensemble:Ensemble",
    "latent-iforest": "hourglass.detectors.latent_forest:LatentIForest",
    "lstm-ae": "hourglass.detectors.recurrent:LSTMAutoEncoder",
    "gru-ae": "hourglass.detectors.recurrent:GRUAutoEncoder",
    "lstm-forecaster": "hourglass.detectors.recurrent:LSTMForecaster",
    "tcn-ae": "hourglass.detectors.convolutional:TCNAutoEncoder",
    "conv2d-ae": "hourglass.detectors.convolutional:Conv2DAutoEncoder",
    "cnn-lstm": "hourglass.detectors.convolutional:CNNLSTM",
    "deeplog": "hourglass.detectors.deeplog:DeepLog",
    "sequence-autoencoder": "hourglass.detectors.sequence_ae:SequenceAutoEncoder",
    "event-count-autoencoder": "hourglass.detectors.sequence_ae:EventCountAutoEncoder",
    "event-ensemble": "hourglass.detectors.event_ensemble:EventEnsemble",
    "anogan": "hourglass.detectors.gan:AnoGAN",
    "ganomaly": "hourglass.detectors.gan:GANomaly",
    "encoder-gan": "hourglass.detectors.gan:EncoderGAN",
    "ganomaly-1d": "hourglass.detectors.gan_timeseries:GANomaly1D",
}


def available() -> list[str]:
    """Registered detector names.

    Examples
    --------
    >>> "autoencoder" in available()
    True
    """
    return list(_ENTRIES)


def get(name: str) -> type[BaseDetector]:
    """The detector class registered under ``name`` (case-insensitive, ``-``/``_`` alike).

    Examples
    --------
    >>> get("autoencoder").__name__
    'AutoEncoder'
    """
    key = name.strip().lower().replace("_", "-")
    if key not in _ENTRIES:
        raise InputError(f"unknown model {name!r}; available: {', '.join(_ENTRIES)}")
    module_name, _, cls_name = _ENTRIES[key].partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls  # type: ignore[no-any-return]


def name_of(cls: type) -> str:
    """Registry name of a detector class.

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder
    >>> name_of(AutoEncoder)
    'autoencoder'
    """
    target = f"{cls.__module__}:{cls.__name__}"
    for name, path in _ENTRIES.items():
        if path == target:
            return name
    raise InputError(f"{cls.__name__} is not a registered detector")


def describe() -> dict[str, str]:
    """Name → first paragraph of the class docstring, as plain text (for ``hourglass models``).

    Examples
    --------
    >>> describe()["autoencoder"]
    'Hourglass autoencoder (128-64-32-16 and mirrored) scored by reconstruction error.'
    """
    out = {}
    for name in _ENTRIES:
        first = (get(name).__doc__ or "").strip().split("\n\n", 1)[0]
        out[name] = " ".join(first.split()).replace("``", "")
    return out
