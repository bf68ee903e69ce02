"""A network too large for the memory left is refused before it is built.

On Linux a large allocation succeeds and fails only as its pages are written: ``hourglass train
--param hidden=[1000000000]`` was ended by the kernel's out-of-memory killer (no message, no exit
code of ours, and other processes killed beside it). The memory the machine reports is replaced
here, so that no test allocates more than a few megabytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import hourglass.detectors.base as base
from hourglass import _memory
from hourglass._memory import available_memory, memory_text
from hourglass.cli import app
from hourglass.detectors import AutoEncoder, DeepLog, GANomaly
from hourglass.errors import InputError
from tests._cli import runner

X = np.random.default_rng(0).normal(size=(200, 6)).astype("float32")


def test_a_network_past_the_free_memory_is_refused_before_it_is_built(monkeypatch):
    # what was wrong: only an allocation the allocator refused at once was an error; one it
    # granted was killed by the kernel as training wrote it. Now the network is counted first
    built = []
    monkeypatch.setattr(base, "available_memory", lambda: 10 << 20)
    monkeypatch.setattr(AutoEncoder, "_init_module", lambda self, m, t: built.append(m))
    with pytest.raises(InputError) as info:
        AutoEncoder(hidden=(4096, 4096), epochs=1).fit(X)
    assert str(info.value) == ("hidden 4096,4096: the network on 6 inputs does not fit in memory (513 MiB "
                               "for its weights, gradients and optimiser state; 10 MiB is free); give "
                               "smaller widths")
    assert info.value.param == "hidden"
    assert not built  # refused before a weight was allocated, not after


def test_a_network_that_fits_trains_as_before_and_draws_the_same_numbers(monkeypatch):
    # counting the network (on torch's meta device) draws no random number: the weights, the
    # scores and the caller's torch generator after fit are those of a fit without the count
    got = []
    for have in (None, 1 << 40):
        monkeypatch.setattr(base, "available_memory", lambda have=have: have)
        for kind in (AutoEncoder, GANomaly):
            torch.manual_seed(3)
            det = kind(epochs=2, random_state=0).fit(X)
            got.append((det.score(X), torch.rand(2)))
    for (scores, after), (scores_checked, after_checked) in zip(got[:2], got[2:], strict=True):
        np.testing.assert_array_equal(scores, scores_checked)
        torch.testing.assert_close(after, after_checked, rtol=0, atol=0)


def test_a_network_sized_by_other_widths_names_them(monkeypatch):
    monkeypatch.setattr(base, "available_memory", lambda: 1 << 16)
    sequences = [[1, 2, 3, 4, 5, 6] * 3 for _ in range(20)]
    said = (r"^the network on [\d,]+ inputs does not fit in memory \([\d.,]+ (bytes|MiB) for its weights, "
            r"gradients and optimiser state; 65,536 bytes is free\) \(hidden \d+, embed \d+\); give smaller "
            r"widths$")
    with pytest.raises(InputError, match=said):
        DeepLog(window=3, epochs=1).fit(sequences)


def test_train_says_so_in_one_line_and_writes_no_model(monkeypatch, tmp_path: Path):
    data = tmp_path / "rows.csv"
    pd.DataFrame(X[:, :3], columns=["a", "b", "c"]).to_csv(data, index=False)
    monkeypatch.setattr(base, "available_memory", lambda: 64 << 20)
    res = runner.invoke(app, ["--threads", "1", "train", str(data), "-o", str(tmp_path / "m"),
                              "--param", "hidden=[100000,100000]", "--epochs", "1"])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    assert lines[0].startswith("error: --hidden 100000,100000: the network on 3 inputs does not fit in "
                               "memory (298.0 GiB for its weights"), lines[0]
    assert lines[0].endswith("; 64 MiB is free); give smaller widths"), lines[0]
    assert not (tmp_path / "m").exists()


def test_the_free_memory_is_the_machines_capped_by_a_container_limit(monkeypatch, tmp_path: Path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   2000000 kB\n")
    assert _memory._meminfo_available(str(meminfo)) == 2_000_000 * 1024
    assert _memory._meminfo_available(str(tmp_path / "none")) is None
    limit, usage = tmp_path / "memory.max", tmp_path / "memory.current"
    monkeypatch.setattr(_memory, "_CGROUP_FILES", ((str(limit), str(usage)),))
    assert _memory._cgroup_left() is None  # no controller
    limit.write_text("max\n")
    usage.write_text("123\n")
    assert _memory._cgroup_left() is None  # v2: no limit
    limit.write_text(f"{1 << 30}\n")
    usage.write_text(f"{1 << 28}\n")
    assert _memory._cgroup_left() == 3 << 28
    usage.write_text(f"{2 << 30}\n")  # (usage can pass the limit a little while reclaiming)
    assert _memory._cgroup_left() == 0
    limit.write_text(f"{(1 << 63) - 4096}\n")  # v1 writes "no limit" as this
    assert _memory._cgroup_left() is None
    limit.write_text(f"{1 << 20}\n")
    usage.write_text("0\n")
    monkeypatch.setattr(_memory, "_meminfo_available", lambda: 1 << 30)
    assert available_memory() == 1 << 20  # the container's limit, below the machine's
    assert memory_text(1 << 20) == "1 MiB"


def test_a_federated_run_counts_the_network_before_its_first_round(monkeypatch):
    # what was wrong: the federated server built its starting network without the count, so
    # a run with a network past the memory was killed as a fit alone no longer is
    from hourglass.distributed.federated import run_federated

    monkeypatch.setattr(base, "available_memory", lambda: 10 << 20)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    with pytest.raises(InputError, match=r"^hidden 4096,4096: the network on 6 inputs does not fit in "
                                         r"memory \(513 MiB .*; 10 MiB is free\); give smaller widths$"):
        run_federated([frame[:100], frame[100:]], AutoEncoder(hidden=(4096, 4096)), rounds=1, local_epochs=1)
