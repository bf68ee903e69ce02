"""Review round 64: the service beside the file reader and stream."""
from __future__ import annotations

from pathlib import Path


def test_service_names_a_kube_list_or_saas_page_sent_as_a_row(tmp_path: Path) -> None:
    # What was wrong: 'score' and 'stream' refuse a Kubernetes list and a Google Workspace or
    # Slack audit API page with their recipes, but the service, sent one as a row, said only
    # "row 1: missing column 'a' (each row needs a, b; ...)", nothing saying the row held events.
    from tests._serve import AUTH, client_of, small_table_model

    event = {"a": 1.0, "b": 2.0}
    kube = {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": [event]}
    workspace = {"kind": "admin#reports#activities", "etag": "x", "items": [event],
                 "nextPageToken": "T"}
    slack = {"entries": [event], "response_metadata": {"next_cursor": ""}}
    with client_of(small_table_model(tmp_path)) as client:
        got = client.post("/score", json={"rows": [event, kube]}, headers=AUTH)
        assert got.status_code == 422
        assert got.json()["detail"] == (
            "row 2: a Kubernetes list (its objects under items), not one event; send its items "
            "as the rows (jq '{rows: .items}')")
        got = client.post("/score", json={"rows": [workspace]}, headers=AUTH)
        assert got.status_code == 422
        assert got.json()["detail"].startswith(
            "row 1: a Google Workspace Reports API page (activities.list: its activities under "
            "items), not one event; send its items as the rows (jq '{rows: .items}')")
        got = client.post("/score", json={"rows": [slack]}, headers=AUTH)
        assert got.status_code == 422
        assert "send its entries as the rows (jq '{rows: .entries}')" in got.json()["detail"]
        # an event with fields named items, kind or entries is a row as before
        got = client.post("/score", json={"rows": [{**event, "items": 3, "kind": "order",
                                                    "entries": "x"}]}, headers=AUTH)
        assert got.status_code == 200


def test_service_names_a_github_actions_or_jenkins_page_sent_as_a_row(tmp_path: Path) -> None:
    # What was wrong: 'score' and 'stream' refuse GitHub's Actions REST API pages and a Jenkins
    # job's JSON with their recipes, but the service, sent one as a row, said only "row 1:
    # missing column 'a'": its check asked only of rows with items or entries.
    from tests._serve import AUTH, client_of, small_table_model

    event = {"a": 1.0, "b": 2.0}
    runs = {"total_count": 1, "workflow_runs": [event]}
    jenkins = {"_class": "hudson.model.FreeStyleProject", "builds": [event]}
    with client_of(small_table_model(tmp_path)) as client:
        got = client.post("/score", json={"rows": [runs]}, headers=AUTH)
        assert got.status_code == 422
        assert got.json()["detail"] == (
            "row 1: a GitHub Actions REST API page (its workflow runs under workflow_runs), not "
            "one event; send its workflow_runs as the rows (jq '{rows: .workflow_runs}')")
        got = client.post("/score", json={"rows": [event, jenkins]}, headers=AUTH)
        assert got.status_code == 422
        assert got.json()["detail"].endswith("send its builds as the rows (jq '{rows: .builds}')")
        got = client.post("/score", json={"rows": [{**event, "total_count": 3, "_class": "x"}]},
                          headers=AUTH)
        assert got.status_code == 200
