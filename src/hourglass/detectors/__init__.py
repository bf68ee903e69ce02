"""Detectors: one module per family, a registry, and the common base class."""

from hourglass.detectors.autoencoder import AutoEncoder
from hourglass.detectors.base import BaseDetector, DeepDetector
from hourglass.detectors.gan import AnoGAN, EncoderGAN, GANomaly
from hourglass.detectors.registry import available, describe, get, name_of

__all__ = ["AnoGAN", "AutoEncoder", "BaseDetector", "DeepDetector", "EncoderGAN", "GANomaly", "available",
           "describe", "get", "name_of"]
