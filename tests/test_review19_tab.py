"""Reading tables: each test pinned by the input that showed the defect."""

from __future__ import annotations

import json
from pathlib import Path

from hourglass.cli import app
from tests._cli import runner


def test_inspect_names_the_delimiter_of_a_header_after_blank_lines(tmp_path: Path) -> None:
    """A semicolon-separated export whose header comes after blank lines is read with ``;`` (the
    header is the first line that holds anything), but ``inspect`` said ``format csv``: it
    sniffed the delimiter on the blank first line. It names the delimiter the read used."""
    path = tmp_path / "eu.csv"
    path.write_text("\n\nhost;bytes;pkts\n" + "".join(f"h{i % 3};{i * 7};{i % 5}\n" for i in range(20)))
    out = tmp_path / "schema.json"
    res = runner.invoke(app, ["inspect", str(path), "--json", str(out)])
    assert res.exit_code == 0, res.output
    report = json.loads(out.read_text())
    assert report["format"] == "csv (semicolon-separated)"
    assert [c["column"] for c in report["columns"]] == ["host", "bytes", "pkts"]
