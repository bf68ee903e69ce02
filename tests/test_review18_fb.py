"""Regression tests: network sizes in memory errors, evaluation reports and time-series fits."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hourglass.errors import InputError

_OOM = ("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: "
        "you tried to allocate 128000000000 bytes")


@pytest.mark.parametrize("name", ["ganomaly", "anogan", "encoder-gan"])
def test_a_gan_too_big_for_memory_names_its_latent_dim_not_hidden_alone(name, monkeypatch):
    # a huge latent_dim was blamed on hidden, at its default: '--hidden 128,64: the network on 3
    # inputs does not fit in memory; give smaller widths'
    from hourglass.detectors import registry

    cls = registry.get(name)
    build = cls._build_module

    def huge(self, n):  # what torch raises for a layer past the machine's memory
        if int(self.latent_dim) > 1000:
            raise RuntimeError(_OOM)
        return build(self, n)

    monkeypatch.setattr(cls, "_build_module", huge)
    X = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    det = cls(hidden=(8, 4), latent_dim=1_000_000_000, epochs=1, verbose=0)
    with pytest.raises(InputError, match=re.escape(
            "the network on 3 inputs does not fit in memory (hidden 8,4, latent_dim 1000000000); "
            "give smaller widths")) as caught:
        det.fit(X)
    assert caught.value.param == ("hidden", "latent_dim")


def test_ganomaly_1d_too_big_for_memory_names_its_latent_dim(monkeypatch):
    from hourglass.detectors import GANomaly1D

    build = GANomaly1D._build_module

    def huge(self, n):
        if int(self.latent_dim) > 1000:
            raise RuntimeError(_OOM)
        return build(self, n)

    monkeypatch.setattr(GANomaly1D, "_build_module", huge)
    X = np.sin(np.arange(120) / 4)[:, None].astype("float32")
    with pytest.raises(InputError, match=re.escape("(filters 4, latent_dim 1000000000); give smaller")):
        GANomaly1D(window=16, filters=4, latent_dim=1_000_000_000, epochs=1, min_steps=0,
                   verbose=0).fit(X)
