"""The drift check: the flag rate of the last rows against the threshold's promised rate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import load
from hourglass.cli.app import app
from hourglass.errors import InputError
from hourglass.thresholds import (
    POT,
    TRAINING,
    AlertBudget,
    AlertRateMonitor,
    Contamination,
    Fixed,
    Percentile,
    expected_alert_rate,
)
from hourglass.thresholds.monitor import mean_run_length

runner = CliRunner()


def _fired(mon: AlertRateMonitor, flags: np.ndarray, chunk: int) -> list[tuple[str, int]]:
    events = []
    for i in range(0, flags.size, chunk):
        events += [(e.kind, e.row) for e in mon.update(flags[i:i + chunk])]
    return events


def test_training_distribution_rarely_fires_even_with_a_threshold_from_few_held_out_scores() -> None:
    # the threshold is a percentile of only 500 held-out scores: its true rate on fresh normal
    # rows varies from seed to seed; the beta-binomial test allows for that
    episodes = []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        rule = Percentile(99).fit(rng.normal(size=500))
        mon = AlertRateMonitor.from_threshold(rule, window=1000)
        mon.update(rule.predict(rng.normal(size=20_000)))
        episodes.append(mon.episodes)
    assert sum(episodes) <= 1  # 600k normal rows, 30 thresholds


def test_plain_binomial_would_fire_where_the_beta_binomial_does_not() -> None:
    # an unlucky threshold (true rate ~2.3 % for a promised 1 %) from 500 held-out scores
    exact = AlertRateMonitor(0.01, 1000)
    allowing = AlertRateMonitor(0.01, 1000, n_ref=500)
    assert exact.p_value(30, 1000) < 1e-6 < allowing.p_value(30, 1000)


def test_fires_on_shifted_data_within_a_window_and_once_per_episode() -> None:
    rng = np.random.default_rng(0)
    rule = Percentile(99).fit(rng.normal(size=5000))
    mon = AlertRateMonitor.from_threshold(rule, window=1000)
    normal, shifted = rng.normal(size=5000), rng.normal(0.8, 1.0, size=5000)  # ~7 % above
    events = [(e.kind, e.row) for e in mon.update(rule.predict(np.r_[normal, shifted, normal]))]
    assert [k for k, _ in events] == ["fired", "cleared"]  # one warning, not one per row
    assert 5000 < events[0][1] < 6000  # within one window of the shift
    assert 10_000 <= events[1][1] < 12_000  # the window has emptied of shifted rows
    again = [e.kind for e in mon.update(rule.predict(np.r_[shifted, normal]))]
    assert again == ["fired", "cleared"] and mon.episodes == 2
    assert "drift warning fired 2 time(s)" in mon.summary()


def test_events_do_not_depend_on_how_the_rows_are_chunked() -> None:
    rng = np.random.default_rng(3)
    flags = np.r_[rng.random(3000) < 0.01, rng.random(2000) < 0.08, rng.random(4000) < 0.01]
    want = _fired(AlertRateMonitor(0.01, 500, n_ref=5000), flags.astype(int), flags.size)
    assert want and [k for k, _ in want] == ["fired", "cleared"]
    for chunk in (1, 7, 499, 1024):
        assert _fired(AlertRateMonitor(0.01, 500, n_ref=5000), flags.astype(int), chunk) == want


def test_runs_of_alerts_count_as_runs() -> None:
    # a normal series whose alerts come in runs of 10: as rows they look like drift, as runs not
    rng = np.random.default_rng(1)
    flags = np.repeat(rng.random(5000) < 0.01, 10).astype(int)
    assert mean_run_length(flags) > 9
    assert AlertRateMonitor(0.01, 1000).update(flags)  # counted row by row: a false warning
    assert AlertRateMonitor(0.01, 1000, run_length=mean_run_length(flags)).update(flags) == []


def test_expected_rate_of_each_rule() -> None:
    s = np.random.default_rng(0).exponential(size=10_000)
    # the mean rate of the 99.5th percentile of 10,000 scores: (n - 0.995 (n - 1)) / (n + 1)
    assert expected_alert_rate(Percentile(99.5).fit(s)).rate == pytest.approx(0.0050990, abs=1e-7)
    # 200 of 10,000 flagged, the cut-off halfway to the 201st: 200.5 in 10,001 (review 58: was 0.02)
    assert expected_alert_rate(Contamination(0.02).fit(s)).rate == pytest.approx(200.5 / 10_001)
    assert expected_alert_rate(POT(1e-4).fit(s)).rate == 1e-4
    assert expected_alert_rate(AlertBudget(5, per="10k").fit(s)).rate == pytest.approx(5e-4)
    fixed = Fixed(float(np.quantile(s, 0.97))).fit(s)
    assert expected_alert_rate(fixed, s).rate == pytest.approx(0.03, abs=1e-3)
    assert expected_alert_rate(Fixed(1e9).fit(s), s).rate == 0.5 / s.size  # none flagged: a bound
    with pytest.raises(InputError, match="held-out normal scores"):
        expected_alert_rate(fixed)
    assert "fire on normal traffic" in expected_alert_rate(Percentile(99).fit(s, on=TRAINING)).source


def test_messages_name_training_scores_when_nothing_was_held_out() -> None:
    """A threshold fitted on training scores (no held-out rows): the warning and the summary say
    so instead of 'expected on held-out normal data'."""
    s = np.random.default_rng(0).exponential(size=500)
    flags = (np.random.default_rng(1).random(2000) < 0.2).astype(int)
    held = AlertRateMonitor.from_threshold(Percentile(99).fit(s), s, window=500)
    train = AlertRateMonitor.from_threshold(Percentile(99).fit(s, on=TRAINING), s, window=500)
    assert "expected on held-out normal data" in held.update(flags)[0].describe()
    assert "from only 500 held-out scores" in held.summary()
    said = train.update(flags)[0].describe()
    assert "expected on training scores (no held-out rows)" in said and "held-out" not in said.split("(no")[0]
    summary = train.summary()
    assert "expected on training scores (no held-out rows)" in summary
    assert "from only 500 scores" in summary and "held-out normal data" not in summary


@pytest.mark.parametrize("kwargs", [{"expected": 0.0}, {"expected": 1.0}, {"window": 0},
                                    {"alpha": 0.1, "clear_alpha": 0.01}, {"run_length": 0.5},
                                    {"n_ref": 0}])
def test_bad_parameters_are_refused(kwargs: dict) -> None:
    args = {"expected": 0.01, **kwargs}
    with pytest.raises(InputError, match="AlertRateMonitor"):
        AlertRateMonitor(**args)


def test_flags_must_be_zero_or_one() -> None:
    with pytest.raises(InputError, match="0 or 1"):
        AlertRateMonitor(0.01).update([0, 2])


# -- CLI ---------------------------------------------------------------------------------------

def _flows(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(6 + shift, 1, n),
                         "duration": rng.exponential(2.0 * (1 + shift), n), "label": "benign"})


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("drift")
    _flows(1500, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "8,4",
                              "--epochs", "3", "--label-col", "label", "--normal", "benign", "-q"])
    assert res.exit_code == 0, res.output
    paths = {"dir": d, "model": d / "model"}
    for name, df in (("same", _flows(1500, 1)), ("shifted", _flows(1500, 2, shift=1.5))):
        df.to_csv(d / f"{name}.csv", index=False)
        df.to_json(d / f"{name}.jsonl", orient="records", lines=True)
        paths[name] = d / f"{name}.csv"
        paths[name + "_jsonl"] = d / f"{name}.jsonl"
    return paths


def test_score_says_when_the_alert_rate_is_far_above_the_promise(files: dict[str, Path]) -> None:
    out = files["dir"] / "shifted_scores.csv"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["shifted"]), "-o", str(out),
                              "--chunk-mb", "0.05"])
    assert res.exit_code == 0, res.output
    warned = [ln for ln in res.stderr.splitlines() if ln.startswith("warning: drift check")]
    expected = load(files["model"]).threshold_
    rate = f"vs {100 * expected.expected_rate(expected.n_fit_):.1f}% expected on held-out normal data"
    assert len(warned) == 1 and rate in warned[0]
    assert "drift warning fired 1 time(s)" in res.stderr
    out_off = files["dir"] / "shifted_scores_off.csv"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["shifted"]), "-o", str(out_off),
                              "--chunk-mb", "0.05", "--drift-window", "0"])
    assert res.exit_code == 0 and "drift check" not in res.stderr
    assert out.read_bytes() == out_off.read_bytes()  # the check never changes an output


def test_score_on_training_like_data_does_not_warn(files: dict[str, Path]) -> None:
    res = runner.invoke(app, ["score", str(files["model"]), str(files["same"]), "-o",
                              str(files["dir"] / "same_scores.csv")])
    assert res.exit_code == 0, res.output
    assert "no drift warning (window 1,000 rows)" in res.stderr and "warning:" not in res.stderr


def test_stream_warns_once_and_its_alerts_are_unchanged(files: dict[str, Path]) -> None:
    args = ["stream", str(files["model"]), "--input", str(files["shifted_jsonl"]), "--batch", "100"]
    on = runner.invoke(app, [*args, "--drift-window", "500"])
    off = runner.invoke(app, [*args, "--drift-window", "0"])
    assert on.exit_code == 0 and off.exit_code == 0, on.output
    assert on.stdout == off.stdout and json.loads(on.stdout.splitlines()[0])["row"] >= 0
    assert sum(ln.startswith("warning: drift check") for ln in on.stderr.splitlines()) == 1
    assert "drift warning fired" in on.stderr and "drift check" not in off.stderr


def test_series_stream_alerts_are_unchanged_by_the_check(tmp_path: Path) -> None:
    from hourglass import Pipeline
    from hourglass.detectors import TCNAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    def metrics(n: int, seed: int, level: float = 0.0) -> pd.DataFrame:
        rng, t = np.random.default_rng(seed), np.arange(n)
        return pd.DataFrame({"cpu": 50 + 20 * np.sin(t / 6) + rng.normal(0, 1, n) + level,
                             "disk": 5 + rng.normal(0, 0.2, n)})

    Pipeline(TCNAutoEncoder(window=8, channels=(8,), epochs=3, verbose=0, random_state=0),
             features=TimeSeriesPreprocessor(freq="rows")).fit(metrics(400, 0)).save(tmp_path / "m")
    live = pd.concat([metrics(200, 1), metrics(400, 2, level=30.0)])
    live.to_json(tmp_path / "live.jsonl", orient="records", lines=True)
    args = ["stream", str(tmp_path / "m"), "--input", str(tmp_path / "live.jsonl"), "--batch", "50"]
    for extra in ([], ["--all"]):
        on = runner.invoke(app, [*args, *extra, "--drift-window", "200"])
        off = runner.invoke(app, [*args, *extra, "--drift-window", "0"])
        assert on.exit_code == 0 and off.exit_code == 0, on.output
        assert on.stdout == off.stdout
        assert "drift check: alert rate" in on.stderr and "drift check" not in off.stderr
    assert "warning: drift check" in on.stderr  # the level shift


def test_health_reports_the_recent_alert_rate(files: dict[str, Path]) -> None:
    from fastapi.testclient import TestClient

    from hourglass.serve.app import create_app

    key = {"X-API-Key": "0123456789abcdef"}
    client = TestClient(create_app(files["model"], api_key=key["X-API-Key"], drift_window=400))
    assert client.get("/health").json()["drift"]["rows"] == 0
    shifted = pd.read_csv(files["shifted"]).drop(columns=["label"]).to_dict("records")
    flags = []
    for lo in range(0, 600, 200):
        r = client.post("/score", json={"rows": shifted[lo:lo + 200]}, headers=key)
        assert r.status_code == 200
        flags += r.json()["flags"]
    drift = client.get("/health").json()["drift"]
    assert drift["rows"] == 600 and drift["window_rows"] == 400
    assert drift["window_rate"] == pytest.approx(np.mean(flags[-400:]))
    assert drift["warning"] is True and drift["warnings"] == 1 and drift["p_value"] < 1e-6
    model = load(files["model"]).threshold_  # percentile 99 of its held-out scores: their mean rate
    assert drift["expected_rate"] == pytest.approx(model.expected_rate(model.n_fit_))
    off = TestClient(create_app(files["model"], api_key=key["X-API-Key"], drift_window=0))
    assert "drift" not in off.get("/health").json()
