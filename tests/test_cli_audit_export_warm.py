"""Bad input to ``export``, ``inspect``, ``benchmark`` and ``train --warm-start``: each is one line
naming the option or file, exit code 2, and nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import digest, one_line_error, runner

FAST = ["--epochs", "1", "-q"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("audit")
    rng = np.random.default_rng(0)
    n = 400
    table = pd.DataFrame({"bytes": rng.exponential(100, n), "dur": rng.exponential(1, n),
                          "proto": rng.choice(["tcp", "udp"], n), "label": "benign"})
    table.loc[:19, ["bytes", "label"]] = [5000.0, "attack"]
    table.to_csv(d / "train.csv", index=False)
    table.assign(bytes=table["bytes"] * 1.2).to_csv(d / "new.csv", index=False)
    table.iloc[:0].to_csv(d / "header.csv", index=False)
    ops = ["open file", "read block", "close file"]
    (d / "old.log").write_text("".join(f"{ops[i % 3]} blk_{i // 3} done\n" for i in range(120)))
    model, logs = d / "M", d / "L"
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--label-col", "label", "--normal",
                              "benign", "--hidden", "4,2", *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(d / "old.log"), "--format", "raw", "--session-regex",
                              r"blk_\d+", "-m", "event-count-autoencoder", *FAST, "-o", str(logs)])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": model, "logs": logs, "train": d / "train.csv", "new": d / "new.csv",
            "header": d / "header.csv"}


def test_export_refuses_reading_options_without_check_data(files: dict[str, Path]) -> None:
    out = files["dir"] / "m.onnx"
    for args, match in ((["--format", "zeek-conn"], "--format zeek-conn: says how to read --check-data"),
                        (["--dataset", "nsl-kdd"], "--dataset nsl-kdd: says how to read --check-data"),
                        (["--on-bad-rows", "skip"], "--on-bad-rows skip: says how to read")):
        one_line_error(["export", str(files["model"]), "--onnx", str(out), *args], match, out)


def test_export_names_a_header_only_check_data_file(files: dict[str, Path]) -> None:
    out = files["dir"] / "m.onnx"
    one_line_error(["export", str(files["model"]), "--onnx", str(out), "--check-data",
                    str(files["header"])], f"--check-data {files['header']}: no data rows", out)


def test_export_help_lists_table_formats_only() -> None:
    res = runner.invoke(app, ["export", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    text = " ".join(res.stdout.split())
    assert "hdfs" not in text and "skab" not in text  # logs and series cannot be --check-data
    assert "--dataset, --format and --on-bad-rows say how to read --check-data" in text


def test_inspect_refuses_a_label_column_the_file_lacks(files: dict[str, Path]) -> None:
    one_line_error(["inspect", str(files["train"]), "--label-col", "nosuch"],
                   "no label column 'nosuch' (--label-col); columns are bytes, dur, proto, label")
    res = runner.invoke(app, ["inspect", str(files["train"]), "--label-col", "label", "--normal",
                              "benign"])
    assert res.exit_code == 0, res.output
    assert "benign (380), attack (20)" in res.stdout


def test_inspect_help_does_not_promise_logs() -> None:
    res = runner.invoke(app, ["inspect", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "not a log" in " ".join(res.stdout.split())


def test_benchmark_refuses_options_that_would_mislead(files: dict[str, Path]) -> None:
    base = ["benchmark", str(files["train"]), "--label-col", "label", "--normal", "benign",
            "--models", "autoencoder", "--seeds", "1", "--epochs", "1"]
    out = files["dir"] / "bench.json"
    one_line_error([*base, "--test", str(files["train"]), "--json", str(out)],
                   "is DATA itself: the models would be scored on the rows they trained on", out)
    one_line_error([*base, "--test", str(files["new"]), "--test-fraction", "0.5", "--json", str(out)],
                   f"--test-fraction 0.5: splits DATA when there is no test file; {files['new']}", out)
    one_line_error([*base, "--device", "tpu", "--json", str(out)],
                   "--device: unknown device 'tpu'", out)


def test_warm_start_refuses_an_output_inside_the_parent(files: dict[str, Path]) -> None:
    for parent, data in ((files["model"], files["new"]), (files["logs"], files["dir"] / "old.log")):
        before = digest(parent)
        one_line_error(["train", str(data), "--warm-start", str(parent), "-o", str(parent / "v2"),
                        *FAST], f"is inside the --warm-start model {parent}", parent / "v2")
        assert digest(parent) == before and sorted(p.name for p in parent.iterdir()) == [
            "config.json", "weights.safetensors"]


@pytest.mark.parametrize(("args", "match"), [
    (["--epochs", "0"], "--epochs must be >= 1, got 0"),
    (["--lr", "-1"], "--lr must be > 0"),
    (["--batch-size", "0"], "--batch-size must be"),
    (["--device", "tpu"], "--device: unknown device 'tpu'"),
    (["--label-col", "nosuch"], "no label column 'nosuch'; columns are bytes, dur, proto, label"),
])
def test_warm_start_names_the_option_of_a_bad_setting(files: dict[str, Path], args: list[str],
                                                      match: str) -> None:
    out = files["dir"] / "W"
    one_line_error(["train", str(files["new"]), "--warm-start", str(files["model"]), "-o", str(out),
                    "-q", *args], match, out)


def test_log_warm_start_without_sessions_names_the_file(files: dict[str, Path]) -> None:
    out = files["dir"] / "WL"
    res = runner.invoke(app, ["train", str(files["train"]), "--warm-start", str(files["logs"]),
                              "-o", str(out), *FAST])
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert f"{files['train']}: warm start: no sessions found" in last, last
    assert not out.exists()


def test_warm_start_interrupted_leaves_no_model(files: dict[str, Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.pipeline import Pipeline

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Pipeline, "warm_start", interrupted)
    out = files["dir"] / "WI"
    res = runner.invoke(app, ["train", str(files["new"]), "--warm-start", str(files["model"]), "-o",
                              str(out), *FAST])
    assert res.exit_code != 0 and "Traceback" not in res.stderr
    assert not out.exists() and not list(files["dir"].glob(".WI*"))


def test_a_missing_column_names_the_file_that_lacks_it(files: dict[str, Path]) -> None:
    d = files["dir"]
    pd.read_csv(files["new"]).drop(columns=["dur"]).to_csv(d / "no_dur.csv", index=False)
    out = d / "m.onnx"
    one_line_error(["export", str(files["model"]), "--onnx", str(out), "--check-data",
                    str(d / "no_dur.csv")],
                   f"--check-data {d / 'no_dur.csv'}: column(s) the model needs are missing: dur", out)
    for new, replay in ((d / "no_dur.csv", files["new"]), (files["new"], d / "no_dur.csv")):
        one_line_error(["train", str(new), "--warm-start", str(files["model"]), "--replay-data",
                        str(replay), *FAST, "-o", str(d / "M2")],
                       f"{d / 'no_dur.csv'}: column(s) the model needs are missing: dur", d / "M2")
    one_line_error(["score", str(files["model"]), str(d / "no_dur.csv"), "-o", str(d / "s.csv")],
                   f"{d / 'no_dur.csv'}: column(s) the model needs are missing: dur", d / "s.csv")
