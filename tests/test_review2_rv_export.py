"""Second review of export, the training loop and the small commands (threshold, warm start):
each test reproduces a defect that was fixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from hourglass import load
from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.nn import TrainConfig, resolve_device, train_module
from hourglass.nn.training import TrainingDiverged
from tests._cli import one_line_error, runner
from tests._nn import MeanModule

FAST = ["--hidden", "4,2", "--epochs", "1", "-q"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("rv2")
    rng = np.random.default_rng(0)
    n = 300
    table = pd.DataFrame({"bytes": rng.exponential(100, n), "dur": rng.exponential(1, n),
                          "proto": rng.choice(["tcp", "udp"], n)})
    table.to_csv(d / "train.csv", index=False)
    table.assign(bytes=table["bytes"] * 1.1).to_csv(d / "new.csv", index=False)
    return {"dir": d, "train": d / "train.csv", "new": d / "new.csv"}


def _train(files: dict[str, Path], name: str, *args: str) -> Path:
    out = files["dir"] / name  # (on the CPU: scores are compared with those of a CPU-loaded copy)
    res = runner.invoke(app, ["train", str(files["train"]), *FAST, "-o", str(out), "--device", "cpu", *args])
    assert res.exit_code == 0, res.output
    return out


def test_warm_start_of_a_model_with_its_own_threshold_rule(files: dict[str, Path]) -> None:
    # a model trained with --threshold (or re-thresholded) was refused: "autoencoder has no
    # parameter 'threshold__q'"; its rule now carries over, refitted on the new held-out scores
    parent = _train(files, "P95", "--threshold", "percentile:95")
    out = files["dir"] / "W95"
    res = runner.invoke(app, ["train", str(files["new"]), "--warm-start", str(parent), "--epochs",
                              "1", "-q", "-o", str(out)])
    assert res.exit_code == 0, res.output
    pipe = load(out)
    assert pipe.threshold_.describe() == load(parent).threshold_.describe()
    assert pipe.threshold_.value_ == pytest.approx(np.percentile(pipe.detector_.val_scores_, 95))
    assert pipe.features_.to_dict() == load(parent).features_.to_dict()


def test_a_diverging_training_run_is_one_line_exit_2(files: dict[str, Path]) -> None:
    # was a FloatingPointError traceback (exit 1)
    out = files["dir"] / "DIV"
    res = runner.invoke(app, ["train", str(files["train"]), "--hidden", "4,2", "-q", "--epochs", "3",
                              "--lr", "1e12", "-o", str(out)])  # (FAST's --epochs 1 twice: refused)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.stderr and "training diverged" in res.stderr
    assert not out.exists()



@pytest.mark.parametrize("held_out", [True, False])
def test_the_last_step_diverging_is_not_kept_as_the_model(held_out: bool) -> None:
    # one epoch of one batch: the loss (taken before the step) was finite, the step left the
    # weights at inf, and they were kept as the best epoch's: a model scoring NaN/inf
    X = torch.full((8, 2), 1e18)  # a loss of 1e36: finite in float32; one step of lr 1e21: inf
    val = (X[:4],) if held_out else None
    config = TrainConfig(epochs=1, lr=1e21, clip_grad_norm=None, optimizer=torch.optim.SGD,
                         patience=None, verbose=0)
    with pytest.raises(TrainingDiverged, match="training diverged at epoch 1"):
        train_module(MeanModule(), (X,), val, config, generator=torch.Generator().manual_seed(0))
    assert issubclass(TrainingDiverged, FloatingPointError)  # as before, for library callers


class _Exp(torch.nn.Module):
    """exp(x - mu): the held-out loss overflows float32 (inf) until mu has grown."""

    def __init__(self) -> None:
        super().__init__()
        self.mu = torch.nn.Parameter(torch.zeros(1))

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return torch.exp(batch[0] - self.mu).mean()


def test_a_first_epoch_that_overflowed_gives_way_to_a_finite_one() -> None:
    # an inf first best was never replaced (inf - inf is NaN, nothing compares below it): the
    # epoch-1 weights were kept, then refused as 'diverged at epoch 1' though later epochs were finite
    config = TrainConfig(epochs=8, lr=0.5, patience=None, verbose=0)
    history = train_module(_Exp(), (torch.full((64, 1), 10.0),), (torch.full((16, 1), 89.0),), config,
                           generator=torch.Generator().manual_seed(0))
    assert history.val_loss[0] == float("inf") and np.isfinite(history.val_loss[-1])
    assert history.best_epoch == len(history.val_loss)


def test_export_with_check_data_refuses_a_log_model_as_without_it(files: dict[str, Path]) -> None:
    # was "--check-data L: a DataFrame is an event table: give EventSessions key_column ...":
    # the log file read as a table, before the model was found not exportable
    d = files["dir"]
    ops = ["open file", "read block", "close file"]
    (d / "a.log").write_text("".join(f"{ops[i % 3]} blk_{i // 3} done\n" for i in range(120)))
    model = d / "LOG"
    res = runner.invoke(app, ["train", str(d / "a.log"), "--format", "raw", "--session-regex",
                              r"blk_\d+", "-m", "event-count-autoencoder", "--epochs", "1", "-q",
                              "-o", str(model)])
    assert res.exit_code == 0, res.output
    out = d / "log.onnx"
    for extra in ([], ["--check-data", str(d / "a.log")]):
        one_line_error(["export", str(model), "--onnx", str(out), *extra],
                       "cannot export to ONNX: event-count-autoencoder: takes events input", out)


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="this machine has an Apple GPU")
def test_a_device_torch_lacks_is_one_line_and_a_saved_model_falls_back(files: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    # '--device mps' (or meta, hip) was a torch RuntimeError traceback; a model saved with
    # device='mps' (trained on a Mac) did not load on another machine
    for device, match in (("mps", "'mps' was asked for but this PyTorch has no mps device"),
                          ("meta", "'meta' is not a device to train or score on")):
        out = tmp_path / device
        one_line_error(["train", str(files["train"]), *FAST, "--device", device, "-o", str(out)],
                       f"--device: {match}", out)
    with pytest.raises(InputError, match="'mps' was asked for"):
        resolve_device("mps")
    assert resolve_device("mps", fallback=True).type == "cpu"
    pipe = load(_train(files, "MPS"))
    pipe.detector_.set_params(device="mps")
    pipe.save(tmp_path / "saved")
    again = load(tmp_path / "saved")
    assert again.detector_.device_.type == "cpu"
    rows = pd.read_csv(files["train"]).head(20)
    assert np.array_equal(again.score(rows), pipe.score(rows))
