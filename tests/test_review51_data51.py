"""Review round 51 (data51): dataset loaders on partial, damaged or mislaid datasets."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from hourglass.cli.benchmark import suite_files
from hourglass.errors import HourglassError

ROW = "0,tcp,http,SF,181,5450" + ",0" * 35 + ",normal,21\n"


def _kdd(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as fh:
        fh.write(ROW * 3)
    return path


def test_a_suite_folder_with_one_of_the_two_files_names_the_missing_one(tmp_path: Path) -> None:
    # what was wrong: --data with KDDTrain+.txt.gz but no KDDTest+ said 'no KDDTrain+.txt(.gz)
    # and KDDTest+.txt(.gz) there': the file that is there was named missing too
    train = _kdd(tmp_path / "nsl_kdd" / "KDDTrain+.txt.gz")
    with pytest.raises(HourglassError) as info:
        suite_files("nsl-kdd", tmp_path)
    assert str(info.value) == f"--data {tmp_path}: {train} is there but no KDDTest+.txt(.gz) beside it"
    train.unlink()
    test = _kdd(tmp_path / "KDDTest+.txt.gz")
    with pytest.raises(HourglassError) as info:
        suite_files("nsl-kdd", tmp_path, from_env=True)
    assert str(info.value) == (f"HOURGLASS_DATA={tmp_path}: {test} is there but no "
                               "KDDTrain+.txt(.gz) beside it")


def test_a_suite_data_path_that_is_a_file_says_so(tmp_path: Path) -> None:
    # what was wrong: --data KDDTrain+.txt.gz said 'no KDDTrain+.txt(.gz) ... there' of the file
    train = _kdd(tmp_path / "KDDTrain+.txt.gz")
    with pytest.raises(HourglassError, match=r"a file, not a folder; give the folder holding KDDTrain\+"):
        suite_files("nsl-kdd", train)
