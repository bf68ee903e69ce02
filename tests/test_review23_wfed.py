"""Review 23 (wfed): README sections Federated training, What is saved, Errors, Layout, Bundled data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._cli import one_line_error


@pytest.mark.parametrize(("given", "named"), [(["--step", "3"], "--step: it groups log lines"),
                                              (["--window", "3", "--step", "2"], "--window/--step: these group")])
def test_log_grouping_options_on_a_table_name_the_options_given(tmp_path: Path, given: list[str],
                                                                named: str) -> None:
    # what was wrong: `hourglass train flows.csv --step 3` (a table, no log format) was refused as
    # "--session-regex/--session-col/--window: these group log lines", naming three options the
    # user did not give and not --step, the one given
    data = tmp_path / "flows.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i % 7}\n" for i in range(40)))
    one_line_error(["train", str(data), *given, "-o", str(tmp_path / "m")], named, tmp_path / "m")
