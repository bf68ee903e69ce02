"""Review round 53 (left53): items earlier rounds noticed and left alone, decided on evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.cloudtrail import CLOUDTRAIL
from hourglass.ingest.okta import OKTA


def _okta(i: int, published: bool) -> dict[str, object]:
    event: dict[str, object] = {"uuid": f"u{i}", "eventType": "user.session.start",
                                "actor": {"type": "User", "alternateId": f"user{i % 3}@example.com"}}
    if published:
        event["published"] = f"2026-01-05T08:00:{i % 60:02d}.000Z"
    return event


def _trail(i: int, time: bool) -> dict[str, object]:
    event: dict[str, object] = {"eventName": "GetObject", "eventSource": "s3.amazonaws.com",
                                "awsRegion": "eu-west-1"}
    if time:
        event["eventTime"] = f"2026-01-05T08:00:{i % 60:02d}Z"
    return event


@pytest.mark.parametrize(("spec", "make", "field"), [(OKTA, _okta, "published"),
                                                     (CLOUDTRAIL, _trail, "eventTime")])
def test_required_fields_same_whatever_the_chunk_size(tmp_path: Path, spec, make, field) -> None:
    # What was wrong: Okta/Entra/GCP/Kubernetes audit files had their required fields checked in
    # every chunk, CloudTrail in the first only: events lacking 'published' after the first
    # 16 MiB were scored when read in one chunk but stopped "no 'published' field; is this an
    # Okta System Log?" with a small --chunk-mb (stream takes such events); the reverse (the
    # first chunk's events lack it, later ones have it) was refused or taken by chunk size too.
    # A file is refused only when none of its events has the field, whatever the chunks.
    for name, flags in (("late", [True] * 200 + [False] * 200), ("early", [False] * 200 + [True] * 200)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(make(i, f)) + "\n" for i, f in enumerate(flags)))
        whole = sum(len(df) for df in spec.iter_chunks(path))
        cut = [len(df) for df in spec.iter_chunks(path, chunk_bytes=2048)]
        assert len(cut) > 2 and sum(cut) == whole == 400, name
    none = tmp_path / "none.jsonl"
    none.write_text("".join(json.dumps(make(i, False)) + "\n" for i in range(400)))
    for size in (2048, 16 << 20):
        with pytest.raises(InputError, match=f"no '{field}' field; is this"):
            list(spec.iter_chunks(none, chunk_bytes=size))
