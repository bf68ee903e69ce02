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


def test_log_report_gives_no_advice_that_evaluate_refuses(tmp_path: Path) -> None:
    # the log model's report read 'n/a (no event rate: train with --timestamp-col or
    # --events-per-day)': log models refuse both; its subtitle counted the sessions as 'rows'
    from tests.test_logs import hdfs_log
    from tests.test_logs_evaluate import _test_log

    train = tmp_path / "train.log"
    train.write_text("\n".join(hdfs_log(10)) + "\n")
    res = runner.invoke(app, ["train", str(train), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                              "--model", "deeplog", "-o", str(tmp_path / "M"), "--epochs", "2",
                              "--param", "window=3", "--hidden", "8", "--param", "layers=1", "-q"])
    assert res.exit_code == 0, res.output
    log, labels = _test_log(tmp_path)
    html = tmp_path / "r.html"
    res = runner.invoke(app, ["evaluate", str(tmp_path / "M"), str(log), "--labels", str(labels),
                              "--report", str(html)])
    assert res.exit_code == 0, res.output
    page = html.read_text()
    assert "--timestamp-col" not in page and "--events-per-day" not in page
    assert "no event rate: log sessions come at no fixed rate" in page
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
