"""Review 22 (cli22): symbolic link loops given as DATA or as an output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from hourglass.errors import InputError, is_link_loop, no_file
from hourglass.ingest.readers import read_table
from tests._cli import one_line_error, runner, small_labelled_model

LOOP = "a symbolic link loop, which leads to no file"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("cli22"))


@pytest.fixture()
def loop(tmp_path: Path) -> Path:
    link = tmp_path / "loop"
    link.symlink_to("loop")  # ln -s loop loop
    return link


def _usage_error(args: list[str], match: str, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str], out: Path | None = None) -> None:
    """``hourglass ARGS`` run as the console script (a DATA argument's refusal is a usage error,
    one line there): exit code 2 and one stderr line containing ``match``; no ``out``."""
    from hourglass.cli.app import main

    monkeypatch.setattr("sys.argv", ["hourglass", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert exit_.value.code == 2 and len(lines) == 1 and match in lines[0], lines
    assert out is None or not out.exists()


def test_a_link_loop_as_data_is_one_line(trained: dict[str, Any], loop: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    # what was wrong: DATA a link to itself stopped score -o with a traceback (Path.resolve's
    # RuntimeError in check_not_input), and explain, score -o - and the readers called it "no such file"
    model, out = str(trained["model"]), tmp_path / "out.jsonl"
    for args in (["score", model, str(loop), "-o", str(out)], ["score", model, str(loop), "-o", "-"],
                 ["explain", model, str(loop)], ["train", str(loop), "-o", str(tmp_path / "m2"), "-q"],
                 ["evaluate", model, str(loop), "--label-col", "label", "--normal", "normal",
                  "--json", str(tmp_path / "m.json")]):
        _usage_error(args, f"{loop}: {LOOP}", monkeypatch, capsys, out)
    assert not (tmp_path / "m2").exists() and not (tmp_path / "m.json").exists()
    _usage_error(["score", model, str(loop / "flows.csv"), "-o", str(out)],
                 f"{loop / 'flows.csv'}: {loop} is {LOOP}", monkeypatch, capsys, out)
    one_line_error(["stream", model, "--input", str(loop)], f"--input {loop}: {LOOP}")
    with pytest.raises(InputError, match=LOOP):  # the library's readers say it too
        read_table(loop)


def test_a_link_loop_as_an_output_is_one_line(trained: dict[str, Any], loop: Path, tmp_path: Path) -> None:
    # what was wrong: an output a link to itself was "a symbolic link that leads to no file", one
    # under it "output folder ... does not exist", and train --warm-start -o it a traceback
    model, data = str(trained["model"]), str(trained["data"])
    for args, option in ((["score", model, data, "-o"], "--output"),
                         (["explain", model, data, "-o"], "--output"),
                         (["evaluate", model, data, "--label-col", "label", "--normal", "normal",
                           "--json"], "--json"),
                         (["evaluate", model, data, "--label-col", "label", "--normal", "normal",
                           "--report"], "--report"),
                         (["stream", model, "-o"], "--output"),
                         (["train", data, "--epochs", "1", "-q", "-o"], "--output"),
                         (["train", data, "--warm-start", model, "--epochs", "1", "-q", "-o"], "--output")):
        one_line_error([*args, str(loop)], f"{option} {loop}: {LOOP}")
        assert loop.is_symlink()  # the link left as it was
    one_line_error(["score", model, data, "-o", str(loop / "a.jsonl")],
                   f"output folder {loop} is a symbolic link loop, which leads to no folder")
    one_line_error(["train", data, "--warm-start", str(loop), "-o", str(tmp_path / "m3"), "-q"],
                   f"--warm-start {loop}: {LOOP}", tmp_path / "m3")


def test_a_link_loop_in_a_folder_data_is_said_as_a_loop(trained: dict[str, Any], tmp_path: Path) -> None:
    # what was wrong: the warning called a link to itself in a folder DATA "a symbolic link to a
    # missing file"
    folder = tmp_path / "rows"
    folder.mkdir()
    (folder / "a.csv").write_bytes(trained["data"].read_bytes())
    (folder / "b.csv").symlink_to("b.csv")
    out = tmp_path / "scores.csv"
    res = runner.invoke(app, ["score", str(trained["model"]), str(folder), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "left out b.csv: a symbolic link loop (b.csv)" in res.stderr, res.stderr
    assert len(out.read_text().splitlines()) == 1 + len(trained["frame"])


def test_no_file_names_the_loop(loop: Path, tmp_path: Path) -> None:
    # what was wrong: a loop was said as "no such file" (or not at all) by each reader
    assert is_link_loop(loop) and is_link_loop(loop / "x") and not is_link_loop(tmp_path / "x")
    assert str(no_file(tmp_path / "x")) == f"{tmp_path / 'x'}: no such file"


@pytest.fixture(scope="module")
def deeplog(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from tests.test_logs import _normal

    d = tmp_path_factory.mktemp("cli22-logs")
    keys, model = d / "keys", d / "M"
    keys.write_text("\n".join(" ".join(map(str, s)) for s in _normal(40)) + "\n")
    r = runner.invoke(app, ["train", str(keys), "--format", "keys", "--model", "deeplog", "--epochs", "1",
                            "--hidden", "8", "-q", "-o", str(model)])
    assert r.exit_code == 0, r.output
    return {"keys": keys, "model": model, "dir": d}


def test_stream_drift_window_of_an_event_by_event_log_model_is_refused(deeplog: dict[str, Path]) -> None:
    # what was wrong: stream --drift-window N of a DeepLog model (alerts per event) was accepted
    # and silently ignored: its stream has no drift check; it is now refused, before the output
    model, keys, out = str(deeplog["model"]), str(deeplog["keys"]), deeplog["dir"] / "alerts.jsonl"
    for window in ("10", "1000"):  # typed, though the default
        one_line_error(["stream", model, "--input", keys, "--drift-window", window, "-o", str(out)],
                       "--drift-window: not used when streaming an event-by-event log model (deeplog)",
                       out)
    for args in (["stream", model, "--input", keys, "--drift-window", "0"],
                 ["stream", model, "--input", keys]):
        res = runner.invoke(app, args)  # off, or not asked for: streamed as before
        assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", model, keys, "-o", str(out), "--drift-window", "10"])
    assert res.exit_code == 0 and "window 10 sessions" in res.stderr, res.output  # score checks sessions


@pytest.fixture(scope="module")
def timed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import numpy as np
    import pandas as pd

    d = tmp_path_factory.mktemp("cli22-timed")
    rng = np.random.default_rng(1)
    data, model = d / "flows.csv", d / "m"
    pd.DataFrame({"bytes": rng.lognormal(5, 1, 300), "pkts": rng.poisson(8, 300),
                  "ts": pd.date_range("2024-01-01", periods=300, freq="min").astype(str),
                  "t2": pd.date_range("2024-02-01", periods=300, freq="min").astype(str)}
                 ).to_csv(data, index=False)
    r = runner.invoke(app, ["train", str(data), "--timestamp-col", "ts", "--epochs", "1", "--hidden", "4,2",
                            "-q", "-o", str(model)])
    assert r.exit_code == 0, r.output
    return {"data": data, "model": model, "dir": d}


@pytest.mark.parametrize("given", [["--timestamp-col", "ts"],
                                   ["--timestamp-col", "ts", "--timestamp-col", "ts"], ["--time-col", "ts"],
                                   ["--timestamp-col", "ts", "--time-col", "ts"]])
def test_table_warm_start_takes_the_models_own_timestamp_column(timed: dict[str, Path],
                                                                given: list[str]) -> None:
    # what was wrong: a table warm start of a model trained with --timestamp-col ts refused
    # --timestamp-col ts itself ("a warm start keeps ...; leave it out"), though it reads ts anyway
    import json

    out = timed["dir"] / "w"
    res = runner.invoke(app, ["train", str(timed["data"]), "--warm-start", str(timed["model"]),
                              "-o", str(out), "--epochs", "1", "-q", "--force", *given])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "config.json").read_text())["info"]["time_col"] == "ts"


@pytest.mark.parametrize("given", [["--timestamp-col", "t2"],
                                   ["--timestamp-col", "t2", "--timestamp-col", "t2"], ["--time-col", "t2"],
                                   ["--timestamp-col", "t2", "--time-col", "t2"]])
def test_table_warm_start_refuses_another_timestamp_column_naming_both(timed: dict[str, Path],
                                                                       given: list[str]) -> None:
    # what was wrong: another column was refused without naming the model's ("leave it out")
    out = timed["dir"] / "w2"
    option = given[0]  # (--timestamp-col where both are given)
    one_line_error(["train", str(timed["data"]), "--warm-start", str(timed["model"]), "-o", str(out),
                    "--epochs", "1", "-q", *given],
                   f"{option} t2: {timed['model']} reads the times in 'ts'; a warm start keeps it", out)

