"""Regression tests: alert outputs, suppression rules and grouped alerts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("alrt16"))


def _late_text_table(folder: Path, frame: pd.DataFrame) -> Path:
    """``frame`` repeated to span several chunks, with a column the model never read whose
    numbers turn to text in the last rows."""
    big = pd.concat([frame.drop(columns=["label"])] * 20, ignore_index=True)
    note = np.arange(len(big)).astype(str).astype(object)
    note[-3:] = "unknown"
    big["note"] = note
    big["src_ip"] = np.where(np.arange(len(big)) % 2 == 0, "10.0.0.5", "10.0.0.9")
    path = folder / "late_text.csv"
    big.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("extra", [["--suppress", "RULES"], ["--alert-format", "ecs"],
                                   ["--group-by", "src_ip", "--suppress", "RULES"]])
def test_score_options_do_not_read_unused_columns_strictly(labelled: dict[str, Any], tmp_path: Path,
                                                          extra: list[str]) -> None:
    # --suppress and --alert-format ecs read every column strictly: a column neither the model
    # nor the rules nor ECS read, numbers then text, stopped the run as a "malformed value"
    data = _late_text_table(tmp_path, labelled["frame"])
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "backup"\nmatch = { src_ip = "10.0.0.5" }\n')
    base = ["score", str(labelled["model"]), str(data), "--chunk-mb", "0.02", "-q"]
    plain = runner.invoke(app, [*base, "-o", str(tmp_path / "plain.csv")])
    assert plain.exit_code == 0, plain.output
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, [*base, "-o", str(out), *[str(rules) if a == "RULES" else a for a in extra]])
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines
    if "--suppress" in extra and "--group-by" not in extra:
        got = pd.read_json(out, lines=True)
        assert len(got) == 6000 and (got["suppressed"] == "backup").sum() > 0


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "parquet", "sqlite"])
def test_kept_64_bit_ids_with_a_missing_one_are_written_exact(labelled: dict[str, Any], tmp_path: Path,
                                                              suffix: str) -> None:
    # the reader keeps such a column exact (nullable integers), but the output took its values
    # through floats: 9007199254740997 was written as 9007199254740996 (9.007199254740996e+15)
    import pyarrow.parquet as pq

    frame = labelled["frame"].drop(columns=["label"]).head(50).copy()
    ids = [str(2**53 + 1 + i) for i in range(len(frame))]
    ids[0] = ""
    frame["flow_id"] = ids
    data = tmp_path / "ids.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / f"scored.{suffix}"
    res = runner.invoke(app, ["score", str(labelled["model"]), str(data), "--keep", "flow_id", "-q",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    if suffix == "sqlite":
        import sqlite3

        got = [r[0] for r in sqlite3.connect(out).execute("SELECT flow_id FROM alerts ORDER BY row")]
    elif suffix == "parquet":
        got = pq.read_table(out).column("flow_id").to_pylist()
    else:
        import json

        cells = (pd.read_csv(out, dtype=str, keep_default_na=False)["flow_id"].tolist() if suffix == "csv"
                 else [json.loads(line)["flow_id"] for line in out.read_text().splitlines()])
        assert all(c in ("", None) or str(c).isdigit() for c in cells), cells[:3]  # no 9.0e+15
        got = [int(c) if c not in ("", None) else None for c in cells]
    assert got == [None, *(int(i) for i in ids[1:])]


def test_grouping_by_64_bit_ids_with_a_missing_one_keeps_the_ids_apart(labelled: dict[str, Any],
                                                                       tmp_path: Path) -> None:
    # the group keys went through floats: two ids one apart past 2**53 were one group, named by
    # an id neither row had (9.007199254740996e+15)
    import json

    frame = labelled["frame"].drop(columns=["label"]).head(60).copy()
    frame["bytes"] = 1e9  # every row flagged
    ids = [str(2**53 + 4 + i % 2) for i in range(len(frame))]
    ids[0] = ""
    frame["flow_id"] = ids
    data = tmp_path / "ids.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "groups.jsonl"
    res = runner.invoke(app, ["score", str(labelled["model"]), str(data), "--group-by", "flow_id",
                              "--group-window", "1000", "-q", "-o", str(out)])
    assert res.exit_code == 0, res.output
    groups = {g["flow_id"]: g["count"] for g in map(json.loads, out.read_text().splitlines())}
    assert groups == {None: 1, 2**53 + 4: 29, 2**53 + 5: 30}


def train_timed_model(folder: Path) -> Path:
    """An autoencoder trained with an ISO-8601 time column (so it keeps no day/month order)."""
    rng = np.random.default_rng(1)
    train = pd.DataFrame({"ts": pd.date_range("2026-11-01", periods=200, freq="1h").strftime(
        "%Y-%m-%dT%H:%M:%SZ"), "bytes": rng.lognormal(5, 1, 200), "pkts": rng.poisson(8, 200)})
    train.to_csv(folder / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(folder / "train.csv"), "-o", str(folder / "m"), "--timestamp-col",
                              "ts", "--epochs", "1", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    return folder / "m"


@pytest.fixture(scope="module")
def timed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_timed_model(tmp_path_factory.mktemp("alrt16_timed"))


def day_first_rows() -> pd.DataFrame:
    """Rows with day-first dates (13/12/2026 tells the order); the anomalous ones (huge bytes)
    all on 06/12/2026 at 02:10, which alone would read as 12 June."""
    n = 60
    odd = np.arange(n) % 10 == 0
    when = [("06/12/2026 02:10:00" if odd[i] else f"{13 + i % 5}/12/2026 0{i % 9}:00:00") for i in range(n)]
    return pd.DataFrame({"ts": when, "bytes": np.where(odd, 1e12, 150.0), "pkts": np.where(odd, 9000, 8)})


def test_between_reads_the_flagged_rows_dates_in_the_whole_datas_order(timed_model: Path,
                                                                       tmp_path: Path) -> None:
    # the rules read the times of the flagged rows alone: all of them ambiguous (day <= 12), read
    # month first (12 June), so the patch window of 6 December silenced none of them, while the
    # ECS alerts of the same rows said 2026-12-06T02:10
    import json

    rows = day_first_rows()
    data = tmp_path / "day_first.csv"
    rows.to_csv(data, index=False)
    rules = tmp_path / "window.toml"
    rules.write_text('[[rule]]\nname = "patch"\nbetween = [2026-12-06T02:00:00Z, 2026-12-06T04:00:00Z]\n')
    out = tmp_path / "scored.jsonl"
    res = runner.invoke(app, ["score", str(timed_model), str(data), "--suppress", str(rules), "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = pd.read_json(out, lines=True)
    assert (got["suppressed"] == "patch").sum() == 6 and got["flag"].sum() == 0
    lines = "".join(json.dumps(r) + "\n" for r in rows.to_dict("records"))
    res = runner.invoke(app, ["stream", str(timed_model), "--suppress", str(rules), "--all"], input=lines)
    assert res.exit_code == 0, res.output
    streamed = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert len(streamed) == 60 and sum(a["suppressed"] == "patch" for a in streamed) == 6
