"""Review 52 (leak52): what a command, a stream or a request leaves behind in the process that
ran it (descriptors, threads, temporary files, state)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model

FDS = Path("/proc/self/fd")


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("leak52"))


def _rows(n: int) -> str:
    return "".join(json.dumps({"bytes": 10.0 + i, "pkts": 3, "proto": "tcp"}) + "\n" for i in range(n))


def _readers(besides: frozenset[threading.Thread] = frozenset()) -> set[threading.Thread]:
    """The stream reader threads alive but ``besides``, once those that are ending had a moment
    to end."""
    end = time.monotonic() + 3
    while True:
        alive = {t for t in threading.enumerate() if t.name == "hourglass-stream-reader"} - besides
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.05)


def test_a_stream_stopped_by_a_bad_line_leaves_no_reader_thread(labelled: dict[str, Any],
                                                                tmp_path: Path) -> None:
    # What was wrong: a stream stopped by a bad line (exit code 2) with more input behind it left
    # its reader thread blocked for good on the full line queue, holding the input: one more
    # thread for each such run in the process (10 runs: 10 'hourglass-stream-reader' threads).
    # Now the reader stops once the batches' consumer is gone.
    before = frozenset(t for t in threading.enumerate() if t.name == "hourglass-stream-reader")
    data = '{"bytes": 1, "pkts": 3, "proto": "tcp"}\nnot json\n' + _rows(5000)
    src = tmp_path / "bad.jsonl"
    src.write_text(data)
    for args, given in ((["--input", str(src), "-o", str(tmp_path / "a.jsonl")], None), ([], data)):
        res = runner.invoke(app, ["stream", str(labelled["model"]), *args], input=given)
        assert res.exit_code == 2 and "line 2" in res.stderr, res.output
    assert _readers(before) == set()


def _open_under(folder: Path) -> list[str]:
    """The files under ``folder`` that this process holds a descriptor of."""
    held = []
    for fd in os.listdir(FDS):
        try:
            target = os.readlink(FDS / fd)
        except OSError:  # (the listing's own descriptor, closed meanwhile)
            continue
        if target.startswith(str(folder)):
            held.append(target)
    return held


@pytest.mark.skipif(not FDS.is_dir(), reason="counts descriptors in /proc/self/fd")
def test_stream_input_file_is_closed_when_the_stream_ends(labelled: dict[str, Any], tmp_path: Path) -> None:
    # What was wrong: `stream --input FILE` opened FILE's descriptor and never closed it, at the end
    # of input, after a bad line or when the output was refused after the input was opened: one
    # descriptor more per run in the process (10 runs: fds 6 -> 16, each on the input file). It
    # is now closed as the command ends (a read in progress keeps it until it returns).
    src = tmp_path / "in.jsonl"
    src.write_text(_rows(50))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_rows(3) + "not json\n")
    other = tmp_path / "other.jsonl"
    other.write_text("not an alert\n")  # an output holding something else: refused once --input is open
    for i in range(3):
        res = runner.invoke(app, ["stream", str(labelled["model"]), "--input", str(src),
                                  "-o", str(tmp_path / f"a{i}.jsonl")])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["stream", str(labelled["model"]), "--input", str(bad),
                                  "-o", str(tmp_path / f"b{i}.jsonl")])
        assert res.exit_code == 2 and "line 4" in res.stderr, res.output
        res = runner.invoke(app, ["stream", str(labelled["model"]), "--input", str(src), "-o", str(other)])
        assert res.exit_code == 2, res.output
    del res  # (its exception's frames)
    assert _open_under(tmp_path) == []


@pytest.mark.parametrize("group_by", [",", "proto,proto"])
def test_a_refused_group_by_leaves_no_stream_output_nor_its_descriptor(
        labelled: dict[str, Any], tmp_path: Path, group_by: str) -> None:
    # What was wrong: `stream -o alerts.jsonl --group-by ,` (or a column named twice) read the
    # key columns only once the output was open: the refusal (exit code 2) left a new, empty
    # alerts.jsonl and its descriptor held in the process, though a refused option is to leave no
    # new file. The spelling is now checked with the other grouping options, before any output.
    out = tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["stream", str(labelled["model"]), "-o", str(out), "--group-by", group_by],
                        input=_rows(3))
    assert res.exit_code == 2 and "--group-by" in res.stderr, res.output
    assert not out.exists()
    if FDS.is_dir():
        assert _open_under(tmp_path) == []


def test_a_drift_monitor_keeps_only_the_episodes_its_summary_names() -> None:
    # What was wrong: AlertRateMonitor kept every fired episode's DriftEvent in .events, though its
    # summary names the first five only: a stream or service whose flag rate flapped about the
    # cut-off grew by ~235 bytes an episode without end (1M rows flapping every 40 rows: 25,250
    # events, +5.9 MB). It now keeps the first five; episodes still counts them all.
    import numpy as np

    from hourglass.thresholds import AlertRateMonitor

    mon = AlertRateMonitor(expected=0.01, window=20)
    block = np.array(([1] * 20 + [0] * 20) * 250, dtype=np.int8)
    for _ in range(4):
        mon.update(block)
    assert mon.episodes == 1000
    assert len(mon.events) == 5 and mon.events[0].row == 4
    assert "fired 1000 time(s) (at row 4, 45, 85, 125, 165 ...;" in mon.summary()


def test_a_log_stream_scorer_never_asked_for_its_flags_holds_a_bounded_number(monkeypatch: Any) -> None:
    # What was wrong: LogStreamScorer kept each scored batch's closed-session flags until
    # take_closed_flags (which only `hourglass stream`'s drift check calls): a library caller
    # feeding lines for weeks, as its example does, held one array more for each batch that
    # closed a session, without end (5,000 feeds: 5,150 arrays, +0.66 MB). The latest KEPT_FLAGS
    # are now kept, in one array once there are many.
    from hourglass.detectors import registry
    from hourglass.features.sessions import EventSessions
    from hourglass.pipeline import Pipeline
    from hourglass.serve import log_stream

    monkeypatch.setattr(log_stream, "KEPT_FLAGS", 40, raising=False)
    log = [f"{op} blk_{b}" for b in range(30) for op in ("open", "read", "close")]
    pipe = Pipeline(detector=registry.get("event-count-autoencoder")(epochs=1, verbose=0),
                    features=EventSessions(format="raw", session_regex=r"blk_\d+")).fit(log)
    scorer = log_stream.LogStreamScorer(pipe, max_sessions=2)
    line = 0
    for block in range(300):  # each session past the second evicts (closes) the oldest
        line += 1
        scorer.feed([(line, f"open blk_{1000 + block}")])
    assert scorer.counts()["evicted"] == 298
    assert len(scorer._closed_flags) <= 257
    assert len(scorer.take_closed_flags()) == 40 and len(scorer.take_closed_flags()) == 0
