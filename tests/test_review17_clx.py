"""CLI input errors: dataset names in any case, deprecated aliases named as typed, out-of-memory advice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hourglass.cli import app
from tests._cli import one_line_error, runner


def test_inspect_takes_a_time_series_dataset_name_in_any_case(tmp_path: Path) -> None:
    # train reads --dataset SKAB as skab; inspect took it for an unknown table format
    data = tmp_path / "s.csv"
    data.write_text("datetime;a;anomaly;changepoint\n2020-01-01 00:00:00;1;0;0\n"
                    "2020-01-01 00:00:01;2;0;0\n")
    for name in ("SKAB", "Nab"):
        one_line_error(["inspect", str(data), "--dataset", name], "logs and time series have no column roles")


def test_evaluate_names_the_time_option_as_typed(tmp_path: Path) -> None:
    # --time-col (the deprecated alias) was quoted back as --timestamp-col, an option not typed
    from hourglass.cli import app
    from tests._cli import runner, small_labelled_model

    m = small_labelled_model(tmp_path)
    for opt in ("--time-col", "--timestamp-col"):
        res = runner.invoke(app, ["evaluate", str(m["model"]), str(m["data"]), opt, "ts",
                                  "--events-per-day", "100"])
        assert res.exit_code == 2, res.output
        error = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
        assert error == [f"error: {opt} ts and --events-per-day 100: both give the event rate for "
                         "alerts per day; give one of them"], res.stderr
    res = runner.invoke(app, ["evaluate", str(m["model"]), str(m["data"]), "--time-col", "bytes"])
    assert res.exit_code == 2 and "error: --time-col bytes: is a column the model scores" in res.stderr


def test_train_names_a_network_too_wide_for_memory(tmp_path: Path, monkeypatch: Any) -> None:
    # a --hidden width whose weights do not fit was 'out of memory: train with a lower
    # --batch-size' (exit 1); the widths are the cause, a user input error
    import numpy as np
    import pandas as pd
    import pytest

    from hourglass.detectors.autoencoder import AutoEncoder

    data = tmp_path / "d.csv"
    pd.DataFrame(np.random.default_rng(0).normal(size=(40, 3)), columns=list("abc")).to_csv(data, index=False)
    build = AutoEncoder._build_module

    def huge(self: Any, n: int) -> Any:  # what torch raises for a layer past the machine's memory
        if max(self.hidden) > 1000:
            raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: "
                               "can't allocate memory: you tried to allocate 24000000000 bytes")
        return build(self, n)

    monkeypatch.setattr(AutoEncoder, "_build_module", huge)
    # (on the CPU: the words of a CPU allocator; a GPU's say 'GPU memory')
    args = ["train", str(data), "--epochs", "1", "--batch-size", "16", "-q", "--device", "cpu"]
    one_line_error([*args, "-o", str(tmp_path / "m"), "--hidden", "2000000000,2"],
                   "--hidden 2000000000,2: the network on 3 inputs does not fit in memory; give "
                   "smaller widths", tmp_path / "m")
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "ok"), "--hidden", "4,2"])
    assert res.exit_code == 0, res.output

    def broken(self: Any, n: int) -> Any:  # any other error is not the input's
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setattr(AutoEncoder, "_build_module", broken)
    with pytest.raises(RuntimeError, match="shapes"):
        AutoEncoder(hidden=(4, 2), epochs=1).fit(np.zeros((20, 3)))
