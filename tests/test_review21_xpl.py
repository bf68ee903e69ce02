"""Explanations: baselines as documented, and explain agreeing with score on unusual rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.cli import app
from hourglass.detectors import DeepSVDD
from hourglass.explain.gradients import attributions
from hourglass.pipeline import load
from tests._cli import runner


def test_a_category_tied_at_half_the_rows_is_half_in_the_baseline() -> None:
    """The baseline of a one-hot column is its features' median: a category over half the rows
    is 1, the others 0, and two categories tied at half the rows are 0.5 each (as documented);
    the attributions still add up to the rise of the score."""
    rng = np.random.default_rng(0)
    tied = pd.DataFrame({"x": rng.normal(size=400), "proto": ["tcp", "udp"] * 200})
    # every row trains (none held out): the training rows are tied exactly
    pipe = Pipeline(detector=DeepSVDD(hidden=(8, 4), epochs=2, validation_fraction=0.0,
                                      verbose=0)).fit(tied)
    names = pipe.features_.feature_names_
    base = dict(zip(names, pipe.detector_.gradient_baseline_.tolist(), strict=True))
    assert base["proto=tcp"] == base["proto=udp"] == 0.5
    most = pd.DataFrame({"x": rng.normal(size=400), "proto": ["tcp"] * 300 + ["udp"] * 100})
    pipe = Pipeline(detector=DeepSVDD(hidden=(8, 4), epochs=2, verbose=0)).fit(most)
    base = dict(zip(pipe.features_.feature_names_, pipe.detector_.gradient_baseline_.tolist(),
                    strict=True))
    assert (base["proto=tcp"], base["proto=udp"]) == (1.0, 0.0)
    a = attributions(pipe.detector_, pipe.transform(most.head(20)))
    assert np.all(a.completeness_gap <= 0.05 * np.abs(a.score - a.baseline_score) + 1e-6)


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table of 6 columns driven by 2 factors, a heavy-tailed byte count and a protocol; an
    autoencoder and a Deep SVDD trained on it; a test file with a shifted column, a shifted byte
    count, and rows with a missing value, an unseen category and an infinite value."""
    d = tmp_path_factory.mktemp("xpl21")
    rng = np.random.default_rng(0)
    z = rng.normal(size=(600, 2))
    frame = pd.DataFrame(z @ rng.normal(size=(2, 6)) + 0.05 * rng.normal(size=(600, 6)),
                         columns=[f"f{i}" for i in range(6)])
    frame["bytes"] = np.exp(1.5 * z[:, 0] + 6).round()
    frame["proto"] = np.where(z[:, 1] > 0, "tcp", "udp")
    frame.to_csv(d / "train.csv", index=False)
    test = frame.tail(40).reset_index(drop=True)
    test.loc[:9, "f2"] += 8 * frame["f2"].std()
    test.loc[10:19, "bytes"] *= 1000
    test.loc[20, "f3"] = np.nan
    test.loc[21, "proto"] = "icmp"
    test.loc[22, "proto"] = np.nan
    test.loc[23, "f0"] = np.inf
    test.to_csv(d / "test.csv", index=False)
    kit = {"folder": d, "test": d / "test.csv"}
    for name, extra in (("ae", ["--epochs", "40"]), ("svdd", ["--model", "deep-svdd", "--epochs", "10"])):
        res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / name), "-q",
                                  "--hidden", "16,2" if name == "ae" else "16,4", *extra])
        assert res.exit_code == 0, res.output
        kit[name] = d / name
    return kit


@pytest.mark.parametrize("model", ["ae", "svdd"])
def test_explain_names_the_shifted_column_and_scores_every_row_as_score(kit: dict[str, Path],
                                                                        model: str) -> None:
    d = kit["folder"]
    why, scores = d / f"why_{model}.csv", d / f"scores_{model}.csv"
    res = runner.invoke(app, ["explain", str(kit[model]), str(kit["test"]), "--all", "--top", "9",
                              "-o", str(why), "--limit", "0", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(kit[model]), str(kit["test"]), "-o", str(scores), "-q"])
    assert res.exit_code == 0, res.output
    w, s = pd.read_csv(why), pd.read_csv(scores)
    # the same rows, scores and flags, the unusual ones included
    assert len(w) == len(s) == 40
    np.testing.assert_array_equal(w["score"].to_numpy(), s["score"].to_numpy())
    np.testing.assert_array_equal(w["flag"].to_numpy(), s["flag"].to_numpy())
    # the planted shifts are named first (the autoencoder spreads a byte count's error over
    # the columns of its factor, as documented: gradients name it), in the user's units
    assert w.loc[:9, "top_column"].eq("f2").all()
    if model == "svdd":
        assert w.loc[10:19, "top_column"].eq("bytes").all()
    raw = pd.read_csv(kit["test"])
    quoted = w.loc[10:19, "why"].str.extract(r"bytes=([^ ]+) \(")[0].astype(float)
    np.testing.assert_allclose(quoted.to_numpy(), raw.loc[10:19, "bytes"].to_numpy(), rtol=1e-5)
    # --top 9 names each column the model reads once: one-hot features under their column
    columns = sorted(dict.fromkeys(load(kit[model]).features_.feature_columns()))
    assert "proto" in columns and "bytes" in columns
    named = w["why"].map(lambda t: sorted(part.split("=")[0] for part in t.split("; ")))
    assert named.map(lambda c: c == columns).all()
    # a missing value and an unseen category quoted as the row holds them
    assert "f3=<missing> (" in w.loc[20, "why"]
    assert "proto=icmp (" in w.loc[21, "why"] and "proto=<missing> (" in w.loc[22, "why"]
    assert w.loc[23, "top_column"] == "f0" and "f0=inf (" in w.loc[23, "why"]
