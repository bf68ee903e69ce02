"""Torch building blocks and the one training loop every deep detector uses."""

from hourglass.nn.blocks import mlp
from hourglass.nn.device import resolve_device
from hourglass.nn.losses import labelled_margin_loss
from hourglass.nn.training import TrainConfig, TrainHistory, predict_batches, train_module

__all__ = ["TrainConfig", "TrainHistory", "labelled_margin_loss", "mlp", "predict_batches",
           "resolve_device", "train_module"]
