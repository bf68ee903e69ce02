"""Review round 60 (self60c): regression tests of the round's last changes."""

from __future__ import annotations

import pandas as pd

from hourglass.features.roles import infer_role, is_time_name


def test_time_generated_nested_in_a_flattened_json_field_is_a_time() -> None:
    # What was wrong: 25678abd made Azure's TimeGenerated / TimeCreated time names only as the
    # whole column name, so a JSON row's {"properties": {"TimeGenerated": ...}}, flattened to
    # 'properties.TimeGenerated' (as files and the service flatten nested fields), was still
    # one-hot encoded as text, where 'properties.Timestamp' beside it was dropped as a time.
    times = pd.Series([f"3/1/2024, 8:00:{i // 3:02d}.000 AM" for i in range(90)])
    for name in ("properties.TimeGenerated", "Event.TimeCreated"):
        assert is_time_name(name)
        role, why = infer_role(name, times, max_categories=50, columns=[name, "x"])
        assert role == "drop", (name, role, why)
    assert not is_time_name("properties.LifetimeCreated")


def test_federated_sites_with_uid_codes_and_near_unique_uids_merge() -> None:
    # What was wrong: 5f13800c made whole-number uids that are not near-unique codes, where a
    # near-unique uid column is still dropped by name; so a federated fit with one site of few
    # users and one of many (uid 10000-10079, near-unique there) failed "the sites read it
    # differently (categorical at site 1; drop at site 2)", where before both dropped it and the
    # pooled fit hashes it. The merge now decides as the pooled fit does.
    import numpy as np

    from hourglass.features.statistics import merge_schema, site_schema
    from hourglass.features.tabular import TabularPreprocessor
    from tests._federated import federated_preprocessor

    rng = np.random.default_rng(0)
    a = pd.DataFrame({"uid": rng.choice([0, 1000, 1001], 200), "x": rng.normal(size=200)})
    b = pd.DataFrame({"uid": np.arange(10000, 10080), "x": rng.normal(size=80)})
    params = TabularPreprocessor().get_params()
    merged = merge_schema([site_schema(params, a), site_schema(params, b)])
    pooled = TabularPreprocessor().fit(pd.concat([a, b]))
    assert merged["columns"]["uid"]["role"] == pooled.roles_["uid"] == "hash"
    fed = federated_preprocessor(params, [a, b])  # the scales round builds it: as the pooled fit
    both = pd.concat([a, b])
    assert np.allclose(fed.transform(both), pooled.transform(both))
    # many distinct ids at every site: dropped, as the pooled fit drops them
    c = pd.DataFrame({"uid": np.arange(20000, 20100), "x": rng.normal(size=100)})
    merged = merge_schema([site_schema(params, c), site_schema(params, b)])
    assert merged["columns"]["uid"]["role"] == "drop"


def test_osquery_counter_dropped_by_an_entity_model_with_a_dropped_envelope_column() -> None:
    # What was wrong: 87781a1e drops osquery's 'counter' and 'epoch' only where hostIdentifier,
    # calendarTime and unixTime are all in the table, but an entity model's fit reads roles from
    # the table less the --drop columns: 'train --entity-col hostIdentifier --timestamp-col
    # unixTime --drop calendarTime' summed the ever-rising counter again (a table model kept it
    # dropped). Two of the envelope's three names now tell an osquery result log.
    from hourglass.features.entity import EntityWindows

    rows = pd.DataFrame({"name": "pack_process_events", "hostIdentifier": ["h1", "h2"] * 50,
                         "unixTime": 1765000000 + pd.RangeIndex(100) * 10, "epoch": 0,
                         "counter": range(100), "columns.cmdline": ["ls", "bash"] * 50})
    num = EntityWindows("hostIdentifier", "unixTime", bucket="1min").summed_columns(rows)
    assert "counter" not in num and "epoch" not in num
    role, why = infer_role("counter", rows["counter"], max_categories=50, columns=list(rows.columns))
    assert role == "drop", why


def test_file_owner_uid_and_gid_are_account_ids() -> None:
    # What was wrong: 5f13800c made uid, euid, gid ... codes, but osquery's process_events
    # 'owner_uid'/'owner_gid' (the executable's owner, columns.owner_uid flattened) and auditd's
    # 'ouid'/'ogid' beside them were still learnt as magnitudes ("numbers stored as text").
    values = pd.Series(["0", "1000", "1000", "0"] * 10)
    for name in ("columns.owner_uid", "owner_gid", "ouid", "ogid"):
        role, why = infer_role(name, values, max_categories=50, columns=[name, "x"])
        assert role == "categorical" and why.startswith("user or group id"), (name, role, why)
