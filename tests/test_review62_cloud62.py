"""Regression tests: object-storage and CDN access logs (S3, CloudTrail data events, GCS, Azure
Storage, CloudFront)."""

from __future__ import annotations

import pandas as pd

from hourglass.features.roles import infer_role, is_time_name


def test_gcs_usage_log_time_micros_is_a_time_not_a_magnitude() -> None:
    # What was wrong: a Cloud Storage usage log's time_micros (epoch microseconds) was no time's
    # name, so it was min-max scaled as a magnitude and every row of the next day was flagged.
    micros = pd.Series([1709280000724021 + 20_000_000 * i for i in range(50)])
    assert infer_role("time_micros", micros, max_categories=50) == ("drop", "times")
    assert infer_role("timestampMillis", micros // 1000, max_categories=50) == ("drop", "times")
    assert [is_time_name(n) for n in ("time_micros", "startNanos", "time_taken_micros", "uptime_millis")] \
        == [True, True, False, False]
