"""Tabular preprocessing and per-feature explanations: edge cases of valid input and options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features import TabularPreprocessor


def _services() -> pd.DataFrame:
    return pd.DataFrame({"service": ["http", "ftp", "http", "smtp"], "b": [1.0, 2.0, 3.0, 4.0]})


@pytest.mark.parametrize("role", ["drop", "hash", "numeric"])
def test_a_column_both_categorical_and_given_another_role_is_refused(role: str) -> None:
    # the role was ignored: roles={"service": "drop"} kept 'service' one-hot encoded
    with pytest.raises(InputError, match=r"'service' is given the role .* categorical columns"):
        TabularPreprocessor(categorical=["service"], roles={"service": role}).fit(_services())
    pre = TabularPreprocessor(categorical=["service"], roles={"service": "categorical"}).fit(_services())
    assert "service=http" in pre.feature_names_


def test_a_user_role_overrides_the_formats_categorical_column() -> None:
    from hourglass.cli._schema import preprocessor_for
    from hourglass.ingest.datasets import get_dataset

    df = pd.DataFrame({"protocol_type": ["tcp", "udp", "tcp", "icmp"], "service": ["a", "b", "a", "c"],
                       "flag": ["SF", "S0", "SF", "SF"], "src_bytes": [1.0, 5.0, 9.0, 2.0]})
    pre = preprocessor_for(df, "kdd.csv", spec=get_dataset("nsl-kdd"), categorical=[], drop=[],
                           roles={"service": "drop"}, scaler="minmax").fit(df)
    assert pre.roles_["service"] == "drop" and not any(f.startswith("service") for f in pre.feature_names_)
    assert pre.roles_["flag"] == "categorical"  # the format's other columns as before


@pytest.mark.parametrize("given", [{"categorical": ["difficulty"]}, {"roles": {"difficulty": "numeric"}}])
def test_a_user_role_or_categorical_of_the_formats_drop_is_refused(given: dict[str, object]) -> None:
    # NSL-KDD's format drops 'difficulty' (it goes with the label): '--categorical difficulty' or
    # '--role difficulty=numeric' was silently ignored; it is refused, never made a feature
    from hourglass.cli._schema import preprocessor_for
    from hourglass.errors import HourglassError
    from hourglass.ingest.datasets import get_dataset

    df = pd.DataFrame({"protocol_type": ["tcp", "udp", "tcp", "icmp"], "service": ["a", "b", "a", "c"],
                       "flag": ["SF", "S0", "SF", "SF"], "src_bytes": [1.0, 5.0, 9.0, 2.0],
                       "difficulty": [20, 21, 20, 19]})
    kw: dict = {"categorical": [], "roles": None, **given}
    with pytest.raises(HourglassError, match=r"difficulty.*nsl-kdd format never makes it a feature"):
        preprocessor_for(df, "kdd.csv", spec=get_dataset("nsl-kdd"), drop=[], scaler="minmax", **kw)
    plain = preprocessor_for(df, "kdd.csv", spec=get_dataset("nsl-kdd"), categorical=[], drop=[], roles=None,
                             scaler="minmax").fit(df)
    assert "difficulty" not in plain.columns_  # the format's drop, as before


@pytest.mark.parametrize("names", [pd.Index(["code"]), np.array(["proto", "code"]),
                                   pd.Index(["proto", "code"])])
def test_categorical_columns_given_as_an_index_or_array(names: object) -> None:
    # was ValueError: "The truth value of a Index is ambiguous"
    df = pd.DataFrame({"proto": ["tcp", "udp", "tcp"], "code": [1, 2, 1], "b": [1.0, 2.0, 3.0]})
    pre = TabularPreprocessor(categorical=names).fit(df)  # type: ignore[arg-type]
    assert pre.roles_["code"] == "categorical" and "code=2" in pre.feature_names_
    saved = json.loads(json.dumps(pre.to_dict()))  # the parameters as the artefact holds them
    assert TabularPreprocessor.from_dict(saved).feature_names_ == pre.feature_names_


def test_cli_categorical_and_another_role_for_one_column_is_one_line_error(tmp_path: Path) -> None:
    from tests._cli import one_line_error

    data = tmp_path / "t.csv"
    pd.DataFrame({"proto": ["tcp", "udp"] * 10, "bytes": np.arange(20.0)}).to_csv(data, index=False)
    one_line_error(["inspect", str(data), "--categorical", "proto", "--role", "proto=hash"],
                   "--role: column 'proto' is given the role 'hash' and is among the categorical columns")


def test_describe_says_a_column_max_features_left_out_has_low_variance() -> None:
    # was "dropped: near-duplicate of <low variance>"
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=50), "b": np.r_[np.zeros(48), 0.5, 1.0],
                       "c": rng.normal(size=50)})
    df.loc[::5, "b"] = np.nan
    notes = {d["column"]: d["note"] for d in TabularPreprocessor(max_features=1).fit(df).describe()}
    assert notes["b"] == "dropped: low variance (max_features=1) (its missing indicator kept)"
    pre = TabularPreprocessor(max_corr=0.5).fit(df.assign(c=df["a"] * 2))
    assert {d["column"]: d["note"] for d in pre.describe()}["c"] == "dropped: near-duplicate of a"


@pytest.mark.parametrize("bad", [pd.DataFrame({"a": [1.0, 1.0, 1.0]}),  # every column constant
                                 pd.DataFrame({"a": [-1e308, 1e308, 0.0], "b": [1.0, 2.0, 3.0]})])
def test_a_refused_refit_leaves_the_earlier_fit(bad: pd.DataFrame) -> None:
    # the refused fit left part of its state: transform gave a matrix of no columns, or one
    # encoded by the new roles and scaled by the old fit, without a word
    good = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0], "c": ["x", "y", "x"]})
    pre = TabularPreprocessor().fit(good)
    before, names = pre.transform(good), list(pre.feature_names_)
    with pytest.raises(InputError):
        pre.fit(bad)
    assert pre.feature_names_ == names and np.array_equal(pre.transform(good), before)
    fresh = TabularPreprocessor()
    with pytest.raises(InputError):
        fresh.fit(bad)
    assert not hasattr(fresh, "roles_")  # still unfitted: transform says so


@pytest.mark.parametrize("column", ["proto", "user", "num"])
def test_text_utf8_cannot_hold_is_an_input_error_naming_its_cell(column: str) -> None:
    # a lone surrogate (json.loads('"\\ud800"')) in a cell: UnicodeEncodeError, a traceback
    lone = json.loads('"a\\ud800b"')
    train = pd.DataFrame({"num": np.arange(60.0), "proto": ["tcp", "udp"] * 30,
                          "user": [f"u{i}" for i in range(60)]})
    pre = TabularPreprocessor(roles={"user": "hash"}).fit(train)
    for rows in (3, 1500):  # the small-batch road and the general one
        df = pd.concat([train.head(3)] * (rows // 3), ignore_index=True).astype({column: object})
        df.loc[1, column] = lone
        # (in the numeric column: text where numbers go, as stream and the service say it)
        said = (r"expected numbers, found 'a\\\\ud800b' \(row 2\)" if column == "num" else
                r"a cell holds text that is no UTF-8 \(a lone surrogate: 'a\\\\ud800b', row 2\)")
        with pytest.raises(InputError, match=rf"^column '{column}': {said}"):
            pre.transform(df)
    bad = train.astype({"proto": object})
    bad.loc[4, "proto"] = lone
    with pytest.raises(InputError, match="column 'proto': a cell holds text that is no UTF-8"):
        TabularPreprocessor().fit(bad)
