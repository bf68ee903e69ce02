"""Review 29 (card 29): high-cardinality and wide tables. Each test is one defect fixed."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.features.tabular import TabularPreprocessor
from tests._cli import runner


def _ids(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"bytes": rng.lognormal(5, 1, n).round(1),
                         "event_id": np.arange(10_000, 10_000 + n),  # an id, every value distinct
                         "EventRecordID": rng.permutation(10 * n)[:n],
                         "user_id": rng.integers(0, 5, n),  # few distinct: a code, not an id
                         "valid": rng.permutation(n)})  # ends in 'id', is no identifier


def test_numeric_identifier_is_warned_about_and_keeps_its_role(caplog: pytest.LogCaptureFixture) -> None:
    # a numeric column named as an identifier with every value distinct (event_id, a record
    # number) was learnt as a number without a word: later ids lie past the training scale, so
    # every later row scores as an anomaly. Now a warning names it (its role is unchanged)
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pre = TabularPreprocessor().fit(_ids())
    said = [r.getMessage() for r in caplog.records if "reads as an identifier" in r.getMessage()]
    assert len(said) == 2, said
    assert "'event_id'" in said[0] and "200 distinct whole numbers of 200" in said[0]
    assert "'EventRecordID'" in said[1]
    assert {"event_id", "EventRecordID", "valid"} <= set(pre.numeric_)  # kept: scores unchanged
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hourglass"):  # a role given: quiet
        TabularPreprocessor(roles={"event_id": "numeric", "EventRecordID": "numeric"}).fit(_ids())
    assert not [r for r in caplog.records if "identifier" in r.getMessage()]


def test_cli_identifier_warning_names_the_options(tmp_path: Path) -> None:
    # (the same warning through inspect: its advice in the CLI's options, not the library's)
    data = tmp_path / "ids.csv"
    _ids().to_csv(data, index=False)
    res = runner.invoke(app, ["inspect", str(data)])
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.stderr.splitlines() if "'event_id'" in ln)
    assert "--drop COLUMN" in line and "--role COLUMN=numeric" in line and "drop=[" not in line
    res = runner.invoke(app, ["inspect", str(data), "--drop", "event_id", "--drop", "EventRecordID"])
    assert res.exit_code == 0 and "identifier" not in res.stderr


def test_inspect_of_a_wide_table_stays_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # inspect printed one table line per column: 3,000 numeric columns were 3,000 lines on the
    # terminal. There, over 100 columns, the columns alike (dtype, role, reason, encoding) share
    # a row; piped (| grep) or --json, each column is listed still
    from rich.console import Console

    from hourglass.cli import info

    piped = info.table_console
    monkeypatch.setattr(info, "table_console", lambda: Console(force_terminal=True, color_system=None,
                                                               width=200))
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(60, 300)).round(3), columns=[f"f{i}" for i in range(300)])
    df["proto"] = rng.choice(["tcp", "udp"], 60)
    data, js = tmp_path / "wide.csv", tmp_path / "s.json"
    df.to_csv(data, index=False)
    res = runner.invoke(app, ["inspect", str(data), "--json", str(js)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert len(lines) < 15, res.stdout
    assert "f0, f1, f2 ... (300 columns)" in res.stdout and "proto" in res.stdout
    assert "301 columns: those of one dtype, role and encoding shown as one row" in res.stdout
    assert len(json.loads(js.read_text())["columns"]) == 301
    monkeypatch.setattr(info, "table_console", piped)  # piped: a line a column, as before
    res = runner.invoke(app, ["inspect", str(data)])
    assert res.exit_code == 0 and "f299 " in res.stdout and "shown as one row" not in res.stdout
    monkeypatch.setattr(info, "table_console", lambda: Console(force_terminal=True, color_system=None,
                                                               width=200))
    small = tmp_path / "narrow.csv"  # a narrow table: a line a column, as before
    df.iloc[:, :5].to_csv(small, index=False)
    res = runner.invoke(app, ["inspect", str(small)], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "f4 " in res.stdout and "shown as one row" not in res.stdout


def test_inspect_says_a_cut_preview_may_give_text_columns_another_role(tmp_path: Path) -> None:
    # inspect reads the first --rows rows (100,000 by default), train every row: a user column
    # near-unique in the preview (dropped) was hashed by train, and inspect, which promises the
    # features train builds, said nothing of it. Now a line names the text columns it counted
    rng = np.random.default_rng(2)
    users = [f"u{i}" for i in range(100)] + [f"u{i % 10}" for i in range(200)]
    data = tmp_path / "t.csv"
    pd.DataFrame({"bytes": rng.normal(size=300).round(3), "user": users}).to_csv(data, index=False)
    res = runner.invoke(app, ["inspect", str(data), "--rows", "100"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "near-unique" in res.stdout
    assert "only the first 100 rows (--rows) of a longer file" in res.stdout and "(user)" in res.stdout
    res = runner.invoke(app, ["inspect", str(data)], env={"COLUMNS": "200"})  # all of it: as train
    assert res.exit_code == 0 and "hashed into 16 buckets" in res.stdout and "--rows" not in res.stdout


def test_an_id_column_of_numbers_as_text_with_a_placeholder_fits_and_is_warned_about(caplog) -> None:
    # What was wrong: the identifier check read the raw column again as float64, so numbers
    # stored as text with a '-' placeholder (accepted by the fit: '-' is missing) stopped the
    # fit with a bare "could not convert string to float: '-'"
    import logging

    import numpy as np
    import pandas as pd

    from hourglass.features import TabularPreprocessor

    ids = [str(100 + i) for i in range(200)]
    ids[3] = "-"
    df = pd.DataFrame({"event_id": ids, "bytes": np.arange(200.0) % 17})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        pre = TabularPreprocessor().fit(df)
    assert "event_id" in pre.numeric_
    assert any("event_id" in r.getMessage() and "identifier" in r.getMessage() for r in caplog.records)
