"""Review round 57 (cloud and identity audit logs, read as their users read them): regression tests."""

from __future__ import annotations

from typing import Any

from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs


# What was wrong: an ECS alert of a CloudTrail model put a call's caller address (sourceIPAddress,
# source.ip) under event.category "network", as a flow's, where the API calls of Kubernetes and
# Google Cloud audit logs are no network alerts; and it named neither the call (eventName), its
# service, region, agent, account, the calling IAM user nor the cloud: all stayed hourglass fields,
# and none came with an alert without --keep, where a GCP or Kubernetes alert names each of them.
def test_cloudtrail_ecs_alert_names_call_caller_and_cloud_and_is_no_network_alert() -> None:
    record: dict[str, Any] = {
        "eventName": "DeleteTrail", "eventSource": "cloudtrail.amazonaws.com", "awsRegion": "eu-west-1",
        "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15.0 Python/3.11",
        "userIdentity.userName": "mallory", "userIdentity.accountId": "111122223333",
        "userIdentity.arn": "arn:aws:iam::111122223333:user/mallory"}
    doc = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="cloudtrail"),
                 fields=record)
    assert doc["event"]["category"] == ["intrusion_detection"]
    assert doc["event"]["action"] == "DeleteTrail" and doc["event"]["provider"] == "cloudtrail.amazonaws.com"
    assert doc["source"] == {"ip": "198.51.100.7"} and doc["user"] == {"name": "mallory"}
    assert doc["cloud"] == {"region": "eu-west-1", "account": {"id": "111122223333"}, "provider": "aws"}
    assert doc["user_agent"] == {"original": "aws-cli/2.15.0 Python/3.11"}
    assert doc["hourglass"]["fields"] == {"userIdentity.arn": "arn:aws:iam::111122223333:user/mallory"}
    # an AWS service calling (its name, not an address) stays a hourglass field
    service = to_ecs({"row": 0, "score": 2.0}, AlertRule("autoencoder", "ab", data_format="cloudtrail"),
                     fields={"sourceIPAddress": "ec2.amazonaws.com", "eventName": "AssumeRole"})
    assert "source" not in service
    assert service["hourglass"]["fields"] == {"sourceIPAddress": "ec2.amazonaws.com"}
    # the alert carries them without --keep (the fields with an ECS name)
    assert set(ecs_named(record, "cloudtrail")) == set(record) - {"userIdentity.arn"}
