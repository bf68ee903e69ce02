"""Vulnerability scanner and inventory exports (Nessus, Qualys, Tenable.io): roles and reading."""

from __future__ import annotations

import pandas as pd

from hourglass.features.roles import infer_role

# a scan's checks: Nessus' scan information, traceroute, SYN scanner, service detection,
# two SSL certificate findings and Terrapin
_PLUGINS = [19506, 10287, 11219, 22964, 51192, 57582, 187315]


def test_a_scanners_plugin_id_and_qid_are_codes_not_amounts() -> None:
    # What was wrong: a Nessus CSV export's 'Plugin ID' and a Qualys report's 'QID' were min-max
    # scaled as amounts ('numeric values'), a new check between two known ones unremarkable, and a
    # Tenable.io export's 'plugin.id' was dropped as an identifier; they are codes, as a rule id is.
    ids = pd.Series(_PLUGINS * 20)
    for name in ("Plugin ID", "QID", "plugin_id", "plugin.id"):
        role, why = infer_role(name, ids, max_categories=50)
        assert role == "categorical", (name, role, why)
        assert "plugin id or QID" in why
    assert infer_role("plugin.id", pd.Series(range(500)), max_categories=50)[0] == "drop"


def test_a_qualys_reports_first_and_last_detected_times_are_times() -> None:
    # What was wrong: a Qualys report's 'First Detected' and 'Last Detected' ('12/07/2026
    # 10:00:00') were one-hot or hashed as text, each later scan's day a value never seen; only a
    # name ending in time or date made such text a time. 'Times Detected', a count, stays a number.
    first = pd.Series([f"11/{d:02d}/2026 09:{m:02d}:00" for d in range(1, 6) for m in range(20)] * 3)
    last = pd.Series([f"12/{d:02d}/2026 10:00:00" for d in range(1, 6) for _ in range(50)])
    for name, times in (("First Detected", first), ("Last Detected", last),
                        ("Date Last Fixed", last), ("LAST SCAN", last)):
        assert infer_role(name, times, max_categories=50) == ("drop", "times"), name
    assert infer_role("Times Detected", pd.Series([74, 50, 44] * 10), max_categories=50)[0] == "numeric"
