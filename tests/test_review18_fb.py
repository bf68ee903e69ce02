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
    det = cls(hidden=(8, 4), latent_dim=1_000_000_000, epochs=1, verbose=0, device="cpu")  # (CPU words)
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


def test_report_histogram_axis_counts_sessions_as_its_caption_does(monkeypatch) -> None:
    # the caption said 'share of its sessions' and the figure's axis 'share of the class's rows'
    from hourglass.evaluate import plots
    from hourglass.evaluate.report import render_report

    labels: list[str] = []
    png = plots._png

    def spy(fig):
        labels.extend(ax.get_ylabel() for ax in fig.axes)
        return png(fig)

    monkeypatch.setattr(plots, "_png", spy)
    rng = np.random.default_rng(1)
    y = np.r_[np.zeros(60, int), np.ones(20, int)]
    s = np.r_[rng.normal(0, 1, 60), rng.normal(3, 1, 20)]
    render_report(y_true=y, scores=s, y_pred=(s > 2).astype(int), threshold=2.0, threshold_rule="fixed",
                  classes=np.where(y == 1, "Anomaly", "Normal"), normal=["Normal"], unit="sessions")
    assert "share of the class's sessions" in labels
    assert not [t for t in labels if "rows" in t]


def test_a_rule_too_few_training_scores_support_is_refused_before_training_with_seams(monkeypatch):
    # with nothing held out, a joined recording shorter than one window gives no training scores
    # (no window inside it): the rule's needs were checked against every step (210), the rule then
    # fitted on 200 after training, and refused only then
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.thresholds import FalseAlarmBound
    from hourglass.thresholds.bound import min_normal_scores

    trained: list[int] = []
    fit = LSTMAutoEncoder._fit
    monkeypatch.setattr(LSTMAutoEncoder, "_fit", lambda self, *a: (trained.append(1), fit(self, *a)))
    assert min_normal_scores(0.01, 0.867) == 201
    t = np.arange(200)
    own = np.c_[np.sin(t / 5)].astype("float32")
    X = np.concatenate([own[:10] + 1, own])
    det = LSTMAutoEncoder(window=16, hidden=4, code=2, epochs=1, verbose=0, validation_fraction=0.0,
                          threshold=FalseAlarmBound(0.01, confidence=0.867))
    with pytest.raises(InputError, match=r"200 training scores \(no held-out rows\) cannot bound"):
        det.fit(X, seams=[10])
    assert not trained
    # the rule the scores do support trains, and is fitted on the 200 steps of the long recording
    det.set_params(threshold=FalseAlarmBound(0.01, confidence=0.86)).fit(X, seams=[10])
    assert trained and det.val_scores_.size == 200
