"""Detectors: one module per family, a registry, and the common base class."""

from hourglass.detectors.autoencoder import AutoEncoder
from hourglass.detectors.base import BaseDetector, DeepDetector
from hourglass.detectors.convolutional import CNNLSTM, Conv2DAutoEncoder, TCNAutoEncoder
from hourglass.detectors.deeplog import DeepLog
from hourglass.detectors.gan import AnoGAN, EncoderGAN, GANomaly
from hourglass.detectors.gan_timeseries import GANomaly1D
from hourglass.detectors.recurrent import GRUAutoEncoder, LSTMAutoEncoder, LSTMForecaster
from hourglass.detectors.registry import available, describe, get, name_of
from hourglass.detectors.sequence_ae import EventCountAutoEncoder, SequenceAutoEncoder

__all__ = ["CNNLSTM", "AnoGAN", "AutoEncoder", "BaseDetector", "Conv2DAutoEncoder", "DeepDetector", "DeepLog",
           "EncoderGAN", "EventCountAutoEncoder", "GANomaly", "GANomaly1D", "GRUAutoEncoder",
           "LSTMAutoEncoder", "LSTMForecaster", "SequenceAutoEncoder", "TCNAutoEncoder", "available",
           "describe", "get", "name_of"]
