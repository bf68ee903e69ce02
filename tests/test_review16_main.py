"""Times read from a Parquet binary column holding bytes that are no UTF-8: one error naming the
column, the row and the bytes, wherever a time column is read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hourglass.errors import InputError
from hourglass.features.entity import EntityWindows
from hourglass.features.timeseries import TimeSeriesPreprocessor
from tests._cli import one_line_error

NAMED = r"column 'ts': a cell holds bytes that are no UTF-8 text \(b'\\xff', row 6\)"


def _times(n: int) -> list[bytes]:
    ts = [s.encode() for s in pd.date_range("2024-01-01", periods=n, freq="7s").astype(str)]
    ts[5] = b"\xff"
    return ts


def test_a_time_column_of_bytes_that_are_no_utf8_is_named_by_every_reader() -> None:
    flows = pd.DataFrame({"ts": _times(40), "user": [f"u{i % 4}" for i in range(40)],
                          "bytes": np.arange(40.0)})
    ent = EntityWindows("user", "ts", bucket="1min")
    for call in (ent.fit, ent.row_keys):  # row_keys was a bare UnicodeDecodeError
        with pytest.raises(InputError, match=NAMED):
            call(flows)
    series = pd.DataFrame({"ts": _times(40), "v": np.arange(40.0)})
    with pytest.raises(InputError, match=NAMED):  # an explicit time column: was UnicodeDecodeError
        TimeSeriesPreprocessor(timestamp_col="ts").fit(series)


def test_train_by_entity_on_such_a_time_column_says_which_cell(tmp_path: Path) -> None:
    n = 200
    data = tmp_path / "flows.parquet"
    pq.write_table(pa.table({"ts": pa.array(_times(n), pa.binary()),
                             "user": [f"u{i % 4}" for i in range(n)],
                             "bytes": np.arange(n, dtype=float)}), data)
    out = tmp_path / "m"
    one_line_error(["train", str(data), "--entity-col", "user", "--timestamp-col", "ts", "--bucket",
                    "1min", "-o", str(out), "--epochs", "1"], "a cell holds bytes that are no UTF-8", out)


def test_a_sparse_syslogs_december_line_is_never_dated_after_tomorrow(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime

    from hourglass.ingest import logs

    lines = ["Jan  5 10:00:00 h sshd[1]: Failed password for root",
             "Dec  2 10:00:00 h sshd[2]: late relayed line",
             "Jan  6 10:00:00 h sshd[3]: Failed password for admin"]
    monkeypatch.setattr(logs, "_utc_today", lambda: datetime.date(2027, 1, 10))  # read in January
    t = pd.to_datetime(logs.LogParser("syslog").fit(lines).events_["time"], unit="s")
    assert [str(x)[:10] for x in t] == ["2027-01-05", "2026-12-02", "2027-01-06"]  # was 2027-12-02
    for today, months, want in ((datetime.date(2027, 1, 10), ("Jan", "Nov"), "2026-11-02"),
                                (datetime.date(2027, 2, 10), ("Feb", "Dec"), "2026-12-02")):
        monkeypatch.setattr(logs, "_utc_today", lambda today=today: today)  # months on: the year before
        sparse = [f"{months[0]}  5 10:00:00 h a[1]: x", f"{months[1]}  2 10:00:00 h a[2]: y",
                  f"{months[0]}  6 10:00:00 h a[3]: z"]
        t = pd.to_datetime(logs.LogParser("syslog").fit(sparse).events_["time"], unit="s")
        assert [str(x)[:10] for x in t][1:] == [want, f"{today.year}-{today.month:02d}-06"]
    monkeypatch.setattr(logs, "_utc_today", lambda: datetime.date(2026, 12, 3))  # read in December
    t = pd.to_datetime(logs.LogParser("syslog").fit(lines[:2]).events_["time"], unit="s")
    assert [str(x)[:10] for x in t] == ["2026-01-05", "2026-12-02"]  # a sparse log: months forward



def test_a_json_integer_of_400_digits_is_a_clear_error_or_inf_where_numbers_are_read(
        tmp_path: Path) -> None:
    import json

    from hourglass.cli import app
    from hourglass.features.sessions import EventSessions
    from tests._cli import runner
    from tests._serve import small_entity_model

    pre = EventSessions(session_column="sid", key_column="k").fit(
        pd.DataFrame({"sid": ["a", "a"], "k": [1, 2]}))
    wide = pd.DataFrame({"sid": ["a", "a"], "k": pd.Series([1, 10**400], dtype=object)})
    with pytest.raises(InputError, match="the model was trained on integer keys"):  # was an
        pre.sessions(wide)  # OverflowError (a traceback, a 500 from the service)
    model, rows = small_entity_model(tmp_path)
    rows[5]["bytes"] = 10**400  # read as inf, as a file's 1e400: --on-bad-rows skip crashed on it
    data = tmp_path / "flows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for extra in ([], ["--on-bad-rows", "skip"]):
        out = tmp_path / f"out{len(extra)}.csv"
        res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out), *extra])
        assert res.exit_code == 0 and out.exists(), res.output


def test_a_time_of_bytes_that_are_no_utf8_is_an_unreadable_time_for_skip() -> None:
    from hourglass._times import unreadable_times

    bad = unreadable_times(pd.Series(_times(8), dtype=object), "ts")  # was a bare UnicodeDecodeError
    assert bad.tolist() == [False] * 5 + [True] + [False] * 2


def test_settings_free_after_fit_are_still_checked_and_center_eps_is_free() -> None:
    from hourglass.detectors import registry
    from tests.conftest import DATA, FAST_PARAMS

    events = DATA["events"]()
    log = registry.get("deeplog")(**FAST_PARAMS["deeplog"]).fit(events["train"])
    log.set_params(chunk_events=0)  # free after fit, but no value fit takes: was range()'s error
    with pytest.raises(ValueError, match="chunk_events must be >= 1, got 0"):
        log.score(events["test_normal"])
    seq = registry.get("sequence-autoencoder")(**{**FAST_PARAMS["sequence-autoencoder"], "epochs": 2})
    seq.fit(events["train"]).set_params(max_length=64.5)  # was scored and saved, then no warm start
    with pytest.raises(ValueError, match=r"max_length must be a whole number, got 64\.5"):
        seq.score(events["test_normal"])
    tab = DATA["tabular"]()
    svdd = registry.get("deep-svdd")(**{**FAST_PARAMS["deep-svdd"], "epochs": 2}).fit(tab["train"])
    before = svdd.score(tab["test_normal"])
    np.testing.assert_array_equal(svdd.set_params(center_eps=0.5).score(tab["test_normal"]), before)
