"""Thresholds: streaming cut-offs per row, re-thresholding series models from Python, and the
rules' behaviour on unusual scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline, load
from hourglass.cli import app
from hourglass.thresholds import DSPOT, SPOT, Percentile
from tests._cli import runner
from tests._drifting import check_group_cut_offs, drifting_model


@pytest.mark.parametrize("rule", [SPOT(1e-2, refit_every=5), DSPOT(1e-2, depth=10, refit_every=5)])
def test_update_records_the_cut_off_each_score_was_flagged_against(rule: SPOT) -> None:
    rng = np.random.default_rng(0)
    rule.fit(rng.exponential(size=2000))
    stream = np.linspace(0, 3, 3000) + rng.exponential(size=3000)
    flags = rule.update(stream)
    cuts = rule.cutoffs_
    assert cuts.shape == stream.shape and np.unique(cuts).size > 10  # it moved within the batch
    assert flags.tolist() == (stream > cuts).astype(int).tolist()
    assert cuts[0] != rule.value_


@pytest.fixture(scope="module")
def drifting(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model with a DSPOT threshold and rows whose normal level drifts, with spikes."""
    return drifting_model(tmp_path_factory.mktemp("adapt"))[0]


def _cut_offs(files: dict[str, Path]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows' scores, flags and the cut-off each met, through the saved rule."""
    pipe = load(files["model"])
    lines = files["data"].read_text(encoding="utf-8").splitlines()
    rows = pd.DataFrame.from_records([json.loads(line) for line in lines]).drop(columns="src")
    scores = pipe.score(rows)
    flags = pipe.threshold_.update(scores)
    return scores, flags, pipe.threshold_.cutoffs_


def test_adapted_ecs_alerts_carry_the_cut_off_their_row_met(drifting: dict[str, Path]) -> None:
    out = drifting["dir"] / "alerts.jsonl"
    res = runner.invoke(app, ["stream", str(drifting["model"]), "-i", str(drifting["data"]), "--adapt",
                              "--alert-format", "ecs", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    _, flags, cuts = _cut_offs(drifting)
    assert [d["hourglass"]["row"] for d in docs] == np.flatnonzero(flags).tolist() != []
    for doc in docs:
        h = doc["hourglass"]
        assert h["threshold"] == cuts[h["row"]] < h["score"], doc["message"]
        assert f"> threshold {cuts[h['row']]:.4g}" in doc["message"]


def test_adapted_grouped_ecs_alerts_carry_the_cut_off_of_their_top_row(drifting: dict[str, Path]) -> None:
    out = drifting["dir"] / "groups.jsonl"
    res = runner.invoke(app, ["stream", str(drifting["model"]), "-i", str(drifting["data"]), "--adapt",
                              "--alert-format", "ecs", "--group-by", "src", "--group-window", "100",
                              "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    check_group_cut_offs(docs, _cut_offs(drifting)[2])
    plain = drifting["dir"] / "groups-plain.jsonl"  # the plain groups keep their fields
    res = runner.invoke(app, ["stream", str(drifting["model"]), "-i", str(drifting["data"]), "--adapt",
                              "--group-by", "src", "--group-window", "100", "-o", str(plain), "-q"])
    assert res.exit_code == 0, res.output
    assert all("threshold" not in json.loads(line) for line in plain.read_text(encoding="utf-8").splitlines())


def test_with_threshold_takes_a_series_grid_rate_for_a_per_day_budget(tmp_path: Path) -> None:
    t = np.arange(800)
    data = tmp_path / "series.csv"
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=800, freq="1min"),
                  "cpu": np.sin(t / 5) + 0.05 * np.random.default_rng(0).normal(size=800)}).to_csv(
        data, index=False)
    model = tmp_path / "s"
    res = runner.invoke(app, ["train", str(data), "--timestamp-col", "ts", "--freq", "1min", "--model",
                              "lstm-ae", "--window", "8", "--hidden", "4", "--epochs", "1", "-q",
                              "-o", str(model)])
    assert res.exit_code == 0, res.output
    pipe = load(model)
    assert pipe.info.get("events_per_day") is None  # the rate is the grid's: 1,440 steps a day
    new = pipe.with_threshold("budget:10/day")
    assert new.threshold_.events_per_day == 1440.0
    out = tmp_path / "s2"
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "budget:10/day", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert load(out).threshold_.value_ == new.threshold_.value_  # as the CLI applies it


def test_the_readme_gives_the_drift_checks_rate_of_a_tail_rule_on_few_scores() -> None:
    from hourglass.thresholds import POT, expected_alert_rate

    held_out = np.random.default_rng(0).exponential(size=300)
    with pytest.warns(UserWarning, match="only 6 peaks"):
        rule = POT(1e-4).fit(held_out)
    rate = expected_alert_rate(rule).rate
    assert f"{100 * rate:.2f} %" == "0.34 %"
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "(`pot:1e-4` on 300 held-out scores: 0.34 %)" in " ".join(readme.split())


def test_the_readme_lists_the_keys_of_the_what_if_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = tmp_path / "t.csv"
    pd.DataFrame({"a": rng.exponential(size=400), "b": rng.normal(size=400)}).to_csv(data, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--epochs", "1", "-q", "-o", str(model)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "percentile:95", "--json", "-", "-q"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text(
        encoding="utf-8").split())
    said = readme[readme.index("writes the rows for scripts"):][:600]
    for key in [*doc["rules"][0], *(k for k in doc if k not in ("model", "model_name", "kind", "unit"))]:
        assert f"`{key}`" in said, key
    assert isinstance(doc["scores"], str)  # what the scores are, not the scores


@pytest.mark.parametrize("per", ["Day", "d", "DAY"])
def test_with_threshold_takes_the_models_rate_for_a_budget_per_day_spelt_any_way(per: str) -> None:
    from hourglass.thresholds import AlertBudget

    df = pd.DataFrame({"a": np.random.default_rng(0).exponential(size=6000)})  # (600 held out: a GPD tail)
    pipe = Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0), threshold=Percentile(99)).fit(df)
    pipe.info["events_per_day"] = 5000.0
    new = pipe.with_threshold(AlertBudget(5, per=per))
    assert new.threshold_.events_per_day == 5000.0
    assert new.threshold_.value_ == pipe.with_threshold(AlertBudget(5, per="day")).threshold_.value_
