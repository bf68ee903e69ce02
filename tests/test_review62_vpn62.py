"""Perimeter firewall and VPN syslog (SonicWall, Cisco ASA/FTD) as a network engineer sends it."""

from __future__ import annotations

import pandas as pd
import pytest

from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest.kv import KV_ROLES, parse_kv


def _sonicwall_lines(n: int, start: int = 100000) -> list[str]:
    """SonicOS syslog lines (its default format) of closed connections, LAN to WAN."""
    out = []
    for i in range(n):
        dport, proto = ((443, "tcp/https"), (80, "tcp/http"), (53, "udp/dns"))[i % 3]
        out.append(
            f'<134>May  1 08:{i // 60 % 60:02d}:{i % 60:02d} 192.168.1.1 id=firewall sn=0017C5A1B2C3 '
            f'time="2024-05-01 08:{i // 60 % 60:02d}:{i % 60:02d} UTC" fw=203.0.113.5 pri={6 - i % 2} '
            f'c={1024 if i % 4 else 262144} m={(537, 98, 97)[i % 3]} msg="Connection Closed" '
            f'app={49177 + i % 5} n={start + i} src=10.0.0.{10 + i % 20}:{50000 + 7 * i}:X0 '
            f'dst=8.8.{i % 4}.8:{dport}:X1 srcMac=00:11:22:33:44:{i % 50:02x} dstMac=66:77:88:99:aa:bb '
            f'proto={proto} sent={200 + 37 * i % 900} rcvd={1000 + 91 * i % 9000} cdur={100 + i}')
    return out


def test_sonicwall_counter_and_codes_are_not_amounts() -> None:
    # What was wrong: of a SonicWall log read as kv, 'n' (the count of events of its message id
    # since the firewall started) was min-max scaled, so the next day's rows, past the training
    # range, all scored high (321 of 321 flagged); the message id 'm', category 'c', 'pri' and
    # 'app' were amounts, and the srcMac/dstMac hardware addresses were one-hot categories.
    df = pd.DataFrame([parse_kv(line) for line in _sonicwall_lines(120)])
    pre = TabularPreprocessor(roles=KV_ROLES).fit(df)
    roles = pre.roles_
    assert roles["n"] == "drop" and "counter" in pre.reasons_["n"]
    assert {roles[c] for c in ("m", "c", "pri", "app")} == {"categorical"}
    assert roles["srcMac"] == roles["dstMac"] == "drop"
    # a logfmt line's n and m are no SonicWall's: read by their values, as before
    other = pd.DataFrame({"level": ["info"] * 40, "n": range(40), "m": [1.5, 2.5] * 20})
    assert TabularPreprocessor(roles=KV_ROLES).fit(other).roles_["n"] == "numeric"


def test_sonicwall_ends_are_read_apart_and_old_models_score_as_before() -> None:
    # What was wrong: a SonicWall line writes each end as 'src=10.0.0.5:51234:X0' (address, port,
    # interface); the kv format kept that text whole, so src was dropped as near-unique, dst
    # one-hot every address-and-port pair, and an ECS alert carried no source or destination.
    from hourglass import AutoEncoder, Pipeline
    from hourglass.ingest.kv import joined_ends
    from hourglass.serve.ecs import ECS_FIELDS
    from hourglass.serve.scoring import TableScorer

    lines = _sonicwall_lines(80)
    row = parse_kv(lines[0])
    assert (row["src"], row["srcPort"], row["srcInterface"]) == ("10.0.0.10", "50000", "X0")
    assert (row["dst"], row["dstPort"], row["dstInterface"]) == ("8.8.0.8", "443", "X1")
    assert ECS_FIELDS[("srcPort").lower()] == "source.port"
    new = pd.DataFrame([parse_kv(line) for line in lines])
    pre = TabularPreprocessor(roles=KV_ROLES).fit(new)
    assert (pre.roles_["src"], pre.roles_["srcPort"], pre.roles_["dstPort"]) == ("ip", "port", "port")
    # a model trained when the ends were read whole scores the new reading as it did the old
    ends = ("src", "dst", "natSrc", "natDst")
    old = pd.DataFrame([joined_ends(parse_kv(line), ends) for line in lines])
    assert old["dst"].iloc[0] == "8.8.0.8:443:X1" and "dstPort" not in old
    cols = ["dst", "proto", "sent", "rcvd"]
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0, random_state=0)).fit(old[cols])
    assert pipe.sonicwall_ends() == ("dst",)
    assert (pipe.score(new) == pipe.score(old[cols])).all()
    scorer = TableScorer.from_pipeline(pipe)
    got = scorer.score([parse_kv(line) for line in lines[:5]])["scores"]
    assert got == pytest.approx(pipe.score(old[cols].iloc[:5]).tolist())
    # and an entity model of such ends (one per dst:port:interface) buckets them as it did
    from hourglass.features.entity import EntityWindows

    ent = EntityWindows("dst", "timestamp", bucket="10min").fit(old[["dst", "timestamp", "sent"]])
    was, now = ent.aggregate(old[["dst", "timestamp", "sent"]]), ent.aggregate(new)
    assert now["entity"].tolist() == was["entity"].tolist() and "8.8.0.8:443:X1" in set(now["entity"])


def test_cisco_asa_own_syslog_header_is_read() -> None:
    # What was wrong: a Cisco ASA (or FTD) with 'logging timestamp' writes its own header, its
    # time with the year and ' : ' before the message id ('<166>May 01 2024 08:00:00 asa01 :
    # %ASA-6-302013: Built ...'), or no host at all; --format syslog matched none of its lines,
    # and the whole log was refused ('no log line matched the header format').
    from hourglass.ingest.logs import RULES, LogParser

    lines = ["<166>May 01 2024 08:00:00 asa01 : %ASA-6-302013: Built outbound TCP connection 7",
             "<166>May 01 2024 08:00:01: %ASA-6-302014: Teardown TCP connection 7 bytes 300",
             "<166>2024-05-01T08:00:02Z asa01 : %FTD-4-106023: Deny tcp src outside:1.2.3.4/5"]
    new = LogParser("syslog")._compile().header
    got = [new.match(line) for line in lines]
    assert RULES >= 9 and all(m is not None for m in got)
    assert [(m["host"], m["component"]) for m in got if m] == [
        ("asa01", "%ASA-6-302013"), (None, "%ASA-6-302014"), ("asa01", "%FTD-4-106023")]
    assert got[0] is not None and got[0]["content"] == "Built outbound TCP connection 7"
    frame = LogParser("syslog").fit(lines).parse(lines)
    assert frame["time"].tolist() == [1714550400.0, 1714550401.0, 1714550402.0]  # (2024's, no guess)
    # a parser saved before reads as it did: those lines match no header, the others the same
    old = LogParser("syslog", rules=8)._compile().header
    assert all(old.match(line) is None for line in lines)
    for line in ("<34>Jun 14 15:16:01 web1 sshd[812]: Accepted password for bob",
                 "2024-05-01T12:00:00.123456+00:00 gw kernel: [UFW BLOCK] IN=eth0",
                 "Jun 14 15:16:01 10.9.9.1 %ASA-6-302013: Built outbound TCP connection 7"):
        a, b = old.match(line), new.match(line)
        assert a is not None and b is not None and a.groupdict() == b.groupdict()


def test_firewall_rule_and_policy_numbers_are_codes() -> None:
    # What was wrong: a firewall export's rule or policy number (Check Point SmartConsole CSV's
    # 'Rule', FortiGate's 'policyid' in a CSV export, pfSense's rule number) was min-max scaled
    # as an amount, rule 5 a near neighbour of rule 6 and rule 12 far past both; only a name
    # ending in 'rule id' read as a code.
    from hourglass.features.roles import infer_role

    rules = pd.Series([3, 5, 7, 12] * 30)
    for name in ("Rule", "Rule Number", "policyid", "policy_id"):
        assert infer_role(name, rules, max_categories=50)[0] == "categorical", name
    table = pd.DataFrame({"Rule": rules, "Action": ["Accept", "Drop"] * 60,
                          "Source": [f"10.3.0.{i % 50}" for i in range(120)]})
    pre = TabularPreprocessor().fit(table)
    assert pre.roles_["Rule"] == "categorical"
    assert infer_role("Rule", pd.Series(range(200)), max_categories=50)[0] == "numeric"  # no code


def test_sonicwall_vpn_user_is_the_ecs_user() -> None:
    # What was wrong: a SonicWall SSL VPN log-in names its user usr="alice"; an ECS alert of a
    # VPN password spray carried the source address but no user.name, the field a SIEM's
    # account rules and dashboards key on.
    from hourglass.serve.ecs import ECS_FIELDS

    row = parse_kv('id=firewall sn=0017C5A1B2C3 time="2024-05-15 03:00:00 UTC" fw=203.0.113.5 '
                   'pri=5 c=16 m=238 msg="Wan zone remote user login denied" usr="user7" '
                   'src=185.220.101.4:0:X1 dst=203.0.113.5:4433:X1')
    assert row is not None and row["usr"] == "user7"
    assert ECS_FIELDS["usr"] == "user.name"


def test_check_point_cef_sequence_number_and_rule_codes() -> None:
    # What was wrong: Check Point Log Exporter's CEF (and LEEF) export writes its own keys beside
    # the standard ones; its log sequence number 'sequencenum' was min-max scaled, so a later
    # day's lines lay past the training range and all scored high (300 of 300 normal lines
    # flagged), and its rule numbers and service_id were amounts, where the kv format reads the
    # same keys of its generic export as a dropped counter and codes.
    from hourglass.ingest.cef import CEF_ROLES, LEEF_ROLES, parse_cef

    lines = [f"<134>May  1 08:00:{i % 60:02d} cp-mgmt CEF:0|Check Point|VPN-1 & FireWall-1|Check Point|"
             f"Log|https|Unknown|act=Accept rt={1714550400000 + 1000 * i} spt={40000 + i} dpt=443 "
             f"match_id={(3, 5, 7)[i % 3]} parent_rule=0 logid=0 loguid={{0x{i:x},0x0,0x1}} "
             f"origin=10.2.0.1 sequencenum={i} version=5 dst=8.8.8.8 product=VPN-1 & FireWall-1 "
             f"proto=6 service_id={('https', 'http', 'domain-udp')[i % 3]} src=10.2.0.{i % 40} "
             f"in={100 + 37 * i} out={50 + 11 * i}" for i in range(90)]
    df = pd.DataFrame([parse_cef(line) for line in lines])
    roles = TabularPreprocessor(roles=CEF_ROLES).fit(df).roles_
    assert roles["sequencenum"] == "drop" and roles["loguid"] == "drop"
    assert roles["match_id"] == roles["service_id"] == "categorical"
    assert roles["in"] == "numeric"  # its byte counts stay amounts
    assert LEEF_ROLES["sequencenum"] == "drop"


def test_check_point_generic_export_nat_rule_numbers_are_codes() -> None:
    # What was wrong: Check Point's generic (key=value, '|'-parted) export names the NAT rules
    # that matched (nat_rulenum, nat_addtnl_rulenum) and service_id; the kv format made its rule
    # numbers codes but scaled these as amounts (NAT rule 5 a near neighbour of NAT rule 6).
    lines = [f"time={1557767758 + i}|action=Accept|product=VPN-1 & FireWall-1|match_id={i % 4}|"
             f"nat_rulenum={(2, 5, 9)[i % 3]}|nat_addtnl_rulenum={i % 2 + 1}|service_id={(443, 80)[i % 2]}|"
             f"src=10.2.0.{i % 40}|dst=8.8.8.8|s_port={40000 + i}|loguid={{0x{i:x},0x0}}|sequencenum={i}"
             for i in range(90)]
    df = pd.DataFrame([parse_kv(line) for line in lines])
    roles = TabularPreprocessor(roles=KV_ROLES).fit(df).roles_
    assert roles["nat_rulenum"] == roles["nat_addtnl_rulenum"] == roles["service_id"] == "categorical"
    assert roles["sequencenum"] == "drop" and roles["match_id"] == "categorical"
