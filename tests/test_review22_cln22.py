"""Review 22 (cln22): duplicated logic made one, and day-long buckets read without pandas'
deprecation warning."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest


def test_one_page_reader_serves_cloudtrail_and_json_event_formats() -> None:
    # what was wrong: CloudTrail and the JSON event formats (Entra, Okta ...) each held their own
    # copy of the closure that reads a page on a JSON line and refuses a record of another kind
    # after the format's events; now one helper, line_pages, serves both
    from hourglass.ingest.cloudtrail import CLOUDTRAIL
    from hourglass.ingest.entra import ENTRA_SIGNIN
    from hourglass.ingest.jsondoc import line_pages

    page = line_pages(CLOUDTRAIL)
    bridge = {"detail-type": "AWS API Call via CloudTrail", "detail": {"eventName": "X"}}
    assert page(bridge) is None  # first: the file is of that kind, check refuses it by name
    assert page({"eventName": "GetObject"}) is None
    assert page({"Records": [{"eventName": "A"}]}) == [CLOUDTRAIL.event({"eventName": "A"})]  # (its row)
    with pytest.raises(ValueError, match="EventBridge"):
        page(bridge)

    page = line_pages(ENTRA_SIGNIN)
    audit = {"time": "2026-01-05T08:00:00Z", "category": "AuditLogs", "properties": {}}
    sign_in = {"time": "2026-01-05T08:00:00Z", "category": "SignInLogs", "properties": {}}
    assert page(sign_in) is None
    with pytest.raises(ValueError, match="AuditLogs"):
        page(audit)
    assert line_pages(ENTRA_SIGNIN)(audit) is None  # a reader of its own for each file


def test_os_error_text_without_the_systems_words_is_the_errors_own_text() -> None:
    # what was wrong: os_error_text repeated read_problem's "the system's words" rule without its
    # fallback, so an OSError with no strerror read 'None'; now it calls read_problem
    from hourglass.cli._output import os_error_text

    assert os_error_text(OSError("the share went away")) == "the share went away"
    assert os_error_text(PermissionError(13, "Permission denied", "m/config.json")) == \
        "m/config.json: Permission denied"


@pytest.mark.parametrize("text", ["1d", "1D", "24h", "24H", "1 d", "1day", "1440min"])
def test_a_day_long_bucket_reads_alike_without_a_warning(text: str) -> None:
    # what was wrong: --bucket 1d (and 24H) went to pd.Timedelta as typed, which pandas reads with
    # a deprecation warning (an error or another reading in pandas 4); now the unit's case is
    # pandas' own before it reads it, for --lateness too
    from hourglass.cli.stream_entity import parse_lateness
    from hourglass.features.entity import parse_bucket

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_bucket(text) == pd.Timedelta(days=1)
        assert parse_lateness(text, pd.Timedelta("5min")) == pd.Timedelta(days=1)


@pytest.mark.parametrize(("text", "length"), [("30S", "30s"), ("2H", "2h"), ("1w", "7D"),
                                              ("1h30min", "90min"), ("P1D", "1D"), ("PT1H", "1h")])
def test_other_unit_spellings_keep_their_length_without_a_warning(text: str, length: str) -> None:
    # what was wrong: the deprecated spellings (30S, 2H, 1w) warned; ISO durations must stay read
    from hourglass.features.entity import parse_bucket

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_bucket(text) == pd.Timedelta(length)


@pytest.mark.parametrize("text", ["1M", "5T", "soon", "-1d"])
def test_an_ambiguous_or_wrong_bucket_stays_refused(text: str) -> None:
    # what was wrong: nothing; the case rule must not turn a month ('M') or a removed alias into
    # a length
    from hourglass.errors import InputError
    from hourglass.features.entity import parse_bucket

    with pytest.raises(InputError, match="bucket: expected a fixed time length"):
        parse_bucket(text)
