"""Review 22 (cln22): duplicated logic made one, and day-long buckets read without pandas'
deprecation warning."""

from __future__ import annotations

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
    assert page({"Records": [{"eventName": "A"}]}) == [{"eventName": "A"}]
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

