"""Review round 54 (left54b): regression tests of the items the round noticed and left alone."""

from __future__ import annotations

import numpy as np
import pytest

from hourglass.errors import InputError


def _sessions(n: int = 20) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 4, 8) for _ in range(n)]


def test_deeplog_refuses_a_window_too_large_for_memory_naming_the_window() -> None:
    # What was wrong: DeepLog(window=10**12).fit raised numpy's bare MemoryError (7 TiB of
    # history windows), which the CLI told as "out of memory: train with a lower --batch-size,
    # or on a sample": neither the batch size nor the data is what to change; the window is
    from hourglass.detectors.deeplog import DeepLog

    with pytest.raises(InputError, match=r"DeepLog: window 1,000,000,000,000 does not fit in "
                                         r"memory: the history windows .*give a smaller window$"):
        DeepLog(window=10**12, epochs=1, verbose=0).fit(_sessions())


def test_deeplog_refuses_a_window_whose_one_window_does_not_fit_the_network(monkeypatch) -> None:
    # What was wrong: a window whose history windows fit but whose single window through the
    # LSTM does not was only found as torch's allocator error (told as "lower --batch-size") or
    # the kernel killing the process
    from hourglass.detectors import deeplog

    # 10 events (5 one-key sessions and their ends) x 1,000 steps x 48 bytes = 480,000 fit;
    # one window through the network, 1,000 x (16 + 2 x 64) floats = 576,000 bytes, does not
    monkeypatch.setattr(deeplog, "available_memory", lambda: 500_000)
    monkeypatch.setattr(deeplog, "_CHECKED_FROM", 0)  # (needs this small are not checked)
    dl = deeplog.DeepLog(window=1000, top_g=1, embed=16, hidden=64, layers=2, epochs=1,
                         verbose=0)
    with pytest.raises(InputError, match=r"window 1,000 does not fit in memory: one window through "
                                         r"the network takes at least 576,000 bytes"):
        dl.fit([np.array([1])] * 5)
    # a full block of chunk_events events: a smaller chunk_events helps too, and is said
    blocky = deeplog.DeepLog(window=3000, top_g=1, chunk_events=4, epochs=1, verbose=0)
    with pytest.raises(InputError, match=r"history windows of 4 events .*give a smaller window or "
                                         r"chunk_events$"):
        blocky.fit([np.array([1, 2, 3, 1, 2, 3])] * 5)
    monkeypatch.setattr(deeplog, "available_memory", lambda: 10**9)
    assert dl.fit([np.array([1])] * 5).score([np.array([1])]).shape == (1,)


@pytest.mark.parametrize("column", ["key_column", "message_column"])
def test_the_empty_key_warning_names_the_first_such_row(column: str, caplog) -> None:
    # What was wrong: "2 row(s) had an empty key (key_column); left out" named no row, where the
    # warning of rows without a readable time names the first one ("first: row 6, 'x'")
    import logging

    import pandas as pd

    from hourglass.features.sessions import EventSessions

    keys = ["login ok", "read file", "logout"] * 8
    keys[5] = keys[9] = " "
    df = pd.DataFrame({"u": [f"u{i % 4}" for i in range(24)], "e": keys, "t": range(24)})
    pre = EventSessions(session_column="u", time_column="t", **{column: "e"})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pre.fit_transform(df)
    said = [r.getMessage() for r in caplog.records if "had an empty" in r.getMessage()]
    assert len(said) == 1 and "2 row(s) had an empty" in said[0], said
    assert said[0].endswith("(first: row 6); left out"), said


def test_stream_group_by_names_a_time_field_the_row_lacks_as_no_field(tmp_path) -> None:
    # What was wrong: stream --group-by with a --timestamp-col that names no field of the row said
    # "column 'nope': line 1 has no time (missing); every row needs one", as for a null time,
    # where score says "--timestamp-col: no column 'nope' ..." and stream itself tells a missing
    # --group-by field as "--group-by: no field 'x' on <stdin> line 1; its fields are ..."
    import pandas as pd

    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    train = tmp_path / "t.csv"
    pd.DataFrame({"a": [i % 5 for i in range(40)], "b": [i % 3 for i in range(40)]}).to_csv(
        train, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "--model", "autoencoder", "--epochs", "1", "-q",
                              "-o", str(model)])
    assert res.exit_code == 0, res.output
    rows = tmp_path / "s.jsonl"
    rows.write_text('{"a": 1, "b": 2, "ts": "2024-01-01T00:00:00"}\n{"a": 3, "b": 1}\n')
    one_line_error(["stream", str(model), "--input", str(rows), "--group-by", "a", "--timestamp-col",
                    "nope"], f"--timestamp-col: no field 'nope' on {rows} line 1; its fields are a, b, ts")
    res = runner.invoke(app, ["stream", str(model), "--input", str(rows), "--group-by", "a",
                              "--timestamp-col", "ts"])  # (line 1 streamed: the summary follows)
    assert res.exit_code == 2, res.output
    assert res.stderr.splitlines()[0] == (f"error: --timestamp-col: no field 'ts' on {rows} line 2; "
                                          "its fields are a, b"), res.stderr
    # a null time is still a row without a time
    rows.write_text('{"a": 1, "b": 2, "ts": null}\n')
    one_line_error(["stream", str(model), "--input", str(rows), "--group-by", "a", "--timestamp-col",
                    "ts"], "column 'ts': line 1 has no time (missing)")


def test_the_service_names_a_bad_line_from_1_as_its_other_errors_do(tmp_path) -> None:
    # What was wrong: the service named the same item of "lines" two ways: a null item was
    # "line 2: expected text" (from 1, as a row is "row 2"), a record of the wrong format
    # "lines[1]: not a CEF record" (an index from 0); the README says the service names a row of
    # its body from 1. Now both are "line 2" (and a page of events that does not read "row 2")
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app
    from tests.test_review13_svc import train_cef_model

    key = "test-key-0123456789abcdef"
    model, lines = train_cef_model(tmp_path)
    client = TestClient(create_app(model, api_key=key))
    auth = {"X-API-Key": key}
    bad = client.post("/score", json={"lines": [lines[0], "no record here"]}, headers=auth)
    null = client.post("/score", json={"lines": [lines[0], None]}, headers=auth)
    assert bad.status_code == null.status_code == 422, (bad.text, null.text)
    assert bad.json()["detail"].startswith("line 2: not a CEF record"), bad.text
    assert null.json()["detail"].startswith("line 2: "), null.text


def test_an_event_of_a_page_is_counted_from_1_as_its_page_and_line(tmp_path) -> None:
    # What was wrong: "page 1 (line 1): event 0 is no JSON object" and "line 2: event 1 of the
    # page ..." named the page and line from 1 but the event within the page from 0 (the first
    # event was "event 0"), one message counting two ways
    from hourglass.ingest.formats import get_format

    spec = get_format("okta")
    with pytest.raises(ValueError, match=r"^event 1 of its page is no JSON object \(a number\)"):
        spec.expand([5])
    path = tmp_path / "x.json"
    path.write_text("[1, 2, 3]\n")
    with pytest.raises(InputError, match=r"page 1 \(line 1\): event 1 is no JSON object \(a number\)"):
        spec.read(path)


def test_evaluate_leaves_out_a_forecasters_unpredicted_first_steps(tmp_path) -> None:
    # What was wrong: evaluate counted a forecaster's first `window` steps in every metric,
    # though no forecast is about them (their scores are copies of the first forecast's, which
    # the threshold's fit already leaves out), and said nothing of it: 200 steps counted, 8 of
    # them judged by another step's score
    import json

    import pandas as pd

    from hourglass.cli import app
    from tests._cli import runner

    n = 120
    t = np.arange(n)
    data = tmp_path / "series.csv"
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
                  "cpu": np.sin(t / 5), "label": (t < 4).astype(int)}).to_csv(data, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--timestamp-col", "ts", "--drop", "label", "--model",
                              "lstm-forecaster", "--window", "8", "--epochs", "1", "-q", "-o", str(model)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "ev.json"
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--label-col", "label", "--json", str(out)])
    assert res.exit_code == 0, res.output
    got = json.loads(out.read_text())
    assert (got["n_steps"], got["n"], got["unpredicted_steps_left_out"]) == (n, n - 8, 8), got
    assert got["n_anomalies"] == 0  # the labelled steps 0-3 lie among the unpredicted ones
    assert "first steps left out (no forecast)" in res.stdout


def test_deeplog_reads_the_memory_left_only_for_a_window_that_may_not_fit(monkeypatch) -> None:
    # What was wrong: the window check (4ad1990d) read /proc/meminfo and the cgroup's files for
    # every scored block: scoring one session took ~1.09 ms where it took ~0.85 ms before
    from hourglass.detectors import deeplog

    read = []
    monkeypatch.setattr(deeplog, "available_memory", lambda: read.append(1) or 10**12)
    dl = deeplog.DeepLog(window=3, top_g=1, epochs=1, verbose=0).fit([np.array([1, 2, 3])] * 5)
    dl.score([np.array([1, 2, 3])])
    assert read == []  # the default-sized needs are far below any machine's memory
    monkeypatch.setattr(deeplog, "available_memory", lambda: read.append(1) or 10**9)
    huge = deeplog.DeepLog(window=10**8, top_g=1, epochs=1, verbose=0)
    with pytest.raises(InputError, match="does not fit in memory"):  # a huge one is still checked
        huge.fit([np.array([1, 2, 3])] * 5)
    assert read == [1]
