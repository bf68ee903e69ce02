"""Review round 60 (edr60): endpoint (EDR) telemetry exports: osquery, Defender, ECS."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from hourglass.features.tabular import TabularPreprocessor


@pytest.mark.parametrize("name", ["pid", "process.pid", "columns.pid", "ppid", "columns.parent"])
def test_process_id_column_warned_as_identifier(name: str, caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a process id learnt as a magnitude was warned of only under a name ending
    # in 'id' (Defender's ProcessId); osquery's 'pid' (columns.pid), ECS's 'process.pid' and a
    # 'ppid' (osquery's 'parent') of near-unique whole numbers trained silently as a number,
    # every later PID past the training range scoring as an anomaly.
    rng = np.random.default_rng(0)
    df = pd.DataFrame({name: rng.permutation(np.arange(1000, 1300)),
                       "exe": rng.choice(["a.exe", "b.exe"], 300)})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        TabularPreprocessor().fit(df)
    said = [r.getMessage() for r in caplog.records if "reads as an identifier" in r.getMessage()]
    assert len(said) == 1 and repr(name) in said[0]


def test_unix_account_ids_are_categories_not_dropped_or_magnitudes() -> None:
    # What was wrong: osquery's process_events 'uid' ("0" root, "1000" a user; columns.uid once
    # flattened) was dropped by name as Zeek's connection uid is, and 'euid', 'gid', 'auid' were
    # learnt as magnitudes (auid 4294967295, auditd's unset id, far past 1000): the process
    # that ran as root told the model nothing, where the auditd reader makes them categories.
    rng = np.random.default_rng(1)
    n = 200
    uid = rng.choice(["0", "1000", "1001"], n)
    df = pd.DataFrame({"columns.uid": uid, "columns.euid": uid, "gid": uid.astype(int),
                       "auid": rng.choice([1000, 4294967295], n),
                       "exe": rng.choice(["/bin/ls", "/bin/cat"], n),
                       "zeek.uid": [f"C{i}x" for i in range(n)]})
    pre = TabularPreprocessor().fit(df)
    assert {c: pre.roles_[c] for c in ("columns.uid", "columns.euid", "gid", "auid")} == dict.fromkeys(
        ("columns.uid", "columns.euid", "gid", "auid"), "categorical")
    assert pre.roles_["zeek.uid"] == "drop"  # a connection's uid: an identifier still


def test_osquery_run_counter_is_no_feature() -> None:
    # What was wrong: an osquery result log's 'counter' (the runs of a differential query since
    # its 'epoch', ever rising) was learnt as a magnitude: a model trained on the first 400 lines
    # of a process_events log flagged 121 of the next 200, 99% of it put on 'counter'.
    n = 300
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"name": "process_events", "hostIdentifier": rng.choice(["ws1", "ws2"], n),
                       "calendarTime": "Fri Mar  1 08:00:00 2024 UTC",
                       "unixTime": 1709280000 + 60 * np.arange(n), "epoch": 0,
                       "counter": np.arange(n), "action": "added",
                       "columns.path": rng.choice(["/bin/ls", "/bin/cat"], n)})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["counter"] == "drop" and pre.roles_["epoch"] == "drop"
    # a counter of another table (a metric) stays a number
    other = TabularPreprocessor().fit(pd.DataFrame({"host": df["hostIdentifier"], "counter": rng.random(n)}))
    assert other.roles_["counter"] == "numeric"


@pytest.mark.parametrize("name", ["TimeGenerated [UTC]", "Timestamp [UTC]", "TimeGenerated", "TimeCreated"])
def test_portal_export_time_columns_are_no_feature(name: str) -> None:
    # What was wrong: a Sentinel / Defender portal export's time ('TimeGenerated [UTC]',
    # 'Timestamp [UTC]', '3/1/2024, 8:00:00.123 AM') and PowerShell's Get-WinEvent 'TimeCreated'
    # were no time's name, so their text, several events a second, was learnt as categories
    # (hashed past max_categories): every later time a value never seen.
    rng = np.random.default_rng(3)
    n = 120
    times = [f"3/1/2024, 8:{i // 60:02d}:{i % 60:02d}.123 AM" for i in np.sort(rng.integers(0, 30, n))]
    df = pd.DataFrame({name: times, "FileName": rng.choice(["cmd.exe", "chrome.exe"], n)})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_[name] == "drop" and pre.reasons_[name] == "times"


def test_entity_osquery_parent_pid_is_counted_not_summed() -> None:
    # What was wrong: an entity model of an osquery process_events log summed, averaged and
    # maximised 'columns.parent' (the parent's pid) per host and bucket, as it does bytes,
    # where 'pid' and 'ppid' are counted as distinct values (a sum of PIDs is no quantity).
    from hourglass.features.entity import EntityWindows

    rng = np.random.default_rng(4)
    n = 200
    df = pd.DataFrame({"hostIdentifier": rng.choice(["ws1", "ws2"], n),
                       "unixTime": 1709280000 + 30 * np.arange(n),
                       "columns.parent": rng.integers(100, 9000, n).astype(str),
                       "columns.path": rng.choice(["/bin/ls", "/bin/cat"], n)})
    ew = EntityWindows("hostIdentifier", "unixTime", bucket="10min").fit(df)
    assert "columns.parent:distinct" in ew.aggregates_
    assert not any(a.startswith("columns.parent:") and a.split(":")[1] in ("sum", "mean", "max")
                   for a in ew.aggregates_)
