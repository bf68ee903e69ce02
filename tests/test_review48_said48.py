"""What hourglass says ahead of a run (``inspect``'s preview, ``GET /health``) against what the
model then reads and refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app

from ._cli import runner
from ._serve import AUTH, client_of


@pytest.fixture(scope="module")
def entity_with_a_constant(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An entity-bucket model trained on flows with a column ``const`` of one value: each of
    its aggregates is constant or a near-duplicate of the row count, so training drops them all."""
    folder = tmp_path_factory.mktemp("entity_const")
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({
        "src_ip": [f"10.0.0.{i}" for i in rng.integers(1, 30, n)],
        "ts": pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
        "bytes": rng.lognormal(5, 1, n), "proto": rng.choice(["tcp", "udp"], n), "const": 1})
    data, model = folder / "flows.csv", folder / "m"
    frame.to_csv(data, index=False)
    trained = runner.invoke(app, ["--threads", "1", "train", str(data), "--entity-col", "src_ip",
                                  "--timestamp-col", "ts", "--bucket", "30min", "--epochs", "1",
                                  "--hidden", "4,2", "-o", str(model), "-q"])
    assert trained.exit_code == 0, trained.output
    without = folder / "flows_without_const.csv"
    frame.drop(columns=["const"]).to_csv(without, index=False)
    return {"folder": folder, "data": data, "model": model, "without": without, "frame": frame}


def test_an_entity_model_reads_no_column_whose_aggregates_training_dropped(
        entity_with_a_constant: dict[str, Any]) -> None:
    # what was wrong: 'hourglass inspect flows.csv --entity-col src_ip --timestamp-col ts' showed
    # the constant column 'const' with 0 features, yet the model trained on that file refused a
    # file without it ('hourglass score m flows_without_const.csv': "column(s) the model needs
    # are missing: const"), as did stream, a warm start and POST /score, and /health listed it
    # as a column a request must carry; a table model's rows need not carry such a column. Now
    # the features read only the columns a feature comes from; the scores are the full file's.
    e = entity_with_a_constant
    shown = runner.invoke(app, ["inspect", str(e["data"]), "--entity-col", "src_ip",
                                "--timestamp-col", "ts", "--bucket", "30min", "--json", "-"])
    assert shown.exit_code == 0, shown.output
    features = {c["column"]: c["features"] for c in json.loads(shown.stdout)["columns"]}
    assert features["const"] == 0 and features["bytes"] > 0
    full, part = e["folder"] / "full.csv", e["folder"] / "part.csv"
    for data, out in ((e["data"], full), (e["without"], part)):
        res = runner.invoke(app, ["--threads", "1", "score", str(e["model"]), str(data),
                                  "-o", str(out), "-q"])
        assert res.exit_code == 0, res.output
    assert pd.read_csv(part).equals(pd.read_csv(full))
    # stream takes rows without it too (it refused them once the first buckets closed)
    lines = "\n".join(e["frame"].drop(columns=["const"]).head(60).to_json(orient="records",
                                                                          lines=True).splitlines())
    streamed = runner.invoke(app, ["--threads", "1", "stream", str(e["model"]), "--all"], input=lines)
    assert streamed.exit_code == 0, streamed.output
    # and a warm start on such rows, which named it as 'score' did
    warm = runner.invoke(app, ["--threads", "1", "train", str(e["without"]), "--warm-start",
                               str(e["model"]), "--epochs", "1", "-o", str(e["folder"] / "w"), "-q"])
    assert warm.exit_code == 0, warm.output


def test_entity_health_lists_exactly_the_columns_score_requires(
        entity_with_a_constant: dict[str, Any]) -> None:
    # what was wrong: /health listed 'const' (no feature comes from it) among the columns, and
    # POST /score refused rows without it; now each listed column is required (a row without
    # it is refused, naming it) and the listed columns alone score
    rows = [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
            for r in entity_with_a_constant["frame"].head(20).to_dict("records")]
    with client_of(entity_with_a_constant["model"]) as client:
        listed = [c["name"] for c in client.get("/health").json()["columns"]]
        assert listed == ["src_ip", "ts", "bytes", "proto"]
        sent = client.post("/score", json={"rows": [{c: r[c] for c in listed} for r in rows]},
                           headers=AUTH)
        assert sent.status_code == 200, sent.text
        for left_out in listed:
            res = client.post("/score", headers=AUTH, json={
                "rows": [{c: r[c] for c in listed if c != left_out} for r in rows]})
            assert res.status_code == 422 and left_out in res.json()["detail"], res.text


def test_the_saved_entity_state_still_lists_every_aggregated_column(
        entity_with_a_constant: dict[str, Any]) -> None:
    # what was wrong: nothing; pins that the saved state is unchanged by the fix (columns_ still
    # lists every aggregated column, so a model saved before it loads and scores as it did)
    config = json.loads((entity_with_a_constant["model"] / "config.json").read_text())
    assert config["features"]["columns"] == ["src_ip", "ts", "bytes", "const", "proto"]


def test_the_models_legend_says_when_an_ensemble_has_gradients() -> None:
    # what was wrong: 'hourglass models' listed ensemble with 'gradients' (= explain by
    # integrated gradients) unqualified, yet the default ensemble (autoencoder, deep-svdd,
    # latent-iforest) has none: 'hourglass explain' and POST /score with "explain" refuse it.
    # The legend now says an ensemble has them only when all its members do.
    from hourglass.detectors import Ensemble, registry

    listed = runner.invoke(app, ["models"])
    assert listed.exit_code == 0, listed.output
    legend = " ".join(listed.stdout.split("also: ", 1)[1].split())
    assert ("gradients = explain by integrated gradients (an ensemble: only when all its members "
            "have them, as the default's latent-iforest has not)") in legend
    assert "gradients" in registry.CAPABILITIES["ensemble"]
    X = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32)
    default = Ensemble(epochs=1, verbose=0).fit(X)
    assert "latent-iforest" in str(default.why_no_gradients())
    assert not registry.get("latent-iforest").get_tags()["gradients"]
    members = Ensemble(detectors=("autoencoder", "deep-svdd"), epochs=1, verbose=0).fit(X)
    assert members.why_no_gradients() is None


def test_a_grid_series_model_says_its_rows_must_span_its_steps(tmp_path: Path) -> None:
    # what was wrong: a series model trained on 1-minute readings with --freq 5min (gaps refused)
    # said in /health "one object per time step ..., at least 20 rows (one window)", yet 20 rows
    # of 1-minute readings, the rate it was trained on, were refused ("series has 4 time steps,
    # shorter than one window of 20"): the rows of one 5-minute step are combined. /health now
    # says the rows must span 20 steps of 5min, a row in each; what it says is what /score takes.
    t = pd.date_range("2024-01-01", periods=600, freq="1min")
    rng = np.random.default_rng(0)
    cpu = np.sin(np.arange(600) / 30) + rng.normal(0, .1, 600)
    series = pd.DataFrame({"time": t.astype(str), "cpu": cpu})
    data, model = tmp_path / "cpu.csv", tmp_path / "m"
    series.to_csv(data, index=False)
    trained = runner.invoke(app, ["--threads", "1", "train", str(data), "--model", "lstm-ae",
                                  "--timestamp-col", "time", "--freq", "5min", "--window", "8",
                                  "--hidden", "4", "--epochs", "1", "-o", str(model), "-q"])
    assert trained.exit_code == 0, trained.output
    records = series.to_dict("records")
    with client_of(model) as client:
        health = client.get("/health").json()
        assert health["min_rows"] == 8 and health["freq"] == "5min"
        assert ("one object per reading with 'time' and the channels, spanning at least 8 steps of "
                "5min, a row in each (the rows of one step combined: mean) (one window)"
                in health["request"])
        def score(rows: list[dict[str, Any]]) -> Any:
            return client.post("/score", json={"rows": rows}, headers=AUTH)
        # 8 readings a minute apart are 2 steps: too few, as the text now says
        assert score(records[:8]).status_code == 422
        # readings spanning 8 steps of 5 minutes, one a step or five a step, score
        for rows in (records[:40], records[0:40:5]):
            answer = score(rows)
            assert answer.status_code == 200 and answer.json()["steps"] == 8, answer.text
        # a step without a row is a gap the model refuses
        assert score(records[0:35:5] + records[40:41]).status_code == 422


def test_spot_says_when_its_cut_off_is_the_empirical_quantile(tmp_path: Path) -> None:
    # what was wrong: 'hourglass train flows.csv --threshold spot:1e-3' on 40 held-out scores
    # warned "POT: only 1 peaks ...; used the empirical quantile instead of a GPD tail fit" and
    # then logged and saved "threshold SPOT risk q=0.001 (streaming GPD tail over the 0.98
    # quantile)": the record said a GPD tail where none was fitted (POT's says "empirical"), and
    # the warning named another rule. Now the warning names SPOT (DSPOT) and the record says
    # "empirical tail" until a refit on the stream fits a GPD.
    from hourglass.thresholds import DSPOT, SPOT

    rng = np.random.default_rng(0)
    few, many = rng.exponential(size=40), rng.exponential(size=3000)
    with pytest.warns(UserWarning, match=r"^SPOT: only \d+ peaks? "):
        spot = SPOT(1e-3).fit(few)
    assert spot.fit_ is None and "(streaming empirical tail over the 0.98 quantile)" in spot.describe()
    assert "(streaming GPD tail over the 0.98 quantile)" in SPOT(1e-3).fit(many).describe()
    with pytest.warns(UserWarning, match=r"^DSPOT: only \d+ peaks"):
        dspot = DSPOT(1e-3, depth=5).fit(rng.exponential(size=200))
    assert "(streaming empirical tail of deviations" in dspot.describe()
    # the stream's refits fit the tail: the record follows
    with pytest.warns(UserWarning, match=r"^SPOT: only \d+ peaks? "):
        learning = SPOT(1e-2, refit_every=2).fit(rng.exponential(size=300))
    assert "empirical tail" in learning.describe()
    learning.update(rng.exponential(size=3000))
    assert learning.fit_ is not None and "GPD tail" in learning.describe()
    # train logs and saves what it fitted
    small = tmp_path / "small.csv"
    pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)}).to_csv(small, index=False)
    res = runner.invoke(app, ["--threads", "1", "train", str(small), "--threshold", "spot:1e-3",
                              "--epochs", "1", "--hidden", "4,2", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "SPOT: only" in res.stderr and "POT: only" not in res.stderr.replace("SPOT: only", "")
    saved = json.loads((tmp_path / "m" / "config.json").read_text())["info"]["threshold"]
    assert saved == "SPOT risk q=0.001 (streaming empirical tail over the 0.98 quantile)"
    assert f"threshold {saved} = " in res.stderr


def test_a_table_models_health_names_the_time_column_its_alerts_read(tmp_path: Path) -> None:
    # what was wrong: a table model trained with --timestamp-col ts takes each row's ts as its
    # ECS alert's @timestamp (without it, the scoring time), yet /health said
    # no timestamp_column and listed no such column: a client sending exactly what /health
    # says got alerts stamped with the time of scoring. /health now names it (not a feature, so
    # not among the columns, which a row must carry); a model without one still names none.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"ts": pd.date_range("2023-11-14", periods=300, freq="min").astype(str),
                          "bytes": rng.lognormal(5, 1, 300), "proto": rng.choice(["tcp", "udp"], 300)})
    data = tmp_path / "flows.csv"
    frame.to_csv(data, index=False)
    for name, extra in (("timed", ["--timestamp-col", "ts"]), ("untimed", ["--drop", "ts"])):
        res = runner.invoke(app, ["--threads", "1", "train", str(data), *extra, "--epochs", "1",
                                  "--hidden", "4,2", "-o", str(tmp_path / name), "-q"])
        assert res.exit_code == 0, res.output
    with client_of(tmp_path / "untimed") as client:
        assert client.get("/health").json().get("timestamp_column") is None
    with client_of(tmp_path / "timed") as client:
        health = client.get("/health").json()
        assert health["timestamp_column"] == "ts"
        assert [c["name"] for c in health["columns"]] == ["bytes", "proto"]
        row = {"bytes": 9e9, "proto": "tcp"}  # far off: flagged
        for sent, stamp in (({**row, "ts": "2023-11-14 22:13:20"}, "2023-11-14T22:13:20.000Z"),
                            (row, None)):
            answer = client.post("/score", headers=AUTH,
                                 json={"rows": [sent], "alert_format": "ecs"}).json()
            assert answer["count"] == 1, answer
            assert stamp is None or answer["alerts"][0]["@timestamp"] == stamp
