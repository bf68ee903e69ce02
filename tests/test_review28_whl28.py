"""Regression tests: the package as installed from its sdist and wheel, not from the checkout."""

from __future__ import annotations

import ast
import email
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import types
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import hourglass
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
    maybe = re.compile(r"\b(?:np|numpy)\.(?:" + "|".join(sorted(_NUMPY_2_ONLY)) + r")\b|\bfrom numpy\b")
    for path in sorted((ROOT / "src" / "hourglass").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if not maybe.search(text):  # (parsed only where a name may be: parsing all took seconds)
            continue
        for node in ast.walk(ast.parse(text)):
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


def test_sdist_holds_the_package_and_no_uncollectable_tests_and_builds_the_whole_wheel(
        tmp_path: Path) -> None:
    # what was wrong: the sdist took setuptools' default tests/test*.py (472 files) but not
    # tests/_cli.py, _fresh.py ..., conftest.py, the fixtures, nor the benchmarks/ they import:
    # pytest in the unpacked sdist failed to collect 236 of them (ModuleNotFoundError:
    # tests._fresh). MANIFEST.in prunes tests/: the sdist is the package's source, and the wheel
    # built from it holds every file under src/hourglass (the demo sample, py.typed)
    pytest.importorskip("setuptools.build_meta")  # (a venv of Python 3.12+ has no setuptools)
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "MANIFEST.in", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, tree / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "src", tree / "src", ignore=ignore)
    (tree / "tests").mkdir()  # a few of its files: what setuptools' default took, and did not
    for name in ("__init__.py", "_cli.py", "test_cli.py"):
        shutil.copy2(ROOT / "tests" / name, tree / "tests" / name)
    out = tmp_path / "dist"
    build = ("import sys; from setuptools import build_meta as b; "
             "print(getattr(b, sys.argv[1])(sys.argv[2]))")
    run = subprocess.run([sys.executable, "-c", build, "build_sdist", str(out)], cwd=tree,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    sdist = out / run.stdout.strip().splitlines()[-1]
    with tarfile.open(sdist) as tar:
        members = [m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name]
        tar.extractall(tmp_path / "unpacked", filter="data")
    assert {"LICENSE", "README.md", "pyproject.toml", "PKG-INFO"} <= set(members)
    assert not [m for m in members if m.startswith("tests") or "__pycache__" in m or m.endswith(".pyc")]
    source = tmp_path / "unpacked" / sdist.name.removesuffix(".tar.gz")
    run = subprocess.run([sys.executable, "-c", build, "build_wheel", str(out)], cwd=source,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    wheel = zipfile.ZipFile(out / run.stdout.strip().splitlines()[-1])
    names = set(wheel.namelist())
    package = {p.relative_to(ROOT / "src").as_posix() for p in (ROOT / "src" / "hourglass").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert {"hourglass/data/nsl_kdd_demo_train.txt.gz", "hourglass/data/nsl_kdd_demo_test.txt.gz",
            "hourglass/py.typed"} <= package
    assert {n for n in names if ".dist-info/" not in n} == package
    info = next(n.split("/")[0] for n in names if ".dist-info/" in n)
    meta = email.message_from_bytes(wheel.read(f"{info}/METADATA"))
    assert (meta["Name"], meta["Version"], meta["Requires-Python"], meta["License-Expression"]) == (
        "hourglass", hourglass.__version__, ">=3.11", "Apache-2.0")
    assert meta["License-File"] == "LICENSE" and f"{info}/licenses/LICENSE" in names
    assert meta["Description-Content-Type"] == "text/markdown" and "# hourglass" in meta.get_payload()
    assert {"logs", "serve", "onnx", "evtx", "federated"} <= set(meta.get_all("Provides-Extra"))
    assert "hourglass = hourglass.cli:main" in wheel.read(f"{info}/entry_points.txt").decode()


def test_a_word_among_numbers_to_sum_is_named_where_masked_to_numpy_gives_objects(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # what was wrong: EntityWindows._numbers took ((text != "") & ...).fillna(False).to_numpy(), a
    # nullable boolean array's to_numpy without a dtype: numpy bools in pandas 2.2+, objects in
    # pandas 2.1 (the floor the wheel requires, pandas>=2.1), where 'bad &= objects' raised
    # UFuncTypeError (a traceback) instead of "column 'bytes': data row 2 is not a number"
    from pandas.arrays import ArrowExtensionArray, BooleanArray

    from hourglass.errors import InputError
    from hourglass.features import EntityWindows

    for kind in (BooleanArray, ArrowExtensionArray):  # "string" text's comparisons: either kind
        def as_pandas_2_1(self: object, dtype: object = None, *args: object,
                          _to_numpy: Any = kind.to_numpy, **kwargs: object) -> object:
            boolean = str(getattr(self, "dtype", "")).startswith(("bool", "boolean"))
            return _to_numpy(self, object if dtype is None and boolean else dtype, *args, **kwargs)

        monkeypatch.setattr(kind, "to_numpy", as_pandas_2_1)
    # (rows whose 'bytes' a feature reads: text in a column no feature reads is a missing value)
    df = pd.DataFrame({"host": ["a", "a", "b", "b", "a"], "bytes": [10, 20, 5, 900, 7],
                       "ts": ["2024-01-01 10:00:01", "2024-01-01 10:04:59", "2024-01-01 10:03:00",
                              "2024-01-01 10:03:30", "2024-01-01 10:12:00"]})
    ew = EntityWindows("host", "ts", numeric=("bytes",)).fit(df)
    assert "bytes" in ew.read_columns()
    with pytest.raises(InputError, match="column 'bytes': row 2 is not a number"):
        ew.transform(df.assign(bytes=df["bytes"].astype(object).where(df.index != 1, "lots")))


def test_version_printed_is_the_version_installed() -> None:
    # (no defect: pins that 'hourglass --version', hourglass.__version__, names the version the
    # wheel's metadata carries, pyproject's [project] version: two copies of one number)
    with open(ROOT / "pyproject.toml", "rb") as f:
        assert tomllib.load(f)["project"]["version"] == hourglass.__version__
