"""The one registry of detectors: name → class (STYLE.md item 7).

The CLI, the docs table, artefact loading and the common tests all read it. Adding a model is one
module and one entry in ``_ENTRIES``: where the class lives, its input kind (its ``input`` tag) and
its summary (the first paragraph of its docstring). The last two are data so that listing the
detectors (``hourglass models``) imports none of them, nor torch (seconds); ``tests/test_common.py``
checks them against the classes. Classes are imported lazily, and artefacts can only name classes
listed here, so loading a model never imports arbitrary code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple

from hourglass.errors import InputError

if TYPE_CHECKING:
    from hourglass.detectors.base import BaseDetector

__all__ = ["CAPABILITIES", "Entry", "available", "describe", "docstring_summary", "entries", "get", "name_of"]


class Entry(NamedTuple):
    """One registered detector: ``module:Class``, the class's ``input`` tag and its summary.

    Examples
    --------
    >>> entry = entries()["lstm-ae"]
    >>> entry.path, entry.input
    ('hourglass.detectors.recurrent:LSTMAutoEncoder', 'timeseries')
    """

    path: str
    input: str
    summary: str


_ENTRIES: dict[str, Entry] = {
    "autoencoder": Entry("hourglass.detectors.autoencoder:AutoEncoder", "tabular",
        "Hourglass autoencoder (128-64-32-16 and mirrored) scored by reconstruction error."),
    "sparse-autoencoder": Entry("hourglass.detectors.autoencoders:SparseAutoEncoder", "tabular",
        "Sparse autoencoder: sigmoid code penalised by L1 activity and/or KL to a target rate."),
    "denoising-autoencoder": Entry("hourglass.detectors.autoencoders:DenoisingAutoEncoder", "tabular",
        "Denoising autoencoder: learns to rebuild clean rows from corrupted copies."),
    "vae": Entry("hourglass.detectors.vae:VariationalAutoEncoder", "tabular",
        "Variational autoencoder scored by its negative ELBO (β-weighted), evaluated at the posterior "
        "mean."),
    "deep-svdd": Entry("hourglass.detectors.deep_svdd:DeepSVDD", "tabular",
        "One-class Deep SVDD: a bias-free network maps normal rows close to a centre; score = distance²."),
    "ensemble": Entry("hourglass.detectors.ensemble:Ensemble", "tabular",
        "Combine detectors: each member's score is calibrated on its held-out normal scores, then the "
        "calibrated scores are averaged or maxed."),
    "latent-iforest": Entry("hourglass.detectors.latent_forest:LatentIForest", "tabular",
        "Isolation forest on an autoencoder's code plus its log reconstruction error."),
    "lstm-ae": Entry("hourglass.detectors.recurrent:LSTMAutoEncoder", "timeseries",
        "LSTM autoencoder over sliding windows; a step's score is the reconstruction error of the windows"
        " covering it."),
    "gru-ae": Entry("hourglass.detectors.recurrent:GRUAutoEncoder", "timeseries",
        "GRU autoencoder over sliding windows; a step's score is the reconstruction error of the windows "
        "covering it."),
    "lstm-forecaster": Entry("hourglass.detectors.recurrent:LSTMForecaster", "timeseries",
        "LSTM that forecasts the next step(s) from a window of the past; score = forecast error "
        "(Telemanom-style, Hundman et al. 2018)."),
    "tcn-ae": Entry("hourglass.detectors.convolutional:TCNAutoEncoder", "timeseries",
        "Temporal-convolution (dilated causal 1-D CNN) autoencoder over sliding windows."),
    "conv2d-ae": Entry("hourglass.detectors.convolutional:Conv2DAutoEncoder", "timeseries",
        "Spatial CNN autoencoder: each window time × channel is convolved as a one-channel image."),
    "cnn-lstm": Entry("hourglass.detectors.convolutional:CNNLSTM", "timeseries",
        "CNN-RNN hybrid: 1-D convolutions extract local features, an LSTM encoder-decoder reconstructs "
        "the window from them; score = reconstruction error."),
    "deeplog": Entry("hourglass.detectors.deeplog:DeepLog", "events",
        "DeepLog: LSTM next-key prediction over log-key windows; flags keys outside the top g."),
    "sequence-autoencoder": Entry("hourglass.detectors.sequence_ae:SequenceAutoEncoder", "events",
        "Recurrent sequence autoencoder over key embeddings; scores each key's surprise."),
    "event-count-autoencoder": Entry("hourglass.detectors.sequence_ae:EventCountAutoEncoder", "events",
        "Autoencoder on per-session event counts (log1p), the quantitative view of a session."),
    "event-ensemble": Entry("hourglass.detectors.event_ensemble:EventEnsemble", "events",
        "Log sessions scored by several event detectors, each calibrated on its held-out normal sessions,"
        " combined (default: count autoencoder + DeepLog, rank calibration, max)."),
    "anogan": Entry("hourglass.detectors.gan:AnoGAN", "tabular",
        "AnoGAN: distance of a row to the closest thing the generator makes (batched latent search)."),
    "ganomaly": Entry("hourglass.detectors.gan:GANomaly", "tabular",
        "GANomaly: encoder–decoder–encoder generator with a discriminator; score ‖z − ẑ‖²."),
    "encoder-gan": Entry("hourglass.detectors.gan:EncoderGAN", "tabular",
        "ALAD encoder-GAN: generator and encoder learnt jointly, no search at scoring."),
    "ganomaly-1d": Entry("hourglass.detectors.gan_timeseries:GANomaly1D", "timeseries",
        "GANomaly over sliding windows of a series, with 1-D convolutional networks."),
}

#: What a detector can do beyond scoring, as its tags say (data, for ``hourglass models``):
#: ``labels`` — ``fit(X, y)`` uses known anomalies (tag ``supports_labels``); ``explain`` — it says
#: why (``hourglass explain`` for tables and time series, the unexpected event in ``hourglass score``
#: for logs; tag ``supports_explain``); ``onnx`` — ``hourglass export --onnx`` (tag ``onnx_export``);
#: ``gradients`` — ``hourglass explain`` by integrated gradients of the score (tag ``gradients``;
#: an ensemble only when every member has them and its calibration is z-score); ``retrain`` —
#: ``hourglass train NEW --warm-start MODEL`` continues from its weights (tag ``warm_start``).
CAPABILITIES: dict[str, tuple[str, ...]] = {
    "autoencoder": ("labels", "explain", "onnx", "gradients", "retrain"),
    "sparse-autoencoder": ("labels", "explain", "onnx", "gradients", "retrain"),
    "denoising-autoencoder": ("labels", "explain", "onnx", "gradients", "retrain"),
    "vae": ("labels", "explain", "onnx", "gradients", "retrain"),
    "deep-svdd": ("labels", "onnx", "gradients", "retrain"),
    "ensemble": ("labels", "gradients"),
    "deeplog": ("explain", "retrain"),
    "sequence-autoencoder": ("explain", "retrain"),
    "event-count-autoencoder": ("labels", "explain", "retrain"),
    "event-ensemble": ("labels", "explain"),
    "lstm-ae": ("explain", "retrain"),
    "gru-ae": ("explain", "retrain"),
    "lstm-forecaster": ("explain", "retrain"),
    "tcn-ae": ("explain", "retrain"),
    "conv2d-ae": ("explain", "retrain"),
    "cnn-lstm": ("explain", "retrain"),
    "ganomaly": ("onnx", "gradients"),
    "encoder-gan": ("onnx", "gradients"),
}


def available() -> list[str]:
    """Registered detector names.

    Returns
    -------
    list of str
        The names, in registry order (as ``hourglass models`` lists them).

    Examples
    --------
    >>> "autoencoder" in available()
    True
    """
    return list(_ENTRIES)


def entries() -> dict[str, Entry]:
    """Name → :class:`Entry`, read without importing any detector (nor torch).

    Returns
    -------
    dict
        A copy of the registry: name → its :class:`Entry` (class path, input kind, summary).

    Examples
    --------
    >>> entries()["deeplog"].input
    'events'
    """
    return dict(_ENTRIES)


def get(name: str) -> type[BaseDetector]:
    """The detector class registered under ``name`` (case-insensitive, ``-``/``_`` alike).

    Parameters
    ----------
    name
        A registered name (:func:`available`), e.g. ``"autoencoder"`` or ``"lstm_ae"``.

    Returns
    -------
    type[BaseDetector]
        The class, not an instance: call it with its parameters.

    Raises
    ------
    InputError
        ``name`` is not registered (the message lists those that are).

    Examples
    --------
    >>> get("autoencoder").__name__
    'AutoEncoder'
    """
    if not isinstance(name, str):  # (5 was an AttributeError from .strip())
        raise InputError(f"a model name is text, got {name!r}; available: {', '.join(_ENTRIES)}")
    key = name.strip().lower().replace("_", "-")
    if key not in _ENTRIES:
        raise InputError(f"unknown model {name!r}; available: {', '.join(_ENTRIES)}")
    module_name, _, cls_name = _ENTRIES[key].path.partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls


def name_of(cls: object) -> str:
    """Registry name of a detector class, or of a detector's.

    Parameters
    ----------
    cls
        A detector class, or a detector (its class is named).

    Returns
    -------
    str
        Its name in the registry, as ``hourglass models`` lists it.

    Raises
    ------
    InputError
        ``cls`` is not a registered detector.

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder
    >>> name_of(AutoEncoder), name_of(AutoEncoder(epochs=3))
    ('autoencoder', 'autoencoder')
    """
    kind = cls if isinstance(cls, type) else type(cls)  # an instance had no __name__ (AttributeError)
    target = f"{kind.__module__}:{kind.__name__}"
    for name, entry in _ENTRIES.items():
        if entry.path == target:
            return name
    raise InputError(f"{kind.__name__} is not a registered detector")


def docstring_summary(cls: type) -> str:
    """The first paragraph of ``cls``'s docstring as one line of plain text (what an entry's
    ``summary`` must say).

    Parameters
    ----------
    cls
        A class (any; one without a docstring gives ``""``).

    Returns
    -------
    str
        The first paragraph, whitespace collapsed and double backticks removed.

    Examples
    --------
    >>> docstring_summary(get("autoencoder")) == entries()["autoencoder"].summary
    True
    """
    first = (cls.__doc__ or "").strip().split("\n\n", 1)[0]
    return " ".join(first.split()).replace("``", "")


def describe() -> dict[str, str]:
    """Name → summary (the first paragraph of the class docstring), for ``hourglass models``.

    Returns
    -------
    dict
        Registered name → one-line summary, in registry order (no detector is imported).

    Examples
    --------
    >>> describe()["autoencoder"]
    'Hourglass autoencoder (128-64-32-16 and mirrored) scored by reconstruction error.'
    """
    return {name: entry.summary for name, entry in _ENTRIES.items()}
