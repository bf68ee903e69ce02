"""Review round 51 (env51): the process environment and global options."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.serve.security import read_api_key

KEY = "0123456789abcdef0123"


def test_a_refused_key_from_the_environment_names_the_variable() -> None:
    # what was wrong: HOURGLASS_API_KEY=short said 'API key: too short (5 characters ...)' and
    # a key with a space 'API key: only printable ASCII ...', naming no source
    with pytest.raises(InputError, match=r"^\$HOURGLASS_API_KEY: API key: too short \(5 characters"):
        read_api_key(None, {"HOURGLASS_API_KEY": "short"})
    with pytest.raises(InputError, match=r"^\$HOURGLASS_API_KEY: API key: only printable ASCII"):
        read_api_key(None, {"HOURGLASS_API_KEY": "key with spaces inside it"})
    with pytest.raises(InputError, match=r"^\$HOURGLASS_API_KEY: API key: none given"):
        read_api_key(None, {"HOURGLASS_API_KEY": " \n"})
    with pytest.raises(InputError, match=r"^API key: none given"):  # unset: no variable to name
        read_api_key(None, {})


def test_a_refused_key_from_a_file_names_the_file_not_the_variable(tmp_path: Path) -> None:
    # what was wrong: with both set, the file's short key was refused as 'API key: too short'
    # while the variable held a good key: the message did not say which one was read
    key_file = tmp_path / "key.txt"
    key_file.write_text("short\n", encoding="utf-8")
    key_file.chmod(0o600)
    with pytest.raises(InputError, match=rf"^--api-key-file {key_file}: API key: too short"):
        read_api_key(key_file, {"HOURGLASS_API_KEY": KEY})
    key_file.write_text(f"{KEY}\n", encoding="utf-8")
    assert read_api_key(key_file, {"HOURGLASS_API_KEY": "short"}) == KEY  # the file wins


def test_a_data_folder_from_the_environment_is_named_as_the_variable(tmp_path: Path) -> None:
    # what was wrong: HOURGLASS_DATA=/no/such benchmark --suite nsl-kdd said '--data /no/such:
    # no KDDTrain+ ...', an option the user never typed; a typed --data still wins and is named
    from typer.testing import CliRunner

    from hourglass.cli.app import app

    missing = tmp_path / "no"
    res = CliRunner().invoke(app, ["benchmark", "--suite", "nsl-kdd"], env={"HOURGLASS_DATA": str(missing)})
    assert res.exit_code == 2, res.output
    assert res.stderr.strip() == (f"error: HOURGLASS_DATA={missing}: no KDDTrain+.txt(.gz) and "
                                  "KDDTest+.txt(.gz) there (nor in its nsl_kdd/ folder)")
    other = tmp_path / "typed"
    res = CliRunner().invoke(app, ["benchmark", "--suite", "nsl-kdd", "--data", str(other)],
                             env={"HOURGLASS_DATA": str(missing)})
    assert res.exit_code == 2 and res.stderr.startswith(f"error: --data {other}: no KDDTrain+"), res.stderr


@pytest.mark.parametrize("omp", ["", "abc", "0"])
def test_an_omp_num_threads_that_sets_no_count_keeps_the_idle_core_rule(
        monkeypatch: pytest.MonkeyPatch, omp: str) -> None:
    # what was wrong: any OMP_NUM_THREADS, even an empty one (which OpenMP and torch ignore),
    # turned the idle-core rule off: on two busy cores a run kept torch's 2 spinning threads
    import torch
    from typer.testing import CliRunner

    from hourglass.cli.app import app

    before = torch.get_num_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", omp)
    monkeypatch.delenv("HOURGLASS_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr("os.getloadavg", lambda: (2.6, 2.0, 1.0))  # another job on both cores
    # the counts the command sets (it puts the caller's back when it ends: test_review53_left53)
    real, counts = torch.set_num_threads, []
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (counts.append(n), real(n))[1])
    try:
        real(2)
        assert CliRunner().invoke(app, ["train", "missing.csv", "-o", "m"]).exit_code == 2
        assert counts[:1] == [1]
        monkeypatch.setenv("OMP_NUM_THREADS", "2")  # a count: respected, as before
        counts.clear()
        real(2)
        assert CliRunner().invoke(app, ["train", "missing.csv", "-o", "m"]).exit_code == 2
        assert counts == [] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_a_zero_columns_environment_still_prints_the_tables_and_the_help() -> None:
    # what was wrong: COLUMNS=0 (a CI runner's, a terminal with no size yet) made rich print at
    # width 0: 'models' and '--help' wrote nothing, 'evaluate' a metrics table without a figure,
    # all with exit code 0
    import os
    import subprocess
    import sys

    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1", "COLUMNS": "0"}
    env.pop("TERMINAL_WIDTH", None)
    models = subprocess.run([sys.executable, "-m", "hourglass", "models"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert models.returncode == 0, models.stderr
    assert models.stdout.startswith("hourglass detectors\n") and "autoencoder" in models.stdout
    helped = subprocess.run([sys.executable, "-m", "hourglass", "--help"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert helped.returncode == 0 and "Usage:" in helped.stdout and "--threads" in helped.stdout


@pytest.mark.parametrize("width", ["abc", "0"])
def test_an_unusable_terminal_width_environment_still_prints_the_help(width: str) -> None:
    # what was wrong: typer reads TERMINAL_WIDTH with int() as its help is printed: 'abc' stopped
    # '--help' with a ValueError traceback, '0' printed a help without a line of text
    import os
    import subprocess
    import sys

    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1", "TERMINAL_WIDTH": width}
    env.pop("COLUMNS", None)
    helped = subprocess.run([sys.executable, "-m", "hourglass", "--help"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert helped.returncode == 0, helped.stderr
    assert "Traceback" not in helped.stderr
    assert "Usage:" in helped.stdout and "--threads" in helped.stdout


def test_a_console_made_under_zero_columns_has_a_width(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from hourglass.cli._output import _Console

    monkeypatch.setenv("COLUMNS", "0")
    assert _Console(file=io.StringIO()).width == 80


def test_a_global_option_after_the_command_is_said_to_go_before_it() -> None:
    # what was wrong: 'hourglass train data.csv -o m --threads 2' said 'No such option:
    # --threads (Possible options: --threshold)', advice that does not work
    import os
    import subprocess
    import sys

    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1"}
    got = subprocess.run([sys.executable, "-m", "hourglass", "train", "d.csv", "-o", "m", "--threads", "2"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert got.returncode == 2
    assert got.stderr == ("error: --threads: an option of hourglass itself, not of 'train': give it before "
                          "the command (python -m hourglass --threads ... train ...) "
                          "(see 'python -m hourglass --help')\n")
    got = subprocess.run([sys.executable, "-m", "hourglass", "train", "d.csv", "--threshhold", "x"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert got.returncode == 2 and "No such option: --threshhold" in got.stderr  # as before
