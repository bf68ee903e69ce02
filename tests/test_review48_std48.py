"""The standard formats hourglass writes, read back as their own tools read them: the service's
OpenAPI document against the answers it describes, Parquet outputs' types as the README gives
them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from hourglass.cli import app
from hourglass.serve import create_app
from tests._cli import ab_model, runner
from tests._serve import KEY, small_entity_model


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ab_model(tmp_path_factory.mktemp("std48_table"))


def test_the_openapi_document_gives_the_metrics_refusal_as_the_json_it_is(table_model: Path) -> None:
    # what was wrong: /openapi.json listed GET /metrics' 401 under text/plain (the route's own
    # media type) with the JSON object schema {"detail": ...}, while the 401 is application/json:
    # a client generated from the document read the refusal as text
    with TestClient(create_app(table_model, api_key=KEY)) as c:
        spec = c.get("/openapi.json").json()
        refused = c.get("/metrics")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/json"
    documented = spec["paths"]["/metrics"]["get"]["responses"]["401"]["content"]
    assert list(documented) == ["application/json"]
    ref = documented["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["required"] == ["detail"] and set(refused.json()) == {"detail"}
    # the scrape itself is still the text format
    assert list(spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == ["text/plain"]


@pytest.mark.parametrize("several", [False, True])
def test_the_openapi_document_says_metrics_needs_the_key_as_the_service_does(table_model: Path,
                                                                           several: bool) -> None:
    # what was wrong: GET /metrics refuses a request without the key (401), but /openapi.json gave
    # the operation no security requirement (the route checks the key itself), so /docs' "Try it
    # out" and a generated client sent none; it now names the X-API-Key header or a bearer token
    from hourglass.serve.multi import create_models_app

    app_ = create_models_app({"m": table_model}, api_key=KEY) if several else \
        create_app(table_model, api_key=KEY)
    with TestClient(app_) as c:
        spec = c.get("/openapi.json").json()
        schemes = spec["components"]["securitySchemes"]
        security = spec["paths"]["/metrics"]["get"]["security"]
        assert security == [{"APIKeyHeader": []}, {"BearerKey": []}]  # either one
        assert c.get("/metrics").status_code == 401
        # each scheme as the document gives it is what the service takes
        header = schemes["APIKeyHeader"]
        assert (header["type"], header["in"]) == ("apiKey", "header")
        assert c.get("/metrics", headers={header["name"]: KEY}).status_code == 200
        assert (schemes["BearerKey"]["type"], schemes["BearerKey"]["scheme"]) == ("http", "bearer")
        assert c.get("/metrics", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
        score = "/models/m/score" if several else "/score"
        assert spec["paths"][score]["post"]["security"] == [{"APIKeyHeader": []}]


def _entity_input(folder: Path, offset: bool) -> tuple[Path, Path]:
    model, rows = small_entity_model(folder)
    frame = pd.DataFrame(rows)
    if offset:  # the same instants with a UTC offset: UTC times in the output
        frame["ts"] = pd.to_datetime(frame["ts"], unit="s", utc=True).dt.tz_convert("Europe/Berlin") \
            .map(lambda t: t.isoformat())
    data = folder / "flows.csv"
    frame.to_csv(data, index=False)
    return model, data


@pytest.mark.parametrize("offset", [False, True])
def test_an_entity_models_parquet_output_holds_its_bucket_times_as_times(tmp_path: Path,
                                                                          offset: bool) -> None:
    # what was wrong: score -o buckets.parquet and explain -o buckets.parquet of an entity model
    # wrote bucket_start and bucket_end as text ('2024-01-01T00:00:00'), where the README says
    # a Parquet output holds times as a time column (a series' steps are timestamp[us])
    model, data = _entity_input(tmp_path, offset)
    for command, extra in (("score", []), ("explain", ["--all"])):
        csv_out, pq_out = tmp_path / f"{command}.csv", tmp_path / f"{command}.parquet"
        for out in (csv_out, pq_out):
            res = runner.invoke(app, [command, str(model), str(data), "-o", str(out), "-q", *extra])
            assert res.exit_code == 0, res.output
        schema = pq.read_schema(pq_out)
        for c in ("bucket_start", "bucket_end"):
            kind = schema.field(c).type
            assert str(kind).startswith("timestamp[us"), (command, c, kind)
            assert (getattr(kind, "tz", None) == "UTC") is offset
        text, typed = pd.read_csv(csv_out), pd.read_parquet(pq_out)
        assert len(text) == len(typed) > 0
        for c in ("bucket_start", "bucket_end"):  # the same instants as the CSV's ISO text
            assert bool(text[c].str.endswith("+00:00").all()) is offset
            assert (pd.to_datetime(text[c]) == typed[c]).all()
        assert text["entity"].tolist() == typed["entity"].tolist()


def test_a_log_models_ecs_alerts_give_every_event_key_one_type(tmp_path: Path) -> None:
    # what was wrong: stream --alert-format ecs of a DeepLog model wrote hourglass.key as a
    # number (2) for an unexpected event and as text ("<end>") for a session that stopped early;
    # an Elasticsearch index maps the field from the first alert (a number) and then refused
    # every end-of-session document. Every key (and the expected ones) is text now
    import json

    from tests.test_logs import hdfs_log

    (tmp_path / "train.log").write_text("\n".join(hdfs_log(40)) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(tmp_path / "train.log"), "--format", "hdfs", "--session-regex",
                              r"blk_-?\d+", "--model", "deeplog", "--epochs", "2", "--param", "window=3",
                              "--param", "top_g=1", "--hidden", "8", "--param", "layers=1", "-o", str(model),
                              "-q"])
    assert res.exit_code == 0, res.output
    lines = "\n".join(hdfs_log(10, seed=3, anomalous=(2, 5))) + "\n"
    plain = runner.invoke(app, ["stream", str(model), "-q"], input=lines)
    ecs = runner.invoke(app, ["stream", str(model), "-q", "--alert-format", "ecs"], input=lines)
    assert plain.exit_code == 0 and ecs.exit_code == 0, ecs.output
    alerts = [json.loads(x) for x in plain.stdout.splitlines() if x.strip()]
    docs = [json.loads(x)["hourglass"] for x in ecs.stdout.splitlines() if x.strip()]
    assert len(docs) == len(alerts) > 0
    keys = [d["key"] for d in docs] + [e["key"] for d in docs for e in d["expected"]]
    assert "<end>" in keys and any(isinstance(a["key"], int) for a in alerts)  # both kinds of event
    assert all(isinstance(k, str) for k in keys)
    assert [d["key"] for d in docs] == [str(a["key"]) for a in alerts]  # the same events
    # score's session alerts: the unexpected event's key and the expected ones as text too
    (tmp_path / "test.log").write_text(lines)
    out = tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "test.log"), "-o", str(out), "-q",
                              "--alert-format", "ecs"])
    assert res.exit_code == 0, res.output
    sessions = [json.loads(x)["hourglass"]["unexpected"] for x in out.read_text().splitlines()]
    keys = [u["key"] for u in sessions] + [e["key"] for u in sessions for e in u["expected"]]
    assert sessions and all(isinstance(k, str) for k in keys)


def test_a_csv_output_quotes_a_cell_holding_a_carriage_return(tmp_path: Path) -> None:
    # what was wrong: score -o sessions.csv (and .tsv) of an event-table model wrote a session id
    # holding a lone carriage return ('cr\rz') unquoted, as pandas' to_csv quotes only its line
    # end '\n'; csv, pandas and spreadsheets read the row as two. RFC 4180 quotes such a cell
    import csv

    ids = ["a,b", "cr\rz", 'say "hi"', "x\ny"] * 8
    rows = [{"sess": s, "event": k, "user": "x"} for i, s in enumerate(ids)
            for k in (4624, 4672, 4634)[: 1 + i % 3]]
    train = tmp_path / "events.jsonl"
    pd.DataFrame(rows).to_json(train, orient="records", lines=True)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "--key-col", "event", "--session-col", "sess", "--model",
                              "deeplog", "--epochs", "1", "--param", "window=2", "--hidden", "8", "--param",
                              "layers=1", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    want = None
    for ext, sep in (("parquet", None), ("csv", ","), ("tsv", "\t")):
        out = tmp_path / f"sessions.{ext}"
        res = runner.invoke(app, ["score", str(model), str(train), "-o", str(out), "-q"])
        assert res.exit_code == 0, res.output
        if sep is None:
            want = pd.read_parquet(out)["session"].tolist()  # every session, as written
            assert "cr\rz" in want
            continue
        with open(out, newline="", encoding="utf-8") as fh:
            cells = [r[0] for r in csv.reader(fh, delimiter=sep)][1:]
        assert cells == want, ext
        assert pd.read_csv(out, sep=sep, dtype=str)["session"].tolist() == want, ext
