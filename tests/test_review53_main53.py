"""Round 53, checks of the round's own: JSON-lines outputs as the stream writes them, and outputs
on a file system that cannot sync."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from hourglass.ingest.readers import atomic_output, json_lines
from hourglass.serve.sinks import json_line


def test_score_json_lines_write_a_slash_as_the_stream_does() -> None:
    # What was wrong: score's JSON lines (json_lines, pandas' to_json) wrote a '/' as '\/'
    # ("10.0.0.0\/8", "N\/A"), where stream's alerts write it as it is: the same value in two
    # outputs of one model differed as text, and 'grep 10.0.0.0/8' found nothing in score's.
    for df in (pd.DataFrame({"net": ["10.0.0.0/8", "N/A", "C:\\dir\\/x"]}),  # (text only)
               pd.DataFrame({"net": ["10.0.0.0/8", "C:\\/x"], "score": [1.5, 2.0]})):  # (floats)
        text = json_lines(df)
        assert '"10.0.0.0/8"' in text
        assert [json.loads(line) for line in text.splitlines()] == df.to_dict("records")
        assert text.splitlines()[0] == json_line(df.iloc[0].to_dict())


@pytest.mark.parametrize("code", [errno.EINVAL, errno.ENOTSUP, errno.ENOSYS])
def test_an_output_on_a_file_system_that_cannot_sync_is_still_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    # What was wrong: outputs began to be synced before their rename this round (atomic_output,
    # synced), and a file system that cannot sync a file (some FUSE and network mounts answer
    # fsync with EINVAL, ENOTSUP or ENOSYS) then failed every output it had always written.
    def no_sync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", no_sync)
    out = tmp_path / "scores.csv"
    with atomic_output(out) as tmp:
        tmp.write_text("score\n1.5\n")
    assert out.read_text() == "score\n1.5\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


def test_a_disk_error_on_the_sync_still_fails_the_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (the other side: EIO on fsync is data not on the disk; the old output is kept)
    def bad_sync(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    out = tmp_path / "scores.csv"
    out.write_text("old\n")
    monkeypatch.setattr(os, "fsync", bad_sync)
    with pytest.raises(OSError, match="Input/output error"), atomic_output(out) as tmp:
        tmp.write_text("new\n")
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]
