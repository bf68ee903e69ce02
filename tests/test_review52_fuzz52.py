"""Review 52 (fuzz52): mutation fuzzing of the readers; each test is one crash it found."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest import ReadStats, resolve_format


def test_header_probe_of_only_malformed_rows_is_no_data_rows(tmp_path: Path) -> None:
    # What was wrong: a format that looks for repeated header lines (cicflowmeter, aws-vpc-flow)
    # read with on_bad_rows="skip" a file whose every row was malformed (here one field too many)
    # and raised RuntimeError "generator raised StopIteration" (a traceback from the CLI): the
    # probe of the first block for header rows did not expect a block without rows.
    path = tmp_path / "flows.csv"
    path.write_text(" Destination Port, Flow Duration, Label\n80,100,BENIGN,x\n")
    stats = ReadStats()
    with pytest.raises(InputError, match="no data rows"):
        resolve_format("cicflowmeter").read(path, on_bad_rows="skip", stats=stats)
    assert stats.bad_rows == 1
