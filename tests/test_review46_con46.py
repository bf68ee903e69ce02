"""Requests at once answer as they do one by one: the service from several threads (scores,
explanations, ECS alerts, errors, counters) and one fitted pipeline scored from several threads;
a block that holds back a pipeline's warnings holds its own thread's only."""

from __future__ import annotations

import json
import logging
import random
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from hourglass import AutoEncoder, Pipeline
from hourglass.features.tabular import TabularPreprocessor, unseen_unwarned
from hourglass.serve.multi import create_models_app
from tests._serve import AUTH, KEY, small_entity_model


def _flows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.3, 0.1]),
                         "bytes": rng.lognormal(6, 1, n).round(), "duration": rng.exponential(2.0, n)})


@pytest.fixture(scope="module")
def fitted() -> Pipeline:
    return Pipeline(AutoEncoder(hidden=(6, 3), epochs=2, verbose=0, random_state=0)).fit(_flows(300, 0))


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, fitted: Pipeline) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("con46")
    fitted.save(d / "table")
    (d / "ent").mkdir()
    entity, rows = small_entity_model(d / "ent")
    return {"table": d / "table", "ent": entity, "ent_rows": rows}


def _while_held(holder: Callable[[threading.Event, threading.Event], None], then: Callable[[], None]) -> None:
    """Run ``holder(inside, release)`` in a thread named "holder": once it sets ``inside`` (it is in
    its block), run ``then`` here, then set ``release`` (it goes on and leaves its block)."""
    inside, release = threading.Event(), threading.Event()
    worker = threading.Thread(target=holder, args=(inside, release), name="holder")
    worker.start()
    try:
        assert inside.wait(60), "the other thread never entered its block"
        then()
    finally:
        release.set()
        worker.join(60)
    assert not worker.is_alive()


def test_a_held_extra_warning_holds_its_own_threads_columns_only(
        fitted: Pipeline, caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: Pipeline.held_extra_warning() held the warning on the pipeline itself, so while
    # one thread was in the block another thread's transform of the same pipeline said nothing; its
    # columns came out later, in the holder's warning, as if the holder's data had them
    df = _flows(60, 1)

    def holder(inside: threading.Event, release: threading.Event) -> None:
        with fitted.held_extra_warning():
            inside.set()
            release.wait(60)
            fitted.transform(df.assign(mine=1))

    with caplog.at_level(logging.WARNING, logger="hourglass.pipeline"):
        _while_held(holder, lambda: fitted.transform(df.assign(other=1)))
    said = [(r.threadName, r.getMessage()) for r in caplog.records if "ignoring" in r.getMessage()]
    assert said == [("MainThread", "ignoring 1 column(s) the model was not trained on: other"),
                    ("holder", "ignoring 1 column(s) the model was not trained on: mine")]


def test_unseen_unwarned_quiets_its_own_thread_only(caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: unseen_unwarned() marked the preprocessor itself, so while one thread was in
    # the block (the warm start's schema check) another thread's transform of the same model said
    # nothing of a column whose values it had never seen
    pre = TabularPreprocessor().fit(_flows(200, 2))
    unseen = _flows(80, 3).assign(proto="6")  # written as numbers now: every value unseen

    def holder(inside: threading.Event, release: threading.Event) -> None:
        with unseen_unwarned(pre):
            inside.set()
            release.wait(60)
            pre.transform(unseen)  # quiet here

    with caplog.at_level(logging.WARNING, logger="hourglass.features"):
        _while_held(holder, lambda: pre.transform(unseen))
    said = [r.threadName for r in caplog.records if "proto" in r.getMessage()]
    assert said == ["MainThread"]


def test_threads_that_meet_one_unseen_column_warn_of_it_once(monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: the unseen-category warning, "once per column", was claimed only after the
    # column's values were counted: two threads transforming such data at once both found the
    # column not yet warned about and both warned (8 threads: up to 8 lines; one by one: 1). The
    # count is held here until both threads are in it, so that they always meet
    import hourglass.features.tabular as tabular

    pre = TabularPreprocessor().fit(_flows(200, 2))
    unseen = _flows(80, 3).assign(proto="6")
    meet, count = threading.Barrier(2, timeout=60), tabular.factorize_strings

    def counted(*args: Any, **kwargs: Any) -> Any:
        meet.wait()
        return count(*args, **kwargs)

    monkeypatch.setattr(tabular, "factorize_strings", counted)
    with caplog.at_level(logging.WARNING, logger="hourglass.features"), ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: pre.transform(unseen), range(2)))
    assert sum("column proto:" in r.getMessage() for r in caplog.records) == 1


def test_log_reads_through_one_model_at_once_keep_their_own_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: a log read's counts live on the fitted parser (stats_, set anew by each read):
    # a thread whose read started while another's was under way took that one's counts as its own
    # (EventSessions.sessions() from 8 threads: 41 of 48 reads had another read's lines, parsed and
    # unknown-template counts). Here one read is held halfway until the other has read or waits
    import hourglass.features.sessions.events as events
    from hourglass.detectors import EventCountAutoEncoder
    from hourglass.features import EventSessions
    from tests.test_logs import hdfs_log

    lines = hdfs_log(60)
    features = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                        features=EventSessions(session_regex=r"blk_-?\d+")).fit(lines).features_
    first, second = lines[:40] + ["no header here"] * 3, lines[40:55]
    want = [features.sessions(first).stats, features.sessions(second).stats]
    assert want[0] != want[1]
    halfway, go_on, second_got_on = threading.Event(), threading.Event(), threading.Event()
    got: dict[str, Any] = {}

    def held_lines() -> Iterator[str]:
        yield from first[:20]
        halfway.set()
        go_on.wait(60)
        yield from first[20:]

    real_lock = getattr(events, "read_lock", None)

    def noted_lock(parser: Any) -> Any:  # the second read has come to the lock: it waits there
        if threading.current_thread().name == "second":
            second_got_on.set()
        return real_lock(parser)  # type: ignore[misc]

    if real_lock is not None:
        monkeypatch.setattr(events, "read_lock", noted_lock)

    def read(name: str, data: Any) -> None:
        try:
            got[name] = features.sessions(data).stats
        finally:
            if name == "second":
                second_got_on.set()

    one = threading.Thread(target=read, args=("first", held_lines()), name="first")
    one.start()
    assert halfway.wait(60)
    two = threading.Thread(target=read, args=("second", second), name="second")
    two.start()
    assert second_got_on.wait(60)  # read through, or waiting for the first read to end
    go_on.set()
    one.join(60)
    two.join(60)
    assert [got["first"], got["second"]] == want


def test_live_log_reads_through_one_model_at_once_keep_their_own_counts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: line_events() (the live stream's read of a micro-batch) took its counts from
    # the parser after the read: a read of another thread in between left its own there, so one
    # stream of two sharing a model counted the other's lines. One read is held halfway here
    import hourglass.features.sessions.live as live
    from hourglass.features import EventSessions
    from hourglass.features.sessions.live import line_events
    from tests.test_logs import hdfs_log

    lines = hdfs_log(40)
    features = EventSessions(session_regex=r"blk_-?\d+").fit(lines)
    first, second = lines[:30] + ["no header here"] * 3, lines[30:40]
    want = []
    for part in (first, second):
        counts: dict[str, Any] = {}
        line_events(features, part, 1, counts)
        want.append(counts)
    assert want[0] != want[1]
    parser = features.parser_
    halfway, go_on, second_got_on = threading.Event(), threading.Event(), threading.Event()
    mask = parser.mask

    def held_mask(text: str) -> str:  # the first read stops at its first line
        if threading.current_thread().name == "first" and not halfway.is_set():
            halfway.set()
            go_on.wait(60)
        return mask(text)

    monkeypatch.setattr(parser, "mask", held_mask)
    real_lock = getattr(live, "read_lock", None)

    def noted_lock(p: Any) -> Any:
        if threading.current_thread().name == "second":
            second_got_on.set()
        return real_lock(p)  # type: ignore[misc]

    if real_lock is not None:
        monkeypatch.setattr(live, "read_lock", noted_lock)
    got: dict[str, Any] = {}

    def read(name: str, part: list[str]) -> None:
        try:
            got[name] = {}
            line_events(features, part, 1, got[name])
        finally:
            if name == "second":
                second_got_on.set()

    one = threading.Thread(target=read, args=("first", first), name="first")
    one.start()
    assert halfway.wait(60)
    two = threading.Thread(target=read, args=("second", second), name="second")
    two.start()
    assert second_got_on.wait(60)
    go_on.set()
    one.join(60)
    two.join(60)
    assert [got["first"], got["second"]] == want


def test_a_pipeline_scored_from_several_threads_scores_as_from_one(fitted: Pipeline) -> None:
    # what was wrong: nothing; pins that one fitted pipeline shared by 8 threads gives every chunk
    # the scores and explanations one thread gives it, bit for bit (no state kept between calls)
    from hourglass.explain.tabular import explain_rows

    chunks = [_flows(n, 10 + i) for i, n in enumerate([1, 5, 17, 40, 64, 3, 90, 33] * 2)]
    one = [fitted.score(c) for c in chunks]
    why = [explain_rows(fitted, c.head(4), top=2) for c in chunks[:6]]
    with ThreadPoolExecutor(8) as pool:
        many = list(pool.map(fitted.score, chunks))
        many_why = list(pool.map(lambda c: explain_rows(fitted, c.head(4), top=2), chunks[:6]))
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(why, many_why, strict=True):
        pd.testing.assert_frame_equal(a, b)


Request = tuple[str, dict[str, str], bytes]


def _bodies(rows: list[dict[str, Any]], ent_rows: list[dict[str, Any]]) -> list[Request]:
    """Requests (path, headers, body) to a service of "table" and "ent": valid ones with and
    without explanations and as ECS alerts, and bad ones of every kind."""
    rng = random.Random(0)
    out: list[Request] = []
    table, ent = "/models/table/score", "/models/ent/score"
    for i in range(16):
        body: dict[str, Any] = {"rows": rows[rng.randrange(20):][:rng.randint(1, 30)]}
        body.update([{}, {"explain": 2}, {"alert_format": "ecs"}, {"explain": 1}][i % 4])
        out.append((table, AUTH, json.dumps(body).encode()))
    for i in range(8):
        ebody: dict[str, Any] = {"rows": ent_rows[rng.randrange(10):][:rng.randint(2, 12)]}
        ebody.update([{}, {"explain": 2, "explain_all": True}, {"alert_format": "ecs"},
                      {"explain": 1}][i % 4])
        out.append((ent, AUTH, json.dumps(ebody).encode()))
    one = rows[0]
    bad: list[Request] = [
        (table, AUTH, b'{"rows": ['), (table, AUTH, b"\xff\xfe{"), (table, AUTH, b'{"rows": []}'),
        (table, AUTH, json.dumps({"rows": rows[:45]}).encode()),  # over max_rows
        (table, AUTH, json.dumps({"rows": [{"proto": "tcp", "bytes": 1}]}).encode()),
        (table, AUTH, json.dumps({"rows": [{**one, "bytes": "lots"}]}).encode()),
        (table, AUTH, json.dumps({"rows": [{**one, "note": "x" * 70_000}]}).encode()),  # too large
        (table, {"X-API-Key": "wrong-key-0123456789"}, json.dumps({"rows": [one]}).encode()),
        (table, {}, json.dumps({"rows": [one]}).encode()),
        (table, AUTH, json.dumps({"rows": [one], "explain_all": True}).encode()),
        (ent, AUTH, json.dumps({"rows": [{"src_ip": "10.0.0.1"}]}).encode()),
        ("/models/nope/score", AUTH, b"{}"),
    ]
    return out + bad


@pytest.fixture()
def service(models: dict[str, Any]) -> Iterator[Callable[[], TestClient]]:
    made: list[TestClient] = []

    def new() -> TestClient:
        app = create_models_app({"table": models["table"], "ent": models["ent"]}, api_key=KEY,
                                max_rows=40, max_body_bytes=64_000)
        client = TestClient(app, raise_server_exceptions=False)
        made.append(client.__enter__())
        return client

    yield new
    for client in made:
        client.__exit__(None, None, None)


def _send(client: TestClient, request: Request) -> tuple[int, str]:
    path, headers, raw = request
    r = client.post(path, content=raw, headers={**headers, "Content-Type": "application/json"})
    # an ECS alert's "created" (and a table alert's "@timestamp") is the moment it was written
    return r.status_code, re.sub(r'"(created|@timestamp)":"[^"]*"', r'"\1":"-"', r.text)


def _counters(client: TestClient) -> list[str]:
    text = client.get("/metrics", headers=AUTH).text  # the scoring times left out: they are clocks
    return [ln for ln in text.splitlines() if ln.startswith(("hourglass_requests_total",
                                                             "hourglass_scored_total",
                                                             "hourglass_flagged_total"))]


def test_requests_at_once_answer_and_count_as_one_by_one(models: dict[str, Any],
                                                         service: Callable[[], TestClient]) -> None:
    # what was wrong: nothing; pins that 36 requests (scores, explanations, ECS alerts, every kind of
    # refusal, two models) sent from 8 threads in shuffled order get the answers they get one at a
    # time, and that the counters and drift checks then read exactly as after the one-by-one run
    rows = _flows(60, 5).assign(bytes=lambda f: np.where(np.arange(60) % 5 == 0, 1e8, f["bytes"]))
    requests = _bodies(rows.to_dict("records"), models["ent_rows"])
    alone = service()
    want = [_send(alone, r) for r in requests]
    assert {s for s, _ in want} >= {200, 400, 401, 404, 413, 422}
    assert sum('"alerts":[{' in text for _, text in want) > 0
    order = list(range(len(requests)))
    random.Random(1).shuffle(order)
    together = service()
    with ThreadPoolExecutor(8) as pool:
        got = dict(zip(order, pool.map(lambda i: _send(together, requests[i]), order), strict=True))
    assert [got[i] for i in range(len(requests))] == want
    assert _counters(together) == _counters(alone)
    counted = {ln.rsplit(" ", 1)[0]: int(ln.rsplit(" ", 1)[1]) for ln in _counters(together)}
    assert counted['hourglass_requests_total{path="/models/{name}/score",model="table",status="200"}'] == 16
    assert counted['hourglass_flagged_total{model="table",unit="rows"}'] > 0
    for name in ("table", "ent"):  # every item in the window: order does not change its counts
        drift = [c.get(f"/models/{name}/health").json()["drift"] for c in (alone, together)]
        assert drift[0] == drift[1]
