"""Review 58 (linux58): a Linux host and web analyst's own server logs (auth.log, access logs)."""

from __future__ import annotations

import pytest

pytest.importorskip("drain3")

from hourglass.ingest.logs import LogParser


def _sshd(i: int, ip: str) -> str:
    return (f"Mar  3 07:01:{i % 60:02d} web1 sshd[{100 + i}]: Failed password for root from {ip} "
            f"port {40000 + i} ssh2")


def test_ipv6_client_is_one_ip_not_a_template_of_its_own() -> None:
    # What was wrong: no mask knew IPv6 addresses; the numbers mask cut one at its colons
    # ('from <NUM>:db8::<NUM> port <NUM>'), so a model trained on a fleet's IPv4 clients keyed the
    # line of every IPv6 client (sshd's 'Failed password ... from 2001:db8::7') as an unknown
    # template, and explain's parameters held pieces of the address.
    parser = LogParser("syslog").fit([_sshd(i, f"10.0.{i % 4}.{i}") for i in range(40)])
    assert list(parser.templates().values()) == ["Failed password for root from <IP> port <NUM> ssh2"]
    clients = ["2001:db8::7", "fe80::1%eth0", "::1", "::ffff:192.0.2.5",
               "2001:0db8:85a3:0000:0000:8a2e:0370:7334"]
    df = parser.parse([_sshd(i, ip) for i, ip in enumerate(clients)])
    assert df["key"].tolist() == [1] * len(clients)
    template = parser.templates()[1]
    assert [parser.parameters(template, c)[0] for c in df["content"]] == clients
    # times, MACs and words with '::' are no address
    assert parser.mask("at 07:01:02 mac 00:1a:2b:3c:4d:5e std::vector") == \
        "at <NUM>:<NUM>:<NUM> mac <NUM>:1a:2b:3c:4d:5e std::vector"
    # a parser saved with the rules before keeps its masks (it scores as it did)
    assert LogParser("raw", rules=3).mask("from 2001:db8::7 port 22") == "from <NUM>:db8::<NUM> port <NUM>"
