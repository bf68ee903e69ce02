"""Review round 55 (left55): regression tests of the items earlier rounds noticed and left alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import runner


def _sign_in(i: int) -> dict[str, Any]:
    """A small Microsoft Graph ``signIn`` (the ``entra-signin`` format)."""
    return {"createdDateTime": f"2026-01-05T09:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "userPrincipalName": f"user{i % 3}@contoso.com", "appDisplayName": "Teams",
            "ipAddress": f"203.0.113.{i % 5 + 1}", "clientAppUsed": "Browser",
            "status": {"errorCode": 0}, "location": {"countryOrRegion": "DE"}}


@pytest.fixture(scope="module")
def entra_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("entra55")
    (d / "train.jsonl").write_text("".join(json.dumps(_sign_in(i)) + "\n" for i in range(60)))
    res = runner.invoke(app, ["train", str(d / "train.jsonl"), "--epochs", "1", "--hidden", "4,2",
                              "-q", "-o", str(d / "model")])
    assert res.exit_code == 0, res.output
    return d / "model"


def test_the_service_names_the_request_row_of_an_event_of_a_page(entra_model: Path) -> None:
    # What was wrong: a request's row that is a page of events (a Graph page, an Event Hub
    # message) is expanded into its events before scoring, and an error the scorer raised named
    # the event's place among all the events: {"rows": [a page of 4 sign-ins, {"foo": 1}]} was
    # refused as "row 5: none of the model's columns", of a request of 2 rows
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app

    page = {"@odata.context": "x", "value": [_sign_in(i) for i in range(4)]}
    key = {"X-API-Key": "k" * 32}
    with TestClient(create_app(entra_model, api_key="k" * 32)) as client:
        after = client.post("/score", json={"rows": [page, {"foo": 1}]}, headers=key)
        inside = client.post("/score", json={"rows": [_sign_in(9), {"value": [_sign_in(1), {"foo": 1}]}]},
                             headers=key)
        plain = client.post("/score", json={"rows": [_sign_in(9), {"foo": 1}]}, headers=key)
    assert after.status_code == 422
    assert after.json()["detail"].startswith("row 2: none of the model's columns"), after.text
    assert inside.status_code == 422
    assert inside.json()["detail"].startswith("row 2, event 2 of its page: none of the model's "
                                              "columns"), inside.text
    assert plain.json()["detail"].startswith("row 2: none of the model's columns"), plain.text


def _forecaster_on_x_val(n: int) -> tuple[Any, Any]:
    """An lstm-forecaster (window 8) fitted on ``n`` sine steps with best F1 on a labelled
    120-step validation series (3 anomalous steps from step 80); the pipeline and that series."""
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline, thresholds
    from hourglass.detectors import LSTMForecaster
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    rng = np.random.default_rng(0)
    train = pd.DataFrame({"cpu": np.sin(np.arange(n) / 4) + 0.05 * rng.normal(size=n)})
    val = pd.DataFrame({"cpu": np.sin(np.arange(120) / 4) + 0.05 * rng.normal(size=120)})
    y = np.zeros(120, dtype=int)
    val.loc[80:82, "cpu"] += 3
    y[80:83] = 1
    pipe = Pipeline(LSTMForecaster(window=8, hidden=4, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor(), threshold=thresholds.BestF1()
                    ).fit(train, X_val=val, y_val=y)
    return pipe, val


@pytest.fixture(scope="module")
def forecaster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-epoch LSTM forecaster (window 16) of 200 steps: 20 held out, 4 of them scored."""
    import numpy as np
    import pandas as pd

    d = tmp_path_factory.mktemp("forecaster55")
    t = np.arange(200)
    pd.DataFrame({"timestamp": pd.date_range("2024-01-01", periods=200, freq="min").astype(str),
                  "cpu": np.sin(t / 4) + 0.05 * np.random.default_rng(0).normal(size=200)}
                 ).to_csv(d / "ts.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "ts.csv"), "--model", "lstm-forecaster",
                              "--timestamp-col", "timestamp", "--epochs", "1", "--param", "window=16",
                              "--param", "hidden=4", "-q", "-o", str(d / "model")])
    assert res.exit_code == 0, res.output
    assert "(+20 held out)" in res.stderr
    return d / "model"


def test_threshold_footer_of_a_forecaster_says_scores_from_the_held_out_steps(forecaster: Path) -> None:
    # What was wrong: 'hourglass threshold' of a forecaster that held out 20 steps ('train':
    # "180 steps (+20 held out)") said "Figures from 4 held-out normal steps (never trained on)":
    # the 4 are the scores its held-out tail gives (its first 16 steps have no forecast of their
    # own), as the refusal of too few of them beside it says; a reader took 4 steps for the
    # held-out tail
    res = runner.invoke(app, ["threshold", str(forecaster)])
    assert res.exit_code == 0, res.output
    assert ("Figures from 4 held-out normal scores (never trained on; the held-out tail's 20 steps "
            "give 4: its first 16 steps have no forecast of their own) kept in the model") in res.stdout
    assert "4 held-out normal steps" not in res.stdout
    res = runner.invoke(app, ["threshold", str(forecaster), "--threshold", "percentile:95", "-o",
                              str(forecaster.parent / "m95")])
    assert res.exit_code == 0, res.output
    assert ("(flags 25% of 4 held-out normal scores; the held-out tail's 20 steps give 4: its "
            "first 16 steps have no forecast of their own)") in res.stderr, res.stderr


def test_a_forecaster_fitted_on_labelled_validation_steps_keeps_its_stream_threshold() -> None:
    # What was wrong: Pipeline.fit(df, X_val=..., y_val=...) of an lstm-forecaster (horizon 1)
    # kept no stream threshold, the model card and 'hourglass stream' saying "the threshold was
    # fitted on given validation scores (averaged over windows), which have no causal
    # counterpart": a forecaster of horizon 1 scores each step by its one forecast, the window
    # ending at it, as the stream scores it; its validation scores are causal ones
    import numpy as np


    pipe, val = _forecaster_on_x_val(300)
    det = pipe.detector_
    Xv = pipe.features_.transform(val)
    np.testing.assert_allclose(det.score(Xv)[8:], det.window_scores(Xv), rtol=1e-5)  # causal
    assert pipe.stream_threshold_ is not None and det.stream_threshold_missing() is None
    assert pipe.stream_threshold_.value_ == pipe.threshold_.value_
    assert pipe.stream_threshold_ is not pipe.threshold_
    assert "averaged over windows" not in pipe.model_card()["stream threshold"]


def test_stream_summary_of_a_model_fitted_on_labelled_validation_rows_advises_no_retraining(
        tmp_path: Path) -> None:
    # What was wrong: streaming a window autoencoder fitted with Pipeline.fit(df, X_val=...,
    # y_val=...) (no stream threshold: its validation scores are averaged over windows) ended
    # with "threshold ... fitted on averaged scores: retrain to fit a stream threshold", advice
    # for a model saved before stream thresholds existed: retrained alike it has none again, as
    # the warning at the start said
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline, thresholds
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    rng = np.random.default_rng(0)
    train = pd.DataFrame({"cpu": np.sin(np.arange(300) / 4) + 0.05 * rng.normal(size=300)})
    val = pd.DataFrame({"cpu": np.sin(np.arange(120) / 4) + 0.05 * rng.normal(size=120)})
    y = np.zeros(120, dtype=int)
    val.loc[80:82, "cpu"] += 3
    y[80:83] = 1
    Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
             features=TimeSeriesPreprocessor(), threshold=thresholds.BestF1()
             ).fit(train, X_val=val, y_val=y).save(tmp_path / "m")
    res = runner.invoke(app, ["stream", str(tmp_path / "m")],
                        input="".join(json.dumps({"cpu": float(v)}) + "\n" for v in val["cpu"]))
    assert res.exit_code == 0, res.output
    summary = next(line for line in res.stderr.splitlines() if line.startswith("streamed "))
    assert "retrain" not in summary, summary
    assert ("fitted on averaged scores; no stream threshold: the threshold was fitted on given "
            "validation scores") in summary, summary


def test_model_card_of_a_forecaster_says_how_its_steps_gave_the_threshold_scores(
        forecaster: Path) -> None:
    # What was wrong: the model card of a forecaster that held out 20 steps said its threshold
    # was fitted on "held-out normal training steps (never trained on): 4 steps (4 normal, 0
    # anomalous)": 4 scores, as the tail's first 16 steps have no forecast of their own; and one
    # fitted on a labelled validation series of 120 steps said "112 steps" with no word of the 8
    # left out

    from hourglass import load

    card = load(forecaster).model_card()
    assert card["threshold fitted on"] == (
        "held-out normal training steps (never trained on): 4 scores (4 normal, 0 anomalous; the "
        "held-out tail's 20 steps give 4: its first 16 steps have no forecast of their own)")
    pipe, _ = _forecaster_on_x_val(200)
    assert pipe.info["threshold_fit"]["left_out"] == 8
    assert pipe.model_card()["threshold fitted on"] == (
        "labelled validation steps given to fit (X_val, y_val): 112 steps (109 normal, 3 "
        "anomalous; the series' first 8 steps left out: no forecast of their own)")


def test_a_forecaster_fitted_on_its_training_scores_says_they_are_fewer_than_its_steps(
        tmp_path: Path) -> None:
    # What was wrong: a forecaster trained on 200 steps holding none out ('train': "200 steps
    # (none held out)") had its threshold "fitted on ... 184 steps" (model card) and 'hourglass
    # threshold' said "Figures from 184 training steps": 184 scores, each series' first 16 steps
    # having no forecast of their own
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors import LSTMForecaster
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    series = pd.DataFrame({"cpu": np.sin(np.arange(200) / 4)})
    pipe = Pipeline(LSTMForecaster(window=16, hidden=4, epochs=1, validation_fraction=0, verbose=0),
                    features=TimeSeriesPreprocessor()).fit(series)
    how = "the first 16 steps of each training series have no forecast of their own"
    assert pipe.model_card()["threshold fitted on"].endswith(
        f": 184 scores (184 normal, 0 anomalous; {how})")
    pipe.save(tmp_path / "m")
    res = runner.invoke(app, ["threshold", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert ("Figures from 184 training scores (no held-out rows: fresh normal steps exceed these "
            f"cut-offs more often; {how}) kept in the model") in res.stdout
