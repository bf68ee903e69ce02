"""Review 27, inv8: explanation routes give the same reasons for the same rows.

The first test pins an equality the README promises ('the service's explain ... and hourglass
stream --explain follow the same rule', 'Scores are hourglass score's for the same rows') that no
test held as whole texts: the ``why`` of ``hourglass explain`` (read whole or in small chunks), of
``explain_rows`` and of the service's ``/score`` with ``explain`` are the same strings, beside the
very scores of ``hourglass score``. The second pins a defect fixed: a number quoted by how its CSV
column was read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hourglass import Pipeline
from hourglass.cli.app import app
from hourglass.detectors import AutoEncoder, DeepSVDD
from hourglass.explain import explain_rows
from hourglass.serve import create_app

runner = CliRunner()
KEY = "test-key-0123456789abcdef"


def _rows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)) @ np.array([[1.0, 0.5, -0.7, 0.2], [0.3, -1.0, 0.4, 0.9]])
    df = pd.DataFrame(x + 0.3 * rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])
    df["proto"] = rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.3, 0.1])
    return df


@pytest.mark.parametrize("detector", ["autoencoder", "deep-svdd"])
def test_explain_cli_api_and_service_give_the_same_reasons(detector: str, tmp_path: Path) -> None:
    # (no defect: an equality pinned) the same rows explained four ways give the same texts
    det = (AutoEncoder(hidden=(8, 2), epochs=3, verbose=0) if detector == "autoencoder"
           else DeepSVDD(hidden=(8, 4), epochs=3, verbose=0))
    pipe = Pipeline(detector=det).fit(_rows(400, 0))
    pipe.save(tmp_path / "m")
    test = _rows(60, 1)
    test.loc[:5, "c"] += 6.0
    test.to_csv(tmp_path / "t.csv", index=False)
    got = {}
    for name, extra in (("whole", []), ("chunks", ["--chunk-mb", "0.001"])):
        out = tmp_path / f"{name}.csv"
        res = runner.invoke(app, ["explain", str(tmp_path / "m"), str(tmp_path / "t.csv"), "--all",
                                  "--top", "9", "-o", str(out), "-q", *extra])
        assert res.exit_code == 0, res.output
        got[name] = pd.read_csv(out)
    res = runner.invoke(app, ["score", str(tmp_path / "m"), str(tmp_path / "t.csv"), "-o",
                              str(tmp_path / "s.csv"), "-q"])
    assert res.exit_code == 0, res.output
    scored = pd.read_csv(tmp_path / "s.csv")
    whole = got["whole"]
    assert whole["row"].tolist() == scored["row"].tolist() == list(range(60))
    np.testing.assert_array_equal(whole["score"], scored["score"])
    assert whole["flag"].tolist() == scored["flag"].tolist()
    # --top 9 of 5 columns names each column once
    assert all(sorted(p.split("=")[0] for p in w.split("; ")) == ["a", "b", "c", "d", "proto"]
               for w in whole["why"])
    assert got["chunks"]["why"].tolist() == whole["why"].tolist()
    api = explain_rows(pipe, test, top=9)
    assert api["why"].tolist() == whole["why"].tolist()
    assert api["top_column"].tolist() == whole["top_column"].tolist()
    with TestClient(create_app(tmp_path / "m", api_key=KEY)) as c:
        r = c.post("/score", json={"rows": test.to_dict("records"), "explain": 9},
                   headers={"X-API-Key": KEY})
    assert r.status_code == 200, r.text
    assert r.json()["why"] == whole["why"].tolist()
    np.testing.assert_allclose(r.json()["scores"], scored["score"], rtol=1e-6)


def test_a_number_is_quoted_alike_whatever_else_its_csv_column_holds(tmp_path: Path) -> None:
    # what was wrong: a CSV column the model reads as numbers that held a '-' (a missing value,
    # as score reads it) or a refused 'oops' skipped with --on-bad-rows skip was read as text,
    # and 'why' quoted its cells as the file wrote them: 'b=-0.3802266776511939' and 'b=-'
    # where the same rows from a clean file (or the service) gave 'b=-0.380227' and
    # 'b=<missing>'; the cells are now quoted as the numbers the model read
    pipe = Pipeline(detector=AutoEncoder(hidden=(8, 2), epochs=2, verbose=0)).fit(_rows(300, 0))
    pipe.save(tmp_path / "m")
    test = _rows(6, 1)
    test["b"] = test["b"].astype(object)
    test.loc[1, "b"] = None
    test.to_csv(tmp_path / "blank.csv", index=False)
    test.loc[1, "b"] = "-"
    test.to_csv(tmp_path / "dash.csv", index=False)
    test.loc[4, "b"] = "oops"  # refused, skipped
    test.to_csv(tmp_path / "oops.csv", index=False)
    whys = {}
    for name in ("blank", "dash", "oops"):
        out = tmp_path / f"{name}.jsonl"
        res = runner.invoke(app, ["explain", str(tmp_path / "m"), str(tmp_path / f"{name}.csv"),
                                  "--all", "--top", "9", "--on-bad-rows", "skip", "-o", str(out), "-q"])
        assert res.exit_code == 0, res.output
        got = pd.read_json(out, lines=True)
        whys[name] = dict(zip(got["row"], got["why"], strict=True))
    assert "b=<missing> (" in whys["blank"][1]
    assert whys["dash"] == whys["blank"]
    assert whys["oops"] == {r: w for r, w in whys["blank"].items() if r != 4}
    clean = float(test.loc[0, "b"])
    assert f"b={clean:.6g} (" in whys["oops"][0]
