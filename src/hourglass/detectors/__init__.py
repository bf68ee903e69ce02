"""Detectors: one module per family, a registry, and the common base class."""

from hourglass.detectors.autoencoder import AutoEncoder
from hourglass.detectors.autoencoders import DenoisingAutoEncoder, SparseAutoEncoder
from hourglass.detectors.base import BaseDetector, DeepDetector
from hourglass.detectors.deep_svdd import DeepSVDD
from hourglass.detectors.ensemble import Ensemble
from hourglass.detectors.latent_forest import LatentIForest
from hourglass.detectors.registry import available, describe, get, name_of
from hourglass.detectors.vae import VariationalAutoEncoder

__all__ = ["AutoEncoder", "BaseDetector", "DeepDetector", "DeepSVDD", "DenoisingAutoEncoder",
           "Ensemble", "LatentIForest", "SparseAutoEncoder", "VariationalAutoEncoder", "available",
           "describe", "get", "name_of"]
