"""Review 26 (opt26): the CLI names options in the library's own words only; a fitted entity
attribute speaks of the parameter, not the CLI's option."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.cli._options import cli_advice, option_message, sub_own_words
from hourglass.cli.benchmark import _as_options
from hourglass.errors import InputError

runner = CliRunner()


@pytest.mark.parametrize(("message", "param"), [
    # a user's regex quoted in the message
    ("the regular expression '(?P<format>\\w+) (?P<x>.*)' needs a named group", "format"),
    ("the regular expression 'x format y' needs a named group", "format"),
    ('the regular expression "it\'s format" needs a named group', "format"),
    # a column named as the parameter, quoted (in the middle of its name) or listed unquoted
    ("column 'a freq b': the 1s grid has 9 steps", "freq"),
    ("no column 'x' in the data (columns: src, ts, numeric)", "numeric"),
    # a path or file name holding the word
    ("/data/format/x.log: line 3 does not match", "format"),
    ("C:\\logs\\window\\x.log: line 3 does not match", "window"),
    ("fill.csv: no rows", "fill"),
    # a regex's group name or extension, unquoted
    ("a header (?P<window>\\d+) is refused", "window"),
])
def test_option_message_leaves_user_text_alone(message: str, param: str) -> None:
    # every bare occurrence of the parameter's name was turned into its option, inside a
    # quoted regex or value, a path or a listed column too: (?P<--format>...), /data/--format/x.log
    assert option_message(message, param) == message


def test_option_message_still_names_options_in_the_librarys_words() -> None:
    # (the fix above must keep the library's own sentences said in the CLI's options)
    assert option_message("format: '(?P<format>x' is neither one of the known formats", "format") \
        == "--format: '(?P<format>x' is neither one of the known formats"
    assert option_message("column 'a freq b': too many steps; choose a coarser freq", "freq") \
        == "column 'a freq b': too many steps; choose a coarser --freq"
    assert option_message("window/step: need 0 < step <= window, got window=5, step=9",
                          ("window", "step")) == "--window/--step: need 0 < --step <= --window, " \
                                                 "got --window=5, --step=9"
    assert option_message("fill: unknown 'fill'; choose from ffill, zero.", "fill") \
        == "--fill: unknown 'fill'; choose from ffill, zero."
    assert option_message("the model's freq is 5min; give the data freq.", "freq") \
        == "the model's --freq is 5min; give the data --freq."
    assert option_message("session_regex/session_column: give one", ("session_regex", "session_column")) \
        == "--session-regex/--session-col: give one"


def test_benchmark_options_and_advice_leave_user_text_alone() -> None:
    # _as_options and cli_advice replaced inside a quoted value or a path as option_message did
    text = "d: cannot split 3 rows at test_fraction=0.3: column 'test_fraction=0.5' is constant"
    assert str(_as_options(InputError(text, param="test_fraction"))) == \
        "d: cannot split 3 rows at --test-fraction 0.3: column 'test_fraction=0.5' is constant"
    said = str(_as_options(InputError("models/baselines: nothing in /x/models/baselines: y",
                                      param=("models", "baselines"))))
    assert said == "--models/--baselines: nothing in /x/models/baselines: y"
    import hourglass.ingest.tables as tables

    value = repr(f"x {tables.SKIP_BAD_ROWS}")  # a value holding the advice's words
    assert cli_advice(f"column 'a': found {value}; {tables.SKIP_BAD_ROWS}") == \
        f"column 'a': found {value}; --on-bad-rows skip"
    assert sub_own_words("a", "b", "'a' a /a/a.a") == "'a' b /a/a.a"


def test_cli_error_keeps_a_regex_holding_the_options_name(tmp_path: Path) -> None:
    # train --format '(?P<format>\w+) ...' said "the regular expression '(?P<--format>\w+) ...'"
    log = tmp_path / "format" / "x.log"
    log.parent.mkdir()
    log.write_text("a b c\nd e f\n")
    for fmt in ("(?P<format>\\w+", "(?P<format>\\w+) (?P<x>.*)"):
        res = runner.invoke(app, ["train", str(log), "--format", fmt, "--model", "deeplog",
                                  "--window", "2", "-o", str(tmp_path / "m")])
        assert res.exit_code == 2, res.output
        assert f"'{fmt}'" in res.stderr and "--format:" in res.stderr and "<--format>" not in res.stderr
        assert not (tmp_path / "m").exists()


def test_entity_not_aggregated_names_the_drop_parameter_not_the_cli_option() -> None:
    # EntityWindows(drop=[...]).not_aggregated_ said '--drop' (a CLI option) to a Python user;
    # it says the parameter now, and inspect's table says the option the CLI user typed
    from hourglass.cli.entity import inspect_entity
    from hourglass.features.entity import EntityWindows

    df = pd.DataFrame({"src": ["a", "a", "b", "a"], "ts": [0, 10, 20, 400], "bytes": [10, 20, 5, 7],
                       "x": [1, 2, 3, 4]})
    ew = EntityWindows("src", "ts", drop=("x",), log1p="none").fit(df)
    assert ew.not_aggregated_ == {"x": "named in drop"}
    built = inspect_entity(df, None, entity_col="src", timestamp_col="ts", bucket="5min", numeric=None,
                           distinct=None, drop=["x"], roles={}, scaler="minmax")
    assert [d["why"] for d in built["columns"] if d["column"] == "x"] == ["named in --drop"]
