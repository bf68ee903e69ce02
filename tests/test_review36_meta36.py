"""Loading a model checks its network's size on the meta device without importing SymPy."""
from __future__ import annotations

import itertools
import subprocess
import sys

import torch

from hourglass.nn import meta as nn_meta


def test_the_size_check_of_every_detector_leaves_sympy_unimported() -> None:
    # what was wrong: hourglass.load of a GANomaly-1D model took about a second longer than the
    # others (1.0 s vs 0.1 s): its constructor's shape probe ran a convolution and shape-keeping
    # activations on meta tensors, whose Python kernels (and empty_like's) import SymPy. Their
    # shapes are now computed directly
    probe = """
import sys
import numpy as np
from hourglass.detectors import registry
from hourglass.pipeline import artefact as art
first = []
for name in registry.available():
    det = registry.get(name)()
    if hasattr(det, "_members"):
        entries = [{"state": {"n_features_in": 5}} for _ in det._members()]
        art._check_member_sizes(det, {"members": entries}, {"member0.module.w": np.zeros(10)})
    else:
        art._check_module_size(det, {"n_features_in": 5}, {"module.w": np.zeros(10)})
    if not first and "sympy" in sys.modules:
        first.append(name)
print(first)
"""
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                         check=True)
    assert res.stdout.strip().splitlines()[-1] == "[]", res.stdout + res.stderr


def test_conv_shapes_are_torchs() -> None:
    # pinned: the shape arithmetic answers as torch's own convolution for 1, 2 and 3 dimensions,
    # strides, paddings, dilations and groups, and leaves to torch what it does not compute
    for dims, stride, padding, dilation, groups in itertools.product(
            (1, 2, 3), (1, 2, 3), (0, 1, 2), (1, 2), (1, 2)):
        x = torch.zeros(2, 4, *([9] * dims))
        w = torch.zeros(6, 4 // groups, *([3] * dims))
        conv = {1: torch.conv1d, 2: torch.conv2d, 3: torch.conv3d}[dims]
        args = ((stride,) * dims, (padding,) * dims, (dilation,) * dims, groups)
        want = tuple(conv(x, w, None, *args).shape)
        assert nn_meta._conv_shape(x.to("meta"), w.to("meta"), None, *args) == want
        with torch.device("meta"), nn_meta.ShapesOnly():
            assert tuple(conv(x.to("meta"), w.to("meta"), None, *args).shape) == want
    x, w = torch.zeros(1, 3, 4, device="meta"), torch.zeros(5, 3, 7, device="meta")
    assert nn_meta._conv_shape(x, w) is None  # a kernel longer than the input: torch's error
    assert nn_meta._conv_shape(x, torch.zeros(5, 2, 3, device="meta")) is None  # channels differ
