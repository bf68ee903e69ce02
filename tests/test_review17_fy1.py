"""Regression tests: the repeated-header check of a CSV of text columns alone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from hourglass.ingest.tables import ReadStats, _header_mask, _header_spellings, iter_table


def test_header_check_of_a_text_table_trims_only_candidate_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    # a table of text alone checks every batch for a repeated header: each value of a column
    # whose values hold its name ('user42' under 'user') was trimmed and compared, which made
    # reading such a CSV about half again as slow; only rows that hold every name are now
    n = 5000
    batch = pa.RecordBatch.from_pydict({
        "user": [f"user{i}" for i in range(n)] + [" user"],
        "action": ["login" if i % 2 else "logout" for i in range(n)] + ["action "]})
    headers = _header_spellings(["user", "action"])
    trimmed: list[int] = []
    trim = pc.utf8_trim_whitespace

    def counting(col: pa.Array, *args: object, **kwargs: object) -> pa.Array:
        trimmed.append(len(col))
        return trim(col, *args, **kwargs)

    monkeypatch.setattr(pc, "utf8_trim_whitespace", counting)
    mask = _header_mask(batch, headers)
    assert mask.tolist() == [False] * n + [True]  # the header row found all the same
    assert sum(trimmed) <= 2  # its two cells, not the 5,001 values of each column


@pytest.mark.parametrize("mode", ["error", "skip"])
def test_text_table_repeated_header_still_dropped(tmp_path: Path, mode: str) -> None:
    # the cheaper check finds the same header rows: with a byte-order mark, blanks, an empty
    # header cell, and rows that hold the names without being them
    rows = "".join(f"user{i},x{i},{'login' if i % 2 else 'action' + str(i)}\n" for i in range(300))
    part = "user,,action\n" + rows
    p = tmp_path / "t.csv"
    p.write_text(part + "\ufeffuser ,, action\n" + part[len("user,,action\n"):] + "user,,actions\n")
    stats = ReadStats()
    df = pd.concat(iter_table(p, fmt="csv", on_bad_rows=mode, stats=stats, chunk_bytes=1024))
    assert len(df) == 601 and stats.bad_rows == 1 and stats.bad_lines == [302]
    assert df["action"].iloc[-1] == "actions" and "user " not in set(df["user"])


def test_log_alerts_sqlite_keeps_calibrated_and_severity_in_doc(tmp_path: Path) -> None:
    # a log model's JSON alerts carry calibrated and severity; its SQLite table keeps its
    # columns (tables written before take appends) and has them in 'doc' only, as the README
    # and 'score --help' say (they said the alerts were flattened as the JSONL has them)
    import json
    import re
    import sqlite3

    import numpy as np

    from hourglass.cli import app
    from tests._cli import runner

    rng = np.random.default_rng(0)
    normal = [[1, 2, 3, 4, 5] * int(rng.integers(1, 3)) + [6] for _ in range(120)]
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    train.write_text("".join(" ".join(map(str, s)) + "\n" for s in normal))
    test.write_text("".join(" ".join(map(str, s)) + "\n" for s in [*normal[:4], [1, 2, 9, 4, 5, 6]]))
    res = runner.invoke(app, ["train", str(train), "-o", str(tmp_path / "m"), "--model", "deeplog",
                              "--format", "keys", "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "a.sqlite"
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(test), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    with sqlite3.connect(tmp_path / "a.sqlite") as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(alerts)")]
        docs = [json.loads(d) for (d,) in db.execute("SELECT doc FROM alerts")]
    assert docs and "severity" not in columns and "calibrated" not in columns
    assert all({"calibrated", "severity"} <= set(d) for d in docs)
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert "its `calibrated`\n  and `severity` in `doc` only" in readme
    res = runner.invoke(app, ["score", "--help"], terminal_width=200)
    assert re.search(r"calibrated\s+and\s+severity\s+there\s+only", res.output)
