"""Review round 55 (self55c): the last three reviewers' changes (f2a98440..main) reviewed as a
pull request."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def test_sqlite_cells_holding_json_write_text_as_utf8_like_the_json_lines() -> None:
    # What was wrong: f7aad78d made the JSON lines write text as UTF-8 ('grep José' finds the
    # alerts of José), but a list or object kept in a SQLite cell ('stream --keep tags -o
    # alerts.sqlite', the service's SQLite sink) was still written with \u escapes
    # ('["Jos\u00e9"]'), where the JSON lines of the same stream hold '["José"]'. sql_value
    # now writes such text as UTF-8 too; a lone surrogate is still written as its escape.
    from hourglass.ingest.sqlite import sql_value

    assert sql_value({"user": ["José", "1.84×"]}) == '{"user": ["José", "1.84×"]}'
    assert sql_value(["a\ud800b"]) == '["a\\ud800b"]'  # (no UTF-8: its JSON escape, as json_line)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (v TEXT)")
    db.execute("INSERT INTO t VALUES (?)", (sql_value(["a\ud800b", "é"]),))
    assert db.execute("SELECT v FROM t").fetchone()[0] == '["a\\ud800b", "é"]'


def test_stream_sqlite_cell_of_a_kept_list_is_utf8(tmp_path: Path) -> None:
    # What was wrong: 'stream --keep tags -o alerts.sqlite' stored a kept JSON array as
    # '["Jos\u00e9"]' where 'stream --keep tags -o alerts.jsonl' writes ["José"] (f7aad78d):
    # the SQLite cell, JSON text too, now holds the text as it is.
    import numpy as np
    import pandas as pd

    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)}).to_csv(tmp_path / "t.csv",
                                                                                 index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "t.csv"), "--epochs", "1", "-o",
                              str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    (tmp_path / "in.jsonl").write_text('{"a": 90.0, "b": 1.0, "tags": ["José", "×"]}\n',
                                       encoding="utf-8")
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "--input", str(tmp_path / "in.jsonl"),
                              "--keep", "tags", "-o", str(tmp_path / "a.sqlite"), "-q"])
    assert res.exit_code == 0, res.output
    cell = sqlite3.connect(tmp_path / "a.sqlite").execute("SELECT tags FROM alerts").fetchone()[0]
    assert cell == '["José", "×"]', cell
