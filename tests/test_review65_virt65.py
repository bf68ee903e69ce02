"""Review round 65 (virt65): hypervisor and virtualisation logs through every path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass._times import parse_timestamps
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest.logs import LogParser


def _vcenter_events(n: int, key0: int) -> pd.DataFrame:
    """Rows of ``Get-VIEvent | Export-Csv``: vCenter's event counter beside the event's fields."""
    rng = np.random.default_rng(0)
    keys = key0 + np.cumsum(rng.integers(1, 5, n))
    return pd.DataFrame({"Template": "False", "Key": keys, "ChainId": keys,
                         "CreatedTime": [f"3/1/2024 8:{i % 60:02d}:17 AM" for i in range(n)],
                         "UserName": rng.choice(["VSPHERE.LOCAL\\Administrator", "CORP\\jsmith"], n),
                         "FullFormattedMessage": rng.choice(["web01 on esx01 is powered off",
                                                             "Task: Reconfigure virtual machine"], n),
                         "NumVcpu": rng.integers(1, 8, n)})


def test_vcenter_event_key_and_chain_id_are_no_features() -> None:
    # What was wrong: a PowerCLI export of vCenter events learnt Key and ChainId (the server's event
    # counter, rising with every event) as magnitudes: the next day's events all lay past training,
    # a model flagging 22 of 300 normal events (3 with the counter left out).
    train = _vcenter_events(300, 1000)
    pre = TabularPreprocessor().fit(train)
    assert pre.roles_["Key"] == "drop" and pre.roles_["ChainId"] == "drop"
    assert pre.roles_["NumVcpu"] == "numeric"
    later = _vcenter_events(50, 900_000)
    np.testing.assert_allclose(pre.transform(later), pre.transform(later.assign(Key=1, ChainId=1)))
    # a key of another table (a lookup's number) stays as it was read
    other = TabularPreprocessor().fit(train[["Key", "UserName", "NumVcpu"]])
    assert other.roles_["Key"] != "drop"


def test_pveproxy_access_log_times_are_read() -> None:
    # What was wrong: Proxmox VE's pveproxy access log writes its time as the common log format
    # with the month as a number ('26/09/2023:10:15:42 +0200'): no such time was read, so
    # '--window' over the log, or '--timestamp-col' of a table of them, was refused (no time).
    times = pd.Series(["01/03/2024:08:00:35 +0000", "13/03/2024:12:31:54 +0200"])
    assert parse_timestamps(times, "ts").strftime("%Y-%m-%d %H:%M:%S").tolist() == [
        "2024-03-01 08:00:35", "2024-03-13 10:31:54"]
    # a header regex's timestamp group reads them too, the day first as the dates tell
    parser = LogParser(r"^(?P<ip>\S+) - (?P<user>\S+) \[(?P<timestamp>[^\]]+)\] (?P<content>.*)$")
    lines = [f'::ffff:10.0.0.5 - root@pam [{d}/03/2024:08:00:00 +0000] "GET /api2/json/x HTTP/1.1" 200 9'
             for d in ("01", "02", "13")]
    stamps = parser.fit(lines).parse(lines)["time"].to_numpy()
    assert np.diff(stamps).tolist() == [86400.0, 11 * 86400.0]


def test_nutanix_usecs_clock_is_no_feature() -> None:
    # What was wrong: a Nutanix Prism audit's creationTimestampUsecs (epoch microseconds, as its
    # plural unit 'Usecs' names them) was learnt as a magnitude, not dropped as a time as
    # 'time_usec' is: scored a month later, all 500 normal audits were flagged (22 without it).
    start = 1_709_280_000_000_000 + np.arange(200) * 60_000_000
    train = pd.DataFrame({"creationTimestampUsecs": [str(t) for t in start],
                          "created_time_stamp_in_usecs": start,
                          "operationType": ["Update", "PowerOn"] * 100,
                          "durationSecs": np.arange(200) % 7 + 1})
    pre = TabularPreprocessor().fit(train)
    assert pre.roles_["creationTimestampUsecs"] == "drop"
    assert pre.roles_["created_time_stamp_in_usecs"] == "drop"
    assert pre.roles_["durationSecs"] == "numeric"
