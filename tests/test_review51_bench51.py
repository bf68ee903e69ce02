"""Review 51 (bench51): the benchmark scripts as a user runs them. Each test one defect fixed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))


# what a script's main() sets for the whole process, put back after each test
pytestmark = pytest.mark.usefixtures("script_state_kept")


@pytest.mark.parametrize("script, option, value", [
    ("logs_scale", "--lines", "0"),
    ("logs_scale", "--train-lines", "-3"),
    ("alert_groups", "--hosts", "0"),
    ("alert_groups", "--flood-rows", "-1"),
    ("formats_read", "--rows", "0"),
    ("formats_read", "--repeats", "0"),
    ("suppress", "--rows", "0"),
    ("log_stream", "--lines", "0"),
    ("scale", "--rows", "0"),
    ("hdfs", "--epochs", "0"),
    ("nsl_kdd", "--throughput-rows", "0"),
    ("gan", "--pyod-anogan-rows", "0"),
    ("tabular", "--threads", "0"),
])
def test_a_count_option_below_1_is_refused_before_any_work(
        script: str, option: str, value: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # Count options read with a bare type=int took 0 or a negative count and crashed later:
    # `alert_groups.py --hosts 0` (ValueError: No objects to concatenate), `--flood-rows -1`
    # (negative dimensions), `formats_read.py --rows 0` (an InputError traceback), `--repeats 0`
    # ran for minutes, `logs_scale.py --lines -5` generated "-1 blocks" and stopped with exit
    # code 1 once `hourglass train` refused the empty log. Now argparse refuses them: exit 2.
    module = __import__(script)
    extra = ["--part", "odds"] if script == "gan" else []
    monkeypatch.setattr(sys, "argv", [f"{script}.py", *extra, option, value])
    with pytest.raises(SystemExit) as stop:
        module.main()
    assert stop.value.code == 2
    assert (f"argument {option}: {value!r} is not an integer >= 1"
            in capsys.readouterr().err.strip().splitlines()[-1])


@pytest.mark.parametrize("script", ["logs_scale", "scale"])
def test_a_work_folder_that_is_a_file_is_refused_in_one_line(
        script: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # `logs_scale.py --dir FILE` (and scale.py's) stopped with a FileExistsError traceback from
    # mkdir and exit code 1. Now argparse refuses it: one line, exit code 2, before any work.
    module = __import__(script)
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--dir", str(blocker)])
    with pytest.raises(SystemExit) as stop:
        module.main()
    assert stop.value.code == 2
    assert (f"argument --dir: cannot use {blocker}: a file, not a folder"
            in capsys.readouterr().err.strip().splitlines()[-1])
    assert blocker.read_text() == ""


def test_work_folder_makes_a_missing_folder_and_refuses_one_under_a_file(tmp_path: Path) -> None:
    import argparse

    from _common import work_folder

    assert work_folder(str(tmp_path / "a" / "b")) == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b").is_dir() and list((tmp_path / "a" / "b").iterdir()) == []
    (tmp_path / "f").write_text("")
    with pytest.raises(argparse.ArgumentTypeError, match=r"cannot use .*/f/x: Not a directory"):
        work_folder(str(tmp_path / "f" / "x"))


def test_onnx_speed_without_onnxruntime_says_which_extra(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    # onnx_speed.py imported onnxruntime (and hourglass' export, which imports onnx) at the top:
    # without the onnx extra even --help stopped with "ModuleNotFoundError: No module named
    # 'onnxruntime'", exit code 1, not saying what to install. Now --help works and a run stops
    # with one line naming the extra, exit code 2, before the data is read.
    import runpy

    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    monkeypatch.setitem(sys.modules, "onnx", None)
    monkeypatch.setattr(sys, "argv", ["onnx_speed.py", "--help"])
    with pytest.raises(SystemExit) as helped:
        runpy.run_path(str(BENCH / "onnx_speed.py"), run_name="__main__")
    assert helped.value.code == 0
    assert "onnxruntime against torch scoring speed" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["onnx_speed.py", "--data", "/no/such/folder"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(BENCH / "onnx_speed.py"), run_name="__main__")
    assert stop.value.code == 2
    assert capsys.readouterr().err == ('onnx_speed.py needs onnx, onnxruntime, not installed here: '
                                       'pip install -c constraints.txt -e ".[onnx]"\n')


@pytest.mark.parametrize("script, value", [("serve_multi", "99999"), ("serve_throughput", "0"),
                                           ("latency", "-1")])
def test_a_port_out_of_range_is_refused_before_any_work(
        script: str, value: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # `serve_multi.py --port 99999` trained its three models, then stopped with "hourglass serve
    # .../table exited with 2" and exit code 1, not saying why. Now argparse refuses it.
    module = __import__(script)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--port", value])
    with pytest.raises(SystemExit) as stop:
        module.main()
    assert stop.value.code == 2
    assert (f"argument --port: {value!r} is not a TCP port from 1 to 65535"
            in capsys.readouterr().err.strip().splitlines()[-1])


@pytest.mark.parametrize("script, option, value, bounds", [
    ("tabular", "--label-rate", "1", "0 < x < 1"),
    ("nsl_kdd", "--percentile", "150", "0 <= x <= 100"),
    ("suppress", "--planted", "2", "0 <= x < 1"),
    ("alert_groups", "--train-days", "-1", "0 < x"),
    ("alert_groups", "--days", "nan", "0 < x"),
])
def test_a_number_option_out_of_its_range_is_refused_before_any_work(
        script: str, option: str, value: str, bounds: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # Number options read with a bare type=float failed only after the work they ran first:
    # `tabular.py --semi --label-rate 1` ran the whole comparison, then a ZeroDivisionError lost
    # its table; `nsl_kdd.py --percentile 150` trained every model, then "ValueError:
    # Percentiles must be in the range [0, 100]"; `suppress.py --planted 2` "Cannot take a
    # larger sample than population"; `alert_groups.py --train-days -1` exit 1 on an empty CSV.
    module = __import__(script)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", option, value])
    with pytest.raises(SystemExit) as stop:
        module.main()
    assert stop.value.code == 2
    assert (f"argument {option}: {value!r} is not a number x with {bounds}"
            in capsys.readouterr().err.strip().splitlines()[-1])
