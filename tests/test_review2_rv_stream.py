"""Review of ``hourglass stream``: defects found in the stream paths, each pinned by a test."""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import Pipeline
from hourglass.cli.app import app
from hourglass.detectors import TCNAutoEncoder
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.serve.series_stream import SeriesStreamScorer
from tests.test_stream_series import _metrics as metrics

runner = CliRunner()


def _metrics(n: int, seed: int = 0, spike_at: int | None = None) -> pd.DataFrame:
    """The series stream tests' metrics (tests.test_stream_series), two channels: cpu and disk."""
    return metrics(n, seed, spike_at).drop(columns="mem")


@pytest.fixture(scope="module")
def series_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pipeline, Path]:
    pipe = Pipeline(TCNAutoEncoder(window=8, channels=(8,), epochs=3, verbose=0, random_state=0),
                    features=TimeSeriesPreprocessor("ts")).fit(_metrics(300))
    out = tmp_path_factory.mktemp("series") / "model"
    pipe.save(out)
    return pipe, out


def test_series_stream_that_starts_after_a_missed_sample_is_scored(series_model) -> None:
    # the second sample is missing: the first two steps are 20 s apart, every later one 10 s;
    # the step length was fixed at 20 s and every later step restarted the window (nothing scored)
    rows = _metrics(40, seed=1).to_dict("records")
    feed = [rows[0], *rows[2:]]
    old = copy.deepcopy(series_model[0])
    old.features_.step_ = None  # a model saved before its training step was kept
    stream = SeriesStreamScorer.from_pipeline(old)
    alerts, bad = stream.feed(list(enumerate(feed, start=1)), all_steps=True)
    counts = stream.counts()
    assert bad == [] and counts["restarts"] == 1
    # the window restarts at the first 10 s step (line 3) and is full 8 steps later
    assert [a["line"] for a in alerts] == list(range(10, 40))
    assert counts["scored"] == 30
    # knowing the model's step (10 s), the 20 s is a gap at once: the window restarts at line 2
    stream = SeriesStreamScorer.from_pipeline(series_model[0])
    alerts, bad = stream.feed(list(enumerate(feed, start=1)), all_steps=True)
    assert bad == [] and stream.counts()["restarts"] == 1 and stream.counts()["scored"] == 31
    assert [a["line"] for a in alerts] == list(range(9, 40))
    # one gap later in a regular stream still restarts once, the step length kept
    s2 = SeriesStreamScorer.from_pipeline(series_model[0])
    alerts, _ = s2.feed(list(enumerate([*rows[:12], *rows[13:30]], start=1)), all_steps=True)
    assert s2.counts()["restarts"] == 1 and [a["line"] for a in alerts][:6] == [8, 9, 10, 11, 12, 20]
    # once two steps agreed, the step length stays: steps twice as far apart each restart
    s3 = SeriesStreamScorer.from_pipeline(old)
    s3.feed(list(enumerate([*rows[:4], *rows[4:30:2]], start=1)))
    assert s3.counts()["restarts"] == 12 and s3.counts()["scored"] == 0
    # the model's own step (10 s): steps twice as far apart are gaps (each restarts) until a
    # window's worth of them in a row (8) says the stream is at another step: a bad line
    s3 = SeriesStreamScorer.from_pipeline(series_model[0])
    _, bad = s3.feed(list(enumerate([*rows[:4], *rows[4:30:2]], start=1)))
    assert s3.counts()["scored"] == 0 and [line for line, _ in bad] == [13]
    assert bad[0][1] == ("timestamp 'ts': the stream steps 20s, and the model was trained on steps of "
                         "10s: a window would span another stretch of time; send 10s steps, or "
                         "train a model on a series of 20s steps")
    # a length that is no whole number of the model's steps: the second such step is a bad line
    start = pd.Timestamp(rows[0]["ts"])
    s4 = SeriesStreamScorer.from_pipeline(series_model[0])
    _, bad = s4.feed(list(enumerate([{**r, "ts": str(start + pd.Timedelta(seconds=15 * i))}
                                     for i, r in enumerate(rows[:6])], start=1)))
    assert [line for line, _ in bad][:1] == [3] and "the stream steps 15s" in bad[0][1]
    # two missed samples in a row are two gaps, not another step: each restarts the window
    s5 = SeriesStreamScorer.from_pipeline(series_model[0])
    alerts, bad = s5.feed(list(enumerate([rows[0], rows[1], rows[3], rows[5], *rows[6:20]], start=1)),
                          all_steps=True)
    assert bad == [] and s5.counts()["restarts"] == 2 and s5.counts()["scored"] == 8


def test_series_keep_field_missing_keeps_the_alerts_before_it(series_model) -> None:
    rows = [{**r, "host": "h1"} for r in _metrics(60, seed=4, spike_at=40).to_dict("records")]
    whole = runner.invoke(app, ["stream", str(series_model[1]), "--keep", "host", "-q"],
                          input="".join(json.dumps(r) + "\n" for r in rows))
    want = [a for a in map(json.loads, whole.stdout.splitlines()) if a["line"] < 46]
    assert {41, 42, 43, 44, 45} <= {a["line"] for a in want}  # the spike's steps
    del rows[45]["host"]
    res = runner.invoke(app, ["stream", str(series_model[1]), "--keep", "host", "-q"],
                        input="".join(json.dumps(r) + "\n" for r in rows))
    assert res.exit_code == 2
    assert "--keep: no field 'host' on <stdin> line 46" in res.stderr
    # every alert of the batch was lost with it
    assert [json.loads(x) for x in res.stdout.splitlines()] == want
    assert "streamed 45 rows" in res.stderr


def test_stream_without_standard_input_is_one_line(series_model, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # started with stdin closed (<&-: sys.stdin is None): an AttributeError traceback, exit code 1
    import typer

    from hourglass.cli.stream import _open

    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(typer.Exit) as exc:
        _open(series_model[1], None, None, None, None, False, None)
    assert exc.value.exit_code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: no standard input: this process was started with it closed; pipe the lines in, "
        "or give --input FILE"]


def test_series_offset_change_beside_a_row_without_time_names_the_right_line(series_model) -> None:
    rows = _metrics(4).to_dict("records")
    stream = SeriesStreamScorer.from_pipeline(series_model[0])
    assert stream.feed([(1, rows[0]), (2, rows[1])])[1] == []
    no_time = {k: v for k, v in rows[2].items() if k != "ts"}
    aware = {**rows[3], "ts": rows[3]["ts"] + "+00:00"}
    # the one error was returned for the batch's first row: a ValueError from zip(strict=True)
    # ('error: zip() argument 2 is shorter than argument 1'), or with the stop at the first bad
    # row, the offset error named on the line without a time
    _, bad = stream.feed([(3, no_time), (4, aware)])
    assert [line for line, _ in bad] == [3, 4]
    assert bad[0][1] == "missing timestamp 'ts'" and "has a UTC offset but earlier steps none" in bad[1][1]
    s2 = SeriesStreamScorer.from_pipeline(series_model[0])
    s2.feed([(1, rows[0]), (2, rows[1])])
    assert s2.feed([(3, no_time), (4, aware)], stop_at_bad=True)[1] == [(3, "missing timestamp 'ts'")]


def test_groups_beyond_max_groups_are_written_early_without_a_pass_over_every_group() -> None:
    # a port scan grouped by dst_port: each flagged row beyond --max-groups scanned every open
    # group for the oldest (8 rows/s at the default 100,000 groups)
    from hourglass.serve.grouping import AlertGroups

    groups = AlertGroups(["dst_port"], ("time", 600 * 10**9), ordered=False, max_groups=30_000)

    def alert(row: int) -> dict:
        return {"row": row, "score": 1.0, "severity": "high", "calibrated": 0.9}

    start = time.process_time()  # CPU time: a loaded machine does not count
    for row in range(30_000):
        assert groups.add(alert(row), key=(row,), time_ns=row) == []
    early = [g for row in range(30_000, 35_000) for g in groups.add(alert(row), key=(row,), time_ns=row)]
    assert time.process_time() - start < 5
    assert [g["first_row"] for g in early] == list(range(5_000))  # the oldest first
    # a group whose first row moves back (rows out of order) is written by its new first row
    g2 = AlertGroups(["k"], ("rows", 1000), max_groups=2)
    g2.add(alert(10), key=("a",))
    g2.add(alert(20), key=("b",))
    g2.add(alert(5), key=("b",))
    assert [g["k"] for g in g2.add(alert(30), key=("c",))] == ["b"]


def test_json_nested_too_deep_is_a_bad_line_not_a_traceback(series_model) -> None:
    # json.loads raises RecursionError (not ValueError): one such line ended any stream in a
    # traceback, even with --on-bad-rows skip
    rows = [json.dumps(r) for r in _metrics(3).to_dict("records")]
    deep = '{"a":' * 100_000 + "1" + "}" * 100_000
    text = "\n".join([rows[0], deep, *rows[1:]]) + "\n"
    res = runner.invoke(app, ["stream", str(series_model[1]), "-q"], input=text)
    assert res.exit_code == 2
    assert res.stderr.splitlines()[0] == ("error: <stdin>: line 2: JSON nested deeper than 400 levels "
                                          "(use --on-bad-rows skip to skip such rows)")
    res = runner.invoke(app, ["stream", str(series_model[1]), "--on-bad-rows", "skip"], input=text)
    assert res.exit_code == 0, res.output
    assert "3 steps" in res.stderr and "skipped 1 malformed line(s) (lines 2)" in res.stderr


def test_a_folder_of_files_with_byte_order_marks_reads_as_one(tmp_path: Path) -> None:
    # each file's mark was copied: past the first file it sat mid-copy, where 'score' read
    # 'Unexpected UTF-8 BOM' on the second file's first JSON line, and a CSV header with one
    # was no longer the first file's header (kept as a data row)
    from hourglass.cli._spool import folder_as_file, remove_spooled

    bom = b"\xef\xbb\xbf"
    (tmp_path / "j").mkdir()
    (tmp_path / "j" / "a.jsonl").write_bytes(bom + b'{"x": 1}\n')
    (tmp_path / "j" / "b.jsonl").write_bytes(bom + b'{"x": 2}\n')
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.csv").write_bytes(b"x,y\n1,2\n")
    (tmp_path / "c" / "b.csv").write_bytes(bom + b"x,y\n3,4\n")
    try:
        assert folder_as_file(tmp_path / "j").read_bytes() == b'{"x": 1}\n{"x": 2}\n'
        assert folder_as_file(tmp_path / "c").read_bytes() == b"x,y\n1,2\n3,4\n"
        from hourglass.ingest.readers import read_table

        assert read_table(folder_as_file(tmp_path / "j"), fmt="jsonl")["x"].tolist() == [1, 2]
    finally:
        remove_spooled()


def _flows(n: int, seed: int, attacks: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"bytes": rng.lognormal(6, 1, n).round(), "rate": rng.uniform(0, 1, n)})
    df.loc[np.arange(0, n, 5)[:attacks], ["bytes", "rate"]] = [1e7, 40.0]  # every 5th row
    return df


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("table")
    _flows(300, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "4,2",
                              "--epochs", "2", "-q"])
    assert res.exit_code == 0, res.output
    return d / "model"


def test_grouped_stream_skips_a_row_without_the_group_field(table_model: Path) -> None:
    # README: with --on-bad-rows skip a row without a --group-by field is counted; it stopped
    # the stream (exit code 2) as without the option
    rows = [{**r, "src": "10.0.0.1"} for r in _flows(20, 1, attacks=4).to_dict("records")]
    del rows[7]["src"]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    args = ["stream", str(table_model), "--group-by", "src", "--group-window", "100"]
    res = runner.invoke(app, [*args, "--on-bad-rows", "skip"], input=text)
    assert res.exit_code == 0, res.output
    assert "streamed 19 rows" in res.stderr and "skipped 1 malformed line(s) (lines 8)" in res.stderr
    # the groups of the same rows without that line, their rows numbered as data rows (review
    # 24: the skipped line keeps its number, 7, so a row after it is one higher)
    without = runner.invoke(app, args, input="".join(json.dumps(r) + "\n" for r in rows if "src" in r))
    want = [{k: v + (v >= 7) if k in ("first_row", "last_row", "top_row") else v for k, v in g.items()}
            for g in map(json.loads, without.stdout.splitlines())]
    assert [json.loads(line) for line in res.stdout.splitlines()] == want
    assert json.loads(res.stdout)["count"] >= 4
    res = runner.invoke(app, args, input=text)  # without the option the stream stops there
    assert res.exit_code == 2 and "--group-by: no field 'src' on <stdin> line 8" in res.stderr
    assert json.loads(res.stdout)["last_row"] < 7
