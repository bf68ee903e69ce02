"""Review round 61 (self61b): the latest merged fixes reviewed as a pull request."""
from __future__ import annotations

from pathlib import Path

from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs


def test_ecs_named_hashes_are_lowercase_hex_digests() -> None:
    # What was wrong: an endpoint event's own ECS hash column ('process.hash.sha256' of an EDR
    # export, 'ABCD...' in upper case as Sysmon writes digests) went to process.hash.sha256 and
    # related.hash as written, upper case, where the same digest from Sysmon's Hashes went in
    # lower case: a threat-intelligence match on the digest found one and not the other; and
    # 'N/A' in file.hash.md5 went to file.hash.md5 as a digest.
    digest = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
    rule = AlertRule("autoencoder", "3f9a", threshold=1.0)
    doc = to_ecs({"row": 0, "score": 2.0}, rule,
                 fields={"process.hash.sha256": digest, "file.hash.md5": "N/A",
                         "process.name": "cmd.exe"})
    assert doc["process"] == {"hash": {"sha256": digest.lower()}, "name": "cmd.exe"}
    assert doc["related"]["hash"] == [digest.lower()]
    assert "file" not in doc and doc["hourglass"]["fields"] == {"file.hash.md5": "N/A"}
    assert ecs_named({"file.hash.md5": "N/A", "file.hash.sha1": "A" * 40}) == {"file.hash.sha1": "A" * 40}
    # the same digest through Sysmon's Hashes: the same field value
    sysmon = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "3f9a", threshold=1.0,
                                                         data_format="windows-json"),
                    fields={"EventID": 1, "Hashes": f"SHA256={digest}"})
    assert sysmon["process"]["hash"] == doc["process"]["hash"]


def test_service_names_a_search_response_sent_as_a_row(tmp_path: Path) -> None:
    # What was wrong: 'score' and 'stream' refuse an Elasticsearch _search response (and a
    # Splunk results document) with its recipe, but the service, sent one as a row
    # ({"rows": [<the response>]}), said only "row 1: missing column 'a' (each row needs a, b;
    # send null for a missing value ...)", nothing saying the row was a search's whole answer.
    from tests._serve import AUTH, client_of, small_table_model

    hits = [{"_index": "flows", "_source": {"a": 1.0, "b": 2.0}}] * 2
    response = {"took": 3, "timed_out": False, "_shards": {"total": 1},
                "hits": {"total": {"value": 2}, "hits": hits}}
    results = {"preview": False, "init_offset": 0, "messages": [], "fields": [{"name": "a"}],
               "results": [{"a": "1", "b": "2"}]}
    with client_of(small_table_model(tmp_path)) as client:
        got = client.post("/score", json={"rows": [{"a": 1.0, "b": 2.0}, response]}, headers=AUTH)
        assert got.status_code == 422
        assert got.json()["detail"] == (
            "row 2: an Elasticsearch/OpenSearch search response (its events under hits.hits), not "
            "one event; send its hits as the rows (jq '{rows: .hits.hits}')")
        got = client.post("/score", json={"rows": [results]}, headers=AUTH)
        assert got.status_code == 422
        assert got.json()["detail"].startswith("row 1: a Splunk search's results as one JSON document")
        # a row with a field named hits or results is a row as before
        got = client.post("/score", json={"rows": [{"a": 1.0, "b": 2.0, "hits": 3, "results": "ok"}]},
                          headers=AUTH)
        assert got.status_code == 200


def test_role_and_timestamp_col_given_a_comma_list_get_advice_that_works(tmp_path: Path) -> None:
    # What was wrong: a comma list given to --drop now says "give --drop once a column: --drop
    # pkts --drop proto", but the same advice was given to --role and --timestamp-col, where it
    # is refused in turn: "--role 'pkts,proto=categorical'" said "give --role once a column:
    # --role pkts --role proto" (which says "--role: expected COL=ROLE, got 'pkts'"), and
    # "--timestamp-col 'ts,ts2'" said "--timestamp-col ts --timestamp-col ts2" (which says
    # "--timestamp-col given twice, with different values").
    import pandas as pd

    from tests._cli import one_line_error

    frame = pd.DataFrame({"bytes": [float(i % 13) for i in range(60)], "pkts": [i % 5 for i in range(60)],
                          "proto": ["tcp", "udp", "tcp"] * 20,
                          "ts": pd.date_range("2024-03-01", periods=60, freq="min").astype(str),
                          "ts2": pd.date_range("2024-03-02", periods=60, freq="min").astype(str)})
    data = tmp_path / "flows.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "m"
    one_line_error(["train", str(data), "-o", str(out), "--role", "pkts,proto=categorical"],
                   f"--role: no column 'pkts,proto' in {data}; give --role once a column: "
                   "--role pkts=categorical --role proto=categorical")
    one_line_error(["train", str(data), "-o", str(out), "--timestamp-col", "ts,ts2"],
                   f"--timestamp-col: no column 'ts,ts2' in {data}; --timestamp-col takes one "
                   "column, the event time: --timestamp-col ts or --timestamp-col ts2")
    assert not out.exists()


def test_windows_event_keywords_beside_an_event_id_are_a_code() -> None:
    # What was wrong: beside an event id, a Windows event's Task, Opcode and Level are codes, but
    # its Keywords, a 64-bit mask (Get-WinEvent | Export-Csv: audit success
    # -9214364837600034816, audit failure -9218868437227405312), was min-max scaled as 'numeric
    # values': with an event of the classic keywords (4620693217682128896) in the table, a
    # failed logon scaled to 0.0 and a successful one to 0.0002, the model all but blind to it.
    import pandas as pd

    from hourglass.features.roles import infer_role

    success, failure, classic = -9214364837600034816, -9218868437227405312, 4620693217682128896
    keywords = pd.Series([success] * 50 + [failure] * 10 + [classic] * 5)
    columns = ["Id", "Keywords", "ProviderName", "TimeCreated", "RecordId"]
    assert infer_role("Keywords", keywords, max_categories=20, columns=columns) == (
        "categorical", "Windows event keywords (a bit mask beside an EventID)")
    # as text (a JSON export's "Keywords": "-9214364837600034816") the same code
    assert infer_role("Keywords", keywords.astype(str), max_categories=20,
                      columns=["EventID", "Keywords"])[0] == "categorical"
    # without an event id beside it, a column so named is read as before
    assert infer_role("Keywords", keywords, max_categories=20, columns=["Keywords"]) == (
        "numeric", "numeric values")
