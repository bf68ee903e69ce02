"""Series readers and benchmark options: each test one defect fixed."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


# what a script's main() sets for the whole process, put back after each test
pytestmark = pytest.mark.usefixtures("script_state_kept")


def test_an_upper_case_gz_smd_entity_finds_its_labels(tmp_path: Path) -> None:
    from hourglass.ingest.timeseries import read_smd

    (tmp_path / "test").mkdir()
    (tmp_path / "test_label").mkdir()
    (tmp_path / "test" / "e.txt.GZ").write_bytes(gzip.compress(b"0.1,0.2\n0.3,0.4\n"))
    (tmp_path / "test_label" / "e.txt").write_text("0\n1\n")
    # the entity was 'e.txt.GZ': its label file e.txt not found, the test series read unlabelled
    assert read_smd(tmp_path / "test" / "e.txt.GZ")["label"].tolist() == [0, 1]


def test_an_upper_case_gz_interpretation_label_file_is_read(tmp_path: Path) -> None:
    from hourglass.ingest.timeseries import read_interpretation_labels

    path = tmp_path / "e.txt.GZ"
    path.write_bytes(gzip.compress(b"5-7:1,3\n"))
    # read as text: 'not a text file of labels'
    assert read_interpretation_labels(path) == [(5, 8, [1, 3])]


@pytest.mark.parametrize("script", ["hdfs", "explain_gradients", "timeseries_explain"])
def test_a_negative_seed_is_refused_before_any_data_is_read(
        script: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    module = __import__(script)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--data", str(tmp_path), "--seed", "-1"])
    with pytest.raises(SystemExit) as stop:  # a traceback from numpy's generator after reading
        module.main()
    assert stop.value.code == 2
    assert "--seed: '-1' is not an integer from 0 to 4294967295" in capsys.readouterr().err
