"""Review 27, inv2: serving and streaming routes give the same answers for the same rows.

The routes compared (score file output, stream from a file and stdin at micro-batch sizes 1 and
1024, POST /score, the Python API; table, time-series, log and entity-bucket models) agreed
everywhere the README promises it; these tests pin equalities no other test pinned."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from tests.test_stream import _flows, _jsonl

runner = CliRunner()


def _adapt(model: Path, rows: Path, batch: int) -> tuple[list[dict], str]:
    res = runner.invoke(app, ["--threads", "1", "stream", str(model), "--input", str(rows), "--adapt",
                              "--alert-format", "ecs", "--batch", str(batch)])
    assert res.exit_code == 0, res.output
    moved = re.search(r"threshold ([\d.e+-]+) -> ([\d.e+-]+) \(--adapt\)", res.stderr)
    assert moved, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines() if line.strip()], moved[0]


def test_adapt_flags_rows_in_order_whatever_the_micro_batch(tmp_path: Path) -> None:
    # not a defect (pinned equality): the README says --adapt flags rows in order, the unflagged
    # rows' scores refitting the tail, and an ECS alert carries the cut-off its row was flagged
    # against, which moves within a batch; so one row at a time and 64 at a time must flag the
    # same rows against the same cut-offs and end on the same threshold
    from hourglass import AutoEncoder, Pipeline
    from hourglass.thresholds import SPOT

    train = _flows(1000, 3).drop(columns="label")
    Pipeline(AutoEncoder(hidden=(8, 4), epochs=2, verbose=0, validation_fraction=0.5),
             threshold=SPOT(q=1e-3, level=0.9)).fit(train).save(tmp_path / "spot")
    rows = _jsonl(_flows(300, 4, attacks=5), tmp_path / "rows.jsonl")
    one, moved_one = _adapt(tmp_path / "spot", rows, 1)
    many, moved_many = _adapt(tmp_path / "spot", rows, 64)
    assert moved_one == moved_many and moved_one.split()[1] != moved_one.split()[3], moved_one
    assert len(one) == len(many) >= 5
    assert [d["hourglass"]["row"] for d in one] == [d["hourglass"]["row"] for d in many]
    np.testing.assert_allclose([d["hourglass"]["threshold"] for d in one],
                               [d["hourglass"]["threshold"] for d in many], rtol=1e-6)
    np.testing.assert_allclose([d["hourglass"]["score"] for d in one],
                               [d["hourglass"]["score"] for d in many], rtol=1e-5)


@pytest.mark.parametrize("batch", [1, 1024])
def test_series_stream_scores_are_the_window_scores_of_the_whole_file(tmp_path: Path, batch: int) -> None:
    # not a defect (pinned equality): README 'Streaming server metrics' says each step is scored
    # from the one window that ends at it; through the CLI (a JSON-lines file with a blank line,
    # no timestamp column) those are Pipeline.detector_.window_scores of the same rows, the
    # first window - 1 steps unscored and the rows numbered as data rows (the blank line
    # counted in 'line' only)
    import hourglass
    from tests.test_cli_robustness import _series

    series = _series(200)
    series.iloc[:160].drop(columns="ts").to_csv(tmp_path / "train.csv", index=False)
    res = runner.invoke(app, ["--threads", "1", "train", str(tmp_path / "train.csv"), "--model", "lstm-ae",
                              "--window", "8", "--epochs", "1", "--param", "hidden=8", "-o",
                              str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    test = series.iloc[160:].drop(columns="ts").reset_index(drop=True)
    lines = [json.dumps(r) for r in test.to_dict("records")]
    (tmp_path / "t.jsonl").write_text("\n".join([*lines[:3], "", *lines[3:]]) + "\n")
    res = runner.invoke(app, ["--threads", "1", "stream", str(tmp_path / "m"), "--input",
                              str(tmp_path / "t.jsonl"), "--all", "--batch", str(batch)])
    assert res.exit_code == 0, res.output
    got = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    pipe = hourglass.load(tmp_path / "m")
    want = pipe.detector_.window_scores(pipe.transform(test))
    assert [g["row"] for g in got] == list(range(7, 40))
    assert [g["line"] for g in got] == list(range(9, 42))
    np.testing.assert_allclose([g["score"] for g in got], want, rtol=1e-5)


def test_several_models_answer_series_and_entity_requests_as_one_model_services(tmp_path: Path) -> None:
    # not a defect (pinned equality): README 'Serving' says /models/NAME/score takes and answers
    # exactly what a one-model service's /score does; test_serve_multi pins it for table and log
    # models, this for a time-series and an entity-bucket model (plain, explained and ECS answers)
    import pandas as pd
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app
    from hourglass.serve.multi import create_models_app
    from tests.test_cli_robustness import _series

    key = "test-key-0123456789abcdef"
    _series(120).to_csv(tmp_path / "series.csv", index=False)
    rng = np.random.default_rng(0)
    flows = pd.DataFrame({"ts": 1704067200 + np.arange(600) * 2.0,
                          "src_ip": [f"10.0.0.{i % 3}" for i in range(600)],
                          "dst_port": rng.choice([22, 80, 443], 600),
                          "bytes": rng.lognormal(5, 1, 600).round()})
    flows.to_csv(tmp_path / "flows.csv", index=False)
    for args in (["series.csv", "--timestamp-col", "ts", "--model", "lstm-ae", "--window", "8",
                  "--param", "hidden=8", "-o", "ts"],
                 ["flows.csv", "--entity-col", "src_ip", "--timestamp-col", "ts", "--bucket", "1min",
                  "--hidden", "8,4", "-o", "ent"]):
        res = runner.invoke(app, ["train", str(tmp_path / args[0]), *args[1:-1], str(tmp_path / args[-1]),
                                  "--epochs", "1", "-q"])
        assert res.exit_code == 0, res.output
    bodies = {"ts": {"rows": _series(120).iloc[40:].to_dict("records"), "explain": 2},
              "ent": {"rows": flows.iloc[:200].to_dict("records"), "explain": 2, "explain_all": True}}
    with TestClient(create_models_app({k: tmp_path / k for k in bodies}, api_key=key)) as multi:
        for name, body in bodies.items():
            with TestClient(create_app(tmp_path / name, api_key=key)) as one:
                for extra in ({}, {"alert_format": "ecs"}):
                    sent = {**body, **extra}
                    if extra:
                        sent.pop("explain_all", None)
                    got = [c.post(route, json=sent, headers={"X-API-Key": key})
                           for c, route in ((one, "/score"), (multi, f"/models/{name}/score"))]
                    assert [r.status_code for r in got] == [200, 200], got[1].text
                    answers = [r.json() for r in got]
                    for answer in answers:
                        for doc in answer.get("alerts", []):
                            doc["event"].pop("created")
                    assert answers[0] == answers[1], (name, extra)
                    assert not extra or answers[0]["alerts"], name
