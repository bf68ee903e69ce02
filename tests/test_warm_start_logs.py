"""Warm start of log models: continuing DeepLog / the sequence and count autoencoders on new
sessions with the vocabulary and the template miner frozen (library and ``train --warm-start``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hourglass import load
from hourglass.cli import app
from hourglass.detectors import DeepLog, EventCountAutoEncoder, SequenceAutoEncoder
from hourglass.errors import InputError
from tests._cli import one_line_error
from tests.conftest import events_data

runner = CliRunner()
DL = {"window": 4, "top_g": 2, "embed": 8, "hidden": 16, "layers": 1, "epochs": 30, "lr": 0.01,
      "verbose": 0, "device": "cpu"}
ECA = {"hidden": (16, 4), "epochs": 40, "lr": 0.01, "batch_size": 64, "verbose": 0, "device": "cpu"}


@pytest.fixture(scope="module")
def data() -> dict[str, list[np.ndarray]]:
    return events_data(0, 300)


@pytest.fixture(scope="module")
def deeplog(data: dict[str, list[np.ndarray]]) -> DeepLog:
    return DeepLog(**DL).fit(data["train"])


def test_continues_from_the_parents_weights(deeplog: DeepLog) -> None:
    new = events_data(1, 200)["train"]
    before = deeplog.score(new)
    child = deeplog.warm_start(new, epochs=1)
    fresh = DeepLog(**{**DL, "epochs": 1}).fit(new)
    # one epoch on: the continued network is far ahead of one trained from scratch for one epoch
    assert child.history_.val_loss[0] < fresh.history_.val_loss[0] / 3
    assert np.array_equal(deeplog.score(new), before), "the parent must not change"
    moved = [not np.array_equal(a, b) for a, b in
             zip(child.get_state()[1].values(), deeplog.get_state()[1].values(), strict=True)]
    assert any(moved), "the weights must move"


def test_vocabulary_frozen_and_unknown_keys_counted(deeplog: DeepLog) -> None:
    new = events_data(2, 100)["train"]
    odd = [np.array([1, 2, 99, 4, 5, 6]), np.array([1, 99, 99, 6])]  # key 99: never seen by M
    child = deeplog.warm_start(new + odd, epochs=2)
    assert np.array_equal(child.vocab_, deeplog.vocab_) and child.n_features_in_ == deeplog.n_features_in_
    assert child.warm_unknown_ == {"sessions": 102, "events": int(sum(map(len, new + odd))),
                                   "unknown_events": 3, "sessions_with_unknown": 2,
                                   "trained_sessions": 100}
    assert len(child.val_index_) == 10  # 10% of the 100 sessions trained on
    # the unknown key still scores as unseen: above every rank, flagged
    assert child.predict(odd).tolist() == [1, 1]
    with pytest.raises(InputError, match="stale"):
        deeplog.warm_start(odd)


def _drifted(n: int, seed: int = 5) -> list[np.ndarray]:
    """Normal sessions after a change: the first workflow only, with longer loops (known keys)."""
    rng = np.random.default_rng(seed)
    return [np.array([1, 2, 3, *[4, 5] * int(rng.integers(3, 7)), 6]) for _ in range(n)]


@pytest.mark.parametrize("cls,params", [(EventCountAutoEncoder, ECA),
                                        (SequenceAutoEncoder, {"embed": 8, "hidden": 16, "code": 8,
                                                               "epochs": 20, "lr": 0.01,
                                                               "verbose": 0, "device": "cpu"})])
def test_threshold_refitted_on_the_new_held_out_slice(cls: type, params: dict,  # type: ignore[type-arg]
                                                       data: dict[str, list[np.ndarray]]) -> None:
    parent = cls(**params).fit(data["train"])
    new = _drifted(200)
    child = parent.warm_start(new, epochs=10)
    assert len(child.val_index_) == 20 and not np.array_equal(child.val_scores_, parent.val_scores_)
    assert child.threshold_.value_ == pytest.approx(np.percentile(child.val_scores_, 99))
    assert child.threshold_.value_ != parent.threshold_.value_
    # the drift is learnt: the new normal sessions fit better than with the parent's weights
    assert child.score(new).mean() < parent.score(new).mean()
    normal, anomal = child.score(data["test_normal"]), child.score(data["test_anomaly"])
    assert np.median(anomal) > np.quantile(normal, 0.5)
    again = parent.warm_start(new, epochs=10)
    assert np.array_equal(again.score(data["test_normal"]), normal), "same seed, same model"


def test_deeplog_keeps_its_top_g_rule(deeplog: DeepLog) -> None:
    child = deeplog.warm_start(events_data(4, 100)["train"], epochs=2)
    assert child.threshold_.describe() == deeplog.threshold_.describe()
    assert child.threshold_.value_ == deeplog.threshold_.value_ == 2


def _log(path: Path, n_blocks: int, offset: int, extra: str = "") -> Path:
    ops = ["open file", "read block", "close file"]
    lines = [f"{ops[i % 3]} blk_{offset + i // 3} done" for i in range(3 * n_blocks)]
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def test_cli_log_warm_start_end_to_end(tmp_path: Path) -> None:
    old, new = _log(tmp_path / "old.log", 60, 0), _log(tmp_path / "new.log", 50, 1000,
                                                      "delete everything blk_1003 done\n")
    m1, m2 = tmp_path / "m1", tmp_path / "m2"
    res = runner.invoke(app, ["train", str(old), "--format", "raw", "--session-regex", r"blk_\d+",
                              "-m", "event-count-autoencoder", "--epochs", "10", "-o", str(m1)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(new), "--warm-start", str(m1), "-o", str(m2),
                              "--epochs", "5"])
    assert res.exit_code == 0, res.output
    line = " ".join(res.stderr.split())
    assert "continued event-count-autoencoder" in line and "1 of 151 events" in line, line
    assert "1 session left out" in line and "1 log line of a template it never saw" in line
    pipe = load(m2)
    ws = pipe.info["warm_start"]
    assert ws["parent"]["path"] == str(m1) and ws["parse"]["unknown_template"] == 1
    assert ws["unknown"]["sessions_with_unknown"] == 1 and pipe.info["n_train_rows"] == 49
    assert pipe.features_.to_dict() == load(m1).features_.to_dict()
    assert "1 of 151 new events had an unknown key" in pipe.model_card()["warm start"]
    res = runner.invoke(app, ["score", str(m2), str(new), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    stale = _log(tmp_path / "stale.log", 20, 2000,
                 "".join(f"delete everything blk_{2000 + i} done\n" for i in range(5)))
    res = runner.invoke(app, ["train", str(stale), "--warm-start", str(m1), "-o", str(tmp_path / "m4"),
                              "--epochs", "2"])
    assert res.exit_code == 0, res.output
    assert "25.0% of the sessions hold a key" in " ".join(res.stderr.split()), res.stderr
    m3 = tmp_path / "m3"
    for args, match in ((["--session-regex", "x"], "--session-regex: a warm start keeps"),
                        (["--model", "deeplog"], "--model: a warm start keeps"),
                        (["--format", "hdfs"], "--format: not for a log model"),
                        (["--normal", "0"], "--normal: not for a log model"),
                        (["--sample-rows", "10"], "--memory-budget/--sample-rows: not for a log")):
        one_line_error(["train", str(new), "--warm-start", str(m1), "-o", str(m3), *args], match, m3)
