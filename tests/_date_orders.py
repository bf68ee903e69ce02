"""Entity rows whose dates disagree on their order (data row 10 month first, data row 100 day
first), the error line a command stops with, and the check that it names those rows as the file's
data rows, or says they are not known where a skipped row may come before them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner

LABELS = ["--label-col", "label", "--normal", "normal"]
ENTITY = ["--entity-col", "host", "--timestamp-col", "ts", "--bucket", "5min"]
UNKNOWN = "a row whose data row is not known"
DAY = "('13/01/2024 01:39')"
MONTH = "('01/13/2024 00:09')"


def error_line(args: list[str]) -> str:
    """The one error line of ``hourglass ARGS`` (exit code 2, no traceback)."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.stderr, res.stderr
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip().startswith("error:")]
    assert len(lines) == 1, res.stderr
    return lines[0]


def mixed_orders(path: Path, skip_at: int | None, n: int = 240) -> Path:
    """Entity rows whose data row 10 puts the month first and data row 100 the day first; data
    row ``skip_at`` (if any) has no readable time (skipped)."""
    rng = np.random.default_rng(0)
    ts = pd.date_range("2024-01-01", periods=n, freq="1min").strftime("%m/%d/%Y %H:%M").tolist()
    ts[9], ts[99] = "01/13/2024 00:09", "13/01/2024 01:39"
    if skip_at is not None:
        ts[skip_at - 1] = "not a time"
    pd.DataFrame({"host": rng.choice(["h1", "h2", "h3"], n), "a": rng.normal(size=n).round(3),
                  "label": "normal", "ts": ts}).to_csv(path, index=False)
    return path


def check_rows(line: str, skip_at: int | None) -> None:
    """Data rows 10 and 100 told by their lines (11, 101: the header before them) unless a
    skipped row comes before them; never a position among the rows kept (row 9, row 99)."""
    assert "puts the day first" in line, line
    assert "row 9 " not in line and "row 99 " not in line, line
    assert (f"line 11 {MONTH}" in line) == (skip_at is None or skip_at > 10), line
    assert (f"line 101 {DAY}" in line) == (skip_at is None or skip_at > 100), line
    assert (UNKNOWN in line) == (skip_at is not None and skip_at <= 100), line


def iso_entity_model(d: Path) -> Path:
    """Train ``d / "E"``, an entity-bucket model with a label column, on ISO 8601 times written to
    ``d / "iso.csv"`` (it keeps no date order)."""
    rng = np.random.default_rng(1)
    n = 240
    pd.DataFrame({"host": rng.choice(["h1", "h2", "h3"], n), "a": rng.normal(size=n).round(3),
                  "label": "normal", "ts": pd.date_range("2024-01-01", periods=n, freq="1min")
                  .strftime("%Y-%m-%d %H:%M:%S")}).to_csv(d / "iso.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "iso.csv"), *ENTITY, *LABELS, "-o", str(d / "E"),
                              "--epochs", "1", "--hidden", "8,4", "-q"])
    assert res.exit_code == 0, res.output
    return d / "E"
