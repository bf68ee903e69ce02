"""JSON-lines chunk joins (exact 64-bit ids, numbers beside strings) and ausearch output in the
service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


@pytest.fixture(scope="module")
def audit_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from hourglass.cli import app
    from tests._cli import runner
    from tests._serve import client_of
    from tests.test_review16_ing import _AUDIT_EVENTS, _ausearch

    tmp = tmp_path_factory.mktemp("audit")
    events = [[r.replace(":4242", f":{4242 + 10 * i}").replace(":4243", f":{4243 + 10 * i}")
               .replace(":4244", f":{4244 + 10 * i}") for r in ev] for i in range(40) for ev in _AUDIT_EVENTS]
    (tmp / "a.log").write_text(_ausearch(events))
    res = runner.invoke(app, ["train", str(tmp / "a.log"), "--format", "auditd", "--epochs", "1",
                              "--hidden", "4,2", "--seed", "0", "-o", str(tmp / "m")])
    assert res.exit_code == 0, res.output
    with client_of(tmp / "m") as c:
        yield c


def _score(client: Any, lines: list[str]) -> Any:
    from tests._serve import AUTH

    return client.post("/score", json={"lines": lines}, headers=AUTH)


def test_service_refuses_ausearch_separators_alone_saying_so(audit_client: Any) -> None:
    from tests.test_review16_ing import _AUDIT_EVENTS, _ausearch

    lines = _ausearch(_AUDIT_EVENTS[:1]).splitlines()
    res = _score(audit_client, lines[:2])  # '----' and 'time->...': no record at all
    assert res.status_code == 422
    detail = res.json()["detail"]
    assert detail.startswith("lines: no Linux audit record among the 2 line(s)") and "'----'" in detail
    assert "EOE" not in detail


def test_service_passes_over_ausearch_separators_inside_an_item(audit_client: Any) -> None:
    from tests.test_review16_ing import _AUDIT_EVENTS, _ausearch

    lines = _ausearch(_AUDIT_EVENTS[:1]).splitlines()  # '----', 'time->', the records newest first
    one_item = _score(audit_client, ["\n".join([*lines[:2], lines[-1]])])
    as_items = _score(audit_client, [*lines[:2], lines[-1]])
    assert one_item.status_code == as_items.status_code == 200, one_item.text
    assert one_item.json()["scores"] == as_items.json()["scores"] and len(as_items.json()["scores"]) == 1
    whole = _score(audit_client, ["\n".join(lines[:2]), *lines[2:]])  # the separators as one item
    assert whole.status_code == 200 and whole.json()["scores"] == _score(audit_client, lines).json()["scores"]
    two = _score(audit_client, ["\n".join([lines[0], lines[-2], lines[-1]])])
    assert two.status_code == 422 and two.json()["detail"].startswith("line 1: holds 2 records")


def test_ausearch_event_of_many_records_is_one_row(tmp_path: Path) -> None:
    from hourglass.ingest.auditd import MAX_OPEN

    head = 'msg=audit(1700000000.1:7):'
    recs = [f'type=SYSCALL {head} syscall=59 success=yes exit=0 comm="ls" exe="/bin/ls"',
            *(f'type=PATH {head} item={i} name="/f{i}"' for i in range(MAX_OPEN + 76)),
            f"type=PROCTITLE {head} proctitle=6C73"]
    lines = ["----", "time->Tue Nov 14 22:13:20 2023", *recs[::-1],  # ausearch: newest first
             "----", "time->Tue Nov 14 22:13:21 2023", "type=SYSCALL msg=audit(1700000001.1:8): syscall=2"]
    p = tmp_path / "big.log"
    p.write_text("\n".join(lines) + "\n")
    df = get_format("auditd").read(p)
    assert df["serial"].tolist() == ["7", "8"]
    assert df["type"].iloc[0] == "SYSCALL" and df["path_count"].iloc[0] == MAX_OPEN + 76
    assert df["records"].iloc[0] == "SYSCALL PATH PROCTITLE"


def test_the_service_reads_separators_glued_to_a_record_as_their_own_lines(audit_client: Any) -> None:
    from tests.test_review16_ing import _AUDIT_EVENTS, _ausearch

    lines = _ausearch(_AUDIT_EVENTS[:2]).splitlines()  # two events, each newest record first
    glued, i = [], 0
    while i < len(lines):  # each '----' and 'time->' pair joined to the record after it
        if lines[i] == "----":
            glued.append("\n".join(lines[i:i + 3]))
            i += 3
        else:
            glued.append(lines[i])
            i += 1
    as_items = _score(audit_client, lines)
    joined = _score(audit_client, glued)
    assert as_items.status_code == joined.status_code == 200, joined.text
    assert joined.json()["scores"] == as_items.json()["scores"]  # was a third event: its PROCTITLE
    assert len(joined.json()["scores"]) == 2
