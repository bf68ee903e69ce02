"""Detectors: one module per family, a registry, and the common base class."""

from hourglass.detectors.autoencoder import AutoEncoder
from hourglass.detectors.base import BaseDetector, DeepDetector
from hourglass.detectors.deeplog import DeepLog
from hourglass.detectors.registry import available, describe, get, name_of
from hourglass.detectors.sequence_ae import EventCountAutoEncoder, SequenceAutoEncoder

__all__ = ["AutoEncoder", "BaseDetector", "DeepDetector", "DeepLog", "EventCountAutoEncoder",
           "SequenceAutoEncoder", "available", "describe", "get", "name_of"]
