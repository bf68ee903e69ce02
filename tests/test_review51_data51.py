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


BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _bench_common():  # type: ignore[no-untyped-def]
    import sys

    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    import _common

    return _common


def test_a_benchmark_names_a_missing_file_of_a_dataset_before_any_work(tmp_path: Path) -> None:
    # what was wrong: benchmarks/hdfs.py with hdfs_deeplog/ lacking hdfs_test_abnormal (and
    # loghub.py with a set's folder lacking its log) ended in a FileNotFoundError / InputError
    # traceback, exit code 1 (hdfs.py's BGL part only after minutes of training)
    common = _bench_common()
    (tmp_path / "hdfs_deeplog").mkdir()
    (tmp_path / "hdfs_deeplog" / "hdfs_train").write_text("1 2 3\n")
    (tmp_path / "hdfs_deeplog" / "SOURCE.md").write_text("from loghub\n")
    assert common.data_dir(str(tmp_path), "hdfs_deeplog/hdfs_train") == tmp_path
    with pytest.raises(SystemExit) as err:
        common.data_dir(str(tmp_path), "hdfs_deeplog/hdfs_train", "hdfs_deeplog/hdfs_test_abnormal")
    assert str(err.value) == (f"data folder {tmp_path}: no file hdfs_deeplog/hdfs_test_abnormal "
                              f"({tmp_path / 'hdfs_deeplog' / 'SOURCE.md'} says where to get it)")
    with pytest.raises(SystemExit, match=r"has no loghub_2k/: pass --data DIR"):  # the folder first
        common.data_dir(str(tmp_path), "hdfs_deeplog/hdfs_train", "loghub_2k/HDFS/HDFS_2k.log.gz")


def test_loghub_script_stops_in_one_line_on_a_missing_set_file(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "loghub_2k" / "HDFS").mkdir(parents=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    got = subprocess.run([sys.executable, str(BENCH / "loghub.py"), "--data", str(tmp_path),
                          "--sets", "HDFS", "--no-write"], capture_output=True, text=True, env=env,
                         timeout=120)
    assert got.returncode == 2, got.stderr
    assert got.stderr.strip() == f"data folder {tmp_path}: no file loghub_2k/HDFS/HDFS_2k.log.gz"


def test_a_data_folder_one_level_too_low_is_told_its_parent(tmp_path: Path) -> None:
    # what was wrong: --data .../nsl_kdd (the dataset's own folder) said only 'data folder
    # .../nsl_kdd has no nsl_kdd/', not that its parent was the folder wanted
    common = _bench_common()
    low = tmp_path / "nsl_kdd"
    _kdd(low / "KDDTrain+.txt.gz")
    with pytest.raises(SystemExit) as err:
        common.data_dir(str(low), "nsl_kdd/KDDTrain+.txt.gz")
    assert str(err.value) == (f"data folder {low} has no nsl_kdd/: pass --data DIR (the folder "
                              f"holding the datasets) or set HOURGLASS_DATA; {low} is the nsl_kdd/ "
                              f"folder itself: pass {tmp_path}")
    assert common.data_dir(str(tmp_path), "nsl_kdd/KDDTrain+.txt.gz") == tmp_path


def test_a_damaged_odds_set_stops_a_benchmark_in_one_line(tmp_path: Path) -> None:
    # what was wrong: benchmarks/tabular.py (gan.py, threshold_bound.py ...) on an ODDS .npz cut
    # short ended in a zipfile.BadZipFile traceback, on an empty one in EOFError, on one without
    # 'X' in a KeyError, exit code 1, after the sets before it had run
    import numpy as np

    common = _bench_common()
    (tmp_path / "SOURCE.md").write_text("ADBench\n")
    see = f" (see {tmp_path / 'SOURCE.md'})"
    np.savez(tmp_path / "good.npz", X=np.arange(6).reshape(3, 2), y=np.array([0, 0, 1]))
    X, y = common.odds_arrays(tmp_path, "good")
    assert X.dtype == np.float64 and X.tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    assert y.tolist() == [0, 0, 1]
    (tmp_path / "cut.npz").write_bytes((tmp_path / "good.npz").read_bytes()[:100])
    with pytest.raises(SystemExit) as err:
        common.odds_arrays(tmp_path, "cut")
    assert str(err.value) == (f"{tmp_path / 'cut.npz'}: cannot read as an ODDS/ADBench .npz "
                              f"(File is not a zip file){see}")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(SystemExit, match=r"empty\.npz: cannot read as an ODDS/ADBench \.npz"):
        common.odds_arrays(tmp_path, "empty")
    np.savez(tmp_path / "other.npz", A=np.zeros(3))
    with pytest.raises(SystemExit) as err:
        common.odds_arrays(tmp_path, "other")
    assert str(err.value) == (f"{tmp_path / 'other.npz'}: no array 'X' (has A); an ODDS/ADBench "
                              f"set holds X and y{see}")
    np.savez(tmp_path / "short.npz", X=np.zeros((3, 2)), y=np.zeros(2))
    with pytest.raises(SystemExit, match=r"X \(3, 2\) and y \(2,\) are not rows x features"):
        common.odds_arrays(tmp_path, "short")


def test_a_damaged_dataset_file_stops_a_benchmark_in_one_line(tmp_path: Path) -> None:
    # what was wrong: an empty loghub_2k/HDFS/HDFS_2k.log.gz (or a KDDTest+.txt.gz cut short)
    # ended benchmarks/loghub.py (explain_gradients.py ...) in an InputError traceback, exit 1,
    # though the error's own line named the file and what was wrong with it
    import os
    import subprocess
    import sys

    folder = tmp_path / "loghub_2k" / "HDFS"
    folder.mkdir(parents=True)
    (folder / "HDFS_2k.log.gz").write_bytes(gzip.compress(b""))
    (folder / "HDFS_2k.log_structured.csv.gz").write_bytes(gzip.compress(b"LineId,EventId\n"))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    got = subprocess.run([sys.executable, str(BENCH / "loghub.py"), "--data", str(tmp_path),
                          "--sets", "HDFS", "--no-write"], capture_output=True, text=True, env=env,
                         timeout=120)
    assert got.returncode == 2, got.stderr
    assert got.stderr.strip() == (f"{folder / 'HDFS_2k.log.gz'}: the log is empty (no lines to "
                                  "learn templates from)")


def test_nab_windows_that_cover_no_time_of_the_series_are_said(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: a combined_windows.json whose windows for the series lie outside its times
    # (windows of another copy, another time zone) labelled every step normal without a word:
    # 'hourglass evaluate --dataset nab' reported a series with no anomaly
    import json
    import logging

    from hourglass.ingest.timeseries import read_nab

    series = tmp_path / "data" / "realKnownCause" / "taxi.csv"
    series.parent.mkdir(parents=True)
    series.write_text("timestamp,value\n" + "".join(f"2014-07-01 0{h}:00:00,{h}\n" for h in range(4)))
    (tmp_path / "labels").mkdir()
    windows = tmp_path / "labels" / "combined_windows.json"
    away = ["1999-01-01 00:00:00", "1999-01-02 00:00:00"]
    windows.write_text(json.dumps({"realKnownCause/taxi.csv": [away]}))
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        assert read_nab(series)["label"].tolist() == [0, 0, 0, 0]
    assert [r.getMessage() for r in caplog.records] == [
        f"{windows}: no window of 'realKnownCause/taxi.csv' covers a time of {series} (its times "
        "run 2014-07-01 00:00:00 to 2014-07-01 03:00:00): every step is labelled normal; are the "
        "windows for another copy of the series?"]
    caplog.clear()
    windows.write_text(json.dumps({"realKnownCause/taxi.csv": [
        away, ["2014-07-01 02:00:00", "2014-07-01 02:30:00"]]}))
    with caplog.at_level(logging.WARNING, logger="hourglass"):  # one window inside: as before
        assert read_nab(series)["label"].tolist() == [0, 0, 1, 0]
    windows.write_text(json.dumps({"realKnownCause/taxi.csv": []}))  # no window (NoAnomaly sets)
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        assert read_nab(series)["label"].tolist() == [0, 0, 0, 0]
    assert not caplog.records


def test_an_asd_test_file_without_its_label_file_names_the_file_looked_for(tmp_path: Path) -> None:
    # what was wrong: evaluate --dataset asd on test/omi-1.txt with test_label/omi-1.txt missing
    # said 'asd: this file has no labels (column 'label')': ASD's files have no label column,
    # and the file whose absence it was went unnamed
    from hourglass.errors import InputError
    from hourglass.ingest.timeseries import TIMESERIES_DATASETS

    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "omi-1.txt").write_text("0.1,0.2\n0.3,0.4\n0.5,0.6\n")
    asd = TIMESERIES_DATASETS["asd"]
    df = asd.read(tmp_path / "test" / "omi-1.txt")
    with pytest.raises(InputError) as info:
        asd.test_part(df)
    assert str(info.value) == (f"asd: this file has no labels: no {tmp_path / 'test_label' / 'omi-1.txt'}"
                               "(.gz), the test_label/ file beside its test/ folder; evaluate on a "
                               "labelled file")
    (tmp_path / "test_label").mkdir()
    (tmp_path / "test_label" / "omi-1.txt").write_text("0\n0\n1\n")
    assert asd.test_part(asd.read(tmp_path / "test" / "omi-1.txt"))["label"].tolist() == [0, 0, 1]


def test_otrf_recordings_checked_up_front_and_an_extra_file_left_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # what was wrong: benchmarks/entity.py read every mordor_otrf/*/*.json.gz after minutes of
    # synthetic runs: an extra file of no recording it knows ended in a StopIteration traceback,
    # and a partial copy (a recording missing) gave its figures over fewer recordings, unsaid
    common = _bench_common()
    import entity

    folder = tmp_path / "mordor_otrf" / "execution"
    folder.mkdir(parents=True)
    for name in entity.KEYWORDS:
        (folder / f"{name}_2020-10-18.json.gz").write_bytes(gzip.compress(b"{}\n"))
    (folder / "my_notes.json.gz").write_bytes(gzip.compress(b"{}\n"))
    files = entity.otrf_files(tmp_path)
    assert len(files) == len(entity.KEYWORDS) and ("comsvcs" in {kw for _, kw in files})
    n = len(entity.KEYWORDS)
    assert capsys.readouterr().err == (f"note: {folder / 'my_notes.json.gz'}: not one of the {n} "
                                       "OTRF recordings this benchmark reads; left out\n")
    (folder / "schtask_create_2020-10-18.json.gz").unlink()
    with pytest.raises(common.OptionError) as err:
        entity.otrf_files(tmp_path)
    assert str(err.value) == (f"{tmp_path / 'mordor_otrf'}: no recording schtask_create*.json.gz in its "
                              f"folders (1 of the {len(entity.KEYWORDS)} this benchmark reads missing; see "
                              f"{tmp_path / 'mordor_otrf' / 'SOURCE.md'})")


def test_winlogbeat_otrf_script_names_a_missing_recording_before_training(tmp_path: Path) -> None:
    # what was wrong: benchmarks/winlogbeat_otrf.py with a test recording missing from
    # mordor_otrf/ trained on what was there and ended in a CalledProcessError traceback (an
    # empty test file scored, or no labelled event for the ROC-AUC)
    import os
    import subprocess
    import sys

    folder = tmp_path / "mordor_otrf" / "execution"
    folder.mkdir(parents=True)
    (folder / "schtask_create_2020-12-19.json.gz").write_bytes(gzip.compress(b"{}\n"))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    got = subprocess.run([sys.executable, str(BENCH / "winlogbeat_otrf.py"), "--data", str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert got.returncode == 2, got.stderr
    otrf = tmp_path / "mordor_otrf"
    assert got.stderr.strip() == (f"{otrf}: no recording psh_lsass_memory_dump_comsvcs*.json.gz in its "
                                  f"folders (14 of the 15 this benchmark reads missing; see "
                                  f"{otrf / 'SOURCE.md'})")
