"""The library speaks Python, the CLI speaks CLI (review 25, second pass): the features' and
readers' messages name the Python parameters, the CLI still names its options."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from tests._cli import one_line_error, runner


def _numbers_with_a_word(n: int = 200) -> pd.DataFrame:
    v = np.arange(n, dtype=float).astype(object)
    v[150] = "oops"  # nearly all numbers: the column is read as numbers, the word refused
    return pd.DataFrame({"a": v, "b": np.arange(n, dtype=float)})


def test_tabular_word_in_numbers_names_roles_in_python() -> None:
    # a column read as numbers that held a word told a Python caller "(--role a=categorical)"
    from hourglass.features import TabularPreprocessor

    with pytest.raises(InputError) as info:
        TabularPreprocessor().fit(_numbers_with_a_word())
    assert "roles={column: 'categorical'}" in str(info.value) and "--" not in str(info.value)


def test_tabular_word_in_numbers_names_the_option_in_the_cli(tmp_path: Path) -> None:
    # the CLI keeps its option
    data = tmp_path / "t.csv"
    _numbers_with_a_word().to_csv(data, index=False)
    one_line_error(["train", str(data), "--epochs", "1", "--hidden", "4,2", "-o", str(tmp_path / "m")],
                   "(--role COLUMN=categorical)", tmp_path / "m")


def test_tabular_unread_role_warning_names_roles_in_python(caplog: pytest.LogCaptureFixture) -> None:
    # a port column none of whose values reads as a port advised "(--role port=numeric or categorical)"
    from hourglass.features import TabularPreprocessor
    from hourglass.features.tabular import ANOTHER_ROLE

    df = pd.DataFrame({"dst_port": ["http", "ssh"] * 50, "b": np.arange(100.0)})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        TabularPreprocessor().fit(df)
    [record] = [r for r in caplog.records if "adds nothing" in r.getMessage()]
    assert ANOTHER_ROLE in record.getMessage() and "--role" not in record.getMessage()
    assert record.advice == ANOTHER_ROLE  # type: ignore[attr-defined]


def test_tabular_log_given_to_a_table_model_names_python_then_cli() -> None:
    # a log handed to a table model was told "(train --format hdfs ... --model deeplog ...)"
    from hourglass.cli._options import cli_advice
    from hourglass.features import TabularPreprocessor

    pre = TabularPreprocessor().fit(pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0)}))
    with pytest.raises(InputError) as info:
        pre.transform(pd.DataFrame({"this is a log line": ["x y z w"] * 3}))
    msg = str(info.value)
    assert "Pipeline(DeepLog(), features=EventSessions(format=...))" in msg and "--" not in msg
    assert "(train --format hdfs, bgl, syslog, journald, raw or a header regex, --model deeplog ...)" \
        in cli_advice(msg)
