"""Review 63 (flow63): packet-derived flow records as nfdump, SiLK, Argus, pmacct and YAF write them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.features.roles import infer_role, table_tells


def _nfdump(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "ts": ["2019-03-13 09:00:00"] * n, "td": rng.uniform(0, 5, n).round(3),
        "sa": [f"192.168.1.{i % 30 + 10}" for i in range(n)], "da": ["104.16.207.165"] * n,
        "sp": rng.integers(32768, 61000, n).astype(float), "dp": rng.choice([443.0, 53.0, 22.0], n),
        "pr": rng.choice([6.0, 17.0, 47.0], n), "flg": [".AP.SF"] * n,
        "ipkt": rng.integers(1, 40, n).astype(float), "ibyt": rng.integers(60, 50000, n).astype(float),
        "in": rng.choice([2.0, 3.0], n), "out": rng.choice([4.0, 7.0], n),
        "sas": rng.choice([0.0, 15169.0, 13335.0], n), "das": rng.choice([0.0, 16509.0], n)})


def test_nfdump_and_silk_short_names_are_ports_and_codes() -> None:
    # What was wrong: nfdump's '-o csv' (sa,da,sp,dp,pr,...) had its ports sp and dp min-max scaled
    # as magnitudes (a port scan's new ports 'near' the usual ones), as were its interface indexes
    # and AS numbers; SiLK's rwcut protocol 'pro' and pmacct's port_src/port_dst were numbers too.
    df = _nfdump()
    tells = table_tells(df.columns)
    roles = {c: infer_role(c, df[c], max_categories=50, columns=tells)[0] for c in df.columns}
    assert roles["sp"] == roles["dp"] == "port"
    assert roles["pr"] == roles["in"] == roles["out"] == roles["sas"] == roles["das"] == "categorical"
    assert roles["ipkt"] == roles["ibyt"] == roles["td"] == "numeric"
    # the same names in a table without nfdump's addresses and ports are read as before
    alone = df[["sp", "in", "ibyt"]]
    assert infer_role("sp", alone["sp"], max_categories=50, columns=alone.columns)[0] == "numeric"
    assert infer_role("in", alone["in"], max_categories=50, columns=alone.columns)[0] == "numeric"
    silk = pd.DataFrame({"sIP": ["10.0.0.1"] * 4, "dIP": ["10.0.0.2"] * 4, "sPort": [5000.0] * 4,
                         "dPort": [443.0] * 4, "pro": [6.0, 17.0, 6.0, 1.0]})
    assert infer_role("pro", silk["pro"], max_categories=50, columns=silk.columns)[0] == "categorical"
    ports = pd.Series(np.random.default_rng(1).integers(1024, 65535, 300))
    assert infer_role("port_src", ports, max_categories=50)[0] == "port"
    assert infer_role("port_dst", ports, max_categories=50)[0] == "port"


def test_flow_tools_five_tuple_goes_to_its_ecs_fields() -> None:
    # What was wrong: an ECS alert of a model trained on nfdump's -o csv (sa, da, sp, dp, pr),
    # pmacct's JSON (ip_src, port_dst, ip_proto) or YAF's super_mediator JSON
    # (flows.sourceIPv4Address, flows.protocolIdentifier) had no source.ip, destination.port nor
    # network.*, and no 'network' category: the flagged flow's hosts were nowhere in the alert.
    from hourglass.serve.ecs import AlertRule, ecs_named, to_ecs

    rule = AlertRule("autoencoder", "ab")
    rows = [{"sa": "192.168.1.23", "da": "203.0.113.77", "sp": 51000.0, "dp": 443.0, "pr": "TCP", "ibyt": 9},
            {"ip_src": "192.168.1.23", "ip_dst": "203.0.113.77", "port_src": 51000, "port_dst": 443,
             "ip_proto": "tcp"},
            {"flows.sourceIPv4Address": "192.168.1.23", "flows.destinationIPv4Address": "203.0.113.77",
             "flows.sourceTransportPort": 51000, "flows.destinationTransportPort": 443,
             "flows.protocolIdentifier": 6}]
    for row in rows:
        doc = to_ecs({"row": 0, "score": 3.0}, rule, fields=ecs_named(row))
        assert doc["source"] == {"ip": "192.168.1.23", "port": 51000}, row
        assert doc["destination"] == {"ip": "203.0.113.77", "port": 443}, row
        assert doc["network"] in ({"transport": "tcp"}, {"iana_number": "6"}), row
        assert "network" in doc["event"]["category"], row


def test_logstash_netflow_sequence_counter_is_no_feature() -> None:
    # What was wrong: Logstash's netflow codec puts the export packet's sequence counter in every
    # flow (netflow.flow_seq_num); learnt as a number, it rose past the training range, so every
    # flow of the next capture was flagged (661 of 661, 'netflow.flow_seq_num 100%'), unwarned.
    seq = pd.Series(np.repeat(np.arange(1000, 1150), 20))
    assert infer_role("netflow.flow_seq_num", seq, max_categories=50)[0] == "drop"
    assert infer_role("flow_seq_num", seq, max_categories=50)[0] == "drop"


def test_router_interface_vlan_and_tos_codes_are_categories() -> None:
    # What was wrong: NetFlow's input_snmp/output_snmp, IPFIX's ingressInterface/egressInterface,
    # vlanId and ipClassOfService, pmacct's tos were min-max scaled magnitudes: a flow in by a
    # new interface 5, between the usual 2 and 7, or with DSCP 46 between 0 and 184, looked normal.
    codes = pd.Series(np.random.default_rng(0).choice([2, 7, 7, 9], 300))
    for name in ("netflow.input_snmp", "OUTPUT_SNMP", "flows.ingressInterface", "egressInterface",
                 "vlanId", "SRC_VLAN", "tos", "netflow.src_tos", "flows.ipClassOfService"):
        assert infer_role(name, codes, max_categories=50)[0] == "categorical", name
    # a fraction is no code: still a number
    assert infer_role("tos", pd.Series([0.5, 1.5, 2.0]), max_categories=50)[0] == "numeric"


def test_cicflowmeter_unlabelled_capture_trains_as_normal(tmp_path: Path) -> None:
    # What was wrong: CICFlowMeter-V4 writes Label 'NeedManualLabel' in every flow of a capture
    # it has not labelled; 'hourglass train' of the tool's own output was refused ("no rows with
    # Label in ['BENIGN', 'Benign']; values seen: NeedManualLabel"): such flows are now normal.
    from hourglass.cli.tables import split_labels
    from hourglass.ingest.formats import get_format

    head = "Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Duration,Tot Fwd Pkts,Label\n"
    rows = [f"10.0.0.5-10.0.0.7-{5000 + i}-443-6,10.0.0.5,{5000 + i},10.0.0.7,443,6,"
            f"13/03/2019 01:20:{i:02d} PM,{100 + i},{2 + i % 3},NeedManualLabel" for i in range(20)]
    path = tmp_path / "capture.pcap_Flow.csv"
    path.write_text(head + "\n".join(rows) + "\n")
    spec = get_format("cicflowmeter")
    df = spec.read(path)
    feats, _labels, is_anomaly = split_labels(df, spec.label_col, list(spec.normal), str(path))
    assert is_anomaly is not None and not is_anomaly.any() and len(feats) == 20
    assert "Label" not in feats.columns


def test_nfdump_summary_lines_are_named_as_such(tmp_path: Path) -> None:
    # What was wrong: 'nfdump -o csv' ends with its summary ('Summary', then
    # 'flows,bytes,packets,...' and its numbers); reading such a file stopped at 'line 7: expected
    # 9 fields, found 1', naming no cause, its only advice to skip bad rows (real damage too).
    from tests._cli import one_line_error

    rows = [f"2019-03-13 09:00:0{i},2019-03-13 09:00:0{i},0.000,192.168.1.{10 + i},8.8.8.8,"
            f"{40000 + i},53,UDP,1,70" for i in range(5)]
    path = tmp_path / "flows.csv"
    path.write_text("ts,te,td,sa,da,sp,dp,pr,ipkt,ibyt\n" + "\n".join(rows) + "\nSummary\n"
                    "flows,bytes,packets,avg_bps,avg_pps,avg_bpp\n5,350,5,0,0,70\n")
    one_line_error(["inspect", str(path)], "line 7: nfdump's summary after its flow records")


def test_a_model_of_one_cic_release_names_the_other_releases_columns() -> None:
    # What was wrong: a model trained on CSE-CIC-IDS2018's flows (Dst Port, Tot Fwd Pkts ...)
    # scoring a CIC-IDS2017 file (Destination Port, Total Fwd Packets ...) was refused as
    # 'column(s) the model needs are missing: Dst Port, ...; the data has Flow ID, Source IP ...',
    # not saying that the two releases name the same features differently.
    import pytest

    from hourglass.errors import InputError
    from hourglass.features.tabular import TabularPreprocessor

    rng = np.random.default_rng(0)
    n = 60
    y18 = pd.DataFrame({"Dst Port": rng.choice([443, 53], n), "Tot Fwd Pkts": rng.integers(1, 9, n),
                        "Flow Byts/s": rng.uniform(0, 1e4, n)})
    y17 = y18.rename(columns={"Dst Port": "Destination Port", "Tot Fwd Pkts": "Total Fwd Packets",
                              "Flow Byts/s": "Flow Bytes/s"})
    for train, other, trained in ((y18, y17, "CSE-CIC-IDS2018's"), (y17, y18, "CIC-IDS2017's")):
        pre = TabularPreprocessor().fit(train)
        with pytest.raises(InputError, match=f"trained on {trained} column names"):
            pre.transform(other)


def test_cicflowmeter_python_port_output_is_named_when_refused(tmp_path: Path) -> None:
    # What was wrong: '--format cicflowmeter' on the output of CICFlowMeter's Python port
    # (src_ip, dst_port, flow_duration ..., no Label) was refused as "no column 'Label'; is this
    # a cicflowmeter file?", though it is one: now it says what the file is and how to read it.
    from tests._cli import one_line_error

    rows = [f"10.0.0.5,10.0.0.7,{5000 + i},443,6,2019-03-13 09:00:0{i},{100 + i},{2 + i}" for i in range(5)]
    path = tmp_path / "flows.csv"
    path.write_text("src_ip,dst_ip,src_port,dst_port,protocol,timestamp,flow_duration,tot_fwd_pkts\n"
                    + "\n".join(rows) + "\n")
    one_line_error(["inspect", str(path), "--format", "cicflowmeter"], "CICFlowMeter's Python port")
