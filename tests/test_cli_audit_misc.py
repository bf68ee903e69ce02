"""Bad input and honest messages of ``benchmark``, ``threshold``, ``inspect`` and ``demo``: each
refusal is one line naming the option, exit code 2, said before any training, and nothing written
or replaced."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.cli.train import DEMO_SOURCE, _refuse_demo_output
from hourglass.errors import HourglassError
from tests._cli import digest, one_line_error, runner

FAST = ["--epochs", "1", "-q"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("misc")
    rng = np.random.default_rng(0)
    n = 400
    table = pd.DataFrame({"bytes": rng.exponential(100, n), "dur": rng.exponential(1, n),
                          "proto": rng.choice(["tcp", "udp"], n), "label": "benign"})
    table.loc[:29, ["bytes", "label"]] = [5000.0, "attack"]
    table.to_csv(d / "flows.csv", index=False)
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=200, freq="1min"),
                  "cpu": rng.normal(50, 5, 200)}).to_csv(d / "metrics.csv", index=False)
    ops = ["open file", "read block", "close file"]
    (d / "old.log").write_text("".join(f"{ops[i % 3]} blk_{i // 3} done\n" for i in range(120)))
    model, logs, series = d / "M", d / "L", d / "T"
    for args in ([str(d / "flows.csv"), "--label-col", "label", "--normal", "benign", "--hidden", "4,2",
                  "-o", str(model)],
                 [str(d / "old.log"), "--format", "raw", "--session-regex", r"blk_\d+",
                  "-m", "event-count-autoencoder", "-o", str(logs)],
                 [str(d / "metrics.csv"), "--timestamp-col", "ts", "-m", "lstm-ae", "--window", "8",
                  "-o", str(series)]):
        res = runner.invoke(app, ["train", *args, *FAST])
        assert res.exit_code == 0, res.output
    return {"dir": d, "flows": d / "flows.csv", "model": model, "logs": logs, "series": series}


# --- demo ------------------------------------------------------------------------------------


def test_demo_never_replaces_a_users_model_and_checks_its_output_before_training(
        files: dict[str, Path]) -> None:
    model = files["model"]
    before = digest(model)
    # used to train for seconds, then replace the model without a word
    one_line_error(["demo", "-o", str(model), "-q"],
                   f"--output {model}: a model is saved there already (not an earlier demo's); "
                   "pass --force")
    assert digest(model) == before
    # used to train first and fail after, with no option named
    one_line_error(["demo", "-o", str(files["flows"]), "-q"], "exists and is not a model directory")
    one_line_error(["demo", "-o", str(files["dir"] / "nodir" / "m"), "-q"],
                   f"output folder {files['dir'] / 'nodir'} does not exist")
    one_line_error(["demo", "-o", "-", "-q"], "--output -: a model is a folder")


def test_demo_replaces_an_earlier_demo_model(tmp_path: Path) -> None:
    earlier = tmp_path / "demo-model"
    earlier.mkdir()
    (earlier / "config.json").write_text(json.dumps({"format": "hourglass-artefact",
                                                     "info": {"source": DEMO_SOURCE}}))
    _refuse_demo_output(earlier, force=False)  # make demo twice: the second replaces the first
    (earlier / "config.json").write_text(json.dumps({"format": "hourglass-artefact",
                                                     "info": {"source": "flows.csv"}}))
    with pytest.raises(HourglassError, match="pass --force"):
        _refuse_demo_output(earlier, force=False)
    _refuse_demo_output(earlier, force=True)


# --- threshold -------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "why"), [
    ("model", "trained without --events-per-day or --timestamp-col"),
    ("series", "trained without --freq, which sets its steps per day"),
    ("logs", "a log model does not record its sessions per day"),
])
def test_threshold_per_day_budget_says_why_the_rate_is_unknown(files: dict[str, Path], kind: str,
                                                               why: str) -> None:
    # a series trained with --timestamp-col was told it had been trained without one
    one_line_error(["threshold", str(files[kind]), "--threshold", "budget:5/day"],
                   f"does not know ({why}): give --events-per-day N, or use budget:N/10k")


# --- --format / --dataset --------------------------------------------------------------------


def test_unknown_format_names_its_option(files: dict[str, Path]) -> None:
    flows = str(files["flows"])
    one_line_error(["inspect", flows, "--format", "nosuch"], "--format nosuch: unknown format; tables: auto,")
    one_line_error(["inspect", flows, "--dataset", "nsl-kdd2"], "--dataset nsl-kdd2: unknown format")
    out = files["dir"] / "b.json"
    one_line_error(["benchmark", flows, "--label-col", "label", "--normal", "benign", "--format", "hdfs",
                    "--json", str(out)], "--format hdfs: a log format, not a table format; tables:", out)


# --- benchmark -------------------------------------------------------------------------------


def test_benchmark_threshold_refusal_names_the_option_and_the_run(files: dict[str, Path]) -> None:
    out = files["dir"] / "b.json"
    one_line_error(["benchmark", str(files["flows"]), "--label-col", "label", "--normal", "benign",
                    "--models", "autoencoder", "--baselines", "none", "--seeds", "1", "--epochs", "1",
                    "--threshold", "fpr:0.001", "--json", str(out)],
                   "--threshold fpr:0.001: autoencoder seed 0: FalseAlarmBound: ", out)


def test_benchmark_reads_its_test_file_from_standard_input(files: dict[str, Path]) -> None:
    base = ["benchmark", str(files["flows"]), "--label-col", "label", "--normal", "benign",
            "--models", "none", "--seeds", "1", "--test", "-"]
    res = runner.invoke(app, base, input=files["flows"].read_text())
    assert res.exit_code == 0, res.output
    assert "standard input: mean ± std over 1 seed(s)" in res.stdout
    assert "stdin" not in res.stdout
    res = runner.invoke(app, ["benchmark", "-", *base[2:]], input=files["flows"].read_text())
    assert res.exit_code == 2 and "only one of them can be -" in res.stderr, res.output


def test_threshold_fixed_without_a_value_is_refused(files: dict[str, Path]) -> None:
    # 'fixed' alone was 'fixed at 0.0': a copy flagging every row, written without a word
    out = files["dir"] / "F"
    for spec in ("fixed", "fixed:"):
        one_line_error(["threshold", str(files["model"]), "--threshold", spec, "-o", str(out)],
                       f"--threshold {spec}: a fixed cut-off needs its value, e.g. fixed:3.5", out)


def test_benchmark_marks_baselines_in_the_category_table_and_formats_says_what_auto_sniffs(
        tmp_path: Path) -> None:
    import gzip

    from hourglass.ingest import demo_path

    lines = gzip.open(demo_path("train"), "rt").read().splitlines()
    (tmp_path / "kdd.txt").write_text("\n".join(lines[:1500]) + "\n")
    res = runner.invoke(app, ["benchmark", str(tmp_path / "kdd.txt"), "--dataset", "nsl-kdd",
                              "--models", "none", "--seeds", "1"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    table = res.stdout.split("detection rate per attack category")[1]
    assert "iforest (baseline)" in table  # as in the metrics table above it
    res = runner.invoke(app, ["formats"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "a log needs its --format" in res.stdout


def test_threshold_json_writes_the_what_if_rows(files: dict[str, Path]) -> None:
    res = runner.invoke(app, ["threshold", str(files["series"]), "--threshold", "percentile:99.5",
                              "--json", "-"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)  # the JSON alone on stdout; the table went to stderr
    assert doc["kind"] == "time-series" and doc["unit"] == "steps" and doc["n_scores"] > 0
    (row,) = doc["rules"]
    n = doc["n_scores"]  # the mean rate of the 99.5th percentile of n held-out scores
    assert row["spec"] == "percentile:99.5"
    assert row["expected"] == pytest.approx((n - 0.995 * (n - 1)) / (n + 1))
    assert row["stream"] is not None and "thresholds for" in res.stderr
    out = files["dir"] / "t.json"
    one_line_error(["threshold", str(files["model"]), "--threshold", "percentile:99.5", "--json", str(out),
                    "-o", str(files["dir"] / "N")], f"--json {out}: writes the what-if table, which -o "
                   "does not show", out)
    assert not (files["dir"] / "N").exists()


def test_models_names_input_kinds_as_the_other_commands_do(files: dict[str, Path]) -> None:
    res = runner.invoke(app, ["models"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    inputs = {line.split("│")[2].strip() for line in res.stdout.splitlines()
              if line.startswith("│") and line.split("│")[1].strip()}
    assert inputs == {"table", "time series", "log"}, inputs  # was tabular, timeseries, events
    one_line_error(["benchmark", str(files["flows"]), "--label-col", "label", "--normal", "benign",
                    "--models", "deeplog"],
                   "--models: deeplog is a log model; benchmark compares table models")


def test_threshold_force_in_place_interrupted_between_renames_keeps_the_model(
        files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import shutil

    from hourglass.pipeline import artefact

    model = tmp_path / "M"
    shutil.copytree(files["model"], model)
    before = digest(model)
    real, calls = os.replace, []

    def replace(src: object, dst: object) -> None:
        calls.append(dst)
        if len(calls) == 2:  # the new model's rename into place: Ctrl-C arrives
            raise KeyboardInterrupt
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(artefact.os, "replace", replace)
    # the old model was left only as a hidden .M.old, the new one deleted: nothing at MODEL
    res = runner.invoke(app, ["threshold", str(model), "--threshold", "percentile:99.5", "-o", str(model),
                              "--force"])
    assert res.exit_code != 0 and len(calls) == 3
    assert digest(model) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["M"]


@pytest.mark.parametrize("rate", ["inf", "nan", "0", "-5"])
def test_threshold_refuses_an_event_rate_that_is_not_finite_and_positive(files: dict[str, Path],
                                                                         rate: str) -> None:
    out = files["dir"] / "R"  # inf was taken: 'alerts /day at inf', and -o saved it in the model
    one_line_error(["threshold", str(files["model"]), "--threshold", "budget:5/day", "--events-per-day",
                    rate, "-o", str(out)], "--events-per-day: must be > 0 and finite, got ", out)


def test_benchmark_refuses_a_negative_seed_naming_it(files: dict[str, Path]) -> None:
    # was blamed on --test-fraction, with scikit-learn's random_state message
    res = runner.invoke(app, ["benchmark", str(files["flows"]), "--label-col", "label", "--normal",
                              "benign", "--seed", "-1", "--models", "none", "--seeds", "1"])
    assert res.exit_code == 2 and "--test-fraction" not in res.stderr, res.output
    assert "Invalid value for '--seed'" in res.stderr
