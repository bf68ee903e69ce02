"""Tests that hold on a loaded machine: the helper that waits for a process to read its input,
and no wall-clock bound on how long a computation takes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests._procs import reaped, taken_in

TESTS = Path(__file__).resolve().parent


def test_taken_in_waits_until_the_process_has_read_what_was_written() -> None:
    # what was wrong: the stream tests slept 1 s after writing rows that the process had to have
    # read when the test's signal came; taken_in waits for exactly that (the pipe holds no unread
    # byte). This pins both of its answers, neither of which a loaded machine can change: a
    # process that never reads leaves the bytes there, one that reads takes them all
    code = "import sys, time; sys.stdin.readline() if sys.argv[1] == 'read' else None; time.sleep(60)"
    for mode, expected in (("sleep", False), ("read", True)):
        proc = subprocess.Popen([sys.executable, "-c", code, mode], stdin=subprocess.PIPE)
        with reaped(proc):
            assert proc.stdin is not None
            proc.stdin.write(b'{"a": 1}\n')
            proc.stdin.flush()
            assert taken_in(proc, timeout=0.3 if expected is False else 60) is expected, mode


def test_no_test_bounds_a_computation_by_the_wall_clock() -> None:
    # what was wrong: seven tests asserted that a CPU-bound call took under N seconds of
    # perf_counter (wall-clock) time; with two pytest workers and one busy process on two cores
    # 'took < 0.08' of a 0.01 s call failed 21 of 200 runs (it measured 0.05 s to 0.11 s). They
    # measure time.thread_time() now (CPU seconds of the thread, which load does not inflate);
    # this keeps the wall-clock form from coming back
    found = [f"{path.name}:{number}"
             for path in sorted(TESTS.glob("test_*.py")) if path.name != Path(__file__).name
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"\btime\.perf_counter\(\)", line)]
    assert found == [], "bound CPU work by time.thread_time(), not perf_counter: " + ", ".join(found)
