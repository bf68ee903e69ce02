"""Review round 59 (left59b): items this round's first reviewers noticed and left alone."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import runner


def _pid_lines(n: int, hosts: int) -> list[str]:
    """A syslog of ``sshd`` sessions by pid, four lines each, over ``hosts`` hosts in turn."""
    words = ["Accepted password for root", "session opened for user root", "Received disconnect",
             "session closed for user root"]
    return [f"Jun 14 15:16:{i % 60:02d} web{1 + i % hosts} sshd[{100 + i // 4}]: {words[i % 4]}"
            for i in range(n)]


def test_stream_warns_of_pid_sessions_that_join_two_hosts(tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: with --session-col pid on a log of several hosts, train, score and
    # evaluate warned that the same pid on two hosts (two processes) is read as one session,
    # but 'stream' (LogStreamScorer, the service's log stream too) joined them without a word.
    # It now warns once, naming the first pid and its two hosts.
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.features.sessions import EventSessions
    from hourglass.pipeline import Pipeline
    from hourglass.serve.log_stream import LogStreamScorer

    pipe = Pipeline(detector=DeepLog(window=2, top_g=2, epochs=1, verbose=0),
                    features=EventSessions(format="syslog", session_column="pid")).fit(_pid_lines(80, 1))
    two = _pid_lines(16, 2)
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        scorer = LogStreamScorer(pipe)
        scorer.feed(list(enumerate(two[:8], 1)))
        scorer.feed(list(enumerate(two[8:], 9)))
        scorer.finish()
    said = [r.getMessage() for r in caplog.records if "more than one host" in r.getMessage()]
    assert len(said) == 1 and "pid '100' on web1 and web2" in said[0], said

    caplog.clear()  # one host: no word; a pid whose session closed may come back on another host
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        scorer = LogStreamScorer(pipe)
        scorer.feed(list(enumerate(_pid_lines(8, 1), 1)))
        scorer.finish()
        scorer.feed([(9, "Jun 14 15:17:00 web2 sshd[100]: Accepted password for root")])
        scorer.finish()
    assert not [r for r in caplog.records if "more than one host" in r.getMessage()]

    # the CLI's stream says it on stderr, as score does
    pipe.save(tmp_path / "m")
    res = runner.invoke(app, ["stream", str(tmp_path / "m")], input="\n".join(two) + "\n")
    assert res.exit_code == 0, res.output
    assert "more than one host" in res.stderr and "'100' on web1 and web2" in res.stderr, res.stderr


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 0, -3, 2.5, "8"])
def test_train_config_refuses_an_eval_batch_size_it_cannot_use(bad: object) -> None:
    # What was wrong: TrainConfig(eval_batch_size=nan) stopped training with int()'s bare
    # "cannot convert float NaN to integer" (inf: an OverflowError), and 0, -3, 2.5 or "8" were
    # silently read as 1, 1, 2 and 8 rows per pass. The loop now refuses it, naming the setting,
    # as it refuses a bad batch_size.
    import torch

    from hourglass.nn import TrainConfig
    from hourglass.nn.training import train_module

    class Mean(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.mu = torch.nn.Parameter(torch.zeros(2))

        def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
            return ((batch[0] - self.mu) ** 2).mean()

    x = torch.ones(8, 2)
    with pytest.raises(ValueError, match=r"TrainConfig.eval_batch_size must be None or an integer >= 1"):
        train_module(Mean(), (x,), (x,), TrainConfig(epochs=1, verbose=0, eval_batch_size=bad),  # type: ignore[arg-type]
                     generator=torch.Generator().manual_seed(0))
    history = train_module(Mean(), (x,), (x,), TrainConfig(epochs=1, verbose=0, eval_batch_size=3),
                           generator=torch.Generator().manual_seed(0))
    assert len(history.val_loss) == 1


def test_suricata_stats_events_a_model_never_learnt_are_named(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a model trained on an EVE file of flows, scoring a whole eve.json, flagged
    # every one of the sensor's 'stats' events (its counters: no 5-tuple, an event type never
    # seen) as an anomaly, without a word; score, evaluate, stream and the service alike (they
    # all score through Pipeline.transform). A warning now says what they are and how to leave
    # them out, once per model; a model that learnt them (trained on a file that holds them)
    # says nothing.
    import numpy as np
    import pandas as pd

    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    flows = pd.DataFrame({"event_type": ["flow", "dns"] * 40, "dest_port": [443, 53] * 40,
                          "flow.bytes_toserver": rng.lognormal(7, 0.3, 80)})
    stats = pd.DataFrame({"event_type": ["stats"], "dest_port": [np.nan], "flow.bytes_toserver": [np.nan]})
    test = pd.concat([flows.head(5), stats, flows.head(3), stats], ignore_index=True)

    def fitted(df: pd.DataFrame) -> Pipeline:
        pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df)
        pipe.info["dataset"] = "suricata-eve"
        return pipe

    def said(pipe: Pipeline, df: pd.DataFrame) -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="hourglass"):
            pipe.score(df)
        return [r.getMessage() for r in caplog.records if "'stats' events" in r.getMessage()]

    pipe = fitted(flows)
    first = said(pipe, test)
    assert len(first) == 1 and "2 of the 10 rows" in first[0] and "never learnt" in first[0], first
    assert "'dns', 'flow'" in first[0] and "select(.event_type != \"stats\")" in first[0]
    assert said(pipe, test) == []  # once per model
    assert said(fitted(flows), flows) == []  # no stats event: no word
    assert said(fitted(pd.concat([flows, stats, stats, stats], ignore_index=True)), test) == []
    other = fitted(flows)
    other.info["dataset"] = "ndjson"  # another format's 'stats' value is a value like any other
    assert said(other, test) == []


def test_preprocessors_and_log_parsers_clone_with_scikit_learn() -> None:
    # What was wrong: sklearn.base.clone of a TabularPreprocessor was "TypeError: get_params()
    # got an unexpected keyword argument 'deep'"; TimeSeriesPreprocessor, EntityWindows, EventSessions
    # and LogParser likewise (thresholds cloned fine). They now take deep and clone as the
    # class built from their parameters, unfitted, as a saved model is loaded.
    import numpy as np
    import pandas as pd
    from sklearn.base import clone

    from hourglass.features.entity import EntityWindows
    from hourglass.features.sessions import EventSessions
    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.ingest.logs import LogParser

    for est in (TabularPreprocessor(categorical=("proto",), max_categories=np.int64(5)),
                TimeSeriesPreprocessor(timestamp_col="ts", freq="1min"),
                EntityWindows("src", "ts", bucket="5min"),
                EventSessions(format="raw", session_regex=r"blk_\d+"), LogParser("hdfs", sim_th=0.5)):
        twin = clone(est)
        assert type(twin) is type(est) and twin is not est
        assert twin.get_params(deep=True) == est.get_params(deep=False) == est.get_params()

    fitted = TabularPreprocessor().fit(pd.DataFrame({"a": [1.0, 2.0, 3.0]}))
    assert not hasattr(clone(fitted), "columns_")  # a clone is unfitted


def test_train_help_says_how_to_ask_for_the_auto_batch_size() -> None:
    # What was wrong: 'train --batch-size auto' is refused ("'auto' is not a whole number")
    # while '--param batch_size=auto' works, and --help said only "Mini-batch size (default:
    # the model's)": neither that the option takes a whole number only, nor how to ask for the
    # autoencoder's default 'auto' (the table-size batch) back. It now says both.
    res = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "400", "NO_COLOR": "1"})
    assert res.exit_code == 0
    text = " ".join(res.stdout.split())
    assert "Mini-batch size, a whole number" in text and "--param batch_size=auto" in text, text


def test_sysklogd_last_message_repeated_lines_are_the_message_they_repeat() -> None:
    # What was wrong: sysklogd (busybox, the BSDs) writes a message sent again as
    # 'Jun 14 15:16:05 web1 last message repeated 3 times', the host's header and no program
    # tag; the 'syslog' header wants a tag, so the line was counted as matching no header (an
    # error under --strict, the stream stopped there by default), and the three events were
    # lost, though rsyslog's tagged form is read as the message it repeats. It is now that host's
    # message before it, under its tag, that many times, in a read and across a stream's batches.
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.features.sessions import EventSessions
    from hourglass.ingest.logs import LogParser
    from hourglass.pipeline import Pipeline
    from hourglass.serve.log_stream import LogStreamScorer

    train = ["Jun 14 15:16:01 web1 sshd[812]: Failed password for root from 10.0.0.9 port 22 ssh2",
             "Jun 14 15:16:02 web2 cron[9]: job started"] * 3
    log = [train[0], train[1], "Jun 14 15:16:05 web1 last message repeated 3 times",
           "Jun 14 15:16:06 web2 last message repeated 2 times"]
    parser = LogParser("syslog", strict=True).fit(train)
    df = parser.parse(log)
    assert df["line"].tolist() == [1, 2, 3, 3, 3, 4, 4]
    assert df["key"].tolist()[2:] == [df["key"][0]] * 3 + [df["key"][1]] * 2
    assert df["content"][2] == "Failed password for root from 10.0.0.9 port 22 ssh2"
    assert (df["component"][2], df["pid"][2], df["host"][5]) == ("sshd", "812", "web2")
    assert parser.stats_.unmatched == 0 and parser.stats_.parsed == 4
    with pytest.raises(ValueError, match=r"line 1: does not match the 'syslog' header format \(sysklogd"):
        parser.parse(["Jun 14 15:16:05 web3 last message repeated 3 times"])  # nothing of web3 before
    assert len(LogParser("syslog", rules=4).fit(train).parse(log)) == 2  # a saved rules-4 parser as before

    pipe = Pipeline(detector=DeepLog(window=2, top_g=2, epochs=1, verbose=0),
                    features=EventSessions(format="syslog", session_column="pid")).fit(train * 5)
    scorer = LogStreamScorer(pipe)
    first = [(1, log[0]), (2, log[1])]
    assert LogStreamScorer(pipe).first_bad_line([(1, log[0]), (2, log[2])]) is None  # in one batch
    assert scorer.first_bad_line(first) is None and scorer.first_bad_line([(3, log[2])]) == (0, (
        scorer.features.parser_.unmatched_text(3, log[2])))  # no web1 message seen yet
    scorer.feed(first)
    batch = [(3, log[2]), (4, log[3])]  # the messages they repeat came in the batch before
    assert scorer.first_bad_line(batch) is None
    scorer.feed(batch)
    assert scorer.counts()["unmatched"] == 0 and scorer.counts()["events"] == 7
