"""explain's screen table of kept columns, stream's --keep of a nested field and its --sqlite-table
check: regression tests of defects found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An autoencoder trained on a small labelled table."""
    folder = tmp_path_factory.mktemp("fxc")
    rng = np.random.default_rng(0)
    label = np.where(np.arange(300) % 30 == 0, "attack", "normal")
    frame = pd.DataFrame({"bytes": rng.lognormal(5, 1, 300), "pkts": rng.poisson(8, 300),
                          "proto": rng.choice(["tcp", "udp"], 300), "label": label})
    data = folder / "flows.csv"
    frame.to_csv(data, index=False)
    model = folder / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--label-col", "label",
                              "--normal", "normal", "--epochs", "1", "--hidden", "4,2",
                              "--batch-size", "64", "-q"])
    assert res.exit_code == 0, res.output
    return {"data": data, "model": model, "folder": folder, "frame": frame}  # type: ignore[dict-item]


def test_explain_shows_kept_times_and_durations_as_pandas_does(kit: dict) -> None:
    # the screen table showed a kept time as numpy's '2024-01-01T00:12:00.000000' and a
    # duration as '12000000 microseconds' (the file written was right); a float column's whole
    # numbers show as integers and every missing cell as <missing>
    frame = kit["frame"].assign(ts=pd.date_range("2024-01-01", periods=300, freq="min"),
                                dur=pd.to_timedelta(np.arange(300), unit="s"),
                                port=np.where(np.arange(300) % 2 == 0, np.nan, 443.0),
                                host=np.where(np.arange(300) % 3 == 0, None, "h1"))
    frame.loc[0, "ts"] = pd.NaT
    frame.loc[1, "dur"] = pd.NaT
    data = kit["folder"] / "times.parquet"
    frame.to_parquet(data, index=False)
    res = runner.invoke(app, ["explain", str(kit["model"]), str(data), "--all", "--limit", "300",
                              "--keep", "ts", "--keep", "dur", "--keep", "port", "--keep", "host"],
                        env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    table = {ln.split("│")[1].strip(): [c.strip() for c in ln.split("│")[4:8]]
             for ln in res.stdout.splitlines() if ln.startswith("│") and ln.split("│")[1].strip().isdigit()}
    assert len(table) == 300
    assert table["0"] == ["<missing>", "0 days 00:00:00", "<missing>", "<missing>"]
    assert table["1"] == ["2024-01-01 00:01:00", "<missing>", "443", "h1"]
    assert table["12"][:2] == ["2024-01-01 00:12:00", "0 days 00:00:12"]
    assert "T00:" not in res.stdout and "microseconds" not in res.stdout
    assert " nan " not in res.stdout and "NaT" not in res.stdout and "None" not in res.stdout
