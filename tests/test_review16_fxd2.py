"""Regression tests: a fitted deep detector (or an ensemble's member) takes the settings changed
after fit that neither its network nor its threshold depends on, and compares the others by value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from hourglass.detectors import AutoEncoder, DeepSVDD, Ensemble, registry
from tests._cli import runner


def _rows(n: int = 60, features: int = 3) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, features)).astype(np.float32)


def _sessions(n: int = 40) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 5, size=int(rng.integers(2, 6))) for _ in range(n)]


def test_sequence_autoencoder_takes_a_whole_float_max_length() -> None:
    # 64.0 is the 64 fit read: fit itself failed (it scores its held-out sessions at its end)
    S = _sessions()
    det = registry.get("sequence-autoencoder")(max_length=64.0, epochs=1, verbose=0, device="cpu").fit(S)
    before = det.score(S)
    det.set_params(max_length=np.int64(32))
    assert np.array_equal(det.score(S), before)
    det.get_state()


def test_cli_trains_a_sequence_autoencoder_with_a_whole_float_max_length(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("\n".join(" ".join(map(str, s)) for s in _sessions(60)) + "\n")
    res = runner.invoke(app, ["train", str(keys), "--format", "keys", "--model", "sequence-autoencoder",
                              "--epochs", "1", "--param", "max_length=64.0", "-o", str(tmp_path / "m"),
                              "-q"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "m" / "config.json").exists()


@pytest.mark.parametrize(("name", "params", "change", "data"), [
    ("deeplog", {"window": 2, "hidden": 8, "top_g": 2}, {"chunk_events": 64}, "sessions"),
    ("gru-ae", {"window": 8, "stride": 4}, {"stride": 1}, "series"),
    ("autoencoder", {"hidden": (4, 2)}, {"label_weight": 2.0, "label_margin": 3.0}, "rows"),
    ("sparse-autoencoder", {"hidden": (4, 2)}, {"sparsity_weight": 0.5, "rho": 0.2}, "rows"),
    ("denoising-autoencoder", {"hidden": (4, 2)}, {"noise_std": 0.5, "mask_rate": 0.3}, "rows"),
    ("deep-svdd", {"hidden": (4,)}, {"label_weight": 2.0}, "rows"),
    ("ganomaly", {"hidden": (4,), "min_steps": 0}, {"w_con": 10.0, "lr_d": 1e-3, "ema_decay": None},
     "rows"),
    ("encoder-gan", {"hidden": (4,), "min_steps": 0}, {"w_rec": 0.5, "gradient_penalty": 1.0}, "rows")])
def test_training_only_settings_change_freely_after_fit(name: str, params: dict, change: dict,
                                                       data: str) -> None:
    # they shape the training loss, the training windows or a memory bound, never a score: they
    # were refused as though "its network was built and its threshold fitted under it"
    X: object = {"sessions": _sessions(), "series": _rows(120), "rows": _rows()}[data]
    det = registry.get(name)(epochs=1, verbose=0, device="cpu", **params).fit(X)
    before = det.score(X)
    det.set_params(**change)
    assert np.array_equal(det.score(X), before)
    meta, arrays = det.get_state()
    twin = registry.get(name)(**det.get_params(deep=False))
    twin.set_state(meta, arrays)
    assert np.array_equal(twin.score(X), before)


def test_an_ensemble_members_training_setting_changes_freely() -> None:
    X = _rows(200, 4)
    ae = AutoEncoder(hidden=(8, 2), epochs=1)
    ens = Ensemble(detectors=[ae, ("deep-svdd", {"hidden": (4,)})], epochs=1, verbose=0).fit(X)
    before = ens.score(X)
    ae.set_params(verbose=0, epochs=5, label_weight=2.0)
    ens.detectors[1][1]["epochs"] = 3
    assert np.array_equal(ens.score(X), before)
    ens.get_state()
    ae.set_params(hidden=(8, 3))  # a setting its network was built under is still refused
    with pytest.raises(Exception, match="detectors were changed since fit"):
        ens.score(X)


def test_a_deep_svdd_given_a_bounded_activation_after_fit_is_refused_in_its_words() -> None:
    X = _rows(200, 4)
    det = DeepSVDD(hidden=(8, 4), epochs=1, verbose=0, random_state=0).fit(X)
    det.set_params(activation="tanh")
    with pytest.raises(Exception, match="activation is 'tanh', but the model was fitted with 'leaky_relu'"):
        det.warm_start(X, epochs=1)


def test_a_series_stream_takes_another_score_reduce_as_window_scores_does() -> None:
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.errors import InputError
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.serve.series_stream import SeriesStreamScorer

    t = np.arange(80)
    series = pd.DataFrame({"cpu": np.sin(t / 4), "mem": np.cos(t / 5)})
    pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0, device="cpu"),
                    features=TimeSeriesPreprocessor()).fit(series)
    rows = list(enumerate(series.iloc[:20].to_dict("records"), start=1))
    before, _ = SeriesStreamScorer.from_pipeline(pipe).feed(rows, all_steps=True)
    pipe.detector_.set_params(score_reduce="max")  # the stream scores windows: no reduction
    stream = SeriesStreamScorer.from_pipeline(pipe)
    after, _ = stream.feed(rows, all_steps=True)
    assert after == before and len(after) == 13
    with pytest.raises(InputError, match=r"explain: .*score_reduce is 'max'"):
        stream.feed(rows, explain=2)  # per-step parts still refuse it
    pipe.detector_.set_params(window=6)  # another window is refused everywhere
    with pytest.raises(InputError, match="window is 6"):
        SeriesStreamScorer.from_pipeline(pipe)
