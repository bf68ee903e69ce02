"""Review fixes in the readers and the tabular features: multi-line CSV fields, hex and 64-bit
columns, late values that do not fit the first block's types, syslog years, NAB's probation,
signed log scaling and quantile extrapolation, sniffing, writers and imputation edge cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.ingest import ReadStats, get_format, read_table


def test_quoted_multiline_fields_past_one_block(tmp_path: Path) -> None:
    p = tmp_path / "events.csv"
    rows = [f'{i},"An account was logged on.\n\n\tAccount Name: u{i}",Information' for i in range(20000)]
    p.write_text("EventID,Message,Level\n" + "\n".join(rows) + "\n")
    assert p.stat().st_size > 1 << 20
    df = read_table(p)
    assert len(df) == 20000 and df["Message"].iloc[-1].endswith("u19999")
    assert (df["Level"] == "Information").all()


def test_quoted_newline_first_seen_past_the_first_block(tmp_path: Path) -> None:
    p = tmp_path / "late.csv"
    n = 60000
    p.write_text("a,b,c\n" + "".join(f"{i},plain {i},x\n" for i in range(n)) + '7,"two\nlines",y\n'
                 + "".join(f"{i},more,z\n" for i in range(1000)))
    for mode in ("error", "skip"):
        stats = ReadStats()
        df = read_table(p, on_bad_rows=mode, stats=stats)
        assert len(df) == n + 1001 and stats.bad_rows == 0
        assert df.iloc[n].tolist() == [7, "two\nlines", "y"]


@pytest.mark.parametrize("sep", [",", "\t"])
def test_hex_status_codes_are_text(tmp_path: Path, sep: str) -> None:
    p = tmp_path / ("t.tsv" if sep == "\t" else "t.csv")
    rows = [("EventID", "Status", "user"), ("4625", "0xC000006D", "bob"), ("4625", "0x0", "al")]
    p.write_text("".join(sep.join(r) + "\n" for r in rows))
    df = read_table(p)
    assert df["Status"].tolist() == ["0xC000006D", "0x0"]
    assert df["EventID"].tolist() == [4625, 4625]


def test_hex_codes_are_categories_in_the_features() -> None:
    from hourglass.features.tabular import TabularPreprocessor

    df = pd.DataFrame({"Status": ["0xC000006D", "0xC000006A", "0x0"] * 50, "b": np.arange(150.0)})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["Status"] == "categorical"


def test_64_bit_ids_stay_exact(tmp_path: Path) -> None:
    p = tmp_path / "ids.csv"
    ids = [9007199254740993, 1152921504606846977, 5]
    p.write_text("conn_id,bytes,big\n" + "".join(
        f"{v},{i},{18446744073709551615 - i}\n" for i, v in enumerate(ids)))
    df = read_table(p)
    assert df["conn_id"].tolist() == ids
    assert df["big"].tolist() == [str(18446744073709551615 - i) for i in range(3)]
    assert df["bytes"].tolist() == [0, 1, 2]


def _late(tmp_path: Path, name: str, value: str, n: int = 300000) -> Path:
    p = tmp_path / name
    p.write_text("a,b\n" + "10,x\n" * n + f"{value},y\n" + "11,z\n" * 10)
    assert p.stat().st_size > 1 << 20
    return p


@pytest.mark.parametrize("value", ["abc", "0x1F", "1e"])
def test_late_value_that_does_not_fit_is_a_bad_row_in_skip_mode(tmp_path: Path, value: str) -> None:
    p = _late(tmp_path, "late.csv", value)
    with pytest.raises(InputError, match="column 'a'"):
        read_table(p)
    stats = ReadStats()
    df = read_table(p, on_bad_rows="skip", stats=stats)
    assert stats.bad_rows == 1 and len(df) == 300010
    assert df["b"].iloc[-1] == "z" and df["a"].iloc[-1] == 11 and "y" not in set(df["b"])


def _cic(tmp_path: Path, n: int) -> tuple[Path, str]:
    header = "Dst Port,Protocol,Timestamp,Flow Duration,Tot Fwd Pkts,Flow Byts/s,Label"
    rows = [f"80,6,02/03/2018 08:47:{i % 60:02d},{1000 + i},{i % 50},{i * 0.5},Benign" for i in range(n)]
    p = tmp_path / "cic.csv"
    p.write_text("\n".join([header, *rows[: n // 2], header, *rows[n // 2:]]) + "\n")
    return p, header


@pytest.mark.parametrize("n", [300, 40000])  # the repeated header in the first block, and past it
def test_cicflowmeter_repeated_header_rows_are_dropped_in_either_mode(tmp_path: Path, n: int) -> None:
    p, _ = _cic(tmp_path, n)
    spec = get_format("cicflowmeter")
    for mode in ("error", "skip"):
        stats = ReadStats()
        df = spec.read(p, on_bad_rows=mode, stats=stats)
        assert len(df) == n and stats.bad_rows == 1
        assert df["Flow Duration"].dtype.kind in "if" and df["Flow Duration"].iloc[-1] == 1000 + n - 1


def test_bsd_syslog_years_leap_day_and_new_year(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime

    from hourglass.ingest import logs

    monkeypatch.setattr(logs, "_utc_today", lambda: datetime.date(2025, 3, 10))
    lines = ["Feb 28 23:59:59 host sshd[1]: Accepted password for bob from 10.0.0.1 port 22",
             "Feb 29 00:00:01 host sshd[2]: Accepted password for al from 10.0.0.2 port 22",
             "Mar  1 00:00:01 host sshd[3]: Accepted password for al from 10.0.0.2 port 22",
             "Dec 31 23:59:59 host cron[4]: job done",
             "Jan  1 00:00:01 host cron[5]: job done"]
    df = logs.LogParser("syslog").fit(lines).parse(lines)
    t = pd.to_datetime(df["time"], unit="s")  # 2025 has no Feb 29: the last leap year before
    assert [str(x) for x in t] == ["2024-02-28 23:59:59", "2024-02-29 00:00:01", "2024-03-01 00:00:01",
                                   "2024-12-31 23:59:59", "2025-01-01 00:00:01"]
    assert df["time"].is_monotonic_increasing
    # a December log read in early January: last year, never the future
    monkeypatch.setattr(logs, "_utc_today", lambda: datetime.date(2027, 1, 3))
    dec = ["Dec 20 10:00:00 host cron[4]: job done", "Dec 21 10:00:00 host cron[4]: job done"]
    years = pd.to_datetime(logs.LogParser("syslog").fit(dec).parse(dec)["time"], unit="s").dt.year
    assert years.tolist() == [2026, 2026]
    # read today (Dec 1): a file of Dec 20-21 is last year's, not 19 days ahead
    monkeypatch.setattr(logs, "_utc_today", lambda: datetime.date(2026, 12, 1))
    years = pd.to_datetime(logs.LogParser("syslog").fit(dec).parse(dec)["time"], unit="s").dt.year
    assert years.tolist() == [2025, 2025]


def test_bsd_syslog_years_are_the_same_whole_or_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime

    from hourglass.ingest import logs

    monkeypatch.setattr(logs, "_utc_today", lambda: datetime.date(2026, 12, 1))
    days = ["Dec 30", "Dec 31", "Jan  1", "Jan  2"]
    lines = [f"{d} {h:02d}:00:00 host cron[{i}]: job {i % 7} done" for i, (d, h) in
             enumerate((d, h) for d in days for h in range(24))]
    p = logs.LogParser("syslog").fit(lines)
    whole = pd.concat(list(p.parse_chunks(lines, chunk_size=10**6)))["time"].to_numpy()
    for size in (1, 7, 50):
        got = pd.concat(list(p.parse_chunks(lines, chunk_size=size)))["time"].to_numpy()
        np.testing.assert_array_equal(got, whole)
    t = pd.to_datetime(whole, unit="s")
    assert (t[0].year, t[-1].year) == (2025, 2026) and pd.Series(whole).is_monotonic_increasing


@pytest.mark.parametrize(("n", "cut"), [(4032, 604), (4730, 709), (5000, 750), (22695, 750)])
def test_nab_training_part_is_the_probationary_period(n: int, cut: int) -> None:
    from hourglass.ingest.timeseries import get_timeseries_dataset

    ds = get_timeseries_dataset("nab")
    assert ds is not None
    df = pd.DataFrame({"timestamp": np.arange(n), "value": np.zeros(n), "label": np.zeros(n, int)})
    assert len(ds.train_part(df)) == cut and len(ds.test_part(df)) == n - cut


def _heavy(n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"bytes": rng.pareto(1.0, n) * 100, "x": rng.random(n)})


def test_auto_log1p_is_signed_below_training_values() -> None:
    from hourglass.features.tabular import TabularPreprocessor

    tr = _heavy()
    pre = TabularPreprocessor().fit(tr)
    assert pre.log1p_ == ["bytes"]
    te = pd.DataFrame({"bytes": [0.0, -5.0, -1e300, -np.inf], "x": [0.5] * 4})
    col = pre.transform(te)[:, pre.feature_names_.index("bytes")]
    assert col[0] > col[1] > col[2] > col[3]  # each lower, none on zero's place


def test_quantile_scaler_extrapolates_past_the_training_range() -> None:
    from hourglass.features.tabular import TabularPreprocessor

    tr = _heavy()
    pre = TabularPreprocessor(scaler="quantile").fit(tr)
    train = pre.transform(tr)
    assert train.min() >= 0.0 and train.max() <= 1.0  # training rows as before
    j = pre.feature_names_.index("x")
    te = pd.DataFrame({"bytes": [1.0] * 5, "x": [tr.x.max(), tr.x.max() + 1, 1e300, np.inf, -np.inf]})
    col = pre.transform(te)[:, j]
    assert col[0] == pytest.approx(1.0) and 1.0 < col[1] < col[2] <= col[3] and col[4] < 0


def test_csv_with_key_value_messages_is_a_csv(tmp_path: Path) -> None:
    from hourglass.ingest import sniff_format

    p = tmp_path / "siem.csv"
    p.write_text("time,host,label,message\n" + "".join(
        f'2024-01-0{i} 00:00:00,fw1,normal,"date=2024-01-0{i} srcip=10.0.0.{i} dstport=443 action=accept"\n'
        for i in range(1, 6)))
    assert sniff_format(p).name == "csv"
    assert read_table(p)["message"].str.startswith("date=").all()


@pytest.mark.parametrize("name", ["out.csv", "out.tsv", "out.parquet"])
def test_kept_field_mixing_numbers_and_text_is_written_as_text(tmp_path: Path, name: str) -> None:
    from hourglass.ingest.writers import chunk_writer

    target = tmp_path / name
    with chunk_writer(target) as w:
        w.write(pd.DataFrame({"row": [0, 1, 2], "port": pd.Series([1, "x", None], dtype=object)}))
        w.write(pd.DataFrame({"row": [3], "port": pd.Series(["y"], dtype=object)}))
    back = read_table(target)
    assert back["row"].tolist() == [0, 1, 2, 3]
    assert [None if pd.isna(v) else str(v) for v in back["port"]] == ["1", "x", None, "y"]


def test_sqlite_output_keeps_integers_past_64_bits_as_text(tmp_path: Path) -> None:
    import sqlite3

    from hourglass.ingest.writers import chunk_writer

    target = tmp_path / "out.sqlite"
    with chunk_writer(target) as w:
        w.write(pd.DataFrame({"row": [0, 1], "id": np.array([2**64 - 1, 2], dtype=np.uint64),
                              "mixed": pd.Series([2**70, 3], dtype=object)}))
    rows = sqlite3.connect(target).execute("SELECT row, id, mixed FROM alerts").fetchall()
    assert rows == [(0, "18446744073709551615", str(2**70)), (1, "2", "3")]


@pytest.mark.parametrize("dashes", [1, 40])
def test_dash_placeholders_are_missing_in_a_numeric_text_column(dashes: int) -> None:
    from hourglass.features.tabular import TabularPreprocessor

    n = 200
    dur = [str(i * 0.5) for i in range(n)]
    for i in range(dashes):
        dur[i * (n // dashes)] = "-" if i % 2 == 0 else "(empty)"
    df = pd.DataFrame({"duration": dur, "proto": ["tcp", "udp"] * (n // 2)})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["duration"] == "numeric" and "duration:missing" in pre.feature_names_
    X = pre.transform(df.iloc[:3])
    assert np.isfinite(X).all() and X[0, pre.feature_names_.index("duration:missing")] == 1.0
    # all placeholders: not numeric (nothing to learn from numbers)
    dashes_only = pd.DataFrame({"a": ["-"] * 50, "b": np.arange(50.0)})
    assert TabularPreprocessor().fit(dashes_only).roles_["a"] != "numeric"


def test_kdd_cup_99_files_read_as_nsl_kdd(tmp_path: Path) -> None:
    from hourglass.ingest import sniff_format

    p = tmp_path / "kddcup.data"
    rows = [",".join(["0", "tcp", "http", "SF", str(181 + i), "5450", *["0"] * 35,
                      "normal." if i % 3 else "smurf."]) for i in range(9)]
    p.write_text("\n".join(rows) + "\n")
    spec = sniff_format(p)
    assert spec.name == "nsl-kdd"
    df = spec.read(p)
    assert df.shape == (9, 42) and "difficulty" not in df.columns
    assert df["label"].tolist() == ["smurf" if i % 3 == 0 else "normal" for i in range(9)]


def test_jsonl_output_keeps_15_decimals_and_writes_inf_as_null() -> None:
    import json

    from hourglass.ingest.readers import json_lines

    lines = json_lines(pd.DataFrame({"score": [0.123456789012345, 1e-12, np.inf, -np.inf]})).splitlines()
    values = [json.loads(line)["score"] for line in lines]
    assert values[0] == pytest.approx(0.123456789012345, abs=1e-15) and values[1] > 0
    assert values[2:] == [None, None]


def test_median_imputation_does_not_overflow() -> None:
    import warnings

    from hourglass.features.tabular import TabularPreprocessor

    df = pd.DataFrame({"a": [0.0, 1e308, 1e308, 1e308] * 10, "b": np.arange(40) % 3})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pre = TabularPreprocessor().fit(df)
        X = pre.transform(pd.DataFrame({"a": [np.nan, 1e308, 0.0], "b": [1, 1, 1]}))
    assert pre.impute_["a"] == 1e308 and np.isfinite(X).all()


def test_skip_mode_line_numbers_after_an_undecodable_line(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    lines = [b"a,b,c"] + [f"{i},{i},x".encode() for i in range(40000)]
    lines[101] = b"9,\xff\xfe,x"  # line 102: not UTF-8
    lines[201] = b"1,2,3,4"  # line 202: a field too many
    p.write_bytes(b"\n".join(lines) + b"\n")
    stats = ReadStats()
    df = read_table(p, on_bad_rows="skip", stats=stats)
    assert len(df) == 39998 and stats.bad_rows == 2 and sorted(stats.bad_lines) == [102, 202]


@pytest.mark.parametrize("body", [
    '{"ts":1704067200.1,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":5000,"id.resp_h":"8.8.8.8"}\n'
    '{"ts":1704067201.1,"uid":"C2","id.orig_h":"10.0.0.2","id.orig_p":5001,"id.resp_h":"8.8.4.4"}\n',
    "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.resp_h\n#types\ttime\tstring\taddr\taddr\n"
    "1704067200.1\tC1\t10.0.0.1\t8.8.8.8\n1704067201.1\tC2\t10.0.0.2\t8.8.4.4\n"])
def test_zeek_logs_with_a_byte_order_mark(tmp_path: Path, body: str) -> None:
    from hourglass.ingest import sniff_format

    p = tmp_path / "conn.log"
    p.write_bytes(b"\xef\xbb\xbf" + body.encode())
    spec = sniff_format(p)
    assert spec.name == "zeek-conn"
    df = spec.read(p)
    assert df["uid"].tolist() == ["C1", "C2"] and df["id.orig_h"].tolist() == ["10.0.0.1", "10.0.0.2"]


def test_plain_csv_head_parsed_once_and_quote_scan_in_c(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.csv as pacsv

    from hourglass.ingest import tables

    assert tables._quoted_newline(b'a,b\n1,"x\ny"\n') and not tables._quoted_newline(b'a\n"x, ""y"" z"\n')
    assert not tables._quoted_newline(b'a\n"x') and tables._quoted_newline(b'"\n')
    assert not tables._quoted_newline(b"") and not tables._quoted_newline(b"a,b\n1,2\n")
    opened: list[object] = []
    real = pacsv.open_csv
    monkeypatch.setattr(tables.pacsv, "open_csv", lambda *a, **k: opened.append(a) or real(*a, **k))
    p = tmp_path / "plain.csv"
    p.write_text("ts,port,msg\n" + "".join(f"{1600000000 + i},{i % 65536},m{i}\n" for i in range(5000)))
    df = read_table(p)
    assert len(df) == 5000 and df["ts"].iloc[-1] == 1600004999
    assert len(opened) == 2  # the first block once for the types, then the file
    # hex or ids past 2**53: the head is read again as text, and the columns keep their values
    opened.clear()
    p.write_text("id,status\n" + "".join(f"{2**60 + i},0x{i:X}\n" for i in range(50)))
    df = read_table(p)
    assert df["id"].iloc[3] == 2**60 + 3 and df["status"].iloc[10] == "0xA" and len(opened) == 3


def test_int64_min_in_the_first_block(tmp_path: Path) -> None:
    p = tmp_path / "ids.csv"
    p.write_text("id,n\n-9223372036854775808,1\n9223372036854775807,2\n5,3\n")
    df = read_table(p)
    assert df["id"].tolist() == [-2**63, 2**63 - 1, 5]


def test_64_bit_ids_stay_exact_past_the_first_block(tmp_path: Path) -> None:
    big = 2**60 + 1
    p = tmp_path / "null.csv"
    p.write_text("id,x\n" + "".join(f"{big + i},{i}\n" for i in range(5)) + ",5\n")
    df = read_table(p)
    assert str(df["id"].dtype) == "Int64" and df["id"].iloc[4] == big + 4 and df["id"].isna().iloc[5]
    for tail in ("1.5", "18446744073709551615"):  # a fraction, a number past int64
        p = tmp_path / "late.csv"
        p.write_text("id,x\n" + "".join(f"{big + i},{i}\n" for i in range(60000)) + f"{tail},1\n")
        for mode in ("error", "skip"):
            for chunk in ({}, {"chunk_bytes": 200_000}):
                stats = ReadStats()
                df = read_table(p, on_bad_rows=mode, stats=stats, **chunk)
                assert len(df) == 60001 and stats.bad_rows == 0
                assert df["id"].iloc[0] == str(big) and df["id"].iloc[-1] == tail
                assert pd.api.types.is_string_dtype(df["id"]) and df["x"].iloc[-1] == 1


def test_rows_dropped_past_the_first_block_have_their_lines(tmp_path: Path) -> None:
    # a late value that does not convert (skip mode), past an empty line and a quoted line break
    p = tmp_path / "late.csv"
    rows = "".join(f"{i},{i * 2}\n" for i in range(200000))
    p.write_text("a,b\n" + rows + '\n3,"q\nr"\n1,x\n' + "".join(f"{i},{i}\n" for i in range(10)) + "2,y\n")
    stats = ReadStats()
    df = read_table(p, on_bad_rows="skip", stats=stats)
    assert len(df) == 200010 and stats.bad_rows == 3 and stats.bad_lines == [200003, 200005, 200016]
    # repeated header rows (CICFlowMeter), in skip mode and in error mode for a late word
    n = 40000
    p, _ = _cic(tmp_path, n)
    spec = get_format("cicflowmeter")
    stats = ReadStats()
    spec.read(p, on_bad_rows="skip", stats=stats)
    assert stats.bad_rows == 1 and stats.bad_lines == [n // 2 + 2]
    text = p.read_text().splitlines()
    text[n - 10] = text[n - 10].replace(f",{1000 + n - 12},", ",word,")  # line n - 9: the row n - 12
    p.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match=f"line {n - 9}: column 'Flow Duration': malformed value 'word'"):
        spec.read(p, on_bad_rows="error")
