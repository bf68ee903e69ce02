"""Explanations: the reasons named, the methods offered and the documents that describe them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.errors import InputError
from hourglass.explain import explanation_method


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(200, 3)), columns=list("abc"))


def test_reconstruction_refusal_offers_gradients_only_where_they_work(table: pd.DataFrame) -> None:
    from hourglass.detectors import DeepSVDD, LatentIForest

    forest = Pipeline(detector=LatentIForest(hidden=(4, 2), epochs=1, n_estimators=5, verbose=0)).fit(table)
    with pytest.raises(InputError) as exc:
        explanation_method(forest, "reconstruction")
    said = str(exc.value)
    assert "use the gradients method" not in said and "isolation forest" in said, said
    svdd = Pipeline(detector=DeepSVDD(hidden=(4, 2), epochs=1, verbose=0)).fit(table)
    with pytest.raises(InputError, match="or use the gradients method"):
        explanation_method(svdd, "reconstruction")
    assert explanation_method(svdd, "gradients") == "gradients"


def test_readme_says_stream_explains_gradient_models_too() -> None:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = text.index("- Output: per flagged row `row`")
    said = text[start:start + 600]
    assert "autoencoder-type models; refused with one line for others" not in said
    assert "integrated gradients" in said


def test_rows_of_every_column_type_are_quoted_in_their_own_order() -> None:
    from hourglass.detectors import AutoEncoder
    from hourglass.explain import explain_rows

    rng = np.random.default_rng(1)
    n = 300
    df = pd.DataFrame({"x": rng.normal(size=n).astype("float32"),
                       "k": pd.array(rng.integers(0, 4, n), dtype="Int64"),
                       "s": pd.array(rng.choice(["a", "b"], n), dtype="string[pyarrow]"),
                       "ok": rng.choice([True, False], n)})
    pipe = Pipeline(detector=AutoEncoder(hidden=(6, 2), epochs=1, verbose=0)).fit(df)
    odd = pd.DataFrame({"x": np.array([np.nan, 1.5], dtype="float32"),
                        "k": pd.array([pd.NA, 3], dtype="Int64"),
                        "s": pd.array([None, "zz"], dtype="string[pyarrow]"),
                        "ok": [True, False]}, index=[7, 3])
    why = explain_rows(pipe, odd, top=4)
    assert why.index.tolist() == [7, 3]
    first = dict(part.split(" (")[0].split("=", 1) for part in why.loc[7, "why"].split("; "))
    second = dict(part.split(" (")[0].split("=", 1) for part in why.loc[3, "why"].split("; "))
    assert first == {"x": "<missing>", "k": "<missing>", "s": "<missing>", "ok": "True"}
    assert second == {"x": "1.5", "k": "3", "s": "zz", "ok": "False"}


def test_the_screen_shows_the_highest_rows_of_every_chunk(tmp_path: Path) -> None:
    from hourglass.cli import app
    from tests._cli import runner, small_labelled_model

    kit = small_labelled_model(tmp_path)
    out = tmp_path / "why.csv"
    res = runner.invoke(app, ["explain", str(kit["model"]), str(kit["data"]), "--all", "--limit", "3",
                                 "--keep", "proto", "--chunk-mb", "0.001", "-o", str(out)])
    assert res.exit_code == 0, res.output
    written = pd.read_csv(out).sort_values(["score", "row"], ascending=[False, True]).head(3)
    shown = [int(line.split("│")[1]) for line in res.stdout.splitlines()
             if line.startswith("│") and line.split("│")[1].strip().isdigit()]
    assert shown == written["row"].tolist()
