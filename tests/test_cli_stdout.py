"""Outputs to standard output (``-``) and to devices: the data alone on stdout, the command's
own lines on stderr, and a device such as /dev/null written into, never replaced by a file."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest import atomic_output, is_stream_output
from tests._cli import runner

FAST = ["--epochs", "2", "--hidden", "8,4", "--batch-size", "64", "-q"]


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("stdout")
    rng = np.random.default_rng(0)
    n = 300
    data = folder / "flows.csv"
    pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(5, 1, n),
                  "pkts": rng.poisson(8, n),
                  "label": np.where(np.arange(n) % 30 == 0, "attack", "normal")}).to_csv(data, index=False)
    model = folder / "m"
    res = runner.invoke(app, ["train", str(data), "--label-col", "label", "--normal", "normal",
                              "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    return {"data": data, "model": model, "folder": folder}


def test_score_to_dash_writes_csv_on_stdout_and_its_lines_on_stderr(kit: dict[str, Path]) -> None:
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["data"]), "-o", "-"])
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(io.StringIO(res.stdout))  # nothing but the table: was a file named '-'
    assert list(scores.columns) == ["row", "score", "flag", "calibrated", "severity"]
    assert len(scores) == 300 and "wrote standard output" in res.stderr
    assert not Path("-").exists()


def test_evaluate_json_to_stdout_parses_and_the_table_goes_to_stderr(kit: dict[str, Path]) -> None:
    res = runner.invoke(app, ["evaluate", str(kit["model"]), str(kit["data"]), "--label-col",
                              "label", "--normal", "normal", "--json", "-"])
    assert res.exit_code == 0, res.output
    metrics = json.loads(res.stdout)  # was JSON followed by the metrics table on stdout
    assert metrics["n"] == 300 and metrics["n_anomalies"] == 10
    assert "roc_auc" in res.stderr  # the table, on stderr


def test_the_console_is_back_on_stdout_after_a_dash_command(kit: dict[str, Path]) -> None:
    runner.invoke(app, ["evaluate", str(kit["model"]), str(kit["data"]), "--label-col", "label",
                        "--normal", "normal", "--json", "-"])
    res = runner.invoke(app, ["evaluate", str(kit["model"]), str(kit["data"]), "--label-col",
                              "label", "--normal", "normal"])
    assert res.exit_code == 0 and "roc_auc" in res.stdout, res.output


def test_a_device_is_written_into_not_replaced(kit: dict[str, Path]) -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["data"]), "-o", "/dev/null"])
    assert res.exit_code == 0, res.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # before: a temporary file renamed over it
    assert "wrote /dev/null" in res.stderr and "wrote" not in res.stdout


def test_a_named_pipe_gets_the_whole_output_only_on_success(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert is_stream_output(fifo) and is_stream_output("-") and not is_stream_output(tmp_path / "x")
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so the writer's open succeeds
    try:
        with pytest.raises(RuntimeError), atomic_output(fifo) as tmp:
            tmp.write_text("half")
            raise RuntimeError("failed mid-way")
        with atomic_output(fifo) as tmp:
            tmp.write_text("whole\n")
        assert os.read(reader, 100) == b"whole\n"  # nothing of the failed write
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    finally:
        os.close(reader)


def test_stream_dash_means_stdin_and_stdout(kit: dict[str, Path], tmp_path: Path) -> None:
    rows = pd.read_csv(kit["data"]).drop(columns="label").head(40)
    lines = rows.to_json(orient="records", lines=True)
    res = runner.invoke(app, ["stream", str(kit["model"]), "-i", "-", "-o", "-", "--all"],
                        input=lines)
    assert res.exit_code == 0, res.output
    assert len([json.loads(x) for x in res.stdout.splitlines() if x.strip()]) == 40
    assert not Path("-").exists()


def test_a_model_cannot_go_to_stdout(kit: dict[str, Path], tmp_path: Path) -> None:
    from tests._cli import one_line_error
    one_line_error(["train", str(kit["data"]), "-o", "-", *FAST], "--output -: a model is a folder")
    assert not Path("-").exists()


def test_data_from_standard_input_scores_as_the_file_does(kit: dict[str, Path]) -> None:
    import gzip
    whole = runner.invoke(app, ["score", str(kit["model"]), str(kit["data"]), "-o", "-"])
    piped = runner.invoke(app, ["score", str(kit["model"]), "-", "-o", "-"],
                          input=kit["data"].read_bytes())  # was '-: no such file'
    zipped = runner.invoke(app, ["score", str(kit["model"]), "-", "-o", "-"],
                           input=gzip.compress(kit["data"].read_bytes()))  # told by its bytes
    assert whole.exit_code == piped.exit_code == zipped.exit_code == 0, piped.output
    assert piped.stdout == whole.stdout == zipped.stdout and len(whole.stdout.splitlines()) == 301
    js = kit["folder"] / "flows.jsonl"
    pd.read_csv(kit["data"]).to_json(js, orient="records", lines=True)
    res = runner.invoke(app, ["evaluate", str(kit["model"]), "-", "--format", "jsonl", "--label-col",
                              "label", "--normal", "normal", "--json", "-"], input=js.read_bytes())
    assert res.exit_code == 0 and json.loads(res.stdout)["n_anomalies"] == 10, res.output


def test_empty_standard_input_is_one_line(kit: dict[str, Path], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from hourglass.cli.app import main
    out = tmp_path / "o.csv"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    monkeypatch.setattr("sys.argv", ["hourglass", "score", str(kit["model"]), "-", "-o", str(out)])
    with pytest.raises(SystemExit) as exit_:
        main()                                   # the console script: usage errors are one line
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert exit_.value.code == 2 and len(lines) == 1 and "standard input is empty" in lines[0], lines
    assert not out.exists()


def test_piped_data_is_named_standard_input_not_its_temporary_copy(kit: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    bad = b"proto,bytes,pkts,label\ntcp,1,2,normal\ntcp,1,2,3,normal\n"
    res = runner.invoke(app, ["evaluate", str(kit["model"]), "-", "--label-col", "label",
                              "--normal", "normal"], input=bad)
    assert res.exit_code == 2 and "error: standard input: line 3:" in res.stderr, res.output
    assert "hourglass-stdin" not in res.output  # was the temporary copy's path
    res = runner.invoke(app, ["inspect", "-"], input=kit["data"].read_bytes())
    assert res.exit_code == 0 and res.stdout.startswith("standard input: format"), res.output
    model = tmp_path / "piped"
    res = runner.invoke(app, ["train", "-", "--label-col", "label", "--normal", "normal",
                              "-o", str(model), *FAST], input=kit["data"].read_bytes())
    assert res.exit_code == 0, res.output
    assert json.loads((model / "config.json").read_text())["info"]["source"] == "standard input"


def test_ecs_and_grouped_alerts_go_to_standard_output(kit: dict[str, Path]) -> None:
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["data"]), "-o", "-",
                              "--alert-format", "ecs", "--anomalies-only"])  # was refused
    assert res.exit_code == 0, res.output
    docs = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert docs and all(d["event"]["kind"] == "alert" for d in docs)
    res = runner.invoke(app, ["score", str(kit["model"]), str(kit["data"]), "-o", "-",
                              "--group-by", "proto"])
    assert res.exit_code == 0, res.output
    groups = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert groups and {g["group_by"] for g in groups} == {"proto"}
