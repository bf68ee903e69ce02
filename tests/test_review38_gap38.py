"""Review 38 (gap38): Ctrl-C in the instants between the command line's import and ``main``'s
own handling of it, and one that Python could only ignore, made certain rather than timed.

The signal is raised at the exact place with a trace function (a ``KeyboardInterrupt`` raised
by the tracer is raised in the traced frame, as a signal's is)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests._procs import sigint_default

SRC = str(Path(__file__).resolve().parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
ONE_LINE = ("error: interrupted before the command finished; no output was written (models and "
            "files appear only when complete)\n")

#: a tracer that raises Ctrl-C when WHEN holds for a frame's event
TRACER = """
import sys
def _local(frame, event, arg):
    if WHEN:
        sys.settrace(None)
        raise KeyboardInterrupt
    return _local
def _global(frame, event, arg):
    return _local(frame, event, arg)
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, "--version"], env=ENV, capture_output=True,
                          text=True, timeout=120, preexec_fn=sigint_default)


@pytest.mark.parametrize("when, start", [
    # the console script: 'sys.exit(main())', Ctrl-C as main is entered, before its 'try'
    ("event == 'call' and frame.f_code is main.__code__",
     "from hourglass.cli import main\n" + TRACER + "sys.settrace(_global)\nsys.exit(main())"),
    # 'python -m hourglass': the same, under __main__.py's own frame
    ("event == 'call' and frame.f_code.co_name == 'main'",
     "import runpy\n" + TRACER + "sys.settrace(_global)\n"
     "runpy.run_module('hourglass', run_name='__main__')"),
    # 'python -m hourglass': on __main__.py's 'main()' line, after its import finished
    ("event == 'line' and frame.f_code.co_filename.endswith('__main__.py') "
     "and frame.f_lineno == 5",
     "import runpy\n" + TRACER + "sys.settrace(_global)\n"
     "runpy.run_module('hourglass', run_name='__main__')"),
], ids=["console-script-entering-main", "python-m-entering-main", "python-m-own-line"])
def test_ctrl_c_between_the_import_and_main_is_the_one_line(when: str, start: str) -> None:
    # what was wrong: Ctrl-C as main() was entered (before its try) or on __main__.py's call line
    # was a KeyboardInterrupt traceback and death by SIGINT (the project's CI failed on it once)
    res = _run(start.replace("WHEN", when))
    assert (res.returncode, res.stderr, res.stdout) == (130, ONE_LINE, ""), res.stderr


def test_ctrl_c_outside_the_command_line_is_still_python_s_own() -> None:
    # what was wrong: nothing; the hook must not take a Ctrl-C that never reached main's frame
    res = _run("import hourglass.cli\nraise KeyboardInterrupt")
    assert res.returncode == -signal.SIGINT and "Traceback" in res.stderr, res.stderr
    assert "error: interrupted" not in res.stderr


def test_a_ctrl_c_python_could_only_ignore_is_delivered_again_quietly() -> None:
    # what was wrong: a Ctrl-C landing in a callback Python cannot raise from (the import
    # system's module-lock weakref callback) printed "Exception ignored ... Traceback" and was lost
    code = ("import hourglass.cli, time\n"
            "class Late:\n"
            "    def __del__(self):\n"
            "        raise KeyboardInterrupt\n"
            "try:\n"
            "    Late()\n"
            "    for _ in range(500):\n"
            "        time.sleep(0.01)\n"
            "    print('lost')\n"
            "except KeyboardInterrupt:\n"
            "    print('delivered')\n")
    res = _run(code)
    assert (res.returncode, res.stdout, res.stderr) == (0, "delivered\n", ""), res.stderr


def test_any_other_ignored_exception_is_still_shown() -> None:
    # what was wrong: nothing; only a Ctrl-C is taken from Python's "Exception ignored" report
    code = ("import hourglass.cli\n"
            "class Late:\n"
            "    def __del__(self):\n"
            "        raise ValueError('kept')\n"
            "Late()\n")
    res = _run(code)
    assert res.returncode == 0 and "Exception ignored" in res.stderr and "kept" in res.stderr
