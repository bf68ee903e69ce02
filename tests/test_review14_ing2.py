"""Regression tests: identity and cloud-audit JSON formats (Okta, Entra, Kubernetes, GCP), the
SQLite outputs and the ECS mapping of alerts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from hourglass.ingest.writers import chunk_writer


def test_sqlite_output_writes_a_duration_as_the_csv_does(tmp_path: Path) -> None:
    df = pd.DataFrame({"row": [0, 1], "took": pd.to_timedelta(["90s", None])})
    for name in ("o.csv", "o.sqlite"):
        with chunk_writer(tmp_path / name) as writer:
            writer.write(df)
    csv = pd.read_csv(tmp_path / "o.csv")["took"].tolist()
    rows = sqlite3.connect(tmp_path / "o.sqlite").execute("SELECT took FROM alerts ORDER BY row").fetchall()
    assert csv[0] == "0 days 00:01:30"
    assert [r[0] for r in rows] == ["0 days 00:01:30", None]
