"""hourglass: deep-learning anomaly detection for security telemetry.

Examples
--------
>>> import hourglass
>>> "autoencoder" in hourglass.detectors.available()
True
"""

import logging

__version__ = "0.1.0"

from hourglass import detectors, thresholds
from hourglass.detectors import AutoEncoder
from hourglass.pipeline import Pipeline, load

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["AutoEncoder", "Pipeline", "__version__", "detectors", "load", "thresholds"]
