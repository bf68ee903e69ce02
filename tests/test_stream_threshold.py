"""The stream threshold of a time-series model: its rule fitted on the causal scores of the
held-out tail (each step scored by the one window ending at it), what ``hourglass stream``
applies; artefacts saved before it existed stream with the averaged scores' threshold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import safetensors.numpy
from typer.testing import CliRunner

from hourglass import Pipeline, load, thresholds
from hourglass.cli.app import app
from hourglass.detectors import TCNAutoEncoder
from hourglass.features.timeseries import TimeSeriesPreprocessor
from hourglass.pipeline.artefact import _content_hash
from hourglass.serve.series_stream import SeriesStreamScorer

WINDOW = 8


def _series(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame({"cpu": 50 + 20 * np.sin(t / 6) + rng.normal(0, 2, n),
                         "mem": 1000 + 100 * np.cos(t / 9) + rng.normal(0, 10, n)})


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    det = TCNAutoEncoder(window=WINDOW, channels=(8,), epochs=2, validation_fraction=0.25,
                         verbose=0, random_state=0)
    return Pipeline(det, features=TimeSeriesPreprocessor(),
                    threshold=thresholds.Percentile(95)).fit(_series(400))


def _causal_tail_scores(pipe: Pipeline, df: pd.DataFrame) -> np.ndarray:
    """Each held-out step's score from the one window ending at it, window by window (a
    series of exactly one window: each of its steps gets that window's score)."""
    tail = pipe.features_.transform(df)[pipe.detector_.val_index_]
    return np.array([pipe.detector_.score(tail[t - WINDOW + 1:t + 1])[-1]
                     for t in range(WINDOW - 1, len(tail))])


def test_the_stream_threshold_is_the_rule_fitted_on_causal_held_out_scores(pipe: Pipeline) -> None:
    causal = _causal_tail_scores(pipe, _series(400))
    assert len(causal) == 100 - WINDOW + 1
    stream = pipe.stream_threshold_
    assert type(stream) is thresholds.Percentile and stream.get_params() == {"q": 95}
    assert stream is not pipe.threshold_ and stream.n_fit_ == len(causal)
    want = thresholds.Percentile(95).fit(causal).value_
    assert stream.value_ == pytest.approx(want, rel=1e-5)
    assert stream.value_ != pytest.approx(pipe.threshold_.value_, rel=1e-3)  # a threshold of its own
    assert "causal held-out" in stream.describe()
    card = pipe.model_card()
    assert card["threshold rule"].startswith("percentile 95 of held-out normal scores")
    assert card["stream threshold"].startswith("percentile 95 of causal held-out normal scores")


def test_stream_alerts_carry_the_stream_threshold_and_its_calibration(pipe: Pipeline) -> None:
    df = _series(120, seed=3)
    stream = SeriesStreamScorer.from_pipeline(pipe)
    assert stream.threshold_note is None and stream.threshold == pipe.stream_threshold_.value_
    alerts, bad = stream.feed(list(enumerate(df.to_dict("records"), start=1)), all_steps=True)
    scores = np.array([a["score"] for a in alerts])
    assert bad == [] and {a["threshold"] for a in alerts} == {pipe.stream_threshold_.value_}
    assert [a["flag"] for a in alerts] == (scores > pipe.stream_threshold_.value_).astype(int).tolist()
    cal = pipe.detector_.stream_calibrator_
    assert cal.n_fit_ == pipe.stream_threshold_.n_fit_  # fitted on the causal held-out scores
    np.testing.assert_allclose([a["calibrated"] for a in alerts], cal.transform(scores))


def test_save_load_keeps_the_stream_threshold(pipe: Pipeline, tmp_path: Path) -> None:
    pipe.save(tmp_path / "m")
    back = load(tmp_path / "m")
    assert back.stream_threshold_ == pipe.stream_threshold_
    np.testing.assert_array_equal(back.detector_.stream_val_scores_, pipe.detector_.stream_val_scores_)
    state = json.loads((tmp_path / "m" / "config.json").read_text())["detector"]["state"]
    assert state["stream_threshold"]["value"] == pipe.stream_threshold_.value_
    # a new rule set after loading is refitted on the saved causal scores too
    back.detector_.set_threshold(thresholds.Percentile(90))
    want = thresholds.Percentile(90).fit(pipe.detector_.stream_val_scores_).value_
    assert back.stream_threshold_.value_ == want
    # averaged validation scores given: no causal counterpart, the stream says why
    back.detector_.set_threshold(thresholds.Percentile(90), scores=np.arange(50.0))
    assert back.stream_threshold_ is None
    assert "given validation scores" in SeriesStreamScorer.from_pipeline(back).threshold_note


def _as_saved_before_stream_thresholds(model: Path) -> None:
    """Rewrite an artefact as one saved before stream thresholds: their keys gone, re-hashed."""
    config = json.loads((model / "config.json").read_text())
    for key in ("stream_threshold", "stream_threshold_why", "stream_calibration"):
        del config["detector"]["state"][key]
    arrays = safetensors.numpy.load((model / "weights.safetensors").read_bytes())
    del arrays["detector.stream_val_scores"]
    weights = safetensors.numpy.save(arrays)
    (model / "weights.safetensors").write_bytes(weights)
    import hashlib

    config["weights_sha256"] = hashlib.sha256(weights).hexdigest()
    config["content_hash"] = _content_hash(config, weights)
    (model / "config.json").write_text(json.dumps(config))


def test_an_artefact_without_a_stream_threshold_streams_with_the_averaged_one(
        pipe: Pipeline, tmp_path: Path) -> None:
    model = tmp_path / "old"
    pipe.save(model)
    _as_saved_before_stream_thresholds(model)
    old = load(model)
    assert old.stream_threshold_ is None
    np.testing.assert_array_equal(old.score(_series(60)), pipe.score(_series(60)))
    assert old.model_card()["stream threshold"].startswith("none (saved before stream thresholds")
    stream = SeriesStreamScorer.from_pipeline(old)
    assert stream.threshold == pipe.threshold_.value_ and "retrain" in stream.threshold_note
    df = _series(60, seed=5)
    alerts, _ = stream.feed(list(enumerate(df.to_dict("records"), start=1)), all_steps=True)
    scores = np.array([a["score"] for a in alerts])
    assert [a["flag"] for a in alerts] == pipe.detector_.threshold_predict(scores).tolist()
    np.testing.assert_allclose([a["calibrated"] for a in alerts], pipe.detector_.calibrate(scores))
    text = "\n".join(json.dumps(r) for r in df.to_dict("records")) + "\n"
    res = CliRunner().invoke(app, ["stream", str(model)], input=text)
    assert res.exit_code == 0, res.output
    assert res.stderr.count("retrain to fit a stream threshold") == 2  # the warning, the summary
    assert "warning" in res.stderr.splitlines()[0]


@pytest.mark.filterwarnings("ignore:POT")
def test_a_rule_the_causal_scores_cannot_fit_leaves_no_stream_threshold_and_says_why() -> None:
    # DSPOT(depth=48, min_peaks=5) needs 98 scores: the tail's 100 averaged ones, not its 93 causal
    det = TCNAutoEncoder(window=WINDOW, channels=(8,), epochs=1, validation_fraction=0.25,
                         verbose=0, random_state=0)
    pipe = Pipeline(det, features=TimeSeriesPreprocessor(),
                    threshold=thresholds.DSPOT(q=1e-2, depth=48, min_peaks=5)).fit(_series(400))
    assert pipe.stream_threshold_ is None
    note = SeriesStreamScorer.from_pipeline(pipe).threshold_note
    assert "could not be fitted on the causal scores" in note and "93 scores are too few" in note
