"""Chunk joins of line formats and JSON lines, ausearch output in the service, joined Zeek
layouts, undecodable bytes in ``stream``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.ingest import get_format
from hourglass.ingest.readers import _concat_chunks


def _zip_cef(path: Path) -> Path:
    lines = [f"CEF:0|A|B|1|2|n|3|src=10.0.0.{i} zip={'0' + str(7000 + i) if i < 40 else 'AB12'} "
             f"ratio={'0.50' if i < 40 else 'n/a'}" for i in range(80)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_line_format_read_spells_a_value_the_same_whatever_its_chunk(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import hourglass.ingest.cef as cef

    p = _zip_cef(tmp_path / "fw.cef")
    whole = get_format("cef").read(p)
    monkeypatch.setattr(cef, "CHUNK_BYTES", 2000)  # three chunks
    monkeypatch.setitem(cef._LineSpec.iter_chunks.__kwdefaults__, "chunk_bytes", 2000)
    chunked = get_format("cef").read(p)
    assert chunked["zip"].tolist()[:2] == ["07000", "07001"] == whole["zip"].tolist()[:2]
    assert chunked["ratio"].tolist()[:2] == ["0.50", "0.50"]
    pd.testing.assert_frame_equal(chunked, whole)


def test_line_format_numbers_stay_numbers_when_read_in_chunks(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import hourglass.ingest.cef as cef

    p = tmp_path / "n.cef"
    p.write_text("".join(f"CEF:0|A|B|1|2|n|3|src=10.0.0.{i % 9} cnt={i}\n" for i in range(80)))
    monkeypatch.setattr(cef, "CHUNK_BYTES", 500)
    monkeypatch.setitem(cef._LineSpec.iter_chunks.__kwdefaults__, "chunk_bytes", 500)
    df = get_format("cef").read(p)
    assert pd.api.types.is_integer_dtype(df["cnt"]) and df["cnt"].tolist() == list(range(80))


def test_json_lines_join_keeps_floats_as_a_single_read_does(tmp_path: Path) -> None:
    a = pd.DataFrame({"x": [0.5, 7.0], "y": [1, 2]})
    b = pd.DataFrame({"x": pd.Series([1.5, "n/a"], dtype=object), "y": [3, 4]})
    joined = _concat_chunks([a, b])
    p = tmp_path / "m.jsonl"
    p.write_text('{"x":0.5,"y":1}\n{"x":7.0,"y":2}\n{"x":1.5,"y":3}\n{"x":"n/a","y":4}\n')
    single = get_format("jsonl").read(p)
    assert joined["x"].tolist() == single["x"].tolist() == [0.5, 7.0, 1.5, "n/a"]


def test_joining_float_chunks_as_text_spells_each_as_read() -> None:
    v = np.random.default_rng(0).normal(size=200_000).round(4)
    v[::7] = np.round(v[::7] * 1000)
    v[3] = np.nan
    a = pd.DataFrame({"x": v})
    b = pd.DataFrame({"x": ["n/a"]})
    out = _concat_chunks([a, b])["x"].tolist()
    want = [None if np.isnan(x) else str(int(x)) if x == round(x) else str(x) for x in v.tolist()]
    assert [None if pd.isna(x) else x for x in out[:-1]] == want and out[-1] == "n/a"


def _zeek_tsv(fields: list[str], types: list[str], rows: list[list[str]]) -> str:
    head = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            "#path\tconn", "#fields\t" + "\t".join(fields), "#types\t" + "\t".join(types)]
    return "\n".join([*head, *("\t".join(r) for r in rows), "#close\t2026-01-01-00-00-00"]) + "\n"


@pytest.mark.parametrize("mode", ["error", "skip"])
@pytest.mark.parametrize("lead", ["ts", "uid"])
def test_zeek_joined_layout_one_field_narrower_is_refused_at_its_fields_line(
        tmp_path: Path, mode: str, lead: str) -> None:
    from hourglass.errors import InputError

    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"]
    types = ["time", "string", "addr", "port", "addr", "port", "enum"]
    row = ["1700000000.5", "C1", "10.0.0.5", "40000", "10.0.0.1", "80", "tcp"]
    if lead == "uid":  # a layout whose first field is text: its '#fields' line reads as a row
        fields, types, row = fields[1:2] + fields[:1] + fields[2:], types[1:2] + types[:1] + types[2:], \
            row[1:2] + row[:1] + row[2:]
    p = tmp_path / "joined.log"
    p.write_text(_zeek_tsv(fields, types, [row] * 3) + _zeek_tsv(fields[:-1], types[:-1], [row[:-1]] * 3))
    with pytest.raises(InputError, match=r"line 17: a '#fields' line that names other fields"):
        get_format("zeek-conn").read(p, on_bad_rows=mode)


def test_service_reads_ausearch_lines_as_the_file_reader(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from hourglass.cli import app
    from hourglass.serve.app import create_app
    from tests._cli import runner
    from tests.test_review16_ing import _AUDIT_EVENTS, _ausearch

    events = [[r.replace(":4242", f":{4242 + 10 * i}").replace(":4243", f":{4243 + 10 * i}")
               .replace(":4244", f":{4244 + 10 * i}") for r in ev] for i in range(40) for ev in _AUDIT_EVENTS]
    (tmp_path / "a.log").write_text(_ausearch(events))
    res = runner.invoke(app, ["train", str(tmp_path / "a.log"), "--format", "auditd", "--epochs", "1",
                              "--hidden", "4,2", "--seed", "0", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    client = TestClient(create_app(tmp_path / "m", api_key="k" * 20))
    lines = _ausearch(_AUDIT_EVENTS[:1]).splitlines()  # '----', 'time->', the records newest first
    key = {"X-API-Key": "k" * 20}
    as_written = client.post("/score", json={"lines": lines}, headers=key)
    in_order = client.post("/score", json={"lines": lines[:1:-1]}, headers=key)
    assert as_written.status_code == 200, as_written.text
    assert len(as_written.json()["scores"]) == 1
    assert as_written.json()["scores"] == in_order.json()["scores"]


def test_stream_warns_once_for_lines_with_bytes_that_are_no_utf8(tmp_path: Path) -> None:
    from hourglass.cli import app
    from tests._cli import runner

    def line(i: int, user: bytes) -> bytes:
        return (b"CEF:0|A|B|1|2|n|3|src=10.0.0.%d spt=%d suser=" % (i % 5, 1000 + i % 7)) + user + b"\n"

    lines = [line(i, b"caf\xe9" if i % 10 == 3 else b"bob") for i in range(60)]
    (tmp_path / "t.cef").write_bytes(b"".join(lines))
    res = runner.invoke(app, ["train", str(tmp_path / "t.cef"), "--format", "cef", "--epochs", "1",
                              "--hidden", "4,2", "--seed", "0", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "--all"], input=b"".join(lines[:20]))
    assert res.exit_code == 0, res.output
    said = [ln for ln in res.stderr.splitlines() if "no UTF-8" in ln]
    assert len(said) == 1 and "2 line(s)" in said[0] and "line 4" in said[0], res.stderr


def test_audit_log_after_ausearch_output_reads_in_order_not_held(tmp_path: Path) -> None:
    from hourglass.ingest.auditd import AuditEvents, parse_auditd
    from tests.test_review16_ing import _AUDIT_EVENTS, _ausearch

    raw = [[r.replace(":4242", f":{5000 + i}").replace("1700000000.", f"{1700000100 + i}.") for r in
            _AUDIT_EVENTS[0]] for i in range(3)]
    p = tmp_path / "mixed.log"
    p.write_text(_ausearch(_AUDIT_EVENTS[:1]) + "\n".join(r for ev in raw for r in ev) + "\n")
    df = get_format("auditd").read(p)
    assert df["serial"].tolist() == ["4242", "5000", "5001", "5002"]
    assert set(df["records"]) == {"SYSCALL EXECVE CWD PATH PROCTITLE"}
    events = AuditEvents()
    events.between()
    done = [d for ev in raw for r in ev for d in events.add(parse_auditd(r))]
    assert [row["serial"] for _, row in done] == ["5000", "5001", "5002"]  # each out at its end, not held
