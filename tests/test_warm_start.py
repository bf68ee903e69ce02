"""Warm start: continuing a fitted model on new normal rows (library and ``train --warm-start``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from hourglass import Pipeline, load
from hourglass.cli import app
from hourglass.detectors import AutoEncoder, LatentIForest
from hourglass.errors import InputError
from hourglass.nn import TrainConfig, train_module
from hourglass.thresholds import Percentile
from tests._cli import one_line_error as _one_line_error

runner = CliRunner()
AE = {"hidden": (16, 4), "epochs": 30, "batch_size": 64, "verbose": 0}


def _frame(n: int, shift: float, seed: int, protos: tuple[str, ...] = ("tcp", "udp")) -> pd.DataFrame:
    """Rows on a line (c = 2a) plus noise; ``shift`` moves the normal traffic (drift)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n) + shift
    return pd.DataFrame({"a": a, "b": rng.normal(size=n), "c": 2 * a + rng.normal(scale=0.1, size=n),
                         "proto": rng.choice(list(protos), n)})


@pytest.fixture(scope="module")
def parent() -> Pipeline:
    return Pipeline(AutoEncoder(**AE)).fit(_frame(800, 0.0, 0))


def test_continues_from_the_parents_weights(parent: Pipeline) -> None:
    new = _frame(800, 1.0, 1)
    child = parent.warm_start(new, epochs=1)
    fresh = Pipeline(AutoEncoder(**{**AE, "epochs": 1})).fit(new)
    # after one epoch the continued network is far ahead of one trained from scratch
    assert child.detector_.history_.val_loss[0] < fresh.detector_.history_.val_loss[0] / 5
    longer = parent.warm_start(new, epochs=20)
    assert not np.allclose(longer.score(new), parent.score(new))
    # drift learned: the new normal rows reconstruct better than with the parent's weights
    assert longer.score(new).mean() < parent.score(new).mean()


def test_preprocessing_stays_frozen_and_the_parent_unchanged(parent: Pipeline) -> None:
    before = parent.score(_frame(50, 0.0, 9))
    new = _frame(400, 1.0, 2, protos=("tcp", "udp", "icmp"))  # icmp never seen by the parent
    child = parent.warm_start(new, epochs=3)
    assert child.features_.to_dict() == parent.features_.to_dict()
    assert child.features_.feature_names_ == parent.features_.feature_names_
    d0, d1 = parent.detector_, child.detector_
    assert np.array_equal(d0.input_offset_, d1.input_offset_)
    assert np.array_equal(d0.input_scale_, d1.input_scale_)
    assert np.array_equal(parent.score(_frame(50, 0.0, 9)), before)
    assert child.info["warm_start"]["preprocessing"].startswith("frozen")


def test_threshold_and_calibration_refitted_on_the_new_held_out_slice(parent: Pipeline) -> None:
    new = _frame(600, 1.0, 3)
    child = parent.warm_start(new, epochs=5)
    det = child.detector_
    assert len(det.val_index_) == 60 and det.val_index_.max() < len(new)
    held = det.score(child.transform(new.iloc[det.val_index_]))
    assert np.allclose(det.val_scores_, held)
    assert child.threshold_.value_ == pytest.approx(Percentile(99).fit(held).value_)
    assert child.threshold_.value_ != parent.threshold_.value_
    assert det.calibrator_.n_fit_ == 60
    assert child.info["threshold_fit"]["rows"] == 60


def test_reproducible_with_random_state(parent: Pipeline) -> None:
    new = _frame(400, 1.0, 4)
    a = parent.warm_start(new, epochs=4, random_state=3)
    b = parent.warm_start(new, epochs=4, random_state=3)
    c = parent.warm_start(new, epochs=4, random_state=4)
    assert np.array_equal(a.score(new), b.score(new))
    assert not np.array_equal(a.detector_.val_index_, c.detector_.val_index_)


def test_schema_and_unsupported_models_and_params_are_refused(parent: Pipeline) -> None:
    with pytest.raises(InputError, match="missing: b"):
        parent.warm_start(_frame(100, 0.0, 5).drop(columns=["b"]))
    with pytest.raises(ValueError, match="'hidden' cannot change"):
        parent.warm_start(_frame(100, 0.0, 5), hidden=(8, 2))
    forest = Pipeline(LatentIForest(hidden=(8, 2), epochs=2, n_estimators=10, verbose=0)).fit(
        _frame(200, 0.0, 6))
    with pytest.raises(InputError, match=r"LatentIForest: cannot continue training .* supported by "
                                         r"autoencoder"):
        forest.warm_start(_frame(100, 0.0, 7))


def test_training_loop_keeps_the_start_when_no_epoch_beats_it() -> None:
    """``keep_initial``: a start better than every epoch is restored (best epoch 0);
    ``freeze_batch_norm``: running statistics are never updated."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 3))

    class Recon(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
            return (self.net(batch[0]) - batch[0]).pow(2).mean()

        def score(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
            return (self.net(batch[0]) - batch[0]).pow(2).mean(dim=1)

    module, x = Recon(), torch.randn(200, 3)
    train_module(module, (x,), (x[:50],), TrainConfig(epochs=30, lr=1e-2, verbose=0),
                 generator=torch.Generator().manual_seed(0))
    start = {k: v.clone() for k, v in module.state_dict().items()}
    cfg = TrainConfig(epochs=3, lr=10.0, patience=None, verbose=0, keep_initial=True,
                      freeze_batch_norm=True)  # a rate that can only make it worse
    h = train_module(module, (x,), (x[:50],), cfg, generator=torch.Generator().manual_seed(0))
    assert h.best_epoch == 0 and len(h.train_loss) == 3
    assert all(torch.equal(start[k], v) for k, v in module.state_dict().items())
    bn = module.net[1]
    train_module(module, (x * 5,), (x[:50],), TrainConfig(epochs=2, lr=1e-4, verbose=0,
                                                         freeze_batch_norm=True),
                 generator=torch.Generator().manual_seed(0))
    assert torch.equal(bn.running_mean, start["net.1.running_mean"])


def _cli_files(d: Path) -> dict[str, Path]:
    old, new = _frame(600, 0.0, 10), _frame(600, 1.0, 11)
    old["label"], new["label"] = "benign", "benign"
    new.loc[:29, ["a", "label"]] = [40.0, "attack"]
    old.to_csv(d / "old.csv", index=False)
    new.to_csv(d / "new.csv", index=False)
    new.drop(columns=["b"]).to_csv(d / "bad.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "old.csv"), "-o", str(d / "m1"), "--label-col", "label",
                              "--normal", "benign", "--epochs", "5", "--hidden", "8,4", "-q"])
    assert res.exit_code == 0, res.output
    return {"old": d / "old.csv", "new": d / "new.csv", "bad": d / "bad.csv", "m1": d / "m1"}


def test_cli_warm_start_records_provenance_and_refuses_cleanly(tmp_path: Path) -> None:
    f = _cli_files(tmp_path)
    m2 = tmp_path / "m2"
    res = runner.invoke(app, ["train", str(f["new"]), "--warm-start", str(f["m1"]), "-o", str(m2),
                              "--epochs", "3", "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "preprocessing frozen" in res.stderr
    parent_cfg = json.loads((f["m1"] / "config.json").read_text())
    cfg = json.loads((m2 / "config.json").read_text())
    ws = cfg["info"]["warm_start"]
    assert ws["parent"]["content_hash"] == parent_cfg["content_hash"]
    assert ws["parent"]["path"] == str(f["m1"]) and ws["parent"]["source"] == str(f["old"])
    assert ws["rows"] == 570 and ws["held_out_rows"] == 57  # attacks left out (parent's label column)
    assert ws["date"][:4].isdigit() and ws["epochs_run"] == 3
    assert cfg["schema"] == parent_cfg["schema"]
    assert load(m2).score(pd.read_csv(f["new"]).drop(columns=["label"])).shape == (600,)
    m3 = tmp_path / "m3r"
    res = runner.invoke(app, ["train", str(f["new"]), "--warm-start", str(f["m1"]), "-o", str(m3),
                              "--epochs", "2", "--replay-data", str(f["old"]), "--replay", "0.5", "-q"])
    assert res.exit_code == 0, res.output
    ws = json.loads((m3 / "config.json").read_text())["info"]["warm_start"]
    assert ws["new_rows"] == 570 and ws["rows"] == 570 + 285
    assert ws["replay"]["rows"] == 285 and ws["replay"]["source"] == str(f["old"])
    _one_line_error(["train", str(f["new"]), "-o", str(tmp_path / "m3"), "--replay-data", str(f["old"])],
                    "only with --warm-start", tmp_path / "m3")
    _one_line_error(["train", str(f["bad"]), "--warm-start", str(f["m1"]), "-o", str(tmp_path / "m3")],
                    "missing: b", tmp_path / "m3")
    _one_line_error(["train", str(f["new"]), "--warm-start", str(f["m1"]), "-o", str(tmp_path / "m3"),
                     "--hidden", "4,2"], "--hidden: a warm start keeps", tmp_path / "m3")
    res = runner.invoke(app, ["train", str(f["old"]), "-o", str(tmp_path / "lif"), "--label-col",
                              "label", "--normal", "benign", "--model", "latent-iforest", "--epochs",
                              "2", "--param", "n_estimators=10", "-q"])
    assert res.exit_code == 0, res.output
    _one_line_error(["train", str(f["new"]), "--warm-start", str(tmp_path / "lif"), "-o",
                     str(tmp_path / "m3")], "latent-iforest cannot continue training", tmp_path / "m3")


def test_a_labelled_threshold_is_refitted_on_labelled_rows_of_the_new_data() -> None:
    from hourglass.thresholds import BestF1

    def labelled(seed: int, shift: float) -> tuple[pd.DataFrame, np.ndarray]:
        rows = _frame(200, shift, seed)
        rows.loc[:19, "a"] = 40.0
        return rows, (np.arange(200) < 20).astype(int)

    X_val, y_val = labelled(13, 0.0)
    pipe = Pipeline(AutoEncoder(**AE), threshold=BestF1()).fit(_frame(600, 0.0, 12), X_val=X_val,
                                                                y_val=y_val)
    new = _frame(400, 1.0, 14)
    with pytest.raises(InputError, match="needs labelled validation rows"):
        pipe.warm_start(new)
    X_new, y_new = labelled(15, 1.0)
    child = pipe.warm_start(new, X_val=X_new, y_val=y_new, epochs=3)
    assert child.threshold_.describe() == pipe.threshold_.describe()
    assert child.info["threshold_fit"]["anomalous"] == 20
    assert child.predict(X_new)[:20].mean() > 0.9 and child.predict(X_new)[20:].mean() < 0.1
    assert "continued on 400 rows" in child.model_card()["warm start"]


def test_warm_start_proximal_mu_keeps_the_weights_near_the_parents() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4)).astype("float32")
    ae = AutoEncoder(hidden=(8, 2), epochs=3, verbose=0, random_state=0).fit(X)
    shifted = X * 2 + 1

    def moved(det: AutoEncoder) -> float:
        return float(sum(((a - b) ** 2).sum() for a, b in zip(
            det.module_.parameters(), ae.module_.parameters(), strict=True)).detach())

    plain = ae.warm_start(shifted, epochs=5)
    zero = ae.warm_start(shifted, epochs=5, proximal_mu=0.0)
    near = ae.warm_start(shifted, epochs=5, proximal_mu=10.0)
    np.testing.assert_array_equal(plain.score(X), zero.score(X))
    assert moved(near) < moved(plain)
    with pytest.raises(ValueError, match="proximal_mu"):
        ae.warm_start(shifted, proximal_mu=-0.5)
