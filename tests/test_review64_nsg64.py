"""Review round 64 (cloud network flow logs, as a cloud-network engineer reads them): regression tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner

_NSG = "/SUBSCRIPTIONS/0/RESOURCEGROUPS/RG1/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG1"


def _nsg_record(minute: int) -> dict[str, Any]:
    """One record of an Azure NSG flow log version 2, as a blob's PT1H.json holds it."""
    t = 1733565600 + minute * 60
    tuples = [f"{t},10.0.0.4,13.67.143.118,44931,443,T,O,A,B,,,,",
              f"{t + 5},10.0.0.4,13.67.143.118,44931,443,T,O,A,E,9,2100,8,9400"]
    return {"time": f"2024-12-07T10:{minute:02d}:00.0000000Z", "systemId": "a7d3c7e1-1111-2222-3333-4444",
            "macAddress": "000D3A1B2C3D", "category": "NetworkSecurityGroupFlowEvent", "resourceId": _NSG,
            "operationName": "NetworkSecurityGroupFlowEvents",
            "properties": {"Version": 2, "flows": [
                {"rule": "DefaultRule_AllowInternetOutBound",
                 "flows": [{"mac": "000D3A1B2C3D", "flowTuples": tuples}]}]}}


# What was wrong: an Azure NSG flow log's blob (PT1H.json, {"records": [...]}) was read as one row
# of one text column 'records' and refused as '1 training row' after a hint meant for a Sentinel
# export; pretty-printed it was told 'jq -c .', which writes that one row; a record a line, 'not
# valid JSON'. Each is now refused naming the flow log, with the jq recipe that writes its tuples.
@pytest.mark.parametrize("shape", ["one line", "pretty", "a record a line"])
def test_an_azure_nsg_flow_log_blob_is_refused_with_its_tuples_recipe(tmp_path: Path, shape: str) -> None:
    doc = {"records": [_nsg_record(m) for m in range(3)]}
    text = (json.dumps(doc) if shape == "one line" else json.dumps(doc, indent=2) if shape == "pretty"
            else '{"records":[' + "\r\n,".join(json.dumps(r) for r in doc["records"]) + "\r\n]}")
    data = tmp_path / "PT1H.json"
    data.write_text(text)
    out = tmp_path / "m.pt"
    one_line_error(["train", str(data), "-o", str(out)],
                   "an Azure NSG flow log (its flows as comma-separated tuples under records[].properties"
                   ".flows[].flows[].flowTuples[])", out)
    one_line_error(["train", str(data), "-o", str(out)],
                   "(echo time,src_ip,dst_ip,src_port,dst_port,protocol,direction,decision,state,"
                   "packets_sent,bytes_sent,packets_received,bytes_received,rule; jq -r", out)


# What was wrong: an Azure VNet flow log's record sent to stream (an Event Hub message, {"records":
# [...]} on one line) was scored as one row of one text column; it is now refused with the recipe
# that writes its tuples (the time in milliseconds, the protocol's number, the encryption) as a CSV.
def test_an_azure_vnet_flow_log_message_is_refused_by_stream_with_its_recipe(tmp_path: Path) -> None:
    rows = tmp_path / "normal.csv"
    rows.write_text("src_port,bytes\n" + "".join(f"{40000 + i},{100 + i % 7}\n" for i in range(60)))
    model = tmp_path / "m.pt"
    assert runner.invoke(app, ["train", str(rows), "-o", str(model), "--param", "epochs=2"]).exit_code == 0
    group = {"rule": "DefaultRule_AllowInternetOutBound",
             "flowTuples": ["1663146003599,10.0.0.6,192.168.0.4,23956,22,6,O,B,NX,0,0,0,0"]}
    message = {"records": [{"time": "2022-09-14T09:00:52.5625085Z", "flowLogVersion": 4,
                            "category": "FlowLogFlowEvent",
                            "flowRecords": {"flows": [{"aclID": "a", "flowGroups": [group]}]}}]}
    res = runner.invoke(app, ["stream", str(model)], input=json.dumps(message) + "\n")
    assert res.exit_code == 2, res.output
    assert "an Azure VNet flow log" in res.stderr and ".flowGroups[] | .rule as $r" in res.stderr, res.stderr


# What was wrong: an ECS alert of a model of Google Cloud's VPC flow logs (or Firewall Rules
# Logging) read as JSON lines named no address, port or protocol of the flow it flagged: the
# 5-tuple under jsonPayload.connection went to no ECS field, all under hourglass.fields at best.
def test_a_gcp_vpc_flow_logs_connection_goes_to_ecs_source_destination_and_protocol() -> None:
    from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs
    row = {"jsonPayload.connection.src_ip": "10.128.0.4", "jsonPayload.connection.dest_ip": "45.133.1.20",
           "jsonPayload.connection.src_port": 48413, "jsonPayload.connection.dest_port": 443,
           "jsonPayload.connection.protocol": 6, "jsonPayload.bytes_sent": "120000000"}
    alert = {"row": 1, "score": 2.0, "severity": "critical", "calibrated": 1.0, "threshold": 1.0}
    doc = to_ecs(alert, AlertRule(name="autoencoder", id="x", input="table", data_format="jsonl"),
                 fields=ecs_named(row, "jsonl"))
    assert doc["source"] == {"ip": "10.128.0.4", "port": 48413}
    assert doc["destination"] == {"ip": "45.133.1.20", "port": 443}
    assert doc["network"] == {"iana_number": "6"} and "network" in doc["event"]["category"]


# What was wrong: an ECS alert of a model of Azure NSG flow logs' tuples (written as a CSV by the
# recipe above) put the tuple's protocol letter in network.transport as "t" (and "u"), which no
# SIEM rule or dashboard of tcp or udp matched; the letters are now tcp and udp.
def test_an_nsg_tuples_protocol_letter_is_ecs_tcp_or_udp() -> None:
    from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs
    alert = {"row": 1, "score": 2.0, "severity": "critical", "calibrated": 1.0, "threshold": 1.0}
    rule = AlertRule(name="autoencoder", id="x", input="table", data_format="csv")
    for letter, transport in (("T", "tcp"), ("U", "udp")):
        row = {"time": "1733572920", "src_ip": "10.0.0.5", "dst_ip": "185.220.101.4", "src_port": "51000",
               "dst_port": "443", "protocol": letter, "direction": "O", "decision": "A", "state": "E"}
        doc = to_ecs(alert, rule, fields=ecs_named(row, "csv"))
        assert doc["network"] == {"transport": transport}, doc["network"]


_TGW_FIELDS = ("version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id "
               "tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id srcaddr dstaddr srcport dstport "
               "protocol packets bytes start end log-status type tcp-flags region flow-direction")


# What was wrong: a Transit Gateway flow log's accounts of the VPCs on each side (twelve digits:
# tgw-src-vpc-account-id, tgw-dst-vpc-account-id) were learnt as magnitudes ('numeric values'), where the
# VPC flow log's account-id is a category: a new account scored by how far its digits lay from the
# trained ones. They are categories now (for new fits; a saved model keeps its roles).
def test_a_transit_gateway_flow_logs_vpc_account_ids_are_categories(tmp_path: Path) -> None:
    from hourglass.pipeline.artefact import load
    lines = [_TGW_FIELDS]
    for i in range(80):
        src, dst = ("123456789012", "210987654321") if i % 2 else ("210987654321", "123456789012")
        lines.append(f"6 TransitGateway 123456789012 tgw-0a1 tgw-attach-0aa {src} {dst} vpc-0a1 vpc-0d4 "
                     f"10.1.0.{10 + i % 3} 10.2.0.20 {40000 + i} 5432 6 {5 + i % 7} {900 + i * 13} "
                     f"{1733565600 + i * 3} {1733565660 + i * 3} OK IPv4 {(2, 3, 19)[i % 3]} "
                     "us-east-1 egress")
    data = tmp_path / "tgw.log"
    data.write_text("\n".join(lines) + "\n")
    model = tmp_path / "m.pt"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--param", "epochs=2"])
    assert res.exit_code == 0, res.output
    roles = {d["column"]: d["role"] for d in load(model).features_.describe()}
    assert roles["tgw-src-vpc-account-id"] == roles["tgw-dst-vpc-account-id"] == "categorical", roles
