"""Review 27 (inv5): time-series routes that should agree: a series model's stream and score."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app

runner = CliRunner()


def _metrics(n: int, seed: int, level: float = 0.0) -> pd.DataFrame:
    rng, t = np.random.default_rng(seed), np.arange(n)
    return pd.DataFrame({"cpu": 50 + 20 * np.sin(t / 6) + rng.normal(0, 1, n) + level,
                         "disk": 5 + rng.normal(0, 0.2, n)})


def test_series_stream_drift_warning_names_the_row_its_alerts_carry(tmp_path: Path) -> None:
    # A time-series stream's drift warning named the window's last step by the check's own count
    # of scored steps ("over the last 50 steps (step 92)"), while its alerts number a step by its
    # data row: the first window - 1 steps give no score, so "step 92" was row 107 (a level shift
    # at row 100 read as a drift before it). It names the row, as the alerts' 'row' does.
    from hourglass import Pipeline
    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    window = 8
    Pipeline(TCNAutoEncoder(window=window, channels=(8,), epochs=2, verbose=0, random_state=0),
             features=TimeSeriesPreprocessor(freq="rows")).fit(_metrics(300, 0)).save(tmp_path / "m")
    live = pd.concat([_metrics(100, 1), _metrics(100, 2, level=30.0)])
    live.to_json(tmp_path / "live.jsonl", orient="records", lines=True)
    res = runner.invoke(app, ["--threads", "1", "stream", str(tmp_path / "m"), "--input",
                              str(tmp_path / "live.jsonl"), "--all", "--drift-window", "40"])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(line) for line in res.stdout.splitlines()]
    assert alerts[0]["row"] == window - 1  # the first window - 1 steps give no score
    warning = next(ln for ln in res.stderr.splitlines() if ln.startswith("warning: drift check"))
    found = re.search(r"alert rate ([\d.]+)% over the last 40 steps \(row (\d+)\)", warning)
    assert found is not None, warning
    rate, row = float(found.group(1)), int(found.group(2))
    at = [a["row"] for a in alerts].index(row)  # the step whose alert carries that row
    assert at >= 39 and row >= 100  # a full window, and at or after the shift, not before it
    assert rate == round(100 * np.mean([a["flag"] for a in alerts[at - 39:at + 1]]), 1)
    assert f"(at row {row};" in res.stderr  # the summary names it the same way


def test_series_stream_row_is_the_data_row_past_skipped_lines(tmp_path: Path) -> None:
    # A time-series stream's alert 'row' was the count of steps taken, so a line skipped with
    # --on-bad-rows skip (malformed JSON, a channel of text) took its number: the rows after it
    # were one lower than their data row (line 52 said row 50), unlike a table stream's, where a
    # skipped line keeps its number (README). It is the data row now; scores are unchanged.
    from hourglass import Pipeline
    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    Pipeline(TCNAutoEncoder(window=4, channels=(4,), epochs=1, verbose=0, random_state=0),
             features=TimeSeriesPreprocessor(freq="rows")).fit(_metrics(120, 0)).save(tmp_path / "m")
    lines = _metrics(30, 1).to_json(orient="records", lines=True).splitlines()
    clean = tmp_path / "clean.jsonl"
    clean.write_text("\n".join(lines) + "\n")
    dirty = tmp_path / "dirty.jsonl"
    dirty.write_text("\n".join([*lines[:10], "{broken", *lines[10:20], '{"cpu": "oops", "disk": 5}',
                                *lines[20:]]) + "\n")

    def stream(path: Path) -> list[dict[str, object]]:
        res = runner.invoke(app, ["--threads", "1", "stream", str(tmp_path / "m"), "--input", str(path),
                                  "--all", "--on-bad-rows", "skip", "--batch", "7"])
        assert res.exit_code == 0, res.output
        return [json.loads(line) for line in res.stdout.splitlines()]

    want, got = stream(clean), stream(dirty)
    assert [a["score"] for a in got] == pytest.approx([a["score"] for a in want], rel=1e-5)
    assert all(a["row"] == a["line"] - 1 for a in got)  # JSON lines: data row = line - 1
    assert [a["row"] for a in got][-10:] == list(range(22, 32))


def test_series_across_a_dst_change_scores_as_its_utc_times(tmp_path: Path) -> None:
    # (pins a promise, no defect found) a series whose times carry the offsets of a daylight-saving
    # change (+01:00, then +02:00), in reverse row order, scores as the same steps in naive UTC:
    # score sorts by the instant, stream takes the steps in order; times out in UTC ('+00:00')
    from hourglass import Pipeline
    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    utc = pd.date_range("2024-03-31T00:30:00Z", periods=60, freq="1min")  # Berlin: 02:00 -> 03:00
    train = _metrics(120, 0).assign(ts=pd.date_range("2024-03-01", periods=120, freq="1min"))
    Pipeline(TCNAutoEncoder(window=4, channels=(4,), epochs=1, verbose=0, random_state=0),
             features=TimeSeriesPreprocessor(timestamp_col="ts")).fit(train).save(tmp_path / "m")
    live = _metrics(60, 1)
    naive = live.assign(ts=utc.strftime("%Y-%m-%dT%H:%M:%S"))
    local = live.assign(ts=[t.isoformat() for t in utc.tz_convert("Europe/Berlin")])
    assert local.ts.str[-6:].unique().tolist() == ["+01:00", "+02:00"]
    naive.to_csv(tmp_path / "naive.csv", index=False)
    local.iloc[::-1].to_csv(tmp_path / "local.csv", index=False)
    out = {}
    for name in ("naive", "local"):
        res = runner.invoke(app, ["--threads", "1", "score", str(tmp_path / "m"),
                                  str(tmp_path / f"{name}.csv"), "-o", str(tmp_path / f"{name}.out.csv")])
        assert res.exit_code == 0, res.output
        out[name] = pd.read_csv(tmp_path / f"{name}.out.csv")
    assert out["local"]["score"].tolist() == out["naive"]["score"].tolist()
    assert (out["local"]["ts"] == out["naive"]["ts"] + "+00:00").all()
    streamed = {}
    for name, frame in (("naive", naive), ("local", local)):
        res = runner.invoke(app, ["--threads", "1", "stream", str(tmp_path / "m"), "--all"],
                            input=frame.to_json(orient="records", lines=True))
        assert res.exit_code == 0, res.output
        streamed[name] = [json.loads(line) for line in res.stdout.splitlines()]
    assert [a["score"] for a in streamed["local"]] == [a["score"] for a in streamed["naive"]]
    assert [a["timestamp"] for a in streamed["local"]] == [
        a["timestamp"] + "+00:00" for a in streamed["naive"]]
    assert [a["row"] for a in streamed["local"]] == list(range(3, 60))
