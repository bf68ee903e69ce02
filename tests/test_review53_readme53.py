"""Review round 53 (readme53): the README read as a new user, command by command; each test
pins one of its claims to what the commands and the library really do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
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


@pytest.mark.parametrize(("labels", "normal"), [((0, 0, 1, "N/A"), "0.0"),
                                                ((False, False, True, "?"), "FALSE")])
def test_json_labels_beside_a_missing_spelling_are_matched_as_their_type(tmp_path: Path, labels: tuple,
                                                                          normal: str) -> None:
    # What was wrong: the README says a label column of numbers is matched by value (--normal 0.0
    # names its 0 rows) and one of booleans takes --normal false in any case, in train, evaluate
    # and inspect, and that a label N/A, null or ? is no label in JSON lines too. A JSON-lines
    # label column of numbers or booleans that also held such a text ("N/A", "?") was mixed, read
    # as text: train refused --normal 0.0 ("no rows with label in ['0.0']; ... did you mean
    # '0'?"), evaluate refused --normal 0.0 and --normal FALSE, and inspect said no row was
    # normal and that train would refuse the file. The missing spellings are now set aside before
    # the column's type is told (hourglass.ingest.formats.labels_given), as for a null.
    rng = np.random.default_rng(0)
    data = tmp_path / "labelled.jsonl"
    data.write_text("".join(json.dumps({"a": float(rng.normal()), "b": float(rng.normal()),
                                        "label": labels[i % 4]}) + "\n" for i in range(120)))
    res = runner.invoke(app, ["train", str(data), "--label-col", "label", "--normal", normal,
                              "--epochs", "1", "--hidden", "4", "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    metrics = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", str(tmp_path / "m"), str(data), "--label-col", "label",
                              "--normal", normal, "--json", str(metrics), "-q"])
    assert res.exit_code == 0, res.output
    got = json.loads(metrics.read_text())
    assert (got["n"], got["n_anomalies"]) == (90, 30)  # the 30 rows without a label left out
    seen = tmp_path / "inspect.json"
    res = runner.invoke(app, ["inspect", str(data), "--label-col", "label", "--normal", normal,
                              "--json", str(seen)])
    assert res.exit_code == 0, res.output
    assert json.loads(seen.read_text())["fitted_on_normal_rows"] == 60
