"""Review round 61 (self61b): the latest merged fixes reviewed as a pull request."""
from __future__ import annotations

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
