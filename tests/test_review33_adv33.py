"""The advice in error lines names options, values and commands that exist where it is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner


@pytest.fixture(scope="module")
def key_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A DeepLog model trained by ``hourglass train --format keys`` on a small key file."""
    d = tmp_path_factory.mktemp("keys")
    keys = d / "keys"
    keys.write_text("".join(f"1 2 {3 + i % 2} 5 6\n" for i in range(40)), encoding="utf-8")
    model = d / "M"
    res = runner.invoke(app, ["train", str(keys), "--format", "keys", "--model", "deeplog", "--epochs", "1",
                              "--hidden", "8", "-q", "-o", str(model)])
    assert res.exit_code == 0, res.output
    return {"keys": keys, "model": model, "dir": d}


@pytest.mark.parametrize("option", [["--timestamp-col", "ts"], ["--group-window", "10m"]])
def test_grouping_options_of_a_model_that_never_groups_say_leave_it_out(
        key_model: dict[str, Path], option: list[str]) -> None:
    # what was wrong: 'score LOG_MODEL LOG -o a.jsonl --timestamp-col ts' (or --group-window, and
    # stream's --max-groups) said "give --group-by COLS with it"; given, --group-by was refused
    # ("groups the alerts of table models, not of log models; leave it out"): a loop. An entity,
    # log or time-series model is now told to leave the option out
    out = key_model["dir"] / "a.jsonl"
    said = "of grouped alerts, which only table models write (this is a log model, deeplog); leave it out"
    one_line_error(["score", str(key_model["model"]), str(key_model["keys"]), "-o", str(out), *option],
                   f"{option[0]}: the ", out)
    for args in (["score", str(key_model["model"]), str(key_model["keys"]), "-o", str(out), *option],
                 ["stream", str(key_model["model"]), "--input", str(key_model["keys"]), *option],
                 ["stream", str(key_model["model"]), "--input", str(key_model["keys"]), "--max-groups", "3"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2 and said in res.stderr and "--group-by" not in res.stderr, res.stderr


def test_grouping_options_name_each_model_kind() -> None:
    # what was wrong: as above, for entity-bucket and time-series models (the same check)
    from hourglass.cli._groups import check_group_options

    for kind, article in (("entity", "an"), ("time-series", "a")):
        with pytest.raises(Exception, match=f"which only table models write \\(this is {article} {kind} "
                                            "model, m\\); leave it out"):
            check_group_options(None, "10m", kind, "m")
    with pytest.raises(Exception, match="give --group-by COLS with it"):  # a table model: unchanged
        check_group_options(None, None, "table", "m", timestamp_col="ts")
