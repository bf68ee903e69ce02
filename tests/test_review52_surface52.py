"""Review 52 (surface52): one fitted model, every surface (API, CLI, service, stream, ONNX)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hourglass.cli import app
from hourglass.serve.app import create_app
from tests._cli import cef_line, runner, trained_cef_model
from tests._serve import AUTH, KEY

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cef_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_cef_model(tmp_path_factory.mktemp("cef52"), "--threshold", "fixed:0")


def test_the_readme_states_which_fields_a_served_line_alert_carries(cef_model: Path, tmp_path: Path) -> None:
    # What was wrong: for the same CEF line, the service's ECS alert carried every field of the
    # line's record the model does not read (the header's cef_version, extension keys such as
    # externalId and msg) under hourglass.fields, while 'score' and 'stream --alert-format ecs'
    # carried only the fields with an ECS name (the others with --keep); the README said only
    # that a table row's keys that are no model column go with the served alert, not that a
    # line request's record is such a row, nor that score and stream differ there.
    line = cef_line(1, extra=" externalId=abc123 msg=hello")
    with TestClient(create_app(cef_model, api_key=KEY)) as c:
        served = c.post("/score", json={"lines": [line], "alert_format": "ecs"}, headers=AUTH).json()
    fields = served["alerts"][0]["hourglass"]["fields"]
    assert fields["externalId"] == "abc123" and fields["msg"] == "hello" and fields["cef_version"] == "0"
    data = tmp_path / "one.log"
    data.write_text(line + "\n")
    res = runner.invoke(app, ["stream", str(cef_model), "-i", str(data), "--alert-format", "ecs", "-q"])
    assert res.exit_code == 0, res.output
    streamed = json.loads(next(x for x in res.stdout.splitlines() if x.startswith("{")))
    assert "fields" not in streamed["hourglass"]  # the same line: no field without --keep
    text = " ".join((ROOT / "README.md").read_text().split())
    assert ("a line of a `cef`, `leef`, `panos`, `kv` or `auditd` model is the row its line or event "
            "was read into, so every field of it the model does not read goes with the alert too, "
            "`cef_version`, `externalId` or `msg` under `hourglass.fields`, where `score` and `stream` "
            "of the same lines carry only the fields with an ECS name unless `--keep` names the others"
            ) in text


def test_spark_scores_an_okta_model_s_events_as_score_does(tmp_path: Path) -> None:
    # What was wrong: the Spark partition scorer flattened each event of an Okta (Entra,
    # Kubernetes, GCP audit, CloudTrail) model but never passed it through the format's own
    # reading, which 'score', 'stream' and the service all apply (Okta's target list becomes
    # target.count and target.type): the model's target columns were absent, filled in as
    # missing values for a format whose fields may be left out, so every event was scored as if
    # it had no target, not a word said (scores off by 0.07 and a flag flipped on 60 events).
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from hourglass.distributed.spark import score_partitions
    from tests.test_identity_formats import _lines, _okta_event

    rng = np.random.default_rng(0)
    train = tmp_path / "okta.jsonl"
    train.write_text(_lines([_okta_event(rng, i * 13, False) for i in range(300)]))
    events = [_okta_event(rng, 20000 + i * 13, i % 5 == 0) for i in range(40)]
    test = tmp_path / "test.jsonl"
    test.write_text(_lines(events))
    res = runner.invoke(app, ["train", str(train), "--epochs", "2", "--hidden", "4,2", "--seed", "0",
                              "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(test), "-o", str(tmp_path / "s.csv"), "-q"])
    assert res.exit_code == 0, res.output
    want = pd.read_csv(tmp_path / "s.csv")["score"].to_numpy()
    # what mapInPandas hands a task of spark.read.json's rows: structs as dicts, arrays as NumPy
    # arrays (Arrow's list cells), a field an event left out as None
    batch = pa.Table.from_pylist(events).to_pandas()
    assert isinstance(batch["target"].dropna().iloc[0], np.ndarray)
    got = pd.concat(score_partitions(tmp_path / "m")(iter([batch])))["score"].to_numpy()
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6), np.abs(got - want).max()


def test_spark_scores_an_array_field_as_score_reads_it(tmp_path: Path) -> None:
    # What was wrong: 'score', 'stream' and the service read a JSON array in a column the model
    # reads as its JSON text; Spark's mapInPandas hands the same array over as a NumPy array
    # (Arrow's list cell), which the partition scorer passed on as it was, so every batch was
    # refused ("column 'tags': a cell holds a ndarray ... read nested JSON with flatten_json"),
    # and so was a batch of Python lists whose other columns were all there (no struct to flatten).
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from hourglass.distributed.spark import score_partitions

    rng = np.random.default_rng(0)
    rows = [{"bytes": float(rng.lognormal(5, 1)), "tags": [str(x) for x in rng.choice(["a", "b", "c"], 2)]}
            for _ in range(240)]
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in rows[:200]))
    test.write_text("".join(json.dumps(r) + "\n" for r in rows[200:]))
    res = runner.invoke(app, ["train", str(train), "--epochs", "1", "--hidden", "4,2",
                              "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(test), "-o", str(tmp_path / "s.csv"), "-q"])
    assert res.exit_code == 0, res.output
    want = pd.read_csv(tmp_path / "s.csv")["score"].to_numpy()
    fn = score_partitions(tmp_path / "m")
    for batch in (pa.Table.from_pylist(rows[200:]).to_pandas(), pd.DataFrame(rows[200:])):
        got = pd.concat(fn(iter([batch])))["score"].to_numpy()
        assert np.allclose(got, want, rtol=1e-5, atol=1e-6), np.abs(got - want).max()
