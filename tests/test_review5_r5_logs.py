"""Review fixes of log anomaly detection (fifth round): reading raw logs, sessions, log models."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from hourglass.cli.logs import _summary_line
from hourglass.detectors.deeplog import DeepLog
from hourglass.detectors.sequence_ae import EventCountAutoEncoder, SequenceAutoEncoder
from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions
from hourglass.ingest import logs as logs_mod
from hourglass.ingest.logs import LogParser, ParseStats, file_lines, read_lines

_OPS = ("Receiving block {b} src: /10.0.0.{i}:50010", "PacketResponder {i} for block {b} terminating",
        "Received block {b} of size 67108864 from /10.0.0.{i}")


def _hdfs(n_blocks: int = 20) -> list[str]:
    """HDFS-like lines: three events per block id, blocks one after the other."""
    out = []
    for blk in range(n_blocks):
        for j, op in enumerate(_OPS):
            out.append(f"081109 2036{len(out) % 60:02d} 148 INFO dfs.DataNode: "
                       + op.format(b=f"blk_{blk}", i=j + 1))
    return out


@pytest.mark.parametrize("gz", [False, True])
def test_long_line_is_read_past_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gz: bool) -> None:
    monkeypatch.setattr(logs_mod, "MAX_LINE_BYTES", 200)
    lines = _hdfs(3)
    body = "\n".join([*lines[:2], "x" * 5000, *lines[2:]]).encode() + b"\n"
    path = tmp_path / ("a.log.gz" if gz else "a.log")
    path.write_bytes(gzip.compress(body) if gz else body)
    got = list(read_lines(path))
    assert len(got) == len(lines) + 1 and got[2] == "" and got[3] == lines[2]  # numbers kept
    assert isinstance(got[2], logs_mod.TooLongLine) and got[2].length == 5000  # newline not counted
    parser = LogParser("hdfs").fit(file_lines(path))
    stats = parser.stats_
    assert (stats.parsed, stats.unmatched, stats.blank, stats.first_unmatched) == (9, 1, 0, 3)
    assert "longer than" in (stats.first_unmatched_reason or "")
    assert parser.events_["line"].tolist() == [1, 2, *range(4, 11)]
    with pytest.raises(InputError, match="line 3: longer than"):
        LogParser("hdfs", strict=True).fit(file_lines(path))


def test_long_utf16_line_is_read_past(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs_mod, "MAX_LINE_BYTES", 200)
    path = tmp_path / "w.log"
    path.write_bytes("ok one\r\n".encode("utf-16") + "y\u00e9".encode("utf-16-le") * 300
                     + "\r\nok two\r\n".encode("utf-16-le"))
    assert list(read_lines(path, ParseStats())) == ["ok one", "", "ok two"]


def test_long_line_of_a_key_file_is_not_an_empty_session(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs_mod, "MAX_LINE_BYTES", 100)
    path = tmp_path / "k.txt"
    path.write_text("1 2 3\n" + "4 " * 200 + "\n\n5 6\n")
    pre = EventSessions(format="keys").fit(None)
    s = pre.sessions(str(path))
    assert s.ids == ["1", "4"] and s.stats["unmatched"] == 1 and s.stats["empty_sessions_skipped"] == 1
    pre.strict = True
    with pytest.raises(InputError, match="line 2: longer than"):
        pre.sessions(str(path))



def test_event_count_explanation_names_an_event_of_the_session() -> None:
    rng = np.random.default_rng(0)
    train = [rng.integers(1, 8, size=rng.integers(2, 30)) for _ in range(120)]
    test = [rng.integers(1, 10, size=rng.integers(1, 40)) for _ in range(60)]
    det = EventCountAutoEncoder(hidden=(8, 2), epochs=3, verbose=0).fit(train)
    for s, e in zip(test, det.explain(test), strict=True):
        at = int(s[e["position"]])
        assert e["key"] == (at if at in det.vocab_ else None), (s.tolist(), e)
    for seed in (0, 1):  # an expected key is a key seen in training, never the "unknown" one
        det = EventCountAutoEncoder(hidden=(8, 2), epochs=20, verbose=0, random_state=seed).fit(train)
        ex = det.explain(test, top=3)
        assert all(None not in e["expected"] and len(e["expected"]) <= 3 for e in ex)


def test_window_event_without_time_is_not_said_to_lack_a_session_id(caplog: pytest.LogCaptureFixture) -> None:
    lines = _hdfs(4)
    lines[3] = lines[3].replace(" 2036", " 2099", 1)  # minute 99: no time
    pre = EventSessions(format="hdfs", window=30).fit(lines)
    with caplog.at_level("WARNING"):
        s = pre.sessions(lines)
    assert s.stats["events_without_session"] == 1 and sum(len(q) for q in s.sequences) == 11
    assert "1 event(s) had no readable time (no window)" in caplog.text
    assert "no session id" not in caplog.text
    assert "1 event had no readable time (no window)" in _summary_line(s.stats, pre)
    rx = EventSessions(format="hdfs", session_regex=r"blk_\d+").fit(lines)
    assert "1 event had no session id" in _summary_line({"events_without_session": 1}, rx)


@pytest.mark.parametrize("end_token", [True, False])
def test_deeplog_never_expects_the_unknown_key(end_token: bool) -> None:
    rng = np.random.default_rng(0)
    train = [rng.integers(1, 5, size=rng.integers(2, 12)) for _ in range(60)]
    det = DeepLog(window=3, top_g=2, hidden=8, layers=1, epochs=1, end_token=end_token,
                 verbose=0).fit(train)
    test = [np.array([1, 2, 9, 3]), np.array([4, 4, 1])]
    never = [None] if end_token else [None, "<end>"]
    for e in det.explain(test, top=10):  # 4 keys (and the end): every class but the unknown one
        assert not set(never) & set(e["expected"]) and len(e["expected"]) == 4 + end_token
        assert len(e["expected_p"]) == len(e["expected"]) and min(e["expected_p"]) >= 0
    r = det.next_event_scores(np.array([[-1, 1, 2], [1, 2, 3]]), np.array([9, 1]), top=10,
                              explain_above=float("-inf"))
    assert all(not set(never) & set(x) and len(x) == 4 + end_token for x in r["expected"])



def test_sequence_autoencoder_never_expects_the_unknown_key() -> None:
    rng = np.random.default_rng(0)
    train = [rng.integers(1, 5, size=rng.integers(2, 12)) for _ in range(60)]
    det = SequenceAutoEncoder(hidden=8, code=4, epochs=1, max_length=6, verbose=0).fit(train)
    for e in det.explain([np.array([1, 2, 9, 3]), np.array([4, 4, 1] * 5)], top=10):
        assert None not in e["expected"] and len(e["expected"]) == 5  # 4 keys and the end
        assert min(e["expected_p"]) >= 0
