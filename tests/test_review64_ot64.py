"""Plant data: historian exports, SWaT-style sensor tables, Zeek's ICS logs, Modbus pollers."""

from __future__ import annotations

from pathlib import Path

from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest.formats import format_roles, sniff_format


def _zeek(path: Path, fields: list[str], types: list[str], rows: list[list[str]]) -> Path:
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            f"#path\t{path.stem}", "#fields\t" + "\t".join(fields), "#types\t" + "\t".join(types)]
    path.write_text("\n".join([*head, *("\t".join(r) for r in rows), "#close\t2026-12-07-11-00-00"]) + "\n")
    return path


def _roles(data: Path) -> dict[str, str]:
    """The roles a table model fitted on Zeek log ``data`` gives its columns."""
    fmt = sniff_format(data)
    assert fmt is not None and fmt.name == "zeek-conn"
    df = fmt.read(data)
    given = {c: r for c, r in format_roles(fmt, df.columns).items() if c in df.columns}
    return dict(TabularPreprocessor(roles=given).fit(df).roles_)


def test_modbus_unit_ids_registers_and_transaction_ids_are_codes_not_magnitudes(tmp_path: Path) -> None:
    # What was wrong: in Zeek's modbus.log and ICSNPP's modbus_detailed.log the unit id and the
    # register address were scaled as magnitudes (a write to register 40050 sat between 40011 and
    # 40100 as normal) and the transaction id, a counter, was a feature; DNP3's iin bits too.
    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "is_orig", "source_h",
              "source_p", "destination_h", "destination_p", "tid", "unit", "func",
              "request_response", "address", "quantity", "values"]
    types = ["time", "string", "addr", "port", "addr", "port", "bool", "addr", "port", "addr", "port",
             "count", "count", "string", "string", "count", "count", "string"]
    rows = [[f"{1796637600 + i}.5", f"C{i % 5}", "10.10.1.5", str(50000 + i % 5), f"10.10.2.{1 + i % 3}",
             "502", "T", "10.10.1.5", str(50000 + i % 5), f"10.10.2.{1 + i % 3}", "502", str(i),
             str(1 + i % 3), "READ_HOLDING_REGISTERS", "REQUEST", str((40001, 40011, 40100)[i % 3]),
             "2", "-"] for i in range(40)]
    roles = _roles(_zeek(tmp_path / "modbus_detailed.log", fields, types, rows))
    assert roles["tid"] == "drop"
    assert roles["unit"] == roles["address"] == "categorical"
    assert roles["source_p"] == roles["destination_p"] == "port"
    dnp3 = [[f"{1796637600 + i}.5", f"C{i}", "10.10.1.5", str(40000 + i), "10.10.3.1", "20", "READ",
             "RESPONSE", ("0", "2", "4096", "32768")[i % 4]] for i in range(40)]
    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "fc_request", "fc_reply",
              "iin"]
    types = ["time", "string", "addr", "port", "addr", "port", "string", "string", "count"]
    roles = _roles(_zeek(tmp_path / "dnp3.log", fields, types, dnp3))
    assert roles["iin"] == "categorical"

