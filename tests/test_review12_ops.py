"""Regression tests: inspect, warm start, export, serving, drift, writers and sampling."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._cli import one_line_error


def _entity_csv(path: Path, n: int = 40) -> Path:
    rows = [f"{'ab'[i % 2]},2024-01-01 00:{i % 60:02d}:00,{i * 7 % 50},{'normal'}" for i in range(n)]
    path.write_text("host,ts,bytes,label\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize(("option", "column"), [("--entity-col", "host"), ("--aggregate", "label"),
                                                ("--distinct", "label")])
def test_inspect_entity_option_naming_the_label_is_said_as_train_says_it(
        tmp_path: Path, option: str, column: str) -> None:
    # 'error: --distinct: no column 'label' in the data (columns: host, ts, bytes)': false, the
    # file has it (the label column was taken out before the entity options were checked)
    data = _entity_csv(tmp_path / "e.csv")
    args = ["inspect", str(data), "--timestamp-col", "ts", "--label-col", column, "--normal", "normal"]
    if option != "--entity-col":
        args += ["--entity-col", "host"]
    one_line_error([*args, option, column], f"--label-col {column}: is also {option} {column}")


@pytest.fixture(scope="module")
def entity_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from hourglass.cli import app
    from tests._cli import runner

    d = tmp_path_factory.mktemp("r12_ops_entity")
    data = _entity_csv(d / "e.csv", 60)
    res = runner.invoke(app, ["train", str(data), "--entity-col", "host", "--timestamp-col", "ts",
                              "--bucket", "1min", "--label-col", "label", "--normal", "normal",
                              "--epochs", "1", "--hidden", "4,2", "-o", str(d / "M"), "-q"])
    assert res.exit_code == 0, res.output
    return {"data": data, "model": d / "M", "dir": d}


@pytest.mark.parametrize("column", ["host", "ts", "bytes"])
def test_warm_start_label_naming_a_column_the_model_reads_is_said_so(
        entity_model: dict[str, Path], column: str) -> None:
    # 'error: --entity-col: no column 'host' in the data (columns: ts, bytes, label)': no
    # --entity-col was typed, and the file has the column (taken out as the label)
    out = entity_model["dir"] / f"W_{column}"
    one_line_error(["train", str(entity_model["data"]), "--warm-start", str(entity_model["model"]),
                    "--label-col", column, "--normal", "x", "-o", str(out), "--epochs", "1"],
                   f"--label-col {column}: is a column {entity_model['model']} reads", out=out)


def test_warm_start_table_label_naming_a_feature_is_said_so(tmp_path: Path) -> None:
    # 'column(s) the model needs are missing: a; the data has b, label': the file has 'a'
    import numpy as np
    import pandas as pd

    from hourglass import AutoEncoder, Pipeline

    df = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 7})
    Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(df).save(tmp_path / "M")
    df.assign(label="normal").to_csv(tmp_path / "new.csv", index=False)
    one_line_error(["train", str(tmp_path / "new.csv"), "--warm-start", str(tmp_path / "M"),
                    "--label-col", "a", "--normal", "1", "-o", str(tmp_path / "W")],
                   f"--label-col a: is a column {tmp_path / 'M'} reads", out=tmp_path / "W")


@pytest.mark.parametrize("option", ["--aggregate", "--distinct"])
def test_inspect_entity_column_both_dropped_and_aggregated_is_said_as_train_says_it(
        tmp_path: Path, option: str) -> None:
    # 'error: --aggregate: no column 'bytes' in the data (columns: host, ts, label)': false
    data = _entity_csv(tmp_path / "e.csv")
    one_line_error(["inspect", str(data), "--entity-col", "host", "--timestamp-col", "ts",
                    "--drop", "bytes", option, "bytes"],
                   f"--drop bytes: is also {option} bytes; a column is either aggregated or dropped")
