"""Review round 58 (self58b): regression tests of the later merges of the round."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features import TabularPreprocessor
from hourglass.features.statistics import (
    merge_scales,
    merge_schema,
    scaled_preprocessor,
    schema_preprocessor,
    site_scales,
    site_schema,
)


def test_federated_schema_drops_a_column_constant_but_for_rounding_as_the_pooled_fit_does() -> None:
    # What was wrong: b58dcb2f made the pooled fit drop a column of one value but for float
    # rounding (0.3 beside 0.1 + 0.2) as constant, but the federated fit's merged statistics
    # (schema_preprocessor) still asked max == min: the column was a feature there, its span of
    # 1 ulp scaled to the whole range, where the module promises the pooled fit's decisions.
    a = pd.DataFrame({"rtt": [0.3, 0.1 + 0.2, 0.3], "bytes": [10.0, 2000.0, 30.0]})
    b = pd.DataFrame({"rtt": [0.3, 0.1 + 0.2], "bytes": [5.0, 70.0]})
    params = TabularPreprocessor().get_params()
    pre = schema_preprocessor(params, merge_schema([site_schema(params, a), site_schema(params, b)]))
    pre = scaled_preprocessor(pre, merge_scales([site_scales(pre, a), site_scales(pre, b)]))
    pooled = TabularPreprocessor().fit(pd.concat([a, b]))
    assert pooled.constant_ == ["rtt"]
    assert pre.constant_ == ["rtt"]
    assert pre.feature_names_ == pooled.feature_names_ == ["bytes"]


def test_series_channel_constant_but_for_rounding_is_not_scaled_up() -> None:
    # What was wrong: b58dcb2f's rule (one value but for float rounding is constant) was applied
    # to table columns only: a series channel of 0.3 and 0.1 + 0.2 (a bucket's mean of equal
    # values) got its 3e-17 spread as the standard (or minmax) scale, so a later 0.35 was a
    # feature of 1e9 (the clip). Such a channel is now only centred, as a constant one.
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    n = 60
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min"),
                       "rtt": np.where(np.arange(n) % 3 == 0, 0.1 + 0.2, 0.3),
                       "cpu": np.sin(np.arange(n) / 5.0)})
    later = df.iloc[:5].assign(rtt=0.35)
    for scaler in ("standard", "minmax"):
        pre = TimeSeriesPreprocessor(timestamp_col="ts", scaler=scaler).fit(df)
        assert pre.scale_[0] == 1.0
        assert np.abs(pre.transform(later)[:, 0] - 0.05).max() < 1e-9
        assert pre.scale_[1] != 1.0  # a channel that varies is scaled as before


def test_ecs_http_status_code_is_a_number_and_no_number_is_left_out() -> None:
    # What was wrong: a Suricata http event's http.status went to http.response.status_code as
    # text ("200"), and any text at all ('2OO', 'True'), though ECS types the field long: an
    # index refuses a whole document over '2OO', the failure the README's rule ('a kept value
    # not valid there is left out') exists for. It is now the number, or left out.
    from hourglass.serve.ecs import AlertRule, to_ecs

    alert = {"row": 0, "score": 9.0, "calibrated": 0.999, "severity": "high", "threshold": 1.0}
    rule = AlertRule("autoencoder", "ab", data_format="suricata-eve")
    ok = to_ecs(alert, rule, fields={"src_ip": "10.0.0.66", "http.status": 200.0})
    assert ok["http"] == {"response": {"status_code": 200}}
    bad = to_ecs(alert, rule, fields={"src_ip": "10.0.0.66", "http.status": "2OO"})
    assert "http" not in bad
    assert bad["hourglass"]["fields"]["http.status"] == "2OO"


def test_float32_column_constant_but_for_its_rounding_is_dropped_in_both_fits() -> None:
    # What was wrong: b58dcb2f's rule counted units in the last place of float64, but a float32
    # column (Parquet, a downcast CICFlowMeter table) is read as float64: its equal values one
    # float32 rounding apart (0.012 and the next float32) spanned 2**29 float64 ulps, so the
    # column was kept with a span of 9e-10 as its scale and a later 0.05 was a feature of 4e7.
    from hourglass.features.statistics import merge_schema, schema_preprocessor, site_schema

    a = np.float32(0.012)
    b = np.nextafter(a, np.float32(1))
    df = pd.DataFrame({"rate": np.where(np.arange(200) % 2, a, b).astype(np.float32),
                       "bytes": np.arange(200.0)})
    pre = TabularPreprocessor().fit(df)
    assert pre.constant_ == ["rate"]
    out = pre.transform(pd.DataFrame({"rate": np.array([0.05], dtype=np.float32), "bytes": [5.0]}))
    assert np.abs(out).max() <= 1.0
    params = TabularPreprocessor().get_params()
    fed = schema_preprocessor(params, merge_schema([site_schema(params, df.iloc[:100]),
                                                    site_schema(params, df.iloc[100:])]))
    assert fed.constant_ == ["rate"]
    # float32 values that truly differ (by more than rounding) stay a feature
    wide = df.assign(rate=np.where(np.arange(200) % 2, np.float32(0.012), np.float32(0.013)))
    assert TabularPreprocessor().fit(wide).constant_ == []


def test_ecs_host_of_a_zeek_software_log_row_is_the_machine_not_a_url() -> None:
    # What was wrong: 59c13461 sent a zeek-conn model's 'host' to url.domain wherever an alert
    # named it, and a56823b5 made Zeek JSON logs without connection ids (software.log, the
    # known_* logs) read as zeek-conn: a row alert on vsftpd 2.3.4 seen on 10.0.0.99 (software.log's
    # host, Zeek's addr: one of the network's machines) named it url.domain, 'the server asked
    # for', with no host.ip or related.ip for a SIEM pivot. Elastic's Zeek integration maps it to
    # host.ip; an http.log row's host (beside its connection and uri) stays url.domain.
    from hourglass.serve.ecs import AlertRule, ecs_named, frame_alerts, to_ecs

    alert = {"row": 0, "score": 9.0, "calibrated": 0.999, "severity": "high", "threshold": 1.0}
    rule = AlertRule("autoencoder", "ab", data_format="zeek-conn")
    software = {"ts": 1_700_000_000.5, "host": "10.0.0.99", "host_p": 21, "software_type": "FTP::SERVER",
                "name": "vsftpd", "unparsed_version": "vsftpd 2.3.4"}
    doc = to_ecs(alert, rule, fields=ecs_named(software, "zeek-conn"))
    assert doc["host"] == {"ip": "10.0.0.99"} and "url" not in doc
    assert doc["related"]["ip"] == ["10.0.0.99"]
    http = {"id.orig_h": "10.0.0.66", "id.resp_h": "185.199.1.9", "host": "185.199.1.9",
            "uri": "/payload.exe"}
    web = to_ecs(alert, rule, fields=ecs_named(http, "zeek-conn"))
    assert web["url"]["domain"] == "185.199.1.9" and "host" not in web
    # the frame path (score) and an entity alert by host (no record to tell) as before
    docs = frame_alerts(pd.DataFrame({"score": [9.0], "flag": [1], "calibrated": [0.99],
                                      "severity": ["high"]}), rule, named=pd.DataFrame([software]))
    assert docs[0]["host"] == {"ip": "10.0.0.99"}
    entity = AlertRule("autoencoder", "ab", input="entity", data_format="zeek-conn", entity_field="host")
    bucket = to_ecs({"entity": "185.199.1.9", "bucket_start": "2023-11-14T22:00:00",
                     "bucket_end": "2023-11-14T22:05:00", "rows": 3, "score": 9.0, "calibrated": 0.99,
                     "severity": "high", "threshold": 1.0}, entity)
    assert bucket["url"] == {"domain": "185.199.1.9"}
    from hourglass.serve.grouping import group_to_ecs

    group = {"group_by": "host", "host": "185.199.1.9", "count": 3, "first_row": 0, "last_row": 2,
             "top_row": 1, "first_time": None, "last_time": None, "max_score": 9.0,
             "max_calibrated": 0.99, "severity": "high", "threshold": 1.0}
    assert group_to_ecs(group, rule)["url"] == {"domain": "185.199.1.9"}
