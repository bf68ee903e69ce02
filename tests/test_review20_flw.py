"""Flow records and table I/O: each test pinned by the input that showed the defect."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.formats import get_format
from hourglass.ingest.tables import ReadStats

_VPC_HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
               "start end action log-status")
# the same fields, ports and counts in another order: a flow log of another (custom) format
_VPC_OTHER = ("version account-id interface-id srcaddr dstaddr dstport srcport protocol bytes packets "
              "start end action log-status")


def _vpc_record(i: int) -> str:
    return (f"2 012345678901 eni-0a1b2c3d 10.0.0.{i % 9} 10.0.1.5 {40000 + i} 443 6 {i + 1} {1000 * i} "
            f"{1700000000 + i} {1700000060 + i} ACCEPT OK")


@pytest.mark.parametrize("rows", [5, 3000])  # in the first block read, and past it
@pytest.mark.parametrize("on_bad_rows", ["error", "skip"])
@pytest.mark.parametrize("first", [_VPC_HEADER, None])  # an S3 file, a header-less export
def test_vpc_flow_log_with_a_header_line_of_other_fields_inside_is_refused_at_its_line(
        tmp_path: Path, rows: int, on_bad_rows: str, first: str | None) -> None:
    """VPC flow logs of two formats joined into one file (``zcat``): the second file's header
    line was read as a record and the records after it under the first header's names, unsaid
    (small: every column text, ``packets`` among them; large, with ``--on-bad-rows skip``: the
    header line skipped as a malformed row and ``srcport``/``dstport``, ``bytes``/``packets``
    swapped from there on)."""
    lines = ([first] if first else []) + [_vpc_record(i) for i in range(rows)] + [_VPC_OTHER] \
        + [_vpc_record(i) for i in range(rows, rows + 5)]
    path = tmp_path / "flows.log"
    path.write_text("\n".join(lines) + "\n")
    at = rows + (2 if first else 1)
    with pytest.raises(InputError, match=f"flows.log: line {at}: a header line"):
        list(get_format("aws-vpc-flow").iter_chunks(path, on_bad_rows=on_bad_rows, chunk_bytes=1 << 16))


def test_vpc_flow_logs_joined_with_the_same_header_still_read_as_one(tmp_path: Path) -> None:
    """The header line S3 puts in each file, repeated in files joined into one, is still a line
    dropped and counted, the numbers read as numbers (the check above leaves them alone)."""
    path = tmp_path / "flows.log"
    body = [_vpc_record(i) for i in range(3000)]
    path.write_text("\n".join([_VPC_HEADER, *body, _VPC_HEADER, *body]) + "\n")
    stats = ReadStats()
    df = get_format("aws-vpc-flow").read(path, stats=stats)
    assert len(df) == 6000 and stats.bad_rows == 1 and stats.bad_lines == [3002]
    assert df["packets"].tolist() == [i + 1 for i in range(3000)] * 2


def test_zeek_log_whose_every_row_is_skipped_says_no_data_rows(tmp_path: Path) -> None:
    """A Zeek TSV log whose every row has a malformed ``bool`` (skipped with ``--on-bad-rows
    skip``) left the training an empty table: a warning that ``ts`` holds no times, then 'no rows
    to fit the preprocessing on (empty data)', naming no file; it now says so as a CSV of bad
    rows alone does."""
    from tests._cli import one_line_error

    path = tmp_path / "conn.log"
    path.write_text("#separator \\x09\n#fields\tts\tid.orig_h\tid.resp_h\tlocal_orig\n"
                    "#types\ttime\taddr\taddr\tbool\n1.5\t10.0.0.1\t10.0.0.2\tx\n"
                    "2.5\t10.0.0.1\t10.0.0.2\ty\n#close\t2026-01-01-00-00-00\n")
    one_line_error(["train", str(path), "--on-bad-rows", "skip", "-o", str(tmp_path / "m"), "--epochs", "1"],
                   "conn.log: no data rows", tmp_path / "m")
    with pytest.raises(InputError, match="no data rows"):
        get_format("zeek-conn").read(path, on_bad_rows="skip")
