"""Review round 57 (net57): flow exports as a SOC's sensors write them."""

from __future__ import annotations

from pathlib import Path

from hourglass.ingest.formats import sniff_format

# AWS's own custom-format example for traffic through a NAT gateway (VPC Flow Logs user guide):
# neither 'action' nor 'log-status' among its fields
NAT_HEADER = ("version vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags "
              "type pkt-srcaddr pkt-dstaddr")


def _nat_records(n: int) -> list[str]:
    return [f"3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 10.40.1.175 "
            f"10.40.2.236 {39812 + i} 80 6 {(3, 2, 19)[i % 3]} IPv4 10.40.2.236 10.20.33.164"
            for i in range(n)]


def test_a_custom_vpc_format_without_action_or_log_status_is_sniffed_as_a_flow_log(tmp_path: Path) -> None:
    # What was wrong: the VPC flow log sniffer wanted 'action' or 'log-status' in the header line,
    # so a custom format without them (AWS's NAT gateway example) was read as a CSV of one
    # column, each line one text value: 'inspect' showed 1 column, 'train' refused it as "a log
    # file needs a log --format", another such file trained on its lines as categories
    path = tmp_path / "nat.log"
    path.write_text("\n".join([NAT_HEADER, *_nat_records(40)]) + "\n")
    spec = sniff_format(path)
    assert spec.name == "aws-vpc-flow"
    df = spec.read(path)
    assert len(df) == 40 and {"srcaddr", "dstaddr", "tcp-flags", "pkt-dstaddr"} <= set(df.columns)
    assert df["srcaddr"].iloc[0] == "10.40.1.175" and df["dstport"].iloc[0] == 80
