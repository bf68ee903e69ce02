"""Review round 54 (left54): items earlier rounds noticed and left alone, decided on evidence."""

from __future__ import annotations

import errno
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from hourglass.errors import InputError


def test_an_io_error_inside_an_evtx_file_is_an_error_not_the_end_of_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # What was wrong: an I/O error while the .evtx parser read the file (a disk's EIO after N
    # records) was taken for a damaged record: with on_bad_rows='skip' it was counted as one
    # skipped row and, the parser's iterator ending there, every record after it was silently
    # lost (a truncated table, trained or scored as the whole log); without it the error said
    # to skip such records. It is now 'PATH: cannot read (Input/output error)' in both modes,
    # as the other readers say a read failure, and the Rust parser's own text of one too.
    from hourglass.ingest import ReadStats
    from hourglass.ingest.evtx import iter_evtx
    from tests.test_evtx import _event, _FakeParser

    monkeypatch.setitem(sys.modules, "evtx", types.SimpleNamespace(PyEvtxParser=_FakeParser))
    path = tmp_path / "Security.evtx"
    path.write_bytes(b"ElfFile\x00" + bytes(4088))
    for failure in (OSError(errno.EIO, "Input/output error"),
                    OSError("Input/output error (os error 5)")):  # (the Rust parser's, no errno)
        monkeypatch.setattr(_FakeParser, "records", [_event(4624)] * 5 + [failure] + [_event(4625)] * 5)
        for mode in ("error", "skip"):
            with pytest.raises(InputError) as raised:
                pd.concat(iter_evtx(path, on_bad_rows=mode, stats=ReadStats()))
            assert str(raised.value) == f"{path}: cannot read (Input/output error)", (mode, raised.value)
    # damage in the file is still a damaged record, skipped with on_bad_rows='skip'
    monkeypatch.setattr(_FakeParser, "records", [_event(4624), OSError("failed to fill whole buffer"),
                                                 _event(4625)])
    stats = ReadStats()
    assert len(pd.concat(iter_evtx(path, on_bad_rows="skip", stats=stats))) == 1 and stats.bad_rows == 1
