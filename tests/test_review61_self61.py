"""Review round 61 (self61): this round's fixes reviewed as a pull request (siblings, regressions)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hourglass.features.roles import infer_role
from hourglass.features.tabular import TabularPreprocessor


def _security_events(n: int, as_text: bool) -> pd.DataFrame:
    rows = {"TimeGenerated": [f"2024-03-01T08:{i // 60:02d}:{i % 60:02d}Z" for i in range(n)],
            "EventID": [(4624, 4625, 4768, 4740)[i % 4] for i in range(n)],
            "Task": [(12544, 12544, 14339, 13824)[i % 4] for i in range(n)],
            "Level": [(0, 8, 16)[i % 3] for i in range(n)],
            "Account": [f"user{i % 7}" for i in range(n)]}
    df = pd.DataFrame(rows)
    if as_text:  # as a JSON export writes them: "Task": "12544", "Level": "8"
        for c in ("Task", "Level"):
            df[c] = df[c].astype(str).astype(object)
    return df


def test_windows_event_codes_written_as_text_are_codes() -> None:
    # What was wrong: Task, Opcode and Level beside an EventID were made codes only where they
    # were read as numbers (a CSV); the same Security events exported as JSON, where they are
    # text ("Task": "12544", "Level": "8", as the OTRF/Mordor files read with --format jsonl and
    # a SIEM's JSON export write them), still had both min-max scaled ('numbers stored as text'):
    # Kerberos' 14339 far past a logon's 12544, and summed per user by an entity model.
    from hourglass.features.entity import EntityWindows

    text = _security_events(120, as_text=True)
    cols = list(text.columns)
    for c in ("Task", "Level"):
        assert infer_role(c, text[c], max_categories=50, columns=cols) == (
            "categorical", "Windows event code (Task, Opcode or Level beside an EventID)"), c
    pre = TabularPreprocessor().fit(text)
    numbers = TabularPreprocessor().fit(_security_events(120, as_text=False))
    assert (pre.roles_["Task"], pre.roles_["Level"]) == ("categorical", "categorical")
    assert pre.feature_names_ == numbers.feature_names_  # the same features as the CSV's numbers
    ew = EntityWindows("Account", "TimeGenerated", bucket="1h")
    assert ew.summed_columns(text) == []  # counted as codes, not summed
    # a task count as text, with no Windows event table around it, stays a number
    assert infer_role("Task", text["Task"], max_categories=50, columns=["Task", "hours"])[0] == "numeric"


def test_windows_event_codes_of_a_get_winevent_export_are_codes() -> None:
    # What was wrong: README says Task, Opcode and Level are codes beside a Windows event id,
    # PowerShell's `Get-WinEvent | Export-Csv` Id among them, but only a column named EventID
    # counted: that export (Id, Level 0/4, Task 12544/12545, Opcode beside ProviderName,
    # TimeCreated, RecordId) had its Level and Task min-max scaled ('numeric values'), Task
    # 14339 read as far past 12544, and summed per user by an entity model.
    n = 120
    df = pd.DataFrame({"TimeCreated": [f"2024-03-01 08:{i // 60:02d}:{i % 60:02d}" for i in range(n)],
                       "Id": [(4624, 4625, 4768)[i % 3] for i in range(n)],
                       "Level": [(0, 4)[i % 2] for i in range(n)],
                       "Task": [(12544, 12544, 14339)[i % 3] for i in range(n)],
                       "Opcode": [(0, 0, 1)[i % 3] for i in range(n)],
                       "ProviderName": ["Microsoft-Windows-Security-Auditing"] * n,
                       "RecordId": range(1000, 1000 + n), "bytes": [i % 17 for i in range(n)]})
    pre = TabularPreprocessor().fit(df)
    for c in ("Level", "Task", "Opcode"):
        assert (pre.roles_[c], pre.reasons_[c]) == (
            "categorical", "Windows event code (Task, Opcode or Level beside an EventID)"), c
    assert pre.roles_["Id"] == "categorical" and pre.roles_["bytes"] == "numeric"
    # a table of row ids beside a Level, no event export: Level stays a number
    plain = pd.DataFrame({"Id": range(n), "Level": [(0, 4)[i % 2] for i in range(n)]})
    assert TabularPreprocessor().fit(plain).roles_["Level"] == "numeric"


def test_stream_names_an_elasticsearch_search_response(tmp_path: Path) -> None:
    # What was wrong: score refuses an Elasticsearch _search response saved whole (every hit in
    # one object) with the recipe jq -c '.hits.hits[]', but stream, fed the same response
    # (curl .../_search | hourglass stream MODEL), said "line 1: missing column 'bytes' (each row
    # needs ...; send null for a missing value ...)", nothing saying what the line was, and with
    # --on-bad-rows skip streamed nothing: "streamed 0 rows ..., skipped 1 malformed line(s)".
    from hourglass.cli import app
    from tests._cli import runner, small_labelled_model

    made = small_labelled_model(tmp_path)
    hits = [{"_index": "logs", "_id": str(i), "_score": 1.0, "_source": row}
            for i, row in enumerate(made["frame"].drop(columns="label").head(3).to_dict("records"))]
    response = {"took": 3, "timed_out": False,
                "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                "hits": {"total": {"value": 3, "relation": "eq"}, "max_score": 1.0, "hits": hits}}
    said = ("<stdin>: line 1: an Elasticsearch/OpenSearch search response (its events under "
            "hits.hits), not one event a line; write its hits one a line (jq -c '.hits.hits[]')")
    for skip in ([], ["--on-bad-rows", "skip"]):
        res = runner.invoke(app, ["stream", str(made["model"]), *skip], input=json.dumps(response) + "\n")
        assert res.exit_code == 2 and said in res.stderr, res.stderr
        assert "Traceback" not in res.stderr and res.stdout == ""
    # an event with a field named hits (a web server's counter) streams as before
    row = {**made["frame"].drop(columns="label").iloc[0].to_dict(), "hits": 4}
    res = runner.invoke(app, ["stream", str(made["model"])], input=json.dumps(row) + "\n")
    assert res.exit_code == 0 and "streamed 1 row" in res.stderr, res.stderr


def test_every_message_of_a_splunk_json_export_is_said(tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a Splunk JSON export's message lines are left out with a warning, but the
    # file readers said only the first: an export whose first line said "INFO: Your timerange
    # was substituted" and whose last said "WARN: Search results might be incomplete: the
    # search process on the peer 'idx2' ended prematurely" trained and scored with the INFO
    # alone on stderr, the warning that the export is incomplete left out unsaid (stream said
    # both). Each message is now said once; a repeated one, or a line of none, is not.
    import logging

    from hourglass.ingest import read_table

    def note(kind: str, text: str) -> str:
        return json.dumps({"preview": False, "messages": [{"type": kind, "text": text}]}) + "\n"

    rows = "".join(json.dumps({"preview": False, "offset": i, "result": {"bytes": str(i), "host": "web1"}})
                   + "\n" for i in range(20))
    info = note("INFO", "Your timerange was substituted")
    warn = note("WARN", "Search results might be incomplete: the search process on the peer 'idx2' "
                        "ended prematurely")
    path = tmp_path / "export.json"
    path.write_text(info + rows + info + json.dumps({"preview": False, "lastrow": True}) + "\n" + warn)
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        df = read_table(path)
    assert len(df) == 20
    said = [m for m in caplog.messages if "Splunk's export message" in m]
    assert said == [f"{path}: line 1: Splunk's export message, no event, left out (INFO: Your "
                    "timerange was substituted)",
                    f"{path}: line 24: Splunk's export message, no event, left out (WARN: Search "
                    "results might be incomplete: the search process on the peer 'idx2' ended "
                    "prematurely)"]


def test_drop_given_a_comma_list_of_columns_says_how_to_drop_them(tmp_path: Path) -> None:
    # What was wrong: --keep given a SIEM's field list ('bytes,proto') now says it takes one
    # name, given once a column, but train's --drop and --categorical, given the same list,
    # said only "--drop: no column 'bytes,proto' in flows.csv; columns are bytes, pkts, proto,
    # label" (and a time-series model's --drop likewise), the file holding both.
    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    frame = pd.DataFrame({"bytes": [float(i % 13) for i in range(60)], "pkts": [i % 5 for i in range(60)],
                          "proto": ["tcp", "udp", "tcp"] * 20})
    data = tmp_path / "flows.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "m"
    for option in ("--drop", "--categorical"):
        one_line_error(["train", str(data), "-o", str(out), option, "pkts, proto"],
                       f"{option}: no column 'pkts, proto' in {data}; give {option} once a column: "
                       f"{option} pkts {option} proto")
        assert not out.exists()
    series = frame.drop(columns="proto").assign(ts=pd.date_range("2024-03-01", periods=60, freq="min"))
    series.to_csv(tmp_path / "series.csv", index=False)
    one_line_error(["train", str(tmp_path / "series.csv"), "-o", str(out), "--model", "lstm-ae",
                    "--timestamp-col", "ts", "--drop", "bytes,pkts"],
                   f"--drop: no column 'bytes,pkts' in {tmp_path / 'series.csv'}; give --drop once "
                   "a column: --drop bytes --drop pkts")
    # a list naming a column the data lacks is refused as before, naming the columns
    res = runner.invoke(app, ["train", str(data), "-o", str(out), "--drop", "pkts,host"])
    assert res.exit_code == 2 and "columns are bytes, pkts, proto" in res.stderr, res.stderr


def test_splunk_exports_give_their_event_time(tmp_path: Path) -> None:
    # What was wrong: train takes an Elasticsearch hit's _source.@timestamp as the event time,
    # but a Splunk export's own, _time (the UI's CSV export, outputcsv) or result._time (its JSON
    # export, search/jobs/export), was never one: the ECS alerts of a model of either carried
    # the scoring time ("timestamp_from": "scoring"), not the event's (2024-03-01T08:00:07Z).
    from hourglass.cli import app
    from tests._cli import runner

    times = [f"2024-03-01T08:{i // 60:02d}:{i % 60:02d}.000+00:00" for i in range(60)]
    csv = pd.DataFrame({"_time": times, "_raw": [f"event {i}" for i in range(60)],
                        "_serial": range(60), "splunk_server": ["idx1"] * 60,
                        "bytes": [float(100 + i % 13) for i in range(60)],
                        "action": ["allowed", "blocked"] * 30})
    (tmp_path / "export.csv").write_text(csv.to_csv(index=False))
    lines = [json.dumps({"preview": False, "offset": i, "result": {
        "_time": times[i], "bytes": str(100 + i % 13), "action": ("allowed", "blocked")[i % 2]}})
        for i in range(60)]
    (tmp_path / "export.json").write_text("\n".join(lines) + "\n")
    for name, col in (("export.csv", "_time"), ("export.json", "result._time")):
        data, model, out = tmp_path / name, tmp_path / f"m-{name}", tmp_path / f"{name}.jsonl"
        res = runner.invoke(app, ["train", str(data), "-o", str(model), "--epochs", "1", "--hidden", "4,2"])
        assert res.exit_code == 0, res.output
        assert f"event time from column {col!r} (a Splunk export's event time)" in res.stderr
        res = runner.invoke(app, ["--threads", "1", "score", str(model), str(data), "-o", str(out),
                                  "--alert-format", "ecs", "-q"])
        assert res.exit_code == 0, res.output
        docs = [json.loads(line) for line in out.read_text().splitlines()]
        assert docs, res.output  # (the flagged rows' alerts) each at its row's own time
        for doc in docs:
            row = doc["hourglass"]["row"]
            assert doc["@timestamp"] == f"2024-03-01T08:00:{row:02d}.000Z", doc
            assert doc["hourglass"]["timestamp_from"] == "data"
    # a _time without another of Splunk's fields is no Splunk export's: not taken unasked
    from hourglass.features.roles import splunk_time

    assert splunk_time(["_time", "bytes", "action"]) is None


def test_splunk_json_export_multivalue_numbers_are_said(tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a Splunk multivalue field of numbers in a CSV export ('1200\n3400') now
    # gets a warning naming it, but the same field in Splunk's JSON export, where a multivalue
    # cell is a JSON array ("bytes": ["1200", "3400"]) beside plain single values, was dropped
    # unsaid as near-unique text (295 distinct of 300): the model never saw bytes, nothing said why.
    import logging

    lines = []
    for i in range(300):
        value: object = str(100 + i) if i % 50 != 7 else [str(100 + i), str(5000 + i)]
        lines.append(json.dumps({"preview": False, "offset": i, "result": {
            "src": f"10.0.0.{i % 20}", "bytes": value, "action": ("allowed", "blocked")[i % 2]}}))
    path = tmp_path / "export.json"
    path.write_text("\n".join(lines) + "\n")
    from hourglass.ingest import read_table

    df = read_table(path)
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pre = TabularPreprocessor().fit(df)
    said = [m for m in caplog.messages if "multivalue" in m]
    assert said == [
        "column 'result.bytes' holds numbers, some cells several in a JSON array (e.g. '[\"107\", "
        "\"5007\"]'), as Splunk's JSON export writes a multivalue field: such a cell is no number "
        "(role drop: near-unique text (300 distinct of 300)); export one value a cell (SPL: | mvexpand "
        "bytes, or | eval bytes=mvindex(bytes, 0)) to use them as numbers"]
    assert pre.roles_["result.bytes"] == "drop"  # (roles as they were: the warning is all)
    # a column of arrays alone (Zeek's vectors, TTLs [60.0, 3600.0]) is no multivalue field
    from hourglass.features.roles import json_multivalue_number

    assert json_multivalue_number(pd.Series(["[60.0, 3600.0]", "[60.0]"] * 10)) is None


def test_json_arrays_of_objects_as_text_are_said(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a column of JSON objects as text (a Log Analytics dynamic column in a CSV
    # export, LocationDetails) now gets a warning, but a dynamic column of arrays of objects,
    # SigninLogs' AuthenticationDetails ('[{"authenticationMethod": "Password", "succeeded":
    # false, ...}]') and ConditionalAccessPolicies, was read unsaid as one text value: dropped as
    # near-unique text (120 distinct of 120), the sign-in's method and its failure lost, or
    # one-hot by whole array.
    import logging

    n = 120
    details = [json.dumps([{"authenticationStepDateTime": f"2024-03-01T08:{i // 60:02d}:{i % 60:02d}Z",
                            "authenticationMethod": ("Password", "Mobile app notification")[i % 2],
                            "succeeded": i % 3 == 0}]) for i in range(n)]
    df = pd.DataFrame({"UserPrincipalName": [f"u{i % 9}@example.com" for i in range(n)],
                       "AuthenticationDetails": details, "Policies": ["[]", '[{"result": "success"}]'] * 60,
                       "Tags": ['["a", "b"]'] * n, "bytes": range(n)})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pre = TabularPreprocessor().fit(df)
    said = [m for m in caplog.messages if "JSON arrays" in m]
    assert len(said) == 2, said
    assert said[0] == (
        "column 'AuthenticationDetails' holds JSON arrays of objects as text (e.g. "
        "'[{\"authenticationStepDateTime\": \"2024-0…'): read as one text value (role drop: "
        "near-unique text (120 distinct of 120)), not as its objects' fields; give the fields you "
        "need as columns of their own (a Log Analytics (Sentinel) export's dynamic column: KQL | "
        "extend FIELD = tostring(AuthenticationDetails[0].FIELD))")
    assert said[1].startswith("column 'Policies' holds JSON arrays of objects as text (e.g. "
                              "'[{\"result\": \"success\"}]'): read as one text value (role categorical")
    assert pre.roles_["AuthenticationDetails"] == "drop"  # (roles as they were: the warning is all)


def test_splunk_results_document_is_refused_with_its_recipe(tmp_path: Path) -> None:
    # What was wrong: an Elasticsearch _search response saved whole is refused with its recipe,
    # but Splunk's own such document, a search's results as the REST API gives them
    # (curl .../search/jobs/SID/results?output_mode=json > results.json: {"preview": false,
    # "init_offset": 0, "messages": [], "fields": [...], "results": [{...}, ...]}), was read as
    # JSON lines of one row, its envelope: train said 'AutoEncoder: 1 training row; fitting needs
    # at least 2' of a file of 60 events, score and stream a row of nothing.
    from hourglass.cli import app
    from hourglass.errors import InputError
    from hourglass.ingest import read_table
    from tests._cli import runner, small_labelled_model

    made = small_labelled_model(tmp_path)
    events = made["frame"].drop(columns="label").head(60).to_dict("records")
    doc = {"preview": False, "init_offset": 0, "messages": [],
           "fields": [{"name": k} for k in events[0]], "results": events, "highlighted": {}}
    said = ("line 1: a Splunk search's results as one JSON document (search/jobs/SID/results, "
            "output_mode=json: its events under results), not one event a line; export the search "
            "with search/jobs/export (one result a line), or write its results one a line "
            "(jq -c '.results[]')")
    one, pretty = tmp_path / "results.json", tmp_path / "pretty.json"
    one.write_text(json.dumps(doc) + "\n")
    pretty.write_text(json.dumps(doc, indent=2) + "\n")
    for path in (one, pretty):
        for skip in ("error", "skip"):
            with pytest.raises(InputError) as err:
                read_table(path, on_bad_rows=skip)
            assert str(err.value) == f"{path}: {said}"
    res = runner.invoke(app, ["stream", str(made["model"]), "--on-bad-rows", "skip"], input=one.read_text())
    assert res.exit_code == 2 and f"<stdin>: {said}" in res.stderr, res.stderr
    # the recipe's lines read as the events
    lines = tmp_path / "results.jsonl"
    lines.write_text("".join(json.dumps(e) + "\n" for e in doc["results"]))
    assert len(read_table(lines)) == 60
    # an event with fields named results and preview is a row
    row = tmp_path / "row.jsonl"
    row.write_text(json.dumps({"preview": "on", "results": 3, "user": "a"}) + "\n")
    assert len(read_table(row)) == 1


def test_s3_server_access_log_is_refused_naming_a_header_expression(tmp_path: Path) -> None:
    # What was wrong: web servers' and load balancers' access logs are refused as logs, naming a
    # header expression, but Amazon S3's server access log (the bucket owner's id, the bucket,
    # [06/Feb/2019:00:00:38 +0000], the client address ...) was sniffed as a CSV: its first
    # line, parted at the comma in the user agent ('aws-cli/1.16.0 Python/3.6, botocore/...'),
    # the header of 2 columns of text, and train fitted a model on them without a word.
    import re

    from tests._cli import one_line_error

    owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    lines = [f'{owner} bucket1 [06/Feb/2019:00:00:{i:02d} +0000] 192.0.2.{i % 5} {owner} '
             f'3E57427F3EXAMPLE{i} REST.GET.OBJECT key{i}.txt "GET /bucket1/key{i}.txt HTTP/1.1" 200 - '
             f'{100 + i} {100 + i} 7 - "-" "aws-cli/1.16.0 Python/3.6, botocore/1.12.0" - abc= SigV4 '
             'ECDHE-RSA-AES128-GCM-SHA256 AuthHeader bucket1.s3.us-west-1.amazonaws.com TLSV1.2 - -'
             for i in range(40)]
    path = tmp_path / "s3.log"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "m"
    one_line_error(["train", str(path), "-o", str(out)],
                   f"{path}: an Amazon S3 server access log is a log, not a table; train a log model "
                   "(--model deeplog) on its lines with a header expression, sessions by client "
                   "address: --format '", out)
    from hourglass.cli import app
    from tests._cli import runner

    said = runner.invoke(app, ["inspect", str(path)]).stderr
    regex = re.search(r"--format '([^']+)'", said)
    assert regex is not None, said
    found = re.match(regex.group(1), lines[7])
    assert found is not None and found.group("client_ip") == "192.0.2.2"
    assert found.group("timestamp") == "06/Feb/2019:00:00:07 +0000"


def test_access_log_refusal_recipe_trains_as_given(tmp_path: Path) -> None:
    # What was wrong: the refusal of a web server's access log (and of nginx's error log) gave
    # the options that read its lines, "train a log model on its lines with a header expression,
    # sessions by client address: --format '...' --session-col client_ip", but no model: train
    # run with them, as said, was refused again, "--model autoencoder (the default model) takes
    # tabular input; a log needs a log model: --model deeplog (...)".
    import shlex

    from hourglass.cli import app
    from tests._cli import runner

    lines = [f'192.168.1.{i % 4} - - [01/Mar/2024:08:00:{i:02d} +0100] "GET /p{i % 3} HTTP/1.1" 200 '
             f'{100 + i} "-" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"'
             for i in range(40)]
    path = tmp_path / "access.log"
    path.write_text("\n".join(lines) + "\n")
    said = runner.invoke(app, ["train", str(path), "-o", str(tmp_path / "m")]).stderr
    assert "train a log model (--model deeplog) on its lines" in said, said
    recipe = said.split("sessions by client address: ", 1)[1].split(" (or --window", 1)[0]
    res = runner.invoke(app, ["train", str(path), "-o", str(tmp_path / "m"), "--model", "deeplog",
                              *shlex.split(recipe), "--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "m").is_dir()
