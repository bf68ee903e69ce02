"""Review round 53 (readme53): the README read as a new user, command by command; each test
pins one of its claims to what the commands and the library really do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from hourglass.cli.app import app

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
runner = CliRunner()


def test_a_series_ecs_alerts_hourglass_timestamp_is_in_the_form_the_readme_gives(tmp_path: Path) -> None:
    # What was wrong: the README said a time-series stream alert's `timestamp` is the step's time
    # as `score` writes it (2024-05-01T00:15:00 for a time without an offset) "and so are an ECS
    # alert's hourglass.timestamp and message", and that "the original alert is under
    # hourglass"; but an ECS document (stream, score --alert-format ecs, the service alike) gives
    # that instant in @timestamp's form, 2024-05-01T00:15:00.000Z. The README now says so, with
    # the example this test checks against the stream's own output.
    said = re.search(r"an ECS alert's `hourglass\.timestamp` and message give that instant in\s+"
                     r"`@timestamp`'s form.*?\(`([^`]+)` for\s+the step above\)", TEXT, re.S)
    assert said, "the README names the form of a series ECS alert's hourglass.timestamp"
    plain = re.search(r'# \{"row":\d+,"line":\d+,"timestamp":"([^"]+)"', TEXT)
    assert plain, "the README's series stream alert example"
    step = pd.Timestamp(plain.group(1))
    rng = np.random.default_rng(0)
    times = pd.date_range(step - pd.Timedelta(minutes=59), periods=60, freq="1min")
    t = np.arange(60)
    train = pd.DataFrame({"ts": (times - pd.Timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S"),
                          "cpu": np.sin(t / 5) + rng.normal(0, 0.05, 60)})
    train.to_csv(tmp_path / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--timestamp-col", "ts",
                              "--model", "lstm-ae", "--window", "4", "--epochs", "1", "--hidden", "4",
                              "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    rows = [{"ts": s.strftime("%Y-%m-%dT%H:%M:%S"), "cpu": float(np.sin(i / 5))}
            for i, s in enumerate(times)]
    rows[-1]["cpu"] = 60.0  # the step of the README's example, far off: flagged
    data = tmp_path / "steps.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = {}
    for form in ("hourglass", "ecs"):
        out[form] = tmp_path / f"{form}.jsonl"
        res = runner.invoke(app, ["stream", str(tmp_path / "m"), "-i", str(data), "-o", str(out[form]),
                                  "--alert-format", form, "-q"])
        assert res.exit_code == 0, res.output
    alerts = [json.loads(line) for line in out["hourglass"].read_text().splitlines()]
    assert alerts[-1]["timestamp"] == plain.group(1)  # the plain alert: as score writes it
    doc = json.loads(out["ecs"].read_text().splitlines()[-1])
    assert doc["hourglass"]["timestamp"] == said.group(1) == doc["@timestamp"]
    assert f"time step {said.group(1)} " in doc["message"]
