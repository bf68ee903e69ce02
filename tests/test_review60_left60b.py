"""Review round 60 (left60b): small items the round's reviewers left alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hourglass
from hourglass.errors import InputError


def _fitted() -> hourglass.Pipeline:
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(40, 3)), columns=list("abc"))
    return hourglass.Pipeline(detector=hourglass.detectors.get("autoencoder")(epochs=1)).fit(X)


def test_model_path_too_long_is_input_error(tmp_path):
    # What was wrong: hourglass.load(path) and Pipeline.save(path) with a path of thousands of
    # characters raised a raw OSError (File name too long) from pathlib's first look at it, where
    # the readers say it as an InputError (errors.path_exists).
    long = str(tmp_path / ("x" * 5000))
    with pytest.raises(InputError, match="not a file's path"):
        hourglass.load(long)
    with pytest.raises(InputError, match="not a file's path"):
        _fitted().save(long)


def test_read_table_wrong_keyword_names_read_table(tmp_path):
    # What was wrong: read_table(p, format="csv") (the parameter is fmt) passed the keyword on
    # through **dialect, so Python's TypeError named iter_table, which the caller never called.
    from hourglass.ingest import read_table

    p = tmp_path / "t.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(TypeError, match=r"^read_table\(\) got an unexpected keyword argument "
                                        r"'format' \(did you mean 'fmt'\?\)"):
        read_table(p, format="csv")
    assert read_table(p, sep=",").to_dict("records") == [{"a": 1, "b": 2}]


def test_label_hints_take_one_label_as_a_str():
    # What was wrong: labels_seen / other_spellings iterated a single str given as the wanted
    # label, so its letters were the values looked for: 'normal' suggested 'N' and 'n' (the
    # letter n in another case), never 'Normal'.
    from hourglass.ingest.formats import labels_seen, other_spellings

    assert other_spellings(["N", "Normal", "x"], "normal") == ["Normal"]
    assert labels_seen(["Normal", "attack", "n", "N"], "normal").endswith("(did you mean 'Normal'?)")
    assert labels_seen(["Normal", "attack"], ["normal"]).endswith("(did you mean 'Normal'?)")


def test_lowercase_z_before_bracketed_zone_is_utc():
    # What was wrong: '2024-03-31t01:30z[UTC]' (RFC 3339's lowercase z, then a bracketed zone
    # name) lost its bracketed name but kept the lowercase z, which pandas reads as no offset: a
    # naive time, where the upper-case '2024-03-31T01:30Z[UTC]' is read as UTC.
    from hourglass._times import parse_timestamps

    upper = parse_timestamps(pd.Series(["2024-03-31T01:30Z[UTC]"]), "ts")
    for text in ("2024-03-31t01:30z[UTC]", "2024-03-31T01:30z[UTC]"):
        got = parse_timestamps(pd.Series([text]), "ts")
        assert str(got.tz) == "UTC"
        assert got.equals(upper)


def test_skip_undecodable_row_keeps_number_column(tmp_path):
    # What was wrong: in on_bad_rows="skip", a column whose only non-number was an undecodable
    # (not UTF-8) row's stayed text after that row was dropped: pyarrow typed it as bytes, read as
    # text, so 'a' was the strings '1', '4' where the same file without the row gives numbers.
    from hourglass.ingest import read_table

    p = tmp_path / "t.csv"
    p.write_bytes(b"a,b\n1,2\n\xff\xfe,3\n4,5\n")
    df = read_table(p, on_bad_rows="skip")
    assert df["a"].dtype.kind == "i"
    assert df["a"].tolist() == [1, 4]
    p.write_bytes(b"a,b\nx,2\n\xff\xfe,3\n4,5\n")  # a word among them: text, as before
    assert read_table(p, on_bad_rows="skip")["a"].tolist() == ["x", "4"]
