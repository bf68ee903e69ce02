"""Review round 61 (siem61): SIEM exports (Splunk, Sentinel, QRadar, Elastic) through every path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.features.tabular import TabularPreprocessor


def _splunk_export(n: int, *, day: int, server: str, bucket: str, wday: str) -> pd.DataFrame:
    rng = np.random.default_rng(day)
    t = pd.date_range(f"2024-03-{day:02d} 08:00", periods=n, freq="7s", tz="UTC")
    return pd.DataFrame({
        "_time": t.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "_raw": [f"fw01 kernel: src=10.0.0.{i % 20} bytes={i}" for i in range(n)],
        "_indextime": (t.asi8 // 10**9 + 2).astype(float),
        "_cd": [f"12:{1000 + i}" for i in range(n)],
        "_bkt": [f"main~12~{bucket}"] * n,
        "_serial": np.arange(n, dtype=float),
        "linecount": 1.0,
        "splunk_server": server,
        "punct": "_:_=..._=",
        "date_hour": t.hour.astype(float),
        "date_minute": t.minute.astype(float),
        "date_month": "march",
        "date_wday": wday,
        "src": [f"10.0.0.{i % 20}" for i in range(n)],
        "bytes": rng.integers(200, 5000, n).astype(float),
        "action": rng.choice(["allowed", "blocked"], n),
    })


def test_splunk_export_bookkeeping_columns_are_no_features() -> None:
    # What was wrong: a Splunk CSV export (outputcsv, the UI's export) trained its bookkeeping as
    # features: _bkt, splunk_server, punct, date_month and date_wday one-hot, _serial and
    # date_minute scaled. An autoencoder trained on one day's export flagged 600 of 600 rows of
    # the next day's normal traffic (another indexer, bucket and weekday; 10 of 600 on its own
    # training file): every category of the new export was one never seen.
    train = _splunk_export(300, day=1, server="idx01", bucket="AAAA", wday="friday")
    pre = TabularPreprocessor().fit(train)
    for c in ("_raw", "_indextime", "_cd", "_bkt", "_serial", "linecount", "splunk_server",
              "punct", "date_hour", "date_minute", "date_month", "date_wday"):
        assert pre.roles_[c] == "drop", (c, pre.roles_[c], pre.reasons_[c])
    assert pre.reasons_["_bkt"] == "Splunk's export bookkeeping"
    assert (pre.roles_["src"], pre.roles_["bytes"], pre.roles_["action"]) == ("ip", "numeric", "categorical")
    # the next day's export from another indexer gives the same features as the same rows would
    later = _splunk_export(300, day=4, server="idx02", bucket="BBBB", wday="monday")
    same = later.assign(_bkt=train["_bkt"], splunk_server="idx01", date_wday="friday")
    assert np.array_equal(pre.transform(later), pre.transform(same))
    # a role given keeps one (the hour of day, if the user wants it)
    kept = TabularPreprocessor(roles={"date_hour": "numeric"}).fit(train)
    assert kept.roles_["date_hour"] == "numeric"
    # without Splunk's internal fields, a column named so is read as any other
    plain = train.drop(columns=["_time", "_raw", "_indextime", "_cd", "_bkt", "_serial", "splunk_server"])
    assert TabularPreprocessor().fit(plain).roles_["punct"] == "categorical"


def _splunk_json(path: Path, n: int, first: int = 0) -> None:
    # search/jobs/export's output_mode=json: one object a line, the last one marked
    with path.open("w") as fh:
        for k in range(first, first + n):
            row = {"preview": False, "offset": k,
                   "result": {"_time": f"2024-03-01T08:{k // 60 % 60:02d}:{k % 60:02d}.000+0000",
                              "_raw": f"src=10.0.0.{k % 20} bytes={100 + k % 37}",
                              "src": f"10.0.0.{k % 20}", "bytes": str(100 + k % 37)}}
            if k == first + n - 1:
                row["lastrow"] = True
            fh.write(json.dumps(row) + "\n")


def test_splunk_json_export_envelope_is_no_feature(tmp_path: Path) -> None:
    # What was wrong: Splunk's JSON export ({"preview":false,"offset":0,"result":{...}} a line,
    # "lastrow":true on the last) trained offset (the search's row number, scaled) and lastrow
    # (one-hot) as features: the last row of every export scored 2.76 (critical) where its
    # neighbours scored 0.002, and a search of 1,200 results flagged 546 of the 600 rows past
    # the training's last offset (29 of the first 600).
    from hourglass.ingest import read_table

    _splunk_json(tmp_path / "train.json", 120)
    pre = TabularPreprocessor().fit(read_table(tmp_path / "train.json"))
    for c in ("preview", "offset", "lastrow"):
        assert (pre.roles_[c], pre.reasons_[c]) == ("drop", "Splunk's JSON export envelope"), c
    assert pre.roles_["result._raw"] == "drop" and pre.roles_["result.bytes"] == "numeric"
    _splunk_json(tmp_path / "longer.json", 120, first=500)  # rows past the training's offsets
    later = read_table(tmp_path / "longer.json")
    same = later.assign(offset=range(120), lastrow=[None] * 119 + [True])
    assert np.array_equal(pre.transform(later), pre.transform(same))
    # a table of other JSON lines keeps its offset
    plain = pd.DataFrame({"offset": np.arange(120.0) % 7, "x": np.arange(120.0)})
    assert TabularPreprocessor().fit(plain).roles_["offset"] == "numeric"


def _search_response(n: int) -> dict[str, Any]:
    hits = [{"_index": ".ds-logs-2024.03.01", "_id": f"id{i}", "_score": None,
             "_source": {"@timestamp": f"2024-03-01T08:00:{i:02d}.000Z",
                         "source": {"ip": f"10.0.0.{i}", "bytes": 100 + i}}} for i in range(n)]
    return {"took": 5, "timed_out": False, "_shards": {"total": 1, "successful": 1},
            "hits": {"total": {"value": n, "relation": "eq"}, "max_score": None, "hits": hits}}


def test_elasticsearch_search_response_is_refused_with_its_recipe(tmp_path: Path) -> None:
    # What was wrong: an Elasticsearch/OpenSearch _search response saved as it came (curl
    # .../_search > hits.json) was read as JSON lines of ONE row, its envelope (took,
    # _shards.total, hits.total.value, hits.hits as text): `train` said "AutoEncoder: 1 training
    # row; fitting needs at least 2" of a file of 40 events; saved pretty-printed, the refusal's
    # recipe was `jq -c .`, which writes that same one row.
    from hourglass.errors import InputError
    from hourglass.ingest import read_table

    compact, pretty = tmp_path / "hits.json", tmp_path / "pretty.json"
    compact.write_text(json.dumps(_search_response(40)) + "\n")
    pretty.write_text(json.dumps(_search_response(40), indent=2) + "\n")
    for path in (compact, pretty):
        for skip in ("error", "skip"):
            with pytest.raises(InputError) as err:
                read_table(path, on_bad_rows=skip)
            assert str(err.value) == (
                f"{path}: line 1: an Elasticsearch/OpenSearch search response (its events under "
                "hits.hits), not one event a line; write its hits one a line (jq -c '.hits.hits[]')")
    # what the recipe writes reads as the events; an event with a field named hits is one
    lines = tmp_path / "lines.json"
    lines.write_text("".join(json.dumps(h) + "\n" for h in _search_response(40)["hits"]["hits"]))
    assert len(read_table(lines)) == 40
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"user": "a", "hits": {"hits": [1, 2]}}) + "\n")
    assert len(read_table(event)) == 1


def test_elasticsearch_hit_metadata_is_no_feature() -> None:
    # What was wrong: a scroll export's hits (elasticdump, jq -c '.hits.hits[]') trained their
    # metadata as features: _index, the daily index the hit was stored in, one-hot. A model
    # trained on one day's export flagged 400 of 400 rows of the next day's same traffic (only
    # '.ds-logs-2024.03.02' for '.ds-logs-2024.03.01'; 1 of 400 on its own day).
    from hourglass.ingest.tables import flatten_json

    hits = _search_response(60)["hits"]["hits"]
    for i, h in enumerate(hits):
        h.update(_version=1, _seq_no=1000 + i, _primary_term=1, sort=[1709280000000 + i])
    pre = TabularPreprocessor().fit(flatten_json(pd.DataFrame(hits)))
    for c in ("_index", "_score", "_version", "_seq_no", "_primary_term", "sort"):
        assert (pre.roles_[c], pre.reasons_[c]) == ("drop", "Elasticsearch hit metadata"), c
    assert pre.roles_["_source.source.bytes"] == "numeric"
    # without _source fields, a column named so is read as any other
    plain = pd.DataFrame({"_index": ["a", "b"] * 30, "x": np.arange(60.0)})
    assert TabularPreprocessor().fit(plain).roles_["_index"] == "categorical"


def test_keep_given_a_comma_list_of_columns_says_how_to_keep_them(tmp_path: Path) -> None:
    # What was wrong: a SIEM user's field list, `--keep src,dest` (as Splunk's `fields src, dest`
    # is written), was refused "--keep: no column 'src,dest' in flows.csv" by score, explain
    # and stream, the file holding both: nothing said that --keep takes one name, given once
    # a column.
    from hourglass.cli import app
    from tests._cli import one_line_error, runner, small_labelled_model

    made = small_labelled_model(tmp_path)
    data, model, out = str(made["data"]), str(made["model"]), tmp_path / "out.csv"
    hint = "give --keep once a column: --keep bytes --keep proto"
    one_line_error(["score", model, data, "--keep", "bytes, proto", "-o", str(out)],
                   f"--keep: no column 'bytes, proto' in {data}; {hint}", out)
    one_line_error(["explain", model, data, "--keep", "bytes,proto"], hint)
    rows = made["frame"].drop(columns="label").head(3).to_json(orient="records", lines=True)
    res = runner.invoke(app, ["stream", model, "--keep", "bytes,proto"], input=rows)
    assert res.exit_code == 2 and f"no field 'bytes,proto' on <stdin> line 1; {hint}" in res.stderr
    # a list naming a column the data lacks is only refused
    one_line_error(["score", model, data, "--keep", "bytes,host", "-o", str(out)],
                   f"--keep: no column 'bytes,host' in {data}", out)
    res = runner.invoke(app, ["score", model, data, "--keep", "bytes,host", "-o", str(out)])
    assert "give --keep" not in res.stderr


def test_qradar_custom_property_is_read_by_its_name() -> None:
    # What was wrong: QRadar's CSV export marks a custom event property's column ' (custom)',
    # and the mark was read as the name's last word: 'Destination Port (custom)' (80, 443) was
    # min-max scaled as a magnitude, never a port (8443 lay 23 training ranges past 443, and 444
    # was next to 443), and 'Login Time (custom)' of 40 distinct times was one-hot encoded, each
    # later time a category never seen.
    from hourglass.features.roles import infer_role

    n = 120
    ports = pd.Series([80.0, 443.0] * (n // 2))
    assert infer_role("Destination Port (custom)", ports, max_categories=50)[0] == "port"
    times = pd.Series([f"Mar 1, 2024, 8:{i // 3:02d}:00 AM" for i in range(n)])
    assert infer_role("Login Time (custom)", times, max_categories=50) == ("drop", "times")
    frame = pd.DataFrame({"Destination Port (custom)": ports, "Source IP (custom)": ["10.0.0.1"] * n,
                          "Bytes (custom)": np.arange(n, dtype=float)})
    pre = TabularPreprocessor().fit(frame)
    assert [pre.roles_[c] for c in frame] == ["port", "ip", "numeric"]
    # a column named '(custom)' alone keeps its name
    assert infer_role("(custom)", pd.Series(["a", "b"] * 60), max_categories=50)[0] == "categorical"


def test_sentinel_dynamic_column_of_json_text_is_said(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a Sentinel / Log Analytics CSV export writes a dynamic column as JSON text
    # (LocationDetails = '{"city": "Munich", ..., "geoCoordinates": {...}}'); the column was
    # dropped unsaid as near-unique text (400 distinct of 400), the sign-ins' city and country
    # lost, or each whole object one-hot (DeviceDetail: 4 combinations, a new browser with a
    # known OS an unseen value), nothing saying its fields were never read.
    import logging

    rng = np.random.default_rng(0)
    n = 120
    cities = rng.choice(["Berlin", "Munich"], n)
    frame = pd.DataFrame({
        "LocationDetails": [json.dumps({"city": c, "geoCoordinates": {"latitude": 48 + rng.random()}})
                            for c in cities],
        "DeviceDetail": [json.dumps({"browser": b}) for b in rng.choice(["Edge 120", "Chrome 121"], n)],
        "Note": rng.choice(["{curly}", "plain"], n),
        "ResultType": rng.choice([0, 50126], n),
    })
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pre = TabularPreprocessor().fit(frame)
    said = [r.getMessage() for r in caplog.records if "JSON objects as text" in r.getMessage()]
    assert len(said) == 2, said
    assert said[0].startswith("column 'LocationDetails' holds JSON objects as text (e.g. '{\"city\": ")
    assert said[0].endswith("read as one text value (role drop: near-unique text (120 distinct of 120)), "
                            "not as its fields; export the fields you need as columns "
                            "(KQL: | evaluate bag_unpack(LocationDetails))")
    assert "(role categorical: text values)" in said[1] and "bag_unpack(DeviceDetail)" in said[1]
    assert pre.roles_["LocationDetails"] == "drop"  # (roles as they were: the warning is all)


def test_ecs_alerts_of_elasticsearch_hits_and_splunk_json_carry_their_fields(tmp_path: Path) -> None:
    # What was wrong: the ECS alerts of a model trained on an Elasticsearch scroll export (the
    # hits one a line: _source.@timestamp, _source.source.ip ...) carried the scoring time
    # (timestamp_from 'scoring': the hit's _source.@timestamp never taken as the event time, as
    # @timestamp is) and no source or destination; so did those of a Splunk JSON export
    # (result.src, result.dest_port): the SIEM received alerts it could not tie to a host.
    from hourglass.cli import app
    from hourglass.serve.ecs import ecs_target
    from tests._cli import runner

    assert ecs_target("_source.source.ip") == "source.ip"
    assert ecs_target("result.dest_port") == "destination.port"
    rng = np.random.default_rng(0)
    hits = tmp_path / "hits.jsonl"
    with hits.open("w") as fh:
        for i in range(200):
            far = i == 150
            fh.write(json.dumps({"_index": "logs", "_id": f"i{i}", "_source": {
                "@timestamp": f"2024-03-01T08:{i // 60:02d}:{i % 60:02d}.000Z",
                "source": {"ip": f"10.0.0.{i % 9}", "bytes": 9e6 if far else float(rng.integers(100, 900))},
                "destination": {"port": 443}}}) + "\n")
    model, alerts = tmp_path / "m", tmp_path / "alerts.jsonl"
    res = runner.invoke(app, ["train", str(hits), "--epochs", "1", "--hidden", "4,2", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(hits), "-o", str(alerts),
                              "--alert-format", "ecs", "-q"])
    assert res.exit_code == 0, res.output
    doc = next(d for d in map(json.loads, alerts.read_text().splitlines()) if d["hourglass"]["row"] == 150)
    assert doc["@timestamp"] == "2024-03-01T08:02:30.000Z" and doc["hourglass"]["timestamp_from"] == "data"
    assert doc["source"] == {"ip": "10.0.0.6"} and doc["destination"] == {"port": 443}


def test_ecs_alert_maps_splunk_cim_dest_to_destination_ip() -> None:
    # What was wrong: Splunk's Common Information Model names a flow's ends src and dest; an
    # ECS alert of a Splunk export took src as source.ip but left dest (192.168.1.5) out of
    # destination.ip and related.ip, where dst, dest_ip and dest_port were mapped.
    from hourglass.serve.ecs import AlertRule, to_ecs

    rule = AlertRule("autoencoder", "3f9a", threshold=1.5)
    doc = to_ecs({"row": 0, "score": 4.2, "severity": "high"}, rule,
                 fields={"src": "10.0.0.10", "dest": "192.168.1.5", "dest_port": 22})
    assert doc["destination"] == {"ip": "192.168.1.5", "port": 22}
    assert doc["related"]["ip"] == ["10.0.0.10", "192.168.1.5"]
    # a dest that names a host (CIM allows it) is no address: not destination.ip
    doc = to_ecs({"row": 0, "score": 4.2, "severity": "high"}, rule, fields={"dest": "web01"})
    assert "ip" not in doc.get("destination", {})


def test_splunk_multivalue_numbers_are_said(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: Splunk exports a multivalue field as its values parted by line breaks in
    # one quoted cell ('1200\n3400', as `stats values(bytes)` makes it); 6 such cells in 300 of
    # a bytes column made it text, dropped unsaid as near-unique text (281 distinct of 300):
    # the model never saw bytes, and nothing said why.
    import logging

    rng = np.random.default_rng(1)
    n = 300
    values = [str(x) for x in rng.integers(100, 5000, n)]
    for i in range(5, n, 50):
        values[i] = "1200\n3400"
    frame = pd.DataFrame({"bytes": values, "tag": ["network\ncommunicate", "network"] * (n // 2)})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pre = TabularPreprocessor().fit(frame)
    said = [r.getMessage() for r in caplog.records if "multivalue" in r.getMessage()]
    assert said == [
        "column 'bytes' holds numbers, some cells several parted by line breaks (e.g. '1200\\n3400'), "
        "as Splunk exports a multivalue field: such a cell is no number (role drop: near-unique text "
        f"({len(set(values))} distinct of 300)); export one value a cell (SPL: | mvexpand bytes, or "
        "| eval bytes=mvindex(bytes, 0)) to use them as numbers"]
    assert pre.roles_["bytes"] == "drop" and pre.roles_["tag"] == "categorical"  # (roles as they were)


def test_splunk_json_export_message_lines_are_no_rows(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: Splunk's JSON export puts the search's messages on lines of their own
    # ({"preview":false,"messages":[{"type":"INFO","text":"Your timerange was substituted ..."}]});
    # score read such a line as a row of nothing, scored 1.85 where the export's rows scored
    # about 0.002: a critical alert on every export with a message, row 0 naming no event; and
    # stream stopped at it: "line 1: missing column 'result.host'".
    import logging

    from hourglass.cli import app
    from hourglass.ingest import read_table
    from tests._cli import runner

    message = {"preview": False, "messages": [{"type": "INFO", "text": "Your timerange was substituted"}]}
    path = tmp_path / "export.json"
    _splunk_json(path, 60)
    path.write_text(json.dumps(message) + "\n" + path.read_text())
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        df = read_table(path)
    assert len(df) == 60 and df["offset"].tolist() == list(range(60))
    assert f"{path}: line 1: Splunk's export message, no event, left out (INFO: Your timerange was " \
           "substituted)" in caplog.messages
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(path), "--epochs", "1", "--hidden", "4,2", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stream", str(model)], input=path.read_text())
    assert res.exit_code == 0, res.stderr
    assert "<stdin>: line 1: Splunk's export message, no event, left out" in res.stderr
    assert "streamed 60 rows" in res.stderr


def test_splunk_outputcsv_multivalue_copies_are_no_features() -> None:
    # What was wrong: Splunk's outputcsv writes each multivalue field twice, its values parted
    # by line breaks under its name and again as '$network$;$communicate$' in a column
    # '__mv_tag' (empty where the field has one value); the copy was one-hot beside the field,
    # every multivalue combination counted twice.
    n = 120
    frame = pd.DataFrame({"_time": ["2024-03-01T08:00:00.000+0000"] * n, "_raw": [f"r{i}" for i in range(n)],
                          "tag": ["network\ncommunicate", "network"] * (n // 2),
                          "__mv_tag": ["$network$;$communicate$", None] * (n // 2)})
    pre = TabularPreprocessor().fit(frame)
    assert (pre.roles_["__mv_tag"], pre.reasons_["__mv_tag"]) == ("drop", "Splunk's export bookkeeping")
    assert pre.roles_["tag"] == "categorical"


def test_kibana_csv_report_dates_are_times(tmp_path: Path) -> None:
    # What was wrong: Kibana's CSV reports (Discover's "Generate CSV") write every date in its
    # dateFormat, 'Mar 1, 2024 @ 08:00:00.000', which no reader took for a time: train said "not
    # using '@timestamp' as the event time (... row 1 is not a timestamp ('Mar 1, 2024 @
    # 08:00:00.000'); no row of the 300 is ...); alerts will carry the scoring time", and
    # --timestamp-col @timestamp was refused.
    from hourglass._times import parse_timestamps
    from hourglass.cli import app
    from tests._cli import runner

    got = parse_timestamps(pd.Series(["Mar 1, 2024 @ 08:00:00.000", "Sep 12, 2024 @ 20:05:09.123"]), "t")
    assert list(got) == [pd.Timestamp("2024-03-01 08:00:00"), pd.Timestamp("2024-09-12 20:05:09.123")]
    rng = np.random.default_rng(2)
    n = 120
    times = pd.date_range("2024-03-01 08:00", periods=n, freq="61s")
    frame = pd.DataFrame({"@timestamp": [f"{t:%b} {t.day}, {t.year} @ {t:%H:%M:%S}.000" for t in times],
                          "source.ip": [f"10.0.0.{i % 9}" for i in range(n)],
                          "source.bytes": rng.integers(100, 900, n)})
    frame.loc[60, "source.bytes"] = 9_000_000
    data, model, alerts = tmp_path / "kibana.csv", tmp_path / "m", tmp_path / "a.jsonl"
    frame.to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), "--epochs", "1", "--hidden", "4,2", "-o", str(model), "-q"])
    assert res.exit_code == 0 and "not using '@timestamp'" not in res.stderr, res.stderr
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(alerts),
                              "--alert-format", "ecs", "-q"])
    assert res.exit_code == 0, res.stderr
    doc = next(d for d in map(json.loads, alerts.read_text().splitlines()) if d["hourglass"]["row"] == 60)
    assert doc["@timestamp"] == "2024-03-01T09:01:00.000Z" and doc["hourglass"]["timestamp_from"] == "data"


def test_splunk_csv_given_to_a_log_format_says_what_it_is() -> None:
    # What was wrong: a Splunk CSV export given to a log model (train export.csv --format
    # syslog) was refused "no log line matched the header format 'syslog' (901 lines: 0 parsed,
    # ...); the first, line 1: does not match the 'syslog' header format:
    # '_time,_raw,_indextime,...'": nothing said the file is a table whose _raw column holds
    # the lines, nor how to give them.
    from hourglass.ingest.logs import LogParser

    said = LogParser("syslog").unmatched_text(1, "_time,_raw,_indextime,_cd,host,src")
    assert said == (
        "line 1: does not match the 'syslog' header format (the header of a Splunk CSV export, which "
        "holds the events in its _raw column: export them as Raw Events, Splunk's raw format (the "
        "REST export's output_mode=raw), or train on the table as an event table, --message-col "
        "_raw): '_time,_raw,_indextime,_cd,host,src'")
    assert "Splunk" in LogParser("syslog").unmatched_text(1, '"_raw"')
    assert "Splunk" not in LogParser("syslog").unmatched_text(2, "x,_raw")
