"""Review 52 (left52b): bounded one-line CLI errors, a query string on /score, the rank-calibrated
Ensemble's CLI advice and the memory check of a deep recurrent stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app
from tests._serve import small_table_model


def _error(args: list[str]) -> tuple[int, str]:
    res = CliRunner().invoke(app, args)
    return res.exit_code, res.stderr


# What was wrong: an error message quoting a value from the data was printed whole and cut at a
# CR: a Zeek '#separator' line of 300 KB gave a 300 KB error line, and one holding a CR gave
# "... not 'ab" (the rest of the message lost at the CR, which str.splitlines cuts at)
def test_error_line_is_bounded_and_one_line(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    big.write_bytes(b"#separator " + b"x" * 300_000 + b"\n#fields\ta\tb\n1\t2\n")
    code, text = _error(["train", str(big), "-o", str(tmp_path / "m")])
    assert code == 2 and text.startswith("error: ") and text.count("\n") == 1
    assert len(text) < 5000 and "characters cut" in text and text.rstrip().endswith("'")
    cr = tmp_path / "cr.log"
    cr.write_bytes(b"#separator ab\rcd\n#fields\ta\tb\n1\t2\n")
    code, text = _error(["train", str(cr), "-o", str(tmp_path / "m")])
    assert code == 2 and text.count("\n") == 1 and "not 'ab\\x0dcd'" in text
    assert not (tmp_path / "m").exists()


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_table_model(tmp_path_factory.mktemp("m"))


# What was wrong: '/score?explain=2' answered 200 with no explanation: the service reads its
# fields from the JSON body only and ignored the query string without a word
def test_score_refuses_query_parameters(table_model: Path) -> None:
    from fastapi.testclient import TestClient

    from hourglass.serve.app import create_app

    key = "0123456789abcdef0123"
    client = TestClient(create_app(table_model, api_key=key))
    auth = {"X-API-Key": key}
    body = {"rows": [{"a": 0.1, "b": 0.2}]}
    res = client.post("/score?explain=2", json=body, headers=auth)
    assert res.status_code == 400, res.text
    assert res.json()["detail"] == ("query parameters are not read ('explain'): give the request's "
                                    "fields in its JSON body")
    assert client.post("/score", json={**body, "explain": 2}, headers=auth).status_code == 200


# What was wrong: 'hourglass explain' of an ensemble calibrated by rank gave the library's advice,
# "train it with calibration='zscore'", where the CLI's advice is in its options (the other
# advice goes through cli_advice): it says '--param calibration=zscore' now
def test_rank_ensemble_refusal_gives_the_cli_option(tmp_path: Path) -> None:
    from hourglass import Pipeline
    from hourglass.detectors import Ensemble

    X = np.random.default_rng(0).normal(size=(120, 3)).astype("float32")
    df = pd.DataFrame(X, columns=list("abc"))
    df.to_csv(tmp_path / "e.csv", index=False)
    Pipeline(Ensemble(detectors=(("autoencoder", {"hidden": (4, 2)}),), epochs=1, verbose=0,
                      device="cpu", calibration="rank")).fit(df).save(tmp_path / "m")
    code, text = _error(["explain", str(tmp_path / "m"), str(tmp_path / "e.csv")])
    assert code == 2 and text.rstrip().endswith("(no gradient); train it with --param calibration=zscore")


# What was wrong: 'train --model lstm-ae --param num_layers=1000000' built the network layer by
# layer on the meta device to count it for the memory check, which for torch's recurrent layers
# takes time growing with the square of the layer count (hours): a network far too big for memory
# was refused only then. A stack of many layers is now counted from its sizes at 2, 3 and 4
# layers (the same figure: the message is the one the full count gives)
def test_a_deep_recurrent_stack_is_counted_without_building_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.detectors import LSTMAutoEncoder, base
    from hourglass.errors import InputError
    from hourglass.nn.meta import module_on_meta

    built: list[int] = []

    def spy(det: Any, n: int, limit: int | None = None) -> Any:
        built.append(int(det.num_layers))
        return module_on_meta(det, n, limit)

    series = np.random.default_rng(0).normal(size=(60, 2)).astype("float32")
    monkeypatch.setattr(base, "available_memory", lambda: 1 << 20)
    monkeypatch.setattr(base, "module_on_meta", spy)
    with pytest.raises(InputError, match=r"does not fit in memory \(1.3 GiB for its weights"):
        LSTMAutoEncoder(num_layers=5000, window=4, epochs=1).fit(series)
    assert max(built) <= 4  # the 5,000 layers were never built
    # the figure is the full count's: 300 layers, counted both ways
    deep = LSTMAutoEncoder(num_layers=300, bidirectional=True)
    assert deep._stacked_need(2) == 4 * base._bytes_of(module_on_meta(deep, 2))
