"""Torch building blocks and the one training loop every deep detector uses."""

from hourglass.nn.blocks import mlp
from hourglass.nn.device import resolve_device
from hourglass.nn.training import Phase, TrainConfig, TrainHistory, predict_batches, train_module

__all__ = ["Phase", "TrainConfig", "TrainHistory", "mlp", "predict_batches", "resolve_device", "train_module"]
