"""Defects of the time-series, Windows-event and log-folder paths: each test one defect fixed."""

from __future__ import annotations

import time
from pathlib import Path

from hourglass.cli._spool import folder_as_file, line_source, remove_spooled


def test_a_folder_s_line_lookup_does_not_scan_every_file(tmp_path: Path) -> None:
    # a log folder's session table asks each session's file and line: a scan of every file's
    # start per session took seconds for a folder of thousands of files
    folder = tmp_path / "logs"
    folder.mkdir()
    for i in range(3000):
        (folder / f"f{i:04d}.log").write_text("" if i == 5 else f"{i} one\n{i} two\n")
    copy = folder_as_file(folder)
    try:
        assert line_source(copy, 1) == (str(folder / "f0000.log"), 1)
        assert line_source(copy, 11) == (str(folder / "f0006.log"), 1)  # f0005.log is empty
        assert line_source(copy, 5998) == (str(folder / "f2999.log"), 2)
        start = time.perf_counter()
        for line in range(1, 5999):
            for _ in range(10):
                line_source(copy, line)
        assert time.perf_counter() - start < 1.0  # a bisection: ~0.1 s; the scan: 2 s and more
    finally:
        remove_spooled()
