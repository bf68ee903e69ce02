"""Review 23 (README: Flow records as you have them ... Drift and retraining): fixes and tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hourglass.errors import InputError
from hourglass.ingest import tables
from hourglass.ingest.tables import iter_table, prefetch

SRC = str(Path(tables.__file__).resolve().parents[2])

# The read that CLI commands do: the file's chunks read in a background thread (prefetch), its
# error raised in the main thread, then the process exits with code 2.
_SCRIPT = """
import sys
from hourglass.errors import InputError
from hourglass.ingest.tables import iter_table, prefetch
try:
    for _ in prefetch(iter_table(sys.argv[1], fmt="csv")):
        pass
except InputError:
    sys.exit(2)
"""


def _short_row_csv(tmp_path: Path) -> Path:
    rows = [f"{i},{i * 2},tcp" for i in range(40)]
    rows[5] = "5,10"  # a row with a field missing, in the first block
    path = tmp_path / "flows.csv"
    path.write_text("bytes,pkts,proto\n" + "\n".join(rows) + "\n")
    return path


def test_malformed_row_exits_2_not_abort(tmp_path: Path) -> None:
    # What was wrong: a malformed row ('score', 'train', 'evaluate', 'explain' on a CSV with a
    # short line) printed its one-line error, then about one run in three the process aborted
    # ("terminate called without an active exception", exit code 134, not 2): pyarrow let go of
    # the reader, and of the Python invalid-row handler in it, in one of its own threads after
    # the error was told, taking the GIL while the interpreter was exiting.
    path = _short_row_csv(tmp_path)
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    codes = []
    for _ in range(8):
        run = subprocess.run([sys.executable, "-c", _SCRIPT, str(path)], capture_output=True,
                             text=True, env=env, timeout=120)
        codes.append(run.returncode)
        assert "terminate called" not in run.stderr
    assert codes == [2] * 8


def test_reader_handlers_released_after_error(tmp_path: Path) -> None:
    # What was wrong (as above): nothing waited for pyarrow's threads to let go of the readers'
    # handlers; the wait at exit finds none left once they have.
    path = _short_row_csv(tmp_path)
    try:
        for _ in prefetch(iter_table(path, fmt="csv")):
            pass
    except InputError as exc:
        assert "line 7: expected 3 fields, found 2" in str(exc)
    else:
        raise AssertionError("the short row was not refused")
    tables._wait_for_readers()
    assert len(tables._LIVE_HANDLERS) == 0
