"""Review round 55 (explanations, read against what they claim): regression tests."""

from __future__ import annotations

import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.detectors import DeepLog
from hourglass.errors import InputError
from hourglass.explain import bucket_reasons, explain_buckets, explain_rows, explain_steps
from hourglass.features.sessions import EventSessions


@pytest.fixture(scope="module")
def table_series_and_log(table_and_series, tmp_path_factory: pytest.TempPathFactory
                         ) -> tuple[Pipeline, Pipeline, Pipeline, pd.DataFrame, pd.DataFrame]:
    table, ts, rows, series = table_and_series  # (tests/conftest.py)
    keys = tmp_path_factory.mktemp("keys") / "keys.txt"
    keys.write_text("1 2 3 4\n" * 30)
    log = Pipeline(DeepLog(window=2, top_g=2, hidden=4, layers=1, epochs=1, verbose=0),
                   features=EventSessions(format="keys")).fit(str(keys))
    return table, ts, log, rows, series


# What was wrong: explain_buckets (and bucket_reasons) of a time-series or log model said "the
# model is not an entity-bucket model; use hourglass.explain.explain_rows", and explain_rows then
# refused that model too (it explains table rows): the advice led to a second refusal, where
# explain_rows and explain_steps name the function that works for the model's kind
def test_explain_buckets_of_another_kind_names_the_way_that_works(table_series_and_log) -> None:
    table, ts, log, rows, series = table_series_and_log
    with pytest.raises(InputError, match=r"not an entity-bucket model; this model \(LSTMAutoEncoder\) "
                                         r"reads timeseries data; explain its time steps with "
                                         r"hourglass\.explain\.explain_steps \('hourglass explain'"):
        explain_buckets(ts, series)
    with pytest.raises(InputError, match=r"reads timeseries data; explain its time steps with "
                                         r"hourglass\.explain\.explain_steps"):
        bucket_reasons(ts, series, ts.transform(series))
    with pytest.raises(InputError, match=r"reads events data; explain its flagged sessions with "
                                         r"hourglass\.explain\.session_alerts \('hourglass score "
                                         r"MODEL KEYS -o alerts\.jsonl'"):
        explain_buckets(log, rows)
    with pytest.raises(InputError, match=r"reads tabular data; explain its rows with "
                                         r"hourglass\.explain\.explain_rows \('hourglass explain'"):
        explain_buckets(table, rows)
    # the function named explains that model
    assert len(explain_steps(ts, series)) == len(series)
    assert len(explain_rows(table, rows.head(3))) == 3
    # and the other functions still name theirs
    with pytest.raises(InputError, match=r"reads timeseries data; explain its time steps with"):
        explain_rows(ts, series)
    with pytest.raises(InputError, match=r"reads events data; explain its flagged sessions with"):
        explain_steps(log, rows)
