"""Regression tests: flow formats (UNSW-NB15, AWS VPC, Zeek) with blank lines or unusual header
lines, key=value id fields, Okta Event Hook deliveries and GCP audit entries with null payloads."""

from __future__ import annotations

from pathlib import Path

from hourglass.ingest.flows import UNSW_RAW_COLUMNS
from hourglass.ingest.formats import get_format, sniff_format

_UNSW_PARTITION = (
    "id,dur,proto,service,state,spkts,dpkts,sbytes,dbytes,rate,sttl,dttl,sload,dload,sloss,dloss,"
    "sinpkt,dinpkt,sjit,djit,swin,stcpb,dtcpb,dwin,tcprtt,synack,ackdat,smean,dmean,trans_depth,"
    "response_body_len,ct_srv_src,ct_state_ttl,ct_dst_ltm,ct_src_dport_ltm,ct_dst_sport_ltm,"
    "ct_dst_src_ltm,is_ftp_login,ct_ftp_cmd,ct_flw_http_mthd,ct_src_ltm,ct_srv_dst,is_sm_ips_ports,"
    "attack_cat,label").split(",")


def test_unsw_partition_with_blank_first_line_reads_its_header(tmp_path: Path) -> None:
    """A UNSW-NB15 partition CSV whose header follows a blank line is sniffed as UNSW-NB15 and read
    with its own header; the header was looked for on the blank line, the file then read as the raw
    49-column layout and refused ('line 1: expected 49 fields, found 45')."""
    n = len(_UNSW_PARTITION)
    rows = [",".join([str(i + 1), "0.1", "tcp", "-", "FIN", *[str(i)] * (n - 7), "Normal", "0"])
            for i in range(6)]
    p = tmp_path / "UNSW_NB15_training-set.csv"
    p.write_text("\n" + "\n".join([",".join(_UNSW_PARTITION), *rows]) + "\n")
    spec = sniff_format(p)
    assert spec.name == "unsw-nb15"
    df = spec.read(p)
    assert df.shape == (6, 45)
    assert list(df.columns) == _UNSW_PARTITION
    assert df["id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert df["label"].tolist() == [0] * 6


def test_unsw_raw_file_with_blank_first_line_keeps_the_dataset_names(tmp_path: Path) -> None:
    raw = [",".join([f"10.0.0.{i}", "1000", "10.0.1.1", "80", "tcp", "FIN", *["1"] * 41, "", "0"])
           for i in range(4)]
    p = tmp_path / "UNSW-NB15_1.csv"
    p.write_text("\n\n" + "\n".join(raw) + "\n")
    df = get_format("unsw-nb15").read(p)
    assert df.shape == (4, 49)
    assert tuple(df.columns) == UNSW_RAW_COLUMNS
    assert df["srcip"].tolist() == [f"10.0.0.{i}" for i in range(4)]
