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
    with pytest.raises(InputError, match=r"missing column 'a' \(each row needs '', a\)$"):
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
    with pytest.raises(InputError, match=r"each row needs a, b\)$"):
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
