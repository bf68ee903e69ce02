"""Regression tests: OSError words through read_problem, a model argument that is a symbolic
link loop, and a time-series warm start naming its own timestamp column."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from hourglass.errors import HourglassError, InputError


def test_an_os_error_without_the_systems_words_is_said_by_its_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the replaced database's -wal that could not be removed read '(None)' for an OSError
    # without the system's words, and a read error with no text at all read '()': each place
    # repeated read_problem's rule without its fallback
    from hourglass.cli.stream import _reads
    from hourglass.ingest import atomic_output

    unlink = os.unlink

    def busy(path: str | os.PathLike[str], *args: Any, **kwargs: Any) -> None:
        if str(path).endswith("-wal"):
            raise OSError("the file is held by another process")
        unlink(path, *args, **kwargs)

    out = tmp_path / "o.db"
    (tmp_path / "o.db-wal").write_text("x")
    monkeypatch.setattr(os, "unlink", busy)
    with pytest.raises(InputError, match=r"o\.db-wal: cannot remove the replaced database's -wal "
                                         r"file \(the file is held by another process\); remove it"):
        with atomic_output(out) as tmp:
            tmp.write_text("x")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.db-wal"]  # no output, no temp file

    def failing(n: int) -> bytes:
        raise OSError()

    with pytest.raises(HourglassError) as exc:
        _reads(failing, "--input rows.jsonl")(10)
    assert str(exc.value) == "--input rows.jsonl: cannot read (OSError)"
    with pytest.raises(HourglassError) as exc:  # the system's words, as before
        _reads(lambda n: (_ for _ in ()).throw(OSError(5, "Input/output error", "x")), "--input x")(10)
    assert str(exc.value) == "--input x: cannot read (Input/output error)"
