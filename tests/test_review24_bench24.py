"""Benchmark scripts walked against benchmarks/README.md: each test one defect fixed."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))


# what a script's main() sets for the whole process, put back after each test
pytestmark = pytest.mark.usefixtures("script_state_kept")


def test_a_bad_data_folder_exits_with_code_2_in_one_line(tmp_path: Path) -> None:
    # A missing --data folder (or unknown --sets, --seeds -1, ...) printed its one line but exited
    # with code 1 (a plain SystemExit(text)), where argparse's own option errors exit with 2.
    env = {**os.environ, "PYTHONPATH": str(BENCH.parent / "src")}
    got = subprocess.run([sys.executable, str(BENCH / "warm_start.py"), "--data", str(tmp_path / "no"),
                          "--no-write"], capture_output=True, text=True, env=env, timeout=300)
    assert got.returncode == 2, got
    assert got.stderr.strip() == (f"data folder {tmp_path / 'no'} not found: pass --data DIR or set "
                                  "HOURGLASS_DATA")


def test_run_script_turns_an_option_error_into_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    # The shared checks (names, ints, data_dir, need_pyod) stopped a script with exit code 1.
    from _common import names, run_script

    with pytest.raises(SystemExit) as stop:
        run_script(lambda: names("--sets", "a,x", ["a", "b"]))
    assert stop.value.code == 2
    assert capsys.readouterr().err == "--sets: unknown x; known: a, b\n"
    with pytest.raises(SystemExit) as other:  # a failure at run time keeps its own exit
        run_script(lambda: (_ for _ in ()).throw(SystemExit("hourglass train failed")))
    assert other.value.code == "hourglass train failed"


def _first_paragraph(script: str) -> str:
    doc = ast.get_docstring(ast.parse((BENCH / f"{script}.py").read_text()), clean=False) or ""
    return " ".join(doc.split("\n\n")[0].split())


@pytest.mark.parametrize("script", ["alert_groups", "drift", "entity", "hdfs", "latency", "loghub",
                                    "serve_multi", "suppress", "timeseries_explain", "warm_start_logs"])
def test_help_gives_the_whole_first_sentence(script: str, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    # --help showed the docstring's first line only, cut mid-sentence ("... how many alerts an
    # analyst gets, and what it").
    module = __import__(script)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--help"])
    with pytest.raises(SystemExit) as stop:
        module.main()
    assert stop.value.code == 0
    assert _first_paragraph(script) in " ".join(capsys.readouterr().out.split())


def test_a_result_file_header_says_the_command_that_wrote_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # 21 result files (nsl_kdd.md, warm_start.md, threshold_bound.md, ...) did not say the command
    # that wrote them: only fit_time, hdfs, semi_selection, tabular(_selection) and timeseries
    # wrote one themselves (and pass command=False).
    from _common import header

    monkeypatch.setattr(sys, "argv", [str(BENCH / "warm_start.py"), "--seeds", "0,1", "--data", "/d d"])
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert ("\nCommand: `OMP_NUM_THREADS=1 python benchmarks/warm_start.py --seeds 0,1 --data '/d d'`\n"
            in header("Warm start"))
    assert "Command:" not in header("Tabular", command=False)


@pytest.mark.parametrize("script, extra", [
    ("tabular", ["--sets", "18_Ionosphere", "--seeds", "1", "--models", "iforest"]),
    ("threshold_bound", ["--sets", "18_Ionosphere", "--seeds", "1"]),
    ("formats_read", ["--rows", "10"]),
])
def test_an_unwritable_out_is_refused_before_the_run(script: str, extra: list[str], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # --out under a path that cannot be a folder ran the whole benchmark (tabular: 7 minutes on
    # Ionosphere alone) and then stopped with a FileNotFoundError traceback, its table lost.
    module = __import__(script)
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = blocker / "x"
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--data", str(tmp_path), *extra, "--out", str(out)]
                        if script != "formats_read" else [f"{script}.py", *extra, "--out", str(out)])
    with pytest.raises(SystemExit) as stop:
        module.main()
    assert stop.value.code == 2
    assert f"argument --out: cannot write {out}" in capsys.readouterr().err.strip().splitlines()[-1]


def test_write_result_goes_through_a_temporary_file(tmp_path: Path) -> None:
    # write_result wrote the result file in place: an interrupted write left half a table over
    # the committed full run. Now a temporary file beside it is renamed into place.
    from _common import write_result

    path = write_result(str(tmp_path / "sub" / "r"), "| a |\n")
    assert path == tmp_path / "sub" / "r.md" and path.read_text() == "| a |\n"
    assert [p.name for p in path.parent.iterdir()] == ["r.md"]


def test_warm_start_logs_no_write_prints_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # --no-write ("print the tables, write nothing") printed each row as a Python list and then
    # only "not written": the markdown table the README quotes was never shown (warm_start_series
    # alike).
    import numpy as np

    import warm_start_logs as wsl

    monkeypatch.setattr(wsl, "data_dir", lambda *a, **k: tmp_path)
    monkeypatch.setattr(wsl, "load", lambda root: ([np.array([1, 2])], [np.array([1, 3])],
                                                   [np.array([1])], np.array([0])))
    monkeypatch.setattr(wsl, "run", lambda name, seed, epochs, data: {
        "M (OLD)": {**dict.fromkeys(wsl.FIGS, 0.5), "fit_s": 1.0, "epochs": 2}})
    monkeypatch.setattr(wsl, "write_result", lambda *a: pytest.fail("written under --no-write"))
    monkeypatch.setattr(sys, "argv", ["warm_start_logs.py", "--models", "event-count-autoencoder",
                                      "--seeds", "0", "--no-write"])
    wsl.main()
    out = capsys.readouterr().out
    assert "| model | variant | threshold | precision |" in out
    assert "| event-count-autoencoder | M (OLD) | p99 held-out | 0.5000 |" in out


@pytest.mark.parametrize("script, argv", [
    ("drift", ["--seeds", "0"]), ("drift", ["--shuffles", "0"]), ("gan_selection", ["--seeds", "0"]),
    ("semi_selection", ["--seeds", "0"]), ("series_stream", ["--seeds", "0"]),
    ("series_stream", ["--repeat", "0"]), ("suppress", ["--repeat", "0"]), ("fit_time", ["--repeat", "0"]),
])
def test_a_count_below_one_is_refused_before_a_result_is_written(
        script: str, argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # drift.py --seeds 0 ran no model and overwrote results/drift.md with an empty table (rc 0);
    # --repeat 0 ran the whole benchmark and stopped on the median of no timings.
    module = __import__(script)
    monkeypatch.setattr(module, "write_result", lambda *a: pytest.fail("a result was written"),
                        raising=False)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", *argv])
    with pytest.raises(SystemExit) as stop:
        module.main()
    assert stop.value.code == 2
    assert f"argument {argv[0]}: '0' is not an integer >= 1" in capsys.readouterr().err
