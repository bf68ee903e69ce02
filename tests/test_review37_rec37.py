"""Bad records are named by the same place on every path: a Parquet row (no lines) by ``row N``
in errors and warnings alike; line formats by their physical line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

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
