"""Regression tests: the package as installed from its sdist and wheel, not from the checkout."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.ingest.readers import _iso_column

ROOT = Path(__file__).resolve().parents[1]

# numpy's names that numpy 1.26 (pyproject's floor, numpy>=1.26) does not have: dir(numpy) of
# 2.4 less that of 1.26.4 (its submodules numpy.typing/numpy.f2py/numpy.core left out: 1.26 has them)
_NUMPY_2_ONLY = frozenset({
    "acos", "acosh", "asin", "asinh", "astype", "atan", "atan2", "atanh", "bitwise_count",
    "bitwise_invert", "bitwise_left_shift", "bitwise_right_shift", "bool", "concat",
    "cumulative_prod", "cumulative_sum", "isdtype", "long", "matrix_transpose", "matvec",
    "permute_dims", "pow", "strings", "trapezoid", "ulong", "unique_all", "unique_counts",
    "unique_inverse", "unique_values", "unstack", "vecdot", "vecmat"})


def test_the_package_uses_no_numpy_name_newer_than_its_numpy_floor() -> None:
    # what was wrong: readers._iso_column (the ISO text of a time column with fractions of a second
    # or a zone, in every CSV/JSON/SQLite output) called np.strings.zfill/add, numpy 2.0's; the
    # wheel requires numpy>=1.26, where 'hourglass score' of such a column to CSV ended in a
    # traceback (AttributeError: module 'numpy' has no attribute 'strings')
    found = []
    for path in sorted((ROOT / "src" / "hourglass").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in ("np", "numpy") and node.attr in _NUMPY_2_ONLY):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} np.{node.attr}")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "numpy":
                found += [f"{path.relative_to(ROOT)}:{node.lineno} from numpy import {a.name}"
                          for a in node.names if node.module == "numpy" and a.name in _NUMPY_2_ONLY]
                if node.module == "numpy.strings":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} numpy.strings")
    assert not found, found


def test_iso_text_of_times_without_numpy_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: as above, behaviourally: with no np.strings (numpy 1.26) the ISO text of a
    # time column with a fraction of a second or a UTC offset raised AttributeError
    monkeypatch.setattr(np, "strings", types.SimpleNamespace())  # numpy 1.26: no such module
    t = pd.Series(pd.to_datetime(["2024-03-31T00:30:00.25", "2024-03-31T01:30:00.123456789", None],
                                 format="ISO8601"))
    assert _iso_column(t).tolist() == ["2024-03-31T00:30:00.250000", "2024-03-31T01:30:00.123456789",
                                       None]
    zoned = t.dt.tz_localize("UTC").dt.tz_convert("America/St_Johns")  # -02:30 in summer
    assert _iso_column(zoned).tolist() == ["2024-03-30T22:00:00.250000-02:30",
                                           "2024-03-30T23:00:00.123456789-02:30", None]
