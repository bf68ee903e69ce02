"""Review round 59 (left59): items an earlier round noticed and left alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a disk that is full)")
def test_a_finished_command_exits_0_when_standard_error_is_full(tmp_path: Path) -> None:
    # What was wrong: 'score m data.csv -o alerts.jsonl 2>>log' with the log on a full disk
    # (here 2>/dev/full) wrote its alerts in full and then exited 1, the full disk's code,
    # because its closing lines on stderr (the drift check) could not be written: a cron job
    # saw a failure for work that had succeeded. A lost message now leaves the exit code alone.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, random_state=0)).fit(frame).save(tmp_path / "m")
    data, alerts = tmp_path / "d.csv", tmp_path / "alerts.jsonl"
    frame.to_csv(data, index=False)
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "hourglass", "score", str(tmp_path / "m"), str(data),
                               "-o", str(alerts)], stdout=subprocess.DEVNULL, stderr=full, env=_env(),
                              timeout=120)
    assert proc.returncode == 0
    assert alerts.exists()


def test_go_time_now_strings_with_the_monotonic_reading_are_times() -> None:
    # What was wrong: Go's time.String() ('2024-03-01 10:00:00.5 +0200 CEST') is read by its
    # offset, as the README says, but a time from time.Now() carries the monotonic clock's
    # reading after it ('... +0200 CEST m=+0.000123'), and a column of those was refused as
    # 'not a timestamp'. The reading is now dropped, as the zone's name is.
    from hourglass._times import read_timestamps

    ts, _ = read_timestamps(pd.Series(["2024-03-01 10:00:00.5 +0200 CEST m=+0.000123",
                                       "2024-03-01 10:00:01 +0000 UTC m=+1.500000"]), "ts")
    assert [str(t) for t in ts] == ["2024-03-01 08:00:00.500000+00:00", "2024-03-01 10:00:01+00:00"]


def test_go_monotonic_times_past_the_first_block_of_a_csv_are_times(tmp_path: Path) -> None:
    # What was wrong: past the CSV reader's first block, where the column is already typed as
    # times, a Go time.Now() string ('... +0200 CEST m=+0.01') was a malformed value, though the
    # same text without the monotonic reading was read by its offset there.
    from hourglass.ingest.tables import iter_table

    p = tmp_path / "t.csv"
    p.write_text("ts,v\n" + "".join(f"2024-03-0{1 + i % 9}T10:00:00Z,{i}\n" for i in range(60_000))
                 + "2024-03-31 03:30:00 +0200 CEST m=+0.010000,1\n")
    df = pd.concat(list(iter_table(p, fmt="csv")))
    assert len(df) == 60_001 and str(df["ts"].iloc[-1]) == "2024-03-31 01:30:00+00:00"


def test_few_valued_codes_under_a_code_name_are_categories() -> None:
    # What was wrong: a Windows EventID in a table (a CSV export of the Security log), an address
    # family (osquery's family: 2 AF_INET, 10 AF_INET6), SNMP's ifOperStatus and DNS qclass were
    # min-max scaled as magnitudes (4625, a failed logon, a near neighbour of 4624, a logon),
    # though the evtx and Zeek formats read the same fields as codes. Whole numbers under those
    # names are now categories; near-unique ones (an event's serial number) stay numbers.
    from hourglass.features.roles import infer_role

    for name, values in (("EventID", [4624, 4625, 4634, 4624]), ("winlog.event_id", ["4624", "4688"]),
                         ("family", [2, 10, 2]), ("ifOperStatus", [1, 2, 1]), ("qclass", [1, 255])):
        assert infer_role(name, pd.Series(values), max_categories=100)[0] == "categorical", name
    assert infer_role("event_id", pd.Series(range(1000, 1200)), max_categories=100)[0] == "numeric"
    assert infer_role("family", pd.Series([0.5, 2.0]), max_categories=100)[0] == "numeric"
