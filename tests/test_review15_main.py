"""Regression tests for defects fixed on main directly (not by an area's review)."""

from __future__ import annotations

import pytest

from hourglass.detectors import AutoEncoder
from hourglass.errors import InputError
from hourglass.thresholds import AlertBudget


def test_validate_params_leaves_a_per_day_budgets_rate_to_later_and_checks_the_rest() -> None:
    # a per-day budget without its event rate is a setting a Pipeline completes from a timestamp
    # column (as threshold_from_spec leaves it to fit): validate_params refused it as unfit,
    # which also hid the federated server's own, fuller message
    AutoEncoder(threshold=AlertBudget(10)).validate_params()
    AutoEncoder(threshold=AlertBudget(10, per="10k")).validate_params()
    AutoEncoder(threshold=AlertBudget(2e300)).validate_params()  # no made-up rate to be below
    for rule, why in ((AlertBudget(-1), "must be > 0 alerts"), (AlertBudget(10, per="week"), "per must"),
                      (AlertBudget(10, min_tail=0), "min_tail"),
                      (AlertBudget(10, events_per_day=5), "not below the event count")):
        with pytest.raises(InputError, match=why):
            AutoEncoder(threshold=rule).validate_params()


def test_a_warm_start_refusal_names_the_threshold_rules_parameters_it_takes() -> None:
    import numpy as np

    X = np.random.default_rng(0).normal(size=(80, 3)).astype("float32")
    ae = AutoEncoder(hidden=(4,), epochs=1, verbose=0).fit(X)
    with pytest.raises(ValueError, match=r"random_state and the threshold rule's own \(threshold__q"):
        ae.warm_start(X, hidden=(2,))


def test_with_threshold_names_a_huge_negative_rate_without_its_digits(tmp_path) -> None:
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline

    df = pd.DataFrame(np.random.default_rng(0).normal(size=(80, 2)), columns=["a", "b"])
    pipe = Pipeline(AutoEncoder(hidden=(4,), epochs=1, verbose=0)).fit(df)
    for rate in (-10**400, -10**5000, 2**1024):  # (-10**5000's digits are past str()'s limit)
        with pytest.raises(InputError, match=r"events_per_day must be .* got an integer past float's"):
            pipe.with_threshold("p99", events_per_day=rate)


def _stream_models(tmp_path):  # an entity model and a series model that keep no date order
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline, load
    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.entity import EntityWindows
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"host": rng.choice(["a", "b"], 200),
                       "ts": np.sort(rng.integers(1_700_000_000, 1_700_000_000 + 6 * 3600, 200)),
                       "bytes": rng.integers(1, 1000, 200).astype(float)})
    Pipeline(AutoEncoder(hidden=(2, 1), epochs=1, verbose=0, random_state=0),
             features=EntityWindows("host", "ts", bucket="1h", numeric=("bytes",))).fit(df).save(
        tmp_path / "ent")
    t = np.arange(120)
    series = pd.DataFrame({"ts": (pd.Timestamp("2024-05-01") + pd.to_timedelta(t * 10, unit="s"))
                           .strftime("%Y-%m-%dT%H:%M:%S"), "cpu": np.sin(t / 6), "mem": np.cos(t / 9)})
    tcn = Pipeline(TCNAutoEncoder(window=8, channels=(4,), epochs=1, verbose=0, random_state=0),
                   features=TimeSeriesPreprocessor("ts")).fit(series)
    return load(tmp_path / "ent"), tcn


def test_a_streams_first_batch_takes_its_order_from_dates_valid_in_some_order(tmp_path) -> None:
    # a first batch holding a date valid in no order (31/13: both numbers above 12) fell back to
    # reading row by row by the written convention: 01/02 fixed month first and every 13/02 of
    # the day-first stream after it was a bad line; one stray month-first row among day-first
    # ones did the same
    from hourglass.cli.stream_entity import EntityStream
    from hourglass.serve.series_stream import SeriesStreamScorer

    ent, tcn = _stream_models(tmp_path)
    for times, bad_lines in (
            (["01/02/2026 00:05:00", "31/13/2026 00:00:00", "13/02/2026 00:05:00",
              "13/02/2026 01:05:00"], [2]),
            (["01/02/2026 00:05:00", "02/13/2026 00:05:00", "13/02/2026 00:05:00",
              "14/02/2026 00:05:00", "15/02/2026 00:05:00"], [2])):
        s = EntityStream(ent, wall=lambda: 1.9e9)
        _, bad = s.feed([{"host": "a", "ts": t, "bytes": 1.0} for t in times],
                        list(range(1, len(times) + 1)), stop_at_bad=False)
        assert s.dayfirst is True and [line for line, _ in bad] == bad_lines, bad
        scorer = SeriesStreamScorer.from_pipeline(tcn)
        got = scorer._times([(i, {"ts": t}) for i, t in enumerate(times, 1)])
        assert scorer.dayfirst is True
        assert [i for i, g in enumerate(got, 1) if isinstance(g, InputError)] == bad_lines, got


def test_a_text_time_read_outside_the_nanosecond_range_is_a_row_error() -> None:
    # '-1' among compact dates given as text was read as the year -1 (and '1600-01-01' as such):
    # every later step (buckets, windows, a stream's batch) failed with pandas'
    # OutOfBoundsDatetime traceback
    import pandas as pd

    from hourglass._times import read_timestamps

    for values, row in ((["20260328"] * 20 + ["-1"], 21), (["2024-01-01", "1600-01-01"], 2)):
        with pytest.raises(InputError, match=rf"row {row} is not a timestamp .*outside 1677-2262"):
            read_timestamps(pd.Series(values, dtype=object), "day")
    assert str(read_timestamps(pd.Series(["1677-09-22", "2262-04-10"]), "day")[0][1]) == "2262-04-10 00:00:00"


def test_registry_get_and_predict_batches_refuse_what_they_cannot_use_by_name() -> None:
    # registry.get(5) was an AttributeError from .strip(); predict_batches(batch_size=0) was
    # range()'s "arg 3 must not be zero", a fraction its TypeError
    import numpy as np

    from hourglass.detectors import registry
    from hourglass.nn.training import predict_batches

    with pytest.raises(InputError, match=r"a model name is text, got 5; available: .*autoencoder"):
        registry.get(5)  # type: ignore[arg-type]
    x = [np.ones((4, 2), dtype=np.float32)]
    for size in (0, 2.5, True):
        with pytest.raises(ValueError, match=r"batch_size must be an integer >= 1"):
            predict_batches(lambda b: b[0].sum(dim=1), x, batch_size=size)  # type: ignore[arg-type]
    three = np.int64(3)  # a numpy integer, as a computed size may be
    got = predict_batches(lambda b: b[0].sum(dim=1), x, batch_size=three)  # type: ignore[arg-type]
    assert got.tolist() == [2.0] * 4
