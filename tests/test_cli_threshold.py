"""``hourglass threshold``: what-if thresholds from the held-out normal scores a saved model keeps,
and a copy of the model with another rule (no retraining), with its bad-input errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import load, thresholds
from hourglass.cli import app
from hourglass.errors import InputError
from tests._cli import digest, one_line_error, runner
from tests.test_logs import _normal

FAST = ["--epochs", "2", "-q"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("rethreshold")
    rng = np.random.default_rng(0)
    n = 3000  # 300 held out: enough for fpr:0.01 (299), not for fpr:0.001
    table = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="30s"),
                          "bytes": rng.exponential(100, n), "dur": rng.exponential(1, n),
                          "proto": rng.choice(["tcp", "udp"], n)})
    table.to_csv(d / "train.csv", index=False)
    table.drop(columns=["ts"]).iloc[:500].to_csv(d / "test.csv", index=False)
    t = np.arange(600)
    pd.DataFrame({"cpu": np.sin(t / 5) + 0.05 * rng.normal(size=600),
                  "mem": np.cos(t / 7)}).to_csv(d / "series.csv", index=False)
    model, series = d / "M", d / "S"
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--timestamp-col", "ts", *FAST,
                              "-o", str(model)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(d / "series.csv"), "--model", "lstm-ae", "--window", "8",
                              "--hidden", "4", *FAST, "-o", str(series)])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": model, "series": series, "test": d / "test.csv"}


def test_what_if_rows_are_the_rules_fitted_on_the_held_out_scores(files: dict[str, Path]) -> None:
    model = files["model"]
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "percentile:95",
                              "--threshold", "fpr:0.01", "--threshold", "budget:20/day",
                              "--threshold", "percentile:99"])
    assert res.exit_code == 0, res.output
    pipe = load(model)
    scores = pipe.detector_.val_scores_
    rate = pipe.info["events_per_day"]
    assert rate == pytest.approx(2880, rel=1e-3)  # 30 s apart
    lines = res.stdout.splitlines()
    for spec in ("percentile:95", "fpr:0.01", "budget:20/day", "percentile:99"):
        fresh = load(model).detector_.set_threshold(thresholds.threshold_from_spec(
            spec, events_per_day=rate)).threshold_
        row = next(ln for ln in lines if f" {spec} " in ln)
        flagged = int((scores > fresh.value_).sum())
        expected = thresholds.expected_alert_rate(fresh, scores).rate
        assert f"{fresh.value_:.6g}" in row and f"({flagged:,})" in row, row
        assert f"{1e4 * expected:,.3g}" in row and f"{rate * expected:,.4g}" in row, row
        assert row.lstrip("│ ").startswith("*") == (spec == "percentile:99"), row  # the current rule
    assert f"Figures from {scores.size:,} held-out normal rows" in res.stdout
    assert "no labels used" in res.stdout


def test_the_default_what_if_starts_with_the_current_rule_and_says_what_it_cannot_fit(
        files: dict[str, Path]) -> None:
    res = runner.invoke(app, ["threshold", str(files["model"]), "-q"])
    assert res.exit_code == 0, res.output
    rows = [ln for ln in res.stdout.splitlines() if ln.startswith("│")]
    assert "(current)" in rows[0] and "*" in rows[0]
    for spec in ("percentile:99.9", "fpr:0.01", "pot:1e-4", "budget:10/day"):  # rate known: budget
        assert any(f" {spec} " in r for r in rows), spec
    assert not any(" percentile:99 " in r for r in rows)  # that is the current rule's row
    assert "fpr:0.001: not shown: FalseAlarmBound: 300 held-out normal scores" in res.stdout


def test_apply_writes_a_copy_whose_flags_follow_the_new_cut_off(files: dict[str, Path]) -> None:
    model, new = files["model"], files["dir"] / "M-quiet"
    before = digest(model)
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "fpr:0.01", "-o", str(new)])
    assert res.exit_code == 0, res.output
    assert "percentile 99.0 of held-out normal scores" in res.stderr and "-> false-alarm" in res.stderr
    assert f"model saved to {new}" in res.stdout
    assert digest(model) == before  # the original is untouched
    old_pipe, pipe = load(model), load(new)
    want = thresholds.FalseAlarmBound(0.01).fit(old_pipe.detector_.val_scores_)
    assert pipe.threshold_.value_ == want.value_ and pipe.threshold_.k_ == want.k_
    assert old_pipe.threshold_.describe() == "percentile 99.0 of held-out normal scores"
    assert pipe.threshold_.value_ > old_pipe.threshold_.value_
    info = json.loads((new / "config.json").read_text())["info"]
    parent = json.loads((model / "config.json").read_text())["content_hash"]
    assert info["rethresholded_from"]["content_hash"] == parent
    assert info["rethresholded_from"]["threshold_value"] == old_pipe.threshold_.value_
    assert info["threshold_value"] == want.value_ and info["threshold_fit"]["rows"] == 300
    assert "re-thresholded" in pipe.model_card()
    scored = files["dir"] / "scored.csv"
    res = runner.invoke(app, ["score", str(new), str(files["test"]), "-o", str(scored)])
    assert res.exit_code == 0, res.output
    out = pd.read_csv(scored)
    assert (out["flag"] == (out["score"] > want.value_).astype(int)).all()
    assert out["flag"].sum() < (out["score"] > old_pipe.threshold_.value_).sum()  # fewer alerts


def test_apply_refuses_a_non_empty_output_unless_forced(files: dict[str, Path]) -> None:
    model, new = files["model"], files["dir"] / "M-forced"
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "percentile:95", "-o", str(new)])
    assert res.exit_code == 0, res.output
    before = digest(new)
    one_line_error(["threshold", str(model), "--threshold", "percentile:90", "-o", str(new)],
                   "exists and is not empty; choose another path or pass --force")
    assert digest(new) == before
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "percentile:90", "-o", str(new),
                              "--force"])
    assert res.exit_code == 0, res.output
    assert load(new).threshold_.describe() == "percentile 90.0 of held-out normal scores"
    one_line_error(["threshold", str(model), "--threshold", "percentile:90", "-o", str(model / "sub")],
                   "is inside the model directory", model / "sub")
    in_place = files["dir"] / "M-in-place"
    shutil.copytree(model, in_place)
    res = runner.invoke(app, ["threshold", str(in_place), "--threshold", "percentile:90", "-o",
                              str(in_place), "--force"])
    assert res.exit_code == 0, res.output
    assert load(in_place).info["rethresholded_from"]["content_hash"] == load(model).artefact_["content_hash"]
    other = files["dir"] / "not-a-model"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    one_line_error(["threshold", str(model), "--threshold", "percentile:90", "-o", str(other),
                    "--force"], "exists and is not a model directory")
    assert (other / "notes.txt").read_text() == "mine"


def test_a_time_series_model_gets_its_stream_threshold_refitted(files: dict[str, Path]) -> None:
    model, new = files["series"], files["dir"] / "S-95"
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "percentile:95"])
    assert res.exit_code == 0, res.output
    old = load(model)
    stream_want = thresholds.Percentile(95).fit(old.detector_.stream_val_scores_).value_
    assert "stream cut-off" in res.stdout and f"{stream_want:.6g}" in res.stdout
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "percentile:95", "-o", str(new)])
    assert res.exit_code == 0, res.output
    assert "stream threshold: percentile 99.0 of causal" in res.stderr
    pipe = load(new)
    assert pipe.threshold_.value_ == thresholds.Percentile(95).fit(old.detector_.val_scores_).value_
    stream = pipe.stream_threshold_
    assert stream is not None and stream.describe().startswith("percentile 95.0 of causal held-out")
    assert stream.value_ == stream_want and pipe.info["stream_threshold_value"] == stream_want
    assert old.stream_threshold_.get_params() == {"q": 99.0}  # the original's stream is unchanged


def test_a_time_series_model_without_causal_scores_is_refused(files: dict[str, Path]) -> None:
    old = load(files["series"])
    old.detector_.stream_val_scores_ = None  # as saved before stream thresholds existed
    old.detector_.stream_threshold_ = None
    legacy, new = files["dir"] / "S-legacy", files["dir"] / "S-legacy-95"
    old.save(legacy)
    one_line_error(["threshold", str(legacy), "--threshold", "percentile:95", "-o", str(new)],
                   "keeps no causal held-out scores", new)


def test_a_deeplog_model_leaves_its_top_g_rank_for_a_fitted_rule(tmp_path: Path) -> None:
    keys, model, new = tmp_path / "keys", tmp_path / "D", tmp_path / "D2"
    keys.write_text("\n".join(" ".join(map(str, s)) for s in _normal(100)) + "\n")
    res = runner.invoke(app, ["train", str(keys), "--format", "keys", "--model", "deeplog",
                              "--param", "top_g=1", "--hidden", "8", *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["threshold", str(model), "-q"])
    assert res.exit_code == 0, res.output
    assert "fixed at 1" in res.stdout and "top-g rank (g = 1" in res.stdout
    assert "alerts /10k sessions" in res.stdout
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "contamination:0.1", "-o", str(new)])
    assert res.exit_code == 0, res.output
    pipe = load(new)
    scores = pipe.detector_.val_scores_
    assert pipe.threshold_.value_ == thresholds.Contamination(0.1).fit(scores).value_
    sessions = _normal(5)
    flags = pipe.detector_.predict(sessions)
    assert flags.tolist() == (pipe.detector_.score(sessions) > pipe.threshold_.value_).astype(int).tolist()
    assert load(model).threshold_.describe() == "fixed at 1"


@pytest.mark.parametrize(("args", "match"), [
    (["--threshold", "percentile:abc"], "'abc' is not a number"),
    (["--threshold", "wobble:3"], "unknown rule 'wobble'"),
    (["--threshold", "best-f1"], "train with 'hourglass train DATA --threshold best-f1"),
    (["--threshold", "best-fbeta:0.5"], "needs a labelled validation set"),
    (["--threshold", "fpr:0.001"], "300 held-out normal scores cannot bound the false-alarm rate at "
                                   "0.001"),
    (["--threshold", "percentile:95", "--threshold", "fpr:0.01", "-o", "X"],
     "give exactly one --threshold rule to apply (got 2)"),
    (["-o", "X"], "give exactly one --threshold rule to apply (got 0)"),
    (["--force"], "--force: only with -o NEW"),
    (["--events-per-day", "0"], "--events-per-day: must be > 0"),
])
def test_bad_input_is_one_line_and_exit_2(files: dict[str, Path], args: list[str], match: str) -> None:
    out = files["dir"] / "X"
    one_line_error(["threshold", str(files["model"]), *[str(out) if a == "X" else a for a in args]],
                   match, out)


def test_help_lists_the_options() -> None:
    res = runner.invoke(app, ["threshold", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    for option in ("--threshold", "--output", "--events-per-day", "--force", "dspot:RISK/DEPTH"):
        assert option in res.stdout, option


def test_bad_models_are_one_line_and_exit_2(files: dict[str, Path]) -> None:
    d = files["dir"]
    one_line_error(["threshold", str(d / "nowhere")], "not a model directory")
    (d / "empty").mkdir()
    one_line_error(["threshold", str(d / "empty")], "not a hourglass model")
    # a per-day budget on a model that knows no event rate (a series without a --freq grid)
    one_line_error(["threshold", str(files["series"]), "--threshold", "budget:5/day"],
                   "a per-day budget needs the event rate")
    res = runner.invoke(app, ["threshold", str(files["series"]), "--threshold", "budget:5/day",
                              "--events-per-day", "1440", "-q"])
    assert res.exit_code == 0 and "alerts /day" in res.stdout, res.output
    fed = load(files["model"])
    fed.detector_.val_scores_ = np.empty(0)  # a federated model with held_out="summaries"
    fed.save(d / "F")
    one_line_error(["threshold", str(d / "F")], "keeps no held-out scores")
    one_line_error(["threshold", str(d / "F"), "--threshold", "percentile:95", "-o", str(d / "F2")],
                   "keeps no held-out scores", d / "F2")


def test_with_threshold_leaves_the_pipeline_alone_and_refuses_labelled_rules(
        files: dict[str, Path]) -> None:
    pipe = load(files["model"])
    new = pipe.with_threshold(thresholds.FalseAlarmBound(0.02))
    assert type(new.threshold_) is thresholds.FalseAlarmBound
    assert type(pipe.threshold_) is thresholds.Percentile
    assert new.detector_ is not pipe.detector_ and "rethresholded_from" not in pipe.info
    assert new.info["rethresholded_from"]["content_hash"] == pipe.artefact_["content_hash"]
    with pytest.raises(InputError, match="needs labelled validation rows"):
        pipe.with_threshold("best-f1")
    twice = new.with_threshold("percentile:99")
    assert twice.threshold_.value_ == pipe.threshold_.value_
    assert twice.info["rethresholded_from"]["previous"]["threshold"] == pipe.threshold_.describe()


def test_an_entity_bucket_model_takes_its_bucket_rate_for_a_per_day_budget(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 4000
    rows = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="10s"),
                         "src": rng.choice(["a", "b", "c", "d"], n), "bytes": rng.exponential(100, n)})
    data, model, new = tmp_path / "flows.csv", tmp_path / "E", tmp_path / "E2"
    rows.to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), "--entity-col", "src", "--timestamp-col", "ts",
                              "--bucket", "5min", *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    rate = load(model).info["events_per_day"]  # (entity, bucket) rows per day
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "budget:2/day", "-o", str(new)])
    assert res.exit_code == 0, res.output
    pipe = load(new)
    want = thresholds.AlertBudget(2, per="day", events_per_day=rate).fit(pipe.detector_.val_scores_)
    assert pipe.threshold_.value_ == want.value_ and "-> alert budget 2 per day at" in res.stderr
    scored = tmp_path / "b.csv"
    res = runner.invoke(app, ["score", str(new), str(data), "-o", str(scored)])
    assert res.exit_code == 0, res.output
    out = pd.read_csv(scored)
    assert (out["flag"] == (out["score"] > want.value_).astype(int)).all()
