"""Review round 55 (self55b): second-pass regression tests of this round's changes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hourglass.cli import app
from tests._cli import runner

KEY = "k" * 32


def _record(rng: np.random.Generator, i: int, when: str | None = None) -> dict[str, Any]:
    """A CloudTrail record (``tests.test_cloudtrail``'s), at ``when`` where given."""
    from tests.test_cloudtrail import _event

    record = {**_event(rng, i * 37, False), "bytesTransferred": int(rng.integers(100, 1000))}
    return record if when is None else {**record, "eventTime": when}


@pytest.fixture(scope="module")
def trail_entity_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An entity-bucket model (per source IP, 5 minutes) of a CloudTrail file: its rows may be
    pages of records ({"Records": [...]}) in a service request."""
    d = tmp_path_factory.mktemp("trail55b")
    rng = np.random.default_rng(0)
    trail = d / "111122223333_CloudTrail_us-east-1_20260101T0000Z_abc.json.gz"
    with gzip.open(trail, "wt") as fh:
        json.dump({"Records": [_record(rng, i) for i in range(120)]}, fh)
    res = runner.invoke(app, ["train", str(trail), "--entity-col", "sourceIPAddress", "--bucket", "5min",
                              "--epochs", "1", "--hidden", "4,2", "-q", "-o", str(d / "model")])
    assert res.exit_code == 0, res.output
    return d / "model"


def test_the_service_names_both_rows_of_an_error_naming_two_as_the_requests(
        trail_entity_model: Path) -> None:
    # What was wrong: the service renamed only the first "row N" of a scorer's error as the
    # request's row (and event of its page); an error naming two rows, as the refusal of two
    # date orders and of times with and without a UTC offset do, kept the second as the
    # scorer's count of events: {"rows": [a page of 3 records, a page of 2 whose times put the
    # day first and the month first]} was refused as "row 2, event 1 of its page
    # ('13/12/2026 02:10') puts the day first but row 5 ('12/13/2026 02:10') the month", of a
    # request of 2 rows. Every row the message names is now the request's (as 'stream' and
    # 'score' rewrite every one)
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    rng = np.random.default_rng(1)
    page = {"Records": [_record(rng, i) for i in range(3)]}
    orders = {"Records": [_record(rng, 3, "13/12/2026 02:10"), _record(rng, 4, "12/13/2026 02:10")]}
    offsets = {"Records": [_record(rng, 3, "2026-12-13T02:10:00Z"), _record(rng, 4, "2026-12-13T02:10:00")]}
    with TestClient(create_app(trail_entity_model, api_key=KEY)) as client:
        said = [client.post("/score", json={"rows": rows}, headers={"X-API-Key": KEY})
                for rows in ([page, orders], [page, offsets], [orders["Records"][0], orders["Records"][1]])]
    assert [answer.status_code for answer in said] == [422, 422, 422], [a.text for a in said]
    assert said[0].json()["detail"].startswith(
        "column 'eventTime': row 2, event 1 of its page ('13/12/2026 02:10') puts the day first but "
        "row 2, event 2 of its page ('12/13/2026 02:10') the month;"), said[0].text
    assert said[1].json()["detail"].startswith(
        "column 'eventTime': row 2, event 2 of its page ('2026-12-13T02:10:00') has no UTC offset but "
        "row 1, event 1 of its page ('2026-01-01T00:"), said[1].text
    # rows that are no pages: the scorer's rows are the request's, the message as it was
    assert said[2].json()["detail"].startswith(
        "column 'eventTime': row 1 ('13/12/2026 02:10') puts the day first but row 2 ('12/13/2026 "
        "02:10') the month;"), said[2].text


def test_the_service_says_a_request_of_empty_pages_has_no_event_not_an_empty_list(
        trail_entity_model: Path) -> None:
    # What was wrong: a request whose every row is a page of no events ({"rows": [{"Records":
    # []}]}, an empty Graph page or Event Hub message) expands into no event, and the scorer
    # refused that as "rows: no rows to score (empty list)", of a list of one row: the client
    # was told its list was empty. The service now says its rows are pages of no events; an
    # empty list is refused as before
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    with TestClient(create_app(trail_entity_model, api_key=KEY)) as client:
        said = [client.post("/score", json={"rows": rows}, headers={"X-API-Key": KEY})
                for rows in ([{"Records": []}], [{"Records": []}, {"Records": []}], [])]
    assert [answer.status_code for answer in said] == [422, 422, 422], [a.text for a in said]
    assert said[0].json()["detail"] == ("rows: no event to score: the row is a page of no events (an "
                                        "empty page); send a page with events"), said[0].text
    assert said[1].json()["detail"].startswith("rows: no event to score: each of the 2 rows is a page "
                                               "of no events"), said[1].text
    assert said[2].json()["detail"] == "rows: no rows to score (empty list)", said[2].text


def test_a_warm_start_fitting_a_labelled_rule_does_not_warn_of_the_placeholder_rule(
        caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: Pipeline.warm_start(df, X_val=..., y_val=...) of a model whose rule needs
    # labels (best F1; an lstm-forecaster fitted so keeps it as its stream threshold too) let the
    # detector fit its default rule first, a stand-in the labelled fit replaces, and logged that
    # stand-in's small-sample warnings: "percentile 99 of 4 held-out normal scores: expect about
    # 20.6% of normal data ..." (and "... of 22 causal held-out normal scores ..." of a
    # forecaster), of a cut-off the model never uses. Pipeline.fit drops them (b0bdebec); the
    # warm start now does too
    import logging

    import pandas as pd

    from hourglass import AutoEncoder, Pipeline, thresholds

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=150), "b": rng.normal(size=150)})
    val = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    y = np.zeros(60, dtype=int)
    val.loc[:4, "a"] += 6
    y[:5] = 1
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    threshold=thresholds.BestF1()).fit(df, X_val=val, y_val=y)
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        warm = pipe.warm_start(df.iloc[:40], X_val=val, y_val=y, epochs=1)
    said = [r.getMessage() for r in caplog.records if r.name.startswith("hourglass.thresholds")]
    assert said == [], said
    assert warm.threshold_.describe() == "best F1 on a labelled validation set"
    # a rule fitted on the held-out rows themselves still warns of too few of them
    plain = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        plain.warm_start(df.iloc[:40], epochs=1)
    assert any("percentile 99 of 4 held-out normal scores" in r.getMessage() for r in caplog.records)
