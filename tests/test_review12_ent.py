"""Entity-bucket features, commands and scoring: regression tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.features.entity import EntityWindows


def _flows(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"host": rng.choice(["a", "b", "c"], n),
                         "ts": np.sort(rng.integers(1_700_000_000, 1_700_000_000 + 6 * 3600, n)),
                         "bytes": rng.integers(1, 1000, n).astype(float),
                         "dst_port": rng.choice([22, 80, 443], n)})


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    ew = EntityWindows("host", "ts", bucket="10min", numeric=("bytes",), categorical=("dst_port",))
    return Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0),
                    features=ew).fit(_flows())


def test_explained_huge_value_is_not_written_as_hundreds_of_float_digits(pipe: Pipeline) -> None:
    # 'max bytes=1000000000000000019884624838656' for 10**30 (and 309 digits for 1e308): the
    # float's digits printed as if they were the value's
    from hourglass.explain import explain_buckets

    df = pd.DataFrame({"host": ["a", "a"], "ts": [1_700_000_000, 1_700_000_001],
                       "bytes": [1e30, 1e308], "dst_port": [22, 22]})
    why = explain_buckets(pipe, df, top=5)["why"].iloc[0]
    assert "max bytes=1e+308 " in why and "mean bytes=5e+307 " in why
    assert not any(len(tok) > 20 for tok in why.replace("=", " ").split())
    small = df.assign(bytes=[1234.0, 20.0])
    assert "max bytes=1234 " in explain_buckets(pipe, small, top=5)["why"].iloc[0]


@pytest.fixture(scope="module")
def parent(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from hourglass.cli import app
    from tests._cli import runner

    d = tmp_path_factory.mktemp("ent12")
    old = _flows(600, 1)
    old.to_csv(d / "old.csv", index=False)
    new = _flows(300, 2)
    new["ts"] += 86_400
    new.to_csv(d / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "old.csv"), "--entity-col", "host", "--timestamp-col",
                              "ts", "--bucket", "10min", "-o", str(d / "M"), "--epochs", "1",
                              "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    return {"dir": d, "old": d / "old.csv", "new": d / "new.csv", "model": d / "M"}


def test_warm_start_summary_does_not_count_replayed_buckets_as_new_ones(parent: dict[str, Path]) -> None:
    # 'on 100 (entity, bucket) rows (+11 held out) of new.csv + 56 replayed buckets of old.csv':
    # the 111 counted the 56 replayed buckets already, said again as on top of NEW's
    import json

    from hourglass.cli import app
    from tests._cli import runner

    out = parent["dir"] / "W"
    res = runner.invoke(app, ["train", str(parent["new"]), "--warm-start", str(parent["model"]),
                              "-o", str(out), "--replay-data", str(parent["old"]), "--replay", "0.5"])
    assert res.exit_code == 0, res.output
    info = json.loads((out / "config.json").read_text())["info"]
    new, replayed = info["entity"]["buckets"], info["warm_start"]["replay"]["buckets"]
    assert replayed > 0 and info["n_train_rows"] == new + replayed
    held = info["held_out"]["rows"]
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("continued"))
    assert (f"on {new + replayed - held} (entity, bucket) rows (+{held} held out): {new} of "
            f"{parent['new']} + {replayed} replayed from {parent['old']} ") in line, line
