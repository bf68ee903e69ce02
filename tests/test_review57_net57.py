"""Review round 57 (net57): flow exports as a SOC's sensors write them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from hourglass.ingest.formats import sniff_format
from tests._cli import runner

FAST = ["--epochs", "2", "--hidden", "8,4", "--batch-size", "64", "--seed", "0", "-q"]

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


def _unsw_raw(n: int) -> str:
    """Rows of the raw header-less UNSW-NB15_1..4.csv layout: attack_cat blank for normal rows,
    with a stray space and the 'Backdoors' spelling for attacks."""
    from hourglass.ingest.flows import UNSW_RAW_COLUMNS

    rng = np.random.default_rng(0)
    lines = []
    for i in range(n):
        attack = i % 10 == 0
        row = dict.fromkeys(UNSW_RAW_COLUMNS, "0")
        row.update(srcip=f"59.166.0.{i % 9}", sport=str(1024 + i), dstip=f"149.171.126.{i % 7}",
                   dsport=("53", "80", "0x000b")[i % 3], proto=("udp", "tcp")[i % 2], state="FIN",
                   dur=f"{rng.random():.6f}", sbytes=str(int(rng.integers(100, 5000))),
                   dbytes=str(int(rng.integers(0, 50000))), service="-", stime=str(1421927414 + i),
                   ltime=str(1421927415 + i),
                   attack_cat=(" Exploits", "Backdoors")[i // 10 % 2] if attack else "",
                   label="1" if attack else "0")
        lines.append(",".join(row[c] for c in UNSW_RAW_COLUMNS))
    return "\n".join(lines) + "\n"


def test_unsw_nb15_evaluate_gives_the_detection_rate_per_attack_category(tmp_path: Path) -> None:
    # What was wrong: UNSW-NB15's label is 0/1 beside a per-row attack_cat, which the dataset's
    # spec names (category_col) but nothing read: 'evaluate' showed "detection rate per attack
    # class" as two classes, '1' and '0 (normal)', every attack lumped into one
    data = tmp_path / "UNSW-NB15_1.csv"
    data.write_text(_unsw_raw(200))
    model, js = tmp_path / "m", tmp_path / "metrics.json"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["evaluate", str(model), str(data), "--json", str(js), "-q"])
    assert res.exit_code == 0, res.output
    per_class = json.loads(js.read_text())["per_class"]
    assert set(per_class) == {"Exploits", "Backdoor", "0"}, per_class
    assert per_class["Exploits"]["n"] == 10 and per_class["Backdoor"]["n"] == 10
    assert per_class["0"]["n"] == 180
    assert "Backdoor" in res.stdout and "0 (normal)" in res.stdout


def test_a_kept_flow_id_is_written_whole_in_csv_not_in_exponent_form(tmp_path: Path) -> None:
    # What was wrong: kept integer columns are read as floats (a CSV's always; JSON's with a
    # missing value: Suricata's flow_id beside a 'stats' event, which has none), and Arrow's CSV
    # writer put a double of 10**10 or more in exponent form: 'score -o alerts.csv --keep
    # flow_id' wrote 1.805461738637437e+15, which no grep or join on eve.json's 1805461738637437
    # finds (a kept epoch-milliseconds column: 1.7e+12); the JSON lines wrote the number
    from hourglass.ingest.writers import chunk_writer

    events = []
    for i in range(120):
        if i == 60:
            events.append({"timestamp": "2026-03-01T10:01:00.000000+0000", "event_type": "stats",
                           "stats": {"uptime": 60, "decoder": {"pkts": 1000}}})
        events.append({"timestamp": f"2026-03-01T10:{i // 60:02d}:{i % 60:02d}.000000+0000",
                       "flow_id": 1805461738637437 + i, "event_type": "flow", "src_ip": f"10.1.0.{i % 7 + 2}",
                       "src_port": 40000 + i, "dest_ip": "8.8.8.8", "dest_port": 53, "proto": "UDP",
                       "flow": {"pkts_toserver": 1 + i % 3, "bytes_toserver": 60 + i % 50, "age": i % 4}})
    data, model, out = tmp_path / "eve.json", tmp_path / "m", tmp_path / "alerts.csv"
    data.write_text("".join(json.dumps(e) + "\n" for e in events))
    res = runner.invoke(app, ["train", str(data), "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out), "--keep", "flow_id", "-q"])
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[1].endswith(",1805461738637437") and lines[2].endswith(",1805461738637438"), lines[1:3]
    assert lines[61].endswith(",") and lines[62].endswith(",1805461738637497"), lines[60:63]

    # chunk by chunk: whole doubles as integers, a later chunk's fractions as they are
    target = tmp_path / "chunks.tsv"
    with chunk_writer(target) as w:
        w.write(pd.DataFrame({"id": [12345678901.0, np.nan], "bytes": [10.0, 20.0]}))
        w.write(pd.DataFrame({"id": [12345678902.0, 3.0], "bytes": [0.5, 1e20]}))
    assert target.read_text().splitlines() == ['"id"\t"bytes"', "12345678901\t10", "\t20",
                                               "12345678902\t0.5", "3\t1e+20"]


def test_fortigate_macs_are_dropped_as_the_kv_format_says(tmp_path: Path) -> None:
    # What was wrong: the README says the kv format drops MACs, but only netfilter's 'MAC' key
    # was: FortiGate traffic logs' srcmac and mastersrcmac (one value per device) were hashed
    # and one-hot features of the model ('inspect': srcmac hash, 16 features)
    from hourglass.ingest.formats import format_roles

    lines = [f'<189>date=2023-11-14 time=22:13:{i:02d} devname="FG100F" logid="0000000013" type="traffic" '
             f'subtype="forward" srcip=10.0.0.{i + 2} srcport={40000 + i} dstip=93.184.216.34 dstport=443 '
             f'sessionid={100 + i} proto=6 action="close" sentbyte={100 + i} rcvdbyte={900 + i} '
             f'srcmac="00:11:22:33:44:{i:02x}" mastersrcmac="00:11:22:33:44:{i:02x}" '
             'dstmac="00:aa:bb:cc:dd:ee"'
             for i in range(30)]
    path = tmp_path / "forti.log"
    path.write_text("\n".join(lines) + "\n")
    spec = sniff_format(path)
    assert spec.name == "kv"
    df = spec.read(path)
    roles = format_roles(spec, df.columns)
    assert {roles.get(c) for c in ("srcmac", "mastersrcmac", "dstmac")} == {"drop"}, roles
    res = runner.invoke(app, ["inspect", str(path)])
    assert res.exit_code == 0, res.output
    rows = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│")}
    assert all("dropped" in rows[c] for c in ("srcmac", "mastersrcmac", "dstmac")), rows.get("srcmac")


def test_netflow_and_nat_port_columns_are_ports_not_magnitudes() -> None:
    # What was wrong: the port role went by a list of names that had 'Destination Port' and
    # 'dst_port' but not NetFlow v9's L4_SRC_PORT/L4_DST_PORT (the NF-UNSW-NB15 / NF-ToN-IoT
    # flow datasets, nProbe exports), IPFIX's sourceTransportPort, nor a firewall export's
    # 'NAT Source Port': 'inspect' showed them 'numeric, minmax scaled', port 443 learnt as a
    # magnitude between 80 and 8080
    from hourglass.features.roles import infer_role

    ports = pd.Series([443.0, 80.0, 53.0, 8080.0] * 5)
    for name in ("L4_SRC_PORT", "L4_DST_PORT", "NAT Source Port", "NAT Destination Port", "natsport",
                 "sourceTransportPort", "destinationTransportPort", "spt", "dpt"):
        assert infer_role(name, ports, max_categories=50) == ("port", "port name"), name
    assert infer_role("IN_BYTES", ports, max_categories=50)[0] == "numeric"


def test_ecs_alerts_of_cic_ids2017_and_netflow_flows_carry_the_five_tuple(tmp_path: Path) -> None:
    # What was wrong: the ECS field names knew 'Src IP'/'Dst Port' (CIC-IDS2018) and src_ip,
    # but not CIC-IDS2017's 'Source IP', 'Source Port', 'Destination IP', 'Destination Port' nor
    # NetFlow v9's IPV4_SRC_ADDR ... L4_DST_PORT: 'score --alert-format ecs' of those flows wrote
    # alerts without source or destination (only network.iana_number), naming no flow
    from hourglass.serve.ecs import ecs_named

    cic = {"Source IP": "192.168.10.5", "Source Port": 54865.0, "Destination IP": "104.16.207.165",
           "Destination Port": 443.0, "Flow Duration": 3.0}
    assert set(ecs_named(cic)) == {"Source IP", "Source Port", "Destination IP", "Destination Port"}
    nf = {"IPV4_SRC_ADDR": "149.171.126.0", "L4_SRC_PORT": 62073, "IPV4_DST_ADDR": "175.45.176.3",
          "L4_DST_PORT": 80, "IN_BYTES": 100}
    assert set(ecs_named(nf)) == {"IPV4_SRC_ADDR", "L4_SRC_PORT", "IPV4_DST_ADDR", "L4_DST_PORT"}

    header = ("Flow ID, Source IP, Source Port, Destination IP, Destination Port, Protocol, Timestamp,"
              " Flow Duration, Total Fwd Packets,Total Length of Fwd Packets, Label")
    rows = [f"192.168.10.{2 + i % 40}-104.16.207.165-{40000 + i}-443-6,192.168.10.{2 + i % 40},{40000 + i},"
            f"104.16.207.165,{(443, 80)[i % 2]},6,7/7/2017 3:{i % 60:02d},{1000 + 37 * i},{1 + i % 9},"
            f"{60 * (1 + i % 9)},{'BENIGN' if i % 10 else 'DDoS'}" for i in range(120)]
    data, model, out = tmp_path / "Friday-WorkingHours.pcap_ISCX.csv", tmp_path / "m", tmp_path / "a.jsonl"
    data.write_text("\n".join([header, *rows]) + "\n")
    res = runner.invoke(app, ["train", str(data), "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(data), "--alert-format", "ecs", "-o", str(out),
                              "-q"])
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert docs
    for doc in docs:
        row = doc["hourglass"]["row"]
        assert doc["source"] == {"ip": f"192.168.10.{2 + row % 40}", "port": 40000 + row}, doc
        assert doc["destination"] == {"ip": "104.16.207.165", "port": (443, 80)[row % 2]}, doc


def test_a_numeric_protocol_column_is_a_category_not_a_magnitude(tmp_path: Path) -> None:
    # What was wrong: a flow table's IP protocol numbers (NetFlow v9's PROTOCOL, a CSV's proto:
    # 6 TCP, 17 UDP, 1 ICMP) were learnt as a minmax-scaled number, UDP "between" TCP and
    # GRE (47), where every flow format of hourglass (VPC flow logs, CIC-IDS, PAN-OS, CEF)
    # reads them as categories
    from hourglass.features.roles import infer_role

    codes = pd.Series([6.0, 17.0, 6.0, 1.0] * 5)
    for name in ("PROTOCOL", "proto", "ip_proto", "protocolIdentifier", "network.protocol"):
        assert infer_role(name, codes, max_categories=50) == ("categorical", "protocol number"), name
    assert infer_role("proto", pd.Series(["tcp", "udp"] * 5), max_categories=50)[0] == "categorical"
    assert infer_role("protocol_errors", codes, max_categories=50)[0] == "numeric"

    path = tmp_path / "nf.csv"
    path.write_text("IPV4_SRC_ADDR,L4_SRC_PORT,IPV4_DST_ADDR,L4_DST_PORT,PROTOCOL,IN_BYTES\n" + "".join(
        f"149.171.126.{i % 9},{40000 + i},175.45.176.{i % 3},{(80, 53)[i % 2]},{(6, 17)[i % 2]},{100 + i}\n"
        for i in range(60)))
    res = runner.invoke(app, ["inspect", str(path)])
    assert res.exit_code == 0, res.output
    rows = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│")}
    assert "categorical" in rows["PROTOCOL"] and "port" in rows["L4_DST_PORT"], rows


def test_ecs_alerts_carry_unsw_nb15_hex_ports_as_the_port_they_are(tmp_path: Path) -> None:
    # What was wrong: UNSW-NB15's raw files write some ports in hex (dsport 0x000b), which the
    # features read as port 11, but the ECS mapping took float('0x000b'), failed, and left
    # destination.port out of the alert of such a flow
    from hourglass.serve.ecs import ecs_named

    assert ecs_named({"dsport": "0x000b", "sport": "0xC0A8", "srcip": "59.166.0.3"}) == {
        "dsport": "0x000b", "sport": "0xC0A8", "srcip": "59.166.0.3"}
    assert ecs_named({"dsport": "0x1FFFFFFFF", "sport": "0x"}) == {}  # no port, as the features read it

    data, model, out = tmp_path / "UNSW-NB15_1.csv", tmp_path / "m", tmp_path / "a.jsonl"
    data.write_text(_unsw_raw(60))
    res = runner.invoke(app, ["train", str(data), "-o", str(model), *FAST, "--threshold", "fixed:0"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(data), "--alert-format", "ecs", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    ports = {d["hourglass"]["row"]: d["destination"].get("port") for d in docs}
    assert len(ports) == 60 and {ports[r] for r in range(2, 60, 3)} == {11}, ports
    assert {ports[r] for r in range(0, 60, 3)} == {53}


def test_numeric_tcp_flags_are_a_category_not_a_magnitude() -> None:
    # What was wrong: a flow table's TCP flags as a number (NetFlow v9's TCP_FLAGS and
    # CLIENT_TCP_FLAGS, IPFIX's tcpControlBits: 2 SYN, 18 SYN+ACK, 17 FIN+ACK) were a
    # minmax-scaled magnitude, a scan's bare SYN "close to" nothing, where the VPC flow log and
    # Suricata EVE formats read the same bits as categories
    from hourglass.features.roles import infer_role

    bits = pd.Series([2.0, 18.0, 17.0, 27.0] * 5)
    for name in ("TCP_FLAGS", "CLIENT_TCP_FLAGS", "SERVER_TCP_FLAGS", "tcpControlBits", "tcp_flags"):
        assert infer_role(name, bits, max_categories=50) == ("categorical", "TCP flag bits"), name
    assert infer_role("tcp_flags_count", bits, max_categories=50)[0] == "numeric"


def test_epoch_flow_start_and_end_columns_are_times_not_features(tmp_path: Path) -> None:
    # What was wrong: epoch times are dropped only under a time's name, which was one ending in
    # time/date/timestamp: AWS VPC flow logs delivered as Parquet (start, end: epoch seconds)
    # and NetFlow v9's FLOW_START_MILLISECONDS/FLOW_END_MILLISECONDS were minmax-scaled
    # features, every later day past the training scale (each row scored an anomaly)
    from hourglass.features.roles import infer_role

    seconds = pd.Series(1_620_000_000.0 + 10 * np.arange(50))
    for name in ("start", "end", "FLOW_START_MILLISECONDS", "flow_end_ms", "flowStartSeconds"):
        values = seconds * (1000 if "MILLI" in name.upper() or name.endswith("ms") else 1)
        assert infer_role(name, values, max_categories=50) == ("drop", "times"), name
    # a duration, a count or a word ending so stays a number
    for name in ("FLOW_DURATION_MILLISECONDS", "backend", "spend", "restarts"):
        assert infer_role(name, pd.Series([3.0, 800.0, 12.0]), max_categories=50)[0] == "numeric", name

    frame = pd.DataFrame({"srcaddr": [f"10.0.1.{i % 50 + 2}" for i in range(60)], "dstport": 443,
                          "protocol": 6, "bytes": 40 + 7 * np.arange(60),
                          "start": 1_620_000_000 + 10 * np.arange(60),
                          "end": 1_620_000_060 + 10 * np.arange(60), "log_status": "OK"})
    path = tmp_path / "vpc.parquet"
    frame.to_parquet(path, index=False)
    res = runner.invoke(app, ["inspect", str(path)])
    assert res.exit_code == 0, res.output
    rows = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│")}
    assert "dropped" in rows["start"] and "dropped" in rows["end"], rows["start"]


def test_a_vpc_header_of_packet_addresses_alone_is_refused_by_name_not_read_as_text(tmp_path: Path) -> None:
    # What was wrong: a custom VPC format naming only pkt-srcaddr/pkt-dstaddr, which the
    # aws-vpc-flow reader refuses by name (test_review14_ing1), was not sniffed as a flow log
    # at all: 'train' and 'inspect' read it as a CSV of one column, each line one text value,
    # and trained on it without a word
    from tests._cli import one_line_error

    lines = ["version interface-id pkt-srcaddr pkt-dstaddr action start",
             *(f"5 eni-1 10.0.0.{i % 9 + 1} 10.0.1.5 ACCEPT {1_700_000_000 + i}" for i in range(50))]
    path = tmp_path / "flows.log"
    path.write_text("\n".join(lines) + "\n")
    assert sniff_format(path).name == "aws-vpc-flow"
    one_line_error(["train", str(path), "-o", str(tmp_path / "m"), *FAST],
                   "no 'srcaddr' field; is this an AWS VPC flow log", tmp_path / "m")
