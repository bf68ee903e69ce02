"""Review of the entity-bucket features, their scoring, streaming and explanations: each test
reproduces a defect that was found and fixed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.detectors import AutoEncoder
from hourglass.features.entity import EntityWindows
from hourglass.serve.entity_scoring import bucket_rows
from tests._cli import runner


def _flows(n: int = 400, seed: int = 0, span: float = 36_000.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"host": rng.choice(list("abcd"), n),
                         "ts": 1.7e9 + np.sort(rng.random(n)) * span,
                         "bytes": rng.integers(10, 5000, n)})


def test_sub_second_buckets_are_written_with_their_fraction() -> None:
    # was: '500ms' buckets written to the second: a bucket ended where it started and two
    # buckets of one entity had the same start
    df = _flows(600, span=30.0)
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    features=EntityWindows("host", "ts", bucket="500ms")).fit(df)
    out = bucket_rows(pipe, *pipe.features_.transform_with_keys(df))
    assert not out.duplicated(["entity", "bucket_start"]).any()
    length = pd.to_datetime(out["bucket_end"]) - pd.to_datetime(out["bucket_start"])
    assert (length == pd.Timedelta("500ms")).all()
    whole = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                     features=EntityWindows("host", "ts", bucket="5min")).fit(_flows())
    starts = bucket_rows(whole, *whole.features_.transform_with_keys(_flows()))["bucket_start"]
    assert starts.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00").all()  # whole seconds: as before


def test_durations_named_like_times_are_aggregated() -> None:
    # was: response_time, cpu_time, uptime (numbers named ...time) left out as "times"
    df = _flows()
    rng = np.random.default_rng(1)
    df["response_time"] = rng.random(len(df))
    df["cpu_time"] = rng.integers(0, 50, len(df)).astype(str)  # numbers written as text
    df["uptime"] = rng.random(len(df)) * 1e4
    df["event_time"] = df["ts"] * 1000  # epoch milliseconds: a time
    df["rel_time"] = df["ts"] - df["ts"].iloc[0]  # seconds since the start, never decreasing
    df["event_date"] = rng.choice([20240105, 20240106], len(df))  # dates written as numbers
    df["created_date"] = pd.to_datetime(df["ts"], unit="s").astype(str)  # date-time text
    ew = EntityWindows("host", "ts").fit(df)
    assert ew.numeric_ == ["bytes", "response_time", "cpu_time", "uptime"]
    assert set(ew.not_aggregated_) == {"event_time", "rel_time", "event_date", "created_date"}


def test_placeholders_do_not_change_a_column_role() -> None:
    # '-' is a missing value to the roles and the features, but the time and code rules read a
    # column with 5% of them as no numbers: a duration was left out as a time, an amount counted
    df = _flows()
    rng = np.random.default_rng(3)
    duration = np.round(rng.random(len(df)) * 3, 3).astype(str)
    amount = np.round(rng.random(len(df)) * 90 + 1, 2).astype(str)
    duration[::20], amount[::20] = "-", "(empty)"
    df["response_time"], df["amount_paid"] = duration, amount
    ew = EntityWindows("host", "ts").fit(df)
    assert ew.numeric_ == ["bytes", "response_time", "amount_paid"]
    assert "response_time" not in ew.not_aggregated_


def test_fractional_numbers_with_a_code_like_name_are_summed() -> None:
    # was: amount_paid (ends in "id") counted as distinct codes, not summed
    df = _flows()
    rng = np.random.default_rng(2)
    df["amount_paid"] = rng.random(len(df)) * 100
    df["user_id"] = rng.integers(0, 5, len(df))
    df["status"] = rng.choice([200, 404], len(df)).astype(float)  # whole numbers: codes
    ew = EntityWindows("host", "ts").fit(df)
    assert ew.numeric_ == ["bytes", "amount_paid"]
    assert ew.categorical_ == ["user_id", "status"]


def test_placeholder_dash_in_a_numeric_column_is_missing() -> None:
    # was: a Bro-style '-' (inferred as a missing value of a numeric column) stopped the fit with
    # "data row 4 is not a number ('-')"; stream refused such a row alike
    from hourglass.cli.stream_entity import _not_number

    df = _flows(300)
    df["bytes"] = df["bytes"].astype(str)
    df.loc[3, "bytes"], df.loc[7, "bytes"] = "-", "(empty)"
    ew = EntityWindows("host", "ts", log1p="none").fit(df)
    assert ew.numeric_ == ["bytes"]
    agg = ew.aggregate(df)
    assert agg["bytes:sum"].sum() == pd.to_numeric(df["bytes"], errors="coerce").sum()
    assert not _not_number("-") and not _not_number(" (empty) ") and _not_number("ten")


def _model(tmp_path: Path, df: pd.DataFrame, bucket: str = "10min") -> Path:
    out = tmp_path / "M"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
             features=EntityWindows("host", "ts", bucket=bucket)).fit(df).save(out)
    return out


def test_warm_start_with_a_replay_share_of_no_bucket_trains_on_new_alone(tmp_path: Path) -> None:
    # was: 'error: no rows to score (empty data)' when --replay times NEW's buckets rounded to 0
    model = _model(tmp_path, _flows(400))
    _flows(40, seed=3).to_csv(tmp_path / "new.csv", index=False)
    _flows(400, seed=4).to_csv(tmp_path / "old.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(model), "-o",
                              str(tmp_path / "W"), "--replay-data", str(tmp_path / "old.csv"),
                              "--replay", "0.01", "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    info = json.loads((tmp_path / "W" / "config.json").read_text())["info"]
    assert info["warm_start"]["replay"]["buckets"] == 0


def test_stream_places_each_event_of_a_page_by_its_own_time() -> None:
    # was: the events of one line (an Okta array, an Event Hub page) all took the time of the
    # page's last event: a 10:30 event was dropped as late behind a 07:00 one, and one bad
    # event made every event of its page bad
    from hourglass.cli.stream_entity import EntityStream

    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    features=EntityWindows("host", "ts", bucket="1h")).fit(_flows())
    t0 = 1_767_600_000  # 2026-01-05 08:00 UTC
    stream = EntityStream(pipe)
    assert stream.feed([{"host": "a", "ts": t0 + 3600, "bytes": 1}], [1])[1] == []
    page = [{"host": "a", "ts": t0 + 9000, "bytes": 2}, {"host": "a", "ts": t0 - 3600, "bytes": 3},
            {"host": "a", "ts": "soon", "bytes": 4}]
    _, bad = stream.feed(page, [2, 2, 2], stop_at_bad=False)
    assert [n for n, _ in bad] == [2] and "'soon'" in bad[0][1]
    assert stream.counts["late"] == 1 and stream.counts["rows"] == 3  # the late one counted too
    out = stream.close_all()
    assert out is not None
    assert out["bucket_start"].tolist() == ["2026-01-05T09:00:00", "2026-01-05T10:00:00"]


def test_event_table_times_with_and_without_fractions_all_read() -> None:
    # was: pandas read every time in the first row's layout, so with RFC3339Nano times (trailing
    # zeros left out: 09:00:07.5Z beside 09:00:15Z) half the events had 'no readable time' and
    # were left out of the time windows
    from hourglass.features.sessions import EventSessions

    t0 = pd.Timestamp("2024-01-05T09:00:00Z")
    times = [(t0 + pd.Timedelta(seconds=7.5 * i)).strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
             + "Z" for i in range(40)]
    df = pd.DataFrame({"event": ["login", "read", "exit", "read"] * 10, "ts": times})
    pre = EventSessions(key_column="event", time_column="ts", window=60).fit(df)
    sessions = pre.sessions(df)
    assert sum(len(q) for q in sessions.sequences) == 40
    assert not sessions.stats.get("events_without_time")
    assert sessions.ids[:2] == ["2024-01-05T09:00:00", "2024-01-05T09:01:00"]


def test_live_sessions_evict_the_least_recently_seen() -> None:
    # was: the sessions of a batch were refreshed in the order of their first events, so after
    # events a, b, a the live session 'a' (seen last) was evicted and 'b' kept
    from hourglass.features.sessions.live import LiveSessions

    live = LiveSessions(history=2, max_sessions=1)
    _, _, closed = live.add(["a", "b", "a"], [1, 2, 3], [1, 2, 3])
    assert [(c.id, c.reason) for c in closed] == [("b", "evicted")]
    live = LiveSessions(history=2, max_sessions=2)
    live.add(["x", "y", "z", "x"], [1, 2, 3, 4], [1, 2, 3, 4])
    assert list(live._live) == ["z", "x"]  # y, the least recently seen, left


def test_event_table_day_first_dates_are_read_day_first() -> None:
    # was: pandas read 01/03/2024 as 3 January and 13/03/2024 as no time at all: daily windows
    # of a month of events fell on the 3rd of twelve months, and 16 of 40 events were left out
    from hourglass.features.sessions import EventSessions

    t0 = pd.Timestamp("2024-03-01 09:00:00")
    df = pd.DataFrame({"event": ["login", "read", "exit", "read"] * 10,
                       "ts": [(t0 + pd.Timedelta(hours=12 * i)).strftime("%d/%m/%Y %H:%M:%S")
                              for i in range(40)]})
    pre = EventSessions(key_column="event", time_column="ts", window=86_400).fit(df)
    sessions = pre.sessions(df)
    assert sum(len(q) for q in sessions.sequences) == 40 and len(sessions) == 20
    assert sessions.ids[:2] == ["2024-03-01T00:00:00", "2024-03-02T00:00:00"]
    # a later table whose dates do not tell (every day 12 or less) is read in the fitted order
    loaded = EventSessions.from_dict(pre.to_dict())
    assert loaded.sessions(df.iloc[:20]).ids[:2] == ["2024-03-01T00:00:00", "2024-03-02T00:00:00"]


def test_an_empty_or_blank_session_id_is_no_session() -> None:
    # was: 'user=' (an empty match of user=(\w*)) and a blank session cell each made a session
    # named '' or '  ' that gathered every event without an id
    from hourglass.features.sessions import EventSessions
    from hourglass.features.sessions.grouping import group_events
    from hourglass.features.sessions.live import line_events

    ev = pd.DataFrame({"key": [1, 2, 3, 4], "line": [1, 2, 3, 4],
                       "content": ["a user=bob", "b user=", "c user=bob", "d"],
                       "sid": ["s1", "  ", "s1", None]})
    for rule in ({"session_regex": r"user=(\w*)"}, {"session_column": "sid"}):
        ids, _, _, counts = group_events(ev, **rule)  # type: ignore[arg-type]
        assert len(ids) == 1 and counts["events_without_session"] == 2
    pre = EventSessions(format="raw", session_regex=r"user=(\w*)").fit(["open user=bob"] * 3)
    stats: dict[str, int] = {}
    out = line_events(pre, ["open user=ann", "open user="], 1, stats)
    assert out["session"] == ["ann"] and stats["events_without_session"] == 1


def test_stream_does_not_count_a_late_row_as_scored_under_missing() -> None:
    # was: a late row without an entity value was counted among the rows 'scored as the entity
    # <missing>' although it was dropped
    from hourglass.cli.stream_entity import EntityStream

    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    features=EntityWindows("host", "ts", bucket="1h")).fit(_flows())
    t0 = 1_767_600_000
    stream = EntityStream(pipe)
    stream.feed([{"host": None, "ts": t0 + 7200, "bytes": 1}], [1])
    stream.feed([{"host": None, "ts": t0 - 7200, "bytes": 1}], [2])  # late
    stream.close_all()  # (rows without an entity are counted once their bucket is scored)
    assert (stream.counts["late"], stream.counts["no_entity"]) == (1, 1)
