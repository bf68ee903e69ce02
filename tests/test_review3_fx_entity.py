"""Entity names compared case-folded (``--entity-case fold``): ``alice``, ``ALICE`` and ``Alice``
are one entity in training, ``score``, ``stream``, warm start and the service; ``exact`` (the
default, and every model saved before the option) keeps them apart as before."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.features.entity import EntityWindows
from hourglass.pipeline import load
from tests._cli import one_line_error, runner

FAST = ["--epochs", "3", "--hidden", "8,4", "--seed", "0", "-q"]
SPELLINGS = {"alice": ("alice", "ALICE", "Alice"), "host1": ("host1", "HOST1"), "bob": ("bob",)}


def _rows(hours: int, seed: int) -> pd.DataFrame:
    """Logons of three users over ``hours``, each user's name in several spellings."""
    rng = np.random.default_rng(seed)
    out = []
    for spellings in SPELLINGS.values():
        for t in range(0, hours * 3600, 60):
            out.append({"user": spellings[(t // 60) % len(spellings)], "ts": t + int(rng.integers(0, 30)),
                        "bytes": int(rng.integers(100, 1000)), "dst_port": int(rng.choice([80, 443]))})
    return pd.DataFrame(out).sort_values("ts", kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("entity_case")
    _rows(6, 1).to_csv(d / "train.csv", index=False)
    _rows(1, 2).to_csv(d / "test.csv", index=False)
    for case in ("exact", "fold"):
        res = runner.invoke(app, ["train", str(d / "train.csv"), "--entity-col", "user",
                                  "--timestamp-col", "ts", "--bucket", "15min", "--entity-case", case,
                                  "-o", str(d / case), *FAST])
        assert res.exit_code == 0, res.output
    return {"dir": d, "train": d / "train.csv", "test": d / "test.csv", "exact": d / "exact",
            "fold": d / "fold"}


def _scored(model: Path, data: Path, out: Path) -> pd.DataFrame:
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return pd.read_json(out, lines=True, dtype={"bucket_start": str})


def test_fold_merges_the_spellings_in_training_and_score(kit: dict[str, Path]) -> None:
    fold, exact = load(kit["fold"]), load(kit["exact"])
    assert fold.features_.entity_case == "fold" and fold.info["entity"]["entities"] == 3
    assert exact.features_.entity_case == "exact" and exact.info["entity"]["entities"] == 6
    got = _scored(kit["fold"], kit["test"], kit["dir"] / "fold.jsonl")
    assert sorted(got["entity"].unique()) == ["alice", "bob", "host1"]  # the folded names
    assert got.groupby("entity")["rows"].sum().to_dict() == {"alice": 60, "bob": 60, "host1": 60}
    kept = _scored(kit["exact"], kit["test"], kit["dir"] / "exact.jsonl")  # today's behaviour
    assert sorted(kept["entity"].unique()) == ["ALICE", "Alice", "HOST1", "alice", "bob", "host1"]


def test_stream_and_the_service_key_rows_as_score_does(kit: dict[str, Path]) -> None:
    from hourglass.cli.stream_entity import EntityStream
    from hourglass.serve import load_scorer

    want = _scored(kit["fold"], kit["test"], kit["dir"] / "want.jsonl")
    rows = pd.read_csv(kit["test"]).to_dict("records")
    stream = EntityStream(load(kit["fold"]))
    out, bad = stream.feed(rows, list(range(1, len(rows) + 1)))
    rest = stream.close_all()
    streamed = pd.concat([x for x in (out, rest) if x is not None])
    assert not bad and sorted(streamed["entity"].unique()) == ["alice", "bob", "host1"]
    assert len(streamed) == len(want)
    scorer = load_scorer(kit["fold"])
    assert scorer.describe()["entity_case"] == "fold"  # the /health body tells clients
    served = scorer.score(rows)["buckets"]
    want_keys = list(zip(want["entity"], want["rows"], strict=True))
    assert [(b["entity"], b["rows"]) for b in served] == want_keys


def test_the_option_round_trips_and_an_old_state_loads_as_exact() -> None:
    df = pd.DataFrame({"user": ["Alice", "alice", "ALICE", "bob"], "ts": [0, 1, 2, 3], "n": [1.0, 2, 3, 4]})
    ew = EntityWindows("user", "ts", numeric=("n",), categorical=(), entity_case="fold").fit(df)
    state = json.loads(json.dumps(ew.to_dict()))
    assert state["params"]["entity_case"] == "fold"
    back = EntityWindows.from_dict(state)
    assert back.entity_case == "fold" and back.aggregate(df)["rows"].tolist() == [3, 1]
    exact = EntityWindows("user", "ts", numeric=("n",), categorical=()).fit(df)
    old = json.loads(json.dumps(exact.to_dict()))
    del old["params"]["entity_case"]  # a model saved before the option
    legacy = EntityWindows.from_dict(old)
    assert legacy.entity_case == "exact"
    assert legacy.aggregate(df)["entity"].tolist() == ["ALICE", "Alice", "alice", "bob"]
    ent, _ = legacy.row_keys(df)
    assert ent.tolist() == ["Alice", "alice", "ALICE", "bob"]
    assert EntityWindows("user", "ts", entity_case="fold").row_keys(df)[0].tolist() == ["alice"] * 3 + ["bob"]


def test_warm_start_keeps_the_parents_case(kit: dict[str, Path]) -> None:
    d = kit["dir"]
    one_line_error(["train", str(kit["test"]), "--warm-start", str(kit["fold"]), "--entity-case", "exact",
                    "-o", str(d / "W1"), "-q"], "--entity-case exact", d / "W1")
    res = runner.invoke(app, ["train", str(kit["test"]), "--warm-start", str(kit["fold"]),
                              "-o", str(d / "W2"), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert load(d / "W2").features_.entity_case == "fold"


def test_a_bad_value_is_one_line_and_exit_2(kit: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "M"
    one_line_error(["train", str(kit["test"]), "--entity-col", "user", "--timestamp-col", "ts",
                    "--entity-case", "Fold", "-o", str(out), *FAST],
                   "--entity-case: expected exact or fold", out)
    one_line_error(["train", str(kit["test"]), "--entity-case", "fold", "-o", str(out), *FAST],
                   "--entity-case: only with --entity-col", out)


def test_inspect_counts_the_entities_train_would(kit: dict[str, Path]) -> None:
    for case, entities in (("exact", 6), ("fold", 3)):
        res = runner.invoke(app, ["inspect", str(kit["train"]), "--entity-col", "user", "--timestamp-col",
                                  "ts", "--bucket", "15min", "--entity-case", case])
        assert res.exit_code == 0, res.output
        assert f"of {entities} entities" in res.output
