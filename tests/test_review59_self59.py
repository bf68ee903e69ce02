"""Review round 59 (self59): regressions of this round's own changes, reviewed as a pull request."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hourglass.cli import app

runner = CliRunner()


def _mustard_csv() -> bytes:
    """A CSV whose bytes 257..261 are 'ustar' (an item 'mustard' there), where a tar header's
    magic goes."""
    head = b"time,item,qty\n"
    pre = b"2024-01-01,"
    text = head + pre + b"a" * (256 - len(head) - len(pre)) + b"mustard,3\n" + b"2024-01-02,bread,4\n" * 50
    assert text[257:262] == b"ustar"
    return text


def test_text_with_ustar_where_a_tar_magic_goes_is_read_as_text(tmp_path: Path) -> None:
    # What was wrong: the tar check of 18cfe958 took any file whose bytes 257..261 read 'ustar'
    # for a tar archive, without its header's checksum: a CSV with an item 'mustard' (or a log
    # line with 'custard') there was refused as "a tar archive (its first file: time,item,qty
    # ...)", exit 2, though it is text. A tar header is now told by its magic and checksum.
    from hourglass.ingest.logs import read_lines, tar_member

    data = tmp_path / "orders.csv"
    data.write_bytes(_mustard_csv())
    assert tar_member(data.read_bytes()) is None
    res = runner.invoke(app, ["inspect", str(data)])
    assert res.exit_code == 0 and "tar archive" not in res.output, res.output
    log = tmp_path / "app.log"
    log.write_bytes(_mustard_csv())
    assert len(list(read_lines(log))) == 52
