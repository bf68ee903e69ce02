"""Regression tests for problems found in the merged fixes (thresholds, ...)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.thresholds import DSPOT, POT
from hourglass.thresholds.monitor import _empirical_rate, expected_alert_rate
from tests._cli import one_line_error, runner


def test_dspot_of_scores_near_the_largest_float_is_a_clear_error_not_an_overflow() -> None:
    s = np.random.default_rng(0).exponential(size=2000)
    with pytest.raises(InputError, match="sum past the largest float"):
        DSPOT(1e-2, depth=50).fit(s / s.max() * 1e308)  # window sums overflow
    with pytest.raises(InputError, match="sum past the largest float"):
        DSPOT(1e-2, depth=50).fit(1e307 * s)


def test_dspot_fallback_rate_counts_the_deviations_it_took_the_quantile_of() -> None:
    scores = np.random.default_rng(1).uniform(size=150)
    with pytest.warns(UserWarning, match="empirical quantile"):
        rule = DSPOT(1e-4, depth=50).fit(scores)
    assert rule.fit_ is None  # too few scores for a tail fit
    assert expected_alert_rate(rule).rate == pytest.approx(_empirical_rate(1e-4, 100))


def test_pot_fallback_rate_does_not_depend_on_the_level_that_does_not_move_its_cut_off() -> None:
    scores = np.random.default_rng(2).uniform(size=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # too few peaks: the empirical quantile
        a, b = POT(0.05).fit(scores), POT(0.05, level=0.9).fit(scores)
    assert a.value_ == b.value_
    assert expected_alert_rate(a).rate == expected_alert_rate(b).rate == pytest.approx(
        _empirical_rate(0.05, 30))


def _timed_table(path: Path, time_col: str) -> Path:
    rng = np.random.default_rng(0)
    n = 120
    pd.DataFrame({time_col: pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
                  "bytes": rng.integers(1, 1000, n), "pkts": rng.integers(1, 50, n),
                  "label": ["normal"] * n}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("option", [["--categorical", "@timestamp"], ["--role", "@timestamp=ip"]])
def test_inspect_refuses_a_column_option_naming_the_formats_own_time_column(
        tmp_path: Path, option: list[str]) -> None:
    # as train does: @timestamp is the time column without --timestamp-col (inspect said "not in
    # the data" for --categorical and ignored --role)
    data = _timed_table(tmp_path / "ecs.csv", "@timestamp")
    one_line_error(["inspect", str(data), "--label-col", "label", "--normal", "normal", *option],
                   f"{option[0]} {option[1]}: is the timestamp column, which is never a feature")


def test_role_drop_of_the_timestamp_column_is_taken_as_drop_is(tmp_path: Path) -> None:
    data = _timed_table(tmp_path / "timed.csv", "ts")
    out = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(out), "--timestamp-col", "ts", "--role",
                              "ts=drop", "--label-col", "label", "--normal", "normal", "--epochs", "1",
                              "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    assert (out / "config.json").is_file()


@pytest.mark.parametrize("dtype", [np.float32, "Float32", np.float16, np.float64])
def test_suppression_matches_whole_numbers_of_narrow_float_columns(dtype: object) -> None:
    from hourglass.serve.suppress import Suppressions

    rules = Suppressions.parse('[[rule]]\nname = "big"\nmatch = { b = [1000000, 2048, 4294967296, 1e16, '
                               '3.4028235e38] }\n', "rules.toml")
    values = [1e6, 2048.0, 4294967296.0, 1e16, 3.4028235e38, 7.0] if dtype != np.float16 else [2048.0, 7.0]
    df = pd.DataFrame({"b": pd.array(values, dtype=dtype)})
    assert rules.names(df).tolist() == ["big"] * (len(values) - 1) + [""]


def test_ensemble_epochs_as_text_is_quoted() -> None:
    from hourglass.detectors import AutoEncoder, Ensemble

    with pytest.raises(ValueError, match=r"integer >= 1, got '3'$"):
        Ensemble((AutoEncoder(),), epochs="3").validate_params()


def test_deep_svdd_warm_start_refuses_a_bounded_activation_its_network_was_not_made_with() -> None:
    from hourglass.detectors import DeepSVDD

    X = np.random.default_rng(0).normal(size=(80, 4)).astype(np.float32)
    det = DeepSVDD(hidden=(8, 4), epochs=1, verbose=0, random_state=0).fit(X)  # (one layer: none)
    det.set_params(activation="tanh")  # a leaky_relu network: tanh would let it collapse
    # refused as any setting the network was built under, changed since fit
    with pytest.raises(ValueError, match="activation is 'tanh', but the model was fitted with 'leaky_relu'"):
        det.warm_start(X)


def test_relative_epoch_seconds_written_as_text_are_epoch_times_not_years() -> None:
    from hourglass._times import read_timestamps, unreadable_times

    text = pd.Series((np.arange(200) * 60).astype(str))  # '1020' reads as a year to pandas
    ts, _ = read_timestamps(text, "t")
    assert str(ts[17]) == "1970-01-01 00:17:00"
    assert not unreadable_times(text, "t").any()


def test_event_windows_read_compact_dates_written_as_text_as_dates() -> None:
    from hourglass.features.sessions import EventSessions

    df = pd.DataFrame({"eid": [1, 2, 3, 4] * 2,
                       "day": ["20260328", "20260329", "20260330", "20260331"] * 2})
    sessions = EventSessions(key_column="eid", time_column="day", window=3600).fit(df)
    assert len(sessions.transform(df)) == 4  # four days: four windows (1970: one second apart)


def test_dspot_update_refuses_normal_scores_whose_window_sums_past_the_largest_float() -> None:
    s = np.random.default_rng(0).exponential(size=2000)
    rule = DSPOT(1e-2, depth=50).fit(s * 1e306)
    with pytest.raises(InputError, match="sum past the largest float"):
        rule.update(np.full(60, 3.7e306))
    assert np.isfinite(rule.value_)


def test_ensemble_epochs_as_a_numpy_number_is_quoted_as_the_number() -> None:
    from hourglass.detectors import AutoEncoder, Ensemble

    with pytest.raises(ValueError, match=r"integer >= 1, got 2\.5$"):
        Ensemble((AutoEncoder(),), epochs=np.float64(2.5)).validate_params()


def test_deep_svdd_warm_start_unfitted_says_not_fitted() -> None:
    from hourglass.detectors import DeepSVDD
    from hourglass.errors import NotFittedError

    with pytest.raises(NotFittedError):
        DeepSVDD(activation="tanh").warm_start(np.zeros((10, 2), dtype=np.float32))


@pytest.mark.parametrize("name", ["DeepSVDD", "LatentIForest"])
def test_deep_svdd_and_latent_forest_take_batch_size_auto_as_autoencoder_does(name: str) -> None:
    import hourglass.detectors as detectors

    X = np.random.default_rng(0).normal(size=(300, 4)).astype(np.float32)
    det = getattr(detectors, name)(batch_size="auto", epochs=1, verbose=0, random_state=0).fit(X)
    assert np.isfinite(det.score(X[:5])).all()
    with pytest.raises(ValueError, match="batch_size must be 'auto' or an integer >= 1"):
        getattr(detectors, name)(batch_size="big").validate_params()
