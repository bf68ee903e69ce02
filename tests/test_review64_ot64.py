"""Plant data: historian exports, SWaT-style sensor tables, Zeek's ICS logs, Modbus pollers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from hourglass.cli.timeseries import labelled_not_normal
from hourglass.features.tabular import TabularPreprocessor
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.ingest.formats import format_roles, sniff_format
from hourglass.ingest.tables import _cast_text


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


def _pi_export(n: int, states: dict[int, str]) -> pd.DataFrame:
    """A PI DataLink export: one column per tag, the tag's digital state where it had no reading."""
    rng = np.random.default_rng(0)
    tic = [f"{85 + v:.2f}" for v in rng.normal(0, 0.5, n)]
    for i, state in states.items():
        tic[i] = state
    return pd.DataFrame({"Timestamp": pd.date_range("2026-12-07", periods=n, freq="10s")
                         .strftime("%d-%b-%y %H:%M:%S"),
                         "FIC101.PV": np.round(12 + rng.normal(0, 0.1, n), 3), "TIC201.PV": tic})


def test_a_historians_digital_states_in_a_tag_are_missing_readings_not_text() -> None:
    # What was wrong: PI's digital states ('Shutdown', 'Bad Input') among a tag's numbers made a
    # table model hash every temperature as text (a fifth of the rows 'Shutdown': 16 buckets, no
    # magnitude), and one 'Bad Input' stopped a series with "expected numbers"; now they are
    # missing values, as '-' is (a table's missing indicator, a series' gap to --fill).
    df = _pi_export(200, {i: "Shutdown" for i in range(40, 80)})
    pre = TabularPreprocessor().fit(df.drop(columns="Timestamp"))
    assert pre.roles_["TIC201.PV"] == "numeric", pre.reasons_["TIC201.PV"]
    assert "'Shutdown' missing" in pre.reasons_["TIC201.PV"]
    x = pre.transform(df.drop(columns="Timestamp").assign(**{"TIC201.PV": ["I/O Timeout"] * 200}))
    assert np.isfinite(x).all()
    series = _pi_export(200, {50: "Bad Input", 51: "Bad Input"})
    ts = TimeSeriesPreprocessor(timestamp_col="Timestamp", fill="ffill").fit(series)
    out = ts.transform(series)
    assert np.isfinite(out).all() and out[50, 1] == out[49, 1] == out[51, 1]
    # a state first seen in a later block of a large file, whose first block read the tag as numbers
    later = _cast_text(pa.array(["85.2", " Bad Input ", "Shutdown"]), pa.float64())
    assert later.to_pylist() == [85.2, None, None]


def test_a_modbus_pollers_unit_id_and_register_are_codes() -> None:
    # What was wrong: a Modbus poller's CSV had its unit_id (slave_id) and decimal register
    # scaled as magnitudes, so a request to unit 2 or register 40050, never seen, lay between
    # seen neighbours and scored as normal; they are codes, as function_code already was.
    n = 60
    df = pd.DataFrame({"src_ip": ["10.10.1.5"] * n, "unit_id": [(1, 3, 17)[i % 3] for i in range(n)],
                       "slave_id": [(1, 3)[i % 2] for i in range(n)],
                       "register": [(40001, 40011, 40100)[i % 3] for i in range(n)],
                       "function_code": [3] * n, "value": np.arange(n) % 7 * 10.0})
    pre = TabularPreprocessor().fit(df)
    for col in ("unit_id", "slave_id", "register"):
        assert pre.roles_[col] == "categorical", (col, pre.reasons_[col])
    assert pre.roles_["value"] == "numeric"


def test_a_swat_style_text_label_is_said_to_be_text_not_counted_as_attacks() -> None:
    # What was wrong: train of a series under SWaT's 'Normal/Attack' column warned "3000 of the
    # 3000 rows of the training series are not labelled normal", every row reading 'Normal',
    # without saying that a series' labels are 0 and 1 (evaluate then refused the text).
    labels = pd.Series(["Normal"] * 5 + ["A ttack"], name="Normal/Attack")
    said = labelled_not_normal(labels, "Normal/Attack", "swat.csv", "the training series")
    assert said is not None
    assert "6 hold text, 'Normal' first: a series is labelled 0 (normal) or 1 (anomaly)" in said
    assert "write 0 and 1" in said
    assert "hold text" not in (labelled_not_normal(pd.Series([0, 1, 0]), "label", "s.csv", "x") or "")


def test_an_ignition_t_stamp_of_epoch_milliseconds_is_no_feature() -> None:
    # What was wrong: Ignition's tag history export names its time 't_stamp' (epoch ms); a table
    # model scaled it as a feature (minmax), so every row scored after the training days lay past
    # the training range; it is now dropped as times, as 'timestamp' and 'end_time_ms' were.
    n = 50
    df = pd.DataFrame({"t_stamp": 1796637600000 + 1000 * np.arange(n),
                       "Pump1/Speed": 1450 + np.arange(n) % 5, "Tank1/Level": 50.0 + np.arange(n) % 3})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["t_stamp"] == "drop", pre.reasons_["t_stamp"]
    assert pre.roles_["Pump1/Speed"] == "numeric"
