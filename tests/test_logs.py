"""Log parsing, sessions, the events detectors' special behaviour, and the log CLI."""

from __future__ import annotations

import gzip
import json
import warnings

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from hourglass.cli.app import app
from hourglass.detectors.deeplog import DeepLog
from hourglass.detectors.sequence_ae import EventCountAutoEncoder, SequenceAutoEncoder
from hourglass.errors import InputError
from hourglass.features.sessions import EventSessions, group_events, read_key_sequences
from hourglass.ingest.logs import LogParser, file_lines
from hourglass.pipeline import Pipeline, load

HDFS_STEPS = (
    "INFO dfs.DataNode$DataXceiver: Receiving block {b} src: /10.0.{i}.1:50010 dest: /10.0.{i}.2:50010",
    "INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/part-{i}. {b}",
    "INFO dfs.DataNode$PacketResponder: PacketResponder {i} for block {b} terminating",
    "INFO dfs.DataNode$PacketResponder: Received block {b} of size 67108864 from /10.0.{i}.1",
    "INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.0.{i}.3:50010 "
    "is added to {b} size 67108864",
)
FAILURE = "WARN dfs.DataNode$DataXceiver: Exception in receiveBlock for block {b} java.io.IOException"


def hdfs_log(n_blocks: int, *, seed: int = 0, anomalous: tuple[int, ...] = ()) -> list[str]:
    """HDFS-format lines of interleaved block sessions; listed blocks fail after step 1."""
    rng = np.random.default_rng(seed)
    lines = []
    for j in range(n_blocks):
        b = f"blk_{'-' if j % 2 else ''}{1000 + j}"
        steps = [s.format(b=b, i=int(rng.integers(1, 200))) for s in HDFS_STEPS]
        if j in anomalous:
            steps = [steps[0], FAILURE.format(b=b)]
        for k, text in enumerate(steps):
            lines.append(f"081109 2{j % 4}{k}{j % 10}00 {100 + j} {text}")
    return lines


# -- parsing ----------------------------------------------------------------------------------
def test_default_masks_and_templates() -> None:
    p = LogParser("hdfs").fit(hdfs_log(30))
    templates = set(p.templates().values())
    assert len(templates) == 5
    assert "Receiving block <BLK> src: /<IP> dest: /<IP>" in templates
    assert "BLOCK* NameSystem.allocateBlock: <PATH> <BLK>" in templates
    ev = p.events_
    assert ev["time"].notna().all() and ev["component"].str.startswith("dfs.").all()


@pytest.mark.parametrize(("fmt", "line", "content"), [
    ("bgl", "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 "
            "R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
     "instruction cache parity error corrected"),
    ("syslog", "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
     "check pass; user unknown"),
    ("syslog", "Jun 19 04:09:11 combo syslogd 1.4.1: restart.", "restart."),  # a component with a space
    ("syslog", "Jul  3 17:10:11 mac BezelServices 255.10[94]: ASSERTION FAILED: dvcAddrRef",
     "ASSERTION FAILED: dvcAddrRef"),
    (r"^(?P<timestamp>\d+) \| (?P<content>.*)$", "1700000000 | disk sda1 full",
     "disk sda1 full"),
])
def test_header_formats(fmt: str, line: str, content: str) -> None:
    ev = LogParser(fmt).fit([line]).events_
    assert ev["content"].tolist() == [content]
    assert np.isfinite(ev["time"]).all()


def test_unmatched_lines_counted_or_strict_error() -> None:
    lines = [*hdfs_log(3), "not a header at all", ""]
    p = LogParser("hdfs").fit(lines)
    assert (p.stats_.unmatched, p.stats_.first_unmatched, p.stats_.blank) == (1, 16, 1)
    with pytest.raises(InputError, match="line 16: does not match the 'hdfs' header"):
        LogParser("hdfs", strict=True).fit(lines)
    with pytest.raises(InputError, match="no log line matched"):
        LogParser("bgl").fit(lines)
    with pytest.raises(InputError, match="content"):
        LogParser(r"(?P<msg>.*)").fit(lines)


def test_bad_encoding_replaced_and_counted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.log.gz"
    body = "\n".join(hdfs_log(2)).encode() + b"\n081109 203615 148 INFO dfs.X: bad \xff\xfe\x00 bytes\n"
    path.write_bytes(gzip.compress(body))
    p = LogParser("hdfs").fit(file_lines(path))
    assert p.stats_.bad_encoding == 1 and p.stats_.parsed == 11
    assert "bad \ufffd\ufffd bytes" in p.events_["content"].tolist()


def test_parser_state_is_json_and_scores_alike() -> None:
    p = LogParser("hdfs").fit(hdfs_log(20))
    q = LogParser.from_dict(json.loads(json.dumps(p.to_dict())))
    new = hdfs_log(5, seed=3, anomalous=(1,))
    a, b = p.parse(new), q.parse(new)
    assert a["key"].tolist() == b["key"].tolist()
    assert (a["key"] == 0).sum() == 1 and q.stats_.unknown_template == 1
    assert a.loc[a["key"] == 0, "template"].tolist() == ["<unknown>"]


def test_parameters_of_a_line() -> None:
    assert LogParser.parameters("Received block <BLK> of size <NUM> from /<IP>",
                                "Received block blk_1 of size 67108864 from /10.0.0.1") == \
        ["blk_1", "67108864", "10.0.0.1"]


# -- sessions ---------------------------------------------------------------------------------
def test_sessions_by_regex_and_column() -> None:
    pre = EventSessions(format="hdfs", session_regex=r"blk_-?\d+")
    seqs = pre.fit_transform(hdfs_log(10))
    assert len(seqs) == 10 and all(s.tolist() == [1, 2, 3, 4, 5] for s in seqs)
    by_pid = EventSessions(format="hdfs", session_column="pid").fit_transform(hdfs_log(10))
    assert len(by_pid) == 10


def test_time_windows_fixed_and_sliding() -> None:
    import pandas as pd

    ev = pd.DataFrame({"key": [1, 2, 3, 4], "line": [1, 2, 3, 4], "time": [0.0, 5.0, 31.0, 95.0]})
    _, seqs, _, counts = group_events(ev, window=30.0)
    assert [s.tolist() for s in seqs] == [[1, 2], [3], [4]]
    assert counts["empty_sessions_skipped"] == 1  # the window 60-90 s
    _, slide, _, _ = group_events(ev, window=30.0, step=15.0)
    assert [s.tolist() for s in slide] == [[1, 2], [3], [3], [4], [4]]
    with pytest.raises(InputError, match="step"):
        group_events(ev, window=10.0, step=20.0)


def test_key_sequences_skip_and_count() -> None:
    ids, _, counts = read_key_sequences(["1 2 3", "", "4 x", "5"])
    assert ids == ["1", "4"] and counts["empty_sessions_skipped"] == 1 and counts["unmatched"] == 1
    with pytest.raises(InputError, match="line 3"):
        read_key_sequences(["1 2 3", "", "4 x"], strict=True)


# -- detectors --------------------------------------------------------------------------------
def _normal(n: int = 200) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [np.array([1, 2, 3, *[4, 5] * int(rng.integers(1, 4)), 6]) for _ in range(n)]


@pytest.fixture(scope="module")
def deeplog() -> DeepLog:
    # one fixed workflow, so the next key is never ambiguous and top-1 is a fair rule
    return DeepLog(window=4, top_g=1, embed=8, hidden=16, layers=1, epochs=40, lr=0.02,
                   verbose=0).fit([np.array([1, 2, 3, 4, 5, 6])] * 100)


def test_deeplog_top_g_rule_matches_ranks(deeplog: DeepLog) -> None:
    tests = [np.array([1, 2, 3, 4, 5, 6]), np.array([1, 2, 4, 3, 5, 6]), np.array([1, 2, 3])]
    flags = deeplog.predict(tests)
    ranks = [int(np.floor(s.max())) + 1 for s in deeplog.event_scores(tests)]
    assert flags.tolist() == [int(r > 1) for r in ranks] == [0, 1, 1]
    expl = deeplog.explain(tests[1:])
    assert (expl[0]["position"], expl[0]["key"], expl[0]["expected"]) == (2, 4, [3])
    assert (expl[1]["position"], expl[1]["key"]) == (3, "<end>")


def test_deeplog_unseen_key_gets_the_maximal_score(deeplog: DeepLog) -> None:
    n_classes = len(deeplog.vocab_) + 2
    ev = deeplog.event_scores([np.array([1, 2, 99, 4, 5, 6])])[0]
    assert ev[2] == n_classes + 1 and (ev[[0, 1, 3, 4, 5]] <= n_classes).all()
    assert deeplog.score([np.array([1, 2, 99, 4, 5, 6])])[0] == n_classes + 1
    # flagged even when g covers every class: an unseen key is never among the predicted keys
    with pytest.warns(UserWarning, match="top_g=13 is not below the 6 keys"):
        wide = DeepLog(window=4, top_g=n_classes + 5, embed=8, hidden=16, layers=1, epochs=2,
                       verbose=0).fit([np.array([1, 2, 3, 4, 5, 6])] * 20)
    assert wide.predict([np.array([1, 2, 99, 4, 5, 6]), np.array([1, 2, 3, 4, 5, 6])]).tolist() == [1, 0]
    with warnings.catch_warnings():  # said once, at training: a loaded copy scores in silence
        warnings.simplefilter("error")
        again = DeepLog(**wide.get_params())
        again.set_state(*wide.get_state())
        assert again.predict([np.array([1, 2, 99, 4, 5, 6])]).tolist() == [1]


def test_deeplog_long_sessions_scored_in_chunks(deeplog: DeepLog) -> None:
    long = np.array([1, 2, 3, *[4, 5] * 3000, 6, 9])
    sessions = [*_normal(5), long]
    whole = deeplog.score(sessions)
    chunked = DeepLog(**{**deeplog.get_params(), "chunk_events": 7})
    chunked.set_state(*deeplog.get_state())
    np.testing.assert_allclose(chunked.score(sessions), whole, rtol=1e-5)
    assert np.isfinite(whole).all()
    packed = deeplog._validate(sessions, reset=False)
    for a, b in zip(chunked._train_tensors(packed, None), deeplog._train_tensors(packed, None),
                    strict=True):  # same unique (window, next key) pairs and counts
        assert torch.equal(a, b)


def test_pipeline_artefact_round_trip_with_parser(tmp_path) -> None:  # type: ignore[no-untyped-def]
    train = hdfs_log(60)
    pipe = Pipeline(DeepLog(window=3, top_g=1, embed=8, hidden=16, layers=1, epochs=30, lr=0.02,
                            verbose=0),
                    features=EventSessions(format="hdfs", session_regex=r"blk_-?\d+")).fit(train)
    assert pipe.info["n_train_rows"] == 60
    test = hdfs_log(8, seed=5, anomalous=(2, 5))
    pipe.save(tmp_path / "m")
    again = load(tmp_path / "m")
    np.testing.assert_array_equal(again.score(test), pipe.score(test))
    assert again.predict(test).tolist() == [0, 0, 1, 0, 0, 1, 0, 0]


@pytest.mark.parametrize("kw", [{"cell": "gru", "bidirectional": True, "max_length": 4},
                                {"cell": "lstm", "reduce": "mean"}])
def test_sequence_autoencoder_variants(kw: dict) -> None:  # type: ignore[type-arg]
    ae = SequenceAutoEncoder(embed=8, hidden=16, code=8, epochs=40, lr=0.02, verbose=0,
                             **kw).fit(_normal())
    normal = ae.score(_normal(30))
    odd = ae.score([np.array([1, 2, 4, 3, 5, 6]), np.array([6, 5, 4, 3, 2, 1]),
                    np.array([1, 2, 3, 9, 5, 6])])
    assert odd.min() > np.percentile(normal, 90)
    assert ae.explain([np.array([1, 2, 3, 9, 5, 6])], top=2)[0]["key"] is None


def test_count_autoencoder_flags_unseen_and_missing_events() -> None:
    ae = EventCountAutoEncoder(hidden=(16, 4), epochs=60, lr=0.01, verbose=0).fit(_normal())
    normal = ae.score(_normal(30))
    odd = ae.score([np.array([1, 2, 3, 7, 5, 6]), np.array([1, 2, 3])])
    assert odd.min() > normal.max()


# -- CLI --------------------------------------------------------------------------------------
def test_cli_train_and_score_raw_log(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    train, test = tmp_path / "train.log", tmp_path / "new.log"
    train.write_text("\n".join(hdfs_log(60)) + "\n")
    test.write_text("\n".join(hdfs_log(8, seed=4, anomalous=(3,))) + "\nnoise\n")
    model = tmp_path / "M"
    r = runner.invoke(app, ["train", str(train), "--format", "hdfs", "--session-regex",
                            r"blk_-?\d+", "--model", "deeplog", "-o", str(model), "--epochs", "30",
                            "--param", "window=3", "--param", "top_g=1", "--hidden", "16",
                            "--param", "layers=1", "--lr", "0.02", "-q"])
    assert r.exit_code == 0, r.output
    alerts = tmp_path / "alerts.jsonl"
    r = runner.invoke(app, ["score", str(model), str(test), "-o", str(alerts)])
    assert r.exit_code == 0, r.output
    assert "1 matched no header format" in r.output and "1 flagged" in r.output
    (alert,) = [json.loads(line) for line in alerts.read_text().splitlines()]
    assert alert["session"] == "blk_-1003"
    un = alert["unexpected"]
    assert (un["key"], un["seen_in_training"], un["line"]) == (0, False, 17)
    assert un["template"] == "<template never seen in training>"
    assert "Exception in receiveBlock" in un["text"]
    assert un["expected"][0]["template"].startswith("BLOCK* NameSystem.allocateBlock")
    strict_out = tmp_path / "strict.jsonl"
    r = runner.invoke(app, ["score", str(model), str(test), "-o", str(strict_out), "--strict"])
    assert r.exit_code == 2 and "line 38" in r.output and "noise" in r.output
    assert not strict_out.exists()
    # options log models do not use are refused (they were silently ignored)
    r = runner.invoke(app, ["score", str(model), str(test), "-o", str(strict_out), "--chunk-mb", "4"])
    assert r.exit_code == 2 and "--chunk-mb: not used by log models (deeplog)" in r.output
    r = runner.invoke(app, ["train", str(train), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                            "--model", "deeplog", "-o", str(tmp_path / "M2"), "--drop", "pid"])
    assert r.exit_code == 2 and "--drop: not used by log models (deeplog)" in r.output
    r = runner.invoke(app, ["train", str(train), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                            "--model", "deeplog", "-o", str(tmp_path / "M2"), "--hidden", "16,8"])
    assert r.exit_code == 2 and "--hidden: deeplog takes one width" in r.output


def test_cli_keys_format_and_mismatched_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    keys = tmp_path / "train_keys"
    keys.write_text("\n".join(" ".join(map(str, s)) for s in _normal(100)) + "\n\n")
    r = runner.invoke(app, ["train", str(keys), "--format", "keys", "--model",
                            "event-count-autoencoder", "-o", str(tmp_path / "K"), "--epochs", "5",
                            "-q"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["score", str(tmp_path / "K"), str(keys), "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 0 and "1 empty session skipped" in r.output
    r = runner.invoke(app, ["train", str(keys), "--format", "keys", "--model", "autoencoder",
                            "-o", str(tmp_path / "X")])
    assert r.exit_code == 2 and "a log needs a log model: --model deeplog" in r.output
    # with an option log models do not use, the model is still what the one line names (not
    # '--drop: not used by log models (autoencoder)')
    r = runner.invoke(app, ["train", str(keys), "--format", "keys", "--drop", "x", "-o", str(tmp_path / "X")])
    assert r.exit_code == 2 and ("--model autoencoder (the default model) takes tabular input; a log "
                                 "needs a log model: --model deeplog (or sequence-autoencoder, "
                                 "event-count-autoencoder, event-ensemble)") in r.output, r.output
    r = runner.invoke(app, ["train", str(keys), "--format", "hdfs", "--model", "deeplog",
                            "-o", str(tmp_path / "Y")])
    assert r.exit_code == 2 and "--session-regex" in r.output


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"session_regex": "("}, r"^session_regex: invalid regular expression"),
    ({"window": -5.0}, r"^window/step: need 0 < step <= window, got window=-5.0"),
    ({"session_column": "nope"}, r"^session_column: no field 'nope'"),
])
def test_session_errors_name_the_parameters_in_python(kwargs: dict, match: str) -> None:  # type: ignore[type-arg]
    """The Python API names its parameters; the CLI turns them into its options (--session-regex)."""
    with pytest.raises(InputError, match=match) as info:
        EventSessions(format="hdfs", **kwargs).fit_transform(hdfs_log(5))
    assert info.value.param is not None
