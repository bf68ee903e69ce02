"""Regression test from rereading this round's changes (ECS alerts of the flow tools' names)."""

from __future__ import annotations

from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs


def test_a_pr_column_of_no_flow_tool_is_no_network_transport() -> None:
    # What was wrong: nfdump's 'pr' and SiLK's 'pro' were mapped to network.transport in every
    # table, and network.transport takes any text: a ticket table's priority 'pr' = 'medium' gave
    # an alert '"network": {"transport": "medium"}'. They are the transport only beside the
    # tool's names of the addresses and ports.
    rule = AlertRule("autoencoder", "ab")
    generic = {"pr": "medium", "user": "c", "bytes": 10}
    doc = to_ecs({"row": 0, "score": 3.0}, rule, fields=ecs_named(generic))
    assert "network" not in doc and "network" not in doc["event"]["category"]
    assert doc["user"] == {"name": "c"}
    silk = {"sIP": "192.168.1.23", "dIP": "203.0.113.77", "sPort": 51000, "dPort": 443, "pro": "TCP"}
    nfdump = {"sa": "192.168.1.23", "da": "203.0.113.77", "sp": 51000, "dp": 443, "pr": "UDP"}
    for row, transport in ((silk, "tcp"), (nfdump, "udp")):
        doc = to_ecs({"row": 0, "score": 3.0}, rule, fields=ecs_named(row))
        assert doc["network"] == {"transport": transport}, row
        assert doc["source"]["ip"] == "192.168.1.23", row
