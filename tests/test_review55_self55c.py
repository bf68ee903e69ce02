"""Review round 55 (self55c): the last three reviewers' changes (f2a98440..main) reviewed as a
pull request."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd


def _table_model(tmp_path: Path) -> np.random.Generator:
    """A table model ``tmp_path/m`` trained for one epoch on ``tmp_path/t.csv`` (200 rows of two
    normal columns); the generator that drew them, for more rows."""
    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)}).to_csv(tmp_path / "t.csv",
                                                                                 index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "t.csv"), "--epochs", "1", "-o",
                              str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return rng


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

    from hourglass.cli import app
    from tests._cli import runner

    _table_model(tmp_path)
    (tmp_path / "in.jsonl").write_text('{"a": 90.0, "b": 1.0, "tags": ["José", "×"]}\n',
                                       encoding="utf-8")
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "--input", str(tmp_path / "in.jsonl"),
                              "--keep", "tags", "-o", str(tmp_path / "a.sqlite"), "-q"])
    assert res.exit_code == 0, res.output
    cell = sqlite3.connect(tmp_path / "a.sqlite").execute("SELECT tags FROM alerts").fetchone()[0]
    assert cell == '["José", "×"]', cell


def test_warm_start_of_an_entity_model_refuses_memory_budget_as_not_used_whatever_its_value(
        tmp_path: Path) -> None:
    # What was wrong: 173f0cd1 checked --memory-budget/--sample-rows values once a time-series
    # or log parent had refused them, but not an entity parent's: 'train --warm-start ENTITY
    # --memory-budget -1' said '--memory-budget: must be > 0, got -1.0', and the user who fixed
    # it ('--memory-budget 5') was refused again with 'not used by entity models'. An entity
    # parent's are now refused as not used whatever their value; a table parent's bad value is
    # still 'must be > 0'.
    import numpy as np
    import pandas as pd

    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    rng = np.random.default_rng(0)
    n = 600
    flows = tmp_path / "flows.csv"
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="20s").astype(str),
                  "src_ip": [f"10.0.0.{i % 4}" for i in range(n)],
                  "bytes": rng.integers(1, 999, n)}).to_csv(flows, index=False)
    res = runner.invoke(app, ["train", str(flows), "--entity-col", "src_ip", "--timestamp-col", "ts",
                              "--bucket", "5min", "--epochs", "1", "-o", str(tmp_path / "e"), "-q"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "w"
    for option, value in (("--memory-budget", "-1"), ("--memory-budget", "5"), ("--sample-rows", "0"),
                          ("--sample-rows", "50")):
        one_line_error(["train", str(flows), "--warm-start", str(tmp_path / "e"), "-o", str(out),
                        option, value], f"{option}: not used by entity models (autoencoder)", out)
    table = tmp_path / "t.csv"  # a table parent: used, and a bad value refused so
    pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)}).to_csv(table, index=False)
    res = runner.invoke(app, ["train", str(table), "--epochs", "1", "-o", str(tmp_path / "t"), "-q"])
    assert res.exit_code == 0, res.output
    one_line_error(["train", str(table), "--warm-start", str(tmp_path / "t"), "-o", str(out),
                    "--memory-budget", "-1"], "--memory-budget: must be > 0", out)


def test_stream_idle_timeout_of_a_kind_that_takes_none_is_refused_as_not_used(tmp_path: Path) -> None:
    # What was wrong: 'stream' of a table model without --group-by (or of a time-series model)
    # refused '--idle-timeout 0' with 'must be a finite number of seconds > 0', and the value
    # the user then fixed ('--idle-timeout 5') with 'not used by table models ... leave it out'
    # (series: 'not for time-series models'): refused twice, the rule 4acc4840 and 9d2c42a0
    # applied to --chunk-mb, --events-per-day, --memory-budget and --sample-rows. The value is
    # now checked once the model's kind has not refused the option; a kind that takes it (a
    # grouped table stream, an entity model) still refuses a bad value.

    from tests._cli import one_line_error

    _table_model(tmp_path)
    rows = tmp_path / "in.jsonl"
    rows.write_text('{"a": 1.0, "b": 2.0, "ip": "10.0.0.1"}\n', encoding="utf-8")
    out = tmp_path / "alerts.jsonl"
    base = ["stream", str(tmp_path / "m"), "--input", str(rows), "-o", str(out)]
    for value in ("0", "inf", "5"):
        one_line_error([*base, "--idle-timeout", value], "--idle-timeout: not used by table models", out)
    one_line_error([*base, "--group-by", "ip", "--idle-timeout", "0"],
                   "--idle-timeout: must be a finite number of seconds > 0", out)


def test_weights_file_cut_inside_its_header_is_refused_as_incomplete_not_as_no_safetensors(
        tmp_path: Path) -> None:
    # What was wrong: 18d6a24d said 'a shorter (truncated) file is read and refused by the hash
    # check as before', but a weights.safetensors cut inside its header (a small model's header
    # is most of the file: an interrupted copy, a full disk) was refused as 'corrupt (200 bytes,
    # not a safetensors file: its header is unreadable)', a file hourglass saved called no
    # safetensors file. A file shorter than its header says is now read (it is no larger than
    # the header's length, itself bounded) and refused by the hash check as incomplete, as one
    # cut in its data is; a file larger than its header describes is still refused unread.
    import numpy as np
    import pandas as pd
    import pytest

    from hourglass import AutoEncoder, Pipeline, load
    from hourglass.errors import ArtefactError

    df = pd.DataFrame(np.random.default_rng(0).normal(size=(60, 3)), columns=["a", "b", "c"])
    model = tmp_path / "m"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df).save(model)
    weights = model / "weights.safetensors"
    whole = weights.read_bytes()
    header = 8 + int.from_bytes(whole[:8], "little")
    for size in (20, header - 1, header + 1, len(whole) - 1):
        weights.write_bytes(whole[:size])
        with pytest.raises(ArtefactError, match=r"content hash mismatch; the artefact was modified or "
                                                r"is incomplete"):
            load(model)
    weights.write_bytes(whole + bytes(16))
    with pytest.raises(ArtefactError, match=r"corrupt \(16 bytes more than its safetensors header"):
        load(model)


def test_warm_start_with_replay_checks_new_rows_on_their_own(tmp_path: Path) -> None:
    # What was wrong: 'train NEW --warm-start M --replay-data OLD' of a table model joined NEW's
    # rows with OLD's before the frozen-scale check, so that OLD's rows were counted among 'the
    # new rows' ('warm start: 50 of the 100 new rows left out', of 50 NEW rows), and a NEW whose
    # every row the frozen scale cannot read (Infinity) was not refused as it is without
    # --replay-data: the model trained on OLD's rows alone and was saved as 'continued ... 50 of
    # NEW + 50 replayed'. NEW's rows are now checked on their own first: every one unreadable is
    # refused, naming NEW; some are left out as 'N of the M new rows', counted in
    # info.warm_start.rows_beyond_scale as before.
    import json
    import logging

    import pandas as pd
    import pytest

    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    rng = _table_model(tmp_path)
    old = tmp_path / "old.csv"
    pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)}).to_csv(old, index=False)
    bad = tmp_path / "new_bad.csv"
    pd.DataFrame({"a": ["Infinity"] * 40, "b": [1.0] * 40}).to_csv(bad, index=False)
    out = tmp_path / "w"
    one_line_error(["train", str(bad), "--warm-start", str(tmp_path / "m"), "--replay-data", str(old),
                    "-o", str(out), "--epochs", "1"], "every one of the 40 new rows holds a value", out)
    new = tmp_path / "new.csv"
    a = rng.normal(size=40).astype(object)
    a[3] = "Infinity"
    pd.DataFrame({"a": a, "b": rng.normal(size=40)}).to_csv(new, index=False)
    with pytest.MonkeyPatch.context() as mp:
        said: list[str] = []
        mp.setattr(logging.getLogger("hourglass"), "warning",
                   lambda msg, *args: said.append(msg % args))
        res = runner.invoke(app, ["train", str(new), "--warm-start", str(tmp_path / "m"),
                                  "--replay-data", str(old), "-o", str(out), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert any("1 of the 40 new rows left out" in s for s in said), said
    ws = json.loads((out / "config.json").read_text())["info"]["warm_start"]
    assert ws["rows_beyond_scale"] == {"rows": 1, "columns": ["a"]}
    assert ws["rows"] == 39 + ws["replay"]["rows"] and ws["replay"]["rows"] == 40
    res = runner.invoke(app, ["train", str(new), "--warm-start", str(tmp_path / "m"), "--replay-data",
                              str(old), "-o", str(tmp_path / "w2"), "--epochs", "1"])
    assert res.exit_code == 0 and f": 39 of {new} + 40 replayed" in res.stderr, res.stderr
