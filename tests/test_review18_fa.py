"""Streaming cut-offs of grouped ECS alerts whatever the input's columns are named, and the drift
check's promised rate of each threshold rule as the README gives it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hourglass import load
from hourglass.cli import app
from hourglass.thresholds import DSPOT
from tests._cli import runner
from tests._drifting import check_group_cut_offs, drifting_model

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def drifting(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model with a DSPOT threshold, and rows whose normal level drifts (with spikes)
    that carry a column named ``threshold``."""
    files, rows = drifting_model(tmp_path_factory.mktemp("adapt"), threshold_column=True)
    d, model = files["dir"], files["model"]
    pipe = load(model)
    cuts_of = pipe.threshold_
    cuts_of.update(pipe.score(rows[["a", "b"]]))
    np.save(d / "cuts.npy", cuts_of.cutoffs_)
    return {**files, "cuts": d / "cuts.npy"}


@pytest.mark.parametrize("extra", [["--keep", "threshold"], ["--group-by", "threshold"]])
def test_grouped_ecs_alerts_carry_the_cut_off_of_their_top_row_beside_a_column_named_threshold(
        drifting: dict[str, Path], extra: list[str]) -> None:
    # the top row's cut-off and the input's 'threshold' column shared one key: the kept (or key)
    # value won, and the alert said 'score 3.857 > threshold 4.123' (the threshold before the
    # stream) for a row flagged against 3.146
    out = drifting["dir"] / f"groups{extra[0]}.jsonl"
    res = runner.invoke(app, ["stream", str(drifting["model"]), "-i", str(drifting["data"]), "--adapt",
                              "--alert-format", "ecs", "--group-by", "src", "--group-window", "100",
                              *extra, "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    check_group_cut_offs(docs, np.load(drifting["cuts"]))
    for doc in docs:
        h = doc["hourglass"]
        kept = h["group"] if extra[0] == "--group-by" else h["fields"]
        assert kept["threshold"] in ("t0", "t1")  # the column's own value stays the field it was
        assert not any(str(k).startswith("\x00") for k in h)


def test_the_readme_gives_the_drift_checks_rate_of_a_per_day_budget() -> None:
    # the drift check expects N / events per day of budget:N/day (its risk), which the README
    # listed under 'other rules: their rate on the held-out normal scores'
    from hourglass.thresholds import AlertBudget
    from hourglass.thresholds.monitor import expected_alert_rate

    scores = np.random.default_rng(0).exponential(size=5000)
    rule = AlertBudget(20, per="day", events_per_day=1000).fit(scores)
    assert expected_alert_rate(rule, scores).rate == pytest.approx(20 / 1000)
    text = " ".join(README.read_text(encoding="utf-8").split())
    para = text[text.index("A threshold promises a false-alarm rate"):][:900]
    assert "`budget:N/day`: N in the day's events (N / events per day)" in para


def test_dspot_flags_a_score_exactly_when_it_is_above_the_cut_off_it_records() -> None:
    # DSPOT flags x - mean > z, and recorded mean + z: a score equal to that (to the last bit)
    # could be flagged, its ECS alert saying 'score 1.963 > threshold 1.963'
    import copy
    import math

    seen = 0
    for seed in (0, 5, 8):
        rule = DSPOT(1e-2, depth=7, refit_every=5).fit(
            np.random.default_rng(seed).exponential(size=600) * 0.37 + 0.11)
        mid = rule.value_
        for x in (math.nextafter(math.nextafter(mid, 0), 0), math.nextafter(mid, 0), mid,
                  math.nextafter(mid, 9), math.nextafter(math.nextafter(mid, 9), 9)):
            one = copy.deepcopy(rule)
            flag = int(one.update([x])[0])
            assert flag == int(x > one.cutoffs_[0]), (seed, x, one.cutoffs_[0])
            seen += flag
    assert seen  # some of them are flagged
