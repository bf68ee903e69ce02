"""Detectors: one module per family, a registry, and the common base class.

The classes are imported on first use (PEP 562): ``hourglass.detectors.registry`` and the
registry's data (names, input kinds, summaries) load without torch.

Examples
--------
>>> import hourglass.detectors as detectors
>>> detectors.get("deep-svdd").__name__, detectors.name_of(detectors.DeepSVDD)
('DeepSVDD', 'deep-svdd')
>>> detectors.get("lstm-ae").get_tags()["input"]
'timeseries'
"""

import importlib
from typing import TYPE_CHECKING, Any

from hourglass.detectors.registry import available, describe, entries, get, name_of

if TYPE_CHECKING:
    from hourglass.detectors.autoencoder import AutoEncoder
    from hourglass.detectors.autoencoders import DenoisingAutoEncoder, SparseAutoEncoder
    from hourglass.detectors.base import BaseDetector, DeepDetector
    from hourglass.detectors.convolutional import CNNLSTM, Conv2DAutoEncoder, TCNAutoEncoder
    from hourglass.detectors.deep_svdd import DeepSVDD
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.detectors.ensemble import Ensemble
    from hourglass.detectors.event_ensemble import EventEnsemble
    from hourglass.detectors.gan import AnoGAN, EncoderGAN, GANomaly
    from hourglass.detectors.gan_timeseries import GANomaly1D
    from hourglass.detectors.latent_forest import LatentIForest
    from hourglass.detectors.recurrent import GRUAutoEncoder, LSTMAutoEncoder, LSTMForecaster
    from hourglass.detectors.sequence_ae import EventCountAutoEncoder, SequenceAutoEncoder
    from hourglass.detectors.vae import VariationalAutoEncoder

__all__ = ["CNNLSTM", "AnoGAN", "AutoEncoder", "BaseDetector", "Conv2DAutoEncoder", "DeepDetector", "DeepLog",
           "DeepSVDD", "DenoisingAutoEncoder", "EncoderGAN", "Ensemble", "EventCountAutoEncoder",
           "EventEnsemble", "GANomaly",
           "GANomaly1D", "GRUAutoEncoder", "LSTMAutoEncoder", "LSTMForecaster", "LatentIForest",
           "SequenceAutoEncoder", "SparseAutoEncoder", "TCNAutoEncoder", "VariationalAutoEncoder",
           "available", "describe", "entries", "get", "name_of"]

_LAZY = {**{entry.path.partition(":")[2]: entry.path.partition(":")[0] for entry in entries().values()},
         "BaseDetector": "hourglass.detectors.base", "DeepDetector": "hourglass.detectors.base"}


# for the run time only: a type checker that saw a module __getattr__ would take any name
# (``from hourglass.detectors import AutoEncodr``) as Any; it reads the TYPE_CHECKING imports instead
if not TYPE_CHECKING:
    def __getattr__(name: str) -> Any:
        if name not in _LAZY:
            raise AttributeError(f"module 'hourglass.detectors' has no attribute {name!r}")
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
