"""Review 27 (inv1): the same table rows given in other forms, orders and chunk splits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.ingest.tables import iter_table
from tests._cli import runner


def _rows(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=n).round(4), "y": rng.normal(size=n).round(4),
                       "opt": rng.integers(1, 9, n).astype(float),
                       "ok": (rng.random(n) < 0.5).astype(object)})
    df.loc[: n // 2, ["opt", "ok"]] = None  # empty through the first chunks, values after
    return df


def test_csv_column_empty_in_the_first_block_reads_as_numbers_after_it(tmp_path: Path) -> None:
    # A CSV column without a value in the first block (pyarrow's type inference) was read as
    # text for the rest of the file: its later numbers came out as the strings '6.0' ... (its
    # booleans as 'True') where a file whose first block has them reads numbers (the same
    # rows, a bigger --chunk-mb);
    # the values of a later block that are numbers (or true/false) make it a number (boolean)
    # column from there on.
    path = tmp_path / "rows.csv"
    _rows().to_csv(path, index=False)
    whole = pd.concat(iter_table(path, fmt="csv"), ignore_index=True)
    parts = list(iter_table(path, fmt="csv", chunk_bytes=1024))
    assert len(parts) > 3 and parts[0]["opt"].isna().all()
    split = pd.concat(parts, ignore_index=True)
    assert pd.api.types.is_float_dtype(whole["opt"]) and pd.api.types.is_float_dtype(parts[-1]["opt"])
    assert split["opt"].astype(float).equals(whole["opt"])
    def flags(col: pd.Series) -> list[object]:
        return [None if pd.isna(v) else v for v in col]
    assert flags(split["ok"]) == flags(whole["ok"]) and parts[-1]["ok"].iloc[-1] in (True, False)


def test_csv_late_numbers_column_turns_to_text_at_a_word_without_stopping(tmp_path: Path) -> None:
    # (a guard of the fix above, which passes without it) A column empty in the first block,
    # read as numbers once a later block has them: a word further on makes it text from there
    # on (as the whole column was read before), not a malformed row, even for a column the
    # caller reads (used=)
    df = _rows().astype({"opt": object})
    df.loc[380, "opt"] = "n/a-ish"
    path = tmp_path / "rows.csv"
    df.to_csv(path, index=False)
    split = pd.concat(iter_table(path, fmt="csv", chunk_bytes=1024, used={"x", "y", "opt"}),
                      ignore_index=True)
    assert len(split) == 400 and split["opt"].iloc[380] == "n/a-ish"


def test_score_keep_of_a_column_empty_in_the_first_chunk_is_the_same_at_any_chunk_size(
        tmp_path: Path) -> None:
    # `score --keep opt -o out.jsonl` wrote "opt": "6.0" (text) for the rows after a first
    # chunk without a value of opt when the file was read in small chunks (--chunk-mb 0.001),
    # and "opt": 6 when read whole; JSON lines of the same rows wrote 6 either way
    from hourglass.cli import app

    df = _rows()
    train = tmp_path / "train.csv"
    df.fillna({"opt": 4.0}).to_csv(train, index=False)
    model = tmp_path / "model"
    res = runner.invoke(app, ["--threads", "1", "train", str(train), "-o", str(model),
                              "--epochs", "1", "--quiet"])
    assert res.exit_code == 0, res.output
    data = tmp_path / "new.csv"
    df.to_csv(data, index=False)
    kept = {}
    for mb in ("16", "0.001"):
        out = tmp_path / f"out{mb}.jsonl"
        res = runner.invoke(app, ["--threads", "1", "score", str(model), str(data), "-o", str(out),
                                  "--keep", "opt", "--chunk-mb", mb, "--quiet"])
        assert res.exit_code == 0, res.output
        kept[mb] = [json.loads(line)["opt"] for line in out.read_text().splitlines()]
    assert kept["16"] == kept["0.001"]
    assert kept["16"][-1] == int(df["opt"].iloc[-1])


def test_parquet_output_column_empty_in_the_first_chunk_takes_the_later_values_type(
        tmp_path: Path) -> None:
    # An output column without a value in the first chunk written (a --keep field no row of the
    # first --chunk-mb has) was fixed as text: its later numbers went into the Parquet file as
    # the strings '6', where the same rows in one chunk wrote a double column; the file written
    # so far is now copied under the type of the first chunk with values (a CSV goes on under
    # its header, the numbers unquoted)
    from hourglass.ingest.writers import chunk_writer

    first = pd.DataFrame({"row": [0, 1], "opt": [None, None]})
    later = pd.DataFrame({"row": [2, 3], "opt": [6.0, 7.5]})
    for name in ("out.parquet", "out.csv"):
        target = tmp_path / name
        with chunk_writer(target) as w:
            w.write(first)
            w.write(later)
            w.write(first.assign(row=[4, 5]))
        back = (pd.read_parquet(target) if name.endswith(".parquet")
                else pd.read_csv(target))
        assert back["row"].tolist() == [0, 1, 2, 3, 4, 5]
        assert pd.api.types.is_float_dtype(back["opt"]), back.dtypes
        assert back["opt"].iloc[2:4].tolist() == [6.0, 7.5]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.parquet"]
    assert '2,6\n' in (tmp_path / "out.csv").read_text()


def test_score_is_the_same_for_the_same_rows_in_every_table_form(tmp_path: Path) -> None:
    # (a pin of an equality, no defect found) The same rows as CSV, gzip CSV, TSV, JSON lines,
    # Parquet, with the columns in another order and an extra column, without the label, score
    # alike: the same scores bit for bit (one thread, the same batch), flags and row numbers; rows
    # in another order get their own scores (to float32 rounding)
    from hourglass.cli import app

    rng = np.random.default_rng(1)
    n = 300
    df = pd.DataFrame({"bytes": rng.integers(40, 5000, n), "dur": rng.exponential(2.0, n).round(3),
                       "proto": rng.choice(["tcp", "udp", "icmp"], n),
                       "code": rng.choice(["007", "010", "1.10"], n),
                       "opt": np.where(rng.random(n) < 0.2, np.nan, rng.normal(5, 1, n).round(2)),
                       "label": rng.choice(["normal", "attack"], n, p=[0.9, 0.1])})
    train = tmp_path / "train.csv"
    df.to_csv(train, index=False)
    model = tmp_path / "model"
    res = runner.invoke(app, ["--threads", "1", "train", str(train), "--label-col", "label",
                              "--normal", "normal", "--categorical", "code", "-o", str(model),
                              "--epochs", "1", "--quiet"])
    assert res.exit_code == 0, res.output
    forms = {"csv": train, "csv.gz": tmp_path / "rows.csv.gz", "tsv": tmp_path / "rows.tsv",
             "jsonl": tmp_path / "rows.jsonl", "parquet": tmp_path / "rows.parquet",
             "moved": tmp_path / "moved.csv", "unlabelled": tmp_path / "unlabelled.csv",
             "reversed": tmp_path / "reversed.csv"}
    df.to_csv(forms["csv.gz"], index=False)
    df.to_csv(forms["tsv"], sep="\t", index=False)
    df.to_json(forms["jsonl"], orient="records", lines=True)
    df.to_parquet(forms["parquet"], index=False)
    df[df.columns[::-1]].assign(extra="x").to_csv(forms["moved"], index=False)
    df.drop(columns=["label"]).to_csv(forms["unlabelled"], index=False)
    df.iloc[::-1].to_csv(forms["reversed"], index=False)
    scored = {}
    for name, path in forms.items():
        out = tmp_path / f"out-{name}.csv"
        res = runner.invoke(app, ["--threads", "1", "score", str(model), str(path), "-o", str(out),
                                  "--quiet"])
        assert res.exit_code == 0, (name, res.output)
        scored[name] = pd.read_csv(out)
    base = scored.pop("csv")
    back = scored.pop("reversed")
    assert back["row"].tolist() == list(range(n))
    np.testing.assert_allclose(back["score"].to_numpy()[::-1], base["score"].to_numpy(), rtol=1e-5)
    for name, out in scored.items():
        assert out.equals(base), name
