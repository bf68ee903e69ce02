"""Request fields that mean the same on every model kind take the same values; log models' saved
threshold text names their unit; the README's word on threads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hourglass.cli.app import app as cli
from hourglass.serve import create_app
from tests._cli import ab_model
from tests.test_logs import _normal

KEY = "k" * 32
AUTH = {"X-API-Key": KEY}


def _keys_model(tmp_path: Path) -> Path:
    (tmp_path / "keys").write_text("\n".join(" ".join(map(str, s)) for s in _normal(30)) + "\n")
    res = CliRunner().invoke(cli, [str(a) for a in (
        "train", tmp_path / "keys", "--format", "keys", "--model", "deeplog", "--epochs", "2",
        "--param", "window=3", "--param", "top_g=1", "--hidden", "8", "--param", "layers=1",
        "-o", tmp_path / "keys_m", "-q")])
    assert res.exit_code == 0, res.output
    return tmp_path / "keys_m"


def test_explain_takes_the_same_values_on_table_and_log_models(tmp_path: Path) -> None:
    # what was wrong: POST /score {"rows": [...], "explain": true} on a table model was a 422
    # "explain: Input should be a valid integer" while a log model took true; and a log model
    # refused "explain": 2 and null ("Input should be a valid boolean"), which a table model takes.
    # Now both take true/false/null and a count 1-100 (true names 3 columns, as 'explain --top';
    # a count on a log model is true), and refuse the rest with one line naming what it takes
    rows = [{"a": 0.5, "b": 0.5}, {"a": 9.0, "b": -3.0}]
    seqs = [s.tolist() for s in _normal(4)] + [[1, 2, 3, 9, 6]]
    said = "explain: expected true/false or a whole number from 1 to 100, got "
    with TestClient(create_app(ab_model(tmp_path), api_key=KEY)) as table, \
            TestClient(create_app(_keys_model(tmp_path), api_key=KEY)) as keys:
        def table_post(explain: Any) -> Any:
            return table.post("/score", json={"rows": rows, "explain": explain}, headers=AUTH)

        def keys_post(explain: Any) -> Any:
            return keys.post("/score", json={"sessions": seqs, "explain": explain}, headers=AUTH)

        for post, same in ((table_post, ((True, 3), (False, None))), (keys_post, ((2, True), (None, False)))):
            for sent, means in same:
                a, b = post(sent), post(means)
                assert a.status_code == b.status_code == 200, (sent, a.text)
                assert a.json() == b.json(), sent
            for bad, shown in ((0, "0"), (101, "101"), ("yes", "'yes'"), (2.5, "2.5")):
                r = post(bad)
                assert (r.status_code, r.json()["detail"]) == (422, said + shown), (bad, r.text)
        assert table_post(True).json()["why"][0].count("%") == 2  # both columns: 3 asked, 2 there
        r = table.post("/score", json={"rows": rows, "explain_all": "yes"}, headers=AUTH)
        assert r.status_code == 422 and r.json()["detail"].startswith("explain_all: unknown field")


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_explain_all_refused_names_what_it_takes(value: Any) -> None:
    # what was wrong: "explain_all": "yes" (or 1, null) on a series or entity model was a 422
    # "explain_all: Input should be a valid boolean"; now it says what the field takes
    from hourglass.serve.app import validation_message
    from hourglass.serve.schemas import BODIES, SeriesRequest

    try:
        SeriesRequest.model_validate({"rows": [], "explain": 1, "explain_all": value})
    except Exception as e:  # pydantic's ValidationError
        errors: list[Any] = e.errors()  # type: ignore[attr-defined]
    else:
        raise AssertionError("taken")
    shown = {"yes": "'yes'", 1: "1", None: "null"}[value]
    assert validation_message(errors, BODIES[SeriesRequest]) == (
        422, f"explain_all: expected true or false, got {shown}")


def test_a_log_models_threshold_fit_names_sessions_saved_and_shown(tmp_path: Path) -> None:
    # what was wrong: a log model's info.threshold_fit said "on": "held-out normal training rows"
    # with "rows": 3 where the 3 are sessions, and 'evaluate --json' and the model card (the
    # report's "threshold fitted on": "...: 3 rows") showed it so; now the text names sessions,
    # saved and shown, and a model saved before with "rows" in it is shown so too (its fields as
    # they were: "rows" stays the count's name)
    import json

    from hourglass.pipeline.artefact import load

    model = _keys_model(tmp_path)
    config = model / "config.json"
    fit = json.loads(config.read_text())["info"]["threshold_fit"]
    assert fit["on"] == "held-out normal training sessions (never trained on)" and fit["rows"] == 3
    card = load(model).model_card()["threshold fitted on"]
    assert card == "held-out normal training sessions (never trained on): 3 sessions (3 normal, 0 anomalous)"
    # as a model saved before holds it (load keeps info as saved): shown naming sessions all the same
    pipe = load(model)
    pipe.info["threshold_fit"] = {**fit, "on": "held-out normal training rows (never trained on)"}
    assert pipe.shown_threshold_fit() == {**fit, "on": "held-out normal training sessions (never trained on)"}
    assert pipe.model_card()["threshold fitted on"] == card
    res = CliRunner().invoke(cli, ["evaluate", str(model), str(tmp_path / "keys"), "--all-sessions",
                                   "normal", "--json", str(tmp_path / "m.json")])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "m.json").read_text())["threshold_fit"]["on"] == fit["on"]


def test_the_readme_sentence_on_threads_holds_for_predict_and_calibrated_score() -> None:
    # what was wrong: the README said nothing of using one fitted Pipeline from several threads;
    # it now says score, calibrated_score, predict and explain_rows may be called at once (score
    # and explain_rows are pinned in test_review46_con46). A pin test: predict and
    # calibrated_score from 6 threads give each chunk what one thread gives it
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pandas as pd

    from hourglass import AutoEncoder, Pipeline

    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text().split())
    assert ("One fitted `Pipeline` may be shared by threads: `score`, `calibrated_score`, `predict` and "
            "`hourglass.explain.explain_rows` called at once from several threads give each call what "
            "it gives alone") in readme
    rng = np.random.default_rng(0)

    def flows(n: int) -> pd.DataFrame:
        return pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(6, 1, n),
                             "duration": rng.exponential(2.0, n)})

    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0, random_state=0)).fit(flows(200))
    chunks = [flows(n) for n in (1, 7, 30, 64, 5, 90) * 2]
    for method in (pipe.predict, pipe.calibrated_score):
        one = [method(c) for c in chunks]
        with ThreadPoolExecutor(6) as pool:
            many = list(pool.map(method, chunks))
        for a, b in zip(one, many, strict=True):
            np.testing.assert_array_equal(a, b)
