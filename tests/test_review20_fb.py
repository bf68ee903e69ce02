"""Regression tests: labels of entity buckets, seeds and options of train, thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner

ENTITY = ["--entity-col", "host", "--timestamp-col", "ts", "--bucket", "1h", "--epochs", "1",
          "--hidden", "4,2"]


def _entity_file(path: Path, blank: str = "") -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [{"ts": h * 3600 + k * 60, "host": host, "bytes": float(rng.lognormal(6, 1)), "label": "normal"}
            for h in range(40) for host in ("a", "b", "c") for k in range(4)]
    df = pd.DataFrame(rows)
    df.loc[1, "label"] = blank  # host a, hour 0: one of its four rows has no label
    df.loc[(df.host == "b") & (df.ts // 3600 == 5), "label"] = ["normal", "attack", "normal", "normal"]
    df.to_csv(path, index=False)
    return df


def test_entity_train_and_warm_start_count_every_row_left_out(tmp_path: Path) -> None:
    df = _entity_file(tmp_path / "flows.csv")
    res = runner.invoke(app, ["train", str(tmp_path / "flows.csv"), *ENTITY, "--label-col", "label",
                              "--normal", "normal", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    info = json.loads((tmp_path / "m" / "config.json").read_text())["info"]["entity"]
    # the bucket of the unlabelled row (4 rows: it and 3 labelled normal ones) is left out: the
    # 3 labelled rows were counted nowhere (480 rows, 472 trained, 4 with attacks)
    assert (info["rows"], info["rows_trained"], info["rows_left_out_with_attacks"],
            info["rows_left_out_without_label"]) == (480, 472, 4, 4)
    res = runner.invoke(app, ["train", str(tmp_path / "flows.csv"), "--warm-start", str(tmp_path / "m"),
                              "--label-col", "label", "--normal", "normal", "--epochs", "1",
                              "-o", str(tmp_path / "w")])
    assert res.exit_code == 0, res.output
    info = json.loads((tmp_path / "w" / "config.json").read_text())["info"]["entity"]
    assert info["rows"] == len(df) == info["rows_trained"] + info["rows_left_out_with_attacks"] \
        + info["rows_left_out_without_label"]


def test_evaluate_refuses_a_label_column_typed_as_the_timestamp_column(tmp_path: Path) -> None:
    from tests._cli import one_line_error, small_labelled_model

    made = small_labelled_model(tmp_path)
    frame = made["frame"].assign(ts=pd.date_range("2024-01-01", periods=300, freq="min").astype(str))
    frame.to_csv(tmp_path / "timed.csv", index=False)
    # the times were read as labels: every row 'an anomaly', precision, FPR and the AUCs n/a
    one_line_error(["evaluate", str(made["model"]), str(tmp_path / "timed.csv"), "--label-col", "ts",
                    "--timestamp-col", "ts"], "--label-col ts and --timestamp-col ts: one column cannot")


def test_entity_evaluate_counts_the_rows_of_the_buckets_it_evaluates(tmp_path: Path) -> None:
    import pytest

    import hourglass.cli.entity as entity_cli
    from hourglass.ingest import ReadStats
    from hourglass.pipeline import load

    df = _entity_file(tmp_path / "flows.csv")
    df.drop(columns=["label"]).to_csv(tmp_path / "clean.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "clean.csv"), *ENTITY, "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    pipe = load(tmp_path / "m")
    for whole in (False, True):
        with pytest.MonkeyPatch.context() as mp:
            if whole:
                mp.setattr(entity_cli, "_read_in_chunks", lambda *a, **k: (None, ReadStats()))
            summary, _, _ = entity_cli.evaluate_entity(pipe, tmp_path / "flows.csv", label_col="label",
                                                       normal=["normal"], fmt="auto", on_bad_rows="error")
        # 119 buckets of 4 rows: the bucket of the unlabelled row is out of the metrics, and its 3
        # labelled rows with it (it said 479 rows for the 476 of the buckets evaluated)
        assert (summary["buckets"], summary["rows"], summary["anomalous_rows"]) == (119, 476, 1)
