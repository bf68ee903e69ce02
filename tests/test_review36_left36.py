"""Advice in the words of the caller, and the same text refused in every container."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from tests._cli import runner


def test_dspot_on_too_few_scores_says_how_to_hold_out_more(tmp_path: Path) -> None:
    # what was wrong: 'train DATA --threshold dspot' on 60 held-out scores ended "hold out more
    # normal data (depth 1 needs 101)" and named no way to do it; the percentile's warning and
    # fpr: say --param validation_fraction. Now DSPOT gives the same advice (Python words in
    # the library, the option in the CLI)
    from hourglass.thresholds import DSPOT

    with pytest.raises(InputError, match=r"validation_fraction=\.\.\.\); depth 1 needs 101$"):
        DSPOT(1e-2).fit(np.zeros(60))
    data = tmp_path / "n.csv"
    rows = np.random.default_rng(0).normal(size=(600, 3))
    pd.DataFrame(rows, columns=list("abc")).to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--epochs", "1",
                              "--threshold", "dspot"])
    assert res.exit_code == 2, res.output
    assert "--param validation_fraction=..." in res.stderr and "the detector's" not in res.stderr
    assert not (tmp_path / "m").exists()


def test_a_one_column_table_is_advised_in_the_callers_words(tmp_path: Path) -> None:
    # what was wrong: a Python user fitting a one-column DataFrame of a constant was told "a log
    # file needs a log --format" (a CLI option); the CLI keeps that wording
    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder

    with pytest.raises(InputError, match=r"one column only, 'x': a log file is read by "
                                         r"EventSessions\(format=\.\.\.\)") as info:
        Pipeline(AutoEncoder(epochs=1)).fit(pd.DataFrame({"x": [5.0] * 50}))
    assert "--format" not in str(info.value)
    data = tmp_path / "c.csv"
    data.write_text("x\n" + "5\n" * 50)
    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--epochs", "1"])
    assert res.exit_code == 2, res.output
    assert "a log file needs a log --format, a table a header line naming its columns" in res.stderr


@pytest.mark.parametrize("kind", ["array", "object array", "list"])
def test_numbers_as_text_are_refused_in_an_array_as_in_a_dataframe(kind: str) -> None:
    # what was wrong: a DataFrame of numeric text was refused ("column 0 is not numeric"), while
    # the same text in a NumPy array or a nested list was read as numbers by NumPy's cast (and
    # scikit-learn refuses text arrays too): the same data got two answers
    from hourglass.detectors import AutoEncoder

    numbers = np.random.default_rng(0).normal(size=(40, 3))
    text = {"array": numbers.astype(str), "object array": numbers.astype(str).astype(object),
            "list": [[str(v) for v in row] for row in numbers]}[kind]
    with pytest.raises(InputError, match=r"^X: column 0 is not numeric \(dtype str\)"):
        AutoEncoder(epochs=1).fit(pd.DataFrame(numbers.astype(str)))
    with pytest.raises(InputError, match=r"^X: column 0 is not numeric \((dtype <U|text ')"):
        AutoEncoder(epochs=1).fit(text)
    mixed = numbers.astype(object)
    mixed[5, 2] = "1.5"
    with pytest.raises(InputError, match=r"^X: column 2 is not numeric \(text '1.5'\)"):
        AutoEncoder(epochs=1).fit(mixed)
    fitted = AutoEncoder(epochs=1, random_state=0).fit(numbers)
    with pytest.raises(InputError, match="is not numeric"):
        fitted.score(text)
    # numbers in an object array are still numbers (pandas' .values of mixed int/float columns)
    assert np.array_equal(fitted.score(numbers.astype(object)), fitted.score(numbers))
