"""Review round 57 (self57): regression tests for this round's own changes, reviewed as a PR."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def test_backend_address_is_no_time_in_an_entity_model() -> None:
    # What was wrong: b13bf48e made every name ending in 'start'/'end' (underscores removed) a
    # time's name, so an entity model dropped a load balancer's 'backend' column of
    # 10.0.0.5:8080 values as 'times' (its digits and dots look like a date), and names such as
    # 'restarts', 'weekend', 'bytes_send' were times' names too; only a name whose last word is
    # start or end (a unit aside) is one now
    from hourglass.features.entity import EntityWindows
    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame({"host": rng.choice(["a", "b", "c"], n),
                       "ts": pd.date_range("2024-01-01", periods=n, freq="min"),
                       "backend": rng.choice(["10.0.0.5:8080", "10.0.0.6:8080", "10.0.1.7:80"], n),
                       "bytes": rng.integers(0, 1000, n)})
    ew = EntityWindows("host", "ts").fit(df)
    assert "backend" not in ew.not_aggregated_, ew.not_aggregated_
    from hourglass.features.roles import is_time_name

    for name in ("backend", "frontend", "weekend", "trend", "spend", "restarts", "bytes_send",
                 "appends", "BACKEND"):
        assert not is_time_name(name), name
    for name in ("start", "end", "FLOW_START_MILLISECONDS", "flow_end_ms", "flowStartSeconds",
                 "flowEndMilliseconds", "end_time_ms", "login_date", "start_s"):
        assert is_time_name(name), name


def test_warm_start_with_a_rule_of_its_own_does_not_credit_the_parents_rethreshold() -> None:
    # What was wrong: 7bfca153's model card line said a warm-started model's threshold rule was
    # 'set when the parent was re-thresholded' whenever the parent had been, even when
    # Pipeline.warm_start(..., threshold=...) gave a rule of its own (percentile 97 here, the
    # parent's re-threshold percentile 90): the card named the wrong origin of the rule
    from hourglass import AutoEncoder, Pipeline
    from hourglass.thresholds import Percentile

    rng = np.random.default_rng(0)
    old = pd.DataFrame({"bytes": rng.exponential(100, 200), "proto": ["tcp"] * 200})
    parent = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(old)
    parent = parent.with_threshold("percentile:90")
    given = parent.warm_start(old, threshold=Percentile(97), epochs=1)
    assert "percentile 97" in given.threshold_.describe()
    line = given.model_card()["warm start"]
    assert "its threshold rule set when the parent was re-thresholded" not in line, line
    assert "the threshold rule given at the warm start" in line, line
    # the lineage stays recorded, and a rule kept is still credited to the re-threshold
    assert given.info["warm_start"]["parent"]["rethresholded_from"]["threshold"].startswith("percentile 99")
    kept = parent.warm_start(old, epochs=1)
    assert "its threshold rule set when the parent was re-thresholded" in kept.model_card()["warm start"]


def test_year_first_warning_names_read_stamps_only(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: 2ba8922b's warning on dates read year last that are year first named its
    # first and last stamps by the position of the smallest and largest time including stamps
    # not read at all (NaN: a garbled '17/06/01 99:00:00' line): it said "'17/06/01' and
    # '17/06/01' are read with the year last, 17 June 2009 and 17 June 2010", and counted the
    # unread stamp's date in the year-first span ('9 days apart' for dates a day apart)
    import logging

    from hourglass.ingest.logs import LogParser

    fmt = r"^(?P<timestamp>\d\d/\d\d/\d\d \S+) (?P<level>\w+) (?P<component>\S+): (?P<content>.*)$"
    lines = ["17/06/01 99:00:00 INFO storage.BlockManager: Found block rdd_1 locally"]
    lines += [f"17/06/{d:02d} {h:02d}:00:00 INFO storage.BlockManager: Found block rdd_{h} locally"
              for d in (9, 10) for h in range(0, 24, 6)]
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        LogParser(fmt).fit(lines)
    said = [r.getMessage() for r in caplog.records if "read with the year last" in r.getMessage()]
    assert len(said) == 1, [r.getMessage() for r in caplog.records]
    assert said[0].startswith("timestamp: '17/06/09' and '17/06/10' are read"), said[0]
    assert "1 day apart" in said[0], said[0]


def test_signalling_nan_in_an_event_table_is_named() -> None:
    # What was wrong: 19411a08 named a Decimal('sNaN') cell in the table, series and entity
    # features, but an event table given as a DataFrame (log sessions from a key, message,
    # session or time column) raised decimal.InvalidOperation from inside pandas, fitting and
    # scoring alike
    from decimal import Decimal

    from hourglass.errors import InputError
    from hourglass.features.sessions.events import EventSessions

    n = 40
    df = pd.DataFrame({"user": [f"u{i % 4}" for i in range(n)], "key": [f"E{i % 5}" for i in range(n)],
                       "ts": pd.date_range("2024-01-01", periods=n, freq="min")})
    fitted = EventSessions(key_column="key", session_column="user").fit(df)
    for col in ("user", "key"):
        bad = df.astype(object)
        bad.loc[3, col] = Decimal("sNaN")
        with pytest.raises(InputError, match=rf"column '{col}': a cell holds Decimal\('sNaN'\) \(row 4\)"):
            EventSessions(key_column="key", session_column="user").fit(bad)
        with pytest.raises(InputError, match=rf"column '{col}': a cell holds Decimal\('sNaN'\)"):
            fitted.transform(bad)
    bad = df.astype(object)
    bad.loc[5, "ts"] = Decimal("sNaN")
    with pytest.raises(InputError, match=r"column 'ts': a cell holds Decimal\('sNaN'\) \(row 6\)"):
        EventSessions(key_column="key", time_column="ts", window=600).fit(bad)


def test_year_first_dates_of_an_event_tables_time_column_are_warned_of(
        caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: 2ba8922b warned of two-digit dates read year last that are year first
    # (Spark's yy/MM/dd: 17/06/09 then 17/06/10 read as 17 June 2009 then 2010) in a log's
    # timestamp group only; the same dates in an event table's time column (a Spark log shipped
    # as JSON lines or CSV) jumped a year at each midnight without a word, its windows cut so
    import logging

    from hourglass.features.sessions.events import EventSessions

    ts = [f"17/06/{d:02d} {h:02d}:00:00" for d in (9, 10) for h in range(0, 24, 4)]
    df = pd.DataFrame({"ts": ts, "key": [f"E{i % 3}" for i in range(len(ts))]})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        EventSessions(key_column="key", time_column="ts", window=3600).fit(df)
    said = [r.getMessage() for r in caplog.records if "read with the year last" in r.getMessage()]
    assert len(said) == 1, [r.getMessage() for r in caplog.records]
    assert said[0].startswith("table: column 'ts': '17/06/09' and '17/06/10' are read"), said[0]
    # day-first dates of one month (5 to 6 June 2009) read year first would span years: no word
    caplog.clear()
    days = pd.DataFrame({"ts": [f"{d:02d}/06/09 10:00:00" for d in (5, 6, 7)], "key": ["E1"] * 3})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        EventSessions(key_column="key", time_column="ts", window=3600).fit(days)
    assert not [r for r in caplog.records if "year last" in r.getMessage()]
