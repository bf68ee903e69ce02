"""Resources that run out mid-way (review 32): standard output on a full disk after the output
was written, a file-size limit on a SQLite output, no file descriptor left."""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import ab_model, runner

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    return env


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ab_model(tmp_path_factory.mktemp("rlim32"))


def _rows(path: Path, n: int) -> Path:
    path.write_text("a,b\n" + "".join(f"{i % 7 / 7:.6f},{i % 11 / 11:.6f}\n" for i in range(n)))
    return path


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_standard_output_after_the_output_file_names_that_file_written_in_full(
        model: Path, tmp_path: Path) -> None:
    # What was wrong: `score -o scores.csv > /dev/full` (and `train -o model/`, `evaluate --json
    # m.json` ...) wrote its output whole, then its summary line found standard output full and
    # the command ended with 'no space left on device: free some space or write the output
    # elsewhere' alone, as if nothing had been written (a script reran it, a user deleted it).
    # The line now names the output already complete, as an interruption's line does.
    data, out = _rows(tmp_path / "x.csv", 50), tmp_path / "scores.csv"
    with open("/dev/full", "wb") as full:
        res = subprocess.run([sys.executable, "-m", "hourglass", "--threads", "1", "score",
                              str(Path(model)), str(data), "-o", str(out)], env=_env(), cwd=tmp_path,
                             stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr, res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert errors == ["error: no space left on device: free some space or write the output "
                      f"elsewhere; {out} written in full"], res.stderr
    assert len(out.read_text().splitlines()) == 51


def _file_size_limit(limit: int) -> Any:
    def set_limit() -> None:  # writes past the limit fail with EFBIG, not by SIGXFSZ
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    return set_limit


def test_a_sqlite_output_past_the_file_size_limit_is_said_as_a_too_large_file(
        model: Path, tmp_path: Path) -> None:
    # What was wrong: `score -o scores.sqlite` under a file-size limit (`ulimit -f`) ended with
    # 'could not write to the database (disk I/O error)' and exit code 2, blaming the input,
    # where a CSV, Parquet or JSON-lines output at the same limit says 'file too large' with
    # exit code 1 (SQLite gives no errno for EFBIG, and rolls the file back below the limit).
    data, out = _rows(tmp_path / "x.csv", 6000), tmp_path / "scores.sqlite"
    out.write_bytes(b"OLD")
    res = subprocess.run([sys.executable, "-m", "hourglass", "--threads", "1", "score",
                          str(model), str(data), "-o", str(out)], env=_env(), cwd=tmp_path,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120,
                         preexec_fn=_file_size_limit(48 * 1024))
    assert res.returncode == 1, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines[-1] == "error: file too large: free some space or write the output elsewhere", lines
    assert "Traceback" not in res.stderr
    assert out.read_bytes() == b"OLD"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.sqlite", "x.csv"]


def test_no_file_descriptor_left_is_one_line_not_a_traceback(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: an output opened when the process had no file descriptor left (`ulimit -n`
    # reached: EMFILE) ended in a Python traceback ('OSError: [Errno 24] Too many open files')
    # with exit code 1: only a full disk among such errors was said in one line. It is now one
    # line naming the file and the limit to raise, exit code 1 (the input was fine).
    data, out = _rows(tmp_path / "x.csv", 20), tmp_path / "scores.csv"
    real = tempfile.mkstemp

    def no_fd_left(*args: Any, **kwargs: Any) -> Any:
        if str(kwargs.get("prefix", "")).startswith(".scores.csv."):
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", no_fd_left)
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert errors == [f"error: too many open files ({out}): raise the limit (ulimit -n) and run "
                      "the command again"], res.stderr
    assert not out.exists()



def _fails_on_load(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    import hourglass.pipeline as pipeline_mod

    def load(*args: Any, **kwargs: Any) -> Any:
        raise exc

    monkeypatch.setattr(pipeline_mod, "load", load)


def test_score_out_of_memory_advises_its_own_option_not_trainings(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: `score` (and `explain`, `evaluate` ...) out of memory said 'train with a
    # lower --batch-size, or on a sample (--memory-budget GB, --sample-rows N)': options score
    # does not have ('No such option' when followed), and --memory-budget is in MB, not GB. The
    # line now names what the running command can change (score: --chunk-mb).
    data, out = _rows(tmp_path / "x.csv", 20), tmp_path / "scores.csv"
    _fails_on_load(monkeypatch, MemoryError())
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert res.stderr.strip().splitlines() == [
        "error: out of memory: free some memory, or give a smaller --chunk-mb"]
    res = runner.invoke(app, ["evaluate", str(model), str(data)])
    assert res.exit_code == 1, res.output
    assert res.stderr.strip().splitlines() == [
        "error: out of memory: free some memory, or raise the limit (ulimit -v), or give less data"]
    assert not out.exists()
    import hourglass.pipeline.pipeline as pipeline_module

    def fit(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(pipeline_module.Pipeline, "fit", fit)
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m2"), "--epochs", "1"])
    assert res.exit_code == 1, res.output
    assert res.stderr.strip().splitlines()[-1] == (
        "error: out of memory: train with a lower --batch-size, or on a sample (--memory-budget MB, "
        "--sample-rows N)"), res.stderr


def test_a_library_the_loader_has_no_memory_to_map_is_one_line(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: under a memory limit (`ulimit -v 2000000`) that let hourglass start but not
    # load a library it imports on use (scipy's, from sklearn), the command ended in a traceback
    # ('ImportError: .../_core.cpython-311-x86_64-linux-gnu.so: failed to map segment from shared
    # object'), exit code 1. It is now one line saying memory ran out, exit code 1.
    data, out = _rows(tmp_path / "x.csv", 20), tmp_path / "scores.csv"
    _fails_on_load(monkeypatch, ImportError(
        "/venv/lib/scipy/_core.cpython-311-x86_64-linux-gnu.so: failed to map segment from shared object"))
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines() == [
        "error: out of memory loading the library _core.cpython-311-x86_64-linux-gnu.so: raise the "
        "memory limit (ulimit -v) or free some memory"], res.stderr
    assert not out.exists()
