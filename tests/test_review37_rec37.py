"""Bad records are named by the same place on every path: a Parquet row (no lines) by ``row N``
in errors and warnings alike; line formats by their physical line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner


def _flows(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "label": ["normal"] * n})


def test_a_parquet_row_is_row_n_in_an_error_and_in_a_warning(tmp_path: Path) -> None:
    # what was wrong: a Parquet file's row was 'row N' in an error ('hourglass score m x.parquet':
    # "column 'b': expected numbers, found 'oops' (row 7)") and 'data row N' in a warning about
    # the same kind of row ('hourglass train x.parquet --label-col label': "1 row(s) have no
    # value in label column 'label' (first: data row 9)"); both now say 'row N', from 1
    df = _flows(40)
    df.loc[8, "label"] = None
    df.to_parquet(tmp_path / "x.parquet")
    res = runner.invoke(app, ["train", str(tmp_path / "x.parquet"), "--label-col", "label", "--normal",
                              "normal", "--epochs", "1", "--hidden", "4,2", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "(first: row 9)" in res.stderr and "data row" not in res.stderr, res.stderr
    bad = _flows(20)
    bad["b"] = bad["b"].map(str)
    bad.loc[6, "b"] = "oops"
    bad.to_parquet(tmp_path / "bad.parquet")
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(tmp_path / "bad.parquet"),
                              "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 2 and "found 'oops' (row 7)" in res.stderr, res.stderr


def test_read_stats_place_of_a_reader_without_lines_is_row_n() -> None:
    # what was wrong: ReadStats.place, how warnings name a row of a file without lines, said
    # 'data row 5' where at_file_rows, how errors name it, said 'row 5'
    from hourglass.cli.tables import at_file_rows
    from hourglass.errors import InputError
    from hourglass.ingest import ReadStats

    stats = ReadStats()
    assert stats.place(4) == "row 5"
    assert str(at_file_rows(InputError("data row 2: a value"), 3, stats)) == "row 5: a value"


def _k8s_lines(n: int, seed: int) -> list[dict[str, Any]]:
    from tests.test_cloud_audit_formats import _k8s_event

    rng = np.random.default_rng(seed)
    return [_k8s_event(rng, i, False) for i in range(n)]


def test_a_k8s_audit_event_a_line_is_named_by_its_line(tmp_path: Path) -> None:
    # what was wrong: the formats read as events a line that may be pages (k8s-audit, gcp-audit,
    # okta, entra-signin, cloudtrail) told no row's line, so 'hourglass score m audit.json
    # --alert-format ecs' said "column 'requestReceivedTimestamp': row 8 is not a timestamp" for
    # the event on line 9 (a blank line before it), where a malformed line is 'line N' and a
    # CSV's or plain JSON-lines file's refused value is named by its line; now 'line 9'
    train = tmp_path / "train.json"
    train.write_text("".join(json.dumps(e) + "\n" for e in _k8s_lines(200, 0)))
    res = runner.invoke(app, ["train", str(train), "--epochs", "1", "--hidden", "4,2",
                              "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    events = _k8s_lines(20, 1)
    events[7]["requestReceivedTimestamp"] = "notatime"
    lines = [json.dumps(e) for e in events]
    lines.insert(2, "")
    (tmp_path / "t.json").write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(tmp_path / "t.json"),
                              "-o", str(tmp_path / "s.jsonl"), "--alert-format", "ecs"])
    assert res.exit_code == 2, res.output
    assert "'requestReceivedTimestamp': line 9 is not a timestamp" in res.stderr, res.stderr
    assert not (tmp_path / "s.jsonl").exists()


def test_the_events_of_a_page_on_a_line_are_named_by_that_line(tmp_path: Path) -> None:
    # what was wrong: a read of a file with a page of events on a line told no row's line at all
    # (ReadStats.line_of gave None for every row); each row now has its line, a page's events
    # the page's line
    from hourglass.ingest import ReadStats
    from hourglass.ingest.formats import get_format

    ev = _k8s_lines(6, 2)
    page = {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": ev[1:4]}
    text = [json.dumps(ev[0]), "", json.dumps(page), json.dumps(ev[4]), json.dumps(ev[5])]
    (tmp_path / "a.json").write_text("\n".join(text) + "\n")
    stats = ReadStats()
    frames = list(get_format("k8s-audit").iter_chunks(tmp_path / "a.json", stats=stats))
    assert sum(len(f) for f in frames) == 6
    assert [stats.line_of(i) for i in range(6)] == [1, 3, 3, 3, 4, 5]


def test_a_parquet_row_left_out_is_named_in_the_skip_summary(tmp_path: Path) -> None:
    # what was wrong: 'hourglass score m x.parquet --on-bad-rows skip' said "skipped 1 malformed
    # row(s) in x.parquet", naming no row, where the CSV of the same rows says '(lines 8)' and the
    # same command without skip names the Parquet row ('(row 7)'); now '(rows 7)'
    from tests._cli import ab_model

    model = ab_model(tmp_path)
    bad = _flows(20).drop(columns="label")
    bad["b"] = bad["b"].map(str)
    bad.loc[6, "b"] = "oops"
    bad.to_parquet(tmp_path / "bad.parquet")
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "bad.parquet"),
                              "-o", str(tmp_path / "s.csv"), "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "skipped 1 malformed row(s) in" in res.stderr and "bad.parquet (rows 7)" in res.stderr, res.stderr
    assert pd.read_csv(tmp_path / "s.csv")["row"].tolist() == [*range(6), *range(7, 20)]


def test_an_evtx_chunk_damage_names_record_ids_and_an_unreadable_record_its_row(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # what was wrong: an .evtx file's errors said 'record N' of two numberings: "record 2:
    # unreadable" the second record read (as 'row 2' names a refused value of it), "chunk 1
    # holds records 101..105 ... record 101 is damaged" the record ids of the chunk's header (a
    # Security.evtx's ids start far from 1); now 'row N' for the place and 'record id N' for an id
    import sys
    import types

    from hourglass.errors import InputError
    from hourglass.ingest.evtx import iter_evtx
    from tests.test_review24_fuzzl24 import _evtx_with_one_chunk, _StoppingParser

    monkeypatch.setitem(sys.modules, "evtx", types.SimpleNamespace(PyEvtxParser=_StoppingParser))
    damaged = _evtx_with_one_chunk(tmp_path / "Security.evtx", 101, 105)
    with pytest.raises(InputError, match=r"chunk 1 holds record ids 101\.\.105, but only 0 of its 5 "
                                         r"could be read: record id 101 is damaged"):
        list(iter_evtx(damaged))


def test_stream_of_a_raw_log_names_the_first_line_that_matched_no_header(tmp_path: Path) -> None:
    # what was wrong: 'hourglass score m app.log' of a log model warned "1 of 102 lines matched
    # no 'hdfs' header (first: app.log: line 10); skipped", while 'hourglass stream m -i app.log'
    # of the same file only counted it ("1 matched no header format"), naming no line; its
    # summary now says "1 matched no header format (first: line 10)", in micro-batches too
    from tests.test_logs import hdfs_log

    (tmp_path / "train.log").write_text("\n".join(hdfs_log(150)) + "\n")
    res = runner.invoke(app, ["train", str(tmp_path / "train.log"), "--format", "hdfs", "--model",
                              "deeplog", "--epochs", "1", "--session-regex", r"blk_-?\d+",
                              "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    lines = hdfs_log(20, seed=3)
    lines.insert(2, "")
    lines.insert(9, "garbage line that is no hdfs record")
    (tmp_path / "t.log").write_text("\n".join(lines) + "\n")
    for batch in ("1024", "3"):
        res = runner.invoke(app, ["stream", str(tmp_path / "m"), "-i", str(tmp_path / "t.log"),
                                  "-o", str(tmp_path / f"a{batch}.jsonl"), "--batch", batch])
        assert res.exit_code == 0, res.output
        assert "1 matched no header format (first: line 10)" in res.stderr, res.stderr
