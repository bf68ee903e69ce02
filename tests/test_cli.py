"""The CLI end to end on tiny data, and its handling of bad input (exit 2, one line, no file)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from tests._fresh import modules_loaded

runner = CliRunner()
FAST = ["--epochs", "3", "--hidden", "8,4", "--batch-size", "64", "-q"]


def _frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "proto": rng.choice(["tcp", "udp"], n),
        "bytes": rng.lognormal(5, 1, n).round(),
        "rate": rng.uniform(0, 1, n),
        "label": "benign",
    })
    df.loc[: n // 10, ["bytes", "label"]] = [1e8, "attack"]
    return df


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cli")
    _frame().to_csv(d / "train.csv", index=False)
    _frame(seed=1).to_parquet(d / "test.parquet")
    model = d / "model"
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(model), "--label-col",
                              "label", "--normal", "benign", *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "train": d / "train.csv", "test": d / "test.parquet", "model": model}


def _fails_cleanly(args: list[str], match: str, out: Path | None = None) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert match in lines[0], lines[0]
    if out is not None:
        assert not out.exists(), "no partial output file"
        assert not list(out.parent.glob(f".{out.name}*")), "no temp file left behind"


def test_models_lists_registry() -> None:
    res = runner.invoke(app, ["models"])
    assert res.exit_code == 0 and "autoencoder" in res.stdout


def test_train_records_held_out_slice(files: dict[str, Path]) -> None:
    config = json.loads((files["model"] / "config.json").read_text())
    info = config["info"]
    assert info["label_col"] == "label" and info["normal"] == ["benign"]
    assert info["n_train_rows"] == 269
    assert info["held_out"]["rows"] == 27


@pytest.mark.parametrize("suffix", ["csv", "parquet", "jsonl"])
def test_score_writes_each_format(files: dict[str, Path], suffix: str) -> None:
    out = files["dir"] / f"scores.{suffix}"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["test"]), "-o", str(out),
                              "-q"])
    assert res.exit_code == 0, res.output
    df = pd.read_json(out, lines=True) if suffix == "jsonl" else (
        pd.read_parquet(out) if suffix == "parquet" else pd.read_csv(out))
    assert list(df.columns) == ["row", "score", "flag", "calibrated", "severity"] and len(df) == 300
    assert df.loc[:30, "flag"].mean() > 0.9  # the planted rows are flagged


def test_evaluate_prints_and_writes_json(files: dict[str, Path]) -> None:
    js = files["dir"] / "m.json"
    res = runner.invoke(app, ["evaluate", str(files["model"]), str(files["test"]), "--json",
                              str(js), "-q"])
    assert res.exit_code == 0, res.output
    assert "roc_auc" in res.stdout
    m = json.loads(js.read_text())
    assert m["roc_auc"] > 0.9 and {"pr_auc", "f1", "precision", "recall", "fpr"} <= set(m)
    assert m["per_class"]["attack"]["n"] == 31


def test_nsl_kdd_layout_and_gzip(tmp_path: Path) -> None:
    from hourglass.ingest import demo_path

    rows = gzip.open(demo_path("train"), "rt").read().splitlines()
    small = tmp_path / "kdd.txt.gz"
    with gzip.open(small, "wt") as fh:
        fh.write("\n".join(rows[:1500]) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(small), "--dataset", "nsl-kdd", "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    js = tmp_path / "e.json"
    res = runner.invoke(app, ["evaluate", str(model), str(small), "--dataset", "nsl-kdd",
                              "--json", str(js), "-q"])
    assert res.exit_code == 0, res.output
    m = json.loads(js.read_text())
    assert set(m["per_category"]) <= {"DoS", "Probe", "R2L", "U2R", "normal"}
    assert m["roc_auc"] > 0.8


def test_bad_inputs(files: dict[str, Path], tmp_path: Path) -> None:
    model, train = str(files["model"]), str(files["train"])
    out = tmp_path / "o.csv"
    _fails_cleanly(["train", train, "-o", str(tmp_path / "m"), "--label-col", "nope",
                    "--normal", "benign", *FAST], "no label column 'nope'", tmp_path / "m")
    _fails_cleanly(["train", train, "-o", str(tmp_path / "m"), "--label-col", "label",
                    "--normal", "good", *FAST], "no rows with label in ['good']", tmp_path / "m")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    _fails_cleanly(["train", str(empty), "-o", str(tmp_path / "m"), *FAST], "empty file")
    junk = tmp_path / "junk.csv"
    _frame(20).astype({"bytes": object}).assign(bytes=lambda d: d.bytes.where(d.index != 4, "x!"),
                                                 ).to_csv(junk, index=False)
    _fails_cleanly(["score", model, str(junk), "-o", str(out)], "'bytes'", out)
    # NaN and inf are imputed (the preprocessing), so such rows score to finite values.
    nan = tmp_path / "nan.csv"
    _frame(20).assign(rate=lambda d: d.rate.where(d.index != 7, np.nan).where(d.index != 2, np.inf)
                      ).to_csv(nan, index=False)
    res = runner.invoke(app, ["score", model, str(nan), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert np.isfinite(pd.read_csv(out)["score"]).all() and len(pd.read_csv(out)) == 20
    out.unlink()
    _fails_cleanly(["score", str(tmp_path), train, "-o", str(out)], "not a hourglass model", out)
    other = tmp_path / "other.csv"
    pd.DataFrame({"x": [1, 2], "y": [3, 4]}).to_csv(other, index=False)
    _fails_cleanly(["score", model, str(other), "-o", str(out)], "missing", out)
    _fails_cleanly(["evaluate", model, str(other)], "no label column")
    _fails_cleanly(["train", train, "-o", str(tmp_path / "m"), "--model", "nonsense"],
                   "unknown model")
    _fails_cleanly(["train", train, "-o", str(tmp_path / "m"), "--threshold", "percentile:400"],
                   "--threshold percentile:400: Percentile: q must be in")
    _fails_cleanly(["train", train, "-o", str(tmp_path / "m"), "--epochs", "0", "--label-col",
                    "label", "--normal", "benign"], "epochs must be >= 1")
    _fails_cleanly(["train", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "m")],
                   "no such file")


def test_outputs_get_ordinary_permissions(files: dict[str, Path]) -> None:
    import os
    import stat

    from hourglass.ingest.readers import default_mode

    out = files["dir"] / "perm.csv"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["test"]), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(os.stat(out).st_mode) == default_mode(directory=False)
    assert stat.S_IMODE(os.stat(files["model"]).st_mode) == default_mode(directory=True)


def test_threads_option_sets_torch_threads() -> None:
    import torch

    before = torch.get_num_threads()
    try:
        # a command that would run torch (it stops at the missing file, after the global options);
        # the count it set is seen by the model's own read of it, the caller's put back after
        torch.set_num_threads(2)
        seen: list[int] = []
        real = torch.set_num_threads
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(torch, "set_num_threads", lambda n: (seen.append(n), real(n))[1])
            res = runner.invoke(app, ["--threads", "1", "train", "missing.csv", "-o", "m"])
        assert res.exit_code == 2 and "no such file" in res.stderr, res.output
        assert seen == [1, 2] and torch.get_num_threads() == 2
        res = runner.invoke(app, ["--threads", "0", "train", "missing.csv", "-o", "m"])
        assert res.exit_code == 2 and "--threads" in res.output
    finally:
        torch.set_num_threads(before)


def test_without_threads_option_busy_cores_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    before = torch.get_num_threads()
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("HOURGLASS_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    # the counts the command sets (it puts the caller's back when it ends)
    real, counts = torch.set_num_threads, []
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (counts.append(n), real(n))[1])
    try:
        real(2)
        monkeypatch.setattr("os.getloadavg", lambda: (2.6, 2.0, 1.0))  # another job on both cores
        assert runner.invoke(app, ["train", "missing.csv", "-o", "m"]).exit_code == 2
        assert counts[:1] == [1]
        real(2)
        counts.clear()
        monkeypatch.setattr("os.getloadavg", lambda: (0.1, 0.1, 0.1))  # idle: torch's choice stands
        assert runner.invoke(app, ["train", "missing.csv", "-o", "m"]).exit_code == 2
        assert counts[:1] == [2] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_train_and_score_the_default_ensemble(files: dict[str, Path]) -> None:
    """``--model ensemble`` works with its default members; the CLI's common options reach them."""
    model = files["dir"] / "ens"
    res = runner.invoke(app, ["train", str(files["train"]), "-o", str(model), "--label-col",
                              "label", "--normal", "benign", "--model", "ensemble", "--epochs", "3",
                              "--device", "cpu", "-q"])
    assert res.exit_code == 0, res.output
    params = json.loads((model / "config.json").read_text())["detector"]["params"]
    assert params["detectors"]["__tuple__"] == ["autoencoder", "deep-svdd", "latent-iforest"]
    js = files["dir"] / "ens.json"
    res = runner.invoke(app, ["evaluate", str(model), str(files["test"]), "--json", str(js), "-q"])
    assert res.exit_code == 0, res.output
    assert json.loads(js.read_text())["roc_auc"] > 0.9


def test_the_cli_imports_the_library_only_when_a_command_runs(tmp_path: Path) -> None:
    """``hourglass --help`` must answer at once: torch, scikit-learn and pandas load in the commands."""
    import subprocess
    import sys

    assert modules_loaded("import hourglass.cli.app", ("torch", "sklearn", "pandas")) == []
    res = subprocess.run([sys.executable, "-m", "hourglass", "train", "--help"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0 and "--output" in res.stdout
    table = tmp_path / "t.csv"
    _frame(20).to_csv(table, index=False)
    for command, shows in ((["formats"], "zeek-conn"), (["models"], "deeplog"),
                           (["inspect", str(table), "--role", "proto=hash"], "hashed into")):
        code = ("import sys\nfrom hourglass.cli import app\n"
                f"try:\n    app({command!r})\nexcept SystemExit:\n    pass\n"
                "print('torch' in sys.modules)\n")
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=120, check=True, env={**os.environ, "COLUMNS": "200"})
        assert shows in res.stdout and res.stdout.strip().endswith("False"), (command, res.stdout)


def test_version_names_the_package_and_the_numeric_stack_without_importing_torch() -> None:
    import subprocess
    import sys

    import hourglass

    code = ("import sys\nfrom hourglass.cli import app\n"
            "try:\n    app(['--version'])\nexcept SystemExit as e:\n    print('exit', e.code)\n"
            "print('torch' in sys.modules)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         check=True)
    lines = res.stdout.strip().splitlines()
    assert lines[0].startswith(f"hourglass {hourglass.__version__}, torch ") and "python 3." in lines[0]
    assert lines[1:] == ["exit 0", "False"], res.stdout


def test_train_without_held_out_rows_says_the_threshold_saw_training_scores(
        files: dict[str, Path]) -> None:
    model = files["dir"] / "no-holdout"
    res = runner.invoke(app, ["train", str(files["train"]), "-o", str(model), "--label-col", "label",
                              "--normal", "benign", "--param", "validation_fraction=0", *FAST])
    assert res.exit_code == 0, res.output
    assert "percentile 99.0 of training scores (no held-out rows) =" in " ".join(res.stderr.split())
    info = json.loads((model / "config.json").read_text())["info"]
    assert info["threshold"] == "percentile 99.0 of training scores (no held-out rows)"
    assert info["threshold_fit"]["scores"] == "training scores (no held-out rows)"
    assert info["held_out"]["rows"] == 0


def test_inspect_previews_the_schema_train_builds_with_the_same_options(files: dict[str, Path]) -> None:
    schema = ["--role", "proto=hash", "--drop", "rate", "--scaler", "standard", "--categorical",
              "bytes"]
    model, js = files["dir"] / "schema-model", files["dir"] / "schema.json"
    res = runner.invoke(app, ["train", str(files["train"]), "-o", str(model), "--label-col", "label",
                              "--normal", "benign", *schema, *FAST])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["inspect", str(files["train"]), "--label-col", "label", *schema,
                              "--json", str(js)])
    assert res.exit_code == 0, res.output
    assert "not features (--drop): rate" in res.stdout
    seen = json.loads(js.read_text())
    features = json.loads((model / "config.json").read_text())["features"]
    assert {d["column"]: d["role"] for d in seen["columns"]} == features["roles"] == {
        "proto": "hash", "bytes": "categorical"}
    # 'bytes' as categorical: train saw the normal rows' values only, inspect every row's
    assert seen["dropped_by_option"] == ["rate"] and seen["n_features"] >= len(features["feature_names"])
    _fails_cleanly(["inspect", str(files["train"]), "--role", "proto=nope"],
                   "--role: column 'proto' has unknown role 'nope'")
    _fails_cleanly(["inspect", str(files["train"]), "--drop", "prto"], "--drop: no column 'prto'")


def test_every_command_prints_its_help() -> None:
    """Rich reads '[...]' in a help text as markup: a stray '[/X]' crashed 'train --help'."""
    for command in ("train", "score", "stream", "evaluate", "benchmark", "explain", "serve", "export",
                    "models", "formats", "inspect", "demo"):
        res = runner.invoke(app, [command, "--help"])
        assert res.exit_code == 0 and "Usage" in res.output, (command, res.output[-300:])


def test_help_texts_keep_their_square_brackets() -> None:
    """rich reads ``[word]`` in a help text as markup and drops it (``fpr:RATE[@CONFIDENCE]`` came
    out as ``fpr:RATE``): every bracketed part of every option's help shows in ``--help``."""
    import re

    import click
    import typer

    group = typer.main.get_command(app)
    ctx = click.Context(group)
    lost = []
    for name in group.list_commands(ctx):  # type: ignore[attr-defined]
        command = group.get_command(ctx, name)  # type: ignore[attr-defined]
        shown = " ".join(runner.invoke(app, [name, "--help"], env={"COLUMNS": "400"}).stdout.split())
        for param in command.params:
            for part in re.findall(r"\[[^\]\s]+\]", getattr(param, "help", None) or ""):
                if part not in shown:
                    lost.append(f"{name} {param.opts[0]}: {part}")
    assert not lost, lost
