"""Review 22 (alt22): the SQLite kept-field hint for tables of other --group-by keys; an ASD/SMD
series file whose header line is under a blank line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.timeseries import read_smd
from hourglass.serve.sinks import SQLiteSink, alert_columns


def test_other_group_by_keys_are_not_called_kept_fields(tmp_path: Path) -> None:
    # what was wrong: every column passed through alert_columns' keep= was marked kept, the
    # --group-by keys too, so two runs differing only in their group-by keys (src_ip, then
    # dst_ip) were told 'they differ only in kept fields (--keep)'
    path = tmp_path / "alerts.sqlite"
    SQLiteSink(path, alert_columns("group", keys=["src_ip"])).close()
    with pytest.raises(InputError) as err:
        SQLiteSink(path, alert_columns("group", keys=["dst_ip"]))
    msg = str(err.value)
    assert "--keep" not in msg and "kept fields" not in msg
    assert msg.endswith("written here; choose another table name or file")


def test_same_group_by_keys_other_keep_still_named_kept(tmp_path: Path) -> None:
    # what was wrong: nothing (the hint stays for what --keep does): the same keys with other
    # --keep fields are still said to differ in kept fields, naming those alone
    path = tmp_path / "alerts.sqlite"
    SQLiteSink(path, alert_columns("group", keys=["src_ip"], keep=["a"])).close()
    with pytest.raises(InputError, match=r"they differ only in kept fields \(--keep\): the table "
                                         r"keeps \(a\), this run \(b\)"):
        SQLiteSink(path, alert_columns("group", keys=["src_ip"], keep=["b"]))


def test_suppressed_column_is_no_kept_field(tmp_path: Path) -> None:
    # what was wrong: 'stream --all' with rules writes a 'suppressed' column, passed as keep=
    # and so marked kept: on the table of a run without rules it was said to differ only in
    # kept fields (--keep): 'the table keeps (none), this run (suppressed)', no --keep given
    path = tmp_path / "alerts.sqlite"
    columns = alert_columns("table", named=["suppressed"])
    assert [c.kept for c in columns if c.name == "suppressed"] == [False]
    SQLiteSink(path, alert_columns("table")).close()
    with pytest.raises(InputError) as err:
        SQLiteSink(path, columns)
    assert "--keep" not in str(err.value)
    # the same columns (a key also kept is one column, a key) take the table
    both = alert_columns("group", keys=["host"], keep=["host", "user"])
    assert [(c.name, c.kept) for c in both][-2:] == [("host", False), ("user", True)]


def _series(root: Path, series: str, labels: str) -> Path:
    (root / "test").mkdir()
    (root / "test_label").mkdir()
    (root / "test" / "e.txt").write_text(series)
    (root / "test_label" / "e.txt").write_text(labels)
    return root / "test" / "e.txt"


@pytest.mark.parametrize("top", ["\n", "\n  \n", "\r\n"])
def test_series_header_under_blank_lines_is_left_out(tmp_path: Path, top: str) -> None:
    # what was wrong: read_smd left out a header on the file's physical first line
    # (skiprows=1) while it looked for one on the first non-blank line, as the label file's
    # reader does: a series file starting with a blank line, then 'a,b', was refused
    # ('expected comma-separated numbers'), its label file with the same layout read
    df = read_smd(_series(tmp_path, f"{top}a,b\n0.1,0.2\n0.3,0.4\n", f"{top}label\n0\n1\n"))
    assert df.columns.tolist() == ["m1", "m2", "label"]
    assert df[["m1", "m2"]].values.tolist() == [[0.1, 0.2], [0.3, 0.4]]
    assert df["label"].tolist() == [0, 1]


def test_series_without_header_under_blank_line_keeps_every_row(tmp_path: Path) -> None:
    # what was wrong: nothing (no header: no row left out): numbers under a blank line are all
    # read, and a first content line mixing names and numbers is named by its own line number
    df = read_smd(_series(tmp_path, "\n0.1,0.2\n0.3,0.4\n", "0\n1\n"))
    assert df["m1"].tolist() == [0.1, 0.3]
    (tmp_path / "test" / "e.txt").write_text("\n\na,0.5\n0.1,0.2\n")
    with pytest.raises(InputError, match=r"line 3 mixes numbers and text \('a,0.5'\)"):
        read_smd(tmp_path / "test" / "e.txt")
