"""Review round 55 (left55c): the small items the round's reviewers noticed and left alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError


def _table_pipe():
    from hourglass.detectors import AutoEncoder
    from hourglass.pipeline import Pipeline

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    return Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df), df


def test_bucket_reasons_refusal_names_bucket_reasons() -> None:
    # What was wrong: bucket_reasons on a table model refused it as 'explain_buckets: the model
    # is not an entity-bucket model', naming a function the user never called.
    from hourglass.explain.entity import bucket_reasons

    pipe, df = _table_pipe()
    with pytest.raises(InputError, match=r"^bucket_reasons: the model is not an entity-bucket model"):
        bucket_reasons(pipe, df, np.zeros((len(df), 2), dtype=np.float32))


def test_expected_numbers_message_cuts_a_long_cell() -> None:
    # What was wrong: a numeric column's cell of 5,000 characters of text was quoted whole in
    # "column 'a': expected numbers, found '...' (row 2)", a 5 KB exception message from the
    # Python API (the timestamp message and Spark's already cut a quoted cell); the table and
    # the series readers now cut it to its first 60 characters, quote closed, as those do.
    from hourglass.features.tabular import TabularPreprocessor
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    pre = TabularPreprocessor().fit(pd.DataFrame({"a": [1.0, 2.0, 3.0]}))
    bad = pd.DataFrame({"a": ["1", "z" * 5000]})
    with pytest.raises(InputError) as info:
        pre.transform(bad)
    text = str(info.value)
    assert len(text) < 200, len(text)
    assert text == f"column 'a': expected numbers, found '{'z' * 60}'... (row 2)"

    ts = TimeSeriesPreprocessor().fit(pd.DataFrame({"cpu": [1.0, 2.0, 3.0, 4.0]}))
    with pytest.raises(InputError) as info:
        ts.transform(pd.DataFrame({"cpu": ["1", "2", "z" * 5000]}))
    assert len(str(info.value)) < 200 and f"found '{'z' * 60}'..." in str(info.value)


def test_threshold_fit_on_names_the_users_own_validation_rows() -> None:
    # What was wrong: a Pipeline fitted with the user's own X_val/y_val (a best-f1 rule) recorded
    # in info['threshold_fit']['on'] and the model card that its threshold was fitted on
    # "labelled validation rows carved from the training data", which nothing had carved; only
    # 'hourglass train --threshold best-f1' carves them (and still says so).
    from hourglass.detectors import AutoEncoder
    from hourglass.pipeline import Pipeline
    from hourglass.thresholds import BestF1

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    X_val = pd.DataFrame({"a": np.r_[rng.normal(size=20), [8.0, 9.0]], "b": rng.normal(size=22)})
    y_val = np.r_[np.zeros(20, dtype=int), [1, 1]]
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0),
                    threshold=BestF1()).fit(df, X_val=X_val, y_val=y_val)
    on = pipe.info["threshold_fit"]["on"]
    assert on == "labelled validation rows given to fit (X_val, y_val)"
    assert pipe.model_card()["threshold fitted on"].startswith(
        "labelled validation rows given to fit (X_val, y_val): 22 rows (20 normal, 2 anomalous")
    warm = pipe.warm_start(df, X_val=X_val, y_val=y_val, epochs=1)
    assert warm.info["threshold_fit"]["on"] == "labelled validation rows given to warm_start (X_val, y_val)"


def test_a_count_of_one_is_said_in_the_singular(tmp_path) -> None:
    # What was wrong: a model holding out one row said "Figures from 1 held-out normal rows"
    # ('hourglass threshold'), "flags 0% of 1 held-out normal rows" (its -o), "1 rows (1 normal,
    # 0 anomalous)" (model card), and 'train'/'warm start' "on 1 sessions (none held out)"
    # (fitted_text); the counts now go through counted_plural.
    from hourglass import load
    from hourglass.cli import app
    from hourglass.cli._output import fitted_text
    from tests._cli import runner

    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(size=12), "b": rng.normal(size=12)}).to_csv(tmp_path / "t.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "t.csv"), "-o", str(tmp_path / "m"), "--param",
                              "epochs=1", "--param", "validation_fraction=0.1"])
    assert res.exit_code == 0, res.output
    assert load(tmp_path / "m").model_card()["threshold fitted on"] == (
        "held-out normal training rows (never trained on): 1 row (1 normal, 0 anomalous)")
    res = runner.invoke(app, ["threshold", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "Figures from 1 held-out normal row (never trained on)" in " ".join(res.output.split())
    res = runner.invoke(app, ["threshold", str(tmp_path / "m"), "--threshold", "percentile:90",
                              "-o", str(tmp_path / "m2")])
    assert res.exit_code == 0, res.output
    assert "of 1 held-out normal row)" in " ".join(res.output.split())
    assert fitted_text(1, 0, "sessions") == "1 session (none held out)"
