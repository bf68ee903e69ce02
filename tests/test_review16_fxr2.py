"""JSON-lines chunk joins (exact 64-bit ids, numbers beside strings) and ausearch output in the
service."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hourglass.ingest.tables as tables
from hourglass.ingest import get_format
from hourglass.ingest.readers import _concat_chunks

_BIG = 2**60 + 1  # past 2**53: float64 rounds it


def test_joined_nullable_ids_become_text_exactly() -> None:
    a = pd.DataFrame({"id": pd.array([_BIG, None, _BIG + 1, _BIG + 2], dtype="Int64")})
    b = pd.DataFrame({"id": ["abc"]})
    out = _concat_chunks([a, b])["id"].tolist()
    assert out[0] == str(_BIG) and out[2:] == [str(_BIG + 1), str(_BIG + 2), "abc"] and pd.isna(out[1])


def test_json_ids_read_in_chunks_are_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "ids.jsonl"
    rows = [f'{{"id":{_BIG + i},"n":{i}}}' if i % 3 else f'{{"n":{i}}}' for i in range(30)]
    p.write_text("\n".join([*rows, '{"id":"abc","n":1}']) + "\n")
    monkeypatch.setattr(tables, "_JSONL_CHUNK_ROWS", 10)  # four chunks, ids with a missing one in each
    ids = get_format("jsonl").read(p)["id"].tolist()
    assert ids[1:3] == [str(_BIG + 1), str(_BIG + 2)] and ids[29] == str(_BIG + 29) and ids[-1] == "abc"
    assert pd.isna(ids[0]) and pd.isna(ids[3])


def _mixed_jsonl(path: Path, ids: bool) -> Path:
    rows = [f'{{"n":{i},"x":{i}.5' + (f',"id":{_BIG + i}' if ids and i % 2 else "") + "}" for i in range(30)]
    path.write_text("\n".join([*rows, '{"n":"n/a","x":"n/a","id":"n/a"}', '{"n":3.5,"x":3.5,"id":7}']) + "\n")
    return path


@pytest.mark.parametrize("ids", [False, True])
def test_json_ints_beside_later_strings_read_in_chunks_as_in_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ids: bool) -> None:
    p = _mixed_jsonl(tmp_path / "m.jsonl", ids)
    single = get_format("jsonl").read(p)
    monkeypatch.setattr(tables, "_JSONL_CHUNK_ROWS", 10)
    chunked = get_format("jsonl").read(p)
    assert chunked["n"].tolist() == single["n"].tolist() == [*range(30), "n/a", 3.5]
    assert [type(v) for v in chunked["n"]] == [type(v) for v in single["n"]]
    assert chunked["x"].tolist() == single["x"].tolist()
    if ids:  # 64-bit ids with missing ones (nullable Int64 in the first chunks), then text, then 7
        want = [None if i % 2 == 0 else _BIG + i for i in range(30)] + ["n/a", 7]
        got = chunked["id"].tolist()
        assert [None if pd.isna(v) else v for v in got] == want
        assert not any(v is pd.NA for v in got)
        assert np.array_equal(pd.isna(chunked["id"]).to_numpy(), pd.isna(single["id"]).to_numpy())
