"""Outputs under adverse conditions (review 25): a full disk part-way through a write, an
interrupt while the command starts up, a benchmark's result file that cannot be written."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests._cli import ab_model

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    return env


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ab_model(tmp_path_factory.mktemp("out25"))


def _file_size_limit(limit: int) -> None:
    """``preexec_fn``: writes past ``limit`` bytes fail with EFBIG (as on a full disk), not by
    the SIGXFSZ that would kill the process."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))


def _whole_json_lines(path: Path) -> list[dict]:
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), data[-80:]
    return [json.loads(line) for line in data.splitlines()]


@pytest.mark.parametrize("to_stdout", [False, True])
def test_a_stream_that_fills_the_disk_leaves_whole_alert_lines(model: Path, tmp_path: Path,
                                                                to_stdout: bool) -> None:
    # What was wrong: `stream -o alerts.jsonl` (or `> alerts.jsonl`) on a disk that filled up
    # part-way through a batch left the half of an alert line that fitted at the file's end
    # ('{"row":126,"score":0.92,"severity"'): a JSON-lines reader failed on it, and the next
    # stream appended onto it. The file now keeps only whole lines (those written before).
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"a": 5.0 + i, "b": 7.0}) + "\n" for i in range(3000)))
    out = tmp_path / "alerts.jsonl"
    args = [sys.executable, "-m", "hourglass", "stream", str(model), "-i", str(rows), "--batch", "64"]
    with open(out, "wb") if to_stdout else open(os.devnull, "wb") as stdout:
        res = subprocess.run(args if to_stdout else [*args, "-o", str(out)], env=_env(),
                             stdout=stdout, stderr=subprocess.PIPE, timeout=300,
                             preexec_fn=lambda: _file_size_limit(5000))
    stderr = res.stderr.decode()
    assert res.returncode == 1, stderr
    assert "Traceback" not in stderr and "error: file too large" in stderr, stderr
    alerts = _whole_json_lines(out)
    assert 0 < len(alerts) < 3000 and out.stat().st_size <= 5000
    assert [a["row"] for a in alerts] == list(range(len(alerts)))


def test_ctrl_c_that_cuts_an_import_short_is_the_interruption_not_a_traceback(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: Ctrl-C in the first seconds of a command, while it imported numpy, torch or
    # scikit-learn, left a half-imported compiled module behind, and the error that came of it
    # ("ImportError: cannot load module more than once per process", a RecursionError) was a
    # traceback with exit code 1. The CLI now notes Ctrl-C: an error after it is the
    # interruption (one line, exit code 130), and nothing is written.
    from hourglass.cli.app import main

    def cut_short_import(*args: object, **kwargs: object) -> None:
        try:
            signal.raise_signal(signal.SIGINT)
            for _ in range(10_000_000):  # the handler runs between two of these
                pass
        except KeyboardInterrupt:  # what a compiled module's import can make of it
            raise ImportError("cannot load module more than once per process") from None

    monkeypatch.setattr("hourglass.pipeline.load", cut_short_import)
    data, out = tmp_path / "x.csv", tmp_path / "s.csv"
    data.write_text("a,b\n0.5,0.5\n")
    monkeypatch.setattr("sys.argv", ["hourglass", "score", str(model), str(data), "-o", str(out)])
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # (a background test run ignores it)
    try:
        with pytest.raises(SystemExit) as exit_:
            main()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
    finally:
        signal.signal(signal.SIGINT, before)
    assert exit_.value.code == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err and "interrupted before the command finished" in err, err
    assert list(tmp_path.iterdir()) == [data]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_benchmark_result_file_on_a_full_disk_is_one_line(bench_common: Any) -> None:
    # What was wrong: a benchmark script whose --out file found the disk full (`formats_read.py
    # --out /dev/full`, a full results folder) ended after the whole run with an OSError
    # traceback from the writer; write_text now ends it with one line naming the file (exit
    # code 1, as the CLI's full disk), the table already on stdout.
    with pytest.raises(SystemExit) as stop:
        bench_common.write_text(Path("/dev/full"), "| a | b |\n")
    assert stop.value.code == "cannot write /dev/full: No space left on device"


def test_a_benchmark_out_under_a_file_says_so(bench_common: Any, tmp_path: Path) -> None:
    # What was wrong: `--out flows.csv/r.md` (a file where the folder should be) was refused as
    # "cannot write flows.csv/r.md: File exists" (mkdir's words), which names no problem.
    import argparse

    (tmp_path / "flows.csv").write_text("a\n1\n")
    with pytest.raises(argparse.ArgumentTypeError, match=r"flows\.csv is a file, not a folder"):
        bench_common.output_file(str(tmp_path / "flows.csv" / "r.md"))
    assert (tmp_path / "flows.csv").read_text() == "a\n1\n"


@pytest.mark.parametrize("command", [["train", "{data}", "--epochs", "1"],
                                     ["threshold", "{model}", "--threshold", "percentile:99.5"]])
def test_a_model_output_in_a_missing_folder_names_the_option(model: Path, tmp_path: Path,
                                                             command: list[str]) -> None:
    # What was wrong: `train ... -o nodir/m` and `threshold MODEL -o nodir/m` said
    # "nodir/m: output folder nodir does not exist" without the option, where every other
    # refusal of the model folder (and score's, explain's -o) starts "--output PATH:".
    from tests._cli import one_line_error

    data = model.parent / "train.csv"
    target = tmp_path / "nodir" / "m"
    args = [a.format(data=data, model=model) for a in command]
    one_line_error([*args, "-o", str(target)],
                   f"--output {target}: output folder {target.parent} does not exist", target)
    assert not target.parent.exists()
