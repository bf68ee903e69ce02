"""Regression tests: flow formats (UNSW-NB15, AWS VPC, Zeek) with blank lines or unusual header
lines, key=value id fields, Okta Event Hook deliveries and GCP audit entries with null payloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.errors import InputError
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


def _zeek(separator_line: str, sep: str = "\t", rows: int = 3) -> str:
    head = [separator_line, f"#set_separator{sep},",
            f"#fields{sep}ts{sep}id.orig_h{sep}id.resp_h{sep}orig_bytes",
            f"#types{sep}time{sep}addr{sep}addr{sep}count"]
    body = [sep.join(["1700000000.5", f"10.0.0.{i}", "10.0.1.5", str(i)]) for i in range(rows)]
    return "\n".join([*head, *body]) + "\n"


@pytest.mark.parametrize("line", ["#separator \\x09 ", "#separator \\t", "#separator  \\x09\t",
                                  "#separator \\x09"])
def test_zeek_separator_written_loosely_is_still_a_tab(tmp_path: Path, line: str) -> None:
    """A '#separator' value with a trailing blank, or spelled '\\t', is the tab: it was taken as the
    two-character separator it spells, the '#fields' line then not split and the file refused as
    needing a '#fields' header line."""
    p = tmp_path / "conn.log"
    p.write_text(_zeek(line))
    assert sniff_format(p).name == "zeek-conn"
    df = get_format("zeek-conn").read(p)
    assert df.shape == (3, 4)
    assert df["id.orig_h"].tolist() == ["10.0.0.0", "10.0.0.1", "10.0.0.2"]
    assert df["orig_bytes"].tolist() == [0, 1, 2]


def test_zeek_redefined_separator_with_trailing_blank_splits_the_rows(tmp_path: Path) -> None:
    p = tmp_path / "conn.log"
    p.write_text(_zeek("#separator \\x2c  ", sep=","))
    df = get_format("zeek-conn").read(p)
    assert df["id.resp_h"].tolist() == ["10.0.1.5"] * 3


@pytest.mark.parametrize("value", ["\\x09\\x09", "\\x0a", "tab"])
def test_zeek_separator_of_more_than_one_character_is_refused_at_its_line(
        tmp_path: Path, value: str) -> None:
    p = tmp_path / "conn.log"
    p.write_text("\n" + _zeek(f"#separator {value}"))  # a blank line first: the separator on line 2
    with pytest.raises(InputError) as exc:
        get_format("zeek-conn").read(p)
    assert str(exc.value) == (f"{p}: line 2: a Zeek log's separator must be one character, "
                              f"not '{value}'")


def test_zeek_bad_separator_is_one_line_and_exit_2_on_the_cli(tmp_path: Path) -> None:
    p = tmp_path / "conn.log"
    p.write_text(_zeek("#separator \\x09\\x09"))
    result = CliRunner().invoke(app, ["inspect", str(p), "--format", "zeek-conn"])
    assert result.exit_code == 2
    assert "line 1: a Zeek log's separator must be one character, not '\\x09\\x09'" in result.output
    assert "Traceback" not in result.output


_VPC_CUSTOM = [f"5 012345678901 eni-0a1b2c3d 10.0.0.{i} 10.0.1.5 {40000 + i} 443 6 1 40 1700000000 "
               "1700000060 ACCEPT OK vpc-1" for i in range(3)]


def test_vpc_custom_record_without_header_after_blank_lines_names_its_line(tmp_path: Path) -> None:
    """The refusal of a custom-format record without its header line names the line the record is
    on: after two blank lines it said 'line 1', a blank line."""
    p = tmp_path / "flow.log"
    p.write_text("\n\r\n" + "\n".join(_VPC_CUSTOM) + "\n")
    with pytest.raises(InputError, match=r"flow\.log: line 3 has 15 fields, not the default format's 14"):
        get_format("aws-vpc-flow").read(p)
    p.write_text("\n".join(_VPC_CUSTOM) + "\n")
    with pytest.raises(InputError, match=r"flow\.log: line 1 has 15 fields"):
        get_format("aws-vpc-flow").read(p)


def test_vpc_custom_format_with_header_after_blank_lines_reads(tmp_path: Path) -> None:
    header = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
              "start end action log-status vpc-id")
    p = tmp_path / "flow.log"
    p.write_text("\n\n" + "\n".join([header, *_VPC_CUSTOM]) + "\n")
    df = get_format("aws-vpc-flow").read(p)
    assert df.shape == (3, 15)
    assert df["srcaddr"].tolist() == ["10.0.0.0", "10.0.0.1", "10.0.0.2"]
    assert df["vpc-id"].tolist() == ["vpc-1"] * 3


def test_fortigate_virus_signature_and_vrf_ids_are_categories(tmp_path: Path) -> None:
    """FortiGate's ``virusid`` (an antivirus signature's id) and ``vrf`` (a VRF's number) were
    numbers scaled as magnitudes; they are categories, as ``attackid`` is."""
    from hourglass.features.roles import infer_role
    from hourglass.ingest.formats import format_roles

    lines = [f'date=2018-12-27 time=11:20:{i:02d} logid="0211008192" type="utm" subtype="virus" '
             f'srcip=10.1.100.{i} dstip=172.16.200.55 dstport=80 virus="V{i % 3}" '
             f"virusid={[2172, 7071, 8172][i % 3]} vrf={i % 2}" for i in range(12)]
    p = tmp_path / "av.log"
    p.write_text("\n".join(lines) + "\n")
    spec = get_format("kv")
    df = spec.read(p)
    assert infer_role("virusid", df["virusid"], max_categories=50)[0] == "numeric"  # left to itself
    roles = format_roles(spec, df.columns)
    assert [roles.get(c) for c in ("virusid", "vrf")] == ["categorical"] * 2


@pytest.mark.parametrize("data", [None, {}, {"events": []}])
def test_okta_event_hook_delivery_with_any_data_is_refused_by_name(tmp_path: Path, data: object) -> None:
    """A file whose first record is an Okta Event Hook delivery with ``"data": null`` was not sniffed
    as Okta: it was read silently as plain JSON lines; it is refused by name, as one with data."""
    hook = {"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1",
            "eventTime": "2026-01-05T08:00:01.000Z", "data": data}
    p = tmp_path / "hook.json"
    later = {**hook, "eventTime": "2026-01-05T08:00:02.000Z"}
    p.write_text(json.dumps(hook) + "\n" + json.dumps(later) + "\n")
    result = CliRunner().invoke(app, ["inspect", str(p)])
    assert result.exit_code == 2, result.output
    assert "Okta Event Hook deliveries" in result.output
    assert "Traceback" not in result.output


_GCP_ENTRY: dict[str, object] = {
    "logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity",
    "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                     "methodName": "SetIamPolicy", "serviceName": "iam.googleapis.com"}}


@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize("empty", [("textPayload", None), ("jsonPayload", None), ("jsonPayload", {})])
def test_gcp_audit_entry_with_null_payload_keys_is_an_audit_row(
        tmp_path: Path, first: bool, empty: tuple[str, object]) -> None:
    """An audit entry written with every field (a null ``textPayload`` or ``jsonPayload`` beside its
    AuditLog ``protoPayload``) is an audit log: it was refused, as 'PATH: None' (the payload key
    last) or as 'a log entry with textPayload, not an audit log' (first)."""
    key, value = empty
    lines = []
    for i in range(3):
        entry: dict[str, object] = {**_GCP_ENTRY, "timestamp": f"2026-01-05T08:00:0{i}Z"}
        entry = {key: value, **entry} if first else {**entry, key: value}
        lines.append(json.dumps(entry))
    p = tmp_path / "audit.jsonl"
    p.write_text("\n".join(lines) + "\n")
    assert sniff_format(p).name == "gcp-audit"
    spec = get_format("gcp-audit")
    df = spec.read(p)
    assert df["protoPayload.methodName"].tolist() == ["SetIamPolicy"] * 3
    assert df["timestamp"].tolist() == [f"2026-01-05T08:00:0{i}Z" for i in range(3)]
    assert key not in df.columns
    assert spec.refusal(json.loads(lines[0])) is None


def test_gcp_text_entry_among_audit_entries_with_null_payloads_is_still_refused(tmp_path: Path) -> None:
    audit = {**_GCP_ENTRY, "timestamp": "2026-01-05T08:00:00Z", "textPayload": None}
    text = {"logName": "projects/p/logs/app", "timestamp": "2026-01-05T08:00:01Z", "textPayload": None}
    p = tmp_path / "audit.jsonl"
    p.write_text(json.dumps(audit) + "\n" + json.dumps(text) + "\n")
    with pytest.raises(InputError, match=r"audit\.jsonl: line 2: a log entry with textPayload, not an audit"):
        get_format("gcp-audit").read(p)


def test_gcp_check_never_refuses_with_no_reason() -> None:
    """A first chunk whose ``protoPayload.@type`` column holds the AuditLog type is not refused
    (it was, as 'PATH: None'); another type still is, by name."""
    import pandas as pd

    spec = get_format("gcp-audit")
    audit = "type.googleapis.com/google.cloud.audit.AuditLog"
    df = pd.DataFrame({"timestamp": ["2026-01-05T08:00:00Z"] * 2, "protoPayload.methodName": ["m", "m"],
                       "protoPayload.@type": [audit, None]})
    spec.check(df, "a.jsonl")
    df["protoPayload.@type"] = [audit, "type.googleapis.com/x.Other"]
    with pytest.raises(InputError, match=r"^a\.jsonl: a log entry with a protoPayload of type "
                                         r"type\.googleapis\.com/x\.Other, not an audit log"):
        spec.check(df, "a.jsonl")


def _kdd_rows(n_fields: int = 43) -> list[str]:
    tail = ["normal", "21"] if n_fields == 43 else ["normal."]
    return [",".join(["0", "tcp", "http", "SF", str(181 + i), "5450", *["0"] * 35, *tail]) for i in range(4)]


def test_nsl_kdd_copy_with_header_after_blank_line_skips_the_header(tmp_path: Path) -> None:
    """An NSL-KDD copy whose header line follows a blank line had the header read as a row (every
    column text, an attack row called 'attack'): the header was looked for on the blank line."""
    from hourglass.ingest.datasets import NSL_KDD_FEATURES

    p = tmp_path / "KDDTrain+.csv"
    p.write_text("\n\n" + "\n".join([",".join([*NSL_KDD_FEATURES, "attack", "level"]), *_kdd_rows()]) + "\n")
    df = get_format("nsl-kdd").read(p)
    assert df.shape == (4, 43)
    assert df["label"].tolist() == ["normal"] * 4
    assert df["src_bytes"].tolist() == [181, 182, 183, 184]


def test_kdd_cup_99_after_blank_line_is_sniffed_and_read_with_42_fields(tmp_path: Path) -> None:
    p = tmp_path / "kddcup.data"
    p.write_text("\n" + "\n".join(_kdd_rows(42)) + "\n")
    spec = sniff_format(p)
    assert spec.name == "nsl-kdd"
    df = spec.read(p)
    assert df.shape == (4, 42)
    assert df["label"].tolist() == ["normal"] * 4
