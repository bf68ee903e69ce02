"""Review round 57 (left57): regression tests for the small items the last round left alone."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError


def test_a_bytes_device_is_refused_before_training() -> None:
    # What was wrong: torch.device(b"cpu") is the CPU, so check_device and fit took device=b"cpu";
    # the model trained and then Pipeline.save refused it ("cannot save parameter value b'cpu' of
    # type bytes"). A device given as bytes is now an unknown device, before any training.
    from hourglass import AutoEncoder
    from hourglass.nn.device import check_device, resolve_device

    for check in (check_device, resolve_device):
        with pytest.raises(InputError, match=r"device: unknown device b'cpu'"):
            check(b"cpu")
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(InputError, match="unknown device b'cpu'"):
        AutoEncoder(device=b"cpu", epochs=1).fit(X)


def test_a_signalling_nan_decimal_in_a_table_is_an_input_error() -> None:
    # What was wrong: a Decimal('sNaN') in an object column given to Pipeline.fit or score (the
    # table path, not check_array's) raised decimal.InvalidOperation from inside pandas (which
    # cannot even test it for a missing value), or in a category column TypeError 'Cannot hash a
    # signaling NaN value'; the time-series and entity features too. Each now says the column
    # and row as an InputError.
    from decimal import Decimal

    import pandas as pd

    from hourglass import AutoEncoder, Pipeline
    from hourglass.features import EntityWindows, TabularPreprocessor
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    bad = df.head(3).astype(object)
    bad.iloc[1, 0] = Decimal("sNaN")
    pipe = Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(df)
    said = r"^column 'a': a cell holds Decimal\('sNaN'\) \(row {}\), a signalling NaN"
    with pytest.raises(InputError, match=said.format(2)):
        pipe.score(bad)
    with pytest.raises(InputError, match=said.format(402)):
        pipe.score(pd.concat([df.astype(object)] * 10 + [bad], ignore_index=True))  # not small
    with pytest.raises(InputError, match=said.format(42)):
        Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(
            pd.concat([df.astype(object), bad], ignore_index=True))
    # in a category column (hashed, not tested for a missing value)
    cats = pd.DataFrame({"a": ["tcp", "udp"] * 20, "b": rng.normal(size=40)})
    holed = cats.astype(object)
    holed.iloc[1, 0] = Decimal("sNaN")
    for run in (lambda: TabularPreprocessor().fit(cats).transform(holed),
                lambda: TabularPreprocessor().fit(holed)):
        with pytest.raises(InputError, match=said.format(2)):
            run()
    # a time series', an entity model's
    series = TimeSeriesPreprocessor().fit(df)
    whole = df.astype(object)
    whole.iloc[1, 0] = Decimal("sNaN")
    for run in (lambda: series.transform(whole), lambda: TimeSeriesPreprocessor().fit(whole)):
        with pytest.raises(InputError, match=said.format(2)):
            run()
    rows = pd.DataFrame({"user": ["u1", "u2"] * 20, "a": rng.normal(size=40),
                         "t": pd.date_range("2024-01-01", periods=40, freq="min").astype(str)})
    entity = EntityWindows(entity_col="user", timestamp_col="t").fit(rows)
    odd = rows.astype(object)
    odd.iloc[1, 1] = Decimal("sNaN")
    for run in (lambda: entity.transform(odd),
                lambda: EntityWindows(entity_col="user", timestamp_col="t").fit(odd)):
        with pytest.raises(InputError, match=said.format(2)):
            run()
    # a quiet NaN Decimal is still a missing value, as before
    bad.iloc[1, 0] = Decimal("NaN")
    assert np.isfinite(pipe.score(bad)).all()


def test_stream_of_a_log_of_another_system_warns_as_score_does(tmp_path) -> None:
    # What was wrong: 'hourglass score' (and evaluate) of a log whose lines were mostly of
    # templates the model never saw warned "N of M parsed lines (P%) had a template unseen in
    # training: is it a log of another system ...?"; 'hourglass stream' of the same lines only
    # counted them ('4 with an unknown template') and flagged every session. The stream now
    # warns once at its end, in score's words (a key file's unseen keys counted over its events).
    from typer.testing import CliRunner

    from hourglass.cli.app import app
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.features.sessions import EventSessions
    from hourglass.pipeline import Pipeline

    def block(b: int) -> list[str]:
        return [f"receiving blk_{b} from 10.0.0.{b % 9}", f"received blk_{b} bytes {b}", f"close blk_{b}"]

    raw = tmp_path / "raw"
    Pipeline(DeepLog(window=2, top_g=1, hidden=8, layers=1, epochs=1, verbose=0),
             features=EventSessions(format="raw", session_regex=r"blk_\d+")).fit(
        [line for b in range(20) for line in block(b)]).save(raw)
    keys = tmp_path / "keys"
    Pipeline(DeepLog(window=2, top_g=1, hidden=8, layers=1, epochs=1, verbose=0),
             features=EventSessions(format="keys")).fit(["1 2 3 1 2"] * 20).save(keys)
    runner = CliRunner()
    other = ("sshd blk_1 accepted password for root\nsshd blk_1 session opened\n"
             "sshd blk_2 accepted password for bob\nsshd blk_2 session closed\n")
    r = runner.invoke(app, ["stream", str(raw)], input=other)
    assert r.exit_code == 0, r.output
    assert r.stderr.count("4 of 4 parsed lines (100%) had a template unseen in training") == 1
    assert "another system, or in another format" in r.stderr
    r = runner.invoke(app, ["stream", str(keys)], input="7 8 9\n7 8 1\n")
    assert r.exit_code == 0, r.output
    assert "5 of 6 events (83%) had a key unseen in training" in r.stderr
    # the model's own kind of log: no such warning
    r = runner.invoke(app, ["stream", str(raw)], input="\n".join([*block(50), "mystery blk_50 x"]) + "\n")
    assert r.exit_code == 0, r.output
    assert "1 with an unknown template" in r.stderr and "another system" not in r.stderr


def test_a_validation_series_the_detector_cannot_score_is_named_x_val() -> None:
    # What was wrong: Pipeline.fit(series, X_val=short, y_val=...) with an X_val shorter than the
    # model's window said 'series has 8 time steps, shorter than one window of 20' (after
    # training), naming no table: the training series had 200 steps, so the user could not tell
    # which input was at fault. An error the detector raises while scoring X_val now names X_val,
    # as those of X_val's features already did.
    import pandas as pd

    from hourglass import Pipeline, thresholds
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": np.sin(np.arange(200) / 5) + rng.normal(0, 0.1, 200),
                       "b": rng.normal(size=200)})
    pipe = Pipeline(LSTMAutoEncoder(window=20, hidden=4, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor(), threshold=thresholds.BestF1())
    with pytest.raises(InputError, match=r"^X_val: series has 8 time steps, shorter than one window of 20"):
        pipe.fit(df, X_val=df.head(8), y_val=[0] * 7 + [1])


def test_year_first_two_digit_dates_that_jump_a_year_are_warned_of(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: Spark's log4j time '17/06/09 23:59:59' (yy/MM/dd) in a user regex's
    # timestamp group is read day first with the year last, 17 June 2009; past midnight
    # '17/06/10' is 17 June 2010: a year between two lines a second apart, silently (every later
    # line a year on: time windows, alert times). A warning now names the two dates, both
    # readings and the way out (a four-digit year); dates whose year-last reading is the
    # shorter (a day-first log across New Year) are read as before, without it.
    import logging

    import pandas as pd

    from hourglass.ingest.logs import LogParser

    regex = r"^(?P<timestamp>\S+ \S+) (?P<level>\w+) (?P<component>[^:]+): (?P<content>.*)$"
    text = "INFO storage.BlockManager: Found block rdd_0 locally"
    lines = [f"17/06/09 23:59:5{i} {text}" for i in range(5)]
    lines += [f"17/06/10 00:00:0{i} {text}" for i in range(5)]
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        secs = pd.concat(list(LogParser(regex).fit_chunks(lines, chunk_size=5)))["time"]  # cut at midnight
    said = [r.getMessage() for r in caplog.records if "year first" in r.getMessage()]
    assert len(said) == 1, caplog.text  # once a parser, not once a chunk
    assert said[0].startswith("timestamp: '17/06/09' and '17/06/10' are read with the year last, "
                              "17 June 2009 and 17 June 2010 (364 days apart); read year first "
                              "(yy/MM/dd, as Spark's log4j writes them) they are 1 day apart")
    assert "write their year in four digits" in said[0]
    assert pd.to_datetime(secs, unit="s").iloc[0] == pd.Timestamp("2009-06-17 23:59:50")  # (as read)
    caplog.clear()
    new_year = [f"31/12/09 23:59:5{i} INFO x: y" for i in range(5)] + [f"01/01/10 00:00:0{i} INFO x: y"
                                                                       for i in range(5)]
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        list(LogParser(regex).fit_chunks(new_year))
    assert "year first" not in caplog.text
