"""Entity-bucket features and commands: edge cases of valid input and of the options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner

FAST = ["--epochs", "2", "--hidden", "8,4", "-q"]


def _flows(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"host": rng.choice(["a", "b", "c"], n),
                         "ts": np.sort(rng.integers(1_700_000_000, 1_700_000_000 + 4 * 3600, n)),
                         "bytes": rng.integers(1, 1000, n), "dport": rng.choice([80, 443, 22], n),
                         "label": "normal"})


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("ent9")
    _flows().to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--entity-col", "host", "--timestamp-col",
                              "ts", "--bucket", "5min", "--label-col", "label", "--normal", "normal",
                              "-o", str(d / "M"), *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "train": d / "train.csv", "model": d / "M"}


def test_warm_start_skips_a_row_without_a_readable_time(kit: dict[str, Path]) -> None:
    new = _flows(200, seed=3)
    new["ts"] = new["ts"].astype(object)
    new.loc[4, "ts"] = "garbage"
    path = kit["dir"] / "new_badts.csv"
    new.to_csv(path, index=False)
    out = kit["dir"] / "W_skip"
    res = runner.invoke(app, ["train", str(path), "--warm-start", str(kit["model"]), "-o", str(out),
                              "--on-bad-rows", "skip", "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    info = json.loads((out / "config.json").read_text())["info"]
    assert info["skipped_rows"] == 1 and info["entity"]["rows"] == 199
    res = runner.invoke(app, ["train", str(path), "--warm-start", str(kit["model"]),
                              "-o", str(kit["dir"] / "W_err"), "--epochs", "1", "-q"])
    assert res.exit_code == 2 and "row 5 is not a timestamp" in res.stderr


def test_repeated_column_names_are_an_input_error() -> None:
    from hourglass.errors import InputError
    from hourglass.features.entity import EntityWindows

    df = pd.DataFrame([["a", 0, 1, 2], ["b", 10, 3, 4], ["a", 400, 5, 6]], columns=["h", "ts", "x", "x"])
    for kw in ({}, {"numeric": ("x",)}):
        with pytest.raises(InputError, match="column names repeat: 'x'"):
            EntityWindows("h", "ts", **kw).fit(df)
    with pytest.raises(InputError, match="column names repeat: '0'"):  # 0 and '0' are one name as text
        EntityWindows("h", "ts").fit(df.set_axis(["h", "ts", 0, "0"], axis=1))
    ew = EntityWindows("h", "ts", numeric=("x",)).fit(df.iloc[:, :3])
    with pytest.raises(InputError, match="column names repeat: 'x'"):
        ew.aggregate(df)
    extra = pd.concat([df.iloc[:, :3], df.iloc[:, :3].rename(columns={"x": "y"})[["y", "y"]]], axis=1)
    assert len(ew.aggregate(extra)) == 3  # a repeated column the model does not read is ignored


def test_text_or_booleans_named_like_a_time_are_aggregated_unless_they_read_as_times() -> None:
    from hourglass.features.entity import EntityWindows

    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame({"h": rng.choice(["a", "b"], n), "ts": np.arange(n) * 10,
                       "candidate": rng.choice(["alice", "bob", "carol"], n),  # ends in 'date'
                       "container_runtime": rng.choice(["docker", "containerd"], n),
                       "overtime": rng.choice([True, False], n),
                       "ship_date": rng.choice(["01/02/2026", "03/04/2026"], n),
                       "login_time": rng.choice(["Jan 5 2026 10:00", "Feb 6 2026 11:00"], n)})
    ew = EntityWindows("h", "ts").fit(df)
    assert ew.categorical_ == ["candidate", "container_runtime", "overtime"]
    assert ew.not_aggregated_ == {"ship_date": "times", "login_time": "times"}
