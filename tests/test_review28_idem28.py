"""Review 28, idem28: a command run again over what its first run left, and outputs fed back.

Compared end to end: ``train -o M`` then ``train --force`` into M with another detector vs a fresh
train into an empty folder (same files, same config but timings, same scores); ``export --onnx``
twice; ``score -o`` over an existing file (replaced whole; a refused run leaves it intact); a
``score`` output with its ``--keep`` columns given back to ``score`` and ``evaluate`` (its own
columns ignored, same scores and metrics); a ``kill -9`` mid-``score`` (the old output intact, the
rerun fine). One defect: ``train`` on a scored file learnt the model's ``row``, ``score``,
``flag``, ``calibrated`` and ``severity`` columns as features, silently.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from hourglass.features.tabular import TabularPreprocessor

runner = CliRunner()


def _flows(path: Path, n: int = 300) -> Path:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                       "proto": rng.choice(["tcp", "udp"], n)})
    df["label"] = np.where(rng.random(n) < 0.1, "attack", "normal")
    df.loc[df["label"] == "attack", "a"] += 4
    df.to_csv(path, index=False)
    return path


def _ok(*args: str) -> str:
    res = runner.invoke(app, ["--threads", "1", *args])
    assert res.exit_code == 0, res.output
    return res.output


def _train(data: Path, out: Path, *more: str) -> None:
    _ok("train", str(data), "--label-col", "label", "--normal", "normal", "-o", str(out),
        "--epochs", "1", "--seed", "0", "-q", *more)


def test_training_on_a_scored_file_does_not_learn_the_scores(tmp_path: Path) -> None:
    # what was wrong: `score -o out.csv --keep ...` then `train out.csv` took score's own columns
    # (row, score, flag, calibrated, severity) as features with no word: the new model learnt the
    # old model's verdicts (and `row`, which grows with every longer file); they are now left out
    # with a warning, and the model is the one trained on the original file
    data = _flows(tmp_path / "flows.csv")
    _train(data, tmp_path / "m")
    scored = tmp_path / "scored.csv"
    _ok("score", str(tmp_path / "m"), str(data), "-o", str(scored), "-q",
        *[x for c in ("a", "b", "proto", "label") for x in ("--keep", c)])
    _train(scored, tmp_path / "again")
    for name in ("m", "again"):
        _ok("score", str(tmp_path / name), str(data), "-o", str(tmp_path / f"{name}.csv"), "-q")
    config = json.loads((tmp_path / "again" / "config.json").read_text())
    assert config["schema"]["columns"] == ["a", "b", "proto"]
    # the old model's flags as the label: its scores are still no feature
    _ok("train", str(scored), "--label-col", "flag", "--normal", "0", "-o", str(tmp_path / "flags"),
        "--epochs", "1", "--seed", "0", "-q", "--drop", "label")
    config = json.loads((tmp_path / "flags" / "config.json").read_text())
    assert config["schema"]["columns"] == ["a", "b", "proto"]
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "m.csv").read_bytes()


def test_score_output_columns_are_dropped_with_a_warning_and_can_be_kept(
        caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: as above, in the preprocessing that train and inspect share; a column given
    # a role (--role score=numeric) is still learnt from, and a table that merely has columns of
    # those names (its own severity of 1-5) is data as before
    rng = np.random.default_rng(1)
    out = pd.DataFrame({"row": range(40), "score": rng.exponential(size=40), "flag": [0, 1] * 20,
                        "calibrated": rng.random(40), "severity": ["low", "high"] * 20,
                        "bytes": rng.normal(size=40)})
    with caplog.at_level("WARNING"):
        pre = TabularPreprocessor().fit(out)
    assert pre.columns_ == ["bytes"]
    assert "leaving out row, score, flag, calibrated, severity: hourglass score output" in caplog.text
    assert "score" in TabularPreprocessor(roles={"score": "numeric"}).fit(out).columns_
    for own in (out.assign(severity=[1, 5] * 20), out.assign(flag=[0, 2] * 20),
                out.drop(columns=["flag", "calibrated"])):
        assert "score" in TabularPreprocessor().fit(own).columns_


def test_a_scored_file_scores_and_evaluates_as_its_source(tmp_path: Path) -> None:
    # pins an equality that held: a score output with its --keep columns given back to score and
    # evaluate gives the same scores and metrics as the original file (its own columns ignored)
    data = _flows(tmp_path / "flows.csv", 200)
    _train(data, tmp_path / "m")
    scored = tmp_path / "scored.csv"
    _ok("score", str(tmp_path / "m"), str(data), "-o", str(scored), "-q",
        *[x for c in ("a", "b", "proto", "label") for x in ("--keep", c)])
    _ok("score", str(tmp_path / "m"), str(scored), "-o", str(tmp_path / "again.csv"), "-q")
    assert pd.read_csv(tmp_path / "again.csv").equals(
        pd.read_csv(scored)[["row", "score", "flag", "calibrated", "severity"]])
    metrics = []
    for name, src in (("a", data), ("b", scored)):
        _ok("evaluate", str(tmp_path / "m"), str(src), "--json", str(tmp_path / f"{name}.json"), "-q")
        got = json.loads((tmp_path / f"{name}.json").read_text())
        metrics.append({k: v for k, v in got.items() if "seconds" not in k})
    assert metrics[0] == metrics[1]


def test_train_force_over_another_model_equals_a_fresh_train(tmp_path: Path) -> None:
    # pins an equality that held: a model folder retrained with --force and another detector
    # holds the files and the model a fresh train into an empty folder writes, nothing stale
    data = _flows(tmp_path / "flows.csv", 200)
    _train(data, tmp_path / "m")
    _train(data, tmp_path / "m", "--model", "vae", "--force")
    _train(data, tmp_path / "fresh", "--model", "vae")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == \
        sorted(p.name for p in (tmp_path / "fresh").iterdir())
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    for name in ("m", "fresh"):
        _ok("score", str(tmp_path / name), str(data), "-o", str(tmp_path / f"{name}.csv"), "-q")
    assert (tmp_path / "m.csv").read_bytes() == (tmp_path / "fresh.csv").read_bytes()


def test_an_entity_model_on_a_scored_file_does_not_sum_the_scores() -> None:
    # what was wrong: an entity model trained on a row model's scored file (--keep host, ts, ...)
    # summed, averaged and maximised that model's row, score, flag and calibrated per bucket and
    # counted its severities, as data; they are left out as for a row model
    from hourglass.features.entity import EntityWindows

    rng = np.random.default_rng(0)
    n = 200
    data = pd.DataFrame({"host": rng.choice(["a", "b", "c"], n), "bytes": rng.normal(size=n),
                         "ts": pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
                         "proto": rng.choice(["tcp", "udp"], n)})
    scored = pd.concat([pd.DataFrame({"row": range(n), "score": rng.exponential(size=n),
                                      "flag": rng.integers(0, 2, n), "calibrated": rng.random(n),
                                      "severity": rng.choice(["low", "high"], n)}), data], axis=1)
    fresh, fed = EntityWindows("host", "ts").fit(data), EntityWindows("host", "ts").fit(scored)
    assert (fed.numeric_, fed.categorical_) == (fresh.numeric_, fresh.categorical_) == (["bytes"], ["proto"])
