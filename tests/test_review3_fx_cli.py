"""Review of the CLI's option checks and reports: regression tests of the defects found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner


def usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
                match: str) -> None:
    """The console script ``hourglass ARGV`` exits 2 with one stderr line containing ``match``."""
    from hourglass.cli.app import main
    monkeypatch.setattr("sys.argv", ["hourglass", *argv])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 1 and match in lines[0], lines


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small labelled table: 190 normal rows, 10 shifted attacks."""
    d = tmp_path_factory.mktemp("table")
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    df["label"] = "normal"
    df.loc[:9, "label"] = "attack"
    df.loc[:9, "a"] += 5
    df.to_csv(d / "t.csv", index=False)
    return d / "t.csv"


@pytest.mark.parametrize("seed", ["-1", str(2**64)])
def test_train_seed_out_of_range_is_an_option_error(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str], table: Path,
                                                    tmp_path: Path, seed: str) -> None:
    # --seed -1 read and trained on the data, then failed with the detector's
    # 'random_state must be None or an integer in [0, 2**64)' naming no option
    usage_error(monkeypatch, capsys, ["train", str(table), "-o", str(tmp_path / "M"), "--seed", seed,
                                      "--epochs", "1"], "Invalid value for '--seed'")
    assert not (tmp_path / "M").exists()


def test_log_report_gives_no_advice_that_evaluate_refuses(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    # the log model's report read 'n/a (no event rate: train with --timestamp-col or
    # --events-per-day)': log models refuse both; its subtitle counted the sessions as 'rows'
    import matplotlib.pyplot as plt

    monkeypatch.setattr("hourglass.evaluate.plots._png", lambda fig: plt.close(fig) or "")  # text only
    from tests.test_logs import hdfs_log
    from tests.test_logs_evaluate import _test_log

    train = tmp_path / "train.log"
    train.write_text("\n".join(hdfs_log(6)) + "\n")
    res = runner.invoke(app, ["train", str(train), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                              "--model", "deeplog", "-o", str(tmp_path / "M"), "--epochs", "1",
                              "--param", "window=3", "--hidden", "8", "--param", "layers=1", "-q"])
    assert res.exit_code == 0, res.output
    log, labels = _test_log(tmp_path)
    html = tmp_path / "r.html"
    res = runner.invoke(app, ["evaluate", str(tmp_path / "M"), str(log), "--labels", str(labels),
                              "--report", str(html)])
    assert res.exit_code == 0, res.output
    page = html.read_text()
    assert "--timestamp-col" not in page and "--events-per-day" not in page
    assert "no event rate: log sessions come at no fixed rate; see alerts per 10k sessions" in page
    assert "alerts per 10k sessions</td>" in page or "alerts per 10k sessions" in page.split("see alerts")[0]
    assert "11 sessions, 2 anomalous" in page


@pytest.mark.parametrize("fraction", ["0.3", "0.2"])
def test_benchmark_refuses_a_test_fraction_beside_a_test_file(table: Path, tmp_path: Path,
                                                              fraction: str) -> None:
    # '--test-fraction 0.3' (the default, given) beside --test was accepted and ignored, though
    # the README says a test fraction beside a test file is refused
    test = tmp_path / "test.csv"
    test.write_bytes(table.read_bytes())
    one_line_error(["benchmark", str(table), "--test", str(test), "--test-fraction", fraction,
                    "--label-col", "label", "--normal", "normal", "--models", "none",
                    "--json", str(tmp_path / "b.json")],
                   f"--test-fraction {fraction}: splits DATA when there is no test file",
                   tmp_path / "b.json")


def test_table_report_on_all_normal_labels_names_the_data(table: Path, tmp_path: Path) -> None:
    # was 'report: the evaluated data needs both normal and anomalous rows' (render_report's own
    # message), without the option and data path the series, entity and log messages give
    res = runner.invoke(app, ["train", str(table), "-o", str(tmp_path / "M"), "--epochs", "1",
                              "--label-col", "label", "--normal", "normal", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    normal = tmp_path / "normal.csv"
    pd.read_csv(table).assign(label="normal").to_csv(normal, index=False)
    report, js = tmp_path / "r.html", tmp_path / "m.json"
    one_line_error(["evaluate", str(tmp_path / "M"), str(normal), "--report", str(report), "--json", str(js)],
                   f"--report {report}: needs both normal and anomalous rows; every one of the 200 "
                   f"labelled rows of {normal} is normal", report)
    assert not js.exists()


@pytest.fixture(scope="module")
def table_model(table: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model without a time column, and DATA's rows as JSON lines."""
    d = tmp_path_factory.mktemp("tmodel")
    res = runner.invoke(app, ["train", str(table), "-o", str(d / "M"), "--epochs", "1",
                              "--label-col", "label", "--normal", "normal", "--hidden", "4,2", "-q"])
    assert res.exit_code == 0, res.output
    lines = pd.read_csv(table).drop(columns="label").to_json(orient="records", lines=True)
    (d / "in.jsonl").write_text(lines)
    return {"model": d / "M", "input": d / "in.jsonl"}


@pytest.mark.parametrize(("extra", "match"), [
    (["--group-window", "50", "--idle-timeout", "1"],
     "--idle-timeout 1: closes time windows by the wall clock; windows of 50 rows (--group-window 50)"),
    (["--idle-timeout", "1"], "windows of 10000 rows (the default without a time column"),
    (["--idle-timeout", "inf"], "--idle-timeout: must be a finite number of seconds > 0, got inf"),
    # these were refused too, but after the output file was created (empty)
    (["--group-window", "10m"], "--group-window 10m: a time window needs each row's time"),
    (["--group-window", "xyz"], "--group-window: expected a time length"),
])
def test_stream_refuses_an_idle_timeout_that_would_do_nothing(table_model: dict[str, Path], tmp_path: Path,
                                                              extra: list[str], match: str) -> None:
    # --idle-timeout with a window of rows (given or the default) was accepted and did nothing
    # (only a time window closes by the wall clock); inf never elapsed
    out = tmp_path / "o.jsonl"
    one_line_error(["stream", str(table_model["model"]), "--input", str(table_model["input"]),
                    "--group-by", "a", *extra, "-o", str(out)], match, out)


def test_stream_refuses_a_nan_idle_timeout(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str],
                                           table_model: dict[str, Path], tmp_path: Path) -> None:
    # nan passes click's range check (nan < 0 is false) and never elapses: refused by the
    # option parser of this typer, and by the command's own check with any
    out = tmp_path / "o.jsonl"
    usage_error(monkeypatch, capsys, ["stream", str(table_model["model"]), "--input",
                                      str(table_model["input"]), "--group-by", "a", "--group-window",
                                      "10m", "--timestamp-col", "a", "--idle-timeout", "nan",
                                      "-o", str(out)], "--idle-timeout")
    assert not out.exists()
    import typer

    from hourglass.cli.stream import _open

    with pytest.raises(typer.Exit) as exit_:
        _open(table_model["model"], table_model["input"], out, None, None, False, None,
              idle_timeout=float("nan"), group=("a", "10m", "a"))  # (a kind that takes it)
    assert exit_.value.exit_code == 2 and not out.exists()
    assert "--idle-timeout: must be a finite number of seconds > 0, got nan" in capsys.readouterr().err


def test_log_evaluation_on_the_training_file_says_so(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    # the table, series and entity paths warned (and their report said so) when DATA was the
    # model's training file; a log model's evaluation did not
    import matplotlib.pyplot as plt

    monkeypatch.setattr("hourglass.evaluate.plots._png", lambda fig: plt.close(fig) or "")  # text only
    from tests.test_logs_evaluate import _test_log

    log, labels = _test_log(tmp_path)
    res = runner.invoke(app, ["train", str(log.resolve()), "--format", "hdfs", "--session-regex",
                              r"blk_-?\d+", "--model", "deeplog", "-o", str(tmp_path / "M"), "--epochs",
                              "1", "--param", "window=3", "--hidden", "8", "--param", "layers=1", "-q"])
    assert res.exit_code == 0, res.output
    html = tmp_path / "r.html"
    res = runner.invoke(app, ["evaluate", str(tmp_path / "M"), str(log), "--labels", str(labels),
                              "--report", str(html)])
    assert res.exit_code == 0, res.output
    assert "the model was trained on this file" in res.stderr
    assert "The model was trained on the data evaluated here" in html.read_text()
