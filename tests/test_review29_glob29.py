"""The library does not change its caller's process: ``hourglass.load`` and the artefact's size
check leave ``os.environ``, the temporary directory and the warning filters as they were."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from hourglass.detectors import registry
from hourglass.errors import ArtefactError
from hourglass.pipeline import Pipeline
from hourglass.pipeline import artefact as art


def _module_sizes(det: object, n_features: int) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in det._build_module(n_features).state_dict().items()}  # type: ignore[attr-defined]


def test_load_of_an_embedding_model_leaves_the_process_environment_alone(tmp_path: Path) -> None:
    # What was wrong: hourglass.load built the saved network on torch's meta device to check its
    # size; an nn.Embedding's normal_ init (DeepLog, the sequence autoencoder, an event ensemble)
    # and GANomaly-1D's shape probe (leaky_relu) run torch's Python reference kernels there,
    # whose first call imports torch._dynamo: about 4 s a load, and the caller's process got
    # TORCHINDUCTOR_CACHE_DIR in os.environ (inherited by every subprocess it starts), that
    # folder made in the temporary directory, and a warnings filter of SymPy's.
    from hourglass.detectors import DeepLog
    from hourglass.features.sessions import EventSessions
    from tests.test_logs import hdfs_log

    Pipeline(DeepLog(window=3, top_g=1, embed=8, hidden=8, layers=1, epochs=1, verbose=0),
             features=EventSessions(format="hdfs", session_regex=r"blk_-?\d+")
             ).fit(hdfs_log(20)).save(tmp_path / "m")
    # every registered detector through the same size check, its members for an ensemble
    probe = f"""
import os, sys
import numpy as np
import hourglass
from hourglass.detectors import registry
from hourglass.pipeline import artefact as art
hourglass.load({str(tmp_path / "m")!r})
first = ["load"] if "torch._dynamo" in sys.modules else []
for name in registry.available():
    det = registry.get(name)()
    if hasattr(det, "_members"):
        entries = [{{"state": {{"n_features_in": 5}}}} for _ in det._members()]
        art._check_member_sizes(det, {{"members": entries}}, {{"member0.module.w": np.zeros(10)}})
    else:
        art._check_module_size(det, {{"n_features_in": 5}}, {{"module.w": np.zeros(10)}})
    if not first and "torch._dynamo" in sys.modules:
        first.append(name)
print(first, "TORCHINDUCTOR_CACHE_DIR" in os.environ)
"""
    env = {k: v for k, v in os.environ.items() if k != "TORCHINDUCTOR_CACHE_DIR"}
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                         check=True, env=env)
    assert res.stdout.strip().splitlines()[-1] == "[] False", res.stdout + res.stderr


@pytest.mark.parametrize("name", registry.available())
def test_size_check_sees_the_shapes_a_real_build_has(name: str) -> None:
    # What was wrong: see above; the network is now built on the meta device without its value
    # computations (initialisers, fills, shape-keeping activations). The shapes it counts must
    # still be those of the network set_state builds on the CPU, for every registered detector.
    det = registry.get(name)()
    if det.get_params().get("spectral_norm") is True:
        det.spectral_norm = False  # as the check builds it (its power iteration aside)
    if not hasattr(det, "_build_module") or hasattr(det, "_members"):
        pytest.skip("no network of its own (an ensemble's members are registered detectors)")
    with torch.device("meta"), art._ShapesOnly():
        meta = {k: tuple(v.shape) for k, v in det._build_module(5).state_dict().items()}
    with torch.random.fork_rng(devices=[]):
        assert meta == _module_sizes(det, 5)


def test_size_check_still_refuses_a_huge_embedding() -> None:
    # What was wrong: see above; skipping the embedding's init must not skip its size: a width
    # edited to millions in config.json is refused before anything is allocated.
    from hourglass.detectors import DeepLog

    with pytest.raises(ArtefactError, match="describe a network"):
        art._check_module_size(DeepLog(embed=10**7), {"n_features_in": 5},
                               {"module.w": np.zeros(10, np.float32)})
