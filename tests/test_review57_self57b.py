"""Review round 57 (self57b: the cloud-format and batch-scoring commits, reviewed as a pull
request): regression tests."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from tests._lines import cloudtrail_record


# What was wrong: the CloudTrail, Okta, GCP and Kubernetes readers now give every row the format's
# columns (errorCode missing but on a failed call ...). A model saved before they did lacks them,
# so scoring any file with it, even one without a single failed call, said "ignoring 5 column(s)
# the model was not trained on: eventCategory, managementEvent, errorCode ..." (15 for Okta) every
# time, of columns no row of the file has a value in. A model of such a format reads a column the
# data lacks as missing values: a column without a value in any row is now no column it ignores
def test_model_saved_before_the_format_columns_scores_without_a_warning_each_file(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from hourglass import AutoEncoder, Pipeline
    from hourglass.ingest.cloudtrail import _ALWAYS, CLOUDTRAIL

    train = tmp_path / "trail.json"
    train.write_text(json.dumps({"Records": [cloudtrail_record(i) for i in range(200)]}))
    df = pd.concat(CLOUDTRAIL.iter_chunks(train))
    assert "errorCode" in df.columns
    # (the rows a model saved before 8b6a06c4 was trained on: no column its records lack)
    old = df.drop(columns=[c for c in _ALWAYS if df[c].isna().all()])
    assert "errorCode" not in old.columns
    pipe = Pipeline(AutoEncoder(hidden=(8, 4), epochs=1, verbose=0, random_state=0)).fit(old)
    pipe.info["dataset"] = "cloudtrail"
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        quiet = pipe.score(df)
    assert not [r for r in caplog.records if "not trained on" in r.getMessage()], caplog.text
    assert quiet.tolist() == pipe.score(old).tolist()
    # a value in one of them is still said to be ignored
    failed = df.assign(errorCode=["AccessDenied"] + [None] * (len(df) - 1))
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pipe.score(failed)
    [said] = [r.getMessage() for r in caplog.records if "not trained on" in r.getMessage()]
    assert said == "ignoring 1 column(s) the model was not trained on: errorCode"
