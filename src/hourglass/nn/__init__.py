"""Torch building blocks and the one training loop every deep detector uses."""

from hourglass.nn.blocks import mlp
from hourglass.nn.conv import TCN, CausalConv1d, TemporalBlock, conv1d_stack, tcn_receptive_field
from hourglass.nn.device import check_device, deterministic_cudnn, resolve_device
from hourglass.nn.losses import labelled_margin_loss
from hourglass.nn.recurrent import RNNDecoder, RNNEncoder, make_rnn
from hourglass.nn.training import (
                                   Phase,
                                   TrainConfig,
                                   TrainHistory,
                                   predict_batches,
                                   proximal_term,
                                   train_module,
)

__all__ = ["TCN", "CausalConv1d", "Phase", "RNNDecoder", "RNNEncoder", "TemporalBlock", "TrainConfig",
           "TrainHistory", "check_device", "conv1d_stack", "deterministic_cudnn", "labelled_margin_loss",
           "make_rnn", "mlp", "predict_batches", "proximal_term", "resolve_device", "tcn_receptive_field",
           "train_module"]
