"""Regression tests: Kubernetes and container telemetry (events, CRI and Docker logs, Falco,
shippers' kubernetes metadata)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hourglass.features.roles import infer_role


def test_kubernetes_resource_version_is_no_amount() -> None:
    # What was wrong: a Kubernetes object's resourceVersion (kubectl get events -o json's
    # metadata.resourceVersion and involvedObject.resourceVersion) is etcd's revision, rising with
    # every write, but was min-max scaled as an amount: the next day's normal events lay past the
    # training range and all scored high (300 of 300 flagged).
    versions = pd.Series([str(100000 + 7 * i) for i in range(300)])
    for name in ("metadata.resourceVersion", "involvedObject.resourceVersion", "resourceVersion"):
        assert infer_role(name, versions, max_categories=100)[0] == "drop"
    assert infer_role("count", pd.Series([1, 2, 5, 1]), max_categories=100)[0] == "numeric"


def _events(n: int) -> list[dict]:
    """Core Events as kubectl get events -o json writes them."""
    return [{"apiVersion": "v1", "count": 1, "firstTimestamp": f"2024-03-01T08:00:{i:02d}Z",
             "involvedObject": {"kind": "Pod", "name": f"web-{i}", "namespace": "shop"},
             "kind": "Event", "message": "Started container web", "metadata": {"name": f"web-{i}.1"},
             "reason": "Started", "source": {"component": "kubelet"}, "type": "Normal"}
            for i in range(n)]


def test_kubectl_list_is_refused_with_its_recipe(tmp_path: Path) -> None:
    # What was wrong: kubectl get events -o json (a List, its events under items) was refused as
    # pretty-printed with the recipe 'jq -c .', which writes the same List on one line; that line
    # read as ONE row of its envelope ("AutoEncoder: 1 training row"), and stream said
    # "missing column ..." of it.
    from hourglass.cli import app
    from hourglass.errors import InputError
    from hourglass.ingest import read_table
    from tests._cli import runner, small_labelled_model

    listed = {"apiVersion": "v1", "items": _events(30), "kind": "List", "metadata": {"resourceVersion": ""}}
    compact, pretty = tmp_path / "events.json", tmp_path / "pretty.json"
    compact.write_text(json.dumps(listed) + "\n")
    pretty.write_text(json.dumps(listed, indent=4) + "\n")
    said = ("line 1: a Kubernetes list as one JSON document (kubectl get ... -o json: its objects "
            "under items), not one object a line; write its items one a line (jq -c '.items[]')")
    for path in (compact, pretty):
        for skip in ("error", "skip"):
            with pytest.raises(InputError) as err:
                read_table(path, on_bad_rows=skip)
            assert str(err.value).startswith(f"{path}: {said}")
    lines = tmp_path / "lines.json"  # what the recipe writes reads as the events
    lines.write_text("".join(json.dumps(e) + "\n" for e in listed["items"]))
    assert len(read_table(lines)) == 30
    made = small_labelled_model(tmp_path)
    res = runner.invoke(app, ["stream", str(made["model"])], input=json.dumps(listed) + "\n")
    assert res.exit_code == 2 and f"<stdin>: {said}" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_falco_and_shipper_kubernetes_fields_are_ecs_fields() -> None:
    # What was wrong: an ECS alert of a Falco alert (a shell or a miner in a container) or of a log
    # line Fluent Bit or Vector shipped named the node but no pod, namespace, container, image or
    # process: output_fields.k8s.pod.name, kubernetes.pod_name ... went to no ECS field.
    from hourglass.serve.ecs import ecs_target

    assert [ecs_target(k) for k in (
        "output_fields.k8s.pod.name", "output_fields.k8s.ns.name", "output_fields.container.id",
        "output_fields.container.image.repository", "output_fields.proc.name",
        "output_fields.proc.cmdline", "output_fields.proc.pid", "output_fields.user.name")] == [
        "orchestrator.resource.name", "orchestrator.namespace", "container.id", "container.image.name",
        "process.name", "process.command_line", "process.pid", "user.name"]
    assert [ecs_target(k) for k in (
        "kubernetes.pod_name", "kubernetes.namespace_name", "kubernetes.pod_namespace",
        "kubernetes.container_image", "kubernetes.host")] == [
        "orchestrator.resource.name", "orchestrator.namespace", "orchestrator.namespace",
        "container.image.name", "host.name"]
    assert ecs_target("kubernetes.labels.app") is None  # labels stay hourglass fields
