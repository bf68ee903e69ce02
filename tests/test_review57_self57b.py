"""Review round 57 (self57b: the cloud-format and batch-scoring commits, reviewed as a pull
request): regression tests."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner
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


# What was wrong: the GCP, Kubernetes and Okta readers made every column of the format one of
# every row, counts too; a count no training entry had (protoPayload.numResponseItems, which only
# list calls carry) was then dropped by the preprocessing as constant (no value to scale, no
# missing indicator), so a list call returning 250,000 items scored exactly as its twin without a
# word, where before the change it was named ("ignoring 1 column(s) the model was not trained
# on"). The counts are no longer such columns: a value of one the model lacks is named again
def test_gcp_count_no_training_entry_had_is_not_ignored_silently(tmp_path: Path) -> None:
    from tests.test_review57_cloud57 import _gcp_entry

    train = tmp_path / "audit.json"
    train.write_text("".join(json.dumps(_gcp_entry(i)) + "\n" for i in range(200)))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--epochs", "1", "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    listed = _gcp_entry(7)
    listed["protoPayload"]["numResponseItems"] = "250000"
    test = tmp_path / "new.json"
    test.write_text("".join(json.dumps(e) + "\n" for e in [_gcp_entry(7), listed]))
    res = runner.invoke(app, ["score", str(model), str(test), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert "ignoring 1 column(s) the model was not trained on: protoPayload.numResponseItems" in res.output
    res = runner.invoke(app, ["score", str(model), str(train), "-o", str(tmp_path / "t.csv")])
    assert res.exit_code == 0 and "not trained on" not in res.output, res.output


# What was wrong: stream --keep of an event format (60a367da) stopped at a line holding the kept
# name as a nested object ("the data has 'extra' as a nested object, read as its fields") even
# where the lines before had it as a field of its own, alerts already written with its values;
# score of the same file keeps the column (the value where a row has it, empty where nested). A
# name an earlier line had as a field is now null in a line where it is nested, as score has it;
# one no line before had as a field still stops the stream, as before
def test_stream_keeps_a_field_nested_only_in_later_events_as_null(tmp_path: Path) -> None:
    from tests.test_review57_cloud57 import _okta_event

    train = tmp_path / "okta.jsonl"
    train.write_text("".join(json.dumps(_okta_event(i)) + "\n" for i in range(60)))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    test = tmp_path / "t.jsonl"
    test.write_text("".join(json.dumps({**_okta_event(i), "extra": v}) + "\n"
                            for i, v in enumerate(["plain", {"a": 1}, "other"])))
    res = runner.invoke(app, ["score", str(model), str(test), "-o", str(tmp_path / "s.csv"),
                              "--keep", "extra"])
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "s.csv")["extra"].fillna("").tolist() == ["plain", "", "other"]
    res = runner.invoke(app, ["stream", str(model), "-i", str(test), "--all", "--keep", "extra", "-q"])
    assert res.exit_code == 0, res.output  # (before: 2, "--keep: no field 'extra' on ... line 2")
    assert [json.loads(line)["extra"] for line in res.stdout.splitlines()] == ["plain", None, "other"]
    # (grouped alerts too: flagged, a lock-out event type never seen)
    lock = "user.account.lock"
    test.write_text("".join(json.dumps({**_okta_event(i), "eventType": lock, "extra": v}) + "\n"
                            for i, v in enumerate(["plain", {"a": 1}, "other"])))
    res = runner.invoke(app, ["stream", str(model), "-i", str(test), "--group-by", "actor.alternateId",
                              "--keep", "extra", "-q"])
    assert res.exit_code == 0, res.output  # (before: 2, "--keep: no field 'extra' on ... line 2")
    assert sorted(json.loads(line)["count"] for line in res.stdout.splitlines()) == [1, 2]
    nested_first = tmp_path / "n.jsonl"
    nested_first.write_text("".join(json.dumps({**_okta_event(i), "extra": v}) + "\n"
                                    for i, v in enumerate([{"a": 1}, "plain"])))
    res = runner.invoke(app, ["stream", str(model), "-i", str(nested_first), "--all", "--keep", "extra"])
    assert res.exit_code == 2 and "--keep: no field 'extra' on" in res.output and "line 1" in res.output


# What was wrong: scoring a failed CloudTrail call with a model of a failure-free baseline (the
# case 8b6a06c4 made a value the model never saw) still said "ignoring 4 column(s) the model was
# not trained on: errorMessage, requestParameters.bucketName, requestID, sharedEventID": columns
# the format drops whatever the data (free text, ids, each API's own parameters), which no
# training would make the model read; requestParameters.* differ by API, so a file with calls
# the baseline lacked said it every time. Such columns are no longer named; others still are
def test_columns_the_format_drops_are_not_said_to_be_untrained(tmp_path: Path) -> None:
    train = tmp_path / "trail.json"
    train.write_text(json.dumps({"Records": [cloudtrail_record(i) for i in range(200)]}))
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(train), "-o", str(model), "--epochs", "1", "--seed", "0", "-q"])
    assert res.exit_code == 0, res.output
    denied = {**cloudtrail_record(4), "errorCode": "AccessDenied", "errorMessage": "User is not authorized",
              "requestParameters": {"userName": "b"}, "requestID": "r1", "sharedEventID": "s1"}
    test = tmp_path / "new.jsonl"
    test.write_text("".join(json.dumps(e) + "\n" for e in [cloudtrail_record(4), denied]))
    res = runner.invoke(app, ["score", str(model), str(test), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert "not trained on" not in res.output, res.output
    test.write_text(json.dumps({**denied, "insightDetails": "x"}) + "\n")  # (no role of the format)
    res = runner.invoke(app, ["score", str(model), str(test), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert "ignoring 1 column(s) the model was not trained on: insightDetails" in res.output, res.output
