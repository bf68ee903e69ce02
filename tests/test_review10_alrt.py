"""Alert records, their ECS form, sinks, suppression rules, grouping and metrics: edge cases of
valid input."""

from __future__ import annotations

import json

from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs
from hourglass.serve.sinks import json_line


def test_ecs_port_of_a_huge_integer_is_no_port_not_a_crash() -> None:
    # a JSON line's port of 400 digits is a Python int that float() cannot hold: stream, score
    # and the service's ECS answers stopped with an OverflowError traceback
    big = int("1" + "0" * 400)
    assert ecs_named({"dst_port": big, "src_ip": "10.0.0.5"}) == {"src_ip": "10.0.0.5"}
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("ae", "id"), fields={"dst_port": big})
    assert "destination" not in doc
    assert doc["hourglass"]["fields"] == {"dst_port": big}
    assert json.loads(json_line(doc))["hourglass"]["fields"]["dst_port"] == big
