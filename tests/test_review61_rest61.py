"""Review round 61 (rest61): column roles of SIEM and audit exports."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.tabular import TabularPreprocessor


def _sentinel_export(n: int, *, tenant: str, month: int, size: int) -> pd.DataFrame:
    rng = np.random.default_rng(month)
    t = pd.date_range(f"2024-{month:02d}-01 08:00", periods=n, freq="7s", tz="UTC")
    return pd.DataFrame({
        "TenantId": tenant,
        "TimeGenerated [UTC]": t.strftime("%m/%d/%Y, %I:%M:%S.000 %p"),
        "SourceSystem": "OpsManager",
        "Type": "SecurityEvent",
        "_ResourceId": [f"/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/"
                        f"virtualmachines/vm{i % 3}" for i in range(n)],
        "_BilledSize": (size + rng.integers(0, 400, n)).astype(float),
        "_IsBillable": "True",
        "_SubscriptionId": tenant[:8],
        "MG": "00000000-0000-0000-0000-000000000001",
        "ManagementGroupName": f"AOI-{tenant[:8]}",
        "Computer": [f"vm{i % 3}" for i in range(n)],
        "EventID": rng.choice([4624, 4625, 4634], n),
        "Account": rng.choice(["alice", "bob", "carol"], n),
    })


def test_sentinel_export_workspace_columns_are_no_features() -> None:
    # What was wrong: a Microsoft Sentinel / Log Analytics export trained its workspace's
    # bookkeeping as features: TenantId, SourceSystem, _IsBillable, _SubscriptionId, MG and
    # ManagementGroupName one-hot ('text values'), _BilledSize min-max scaled ('numeric values').
    # Another workspace's export of the same events was all unseen categories, and the next
    # month's billed sizes (1500..1900 bytes trained, 3000.. later) magnitudes past training.
    train = _sentinel_export(200, tenant="5d1b2a34-1111", month=3, size=1500)
    pre = TabularPreprocessor().fit(train)
    for c in ("TenantId", "SourceSystem", "_BilledSize", "_IsBillable", "_SubscriptionId", "MG",
              "ManagementGroupName"):
        assert pre.roles_[c] == "drop", (c, pre.roles_[c], pre.reasons_[c])
        assert pre.reasons_[c] == "Log Analytics workspace bookkeeping"
    # the event's own columns (and the resource and table, as Splunk's host and sourcetype) stay
    assert (pre.roles_["Computer"], pre.roles_["Account"], pre.roles_["_ResourceId"],
            pre.roles_["Type"]) == ("categorical", "categorical", "categorical", "categorical")
    # another workspace's next month gives the same features as the same rows would
    later = _sentinel_export(200, tenant="99aa77bb-2222", month=4, size=3000)
    same = later.assign(**{c: train[c] for c in ("TenantId", "_BilledSize", "_SubscriptionId",
                                                 "ManagementGroupName")})
    assert np.array_equal(pre.transform(later), pre.transform(same))
    # a role given keeps one
    kept = TabularPreprocessor(roles={"_BilledSize": "numeric"}).fit(train)
    assert kept.roles_["_BilledSize"] == "numeric"
    # without two of the workspace's columns, a column named so is read as any other
    plain = train.drop(columns=["TenantId", "_ResourceId", "_BilledSize", "_IsBillable",
                                "_SubscriptionId", "ManagementGroupName"])
    alone = TabularPreprocessor().fit(plain)
    assert (alone.roles_["SourceSystem"], alone.roles_["MG"]) == ("categorical", "categorical")


def test_rule_generator_id_is_not_called_a_unix_group() -> None:
    # What was wrong: Snort's or Suricata's generator id (Suricata EVE's alert.gid beside
    # alert.signature_id, a Snort alert table's gid,sid,rev) was a code, rightly, but `train`'s
    # column roles gave its reason as 'user or group id (whole numbers under uid, gid, euid ...:
    # 0 is root)', telling the user the IDS rule's generator (1, 3, 119) was a Unix account.
    n = 30
    eve = pd.DataFrame({"alert.gid": [1] * 25 + [3] * 5,
                        "alert.signature_id": [2019401 + i % 4 for i in range(n)],
                        "bytes": [float(100 + i) for i in range(n)]})
    snort = pd.DataFrame({"gid": ["1"] * 25 + ["119"] * 5, "sid": ["2019401", "2019402"] * 15,
                          "rev": ["3"] * n, "msg": ["ET SCAN", "ET POLICY"] * 15})
    said = "rule generator id (gid beside the rule's signature id: Snort's or Suricata's)"
    pre = TabularPreprocessor().fit(eve)
    assert (pre.roles_["alert.gid"], pre.reasons_["alert.gid"]) == ("categorical", said)
    pre = TabularPreprocessor().fit(snort.drop(columns=["rev"]).assign(**{"alert.rev": "3"}))
    assert (pre.roles_["gid"], pre.reasons_["gid"]) == ("categorical", said)
    # a Unix table's gid (ps -eo pid,sid,uid,gid: sid a session) is a group id as before
    unix = pd.DataFrame({"pid": [float(i) for i in range(n)], "sid": [1.0, 2.0] * 15,
                         "uid": [0.0, 1000.0] * 15, "gid": [0.0, 1000.0] * 15})
    pre = TabularPreprocessor().fit(unix)
    assert pre.reasons_["gid"] == "user or group id (whole numbers under uid, gid, euid ...: 0 is root)"


def test_ecs_event_created_is_a_time() -> None:
    # What was wrong: ECS's event.created (when the agent read the event) is no time's name to
    # the roles, so a Kibana CSV export's values ('Mar 1, 2024 @ 10:05:00.000', a few a
    # second) were one-hot as 'text values' (every later second a category never seen), and
    # the same field as epoch milliseconds (1709287500000 ...) min-max scaled as 'numeric
    # values'; event.start beside it, in the same format, was dropped as 'times'.
    n = 60
    df = pd.DataFrame({
        "@timestamp": [f"Mar 1, 2024 @ 10:05:{i // 4:02d}.000" for i in range(n)],
        "event.created": [f"Mar 1, 2024 @ 10:05:{i // 4:02d}.000" for i in range(n)],
        "event.ingested": [1709287500000.0 + 1000 * (i // 4) for i in range(n)],
        "event.start": [f"Mar 1, 2024 @ 10:05:{i // 4:02d}.000" for i in range(n)],
        "event.action": ["logon", "logoff"] * (n // 2),
    })
    pre = TabularPreprocessor().fit(df)
    for c in ("event.created", "event.ingested", "event.start"):
        assert (pre.roles_[c], pre.reasons_[c]) == ("drop", "times"), (c, pre.reasons_[c])
    assert pre.roles_["event.action"] == "categorical"
    # a bare 'created' (a flag or a count) is read as before
    bare = TabularPreprocessor().fit(df.assign(created=[0.0, 1.0] * (n // 2)))
    assert bare.roles_["created"] == "numeric"


def test_database_log_counters_are_no_features() -> None:
    # What was wrong: MariaDB's server_audit log under its documented header learnt connectionid
    # and queryid (counters since the server started: 100.., 5000..5199) as 'numeric values',
    # min-max scaled, with no identifier warning (one word, no '_id'); the next day's 9000.. lay
    # past training. PostgreSQL's csvlog one-hot its session_id ('65e14e22.4e22', each session a
    # new one) and virtual_transaction_id ('3/100') and scaled session_line_num and transaction_id.
    n = 200
    maria = pd.DataFrame({
        "timestamp": [f"20240301 10:00:{i % 60:02d}" for i in range(n)], "serverhost": "db1",
        "username": ["app", "root"] * (n // 2), "host": "10.0.0.5",
        "connectionid": [100 + i // 10 for i in range(n)], "queryid": [5000 + i for i in range(n)],
        "operation": ["QUERY", "CONNECT"] * (n // 2), "database": "shop", "retcode": [0, 1064] * (n // 2)})
    pre = TabularPreprocessor().fit(maria)
    assert (pre.roles_["connectionid"], pre.reasons_["queryid"]) == (
        "drop", "MariaDB audit's query id (a counter since the server started)")
    assert pre.roles_["queryid"] == "drop"
    assert (pre.roles_["operation"], pre.roles_["retcode"]) == ("categorical", "categorical")
    pg = pd.DataFrame({
        "log_time": [f"2024-03-01 10:00:{i % 60:02d}.123 UTC" for i in range(n)], "user_name": "app",
        "session_id": [f"65e14e22.{0x4e22 + i // 20:x}" for i in range(n)],
        "session_line_num": [1 + i % 20 for i in range(n)],
        "virtual_transaction_id": [f"3/{100 + i // 2}" for i in range(n)],
        "transaction_id": [0, 7310 + n] * (n // 2), "error_severity": ["LOG", "ERROR"] * (n // 2)})
    pre = TabularPreprocessor().fit(pg)
    for c in ("session_id", "session_line_num", "virtual_transaction_id", "transaction_id"):
        assert pre.roles_[c] == "drop", (c, pre.roles_[c], pre.reasons_[c])
    assert pre.roles_["error_severity"] == "categorical"
    # a queryid outside such a log (pg_stat_statements' query hash beside its calls) as before
    stats = pd.DataFrame({"queryid": [11, 22, 33, 44] * 20, "calls": [float(i) for i in range(80)]})
    assert TabularPreprocessor().fit(stats).roles_["queryid"] == "numeric"


def test_snort_rule_columns_are_codes_without_pkt_num() -> None:
    # What was wrong: a Snort alert table naming its rule's gid, sid and rev (alert_csv under a
    # header of those fields, with no pkt_num) read sid and rev as 'numbers stored as text' and
    # min-max scaled them: SID 2019402 a neighbour of 2019401, a new rule's 2100498 far past
    # both, though a Snort 3 table with pkt_num read the same columns as codes.
    n = 40
    snort = pd.DataFrame({"timestamp": [f"03/01-10:00:{i % 60:02d}.000000" for i in range(n)],
                          "gid": ["1"] * 30 + ["119"] * 10,
                          "sid": ["2019401", "2019402", "2100498", "2019401"] * 10,
                          "rev": ["3", "5"] * 20, "msg": ["ET SCAN", "ET POLICY"] * 20})
    pre = TabularPreprocessor().fit(snort)
    said = "Snort rule code (generator, signature id, revision or priority)"
    for c in ("gid", "sid", "rev"):
        assert (pre.roles_[c], pre.reasons_[c]) == ("categorical", said), (c, pre.reasons_[c])
    # a sid without gid and rev (a Unix table's session id) is read as before
    ps = pd.DataFrame({"sid": [1.0, 2.0] * 20, "pid": [float(i) for i in range(n)]})
    unix = TabularPreprocessor().fit(ps)
    assert unix.roles_["sid"] == "numeric"
