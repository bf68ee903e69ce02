"""Column names in messages shown alike everywhere, and the library's own wording for Python
callers: regression tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.features.tabular import TabularPreprocessor
from hourglass.ingest.tables import nested_note
from hourglass.serve.scoring import records_frame
from tests._cli import runner


def test_nested_note_quotes_a_padded_field_name() -> None:
    # nested_note joined the fields with plain ", ": a field "proto.b " read as "proto.b"
    assert nested_note(["proto"], ["proto.a", "proto.b "]).endswith("(proto.a, 'proto.b ')")


def test_the_service_lists_an_empty_column_name_quoted() -> None:
    # the service's "each row needs a, " showed a model column named "" as a blank
    with pytest.raises(InputError, match=r"missing column 'a' \(each row needs '', a; send null for a "):
        records_frame([{"": 1}], ["", "a"])


def test_log1p_lists_an_empty_column_name_quoted() -> None:
    # "log1p: not numeric training column(s): " named nothing for a column named ""
    df = pd.DataFrame({"a": np.arange(6.0), "b": [1.0, 3.0, 2.0, 8.0, 5.0, 4.0]})
    with pytest.raises(InputError, match=r"not numeric training column\(s\): ''$"):
        TabularPreprocessor(log1p=[""]).fit(df)


def test_cli_drop_lists_an_empty_column_name_quoted(tmp_path: Path) -> None:
    # train --drop of an unknown column listed the data's columns as ", a, b" for a JSON key ""
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"": i % 3, "a": float(i), "b": float(i * i % 7)}) + "\n"
                            for i in range(30)))
    out = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--drop", "zz",
                              "--output", str(out)])
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    last = res.stderr.strip().splitlines()[-1]
    assert "--drop: no column 'zz'" in last and "columns are '', a, b" in last, res.stderr
    assert not out.exists()


def test_ordinary_names_are_listed_as_before() -> None:
    # the quoting is only for names that would not read on their own
    with pytest.raises(InputError, match=r"each row needs a, b; send null for a missing value"):
        records_frame([{"a": 1}], ["a", "b"])


def test_cli_one_role_names_an_empty_column_quoted(tmp_path: Path) -> None:
    # "--drop  and --categorical : give the column one role" showed a column named "" as nothing
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"": f"k{i % 3}", "a": float(i)}) + "\n" for i in range(30)))
    out = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--drop", "", "--categorical", "",
                              "--output", str(out)])
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    last = res.stderr.strip().splitlines()[-1]
    assert "--drop '' and --categorical '': give the column one role" in last, res.stderr
    assert not out.exists()


def test_threshold_spec_errors_name_the_python_argument_or_the_option() -> None:
    # threshold_from_spec said "--threshold: unknown rule" to Python callers too
    from hourglass.thresholds import threshold_from_spec

    with pytest.raises(InputError, match=r"^threshold: unknown rule 'p150'"):
        threshold_from_spec("p150")
    with pytest.raises(InputError, match=r"^threshold='fpr:2': "):
        threshold_from_spec("fpr:2")
    with pytest.raises(InputError, match=r"^--threshold: unknown rule 'p150'"):
        threshold_from_spec("p150", name="--threshold")
    with pytest.raises(InputError, match=r"^--threshold fpr:2: "):
        threshold_from_spec("fpr:2", name="--threshold")


def test_cli_threshold_error_keeps_the_option_name(tmp_path: Path) -> None:
    # the CLI's wording stays "--threshold: ..." (it passes its option's name)
    data = tmp_path / "d.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i % 5}\n" for i in range(40)))
    out = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--threshold", "p150", "--output", str(out)])
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    assert "--threshold: unknown rule 'p150'" in res.stderr.strip().splitlines()[-1], res.stderr
    assert not out.exists()


def test_false_alarm_bound_advice_names_the_python_parameter() -> None:
    # a Python user was told "--param validation_fraction=0.2", a CLI option
    from hourglass.thresholds import FalseAlarmBound

    with pytest.raises(InputError, match=r"\(validation_fraction=0\.2\)") as info:
        FalseAlarmBound(0.001).check_n_scores(100)
    assert "--param" not in str(info.value) and info.value.param == "validation_fraction"


def test_cli_false_alarm_bound_advice_names_the_option(tmp_path: Path) -> None:
    # ... while train's line still names the option that sets it
    data = tmp_path / "d.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i % 5}\n" for i in range(60)))
    out = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--threshold", "fpr:0.001", "--epochs", "1",
                              "--output", str(out)])
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    last = res.stderr.strip().splitlines()[-1]
    assert "(--param validation_fraction=0.2)" in last, res.stderr
    assert not out.exists()


def test_with_threshold_names_its_python_argument() -> None:
    # Pipeline.with_threshold("p150") said "--threshold: unknown rule", an option Python has not
    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    with pytest.raises(InputError, match=r"^threshold: unknown rule 'p150'"):
        pipe.with_threshold("p150")
