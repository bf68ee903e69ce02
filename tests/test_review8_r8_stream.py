"""Review 8 of ``hourglass stream``: defects found in the stream paths, each pinned by a test."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from tests.test_stream import _flows

runner = CliRunner()


@pytest.fixture(scope="module")
def timed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny table model trained with --timestamp-col (its ECS alerts carry the row's time)."""
    d = tmp_path_factory.mktemp("r8stream")
    train = _flows(300, 0)
    train["ts"] = pd.date_range("2024-01-01", periods=300, freq="7s").astype(str)
    train.to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "4,2",
                              "--epochs", "2", "--label-col", "label", "--normal", "benign",
                              "--timestamp-col", "ts", "-q"])
    assert res.exit_code == 0, res.output
    return d / "model"


def _timed_rows(path: Path) -> Path:
    rows = _flows(10, 1, 2)  # rows 0 and 5 are attacks
    rows["ts"] = pd.date_range("2024-02-01", periods=10, freq="7s").astype(str)
    rows.loc[0, "ts"] = "garbage"
    rows.to_json(path, orient="records", lines=True)
    return path


def _plain_ecs(text: str) -> list[dict]:  # type: ignore[type-arg]
    """ECS documents without what depends on the clock."""
    docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    for d in docs:
        d["event"].pop("created")
        if d["hourglass"]["timestamp_from"] == "scoring":
            d.pop("@timestamp")
    return docs


def test_ecs_alert_of_a_row_without_a_readable_time_is_skipped_as_score_does(timed_model: Path,
                                                                             tmp_path: Path) -> None:
    # stream --alert-format ecs --on-bad-rows skip stopped (exit code 2, no alert written) at a
    # flagged row whose time did not read; score with the same options writes its alert at the
    # scoring time (with a warning), and so does the stream now
    data = _timed_rows(tmp_path / "rows.jsonl")
    out = tmp_path / "score.jsonl"
    scored = runner.invoke(app, ["score", str(timed_model), str(data), "--alert-format", "ecs",
                                 "--on-bad-rows", "skip", "-o", str(out)])
    assert scored.exit_code == 0, scored.output
    res = runner.invoke(app, ["stream", str(timed_model), "-i", str(data), "--alert-format", "ecs",
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    docs = _plain_ecs(res.stdout)
    assert [d["hourglass"]["row"] for d in docs][:2] == [0, 5]
    assert docs[0]["hourglass"]["timestamp_from"] == "scoring"
    assert docs == _plain_ecs(out.read_text())
    assert f"{data}: column 'ts': line 1 is not a timestamp" in res.stderr and "scoring time" in res.stderr
    assert "1 alert(s) at the scoring time (no readable time)" in res.stderr
    # without skip it still stops there, naming the line
    res = runner.invoke(app, ["stream", str(timed_model), "-i", str(data), "--alert-format", "ecs"])
    assert res.exit_code == 2 and f"error: {data}: column 'ts': line 1 is not a timestamp" in res.stderr


def test_key_sequence_stream_counts_blank_and_bad_lines_without_a_line_per_batch(tmp_path: Path) -> None:
    # a --format keys model's stream logged 'input: 1 empty session(s) skipped' (and 'N line(s)
    # were not integer key sequences') once per micro-batch: one stderr line per blank line
    # of a stream read line by line; the summary counts them, as for the other log formats
    from hourglass.detectors.deeplog import DeepLog
    from hourglass.features.sessions import EventSessions
    from hourglass.pipeline import Pipeline

    Pipeline(detector=DeepLog(window=2, top_g=1, hidden=8, layers=1, epochs=1, verbose=0),
             features=EventSessions(format="keys")).fit(["1 2 3", "1 2 3 4"] * 10).save(tmp_path / "m")
    text = "1 2 3\n\n1 x 3\n1 2 3 4\n   \n2 1\n" * 2
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "--batch", "1"], input=text)
    assert res.exit_code == 0, res.output
    said = res.stderr.splitlines()
    assert [ln for ln in said if "skipped" in ln] == [  # the first bad line named once, not per batch
        "stream: a line that is no integer key sequence skipped (first: line 3); the summary "
        "counts them"], said
    assert next(ln for ln in said if ln.startswith("streamed")).startswith(
        "streamed 12 lines from <stdin>: 6 parsed, 2 not key sequences, 4 blank; 18 events in 6 sessions")
    assert len(said) <= 3  # that line, the summary (and drift)


def test_series_stream_summary_counts_the_rows_scored(tmp_path: Path) -> None:
    # with --on-bad-rows skip the summary's 'streamed N rows' counted a step the scorer refused (a
    # missing channel) but not a line that was no JSON: 22 lines, 2 skipped, 'streamed 21 rows';
    # now the rows scored, as the table and entity streams count them
    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.pipeline import Pipeline
    from tests.test_review2_rv_stream import _metrics

    Pipeline(TCNAutoEncoder(window=8, channels=(4,), epochs=1, verbose=0, random_state=0),
             features=TimeSeriesPreprocessor("ts")).fit(_metrics(120)).save(tmp_path / "m")
    rows = [json.dumps(r) for r in _metrics(20, seed=1).to_dict("records")]
    rows[10:10] = ["{not json", json.dumps({"ts": "2024-05-01T00:01:40", "cpu": 1.0})]
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "--on-bad-rows", "skip", "-q"],
                        input="\n".join(rows) + "\n")
    assert res.exit_code == 0, res.output
    assert "streamed 20 rows from <stdin>: 20 steps" in res.stderr  # rows scored, as other streams
    assert "skipped 2 malformed line(s) (lines 11, 12)" in res.stderr


def test_ecs_alert_without_a_readable_time_keeps_the_kept_time_field(timed_model: Path,
                                                                     tmp_path: Path) -> None:
    # with --keep ts the skipped time's alert lost the field the user asked for (score keeps it)
    data = _timed_rows(tmp_path / "rows.jsonl")
    out = tmp_path / "score.jsonl"
    args = ["--alert-format", "ecs", "--on-bad-rows", "skip", "--keep", "ts"]
    assert runner.invoke(app, ["score", str(timed_model), str(data), *args, "-o", str(out)]).exit_code == 0
    res = runner.invoke(app, ["stream", str(timed_model), "-i", str(data), *args])
    assert res.exit_code == 0, res.output
    docs = _plain_ecs(res.stdout)
    assert docs[0]["hourglass"]["fields"] == {"ts": "garbage"}
    assert docs == _plain_ecs(out.read_text())
