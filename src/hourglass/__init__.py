"""hourglass: deep-learning anomaly detection for security telemetry.

Examples
--------
>>> import hourglass
>>> "autoencoder" in hourglass.detectors.available()
True
"""

import importlib
import logging
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["AutoEncoder", "Pipeline", "__version__", "detectors", "load", "thresholds"]

# The public names are imported on first use (PEP 562), so that ``import hourglass.cli`` and
# ``hourglass --help`` do not pay for torch and scikit-learn (seconds) before they are needed.
_LAZY = {"detectors": ("hourglass.detectors", None), "thresholds": ("hourglass.thresholds", None),
         "AutoEncoder": ("hourglass.detectors", "AutoEncoder"),
         "Pipeline": ("hourglass.pipeline", "Pipeline"), "load": ("hourglass.pipeline", "load")}

if TYPE_CHECKING:
    from hourglass import detectors, thresholds
    from hourglass.detectors import AutoEncoder
    from hourglass.pipeline import Pipeline, load


# for the run time only: a type checker that saw a module __getattr__ would take any name
# (``from hourglass import Pipline``) as Any; it reads the TYPE_CHECKING imports instead
if not TYPE_CHECKING:
    def __getattr__(name: str) -> Any:
        if name not in _LAZY:
            raise AttributeError(f"module 'hourglass' has no attribute {name!r}")
        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
