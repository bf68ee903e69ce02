"""Detectors: one module per family, a registry, and the common base class."""

from hourglass.detectors.autoencoder import AutoEncoder
from hourglass.detectors.base import BaseDetector, DeepDetector
from hourglass.detectors.convolutional import CNNLSTM, Conv2DAutoEncoder, TCNAutoEncoder
from hourglass.detectors.recurrent import GRUAutoEncoder, LSTMAutoEncoder, LSTMForecaster
from hourglass.detectors.registry import available, describe, get, name_of

__all__ = ["CNNLSTM", "AutoEncoder", "BaseDetector", "Conv2DAutoEncoder", "DeepDetector",
           "GRUAutoEncoder", "LSTMAutoEncoder", "LSTMForecaster", "TCNAutoEncoder", "available",
           "describe", "get", "name_of"]
