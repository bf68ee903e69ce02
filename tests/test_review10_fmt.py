"""Regression tests of the security-format readers (CEF/LEEF, key=value, PAN-OS, auditd, JSON
event formats) and the format registry."""

from __future__ import annotations

import time

from hourglass.ingest.cef import parse_leef


def test_leef_long_run_of_rsyslog_tabs_is_linear() -> None:
    # 64 KB of '#011' (rsyslog's escaped tab) with no key after it took 48 s (cubic backtracking)
    line = "LEEF:1.0|Acme|FW|1|42|" + "#011" * 16_000 + "x"
    start = time.thread_time()  # CPU seconds of this thread: a loaded machine does not inflate them
    row = parse_leef(line)
    assert time.thread_time() - start < 1.0
    assert row is not None and row["event_id"] == "42"
    # the escape still separates attributes, a run of them too, and a value holding it is kept
    row = parse_leef("LEEF:1.0|Acme|FW|1|42|src=10.0.0.1#011#011url=https://x/item#0117#011dst=10.0.0.2")
    assert row is not None
    assert (row["src"], row["url"], row["dst"]) == ("10.0.0.1", "https://x/item#0117", "10.0.0.2")


def test_label_strings_of_whole_numbers_past_int64_print_as_themselves() -> None:
    import warnings

    import pandas as pd

    from hourglass.ingest.formats import label_strings

    # 1e20 was cast to int64 and printed as -9223372036854775808 (a RuntimeWarning beside it)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = label_strings(pd.Series([1e20, -1e20, 0.0, 2.0**62, None])).tolist()
    assert out == ["1e+20", "-1e+20", "0", str(2**62), ""]


def test_line_formats_read_a_file_whose_byte_order_mark_comes_before_a_blank_line(tmp_path) -> None:
    from hourglass.ingest.formats import get_format, sniff_format

    # the sniffer skipped the blank line and said 'cef'; the reader took the mark for a record
    # and refused line 1 ("not a CEF record")
    lines = {"cef": b"CEF:0|Acme|FW|1|100|conn|5|src=10.0.0.1 dpt=443\n",
             "kv": b"date=2024-01-01 time=00:00:00 srcip=10.0.0.1 action=deny\n",
             "auditd": b"type=USER_LOGIN msg=audit(1700000000.5:9): pid=1 uid=0 res=success\n",
             "panos": b"1,2024/11/14 22:13:20,012,TRAFFIC,end,1,2024/11/14 22:13:20,10.0.0.1\n"}
    for name, line in lines.items():
        p = tmp_path / f"{name}.log"
        p.write_bytes(b"\xef\xbb\xbf\r\n" + line)
        assert sniff_format(p).name == name
        df = get_format(name).read(p)
        assert len(df) == 1, name
