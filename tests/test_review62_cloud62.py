"""Regression tests: object-storage and CDN access logs (S3, CloudTrail data events, GCS, Azure
Storage, CloudFront)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from hourglass.features.roles import infer_role, is_time_name
from hourglass.features.small_batch import transform_small
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest.cloudtrail import CLOUDTRAIL
from tests._cli import runner


def test_gcs_usage_log_time_micros_is_a_time_not_a_magnitude() -> None:
    # What was wrong: a Cloud Storage usage log's time_micros (epoch microseconds) was no time's
    # name, so it was min-max scaled as a magnitude and every row of the next day was flagged.
    micros = pd.Series([1709280000724021 + 20_000_000 * i for i in range(50)])
    assert infer_role("time_micros", micros, max_categories=50) == ("drop", "times")
    assert infer_role("timestampMillis", micros // 1000, max_categories=50) == ("drop", "times")
    assert [is_time_name(n) for n in ("time_micros", "startNanos", "time_taken_micros", "uptime_millis")] \
        == [True, True, False, False]


def _storage_log(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "OperationName": rng.choice(["GetBlob", "PutBlob", "ListBlobs"], n),
        "CallerIpAddress": [f"10.0.1.{5 + i % 10}:{49152 + i}" for i in range(n)],
        "ResponseBodySize": rng.integers(1000, 90000, n).astype(float),
    })


def test_azure_caller_ip_with_its_port_is_read_as_an_address() -> None:
    # What was wrong: Azure Storage's CallerIpAddress, written 'ip:port', was near-unique text and
    # dropped, so a download from a new public address scored as a known one (0 of 10 flagged).
    train = _storage_log(300)
    pre = TabularPreprocessor().fit(train)
    assert pre.roles_["CallerIpAddress"] == "ip"
    new = train.head(2).copy()
    new["CallerIpAddress"] = ["198.51.100.77:50001", "10.0.1.5:60000"]
    x = pre.transform(new)
    assert not np.allclose(x[0], x[1])  # a public address in another /24: other features
    same = train.iloc[[0, 0]].copy()
    same["CallerIpAddress"] = ["10.0.1.5:1", "10.0.1.5"]
    assert np.allclose(*pre.transform(same))  # the port is no part of the address
    small = transform_small(pre, new)
    assert small is None or np.allclose(small, x)
    # a state saved before ports were read reads them as no address, as it did
    old = pre.to_dict()
    old["ip_form"] = "v4-mapped"
    assert not TabularPreprocessor.from_dict(old).ip_ported


def test_s3_data_event_bytes_and_bucket_are_features() -> None:
    # What was wrong: an S3 data event's additionalEventData.bytesTransferredOut and
    # requestParameters.bucketName were dropped with every API-specific field, so a known user's
    # GetObject calls moving 10,000 times the usual bytes scored as normal (0 of 20 flagged).
    roles = CLOUDTRAIL.roles_for(["additionalEventData.bytesTransferredOut",
                                  "additionalEventData.bytesTransferredIn", "requestParameters.bucketName",
                                  "requestParameters.key", "additionalEventData.x-amz-id-2"])
    assert roles == {"additionalEventData.bytesTransferredOut": "numeric",
                     "additionalEventData.bytesTransferredIn": "numeric",
                     "requestParameters.bucketName": "hash", "requestParameters.key": "drop",
                     "additionalEventData.x-amz-id-2": "drop"}


def test_a_cloudfront_log_is_refused_with_a_recipe_for_its_tabs(tmp_path: Path) -> None:
    # What was wrong: a CloudFront standard log (W3C directives, tab-separated records) was refused
    # with the recipe for space-separated ones, whose CSV held each record as one field.
    log = tmp_path / "E2EXAMPLE.2024-03-01-08.abcd1234"
    log.write_text("#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method\n"
                   "2024-03-01\t08:00:00\tIAD89-C1\t35432\t203.0.113.7\tGET\n")
    out = runner.invoke(app, ["inspect", str(log)])
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert "CloudFront" in out.output and "FILE.tsv" in out.output and "tr ' ' , " not in out.output
