"""Regression tests of the security-format readers (CEF/LEEF, key=value, PAN-OS, auditd, JSON
event formats) and the format registry."""

from __future__ import annotations

import time

from hourglass.ingest.cef import parse_leef


def test_leef_long_run_of_rsyslog_tabs_is_linear() -> None:
    # 64 KB of '#011' (rsyslog's escaped tab) with no key after it took 48 s (cubic backtracking)
    line = "LEEF:1.0|Acme|FW|1|42|" + "#011" * 16_000 + "x"
    start = time.perf_counter()
    row = parse_leef(line)
    assert time.perf_counter() - start < 1.0
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
