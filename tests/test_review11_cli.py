"""The core table CLI (train, score, evaluate, explain, export, inspect, warm starts) and the
artefact: regression tests of defects found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Autoencoders trained on a small table, with and without a label column."""
    folder = tmp_path_factory.mktemp("review11")
    rng = np.random.default_rng(0)
    label = np.where(np.arange(300) % 30 == 0, "attack", "normal")
    frame = pd.DataFrame({"bytes": rng.lognormal(5, 1, 300), "pkts": rng.poisson(8, 300),
                          "label": label})
    data, unlabelled = folder / "flows.csv", folder / "plain.csv"
    frame.to_csv(data, index=False)
    frame.drop(columns=["label"]).to_csv(unlabelled, index=False)
    common = ["--epochs", "1", "--hidden", "4,2", "--batch-size", "64", "-q"]
    model, plain = folder / "m", folder / "plain"
    for args in ([str(data), "-o", str(model), "--label-col", "label", "--normal", "normal"],
                 [str(unlabelled), "-o", str(plain)]):
        res = runner.invoke(app, ["train", *args, *common])
        assert res.exit_code == 0, res.output
    return {"data": data, "unlabelled": unlabelled, "model": model, "plain": plain, "folder": folder}


@pytest.mark.parametrize("parent, data", [("plain", "data"), ("model", "unlabelled")])
def test_warm_start_refuses_normal_without_a_label_column(kit: dict[str, Path], parent: str,
                                                          data: str) -> None:
    # '--warm-start M --normal normal' without --label-col, where no label column is inherited
    # (the parent has none, or NEW lacks the parent's): --normal was ignored and every row,
    # attacks included, trained on as normal; train refuses --normal without a label column
    out = kit["folder"] / f"warm-{parent}-{data}"
    one_line_error(["train", str(kit[data]), "-o", str(out), "--warm-start", str(kit[parent]),
                    "--normal", "normal", "--epochs", "1", "-q"],
                   "--normal normal: the normal values of a label column", out)


@pytest.mark.parametrize("command", ["train", "inspect"])
@pytest.mark.parametrize("option", [["--categorical", "ts"], ["--role", "ts=ip"]])
def test_a_column_option_naming_the_timestamp_column_is_refused(kit: dict[str, Path], command: str,
                                                                option: list[str]) -> None:
    # '--timestamp-col ts --categorical ts' stopped train with a false "categorical column(s) not
    # in the data: ts"; '--role ts=ip' was ignored (the time column is never a feature)
    frame = pd.read_csv(kit["data"])
    frame["ts"] = pd.date_range("2024-01-01", periods=len(frame), freq="min").astype(str)
    data = kit["folder"] / f"timed-{command}-{option[0][2:]}.csv"
    frame.to_csv(data, index=False)
    out = kit["folder"] / f"timed-{command}-{option[0][2:]}"
    args = [command, str(data), "--timestamp-col", "ts", *option]
    if command == "train":
        args += ["-o", str(out), "--label-col", "label", "--normal", "normal", "--epochs", "1", "-q"]
    one_line_error(args, f"{option[0]} {option[1]}: is the timestamp column, which is never a feature",
                   out)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="a folder that takes no new entry")
def test_train_refuses_an_output_folder_it_cannot_write_before_training(kit: dict[str, Path]) -> None:
    # train -o /read-only/model trained the whole model, then failed on the save's temporary
    # folder ("[Errno 1] Operation not permitted: '/sys/.model.21j176go'"); score refuses such an
    # --output before any work, and so does train now (/proc takes no new entry, even for root)
    one_line_error(["train", str(kit["data"]), "-o", "/proc/hourglass-model", "--label-col", "label",
                    "--normal", "normal", "--epochs", "1", "-q"],
                   "--output /proc/hourglass-model: cannot write in /proc")


@pytest.mark.parametrize("option, param", [(["--seed", "3"], "random_state=5"),
                                           (["--device", "cpu"], 'device="cpu"')])
def test_param_setting_what_seed_or_device_set_is_refused(kit: dict[str, Path], option: list[str],
                                                         param: str) -> None:
    # 'train --seed 3 --param random_state=5' trained with seed 5 (the typed --seed silently
    # lost), as --param epochs=... with --epochs once did; the typed option and --param both set it
    out = kit["folder"] / f"both-{option[0][2:]}"
    key = param.partition("=")[0]
    one_line_error(["train", str(kit["data"]), "-o", str(out), *option, "--param", param, "-q"],
                   f"--param {key}=... and {option[0]} both set {key}; give it once", out)


def test_inspect_refuses_the_label_column_as_timestamp_column(kit: dict[str, Path]) -> None:
    # 'inspect --label-col label --timestamp-col label' said "--timestamp-col: no column 'label'
    # in flows.csv", of a column the file has (the label, left out before the times were read)
    one_line_error(["inspect", str(kit["data"]), "--label-col", "label", "--timestamp-col", "label"],
                   "--timestamp-col label: is the label column; give the column holding each row's time")


def test_entity_warm_start_refuses_normal_without_a_label_column(tmp_path: Path) -> None:
    # as for a table model: an entity-bucket parent without labels and NEW without a label
    # column trained every bucket on as normal, --normal ignored
    rng = np.random.default_rng(0)
    n = 240
    data = tmp_path / "hosts.csv"
    pd.DataFrame({"host": rng.choice(["h1", "h2", "h3"], n),
                  "ts": pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
                  "bytes": rng.integers(1, 1000, n)}).to_csv(data, index=False)
    parent, out = tmp_path / "parent", tmp_path / "warm"
    res = runner.invoke(app, ["train", str(data), "-o", str(parent), "--entity-col", "host",
                              "--timestamp-col", "ts", "--epochs", "1", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    one_line_error(["train", str(data), "-o", str(out), "--warm-start", str(parent), "--normal", "normal",
                    "--epochs", "1", "-q"], "--normal normal: the normal values of a label column", out)


def test_a_column_given_two_roles_is_refused(kit: dict[str, Path]) -> None:
    # '--role bytes=categorical --role bytes=numeric': the last one silently won
    one_line_error(["inspect", str(kit["data"]), "--role", "bytes=categorical", "--role", "bytes=numeric"],
                   "--role: 'bytes' is given two roles (categorical, numeric); give one")
