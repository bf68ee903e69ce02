"""Time series: alignment and its bad-input rules, lazy windows, score mapping, the contiguous
held-out tail, bounded-memory scoring, metrics and the dataset readers."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.detectors import LSTMAutoEncoder, LSTMForecaster, TCNAutoEncoder
from hourglass.errors import InputError
from hourglass.evaluate import events, point_adjust, time_to_detect, timeseries_metrics
from hourglass.features.registry import features_from_dict
from hourglass.features.timeseries import (
    TimeSeriesPreprocessor,
    sliding_windows,
    window_starts,
    windows_to_points,
)
from hourglass.ingest.timeseries import get_timeseries_dataset, read_nab, read_skab, read_smd


def _frame(ts: list[str], **cols: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"ts": ts, **cols})


# -- alignment ------------------------------------------------------------------------------
def test_unsorted_timestamps_are_sorted_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    df = _frame(["2024-01-01 00:02", "2024-01-01 00:00", "2024-01-01 00:01"], v=[3.0, 1.0, 2.0])
    with caplog.at_level(logging.WARNING):
        out = TimeSeriesPreprocessor("ts", scaler="none").fit(df).transform(df)
    assert out.ravel().tolist() == [1.0, 2.0, 3.0]
    assert "not sorted" in caplog.text


def test_duplicate_timestamps_are_merged_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    df = _frame(["2024-01-01 00:00", "2024-01-01 00:01", "2024-01-01 00:01", "2024-01-01 00:02"],
                v=[1.0, 2.0, 4.0, 5.0])
    with caplog.at_level(logging.WARNING):
        out = TimeSeriesPreprocessor("ts", scaler="none").fit(df).transform(df)
    assert out.ravel().tolist() == [1.0, 3.0, 5.0]
    assert "duplicate" in caplog.text


def test_irregular_sampling_without_freq_names_the_option() -> None:
    df = _frame(["2024-01-01 00:00", "2024-01-01 00:01", "2024-01-01 00:05"], v=[1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="freq"):
        TimeSeriesPreprocessor("ts").fit(df)
    out = TimeSeriesPreprocessor("ts", freq="rows", scaler="none").fit(df).transform(df)
    assert out.shape == (3, 1)


def test_resampling_gaps_need_a_fill_policy_naming_column_and_timestamp() -> None:
    df = _frame(["2024-01-01 00:00", "2024-01-01 00:01", "2024-01-01 00:04"], v=[1.0, 2.0, 5.0],
                w=[0.0, 1.0, 2.0])
    with pytest.raises(InputError, match=r"column 'v'.*2024-01-01 00:02:00.*fill"):
        TimeSeriesPreprocessor("ts", freq="1min").fit(df)
    pre = TimeSeriesPreprocessor("ts", freq="1min", fill="ffill", fill_limit=2, scaler="none",
                                 missing_mask=True).fit(df)
    out = pre.transform(df)
    assert pre.feature_names_ == ["v", "w", "v__missing", "w__missing"]
    assert out[:, 0].tolist() == [1.0, 2.0, 2.0, 2.0, 5.0]
    assert out[:, 2].tolist() == [0, 0, 1, 1, 0]
    with pytest.raises(InputError, match="fill_limit"):
        TimeSeriesPreprocessor("ts", freq="1min", fill="ffill", fill_limit=1).fit(df)
    interp = TimeSeriesPreprocessor("ts", freq="1min", fill="interpolate", scaler="none").fit(df)
    assert interp.transform(df)[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_nan_without_fill_names_column_and_first_timestamp() -> None:
    df = _frame(["2024-01-01 00:00", "2024-01-01 00:01", "2024-01-01 00:02"], v=[1.0, np.nan, 3.0])
    with pytest.raises(InputError, match=r"column 'v'.*timestamp 2024-01-01 00:01:00"):
        TimeSeriesPreprocessor("ts").fit(df)


def test_scaling_is_fitted_on_training_and_state_round_trips() -> None:
    train = pd.DataFrame({"a": [0.0, 2.0, 4.0], "b": [1.0, 1.0, 1.0]})
    pre = TimeSeriesPreprocessor().fit(train)
    twin = features_from_dict(json.loads(json.dumps(pre.to_dict())))
    test = pd.DataFrame({"a": [2.0, 10.0], "b": [1.0, 3.0]})
    np.testing.assert_array_equal(twin.transform(test), pre.transform(test))
    assert pre.transform(test)[:, 0].tolist() == pytest.approx([0.0, 8 / np.std([0, 2, 4])])


def test_labels_follow_the_grid() -> None:
    df = _frame(["2024-01-01 00:00:00", "2024-01-01 00:00:30", "2024-01-01 00:02:10"],
                v=[1.0, 2.0, 3.0])
    pre = TimeSeriesPreprocessor("ts", freq="1min", fill="zero").fit(df)
    assert pre.align_labels(df, [0, 1, 1]).tolist() == [1, 1, 1]  # the empty step is inside
    assert pre.align_labels(df, [0, 1, 0]).tolist() == [1, 0, 0]
    assert len(pre.transform(df)) == 3


# -- windows and mapping ----------------------------------------------------------------------
def test_windows_are_views_and_starts_cover_the_tail() -> None:
    X = np.arange(40, dtype=np.float32).reshape(20, 2)
    W = sliding_windows(X, 5, 3)
    assert np.shares_memory(W, X) and W.shape == (6, 5, 2)
    assert window_starts(20, 5, 3)[-1] == 15
    with pytest.raises(InputError, match=r"19 time steps.*window of 20"):
        sliding_windows(X[:19], 20)


def test_windows_to_points_mean_and_max_match_brute_force() -> None:
    rng = np.random.default_rng(0)
    n, length = 30, 7
    starts = window_starts(n, length, 2)
    s = rng.normal(size=len(starts))
    for how, fn in (("mean", np.mean), ("max", np.max)):
        got = windows_to_points(s, n, starts, span=(0, length), how=how)
        want = [fn([s[i] for i, st in enumerate(starts) if st <= t < st + length]) for t in range(n)]
        np.testing.assert_allclose(got, want)


# -- detector behaviour special to time series ----------------------------------------------
def _sine(n: int) -> np.ndarray:
    t = np.arange(n)
    return np.c_[np.sin(t / 4), np.cos(t / 4)].astype(np.float32)


def test_held_out_split_is_the_contiguous_tail() -> None:
    det = LSTMAutoEncoder(window=8, hidden=8, epochs=1, verbose=0).fit(_sine(200))
    assert det.val_index_.tolist() == list(range(180, 200))
    det = LSTMForecaster(window=8, hidden=8, epochs=1, verbose=0, validation_fraction=0.02
                         ).fit(_sine(200))
    assert det.val_index_.tolist() == list(range(191, 200))  # at least one window (8 + 1)


def test_forecaster_flags_the_step_that_breaks_the_pattern() -> None:
    X = _sine(800)
    det = LSTMForecaster(window=16, hidden=16, num_layers=1, epochs=15, lr=1e-2, verbose=0).fit(X)
    test = _sine(300)
    test[200:205] += 1.5
    s = det.score(test)
    assert s.shape == (300,)
    assert s[200:205].mean() > 5 * np.median(s[20:180])


def test_channel_score_norm_lets_a_quiet_channel_speak_over_a_noisy_one() -> None:
    # channel 0: a clean sine; channel 1: white noise no model can reconstruct. A small shift of
    # the sine is lost in the noise channel's error unless each channel is scored in units of
    # its own held-out error.
    rng = np.random.default_rng(0)
    t = np.arange(1600)
    X = np.c_[np.sin(t / 4), rng.normal(size=t.size)].astype("float32")
    train, test = X[:1200], X[1200:].copy()
    test[200:260, 0] += 0.6
    y = np.zeros(len(test), dtype=int)
    y[200:260] = 1
    auc = {}
    for norm in ("channel", "none"):
        det = TCNAutoEncoder(window=16, channels=(8,), code=8, epochs=10, lr=1e-2, stride=2,
                             verbose=0, score_norm=norm).fit(train)
        auc[norm] = timeseries_metrics(y, det.score(test), det.predict(test),
                                       sliding_window=None)["roc_auc"]
        scale = det.module_.error_scale.cpu().numpy()
        if norm == "channel":     # the noise channel's unit is far larger than the sine's
            assert scale[1] > 10 * scale[0]
        else:
            assert scale.tolist() == [1.0, 1.0]
    assert auc["channel"] > 0.95 and auc["channel"] > auc["none"] + 0.1
    with pytest.raises(ValueError, match="score_norm"):
        TCNAutoEncoder(window=16, score_norm="feature", verbose=0).fit(train)


def test_weights_saved_before_error_scale_load_as_plain_errors() -> None:
    det = LSTMForecaster(window=8, hidden=8, epochs=1, verbose=0, score_norm="none").fit(_sine(200))
    state = {k: v for k, v in det.module_.state_dict().items() if k != "error_scale"}
    fresh = det._build_module(2)
    fresh.load_state_dict(state)          # strict: the missing buffer is filled, not an error
    assert fresh.error_scale.tolist() == [1.0, 1.0]


def test_scoring_a_long_series_never_materialises_all_windows(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    det = LSTMAutoEncoder(window=16, hidden=4, code=2, epochs=1, verbose=0).fit(_sine(200))
    seen: list[int] = []
    orig = det.module_.score

    def spy(batch):  # type: ignore[no-untyped-def]
        seen.append(batch[0].shape[0])
        return orig(batch)

    monkeypatch.setattr(det.module_, "score", spy)
    n = 20_000
    scores = det.score(np.tile(_sine(1000), (n // 1000, 1)))
    assert scores.shape == (n,) and np.isfinite(scores).all()
    # (each window once; the last batch padded to a multiple of ROW_BLOCK rows, nn.predict_batches)
    from hourglass.nn.training import ROW_BLOCK

    assert max(seen) <= 1024 and 0 <= sum(seen) - (n - 16 + 1) < ROW_BLOCK


def test_pipeline_with_timeseries_preprocessing_and_mismatched_kinds() -> None:
    df = pd.DataFrame(_sine(300) * 10 + 5, columns=["cpu", "mem"])
    pipe = Pipeline(LSTMAutoEncoder(window=8, hidden=8, epochs=2, verbose=0),
                    features=TimeSeriesPreprocessor()).fit(df)
    assert pipe.score(df).shape == (300,)
    with pytest.raises(InputError, match="timeseries"):
        Pipeline(LSTMAutoEncoder()).fit(df)


# -- metrics --------------------------------------------------------------------------------
def test_event_and_point_adjusted_metrics() -> None:
    y = np.array([0, 1, 1, 1, 1, 0, 0, 1, 1, 0])
    p = np.array([0, 0, 0, 1, 0, 0, 1, 0, 0, 0])
    assert events(y) == [(1, 5), (7, 9)]
    assert point_adjust(y, p).tolist() == [0, 1, 1, 1, 1, 0, 1, 0, 0, 0]
    assert time_to_detect(y, p) == [2, None]
    m = timeseries_metrics(y, p.astype(float), p)
    assert m["recall"] == pytest.approx(1 / 6) and m["precision"] == pytest.approx(0.5)
    assert m["pa_recall"] == pytest.approx(4 / 6) and m["pa_f1"] > m["f1"]
    assert m["event_recall"] == 0.5 and m["event_precision"] == 0.5 and m["n_alarm_runs"] == 2


# -- readers --------------------------------------------------------------------------------
def test_readers_and_protocol_parts(tmp_path: Path) -> None:
    skab = tmp_path / "0.csv"
    rows = [f"2020-03-09 10:{i // 60:02d}:{i % 60:02d};{i * 0.1};{int(i >= 450)}.0;0.0"
            for i in range(500)]
    skab.write_text("datetime;Pressure;anomaly;changepoint\n" + "\n".join(rows) + "\n")
    df = read_skab(skab)
    ds = get_timeseries_dataset("skab")
    assert ds is not None and len(ds.train_part(df)) == 400 and len(ds.test_part(df)) == 100
    nab = tmp_path / "nab" / "data" / "realKnownCause"
    nab.mkdir(parents=True)
    (tmp_path / "nab" / "labels").mkdir()
    ts = pd.date_range("2014-01-01", periods=10, freq="5min")
    pd.DataFrame({"timestamp": ts.strftime("%Y-%m-%d %H:%M:%S"), "value": range(10)}).to_csv(
        nab / "s.csv", index=False)
    (tmp_path / "nab" / "labels" / "combined_windows.json").write_text(json.dumps(
        {"realKnownCause/s.csv": [["2014-01-01 00:10:00.000000", "2014-01-01 00:20:00.000000"]]}))
    assert read_nab(nab / "s.csv")["label"].tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0]
    (tmp_path / "asd" / "test").mkdir(parents=True)
    (tmp_path / "asd" / "test_label").mkdir()
    (tmp_path / "asd" / "test" / "omi-1.txt").write_text("0.5,0.5\n0.5,0.5\n0.1,0.9\n")
    (tmp_path / "asd" / "test_label" / "omi-1.txt").write_text("0\n0\n")
    with pytest.raises(InputError, match="2 labels for 3 rows"):
        read_smd(tmp_path / "asd" / "test" / "omi-1.txt")


def _drifting(n: int, rng: np.random.Generator) -> np.ndarray:
    """Two channels: a shared slow level (both move together, channel 1 at half the size) plus
    a fast sine/cosine pattern and a little noise."""
    t = np.arange(n)
    level = np.sin(t / 150)
    return np.c_[level + np.sin(t / 3), 0.5 * level + np.cos(t / 3)].astype("float32") + \
        rng.normal(0, 0.05, (n, 2)).astype("float32")


def test_linear_path_is_window_pca_and_extrapolates_a_drift_the_autoencoder_cannot() -> None:
    import torch
    from sklearn.decomposition import PCA

    from hourglass.detectors import GRUAutoEncoder

    rng = np.random.default_rng(0)
    train = _drifting(1000, rng)
    test = _drifting(600, rng)
    test[:300] += np.array([2.0, 1.0], dtype="float32")       # normal, but the level drifted
    test[450:480, 1] += 1.5                                    # the channels break their bond
    params = {"window": 16, "hidden": 16, "code": 4, "epochs": 8, "stride": 2, "verbose": 0}
    det = GRUAutoEncoder(linear_path="pca", **params).fit(train)
    # the linear path is sklearn's PCA(0.9) of the training windows (head, stride 2)
    head = train[:int(det.val_index_[0])]                      # the held-out tail is the rest
    W = sliding_windows(head, 16)[window_starts(len(head), 16, 2)]
    flat = W.reshape(len(W), -1)
    pca = PCA(n_components=0.9).fit(flat)
    with torch.no_grad():
        ours = det.module_.linear(torch.from_numpy(np.ascontiguousarray(W)).to(det.device_)).cpu().numpy()
    assert np.allclose(ours.reshape(len(W), -1), pca.inverse_transform(pca.transform(flat)), atol=1e-3)
    # the drifted normal half scores far below the anomaly with the PCA path, not without it
    ratio = {}
    for path, model in (("pca", det), ("none", GRUAutoEncoder(**params).fit(train))):
        s = model.score(test)
        ratio[path] = float(np.median(s[:300]) / np.median(s[455:475]))
    assert ratio["pca"] < 0.1 and ratio["none"] > 10 * ratio["pca"], ratio
    # fitted state round-trips (the frozen basis is part of the saved weights)
    meta, arrays = det.get_state()
    again = GRUAutoEncoder(linear_path="pca", **params).set_state(meta, arrays)
    assert np.allclose(again.score(test), det.score(test))
    with pytest.raises(ValueError, match="linear_path"):
        GRUAutoEncoder(linear_path="svd", **params).fit(train)


def test_no_training_window_spans_a_seam(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import hourglass.detectors.base as base_mod

    seen: list[np.ndarray] = []
    real = base_mod.train_module

    def spy(module, train, val, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(train[0].cpu().numpy().copy())
        return real(module, train, val, *args, **kwargs)

    monkeypatch.setattr(base_mod, "train_module", spy)
    rng = np.random.default_rng(0)
    a = rng.normal(0, 0.1, (150, 2)).astype("float32")          # a recording near 0
    b = rng.normal(10, 0.1, (250, 2)).astype("float32")         # another near 10
    det = LSTMAutoEncoder(window=8, hidden=4, code=2, epochs=1, stride=1, verbose=0)
    det.fit(np.concatenate([a, b]), seams=[150])
    W = seen[-1]
    mixed = (W.min(axis=(1, 2)) < 5) & (W.max(axis=(1, 2)) > 5)
    assert not mixed.any()
    head = 400 - len(det.val_index_)
    assert len(W) == (150 - 8 + 1) + (head - 150 - 8 + 1)      # every window inside one part
    assert not hasattr(det, "_seams")                          # fit-time only
    det.fit(np.concatenate([a, b]))                            # without seams: they are kept
    assert ((seen[-1].min(axis=(1, 2)) < 5) & (seen[-1].max(axis=(1, 2)) > 5)).sum() == 7
    with pytest.raises(InputError, match="last joined series"):
        det.fit(np.concatenate([a, b]), seams=[395])
    with pytest.raises(ValueError, match="seams"):
        det.fit(np.concatenate([a, b]), seams=[0])


def test_a_pca_linear_path_needs_a_window_autoencoder() -> None:
    # the PCA path wraps a reconstruction network; a forecaster's network is refused by name
    det = LSTMForecaster(window=8, hidden=4)
    det.linear_path_ = "pca"
    with pytest.raises(ValueError, match="linear_path='pca': LSTMForecaster's network"):
        det._build_module(2)
    det.linear_path_ = "none"
    assert type(det._build_module(2)).__name__ == "_ForecastModule"
