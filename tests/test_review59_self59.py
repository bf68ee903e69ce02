"""Review round 59 (self59): regressions of this round's own changes, reviewed as a pull request."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hourglass.cli import app

runner = CliRunner()


def _mustard_csv() -> bytes:
    """A CSV whose bytes 257..261 are 'ustar' (an item 'mustard' there), where a tar header's
    magic goes."""
    head = b"time,item,qty\n"
    pre = b"2024-01-01,"
    text = head + pre + b"a" * (256 - len(head) - len(pre)) + b"mustard,3\n" + b"2024-01-02,bread,4\n" * 50
    assert text[257:262] == b"ustar"
    return text


def test_text_with_ustar_where_a_tar_magic_goes_is_read_as_text(tmp_path: Path) -> None:
    # What was wrong: the tar check of 18cfe958 took any file whose bytes 257..261 read 'ustar'
    # for a tar archive, without its header's checksum: a CSV with an item 'mustard' (or a log
    # line with 'custard') there was refused as "a tar archive (its first file: time,item,qty
    # ...)", exit 2, though it is text. A tar header is now told by its magic and checksum.
    from hourglass.ingest.logs import read_lines, tar_member

    data = tmp_path / "orders.csv"
    data.write_bytes(_mustard_csv())
    assert tar_member(data.read_bytes()) is None
    res = runner.invoke(app, ["inspect", str(data)])
    assert res.exit_code == 0 and "tar archive" not in res.output, res.output
    log = tmp_path / "app.log"
    log.write_bytes(_mustard_csv())
    assert len(list(read_lines(log))) == 52


def test_a_closed_multiline_last_field_before_a_skipped_last_row_is_not_said_never_closed(
        tmp_path: Path) -> None:
    # What was wrong: the never-closed-quote check of 9978fb81 took a last row whose last field
    # holds a line break, in a file not ending with '"', for a quote never closed. With
    # --on-bad-rows skip, a valid row whose quoted two-line last field is closed, followed by a
    # malformed last row (skipped), was said as "line 7: a quote that opens its last field is
    # never closed, so the rest of the file was read as that field (its row kept)": the quote is
    # closed, nothing was read into the field, and line 7 is the skipped row. The check now
    # also needs the file to end with that field's text (the field ran to the end of the file).
    import logging

    from hourglass.errors import InputError
    from hourglass.ingest.tables import iter_table

    data = tmp_path / "q.csv"
    data.write_text('a,b\n1,"x\ny"\n5,6\n7,"multi\nline"\n8,9,10\n')
    logger = logging.getLogger("hourglass")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        df = next(iter_table(data, fmt="csv", on_bad_rows="skip"))
    finally:
        logger.removeHandler(handler)
    assert df["b"].tolist() == ["x\ny", "6", "multi\nline"]
    said = [r.getMessage() for r in records]
    assert not any("never closed" in m for m in said), said
    # a quote truly never closed in the last row is still said, at its line
    cut = tmp_path / "cut.csv"
    cut.write_text('a,b\n1,x\n2,"y\n3,z\n4,w\n')
    with pytest.raises(InputError, match=r"line 3: a quote that opens its last field is never closed"):
        list(iter_table(cut, fmt="csv"))
    cut.write_text('a,b\n1,x\n2,"y\n3,z\n4,w\n' + "\n" * 100)  # (white space after it: the same)
    with pytest.raises(InputError, match=r"line 3: a quote that opens its last field is never closed"):
        list(iter_table(cut, fmt="csv"))


def test_a_repeated_message_row_without_a_time_is_counted_as_one_row() -> None:
    # What was wrong: with rules 5 (6498965e) an event table's row whose message is rsyslog's
    # 'message repeated 3 times: [ ...]' is three events; a time column that did not read in
    # that row was counted once per event and said as '3 rows had no readable time in 'ts''
    # of a table of 2 rows with 1 such row. Rows are counted, as the message says.
    import pandas as pd

    from hourglass.features.sessions import EventSessions

    train = pd.DataFrame({"host": ["a", "b"] * 5, "ts": [f"2024-01-01 10:00:0{i}" for i in range(10)],
                          "msg": [f"Failed password for root from 10.0.0.{i} port 22" for i in range(10)]})
    pre = EventSessions(message_column="msg", session_column="host", time_column="ts").fit(train)
    found = pre.sessions(pd.DataFrame({"host": ["a", "a"], "ts": ["garbage", "2024-01-01 10:00:09"], "msg": [
        "message repeated 3 times: [ Failed password for root from 10.0.0.7 port 22]",
        "Failed password for root from 10.0.0.8 port 22"]}))
    assert [len(s) for s in found.sequences] == [4]  # (the three events kept, placed last)
    assert found.stats["events_without_time"] == 1
    assert found.stats["first_without_time"] == "row 1, 'garbage'"


def test_entity_model_says_decimal_commas_where_it_refuses_them() -> None:
    # What was wrong: 7cac580b and 976f5db0 made a table model's and a time series' refusal of
    # '0,512' say it is a number with a decimal comma, but an entity model (--entity-col) said
    # only "column 'bytes': row 1 is not a number ('528,12')" when scoring such an export, and
    # when the column was named to be summed (--aggregate bytes) it advised "a column of text
    # cannot be summed; count its values (--distinct) instead": wrong advice for numbers. Both
    # now say the decimal comma and how to export the data, as the other models do; so does
    # 'stream' of an entity model for such a JSON field.
    from types import SimpleNamespace

    import numpy as np
    import pandas as pd

    from hourglass.cli.stream_entity import EntityStream
    from hourglass.errors import InputError
    from hourglass.features.entity import EntityWindows
    from hourglass.features.roles import SEPARATED_NUMBERS

    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame({"user": rng.choice(["alice", "bob"], n), "ts": np.sort(rng.integers(0, 86400, n)),
                       "bytes": rng.gamma(2, 500, n).round(2)})
    comma = df.assign(bytes=[f"{v:.2f}".replace(".", ",") for v in df["bytes"]])
    ew = EntityWindows("user", "ts", bucket="1h").fit(df)
    with pytest.raises(InputError, match=r"row 1 is not a number \('[\d]+,\d\d'\); a number written with a "
                                         r"decimal comma") as exc:
        ew.transform(comma)
    assert SEPARATED_NUMBERS in str(exc.value)
    with pytest.raises(InputError, match="decimal comma") as exc:
        EntityWindows("user", "ts", bucket="1h", numeric=["bytes"]).fit(comma)
    assert "count its values" not in str(exc.value)
    live = SimpleNamespace(_nested=lambda row: None, timestamp_col="ts", numeric=["bytes"])
    said = EntityStream._problem(live, {"ts": 5, "user": "bob", "bytes": "528,12"})  # type: ignore[arg-type]
    assert said is not None and said.startswith("field 'bytes' is not a number ('528,12'); a number written")


def test_stream_leaves_out_the_skip_advice_for_decimal_commas_as_score_does() -> None:
    # What was wrong: 7cac580b made 'score' of a table model leave out '(use --on-bad-rows skip
    # to skip such rows)' where it refuses a number written with a decimal comma ('1251,63':
    # a regional export's every number, which skipping would leave out), but 'stream' of the
    # same model still ended that refusal with the skip advice. It now leaves it out too; a
    # word in a numeric column keeps it.
    from hourglass.cli.stream import _skip_advice
    from hourglass.errors import InputError
    from hourglass.features.roles import SEPARATED_NUMBERS, separated_hint

    hint = separated_hint("1251,63")
    comma = InputError(f"column 'bytes': expected numbers, found '1251,63' (row 1){hint}")
    assert SEPARATED_NUMBERS in str(comma)
    assert _skip_advice(comma, 0, 2) == ""
    word = InputError("column 'bytes': expected numbers, found 'oops' (row 1)")
    assert _skip_advice(word, 0, 2) == " (use --on-bad-rows skip to skip such rows)"


def test_streaming_a_time_series_says_decimal_commas_as_score_does() -> None:
    # What was wrong: 976f5db0 made 'score' of a time-series model say that '0,512' is a number
    # written with a decimal comma, but 'stream' of the same model (and the service's series
    # stream) refused such a row as only "channel 'cpu': expected a number, got '0,5'". It now
    # adds the same hint; a word keeps the plain refusal.
    from types import SimpleNamespace

    from hourglass.errors import InputError
    from hourglass.features.roles import SEPARATED_NUMBERS
    from hourglass.serve.series_stream import SeriesStreamScorer

    live = SimpleNamespace(channels=["cpu"])
    said = r"^channel 'cpu': expected a number, got '0,5'; a number written"
    with pytest.raises(InputError, match=said) as exc:
        SeriesStreamScorer._values(live, {"cpu": "0,5"})  # type: ignore[arg-type]
    assert SEPARATED_NUMBERS in str(exc.value)
    with pytest.raises(InputError, match=r"^channel 'cpu': expected a number, got 'oops'$"):
        SeriesStreamScorer._values(live, {"cpu": "oops"})  # type: ignore[arg-type]


def test_stream_by_pid_warns_of_a_pid_on_two_hosts_as_score_does(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: c24a5f20 made train/score/evaluate warn that sessions by pid on a log of
    # several hosts (a central syslog) join the same pid of two hosts, two processes, into one
    # session; 'stream' (and the service's log stream), which reads such a log live, joined
    # them without a word. It now warns once, naming the pid and its two hosts; a pid whose
    # session closed before another host's same pid opened one is no warning. (13dcc6bc made
    # the same fix beside this one; this test checks it.)
    import logging

    from hourglass.detectors.deeplog import DeepLog
    from hourglass.features.sessions import EventSessions
    from hourglass.pipeline import Pipeline
    from hourglass.serve.log_stream import LogStreamScorer

    train = [f"Jun 14 15:16:{i % 60:02d} web1 sshd[{100 + i // 3}]: {m}" for i, m in
             enumerate(["session opened for user root", "Accepted password", "session closed"] * 20)]
    pipe = Pipeline(detector=DeepLog(window=2, top_g=1, hidden=8, layers=1, epochs=2, verbose=0),
                    features=EventSessions(format="syslog", session_column="pid")).fit(train)
    one = [(i + 1, f"Jun 15 15:00:{i:02d} web1 sshd[{700 + i // 2}]: session opened for user root")
           for i in range(6)]
    two = [(i + 1, f"Jun 15 15:00:{i:02d} web{1 + i % 2} sshd[812]: session opened for user root")
           for i in range(4)]
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        LogStreamScorer(pipe).feed(one)
        assert not [r for r in caplog.records if "pid" in r.getMessage()]
        scorer = LogStreamScorer(pipe)
        scorer.feed(two[:1])
        scorer.feed(two[1:])
        scorer.feed(two)
    said = [r.getMessage() for r in caplog.records if "two hosts" in r.getMessage()]
    assert len(said) == 1 and "pid '812' on web1 and web2" in said[0], said
    assert said[0].endswith("a pid is one host's, and the same pid on two hosts is read as one session; "
                            "split the log by host"), said
    # a session closed (evicted) before the other host's pid opens one: two sessions, no warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        scorer = LogStreamScorer(pipe, max_sessions=1)
        scorer.feed([two[0], (2, "Jun 15 15:00:01 web1 sshd[9]: session opened for user root")])
        scorer.feed([(3, "Jun 15 15:00:02 web2 sshd[812]: session opened for user root")])
    assert not [r for r in caplog.records if "two hosts" in r.getMessage()]


def test_a_tar_archive_in_a_folder_is_refused_naming_it(tmp_path: Path) -> None:
    # What was wrong: 18cfe958 refused a tar archive given as DATA, but a folder (or a pattern)
    # holding one (an appliance's export dropped beside the logs) was copied as text: its
    # 512-byte header became part of a line and its padding blank lines, and the command went
    # on with exit 0 ('inspect' read the archive's header line as a table row). The folder's
    # copy now refuses such a file in one line naming it, as it does a Parquet file there.
    import io
    import tarfile

    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "a.csv").write_text("src,bytes\n10.0.0.1,5\n10.0.0.2,7\n")
    buf, data = io.BytesIO(), b"src,bytes\n10.0.0.3,9\n"
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("b.csv")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (folder / "b.csv").write_bytes(buf.getvalue())
    res = runner.invoke(app, ["inspect", str(folder)])
    said = " ".join(res.output.replace("│", " ").split())  # (click's usage error: boxed)
    assert res.exit_code == 2, res.output
    assert "b.csv is a tar archive (its first file: b.csv)" in said, said
