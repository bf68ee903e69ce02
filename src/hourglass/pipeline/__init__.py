"""``Pipeline`` = features + detector + threshold, and the safe artefact format."""

from hourglass.pipeline.artefact import load, save
from hourglass.pipeline.pipeline import Pipeline

__all__ = ["Pipeline", "load", "save"]
