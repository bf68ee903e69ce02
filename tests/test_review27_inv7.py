"""Review 27, output forms of the same results: one scoring written as CSV, TSV, JSON lines,
Parquet and SQLite (and streamed) holds the same rows, scores and texts in every form."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from hourglass.ingest.readers import json_lines, write_table
from hourglass.ingest.writers import chunk_writer

from ._cli import runner


def _times() -> pd.DataFrame:
    return pd.DataFrame({
        "row": [0, 1, 2],
        "ts": pd.to_datetime(["2024-03-10 00:00:00", "2024-03-10 00:00:37.25", None], format="ISO8601"),
        "utc": pd.to_datetime(["2024-03-10T00:00:00Z", "2024-03-10T01:00:00Z", None]),
        "score": [0.1646905541419983, 224.6021728515625, 1e-9],
    })


def _json_texts(df: pd.DataFrame) -> list[dict[str, object]]:
    return [json.loads(line) for line in json_lines(df).splitlines()]


def test_chunk_writer_csv_writes_times_as_json_lines_and_sqlite_do(tmp_path: Path) -> None:
    # what was wrong: `score -o x.csv` (Arrow's CSV writer) wrote a kept time column as
    # '2024-03-10 00:00:00.000000' ('...Z' with an offset) where `-o x.jsonl` and `-o x.sqlite`
    # of the same scoring wrote '2024-03-10T00:00:00' ('+00:00'): one result, two texts
    df = _times()
    want = _json_texts(df)
    for ext, sep in (("csv", ","), ("tsv", "\t"), ("csv.gz", ",")):
        out = tmp_path / f"o.{ext}"
        with chunk_writer(out) as w:
            w.write(df.iloc[:2])
            w.write(df.iloc[2:])
        got = pd.read_csv(out, sep=sep, dtype=str, keep_default_na=False)
        assert got["ts"].tolist() == [r["ts"] or "" for r in want], ext
        assert got["utc"].tolist() == [r["utc"] or "" for r in want], ext
        assert got["ts"].tolist()[:2] == ["2024-03-10T00:00:00", "2024-03-10T00:00:37.250000"]
        assert got["utc"].tolist()[:2] == ["2024-03-10T00:00:00+00:00", "2024-03-10T01:00:00+00:00"]
        assert [float(s) for s in got["score"]] == df["score"].tolist()  # floats exact
    with chunk_writer(tmp_path / "o.sqlite") as w:
        w.write(df)
    with sqlite3.connect(tmp_path / "o.sqlite") as con:
        rows = con.execute("SELECT ts, utc, score FROM alerts ORDER BY row").fetchall()
    assert [list(r) for r in rows] == [[r["ts"], r["utc"], r["score"]] for r in want]
    with chunk_writer(tmp_path / "o.parquet") as w:  # Parquet keeps the times typed
        w.write(df)
    assert pd.read_parquet(tmp_path / "o.parquet")["utc"].equals(df["utc"])


def test_write_table_csv_writes_times_as_its_json_lines(tmp_path: Path) -> None:
    # what was wrong: a time-series model's `score -o x.csv` (pandas' writer) wrote its time
    # column '2024-05-01 04:10:00+00:00' where its `.jsonl` wrote '2024-05-01T04:10:00+00:00'
    df = _times()
    want = _json_texts(df)
    write_table(df, tmp_path / "s.csv")
    got = pd.read_csv(tmp_path / "s.csv", dtype=str, keep_default_na=False)
    assert got["ts"].tolist() == [r["ts"] or "" for r in want]
    assert got["utc"].tolist() == [r["utc"] or "" for r in want]


def test_score_forms_and_stream_all_hold_the_same_rows(tmp_path: Path) -> None:
    # pins the promise that one scoring is the same rows, scores, severities and kept texts
    # (commas, quotes, a line break, non-ASCII) in every output form and in `stream --all`;
    # the kept time column differed in the CSV forms before the fix above
    rng = np.random.default_rng(0)
    n = 120
    train = pd.DataFrame({
        "ts": pd.date_range("2024-03-10", periods=n, freq="37s").strftime("%Y-%m-%dT%H:%M:%S"),
        "src_ip": [f"10.0.0.{i % 5}" for i in range(n)], "proto": rng.choice(["tcp", "udp"], n),
        "bytes": rng.normal(100, 10, n).round(3), "dur": rng.normal(1, 0.1, n).round(4)})
    train.to_csv(tmp_path / "train.csv", index=False)
    new = train.iloc[:12].copy()
    new.loc[[3, 7], "bytes"] = [900.0, 5000.0]
    new["note"] = ["plain"] * 12
    new.loc[3, "note"], new.loc[7, "note"] = 'comma, "quoted"\nnext line', "naïve café 日本"
    new.to_csv(tmp_path / "new.csv", index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["--threads", "1", "train", str(tmp_path / "train.csv"), "--timestamp-col",
                              "ts", "--epochs", "1", "--hidden", "4,2", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    keep = ["--keep", "note", "--keep", "src_ip", "--keep", "ts"]
    forms = {}
    for ext in ("jsonl", "csv", "tsv", "csv.gz", "sqlite", "parquet"):
        out = tmp_path / f"s.{ext}"
        res = runner.invoke(app, ["--threads", "1", "score", str(model), str(tmp_path / "new.csv"),
                                  "-o", str(out), "-q", *keep])
        assert res.exit_code == 0, res.output
        forms[ext] = out
    base = pd.read_json(forms["jsonl"], lines=True, dtype=False, convert_dates=False)
    assert base["row"].tolist() == list(range(12)) and base["flag"].iloc[[3, 7]].tolist() == [1, 1]
    for ext in ("csv", "tsv", "csv.gz"):
        got = pd.read_csv(forms[ext], sep="\t" if ext == "tsv" else ",", keep_default_na=False)
        pd.testing.assert_frame_equal(got, base, check_dtype=False, obj=ext)
    with sqlite3.connect(forms["sqlite"]) as con:
        got = pd.read_sql("SELECT * FROM alerts", con)
    pd.testing.assert_frame_equal(got, base, check_dtype=False, obj="sqlite")
    got = pd.read_parquet(forms["parquet"])
    got["ts"] = [t.isoformat() for t in got["ts"]]
    pd.testing.assert_frame_equal(got, base, check_dtype=False, obj="parquet")
    lines = new.to_json(orient="records", lines=True, force_ascii=False)
    res = runner.invoke(app, ["--threads", "1", "stream", str(model), "--all", *keep], input=lines)
    assert res.exit_code == 0, res.output
    streamed = pd.DataFrame([json.loads(x) for x in res.stdout.splitlines() if x.strip()])
    pd.testing.assert_frame_equal(streamed[list(base.columns)], base, check_dtype=False, obj="stream")
