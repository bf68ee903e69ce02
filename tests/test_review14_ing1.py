"""Edge cases of the line and flow readers (CEF, LEEF, key=value, PAN-OS, JSON events, flow
records): each pinned by the input that showed it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.formats import get_format


def test_vpc_custom_header_without_srcaddr_is_refused_not_read_as_a_record(tmp_path: Path) -> None:
    """A custom format's header line without ``srcaddr`` (``pkt-srcaddr`` ...) was taken for a
    header-less record: with 14 fields its names were read as data and its columns under the
    default format's names (``interface-id`` holding addresses); it is a header, and the file
    is refused for lacking ``srcaddr``."""
    names = ("version interface-id pkt-srcaddr pkt-dstaddr srcport dstport protocol packets bytes "
             "start end action log-status vpc-id")
    rows = [f"5 eni-0a1b2c3d 10.0.0.{i} 10.0.1.5 {40000 + i} 443 6 {i + 1} {100 * i + 40} "
            f"1700000000 1700000060 ACCEPT OK vpc-1" for i in range(5)]
    path = tmp_path / "flows.log"
    path.write_text("\n".join([names, *rows]) + "\n")
    with pytest.raises(InputError, match="no 'srcaddr' field; is this an AWS VPC flow log"):
        get_format("aws-vpc-flow").read(path)


def test_zeek_log_with_a_redefined_separator_is_read_by_it(tmp_path: Path) -> None:
    """A Zeek log written with another separator (``redef LogAscii::separator = ","``: its
    ``#separator \\x2c`` line, then ``#fields,ts,...``) was refused as having no '#fields'
    line; its fields are split by the separator the header names."""
    header = ["#separator \\x2c", "#set_separator,|", "#empty_field,(empty)", "#unset_field,-",
              "#path,conn", "#fields,ts,uid,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto,orig_bytes",
              "#types,time,string,addr,port,addr,port,enum,count"]
    rows = [f"1700000000.{i:06d},C{i},10.0.0.{i},{40000 + i},10.0.1.5,443,tcp,{i * 10}" for i in range(6)]
    rows[2] = rows[2].rsplit(",", 1)[0] + ",-"  # unset
    path = tmp_path / "conn.log"
    path.write_text("\n".join([*header, *rows, "#close,2023-11-14-22-13-20"]) + "\n")
    df = get_format("zeek-conn").read(path)
    assert list(df.columns[:4]) == ["ts", "uid", "id.orig_h", "id.orig_p"]
    assert df["id.orig_h"].tolist() == [f"10.0.0.{i}" for i in range(6)]
    assert df["orig_bytes"].isna().tolist() == [False, False, True, False, False, False]
    assert df["orig_bytes"].iloc[5] == 50.0


def test_vpc_header_after_a_blank_line_is_the_header(tmp_path: Path) -> None:
    """A blank line before the header line (as the CSV reader passes over) made the reader take
    the file for header-less: the header became a data row, ``srcport`` ... text."""
    names = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
             "start end action log-status")
    rows = [f"2 012345678901 eni-0a1b2c3d 10.0.0.{i} 10.0.1.5 {40000 + i} 443 6 {i + 1} {100 * i} "
            f"{1700000000 + i} {1700000060 + i} ACCEPT OK" for i in range(5)]
    path = tmp_path / "flows.log"
    path.write_text("\n" + "\n".join([names, *rows]) + "\n")
    df = get_format("aws-vpc-flow").read(path)
    assert len(df) == 5 and df["srcport"].tolist() == [40000 + i for i in range(5)]
    assert df["srcaddr"].tolist() == [f"10.0.0.{i}" for i in range(5)]


@pytest.mark.parametrize("sep", ["\t", ","])
def test_zeek_tsv_log_after_blank_lines_is_read(tmp_path: Path, sep: str) -> None:
    """Blank lines before a Zeek log's header lines made the reader refuse it ("not a Zeek
    log") though the sniffer took it for one; they are passed over, as the CSV reader passes
    over blank lines before its header."""
    from hourglass.ingest.formats import sniff_format

    header = [f"#separator \\x{ord(sep):02x}", f"#fields{sep}ts{sep}id.orig_h{sep}id.resp_h{sep}orig_bytes",
              f"#types{sep}time{sep}addr{sep}addr{sep}count"]
    rows = [f"1700000000.5{sep}10.0.0.{i}{sep}10.0.1.5{sep}{i * 10}" for i in range(4)]
    path = tmp_path / "conn.log"
    path.write_text("\n\r\n" + "\n".join([*header, *rows]) + "\n")
    assert sniff_format(path).name == "zeek-conn"
    df = get_format("zeek-conn").read(path)
    assert df["id.orig_h"].tolist() == [f"10.0.0.{i}" for i in range(4)]
    assert df["orig_bytes"].tolist() == [0.0, 10.0, 20.0, 30.0]


def test_panos_line_after_a_byte_order_mark_mid_file_is_a_record(tmp_path: Path) -> None:
    """Files joined into one (``cat a.log b.log``), the second saved with a byte-order mark: its
    first line, a log whose first field a collector stripped, was refused as no PAN-OS record."""
    from hourglass.ingest.panos import parse_panos

    line = "2024/11/14 22:13:21,012,TRAFFIC,end,1,2024/11/14 22:13:21,10.0.0.3,10.0.0.2"
    assert parse_panos("\ufeff" + line) == parse_panos(line)
    path = tmp_path / "fw.log"
    path.write_bytes(b"2024/11/14 22:13:20,012,TRAFFIC,end,1,2024/11/14 22:13:20,10.0.0.1,10.0.0.2\n"
                     + b"\xef\xbb\xbf" + line.encode() + b"\n")
    df = get_format("panos").read(path)
    assert df["src"].tolist() == ["10.0.0.1", "10.0.0.3"]


def test_eve_hex_flags_are_categories_not_numbers(tmp_path: Path) -> None:
    """Suricata writes TCP and DNS flags in hex (``tcp.tcp_flags_ts: "12"`` is SYN+ACK,
    ``dns.flags: "8180"``): a column of them that happened to hold digits only was a number
    (0x12 scaled as twelve, and a later ``"1b"`` a missing value); they are categories."""
    import json

    from hourglass.features.roles import infer_role
    from hourglass.ingest.formats import format_roles

    rows = [{"timestamp": f"2024-01-01T00:00:{i:02d}.000000+0000", "event_type": "flow",
             "src_ip": "10.0.0.1", "dest_ip": "10.0.0.2", "src_port": 1000 + i, "dest_port": 443,
             "proto": "TCP", "tcp": {"tcp_flags": "1b", "tcp_flags_ts": ["02", "12", "16"][i % 3],
                                     "tcp_flags_tc": "12"},
             "dns": {"flags": ["8180", "8183"][i % 2]}} for i in range(12)]
    path = tmp_path / "eve.json"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    spec = get_format("suricata-eve")
    df = spec.read(path)
    assert infer_role("tcp.tcp_flags_ts", df["tcp.tcp_flags_ts"], max_categories=50)[0] == "numeric"
    roles = format_roles(spec, df.columns)
    for c in ("tcp.tcp_flags", "tcp.tcp_flags_ts", "tcp.tcp_flags_tc", "dns.flags"):
        assert roles[c] == "categorical", c


def test_fortigate_application_and_signature_ids_are_categories(tmp_path: Path) -> None:
    """FortiGate's ``appid`` (an application's id), ``attackid`` (an IPS signature's) and ``cat``
    (a web-filter category's) were numbers, scaled as magnitudes (app 40568 next to 40569);
    they are categories, as ``policyid`` and ``logid`` are."""
    from hourglass.features.roles import infer_role
    from hourglass.ingest.formats import format_roles

    lines = [f"date=2023-11-14 time=22:13:{i:02d} srcip=10.0.0.{i} dstip=10.0.1.1 dstport=443 "
             f"appid={[40568, 15893, 16354][i % 3]} attackid={[12345, 23456][i % 2]} cat={[52, 41][i % 2]}"
             for i in range(12)]
    path = tmp_path / "fgt.log"
    path.write_text("\n".join(lines) + "\n")
    spec = get_format("kv")
    df = spec.read(path)
    assert infer_role("appid", df["appid"], max_categories=50)[0] == "numeric"
    roles = format_roles(spec, df.columns)
    assert [roles.get(c) for c in ("appid", "attackid", "cat")] == ["categorical"] * 3


def test_zeek_ip_proto_is_a_category(tmp_path: Path) -> None:
    """Zeek's conn.log (6.1 on) logs ``ip_proto``, the IP protocol number (a ``count``: 6, 17,
    1), which was read as a magnitude (UDP "bigger" than TCP); it is a category, as ``proto``
    is, and so are the VLAN ids."""
    from hourglass.features.roles import infer_role
    from hourglass.ingest.formats import format_roles

    header = ["#separator \\x09", "#fields\tts\tid.orig_h\tid.resp_h\tproto\tip_proto\tvlan",
              "#types\ttime\taddr\taddr\tenum\tcount\tint"]
    rows = [f"1700000000.5\t10.0.0.{i}\t10.0.1.5\t{['tcp', 'udp'][i % 2]}\t{[6, 17][i % 2]}\t{10 + i % 2}"
            for i in range(8)]
    path = tmp_path / "conn.log"
    path.write_text("\n".join([*header, *rows]) + "\n")
    spec = get_format("zeek-conn")
    df = spec.read(path)
    # (by its name alone too, since a numeric protocol column is a category in any table)
    assert infer_role("ip_proto", df["ip_proto"], max_categories=50) == ("categorical", "protocol number")
    roles = format_roles(spec, df.columns)
    assert roles["ip_proto"] == roles["vlan"] == roles["proto"] == "categorical"
