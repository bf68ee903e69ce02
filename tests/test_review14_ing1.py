"""Edge cases of the line and flow readers (CEF, LEEF, key=value, PAN-OS, JSON events, flow
records): each pinned by the input that showed it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.formats import get_format


def test_vpc_custom_header_without_srcaddr_is_refused_not_read_as_a_record(tmp_path: Path) -> None:
    """A custom format's header line without ``srcaddr`` (``pkt-srcaddr`` ...) was taken for a
    header-less record: with 14 fields its names were read as data and its columns under the
    default format's names (``interface-id`` holding addresses); it is a header, and the file
    is refused for lacking ``srcaddr``."""
    names = ("version interface-id pkt-srcaddr pkt-dstaddr srcport dstport protocol packets bytes "
             "start end action log-status vpc-id")
    rows = [f"5 eni-0a1b2c3d 10.0.0.{i} 10.0.1.5 {40000 + i} 443 6 {i + 1} {100 * i + 40} "
            f"1700000000 1700000060 ACCEPT OK vpc-1" for i in range(5)]
    path = tmp_path / "flows.log"
    path.write_text("\n".join([names, *rows]) + "\n")
    with pytest.raises(InputError, match="no 'srcaddr' field; is this an AWS VPC flow log"):
        get_format("aws-vpc-flow").read(path)
