"""Review 25 (misc25): a column a table model reads sent as a JSON object in score, explain,
evaluate and export of JSON lines; the nested-object check of entity models told a null beside
dotted fields from an object, and ran in export and warm start too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import ab_model, one_line_error, runner


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("table")
    model = ab_model(tmp)
    rows = [{"a": 0.5, "b": 0.5, "label": "normal"}, {"a": {"x": 1}, "b": 0.5, "label": "normal"},
            {"a": 0.2, "b": 0.1, "label": "normal"}, {"a": 9.0, "b": 9.0, "label": "attack"}]
    (tmp / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return model, tmp / "in.jsonl"


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, default=str) + "\n" for r in rows))
    return path


_SENT = "line 2: missing column 'a': the row has 'a' as a nested object, read as its fields (a.x)"


@pytest.mark.parametrize("command", ["score", "explain"])
def test_a_table_model_refuses_a_column_sent_as_a_json_object(table: tuple[Path, Path], tmp_path: Path,
                                                              command: str) -> None:
    # was: score (and explain) of a table model read {"a": {"x": 1}} as a row without an 'a'
    # value and scored it with 'a' imputed, not a word, where stream and the service refuse it
    model, data = table
    out = tmp_path / "out.csv"
    one_line_error([command, str(model), str(data), "-o", str(out)], f"{data}: {_SENT}", out)
    res = runner.invoke(app, [command, str(model), str(data), "-o", str(out), "--on-bad-rows", "skip",
                              *(["--all"] if command == "explain" else [])])
    assert res.exit_code == 0, res.output
    assert "skipped 1 malformed row(s)" in res.stderr and "(lines 2)" in res.stderr
    rows = [line.split(",")[0] for line in out.read_text().splitlines()[1:]]
    assert rows == ["0", "2", "3"]  # the rows' data rows: the skipped one counted at its place


def test_evaluate_and_export_of_a_table_model_refuse_a_column_sent_as_a_json_object(
        table: tuple[Path, Path], tmp_path: Path) -> None:
    # was: evaluate scored the row with 'a' imputed, and export --check-data checked parity on it
    model, data = table
    args = ["evaluate", str(model), str(data), "--label-col", "label", "--normal", "normal"]
    one_line_error(args, f"{data}: {_SENT}")
    res = runner.invoke(app, [*args, "--on-bad-rows", "skip"])
    assert res.exit_code == 0 and "(lines 2)" in res.stderr, res.output
    onnx = tmp_path / "m.onnx"
    one_line_error(["export", str(model), "--onnx", str(onnx), "--check-data", str(data)], _SENT, onnx)


def test_a_null_beside_its_dotted_fields_is_no_object(tmp_path: Path) -> None:
    # was: the check saw the flattened table only, where {"a": null, "a.x": 1} looks like
    # {"a": {"x": 1}} ('a' missing, 'a.x' not): refused as a nested object, which stream
    # (and the service) read as a null; the JSON-lines reader now tells such rows apart
    from hourglass.cli._skip import skip_nested_rows
    from hourglass.errors import InputError
    from hourglass.ingest import ReadStats, read_table

    rows = [{"a": 1}, {"a": None, "a.x": 1}, {"a": {"x": 2}}, {"a": 3, "a.x": 4}]
    path = _jsonl(tmp_path / "rows.jsonl", rows)
    stats = ReadStats()
    df = read_table(path, stats=stats)
    assert stats.plain_beside_fields == {"a": [1, 3]}  # (a value, null or not, beside fields)
    with pytest.raises(InputError, match="line 3: missing column 'a'"):
        skip_nested_rows(df, ["a"], "error", stats, path)
    kept = skip_nested_rows(df, ["a"], "skip", stats, path)
    assert kept["a.x"].fillna(0).tolist() == [0, 1, 4]
    assert stats.rows_of(kept.index.to_numpy()).tolist() == [0, 1, 3]


@pytest.fixture(scope="module")
def entity(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict[str, object]]]:
    from hourglass.ingest.synthetic import port_scan_flows

    tmp = tmp_path_factory.mktemp("entity")
    train, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0, seed=1)
    train.to_csv(tmp / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp / "train.csv"), "--entity-col", "src_ip",
                              "--timestamp-col", "ts", "--bucket", "5min", "-o", str(tmp / "M"),
                              "--epochs", "2", "--hidden", "8,4", "-q"])
    assert res.exit_code == 0, res.output
    return tmp, tmp / "M", train.sort_values("ts").head(40).to_dict("records")


def test_an_entity_null_beside_dotted_fields_is_scored_as_stream_reads_it(
        entity: tuple[Path, Path, list[dict[str, object]]], tmp_path: Path) -> None:
    # was: score refused {"src_ip": null, "src_ip.zone": "dmz"} ('the row has src_ip as a
    # nested object'); stream reads it as a row without an entity value, and so does score now
    _, model, rows = entity
    rows = [dict(r) for r in rows]
    rows[2] = {**rows[2], "src_ip": None, "src_ip.zone": "dmz"}
    data = _jsonl(tmp_path / "in.jsonl", rows)
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "out.jsonl")])
    assert res.exit_code == 0, res.output
    assert "nested object" not in res.stderr
    res = runner.invoke(app, ["stream", str(model), "--all"], input=data.read_text())
    assert res.exit_code == 0 and "nested object" not in res.stderr, res.output


def test_export_and_warm_start_refuse_an_entity_sent_as_a_json_object(
        entity: tuple[Path, Path, list[dict[str, object]]], tmp_path: Path) -> None:
    # was: export --check-data and train --warm-start of an entity model did not run the check:
    # {"src_ip": {"a": 1}} was a row of the entity '<missing>' there
    _, model, rows = entity
    rows = [dict(r) for r in rows]
    rows[2]["src_ip"] = {"a": 1}
    data = _jsonl(tmp_path / "in.jsonl", rows)
    sent = (f"{data}: line 3: missing column 'src_ip': the row has 'src_ip' as a nested object, "
            "read as its fields (src_ip.a)")
    onnx = tmp_path / "m.onnx"
    one_line_error(["export", str(model), "--onnx", str(onnx), "--check-data", str(data)], sent, onnx)
    out = tmp_path / "warm"
    one_line_error(["train", str(data), "--warm-start", str(model), "-o", str(out), "--epochs", "1"],
                   sent, out)
    res = runner.invoke(app, ["train", str(data), "--warm-start", str(model), "-o", str(out),
                              "--epochs", "1", "--on-bad-rows", "skip", "-q"])
    assert res.exit_code == 0, res.output


_TWO_BOMS = b"\xef\xbb\xbf\xef\xbb\xbf"


def test_the_service_reads_a_body_starting_with_two_byte_order_marks(table: tuple[Path, Path]) -> None:
    # was: the service stripped one BOM from a request body: one saved twice by a Windows tool
    # was '400 body: not valid JSON', where the file readers strip every one (without_boms)
    from fastapi.testclient import TestClient

    from hourglass.serve.app import create_app

    model, _ = table
    key = "test-key-0123456789abcdef"
    body = b'{"rows": [{"a": 0.5, "b": 0.5}]}'
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    with TestClient(create_app(model, api_key=key), raise_server_exceptions=False) as client:
        plain = client.post("/score", content=body, headers=headers)
        twice = client.post("/score", content=_TWO_BOMS + body, headers=headers)
    assert plain.status_code == twice.status_code == 200, twice.text
    assert plain.json() == twice.json()


def test_cloudtrail_documents_a_key_file_and_a_rules_file_starting_with_two_boms(tmp_path: Path) -> None:
    # was: each decoded with utf-8-sig, which drops one BOM: a CloudTrail file saved twice was
    # 'line 1: Expecting value', an API key file's key began with U+FEFF (no client's key
    # matched), a suppression file was 'not valid TOML'
    import io

    from hourglass.ingest.cloudtrail import _documents
    from hourglass.serve.security import _first_line
    from hourglass.serve.suppress import load_suppressions

    doc = b'{"Records": [1]}\n{"Records": [2]}'
    assert list(_documents(io.BytesIO(_TWO_BOMS + doc), block=2)) == [(1, {"Records": [1]}),
                                                                      (2, {"Records": [2]})]
    keys = tmp_path / "key.txt"
    keys.write_bytes(_TWO_BOMS + b"0123456789abcdef0123\n")
    assert _first_line(keys) == "0123456789abcdef0123"
    rules = tmp_path / "rules.toml"
    rules.write_bytes(_TWO_BOMS + b'[[rule]]\nname = "scanner"\nmatch = { src_ip = "10.0.0.5" }\n')
    assert [r.name for r in load_suppressions(rules).rules] == ["scanner"]
