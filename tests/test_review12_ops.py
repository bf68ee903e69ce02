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
