"""CI/CD and software-supply-chain logs: GitLab audit events, GitHub Actions, Jenkins."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest import read_table
from tests._cli import runner


def _gitlab_audit(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    authors = rng.choice([1, 17, 23, 31], n)
    projects = rng.choice([6, 7, 9], n)
    return pd.DataFrame({
        "id": np.arange(1000, 1000 + n), "author_id": authors, "entity_id": projects,
        "entity_type": "Project",
        "details.custom_message": rng.choice(["Added protected branch", "Added ci variable"], n),
        "details.target_id": projects,
        "details.target_details": [f"platform/p{p}" for p in projects],
        "created_at": pd.date_range("2026-11-01", periods=n, freq="min").strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "event_name": rng.choice(["protected_branch_created", "ci_variable_created"], n)})


def test_gitlab_audit_event_ids_are_names_not_amounts() -> None:
    # What was wrong: a GitLab audit event's author_id, entity_id and details.target_id were learnt
    # as minmax-scaled numbers: a new user with id 24 scored as user 23 did, one with id 5000 scored
    # 3,878 for its size alone; they are now categories, every unseen id alike.
    audit = _gitlab_audit()
    pre = TabularPreprocessor().fit(audit)
    for c in ("author_id", "entity_id", "details.target_id"):
        assert pre.roles_[c] == "categorical", (c, pre.roles_[c], pre.reasons_[c])
        assert "GitLab's id" in pre.reasons_[c]
    new = audit.iloc[[0, 0]].copy()
    new["author_id"] = [24, 5000]
    x = pre.transform(new)
    assert np.array_equal(np.asarray(x)[0], np.asarray(x)[1])
    # a table without GitLab's fields keeps its ids as numbers, as before
    other = audit.drop(columns=["entity_type"])
    assert TabularPreprocessor().fit(other).roles_["author_id"] == "numeric"


def test_a_github_actions_api_page_is_refused_with_its_recipe(tmp_path: Path) -> None:
    # What was wrong: a page of GitHub's REST API saved whole (gh api .../actions/runs > runs.json,
    # {"total_count": N, "workflow_runs": [...]}) was refused pretty-printed with the advice
    # 'jq -c .', which wrote it as ONE row of total_count and the runs as text (inspect: '1 row
    # inspected, 2 columns'); both are now refused with 'jq -c '.workflow_runs[]''.
    runs = [{"id": 7000000000 + i, "run_number": 100 + i, "event": "push", "conclusion": "success",
             "head_sha": f"{i:040x}", "actor": {"login": "alice", "id": 101}} for i in range(20)]
    for key in ("workflow_runs", "jobs", "artifacts"):
        page = {"total_count": len(runs), key: runs}
        compact, pretty = tmp_path / f"{key}.jsonl", tmp_path / f"{key}.json"
        compact.write_text(json.dumps(page) + "\n")
        pretty.write_text(json.dumps(page, indent=2) + "\n")
        for path in (compact, pretty):
            with pytest.raises(InputError) as err:
                read_table(path)
            said = str(err.value)
            assert said.startswith(f"{path}: line 1: a GitHub Actions REST API page"), said
            assert said.endswith(f"(jq -c '.{key}[]')"), said
        res = runner.invoke(app, ["inspect", str(compact)])
        assert res.exit_code == 2 and "GitHub Actions REST API page" in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
    # a run that merely has a jobs field is a run
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"id": 1, "jobs": [1, 2], "conclusion": "success"}) + "\n")
    assert len(read_table(one)) == 1


def _workflow_runs(first: int, n: int) -> pd.DataFrame:
    """GitHub Actions' workflow runs as the JSON-lines reader flattens jq -c '.workflow_runs[]'."""
    rng = np.random.default_rng(first)
    i = np.arange(first, first + n)
    return pd.DataFrame({
        "id": 7000000000 + i * 37, "run_number": 1000 + i, "run_attempt": 1,
        "head_sha": [f"{k:040x}" for k in i], "workflow_id": 161335,
        "check_suite_id": 20000000000 + i * 3, "event": rng.choice(["push", "pull_request"], n),
        "conclusion": rng.choice(["success", "failure"], n),
        "actor.login": rng.choice(["alice", "bob"], n), "actor.id": rng.choice([101, 102], n)})


def test_a_workflow_runs_counters_are_no_amounts() -> None:
    # What was wrong: GitHub Actions' run_number (1, 2, 3 ... with every run) and check_suite_id
    # were learnt as minmax-scaled numbers: the next 100 runs after 400 trained on lay past the
    # training range, 16 of them flagged (1.8% of the training runs); the counter is dropped,
    # the run's ids are codes as a GitHub audit log's are (4 flagged).
    train = _workflow_runs(0, 120)
    pre = TabularPreprocessor().fit(train)
    assert pre.roles_["run_number"] == "drop", pre.reasons_["run_number"]
    assert pre.roles_["check_suite_id"] == "drop", pre.reasons_["check_suite_id"]
    assert pre.roles_["workflow_id"] == "categorical", pre.reasons_["workflow_id"]
    later = _workflow_runs(0, 120)
    for c in ("id", "run_number", "check_suite_id", "head_sha"):
        later[c] = _workflow_runs(5000, 120)[c].to_numpy()
    assert np.array_equal(np.asarray(pre.transform(later)), np.asarray(pre.transform(train)))
    # a Jenkins build's number, by the name exports give it, is a counter too
    builds = pd.DataFrame({"build_number": np.arange(200), "duration": np.arange(200) % 7 * 1.5})
    assert TabularPreprocessor().fit(builds).roles_["build_number"] == "drop"


def test_gitlab_api_log_user_and_token_ids_are_names_not_amounts() -> None:
    # What was wrong: GitLab's api_json.log (and production_json.log) had its user_id and token_id
    # learnt as minmax-scaled numbers: a new token with id 13, between tokens 12 and 15, scored
    # 0.058 (not flagged), one with id 9000 scored 62,132; they are now categories, every
    # unseen token alike (0.065, flagged).
    rng = np.random.default_rng(1)
    n = 300
    user = rng.choice([5, 7, 9], n)
    log = pd.DataFrame({
        "time": pd.date_range("2026-12-01", periods=n, freq="s").strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "duration_s": rng.uniform(0.01, 0.4, n), "status": rng.choice([200, 200, 404], n),
        "route": rng.choice(["/api/:version/projects/:id/jobs", "/api/:version/projects/:id/pipeline"], n),
        "user_id": user, "token_id": user + 7,
        "meta.caller_id": "GET /api/:version/projects/:id/jobs",
        "meta.feature_category": "continuous_integration",
        "correlation_id": [f"01GS{i:022X}" for i in range(n)]})
    pre = TabularPreprocessor().fit(log)
    for c in ("user_id", "token_id"):
        assert pre.roles_[c] == "categorical", (c, pre.roles_[c], pre.reasons_[c])
    new = log.iloc[[0, 0]].copy()
    new["token_id"] = [13, 9000]
    x = np.asarray(pre.transform(new))
    assert np.array_equal(x[0], x[1])


def test_gitlab_audit_csv_export_ids_are_names_not_amounts(tmp_path: Path) -> None:
    # What was wrong: GitLab's CSV export of audit events names its fields 'Author ID', 'Entity
    # ID', 'Entity Type', 'Target ID': the audit event was not told by those spellings, and the
    # ids were minmax-scaled numbers (a new user with id 5000 an anomaly for its size alone).
    audit = _gitlab_audit()
    export = pd.DataFrame({"ID": audit["id"], "Author ID": audit["author_id"],
                           "Entity ID": audit["entity_id"], "Entity Type": audit["entity_type"],
                           "Target ID": audit["details.target_id"],
                           "Action": audit["details.custom_message"],
                           "Created At (UTC)": audit["created_at"]})
    path = tmp_path / "audit_events.csv"
    export.to_csv(path, index=False)
    pre = TabularPreprocessor().fit(read_table(path))
    for c in ("Author ID", "Entity ID"):
        assert pre.roles_[c] == "categorical", (c, pre.roles_[c], pre.reasons_[c])


def test_a_jenkins_job_json_is_refused_with_its_recipe(tmp_path: Path) -> None:
    # What was wrong: a Jenkins job's builds from its JSON API (/job/NAME/api/json?tree=builds[...],
    # {"_class": "hudson.model.FreeStyleProject", "builds": [...]}) was refused pretty-printed with
    # 'jq -c .', whose line read as ONE row of _class and the builds as one text value; both are
    # now refused with 'jq -c '.builds[]''.
    builds = [{"_class": "hudson.model.FreeStyleBuild", "number": 100 + i, "result": "SUCCESS",
               "duration": 60000 + i, "timestamp": 1764576000000 + i * 600000} for i in range(20)]
    job = {"_class": "hudson.model.FreeStyleProject", "builds": builds}
    compact, pretty = tmp_path / "job.jsonl", tmp_path / "job.json"
    compact.write_text(json.dumps(job) + "\n")
    pretty.write_text(json.dumps(job, indent=2) + "\n")
    for path in (compact, pretty):
        res = runner.invoke(app, ["inspect", str(path)])
        assert res.exit_code == 2 and "a Jenkins JSON API job" in res.stderr, res.stderr
        assert res.stderr.rstrip().endswith("(jq -c '.builds[]')"), res.stderr
    lines = tmp_path / "builds.jsonl"  # what the recipe writes reads as the builds
    lines.write_text("".join(json.dumps(b) + "\n" for b in builds))
    assert len(read_table(lines)) == 20


def test_a_jenkins_build_number_is_no_amount() -> None:
    # What was wrong: a Jenkins build's number (its JSON API's builds, jq -c '.builds[]') was learnt
    # as a minmax-scaled number, with no warning under 51 builds: of the 100 builds after 300
    # trained on, 32 were flagged (5 of the 300); it is dropped as a counter (1 flagged).
    def builds(first: int, n: int) -> pd.DataFrame:
        rng = np.random.default_rng(first)
        return pd.DataFrame({"_class": "hudson.model.FreeStyleBuild", "number": np.arange(first, first + n),
                             "result": rng.choice(["SUCCESS", "FAILURE"], n),
                             "duration": rng.normal(60000, 8000, n).round()})
    pre = TabularPreprocessor().fit(builds(1, 40))
    assert pre.roles_["number"] == "drop", pre.reasons_["number"]
    later = builds(1, 40).assign(number=np.arange(5000, 5040))
    assert np.array_equal(np.asarray(pre.transform(later)), np.asarray(pre.transform(builds(1, 40))))
    # a number beside no Jenkins class keeps its role
    assert TabularPreprocessor().fit(builds(1, 40).drop(columns="_class")).roles_["number"] == "numeric"


def test_gitlab_audit_ecs_alert_names_the_author_address_and_event() -> None:
    # What was wrong: an ECS alert of a GitLab audit event (score or stream --alert-format ecs)
    # named neither who acted nor from where: details.author_name, details.ip_address and
    # event_name had no ECS name, only 'anomalous row 3'; they are user.name, source.ip and
    # event.action where the record or the model's input has GitLab's author_id, entity_id and
    # entity_type.
    from hourglass.serve.ecs import AlertRule, ecs_column, frame_alerts

    result = pd.DataFrame({"row": [0], "score": [5.0], "flag": [1], "calibrated": [0.999],
                           "severity": ["critical"]})
    row = pd.DataFrame({"details.author_name": ["mallory"], "details.ip_address": ["203.0.113.9"],
                        "event_name": ["project_archived"]})
    inputs = ("author_id", "entity_id", "entity_type", "details.author_name", "details.ip_address",
              "event_name")
    columns = (*inputs, "created_at")
    named = [c for c in row.columns if ecs_column(c, columns)]  # (as score picks them)
    assert named == list(row.columns)
    doc = frame_alerts(result, AlertRule("autoencoder", "ab", input_fields=inputs), named=row[named])[0]
    assert doc["user"] == {"name": "mallory"}
    assert doc["source"] == {"ip": "203.0.113.9"}
    assert doc["event"]["action"] == "project_archived"
    # another table's author_name names no one
    assert not ecs_column("author_name", ("author_name", "title"))


def test_a_jobs_run_id_is_dropped_not_learnt() -> None:
    # What was wrong: a GitHub Actions job's run_id (the run it belongs to, shared by its few jobs,
    # so not near-unique) was learnt as a rising number: trained on 40 runs' jobs, all 60 jobs of
    # 20 runs later were flagged; read as a GitHub Actions id it became 40 one-hot categories never
    # seen again. It is dropped as the run's own id (none of the 60 flagged).
    rows = [{"id": 30000000000 + r * 3 + j, "run_id": 7000000000 + r * 37, "run_attempt": 1,
             "head_sha": f"{r:040x}", "name": name, "conclusion": "success", "runner_id": 11 + j % 2}
            for r in range(40) for j, name in enumerate(("build", "test", "deploy"))]
    jobs = pd.DataFrame(rows)
    pre = TabularPreprocessor().fit(jobs)
    assert pre.roles_["run_id"] == "drop", (pre.roles_["run_id"], pre.reasons_["run_id"])
    assert pre.roles_["runner_id"] == "categorical", pre.reasons_["runner_id"]
    later = jobs.assign(run_id=jobs["run_id"] + 400 * 37)
    assert np.array_equal(np.asarray(pre.transform(later)), np.asarray(pre.transform(jobs)))
