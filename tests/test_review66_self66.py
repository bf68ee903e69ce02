"""Regressions of ordinary tables and logs by readings added for other products."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.roles import infer_role
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest.logs import LogParser
from hourglass.serve.ecs import AlertRule, to_ecs


def test_a_time_of_day_under_a_times_name_is_no_duration() -> None:
    # What was wrong: once a clock's face read as a duration, a table's time of day under a time's
    # name (a LogonTime, SAP's UTIME: '08:15:02') was learnt as a run time in seconds, where the
    # entity features (and every model before) read it as text.
    rng = np.random.default_rng(0)
    h, m, s = rng.integers(0, 24, 60), rng.integers(0, 60, 60), rng.integers(0, 60, 60)
    faces = [f"{a:02d}:{b:02d}:{c:02d}" for a, b, c in zip(h, m, s, strict=True)]
    df = pd.DataFrame({"LogonTime": faces, "User": rng.choice(["alice", "bob"], 60)})
    pre = TabularPreprocessor().fit(df)
    assert pre.roles_["LogonTime"] != "numeric"
    assert infer_role("UTIME", pd.Series(faces), max_categories=100)[0] != "numeric"
    # a run time under a time's name, one of them past a day's clock, is still read as seconds
    assert infer_role("CPUTime", pd.Series([*faces, "1-02:03:04"]), max_categories=100)[0] == "numeric"
    assert infer_role("Elapsed", pd.Series(faces), max_categories=100)[0] == "numeric"


def test_a_flow_records_protocol_keyword_stays_its_transport() -> None:
    # What was wrong: once a protocol word naming no transport went to network.protocol, a
    # UNSW-NB15 flow's proto (IANA's keywords: 'arp', 'sun-nd', 'rdp', protocol 27) left
    # network.transport, an alert saying network.protocol rdp, as if Remote Desktop.
    rule = AlertRule(name="autoencoder", id="x", input="table", threshold=1.0, data_format="unsw-nb15")
    alert = {"row": 0, "score": 2.0, "severity": "high", "calibrated": 0.99}
    for proto in ("rdp", "sun-nd", "arp", "tcp"):
        assert to_ecs(alert, rule, fields={"proto": proto})["network"] == {"transport": proto}
    teleport = AlertRule(name="autoencoder", id="x", input="table", threshold=1.0)
    assert to_ecs(alert, teleport, fields={"proto": "ssh"})["network"] == {"protocol": "ssh"}


def test_a_host_named_by_a_year_is_still_the_syslog_host() -> None:
    # What was wrong: once the syslog header read a year after the time (an Aruba controller's), a
    # host named by such a number ('Mar  1 08:00:00 2001 sshd[12]: ...') was read as the year:
    # the line dated 2001, its host 'sshd[12]:' and its message cut, or matched no header at all.
    lines = ["Mar  1 08:00:00 2001 sshd[12]: Accepted password for bob from 10.0.0.1 port 22 ssh2",
             "Mar  1 08:00:01 2001 sshd[12]: error: PAM: Authentication failure for bob",
             "Mar  1 08:00:02 2024 10.1.1.10 stm[3456]: <501080> <NOTI> deauth"]
    df = LogParser(format="syslog").fit(lines).parse(lines)
    assert len(df) == 3
    assert df["host"].tolist() == ["2001", "2001", "10.1.1.10"]
    assert df["component"].tolist() == ["sshd", "sshd", "stm"]
    assert df["content"].iloc[1] == "error: PAM: Authentication failure for bob"


def test_a_count_per_channel_or_reason_is_an_amount() -> None:
    # What was wrong: once a name whose last word is channel or reason named a code, a count taken
    # over them ('messages_per_channel', 'calls_by_reason': 0 to 40 a row) was read as a code
    # (categorical, each count a category), where it was an amount.
    counts = pd.Series(np.random.default_rng(0).integers(0, 40, 200))
    assert infer_role("messages_per_channel", counts, max_categories=100)[0] == "numeric"
    assert infer_role("calls_by_reason", counts, max_categories=100)[0] == "numeric"
    assert infer_role("UNIFIwifiChannel", counts, max_categories=100)[0] == "categorical"
