"""Detectors: one module per family, a registry, and the common base class."""

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
from hourglass.detectors.registry import available, describe, get, name_of
from hourglass.detectors.sequence_ae import EventCountAutoEncoder, SequenceAutoEncoder
from hourglass.detectors.vae import VariationalAutoEncoder

__all__ = ["CNNLSTM", "AnoGAN", "AutoEncoder", "BaseDetector", "Conv2DAutoEncoder", "DeepDetector", "DeepLog",
           "DeepSVDD", "DenoisingAutoEncoder", "EncoderGAN", "Ensemble", "EventCountAutoEncoder",
           "EventEnsemble", "GANomaly",
           "GANomaly1D", "GRUAutoEncoder", "LSTMAutoEncoder", "LSTMForecaster", "LatentIForest",
           "SequenceAutoEncoder", "SparseAutoEncoder", "TCNAutoEncoder", "VariationalAutoEncoder",
           "available", "describe", "get", "name_of"]
