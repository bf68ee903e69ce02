"""Streaming log models (``hourglass stream`` on a log model): the online scorer agrees with
batch scoring, bounded state, unknown templates, bad lines, whole-session models, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from hourglass.detectors.deeplog import DeepLog
from hourglass.detectors.sequence_ae import EventCountAutoEncoder
from hourglass.explain import session_alerts
from hourglass.features.sessions import EventSessions
from hourglass.features.sessions.live import LiveSessions
from hourglass.pipeline import Pipeline
from hourglass.serve.log_stream import LogStreamScorer
from tests._procs import interrupt, reaped, sigint_default
from tests.test_logs import FAILURE, hdfs_log

REGEX = r"blk_-?\d+"


def live_log(n_blocks: int, *, seed: int, broken_ones: bool = True) -> tuple[list[str], set[str]]:
    """Interleaved HDFS block sessions (per-block order kept); every fifth block is broken: it
    fails (an unseen template), skips a step, swaps two steps or stops early. Returns the lines
    and the ids of the broken blocks."""
    rng = np.random.default_rng(seed)
    blocks: list[list[str]] = []
    broken = set()
    lines = hdfs_log(n_blocks, seed=seed)
    for j in range(n_blocks):
        steps = lines[5 * j:5 * j + 5]
        if broken_ones and j % 5 == 2:
            kind = (j // 5) % 4
            head = steps[0][:20]
            bid = steps[0].split("block ")[1].split(" ")[0]
            broken.add(bid)
            if kind == 0:
                steps = [steps[0], f"{head}{FAILURE.format(b=bid)}", *steps[1:]]
            elif kind == 1:
                steps = steps[:2] + steps[3:]
            elif kind == 2:
                steps = [steps[0], steps[2], steps[1], *steps[3:]]
            else:
                steps = steps[:2]
        blocks.append(steps)
    out: list[str] = []
    live: list[list[str]] = []
    todo = list(blocks)
    while todo or live:  # up to 6 blocks in flight, lines picked at random among them
        while todo and len(live) < 6:
            live.append(todo.pop(0))
        k = int(rng.integers(len(live)))
        out.append(live[k].pop(0))
        if not live[k]:
            live.pop(k)
    return out, broken


@pytest.fixture(scope="module")
def trained() -> Pipeline:
    train = live_log(150, seed=10, broken_ones=False)[0]
    dl = DeepLog(window=3, top_g=1, hidden=16, layers=1, epochs=40, lr=0.02, verbose=0)
    return Pipeline(detector=dl, features=EventSessions(format="hdfs", session_regex=REGEX)).fit(train)


def _stream(scorer: LogStreamScorer, lines: list[str], batch: int) -> list[dict]:  # type: ignore[type-arg]
    alerts = []
    numbered = list(enumerate(lines, 1))
    for lo in range(0, len(numbered), batch):
        alerts += scorer.feed(numbered[lo:lo + batch])
    return alerts + scorer.finish()


@pytest.mark.parametrize("batch", [1, 7, 10_000])
def test_stream_alerts_the_sessions_batch_flags_first_event_first(trained: Pipeline, batch: int) -> None:
    lines, broken = live_log(40, seed=3)
    sessions = trained.features_.sessions(lines)
    det = trained.detector_
    scores = det.score(sessions.sequences)
    flags = det.threshold_predict(scores)
    batch_alerts = session_alerts(det, sessions, scores, flags, trained.features_.templates())
    flagged = {a["session"] for a in batch_alerts}
    assert broken <= flagged and len(flagged) < len(sessions)  # the model is not trivial
    stream_alerts = _stream(LogStreamScorer(trained), lines, batch)
    assert {a["session"] for a in stream_alerts} == flagged
    first: dict[str, dict] = {}  # type: ignore[type-arg]
    for a in stream_alerts:
        first.setdefault(a["session"], a)
    for b in batch_alerts:
        un, a = b["unexpected"], first[b["session"]]
        assert (a["line"], a["position"], a["key"], a["template"]) == \
            (un["line"], un["position"], un["key"], un["template"])
        assert a["rank"] == un["rank"] and a["score"] == pytest.approx(un["score"], abs=1e-4)
        assert [e["key"] for e in a["expected"]] == [e["key"] for e in un["expected"]]
    # every event scored above the threshold is an alert, in log order within a session
    events = det.event_scores(sessions.sequences)
    n_above = sum(int((e > det.threshold_.value_).sum()) for e in events)
    assert len(stream_alerts) == n_above


def test_unknown_templates_counted_and_named(trained: Pipeline) -> None:
    lines, _ = live_log(10, seed=5)
    scorer = LogStreamScorer(trained)
    alerts = _stream(scorer, lines, 16)
    fails = [a for a in alerts if a["seen_in_training"] is False]
    assert fails and all(a["key"] == 0 and a["template"] == "<template never seen in training>"
                         and "Exception in receiveBlock" in a["text"] for a in fails)
    assert scorer.counts()["unknown_template"] == sum("Exception" in ln for ln in lines) == len(fails)
    a = fails[0]
    assert a["expected"][0]["template"].startswith("PacketResponder") or a["expected"][0]["template"]
    assert set(a) >= {"session", "line", "key", "rank", "score", "template", "expected"}


def test_eviction_bounds_the_live_sessions_and_checks_their_end(trained: Pipeline) -> None:
    lines, _ = live_log(30, seed=6)
    scorer = LogStreamScorer(trained, max_sessions=2)
    numbered = list(enumerate(lines, 1))
    alerts = []
    for lo in range(0, len(numbered), 4):
        alerts += scorer.feed(numbered[lo:lo + 4])
        assert len(scorer.live) <= 2
    c = scorer.counts()
    assert c["evicted"] > 0 and c["sessions"] > 30  # evicted blocks that come back start anew
    # a block evicted mid-way is a session that stopped early: its end is unexpected
    assert any(a.get("closed") == "evicted" and a["key"] == "<end>" for a in alerts)


def test_live_sessions_state_is_bounded_per_session() -> None:
    live = LiveSessions(history=3, max_sessions=10)
    w, pos, closed = live.add(["a"] * 50, list(range(50)), list(range(1, 51)))
    assert w[-1].tolist() == [46, 47, 48] and pos[-1] == 49 and not closed
    assert live._live["a"].history.tolist() == [47, 48, 49] and live._live["a"].keys == []
    whole = LiveSessions(history=1, whole=True, max_events=20)
    _, _, closed = whole.add(["a"] * 45, list(range(45)), list(range(45)))
    assert [(c.reason, len(c.keys)) for c in closed] == [("full", 20), ("full", 20)]  # type: ignore[arg-type]
    assert whole.split == 2 and [len(c.keys) for c in whole.close_all()] == [5]  # type: ignore[arg-type]


def test_whole_session_model_scores_sessions_as_they_close() -> None:
    train = live_log(120, seed=20, broken_ones=False)[0]
    pipe = Pipeline(detector=EventCountAutoEncoder(hidden=(8, 4), epochs=30, lr=0.01, verbose=0),
                    features=EventSessions(format="hdfs", session_regex=REGEX)).fit(train)
    lines, _ = live_log(30, seed=4)
    sessions = pipe.features_.sessions(lines)
    scores = pipe.detector_.score(sessions.sequences)
    thr = pipe.detector_.threshold_.value_
    scorer = LogStreamScorer(pipe)
    assert scorer.mode == "session"
    alerts = _stream(scorer, lines, 9)
    # normal sessions here all score the held-out maximum, i.e. the threshold itself: float
    # noise of a different batch decides those; compare the sessions clear of it
    clear = {sid for sid, v in zip(sessions.ids, scores, strict=True) if abs(v - thr) > 1e-6 * thr}
    flagged = {sid for sid, v in zip(sessions.ids, scores, strict=True) if v > thr} & clear
    assert flagged and {a["session"] for a in alerts} & clear == flagged
    assert all(a["closed"] == "end" and "unexpected" in a for a in alerts)


def test_refuses_window_sessions_and_tables() -> None:
    log = [f"081109 20{i % 60:02d}{i % 60:02d} 1 INFO x: {('open', 'read', 'shut')[i % 3]} file"
           for i in range(60)]
    pipe = Pipeline(detector=DeepLog(window=2, top_g=1, epochs=1, verbose=0),
                    features=EventSessions(format="hdfs", window=10.0)).fit(log)
    with pytest.raises(Exception, match="time windows"):
        LogStreamScorer(pipe)


# -- CLI --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, trained: Pipeline):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("m") / "M"
    trained.save(path)
    return path


def test_cli_stream_log_model(model_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lines, broken = live_log(20, seed=7)
    data = ("\n".join(lines[:10]) + "\nnot a log line\n\n\xff\xfe garbage\n" + "\n".join(lines[10:]))
    src = tmp_path / "live.log"
    src.write_bytes(data.encode("utf-8", errors="surrogateescape").replace(b"\xc3\xbf\xc3\xbe", b"\xff\xfe"))
    r = CliRunner().invoke(app, ["stream", str(model_dir), "--input", str(src), "--batch", "8"])
    assert r.exit_code == 0, r.output
    out = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert {a["session"] for a in out} >= broken
    assert all({"session", "line", "template", "key", "rank", "expected", "score"} <= set(a) for a in out)
    assert "2 matched no header format" in r.stderr and "1 bad encoding" in r.stderr
    assert f"{len(out)} alerts" in r.stderr
    r = CliRunner().invoke(app, ["stream", str(model_dir), "--input", str(src), "--on-bad-rows", "error"])
    assert r.exit_code == 2 and "line 11: does not match the 'hdfs' header format" in r.stderr
    assert "Traceback" not in r.output
    r = CliRunner().invoke(app, ["stream", str(model_dir), "--input", str(src), "--explain", "3"])
    assert r.exit_code == 2 and "--explain" in r.stderr and "not for a log model" in r.stderr


def test_cli_stream_keys_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    train = tmp_path / "train_keys"
    train.write_text("\n".join(["1 2 3 4 5 6"] * 60) + "\n")
    runner = CliRunner()
    r = runner.invoke(app, ["train", str(train), "--format", "keys", "--model", "deeplog", "-o",
                            str(tmp_path / "K"), "--epochs", "40", "--param", "window=3",
                            "--param", "top_g=1", "--hidden", "16", "--param", "layers=1",
                            "--lr", "0.03", "-q"])
    assert r.exit_code == 0, r.output
    live = tmp_path / "live_keys"
    live.write_text("1 2 3 4 5 6\n1 2 4 3 5 6\nx y\n1 2 3 9 5 6\n1 2 3\n")
    r = runner.invoke(app, ["stream", str(tmp_path / "K"), "--input", str(live)])
    assert r.exit_code == 0, r.output
    out = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    first = {}
    for a in out:
        first.setdefault(a["session"], a)
    assert sorted(first) == ["2", "4", "5"]
    assert (first["2"]["key"], first["2"]["position"]) == (4, 2)
    assert first["4"]["key"] == 9 and first["4"]["seen_in_training"] is False
    assert first["5"]["key"] == "<end>"
    assert "1 matched no header format" not in r.stderr and "1 not key sequences" in r.stderr


def test_an_unexpected_event_is_alerted_while_the_log_is_still_open(model_dir) -> None:  # type: ignore[no-untyped-def]
    """A real process reading a pipe (``tail -F app.log | hourglass stream M``): the alert for a
    failing block comes out before end of input, and that of a block cut short once it has been
    idle for --idle-timeout while the log is quiet; Ctrl-C ends with the summary, exit code 130."""
    import os
    import select
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[1] / "src")
    lines = hdfs_log(3, seed=8, anomalous=(1,))  # block 1 fails after its first step
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "hourglass", "stream", str(model_dir),
                             "--max-delay-ms", "50", "--idle-timeout", "0.5"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            preexec_fn=sigint_default)
    got = b""

    def next_alert(timeout: float) -> dict | None:  # type: ignore[type-arg]
        """The next output line (read from the descriptor: a buffered reader could hold lines
        that select cannot see)."""
        nonlocal got
        while b"\n" not in got:
            ready, _, _ = select.select([proc.stdout], [], [], timeout)
            if not ready:
                return None
            got += os.read(proc.stdout.fileno(), 65536)  # type: ignore[union-attr]
        line, got = got.split(b"\n", 1)
        return json.loads(line)

    with reaped(proc):
        assert proc.stdin is not None and proc.stdout is not None
        # block 0, block 1's two lines, block 2's first line; then the log goes quiet
        proc.stdin.write(("\n".join(lines[:8]) + "\n").encode())
        proc.stdin.flush()
        alert = next_alert(60)
        assert alert is not None, "no alert within 60 s while the input stayed open"
        assert (alert["session"], alert["line"], alert["seen_in_training"]) == ("blk_-1001", 7, False)
        idle: list[dict] = []  # type: ignore[type-arg]
        while not any(a["session"] == "blk_1002" for a in idle):  # block 2 stopped after a step
            alert = next_alert(30)
            assert alert is not None, "no idle-session alert within 30 s of the log going quiet"
            idle.append(alert)
        assert all(a["key"] == "<end>" and a["closed"] == "idle" for a in idle)
        assert proc.poll() is None
        err = interrupt(proc)
    text = err.decode()
    assert proc.returncode == 130, text
    assert "streamed 8 lines" in text and "Traceback" not in text


def test_sessions_by_a_header_field_group_as_in_batch() -> None:
    from hourglass.features.sessions.live import line_events

    lines, _ = live_log(12, seed=9)
    pre = EventSessions(format="hdfs", session_column="pid").fit(lines)
    batch = pre.sessions(lines)
    stats: dict = {}  # type: ignore[type-arg]
    ev = line_events(pre, lines[:20], 1, stats)
    ev2 = line_events(pre, lines[20:], 21, stats)
    got: dict[str, list[int]] = {}
    for sid, key in zip(ev["session"] + ev2["session"], ev["key"] + ev2["key"], strict=True):
        got.setdefault(sid, []).append(key)
    assert got == {i: s.tolist() for i, s in zip(batch.ids, batch.sequences, strict=True)}
    assert stats["lines"] == len(lines) and stats["parsed"] == len(lines)
    with pytest.raises(Exception, match="no field 'host'"):
        line_events(EventSessions(format="hdfs", session_column="host").fit(lines), lines, 1, {})


def test_idle_sessions_close_and_get_their_end_checked(trained: Pipeline) -> None:
    now = [0.0]
    scorer = LogStreamScorer(trained, idle_timeout=30)
    scorer.live.clock = lambda: now[0]
    lines = hdfs_log(2, seed=2)
    assert scorer.feed(list(enumerate(lines[:2], 1))) == []  # block 0 stops after two steps
    now[0] = 31.0
    alerts = scorer.feed([(3, lines[5])])  # block 1 starts; block 0 has been idle 31 s
    assert [(a["session"], a["key"], a["closed"]) for a in alerts] == [("blk_1000", "<end>", "idle")]
    assert len(scorer.live) == 1 and scorer.finish() != []  # block 1 stopped after one step
    with pytest.raises(Exception, match="idle_timeout must be > 0"):
        LogStreamScorer(trained, idle_timeout=0)


def test_cli_stream_whole_session_keys_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    train = tmp_path / "train_keys"
    train.write_text("\n".join(["1 2 3 4 5 6", "1 2 3 4 4 5 6"] * 40) + "\n")
    runner = CliRunner()
    r = runner.invoke(app, ["train", str(train), "--format", "keys", "--model",
                            "event-count-autoencoder", "-o", str(tmp_path / "A"), "--epochs", "30",
                            "--lr", "0.01", "-q"])
    assert r.exit_code == 0, r.output
    live = tmp_path / "live_keys"
    live.write_text("1 2 3 4 5 6\n1 2 9 9 9 9 9 6\n")
    r = runner.invoke(app, ["stream", str(tmp_path / "A"), "--input", str(live)])
    assert r.exit_code == 0, r.output
    out = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert [(a["session"], a["closed"]) for a in out] == [("2", "end")]
    assert "sessions scored as they closed" in r.stderr
    assert "5 events with a key never seen in training" in r.stderr


def test_log_alerts_to_sqlite_stream_and_score(model_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    lines, broken = live_log(20, seed=7)
    src = tmp_path / "live.log"
    src.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    r = runner.invoke(app, ["stream", str(model_dir), "--input", str(src), "--batch", "8"])
    want = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    db = tmp_path / "alerts.db"
    r = runner.invoke(app, ["stream", str(model_dir), "--input", str(src), "--batch", "8", "-o", str(db)])
    assert r.exit_code == 0 and r.stdout == "", r.output
    conn = sqlite3.connect(db)
    got = conn.execute("SELECT session, line, key, template, seen_in_training, score, doc FROM alerts "
                       "ORDER BY rowid").fetchall()
    assert [json.loads(g[-1]) for g in got] == want and {g[0] for g in got} >= broken
    assert [g[:5] for g in got] == [(a["session"], a["line"], a["key"], a["template"],
                                     int(a["seen_in_training"])) for a in want]
    # 'score' on the whole log: one alert per flagged session, as its JSONL has them
    for out in (tmp_path / "scored.jsonl", tmp_path / "scored.sqlite"):
        r = runner.invoke(app, ["score", str(model_dir), str(src), "-o", str(out), "-q"])
        assert r.exit_code == 0, r.output
    want = [json.loads(x) for x in (tmp_path / "scored.jsonl").read_text().splitlines()]
    conn = sqlite3.connect(tmp_path / "scored.sqlite")
    got = conn.execute("SELECT session, line, key, n_events, doc FROM alerts ORDER BY rowid").fetchall()
    assert [json.loads(g[-1]) for g in got] == want and len(want) >= len(broken)
    assert [g[:4] for g in got] == [(a["session"], a["unexpected"]["line"], a["unexpected"]["key"],
                                     a["n_events"]) for a in want]
