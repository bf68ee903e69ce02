"""Small CLI defects: option values, refusals and suggestions a user sees."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests._cli import console_refusal, one_line_error


def test_a_normal_value_that_matches_no_row_is_named(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: '--normal normal --normal typo' trained on the 'normal' rows and dropped
    # 'typo' without a word (a single '--normal typo' is refused). A warning now names the value
    # that matched no row and the values the label column holds.
    from hourglass.cli.tables import split_labels

    df = pd.DataFrame({"x": range(4), "label": ["normal", "attack", "normal", "normal"]})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        split_labels(df, "label", ["normal", "typo"], "flows.csv")
        said = " ".join(r.getMessage() for r in caplog.records)
        assert ("flows.csv: --normal 'typo' matched no row of label column 'label' "
                "(values seen: attack, normal)") in said, said
        caplog.clear()
        numbers = pd.DataFrame({"x": range(3), "label": [0.0, 1.0, 0.0]})
        split_labels(numbers, "label", ["0", "1.0"], "n.csv")   # each matches, by value
        split_labels(df, "label", ["normal", "Attack"], "f.csv")  # another spelling: its own line
    assert not any("matched no row" in r.getMessage() for r in caplog.records), caplog.records


@pytest.mark.parametrize(("command", "option"), [("stream", "--max-delay-ms"), ("serve", "--rate-limit")])
def test_nan_for_a_ranged_number_is_not_a_number(command: str, option: str, tmp_path: Path, capsys: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: 'nan' given to --max-delay-ms or --rate-limit was refused as "Input should
    # be greater than or equal to 0, got 'nan'": a wrong reason; it now says it is not a number.
    line = console_refusal([command, str(tmp_path / "m"), option, "nan"], capsys, monkeypatch)
    assert f"Invalid value for '{option}': 'nan' is not a number" in line, line


def test_an_unknown_option_suggests_no_hidden_option(capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: 'train --lable-col x' said "Possible options: --key-col, --label-col,
    # --time-col": the deprecated --time-col, hidden from the help, was suggested too.
    line = console_refusal(["train", "d.csv", "--lable-col", "x"], capsys, monkeypatch)
    assert "(Possible options: --key-col, --label-col)" in line, line


def test_an_unknown_dataset_lists_the_time_series_datasets_too(tmp_path: Path) -> None:
    # What was wrong: 'train --dataset bogus' listed only the table formats, leaving out skab,
    # nab, asd and smd, which 'train --dataset' takes (with a time-series model).
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    one_line_error(["train", str(data), "--dataset", "bogus", "-o", str(tmp_path / "m")],
                   "time-series datasets (a time-series model's, --model lstm-ae ...): skab, nab, asd, smd",
                   tmp_path / "m")


def test_fill_limit_zero_is_refused_in_the_cli_s_words(capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: 'train --fill ffill --fill-limit 0' was refused as "--fill-limit: must be
    # >= 1 and a whole number, or None, got 0": None is a Python word no CLI user can type.
    line = console_refusal(["train", "d.csv", "--model", "lstm-ae", "--fill", "ffill", "--fill-limit", "0",
                            "-o", "m"], capsys, monkeypatch)
    assert ("Invalid value for '--fill-limit': Input should be greater than or equal to 1, "
            "got '0'") in line, line
    assert "None" not in line


@pytest.mark.parametrize("command", ["train", "benchmark"])
def test_a_seed_too_large_is_named_as_typed(command: str, capsys: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: '--seed 1e308' was refused by printing the whole 309-digit integer
    # ("1000...000 is above 2**64-1"); the value is now quoted as typed.
    line = console_refusal([command, "d.csv", "--seed", "1e308"], capsys, monkeypatch)
    assert "Invalid value for '--seed': '1e308' is above 2**64-1" in line, line
    assert len(line) < 200, line
