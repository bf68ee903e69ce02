"""Zeek's other logs (dns.log, http.log, ssl.log, files.log) through the ``zeek-conn`` format:
their ids are no features, their numeric codes are categories, a TSV ``#fields`` header is
enough to be read (files.log has no ``id.orig_h``)."""

from __future__ import annotations

from pathlib import Path

from hourglass.cli import app
from hourglass.ingest.formats import get_format, sniff_format
from tests._cli import runner


def _tsv(path: Path, fields: list[str], types: list[str], rows: list[list[str]]) -> Path:
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            f"#path\t{path.stem}", "#fields\t" + "\t".join(fields), "#types\t" + "\t".join(types)]
    path.write_text("\n".join([*head, *("\t".join(r) for r in rows), "#close\t2026-01-01-00-00-00"]) + "\n")
    return path


def test_dns_log_codes_are_categories_and_transaction_ids_no_features(tmp_path: Path) -> None:
    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "trans_id",
              "query", "qclass", "qtype", "qtype_name", "rcode", "rcode_name"]
    types = ["time", "string", "addr", "port", "addr", "port", "enum", "count", "string", "count",
             "count", "string", "count", "string"]
    rows = [[f"{1700000000 + i}.5", f"C{i}", "10.0.0.5", str(40000 + i), "10.0.0.1", "53", "udp",
             str(1000 + 7 * i), f"h{i % 5}.example.com", "1", "28" if i % 3 else "1",
             "AAAA" if i % 3 else "A", "0" if i % 7 else "3", "NOERROR" if i % 7 else "NXDOMAIN"]
            for i in range(40)]
    data = _tsv(tmp_path / "dns.log", fields, types, rows)
    assert sniff_format(data).name == "zeek-conn"
    res = runner.invoke(app, ["inspect", str(data)])
    assert res.exit_code == 0, res.output
    table = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.startswith("│")}
    assert "dropped" in table["trans_id"]
    for col in ("qtype", "rcode", "qclass"):
        assert "categorical" in table[col], table[col]


def test_files_log_without_connection_fields_is_read(tmp_path: Path) -> None:
    fields = ["ts", "fuid", "tx_hosts", "rx_hosts", "conn_uids", "source", "mime_type", "total_bytes"]
    types = ["time", "string", "set[addr]", "set[addr]", "set[string]", "string", "string", "count"]
    rows = [[f"{1700000000 + i}.1", f"F{i}", "93.184.216.34", "10.0.0.5", f"C{i}", "HTTP",
             "text/html" if i % 2 else "image/png", str(1000 + i)] for i in range(10)]
    data = _tsv(tmp_path / "files.log", fields, types, rows)
    df = get_format("zeek-conn").read(data)
    assert len(df) == 10 and df["total_bytes"].tolist()[:2] == [1000, 1001]
    assert get_format("zeek-conn").roles["fuid"] == "drop"
