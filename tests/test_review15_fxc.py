"""explain's screen table of kept columns, stream's --keep of a nested field and its --sqlite-table
check: regression tests of defects found."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.detectors import TCNAutoEncoder
from hourglass.features.timeseries import TimeSeriesPreprocessor
from tests._cli import one_line_error, runner, small_labelled_model


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An autoencoder trained on a small labelled table."""
    return small_labelled_model(tmp_path_factory.mktemp("fxc"))


def test_explain_shows_kept_times_and_durations_as_pandas_does(kit: dict[str, Any],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # the screen table showed a kept time as numpy's '2024-01-01T00:12:00.000000' and a
    # duration as '12000000 microseconds' (the file written was right); a float column's whole
    # numbers show as integers and every missing cell as <missing>
    from hourglass.cli import _output

    # a screen wide enough for every cell whatever the terminal (a dumb or 80-column one, or a
    # width fixed by an earlier test, cut '<missing>' to '<missing…')
    monkeypatch.setattr(_output.out, "_width", 250)
    monkeypatch.setattr(_output.out, "_height", 50)
    frame = kit["frame"].assign(ts=pd.date_range("2024-01-01", periods=300, freq="min"),
                                dur=pd.to_timedelta(np.arange(300), unit="s"),
                                port=np.where(np.arange(300) % 2 == 0, np.nan, 443.0),
                                host=pd.Series("h1", index=range(300)).where(np.arange(300) % 3 != 0))
    frame.loc[0, "ts"] = pd.NaT
    frame.loc[1, "dur"] = pd.NaT
    data = kit["folder"] / "times.parquet"
    frame.to_parquet(data, index=False)
    res = runner.invoke(app, ["explain", str(kit["model"]), str(data), "--all", "--limit", "300",
                              "--keep", "ts", "--keep", "dur", "--keep", "port", "--keep", "host"],
                        env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    cells = [[c.strip() for c in ln.split("│")] for ln in res.stdout.splitlines() if ln.startswith("│")]
    table = {row[1]: row[4:8] for row in cells if row[1].isdigit()}
    assert len(table) == 300
    assert table["0"] == ["<missing>", "0 days 00:00:00", "<missing>", "<missing>"]
    assert table["1"] == ["2024-01-01 00:01:00", "<missing>", "443", "h1"]
    assert table["12"][:2] == ["2024-01-01 00:12:00", "0 days 00:00:12"]
    assert "T00:" not in res.stdout and "microseconds" not in res.stdout
    assert " nan " not in res.stdout and "NaT" not in res.stdout and "None" not in res.stdout


def test_stream_keep_of_a_nested_field_names_its_fields(kit: dict[str, Any]) -> None:
    # 'stream --keep src' of JSON lines holding "src": {"ip": ...} said only "no field 'src'",
    # where score and explain add that the data has it as a nested object read as src.ip
    data = kit["folder"] / "nested.jsonl"
    rows = kit["frame"].head(20).to_dict("records")
    data.write_text("".join(json.dumps({**r, "src": {"ip": "10.0.0.1"}}) + "\n" for r in rows))
    for extra in ([], ["--all"]):  # (the check before scoring, with or without --all)
        res = runner.invoke(app, ["stream", str(kit["model"]), "--input", str(data), "--keep", "src",
                                  "-q", *extra])
        assert res.exit_code == 2, res.output
        assert (f"--keep: no field 'src' on {data} line 1; the data has 'src' as a nested "
                "object, read as its fields (src.ip)") in res.stderr, res.stderr
    # the check of a flagged row when grouping (--group-by): every row, so some are flagged
    every = kit["folder"] / "nested_all.jsonl"
    every.write_text("".join(json.dumps({**r, "src": {"ip": "10.0.0.1"}}) + "\n"
                             for r in kit["frame"].to_dict("records")))
    res = runner.invoke(app, ["stream", str(kit["model"]), "--input", str(every), "--keep", "src",
                              "-q", "--group-by", "proto"])
    assert res.exit_code == 2, res.output
    assert re.search(r"--keep: no field 'src' on .* line \d+; the data has 'src' as a nested object, "
                     r"read as its fields \(src\.ip", res.stderr), res.stderr
    res = runner.invoke(app, ["stream", str(kit["model"]), "--input", str(data), "--keep", "host",
                              "-q", "--all"])
    assert res.exit_code == 2 and f"--keep: no field 'host' on {data} line 1\n" in res.stderr


def test_series_stream_keep_of_a_nested_field_names_its_fields(tmp_path: Path) -> None:
    # the time-series stream said only "no field 'host'" as well
    t = np.arange(60)
    frame = pd.DataFrame({"ts": (pd.Timestamp("2024-05-01") + pd.to_timedelta(t * 10, unit="s"))
                          .strftime("%Y-%m-%dT%H:%M:%S"), "cpu": 50 + 20 * np.sin(t / 6)})
    model = tmp_path / "series"
    Pipeline(TCNAutoEncoder(window=4, channels=(4,), epochs=1, verbose=0, random_state=0),
             features=TimeSeriesPreprocessor("ts")).fit(frame).save(model)
    data = tmp_path / "steps.jsonl"
    data.write_text("".join(json.dumps({**r, "host": {"name": "h1"}}) + "\n"
                            for r in frame.head(10).to_dict("records")))
    one_line_error(["stream", str(model), "--input", str(data), "--keep", "host", "-q"],
                   f"--keep: no field 'host' on {data} line 1; the data has 'host' as a nested "
                   "object, read as its fields (host.name)")


def test_stream_refuses_a_typed_sqlite_table_without_a_sqlite_output(kit: dict[str, Any]) -> None:
    # '--sqlite-table alerts' (its default, typed) with a JSON-lines --output was silently
    # ignored, where any other table name is refused
    data = kit["folder"] / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in kit["frame"].head(10).to_dict("records")))
    out = kit["folder"] / "alerts.jsonl"
    one_line_error(["stream", str(kit["model"]), "--input", str(data), "-o", str(out),
                    "--sqlite-table", "alerts"], "--sqlite-table: only for a SQLite --output", out)
    db = kit["folder"] / "alerts.sqlite"
    res = runner.invoke(app, ["stream", str(kit["model"]), "--input", str(data), "-o", str(db),
                              "--sqlite-table", "alerts", "-q"])
    assert res.exit_code == 0, res.output
    assert db.exists()
