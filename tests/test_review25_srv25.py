"""Review 25, fuzzing the scoring service (``hourglass serve``): what a client's odd request gets."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests._serve import AUTH, client_of

JSON = {**AUTH, "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The service of a small table autoencoder (columns ``bytes``, ``proto``)."""
    import numpy as np
    import pandas as pd

    from hourglass import AutoEncoder, Pipeline

    df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    out = tmp_path_factory.mktemp("srv25_table") / "m"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).save(out)
    with client_of(out) as c:
        yield c


def test_a_second_content_encoding_field_is_read_too(table: TestClient) -> None:
    # What was wrong: only the first Content-Encoding header field was read, so a gzip body
    # sent with "Content-Encoding: identity" and then "Content-Encoding: gzip" (two fields, which
    # HTTP reads as the list "identity, gzip", itself a 415) was '400 body: not valid JSON',
    # not the 415 that names the compression. Every field is read now.
    raw = json.dumps({"rows": [{"bytes": 5, "proto": "tcp"}]}).encode()
    headers = [*JSON.items(), ("Content-Encoding", "identity"), ("Content-Encoding", "gzip")]
    r = table.post("/score", content=gzip.compress(raw), headers=headers)
    assert (r.status_code, r.json()) == (415, {
        "detail": "Content-Encoding: gzip is not supported; send the body uncompressed"})
    # identity, however often it is said, is no encoding: the body is scored
    headers = [*JSON.items(), ("Content-Encoding", "identity"), ("Content-Encoding", "identity, ")]
    r = table.post("/score", content=raw, headers=headers)
    assert r.status_code == 200, r.text
