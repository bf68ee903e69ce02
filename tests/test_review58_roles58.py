"""Review 58 (roles58): column roles across the real exports' full column lists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.features.roles import infer_role


def test_http_status_code_with_zero_for_no_http_is_a_category() -> None:
    # What was wrong: TON_IoT's network set (and other flow exports) write http_status_code 0 for
    # a flow with no HTTP, beside 200, 404 ... of the HTTP ones; the HTTP status rule asked for
    # 100-599 only, so the one 0 made the column a numeric feature, min-max scaled as if 404
    # were twice 200, where the same column without its non-HTTP flows was a category.
    rng = np.random.default_rng(0)
    codes = pd.Series(rng.choice([0, 0, 0, 200, 301, 404, 500], 300))
    assert infer_role("http_status_code", codes, max_categories=100) == ("categorical", "HTTP status code")
    assert infer_role("http_status_code", codes.astype(str), max_categories=100)[0] == "categorical"
    # a 0/1 status (no code at all) stays a number
    assert infer_role("status", pd.Series([0, 1, 0]), max_categories=100)[0] == "numeric"


def test_a_name_whose_last_word_is_port_is_a_port() -> None:
    # What was wrong: only names in a fixed list were ports (sport, dst_port, l4srcport ...), so
    # osquery's process_open_sockets local_port/remote_port, a Windows logon's IpPort or a
    # 'client port' were min-max scaled numbers (port 443 'near' 445, an ephemeral 50000 a huge
    # value), where dst_port of the same values was a port and an entity model counted them as
    # codes by their name.
    rng = np.random.default_rng(0)
    ports = pd.Series(rng.integers(1024, 65535, 300))
    for name in ("local_port", "remote_port", "IpPort", "client port", "LOCAL_PORT"):
        assert infer_role(name, ports, max_categories=100) == ("port", "port name"), name
    for name in ("report", "export", "is_sm_ips_ports", "port_count"):
        assert infer_role(name, ports, max_categories=100)[0] == "numeric", name


def test_a_protocol_number_under_a_name_ending_in_proto_is_a_category() -> None:
    # What was wrong: NetFlow v2/v3 (NF-UNSW-NB15-v2, NF-CSE-CIC-IDS2018-v2) give nDPI's
    # application protocol as L7_PROTO (7.0 HTTP, 91.0 TLS, 5.0 DNS, 7.178 ...) beside PROTOCOL;
    # PROTOCOL was a category by its listed name, L7_PROTO a min-max scaled magnitude (TLS 'far'
    # from HTTP), as was any 'app_protocol' or 'ip_v4_proto' of numbers.
    rng = np.random.default_rng(0)
    l7 = pd.Series(rng.choice([7.0, 91.0, 5.0, 7.178, 0.0], 300))
    for name in ("L7_PROTO", "app_protocol", "tunnelProto"):
        assert infer_role(name, l7, max_categories=100) == ("categorical", "protocol number"), name
    assert infer_role("prototypes", l7, max_categories=100)[0] == "numeric"


def test_whole_numbers_under_a_code_or_type_name_are_categories() -> None:
    # What was wrong: NetFlow v2's ICMP_TYPE, DNS_QUERY_TYPE and FTP_COMMAND_RET_CODE, TON_IoT's
    # dns_qtype/dns_rcode and SNMP's ifType were min-max scaled magnitudes (an AAAA query, 28,
    # 'far' from an A query, 1; FTP's 530 'near' 500), where the Zeek format reads qtype, rcode
    # and status_code as categories and an entity model counts a name ending in code or type as
    # a code.
    rng = np.random.default_rng(0)
    cases = {"ICMP_TYPE": [0, 2048, 768, 771], "DNS_QUERY_TYPE": [0, 1, 28, 5, 16],
             "FTP_COMMAND_RET_CODE": [0, 200, 220, 530], "dns_qtype": [0, 1, 28], "dns_rcode": [0, 3],
             "ifType": [6, 24, 131]}
    for name, values in cases.items():
        s = pd.Series(rng.choice(values, 300))
        assert infer_role(name, s, max_categories=100)[0] == "categorical", name
        assert infer_role(name, s.astype("float64"), max_categories=100)[0] == "categorical", name
    # a fraction is no code; other names keep their numbers
    assert infer_role("mean_type", pd.Series([0.5, 1.25]), max_categories=100)[0] == "numeric"
    assert infer_role("DNS_TTL_ANSWER", pd.Series([60, 300]), max_categories=100)[0] == "numeric"


def test_json_lines_of_a_flow_dataset_are_not_sniffed_as_its_csv(tmp_path: Path) -> None:
    # What was wrong: the UNSW-NB15 and CICFlowMeter sniffers looked for their column names
    # ('sbytes' and 'attack_cat'; 'Flow Duration' and 'Label') or 49 comma-separated fields
    # anywhere in the first line, so the same flows as JSON lines (pandas' to_json(lines=True))
    # were read as that dataset's CSV: 'hourglass inspect unsw.jsonl' ended in a KeyError
    # traceback ('label'), and 49-key NetFlow JSON lines were read as UNSW-NB15's raw columns
    # (srcip '{"IPV4_SRC_ADDR": "192.168.4.162"'). A first line starting with '{' is JSON lines.
    from hourglass.ingest.formats import sniff_format

    unsw = pd.DataFrame({"srcip": ["10.0.0.1"] * 3, "sport": [1, 2, 3], "sbytes": [5, 6, 7],
                         "attack_cat": ["", "Exploits", ""], "label": [0, 1, 0]})
    unsw.to_json(tmp_path / "unsw.jsonl", orient="records", lines=True)
    assert sniff_format(tmp_path / "unsw.jsonl").name == "jsonl"
    unsw.to_csv(tmp_path / "unsw.csv", index=False)
    assert sniff_format(tmp_path / "unsw.csv").name == "unsw-nb15"  # (the CSV: as before)
    cic = pd.DataFrame({"Flow Duration": [5, 6], "Flow Bytes/s": [1.0, 2.0], "Label": ["BENIGN"] * 2})
    cic.to_json(tmp_path / "cic.jsonl", orient="records", lines=True)
    assert sniff_format(tmp_path / "cic.jsonl").name == "jsonl"
    wide = pd.DataFrame({f"F{i}": [f"10.0.0.{i}"] for i in range(49)})
    wide.to_json(tmp_path / "wide.jsonl", orient="records", lines=True)
    assert sniff_format(tmp_path / "wide.jsonl").name == "jsonl"


def test_codes_written_as_text_take_the_role_of_the_same_numbers() -> None:
    # What was wrong: a protocol number, TCP flags or a code under a code/type name was a category
    # as numbers (a CSV, Parquet, JSON numbers) but a min-max scaled magnitude as text (JSON
    # lines that quote their numbers, "PROTOCOL": "6", as a Logstash or Elasticsearch export
    # writes them), where the README says the same rows as a CSV or as JSON lines train the same
    # roles (an HTTP status as text already was a category).
    rng = np.random.default_rng(0)
    cases = {"PROTOCOL": [6, 17, 1], "L7_PROTO": [7, 91, 5], "TCP_FLAGS": [2, 18, 27],
             "ICMP_TYPE": [0, 2048, 768], "FTP_COMMAND_RET_CODE": [0, 200, 530], "status": [200, 404]}
    for name, values in cases.items():
        numbers = pd.Series(rng.choice(values, 300))
        text = numbers.astype(str).where(np.arange(300) % 7 != 0, "-")  # ('-': unset)
        as_numbers = infer_role(name, numbers, max_categories=100)
        as_text = infer_role(name, text, max_categories=100)
        assert as_numbers[0] == as_text[0] == "categorical", (name, as_numbers, as_text)
        assert as_text[1].startswith(as_numbers[1]), (name, as_numbers, as_text)
    # numbers under another name stay numbers either way
    assert infer_role("IN_BYTES", pd.Series(["5", "70"]), max_categories=100)[0] == "numeric"


def test_zeek_x509_validity_times_are_not_features(tmp_path: Path) -> None:
    # What was wrong: Zeek's x509.log types certificate.not_valid_before/_after as 'time' (epoch
    # seconds), but the zeek format's roles named no time but ts, and the names are no time's, so
    # both were min-max scaled numbers: every certificate issued after training lay past the
    # training range (an anomaly for its date alone). They are dropped now, as ts is.
    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.ingest.formats import format_roles, sniff_format

    fields = ["ts", "fingerprint", "certificate.subject", "certificate.not_valid_before",
              "certificate.not_valid_after", "certificate.key_length"]
    lines = ["#separator \\x09", "#unset_field\t-", "#path\tx509", "#fields\t" + "\t".join(fields),
             "#types\ttime\tstring\tstring\ttime\ttime\tcount"]
    for i in range(60):
        start = 1.69e9 + 86_400 * (i % 40)
        lines.append(f"{1.7e9 + i:.6f}\tfp{i}\tCN=h{i % 5}\t{start:.6f}\t{start + 7.8e6:.6f}"
                     f"\t{2048 + 2048 * (i % 2)}")
    log = tmp_path / "x509.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = sniff_format(log)
    df = spec.read(log)
    roles = {c: r for c, r in format_roles(spec, df.columns).items() if c in df.columns}
    pre = TabularPreprocessor(roles=roles).fit(df)
    assert pre.roles_["certificate.not_valid_before"] == pre.roles_["certificate.not_valid_after"] == "drop"
    assert not any(n.startswith("certificate.not_valid") for n in pre.feature_names_)
    assert pre.roles_["certificate.key_length"] == "numeric"


def test_wireshark_packet_numbers_are_not_a_feature() -> None:
    # What was wrong: Wireshark's CSV export (File > Export Packet Dissections > As CSV) starts
    # with 'No.', the packet's number in the capture (1, 2, 3 ...): it was a min-max scaled
    # feature, so every packet of a capture longer than the training one lay past the training
    # range, where a saved index ('Unnamed: 0', 'index') of the same numbers was dropped.
    numbers = pd.Series(np.arange(1, 301))
    role, why = infer_role("No.", numbers, max_categories=100)
    assert role == "drop" and why.startswith("row numbers"), why
    # other numbers under the name stay numbers (not increasing: no row numbers)
    assert infer_role("No.", pd.Series([3, 1, 2] * 10), max_categories=100)[0] == "numeric"


def test_nsl_kdd_with_a_header_line_is_sniffed_as_nsl_kdd(tmp_path: Path) -> None:
    # What was wrong: the nsl-kdd format reads a copy with a header line (as spreadsheets and
    # Kaggle's downloads have it), but its sniffer took only data lines (second field tcp/udp/
    # icmp), so such a file was a plain CSV: 'difficulty' (how many learners got the record
    # right, derived from the label) became a numeric feature and no label column was known.
    from hourglass.ingest.datasets import get_dataset
    from hourglass.ingest.formats import sniff_format

    spec = get_dataset("nsl-kdd")
    names = list(spec.columns or ())
    row = ["0", "tcp", "http", "SF", *["0"] * 37, "normal", "21"]
    assert len(names) == len(row) == 43
    path = tmp_path / "KDDTrain+.csv"
    path.write_text(",".join(names) + "\n" + "\n".join([",".join(row)] * 5) + "\n", encoding="utf-8")
    found = sniff_format(path)
    assert found.name == "nsl-kdd"
    df = found.read(path)
    assert len(df) == 5 and set(df["label"]) == {"normal"} and "difficulty" in found.drop
    # a CSV that merely has a 'protocol_type' column is no NSL-KDD file
    (tmp_path / "t.csv").write_text("duration,protocol_type,service,bytes\n0,tcp,http,5\n", encoding="utf-8")
    assert sniff_format(tmp_path / "t.csv").name == "csv"


def test_switch_port_names_under_a_port_name_stay_text() -> None:
    # What was wrong: f21c45b2 made every name whose last word is 'port' a port's, whatever its
    # values, so a switch's or router's port names (switch_port 'Gi1/0/24', egress_port
    # 'ge-0/0/1'), a category before, read as no port number at all (each a missing value, the
    # column adding nothing). The last-word rule now asks for port numbers (as numbers or text).
    names = pd.Series(["Gi1/0/24", "Gi1/0/2", "ge-0/0/1"] * 20)
    assert infer_role("switch_port", names, max_categories=100) == ("categorical", "text values")
    assert infer_role("local_port", pd.Series(["443", "-", "50123"] * 20), max_categories=100)[0] == "port"
    assert infer_role("dst_port", names, max_categories=100)[0] == "port"  # (a listed name: as before)
