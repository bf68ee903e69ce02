"""Review 22 (alt22): the SQLite kept-field hint for tables of other --group-by keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.errors import InputError
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
