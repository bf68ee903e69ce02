"""Review 57 (self57c): the round's last merges reviewed as a pull request."""
from __future__ import annotations

import logging

import pandas as pd
import pytest

from hourglass.features.sessions import EventSessions


def test_event_table_year_first_dates_are_warned_of_across_chunks(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: the event table's two-digit-date warning (e8a1ae16) looked at each chunk
    # of the read alone, where a log's timestamp check carries the previous chunk's last stamp:
    # a table read in chunks that each held one day (17/06/09, then 17/06/10 ...) was never
    # warned of, though the same table read whole was.
    rows = [{"user": f"u{i}", "event": f"e{i % 2}", "ts": f"{d} 1{i}:00:00"}
            for d in ("17/06/09", "17/06/10", "17/06/11") for i in range(4)]
    pre = EventSessions(session_column="user", key_column="event", time_column="ts")
    pre.chunk_lines = 4  # one day a chunk
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pre.fit(pd.DataFrame(rows))
    said = [r.getMessage() for r in caplog.records if "read with the year last" in r.getMessage()]
    assert len(said) == 1, [r.getMessage() for r in caplog.records]
    assert said[0].startswith("table: column 'ts': '17/06/09' and '17/06/1")


def test_winlogbeat_ecs_copies_are_not_named_as_columns_the_model_ignores(
        caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: Pipeline._unread (09e0b002) left the format's dropped columns out of the
    # 'ignoring N column(s) the model was not trained on' warning, but asked the format for the
    # roles of the extra columns alone: Winlogbeat drops an ECS copy (event.code, host.name,
    # process.*) by the column beside it (winlog.event_id, the event data), which is no extra
    # column, so a newer shipper's copies were still named on every file. A real new column
    # (an event data field with values) is still named.
    import numpy as np

    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"winlog.event_id": rng.choice([4624, 4625], 200), "winlog.channel": "Security",
                       "winlog.event_data.LogonType": rng.choice([2, 3, 10], 200).astype(float),
                       "winlog.computer_name": "dc1"})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    pipe.info["dataset"] = "winlogbeat"
    copies = df.assign(**{"event.code": df["winlog.event_id"].astype(str), "host.name": "dc1",
                          "process.name": "x.exe", "agent.version": "8.1"})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pipe.transform(copies)
    assert "not trained on" not in caplog.text
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pipe.transform(copies.assign(**{"winlog.event_data.TargetUserName": "bob"}))
    said = [r.getMessage() for r in caplog.records if "not trained on" in r.getMessage()]
    assert said == ["ignoring 1 column(s) the model was not trained on: winlog.event_data.TargetUserName"]


def test_epoch_times_named_ts_or_at_are_times_not_features() -> None:
    # What was wrong: is_time_name (7addb5f8) took a name for a time's by its last word only for
    # 'start'/'end' (and the 'time'/'date' endings): epoch seconds under 'start_ts', 'event_ts'
    # or 'created_at' (Zeek's 'ts', Rails' 'created_at') were a numeric feature, every later day
    # past the training scale, where 'flow_start' or 'unix_time' of the same values were dropped
    # as times. Numbers that are no clock under such a name stay numbers.
    import numpy as np

    from hourglass.features.roles import infer_role, is_time_name

    epoch = pd.Series(1.7e9 + np.arange(500) * 3.0)
    counts = pd.Series(np.arange(500) * 3.0)
    for name in ("start_ts", "event_ts_ms", "created_at", "updatedAt"):
        assert is_time_name(name), name
        assert infer_role(name, epoch, max_categories=50) == ("drop", "times"), name
        assert infer_role(name, counts, max_categories=50)[0] == "numeric", name
    assert not any(is_time_name(n) for n in ("hosts", "format", "at", "stats", "backend"))
