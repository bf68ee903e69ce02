"""Streaming log parsing (bounded memory), event tables with a session column, bad log input."""

from __future__ import annotations

import json
import weakref

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from hourglass.detectors.sequence_ae import EventCountAutoEncoder, SequenceAutoEncoder
from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions, SessionGrouper, group_events
from hourglass.ingest.logs import LogParser
from hourglass.pipeline import Pipeline
from tests.test_logs import hdfs_log


# -- streaming --------------------------------------------------------------------------------
def test_chunked_parse_and_grouping_match_the_whole_log() -> None:
    lines = hdfs_log(40, anomalous=(3, 17))
    p = LogParser("hdfs").fit(lines)
    whole = p.parse(lines)
    chunks = list(p.parse_chunks(lines, chunk_size=7))
    assert [len(c) for c in chunks[:-1]] == [7] * (len(chunks) - 1)
    assert pd.concat(chunks)["key"].tolist() == whole["key"].tolist()
    g = SessionGrouper(session_regex=r"blk_-?\d+")
    for c in chunks:
        g.add(c)
    ids, seqs, lns, _ = g.finish()
    ref = group_events(whole, session_regex=r"blk_-?\d+")
    assert ids == ref[0] and len(ids) == 40
    assert all((a == b).all() for a, b in zip(seqs, ref[1], strict=True))
    assert all((a == b).all() for a, b in zip(lns, ref[2], strict=True))


def test_event_sessions_stream_a_file_without_keeping_its_text(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.log"
    path.write_text("\n".join(hdfs_log(200)) + "\n")
    pre = EventSessions(format="hdfs", session_regex=r"blk_-?\d+")
    pre.chunk_lines = 64
    seqs = pre.fit_transform(str(path))
    assert len(seqs) == 200 and not hasattr(pre.parser_, "events_")
    seen: list[weakref.ref[pd.DataFrame]] = []
    alive: list[int] = []
    original = LogParser.parse_chunks

    def watched(self, lines, chunk_size=65_536):  # type: ignore[no-untyped-def]
        for chunk in original(self, lines, chunk_size):
            alive.append(sum(r() is not None for r in seen))  # earlier chunks still alive
            seen.append(weakref.ref(chunk))
            yield chunk

    monkeypatch.setattr(LogParser, "parse_chunks", watched)
    s = pre.sessions(str(path))
    # 1000 lines in chunks of 64; while one is parsed only the one before it is still referenced
    assert len(seen) == 16 and max(alive) == 1 and all(r() is None for r in seen)
    assert s.events is None and [x.tolist() for x in s.sequences] == [x.tolist() for x in seqs]
    assert s.text_of is not None and s.text_of({3})[3].startswith("PacketResponder")


# -- event tables -----------------------------------------------------------------------------
def _table(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n):
        for step, ev in enumerate(["login", "read", "write", "logout"]):
            n = int(rng.integers(1, 900))
            msg = {"login": f"session opened for user u{u}", "read": f"read {n} bytes",
                   "write": f"wrote {n} bytes to cache, all ok", "logout": "logout"}[ev]
            rows.append({"user": f"u{u}", "event": ev, "ts": 1000.0 * u + step + rng.random() / 2,
                         "msg": msg})
    return pd.DataFrame(rows).sample(frac=1.0, random_state=seed)  # out of order: time sorts it


def test_table_with_named_keys_ordered_by_time() -> None:
    df = _table(5)
    pre = EventSessions(session_column="user", key_column="event", time_column="ts").fit(df)
    assert pre.templates() == {1: "login", 2: "logout", 3: "read", 4: "write"}
    s = pre.sessions(df)
    assert len(s) == 5 and all(x.tolist() == [1, 3, 4, 2] for x in s.sequences)
    new = pd.DataFrame({"user": ["a", "a"], "event": ["login", "sudo"], "ts": [2.0, 1.0]})
    s = pre.sessions(new)
    assert s.sequences[0].tolist() == [0, 1] and s.stats["unknown_template"] == 1
    again = EventSessions.from_dict(json.loads(json.dumps(pre.to_dict())))
    assert again.sessions(new).sequences[0].tolist() == [0, 1]
    pipe = Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=2, verbose=0), features=pre).fit(df)
    assert pipe.info["n_train_rows"] == 5 and pipe.score(new).shape == (1,)


def test_table_scored_in_chunks_like_whole(tmp_path) -> None:  # type: ignore[no-untyped-def]
    df = _table(7, seed=3)  # shuffled rows: a session's events span chunks, time orders them
    pre = EventSessions(session_column="user", message_column="msg", time_column="ts").fit(df)
    whole = pre.sessions(df)
    pre.chunk_lines = 3
    chunked = pre.sessions(df)
    assert chunked.ids == whole.ids and len(whole) == 7
    assert all((a == b).all() for a, b in zip(chunked.sequences, whole.sequences, strict=True))
    assert all(len(set(x.tolist())) == 4 for x in whole.sequences)
    assert chunked.stats["lines"] == 28 and chunked.stats["parsed"] == 28
    df.to_csv(tmp_path / "t.csv", index=False)
    from_file = pre.sessions(tmp_path / "t.csv")
    row = int(from_file.lines[0][0])
    assert from_file.text_of is not None and from_file.text_of({row})[row] == df["msg"].iloc[row - 1]


def test_table_with_integer_keys_messages_and_windows() -> None:
    df = pd.DataFrame({"sid": ["a", "b", "a", None], "k": [5, 7, 5, 9]})
    s = EventSessions(session_column="sid", key_column="k").fit(df).sessions(df)
    assert [x.tolist() for x in s.sequences] == [[5, 5], [7]]
    assert s.stats["events_without_session"] == 1 and s.lines[0].tolist() == [1, 3]
    df = _table(6)
    pre = EventSessions(session_column="user", message_column="msg", time_column="ts").fit(df)
    assert len(pre.templates()) == 4 and all(len(x) == 4 for x in pre.transform(df))
    s = pre.sessions(df)
    first = int(s.lines[s.ids.index("u0")][0])  # the table row of u0's first event (login)
    assert s.text_of is not None and s.text_of({first}) == {first: "session opened for user u0"}
    win = EventSessions(window=1000.0, key_column="event", time_column="ts").fit(df)
    assert [len(x) for x in win.transform(df)] == [4] * 6
    with pytest.raises(InputError, match="no column 'nope'"):
        EventSessions(session_column="nope", key_column="event").fit(df)
    with pytest.raises(InputError, match=r"^window on a table needs its time column \(time_column\)"):
        EventSessions(window=10.0, key_column="event").fit(df)
    with pytest.raises(InputError, match="trained on integer keys, found 'x'"):
        EventSessions(session_column="sid", key_column="k").fit(
            pd.DataFrame({"sid": ["a"], "k": [1]})).sessions(pd.DataFrame({"sid": ["a"], "k": ["x"]}))


def test_cli_train_and_score_an_event_table(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    train, new = tmp_path / "train.csv", tmp_path / "new.csv"
    _table(60).to_csv(train, index=False)
    odd = pd.DataFrame({"user": ["x"] * 4, "event": ["login", "write", "read", "logout"],
                        "ts": [1.0, 2.0, 3.0, 4.0], "msg": ["m"] * 4})
    pd.concat([_table(5, seed=1), odd]).to_csv(new, index=False)
    model = tmp_path / "M"
    r = runner.invoke(app, ["train", str(train), "--session-col", "user", "--key-col", "event",
                            "--timestamp-col", "ts", "--model", "deeplog", "-o", str(model),
                            "--epochs", "30", "--param", "window=3", "--param", "top_g=1",
                            "--hidden", "16", "--param", "layers=1", "--lr", "0.02", "-q"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "alerts.jsonl"
    r = runner.invoke(app, ["score", str(model), str(new), "-o", str(out)])
    assert r.exit_code == 0 and "1 flagged" in r.output, r.output
    (alert,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert alert["session"] == "x" and alert["unexpected"]["template"] == "write"
    assert alert["unexpected"]["expected"][0]["template"] == "read"
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"user": [*(f"u{i}" for i in range(5)), "x"],
                  "Label": ["Normal"] * 5 + ["Anomaly"]}).to_csv(labels, index=False)
    r = runner.invoke(app, ["evaluate", str(model), str(new), "--labels", str(labels), "--id-col",
                            "user", "--json", str(tmp_path / "m.json")])
    assert r.exit_code == 0, r.output
    m = json.loads((tmp_path / "m.json").read_text())
    assert (m["tp"], m["fp"], m["labelled_sessions"]) == (1, 0, 6)
    r = runner.invoke(app, ["train", str(train), "--session-col", "user", "--key-col", "nope",
                            "-o", str(tmp_path / "M2"), "--model", "deeplog"])
    assert r.exit_code == 2 and "no column 'nope'" in r.output


# -- bad input --------------------------------------------------------------------------------
def test_cli_log_with_binary_garbage_counts_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    train, new = tmp_path / "train.log", tmp_path / "new.log"
    train.write_text("\n".join(hdfs_log(40)) + "\n")
    garbage = bytes(np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8))
    new.write_bytes(("\n".join(hdfs_log(6, seed=2)) + "\n").encode() + garbage + b"\n")
    model = tmp_path / "M"
    r = runner.invoke(app, ["train", str(train), "--format", "hdfs", "--session-regex",
                            r"blk_-?\d+", "--model", "event-count-autoencoder", "-o", str(model),
                            "--epochs", "5", "-q"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["score", str(model), str(new), "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 0, r.output
    assert "matched no header format" in r.output and "had bad encoding (replaced)" in r.output
    assert len(pd.read_csv(tmp_path / "s.csv")) == 6


def test_over_long_session_scored_in_chunks_by_the_sequence_autoencoder() -> None:
    normal = [np.array([1, 2, 3, *[4, 5] * k, 6]) for k in (1, 2, 3)] * 30
    ae = SequenceAutoEncoder(embed=8, hidden=16, code=8, epochs=5, max_length=8,
                             verbose=0).fit(normal)
    s = ae.score([normal[0], np.array([1, 2, 3, *[4, 5] * 20_000, 6])])
    assert np.isfinite(s).all() and s[1] > s[0]


@pytest.mark.parametrize("column", ["event", "msg", "code"])
def test_table_trained_in_chunks_like_whole(tmp_path, monkeypatch, column) -> None:  # type: ignore[no-untyped-def]
    df = _table(9, seed=4)
    df["code"] = df["event"].map({"login": 10, "read": 12, "write": 13, "logout": 11}).astype(float)
    opts = {"key_column": column} if column != "msg" else {"message_column": column}
    whole = EventSessions(session_column="user", time_column="ts", **opts)
    whole.chunk_lines = len(df)
    s_whole = whole._fit(df, group=True)
    chunked = EventSessions(session_column="user", time_column="ts", **opts)
    chunked.chunk_lines = 5  # sessions and key names span chunks
    s_chunked = chunked._fit(df, group=True)
    assert s_whole is not None and s_chunked is not None
    assert chunked.templates() == whole.templates() and s_chunked.ids == s_whole.ids
    assert all((a == b).all() for a, b in zip(s_chunked.sequences, s_whole.sequences, strict=True))
    assert chunked.fit_stats_["parsed"] == len(df) == whole.fit_stats_["parsed"]
    if column == "event":
        assert whole.templates() == {1: "login", 2: "logout", 3: "read", 4: "write"}
    if column == "code":
        assert whole.key_names_ is None and sorted(set(s_whole.sequences[0].tolist())) == [10, 11, 12, 13]
    # a table file is streamed in training too: never read whole
    import hourglass.ingest.readers as readers

    def whole_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("the table was read whole")

    monkeypatch.setattr(readers, "read_table", whole_read)
    df.to_csv(tmp_path / "t.csv", index=False)
    from_file = EventSessions(session_column="user", time_column="ts", **opts)
    s_file = from_file._fit(tmp_path / "t.csv", group=True)
    assert s_file is not None and from_file.templates() == whole.templates()
    assert all((a == b).all() for a, b in zip(s_file.sequences, s_whole.sequences, strict=True))


def test_negative_integer_keys_are_refused_at_training_with_the_row() -> None:
    df = pd.DataFrame({"sid": ["a", "a", "b"], "k": [1, 2, -3]})
    with pytest.raises(InputError, match=r"row 3: column 'k'.*>= 0, found -3"):
        EventSessions(session_column="sid", key_column="k").fit(df)
